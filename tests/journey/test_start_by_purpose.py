"""A station starts the pipeline that does what is asked (test, erase, install) for the
device plugged in, without naming it; naming one still works as before."""

from __future__ import annotations

import pytest

from bench_app.domain.model import JobState
from bench_app.errors import BenchError
from bench_app.jobs.prompt import Prompt
from bench_app.jobs.steps import Purpose
from bench_app.simulators.source import SimulatedSource
from bench_app.station import Station
from tests.unit.support import Listener, device_for, finish, plug_phone


def _operator(prompt: Prompt) -> str:
    """ "Works" where it is offered, else the first answer (no IMEI, the best grade)."""
    keys = [choice.key for choice in prompt.choices]
    return "ok" if "ok" in keys else keys[0]


def test_a_pipeline_is_started_by_its_purpose(
    station: Station, sim_source: SimulatedSource
) -> None:
    station.set_job_listener(Listener(answer=_operator))  # the operator answers its questions
    station.attach_source(sim_source)
    _, device = plug_phone(station, sim_source)
    handle = station.handle(device.id)
    # A simulated ADB phone: the full check and the readings alone both test it.
    assert [p.name for p in station.pipelines.for_purpose(device.kind, handle, Purpose.TESTS)] == [
        "phone.check",
        "phone.readings",
    ]
    job = station.start_job(device.id, purpose=Purpose.TESTS)
    assert finish(job) is JobState.SUCCEEDED
    record = station.latest_job(device.id)
    assert record is not None and record.pipeline == "phone.check"
    # A name given wins over the purpose, as callers that name their pipeline expect.
    named = station.start_job(device.id, "phone.readings", purpose=Purpose.INSTALLS)
    assert finish(named) is JobState.SUCCEEDED
    record = station.latest_job(device.id)
    assert record is not None and record.pipeline == "phone.readings"
    # A drive has no pipeline that only tests it: asking for one is refused plainly.
    drive = sim_source.add_drive("hdd-sata-500", size=4 << 20)
    drive_record = device_for(station, drive)
    with pytest.raises(BenchError) as refused:
        station.start_job(drive_record.id, purpose=Purpose.TESTS)
    assert refused.value.code == "JOB_UNKNOWN_PIPELINE"
