"""What may be erased. Every refusal is checked again right before the first byte is written.

Never erased: the disk holding `/` or `/boot`, a mounted or swap device or a disk with a
mounted partition, a disk something else holds (LVM, an open LUKS volume, a RAID, a loop
device over it), the disk holding the station's data, the live medium the station booted
from, and anything the operator did not confirm by typing the last characters of its serial.
An image file (tests, training) stands in for a drive; its name stands in for the serial.

A virtual disk is judged by what it stands on, followed through sysfs to the bottom: a loop
device's `loop/backing_file` (a file, or a block device: a loop over a loop), the `slaves/`
of a device-mapper or RAID volume and of their partitions, a partition beneath standing for
its whole disk. Beneath a disk to erase:
- a block device is refused as a target would be: the system disk, the live medium, the
  disk of the station's data, a mounted or swap disk (so a disk with a mounted partition);
- a file (a loop device's backing file) is refused when it is a file of the station's data
  folder (by its path, or by its inode from the kernel: a hard link, a moved or deleted file
  is still that file), an active swap file, or a file lying on the live medium. A file
  elsewhere, even on the system disk, may be erased: that is where workshops keep training
  and test images, overwriting it overwrites that file only, and the disk holding it is
  mounted by nature, so "mounted" cannot be held against it.
An image file chosen by its path follows the same file rules, and is refused while a loop
device stands on it.
"""

from __future__ import annotations

import os
from pathlib import Path

from bench_app.devices.drives.system_view import (
    EraseTarget,
    FileId,
    Protected,
    SystemView,
    beneath,
    disk_name,
    disks_of,
    mount_disks,
    split_devnum,
)
from bench_app.errors import BenchError

MIN_CONFIRM_CHARS = 4


# -- what the station must not write to -------------------------------------------------------


def _own_refusals(p: Protected, name: str, path: str) -> list[BenchError]:
    """Why the whole disk `name` is the station's own or in use (holders aside)."""
    where = {"path": path}
    found: list[BenchError] = []
    if name in p.system:
        found.append(BenchError("ERASE_SYSTEM_DISK", **where))
    if name in p.live:
        found.append(BenchError("ERASE_LIVE_MEDIUM", **where))
    if name in p.data:
        found.append(BenchError("ERASE_DATA_DISK", **where, data_dir=str(p.data_dir)))
    if name in p.mounted:
        points = ", ".join(sorted(set(p.mounted[name])))
        found.append(BenchError("ERASE_MOUNTED", **where, mountpoint=points))
    if name in p.swapping:
        found.append(BenchError("ERASE_SWAP", **where, swap=", ".join(p.swapping[name])))
    return found


def _file_refusals(
    p: Protected, path: str, file_id: FileId | None
) -> list[tuple[tuple[str, ...], BenchError]]:
    """Why a file may not be written, data folder aside: an active swap file, a file on
    the live medium; each with what lies below the file (the medium's disk)."""
    found: list[tuple[tuple[str, ...], BenchError]] = []
    if file_id is not None and file_id in p.swap_files:
        found.append(((), BenchError("ERASE_SWAP", path=path, swap=p.swap_files[file_id])))
    disks = disks_of(split_devnum(file_id[0])) if file_id is not None else set()
    mount = p.view.mount_holding(path.removesuffix(" (deleted)"))
    if mount is not None:
        disks |= mount_disks(mount)
    for disk in sorted(disks & p.live):
        found.append(((f"/dev/{disk}",), BenchError("ERASE_LIVE_MEDIUM", path=f"/dev/{disk}")))
    return found


# -- the checks -------------------------------------------------------------------------------

# Most serious first: the station's own disks and files, then what merely uses the disk now.
_ORDER = (
    "ERASE_SYSTEM_DISK",
    "ERASE_LIVE_MEDIUM",
    "ERASE_DATA_DISK",
    "ERASE_DATA_FILE",
    "ERASE_STACKED",
    "ERASE_MOUNTED",
    "ERASE_SWAP",
    "ERASE_IN_USE",
    "ERASE_READ_ONLY",
)


def refusals(
    target: EraseTarget, *, data_dir: Path, view: SystemView | None = None
) -> list[BenchError]:
    """Every reason not to erase `target`, most serious first; empty when it may be erased.
    A virtual disk is refused for what it stands on too (see the module's docstring)."""
    protected = Protected.read(view or SystemView.read(), data_dir)
    if target.is_image:
        found = _image_refusals(target, protected)
    else:
        found = _disk_refusals(target, protected)
    unique = list({(e.code, e.message.en): e for e in found}.values())
    return sorted(unique, key=lambda e: _ORDER.index(e.code) if e.code in _ORDER else len(_ORDER))


def _disk_refusals(target: EraseTarget, p: Protected) -> list[BenchError]:
    drive = target.drive
    assert drive is not None
    name = drive.name
    found = _own_refusals(p, name, target.path)
    for below in beneath(name):
        if below.backing is not None:
            b = below.backing
            if p.in_data(b.path, b.file_id):
                found.append(
                    BenchError(
                        "ERASE_DATA_FILE",
                        path=target.path,
                        chain=" → ".join(below.chain),
                        data_dir=str(p.data_dir),
                    )
                )
            reasons = _file_refusals(p, b.path, b.file_id)
        else:
            reasons = [((), e) for e in _own_refusals(p, below.disk, f"/dev/{below.disk}")]
        for under, why in reasons:
            found.append(
                BenchError(
                    "ERASE_STACKED",
                    path=target.path,
                    chain=" → ".join((*below.chain, *under)),
                    reason=why.message,
                )
            )
    # A loop device standing on this disk (or one of its partitions) holds it too.
    holders = set(drive.holders) | {
        b.loop for b in p.loops if b.rdev is not None and disk_name(b.rdev) == name
    }
    if holders:
        found.append(
            BenchError("ERASE_IN_USE", path=target.path, holders=", ".join(sorted(holders)))
        )
    if drive.read_only:
        found.append(BenchError("ERASE_READ_ONLY", path=target.path))
    return found


def _image_refusals(target: EraseTarget, p: Protected) -> list[BenchError]:
    found: list[BenchError] = []
    real = os.path.realpath(target.path)
    try:
        st = os.stat(real)
        file_id: FileId | None = (st.st_dev, st.st_ino)
    except OSError:
        file_id = None
    if p.in_data(real, file_id):
        found.append(BenchError("ERASE_DATA_DISK", path=target.path, data_dir=str(p.data_dir)))
    for under, why in _file_refusals(p, real, file_id):
        if why.code == "ERASE_SWAP":
            found.append(BenchError("ERASE_SWAP", path=target.path, swap=why.values["swap"]))
        else:
            found.append(
                BenchError(
                    "ERASE_STACKED",
                    path=target.path,
                    chain=" → ".join(under),
                    reason=why.message,
                )
            )
    held = [
        b.loop
        for b in p.loops
        if (file_id is not None and b.file_id == file_id)
        or os.path.realpath(b.path.removesuffix(" (deleted)")) == real
    ]
    if held:
        found.append(BenchError("ERASE_IN_USE", path=target.path, holders=", ".join(held)))
    if not os.access(real, os.W_OK):
        found.append(BenchError("ERASE_READ_ONLY", path=target.path))
    return found


def confirms(target: EraseTarget, typed: str | None) -> bool:
    """True when `typed` is the end of the serial on the label (at least four characters,
    or all of a shorter serial), ignoring case and spaces."""
    if not typed:
        return False
    hint = target.confirm_hint.replace(" ", "").upper()
    given = typed.replace(" ", "").upper()
    return len(given) >= min(MIN_CONFIRM_CHARS, len(hint)) and hint.endswith(given)


def check_erasable(
    target: EraseTarget,
    *,
    data_dir: Path,
    confirm_serial: str | None,
    view: SystemView | None = None,
) -> None:
    """Raises the most serious refusal, or ERASE_NOT_CONFIRMED; returns when all is clear."""
    found = refusals(target, data_dir=data_dir, view=view)
    if found:
        raise found[0]
    if not confirms(target, confirm_serial):
        raise BenchError(
            "ERASE_NOT_CONFIRMED",
            path=target.path,
            model=target.model,
            n=MIN_CONFIRM_CHARS,
        )
