"""`etabli wipe`, `etabli install`, `etabli journey` and `etabli outcome` as real processes,
against simulated phones (a SimulatedHandset: ADB and bootloader over TCP) run by the test.
The test plays the operator: it reads the command's questions on its stderr, does on the
simulated phone what they ask (the recovery menu), and answers on its stdin."""

from __future__ import annotations

import hashlib
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from bench_app.erasure.records import erasure_records
from bench_app.install.images import ImageLibrary
from bench_app.simulators.adb_phone.persona import load_persona
from bench_app.simulators.adb_phone.server import AdbSimulator
from bench_app.simulators.handset import SimulatedHandset
from bench_app.simulators.mode import SimulationMode
from bench_app.store import queries
from bench_app.store.database import DB_NAME, Store
from tests.install.test_phone_install import NEW_BUILD, make_rom

REPO = Path(__file__).resolve().parents[2]
CLI = [sys.executable, "-m", "bench_app.commands.main"]
DONOR_PHOTO = "/sdcard/DCIM/Camera/IMG_donor.jpg"
IMEI = ("--imei", "490154203237518")  # read on the label: the simulated phone does not say it
WAIT = 240.0


def _env(data_dir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "ETABLI_DATA_DIR": str(data_dir),
        "ETABLI_TESTING": "1",
        "ETABLI_OPERATOR": "atelier-test",
    }


class Command:
    """One `etabli` process whose questions the test reads and answers."""

    def __init__(self, data_dir: Path, *argv: str) -> None:
        self.proc = subprocess.Popen(
            [*CLI, *argv, "--data-dir", str(data_dir)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=_env(data_dir),
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.err: list[str] = []
        self._out: list[str] = []
        self._readers = [
            threading.Thread(target=self._read_err, daemon=True),
            threading.Thread(target=self._read_out, daemon=True),
        ]
        for reader in self._readers:
            reader.start()

    def _read_err(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.err.append(line)
            self.lines.put(line)
        self.lines.put(None)

    def _read_out(self) -> None:
        assert self.proc.stdout is not None
        self._out.extend(self.proc.stdout)

    def question(self, timeout: float = WAIT) -> str:
        """The next question the command asks (its "? ..." line)."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            assert left > 0, f"no question came; stderr: {''.join(self.err)[-2000:]}"
            line = self.lines.get(timeout=left)
            assert line is not None, f"the command ended: {''.join(self.err)[-2000:]}"
            if line.startswith("? "):
                return line[2:].strip()

    def answer(self, number: int) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(f"{number}\n")
        self.proc.stdin.flush()

    def end(self, timeout: float = WAIT) -> tuple[int, str, str]:
        if self.proc.stdin is not None and not self.proc.stdin.closed:
            self.proc.stdin.close()
        rc = self.proc.wait(timeout=timeout)
        for reader in self._readers:
            reader.join(timeout=30)
        return rc, "".join(self._out), "".join(self.err)

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.end()


def run(data_dir: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *argv, "--data-dir", str(data_dir)],
        capture_output=True,
        text=True,
        timeout=WAIT,
        env=_env(data_dir),
        stdin=subprocess.DEVNULL,
        check=False,
    )


@pytest.fixture
def handset() -> Iterator[SimulatedHandset]:
    """A Fairphone 4 with an unlocked bootloader and a donor's photo."""
    phone = SimulatedHandset(
        "fairphone-4", unlocked=True, simulation=SimulationMode.TEST, boot_delay=0.1
    )
    phone.start()
    phone.adb.phone.fs.write(DONOR_PHOTO, b"JFIF photo du donateur", 0o660, 1_700_000_000)
    yield phone
    phone.stop()


def _adb(phone: SimulatedHandset) -> str:
    return f"127.0.0.1:{phone.adb_port}"


def _fastboot(phone: SimulatedHandset) -> str:
    return f"127.0.0.1:{phone.fastboot_port}"


def _journey(data_dir: Path, asset: str) -> dict[str, Any]:
    done = run(data_dir, "journey", asset, "--json")
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout))


def _wipe_by_fastboot(data_dir: Path, phone: SimulatedHandset) -> dict[str, Any]:
    done = run(
        data_dir,
        "wipe",
        _adb(phone),
        "--route",
        "fastboot",
        "--fastboot",
        _fastboot(phone),
        "--json",
        *IMEI,
    )
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout))


def test_wipe_through_fastboot_records_a_verified_erasure(
    data_dir: Path, handset: SimulatedHandset
) -> None:
    report = _wipe_by_fastboot(data_dir, handset)
    assert report["job"]["pipeline"] == "phone.wipe" and report["job"]["state"] == "succeeded"
    assert handset.adb.phone.fs.stat(DONOR_PHOTO) is None
    assert "erase:metadata" in handset.bootloader.commands
    with Store.open_for_reading(data_dir / DB_NAME) as store:
        device = queries.device_by_code(store, report["asset_code"])
        assert device is not None
        (record,) = erasure_records(store, device.id)
    assert record["result"] == "erased" and record["verification"]["ok"] is True
    assert record["method"] == "factory reset via fastboot"
    journey = _journey(data_dir, report["asset_code"])
    assert journey["done"] == ["wipe"] and journey["erasure_verified"] is True
    assert journey["next"] == {
        "stage": "check",
        "label": {"fr": "Contrôler l’appareil", "en": "Check the device"},
    }


def test_wipe_through_the_recovery_asks_the_operator_and_resumes_after_a_kill(
    data_dir: Path, handset: SimulatedHandset
) -> None:
    first = Command(data_dir, "wipe", _adb(handset), *IMEI)
    assert "Effacer les données" in first.question()
    # The station is killed while the phone waits on its recovery menu; the operator
    # carries on with the phone in hand, then runs the command again.
    first.kill()
    _wait(lambda: handset.adb.mode == "recovery" and handset.adb.listening)
    handset.adb.recovery_select("wipe_data")
    handset.adb.recovery_select("reboot")
    rc, out, err = Command(data_dir, "wipe", _adb(handset), *IMEI).end()
    assert rc == 0, err
    assert handset.adb.phone.fs.stat(DONOR_PHOTO) is None
    with Store.open_for_reading(data_dir / DB_NAME) as store:
        (device,) = queries.devices(store)
        jobs = queries.jobs_for_device(store, device.id)
        types = [e.type for e in queries.events(store, device.id)]
        (record,) = erasure_records(store, device.id)
    # One job: interrupted by the kill, then resumed, not started again.
    assert len(jobs) == 1 and jobs[0].state.value == "succeeded"
    assert "job.interrupted" in types and "job.resumed" in types
    assert record["result"] == "erased" and record["method"] == "factory reset via recovery"
    assert device.asset_code in out
    # The resume found the reset done while it was away, and checked it like any other.
    assert checks_ok(record)


def checks_ok(record: dict[str, Any]) -> bool:
    checks = {c["check"]: c["ok"] for c in record["verification"]["checks"]}
    return bool(record["verification"]["ok"] and checks["markers_gone"] and checks["no_accounts"])


def test_wipe_with_nobody_to_answer_is_not_done(data_dir: Path, handset: SimulatedHandset) -> None:
    done = run(data_dir, "wipe", _adb(handset), *IMEI)  # recovery route, stdin closed
    assert done.returncode == 1
    assert "Effacer les données" in done.stderr and "pas de réponse" in done.stderr
    assert handset.adb.phone.fs.stat(DONOR_PHOTO) is not None


def test_wipe_of_a_phone_held_by_a_google_account_is_blocked_with_why(data_dir: Path) -> None:
    phone = AdbSimulator(load_persona("frp-locked"), "127.0.0.1", 0, mode=SimulationMode.TEST)
    phone.start()
    try:
        done = run(data_dir, "wipe", phone.serial, *IMEI)
    finally:
        phone.close()
    assert done.returncode == 1
    assert "compte Google" in done.stderr
    with Store.open_for_reading(data_dir / DB_NAME) as store:
        (device,) = queries.devices(store)
    journey = _journey(data_dir, device.asset_code)
    assert journey["next"]["label"]["fr"] == "Voir quoi faire"
    assert [b["code"] for b in journey["blockers"]] == ["JOURNEY_FRP_LOCK"]
    refused = run(data_dir, "outcome", device.asset_code, "reuse", "--beneficiary", "B-1")
    assert refused.returncode == 2 and "bloqué" in refused.stderr


def _import_images(tmp_path: Path, data_dir: Path) -> None:
    stick = tmp_path / "stick" / "lineageos" / "FP4"
    stick.mkdir(parents=True)
    (stick / "recovery.img").write_bytes(os.urandom(2 << 20))
    rom = make_rom(stick)
    sums = "".join(
        f"{hashlib.sha256(p.read_bytes()).hexdigest()}  {p.name}\n"
        for p in (stick / "recovery.img", rom)
    )
    (stick / "SHA256SUMS").write_text(sums)
    assert ImageLibrary(data_dir).import_folder(tmp_path / "stick").ok


def test_install_is_refused_before_a_verified_wipe_then_runs_after_it(
    data_dir: Path, handset: SimulatedHandset, tmp_path: Path
) -> None:
    target = (_adb(handset), "--fastboot", _fastboot(handset))
    refused = run(data_dir, "install", *target, "--system", "LineageOS")
    assert refused.returncode == 2
    assert "effacement vérifié" in refused.stderr
    assert not [c for c in handset.bootloader.commands if c.startswith("flash:")]

    asset = _wipe_by_fastboot(data_dir, handset)["asset_code"]
    unknown = run(data_dir, "install", *target, "--system", "Windows")
    assert unknown.returncode == 2 and "Windows" in unknown.stderr

    # No image in the library: the installation blocks, saying what to import.
    blocked = run(data_dir, "install", *target, "--system", "LineageOS")
    assert blocked.returncode == 1
    assert "etabli images import" in blocked.stderr

    _import_images(tmp_path, data_dir)
    install = Command(
        data_dir, "install", asset, "--adb", _adb(handset), *target[1:], "--system", "lineageos-20"
    )
    asked: list[str] = []
    while len(asked) < 2:
        question = install.question()
        asked.append(question)
        if "Factory reset" in question:
            _wait(lambda: handset.adb.mode == "recovery" and handset.adb.listening)
            handset.adb.recovery_select("wipe_data")
        elif "Apply from ADB" in question:
            _wait(lambda: handset.adb.mode in ("recovery", "sideload") and handset.adb.listening)
            if handset.adb.mode == "recovery":
                handset.adb.recovery_select("apply_update_from_adb")
        install.answer(1)
    rc, _, err = install.end()
    assert rc == 0, err
    assert handset.persona.props["ro.build.fingerprint"] == NEW_BUILD
    journey = _journey(data_dir, asset)
    assert journey["done"] == ["wipe", "install"]
    with Store.open_for_reading(data_dir / DB_NAME) as store:
        device = queries.device_by_code(store, asset)
        assert device is not None
        installed = [e for e in queries.events(store, device.id) if e.type == "device.os_installed"]
    assert installed[-1].payload["fingerprint"] == NEW_BUILD


def _wait(condition: Any, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the phone never got there"
        time.sleep(0.02)


def test_outcomes_are_refused_with_why_then_kept_with_their_history(
    data_dir: Path, handset: SimulatedHandset
) -> None:
    asset = _wipe_by_fastboot(data_dir, handset)["asset_code"]
    past = str(date.today() - timedelta(days=1))
    later = str(date.today() + timedelta(days=60))
    refusals = [
        (("recycling",), "éco-organisme"),
        (("loan", "--beneficiary", "B-7"), "date de retour"),
        (("loan", "--beneficiary", "B-7", "--due", past), "date à venir"),
        (("loan", "--due", later), "bénéficiaire"),
        (("sale",), "prix"),
        (("sale", "--price", "-3"), "montant"),
        (("sale", "--price", "12,345"), "montant"),
        (("sale", "--price", "45"), "reçu"),
    ]
    for argv, words in refusals:
        done = run(data_dir, "outcome", asset, *argv)
        assert done.returncode == 2, (argv, done.stdout, done.stderr)
        assert words in done.stderr, (argv, done.stderr)
    loan = run(data_dir, "outcome", asset, "loan", "--beneficiary", "B-7", "--due", later)
    assert loan.returncode == 0, loan.stderr
    sale = run(data_dir, "outcome", asset, "sale", "--price", "45,5", "--receipt", "RS-12")
    assert sale.returncode == 0, sale.stderr
    journey = _journey(data_dir, asset)
    assert journey["outcome"] == "sale"
    assert journey["outcome_details"] == {"price_eur": "45.50", "receipt": "RS-12"}
    history = journey["outcome_history"]
    assert [h["kind"] for h in history] == ["loan", "sale"]
    assert history[0]["due_on"] == later and history[0]["beneficiary"] == "B-7"
    text = run(data_dir, "journey", asset)
    assert "45,50 €" in text.stdout and "avant : prêt" in text.stdout


def test_a_drive_never_erased_goes_to_no_one(data_dir: Path) -> None:
    from bench_app.domain.model import DeviceKind
    from bench_app.station import Station

    station = Station(data_dir, operator="test")
    try:
        drive = station.register_device(DeviceKind.DRIVE, brand="Seagate", serial="ZA1")
    finally:
        station.close()
    done = run(data_dir, "outcome", drive.asset_code, "reuse", "--beneficiary", "B-1")
    assert done.returncode == 2
    assert "sans effacement vérifié" in done.stderr
    parts = run(data_dir, "outcome", drive.asset_code, "parts")
    assert parts.returncode == 0, parts.stderr
    wrong = run(data_dir, "wipe", drive.asset_code)
    assert wrong.returncode == 2 and "téléphones" in wrong.stderr
    text = run(data_dir, "journey", drive.asset_code)
    assert "Prochaine étape : Contrôler l’appareil" in text.stdout
