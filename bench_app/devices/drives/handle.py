"""A drive docked at the station (or an image file standing in for one) as the job engine
sees it."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any

from bench_app.devices.drives.blockio import BlockIO
from bench_app.devices.drives.system_view import EraseTarget, resolve_target
from bench_app.devices.source import DeviceHandle
from bench_app.domain.model import DeviceKind
from bench_app.errors import BenchError
from bench_app.jobs.process import ProcessResult

Run = Callable[[Sequence[str]], ProcessResult]


class DriveHandle(DeviceHandle):
    """A whole disk chosen by path. `firmware` answers the drive's firmware programs
    (smartctl, hdparm, nvme) in place of the real ones; None runs the real programs."""

    kind = DeviceKind.DRIVE

    def __init__(self, path: str, *, firmware: Run | None = None, simulated: bool = False) -> None:
        self.path = path
        self.firmware = firmware
        self.simulated = simulated
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
        """The drive opened for whole-device reads or writes."""
        return BlockIO(self.path, write=write)

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
