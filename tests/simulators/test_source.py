"""The source of simulated devices: only in tests and training, believable identities,
unplugging, and everything about them marked as training."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from bench_app.devices.android.driver import AndroidPhone
from bench_app.devices.android.keys import station_signer
from bench_app.devices.source import DeviceEvent, DeviceGone, SourceAction
from bench_app.domain.asset_code import TRAINING_PREFIX, AssetCode
from bench_app.domain.model import DeviceKind, JobState
from bench_app.errors import BenchError
from bench_app.simulators.adb_phone.persona import imei_for
from bench_app.simulators.mode import TEST_ENV, SimulationMode
from bench_app.simulators.source import SimulatedSource
from bench_app.station import Station
from tests.unit.support import Listener, device_for, finish, wait_for

SERIALS = ["SIMFP40001", "SIMSTAR0002", "ABC", "R58M12345XY", "", "ÉTABLI-42", "x" * 40]


def _luhn_ok(number: str) -> bool:
    digits = [int(c) for c in number]
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


@pytest.mark.parametrize("value", [None, "0", "", "yes", "true"])
def test_test_mode_is_refused_outside_the_test_suite(
    monkeypatch: pytest.MonkeyPatch, value: str | None
) -> None:
    if value is None:
        monkeypatch.delenv(TEST_ENV, raising=False)
    else:
        monkeypatch.setenv(TEST_ENV, value)
    with pytest.raises(BenchError) as info:
        SimulatedSource(SimulationMode.TEST)
    assert info.value.code == "SIMULATION_REFUSED"
    # Training mode is what a trainer uses in class: always allowed.
    assert SimulatedSource(SimulationMode.TRAINING).mode is SimulationMode.TRAINING


def test_luhn_helper_is_right() -> None:
    assert _luhn_ok("490154203237518")  # a published example IMEI
    assert not _luhn_ok("490154203237519")


def test_simulated_imeis_pass_the_luhn_check() -> None:
    serials = [s for s in SERIALS if s] + [f"SIMX{i:05d}" for i in range(200)]
    imeis = {imei_for(s) for s in serials}
    for imei in imeis:
        assert len(imei) == 15 and imei.isdigit(), imei
        assert _luhn_ok(imei), imei
    assert len(imeis) == len(serials)  # distinct phones, distinct IMEIs


def test_copies_of_a_model_get_their_own_identity(sim_source: SimulatedSource) -> None:
    """A donation of identical phones: each copy its own serial and a valid IMEI."""
    phones = [sim_source.add_adb_phone("fairphone-4") for _ in range(3)]
    personas = [sim_source.simulator(p.key).persona for p in phones]
    assert len({p.serial for p in personas}) == 3
    assert len({p.imei for p in personas}) == 3
    assert all(_luhn_ok(p.imei) for p in personas)
    sim_source.stop()


def test_a_whole_phone_never_takes_the_serial_of_a_plugged_one(
    sim_source: SimulatedSource, tmp_path: Path
) -> None:
    """The menu's "complete phone" while the class's Fairphone is plugged: two phones, two
    identities, so two devices on the station (not one card for both)."""
    plain = sim_source.add_adb_phone("fairphone-4")
    whole = sim_source.add_handset("fairphone-4", finder=_NoFinder())
    try:
        first = sim_source.simulator(plain.key).persona
        second = sim_source.handset(whole.key).persona
        assert second.serial != first.serial
        assert second.imei != first.imei and _luhn_ok(second.imei)
        assert plain.identity()["serial"] != whole.identity()["serial"]
        station = Station(tmp_path / "data", training=True)
        try:
            ids = {station.device_connected(h).id for h in (plain, whole)}
        finally:
            station.close()
        assert len(ids) == 2
    finally:
        sim_source.stop()


class _NoFinder:
    """A fastboot finder that is told where the bootloader answers and does nothing with it."""

    def add_tcp(self, serial: str, host: str, port: int) -> None:
        pass

    def remove_tcp(self, serial: str) -> None:
        pass


def test_imei_is_stable_for_a_serial_across_processes() -> None:
    serials = [s for s in SERIALS if s]
    here = {s: imei_for(s) for s in serials}
    script = (
        "import json, sys\n"
        "from bench_app.simulators.adb_phone.persona import imei_for\n"
        "print(json.dumps({s: imei_for(s) for s in json.loads(sys.argv[1])}))\n"
    )
    env = {**os.environ, TEST_ENV: "1", "PYTHONHASHSEED": "12345"}
    proc = subprocess.run(
        [sys.executable, "-c", script, json.dumps(serials)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=True,
    )
    assert json.loads(proc.stdout) == here


def test_unplug_is_reported_and_stops_a_running_operation(sim_source: SimulatedSource) -> None:
    heard: list[DeviceEvent] = []
    sim_source.subscribe(heard.append)
    sim_source.start()
    phone: AndroidPhone = sim_source.add_adb_phone("fairphone-4", accept_delay=0.0)
    assert [(e.action, e.handle) for e in heard] == [(SourceAction.ADDED, phone)]
    assert sim_source.devices() == [phone]
    phone.connect()
    # From now on the phone is on a worn cable: every reply a minute late, so the reading
    # below is surely still running when the phone is pulled.
    simulator = sim_source.simulator(phone.key)
    simulator.behaviour = simulator.behaviour.with_flags(slow=(60.0, 60.0))
    phone.close()
    wait_for(lambda: simulator.active_connections() == 0, "the fast connection to close")

    outcome: list[BaseException | str] = []

    def read() -> None:
        try:
            outcome.append(phone.shell("getprop"))
        except BaseException as exc:
            outcome.append(exc)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    wait_for(lambda: simulator.active_connections() == 1, "the reading to reach the phone")
    sim_source.unplug(phone.key)
    reader.join(30)  # far less than the minute the reply would take
    assert not reader.is_alive()
    assert len(outcome) == 1 and isinstance(outcome[0], DeviceGone)
    assert [e.action for e in heard] == [SourceAction.ADDED, SourceAction.REMOVED]
    assert heard[-1].handle is phone
    assert not phone.connected
    assert not simulator.listening
    assert sim_source.devices() == []
    with pytest.raises(DeviceGone):
        phone.shell("getprop")

    sim_source.replug(phone.key)
    assert heard[-1].action is SourceAction.ADDED
    assert simulator.listening
    assert sim_source.known() == [phone]
    sim_source.stop()


def test_an_unplug_while_the_watcher_looks_is_never_followed_by_a_stale_plug(
    sim_source: SimulatedSource,
) -> None:
    """The cable watcher reads "listening" just before the trainer pulls the phone: what it
    read must not bring the pulled phone back as plugged after the pull is heard."""
    heard: list[DeviceEvent] = []
    sim_source.subscribe(heard.append)
    phone: AndroidPhone = sim_source.add_adb_phone("fairphone-4", accept_delay=0.0)
    real = sim_source.simulator(phone.key)
    pulled = threading.Event()
    looks: list[bool] = []

    def pull() -> None:
        sim_source.unplug(phone.key)
        pulled.set()

    class Watched:
        """The phone's daemon; the watcher's first look lets a pull run in between."""

        @property
        def listening(self) -> bool:
            value = real.listening
            if threading.current_thread().name == "sim-cables":
                looks.append(value)
                if len(looks) == 1:
                    threading.Thread(target=pull, daemon=True).start()
                    pulled.wait(1.0)  # the pull ends now unless the watcher holds it back
            return value

        def __getattr__(self, name: str) -> object:
            return getattr(real, name)

    sim_source._adb[phone.key] = Watched()
    try:
        sim_source.start()
        wait_for(pulled.is_set, "the pull to end")
        wait_for(lambda: len(looks) >= 4, "the watcher to look three more times")
    finally:
        sim_source._adb[phone.key] = real
        sim_source.stop()
    assert looks[0] is True and not any(looks[1:])
    assert [e.action for e in heard] == [SourceAction.ADDED, SourceAction.REMOVED]
    assert sim_source.devices() == []


def test_a_late_subscriber_hears_the_devices_already_present(sim_source: SimulatedSource) -> None:
    phone = sim_source.add_adb_phone("fairphone-4")
    drive = sim_source.add_drive()
    heard: list[DeviceEvent] = []
    sim_source.subscribe(heard.append)
    assert {(e.action, e.handle.key) for e in heard} == {
        (SourceAction.ADDED, phone.key),
        (SourceAction.ADDED, drive.key),
    }


def _assert_all_training(station: Station, device_ids: set[str]) -> None:
    rows = station.store.query("SELECT id, asset_code, training FROM devices")
    by_id = {r[0]: r for r in rows}
    for device_id in device_ids:
        _, code, training = by_id[device_id]
        assert training == 1
        assert AssetCode.parse(code).prefix == TRAINING_PREFIX
        assert code.startswith(TRAINING_PREFIX + "-")
    flags = {
        r[0]: r[1:]
        for r in station.store.query(
            "SELECT device_id, min(training), max(training) FROM events"
            " WHERE device_id IS NOT NULL GROUP BY device_id"
        )
    }
    for device_id in device_ids:
        assert flags[device_id] == (1, 1), device_id


def test_training_set_is_marked_as_training_everywhere(
    station: Station, sim_source: SimulatedSource
) -> None:
    assert station.training is False
    station.set_job_listener(Listener(answer="ok"))
    station.attach_source(sim_source)
    real = station.register_device(DeviceKind.LAPTOP, brand="Dell", serial="REAL-1")
    handles = sim_source.add_training_set()
    assert {h.kind for h in handles} == {DeviceKind.PHONE, DeviceKind.DRIVE}
    devices = [device_for(station, h) for h in handles]
    assert len({d.id for d in devices}) == len(handles)
    for device in devices:
        assert device.training
    # Work on them too, so that there are job and step events to check (the drive's erasure
    # headless: its method and serial given).
    erase = {"method": "clear-zero", "confirm_serial": "5HDD"}
    jobs = [
        station.start_job(d.id, "drive.erase", erase)
        if d.kind is DeviceKind.DRIVE
        else station.start_job(d.id, "phone.readings")
        for d in devices
    ]
    states = {finish(j) for j in jobs}
    assert JobState.SUCCEEDED in states and JobState.BLOCKED in states
    assert JobState.INTERRUPTED in states

    _assert_all_training(station, {d.id for d in devices})
    # A real device on the same station is not training, and carries the station prefix.
    assert not real.training
    assert AssetCode.parse(real.asset_code).prefix == station.store.station_prefix
    real_flags = station.store.query(
        "SELECT DISTINCT training FROM events WHERE device_id = ?", (real.id,)
    )
    assert real_flags == [(0,)]


def test_training_marks_survive_reopening(data_dir: Path, sim_source: SimulatedSource) -> None:
    first = Station(data_dir, operator="t")
    try:
        first.attach_source(sim_source)
        phone = sim_source.add_adb_phone("fairphone-4", serial="SIMKEEP01")
        device_id = device_for(first, phone).id
        identity = sim_source.simulator(phone.key).persona
    finally:
        first.close()
    # Reopened; the same phone comes back with a new security patch: still training.
    second = Station(data_dir, operator="t")
    try:
        source = SimulatedSource(SimulationMode.TEST, adb_signer=station_signer(data_dir))
        second.attach_source(source)
        again = source.add_adb_phone("google-pixel-6", serial="SIMKEEP01", imei=identity.imei)
        assert device_for(second, again).id == device_id
        _assert_all_training(second, {device_id})
        identified = second.store.query(
            "SELECT count(*) FROM events WHERE device_id = ? AND type = 'device.identified'",
            (device_id,),
        )
        assert identified[0][0] >= 2  # the change was recorded, as training
    finally:
        second.close()
