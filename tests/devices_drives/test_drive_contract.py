"""The drive handle's contract: what the erasure may count on from any drive, whatever stands
behind it. One subclass per implementation: an image file, a loop device (a real block
device, over an image), and the simulated docked drive of training mode (an image file with a
simulated firmware). A subclass pointed at a real docked disk would hold it to the same rules.
Every drive here is one the test made itself."""

from __future__ import annotations

import mmap
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bench_app.devices.drives.handle import DriveHandle
from bench_app.domain.model import DeviceKind, JobState, StepStatus
from bench_app.erasure.records import latest_erasure
from bench_app.errors import BenchError
from bench_app.simulators.mode import SimulationMode
from bench_app.simulators.source import SimulatedSource, Timing
from bench_app.station import Station
from bench_app.store import queries
from tests.devices_drives.conftest import make_image
from tests.unit.support import finish

MiB = 1 << 20
SIZE = 16 * MiB
VERDICTS = {"pass", "warning", "fail", "unknown"}


class Dock:
    """Where a contract's drives come from, and what can be done to them by hand."""

    def plug(self, serial: str, size: int) -> DriveHandle:
        """A drive of `size` bytes, full of data, whose label says `serial`."""
        raise NotImplementedError

    def backing(self, handle: DriveHandle) -> Path:
        """The file that holds the drive's bytes (to check what was written)."""
        raise NotImplementedError

    def unplug(self, handle: DriveHandle) -> None:
        raise NotImplementedError

    def swap(self, handle: DriveHandle, size: int) -> None:
        """Another disk (here: another size) now answers at the drive's place."""
        raise NotImplementedError


class DriveContract:
    """What every drive handle does."""

    expected_verdict: str  # what its SMART says (unknown: no SMART to read)

    @pytest.fixture
    def dock(self) -> Dock:
        raise NotImplementedError

    def _erase(self, station: Station, handle: DriveHandle, typed: str) -> tuple[JobState, str]:
        device = station.device_connected(handle)
        options = {"method": "clear-zero", "verify": "full", "confirm_serial": typed}
        job = station.start_job(device.id, "drive.erase", options)
        return finish(job), device.id

    def test_identity_names_the_drive_and_its_size(self, dock: Dock) -> None:
        handle = dock.plug("DOCK-ID-4K7P", SIZE)
        identity = handle.identity()
        assert handle.kind is DeviceKind.DRIVE
        assert identity["serial"] == handle.target().serial == "DOCK-ID-4K7P"
        assert identity["size_bytes"] == handle.target().size_bytes == SIZE
        assert handle.key == "drive:DOCK-ID-4K7P"
        assert handle.connected

    def test_blocks_written_are_read_back(self, dock: Dock) -> None:
        handle = dock.plug("DOCK-IO-8N2C", SIZE)
        page = mmap.mmap(-1, 4096)
        page.write(b"\xc3" * 4096)
        writer = handle.open_io(write=True)
        try:
            for offset in (0, SIZE // 2, SIZE - 4096):
                assert writer.pwrite(memoryview(page), offset) == 4096
            writer.sync()
        finally:
            writer.close()
        back = mmap.mmap(-1, 4096)
        reader = handle.open_io(write=False)
        try:
            for offset in (0, SIZE // 2, SIZE - 4096):
                assert reader.preadinto(memoryview(back), offset) == 4096
                assert back[:] == b"\xc3" * 4096
        finally:
            reader.close()
        with dock.backing(handle).open("rb") as f:
            f.seek(SIZE // 2)
            assert f.read(4096) == b"\xc3" * 4096

    def test_the_erasure_overwrites_every_byte_and_verifies(
        self, dock: Dock, station: Station
    ) -> None:
        handle = dock.plug("DOCK-ER-2W9X", SIZE)
        state, device_id = self._erase(station, handle, "2w9x")
        assert state is JobState.SUCCEEDED
        assert dock.backing(handle).read_bytes() == bytes(SIZE)
        record = latest_erasure(station.store, device_id)
        assert record is not None and record["result"] == "erased"
        assert record["verification"]["ok"] and record["verification"]["bytes_checked"] == SIZE
        assert record["target"]["serial"] == "DOCK-ER-2W9X"

    def test_a_serial_typed_for_another_disk_never_starts_an_erasure(
        self, dock: Dock, station: Station
    ) -> None:
        handle = dock.plug("DOCK-NO-5T6Y", SIZE)
        before = dock.backing(handle).read_bytes()
        state, device_id = self._erase(station, handle, "9Z9Z")
        assert state is JobState.FAILED
        assert latest_erasure(station.store, device_id) is None
        assert dock.backing(handle).read_bytes() == before

    def test_health_is_read_or_said_missing(self, dock: Dock, station: Station) -> None:
        handle = dock.plug("DOCK-HL-3F8D", SIZE)
        device = station.device_connected(handle)
        job = station.start_job(
            device.id, "drive.erase", {"method": "clear-zero", "confirm_serial": "3F8D"}
        )
        assert finish(job) is JobState.SUCCEEDED
        health = next(
            r for r in queries.step_results(station.store, job.id) if r.step_id == "health"
        )
        verdict = health.evidence["smart"]["verdict"]
        assert verdict in VERDICTS and verdict == self.expected_verdict
        expected_status = {
            "pass": StepStatus.PASSED,
            "warning": StepStatus.WARNING,
            "fail": StepStatus.FAILED,
            "unknown": StepStatus.NOT_PRESENT,
        }[verdict]
        assert health.status is expected_status

    def test_an_unplugged_drive_is_not_connected(self, dock: Dock) -> None:
        handle = dock.plug("DOCK-UP-6H1J", SIZE)
        dock.unplug(handle)
        assert not handle.connected

    def test_another_disk_in_its_place_is_refused(self, dock: Dock) -> None:
        handle = dock.plug("DOCK-SW-1A2B", SIZE)
        dock.swap(handle, SIZE + MiB)
        with pytest.raises(BenchError) as changed:
            handle.target()
        assert changed.value.code == "ERASE_TARGET_CHANGED"
        assert not handle.connected


# -- an image file --------------------------------------------------------------------------


class ImageDock(Dock):
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def plug(self, serial: str, size: int) -> DriveHandle:
        return DriveHandle(str(make_image(self.folder / f"{serial}.img", size)))

    def backing(self, handle: DriveHandle) -> Path:
        return Path(handle.path)

    def unplug(self, handle: DriveHandle) -> None:
        Path(handle.path).rename(Path(handle.path).with_suffix(".away"))

    def swap(self, handle: DriveHandle, size: int) -> None:
        make_image(Path(handle.path), size)


class TestImageFile(DriveContract):
    expected_verdict = "unknown"

    @pytest.fixture
    def dock(self, tmp_path: Path) -> Dock:
        (tmp_path / "images").mkdir()
        return ImageDock(tmp_path / "images")


# -- a loop device --------------------------------------------------------------------------


class LoopDock(Dock):
    def __init__(self, attach: Callable[..., str]) -> None:
        self.attach = attach

    def plug(self, serial: str, size: int) -> DriveHandle:
        return DriveHandle(self.attach(f"{serial}.img", size=size))

    def backing(self, handle: DriveHandle) -> Path:
        name = Path(handle.path).name
        return Path(Path(f"/sys/block/{name}/loop/backing_file").read_text().strip())

    def unplug(self, handle: DriveHandle) -> None:
        subprocess.run(["losetup", "--detach", handle.path], check=True, capture_output=True)

    def swap(self, handle: DriveHandle, size: int) -> None:
        make_image(self.backing(handle), size)
        subprocess.run(["losetup", "--set-capacity", handle.path], check=True)


class TestLoopDevice(DriveContract):
    expected_verdict = "unknown"  # smartctl cannot tell a loop device's type

    @pytest.fixture
    def dock(self, loop_device: Callable[..., str]) -> Dock:
        return LoopDock(loop_device)


# -- the simulated docked drive (training mode) --------------------------------------------


class SimulatedDock(Dock):
    def __init__(self, source: SimulatedSource) -> None:
        self.source = source

    def plug(self, serial: str, size: int) -> DriveHandle:
        return self.source.add_drive("hdd-sata-500", serial=serial, size=size)

    def backing(self, handle: DriveHandle) -> Path:
        return Path(handle.path)

    def unplug(self, handle: DriveHandle) -> None:
        self.source.unplug(handle.key)

    def swap(self, handle: DriveHandle, size: int) -> None:
        make_image(Path(handle.path), size)


class TestSimulatedDockedDrive(DriveContract):
    expected_verdict = "pass"  # its simulated firmware answers smartctl

    @pytest.fixture
    def dock(self, tmp_path: Path) -> Iterator[Dock]:
        source = SimulatedSource(
            SimulationMode.TEST, Timing(scale=0.0), drive_folder=tmp_path / "drives"
        )
        yield SimulatedDock(source)
        source.stop()
