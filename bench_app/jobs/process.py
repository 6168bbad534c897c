"""External programs run in their own session, so cancelling a job can stop them and all
their children: a polite SIGTERM to the process group, a wait, then SIGKILL."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
from collections.abc import Sequence
from dataclasses import dataclass

from bench_app.errors import BenchError
from bench_app.jobs.prompt import Cancelled

# Where Debian and Ubuntu put smartctl, hdparm, nvme, losetup...: not on a normal user's PATH.
SYSTEM_PROGRAM_DIRS = ("/usr/local/sbin", "/usr/sbin", "/sbin")
# The Debian package of each program the station runs, said when one is missing.
PACKAGES = {
    "smartctl": "smartmontools",
    "hdparm": "hdparm",
    "nvme": "nvme-cli",
    "lshw": "lshw",
    "inxi": "inxi",
    "dmidecode": "dmidecode",
    "upower": "upower",
    "lsblk": "util-linux",
    "losetup": "util-linux",
    "blkdiscard": "util-linux",
    "adb": "adb",
    "fastboot": "fastboot",
    "lp": "cups-client",
    "lpstat": "cups-client",
    # the laptop's guided tests on the stick (diagnostics/laptop_guided.py)
    "iw": "iw",
    "aplay": "alsa-utils",
    "arecord": "alsa-utils",
    "paplay": "pulseaudio-utils",
    "fswebcam": "fswebcam",
    "ffmpeg": "ffmpeg",
}


def missing_program(argv: Sequence[str]) -> BenchError:
    """The error for a program not found on this station, naming its Debian package."""
    program = os.path.basename(argv[0]) if argv else "?"
    return BenchError("PROGRAM_MISSING", program=program, package=PACKAGES.get(program, program))


def ensure_system_programs_on_path(environ: dict[str, str] | None = None) -> None:
    """Appends the system program folders missing from PATH (in `environ`, by default this
    process's environment), so a station run by a normal user finds the drive tools."""
    env: dict[str, str] | os._Environ[str] = os.environ if environ is None else environ
    parts = [p for p in env.get("PATH", "").split(os.pathsep) if p]
    missing = [d for d in SYSTEM_PROGRAM_DIRS if d not in parts]
    if missing:
        env["PATH"] = os.pathsep.join([*parts, *missing])


@dataclass(frozen=True, slots=True)
class ProcessResult:
    argv: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str


class ProcessRunner:
    """Runs programs for one job and stops them all when the job is cancelled."""

    def __init__(self, cancelled: threading.Event, grace_seconds: float = 3.0) -> None:
        self._cancelled = cancelled
        self._grace = grace_seconds
        self._running: set[subprocess.Popen[str]] = set()
        self._lock = threading.Lock()

    def run(self, argv: Sequence[str], timeout: float | None = None) -> ProcessResult:
        if self._cancelled.is_set():
            raise Cancelled()
        try:
            proc = subprocess.Popen(
                list(argv),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                start_new_session=True,
            )
        except FileNotFoundError as exc:  # a tool the station lacks: said, not a traceback
            raise missing_program(argv) from exc
        with self._lock:
            self._running.add(proc)
        try:
            waited = 0.0
            while True:
                try:
                    out, err = proc.communicate(timeout=0.1)
                    break
                except subprocess.TimeoutExpired:
                    waited += 0.1
                    if self._cancelled.is_set():
                        self.stop(proc)
                        raise Cancelled() from None
                    if timeout is not None and waited >= timeout:
                        self.stop(proc)
                        raise
        finally:
            with self._lock:
                self._running.discard(proc)
        return ProcessResult(tuple(argv), proc.returncode, out, err)

    def stop(self, proc: subprocess.Popen[str]) -> None:
        """SIGTERM the process group, wait the grace period, then SIGKILL it."""
        if proc.poll() is not None:
            return
        try:
            pgid = os.getpgid(proc.pid)
        except ProcessLookupError:
            return
        _signal_group(pgid, signal.SIGTERM)
        try:
            proc.wait(timeout=self._grace)
        except subprocess.TimeoutExpired:
            _signal_group(pgid, signal.SIGKILL)
            proc.wait()
        # Children that outlived the leader still belong to the group.
        _signal_group(pgid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired, ValueError):
            proc.communicate(timeout=1)

    def stop_all(self) -> None:
        with self._lock:
            procs = list(self._running)
        for proc in procs:
            self.stop(proc)


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)
