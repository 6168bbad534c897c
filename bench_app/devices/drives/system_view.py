"""What the station's machine is using, and the drive chosen for erasure or writing.

`resolve_target` describes the drive at a path (or an image file standing in for one) as an
`EraseTarget`. `SystemView` reads the mounts and swaps; `Protected` says which disks and
files are the station's own or in use: the disk holding `/` or `/boot`, the live medium the
station booted from, the disk and the files of the station's data folder, mounted and swap
devices and swap files, and the loop devices attached. The rules that refuse an erasure for
these live in bench_app/erasure/safety.py; discovery uses the same view to hide the
station's own disks.

A virtual disk stands on something, followed through sysfs to the bottom (`beneath`): a loop
device's `loop/backing_file` (a file, or a block device: a loop over a loop), the `slaves/`
of a device-mapper or RAID volume and of their partitions, a partition beneath standing for
its whole disk. A file is known by its inode from the kernel too: a hard link, a moved or
deleted file is still that file.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import stat
import struct
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench_app.devices.drives.blockdev import DriveInfo, drive_for_path
from bench_app.errors import BenchError

IMAGE_FILE_MODEL = "Image file"  # the model recorded for a drive that is an image file

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
IMAGE_SUFFIXES = (".img", ".raw", ".bin", ".iso")
SYS = Path("/sys")  # where the kernel shows its block devices (a test may point it at a double)
LOOP_GET_STATUS64 = 0x4C05
# struct loop_info64 of <linux/loop.h>: device, inode, rdevice, offset, sizelimit, number,
# encrypt type, key size, flags, file name, crypt name, key, init.
_LOOP_INFO64 = struct.Struct("=5Q4I64s64s32s2Q")


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
            model=IMAGE_FILE_MODEL,
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


# -- what a disk stands on ----------------------------------------------------------------------

FileId = tuple[int, int]  # (st_dev, st_ino): a file, whatever its name


@dataclass(frozen=True, slots=True)
class Backing:
    """What a loop device reads and writes: a file, or a block device."""

    loop: str  # kernel name: loop3
    path: str  # as the kernel shows it (ends in " (deleted)" once the file is deleted)
    file_id: FileId | None = None  # when it is a file
    rdev: tuple[int, int] | None = None  # when it is a block device


def loop_backing(name: str) -> Backing | None:
    """What the loop device `name` stands on; None when it is not a loop device or is free."""
    return _backing_of(SYS / "block" / name)


def _backing_of(sys_dir: Path) -> Backing | None:
    path = _read(sys_dir / "loop" / "backing_file")
    if not path:
        return None
    name = sys_dir.name
    # The kernel's own record of the file (dev, inode) holds for a renamed, hard-linked or
    # deleted file; the path in sysfs only names it.
    status = _loop_status(name, _devnum_of(sys_dir))
    if status is not None:
        dev, ino, rdev = status
        if rdev:
            return Backing(name, path, rdev=split_devnum(rdev))
        return Backing(name, path, file_id=(dev, ino))
    try:
        st = os.stat(path.removesuffix(" (deleted)"))
    except OSError:
        return Backing(name, path)
    if stat.S_ISBLK(st.st_mode):
        return Backing(name, path, rdev=split_devnum(st.st_rdev))
    return Backing(name, path, file_id=(st.st_dev, st.st_ino))


def _loop_status(name: str, devnum: tuple[int, int]) -> tuple[int, int, int] | None:
    """(device, inode, rdevice) of a loop device's backing file, from LOOP_GET_STATUS64."""
    node = f"/dev/{name}"
    try:
        st = os.stat(node)
        if not stat.S_ISBLK(st.st_mode) or split_devnum(st.st_rdev) != devnum:
            return None  # not the kernel's node of this device (a udev testbed, a stale node)
        fd = os.open(node, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        raw = fcntl.ioctl(fd, LOOP_GET_STATUS64, bytes(_LOOP_INFO64.size))
    except OSError:
        return None
    finally:
        os.close(fd)
    fields = _LOOP_INFO64.unpack(raw)
    return int(fields[0]), int(fields[1]), int(fields[2])


@dataclass(frozen=True, slots=True)
class Beneath:
    """One thing a disk stands on, at any depth: a whole disk, or a loop device's file.
    `chain` names each step from just below the disk down to it."""

    chain: tuple[str, ...]
    disk: str = ""  # a whole disk's kernel name
    backing: Backing | None = None  # a loop device's file


def beneath(name: str) -> list[Beneath]:
    """Everything the whole disk `name` stands on, to the bottom: the file or block device of
    a loop device, the slaves of a device-mapper or RAID volume (and of its partitions), and
    what those stand on in turn. Empty for a plain disk."""
    found: list[Beneath] = []
    _descend(SYS / "block" / name, (), {name}, found)
    return found


def _descend(disk_dir: Path, chain: tuple[str, ...], seen: set[str], found: list[Beneath]) -> None:
    lowers: list[Path] = []
    backing = _backing_of(disk_dir) if (disk_dir / "loop").is_dir() else None
    if backing is not None:
        if backing.rdev is not None:
            lowers.append(SYS / "dev" / "block" / f"{backing.rdev[0]}:{backing.rdev[1]}")
        else:
            found.append(Beneath((*chain, backing.path), backing=backing))
    for holder in (disk_dir, *_partitions(disk_dir)):
        slaves = holder / "slaves"
        if slaves.is_dir():
            lowers.extend(sorted(slaves.iterdir()))
    for lower in lowers:
        try:
            real = lower.resolve(strict=True)
        except OSError:
            continue
        disk = real.parent if (real / "partition").exists() else real
        if disk.name in seen:
            continue
        seen.add(disk.name)
        step = (*chain, f"/dev/{real.name}")
        found.append(Beneath(step, disk=disk.name))
        _descend(disk, step, seen, found)


def _partitions(disk_dir: Path) -> list[Path]:
    try:
        return sorted(p for p in disk_dir.iterdir() if (p / "partition").exists())
    except OSError:
        return []


def disk_name(devnum: tuple[int, int]) -> str:
    """The whole disk of a block device number ('' when there is none)."""
    try:
        real = (SYS / "dev" / "block" / f"{devnum[0]}:{devnum[1]}").resolve(strict=True)
    except OSError:
        return ""
    return real.parent.name if (real / "partition").exists() else real.name


def disks_of(devnum: tuple[int, int], _seen: set[tuple[int, int]] | None = None) -> set[str]:
    """The whole disks under a block device: a partition's disk, every disk beneath a
    device-mapper or RAID volume, the disk holding a loop device's file or the block device
    it stands on."""
    seen = _seen if _seen is not None else set()
    if devnum in seen or devnum[0] == 0:
        return set()
    seen.add(devnum)
    sys_dir = SYS / "dev" / "block" / f"{devnum[0]}:{devnum[1]}"
    if not sys_dir.exists():
        return set()
    real = sys_dir.resolve()
    disk = real.parent if (real / "partition").exists() else real
    found = {disk.name}
    for lower in (real / "slaves", disk / "slaves"):
        if lower.is_dir():
            for slave in lower.iterdir():
                found |= disks_of(_devnum_of(slave), seen)
    backing = _backing_of(disk) if (disk / "loop").is_dir() else None
    if backing is not None and backing.rdev is not None:
        found |= disks_of(backing.rdev, seen)
    elif backing is not None and backing.file_id is not None:
        found |= disks_of(split_devnum(backing.file_id[0]), seen)
    return found


def _devnum_of(sys_entry: Path) -> tuple[int, int]:
    try:
        major, minor = (sys_entry / "dev").read_text().strip().split(":")
        return int(major), int(minor)
    except (OSError, ValueError):
        return (0, 0)


def split_devnum(dev: int) -> tuple[int, int]:
    return (os.major(dev), os.minor(dev))


def mount_disks(mount: Mount) -> set[str]:
    if mount.devnum[0] != 0:
        return disks_of(mount.devnum)
    # btrfs and overlay mounts carry an anonymous device number: go by their source.
    if mount.source.startswith("/dev/"):
        try:
            return disks_of(split_devnum(os.stat(mount.source).st_rdev))
        except OSError:
            return set()
    return set()


def _path_disks(path: str, view: SystemView) -> set[str]:
    try:
        found = disks_of(split_devnum(os.stat(path).st_dev))
    except OSError:
        found = set()
    mount = view.mount_holding(path)
    if mount is not None:
        found |= mount_disks(mount)
    return found


def _swap_disks(swap: str) -> set[str]:
    try:
        st = os.stat(swap)
    except OSError:
        return set()
    dev = st.st_rdev if stat.S_ISBLK(st.st_mode) else st.st_dev  # a swap file: its disk
    return disks_of(split_devnum(dev))


def _files_under(folder: Path) -> set[FileId]:
    """Every regular file in `folder` and its subfolders, by identity."""
    ids: set[FileId] = set()
    for root, _dirs, files in os.walk(folder):  # links are not followed: the folder's own
        for name in files:
            with contextlib.suppress(OSError):
                st = os.lstat(os.path.join(root, name))
                if stat.S_ISREG(st.st_mode):
                    ids.add((st.st_dev, st.st_ino))
    return ids


@dataclass(slots=True)
class Protected:
    """What this station must never write to, read once per check."""

    view: SystemView
    data_dir: Path
    data_real: Path
    system: set[str]
    live: set[str]
    data: set[str]
    mounted: dict[str, list[str]]
    swapping: dict[str, list[str]]
    data_files: set[FileId]
    swap_files: dict[FileId, str]
    loops: list[Backing]

    @classmethod
    def read(cls, view: SystemView, data_dir: Path) -> Protected:
        system = set().union(*(mount_disks(m) for m in view.mounts_under(SYSTEM_MOUNTS)))
        live = set().union(*(mount_disks(m) for m in view.mounts_under(LIVE_MOUNTS)))
        root = view.mounts_under(("/",))
        if root and not mount_disks(root[0]):
            # An overlay root (a live system): the disks beneath it are those of the medium.
            system |= live
        mounted: dict[str, list[str]] = defaultdict(list)
        for m in view.mounts:
            for name in mount_disks(m):
                mounted[name].append(m.mountpoint)
        swapping: dict[str, list[str]] = defaultdict(list)
        swap_files: dict[FileId, str] = {}
        for s in view.swaps:
            for name in _swap_disks(s):
                swapping[name].append(s)
            with contextlib.suppress(OSError):
                st = os.stat(s)
                if stat.S_ISREG(st.st_mode):
                    swap_files[(st.st_dev, st.st_ino)] = s
        data_real = Path(os.path.realpath(data_dir))
        loops = [
            b
            for b in (_backing_of(d) for d in sorted((SYS / "block").glob("loop*")))
            if b is not None
        ]
        return cls(
            view=view,
            data_dir=data_dir,
            data_real=data_real,
            system=system,
            live=live,
            data=_path_disks(str(data_dir), view),
            mounted=mounted,
            swapping=swapping,
            data_files=_files_under(data_real),
            swap_files=swap_files,
            loops=loops,
        )

    def in_data(self, path: str, file_id: FileId | None) -> bool:
        """Is this file one of the station's data (by path, or by identity)?"""
        real = Path(os.path.realpath(path.removesuffix(" (deleted)")))
        inside = real == self.data_real or self.data_real in real.parents
        return inside or (file_id is not None and file_id in self.data_files)

    def own(self, target: EraseTarget) -> str:
        """Why `target` is the station itself, as the code of the refusal that says so: its
        system disk, the live medium it booted from, the disk of its data folder, a disk
        standing on a file of that folder (at any depth), or an image file of that folder;
        "" when it is none of these."""
        if target.is_image:
            real = os.path.realpath(target.path)
            try:
                st = os.stat(real)
                file_id: FileId | None = (st.st_dev, st.st_ino)
            except OSError:
                file_id = None
            return "ERASE_DATA_DISK" if self.in_data(real, file_id) else ""
        drive = target.drive
        assert drive is not None
        for code, disks in (
            ("ERASE_SYSTEM_DISK", self.system),
            ("ERASE_LIVE_MEDIUM", self.live),
            ("ERASE_DATA_DISK", self.data),
        ):
            if drive.name in disks:
                return code
        for below in beneath(drive.name):
            b = below.backing
            if b is not None and self.in_data(b.path, b.file_id):
                return "ERASE_DATA_FILE"
        return ""


def _read(path: Path) -> str:
    try:
        return path.read_text().strip()
    except OSError:
        return ""
