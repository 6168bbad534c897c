"""The full iPhone check (`iphone.check`) run by the station against simulated iPhones behind
their usbmuxd: the real driver, pipeline and engine, from plug to a grade; the blocking
findings (Find My, a company's supervision) stop it before anything else, nothing erased."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bench_app.devices.ios.usbmux import UsbmuxClient
from bench_app.devices.ios.usbmux_source import UsbmuxSource
from bench_app.diagnostics.guided_tests import IPHONE_GUIDED_TESTS
from bench_app.domain.model import DeviceStage, JobState, StepStatus
from bench_app.erasure.records import erasure_records
from bench_app.simulators.iphone import SimulatedIPhone, UsbmuxdSimulator, load_persona
from bench_app.simulators.mode import SimulationMode
from bench_app.station import Station
from bench_app.store import queries
from tests.android.test_phone_check import Operator, finish, plugged

Bench = tuple[Station, UsbmuxdSimulator, list[SimulatedIPhone]]


@pytest.fixture
def bench(data_dir: Path, tmp_path: Path) -> Iterator[Bench]:
    daemon = UsbmuxdSimulator(SimulationMode.TEST, unix_path=tmp_path / "usbmuxd").start()
    station = Station(data_dir, operator="test")
    source = UsbmuxSource(UsbmuxClient(daemon.address), retry_s=0.05)
    station.attach_source(source)
    phones: list[SimulatedIPhone] = []
    yield station, daemon, phones
    station.close()
    source.stop()
    daemon.stop()
    for phone in phones:
        phone.close()


def plug(bench: Bench, persona: str, **flags: Any) -> tuple[str, SimulatedIPhone]:
    station, daemon, phones = bench
    loaded = load_persona(persona)
    sim = SimulatedIPhone(loaded, loaded.behaviour.with_flags(**flags))
    phones.append(sim)
    daemon.attach(sim)
    return plugged(station), sim


def check(bench: Bench, persona: str, operator: Operator) -> tuple[Any, dict[str, Any], str]:
    station = bench[0]
    station.set_job_listener(operator)
    device_id, _ = plug(bench, persona)
    job = station.start_job(device_id)  # what the card's big button starts
    assert job.spec.pipeline.name == "iphone.check"
    finish(station, device_id)
    record = station.latest_job(device_id)
    assert record is not None
    results = {r.step_id: r for r in queries.step_results(station.store, record.id)}
    return record, results, device_id


def test_a_healthy_iphone_goes_from_plug_to_a_grade(bench: Bench) -> None:
    station = bench[0]
    operator = Operator({"torch": "not_ok"})
    record, results, device_id = check(bench, "iphone-13", operator)
    assert record.state is JobState.SUCCEEDED, record.message
    # Blocking findings first, then the readings, each with the phone's raw answer.
    order = list(results)
    assert order[:5] == ["identity", "locks", "management", "battery", "storage"]
    assert results["locks"].evidence["raw"]["com.apple.fmip"] == {"IsAssociated": False}
    management = results["management"].evidence
    assert management["blocking"] is False and management["raw"]["ProfileMetadata"] == {}
    battery = results["battery"]
    assert battery.status is StepStatus.PASSED and "91% (78 %, 187 cycles)" in battery.summary.fr
    assert "<key>CycleCount</key>" in battery.evidence["raw"]
    assert results["storage"].evidence["total_bytes"] == 128000000000
    assert results["storage"].evidence["raw"]["TotalDataAvailable"] == 61239349248
    # Every iPhone guided test was asked with its picture, none helped over a shell.
    for test in IPHONE_GUIDED_TESTS:
        assert test.question.en in operator.asked
        assert results[test.id].evidence["assist"] == []
    assert results["flash"].status is StepStatus.FAILED  # the operator said no
    grade = queries.latest_grade(station.store, device_id)
    assert grade is not None and (grade.functional, grade.cosmetic) == ("B", 7)
    assert results["grading"].evidence["suggested_outcome"] == "reuse"
    device = station.device(device_id)
    assert device is not None and device.stage is DeviceStage.GRADED


def test_a_worn_battery_is_graded_as_a_tired_battery(bench: Bench) -> None:
    station = bench[0]
    record, results, device_id = check(bench, "worn-battery", Operator())
    assert record.state is JobState.SUCCEEDED, record.message
    battery = results["battery"]
    assert battery.status is StepStatus.WARNING
    assert battery.summary.fr == "Batterie fatiguée : 71% (33 %, 1043 cycles)."
    grade = queries.latest_grade(station.store, device_id)
    assert grade is not None and grade.functional == "B"  # everything else works
    reasons = " ".join(r["fr"] for r in results["grading"].evidence["reasons"])
    assert "À surveiller : batterie" in reasons


def test_find_my_blocks_the_check_first_and_nothing_is_erased(bench: Bench) -> None:
    station = bench[0]
    operator = Operator()
    record, results, device_id = check(bench, "find-my-on", operator)
    assert record.state is JobState.BLOCKED
    assert list(results) == ["identity", "locks"]
    assert results["locks"].evidence["activation_lock"] is True
    assert operator.asked == []  # no guided test before the lock is lifted
    assert bench[2][0].erase_count == 0 and erasure_records(station.store, device_id) == []
    assert queries.latest_grade(station.store, device_id) is None


def test_a_company_managed_iphone_is_blocked_with_who_holds_it(bench: Bench) -> None:
    station = bench[0]
    record, results, device_id = check(bench, "supervised", Operator())
    assert record.state is JobState.BLOCKED
    assert list(results) == ["identity", "locks", "management"]
    management = results["management"]
    assert management.status is StepStatus.FAILED
    assert "Transports Durand SAS" in management.summary.fr
    assert management.evidence["supervised"] and management.evidence["enrolled"]
    assert management.evidence["profiles"] == ["Gestion des appareils Transports Durand"]
    assert management.evidence["raw"]["CloudConfiguration"]["IsSupervised"] is True
    assert bench[2][0].erase_count == 0 and queries.latest_grade(station.store, device_id) is None
