"""BlockDeviceSource: its udev logic against real libudev fed by a umockdev testbed (in a child
process, see block_scenarios.py), then real loop devices of this machine."""

from __future__ import annotations

import json
import subprocess
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from bench_app.devices.drives.handle import DriveHandle
from bench_app.devices.drives.system_view import SystemView, disks_of
from bench_app.devices.drives.udev_source import WORKER_THREAD, BlockDeviceSource
from bench_app.devices.source import DeviceEvent, SourceAction
from tests import loops
from tests.discovery.conftest import HERE, RunUnderUmockdev

WAIT_S = 60.0  # a guard against hanging forever, not a measure
MiB = 1 << 20

Scenario = Callable[[str], dict[str, Any]]


@pytest.fixture
def block_scenario(under_umockdev: RunUnderUmockdev) -> Scenario:
    """Runs one scenario of block_scenarios.py under umockdev and returns its JSON result."""

    def run(name: str) -> dict[str, Any]:
        done = under_umockdev([str(HERE / "block_scenarios.py"), name])
        lines = done.stdout.strip().splitlines()
        context = f"exit {done.returncode}\nstdout:\n{done.stdout}\nstderr:\n{done.stderr}"
        if not lines:
            pytest.fail(f"the umockdev scenario {name} printed nothing\n{context}")
        try:
            result: dict[str, Any] = json.loads(lines[-1])
        except json.JSONDecodeError:
            pytest.fail(f"the umockdev scenario {name} did not finish\n{context}")
        if "error" in result:
            pytest.fail(f"umockdev cannot run here: {result['error']}\n{context}")
        assert done.returncode == 0, context
        return result

    return run


def summary(events: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    return [(e["action"], e["name"], e["serial"]) for e in events]


# -- umockdev -------------------------------------------------------------------------------


def test_disks_present_at_start_are_reported_but_never_the_stations_own(
    block_scenario: Scenario,
) -> None:
    result = block_scenario("at_start")
    # One card per disk: the SATA SSD (not its partitions) and the USB disk mounted on the
    # desktop (a refusal for erase time, not a reason to hide it).
    # The second virtio disk is known by the serial on the disk itself.
    assert summary(result["events"]) == [
        ("added", "sda", "S5SUNF0R812345"),
        ("added", "sdc", "MOUNTED0042"),
        ("added", "vdb", "VIRTIO-LAPTOP2"),
    ]
    assert [e["transport"] for e in result["events"]][:2] == ["sata", "usb"]
    assert result["present"] == [
        "drive:MOUNTED0042",
        "drive:S5SUNF0R812345",
        "drive:VIRTIO-LAPTOP2",
    ]
    # The disk holding / and the live medium are there, checked, and never shown. The empty
    # card reader, zram, RAM, optical, device-mapper and loop devices are not even looked at.
    assert result["hidden"] == {"vda": "ERASE_SYSTEM_DISK", "sdb": "ERASE_LIVE_MEDIUM"}
    # A uevent of a partition and of the disk (a partition table re-read) changed nothing.
    assert result["synced"] is True
    assert {e["thread"] for e in result["events"]} == {WORKER_THREAD}
    assert result["watching"] == "kernel"  # no udev daemon in the testbed
    assert result["worker_stopped"] is True


def test_a_usb_disk_plugged_and_unplugged_and_two_clones(block_scenario: Scenario) -> None:
    result = block_scenario("usb_hotplug")
    assert result["first"] is True
    # The periodic scan was off: the netlink uevents moved the source. The partition made no
    # event of its own; the remove uevent counted before sysfs let go of the disk.
    assert summary(result["events"]) == [
        ("added", "sdb", "4C530001230101"),
        ("removed", "sdb", "4C530001230101"),
        ("added", "sdc", "CLONE0000001"),
        ("added", "sdd", "CLONE0000001"),
    ]
    # Two sticks with one serial are two cards: the second is known by its kernel name too.
    assert [e["key"] for e in result["events"][2:]] == [
        "drive:CLONE0000001",
        "drive:CLONE0000001@sdd",
    ]
    assert result["present"] == ["drive:CLONE0000001", "drive:CLONE0000001@sdd"]
    assert result["synced"] is True


def test_a_card_reader_shows_a_card_while_media_is_in(block_scenario: Scenario) -> None:
    result = block_scenario("card_reader")
    assert result["empty_at_start"]["present"] == []  # an empty slot has size 0: no card
    assert [(e["action"], e["size_bytes"]) for e in result["events"]] == [
        ("added", 31_899_999_744),  # "change" uevent, the size appears: media inserted
        ("removed", 31_899_999_744),  # size back to 0: media taken out
        ("added", 63_800_000_000),  # another card
    ]
    assert {e["serial"] for e in result["events"]} == {"READER000042"}
    assert result["watching"] == "udev"  # udev's netlink group works the same
    assert result["present"] == ["drive:READER000042"]
    assert result["synced"] is True


def test_loop_devices_only_with_include_loop(block_scenario: Scenario) -> None:
    result = block_scenario("loop_devices")
    assert result["synced"] is True
    assert result["without_loop"]["events"] == []
    assert result["without_loop"]["present"] == []
    with_loop = result["with_loop"]
    # A loop device's "serial" is its image file's name; one with nothing attached (size 0)
    # is no disk until attached, and is gone once detached.
    assert summary(with_loop["events"]) == [
        ("added", "loop0", "TRAINING-01"),
        ("added", "loop1", "TRAINING-02"),
        ("removed", "loop0", "TRAINING-01"),
    ]
    assert {e["transport"] for e in with_loop["events"]} == {"loop"}
    assert with_loop["present"] == ["drive:TRAINING-02"]


# -- real loop devices ----------------------------------------------------------------------


def _run(*args: str) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout.strip()


@contextmanager
def attached(image: Path, size: int = 16 * MiB) -> Iterator[str]:
    """A loop device over a new sparse image file; detached afterwards."""
    with open(image, "wb") as f:
        f.truncate(size)
    loop = loops.attach(image)
    try:
        yield loop.dev
    finally:
        loops.release(loop)


@contextmanager
def mounted_ext4(device: str, where: Path) -> Iterator[Path]:
    _run("mkfs.ext4", "-q", "-E", "nodiscard", device)
    where.mkdir(parents=True)
    _run("mount", device, str(where))
    try:
        yield where
    finally:
        subprocess.run(["umount", str(where)], check=False, capture_output=True)


class Seen:
    """The source's events, and a way to wait (with a guard) for one."""

    def __init__(self) -> None:
        self.events: list[DeviceEvent] = []
        self._cond = threading.Condition()

    def __call__(self, event: DeviceEvent) -> None:
        with self._cond:
            self.events.append(event)
            self._cond.notify_all()

    def wait_for(self, action: SourceAction, key: str) -> bool:
        with self._cond:
            return self._cond.wait_for(
                lambda: any(e.action is action and e.handle.key == key for e in self.events),
                WAIT_S,
            )


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8].upper()}"


def system_disks() -> set[str]:
    root = SystemView.read().mounts_under(("/",))
    return disks_of(root[0].devnum) if root and root[0].devnum[0] else set()


def test_a_real_loop_device_is_reported_with_a_drive_handle(tmp_path: Path, data_dir: Path) -> None:
    present_name = unique("BENCHDISK")
    plugged_name = unique("PLUGGED")
    seen = Seen()
    with attached(tmp_path / f"{present_name}.img") as device:
        source = BlockDeviceSource(data_dir, include_loop=True)
        source.subscribe(seen)
        source.start()
        try:
            assert source.scan_now(timeout=WAIT_S)
            # Replayed at start: the loop device, with the real handle.
            mine = [h for h in source.devices() if getattr(h, "path", None) == device]
            assert len(mine) == 1
            handle = mine[0]
            assert isinstance(handle, DriveHandle)
            assert handle.key == f"drive:{present_name}"
            assert handle.identity()["serial"] == present_name
            assert handle.identity()["transport"] == "loop"
            assert handle.connected
            # The disk this machine runs from is never a card.
            reported = {getattr(h, "path", "") for h in source.devices()}
            assert not {f"/dev/{name}" for name in system_disks()} & reported
            # A loop device attached afterwards comes (by a kernel uevent where netlink
            # reaches this process, else by the periodic scan), and goes once detached.
            with attached(tmp_path / f"{plugged_name}.img"):
                assert seen.wait_for(SourceAction.ADDED, f"drive:{plugged_name}")
            assert seen.wait_for(SourceAction.REMOVED, f"drive:{plugged_name}")
        finally:
            source.stop()
    assert not any(t.name == WORKER_THREAD and t.is_alive() for t in threading.enumerate())


def test_a_mounted_disk_is_reported_but_not_the_one_holding_the_data_folder(
    tmp_path: Path,
) -> None:
    usb_name, data_name = unique("MOUNTEDUSB"), unique("DATADISK")
    with (
        attached(tmp_path / f"{usb_name}.img") as usb,
        mounted_ext4(usb, tmp_path / "media" / "usb"),
        attached(tmp_path / f"{data_name}.img") as data_disk,
        mounted_ext4(data_disk, tmp_path / "data-disk") as data_mount,
    ):
        data_dir = data_mount / "station-data"
        data_dir.mkdir()
        source = BlockDeviceSource(data_dir, include_loop=True)
        source.start()
        try:
            assert source.scan_now(timeout=WAIT_S)
            keys = {h.key for h in source.devices()}
            hidden = source.hidden()
        finally:
            source.stop()
    # Mounted: refused at erase time, but a card like any other.
    assert f"drive:{usb_name}" in keys
    # The disk holding the station's data is never shown.
    assert f"drive:{data_name}" not in keys
    assert hidden[Path(data_disk).name] == "ERASE_DATA_DISK"
