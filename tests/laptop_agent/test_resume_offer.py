"""The station takes an agent's offer to resume a pass only when it is the pass this station
started on that disk, its job interrupted, with a checkpoint inside the disk: any other offer
(another stream, a checkpoint outside the disk, a job still running or finished) is ignored
and the disk is erased from its first byte."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bench_app.domain.model import Device, DeviceKind, DeviceStage
from bench_app.erasure import overwrite as io
from bench_app.laptop_erasure import PIPELINE, resume_offered
from bench_app.laptops import record_facts
from bench_app.station import Station
from bench_app.store.uuid7 import uuid7_str

SIZE = 1 << 20


def _started(station: Station, device: Device, stream: io.Stream) -> dict[str, str]:
    ids = {"job_id": uuid7_str(), "erasure_id": uuid7_str()}
    record_facts(station, device, "test", [
        ("job.created", {"job_id": ids["job_id"], "device_id": device.id, "pipeline": PIPELINE,
                         "steps": ["erase", "verify", "result"],
                         "stage_on_success": DeviceStage.ERASED.value}),
        ("job.started", {"job_id": ids["job_id"]}),
        ("erasure.started", {**ids, "method": "clear-random", "technique": "Clear",
                             "standard": "NIST SP 800-88 Rev. 1", "target": {"serial": "disk-X"},
                             "hidden_areas": {"state": "not_applicable"}, "verify": "full"}),
        ("erasure.pass_started", {**ids, "pass_no": 1, "pattern": "random", "start_byte": 0,
                                  "end_byte": SIZE, "stream": stream.to_json(),
                                  "resumed": False}),
    ])  # fmt: skip
    return ids


def _interrupted(station: Station, device: Device, ids: dict[str, str]) -> None:
    record_facts(station, device, "test", [
        ("job.interrupted", {"job_id": ids["job_id"], "reason": "laptop_link_lost",
                             "last_finished_step": None,
                             "message": {"fr": "coupé", "en": "cut"}}),
    ])  # fmt: skip


@pytest.fixture
def station(tmp_path: Path) -> Any:
    opened = Station(tmp_path / "data", operator="test")
    yield opened
    opened.close()


def _offer(stream: io.Stream, offset: int) -> dict[str, Any]:
    return {"size_bytes": SIZE, "resume": {"offset": offset, "stream": stream.to_json()}}


def test_the_interrupted_pass_of_this_station_is_carried_on(station: Station) -> None:
    device = station.register_device(DeviceKind.DRIVE, model="m", serial="disk-X")
    stream = io.Stream.new(io.Pattern.RANDOM)
    ids = _started(station, device, stream)
    assert resume_offered(station, device, _offer(stream, 4096)) is None  # job still running
    _interrupted(station, device, ids)
    found = resume_offered(station, device, _offer(stream, 4096))
    assert found is not None and (found[0].to_json(), found[1]) == (stream.to_json(), 4096)
    assert resume_offered(station, device, _offer(stream, SIZE)) is not None  # written whole


@pytest.mark.parametrize("offset", [0, -1, SIZE + 512])
def test_a_checkpoint_outside_the_disk_is_ignored(station: Station, offset: int) -> None:
    device = station.register_device(DeviceKind.DRIVE, model="m", serial="disk-X")
    stream = io.Stream.new(io.Pattern.RANDOM)
    _interrupted(station, device, _started(station, device, stream))
    assert resume_offered(station, device, _offer(stream, offset)) is None


def test_another_stream_or_no_erasure_here_is_ignored(station: Station) -> None:
    device = station.register_device(DeviceKind.DRIVE, model="m", serial="disk-X")
    stream = io.Stream.new(io.Pattern.RANDOM)
    assert resume_offered(station, device, _offer(stream, 4096)) is None  # nothing started here
    _interrupted(station, device, _started(station, device, stream))
    forged = io.Stream.new(io.Pattern.RANDOM)
    assert resume_offered(station, device, _offer(forged, 4096)) is None
    zeros = io.Stream.new(io.Pattern.ZEROS)
    assert resume_offered(station, device, _offer(zeros, 4096)) is None
    assert resume_offered(station, device, {"size_bytes": SIZE, "resume": "4096"}) is None
