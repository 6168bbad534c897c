"""The simulated handset's screen and keys gate what needs a hand, as a real phone's do: the
station's own ADB driver and fastboot client talk to it while the test presses its keys."""

from __future__ import annotations

import io
import os
import threading
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from adb_shell.auth.sign_cryptography import CryptographySigner

from bench_app.devices.android.driver import AdbTarget, AndroidPhone
from bench_app.devices.android.sideload import sideload
from bench_app.devices.fastboot.client import FastbootClient
from bench_app.devices.fastboot.finder import FastbootFinder
from bench_app.errors import BenchError
from bench_app.simulators.handset import SimulatedHandset
from bench_app.simulators.handset_screen import POWER, VOLUME_DOWN, VOLUME_UP
from tests.simulators.adb_phone.support import wait_until

NEW_BUILD = "Fairphone/lineage_FP4/FP4:13/TQ3A.230901.001/eng.lineage.20240601:userdebug/test-keys"
DONOR_FILE = "/sdcard/DCIM/Camera/IMG_donor.jpg"

Make = Callable[..., tuple[SimulatedHandset, AndroidPhone]]


@pytest.fixture
def make_handset(station_adb_key: CryptographySigner) -> Iterator[Make]:
    made: list[tuple[SimulatedHandset, AndroidPhone]] = []

    def make(**options: Any) -> tuple[SimulatedHandset, AndroidPhone]:
        handset = SimulatedHandset("fairphone-4", boot_delay=0.05, **options)
        handset.start()
        phone = AndroidPhone(AdbTarget("127.0.0.1", handset.adb_port), station_adb_key)
        made.append((handset, phone))
        return handset, phone

    yield make
    for handset, phone in made:
        phone.close()
        handset.stop()


def package(folder: Path) -> Path:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            "META-INF/com/android/metadata",
            f"ota-type=BLOCK\npost-build={NEW_BUILD}\npre-device=FP4\n",
        )
        archive.writestr("payload.bin", os.urandom(300_000))
    path = folder / "lineage-FP4.zip"
    path.write_bytes(buffer.getvalue())
    return path


def in_recovery(handset: SimulatedHandset) -> None:
    wait_until(lambda: handset.adb.mode == "recovery" and handset.adb.listening, "recovery")


def bootloader(handset: SimulatedHandset) -> FastbootClient:
    finder = FastbootFinder(usb=None)
    finder.add_tcp(handset.serial, "127.0.0.1", handset.fastboot_port)
    return finder.open(handset.serial, timeout_s=10, poll_s=0.05)


def test_the_recovery_serves_a_sideload_only_once_apply_from_adb_is_chosen(
    make_handset: Make, tmp_path: Path
) -> None:
    handset, phone = make_handset(operator="person")
    zip_path = package(tmp_path)
    screen = handset.face.hold(POWER, VOLUME_UP)  # the combo into recovery
    in_recovery(handset)
    screen = handset.face.screen()
    assert screen.title == "Android Recovery"  # nothing flashed yet: the stock recovery
    assert screen.items[screen.highlight or 0] == "Reboot system now"

    with pytest.raises(BenchError) as refused:
        sideload(phone, zip_path)
    assert refused.value.code == "SIDELOAD_NOT_READY"
    assert handset.adb.sideloads == [] and handset.mode == "recovery"

    handset.face.press(VOLUME_DOWN)
    screen = handset.face.press(VOLUME_DOWN)
    assert screen.items[screen.highlight or 0] == "Apply update from ADB"
    assert handset.face.press(POWER).page == "sideload"
    wait_until(lambda: handset.adb.mode == "sideload" and handset.adb.listening, "sideload")
    phone.forget_connection()
    sideload(phone, zip_path)
    (record,) = handset.adb.sideloads
    assert record.ok and record.data == zip_path.read_bytes()
    # Back on its menu, the stock recovery says it refused the package (not its signature).
    in_recovery(handset)
    assert "Installation aborted." in handset.face.screen().lines


def test_a_trainee_flashes_wipes_and_installs_with_the_keys(
    make_handset: Make, tmp_path: Path
) -> None:
    handset, phone = make_handset(operator="person", unlocked=True)
    handset.adb.phone.fs.write(DONOR_FILE, b"JFIF photo", 0o660, 1_700_000_000)
    zip_path = package(tmp_path)
    (tmp_path / "recovery.img").write_bytes(os.urandom(1 << 20))

    assert handset.face.hold(POWER, VOLUME_DOWN).title == "Fastboot Mode"
    client = bootloader(handset)
    client.flash("recovery", tmp_path / "recovery.img")
    client.close()
    screen = handset.face.choose("Recovery mode")
    in_recovery(handset)
    screen = handset.face.screen()
    assert screen.title == "LineageOS Recovery"
    assert screen.items == ("Reboot system now", "Apply update", "Factory reset", "Advanced")

    # Up to the confirmation, then Cancel: nothing is erased.
    handset.face.choose("Factory reset", "Format data/factory reset")
    assert handset.face.screen().title == "Format data?"
    handset.face.choose("Cancel")
    assert handset.adb.phone.fs.stat(DONOR_FILE) is not None
    assert handset.adb.phone.wipes == 0

    handset.face.choose("Format data/factory reset", "Format data")
    assert handset.adb.phone.fs.stat(DONOR_FILE) is None
    assert handset.adb.phone.wipes == 1
    screen = handset.face.screen()
    assert screen.title == "LineageOS Recovery" and "Data wipe complete." in screen.lines

    handset.face.choose("Apply update")
    assert handset.face.press(VOLUME_UP).items[handset.face.screen().highlight or 0] == "Back"
    handset.face.choose("Apply from ADB")
    wait_until(lambda: handset.adb.mode == "sideload" and handset.adb.listening, "sideload")
    sideload(phone, zip_path)
    in_recovery(handset)
    assert "Install completed with status 0." in handset.face.screen().lines
    handset.face.choose("Reboot system now")
    wait_until(lambda: handset.adb.mode == "android" and handset.adb.listening, "android")
    assert handset.persona.props["ro.build.fingerprint"] == NEW_BUILD
    assert handset.face.screen().lines[1:] == ("Hi there", "Welcome! Let's set up your phone.")


def test_an_unlock_waits_for_its_confirmation_on_the_screen(make_handset: Make) -> None:
    handset, _ = make_handset(operator="person")
    handset.face.hold(POWER, VOLUME_DOWN)
    client = bootloader(handset)
    errors: list[BaseException] = []

    def unlock() -> None:
        try:
            client.flashing_unlock(timeout=30)
        except BaseException as exc:
            errors.append(exc)

    asking = threading.Thread(target=unlock)
    asking.start()
    wait_until(lambda: handset.face.screen().page == "unlock", "the unlock question")
    screen = handset.face.screen()
    assert screen.items[screen.highlight or 0] == "Do not unlock the bootloader"
    assert not handset.bootloader.unlocked  # nobody pressed yet: still locked
    handset.face.press(VOLUME_DOWN)
    handset.face.press(POWER)
    asking.join(timeout=30)
    client.close()
    assert not errors and handset.bootloader.unlocked
    assert handset.face.screen().page == "bootloader"
    assert "DEVICE STATE - unlocked" in handset.face.screen().lines


def test_the_auto_hand_confirms_unlocks_and_picks_apply_from_adb(
    make_handset: Make, tmp_path: Path
) -> None:
    handset, phone = make_handset(auto_delay=0.05)  # the default operator: auto
    handset.face.hold(POWER, VOLUME_DOWN)
    client = bootloader(handset)
    client.flashing_unlock(timeout=30)
    client.close()
    assert handset.bootloader.unlocked
    assert handset.face.presses[-2:] == [VOLUME_DOWN, POWER]  # done with the keys

    handset.face.choose("Recovery mode")
    in_recovery(handset)
    with pytest.raises(BenchError):
        sideload(phone, package(tmp_path))  # the first try finds the menu
    # The hand read the station's prompt and chose "Apply update from ADB".
    wait_until(lambda: handset.adb.mode == "sideload" and handset.adb.listening, "sideload")
    phone.forget_connection()
    sideload(phone, tmp_path / "lineage-FP4.zip")
    assert handset.adb.sideloads[-1].ok
    # What tests and headless use ask through recovery_select goes through the keys too.
    in_recovery(handset)
    before = len(handset.face.presses)
    handset.adb.recovery_select("wipe_data")
    assert handset.adb.phone.wipes == 1
    assert handset.face.presses[before:][-1] == POWER and len(handset.face.presses) > before + 2
