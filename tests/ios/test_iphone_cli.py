"""`etabli simulate iphone`, and `etabli diagnose UDID|SERIAL` and `etabli wipe` against it, as
real processes; Debian's ideviceinfo reaches the simulator started from the command line."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bench_app.commands.main import main
from bench_app.erasure.records import erasure_records
from bench_app.simulators.iphone import list_personas, load_persona
from bench_app.store import queries
from bench_app.store.database import DB_NAME, Store

ROOT = Path(__file__).resolve().parents[2]
StartSimulator = Callable[..., str]


def test_list_prints_every_persona(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", "iphone", "--list"]) == 0
    out = capsys.readouterr().out
    assert len(list_personas()) >= 5
    for name in list_personas():
        assert re.search(rf"^{name}\s+iPhone", out, re.M)


def test_persona_is_required_and_must_exist(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--lang", "en", "simulate", "iphone"]) == 2
    assert "--persona" in capsys.readouterr().err
    assert main(["simulate", "iphone", "--persona", "nokia-3310"]) == 2
    assert "no iPhone persona" in capsys.readouterr().err
    assert main(["simulate", "iphone", "--persona", "../iphone-13"]) == 2


@pytest.fixture
def start_simulator() -> Iterator[StartSimulator]:
    procs: list[subprocess.Popen[str]] = []

    def start(persona: str, *extra: str) -> str:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bench_app.commands.main", "--lang", "en", "simulate",
             "iphone", "--persona", persona, "--port", "0", *extra],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"}, start_new_session=True,
        )  # fmt: skip
        procs.append(proc)
        assert proc.stdout is not None
        line = proc.stdout.readline()
        found = re.search(r"USBMUXD_SOCKET_ADDRESS=(127\.0\.0\.1:\d+) ideviceinfo", line)
        assert found, line
        threading.Thread(target=proc.stdout.read, daemon=True).start()
        return found.group(1)

    yield start
    for proc in procs:
        proc.send_signal(signal.SIGTERM)
        try:
            assert proc.wait(timeout=30) == 0
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def test_ideviceinfo_reaches_the_command_line_simulator(
    start_simulator: StartSimulator, tmp_path: Path
) -> None:
    socket_path = tmp_path / "usbmuxd"
    address = start_simulator("worn-battery", "--socket", str(socket_path))
    binary = shutil.which("ideviceinfo")
    assert binary, "apt-get install libimobiledevice-utils (packaging/bootstrap.py)"
    for where in (address, f"UNIX:{socket_path}"):
        shown = subprocess.run(
            [binary, "-s", "-k", "ProductType"], capture_output=True, text=True, timeout=60,
            env={**os.environ, "USBMUXD_SOCKET_ADDRESS": where}, check=False,
        )  # fmt: skip
        assert shown.stdout.strip() == "iPhone11,8", shown.stderr


def diagnose(address: str, data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bench_app.commands.main", "diagnose", *args,
         "--data-dir", str(data_dir)],
        capture_output=True, text=True, timeout=180, cwd=ROOT,
        env={**os.environ, "ETABLI_TESTING": "1", "USBMUXD_SOCKET_ADDRESS": address},
    )  # fmt: skip


def test_diagnose_waits_for_trust_then_records_the_iphone(
    start_simulator: StartSimulator, data_dir: Path
) -> None:
    persona = load_persona("iphone-13")
    address = start_simulator("iphone-13")
    done = diagnose(address, data_dir, persona.udid, "--json", "--wait", "30")
    assert done.returncode == 0, done.stderr
    assert "Faire confiance" in done.stderr  # the first pairing asked, then the user tapped
    report = json.loads(done.stdout)
    assert (report["brand"], report["model"]) == ("Apple", "iPhone 13")
    assert report["serial"] == persona.serial
    assert report["imei"] == persona.values["InternationalMobileEquipmentIdentity"]
    steps = {r["step"]: r for r in report["results"]}
    assert list(steps) == ["identity", "locks", "management", "battery", "storage"]
    assert [s["status"] for s in steps.values()] == ["passed"] * 5
    assert steps["battery"]["evidence"]["reading"]["cycle_count"] == 187
    assert all(not k.startswith("raw") for r in report["results"] for k in r["evidence"])
    with Store.open_for_reading(data_dir / DB_NAME) as store:
        results = queries.step_results(store, report["job"]["id"])
        battery = next(r for r in results if r.step_id == "battery")
        assert "<key>CycleCount</key>" in battery.evidence["raw"]
        identity = next(r for r in results if r.step_id == "identity")
        assert identity.evidence["raw_values"]["UniqueDeviceID"] == persona.udid
    # Paired now: the serial number finds it too, without asking again.
    again = diagnose(address, data_dir, persona.serial, "--wait", "10", "--lang", "en")
    assert again.returncode == 0, again.stderr
    assert report["asset_code"] in again.stdout and "Trust" not in again.stderr


def test_diagnose_says_find_my_blocks(start_simulator: StartSimulator, data_dir: Path) -> None:
    address = start_simulator("find-my-on")
    done = diagnose(address, data_dir, load_persona("find-my-on").udid, "--lang", "en")
    assert done.returncode == 1, done.stderr
    assert "Find My is on" in done.stdout


def test_diagnose_of_an_iphone_that_never_trusts(
    start_simulator: StartSimulator, data_dir: Path
) -> None:
    address = start_simulator("never-trusts")
    udid = load_persona("never-trusts").udid
    done = diagnose(address, data_dir, udid, "--wait", "3")
    assert done.returncode == 2
    assert "Faire confiance" in done.stderr and "ne fait pas confiance" in done.stderr
    assert "Traceback" not in done.stderr


def wipe(address: str, data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bench_app.commands.main", "wipe", *args,
         "--data-dir", str(data_dir)],
        capture_output=True, text=True, timeout=180, cwd=ROOT,
        env={**os.environ, "ETABLI_TESTING": "1", "USBMUXD_SOCKET_ADDRESS": address},
    )  # fmt: skip


def test_wipe_erases_an_iphone_named_by_udid_then_by_asset_code(
    start_simulator: StartSimulator, data_dir: Path
) -> None:
    persona = load_persona("iphone-13")
    address = start_simulator("iphone-13")
    done = wipe(address, data_dir, persona.udid, "--json", "--wait", "30")
    assert done.returncode == 0, done.stderr
    assert "Faire confiance" in done.stderr  # trusted first, as at the bench
    report = json.loads(done.stdout)
    assert report["job"]["pipeline"] == "iphone.erase"
    assert report["job"]["state"] == "succeeded"
    steps = {r["step"]: r["status"] for r in report["results"]}
    assert steps["wipe"] == steps["verify"] == "passed"
    with Store.open_for_reading(data_dir / DB_NAME) as store:
        device = queries.device_by_code(store, report["asset_code"])
        assert device is not None and device.serial == persona.serial
        (record,) = erasure_records(store, device.id)
    assert record["result"] == "erased"
    # Named by its asset code, the same iPhone (back at "Hello", trusting again) is found.
    again = wipe(address, data_dir, report["asset_code"], "--wait", "30", "--lang", "en")
    assert again.returncode == 0, again.stderr
    assert report["asset_code"] in again.stdout


def test_wipe_refuses_an_iphone_that_find_my_holds(
    start_simulator: StartSimulator, data_dir: Path
) -> None:
    address = start_simulator("find-my-on")
    done = wipe(address, data_dir, load_persona("find-my-on").udid, "--lang", "en")
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    with Store.open_for_reading(data_dir / DB_NAME) as store:
        (device,) = queries.devices(store)
        assert all(r["result"] != "erased" for r in erasure_records(store, device.id))
