"""Phones plugged in but not usable yet are pending, with the reason, until they are."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from bench_app.devices.source import DeviceHandle, DeviceSource, SourceAction
from bench_app.domain.model import DeviceKind
from bench_app.station import Station


class FakeSource(DeviceSource):
    def start(self) -> None:
        pass

    def stop(self) -> None:
        pass

    def plug(self, handle: DeviceHandle) -> None:
        self._emit(SourceAction.ADDED, handle)

    def unplug(self, handle: DeviceHandle) -> None:
        self._emit(SourceAction.REMOVED, handle)


class NoDebuggingPhone(DeviceHandle):
    """What USB discovery reports for a phone in charging/MTP mode."""

    kind = DeviceKind.PHONE
    state = "no_debugging"
    brand_hint = "Xiaomi"

    def __init__(self, key: str) -> None:
        self.key = key

    @property
    def connected(self) -> bool:
        return False

    def identity(self) -> dict[str, Any]:
        raise AssertionError("a phone without debugging cannot be identified")


class WaitsForAllowPhone(DeviceHandle):
    """A phone that shows "Allow USB debugging?" until the test taps Allow."""

    kind = DeviceKind.PHONE

    def __init__(self, key: str) -> None:
        self.key = key
        self.allowed = threading.Event()
        self._connected = False

    @property
    def connected(self) -> bool:
        return self._connected

    def bring_up(self, stop: threading.Event, on_state: Callable[[str], None]) -> bool:
        while not stop.is_set():
            if self.allowed.is_set():
                self._connected = True
                on_state("device")
                return True
            on_state("unauthorized")
            stop.wait(0.02)
        return False

    def identity(self) -> dict[str, Any]:
        return {"brand": "Fairphone", "model": "FP4", "serial": "A1B2C3D4"}


def wait_for(condition: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition never came true"
        time.sleep(0.01)


def test_phone_without_debugging_is_pending_until_unplugged(station: Station) -> None:
    seen: list[tuple[str, str | None]] = []
    station.on_pending.append(lambda key, state: seen.append((key, state)))
    source = FakeSource()
    station.attach_source(source)
    phone = NoDebuggingPhone("usb:1-2")
    source.plug(phone)
    assert station.pending["usb:1-2"].state == "no_debugging"
    assert station.connected_device_ids() == []
    source.unplug(phone)
    assert "usb:1-2" not in station.pending
    assert seen == [("usb:1-2", "no_debugging"), ("usb:1-2", None)]
    assert station.store.query("SELECT count(*) FROM events") == [(0,)]


def test_phone_is_registered_once_the_operator_allows_the_station(station: Station) -> None:
    seen: list[tuple[str, str | None]] = []
    station.on_pending.append(lambda key, state: seen.append((key, state)))
    source = FakeSource()
    station.attach_source(source)
    phone = WaitsForAllowPhone("adb:usb:A1B2C3D4")
    source.plug(phone)
    wait_for(lambda: "adb:usb:A1B2C3D4" in station.pending)
    assert station.pending["adb:usb:A1B2C3D4"].state == "unauthorized"
    assert station.connected_device_ids() == []
    phone.allowed.set()
    wait_for(lambda: len(station.connected_device_ids()) == 1)
    device = station.device(station.connected_device_ids()[0])
    assert device is not None and device.serial == "A1B2C3D4" and device.brand == "Fairphone"
    assert station.pending == {}
    assert seen == [("adb:usb:A1B2C3D4", "unauthorized"), ("adb:usb:A1B2C3D4", None)]


def test_unplugging_while_waiting_stops_waiting(station: Station) -> None:
    source = FakeSource()
    station.attach_source(source)
    phone = WaitsForAllowPhone("adb:usb:ZZ")
    source.plug(phone)
    wait_for(lambda: "adb:usb:ZZ" in station.pending)
    source.unplug(phone)
    assert "adb:usb:ZZ" not in station.pending
    phone.allowed.set()
    time.sleep(0.2)  # a stopped bring-up must not register the phone afterwards
    assert station.connected_device_ids() == []
