"""`etabli diagnose HOST:PORT` against a simulated phone started by `etabli simulate phone`,
both as real processes."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bench_app.store import queries
from bench_app.store.database import DB_NAME, Store


@pytest.fixture
def simulated_phone() -> Iterator[Callable[[str], str]]:
    procs: list[subprocess.Popen[str]] = []

    def start(persona: str) -> str:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bench_app.commands.main",
                "simulate",
                "phone",
                "--persona",
                persona,
                "--port",
                "0",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, "ETABLI_TESTING": "1"},
        )
        procs.append(proc)
        assert proc.stdout is not None
        for line in proc.stdout:
            found = re.search(r"(127\.0\.0\.1:\d+)", line)
            if found:
                # Keep reading its log, or the phone would block on a full pipe.
                threading.Thread(target=proc.stdout.read, daemon=True).start()
                return found.group(1)
        raise AssertionError("the simulated phone never said its address")

    yield start
    for proc in procs:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)


def diagnose(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "bench_app.commands.main",
            "diagnose",
            *args,
            "--data-dir",
            str(data_dir),
            "--wait",
            "30",
        ],
        capture_output=True,
        text=True,
        timeout=180,
        env={**os.environ, "ETABLI_TESTING": "1"},
    )


def test_diagnose_reads_and_records_a_phone(
    data_dir: Path, simulated_phone: Callable[[str], str]
) -> None:
    address = simulated_phone("samsung-galaxy-s9")
    done = diagnose(data_dir, address, "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["brand"] == "Samsung" and report["model"] == "SM-G960F"
    steps = {r["step"]: r for r in report["results"]}
    assert set(steps) == {"identity", "locks", "battery", "storage", "security", "hardware"}
    assert steps["battery"]["evidence"]["reading"]["percent"] is not None
    assert all("raw" not in k for r in report["results"] for k in r["evidence"])
    # Recorded on the station like any check, raw outputs kept as evidence.
    with Store.open_for_reading(data_dir / DB_NAME) as store:
        device = queries.device_by_code(store, report["asset_code"])
        assert device is not None and device.serial == report["serial"]
        results = queries.step_results(store, report["job"]["id"])
        battery = next(r for r in results if r.step_id == "battery")
        assert "level:" in battery.evidence["raw"]


def test_diagnose_says_a_locked_phone_is_blocked(
    data_dir: Path, simulated_phone: Callable[[str], str]
) -> None:
    address = simulated_phone("frp-locked")
    done = diagnose(data_dir, address, "--lang", "en")
    assert done.returncode == 1
    assert "Google account" in done.stdout


def test_diagnose_of_a_phone_that_never_allows_the_station(
    data_dir: Path, simulated_phone: Callable[[str], str]
) -> None:
    address = simulated_phone("unauthorized")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench_app.commands.main",
            "diagnose",
            address,
            "--data-dir",
            str(data_dir),
            "--wait",
            "3",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "ETABLI_TESTING": "1"},
    )
    assert done.returncode == 2
    assert "Autoriser" in done.stderr and "n’a pas autorisé" in done.stderr


def test_diagnose_of_a_usb_serial_that_is_not_plugged_in(data_dir: Path) -> None:
    """No phone with that serial on USB: a plain sentence and exit 2, never a traceback."""
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench_app.commands.main",
            "diagnose",
            "NOSUCHPHONE01",
            "--data-dir",
            str(data_dir),
            "--wait",
            "2",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "ETABLI_TESTING": "1"},
    )
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert "NOSUCHPHONE01" in done.stderr and "ne répond pas" in done.stderr


def test_diagnose_reads_a_phone_in_trade_in_mode(
    data_dir: Path, simulated_phone: Callable[[str], str]
) -> None:
    """A reset Android 16 phone at its setup screen: no key to allow, its status read."""
    address = simulated_phone("trade-in-android16")
    done = diagnose(data_dir, address, "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert (report["model"], report["serial"]) == ("Pixel 7a", "2B161JEHN0A7QK")
    assert report["imei"] == "356217442915831"
    steps = {r["step"]: r for r in report["results"]}
    assert set(steps) == {"identity", "locks", "battery", "storage"}
    assert steps["battery"]["evidence"]["reading"]["cycle_count"] == 212
    assert steps["locks"]["evidence"]["frp_locked"] is False
    with Store.open_for_reading(data_dir / DB_NAME) as store:
        results = queries.step_results(store, report["job"]["id"])
        battery = next(r for r in results if r.step_id == "battery")
        assert json.loads(battery.evidence["raw"])["battery"]["cycle_count"] == 212


def test_diagnose_says_frp_holds_a_trade_in_phone(
    data_dir: Path, simulated_phone: Callable[[str], str]
) -> None:
    address = simulated_phone("trade-in-frp-locked")
    done = diagnose(data_dir, address, "--lang", "en")
    assert done.returncode == 1
    assert "FRP" in done.stdout
