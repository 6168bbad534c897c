"""Approvals on the command line, as real processes: the same refusals as the window
(no approval, no PIN, a wrong PIN, not a supervisor), the PIN from the environment for a
script or typed at a terminal that does not echo it, and the fact naming both people."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import subprocess
import sys
import termios
from pathlib import Path

from bench_app.commands.approvals import PIN_ENV
from bench_app.domain.model import DeviceKind
from bench_app.station import Station
from tests.approvals.cases import (
    OPERATOR_NAME,
    SUPERVISOR_NAME,
    SUPERVISOR_PIN,
    TRAINER_NAME,
    TRAINER_PIN,
    add_staff,
    check_job,
)

REPO = Path(__file__).resolve().parents[2]
CLI = [sys.executable, "-m", "bench_app.commands.main"]
WAIT = 120.0


def _env(data_dir: Path, pin: str | None = None) -> dict[str, str]:
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "ETABLI_DATA_DIR": str(data_dir),
        "ETABLI_TESTING": "1",
        "ETABLI_OPERATOR": OPERATOR_NAME,
    }
    env.pop(PIN_ENV, None)
    if pin is not None:
        env[PIN_ENV] = pin
    return env


def run(data_dir: Path, *argv: str, pin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *argv, "--data-dir", str(data_dir)],
        capture_output=True,
        text=True,
        timeout=WAIT,
        env=_env(data_dir, pin),
        stdin=subprocess.DEVNULL,
        check=False,
    )


def _seed(data_dir: Path) -> tuple[str, str]:
    """A phone whose check passed, and one whose check failed: their asset codes."""
    station = Station(data_dir, operator="seed")
    try:
        add_staff(station)
        passed = station.register_device(DeviceKind.PHONE, brand="Fairphone", serial="P1")
        check_job(station, passed.id, fails=False)
        failed = station.register_device(DeviceKind.PHONE, brand="Fairphone", serial="P2")
        check_job(station, failed.id, fails=True)
        return passed.asset_code, failed.asset_code
    finally:
        station.close()


def _approvals(data_dir: Path, code: str) -> list[dict[str, object]]:
    lines = run(data_dir, "events", "--device", code, "--json").stdout.splitlines()
    return [json.loads(x)["payload"] for x in lines if '"approval.granted"' in x]


def test_recycling_a_sound_device_needs_a_supervisor_on_the_command_line(data_dir: Path) -> None:
    passed, _ = _seed(data_dir)
    recycle = ("outcome", passed, "recycling", "--reference", "ECO-9")
    alone = run(data_dir, *recycle)
    assert alone.returncode == 2 and "accord d’un responsable" in alone.stderr
    no_pin = run(data_dir, *recycle, "--supervisor", SUPERVISOR_NAME, "--reason", "écran HS")
    assert no_pin.returncode == 2 and PIN_ENV in no_pin.stderr
    wrong = run(
        data_dir, *recycle, "--supervisor", SUPERVISOR_NAME, "--reason", "écran HS", pin="0000"
    )
    assert wrong.returncode == 2 and f"Code faux pour {SUPERVISOR_NAME}" in wrong.stderr
    not_one = run(data_dir, *recycle, "--supervisor", OPERATOR_NAME, "--reason", "x", pin="1111")
    assert not_one.returncode == 2 and "ne peut pas donner cet accord" in not_one.stderr
    no_reason = run(data_dir, *recycle, "--supervisor", SUPERVISOR_NAME, pin=SUPERVISOR_PIN)
    assert no_reason.returncode == 2 and "pourquoi" in no_reason.stderr
    assert _approvals(data_dir, passed) == []
    journey = json.loads(run(data_dir, "journey", passed, "--json").stdout)
    assert journey["outcome"] is None

    done = run(
        data_dir,
        *recycle,
        "--supervisor",
        SUPERVISOR_NAME,
        "--reason",
        "écran HS",
        pin=SUPERVISOR_PIN,
    )
    assert done.returncode == 0, done.stderr
    [fact] = _approvals(data_dir, passed)
    assert (fact["operator"], fact["supervisor"]) == (OPERATOR_NAME, SUPERVISOR_NAME)
    assert (fact["action"], fact["reason"]) == ("recycle_passed", "écran HS")
    journey = json.loads(run(data_dir, "journey", passed, "--json").stdout)
    assert journey["outcome"] == "recycling"


def test_a_failed_check_is_overridden_from_the_command_line(data_dir: Path) -> None:
    passed, failed = _seed(data_dir)
    before = json.loads(run(data_dir, "journey", failed, "--json").stdout)
    assert [b["code"] for b in before["blockers"]] == ["JOURNEY_CHECK_FAILED"]
    refused = run(data_dir, "override-check", failed)
    assert refused.returncode == 2 and "accord d’un responsable" in refused.stderr
    nothing = run(
        data_dir, "override-check", passed, "--supervisor", SUPERVISOR_NAME, "--reason", "r",
        pin=SUPERVISOR_PIN,
    )  # fmt: skip
    assert nothing.returncode == 2 and "rien à passer outre" in nothing.stderr
    done = run(
        data_dir, "override-check", failed, "--supervisor", SUPERVISOR_NAME, "--reason",
        "batterie neuve, lecture impossible", pin=SUPERVISOR_PIN,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert SUPERVISOR_NAME in done.stdout
    after = json.loads(run(data_dir, "journey", failed, "--json").stdout)
    check = next(s for s in after["stages"] if s["stage"] == "check")
    assert check["state"] == "skipped" and "batterie neuve" in check["why"]["fr"]
    assert after["blockers"] == [] and after["next"]["stage"] == "wipe"


def test_the_pin_typed_at_a_terminal_is_not_echoed(data_dir: Path) -> None:
    """Without the variable, the PIN is asked on the terminal; what is typed never shows."""
    _, failed = _seed(data_dir)
    master, slave = pty.openpty()

    def controlling_terminal() -> None:  # the pty becomes the child's /dev/tty
        os.setsid()
        fcntl.ioctl(slave, termios.TIOCSCTTY, 0)

    argv = [*CLI, "override-check", failed, "--supervisor", SUPERVISOR_NAME]
    argv += ["--reason", "lecture impossible", "--data-dir", str(data_dir)]
    proc = subprocess.Popen(
        argv,
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=_env(data_dir),
        preexec_fn=controlling_terminal,
        close_fds=True,
    )
    os.close(slave)
    seen = b""
    try:
        while b"Code de Nadia" not in seen:
            chunk = os.read(master, 1024)
            assert chunk, seen
            seen += chunk
        os.write(master, SUPERVISOR_PIN.encode() + b"\n")
        while True:
            try:
                chunk = os.read(master, 1024)
            except OSError:  # the child closed its end
                break
            if not chunk:
                break
            seen += chunk
        assert proc.wait(timeout=WAIT) == 0, seen
    finally:
        os.close(master)
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert SUPERVISOR_PIN.encode() not in seen
    assert b"accord de Nadia" in seen
    [fact] = _approvals(data_dir, failed)
    assert fact["supervisor"] == SUPERVISOR_NAME


def test_in_training_the_trainer_approves_on_the_command_line(data_dir: Path) -> None:
    passed, _ = _seed(data_dir)
    recycle = ("outcome", passed, "recycling", "--reference", "ECO-3")
    trainer = ("--supervisor", TRAINER_NAME, "--reason", "démonstration")
    real = run(data_dir, *recycle, *trainer, pin=TRAINER_PIN)
    assert real.returncode == 2 and "ne peut pas donner cet accord" in real.stderr
    done = run(data_dir, "--training", *recycle, *trainer, pin=TRAINER_PIN)
    assert done.returncode == 0, done.stderr
    [fact] = _approvals(data_dir, passed)
    assert (fact["supervisor"], fact["role"]) == (TRAINER_NAME, "trainer")
