"""The drive programs the erasure helper runs as root, as a closed table, and the station's
runner that sends them to it.

Each entry names a program (smartctl, hdparm, nvme) and a fixed argument list in which the
only free part is the disk, filled in by the helper with the path it validated itself. A
request names an entry (op, and a variant for `smart` and `identify`, a method id of
erasure/purge.py and a step for `purge`); it never carries a command line nor an argument.
The engine (erasure/purge.py) sends exactly these argument lists: `request_for` finds the
entry of an argv the engine asks for, so a station that is not root has the helper run it.

Purge steps, per method family (the order is the engine's):
  ata-security-erase[-enhanced]  set-password, erase, disable-password (with the station's
                                 documented TEMPORARY_PASSWORD; the client never sends it)
  ata-sanitize-*                 erase, status
  nvme-sanitize-*                erase, status
  nvme-format-*                  erase
"""

from __future__ import annotations

import os
import re
import stat
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench_app.devices.drives.erase_helper import EraseHelperClient
from bench_app.devices.drives.system_view import EraseTarget
from bench_app.erasure.purge import (
    _ATA_SANITIZE,
    _NVME_SANACT,
    _NVME_SES,
    METHODS,
    TEMPORARY_PASSWORD,
)
from bench_app.errors import BenchError
from bench_app.jobs.process import ProcessResult

Run = Callable[[Sequence[str]], ProcessResult]
DEVICE = "{device}"  # the validated disk's path, put in by the helper
TIMEOUT_MS = "{timeout_ms}"  # nvme format's own command limit, from the disk's size
PROGRAMS = ("smartctl", "hdparm", "nvme")
SYSTEM_PATH = "/usr/sbin:/usr/bin:/sbin:/bin"
_MIB = 1 << 20
_HOUR = 3600.0


@dataclass(frozen=True, slots=True)
class Command:
    """One entry: the program, its arguments (DEVICE and TIMEOUT_MS filled in by the helper),
    and whether it runs for as long as the drive erases."""

    program: str
    args: tuple[str, ...]
    long: bool = False  # an erase command: its limit grows with the disk


def _smart(*args: str) -> Command:
    return Command("smartctl", ("-j", *args, DEVICE))


_SMART: dict[str, Command] = {
    "all": _smart("-a"),
    "all-sat": _smart("-a", "-d", "sat"),  # behind a USB bridge, SCSI-to-ATA translation
}
_IDENTIFY: dict[str, Command] = {
    "ata": Command("hdparm", ("-I", DEVICE)),
    "nvme": Command("nvme", ("id-ctrl", DEVICE, "-o", "json")),
}


def _purge_table() -> dict[tuple[str, str], Command]:
    table: dict[tuple[str, str], Command] = {}
    pw = ("--user-master", "u")
    for method, option in (
        ("ata-security-erase", "--security-erase"),
        ("ata-security-erase-enhanced", "--security-erase-enhanced"),
    ):
        table[method, "set-password"] = Command(
            "hdparm", (*pw, "--security-set-pass", TEMPORARY_PASSWORD, DEVICE)
        )
        table[method, "erase"] = Command("hdparm", (*pw, option, TEMPORARY_PASSWORD, DEVICE), True)
        table[method, "disable-password"] = Command(
            "hdparm", (*pw, "--security-disable", TEMPORARY_PASSWORD, DEVICE)
        )
    for method, action in _ATA_SANITIZE.items():
        table[method, "erase"] = Command(
            "hdparm", ("--yes-i-know-what-i-am-doing", *action, DEVICE)
        )
        table[method, "status"] = Command("hdparm", ("--sanitize-status", DEVICE))
    for method, sanact in _NVME_SANACT.items():
        table[method, "erase"] = Command("nvme", ("sanitize", DEVICE, f"--sanact={sanact}"))
        table[method, "status"] = Command("nvme", ("sanitize-log", DEVICE, "-o", "json"))
    for method, ses in _NVME_SES.items():
        table[method, "erase"] = Command(
            "nvme", ("format", DEVICE, f"--ses={ses}", "--force", f"--timeout={TIMEOUT_MS}"), True
        )
    assert {m for m, _ in table} == set(METHODS), "every purge method has its commands"
    return table


PURGE: dict[tuple[str, str], Command] = _purge_table()


def lookup(request: dict[str, Any]) -> Command | None:
    """The table's entry a request names; None for anything not in the table."""
    op = request.get("op")
    if op == "smart":
        key = request.get("variant")
        return _SMART.get(key) if isinstance(key, str) else None
    if op == "identify":
        key = request.get("variant")
        return _IDENTIFY.get(key) if isinstance(key, str) else None
    if op == "purge":
        method, step = request.get("method"), request.get("step")
        if isinstance(method, str) and isinstance(step, str):
            return PURGE.get((method, step))
    return None


def limit_seconds(command: Command, size_bytes: int) -> float:
    """How long the helper lets the program run: a few minutes for a question; for an erase,
    far beyond what the engine's plan allows (the station stops waiting first)."""
    if not command.long:
        return 600.0
    return max(6 * _HOUR, size_bytes / (10 * _MIB) + 2 * _HOUR)


def argv_of(command: Command, program: str, device: str, size_bytes: int) -> list[str]:
    """The argument list as run: the program's path, then the entry's arguments with the
    validated disk (and nvme format's limit) filled in. Nothing else varies."""
    limit_ms = str(int(limit_seconds(command, size_bytes) * 1000))
    args = [a.replace(DEVICE, device).replace(TIMEOUT_MS, limit_ms) for a in command.args]
    return [program, *args]


def _entries() -> list[tuple[dict[str, Any], Command]]:
    found: list[tuple[dict[str, Any], Command]] = []
    found += [({"op": "smart", "variant": k}, c) for k, c in _SMART.items()]
    found += [({"op": "identify", "variant": k}, c) for k, c in _IDENTIFY.items()]
    found += [({"op": "purge", "method": m, "step": s}, c) for (m, s), c in PURGE.items()]
    return found


def request_for(argv: Sequence[str], device: str) -> tuple[dict[str, Any], Command] | None:
    """The helper request for an argv the engine would run on `device`, or None when the
    argv is not in the table (the station then runs it itself). nvme format's --timeout is
    the helper's own."""
    if not argv:
        return None
    for request, command in _entries():
        if command.program != argv[0] or len(command.args) != len(argv) - 1:
            continue
        if all(_same(want, got, device) for want, got in zip(command.args, argv[1:], strict=True)):
            return dict(request), command
    return None


def _same(want: str, got: str, device: str) -> bool:
    if TIMEOUT_MS in want:
        return re.fullmatch(re.escape(want).replace(re.escape(TIMEOUT_MS), r"\d+"), got) is not None
    return want.replace(DEVICE, device) == got


def _is_root() -> bool:
    return os.geteuid() == 0


class DriveRunner:
    """Runs the drive programs of one job: by this process when it is root, else (a command
    in the table, on a whole disk) through the erasure helper, which validates the disk again
    and runs the command itself. Other programs run locally as before.

    `helper` given, every command of the table goes through it (as DriveHandle.open_io)."""

    def __init__(
        self,
        local: Run,
        target: Callable[[], EraseTarget],
        *,
        helper: EraseHelperClient | None = None,
        data_dir: Path | None = None,
        cancelled: threading.Event | None = None,
        is_root: Callable[[], bool] = _is_root,
    ) -> None:
        self.local = local
        self.target = target
        self.helper = helper
        self.data_dir = data_dir
        self.cancelled = cancelled
        self.is_root = is_root

    def __call__(self, argv: Sequence[str]) -> ProcessResult:
        if self.helper is None and self.is_root():
            return self.local(argv)
        target = self.target()
        if target.is_image or not _is_block(target.path):
            return self.local(argv)
        found = request_for(argv, target.path)
        if found is None:
            return self.local(argv)
        request, command = found
        try:
            reply = (self.helper or EraseHelperClient()).run(
                request,
                target.path,
                target.serial,
                data_dir=self.data_dir,
                wait=limit_seconds(command, target.size_bytes) + 60,
                cancelled=self.cancelled,
            )
        except BenchError as exc:
            if exc.code != "ERASE_HELPER_UNREACHABLE" or self.helper is not None:
                raise
            # No helper installed: as before it, the program itself says what it may not do
            # (health reads "unknown"); an erasure stops when it opens the disk.
            return self.local(argv)
        # The engine's own argv: the helper's differs only by the program's path.
        return ProcessResult(
            tuple(argv),
            int(reply.get("returncode", -1)),
            str(reply.get("stdout", "")),
            str(reply.get("stderr", "")),
        )


def _is_block(path: str) -> bool:
    try:
        return stat.S_ISBLK(os.stat(path).st_mode)
    except OSError:
        return False
