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
from bench_app.devices.ios.driver import IPhone, IPhoneNotTrusted, IPhoneState
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
