"""The iPhone driver's contract, run against the simulated iPhone (usbmuxd, lockdownd with
pairing and TLS, diagnostics_relay). A subclass pointed at a real usbmuxd with a real phone
would hold the driver to the same rules."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from bench_app.devices.ios import readings
from bench_app.devices.ios.driver import EraseUnconfirmed, IPhone, IPhoneNotTrusted, IPhoneState
from bench_app.devices.ios.usbmux import UsbmuxClient
from bench_app.devices.source import DeviceGone
from bench_app.domain.imei import is_valid_imei
from bench_app.simulators.iphone import (
    SimulatedIPhone,
    UsbmuxdSimulator,
    list_personas,
    load_persona,
    pair_record_of,
)
from bench_app.simulators.mode import SimulationMode

StartIPhone = Callable[..., tuple[SimulatedIPhone, IPhone]]
Reconnect = Callable[[SimulatedIPhone], IPhone]
WAIT = 20.0  # seconds; only reached when something is broken
TRUSTING = [n for n in list_personas() if load_persona(n).behaviour.trust_after_asks >= 0]


class IPhoneDriverContract:
    """What every iPhone driver must do, whatever is at the other end."""

    @pytest.mark.parametrize("persona", TRUSTING)
    def test_identity_matches_the_phone(self, start_iphone: StartIPhone, persona: str) -> None:
        sim, phone = start_iphone(persona, trust_after_asks=0)
        ident = readings.identity(phone)
        values = sim.persona.values
        assert ident["brand"] == "Apple" and ident["product_type"] == values["ProductType"]
        assert ident["model"].startswith("iPhone") and ident["model"] != values["ProductType"]
        assert ident["serial"] == values["SerialNumber"] and ident["udid"] == sim.udid
        assert ident["imei"] == values["InternationalMobileEquipmentIdentity"]
        assert is_valid_imei(ident["imei"]) and is_valid_imei(ident["imei2"])
        assert ident["ios_version"] == values["ProductVersion"]
        assert ident["storage_bytes"] == sim.persona.domains["com.apple.disk_usage"][
            "TotalDiskCapacity"]  # fmt: skip
        assert ident["raw"]["UniqueDeviceID"] == sim.udid

    def test_marketing_names(self, start_iphone: StartIPhone) -> None:
        expected = {"iphone-13": "iPhone 13", "find-my-on": "iPhone 12",
                    "worn-battery": "iPhone XR"}  # fmt: skip
        for name, model in expected.items():
            _, phone = start_iphone(name, trust_after_asks=0)
            assert phone.identity()["model"] == model

    def test_first_connection_waits_for_trust_then_pairs(
        self, start_iphone: StartIPhone, usbmuxd: UsbmuxdSimulator
    ) -> None:
        sim, phone = start_iphone("iphone-13")  # the user taps Trust after one ask
        asked: list[bool] = []
        with pytest.raises(IPhoneNotTrusted) as caught:
            phone.connect(lambda: asked.append(True))
        assert caught.value.state is IPhoneState.PENDING_TRUST and asked == [True]
        assert phone.state is IPhoneState.PENDING_TRUST and not phone.connected
        assert phone.connect() is IPhoneState.TRUSTED and phone.connected
        record = pair_record_of(usbmuxd, sim.udid)
        assert record is not None and list(sim.trusted) == [record["HostID"]]
        # Known now: the next connection opens a session without pairing again.
        pairs = sim.requests.count("Pair")
        assert phone.values(refresh=True)["SerialNumber"] == sim.persona.serial
        assert sim.requests.count("Pair") == pairs

    def test_never_trusting_phone_waits_until_stopped(self, start_iphone: StartIPhone) -> None:
        sim, phone = start_iphone("never-trusts")
        stop = threading.Event()
        states: list[IPhoneState] = []

        def on_state(state: IPhoneState) -> None:
            states.append(state)
            if len(states) >= 3:
                stop.set()

        assert phone.bring_up(stop, on_state, retry_s=0.01) is False
        assert states == [IPhoneState.PENDING_TRUST] * 3
        assert sim.trusted == {} and not phone.connected
        with pytest.raises(IPhoneNotTrusted):
            phone.values()

    def test_denied_and_locked_are_told_apart(self, start_iphone: StartIPhone) -> None:
        sim, phone = start_iphone("never-trusts")
        sim.pair_error = "UserDeniedPairing"
        with pytest.raises(IPhoneNotTrusted) as denied:
            phone.connect()
        assert denied.value.state is IPhoneState.DENIED
        sim.pair_error = "PasswordProtected"
        with pytest.raises(IPhoneNotTrusted) as locked:
            phone.connect()
        assert locked.value.state is IPhoneState.LOCKED

    def test_activation_lock_blocks_with_what_to_do(self, start_iphone: StartIPhone) -> None:
        _, phone = start_iphone("find-my-on", trust_after_asks=0)
        found = readings.locks(phone)
        assert found["find_my"] is True and found["blocking"] is True
        steps = " ".join(step["fr"] for step in found["what_to_do"])
        assert "compte Apple" in steps and "preuve d’achat" in steps
        assert found["raw"]["com.apple.fmip"] == {"IsAssociated": True}

    def test_find_my_off_does_not_block(self, start_iphone: StartIPhone) -> None:
        _, phone = start_iphone("iphone-13", trust_after_asks=0)
        found = readings.locks(phone)
        assert found == {**found, "find_my": False, "blocking": False, "what_to_do": []}
        assert found["activation_state"] == "Activated"

    @pytest.mark.parametrize("persona", TRUSTING)
    def test_battery_reading_keeps_the_raw_entry(
        self, start_iphone: StartIPhone, persona: str
    ) -> None:
        sim, phone = start_iphone(persona, trust_after_asks=0)
        found = readings.battery(phone)
        reading, entry = found["reading"], sim.persona.battery
        assert reading["cycle_count"] == entry["CycleCount"]
        assert reading["design_capacity_mah"] == entry["DesignCapacity"]
        assert reading["full_charge_capacity_mah"] == entry["NominalChargeCapacity"]
        expected = round(entry["NominalChargeCapacity"] / entry["DesignCapacity"] * 100, 1)
        assert float(reading["health_percent"]) == pytest.approx(expected)
        assert f"<integer>{entry['CycleCount']}</integer>" in found["raw"]
        assert "diagnostics_relay:IORegistry" in sim.requests

    def test_worn_battery_reads_low_health(self, start_iphone: StartIPhone) -> None:
        _, phone = start_iphone("worn-battery", trust_after_asks=0)
        reading = readings.battery(phone)["reading"]
        assert float(reading["capacity_ratio"]) < 0.8 and reading["cycle_count"] > 1000
        _, healthy = start_iphone("iphone-13", trust_after_asks=0)
        assert float(readings.battery(healthy)["reading"]["capacity_ratio"]) > 0.85

    def test_unplugged_phone_is_gone(
        self, start_iphone: StartIPhone, usbmuxd: UsbmuxdSimulator
    ) -> None:
        sim, phone = start_iphone("iphone-13", trust_after_asks=0)
        assert phone.values()["ProductType"] == "iPhone14,5"
        usbmuxd.detach(sim)
        with pytest.raises(DeviceGone):
            phone.values(refresh=True)
        assert phone.gone

    def test_erase_then_verify_on_reconnection(
        self, start_iphone: StartIPhone, reconnect: Reconnect
    ) -> None:
        sim, phone = start_iphone("iphone-13", trust_after_asks=0)
        before = readings.erasure_check(phone)
        assert before["erased"] is False and not any(before["checks"].values())
        phone.erase()
        assert phone.gone and sim.erased.wait(WAIT)
        back = reconnect(sim)  # the phone restarted at "Hello" and is listed again
        found = readings.erasure_check(back)
        assert found["erased"] is True, found["checks"]
        assert found["checks"]["pairing_forgotten"] and not found["activation_lock"]
        assert sim.requests.count("MCInstall:EraseDevice") == 1 and sim.erase_count == 1

    def test_cable_pulled_mid_erase_is_unconfirmed_then_verified(
        self, start_iphone: StartIPhone, reconnect: Reconnect, usbmuxd: UsbmuxdSimulator
    ) -> None:
        sim, phone = start_iphone("unplugged-mid-erase", trust_after_asks=0)
        with pytest.raises(EraseUnconfirmed):
            phone.erase()
        assert sim.erased.wait(WAIT) and usbmuxd.phones() == {}  # the cable stays out
        usbmuxd.attach(sim)  # the operator plugs it back
        assert readings.erasure_check(reconnect(sim))["erased"] is True

    def test_activation_lock_survives_an_erase(
        self, start_iphone: StartIPhone, reconnect: Reconnect
    ) -> None:
        sim, phone = start_iphone("find-my-on", trust_after_asks=0)
        phone.erase()
        assert sim.erased.wait(WAIT)
        found = readings.erasure_check(reconnect(sim))
        assert found["erased"] is True and found["activation_lock"] is True

    def test_an_erase_that_did_not_happen_is_not_verified(
        self, start_iphone: StartIPhone, reconnect: Reconnect
    ) -> None:
        sim, _ = start_iphone("worn-battery", trust_after_asks=0)
        found = readings.erasure_check(reconnect(sim))  # reconnected, never erased
        assert found["erased"] is False and found["checks"]["setup_starts_over"] is False


@pytest.fixture
def reconnect(usbmuxd: UsbmuxdSimulator) -> Reconnect:
    """A fresh handle on the phone once usbmuxd lists it again, brought up as discovery would."""

    def again(sim: SimulatedIPhone) -> IPhone:
        client = UsbmuxClient(usbmuxd.address, timeout_s=5.0)
        listed = threading.Event()
        found: list[IPhone] = []

        def look() -> None:
            while not listed.is_set():
                devices = [d for d in client.list_devices() if d.udid == sim.udid]
                if devices:
                    found.append(IPhone(devices[0], client, simulated=True))
                    listed.set()
                else:
                    listed.wait(0.02)

        watcher = threading.Thread(target=look, daemon=True)
        watcher.start()
        assert listed.wait(WAIT), "the phone never came back"
        watcher.join(WAIT)
        stop = threading.Event()
        timer = threading.Timer(WAIT, stop.set)
        timer.start()
        try:
            assert found[0].bring_up(stop, lambda state: None, retry_s=0.02)
        finally:
            timer.cancel()
        return found[0]

    return again


@pytest.fixture
def usbmuxd(tmp_path: Path) -> Iterator[UsbmuxdSimulator]:
    with UsbmuxdSimulator(SimulationMode.TEST, unix_path=tmp_path / "usbmuxd") as daemon:
        yield daemon


@pytest.fixture
def start_iphone(usbmuxd: UsbmuxdSimulator) -> Iterator[StartIPhone]:
    sims: list[SimulatedIPhone] = []

    def start(name: str, **flags: Any) -> tuple[SimulatedIPhone, IPhone]:
        persona = load_persona(name)
        sim = SimulatedIPhone(persona, persona.behaviour.with_flags(**flags))
        sims.append(sim)
        usbmuxd.attach(sim)
        client = UsbmuxClient(usbmuxd.address, timeout_s=5.0)
        (device,) = [d for d in client.list_devices() if d.udid == sim.udid]
        return sim, IPhone(device, client, simulated=True)

    yield start
    for sim in sims:
        sim.close()


class TestDriverAgainstTheIPhoneSimulator(IPhoneDriverContract):
    pass
