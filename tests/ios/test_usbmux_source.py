"""iPhones heard from usbmuxd: reported at once, pending "trust" until the user taps it,
identified by the station's presence, and unplugged when the cable (or usbmuxd) goes."""

from __future__ import annotations

import queue
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench_app.devices.ios.driver import IPhone
from bench_app.devices.ios.usbmux import UsbmuxClient
from bench_app.devices.ios.usbmux_source import UsbmuxSource
from bench_app.devices.presence import Presence
from bench_app.devices.source import DeviceEvent, DeviceHandle, SourceAction
from bench_app.simulators.iphone import SimulatedIPhone, UsbmuxdSimulator, load_persona
from bench_app.simulators.mode import SimulationMode

WAIT = 20.0  # seconds; only reached when something is broken


@pytest.fixture
def usbmuxd(tmp_path: Path) -> Iterator[UsbmuxdSimulator]:
    with UsbmuxdSimulator(SimulationMode.TEST, unix_path=tmp_path / "usbmuxd") as daemon:
        yield daemon


@pytest.fixture
def phones() -> Iterator[list[SimulatedIPhone]]:
    made: list[SimulatedIPhone] = []
    yield made
    for phone in made:
        phone.close()


def _phone(phones: list[SimulatedIPhone], name: str) -> SimulatedIPhone:
    phone = SimulatedIPhone(load_persona(name))
    phones.append(phone)
    return phone


def test_plug_and_unplug_are_reported(
    usbmuxd: UsbmuxdSimulator, phones: list[SimulatedIPhone]
) -> None:
    early = _phone(phones, "iphone-13")
    usbmuxd.attach(early)  # already there when the source starts
    events: queue.Queue[DeviceEvent] = queue.Queue()
    source = UsbmuxSource(UsbmuxClient(usbmuxd.address), retry_s=0.05)
    source.subscribe(events.put)
    source.start()
    try:
        first = events.get(timeout=WAIT)
        assert first.action is SourceAction.ADDED and isinstance(first.handle, IPhone)
        assert first.handle.udid == early.udid and not first.handle.connected
        late = _phone(phones, "worn-battery")
        usbmuxd.attach(late)
        second = events.get(timeout=WAIT)
        assert (second.action, second.handle.key) == (SourceAction.ADDED, f"ios:{late.udid}")
        usbmuxd.detach(early)
        removed = events.get(timeout=WAIT)
        assert removed.action is SourceAction.REMOVED and removed.handle is first.handle
        assert first.handle.gone
        assert [h.key for h in source.devices()] == [f"ios:{late.udid}"]
    finally:
        source.stop()


def test_presence_shows_pending_trust_then_identifies(
    usbmuxd: UsbmuxdSimulator, phones: list[SimulatedIPhone]
) -> None:
    identified: queue.Queue[DeviceHandle] = queue.Queue()
    pending: queue.Queue[tuple[str, str | None]] = queue.Queue()
    presence = Presence(identified.put)
    presence.on_pending.append(lambda key, state: pending.put((key, state)))
    source = UsbmuxSource(UsbmuxClient(usbmuxd.address), retry_s=0.05)
    presence.attach_source(source)
    try:
        sim = _phone(phones, "iphone-13")  # the user taps Trust after the first ask
        usbmuxd.attach(sim)
        key = f"ios:{sim.udid}"
        assert pending.get(timeout=WAIT) == (key, "pending_trust")
        handle = identified.get(timeout=WAIT)
        assert handle.key == key and handle.connected
        assert handle.identity()["model"] == "iPhone 13"
        assert pending.get(timeout=WAIT) == (key, None)
    finally:
        presence.detach_source(source)
        presence.close()


def test_an_iphone_that_never_trusts_stays_pending(
    usbmuxd: UsbmuxdSimulator, phones: list[SimulatedIPhone]
) -> None:
    identified: queue.Queue[DeviceHandle] = queue.Queue()
    pending: queue.Queue[tuple[str, str | None]] = queue.Queue()
    presence = Presence(identified.put)
    presence.on_pending.append(lambda key, state: pending.put((key, state)))
    source = UsbmuxSource(UsbmuxClient(usbmuxd.address), retry_s=0.05)
    presence.attach_source(source)
    try:
        sim = _phone(phones, "never-trusts")
        usbmuxd.attach(sim)
        key = f"ios:{sim.udid}"
        assert pending.get(timeout=WAIT) == (key, "pending_trust")
        # The bench keeps asking (several Pair requests), the card stays, nothing is identified.
        assert sim.wait_for_asks(3, WAIT)
        still = presence.pending.get(key)
        assert still is not None and still.state == "pending_trust" and identified.empty()
        usbmuxd.detach(sim)
        assert pending.get(timeout=WAIT) == (key, None)
        assert identified.empty()
    finally:
        presence.detach_source(source)
        presence.close()
