"""`etabli simulate phone`: list the personas, and run one as a real process."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from bench_app.commands.main import main
from tests.simulators.adb_phone.support import WAIT, AdbServer

ROOT = Path(__file__).resolve().parents[2]


def test_list_prints_every_persona(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", "phone", "--list"]) == 0
    out = capsys.readouterr().out
    for name in ("fairphone-4", "unauthorized", "xiaomi-redmi-5a", "slow"):
        assert re.search(rf"^{name}\s+\S", out, re.M)


def test_persona_is_required_and_must_exist(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--lang", "en", "simulate", "phone"]) == 2
    assert "--persona" in capsys.readouterr().err
    assert main(["simulate", "phone", "--persona", "nokia-3310"]) == 2
    assert "unknown persona" in capsys.readouterr().err


def test_a_real_process_serves_adb_then_stops_on_sigterm(adb_server: AdbServer) -> None:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bench_app.commands.main",
            "--lang",
            "en",
            "simulate",
            "phone",
            "--persona",
            "fairphone-4",
            "--port",
            "0",
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        found = re.search(r"adb connect (127\.0\.0\.1:\d+)", line)
        assert found, line
        serial = found.group(1)
        fields = adb_server.connect(serial)
        assert "model:FP4" in fields
        model = adb_server.run("-s", serial, "shell", "getprop", "ro.product.model")
        assert model.stdout == "FP4\n"
        adb_server.run("disconnect", serial)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=WAIT) == 0
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def test_rebooting_the_phone_ends_the_command(adb_server: AdbServer) -> None:
    """Even a reboot into Android, after which the phone would answer again."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bench_app.commands.main",
            "simulate",
            "phone",
            "--persona",
            "fairphone-4",
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    serial = ""
    try:
        assert proc.stdout is not None
        found = re.search(r"adb connect (127\.0\.0\.1:\d+)", proc.stdout.readline())
        assert found
        serial = found.group(1)
        adb_server.connect(serial)
        adb_server.run("-s", serial, "reboot")
        assert proc.wait(timeout=WAIT) == 0
    finally:
        if serial:
            adb_server.run("disconnect", serial)
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
