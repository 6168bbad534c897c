"""A station run by a normal user finds the drive tools Debian puts in /usr/sbin (smartctl,
hdparm, nvme): the `etabli` command adds the system program folders its PATH lacks."""

from __future__ import annotations

import os
import subprocess
import sys

from bench_app.jobs.process import ensure_system_programs_on_path


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
