"""Sideload over ADB against the simulated recovery: Debian's `adb sideload` and the
station's own client are held to the same contract (the phone gets the package byte for
byte), an interrupted transfer says so and can be redone, and the phone's modes behave."""

from __future__ import annotations

import hashlib
import socket
import threading
from pathlib import Path

import pytest

from bench_app.devices.android.sideload import SideloadInterrupted, sideload
from bench_app.errors import BenchError
from bench_app.simulators.adb_phone import AdbSimulator
from bench_app.simulators.adb_phone.recovery import DONE
from tests.sideload.conftest import StartSim, make_package
from tests.simulators.adb_phone.support import AdbServer, wait_until

# An Android 7 phone (checksummed protocol, 256 KiB payloads) and an Android 14 one.
PHONES = ["xiaomi-redmi-5a", "samsung-galaxy-s24"]
CLIENTS = ["debian-adb", "station"]


def _into_sideload(sim: AdbSimulator) -> None:
    sim.reboot("sideload")
    wait_until(lambda: sim.mode == "sideload" and sim.listening, "the phone in sideload mode")


@pytest.mark.parametrize("client", CLIENTS)
@pytest.mark.parametrize("name", PHONES)
def test_the_phone_gets_the_package_byte_for_byte(
    adb_server: AdbServer, start_sim: StartSim, tmp_path: Path, client: str, name: str
) -> None:
    sim, phone = start_sim(name)
    package = make_package(tmp_path / "update.zip", 700_000)
    _into_sideload(sim)
    if client == "debian-adb":
        adb_server.connect(sim.serial, state="sideload")
        try:
            done = adb_server.run("-s", sim.serial, "sideload", str(tmp_path / "update.zip"))
        finally:
            adb_server.run("disconnect", sim.serial)
        assert done.returncode == 0, done.stderr
        assert "Total xfer" in done.stdout
    else:
        seen: list[float] = []
        result = sideload(phone, tmp_path / "update.zip", progress=seen.append)
        assert result.answer == DONE.decode()
        assert result.size == len(package)
        assert result.bytes_sent >= 2 * len(package)  # checked, then installed
        assert seen == sorted(seen) and seen[-1] == 1.0 and max(seen[:-1]) < 1.0
    record = sim.sideloads[-1]
    assert record.data == package
    assert record.sha256 == hashlib.sha256(package).hexdigest()
    assert record.ok, record.reason
    last = (len(package) - 1) // record.block_size
    assert record.requests[0] == last  # the zip's end first, as a real recovery reads it
    assert sorted(set(record.requests)) == list(range(last + 1))
    # minadbd exits after a sideload: the phone is back on its recovery menu.
    wait_until(lambda: sim.mode == "recovery" and sim.listening, "the recovery menu")


def test_an_interrupted_sideload_says_so_and_can_be_redone(
    start_sim: StartSim, tmp_path: Path
) -> None:
    sim, phone = start_sim("fairphone-4", sideload_unplug_after_blocks=4)
    package = make_package(tmp_path / "update.zip", 900_000)
    _into_sideload(sim)
    with pytest.raises(SideloadInterrupted) as caught:
        sideload(phone, tmp_path / "update.zip")
    assert 0 < caught.value.sent < len(package)
    assert "send the package again" in str(caught.value)
    assert not sim.listening and sim.mode == "sideload"  # still waiting, cable out
    assert not sim.sideloads[-1].ok and "went away" in sim.sideloads[-1].reason
    sim.behaviour = sim.behaviour.with_flags(sideload_unplug_after_blocks=None)
    sim.start()  # plugged back
    phone.forget_connection()
    result = sideload(phone, tmp_path / "update.zip")
    assert result.size == len(package)
    assert sim.sideloads[-1].ok and sim.sideloads[-1].data == package


def test_a_phone_not_in_sideload_mode_is_refused_plainly(
    start_sim: StartSim, tmp_path: Path
) -> None:
    sim, phone = start_sim("google-pixel-6")
    make_package(tmp_path / "update.zip", 1000)
    with pytest.raises(BenchError) as caught:
        sideload(phone, tmp_path / "update.zip")
    assert caught.value.code == "SIDELOAD_NOT_READY"
    assert "Apply update from ADB" in caught.value.action.fr
    assert sim.sideloads == []
    assert phone.shell("getprop ro.product.model").strip() == "Pixel 6"  # still usable


def test_a_missing_package_is_refused_before_the_phone_is_touched(
    start_sim: StartSim, tmp_path: Path
) -> None:
    sim, phone = start_sim("google-pixel-6")
    _into_sideload(sim)
    with pytest.raises(BenchError) as caught:
        sideload(phone, tmp_path / "absent.zip")
    assert caught.value.code == "SIDELOAD_FILE_UNREADABLE"
    assert sim.sideloads == []


def test_cancelling_stops_the_transfer(start_sim: StartSim, tmp_path: Path) -> None:
    from bench_app.jobs.prompt import Cancelled

    sim, phone = start_sim("google-pixel-6")
    make_package(tmp_path / "update.zip", 2_000_000)
    _into_sideload(sim)
    stop = threading.Event()
    with pytest.raises(Cancelled):
        sideload(phone, tmp_path / "update.zip", progress=lambda f: stop.set(), cancelled=stop)
    assert not sim.sideloads[-1].ok


def test_modes_banners_and_reboots(adb_server: AdbServer, start_sim: StartSim) -> None:
    sim, _ = start_sim("fairphone-4")
    seen: list[str] = []
    sim.on_reboot.append(seen.append)
    try:
        assert adb_server.connect(sim.serial)[0] == "device"
        adb_server.run("-s", sim.serial, "reboot", "recovery")
        wait_until(lambda: sim.mode == "recovery" and sim.listening, "the recovery")
        assert adb_server.connect(sim.serial, state="recovery")[0] == "recovery"
        # The operator picks "Apply update from ADB" on the phone.
        sim.recovery_select("apply_update_from_adb")
        assert adb_server.connect(sim.serial, state="sideload")[0] == "sideload"
        shell = adb_server.run("-s", sim.serial, "shell", "echo", "hi")
        assert shell.returncode != 0  # minadbd serves no shell
        adb_server.run("-s", sim.serial, "reboot", "bootloader")
        wait_until(lambda: sim.mode == "bootloader", "the bootloader")
        wait_until(lambda: not sim.listening, "ADB to stop")
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", sim.port), timeout=5).close()
        # The hooks run in the phone's reboot thread, just after its mode changed.
        wait_until(lambda: seen == ["recovery", "bootloader"], "the reboot hooks")
        sim.boot("android")  # what the bootloader does on `fastboot reboot`
        assert adb_server.connect(sim.serial)[0] == "device"
    finally:
        adb_server.run("disconnect", sim.serial)
    with pytest.raises(ValueError):
        sim.recovery_select("wipe_data")  # not on the recovery menu any more
