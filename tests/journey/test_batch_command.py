"""`etabli batch wipe-install` as a real process against two simulated handsets run by the
test: each phone's verified wipe, then its installation; the test answers the questions,
each of which names its phone, with that phone in hand. One phone's cable comes out
mid-flash: the other is done, the command says why the first is not, and exits 1. A batch
that cannot be done is refused before anything starts (exit 2)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench_app.erasure.records import erasure_records
from bench_app.simulators.adb_phone.persona import imei_for
from bench_app.simulators.bootloader.bootloader import BootloaderFaults
from bench_app.simulators.handset import SimulatedHandset
from bench_app.simulators.mode import SimulationMode
from bench_app.store import queries
from bench_app.store.database import DB_NAME, Store
from tests.install.test_phone_install import NEW_BUILD
from tests.journey.test_phone_commands import DONOR_PHOTO, Command, _import_images, _wait, run


@pytest.fixture
def handsets() -> Iterator[list[SimulatedHandset]]:
    """Two Fairphone 4s, bootloaders unlocked; the second one's cable comes out mid-flash."""
    phones = [
        SimulatedHandset(
            "fairphone-4",
            serial=f"FP4CLI{i + 1:03d}",
            unlocked=True,
            simulation=SimulationMode.TEST,
            boot_delay=0.1,
            faults=BootloaderFaults(drop_download_after=512 * 1024) if i == 1 else None,
        )
        for i in range(2)
    ]
    for phone in phones:
        phone.start()
        phone.adb.phone.fs.write(DONOR_PHOTO, b"JFIF photo", 0o660, 1_700_000_000)
    yield phones
    for phone in phones:
        phone.stop()


def act_on_phone(handset: SimulatedHandset, question: str) -> None:
    """What the operator does on the phone for a question of the batch (in French)."""
    adb = handset.adb
    if "Effacer les données" in question:  # the wipe's own reset, from the recovery menu
        _wait(lambda: adb.mode == "recovery" and adb.listening)
        adb.recovery_select("wipe_data")
        adb.recovery_select("reboot")
    elif "Factory reset" in question:
        _wait(lambda: adb.mode == "recovery" and adb.listening)
        adb.recovery_select("wipe_data")
    elif "Apply from ADB" in question:
        _wait(lambda: adb.mode in ("recovery", "sideload") and adb.listening)
        if adb.mode == "recovery":
            adb.recovery_select("apply_update_from_adb")


def _targets(phones: list[SimulatedHandset]) -> list[str]:
    argv = [f"127.0.0.1:{p.adb_port}" for p in phones]
    for phone in phones:
        argv += ["--fastboot", f"127.0.0.1:{phone.fastboot_port}"]
    return argv


def test_batch_wipe_install_does_each_phone_and_says_why_one_is_not_done(
    data_dir: Path, handsets: list[SimulatedHandset], tmp_path: Path
) -> None:
    refused = run(data_dir, "batch", "wipe-install", "--system", "Windows", *_targets(handsets))
    assert refused.returncode == 2 and "Windows" in refused.stderr
    assert all(not p.bootloader.commands for p in handsets)  # nothing touched

    _import_images(tmp_path, data_dir)
    command = Command(
        data_dir,
        "batch",
        "wipe-install",
        "--system",
        "LineageOS",
        "--json",
        *_targets(handsets),
    )
    by_serial = {p.serial: p for p in handsets}
    phone_of_question: dict[str, int] = {}
    while True:
        try:
            question = command.question()
        except AssertionError:
            break  # the command ended: no more questions
        # The line before the question names the phone: "[ABCD-2345-X · SERIAL]".
        named = next(line for line in reversed(command.err) if line.startswith("[") and "·" in line)
        serial = named.strip().strip("[]").split("·")[1].strip()
        handset = by_serial[serial]
        phone_of_question[serial] = phone_of_question.get(serial, 0) + 1
        if "IMEI" in question:  # the simulated phone keeps it: read on its label
            assert command.proc.stdin is not None
            command.proc.stdin.write(imei_for(serial) + "\n")
            command.proc.stdin.flush()
            continue
        act_on_phone(handset, question)
        command.answer(1)
    rc, out, err = command.end()
    assert rc == 1, err
    report = json.loads(out)
    good, pulled = handsets
    assert report["system"] == "lineageos-20"
    assert len(report["done"]) == 1 and len(report["failed"]) == 1
    assert "fastboot:flash" in report["failed"][0]["why"]["fr"]
    # The good phone: its IMEI, its wipe's reset, then the installation's wipe and sideload;
    # the other stopped before its installation asked anything.
    assert phone_of_question == {good.serial: 4, pulled.serial: 2}
    assert good.persona.props["ro.build.fingerprint"] == NEW_BUILD
    assert pulled.persona.props["ro.build.fingerprint"] != NEW_BUILD
    with Store.open_for_reading(data_dir / DB_NAME) as store:
        devices = {d.serial: d for d in queries.devices(store)}
        assert report["done"] == [devices[good.serial].asset_code]
        assert report["failed"][0]["asset"] == devices[pulled.serial].asset_code
        for phone in handsets:
            device = devices[phone.serial]
            jobs = queries.jobs_for_device(store, device.id)
            assert [j.pipeline for j in jobs] == ["phone.wipe", "phone.install"]
            (first, *_) = erasure_records(store, device.id)
            assert first["result"] == "erased" and first["verification"]["ok"] is True
            assert phone.adb.phone.fs.stat(DONOR_PHOTO) is None
            assert device.imei == imei_for(phone.serial)
