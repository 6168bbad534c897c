"""A drive docked at the station (or an image file standing in for one) as the job engine
sees it."""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable, Sequence
from typing import Any

from bench_app.devices.drives.blockio import BlockIO
from bench_app.devices.drives.erase_helper import EraseHelperClient
from bench_app.devices.drives.system_view import EraseTarget, resolve_target
from bench_app.devices.source import DeviceHandle
from bench_app.domain.model import DeviceKind
from bench_app.errors import BenchError
from bench_app.jobs.process import ProcessResult

Run = Callable[[Sequence[str]], ProcessResult]


class DriveHandle(DeviceHandle):
    """A whole disk chosen by path. `firmware` answers the drive's firmware programs
    (smartctl, hdparm, nvme) in place of the real ones; None runs the real programs.

    A station that may not open the disk itself (a normal user) has the erasure helper open
    it (devices/drives/erase_helper.py); `helper` given, every opening goes through it."""

    kind = DeviceKind.DRIVE

    def __init__(
        self,
        path: str,
        *,
        firmware: Run | None = None,
        simulated: bool = False,
        helper: EraseHelperClient | None = None,
    ) -> None:
        self.path = path
        self.firmware = firmware
        self.simulated = simulated
        self.helper = helper
        self._target = resolve_target(path)
        self.key = f"drive:{self._target.serial or self._target.path}"

    def target(self) -> EraseTarget:
        """The drive as it is now; ERASE_TARGET_CHANGED if another disk took its place."""
        now = resolve_target(self.path)
        if now.serial != self._target.serial or now.size_bytes != self._target.size_bytes:
            raise BenchError(
                "ERASE_TARGET_CHANGED", expected=self._target.serial, found=now.serial or "?"
            )
        return now

    def open_io(self, *, write: bool) -> BlockIO:
        """The drive opened for whole-device reads or writes: by this process when it may,
        else (a whole disk this user may not open) by the erasure helper, which checks the
        safety rules again; ERASE_HELPER_UNREACHABLE when it does not answer."""
        if self.helper is not None:
            return self._through_helper(self.helper)
        try:
            return BlockIO(self.path, write=write)
        except PermissionError as exc:
            if exc.errno not in (errno.EACCES, errno.EPERM) or not _is_block(self.path):
                raise
        return self._through_helper(EraseHelperClient())

    def _through_helper(self, helper: EraseHelperClient) -> BlockIO:
        from bench_app.settings import data_dir

        target = self.target()
        return helper.open(target.path, target.serial, data_dir=data_dir())

    def identity(self) -> dict[str, Any]:
        t = self._target
        vendor = t.drive.vendor if t.drive else ""
        model = t.model
        guess = " " in model and t.transport not in ("image", "loop")
        brand = vendor or (model.split()[0] if guess else "")
        if brand and model.startswith(brand + " "):
            model = model[len(brand) + 1 :]
        return {
            "brand": brand,
            "model": model,
            "serial": t.serial,
            "size_bytes": t.size_bytes,
            "transport": t.transport,
            "media": t.media,
            "wwn": t.drive.wwn if t.drive else "",
            "path": t.path,
        }

    @property
    def connected(self) -> bool:
        if not os.path.exists(self.path):
            return False
        try:
            self.target()
        except BenchError:
            return False
        return True


def _is_block(path: str) -> bool:
    try:
        return stat.S_ISBLK(os.stat(path).st_mode)
    except OSError:
        return False
