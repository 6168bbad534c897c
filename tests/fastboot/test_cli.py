"""`etabli simulate fastboot`: a real process that Debian's fastboot talks to."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from bench_app.commands.main import main
from tests.fastboot.support import WAIT, fastboot

ROOT = Path(__file__).resolve().parents[2]


def test_product_is_required(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--lang", "en", "simulate", "fastboot"]) == 2
    assert "--product" in capsys.readouterr().err


def test_a_real_process_answers_fastboot_then_stops_on_sigterm() -> None:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bench_app.commands.main",
            "--lang",
            "en",
            "simulate",
            "fastboot",
            "--product",
            "hannah",
            "--serial",
            "ZY22ABCD",
            "--no-slots",
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
        found = re.search(r"fastboot -s (tcp:127\.0\.0\.1:\d+)", line)
        assert found, line
        serial = found.group(1)
        assert "product: hannah" in fastboot(serial, "getvar", "product").stderr
        assert "serialno: ZY22ABCD" in fastboot(serial, "getvar", "serialno").stderr
        assert "slot-count: 1" in fastboot(serial, "getvar", "slot-count").stderr
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=WAIT) == 0
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def test_rebooting_into_android_ends_the_command() -> None:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bench_app.commands.main",
            "simulate",
            "fastboot",
            "--product",
            "FP4",
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert "Téléphone simulé en mode fastboot" in line
        serial = line.rsplit(" ", 1)[1].strip()
        assert fastboot(serial, "reboot").returncode == 0
        assert proc.wait(timeout=WAIT) == 0
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
