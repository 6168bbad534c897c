#!/usr/bin/env python3
"""Window latency while a batch of 8 phones is wiped and installed and 4 drives are erased,
all at once, beside the same window idle in the same run.

The 8 phones are whole simulated handsets (Android, bootloader, recovery; bench_app/
simulators/handset.py) started as a batch from the window's batch bar ("Tous les Fairphone 4",
"Effacer et installer LineageOS"): each one's verified wipe, then its installation (fastboot
flash of the recovery, sideload of the system) by the real pipelines, ADB driver and fastboot
client. A hand does on each phone what the station asks (recovery menu items) and answers in
a moment. The 4 drives are simulated docked drives (image files) really erased
(`drive.erase`, clear-random). A 10 ms timer measures how late the event loop delivers it;
the goal is a p99 under 50 ms while everything runs. The reference is the idle window's p99.

The phones are simulated in a process of their own (benchmarks/_phone_farm.py), as real phones
are outside the station: the window shares its interpreter with the station's own work only.
`--phones-in station` simulates them inside the station's process instead, as before.

    .venv/bin/python benchmarks/bench_ui_journey.py [--phones 8] [--drives 4] [--rom-mib 16]
        [--phones-in process|station] [--json]

`--json` prints, last, `{"measures": [{"name", "ours", "reference", "unit", "ratio", "goal",
"met"}]}`. Not a test: nothing here asserts a duration.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path
from typing import Any

import _common

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from _phone_farm import PhoneFarm
from PySide6.QtCore import QCoreApplication, QTimer

from bench_app.devices.android.keys import station_signer
from bench_app.devices.fastboot.finder import FastbootFinder
from bench_app.domain.model import DeviceKind
from bench_app.erasure.phone_wipe import phone_wipe
from bench_app.install.images import ImageLibrary
from bench_app.install.phone_install import phone_install
from bench_app.jobs.prompt import Prompt
from bench_app.settings import Settings
from bench_app.simulators.adb_phone.persona import imei_for
from bench_app.simulators.docked_drive import DRIVE_PERSONAS
from bench_app.simulators.mode import SimulationMode
from bench_app.simulators.source import SimulatedSource, Timing
from bench_app.station import Station
from ui.app import build_window, create_app
from ui.latency import LatencyProbe

GOAL_MS = 50.0
NEW_BUILD = "Fairphone/lineage_FP4/FP4:13/TQ3A.230901.001/eng.lineage.20240601:userdebug/test-keys"


def spin(seconds: float) -> None:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        QCoreApplication.processEvents()
        time.sleep(0.001)


def import_images(folder: Path, data: Path, rom_mib: int) -> None:
    """LineageOS for the FP4 as a workshop imports it: recovery, update zip, SHA256SUMS."""
    stick = folder / "stick" / "lineageos" / "FP4"
    stick.mkdir(parents=True)
    (stick / "recovery.img").write_bytes(os.urandom(8 << 20))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr(
            "META-INF/com/android/metadata",
            f"ota-type=BLOCK\npost-build={NEW_BUILD}\npost-sdk-level=33\n"
            "post-security-patch-level=2024-06-05\npre-device=FP4\n",
        )
        archive.writestr("payload.bin", os.urandom(rom_mib << 20))
    rom = stick / "lineage-20.0-20240601-nightly-FP4-signed.zip"
    rom.write_bytes(buffer.getvalue())
    sums = "".join(
        f"{hashlib.sha256(p.read_bytes()).hexdigest()}  {p.name}\n"
        for p in (stick / "recovery.img", rom)
    )
    (stick / "SHA256SUMS").write_text(sums)
    report = ImageLibrary(data).import_folder(folder / "stick")
    if not report.ok:
        raise SystemExit(f"images not imported: {report}")


class LocalPhones:
    """Handsets simulated in this process: what `PhoneFarm.act` does, done here."""

    def __init__(self, simulator: SimulatedSource) -> None:
        self.simulator = simulator
        self.keys: dict[str, str] = {}  # serial -> handle key

    def act(self, serial: str, modes: list[str], select: list[str]) -> str:
        adb = self.simulator.handset(self.keys[serial]).adb
        deadline = time.monotonic() + 60
        while not (adb.mode in modes and adb.listening) and time.monotonic() < deadline:
            time.sleep(0.02)
        if adb.mode == "recovery":
            for item in select:
                adb.recovery_select(item)
        return str(adb.mode)


class Hand:
    """A person at the bench: does on each phone what its question asks, then answers."""

    def __init__(self, phones: LocalPhones | PhoneFarm, handsets: dict[str, str]) -> None:
        self.phones = phones
        self.handsets = handsets  # device id -> the phone's serial
        self.seen: set[Prompt] = set()  # kept alive, so no id is ever reused
        self.threads: list[threading.Thread] = []

    def look(self, views: dict[str, Any]) -> None:
        for device_id, view in list(views.items()):
            prompt = view.prompt
            if prompt is None or prompt in self.seen or device_id not in self.handsets:
                continue
            self.seen.add(prompt)
            thread = threading.Thread(
                target=self._do, args=(self.handsets[device_id], prompt), daemon=True
            )
            self.threads.append(thread)
            thread.start()

    def _do(self, serial: str, prompt: Prompt) -> None:
        try:
            if prompt.question.en.startswith("Choose “Wipe data”"):
                self.phones.act(serial, ["recovery"], ["wipe_data", "reboot"])
            elif prompt.picture == "recovery-format-data.svg":
                self.phones.act(serial, ["recovery"], ["wipe_data"])
            elif prompt.picture == "recovery-sideload.svg":
                self.phones.act(serial, ["recovery", "sideload"], ["apply_update_from_adb"])
            if not prompt.answered:  # "Done", or the IMEI read on the label
                prompt.answer(prompt.choices[0].key if prompt.entry is None else imei_for(serial))
        except Exception as exc:  # the job then says what stopped it
            print(f"hand on {serial}: {exc}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--phones", type=int, default=8)
    parser.add_argument("--drives", type=int, default=4)
    parser.add_argument("--rom-mib", type=int, default=16, help="size of the system package")
    parser.add_argument("--idle-s", type=float, default=3.0)
    parser.add_argument("--timeout-s", type=float, default=900.0, help="give up after this")
    parser.add_argument(
        "--phones-in",
        choices=("process", "station"),
        default="process",
        help="simulate the phones in a process of their own (as real ones), or in the station's",
    )
    _common.add_json_flag(parser)
    args = parser.parse_args()
    app = create_app()
    with tempfile.TemporaryDirectory(prefix="etabli-journey-") as tmp:
        data = Path(tmp) / "station"
        settings = Settings(max_parallel_jobs=args.phones + args.drives)
        station = Station(data, training=True, settings=settings)
        import_images(Path(tmp), data, args.rom_mib)
        finder = FastbootFinder(usb=None)
        # As the tests do: a simulated phone restarts in a fraction of a second, so the
        # station looks for it every 50 ms instead of every 2 s.
        station.pipelines.register(phone_wipe(None, boot_timeout_s=60.0, poll_s=0.05))
        station.pipelines.register(
            phone_install(data, finder=finder, boot_timeout_s=60.0, poll_s=0.05)
        )
        simulator = SimulatedSource(
            SimulationMode.TRAINING,
            Timing(scale=1.0),
            adb_signer=station_signer(station.folder),
            drive_folder=Path(tmp) / "drives",
        )
        station.attach_source(simulator)
        phones: LocalPhones | PhoneFarm
        if args.phones_in == "process":
            phones = PhoneFarm(station.folder, station_signer(station.folder), finder)
            station.attach_source(phones)
        else:
            phones = LocalPhones(simulator)
        window = build_window(station, app, "fr", simulator, operator="banc")
        window.resize(1366, 768)
        window.show()
        serials: dict[str, str] = {}  # handle key -> serial
        for i in range(args.phones):
            serial, options = f"FP4BENCH{i + 1:03d}", {"boot_delay": 0.2}
            if isinstance(phones, PhoneFarm):
                phone, _ = phones.add_handset("fairphone-4", serial=serial, **options)
            else:
                phone = simulator.add_handset(
                    "fairphone-4", finder=finder, serial=serial, **options
                )
                phones.keys[serial] = phone.key
            serials[phone.key] = serial
        for i in range(args.drives):
            simulator.add_drive(DRIVE_PERSONAS[i % len(DRIVE_PERSONAS)].name)
        deadline = time.monotonic() + 60
        while len(window.cards) < args.phones + args.drives and time.monotonic() < deadline:
            spin(0.1)
        spin(1.0)
        handsets: dict[str, str] = {}
        drives: list[str] = []
        for device_id, view in window.views.items():
            handle = station.handle(device_id)
            if view.device.kind is DeviceKind.DRIVE:
                drives.append(device_id)
            elif handle is not None and handle.key in serials:
                handsets[device_id] = serials[handle.key]

        idle = LatencyProbe(10)
        idle.start()
        spin(args.idle_s)
        idle.stop()

        hand = Hand(phones, handsets)
        helper = QTimer()
        helper.timeout.connect(lambda: hand.look(window.views))
        helper.start(100)
        busy = LatencyProbe(10)
        busy.start()
        start = time.perf_counter()
        bar = window.batch_bar
        bar.refresh()
        for key in list(bar._groups):
            bar.tick_model(key)
        index = bar.system.findData("lineageos-20")
        bar.system.setCurrentIndex(index)
        batch = bar.start_ticked()
        if batch is None:
            raise SystemExit("the batch was refused")
        for device_id in drives:
            device = window.views[device_id].device
            confirm = {"method": "clear-random", "confirm_serial": device.serial[-4:]}
            station.start_job(device_id, "drive.erase", confirm)
        give_up = time.monotonic() + args.timeout_s
        told = ""
        while not batch.summary().finished or station.engine.active():
            spin(0.05)
            now = batch.summary()
            line = (
                f"{len(now.done)} done, {len(now.failed)} failed, {len(now.waiting)} waiting, "
                f"{len(now.running)} running; {len(station.engine.active())} jobs"
            )
            if line != told:
                print(f"[{time.perf_counter() - start:6.1f} s] {line}", file=sys.stderr)
                told = line
            if time.monotonic() > give_up:
                print("timed out: the batch is stopped", file=sys.stderr)
                break
        elapsed = time.perf_counter() - start
        busy.stop()
        helper.stop()
        summary = batch.summary()
        drive_states = sorted(
            {station.latest_job(d).state.value for d in drives}  # type: ignore[union-attr]
        )
        window.shutdown()
        station.close()
        simulator.stop()
        if isinstance(phones, PhoneFarm):
            phones.stop()
        for thread in hand.threads:
            thread.join(timeout=10)
    busy_p99, idle_p99 = busy.percentile(99), idle.percentile(99)
    figures = {
        "phones": args.phones,
        "drives": args.drives,
        "rom_mib": args.rom_mib,
        "phones_simulated_in": args.phones_in,
        "phones_done": len(summary.done),
        "phones_failed": [{"asset": a, "why": w.en} for a, w in summary.failed],
        "drive_jobs": drive_states,
        "wall_s": round(elapsed, 2),
        "busy_samples": len(busy.samples),
        "busy_p50_ms": round(busy.percentile(50), 2),
        "busy_p99_ms": round(busy_p99, 2),
        "busy_max_ms": round(max(busy.samples), 2),
        "idle_p50_ms": round(idle.percentile(50), 2),
        "idle_p99_ms": round(idle_p99, 2),
        "cpus": os.cpu_count(),
    }
    _common.report(
        "ui_journey",
        figures,
        [_common.measure("ui_p99_batch_install_and_drives", busy_p99, idle_p99, "ms")],
        as_json=args.json,
    )


if __name__ == "__main__":
    main()
