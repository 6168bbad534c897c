"""A phone from card to graded result over ADB: every check recorded as evidence, blocking
locks first, guided tests helped over ADB, an unplug mid-step interrupted and resumed."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from adb_shell.auth.sign_cryptography import CryptographySigner

from bench_app.domain.model import DeviceStage, JobState, StepStatus
from bench_app.jobs.engine import NullListener
from bench_app.jobs.prompt import Prompt
from bench_app.simulators.mode import SimulationMode
from bench_app.simulators.source import SimulatedSource
from bench_app.station import Station
from bench_app.store import queries


class Operator(NullListener):
    """Answers every question as told: per step id, else "ok"; types `imei` when asked."""

    def __init__(
        self, answers: dict[str, str] | None = None, imei: str = "490154203237518"
    ) -> None:
        self.answers = answers or {}
        self.imei = imei
        self.asked: list[str] = []

    def job_prompt(self, job_id: str, device_id: str, prompt: Prompt | None) -> None:
        if prompt is None:
            return
        self.asked.append(prompt.question.en)
        threading.Thread(target=self._answer, args=(prompt,), daemon=True).start()

    def _answer(self, prompt: Prompt) -> None:
        if prompt.entry is not None:
            prompt.answer(self.imei)
            return
        keys = [c.key for c in prompt.choices]
        for step_id, key in self.answers.items():
            if step_id in prompt.question.en.lower() and key in keys:
                prompt.answer(key)
                return
        prompt.answer("very_good" if "very_good" in keys else "ok")


def wait_for(condition: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition never came true"
        time.sleep(0.02)


@pytest.fixture
def bench(data_dir: Path, signer: CryptographySigner) -> Iterator[tuple[Station, SimulatedSource]]:
    station = Station(data_dir, operator="test")
    source = SimulatedSource(SimulationMode.TEST, adb_signer=signer)
    station.attach_source(source)
    yield station, source
    station.close()


def finish(station: Station, device_id: str, timeout: float = 120.0) -> None:
    wait_for(lambda: station.engine.job_for_device(device_id) is None, timeout)


def plugged(station: Station) -> str:
    wait_for(lambda: len(station.connected_device_ids()) == 1)
    return station.connected_device_ids()[0]


def test_full_check_to_a_grade(bench: tuple[Station, SimulatedSource]) -> None:
    station, source = bench
    operator = Operator({"contactless": "not_ok"})
    station.set_job_listener(operator)
    source.add_adb_phone("xiaomi-redmi-5a")
    device_id = plugged(station)
    device = station.device(device_id)
    assert device is not None and device.brand == "Xiaomi" and device.training
    job = station.start_job(device_id)
    assert job.spec.pipeline.name == "phone.check"
    finish(station, device_id)
    record = station.latest_job(device_id)
    assert record is not None, "no job"
    assert record.state is JobState.SUCCEEDED, record.message
    results = {r.step_id: r for r in queries.step_results(station.store, record.id)}
    # Every automated reading is there with its raw evidence.
    assert "level:" in results["battery"].evidence["raw"]
    assert results["storage"].evidence["encrypted"] is False  # this Android 7 phone is not
    assert results["storage"].status is StepStatus.WARNING
    assert results["identity"].evidence["identity"]["imei"]  # Android 7 gives its IMEI
    # The phone says it has no NFC: not asked, recorded as not present.
    assert results["nfc"].status is StepStatus.NOT_PRESENT
    assert not any("contactless" in q for q in operator.asked)
    assert results["touch"].status is StepStatus.PASSED
    grade = queries.latest_grade(station.store, device_id)
    assert grade is not None and grade.functional in "ABC" and grade.cosmetic == 7
    assert station.device(device_id).stage is DeviceStage.GRADED  # type: ignore[union-attr]
    assert results["grading"].evidence["suggested_outcome"] == "reuse"


def test_guided_tests_are_helped_and_the_phone_put_back(
    bench: tuple[Station, SimulatedSource],
) -> None:
    station, source = bench
    station.set_job_listener(Operator())
    phone = source.add_adb_phone("fairphone-4")
    device_id = plugged(station)
    station.start_job(device_id)
    finish(station, device_id)
    record = station.latest_job(device_id)
    assert record is not None, "no job"
    assert record.state is JobState.SUCCEEDED, record.message
    results = {r.step_id: r for r in queries.step_results(station.store, record.id)}
    touch = results["touch"].evidence
    assert touch["assist"][0]["command"] == "settings put system pointer_location 1"
    assert touch["restore"][0]["command"] == "settings put system pointer_location 0"
    sim = source.simulator(phone.key)
    assert sim.phone.settings["system"]["pointer_location"] == "0"
    # Android 13 keeps its IMEI from the shell: the operator typed it, and it was checked.
    assert station.device(device_id).imei == "490154203237518"  # type: ignore[union-attr]


def test_a_phone_with_a_google_account_is_blocked_first(
    bench: tuple[Station, SimulatedSource],
) -> None:
    station, source = bench
    operator = Operator()
    station.set_job_listener(operator)
    source.add_adb_phone("frp-locked")
    device_id = plugged(station)
    station.start_job(device_id)
    finish(station, device_id)
    record = station.latest_job(device_id)
    assert record is not None and record.state is JobState.BLOCKED
    assert record.message is not None and "Google" in record.message.fr
    assert record.last_finished_step == "locks"
    asked_before_block = [q for q in operator.asked if "IMEI" not in q]
    assert asked_before_block == []  # no manual test was started on a locked phone


def test_mdm_phone_is_blocked(bench: tuple[Station, SimulatedSource]) -> None:
    station, source = bench
    station.set_job_listener(Operator())
    source.add_adb_phone("mdm-enrolled")
    device_id = plugged(station)
    station.start_job(device_id)
    finish(station, device_id)
    record = station.latest_job(device_id)
    assert record is not None and record.state is JobState.BLOCKED
    assert record.message is not None and "MDM" in record.message.fr


def test_unplugged_mid_step_is_interrupted_then_resumed(
    bench: tuple[Station, SimulatedSource],
) -> None:
    station, source = bench
    station.set_job_listener(Operator())
    phone = source.add_adb_phone("xiaomi-redmi-5a", unplug_after_commands=8)
    device_id = plugged(station)
    station.start_job(device_id)
    finish(station, device_id)
    record = station.latest_job(device_id)
    assert record is not None and record.state is JobState.INTERRUPTED
    done_before = record.last_finished_step
    assert done_before in ("identity", "locks", "battery", "storage", "security")
    wait_for(lambda: station.connected_device_ids() == [])  # the card now says: plug it back
    source.replug(phone.key)
    assert plugged(station) == device_id  # the same record, found by its serial
    station.resume_job(record.id)
    finish(station, device_id)
    record = station.latest_job(device_id)
    assert record is not None, "no job"
    assert record.state is JobState.SUCCEEDED, record.message
    started = [
        e.payload["step_id"]
        for e in queries.events(station.store, device_id)
        if e.type == "step.started"
    ]
    assert started.count("identity") == 1


def test_unauthorized_phone_waits_with_guidance(bench: tuple[Station, SimulatedSource]) -> None:
    station, source = bench
    states: list[str | None] = []
    station.on_pending.append(lambda key, state: states.append(state))
    source.add_adb_phone("unauthorized")
    wait_for(lambda: "unauthorized" in states, timeout=30)
    assert station.connected_device_ids() == []
    assert next(iter(station.pending.values())).state == "unauthorized"
