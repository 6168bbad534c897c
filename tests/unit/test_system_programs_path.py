"""A station run by a normal user finds the drive tools Debian puts in /usr/sbin (smartctl,
hdparm, nvme): the `etabli` command adds the system program folders its PATH lacks."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from bench_app.errors import BenchError
from bench_app.jobs.process import ProcessRunner, ensure_system_programs_on_path


def test_the_missing_system_folders_are_added_after_the_users_own() -> None:
    env = {"PATH": "/home/atelier/bin:/usr/local/bin:/usr/bin:/bin:/usr/sbin"}
    ensure_system_programs_on_path(env)
    assert env["PATH"].split(os.pathsep) == [
        "/home/atelier/bin",
        "/usr/local/bin",
        "/usr/bin",
        "/bin",
        "/usr/sbin",
        "/usr/local/sbin",
        "/sbin",
    ]
    before = env["PATH"]
    ensure_system_programs_on_path(env)
    assert env["PATH"] == before  # nothing twice


def test_the_etabli_command_runs_programs_with_them() -> None:
    """A real `etabli` process started with a normal user's Debian PATH: the programs it
    runs see /usr/sbin on theirs."""
    code = (
        "import os, sys; from bench_app.commands import main as m; "
        "m.run_simulate = lambda args: print(os.environ['PATH']) or 0; "
        "sys.exit(m.main(['simulate', 'phone', '--list']))"
    )
    env = {**os.environ, "PATH": "/usr/local/bin:/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert "/usr/sbin" in done.stdout.split(os.pathsep)


def test_a_missing_program_is_said_with_its_package_not_a_traceback(tmp_path: Path) -> None:

    runner = ProcessRunner(threading.Event())
    with pytest.raises(BenchError) as caught:
        runner.run([str(tmp_path / "smartctl"), "-j", "-a", "/dev/sdz"])
    assert caught.value.code == "PROGRAM_MISSING"
    assert "smartctl" in caught.value.message.fr and "smartmontools" in caught.value.action.fr
    with pytest.raises(BenchError) as unknown:
        runner.run([str(tmp_path / "outil-inconnu")])
    assert "outil-inconnu" in unknown.value.message.en
    # A program that exists still runs, the runner unchanged by a miss.
    assert runner.run([sys.executable, "-c", "print('ok')"]).stdout.strip() == "ok"
