"""The job engine, driven through the station against simulated ADB phones; the pipelines are
doubles defined here and in tests/unit/support.py (a short phone check of real steps)."""

from __future__ import annotations

import itertools
import os
import signal
import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from bench_app.domain.model import DeviceKind, JobState, StepStatus
from bench_app.errors import BenchError
from bench_app.jobs.engine import JobSpec
from bench_app.jobs.prompt import Prompt
from bench_app.jobs.steps import Pipeline, Purpose, Step, StepContext, StepOutcome
from bench_app.settings import Settings
from bench_app.simulators.source import SimulatedSource
from bench_app.station import Station
from bench_app.store import queries
from bench_app.store.database import NewEvent
from bench_app.text import Text
from tests.unit.support import (
    HEALTHY,
    LOCKED,
    SHORT,
    SHORT_STEPS,
    SLOW,
    UNPLUGGED_MID_STEP,
    WORN_BATTERY,
    Listener,
    event_count,
    finish,
    job_events,
    plug_phone,
    replug,
    short_check,
    wait_for,
)

LONG_SLEEP = 3600  # far longer than any wait in these tests
PHONE_STEPS = SHORT_STEPS


def _passed(text: str = "ok") -> StepOutcome:
    return StepOutcome(StepStatus.PASSED, Text(text, text))


class Probe:
    """Counts how many gate steps are inside at once; they stay until the gate opens."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.inside = 0
        self.most = 0
        self.entered = 0
        self.gate = threading.Event()


class GateStep(Step):
    id = "gate"
    title = Text("Porte", "Gate")

    def __init__(self, probe: Probe) -> None:
        self.probe = probe

    def run(self, ctx: StepContext) -> StepOutcome:
        with self.probe.lock:
            self.probe.inside += 1
            self.probe.entered += 1
            self.probe.most = max(self.probe.most, self.probe.inside)
        try:
            ctx.wait_until(self.probe.gate.is_set, poll=0.01)
        finally:
            with self.probe.lock:
                self.probe.inside -= 1
        return _passed()


class CrashStep(Step):
    id = "crash"
    title = Text("Plantage", "Crash")

    def run(self, ctx: StepContext) -> StepOutcome:
        raise RuntimeError("boom in the step")


class CrashOnceStep(Step):
    """Fails its job the first time, passes when the job is resumed."""

    id = "crash_once"
    title = Text("Plantage une fois", "Crash once")

    def __init__(self) -> None:
        self.runs = 0

    def run(self, ctx: StepContext) -> StepOutcome:
        self.runs += 1
        if self.runs == 1:
            raise RuntimeError("boom the first time")
        return _passed()


class ExternalStep(Step):
    """Runs a shell that starts two background children and waits for them."""

    id = "external"
    title = Text("Programme externe", "External program")

    def __init__(self, pid_file: Path) -> None:
        self.pid_file = pid_file

    def run(self, ctx: StepContext) -> StepOutcome:
        tmp = f"{self.pid_file}.tmp"
        script = (
            f"sleep {LONG_SLEEP} & a=$!; sleep {LONG_SLEEP} & b=$!; "
            f'echo "$$ $a $b" > {tmp}; mv {tmp} {self.pid_file}; wait'
        )
        ctx.processes.run(["sh", "-c", script])
        return _passed()


def _pipeline(name: str, *steps: Step) -> Pipeline:
    return Pipeline(
        name,
        Text(name, name),
        frozenset({DeviceKind.PHONE}),
        lambda: list(steps),
        purpose=Purpose.TESTS,
    )


@pytest.fixture
def bench(station: Station, sim_source: SimulatedSource) -> Iterator[Station]:
    station.pipelines.register(short_check())
    station.attach_source(sim_source)
    yield station


def _alive(pid: int) -> bool:
    """True while the process exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in ("Z", "X")


def _kill_leftover(pid: int) -> None:
    """Cleans up after a failed test: kills `pid` only if it is still our long sleep."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return
    if cmdline[:2] == [b"sleep", str(LONG_SLEEP).encode()] and _alive(pid):
        os.kill(pid, signal.SIGKILL)


# -- parallelism ---------------------------------------------------------------------------


def test_cap_on_parallel_jobs_is_honoured(data_dir: Path, sim_source: SimulatedSource) -> None:
    station = Station(data_dir, settings=Settings(max_parallel_jobs=2), operator="t")
    probe = Probe()
    try:
        station.attach_source(sim_source)
        station.pipelines.register(_pipeline("test.gate", GateStep(probe)))
        devices = [plug_phone(station, sim_source)[1] for _ in range(5)]
        jobs = [station.start_job(d.id, "test.gate") for d in devices]
        wait_for(lambda: probe.entered >= 2, "two jobs inside the gate step")
        # Give the other three every chance to (wrongly) start too.
        threading.Event().wait(0.5)
        with probe.lock:
            assert probe.inside == 2
        assert sorted(j.state for j in jobs).count(JobState.QUEUED) == 3
        probe.gate.set()
        assert [finish(j) for j in jobs] == [JobState.SUCCEEDED] * 5
    finally:
        station.close()
    assert probe.most == 2
    assert probe.entered == 5


def test_one_job_per_device(bench: Station, sim_source: SimulatedSource) -> None:
    probe = Probe()
    bench.pipelines.register(_pipeline("test.gate", GateStep(probe)))
    _, device = plug_phone(bench, sim_source)
    job = bench.start_job(device.id, "test.gate")
    # The worker records job.created before its first step: counted once it is recorded.
    wait_for(lambda: probe.entered == 1, "the job inside its step")
    created = len([e for e in queries.events(bench.store) if e.type == "job.created"])
    with pytest.raises(BenchError) as info:
        bench.start_job(device.id, SHORT)
    assert info.value.code == "JOB_BUSY"
    assert len([e for e in queries.events(bench.store) if e.type == "job.created"]) == created
    probe.gate.set()
    assert finish(job) is JobState.SUCCEEDED
    # Once it is over, the device takes a new job.
    wait_for(lambda: bench.engine.job_for_device(device.id) is None, "the device to be free")
    second = bench.start_job(device.id, "test.gate")
    assert finish(second) is JobState.SUCCEEDED


# -- refusing before anything is recorded ----------------------------------------------------


def test_absent_device_is_refused_before_anything_is_recorded(
    bench: Station, sim_source: SimulatedSource
) -> None:
    phone, device = plug_phone(bench, sim_source)
    sim_source.unplug(phone.key)
    before = event_count(bench.store)
    with pytest.raises(BenchError) as info:
        bench.start_job(device.id, SHORT)
    assert info.value.code == "JOB_DEVICE_ABSENT"
    assert device.asset_code in info.value.message.fr
    assert event_count(bench.store) == before
    assert bench.jobs(device.id) == []


def test_prepare_refuses_a_disconnected_handle(bench: Station, sim_source: SimulatedSource) -> None:
    """The engine's own check, for a handle that went away without the source noticing."""
    phone, device = plug_phone(bench, sim_source)
    phone.mark_gone()
    pipeline = bench.pipelines.get(SHORT)
    assert pipeline is not None
    spec = JobSpec("job-x", device.id, device.asset_code, pipeline, phone)
    created = NewEvent(
        "job.created",
        {"job_id": "job-x", "device_id": device.id, "pipeline": SHORT, "steps": PHONE_STEPS},
        device.id,
    )
    before = event_count(bench.store)
    with pytest.raises(BenchError) as info:
        bench.engine.submit(spec, [created])
    assert info.value.code == "JOB_DEVICE_ABSENT"
    assert event_count(bench.store) == before
    assert bench.engine.job_for_device(device.id) is None


def test_pipeline_for_another_kind_is_refused(bench: Station, sim_source: SimulatedSource) -> None:
    _, device = plug_phone(bench, sim_source)
    before = event_count(bench.store)
    for name in ("drive.erase", "no.such.pipeline"):
        with pytest.raises(BenchError) as info:
            bench.start_job(device.id, name)
        assert info.value.code == "JOB_UNKNOWN_PIPELINE"
        assert name in info.value.message.en
    assert event_count(bench.store) == before


# -- the operator --------------------------------------------------------------------------


def test_manual_step_waits_for_an_answer_from_another_thread(
    bench: Station, sim_source: SimulatedSource
) -> None:
    listener = Listener()
    bench.set_job_listener(listener)
    _, device = plug_phone(bench, sim_source)
    job = bench.start_job(device.id, SHORT)

    job_id, prompt = listener.next_prompt()
    assert job_id == job.id
    assert job.state is JobState.WAITING_OPERATOR
    assert {c.key for c in prompt.choices} == {"ok", "not_ok"}
    threading.Event().wait(0.3)  # a broken engine would run on meanwhile
    assert job.thread is not None and job.thread.is_alive()
    assert not prompt.answered
    started = [e.payload["step_id"] for e in job_events(bench.store, job.id, "step.started")]
    finished = [e.payload["step_id"] for e in job_events(bench.store, job.id, "step.finished")]
    assert started[-1] == "screen"
    assert "screen" not in finished

    with pytest.raises(ValueError):
        prompt.answer("maybe")
    assert not prompt.answered
    assert job.state is JobState.WAITING_OPERATOR

    answerer = threading.Thread(target=prompt.answer, args=("not_ok",))
    answerer.start()
    answerer.join()
    _, second = listener.next_prompt()
    # Every phone has buttons: "not on this model" is not offered for them.
    assert {c.key for c in second.choices} == {"ok", "not_ok"}
    second.answer("ok")
    assert finish(job) is JobState.SUCCEEDED

    results = {r.step_id: r.status for r in queries.step_results(bench.store, job.id)}
    assert results["screen"] is StepStatus.FAILED
    assert results["buttons"] is StepStatus.PASSED
    assert listener.prompt_cleared.count(job.id) == 2


def test_cancel_while_waiting_for_the_operator(bench: Station, sim_source: SimulatedSource) -> None:
    listener = Listener()
    bench.set_job_listener(listener)
    _, device = plug_phone(bench, sim_source)
    job = bench.start_job(device.id, SHORT)
    _, prompt = listener.next_prompt()
    assert bench.cancel_job(job.id)
    assert finish(job) is JobState.CANCELLED
    assert not prompt.answered
    assert len(job_events(bench.store, job.id, "job.cancelled")) == 1
    assert not job_events(bench.store, job.id, "job.finished")
    record = queries.job(bench.store, job.id)
    assert record is not None and record.state is JobState.CANCELLED
    assert listener.states_of(job.id)[-1] is JobState.CANCELLED
    assert not bench.cancel_job(job.id)  # nothing left to cancel


def test_cancel_kills_the_whole_process_group(
    bench: Station, sim_source: SimulatedSource, tmp_path: Path
) -> None:
    pid_file = tmp_path / "pids"
    bench.pipelines.register(_pipeline("test.external", ExternalStep(pid_file)))
    _, device = plug_phone(bench, sim_source)
    job = bench.start_job(device.id, "test.external")
    wait_for(pid_file.exists, "the shell to start its children")
    pids = [int(p) for p in pid_file.read_text().split()]
    try:
        assert len(pids) == 3
        assert all(_alive(p) for p in pids)
        assert bench.cancel_job(job.id)
        assert finish(job) is JobState.CANCELLED
        wait_for(lambda: not any(_alive(p) for p in pids), f"processes {pids} to be gone")
    finally:
        for pid in pids[1:]:
            _kill_leftover(pid)
    assert len(job_events(bench.store, job.id, "job.cancelled")) == 1


# -- failures ------------------------------------------------------------------------------


def test_unexpected_exception_fails_the_job_and_the_station_goes_on(
    bench: Station, sim_source: SimulatedSource
) -> None:
    bench.set_job_listener(Listener(answer="ok"))
    bench.pipelines.register(_pipeline("test.crash", CrashStep()))
    _, device = plug_phone(bench, sim_source)
    job = bench.start_job(device.id, "test.crash")
    assert finish(job) is JobState.FAILED

    failed = job_events(bench.store, job.id, "step.failed")
    assert len(failed) == 1
    assert failed[0].payload["code"] == "INTERNAL"
    assert failed[0].payload["step_id"] == "crash"
    assert "boom in the step" in failed[0].payload["trace"]
    # The operator reads a plain sentence; the exception's words stay in the trace.
    assert "boom in the step" not in failed[0].payload["message"]["fr"]
    assert failed[0].payload["message"]["fr"] == "Erreur interne : appelez votre encadrant."
    job_failed = job_events(bench.store, job.id, "job.failed")
    assert [e.payload["code"] for e in job_failed] == ["INTERNAL"]
    record = queries.job(bench.store, job.id)
    assert record is not None and record.state is JobState.FAILED

    # The station is unharmed: another device, and the same one, run fine.
    _, other = plug_phone(bench, sim_source)
    assert finish(bench.start_job(other.id, SHORT)) is JobState.SUCCEEDED
    wait_for(lambda: bench.engine.job_for_device(device.id) is None, "the device to be free")
    assert finish(bench.start_job(device.id, SHORT)) is JobState.SUCCEEDED
    assert bench.store.check().ok


def test_blocking_finding_blocks_the_job(bench: Station, sim_source: SimulatedSource) -> None:
    bench.set_job_listener(Listener(answer="ok"))
    persona, flags = LOCKED
    _, device = plug_phone(bench, sim_source, persona, **flags)
    job = bench.start_job(device.id, SHORT)
    assert finish(job) is JobState.BLOCKED

    finished = job_events(bench.store, job.id, "step.finished")
    assert finished[-1].payload["step_id"] == "locks"
    assert finished[-1].payload["blocking"] is True
    started = [e.payload["step_id"] for e in job_events(bench.store, job.id, "step.started")]
    assert started == PHONE_STEPS[: PHONE_STEPS.index("locks") + 1]
    ends = job_events(bench.store, job.id, "job.finished")
    assert [e.payload["state"] for e in ends] == ["blocked"]
    record = queries.job(bench.store, job.id)
    assert record is not None and record.state is JobState.BLOCKED
    assert record.message is not None and "Google" in record.message.en
    with pytest.raises(BenchError) as info:
        bench.resume_job(job.id)
    assert info.value.code == "JOB_NOT_RESUMABLE"


def _interrupted_by_unplug(bench: Station, sim_source: SimulatedSource) -> tuple[str, str, str]:
    """Runs a phone that is pulled out mid-step; returns (job id, device id, device key)."""
    persona, flags = UNPLUGGED_MID_STEP
    phone, device = plug_phone(bench, sim_source, persona, **flags)
    job = bench.start_job(device.id, SHORT)
    assert finish(job) is JobState.INTERRUPTED
    return job.id, device.id, phone.key


def test_device_pulled_out_mid_step_interrupts_the_job(
    bench: Station, sim_source: SimulatedSource
) -> None:
    bench.set_job_listener(Listener(answer="ok"))
    job_id, device_id, _ = _interrupted_by_unplug(bench, sim_source)

    finished = [e.payload["step_id"] for e in job_events(bench.store, job_id, "step.finished")]
    started = [e.payload["step_id"] for e in job_events(bench.store, job_id, "step.started")]
    assert finished, "the phone should have answered at least once before going away"
    assert started == [*finished, started[-1]]  # one step was running when it went away
    failed = job_events(bench.store, job_id, "step.failed")
    assert [(e.payload["step_id"], e.payload["code"]) for e in failed] == [
        (started[-1], "DEVICE_GONE")
    ]
    (interrupted,) = job_events(bench.store, job_id, "job.interrupted")
    assert interrupted.payload["reason"] == "DEVICE_GONE"
    assert interrupted.payload["last_finished_step"] == finished[-1]
    record = queries.job(bench.store, job_id)
    assert record is not None
    assert record.state is JobState.INTERRUPTED and record.state.resumable
    assert record.last_finished_step == finished[-1]
    wait_for(lambda: bench.handle(device_id) is None, "the station to see it go")


def test_resume_after_replug_skips_finished_steps(
    bench: Station, sim_source: SimulatedSource
) -> None:
    listener = Listener(answer="ok")
    bench.set_job_listener(listener)
    job_id, device_id, key = _interrupted_by_unplug(bench, sim_source)
    done_before = [e.payload["step_id"] for e in job_events(bench.store, job_id, "step.finished")]

    with pytest.raises(BenchError) as info:
        bench.resume_job(job_id)  # still unplugged
    assert info.value.code == "JOB_DEVICE_ABSENT"

    first_run = listener.fractions_of(job_id)
    replug(bench, sim_source, key, device_id)
    resumed = bench.resume_job(job_id)
    assert resumed.id == job_id
    assert finish(resumed) is JobState.SUCCEEDED

    events = job_events(bench.store, job_id)
    resumed_at = [e.type for e in events].index("job.resumed")
    started_after = [e.payload["step_id"] for e in events[resumed_at:] if e.type == "step.started"]
    assert started_after == [s for s in PHONE_STEPS if s not in done_before]
    for step in done_before:
        assert [e.payload["step_id"] for e in events if e.type == "step.started"].count(step) == 1
    finished = [e.payload["step_id"] for e in events if e.type == "step.finished"]
    assert sorted(finished) == sorted(PHONE_STEPS)
    record = queries.job(bench.store, job_id)
    assert record is not None and record.state is JobState.SUCCEEDED
    device = bench.device(device_id)
    assert device is not None and device.stage.value == "diagnosed"
    # The resumed run reports progress from where the first one stopped, not from zero.
    second_run = listener.fractions_of(job_id)[len(first_run) :]
    assert 0.0 < second_run[0] == pytest.approx(max(first_run))
    assert all(b >= a for a, b in itertools.pairwise(second_run))
    assert second_run[-1] == pytest.approx(1.0)
    assert bench.store.check().ok


def test_a_job_that_finds_its_device_resumes_before_discovery_saw_the_device_go(
    bench: Station, sim_source: SimulatedSource
) -> None:
    """A phone left in its bootloader: discovery polls, so the station may still hold its
    dead Android handle when the operator resumes at once. A pipeline whose steps find the
    phone by themselves resumes anyway; any other still waits for the device."""
    bench.set_job_listener(Listener(answer="ok"))
    finder = replace(_pipeline("test.finder", CrashOnceStep()), finds_device=True)
    bench.pipelines.register(finder)
    bench.pipelines.register(_pipeline("test.plain", CrashOnceStep()))
    phone, device = plug_phone(bench, sim_source)
    finder_job = bench.start_job(device.id, "test.finder")
    assert finish(finder_job) is JobState.FAILED
    plain_job = bench.start_job(device.id, "test.plain")
    assert finish(plain_job) is JobState.FAILED

    phone.mark_gone()  # gone, but not reported by the source yet
    assert not phone.connected
    assert bench.handle(device.id) is phone
    with pytest.raises(BenchError) as info:
        bench.resume_job(plain_job.id)
    assert info.value.code == "JOB_DEVICE_ABSENT"
    assert finish(bench.resume_job(finder_job.id)) is JobState.SUCCEEDED


def test_abandon(bench: Station, sim_source: SimulatedSource) -> None:
    bench.set_job_listener(Listener(answer="ok"))
    job_id, _, key = _interrupted_by_unplug(bench, sim_source)
    bench.abandon_job(job_id)
    record = queries.job(bench.store, job_id)
    assert record is not None and record.state is JobState.ABANDONED
    assert len(job_events(bench.store, job_id, "job.abandoned")) == 1
    sim_source.replug(key)
    for action in (bench.abandon_job, bench.resume_job):
        with pytest.raises(BenchError) as info:
            action(job_id)
        assert info.value.code == "JOB_NOT_RESUMABLE"
    assert len(job_events(bench.store, job_id, "job.abandoned")) == 1

    # A job resumed to success cannot be abandoned either.
    second_id, second_device, second_key = _interrupted_by_unplug(bench, sim_source)
    replug(bench, sim_source, second_key, second_device)
    assert finish(bench.resume_job(second_id)) is JobState.SUCCEEDED
    with pytest.raises(BenchError) as info:
        bench.abandon_job(second_id)
    assert info.value.code == "JOB_NOT_RESUMABLE"
    assert not job_events(bench.store, second_id, "job.abandoned")
    with pytest.raises(BenchError):
        bench.abandon_job("no-such-job")


def test_shutdown_interrupts_running_jobs_so_they_can_resume(
    bench: Station, sim_source: SimulatedSource
) -> None:
    listener = Listener()
    bench.set_job_listener(listener)
    _, device = plug_phone(bench, sim_source)
    job = bench.start_job(device.id, SHORT)
    _, _prompt = listener.next_prompt()
    done_before = [e.payload["step_id"] for e in job_events(bench.store, job.id, "step.finished")]

    bench.engine.shutdown()
    assert job.thread is not None and not job.thread.is_alive()
    assert job.state is JobState.INTERRUPTED
    (interrupted,) = job_events(bench.store, job.id, "job.interrupted")
    assert interrupted.payload["reason"] == "STATION_STOPPED"
    assert interrupted.payload["last_finished_step"] == done_before[-1]
    assert not job_events(bench.store, job.id, "job.cancelled")
    record = queries.job(bench.store, job.id)
    assert record is not None and record.state is JobState.INTERRUPTED
    assert record.state.resumable

    bench.set_job_listener(Listener(answer="ok"))
    assert finish(bench.resume_job(job.id)) is JobState.SUCCEEDED
    started = [e.payload["step_id"] for e in job_events(bench.store, job.id, "step.started")]
    for step in done_before:
        assert started.count(step) == 1


def test_progress_never_goes_back_and_ends_at_one(
    bench: Station, sim_source: SimulatedSource
) -> None:
    listener = Listener(answer="ok")
    bench.set_job_listener(listener)
    jobs = []
    for persona, flags in (HEALTHY, WORN_BATTERY, SLOW):
        _, device = plug_phone(bench, sim_source, persona, **flags)
        jobs.append(bench.start_job(device.id, SHORT))
    for job in jobs:
        assert finish(job) is JobState.SUCCEEDED
        fractions = listener.fractions_of(job.id)
        assert len(fractions) >= len(PHONE_STEPS)
        assert fractions[0] == 0.0
        assert all(b >= a for a, b in itertools.pairwise(fractions)), fractions
        assert all(0.0 <= f <= 1.0 for f in fractions)
        assert fractions[-1] == pytest.approx(1.0)


def test_states_reported_to_the_listener(bench: Station, sim_source: SimulatedSource) -> None:
    def answer(prompt: Prompt) -> str:
        return "ok"

    listener = Listener(answer=answer)
    bench.set_job_listener(listener)
    _, device = plug_phone(bench, sim_source)
    job = bench.start_job(device.id, SHORT)
    assert finish(job) is JobState.SUCCEEDED
    states = listener.states_of(job.id)
    assert states[0] is JobState.QUEUED
    assert JobState.RUNNING in states
    assert states.count(JobState.WAITING_OPERATOR) == 2
    assert states[-1] is JobState.SUCCEEDED
