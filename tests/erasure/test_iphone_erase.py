"""The iPhone erasure (`iphone.erase`) run by the station against the simulated iPhone
behind its usbmuxd: the real pipeline and driver, the simulated phone erasing itself and
coming back at "Hello", and the erasure record built back from the events."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from bench_app.devices.ios.usbmux import UsbmuxClient
from bench_app.devices.ios.usbmux_source import UsbmuxSource
from bench_app.domain.model import DeviceStage, JobState
from bench_app.erasure.iphone_erase import PURGE_STANDARD, iphone_erase
from bench_app.erasure.records import erasure_records
from bench_app.jobs.engine import NullListener
from bench_app.jobs.prompt import Prompt
from bench_app.output.certificates.assemble import device_certificate
from bench_app.output.certificates.document import Issuer, is_success
from bench_app.output.certificates.verify import verify_pdf
from bench_app.settings import Settings
from bench_app.signing import Keyring
from bench_app.simulators.iphone import SimulatedIPhone, UsbmuxdSimulator, load_persona
from bench_app.simulators.mode import SimulationMode
from bench_app.station import Station
from bench_app.store import queries

Bench = tuple[Station, UsbmuxdSimulator, list[SimulatedIPhone]]


def wait_for(condition: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition never came true"
        time.sleep(0.02)


@pytest.fixture
def bench(data_dir: Path, tmp_path: Path) -> Iterator[Bench]:
    data_dir.mkdir(parents=True, exist_ok=True)
    Settings(organisation="Atelier du Rhône", station_name="Poste 2").save(data_dir)
    daemon = UsbmuxdSimulator(SimulationMode.TEST, unix_path=tmp_path / "usbmuxd").start()
    station = Station(data_dir, operator="test")
    # A simulated restart takes a fraction of a second; a real iPhone gets fifteen minutes.
    station.pipelines.register(iphone_erase(back_timeout_s=10.0, poll_s=0.05))
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
    sim = SimulatedIPhone(loaded, loaded.behaviour.with_flags(trust_after_asks=0, **flags))
    phones.append(sim)
    daemon.attach(sim)
    wait_for(lambda: len(station.connected_device_ids()) == 1)
    return station.connected_device_ids()[0], sim


def run_erase(station: Station, device_id: str) -> Any:
    station.start_job(device_id, "iphone.erase")
    wait_for(lambda: station.engine.job_for_device(device_id) is None, 120)
    record = station.latest_job(device_id)
    assert record is not None
    return record


def test_an_iphone_is_erased_as_a_purge_and_verified(bench: Bench) -> None:
    station = bench[0]
    device_id, sim = plug(bench, "iphone-13")
    job = run_erase(station, device_id)
    assert job.state is JobState.SUCCEEDED, job.message
    assert sim.erase_count == 1 and sim.domains["com.apple.purplebuddy"]["SetupDone"] is False
    (record,) = erasure_records(station.store, device_id)
    assert record["result"] == "erased" and record["reasons"] == []
    assert record["technique"] == "cryptographic erase" and record["standard"] == PURGE_STANDARD
    target = record["target"]
    assert (target["brand"], target["model"]) == ("Apple", "iPhone 13")
    assert target["serial"] == sim.persona.serial and target["storage_bytes"] == 128000000000
    checks = {c["check"]: c for c in record["verification"]["checks"]}
    assert set(checks) == {"pairing_forgotten", "setup_starts_over", "no_passcode",
                           "not_activated", "data_space_free"}  # fmt: skip
    assert all(c["ok"] and c["required"] for c in checks.values())
    device = station.device(device_id)
    assert device is not None and device.stage is DeviceStage.ERASED
    # The signed certificate, as for any phone or drive.
    pdf, envelope = device_certificate(station.store, Issuer.for_folder(station.folder), device)
    assert is_success(envelope["document"])
    check = verify_pdf(pdf, Keyring.for_station(station.folder), device.asset_code)
    assert check.devices == [envelope["document"]]
    if dump := os.environ.get("ETABLI_DUMP_CERTIFICATE"):  # to look at it by eye
        Path(dump).write_bytes(pdf)


def test_find_my_blocks_before_anything_is_erased(bench: Bench) -> None:
    station = bench[0]
    device_id, sim = plug(bench, "find-my-on")
    job = run_erase(station, device_id)
    assert job.state is JobState.BLOCKED
    assert sim.erase_count == 0 and erasure_records(station.store, device_id) == []
    results = {r.step_id: r for r in queries.step_results(station.store, job.id)}
    assert "Localiser est activé" in results["precheck"].summary.fr


def test_a_company_managed_iphone_is_not_erased(bench: Bench) -> None:
    station = bench[0]
    device_id, sim = plug(bench, "supervised")
    job = run_erase(station, device_id)
    assert job.state is JobState.BLOCKED
    assert sim.erase_count == 0 and erasure_records(station.store, device_id) == []
    assert "MCInstall:EraseDevice" not in sim.requests
    precheck = {r.step_id: r for r in queries.step_results(station.store, job.id)}["precheck"]
    assert "Rien n’a été effacé" in precheck.summary.fr
    assert precheck.evidence["management"]["organisation"] == "Transports Durand SAS"


def test_cable_pulled_mid_erase_is_verified_once_plugged_back(bench: Bench) -> None:
    station, daemon, _ = bench
    device_id, sim = plug(bench, "unplugged-mid-erase")
    station.start_job(device_id, "iphone.erase")
    assert sim.erased.wait(30) and daemon.phones() == {}
    assert station.engine.job_for_device(device_id) is not None  # still waiting for it
    daemon.attach(sim)  # the operator plugs the cable back
    wait_for(lambda: station.engine.job_for_device(device_id) is None, 120)
    job = station.latest_job(device_id)
    assert job is not None and job.state is JobState.SUCCEEDED, job and job.message
    (record,) = erasure_records(station.store, device_id)
    assert record["result"] == "erased"
    wipe = {r.step_id: r for r in queries.step_results(station.store, job.id)}["wipe"]
    assert wipe.evidence["acknowledged"] is None  # never taken for proof


def test_a_phone_away_too_long_is_interrupted_then_resumed(bench: Bench) -> None:
    station, daemon, _ = bench
    # Nobody plugs it back: the station's wait for it is what the test waits out, so short.
    station.pipelines.register(iphone_erase(back_timeout_s=1.5, poll_s=0.05))
    device_id, sim = plug(bench, "unplugged-mid-erase")
    job = run_erase(station, device_id)  # nobody plugs it back within the wait
    assert job.state is JobState.INTERRUPTED and job.last_finished_step == "wipe"
    (record,) = erasure_records(station.store, device_id)
    assert record["result"] == "in_progress" and record["verification"] is None
    daemon.attach(sim)
    wait_for(lambda: station.connected_device_ids() == [device_id])
    station.resume_job(job.id)
    wait_for(lambda: station.engine.job_for_device(device_id) is None, 120)
    resumed = station.latest_job(device_id)
    assert resumed is not None and resumed.state is JobState.SUCCEEDED, resumed and resumed.message
    (record,) = erasure_records(station.store, device_id)
    assert record["result"] == "erased" and sim.erase_count == 1
    # Resumed in another run of the job, the pairing held before is not known: not required.
    checks = {c["check"]: c for c in record["verification"]["checks"]}
    assert checks["pairing_forgotten"]["required"] is False
    assert all(c["ok"] for c in checks.values() if c["required"])


class SettingsHand(NullListener):
    """The operator at an iPhone that refuses the station's erase: asked to erase it from its
    Settings, does it on the phone (or says the menu is not there) and answers."""

    def __init__(self, sim: SimulatedIPhone | None = None, answer: str = "started") -> None:
        self.sim = sim
        self.answer = answer
        self.asked: list[Prompt] = []

    def job_prompt(self, job_id: str, device_id: str, prompt: Prompt | None) -> None:
        if prompt is None:
            return
        self.asked.append(prompt)
        threading.Thread(target=self._do, args=(prompt,), daemon=True).start()

    def _do(self, prompt: Prompt) -> None:
        if self.answer == "started" and self.sim is not None:
            self.sim.erase_from_settings()
        prompt.answer(self.answer)


def test_an_iphone_refusing_the_remote_erase_is_erased_from_its_settings(bench: Bench) -> None:
    station = bench[0]
    device_id, sim = plug(bench, "iphone-13", refuses_remote_erase=True)
    hand = SettingsHand(sim)
    station.set_job_listener(hand)
    job = run_erase(station, device_id)
    assert [p.question.fr for p in hand.asked] == ["Effacez l’iPhone depuis ses Réglages"]
    assert hand.asked[0].picture == "iphone-erase-settings.svg"
    assert job.state is JobState.SUCCEEDED, job.message
    assert sim.erase_count == 1  # erased once, by its own menu
    (record,) = erasure_records(station.store, device_id)
    assert record["result"] == "erased"
    wipe = {r.step_id: r for r in queries.step_results(station.store, job.id)}["wipe"]
    assert wipe.evidence["route"] == "settings" and wipe.evidence["acknowledged"] is None


def test_an_iphone_left_unerased_by_the_operator_is_never_called_erased(bench: Bench) -> None:
    station = bench[0]
    device_id, sim = plug(bench, "iphone-13", refuses_remote_erase=True)
    station.set_job_listener(SettingsHand(sim, answer="not_there"))
    job = run_erase(station, device_id)
    assert job.state is not JobState.SUCCEEDED
    assert sim.erase_count == 0
    assert all(r["result"] != "erased" for r in erasure_records(station.store, device_id))
    assert station.device(device_id).stage is not DeviceStage.ERASED  # type: ignore[union-attr]
