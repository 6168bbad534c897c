"""Block devices as the kernel shows them: what each disk is, where it sits, what uses it.

Read from sysfs through pyudev (so a udev testbed can stand in for the machine), with the
properties udev adds when it runs (ID_SERIAL_SHORT, ID_WWN, ID_BUS) and sysfs files when it
does not. Nothing here writes to a device.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pyudev

# Disks a workshop erases; the rest (RAM disks, optical drives, device-mapper volumes...)
# are never listed as drives.
_SKIPPED_PREFIXES = ("ram", "zram", "sr", "dm-", "md", "fd", "nbd", "mmcblk0boot", "mmcblk0rpmb")
_JUNK_SERIALS = {"", "0", "none", "default string", "to be filled by o.e.m.", "not specified"}


@dataclass(frozen=True, slots=True)
class DriveInfo:
    """One whole disk (never a partition)."""

    name: str  # kernel name: sda, nvme0n1, loop3
    path: str  # /dev/sda
    devnum: tuple[int, int]
    model: str
    vendor: str
    serial: str
    wwn: str
    firmware: str
    size_bytes: int
    logical_sector: int
    physical_sector: int
    rotational: bool
    removable: bool
    read_only: bool
    transport: str  # sata, nvme, usb, sas, mmc, virtio, loop, other
    partitions: tuple[str, ...] = ()
    backing_file: str = ""  # a loop device's image file
    holders: tuple[str, ...] = field(default=())

    @property
    def media(self) -> str:
        """'hdd' for spinning disks, 'ssd' for flash (NVMe, SATA SSD, USB sticks, cards)."""
        return "hdd" if self.rotational and self.transport not in ("loop", "nvme") else "ssd"

    @property
    def label_name(self) -> str:
        return " ".join(p for p in (self.vendor, self.model) if p) or self.name

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["devnum"] = f"{self.devnum[0]}:{self.devnum[1]}"
        data["media"] = self.media
        return data


def list_drives(
    context: pyudev.Context | None = None, *, include_loop: bool = False
) -> list[DriveInfo]:
    """Every whole disk of this machine, sorted by name. Loop devices are listed only when
    asked (tests and training erase loop devices they set up themselves)."""
    ctx = context or pyudev.Context()
    found: list[DriveInfo] = []
    for dev in ctx.list_devices(subsystem="block", DEVTYPE="disk"):
        name = dev.sys_name
        if name.startswith(_SKIPPED_PREFIXES):
            continue
        if name.startswith("loop") and not include_loop:
            continue
        info = drive_from_udev(dev)
        if info is not None:
            found.append(info)
    return sorted(found, key=lambda d: d.name)


def drive_for_path(path: str, context: pyudev.Context | None = None) -> DriveInfo | None:
    """The disk at `path` (/dev/sdb, a /dev/disk/by-id link...), None when it is not a
    whole block device."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    import stat as _stat

    if not _stat.S_ISBLK(st.st_mode):
        return None
    ctx = context or pyudev.Context()
    try:
        dev = pyudev.Devices.from_device_number(ctx, "block", st.st_rdev)
    except (pyudev.DeviceNotFoundError, ValueError):
        return None
    if dev.device_type != "disk":
        return None
    return drive_from_udev(dev)


def drive_from_udev(dev: pyudev.Device) -> DriveInfo | None:
    sys_path = Path(dev.sys_path)
    size_sectors = _int(_read(sys_path / "size"))
    if size_sectors is None:
        return None
    name = dev.sys_name
    props = _properties(dev)
    transport = _transport(name, sys_path, props)
    device_dir = sys_path / "device"
    model = props.get("ID_MODEL_FROM_DATABASE") or _read(device_dir / "model")
    model = model or props.get("ID_MODEL", "").replace("_", " ")
    serial = props.get("ID_SERIAL_SHORT") or _read(device_dir / "serial")
    # virtio-blk gives its serial on the disk itself (/sys/block/vda/serial), and udev only
    # as ID_SERIAL: a laptop's disk seen through QEMU, a virtual machine's.
    serial = serial or _read(sys_path / "serial")
    if not serial:
        serial = _vpd_serial(device_dir / "vpd_pg80")
    vendor = _read(device_dir / "vendor") if transport in ("usb", "sas", "other") else ""
    if vendor.upper() in ("ATA", ""):
        vendor = ""
    backing = _read(sys_path / "loop" / "backing_file") if name.startswith("loop") else ""
    if name.startswith("loop"):
        model = model or "Loop device"
        serial = serial or Path(backing).stem
    return DriveInfo(
        name=name,
        path=dev.device_node or f"/dev/{name}",
        devnum=(os.major(dev.device_number), os.minor(dev.device_number)),
        model=model.strip(),
        vendor=vendor.strip(),
        serial="" if serial.strip().lower() in _JUNK_SERIALS else serial.strip(),
        wwn=props.get("ID_WWN") or _read(device_dir / "wwid") or _read(sys_path / "wwid"),
        firmware=props.get("ID_REVISION")
        or _read(device_dir / "firmware_rev")
        or _read(device_dir / "rev"),
        size_bytes=size_sectors * 512,  # sysfs counts 512-byte units whatever the sector size
        logical_sector=_int(_read(sys_path / "queue" / "logical_block_size")) or 512,
        physical_sector=_int(_read(sys_path / "queue" / "physical_block_size")) or 512,
        rotational=_read(sys_path / "queue" / "rotational") == "1",
        removable=_read(sys_path / "removable") == "1",
        read_only=_read(sys_path / "ro") == "1",
        transport=transport,
        partitions=tuple(sorted(p.name for p in sys_path.iterdir() if (p / "partition").exists()))
        if sys_path.is_dir()
        else (),
        backing_file=backing,
        holders=tuple(sorted(_holders(sys_path))),
    )


def _transport(name: str, sys_path: Path, props: dict[str, str]) -> str:
    if name.startswith("loop"):
        return "loop"
    if name.startswith("nvme"):
        return "nvme"
    if name.startswith("mmcblk"):
        return "mmc"
    if name.startswith("vd"):
        return "virtio"
    bus = props.get("ID_BUS", "")
    real = str(sys_path.resolve()) if sys_path.exists() else str(sys_path)
    if bus == "usb" or "/usb" in real:
        return "usb"
    if bus == "ata" or "/ata" in real:
        return "sata"
    if "/nvme" in real:
        return "nvme"
    if "/host" in real and "/sas" in real:
        return "sas"
    return "other"


def _holders(sys_path: Path) -> Iterable[str]:
    dirs = (
        [sys_path] + [p for p in sys_path.iterdir() if (p / "partition").exists()]
        if sys_path.is_dir()
        else []
    )
    for d in dirs:
        holders = d / "holders"
        if holders.is_dir():
            yield from (h.name for h in holders.iterdir())


def _properties(dev: pyudev.Device) -> dict[str, str]:
    try:
        return {k: str(v) for k, v in dev.properties.items()}
    except (OSError, KeyError):
        return {}


def _vpd_serial(path: Path) -> str:
    """The unit serial number VPD page (0x80): 4 header bytes, then the ASCII serial."""
    try:
        data = path.read_bytes()
    except OSError:
        return ""
    return data[4:].decode("ascii", "replace").strip("\x00 ").strip()


def _read(path: Path) -> str:
    try:
        return path.read_text(errors="replace").strip()
    except OSError:
        return ""


def _int(text: str) -> int | None:
    return int(text) if re.fullmatch(r"\d+", text or "") else None
