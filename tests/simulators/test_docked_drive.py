"""Training drives: image files erased by the bench's real erasure, with a simulated firmware
answering their identity and SMART, and the cases a trainer shows (a healthy disk, a dying
one, a cable pulled during the erasure). Every image here is one the test made, in its own
temporary folder."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench_app.devices.source import DeviceEvent, SourceAction
from bench_app.diagnostics.health import job_end_of_life
from bench_app.domain.model import DeviceStage, JobState, StepResult, StepStatus
from bench_app.erasure.records import latest_erasure
from bench_app.errors import BenchError
from bench_app.settings import Settings
from bench_app.simulators.docked_drive import (
    DRIVE_PERSONAS,
    DriveBehaviour,
    SimulatedDockedDrive,
    drive_persona,
    make_image,
)
from bench_app.simulators.mode import TEST_ENV, SimulationMode
from bench_app.simulators.source import SimulatedSource, Timing
from bench_app.station import Station
from bench_app.store import queries
from tests.unit.support import device_for, finish, wait_for

MiB = 1 << 20
SIZE = 8 * MiB


@pytest.fixture
def drives(tmp_path: Path) -> Path:
    """The drives' folder: beside the station's data folder, never inside it."""
    return tmp_path / "training-drives"


@pytest.fixture
def source(drives: Path) -> Iterator[SimulatedSource]:
    made = SimulatedSource(SimulationMode.TEST, Timing(scale=0.01), drive_folder=drives)
    yield made
    made.stop()


def _erase(station: Station, drive: SimulatedDockedDrive) -> tuple[JobState, str]:
    device = station.device_connected(drive)
    options = {"method": "clear-zero", "verify": "full", "confirm_serial": drive.serial[-4:]}
    job = station.start_job(device.id, "drive.erase", options)
    return finish(job), job.id


def _results(station: Station, job_id: str) -> dict[str, StepResult]:
    return {r.step_id: r for r in queries.step_results(station.store, job_id)}


def test_a_healthy_drive_is_really_erased_and_says_who_it_is(
    station: Station, source: SimulatedSource, drives: Path
) -> None:
    station.attach_source(source)
    drive = source.add_drive("hdd-sata-500", serial="SIMD0005HDD", size=SIZE)
    image = drives / "SIMD0005HDD.img"
    assert drive.image == image and image.stat().st_size == SIZE
    assert image.read_bytes() != bytes(SIZE)  # the donor's data is there
    device = device_for(station, drive)
    assert (device.brand, device.model, device.serial) == (
        "Seagate",
        "ST500LM021-1KJ152",
        "SIMD0005HDD",
    )
    assert device.training

    state, job_id = _erase(station, drive)
    assert state is JobState.SUCCEEDED
    assert image.read_bytes() == bytes(SIZE)
    results = _results(station, job_id)
    assert results["health"].status is StepStatus.PASSED
    assert results["health"].evidence["smart"]["model"] == "ST500LM021-1KJ152"
    assert results["hidden_areas"].status is StepStatus.PASSED  # hdparm -N answered: none
    record = latest_erasure(station.store, device.id)
    assert record is not None and record["result"] == "erased" and record["training"]
    target = record["target"]
    assert target["image_file"] and target["transport"] == "sata" and target["media"] == "hdd"
    assert target["model"] == "ST500LM021-1KJ152" and target["size_bytes"] == SIZE
    assert (station.device(device.id) or device).stage is DeviceStage.ERASED
    # The firmware was asked, never a real smartctl or hdparm.
    programs = {call[0] for call in drive.drive_firmware.calls}
    assert programs == {"smartctl", "hdparm"}


def test_a_failing_drive_says_so_and_cannot_be_certified_erased(
    station: Station, source: SimulatedSource
) -> None:
    drive = source.add_drive("ssd-sata-256", DriveBehaviour.FAILING, size=SIZE)
    state, job_id = _erase(station, drive)
    assert state is JobState.BLOCKED
    health = _results(station, job_id)["health"]
    assert health.status is StepStatus.FAILED
    assert health.evidence["smart"]["reallocated_sectors"] == 48
    record = latest_erasure(station.store, station.device_connected(drive).id)
    assert record is not None and record["result"] == "not_erased"
    [written] = record["passes"]
    first = SIZE * 3 // 5 // 4096 * 4096 // 512
    assert written["errors"] == [
        {"first_sector": first, "last_sector": first + 15, "kind": "write"}
    ]
    assert not record["verification"]["ok"]
    reasons = " ".join(r["en"] for r in record["reasons"])
    assert "could not be written" in reasons and "verification failed" in reasons
    # Not erased, and worn out too: its failed self-test and bad sectors say so.
    verdict = job_end_of_life(station.store, job_id)
    assert verdict is not None
    assert [r.fr for r in verdict.reasons] == ["Secteurs défectueux : 56", "Autotest : échec"]


def test_a_drive_at_the_end_of_its_life_is_erased_then_sent_to_recycling(
    station: Station, source: SimulatedSource
) -> None:
    """SMART says FAILED while every sector still writes: the data is erased, and the job's
    own results say the drive is at the end of its life, with short reasons."""
    drive = source.add_drive("hdd-sata-500", DriveBehaviour.END_OF_LIFE, size=SIZE)
    state, job_id = _erase(station, drive)
    assert state is JobState.SUCCEEDED
    assert drive.image.read_bytes() == bytes(SIZE)
    health = _results(station, job_id)["health"]
    assert health.status is StepStatus.FAILED
    assert health.evidence["smart"]["smart_passed"] is False
    verdict = job_end_of_life(station.store, job_id)
    assert verdict is not None
    assert [r.fr for r in verdict.reasons] == ["SMART : échec", "Secteurs défectueux : 1\u202f240"]
    assert [r.en for r in verdict.reasons] == ["SMART: failed", "Bad sectors: 1,240"]


def test_a_worn_out_nvme_drive_names_its_wear_and_warning(
    station: Station, source: SimulatedSource
) -> None:
    drive = source.add_drive("nvme-256", DriveBehaviour.END_OF_LIFE, size=SIZE)
    state, job_id = _erase(station, drive)
    assert state is JobState.SUCCEEDED
    verdict = job_end_of_life(station.store, job_id)
    assert verdict is not None
    assert [r.fr for r in verdict.reasons] == [
        "SMART : échec",
        "Usure : 100 %",
        "Alerte critique du disque",
    ]


def test_a_healthy_or_merely_worn_drive_is_not_sent_to_recycling(
    station: Station, source: SimulatedSource
) -> None:
    healthy = source.add_drive("hdd-sata-500", size=SIZE)
    assert job_end_of_life(station.store, _erase(station, healthy)[1]) is None
    worn = source.add_drive("nvme-256", DriveBehaviour.FAILING, size=SIZE)  # SMART: warning
    job_id = _erase(station, worn)[1]
    assert _results(station, job_id)["health"].status is StepStatus.WARNING
    assert job_end_of_life(station.store, job_id) is None


def test_a_drive_unplugged_during_the_erasure_resumes_once_plugged_back(
    station: Station, source: SimulatedSource
) -> None:
    Settings(erase_checkpoint_seconds=0.01).save(station.folder)
    heard: list[DeviceEvent] = []
    source.subscribe(heard.append)
    station.attach_source(source)
    drive = source.add_drive("nvme-256", DriveBehaviour.UNPLUGGED_MID_ERASURE, size=SIZE)
    device = device_for(station, drive)
    state, job_id = _erase(station, drive)
    assert state is JobState.INTERRUPTED
    assert [e.action for e in heard] == [SourceAction.ADDED, SourceAction.REMOVED]
    assert not drive.connected
    wait_for(lambda: station.handle(device.id) is None, "the station to see the unplug")
    # Only the first part was overwritten before the cable came out.
    assert drive.image.read_bytes()[-MiB:] != bytes(MiB)

    source.replug(drive.key)
    assert heard[-1].action is SourceAction.ADDED and drive.connected
    wait_for(lambda: station.handle(device.id) is drive, "the station to see the drive again")
    assert finish(station.resume_job(job_id)) is JobState.SUCCEEDED
    record = latest_erasure(station.store, device.id)
    assert record is not None and record["result"] == "erased"
    assert [i["reason"] for i in record["interruptions"]] == ["DEVICE_GONE"]
    assert drive.image.read_bytes() == bytes(SIZE)
    assert _results(station, job_id)["hidden_areas"].status is StepStatus.NOT_PRESENT  # NVMe


def test_a_drive_keeps_its_state_and_a_new_drive_comes_with_data(
    station: Station, source: SimulatedSource, drives: Path
) -> None:
    drive = source.add_drive("hdd-sata-500", serial="SIMD0005HDD", size=SIZE)
    assert _erase(station, drive)[0] is JobState.SUCCEEDED
    # Next session: the same drive comes back erased, as it was left.
    later = SimulatedSource(SimulationMode.TEST, Timing(scale=0.01), drive_folder=drives)
    try:
        again = later.add_drive("hdd-sata-500", serial="SIMD0005HDD", size=SIZE)
        assert again.image.read_bytes() == bytes(SIZE)
        # A drive plugged in from the menu is another one, full of data.
        fresh = later.add_drive("hdd-sata-500", size=SIZE)
        assert fresh.serial != "SIMD0005HDD" and fresh.image.read_bytes() != bytes(SIZE)
        assert len({d.key for d in later.known()}) == 2
    finally:
        later.stop()


@pytest.mark.parametrize("persona", [p.name for p in DRIVE_PERSONAS])
def test_every_persona_answers_its_identity_through_its_firmware(
    persona: str, source: SimulatedSource
) -> None:
    drive = source.add_drive(persona, size=SIZE)
    identity = drive.identity()
    p = drive_persona(persona)
    assert identity["brand"] == p.brand and identity["serial"] == drive.serial
    assert p.model.endswith(identity["model"]) and identity["firmware"] == p.firmware
    assert identity["transport"] == p.transport and identity["size_bytes"] == SIZE
    assert drive.report.verdict == "pass" and drive.report.capacity_bytes == SIZE
    assert ["smartctl", "-j", "-a", str(drive.image)] in drive.drive_firmware.calls


def test_the_image_safety_rules_hold_for_a_training_drive(
    station: Station, source: SimulatedSource
) -> None:
    """A training drive is an image file to the erasure: one inside the station's data
    folder is refused, as `etabli erase` refuses it."""
    inside = SimulatedSource(
        SimulationMode.TEST, Timing(scale=0.01), drive_folder=station.folder / "drives"
    )
    try:
        drive = inside.add_drive("hdd-sata-500", size=SIZE)
        before = drive.image.read_bytes()
        state, _ = _erase(station, drive)
        assert state is JobState.FAILED
        failed = [
            e.payload["code"]
            for e in queries.events(station.store, station.device_connected(drive).id)
            if e.type == "step.failed"
        ]
        assert failed == ["ERASE_DATA_DISK"]
        assert drive.image.read_bytes() == before
    finally:
        inside.stop()


def test_etabli_erase_erases_a_training_image_the_same_way(
    source: SimulatedSource, data_dir: Path
) -> None:
    drive = source.add_drive("hdd-sata-500", serial="SIMD0009HDD", size=SIZE)
    done = subprocess.run(
        [
            *(sys.executable, "-m", "bench_app.commands.main", "erase", str(drive.image)),
            *("--method", "clear-zero", "--confirm-serial", "9HDD", "--data-dir", str(data_dir)),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert drive.image.read_bytes() == bytes(SIZE)


def test_simulated_drives_exist_only_in_training_and_tests(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    image = tmp_path / "SIMD0001SSD.img"
    make_image(image, MiB)
    monkeypatch.delenv(TEST_ENV)
    with pytest.raises(BenchError) as refused:
        SimulatedDockedDrive(image, drive_persona("ssd-sata-256"), mode=SimulationMode.TEST)
    assert refused.value.code == "SIMULATION_REFUSED"
    trainer = SimulatedDockedDrive(
        image, drive_persona("ssd-sata-256"), mode=SimulationMode.TRAINING
    )
    assert trainer.connected and os.path.samefile(trainer.path, image)
