"""Helpers shared by the core tests: a job listener that records what it hears and can answer
prompts, polling with generous timeouts, simulated ADB phones plugged in and registered, a
short phone check for the engine's own tests, small event-log queries, and outcome facts as
a log may hold them."""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from typing import Any

from bench_app.devices.source import DeviceHandle
from bench_app.diagnostics.android import (
    BatteryHealthStep,
    LocksStep,
    PhoneIdentityStep,
    StorageStep,
)
from bench_app.diagnostics.guided_tests import GUIDED_TESTS, GuidedTestStep
from bench_app.domain.model import Device, DeviceKind, DeviceStage, JobState, OutcomeKind
from bench_app.jobs.engine import Job as RunningJob
from bench_app.jobs.prompt import Prompt
from bench_app.jobs.steps import Pipeline, Purpose, Step
from bench_app.simulators.source import SimulatedSource
from bench_app.station import Station
from bench_app.store import queries
from bench_app.store.database import NewEvent, Store
from bench_app.text import Text
from bench_app.wire.events import Event

WAIT = 60.0  # seconds; only ever reached when something is broken


def wait_for(predicate: Callable[[], bool], what: str, timeout: float = WAIT) -> None:
    """Polls until `predicate()` is true; fails the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)


class Listener:
    """Records every callback. With `answer`, answers each prompt at once from the worker
    thread; without, leaves prompts in `prompts` for the test to answer."""

    def __init__(self, answer: str | Callable[[Prompt], str] | None = None) -> None:
        self.answer = answer
        self.lock = threading.Lock()
        self.states: list[tuple[str, JobState]] = []
        self.progress: list[tuple[str, float]] = []
        self.prompts: queue.Queue[tuple[str, Prompt]] = queue.Queue()
        self.prompt_cleared: list[str] = []

    def job_state(self, job_id: str, device_id: str, state: JobState, message: Text | None) -> None:
        with self.lock:
            self.states.append((job_id, state))

    def job_progress(
        self, job_id: str, device_id: str, fraction: float, step: Text, message: Text | None
    ) -> None:
        with self.lock:
            self.progress.append((job_id, fraction))

    def job_prompt(self, job_id: str, device_id: str, prompt: Prompt | None) -> None:
        if prompt is None:
            with self.lock:
                self.prompt_cleared.append(job_id)
            return
        if self.answer is None:
            self.prompts.put((job_id, prompt))
        elif isinstance(self.answer, str):
            prompt.answer(self.answer)
        else:
            prompt.answer(self.answer(prompt))

    def states_of(self, job_id: str) -> list[JobState]:
        with self.lock:
            return [s for j, s in self.states if j == job_id]

    def fractions_of(self, job_id: str) -> list[float]:
        with self.lock:
            return [f for j, f in self.progress if j == job_id]

    def next_prompt(self, timeout: float = WAIT) -> tuple[str, Prompt]:
        try:
            return self.prompts.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError("no prompt was shown") from None


def finish(job: RunningJob, timeout: float = WAIT) -> JobState:
    """Waits for the job's worker thread to end and returns the job's final state."""
    assert job.thread is not None
    job.thread.join(timeout)
    assert not job.thread.is_alive(), f"job {job.id} did not finish"
    return job.state


# A short phone check: the real readings of the full check (identity, locks, battery,
# storage) and two guided tests, so a job has automated steps and operator prompts.
SHORT = "test.short_check"
SHORT_STEPS = ["identity", "locks", "battery", "storage", "screen", "buttons"]


def _short_steps() -> list[Step]:
    guided = {t.id: t for t in GUIDED_TESTS}
    return [
        PhoneIdentityStep(ask_imei=False),
        LocksStep(),
        BatteryHealthStep(),
        StorageStep(),
        GuidedTestStep(guided["screen"]),
        GuidedTestStep(guided["buttons"]),
    ]


def short_check() -> Pipeline:
    """The short phone check (`SHORT`); a test registers it on its station."""
    return Pipeline(
        SHORT,
        Text("Contrôle court", "Short check"),
        frozenset({DeviceKind.PHONE, DeviceKind.TABLET}),
        _short_steps,
        stage_on_success=DeviceStage.DIAGNOSED,
        purpose=Purpose.TESTS,
    )


# Phone behaviours the core tests use, as simulated ADB phone personas and fault flags.
HEALTHY: tuple[str, dict[str, Any]] = ("fairphone-4", {})
WORN_BATTERY: tuple[str, dict[str, Any]] = ("worn-battery", {})
LOCKED: tuple[str, dict[str, Any]] = ("frp-locked", {})
# The cable comes out half-way through a shell command of the battery reading, once.
UNPLUGGED_MID_STEP: tuple[str, dict[str, Any]] = ("google-pixel-6", {"unplug_after_commands": 10})
SLOW: tuple[str, dict[str, Any]] = ("fairphone-4", {"slow": (0.02, 0.02)})
BEHAVIOURS = (HEALTHY, WORN_BATTERY, LOCKED, UNPLUGGED_MID_STEP, SLOW)


def plug_phone(
    station: Station, source: SimulatedSource, persona: str = "fairphone-4", **flags: Any
) -> tuple[Any, Device]:
    """Plugs a simulated ADB phone in (the operator allows the station at once) and returns
    its handle with the record the station made once it had read the phone."""
    phone = source.add_adb_phone(persona, **{"accept_delay": 0.0, **flags})
    return phone, device_for(station, phone)


def device_for(station: Station, handle: DeviceHandle) -> Device:
    """The record the station made for a plugged handle, once it has brought it up."""

    def found() -> str | None:
        return next(
            (d for d in station.connected_device_ids() if station.handle(d) is handle), None
        )

    wait_for(lambda: found() is not None, f"{handle.key} to be registered")
    device = station.device(found() or "")
    assert device is not None
    return device


def replug(station: Station, source: SimulatedSource, key: str, device_id: str) -> None:
    """Plugs a simulated phone back in and waits until the station has reconnected it."""
    source.replug(key)

    def back() -> bool:
        handle = station.handle(device_id)
        return handle is not None and handle.connected

    wait_for(back, f"{key} to be back")


def job_events(store: Store, job_id: str, event_type: str | None = None) -> list[Event]:
    """The events of one job, oldest first (optionally of one type)."""
    return [
        e
        for e in queries.events(store)
        if e.payload.get("job_id") == job_id and (event_type is None or e.type == event_type)
    ]


def event_count(store: Store) -> int:
    row = store.query_one("SELECT count(*) FROM events")
    assert row is not None
    return int(row[0])


def outcome_in_log(
    station: Station, device_id: str, kind: OutcomeKind, reference: str = "", note: str = ""
) -> None:
    """An `outcome.recorded` fact as a log may hold it whatever today's rules say (recorded
    by an earlier version, imported from another station): written through the store, as
    an import is. Reports, projections and sync read such facts; `Station.record_outcome`
    would refuse many of them (a donation without a verified erasure)."""
    device = station.device(device_id)
    assert device is not None
    payload = {"device_id": device_id, "kind": kind.value, "reference": reference, "note": note}
    station.store.record(
        [NewEvent("outcome.recorded", payload, device_id)],
        operator=station.operator,
        training=device.training,
    )
