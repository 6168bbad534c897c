"""What may be erased. Every refusal is checked again right before the first byte is written.

Never erased: the disk holding `/` or `/boot`, a mounted or swap device or a disk with a
mounted partition, a disk something else holds (LVM, an open LUKS volume, a RAID), the disk
holding the station's data, the live medium the station booted from, and anything the
operator did not confirm by typing the last characters of its serial.
An image file (tests, training) stands in for a drive; its name stands in for the serial.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench_app.drives.blockdev import DriveInfo, drive_for_path
from bench_app.errors import BenchError

SYSTEM_MOUNTS = ("/", "/boot", "/boot/efi", "/efi", "/usr")
# Where live systems (Debian live, Ubuntu casper, dracut, Arch ISO) mount the medium they
# booted from.
LIVE_MOUNTS = (
    "/run/live/medium",
    "/lib/live/mount/medium",
    "/cdrom",
    "/run/initramfs/live",
    "/run/archiso/bootmnt",
    "/run/archiso/img_dev",
)
MIN_CONFIRM_CHARS = 4
IMAGE_SUFFIXES = (".img", ".raw", ".bin", ".iso")


@dataclass(frozen=True, slots=True)
class EraseTarget:
    """What the operator chose to erase: a whole disk, or an image file standing in for one."""

    path: str
    is_image: bool
    serial: str
    model: str
    size_bytes: int
    logical_sector: int
    physical_sector: int
    transport: str  # sata, nvme, usb, ... or "image"
    media: str  # hdd or ssd
    drive: DriveInfo | None = None

    @property
    def confirm_hint(self) -> str:
        """What the operator types the end of: the serial, else the kernel name."""
        return self.serial or Path(self.path).name

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "image_file": self.is_image,
            "serial": self.serial,
            "model": self.model,
            "size_bytes": self.size_bytes,
            "logical_sector": self.logical_sector,
            "physical_sector": self.physical_sector,
            "transport": self.transport,
            "media": self.media,
            "wwn": self.drive.wwn if self.drive else "",
            "firmware": self.drive.firmware if self.drive else "",
        }


def resolve_target(path: str) -> EraseTarget:
    """The drive or image file at `path`; BenchError(ERASE_NOT_A_DRIVE) otherwise."""
    try:
        st = os.stat(path)
    except OSError as exc:
        raise BenchError("ERASE_NOT_A_DRIVE", path=path, detail=exc.strerror or str(exc)) from None
    if stat.S_ISREG(st.st_mode):
        if st.st_size == 0:
            raise BenchError("ERASE_NOT_A_DRIVE", path=path, detail="empty file")
        name = Path(path).name
        serial = Path(path).stem if name.lower().endswith(IMAGE_SUFFIXES) else name
        return EraseTarget(
            path=os.path.abspath(path),
            is_image=True,
            serial=serial,
            model="Image file",
            size_bytes=st.st_size,
            logical_sector=512,
            physical_sector=4096,
            transport="image",
            media="ssd",
        )
    if not stat.S_ISBLK(st.st_mode):
        raise BenchError("ERASE_NOT_A_DRIVE", path=path, detail="not a disk")
    drive = drive_for_path(path)
    if drive is None:
        raise BenchError("ERASE_NOT_A_DRIVE", path=path, detail="a partition, not a whole disk")
    return EraseTarget(
        path=drive.path,
        is_image=False,
        serial=drive.serial,
        model=drive.label_name,
        size_bytes=drive.size_bytes,
        logical_sector=drive.logical_sector,
        physical_sector=drive.physical_sector,
        transport=drive.transport,
        media=drive.media,
        drive=drive,
    )


# -- what the machine is using --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Mount:
    devnum: tuple[int, int]
    mountpoint: str
    fstype: str
    source: str


@dataclass(slots=True)
class SystemView:
    """The mounts and swaps of this process's view of the machine, read once per check."""

    mounts: list[Mount] = field(default_factory=list)
    swaps: list[str] = field(default_factory=list)

    @classmethod
    def read(
        cls, mountinfo: Path = Path("/proc/self/mountinfo"), swaps: Path = Path("/proc/swaps")
    ) -> SystemView:
        view = cls()
        for line in _lines(mountinfo):
            mount = _parse_mountinfo(line)
            if mount is not None:
                view.mounts.append(mount)
        for line in _lines(swaps)[1:]:
            parts = line.split()
            if parts:
                view.swaps.append(parts[0].replace("\\040", " "))
        return view

    def mounts_under(self, points: Iterable[str]) -> list[Mount]:
        wanted = set(points)
        return [m for m in self.mounts if m.mountpoint in wanted]

    def mount_holding(self, path: str) -> Mount | None:
        """The mount whose mount point is the longest prefix of `path`."""
        real = os.path.realpath(path)
        best: Mount | None = None
        for m in self.mounts:
            prefix = m.mountpoint.rstrip("/") + "/"
            if (real == m.mountpoint or real.startswith(prefix) or m.mountpoint == "/") and (
                best is None or len(m.mountpoint) > len(best.mountpoint)
            ):
                best = m
        return best


def _lines(path: Path) -> list[str]:
    try:
        return path.read_text().splitlines()
    except OSError:
        return []


def _unescape(field_text: str) -> str:
    return (
        field_text.replace("\\040", " ")
        .replace("\\011", "\t")
        .replace("\\012", "\n")
        .replace("\\134", "\\")
    )


def _parse_mountinfo(line: str) -> Mount | None:
    parts = line.split()
    if len(parts) < 10 or "-" not in parts[6:]:
        return None
    sep = parts.index("-", 6)
    try:
        major, minor = (int(x) for x in parts[2].split(":"))
    except ValueError:
        return None
    return Mount((major, minor), _unescape(parts[4]), parts[sep + 1], _unescape(parts[sep + 2]))


def disks_of(devnum: tuple[int, int], _seen: set[tuple[int, int]] | None = None) -> set[str]:
    """The whole disks under a block device: a partition's disk, every disk beneath a
    device-mapper or RAID volume, the disk holding a loop device's image file."""
    seen = _seen if _seen is not None else set()
    if devnum in seen or devnum[0] == 0:
        return set()
    seen.add(devnum)
    sys_dir = Path(f"/sys/dev/block/{devnum[0]}:{devnum[1]}")
    if not sys_dir.exists():
        return set()
    real = sys_dir.resolve()
    disk = real.parent if (real / "partition").exists() else real
    found = {disk.name}
    for lower in (real / "slaves", disk / "slaves"):
        if lower.is_dir():
            for slave in lower.iterdir():
                found |= disks_of(_devnum_of(slave), seen)
    backing = disk / "loop" / "backing_file"
    if backing.exists():
        with contextlib.suppress(OSError):
            found |= disks_of(_split(os.stat(backing.read_text().strip()).st_dev), seen)
    return found


def _devnum_of(sys_entry: Path) -> tuple[int, int]:
    try:
        major, minor = (sys_entry / "dev").read_text().strip().split(":")
        return int(major), int(minor)
    except (OSError, ValueError):
        return (0, 0)


def _split(dev: int) -> tuple[int, int]:
    return (os.major(dev), os.minor(dev))


def _mount_disks(mount: Mount) -> set[str]:
    if mount.devnum[0] != 0:
        return disks_of(mount.devnum)
    # btrfs and overlay mounts carry an anonymous device number: go by their source.
    if mount.source.startswith("/dev/"):
        try:
            return disks_of(_split(os.stat(mount.source).st_rdev))
        except OSError:
            return set()
    return set()


def _path_disks(path: str, view: SystemView) -> set[str]:
    try:
        found = disks_of(_split(os.stat(path).st_dev))
    except OSError:
        found = set()
    mount = view.mount_holding(path)
    if mount is not None:
        found |= _mount_disks(mount)
    return found


# -- the checks -------------------------------------------------------------------------------


def refusals(
    target: EraseTarget, *, data_dir: Path, view: SystemView | None = None
) -> list[BenchError]:
    """Every reason not to erase `target`, most serious first; empty when it may be erased."""
    view = view or SystemView.read()
    if target.is_image:
        return _image_refusals(target, data_dir)
    drive = target.drive
    assert drive is not None
    found: list[BenchError] = []
    name = drive.name
    where = {"path": target.path}
    system = set().union(*(_mount_disks(m) for m in view.mounts_under(SYSTEM_MOUNTS)))
    root = view.mounts_under(("/",))
    if root and not _mount_disks(root[0]):
        # An overlay root (a live system): the disks beneath it are those of the live medium.
        system |= set().union(*(_mount_disks(m) for m in view.mounts_under(LIVE_MOUNTS)))
    if name in system:
        found.append(BenchError("ERASE_SYSTEM_DISK", **where))
    if name in set().union(*(_mount_disks(m) for m in view.mounts_under(LIVE_MOUNTS))):
        found.append(BenchError("ERASE_LIVE_MEDIUM", **where))
    if name in _path_disks(str(data_dir), view):
        found.append(BenchError("ERASE_DATA_DISK", **where, data_dir=str(data_dir)))
    mounted = [m.mountpoint for m in view.mounts if name in _mount_disks(m)]
    if mounted:
        found.append(BenchError("ERASE_MOUNTED", **where, mountpoint=", ".join(sorted(mounted))))
    swapping = [s for s in view.swaps if _swap_disks(s) and name in _swap_disks(s)]
    if swapping:
        found.append(BenchError("ERASE_SWAP", **where, swap=", ".join(swapping)))
    if drive.holders:
        found.append(BenchError("ERASE_IN_USE", **where, holders=", ".join(drive.holders)))
    if drive.read_only:
        found.append(BenchError("ERASE_READ_ONLY", **where))
    return found


def _swap_disks(swap: str) -> set[str]:
    try:
        st = os.stat(swap)
    except OSError:
        return set()
    dev = st.st_rdev if stat.S_ISBLK(st.st_mode) else st.st_dev  # a swap file: its disk
    return disks_of(_split(dev))


def _image_refusals(target: EraseTarget, data_dir: Path) -> list[BenchError]:
    found: list[BenchError] = []
    real = Path(os.path.realpath(target.path))
    data = Path(os.path.realpath(data_dir))
    if real == data or data in real.parents:
        found.append(BenchError("ERASE_DATA_DISK", path=target.path, data_dir=str(data_dir)))
    users = [p.parent.parent.name for p in Path("/sys/block").glob("loop*/loop/backing_file")]
    held = [
        u
        for u in users
        if os.path.realpath(_read(Path(f"/sys/block/{u}/loop/backing_file"))) == str(real)
    ]
    if held:
        found.append(BenchError("ERASE_IN_USE", path=target.path, holders=", ".join(held)))
    if not os.access(real, os.W_OK):
        found.append(BenchError("ERASE_READ_ONLY", path=target.path))
    return found


def _read(path: Path) -> str:
    try:
        return path.read_text().strip()
    except OSError:
        return ""


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
