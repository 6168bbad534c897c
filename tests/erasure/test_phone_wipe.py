"""The phone erasure (`phone.wipe`) run by the station against simulated phones over TCP:
the real pipeline, the real driver, the simulated recovery doing the reset when the
operator picks it, and the erasure record built back from the events."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from adb_shell.auth.sign_cryptography import CryptographySigner

from bench_app.devices.android.keys import station_signer
from bench_app.domain.model import DeviceStage, JobState
from bench_app.erasure.phone_wipe import LESSER_STANDARD, PURGE_STANDARD, phone_wipe
from bench_app.erasure.records import erasure_records
from bench_app.jobs.engine import NullListener
from bench_app.jobs.prompt import Prompt
from bench_app.simulators.mode import SimulationMode
from bench_app.simulators.source import SimulatedSource
from bench_app.station import Station
from bench_app.store import queries


def wait_for(condition: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition never came true"
        time.sleep(0.02)


class PhoneOperator(NullListener):
    """Answers as an operator with the phone in hand: on the recovery question, picks
    "Wipe data" then "Reboot system now" on the simulated phone, then says it is done."""

    def __init__(self, source: SimulatedSource, welcome: str = "welcome") -> None:
        self.source = source
        self.welcome = welcome
        self.asked: list[str] = []
        self.sim: Any = None
        self.hands: list[threading.Thread] = []
        self.errors: list[BaseException] = []  # what went wrong in a hand, for the test

    def job_prompt(self, job_id: str, device_id: str, prompt: Prompt | None) -> None:
        if prompt is not None:
            self.asked.append(prompt.question.en)
            hand = threading.Thread(target=self._answer_or_record, args=(prompt,), daemon=True)
            self.hands.append(hand)
            hand.start()

    def done(self) -> None:
        """Waits for every answer under way; fails with the first error a hand met."""
        for hand in self.hands:
            hand.join(timeout=60)
        assert not self.errors, self.errors

    def _answer_or_record(self, prompt: Prompt) -> None:
        try:
            self._answer(prompt)
        except BaseException as exc:
            self.errors.append(exc)
            raise

    def _answer(self, prompt: Prompt) -> None:
        if prompt.entry is not None:
            prompt.answer("490154203237518")  # the IMEI read on the label
        elif "Wipe data" in prompt.question.en:
            wait_for(lambda: self.sim.mode == "recovery" and self.sim.listening)
            self.sim.recovery_select("wipe_data")
            self.sim.recovery_select("reboot")
            prompt.answer("done")
        elif "welcome screen" in prompt.question.en:
            prompt.answer(self.welcome)
        else:
            prompt.answer(prompt.choices[0].key)


@pytest.fixture(scope="session")
def signer(tmp_path_factory: pytest.TempPathFactory) -> CryptographySigner:
    return station_signer(tmp_path_factory.mktemp("station-key"))


Bench = tuple[Station, SimulatedSource, PhoneOperator]


@pytest.fixture
def bench(data_dir: Path, signer: CryptographySigner) -> Iterator[Bench]:
    station = Station(data_dir, operator="test")
    # Simulated reboots take a fraction of a second; a real phone gets ten minutes.
    station.pipelines.register(phone_wipe(boot_timeout_s=3.0, poll_s=0.05))
    source = SimulatedSource(SimulationMode.TEST, adb_signer=signer)
    station.attach_source(source)
    operator = PhoneOperator(source)
    station.set_job_listener(operator)
    yield station, source, operator
    station.close()
    source.stop()
    operator.done()


def plug(bench: Bench, persona: str, **flags: Any) -> tuple[str, Any, Any]:
    station, source, operator = bench
    phone = source.add_adb_phone(persona, boot_delay=0.1, **flags)
    wait_for(lambda: len(station.connected_device_ids()) == 1)
    operator.sim = source.simulator(phone.key)
    operator.sim.phone.fs.write(DONOR_PHOTO, b"JFIF photo du donateur", 0o660, 1_700_000_000)
    return station.connected_device_ids()[0], phone, operator.sim


def run_wipe(station: Station, device_id: str, **options: Any) -> Any:
    station.start_job(device_id, "phone.wipe", options=options or None)
    wait_for(lambda: station.engine.job_for_device(device_id) is None, 120)
    record = station.latest_job(device_id)
    assert record is not None
    return record


DONOR_PHOTO = "/sdcard/DCIM/Camera/IMG_20240518_120301.jpg"


def donor_files(sim: Any) -> list[str]:
    """The donor's files still on the phone (the persona's own, and a photo put there)."""
    paths = [*sim.persona.files, DONOR_PHOTO]
    return [p for p in paths if sim.phone.fs.stat(p) is not None]


def test_an_encrypted_phone_is_erased_as_a_purge(bench: Bench) -> None:
    station = bench[0]
    device_id, _, sim = plug(bench, "fairphone-4", adb_after_wipe=True)
    assert donor_files(sim)  # the donor's photos and papers are there before
    job = run_wipe(station, device_id)
    assert job.state is JobState.SUCCEEDED, job.message
    assert sim.phone.wipes == 1 and donor_files(sim) == []
    assert sim.phone.settings["secure"]["user_setup_complete"] == "0"
    (record,) = erasure_records(station.store, device_id)
    assert record["result"] == "erased" and record["reasons"] == []
    assert record["method"] == "factory reset via recovery"
    assert record["technique"] == "cryptographic erase"
    assert record["standard"] == PURGE_STANDARD and record["limitation"] is None
    target = record["target"]
    assert target["kind"] == "phone" and target["brand"] == "Fairphone"
    assert target["serial"] == sim.persona.serial and target["imei"] == "490154203237518"
    assert target["encryption"] == {"state": "encrypted", "type": "file"}
    assert target["storage_bytes"] > 10**10 and target["android_version"] == "13"
    verification = record["verification"]
    assert verification["mode"] == "post-boot checks" and verification["ok"]
    checks = {c["check"]: c for c in verification["checks"]}
    for name in ("setup_wizard_not_complete", "no_accounts", "no_device_owner", "markers_gone"):
        assert checks[name]["ok"] and checks[name]["required"], name
    assert checks["android_id_changed"]["ok"]
    # The result line names the checks in words, never the record's English mode.
    verified = {r.step_id: r for r in queries.step_results(station.store, job.id)}["verify"]
    assert verified.summary.fr == (
        f"Vérifié : {len(checks)} contrôles conformes (contrôles après redémarrage)."
    )
    assert verified.summary.en == f"Verified: {len(checks)} checks passed (checks after restart)."
    assert [p["pattern"] for p in record["passes"]] == ["factory-reset:recovery"]
    assert record["passes"][0]["completed"]
    device = station.device(device_id)
    assert device is not None and device.stage is DeviceStage.ERASED
    row = station.store.query_one(
        "SELECT technique, target_serial, size_bytes, result FROM erasures WHERE device_id = ?",
        (device_id,),
    )
    assert row == ("cryptographic erase", sim.persona.serial, target["size_bytes"], "erased")


def test_a_google_account_blocks_before_anything_is_wiped(bench: Bench) -> None:
    station = bench[0]
    device_id, _, sim = plug(bench, "frp-locked", adb_after_wipe=True)
    job = run_wipe(station, device_id)
    assert job.state is JobState.BLOCKED
    assert job.message is not None and "Paramètres > Comptes > Google" in job.message.fr
    assert sim.phone.wipes == 0 and donor_files(sim)
    assert sim.mode == "android" and sim.reboot_target is None
    assert erasure_records(station.store, device_id) == []


def test_a_managed_phone_blocks_too(bench: Bench) -> None:
    station = bench[0]
    device_id, _, sim = plug(bench, "mdm-enrolled", adb_after_wipe=True)
    job = run_wipe(station, device_id)
    assert job.state is JobState.BLOCKED
    assert job.message is not None and "MDM" in job.message.fr
    assert sim.phone.wipes == 0


def test_an_unencrypted_phone_is_reset_and_called_the_lesser_method(bench: Bench) -> None:
    station = bench[0]
    device_id, _, sim = plug(bench, "unencrypted-android6", adb_after_wipe=True)
    job = run_wipe(station, device_id)
    assert job.state is JobState.SUCCEEDED, job.message
    assert donor_files(sim) == []
    (record,) = erasure_records(station.store, device_id)
    assert record["result"] == "erased"
    assert record["technique"] == "logical reset"
    assert record["standard"] == LESSER_STANDARD
    assert "Purge" in record["limitation"]["en"] and "Purge" in record["limitation"]["fr"]
    assert record["target"]["encryption"]["state"] == "unencrypted"
    assert record["target"]["android_version"] == "6.0.1"
    results = {r.step_id: r for r in queries.step_results(station.store, job.id)}
    assert results["precheck"].status.value == "warning"


def test_without_usb_debugging_after_the_reset_the_operator_checks_the_screen(
    bench: Bench,
) -> None:
    station, _, operator = bench
    device_id, _, sim = plug(bench, "google-pixel-6")  # a stock phone: debugging goes off
    job = run_wipe(station, device_id)
    assert job.state is JobState.SUCCEEDED, job.message
    assert not sim.listening  # nothing answers: USB debugging is off since the reset
    assert any("welcome screen" in q for q in operator.asked)
    (record,) = erasure_records(station.store, device_id)
    assert record["verification"]["mode"] == "operator check of the welcome screen"
    assert record["result"] == "erased"


def test_a_reset_the_operator_does_not_confirm_is_not_erased(bench: Bench) -> None:
    station, _, operator = bench
    operator.welcome = "not_welcome"
    device_id, _, _ = plug(bench, "google-pixel-6")
    job = run_wipe(station, device_id)
    assert job.state is JobState.BLOCKED
    (record,) = erasure_records(station.store, device_id)
    assert record["result"] == "not_erased"
    assert record["reasons"][0]["fr"] == "La vérification a échoué (écran de bienvenue)."
    assert record["reasons"][0]["en"] == "The verification failed (welcome screen)."
    device = station.device(device_id)
    assert device is not None and device.stage is not DeviceStage.ERASED


def test_an_unplug_mid_wipe_is_interrupted_and_resumes(bench: Bench) -> None:
    station, source, _ = bench
    # Plugging in, identity and the pre-checks take 12 or 13 commands: the 14th is in the wipe.
    device_id, phone, sim = plug(
        bench, "fairphone-4", adb_after_wipe=True, unplug_after_commands=14
    )
    job = run_wipe(station, device_id)
    assert job.state is JobState.INTERRUPTED
    assert job.last_finished_step == "precheck"
    assert sim.phone.wipes == 0 and donor_files(sim)
    wait_for(lambda: station.connected_device_ids() == [])
    source.replug(phone.key)
    wait_for(lambda: station.connected_device_ids() == [device_id])
    station.resume_job(job.id)
    wait_for(lambda: station.engine.job_for_device(device_id) is None, 120)
    resumed = station.latest_job(device_id)
    assert resumed is not None, "no job"
    assert resumed.state is JobState.SUCCEEDED, resumed.message
    assert sim.phone.wipes == 1 and donor_files(sim) == []
    (record,) = erasure_records(station.store, device_id)
    assert record["result"] == "erased"
    assert len(record["interruptions"]) == 1
    assert record["interruptions"][0]["resumed_at"] is not None
    events = [e.type for e in queries.events(station.store, device_id)]
    assert events.count("erasure.started") == 1 and events.count("erasure.finished") == 1


def test_an_android_16_phone_in_trade_in_mode_is_erased_and_verified_by_its_status(
    bench: Bench,
) -> None:
    """At its setup screen only `tradeinmode` answers: the wipe enters evaluation mode to
    reach the recovery, and the phone coming back in trade-in mode is the proof it was
    reset (read by the station, not asked of the operator)."""
    station, _, operator = bench
    device_id, _, sim = plug(bench, "trade-in-android16")
    assert donor_files(sim) and sim.phone.trade_in == "foyer"
    job = run_wipe(station, device_id)
    assert job.state is JobState.SUCCEEDED, job.message
    assert sim.phone.wipes == 1 and donor_files(sim) == []
    assert sim.phone.trade_in == "foyer"  # back at its setup screen
    results = {r.step_id: r for r in queries.step_results(station.store, job.id)}
    assert results["precheck"].evidence["evaluation"] == "started"
    assert not any("welcome screen" in q for q in operator.asked)
    (record,) = erasure_records(station.store, device_id)
    assert record["result"] == "erased"
    verification = record["verification"]
    assert verification["mode"] == "trade-in status after restart" and verification["ok"]
    checks = {c["check"]: c for c in verification["checks"]}
    assert checks["no_factory_reset_protection"]["value"] is False
    assert "status_raw" not in verification  # the status stays with the step, off the sheet
    assert '"factory_reset_protection": false' in results["verify"].evidence["status_raw"]
    assert results["verify"].summary.fr == (
        "Vérifié : 2 contrôles conformes (état du mode reprise après redémarrage)."
    )


def test_frp_in_the_trade_in_status_blocks_before_anything_is_wiped(bench: Bench) -> None:
    station = bench[0]
    device_id, _, sim = plug(bench, "trade-in-frp-locked")
    job = run_wipe(station, device_id)
    assert job.state is JobState.BLOCKED
    assert job.message is not None and "FRP" in job.message.fr
    assert sim.phone.wipes == 0 and donor_files(sim)
    assert sim.phone.trade_in == "foyer"  # not even evaluation mode was started
    assert erasure_records(station.store, device_id) == []
