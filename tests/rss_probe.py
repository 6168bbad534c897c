"""The peak resident memory of a real process, as the kernel counts it.

`wait4` gives a child's peak RSS, but a child forked from pytest counts pytest's own pages
until it calls exec (Linux keeps the larger of the two), so the command is started from
this small probe process instead: `python -m tests.rss_probe RESULT.json -- ARGV...` runs
ARGV (its output goes where the probe's goes) and writes {"rc", "peak_kib"} to RESULT.json.
A running server is measured from /proc/PID/status (VmHWM) instead: see `vm_hwm_kib`."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path


def run_measured(argv: list[str], work: Path, *, timeout: float = 300) -> tuple[int, int, str]:
    """Runs `argv` to its end through the probe; its exit code, its peak RSS in KiB and its
    standard error."""
    result, err_path = work / "rss.json", work / "stderr.txt"
    with err_path.open("wb") as err:
        # Its own process group: past the timeout, the command and its children die with
        # the probe instead of running on, orphaned.
        probe = subprocess.Popen(
            [sys.executable, "-m", "tests.rss_probe", str(result), "--", *argv],
            stdout=subprocess.DEVNULL,
            stderr=err,
            env=dict(os.environ),
            start_new_session=True,
        )
        try:
            probe.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(probe.pid, signal.SIGKILL)
            probe.wait()
            raise
    assert probe.returncode == 0, f"the probe itself failed ({probe.returncode})"
    measured = json.loads(result.read_text(encoding="utf-8"))
    return int(measured["rc"]), int(measured["peak_kib"]), err_path.read_text(errors="replace")


def vm_hwm_kib(pid: int) -> int:
    """The peak resident memory so far (KiB) of a running process of this machine."""
    for line in Path(f"/proc/{pid}/status").read_text(encoding="ascii").splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise AssertionError(f"no VmHWM for process {pid}")


def _main(args: list[str]) -> int:
    result, separator, argv = args[0], args[1], args[2:]
    assert separator == "--" and argv, "usage: rss_probe RESULT.json -- ARGV..."
    proc = subprocess.Popen(argv)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
    Path(result).write_text(
        json.dumps({"rc": proc.returncode, "peak_kib": usage.ru_maxrss}), encoding="utf-8"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(_main(sys.argv[1:]))
