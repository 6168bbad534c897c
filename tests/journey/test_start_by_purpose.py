"""A station starts the pipeline that does what is asked (test, erase, install) for the
device plugged in, without naming it; naming one still works as before."""

from __future__ import annotations

import pytest

from bench_app.domain.model import JobState
from bench_app.errors import BenchError
from bench_app.jobs.steps import Purpose
from bench_app.simulators.source import SimulatedSource
from bench_app.station import Station
from tests.unit.support import Listener, finish, plug_phone


def test_a_pipeline_is_started_by_its_purpose(
    station: Station, sim_source: SimulatedSource
) -> None:
    station.set_job_listener(Listener(answer="ok"))  # the operator answers its questions
    station.attach_source(sim_source)
    _, device = plug_phone(station, sim_source)
    handle = station.handle(device.id)
    # The simulated phone of the engine's tests is no ADB phone: only the quick check fits.
    assert [p.name for p in station.pipelines.for_purpose(device.kind, handle, Purpose.TESTS)] == [
        "phone.quick_check"
    ]
    job = station.start_job(device.id, purpose=Purpose.TESTS)
    assert finish(job) is JobState.SUCCEEDED
    record = station.latest_job(device.id)
    assert record is not None and record.pipeline == "phone.quick_check"
    with pytest.raises(BenchError) as refused:
        station.start_job(device.id, purpose=Purpose.ERASES)
    assert refused.value.code == "JOB_UNKNOWN_PIPELINE"
    # A name given wins over the purpose, as callers that name their pipeline expect.
    named = station.start_job(device.id, "phone.quick_check", purpose=Purpose.INSTALLS)
    assert finish(named) is JobState.SUCCEEDED
