"""Scenarios of drives docked, plugged, filled and emptied in a umockdev testbed.

Run by the tests as `umockdev-wrapper PYTHON block_scenarios.py SCENARIO`, as
umockdev_scenarios.py is: the preloaded library redirects this process's sysfs and udev
netlink to the testbed, so pyudev, and `BlockDeviceSource` through it, see the fake disks as
they would see real ones. The disks have no device node a program could open, so the source
is given `FakeDriveHandle`, which describes the disk from sysfs alone; the source's udev
logic is what these scenarios are about. The last line printed is a JSON object:
{"events": [...], ...} or {"error": "..."}.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import pyudev

from bench_app.devices.drives.blockdev import DriveInfo, list_drives
from bench_app.devices.drives.system_view import EraseTarget, Mount, SystemView
from bench_app.devices.drives.udev_source import WORKER_THREAD, BlockDeviceSource, Netlink
from bench_app.devices.source import DeviceEvent, DeviceHandle
from bench_app.domain.model import DeviceKind
from tests.discovery.umockdev_scenarios import NoUmockdev, open_testbed

WAIT_S = 60.0  # a guard against hanging forever, not a measure: events come in milliseconds
SECTORS_PER_GB = 1_000_000_000 // 512
DATA_DIR = Path("/var/lib/etabli-test-data")  # on the machine's own disk, not in the testbed


class FakeDriveHandle(DeviceHandle):
    """A stand-in for DriveHandle: the disk as sysfs (the testbed's) describes it, found by
    its device node's name; nothing is opened."""

    kind = DeviceKind.DRIVE

    def __init__(self, path: str) -> None:
        self.path = path
        found = [d for d in list_drives(pyudev.Context(), include_loop=True) if d.path == path]
        if not found:
            raise LookupError(f"no disk at {path}")
        self.info: DriveInfo = found[0]
        self.key = f"drive:{self.info.serial or path}"

    def target(self) -> EraseTarget:
        d = self.info
        return EraseTarget(
            path=d.path,
            is_image=False,
            serial=d.serial,
            model=d.label_name,
            size_bytes=d.size_bytes,
            logical_sector=d.logical_sector,
            physical_sector=d.physical_sector,
            transport=d.transport,
            media=d.media,
            drive=d,
        )

    def identity(self) -> dict[str, Any]:
        return {"serial": self.info.serial, "model": self.info.model, "path": self.path}

    @property
    def connected(self) -> bool:
        return True


class Dock:
    """Disks in the testbed, with the sysfs attributes and udev properties blockdev reads."""

    def __init__(self, testbed: Any) -> None:
        self.tb = testbed
        self.root = testbed.get_root_dir()
        self.pci = testbed.add_device("pci", "0000:00:17.0", None, ["class", "0x010601"], [])
        self.usb_root = testbed.add_device(
            "usb",
            "usb2",
            None,
            ["idVendor", "1d6b", "idProduct", "0003", "busnum", "2", "devnum", "1"],
            ["DEVTYPE", "usb_device"],
        )
        self.partitions: dict[str, list[str]] = {}

    def disk(
        self,
        name: str,
        major: int,
        minor: int,
        *,
        gb: float,
        model: str = "",
        vendor: str = "",
        serial: str = "",
        bus: str = "",
        rotational: bool = False,
        removable: bool = False,
        sector: int = 512,
        parent: str | None = None,
        extra_attrs: list[str] | None = None,
        uevent: bool = True,
    ) -> str:
        attrs = ["dev", f"{major}:{minor}", "size", str(int(gb * SECTORS_PER_GB))]
        attrs += ["removable", "1" if removable else "0", "ro", "0"]
        attrs += ["queue/logical_block_size", str(sector)]
        attrs += ["queue/physical_block_size", str(max(sector, 4096))]
        attrs += ["queue/rotational", "1" if rotational else "0"]
        if model:
            attrs += ["device/model", model]
        if vendor:
            attrs += ["device/vendor", vendor]
        attrs += extra_attrs or []
        props = ["DEVTYPE", "disk", "DEVNAME", f"/dev/{name}"]
        props += ["MAJOR", str(major), "MINOR", str(minor)]
        if serial:
            props += ["ID_SERIAL_SHORT", serial]
        if bus:
            props += ["ID_BUS", bus]
        path = str(self.tb.add_device("block", name, parent, attrs, props))
        self.partitions[path] = []
        self._link(path, major, minor)
        if uevent:
            self.tb.uevent(path, "add")
        return path

    def partition(self, disk: str, number: int, *, uevent: bool = True) -> str:
        name = disk.rsplit("/", 1)[-1]
        major, minor = (int(x) for x in self._devnum(disk).split(":"))
        part_name = f"{name}p{number}" if name[-1].isdigit() else f"{name}{number}"
        attrs = ["dev", f"{major}:{minor + number}", "partition", str(number)]
        attrs += ["start", "2048", "size", "1048576"]
        props = ["DEVTYPE", "partition", "DEVNAME", f"/dev/{part_name}", "PARTN", str(number)]
        props += ["MAJOR", str(major), "MINOR", str(minor + number)]
        path = str(self.tb.add_device("block", part_name, disk, attrs, props))
        self.partitions[disk].append(path)
        self._link(path, major, minor + number)
        if uevent:
            self.tb.uevent(path, "add")
        return path

    def sata_ssd(self, name: str, minor: int, serial: str, *, uevent: bool = True) -> str:
        host = self.tb.add_device(
            "scsi", f"host{minor // 16}", self.pci, [], ["DEVTYPE", "scsi_host"]
        )
        scsi = self.tb.add_device(
            "scsi",
            f"{minor // 16}:0:0:0",
            host,
            ["vendor", "ATA", "model", "Samsung SSD 870", "rev", "SVT02B6Q"],
            ["DEVTYPE", "scsi_device"],
        )
        return self.disk(
            name,
            8,
            minor,
            gb=500.1,
            model="Samsung SSD 870",
            vendor="ATA",
            serial=serial,
            bus="ata",
            parent=scsi,
            uevent=uevent,
        )

    def usb_disk(
        self,
        name: str,
        minor: int,
        serial: str,
        *,
        gb: float = 32.0,
        port: str = "2-1",
        removable: bool = True,
        uevent: bool = True,
    ) -> str:
        usb = self.tb.add_device(
            "usb",
            port,
            self.usb_root,
            ["idVendor", "0781", "idProduct", "5591", "serial", serial, "busnum", "2"],
            ["DEVTYPE", "usb_device", "ID_SERIAL_SHORT", serial],
        )
        if uevent:
            self.tb.uevent(usb, "add")
        return self.disk(
            name,
            8,
            minor,
            gb=gb,
            model="Ultra Flair",
            vendor="SanDisk",
            serial=serial,
            bus="usb",
            removable=removable,
            parent=usb,
            uevent=uevent,
        )

    def set_size(self, disk: str, gb: float) -> None:
        """New media in a reader (or none: 0), a loop device attached or detached: the
        kernel changes the size and says "change"."""
        self.tb.set_attribute(disk, "size", str(int(gb * SECTORS_PER_GB)))
        self.tb.uevent(disk, "change")

    def unplug(self, disk: str) -> None:
        """The kernel's order: the partitions' remove uevents, then the disk's; the sysfs
        entries go afterwards."""
        for part in reversed(self.partitions[disk]):
            self.tb.uevent(part, "remove")
        self.tb.uevent(disk, "remove")

    def forget(self, disk: str) -> None:
        """The sysfs entries of an unplugged disk disappear."""
        for part in reversed(self.partitions.pop(disk)):
            self.tb.remove_device(part)
        self.tb.remove_device(disk)

    def _link(self, path: str, major: int, minor: int) -> None:
        """/sys/dev/block/MAJ:MIN, which umockdev does not make and the safety checks read."""
        links = Path(self.root, "sys/dev/block")
        links.mkdir(parents=True, exist_ok=True)
        os.symlink(self.root + path, links / f"{major}:{minor}")

    def _devnum(self, path: str) -> str:
        return Path(self.root + path, "dev").read_text().strip()


class Recorder:
    """The source's events as JSON-able dicts, and a way to wait for the next ones."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self._changed = threading.Condition()

    def __call__(self, event: DeviceEvent) -> None:
        assert isinstance(event.handle, FakeDriveHandle)
        info = event.handle.info
        record = {
            "action": event.action.value,
            "key": event.handle.key,
            "name": info.name,
            "serial": info.serial,
            "size_bytes": info.size_bytes,
            "transport": info.transport,
            "thread": threading.current_thread().name,
        }
        with self._changed:
            self.events.append(record)
            self._changed.notify_all()

    def wait(self, count: int) -> None:
        """Returns once `count` events have come (or the guard runs out: the test then shows
        which were missing)."""
        with self._changed:
            self._changed.wait_for(lambda: len(self.events) >= count, WAIT_S)


def make_source(
    *,
    include_loop: bool = False,
    view: SystemView | None = None,
    netlink: Netlink = "auto",
) -> BlockDeviceSource:
    """A source moved by uevents only: no periodic scan. umockdev delivers the testbed's
    uevents to both netlink groups; "auto" picks the kernel's here (no udev daemon)."""
    return BlockDeviceSource(
        DATA_DIR,
        include_loop=include_loop,
        context=pyudev.Context(),
        handle_factory=FakeDriveHandle,
        # Mounts of the testbed's disks only (the machine's own would point at whatever its
        # device numbers are in the testbed): none unless the scenario says.
        system_view=lambda: view if view is not None else SystemView(),
        netlink=netlink,
        scan_interval=None,
        settle=0.05,
    )


def summary(source: BlockDeviceSource) -> dict[str, Any]:
    return {
        "present": sorted(h.key for h in source.devices()),
        "hidden": source.hidden(),
        "watching": source.watching,
    }


def at_start(dock: Dock) -> dict[str, Any]:
    """What is there when the station starts: a SATA SSD with partitions (one disk), the
    system disk, a second virtio disk, the live medium, a mounted USB disk, an empty card reader, RAM, zram,
    optical, device-mapper and loop devices."""
    sda = dock.sata_ssd("sda", 0, "S5SUNF0R812345", uevent=False)
    dock.partition(sda, 1, uevent=False)
    dock.partition(sda, 2, uevent=False)
    vda = dock.disk("vda", 254, 0, gb=256, serial="SYSDISK1", uevent=False)
    dock.partition(vda, 1, uevent=False)
    # A virtio disk's serial is an attribute of the disk itself, with no ID_SERIAL_SHORT.
    dock.disk("vdb", 254, 16, gb=128, extra_attrs=["serial", "VIRTIO-LAPTOP2"], uevent=False)
    live = dock.usb_disk("sdb", 16, "LIVEUSB0001", port="2-1", uevent=False)
    dock.partition(live, 1, uevent=False)
    media = dock.usb_disk("sdc", 32, "MOUNTED0042", port="2-2", uevent=False)
    dock.partition(media, 1, uevent=False)
    dock.usb_disk("sdd", 48, "CARDREADER7", gb=0, port="2-3", uevent=False)
    dock.disk("zram0", 252, 0, gb=8, uevent=False)
    dock.disk("ram0", 1, 0, gb=0.016, uevent=False)
    dock.disk("sr0", 11, 0, gb=0.7, model="DVD+-RW GU90N", serial="KZLE1234", uevent=False)
    dock.disk("dm-0", 253, 0, gb=100, uevent=False)
    dock.disk(
        "loop0", 7, 0, gb=1, extra_attrs=["loop/backing_file", "/srv/x/LOOPED.img"], uevent=False
    )
    view = SystemView(
        mounts=[
            Mount((254, 1), "/", "ext4", "/dev/vda1"),
            Mount((8, 17), "/run/live/medium", "iso9660", "/dev/sdb1"),
            Mount((8, 33), "/media/operator/USB", "vfat", "/dev/sdc1"),
        ]
    )
    recorder = Recorder()
    source = make_source(view=view)
    source.subscribe(recorder)
    source.start()
    recorder.wait(2)
    # A partition's uevent (a table re-read) makes no card of its own.
    dock.tb.uevent(dock.partitions[sda][0], "change")
    dock.tb.uevent(sda, "change")
    synced = source.scan_now(timeout=WAIT_S)
    result = {"events": recorder.events, "synced": synced, **summary(source)}
    source.stop()
    result["worker_stopped"] = not any(t.name == WORKER_THREAD for t in threading.enumerate())
    return result


def usb_hotplug(dock: Dock) -> dict[str, Any]:
    """A USB disk plugged, then unplugged; then two clones sharing a serial."""
    recorder = Recorder()
    source = make_source()
    source.subscribe(recorder)
    source.start()
    first = source.scan_now(timeout=WAIT_S)
    disk = dock.usb_disk("sdb", 16, "4C530001230101", gb=64, port="2-1")
    dock.partition(disk, 1)
    recorder.wait(1)
    dock.unplug(disk)
    # The remove uevent counts at once, though sysfs still shows the disk (udev can lag).
    recorder.wait(2)
    dock.forget(disk)
    dock.usb_disk("sdc", 32, "CLONE0000001", gb=8, port="2-2")
    recorder.wait(3)
    dock.usb_disk("sdd", 48, "CLONE0000001", gb=8, port="2-3")
    recorder.wait(4)
    synced = source.scan_now(timeout=WAIT_S)
    result = {"events": recorder.events, "first": first, "synced": synced, **summary(source)}
    source.stop()
    return result


def card_reader(dock: Dock) -> dict[str, Any]:
    """A card reader, empty at start: a card inserted, taken out, another inserted. The
    source follows udev's netlink group, as where a udev daemon runs."""
    reader = dock.usb_disk("sde", 64, "READER000042", gb=0, port="2-4", uevent=False)
    recorder = Recorder()
    source = make_source(netlink="udev")
    source.subscribe(recorder)
    source.start()
    first = source.scan_now(timeout=WAIT_S)
    empty_at_start = summary(source)
    dock.set_size(reader, 31.9)
    recorder.wait(1)
    dock.set_size(reader, 0)
    recorder.wait(2)
    dock.set_size(reader, 63.8)
    recorder.wait(3)
    synced = source.scan_now(timeout=WAIT_S)
    result = {
        "events": recorder.events,
        "first": first,
        "empty_at_start": empty_at_start,
        "synced": synced,
        **summary(source),
    }
    source.stop()
    return result


def loop_devices(dock: Dock) -> dict[str, Any]:
    """Loop devices: ignored by a source without include_loop; followed (attached: a size;
    detached: size 0) by one with it. Both sources run side by side."""
    loop0 = dock.disk(
        "loop0", 7, 0, gb=1, extra_attrs=["loop/backing_file", "/srv/training/TRAINING-01.img"]
    )
    loop1 = dock.disk("loop1", 7, 1, gb=0, extra_attrs=["loop/backing_file", ""])
    plain, training = Recorder(), Recorder()
    without = make_source()
    without.subscribe(plain)
    with_loop = make_source(include_loop=True)
    with_loop.subscribe(training)
    without.start()
    with_loop.start()
    training.wait(1)
    dock.tb.set_attribute(loop1, "loop/backing_file", "/srv/training/TRAINING-02.img")
    dock.set_size(loop1, 2)
    training.wait(2)
    dock.set_size(loop0, 0)
    training.wait(3)
    synced = without.scan_now(timeout=WAIT_S) and with_loop.scan_now(timeout=WAIT_S)
    result = {
        "without_loop": {"events": plain.events, **summary(without)},
        "with_loop": {"events": training.events, **summary(with_loop)},
        "synced": synced,
    }
    without.stop()
    with_loop.stop()
    return result


SCENARIOS: dict[str, Callable[[Dock], dict[str, Any]]] = {
    "at_start": at_start,
    "usb_hotplug": usb_hotplug,
    "card_reader": card_reader,
    "loop_devices": loop_devices,
}


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[1] not in SCENARIOS:
        print(json.dumps({"error": f"usage: {argv[0]} {'|'.join(SCENARIOS)}"}))
        return 2
    try:
        testbed = open_testbed()
    except NoUmockdev as exc:
        print(json.dumps({"error": str(exc)}))
        return 3
    result = SCENARIOS[argv[1]](Dock(testbed))
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
