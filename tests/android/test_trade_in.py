"""A phone in Android 16's trade-in mode, through the real ADB driver and the station: it is
found without a key, its status read and kept, FRP blocks with what to do, evaluation mode
is proposed and started, and the phone goes through the check to a grade like any other."""

from __future__ import annotations

import dataclasses
import json
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from adb_shell.auth.sign_cryptography import CryptographySigner

from bench_app.devices.android import readings
from bench_app.devices.android.driver import AdbTarget, AndroidPhone, TradeIn
from bench_app.devices.source import DeviceNoAnswer
from bench_app.diagnostics.android import LocksStep
from bench_app.domain.model import DeviceStage, JobState, StepStatus
from bench_app.jobs.steps import StepContext
from bench_app.simulators.adb_phone import AdbSimulator, load_persona
from bench_app.simulators.mode import SimulationMode
from bench_app.simulators.source import SimulatedSource
from bench_app.station import Station
from bench_app.store import queries
from tests.android.test_phone_check import Operator, finish, plugged

PhoneFactory = Callable[..., tuple[AdbSimulator, AndroidPhone]]


@pytest.fixture
def start_persona(signer: CryptographySigner) -> Iterator[Callable[..., Any]]:
    """Starts a simulated phone from a loaded persona (texts changed by a test)."""
    started: list[tuple[AdbSimulator, AndroidPhone]] = []

    def start(persona: Any) -> tuple[AdbSimulator, AndroidPhone]:
        sim = AdbSimulator(persona, mode=SimulationMode.TEST)
        port = sim.start()
        phone = AndroidPhone(AdbTarget(host="127.0.0.1", port=port), signer)
        started.append((sim, phone))
        return sim, phone

    yield start
    for sim, phone in started:
        phone.close()
        sim.close()


def test_the_driver_finds_trade_in_mode_without_a_key(start_phone: PhoneFactory) -> None:
    sim, phone = start_phone("trade-in-android16")
    phone.connect()
    assert phone.trade_in is TradeIn.FOYER
    assert sim.offered_keys == []  # nothing to allow on the phone
    identity = phone.identity()
    assert identity["serial"] == sim.persona.serial and identity["imei"] == sim.persona.imei
    assert (identity["brand"], identity["model"]) == ("google", "Pixel 7a")
    assert identity["trade_in"] == "foyer" and identity["launch_level"] == 33
    # Any other command is refused at once, without waiting out the timeout.
    began = time.monotonic()
    with pytest.raises(DeviceNoAnswer):
        phone.shell("dumpsys battery")
    assert time.monotonic() - began < 1.0
    assert phone.connected  # a refusal costs no connection


def test_readings_come_from_the_status_with_its_raw_answer(start_phone: PhoneFactory) -> None:
    sim, phone = start_phone("trade-in-android16")
    battery = readings.battery(phone)
    assert battery["source"] == "tradeinmode"
    assert battery["reading"]["cycle_count"] == 212
    assert battery["reading"]["capacity_ratio"] == "0.91"  # facts carry decimals as text
    assert battery["reading"]["manufacturing_date"] == "2023-05-01"
    assert battery["raw"] == sim.persona.texts["tradein_status"]
    storage = readings.storage(phone)
    assert storage["total_bytes"] == 128_000_000_000
    assert storage["useful_lifetime_remaining"] == 96
    locks = readings.accounts(phone)
    assert locks["frp_locked"] is False and locks["google_accounts"] == 0


def test_a_phone_as_usual_is_not_taken_for_trade_in(start_phone: PhoneFactory) -> None:
    sim, phone = start_phone("google-pixel-6")
    phone.connect()
    assert phone.trade_in is TradeIn.NONE
    assert len(sim.offered_keys) == 1  # it asked for the key, as phones do
    # A daemon that asks no key but is not in trade-in mode (a recovery) is not either.
    sim.boot("recovery")
    phone.forget_connection()
    phone.connect()
    assert phone.trade_in is TradeIn.NONE


def test_evaluation_mode_is_started_and_opens_the_shell(start_phone: PhoneFactory) -> None:
    sim, phone = start_phone("trade-in-android16")
    phone.connect()
    assert phone.start_evaluation(wait_s=20)
    assert phone.trade_in is TradeIn.EVALUATION and sim.phone.trade_in == "evaluation"
    assert phone.props()["ro.build.version.release"] == "16"
    assert "level:" in phone.shell("dumpsys battery")  # refused at the setup screen
    assert readings.battery(phone)["source"] == "tradeinmode"  # the status is still richer
    # A new connection (the station restarted) still sees evaluation mode.
    phone.forget_connection()
    phone.connect()
    assert phone.trade_in is TradeIn.EVALUATION


def test_a_garbled_status_is_kept_and_said_plainly(start_persona: Callable[..., Any]) -> None:
    persona = load_persona("trade-in-android16")
    garbled = "\x00\x07 tradeinmode: internal error, status unavailable ]]"
    persona = dataclasses.replace(persona, texts=persona.texts | {"tradein_status": garbled})
    _, phone = start_persona(persona)
    locks = readings.accounts(phone)
    assert locks["error"] and locks["raw"] == garbled  # nothing lost
    identity = phone.identity()
    assert identity["trade_in_error"] and identity["serial"] == ""
    # The check stops at its first reading, saying what to do, the answer in its evidence.
    ctx = StepContext("job", phone, lambda *_: None, _never_asked, threading.Event(), {})
    outcome = LocksStep().run(ctx)
    assert outcome.status is StepStatus.FAILED and outcome.blocking
    assert "illisible" in outcome.summary.fr and outcome.evidence["raw"] == garbled


def _never_asked(prompt: Any) -> str:
    raise AssertionError(f"asked {prompt.question.en!r}")


def test_a_status_with_missing_fields_still_reads(start_persona: Callable[..., Any]) -> None:
    persona = load_persona("trade-in-android16")
    partial = json.dumps({"serial": persona.serial, "battery": {"cycle_count": "many"}})
    persona = dataclasses.replace(persona, texts=persona.texts | {"tradein_status": partial})
    _, phone = start_persona(persona)
    battery = readings.battery(phone)
    assert battery["reading"]["cycle_count"] is None
    assert battery["problems"] == ["battery.cycle_count"]
    assert readings.accounts(phone)["frp_locked"] is None


# -- the station ------------------------------------------------------------------------


@pytest.fixture
def bench(data_dir: Path, signer: CryptographySigner) -> Iterator[tuple[Station, SimulatedSource]]:
    station = Station(data_dir, operator="test")
    source = SimulatedSource(SimulationMode.TEST, adb_signer=signer)
    station.attach_source(source)
    yield station, source
    station.close()


def test_a_trade_in_phone_goes_from_card_to_grade(
    bench: tuple[Station, SimulatedSource],
) -> None:
    station, source = bench
    operator = Operator({"evaluation": "evaluate"})
    station.set_job_listener(operator)
    source.add_adb_phone("trade-in-android16")
    device_id = plugged(station)
    device = station.device(device_id)
    assert device is not None and device.model == "Pixel 7a"
    assert device.imei == "356217442915831" and device.serial == "2B161JEHN0A7QK"
    job = station.start_job(device_id)
    assert job.spec.pipeline.name == "phone.tradein_check"
    finish(station, device_id)
    record = station.latest_job(device_id)
    assert record is not None and record.state is JobState.SUCCEEDED, record and record.message
    results = {r.step_id: r for r in queries.step_results(station.store, record.id)}
    assert results["battery"].status is StepStatus.PASSED
    assert results["battery"].evidence["reading"]["cycle_count"] == 212
    assert '"cycle_count": 212' in results["battery"].evidence["raw"]
    assert results["storage"].evidence["useful_lifetime_remaining"] == 96
    assert results["evaluation"].evidence["evaluation"] == "started"
    assert any("Evaluation mode" in q for q in operator.asked)  # proposed, then started
    # Evaluation opened the shell: the readings the setup screen refused were taken.
    assert results["security"].status is not StepStatus.SKIPPED
    assert results["hardware"].evidence["features"]
    grade = queries.latest_grade(station.store, device_id)
    assert grade is not None and grade.functional in "ABC"
    assert station.device(device_id).stage is DeviceStage.GRADED  # type: ignore[union-attr]


def test_without_evaluation_the_trade_in_readings_still_grade(
    bench: tuple[Station, SimulatedSource],
) -> None:
    station, source = bench
    operator = Operator({"evaluation": "skip"})
    station.set_job_listener(operator)
    source.add_adb_phone("trade-in-android16")
    device_id = plugged(station)
    station.start_job(device_id)
    finish(station, device_id)
    record = station.latest_job(device_id)
    assert record is not None and record.state is JobState.SUCCEEDED, record and record.message
    results = {r.step_id: r for r in queries.step_results(station.store, record.id)}
    assert results["evaluation"].status is StepStatus.SKIPPED
    assert results["security"].status is StepStatus.SKIPPED
    assert results["touch"].status is StepStatus.PASSED  # guided tests still asked
    assert queries.latest_grade(station.store, device_id) is not None


def test_frp_in_the_status_blocks_with_what_to_do(bench: tuple[Station, SimulatedSource]) -> None:
    station, source = bench
    operator = Operator({"evaluation": "evaluate"})
    station.set_job_listener(operator)
    source.add_adb_phone("trade-in-frp-locked")
    device_id = plugged(station)
    station.start_job(device_id)
    finish(station, device_id)
    record = station.latest_job(device_id)
    assert record is not None and record.state is JobState.BLOCKED
    assert record.last_finished_step == "locks"
    assert record.message is not None and "FRP" in record.message.fr
    results = {r.step_id: r for r in queries.step_results(station.store, record.id)}
    assert results["locks"].evidence["frp_locked"] is True
    assert "myaccount.google.com" in results["locks"].evidence["more"]["fr"]
    assert not any("evaluation" in q.lower() for q in operator.asked)  # nothing started on it
