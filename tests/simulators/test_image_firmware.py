"""An image file standing for a drive reads its SMART through the firmware its handle
carries (a simulated one), and has none without: the erasure's health step either way."""

from __future__ import annotations

from pathlib import Path

from bench_app.devices.drives.handle import DriveHandle
from bench_app.domain.model import JobState, StepResult, StepStatus
from bench_app.simulators.drive_firmware import SimulatedAtaDrive, load_answer
from bench_app.station import Station
from bench_app.store import queries
from tests.unit.support import finish

MiB = 1 << 20


def _erase(
    station: Station, handle: DriveHandle, serial_end: str
) -> tuple[JobState, dict[str, StepResult]]:
    device = station.device_connected(handle)
    options = {"method": "clear-zero", "verify": "sample", "confirm_serial": serial_end}
    job = station.start_job(device.id, "drive.erase", options)
    state = finish(job)
    return state, {r.step_id: r for r in queries.step_results(station.store, job.id)}


def test_a_failing_firmware_behind_an_image_fails_the_health_step(
    station: Station, tmp_path: Path
) -> None:
    image = tmp_path / "SIMD-FAIL-7K2Q.img"
    image.write_bytes(b"\x5a" * (4 * MiB))
    firmware = SimulatedAtaDrive(
        image, device=str(image), smart=load_answer("smartctl/sata_hdd_bad_sectors.json")
    )
    state, results = _erase(
        station, DriveHandle(str(image), firmware=firmware, simulated=True), "7K2Q"
    )
    health = results["health"]
    assert health.status is StepStatus.FAILED
    assert health.evidence["smart"]["verdict"] == "fail"
    assert health.evidence["smart"]["reallocated_sectors"] == 48
    assert ["smartctl", "-j", "-a", str(image)] in firmware.calls
    # A failing drive is still erased: its data must not leave the workshop.
    assert state is JobState.SUCCEEDED
    assert results["erase"].status is StepStatus.PASSED
    assert image.read_bytes() == bytes(4 * MiB)


def test_an_image_without_firmware_has_no_smart(station: Station, tmp_path: Path) -> None:
    image = tmp_path / "PLAIN-IMG-3F8D.img"
    image.write_bytes(b"\x5a" * (4 * MiB))
    state, results = _erase(station, DriveHandle(str(image)), "3F8D")
    assert state is JobState.SUCCEEDED
    assert results["health"].status is StepStatus.NOT_PRESENT
    assert results["health"].evidence == {"smart": {"verdict": "unknown"}}
