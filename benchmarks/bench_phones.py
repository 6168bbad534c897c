#!/usr/bin/env python3
"""Phones, measured against Debian's own `adb` client on the same simulated phones:

1. from a phone appearing to its card showing its identity (Établi: the window, the driver
   connecting with its key and reading getprop) vs `adb connect` + `adb shell getprop`;
2. the full automated diagnostics of one phone (the `phone.readings` check, recorded) vs the
   same commands run one by one through `adb shell`;
3. 16 phones diagnosed at once in the window: total time and the event loop's p99 latency.

    .venv/bin/python benchmarks/bench_phones.py [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from functools import partial
from pathlib import Path

import _common

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["ETABLI_TESTING"] = "1"  # the simulated phones start in test mode here

from PySide6.QtCore import QCoreApplication, QTimer

from bench_app.devices.android.driver import AndroidPhone
from bench_app.devices.android.keys import station_signer
from bench_app.devices.android.tcp_source import TcpPhoneSource
from bench_app.settings import Settings
from bench_app.simulators.adb_phone import AdbSimulator, load_persona
from bench_app.simulators.mode import SimulationMode
from bench_app.simulators.source import SimulatedSource
from bench_app.station import Station
from ui.app import build_window, create_app
from ui.latency import LatencyProbe

READINGS = (
    "getprop",
    "service call iphonesubinfo 1",
    "dumpsys account",
    "dumpsys device_policy",
    "dumpsys battery",
    "df -k /data",
    "cat /proc/meminfo",
    "which su",
    "pm list features",
    "dumpsys sensorservice",
)
MODELS = ("fairphone-4", "google-pixel-6", "samsung-galaxy-s9", "xiaomi-redmi-5a")


def spin_until(condition: object, timeout: float = 120.0) -> None:
    deadline = time.perf_counter() + timeout
    while not condition():  # type: ignore[operator]
        QCoreApplication.processEvents()
        time.sleep(0.001)
        if time.perf_counter() > deadline:
            raise TimeoutError("the benchmark's phone never got there")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Adb:
    def __init__(self, home: Path) -> None:
        binary = shutil.which("adb")
        if binary is None:
            raise SystemExit(
                "Debian's adb is needed: run `python3 packaging/bootstrap.py test` once"
            )
        self.binary = binary
        self.port = free_port()
        (home / ".android").mkdir(parents=True, exist_ok=True)
        self.env = dict(
            os.environ,
            HOME=str(home),
            ANDROID_SDK_HOME=str(home),
            ANDROID_USER_HOME=str(home / ".android"),
        )
        self.run("start-server")

    def run(self, *args: str) -> str:
        done = subprocess.run(
            [self.binary, "-P", str(self.port), *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        return done.stdout

    def stop(self) -> None:
        self.run("kill-server")


def adb_identity(adb: Adb, persona: str) -> tuple[float, float]:
    """(seconds to identity, seconds for the readings) with Debian's adb."""
    sim = AdbSimulator(
        load_persona(persona),
        behaviour=load_persona(persona).behaviour.with_flags(accept_delay=0.0),
    )
    port = sim.start()
    serial = f"127.0.0.1:{port}"
    try:
        start = time.perf_counter()
        adb.run("connect", serial)
        deadline = time.perf_counter() + 60
        while adb.run("-s", serial, "get-state").strip() != "device":
            if time.perf_counter() > deadline:
                raise TimeoutError(f"adb never saw {serial} as a device")
            time.sleep(0.005)
        adb.run("-s", serial, "shell", "getprop")
        identity_s = time.perf_counter() - start
        start = time.perf_counter()
        for command in READINGS:
            adb.run("-s", serial, "shell", command)
        readings_s = time.perf_counter() - start
        adb.run("disconnect", serial)
    finally:
        sim.close()
    return identity_s, readings_s


def etabli_identity(persona: str, folder: Path) -> tuple[float, float]:
    """(seconds from plug to a card with identity, seconds for the phone.readings check)."""
    app = create_app()
    signer = station_signer(folder)
    station = Station(folder / f"st-{persona}-{time.monotonic_ns()}", training=True)
    simulator = SimulatedSource(SimulationMode.TEST, adb_signer=signer)
    station.attach_source(simulator)
    window = build_window(station, app, "fr", simulator)
    window.show()
    try:
        start = time.perf_counter()
        simulator.add_adb_phone(persona, accept_delay=0.0)
        spin_until(lambda: any(c.title.text() not in ("", "phone") for c in window.cards.values()))
        identity_s = time.perf_counter() - start
        device_id = next(iter(window.cards))
        start = time.perf_counter()
        station.start_job(device_id, "phone.readings")
        spin_until(lambda: station.engine.job_for_device(device_id) is None)
        readings_s = time.perf_counter() - start
        job = station.latest_job(device_id)
        assert job is not None and job.state.value == "succeeded", job
    finally:
        window.shutdown()
        station.close()
    return identity_s, readings_s


def start_phone_process(persona: str, serial: str) -> tuple[subprocess.Popen[str], int]:
    """A simulated phone in its own process, as a real phone is outside the station."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bench_app.commands.main",
            "simulate",
            "phone",
            "--persona",
            persona,
            "--serial",
            serial,
            "--port",
            "0",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=dict(os.environ, PYTHONPATH=str(_common.ROOT)),
    )
    assert proc.stdout is not None
    for line in proc.stdout:
        found = re.search(r"127\.0\.0\.1:(\d+)", line)
        if found:
            threading.Thread(target=proc.stdout.read, daemon=True).start()
            return proc, int(found.group(1))
    raise RuntimeError(f"simulated phone {persona} did not start")


def sixteen_at_once(folder: Path) -> dict[str, float]:
    app = create_app()
    signer = station_signer(folder)
    station = Station(folder / "sixteen", training=True, settings=Settings(max_parallel_jobs=16))
    tcp = TcpPhoneSource(lambda target: AndroidPhone(target, signer), poll_s=0.2)
    station.attach_source(tcp)
    window = build_window(station, app, "fr", None)
    window.resize(1280, 800)
    window.show()
    phones = [start_phone_process(MODELS[i % len(MODELS)], f"BENCH{i:04d}") for i in range(16)]
    try:
        for _, port in phones:
            tcp.add("127.0.0.1", port)
        spin_until(lambda: len(station.connected_device_ids()) == 16)
        spin_until(lambda: len(window.cards) == 16)
        probe = LatencyProbe(10)
        probe.start()
        start = time.perf_counter()
        # Started as an operator would, one click each (one event-loop turn each).
        ids = station.connected_device_ids()
        for i, device_id in enumerate(ids):
            QTimer.singleShot(i * 5, partial(station.start_job, device_id, "phone.readings"))
        spin_until(lambda: all(station.latest_job(d) is not None for d in ids))
        started = time.perf_counter() - start
        spin_until(lambda: not station.engine.active())
        total = time.perf_counter() - start
        settle = time.perf_counter() + 0.3  # the last redraws count too
        spin_until(lambda: time.perf_counter() > settle)
        probe.stop()
        states = {station.latest_job(d).state.value for d in station.connected_device_ids()}  # type: ignore[union-attr]
        assert states == {"succeeded"}, states
    finally:
        window.shutdown()
        station.close()
        for proc, _ in phones:
            proc.terminate()
            proc.wait(timeout=30)
    return {
        "total_s": round(total, 2),
        "last_job_started_after_s": round(started, 3),
        "latency_p50_ms": round(probe.percentile(50), 2),
        "latency_p99_ms": round(probe.percentile(99), 2),
        "latency_max_ms": round(max(probe.samples), 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    _common.add_json_flag(parser)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="etabli-phones-") as tmp:
        folder = Path(tmp)
        adb = Adb(folder / "adb-home")
        try:
            ours = [etabli_identity(MODELS[i % len(MODELS)], folder) for i in range(args.runs)]
            theirs = [adb_identity(adb, MODELS[i % len(MODELS)]) for i in range(args.runs)]
        finally:
            adb.stop()
        many = sixteen_at_once(folder)
    id_ours = _common.median([o[0] for o in ours])
    id_adb = _common.median([t[0] for t in theirs])
    rd_ours = _common.median([o[1] for o in ours])
    rd_adb = _common.median([t[1] for t in theirs])
    _common.report(
        "phones",
        {
            "runs": args.runs,
            "appear_to_identity_s": round(id_ours, 3),
            "adb_connect_getprop_s": round(id_adb, 3),
            "ratio_identity_vs_adb": round(id_ours / id_adb, 2),
            "automated_diagnostics_s": round(rd_ours, 3),
            "adb_same_commands_s": round(rd_adb, 3),
            "ratio_diagnostics_vs_adb": round(rd_ours / rd_adb, 2),
            "sixteen_phones_at_once": many,
        },
        [
            _common.measure("phone_identity_vs_adb", id_ours, id_adb, "s"),
            _common.measure("phone_diagnostics_vs_adb", rd_ours, rd_adb, "s"),
        ],
        as_json=args.json,
    )


if __name__ == "__main__":
    main()
