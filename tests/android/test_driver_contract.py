"""The ADB driver's contract, run against the simulated phone (which speaks the real ADB
wire protocol). A subclass pointed at a real phone would hold the driver to the same rules."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

from bench_app.devices.android import readings
from bench_app.devices.android.driver import AndroidPhone, PhoneState, PhoneUnauthorized, TradeIn
from bench_app.devices.source import DeviceGone, DeviceNoAnswer
from bench_app.domain.imei import is_valid_imei
from bench_app.simulators.adb_phone import (
    AdbSimulator,
    list_models,
    list_personas,
    load_persona,
)

StartPhone = Callable[..., tuple[AdbSimulator, AndroidPhone]]
MODELS = list_models()


class AndroidDriverContract:
    """What every ADB driver must do, whatever is at the other end."""

    @pytest.mark.parametrize("persona", MODELS)
    def test_identity_matches_the_phone(self, start_phone: StartPhone, persona: str) -> None:
        sim, phone = start_phone(persona)
        identity = phone.identity()
        props = load_persona(persona).props
        assert identity["brand"] == props["ro.product.brand"]
        assert identity["model"] == props["ro.product.model"]
        assert identity["serial"] == sim.persona.serial
        assert identity["android_version"] == props["ro.build.version.release"]
        if load_persona(persona).sdk < 29:
            assert identity["imei"] == sim.persona.imei and is_valid_imei(identity["imei"])
        else:  # Android 10+ does not give its IMEI to the shell: the operator types it
            assert identity["imei"] == ""

    @pytest.mark.parametrize("persona", MODELS)
    def test_every_reading_parses(self, start_phone: StartPhone, persona: str) -> None:
        _, phone = start_phone(persona)
        battery = readings.battery(phone)
        percent = battery["reading"]["percent"]
        assert isinstance(percent, str) and 0 <= float(percent) <= 100  # a decimal string
        assert "level:" in battery["raw"]
        accounts = readings.accounts(phone)
        assert accounts["google_accounts"] == 0 and accounts["device_owner"] is None
        storage = readings.storage(phone)
        assert storage["total_bytes"] and storage["total_bytes"] > storage["free_bytes"] > 0
        assert storage["ram_bytes"] and storage["ram_bytes"] > 1e9
        assert storage["encrypted"] == (
            load_persona(persona).props.get("ro.crypto.state") == "encrypted"
        )
        hardware = readings.hardware(phone)
        assert "android.hardware.wifi" in hardware["features"]
        assert hardware["sensors"]

    def test_frp_locked_phone_shows_its_google_account(self, start_phone: StartPhone) -> None:
        _, phone = start_phone("frp-locked")
        assert readings.accounts(phone)["google_accounts"] >= 1

    def test_mdm_enrolled_phone_shows_its_device_owner(self, start_phone: StartPhone) -> None:
        _, phone = start_phone("mdm-enrolled")
        owner = readings.accounts(phone)["device_owner"]
        assert owner and "/" in owner

    def test_worn_battery_reads_low_capacity(self, start_phone: StartPhone) -> None:
        _, phone = start_phone("worn-battery")
        ratio = readings.battery(phone)["reading"]["capacity_ratio"]
        assert ratio is not None and float(ratio) < 0.7

    def test_rooted_phone_is_seen(self, start_phone: StartPhone) -> None:
        _, phone = start_phone("rooted")
        security = readings.security(phone)
        assert security["su_binary"] and security["security"]["bootloader_locked"] is False

    def test_unauthorized_phone_is_reported_and_never_connects(
        self, start_phone: StartPhone
    ) -> None:
        _, phone = start_phone("unauthorized", timeout_s=1.0)
        waiting: list[bool] = []
        with pytest.raises(PhoneUnauthorized):
            phone.connect(lambda: waiting.append(True))
        assert waiting and phone.state is PhoneState.UNAUTHORIZED and not phone.connected

    def test_bring_up_reports_unauthorized_until_stopped(self, start_phone: StartPhone) -> None:
        _, phone = start_phone("unauthorized", timeout_s=0.5)
        stop = threading.Event()
        states: list[PhoneState] = []

        def on_state(state: PhoneState) -> None:
            states.append(state)
            if len(states) >= 2:
                stop.set()

        assert phone.bring_up(stop, on_state, retry_s=0.05) is False
        assert set(states) == {PhoneState.UNAUTHORIZED}

    def test_a_new_key_is_accepted_once_allowed(self, start_phone: StartPhone) -> None:
        sim, phone = start_phone("fairphone-4")
        asked: list[bool] = []
        assert phone.connect(lambda: asked.append(True)) is PhoneState.DEVICE
        assert asked == [True]  # the phone asked its user once
        assert len(sim.offered_keys) == 1 and sim.offered_keys[0] in sim.trusted
        # Known now: the next connection signs in without asking.
        phone.close()
        asked.clear()
        assert phone.connect(lambda: asked.append(True)) is PhoneState.DEVICE
        assert asked == []

    def test_unplugged_mid_command_is_device_gone(self, start_phone: StartPhone) -> None:
        _, phone = start_phone("unplugged-mid-command")
        with pytest.raises(DeviceGone):
            phone.shell("getprop")
        assert not phone.connected and phone.gone
        with pytest.raises(DeviceGone):  # and stays gone until discovery brings it back
            phone.shell("true")

    def test_an_absence_seen_before_the_latest_connection_leaves_it_open(
        self, start_phone: StartPhone
    ) -> None:
        """Discovery looks, sees the phone absent (its daemon restarting), and says so only
        after the driver has connected again: that connection stays; an absence seen with
        the latest connection still closes it, and commands fail fast until it is back."""
        _, phone = start_phone("fairphone-4")
        phone.shell("echo 1")
        seen = phone.connections
        phone.forget_connection()  # the daemon restarted: the driver connects again
        assert phone.shell("echo 2").strip() == "2" and phone.connections == seen + 1
        phone.mark_gone(seen)
        assert phone.connected and not phone.gone
        assert phone.shell("echo 3").strip() == "3"
        phone.mark_gone(phone.connections)
        assert phone.gone and not phone.connected
        with pytest.raises(DeviceGone):
            phone.shell("echo 4")
        phone.came_back()
        assert phone.shell("echo 5").strip() == "5"
        phone.mark_gone()  # no count given: gone whatever the connection
        assert phone.gone

    def test_cable_pulled_after_some_commands(self, start_phone: StartPhone) -> None:
        sim, phone = start_phone("fairphone-4", unplug_after_commands=3)
        phone.shell("echo 1")
        phone.shell("echo 2")
        with pytest.raises(DeviceGone):
            phone.shell("dumpsys battery")
        assert not sim.listening

    def test_garbage_is_no_answer(self, start_phone: StartPhone) -> None:
        _, phone = start_phone("garbage", timeout_s=2.0)
        with pytest.raises((DeviceNoAnswer, DeviceGone)):
            phone.shell("getprop")

    def test_silence_is_no_answer(self, start_phone: StartPhone) -> None:
        _, phone = start_phone("silent", timeout_s=1.0)
        with pytest.raises(DeviceNoAnswer):
            phone.shell("getprop")

    def test_slow_phone_still_answers(self, start_phone: StartPhone) -> None:
        _, phone = start_phone("slow", slow=(0.05, 0.2))
        assert phone.props()["ro.product.model"] == load_persona("slow").props["ro.product.model"]

    def test_an_oversized_reply_is_refused(self, start_phone: StartPhone) -> None:
        _, phone = start_phone("fairphone-4")
        with pytest.raises(DeviceNoAnswer, match="larger than"):
            phone.shell("getprop", limit=1000)
        # The connection is dropped, and the next command reconnects.
        assert phone.shell("echo hello").strip() == "hello"

    def test_every_persona_is_reachable(self, start_phone: StartPhone) -> None:
        faults = {"unauthorized", "garbage", "silent", "unplugged-mid-command", "slow"}
        for name in list_personas():
            if name in faults:
                continue
            _, phone = start_phone(name)
            if phone.trade_in_mode() is TradeIn.FOYER:  # only its status answers
                assert phone.identity()["model"] == load_persona(name).model
            else:
                assert phone.props()["ro.product.model"]


class TestDriverAgainstTheAdbSimulator(AndroidDriverContract):
    pass
