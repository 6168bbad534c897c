"""A batch: the same wipe-then-install started on several simulated handsets of one model.
The real pipelines, ADB driver, fastboot client and job engine run against SimulatedHandsets;
the test plays the operator's hand on each phone's recovery menu. Each phone's installation
starts only after its own verified wipe; one phone whose cable comes out mid-flash stops
nobody else, and the summary says who is done and why the other is not."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from adb_shell.auth.sign_cryptography import CryptographySigner

from bench_app.devices.fastboot.finder import FastbootFinder
from bench_app.domain.model import DeviceStage
from bench_app.erasure.phone_wipe import phone_wipe
from bench_app.erasure.records import erasure_records
from bench_app.errors import BenchError
from bench_app.install.phone_install import phone_install
from bench_app.jobs.batches import MemberState, prepare_batch, start_batch
from bench_app.jobs.engine import NullListener
from bench_app.jobs.prompt import Prompt
from bench_app.simulators.adb_phone.persona import imei_for
from bench_app.simulators.bootloader.bootloader import BootloaderFaults
from bench_app.simulators.mode import SimulationMode
from bench_app.simulators.source import SimulatedSource
from bench_app.station import Station
from bench_app.store import queries
from tests.install.test_phone_install import NEW_BUILD, images, signer, wait_for

__all__ = ["images", "signer"]  # fixtures, used by name

DONOR_PHOTO = "/sdcard/DCIM/Camera/IMG_donor.jpg"


def act_on_phone(handset: Any, prompt: Prompt) -> str:
    """What a person does on the phone for each question of the wipe and the installation;
    returns the answer to give: "done" (the first choice), or the IMEI read on the label."""
    adb = handset.adb
    if prompt.question.en.startswith("Choose “Wipe data”"):  # the wipe's own factory reset
        wait_for(lambda: adb.mode == "recovery" and adb.listening)
        adb.recovery_select("wipe_data")
        adb.recovery_select("reboot")
    elif prompt.picture == "recovery-format-data.svg":
        wait_for(lambda: adb.mode == "recovery" and adb.listening)
        adb.recovery_select("wipe_data")
    elif prompt.picture == "recovery-sideload.svg":
        wait_for(lambda: adb.mode in ("recovery", "sideload") and adb.listening)
        if adb.mode == "recovery":
            adb.recovery_select("apply_update_from_adb")
    elif prompt.entry is not None:
        return imei_for(handset.serial)
    return prompt.choices[0].key


def hand_on(handset: Any, prompt: Prompt) -> None:
    prompt.answer(act_on_phone(handset, prompt))


class Hands(NullListener):
    """The operator at the bench: answers each phone's questions with that phone in hand."""

    def __init__(self) -> None:
        self.handsets: dict[str, Any] = {}  # device id -> SimulatedHandset
        self.threads: list[threading.Thread] = []
        self.errors: list[BaseException] = []
        self.asked: list[tuple[str, str]] = []  # (device id, question)

    def job_prompt(self, job_id: str, device_id: str, prompt: Prompt | None) -> None:
        if prompt is None:
            return
        self.asked.append((device_id, prompt.question.en))
        thread = threading.Thread(target=self._answer, args=(device_id, prompt), daemon=True)
        self.threads.append(thread)
        thread.start()

    def _answer(self, device_id: str, prompt: Prompt) -> None:
        try:
            hand_on(self.handsets[device_id], prompt)
        except BaseException as exc:
            self.errors.append(exc)

    def done(self) -> None:
        for thread in self.threads:
            thread.join(timeout=120)
        assert not self.errors, self.errors


Bench = tuple[Station, SimulatedSource, Hands, FastbootFinder]


@pytest.fixture
def bench(data_dir: Path, signer: CryptographySigner) -> Iterator[Bench]:
    station = Station(data_dir, operator="test")
    finder = FastbootFinder(usb=None)
    # Simulated reboots take a fraction of a second; a real phone gets ten minutes.
    station.pipelines.register(phone_wipe(None, boot_timeout_s=15.0, poll_s=0.05))
    station.pipelines.register(
        phone_install(data_dir, finder=finder, boot_timeout_s=15.0, poll_s=0.05)
    )
    source = SimulatedSource(SimulationMode.TEST, adb_signer=signer)
    station.attach_source(source)
    hands = Hands()
    station.set_job_listener(hands)
    yield station, source, hands, finder
    station.close()
    source.stop()
    hands.done()


def plug_handsets(
    bench: Bench, count: int, faults: Callable[[int], Any] = lambda i: None
) -> list[str]:
    """`count` Fairphone 4s with their own serials and a donor's photo each; device ids."""
    station, source, hands, finder = bench
    for i in range(count):
        options: dict[str, Any] = {"serial": f"FP4BATCH{i + 1:03d}", "boot_delay": 0.1}
        if faults(i) is not None:
            options["faults"] = faults(i)
        phone = source.add_handset("fairphone-4", finder=finder, **options)
        handset = source.handset(phone.key)
        handset.adb.phone.fs.write(DONOR_PHOTO, b"JFIF photo", 0o660, 1_700_000_000)
    wait_for(lambda: len(station.connected_device_ids()) == count)
    ids = station.connected_device_ids()
    for device_id in ids:
        handle = station.handle(device_id)
        assert handle is not None
        hands.handsets[device_id] = source.handset(handle.key)
    return ids


def test_each_phone_is_installed_after_its_own_verified_wipe_and_one_failure_stops_no_other(
    bench: Bench, images: dict[str, bytes]
) -> None:
    station, _, hands, _ = bench
    # The third phone's cable comes out while its recovery image is being written.
    ids = plug_handsets(
        bench, 3, lambda i: BootloaderFaults(drop_download_after=512 * 1024) if i == 2 else None
    )
    pulled = next(d for d in ids if hands.handsets[d].serial == "FP4BATCH003")

    batch = start_batch(station, ids, "LineageOS")
    assert batch.system == "lineageos-20"
    assert batch.wait(240), batch.summary()
    summary = batch.summary()

    codes = {d: station.device(d).asset_code for d in ids}  # type: ignore[union-attr]
    assert sorted(summary.done) == sorted(codes[d] for d in ids if d != pulled)
    assert [asset for asset, _ in summary.failed] == [codes[pulled]]
    why = summary.failed[0][1]
    assert "fastboot:flash" in why.fr and "mode fastboot" in why.fr  # where the phone is
    assert summary.waiting == () and summary.running == () and summary.finished
    assert batch.members[pulled].state is MemberState.FAILED

    for device_id in ids:
        handset = hands.handsets[device_id]
        jobs = station.jobs(device_id)
        # Its wipe first, then its installation, both carrying the batch's id.
        assert [j.pipeline for j in jobs] == ["phone.wipe", "phone.install"]
        created = [
            e.payload for e in queries.events(station.store, device_id) if e.type == "job.created"
        ]
        assert [c["options"]["batch"]["id"] for c in created] == [batch.id, batch.id]
        assert created[0]["options"]["batch"]["size"] == 3
        records = erasure_records(station.store, device_id)
        assert records[0]["result"] == "erased" and records[0]["verification"]["ok"] is True
        assert handset.adb.phone.fs.stat(DONOR_PHOTO) is None
        wipe_end = max(
            e.seq
            for e in queries.events(station.store, device_id)
            if e.type == "job.finished" and e.payload["job_id"] == jobs[0].id
        )
        install_start = min(
            e.seq
            for e in queries.events(station.store, device_id)
            if e.type == "job.created" and e.payload["job_id"] == jobs[1].id
        )
        assert wipe_end < install_start  # chained, never side by side
        device = station.device(device_id)
        assert device is not None
        if device_id == pulled:
            assert jobs[1].state.value == "failed"
            assert handset.persona.props["ro.build.fingerprint"] != NEW_BUILD
            assert device.stage is DeviceStage.ERASED
        else:
            assert jobs[1].state.value == "succeeded", jobs[1].message
            assert handset.persona.props["ro.build.fingerprint"] == NEW_BUILD
            assert device.stage is DeviceStage.INSTALLED


def test_a_batch_is_refused_before_anything_starts(bench: Bench, images: dict[str, bytes]) -> None:
    station, source, _, _ = bench
    ids = plug_handsets(bench, 2)
    with pytest.raises(BenchError) as unknown:
        start_batch(station, ids, "Windows")
    assert unknown.value.code == "INSTALL_OS_UNKNOWN"
    with pytest.raises(BenchError) as empty:
        start_batch(station, [], "LineageOS")
    assert empty.value.code == "BATCH_EMPTY"
    # Another model joins: a batch takes one model only.
    source.add_adb_phone(_other_persona())
    wait_for(lambda: len(station.connected_device_ids()) == 3)
    with pytest.raises(BenchError) as mixed:
        prepare_batch(station, station.connected_device_ids(), "LineageOS")
    assert mixed.value.code == "BATCH_MIXED_MODELS"
    assert all(station.jobs(d) == [] for d in station.connected_device_ids())


def _other_persona() -> str:
    from bench_app.simulators.adb_phone import list_models

    return next(p for p in list_models() if p != "fairphone-4")
