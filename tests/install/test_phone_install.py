"""A simulated phone goes from its stock system to LineageOS through its device profile:
the real `phone.install` pipeline, the real ADB driver and fastboot client, the verified
image library, and a SimulatedHandset that moves between Android, its bootloader and its
recovery as a phone does. The data wipe is recorded as an erasure; an unplug mid-flash
stops the job with the phone's state and how to recover, and the resume finishes it."""

from __future__ import annotations

import hashlib
import io
import os
import threading
import time
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from adb_shell.auth.sign_cryptography import CryptographySigner

from bench_app.devices.android.keys import station_signer
from bench_app.devices.fastboot.finder import FastbootFinder
from bench_app.domain.model import DeviceStage, JobState
from bench_app.erasure.records import erasure_records
from bench_app.install.images import ImageLibrary
from bench_app.install.phone_install import phone_install
from bench_app.jobs.engine import NullListener
from bench_app.jobs.prompt import Prompt
from bench_app.simulators.bootloader.bootloader import BootloaderFaults
from bench_app.simulators.mode import SimulationMode
from bench_app.simulators.source import SimulatedSource
from bench_app.station import Station
from bench_app.store import queries

NEW_BUILD = "Fairphone/lineage_FP4/FP4:13/TQ3A.230901.001/eng.lineage.20240601:userdebug/test-keys"


def wait_for(condition: Callable[[], bool], timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition never came true"
        time.sleep(0.02)


class Operator(NullListener):
    """An operator with the phone in hand: does on the simulated phone what each prompt asks
    (recovery menu items), then answers."""

    def __init__(self) -> None:
        self.handset: Any = None
        self.asked: list[str] = []
        self.pictures: list[str | None] = []
        self.hands: list[threading.Thread] = []
        self.errors: list[BaseException] = []  # what went wrong in a hand, for the test
        self.formats_data = True  # False: answers "Done" to the factory reset without doing it

    def job_prompt(self, job_id: str, device_id: str, prompt: Prompt | None) -> None:
        if prompt is not None:
            self.asked.append(prompt.question.en)
            self.pictures.append(prompt.picture)
            hand = threading.Thread(target=self._answer_or_record, args=(prompt,), daemon=True)
            self.hands.append(hand)
            hand.start()

    def done(self) -> None:
        """Waits for every answer under way; fails with the first error a hand met."""
        for hand in self.hands:
            hand.join(timeout=120)
        assert not self.errors, self.errors

    def _answer_or_record(self, prompt: Prompt) -> None:
        try:
            self._answer(prompt)
        except BaseException as exc:
            self.errors.append(exc)
            raise

    def _answer(self, prompt: Prompt) -> None:
        adb = self.handset.adb
        if prompt.picture == "recovery-format-data.svg":
            wait_for(lambda: adb.mode == "recovery" and adb.listening)
            if self.formats_data:
                adb.recovery_select("wipe_data")
        elif prompt.picture == "recovery-sideload.svg":
            wait_for(lambda: adb.mode in ("recovery", "sideload") and adb.listening)
            if adb.mode == "recovery":
                adb.recovery_select("apply_update_from_adb")
        prompt.answer(prompt.choices[0].key)


def make_rom(folder: Path, *, device: str = "FP4", build: str = NEW_BUILD) -> Path:
    """An update zip as LineageOS ships them: its metadata entry names the device and the
    build the phone will run, and a payload makes it a few MiB."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr(
            "META-INF/com/android/metadata",
            f"ota-type=BLOCK\npost-build={build}\npost-sdk-level=33\n"
            f"post-security-patch-level=2024-06-05\npre-device={device}\n",
        )
        archive.writestr("payload.bin", os.urandom(3 << 20))
    path = folder / "lineage-20.0-20240601-nightly-FP4-signed.zip"
    path.write_bytes(buffer.getvalue())
    return path


@pytest.fixture(scope="module")
def signer(tmp_path_factory: pytest.TempPathFactory) -> CryptographySigner:
    return station_signer(tmp_path_factory.mktemp("station-key"))


@pytest.fixture
def images(tmp_path: Path, data_dir: Path) -> dict[str, bytes]:
    """The images of the FP4's LineageOS 20 entry, imported into the station's library
    from a folder named after the codename, with a SHA256SUMS manifest."""
    stick = tmp_path / "stick" / "lineageos" / "FP4"
    stick.mkdir(parents=True)
    recovery = os.urandom(2 << 20)
    (stick / "recovery.img").write_bytes(recovery)
    rom = make_rom(stick)
    sums = "".join(
        f"{hashlib.sha256(p.read_bytes()).hexdigest()}  {p.name}\n"
        for p in (stick / "recovery.img", rom)
    )
    (stick / "SHA256SUMS").write_text(sums)
    report = ImageLibrary(data_dir).import_folder(tmp_path / "stick")
    assert report.ok, report
    return {"recovery": recovery, "rom": rom.read_bytes()}


Bench = tuple[Station, SimulatedSource, Operator, FastbootFinder]


@pytest.fixture
def bench(data_dir: Path, signer: CryptographySigner) -> Iterator[Bench]:
    station = Station(data_dir, operator="test")
    finder = FastbootFinder(usb=None)
    # Simulated reboots take a fraction of a second; a real phone gets ten minutes.
    station.pipelines.register(
        phone_install(data_dir, finder=finder, boot_timeout_s=15.0, poll_s=0.05)
    )
    source = SimulatedSource(SimulationMode.TEST, adb_signer=signer)
    station.attach_source(source)
    operator = Operator()
    station.set_job_listener(operator)
    yield station, source, operator, finder
    station.close()
    source.stop()
    operator.done()


def plug(bench: Bench, **options: Any) -> tuple[str, Any]:
    station, source, operator, finder = bench
    phone = source.add_handset("fairphone-4", finder=finder, boot_delay=0.1, **options)
    wait_for(lambda: len(station.connected_device_ids()) == 1)
    operator.handset = source.handset(phone.key)
    operator.handset.adb.phone.fs.write(
        "/sdcard/DCIM/Camera/IMG_donor.jpg", b"JFIF photo du donateur", 0o660, 1_700_000_000
    )
    return station.connected_device_ids()[0], operator.handset


def finish(station: Station, device_id: str) -> Any:
    try:
        wait_for(lambda: station.engine.job_for_device(device_id) is None, 120)
    except AssertionError:
        events = queries.events(station.store, device_id)
        raise AssertionError(
            "job still running; last facts: "
            + "; ".join(f"{e.type} {str(e.payload)[:160]}" for e in events[-8:])
        ) from None
    record = station.latest_job(device_id)
    assert record is not None
    return record


def test_stock_phone_to_lineageos_with_a_recorded_wipe(
    bench: Bench, images: dict[str, bytes]
) -> None:
    station, _, operator, _ = bench
    device_id, handset = plug(bench)
    assert handset.persona.props["ro.build.fingerprint"].startswith("Fairphone/FP4eea/FP4:13")
    # The workshop's curated free apps, installed once the new system runs.
    apks = station.store.path.parent / "apks"
    apks.mkdir()
    with zipfile.ZipFile(apks / "org.fdroid.fdroid.apk", "w") as apk:
        apk.writestr("AndroidManifest.xml", b"\x03\x00\x08\x00")
        apk.writestr("classes.dex", os.urandom(4096))
    (apks / "broken.apk").write_bytes(b"not a zip")

    station.start_job(device_id, "phone.install", options={"os": "lineageos-20"})
    job = finish(station, device_id)

    assert job.state is JobState.SUCCEEDED, job.message
    # The bootloader got the recovery image byte for byte, and was unlocked on the way.
    assert handset.bootloader.unlocked
    written = handset.bootloader.read_partition("recovery_a")
    assert written[: len(images["recovery"])] == images["recovery"]
    # The recovery got the package byte for byte; the phone now runs the build it carries.
    assert [s.sha256 for s in handset.adb.sideloads if s.ok] == [
        hashlib.sha256(images["rom"]).hexdigest()
    ]
    assert handset.persona.props["ro.build.fingerprint"] == NEW_BUILD
    assert handset.adb.phone.fs.stat("/sdcard/DCIM/Camera/IMG_donor.jpg") is None
    # The operator was shown the profile's pictures for what only a hand can do.
    assert "recovery-format-data.svg" in operator.pictures
    assert "recovery-sideload.svg" in operator.pictures

    device = queries.device(station.store, device_id)
    assert device is not None and device.stage is DeviceStage.INSTALLED
    installed = [e.payload for e in queries.events(station.store, device_id)]
    os_facts = [p for p in installed if p.get("fingerprint") == NEW_BUILD]
    assert os_facts and os_facts[-1]["verified"] is True
    assert os_facts[-1]["name"] == "LineageOS" and os_facts[-1]["language"] == "fr-FR"
    assert {a["apk"]: a["ok"] for a in os_facts[-1]["apps"]} == {
        "broken.apk": False,
        "org.fdroid.fdroid.apk": True,
    }
    assert handset.adb.phone.installed_apps == {"org.fdroid.fdroid"}
    (record,) = erasure_records(station.store, device_id)
    assert record["result"] == "erased", record["reasons"]
    assert record["technique"] == "cryptographic erase"
    assert record["method"] == "factory reset via recovery"
    assert record["verification"]["ok"] is True
    checks = {c["check"]: c["ok"] for c in record["verification"]["checks"]}
    assert checks["markers_gone"] and checks["no_accounts"]


def test_a_phone_of_another_model_is_refused_before_anything_is_written(
    bench: Bench, images: dict[str, bytes]
) -> None:
    station, _, _, _ = bench
    device_id, handset = plug(bench)
    handset.bootloader.product = "sargo"  # its bootloader says it is a Pixel 3a
    station.start_job(device_id, "phone.install", options={"os": "lineageos-20"})
    job = finish(station, device_id)
    assert job.state is JobState.FAILED
    assert "sargo" in job.message.fr and "FP4" in job.message.fr
    assert not [c for c in handset.bootloader.commands if c.startswith(("flash:", "download:"))]


def test_a_missing_image_blocks_with_what_to_import(bench: Bench) -> None:
    station, _, _, _ = bench
    device_id, handset = plug(bench)
    station.start_job(device_id, "phone.install", options={"os": "lineageos-20"})
    job = finish(station, device_id)
    assert job.state is JobState.BLOCKED
    assert "recovery.img" in job.message.fr and "etabli images import" in job.message.fr
    assert handset.mode == "android" and not handset.bootloader.commands


def test_unplugged_mid_flash_stops_plainly_and_resumes(
    bench: Bench, images: dict[str, bytes]
) -> None:
    station, _, _, _ = bench
    faults = BootloaderFaults(drop_download_after=512 * 1024)
    device_id, handset = plug(bench, faults=faults)
    station.start_job(device_id, "phone.install", options={"os": "lineageos-20"})
    job = finish(station, device_id)

    assert job.state is JobState.FAILED
    # It says where the phone is and what to do.
    assert "fastboot:flash" in job.message.fr and "mode fastboot" in job.message.fr
    assert "reprenez" in job.message.fr
    assert handset.mode == "bootloader"
    done = [
        e.payload["action"]
        for e in queries.events(station.store, device_id)
        if e.type == "install.action_done"
    ]
    assert "fastboot:flash" not in done and "fastboot:wait" in done

    station.resume_job(job.id)
    resumed = finish(station, device_id)
    assert resumed.id == job.id
    assert resumed.state is JobState.SUCCEEDED, resumed.message
    assert handset.persona.props["ro.build.fingerprint"] == NEW_BUILD
    again = [
        e.payload["index"]
        for e in queries.events(station.store, device_id)
        if e.type == "install.action_done"
    ]
    assert len(again) == len(set(again))  # no action was done twice
    (record,) = erasure_records(station.store, device_id)
    assert record["result"] == "erased"


def test_phone_wipe_through_fastboot_on_an_unlocked_phone(bench: Bench) -> None:
    """The wipe's fastboot route: the phone goes to its bootloader, userdata is formatted
    and metadata erased, and the checks after it boots find a fresh phone."""
    from bench_app.erasure.phone_wipe import phone_wipe

    station, _, _, finder = bench

    def fastboot_for(phone: Any, ctx: Any) -> Any:
        serial = ctx.results["identity"].evidence["identity"]["serial"]
        return finder.open(serial, timeout_s=15.0, cancelled=ctx.cancelled)

    station.pipelines.register(phone_wipe(fastboot_for, boot_timeout_s=15.0, poll_s=0.05))
    device_id, handset = plug(bench, unlocked=True)
    station.start_job(device_id, "phone.wipe", options={"wipe_route": "fastboot"})
    job = finish(station, device_id)

    assert job.state is JobState.SUCCEEDED, job.message
    commands = handset.bootloader.commands
    assert any(c.startswith("erase:userdata") or c == "flash:userdata" for c in commands)
    assert "erase:metadata" in commands
    assert handset.adb.phone.fs.stat("/sdcard/DCIM/Camera/IMG_donor.jpg") is None
    (record,) = erasure_records(station.store, device_id)
    assert record["method"] == "factory reset via fastboot"
    assert record["result"] == "erased" and record["verification"]["ok"] is True


def test_a_factory_reset_answered_but_not_done_on_the_phone_is_not_an_erasure(
    bench: Bench, images: dict[str, bytes]
) -> None:
    """A trainee's phone (keys pressed by hand only): "Done" without choosing "Format data"
    on the recovery's menu leaves the donor's data, and the wipe's checks see it."""
    station, _, operator, _ = bench
    operator.formats_data = False
    device_id, handset = plug(bench, operator="person")
    station.start_job(device_id, "phone.install", options={"os": "lineageos-20"})
    # The bootloader's unlock questions wait for the keys: the trainee confirms each.
    wait_for(lambda: handset.face.screen().page == "unlock")
    handset.face.choose("Unlock the bootloader")
    wait_for(lambda: handset.bootloader.unlocked)  # its question is off the screen by then
    wait_for(lambda: handset.face.screen().page == "unlock")  # then the critical partitions
    handset.face.choose("Unlock the bootloader")
    job = finish(station, device_id)

    assert job.state is not JobState.SUCCEEDED
    assert handset.adb.phone.wipes == 0
    assert handset.adb.phone.fs.stat("/sdcard/DCIM/Camera/IMG_donor.jpg") is not None
    (record,) = erasure_records(station.store, device_id)
    assert record["result"] != "erased"
    checks = {c["check"]: c["ok"] for c in record["verification"]["checks"]}
    assert checks["markers_gone"] is False
