"""UsbPhoneSource's bookkeeping, on a stand-in for pyudev's context (umockdev tests do the real
thing): keys, mode-keyed handles, failing factories and listeners, stopping."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from bench_app.devices.android.udev_source import UsbPhoneSource, phone_keys
from bench_app.devices.android.usb import UsbMode, UsbPhoneInfo
from bench_app.devices.source import DeviceEvent, DeviceHandle, SourceAction
from tests.discovery.fakes import FakeUsbHandle

WAIT_S = 60.0


@dataclass
class Attributes:
    values: dict[str, str]

    def get(self, name: str) -> bytes | None:
        value = self.values.get(name)
        return None if value is None else value.encode()


@dataclass
class FakeDevice:
    """What `read_usb_device` reads of a pyudev.Device."""

    sys_path: str
    properties: dict[str, str]
    attributes: Attributes
    children: list[FakeDevice] = field(default_factory=list)
    device_type: str = "usb_device"
    subsystem: str = "usb"


def phone(port: str, serial: str, interfaces: str, vendor: str = "18d1") -> FakeDevice:
    return FakeDevice(
        f"/sys/devices/usb1/{port}",
        {"DEVTYPE": "usb_device", "ID_USB_INTERFACES": interfaces},
        Attributes(
            {
                "idVendor": vendor,
                "idProduct": "4ee1",
                "serial": serial,
                "busnum": "1",
                "devnum": "3",
            }
        ),
    )


class FakeContext:
    def __init__(self) -> None:
        self.devices: list[FakeDevice] = []

    def list_devices(self, **_match: str) -> Iterator[FakeDevice]:
        return iter(list(self.devices))


class Events:
    def __init__(self) -> None:
        self.seen: list[tuple[SourceAction, str, UsbMode]] = []

    def __call__(self, event: DeviceEvent) -> None:
        info: UsbPhoneInfo = event.handle.info  # type: ignore[attr-defined]
        self.seen.append((event.action, info.serial, info.mode))


@pytest.fixture
def context() -> FakeContext:
    return FakeContext()


def make_source(context: FakeContext, factory: Any = FakeUsbHandle, **kw: Any) -> UsbPhoneSource:
    kw.setdefault("scan_interval", None)
    kw.setdefault("removal_grace", 0.0)
    return UsbPhoneSource(factory, context, **kw)


def info(serial: str, port: str, mode: UsbMode = UsbMode.ADB) -> UsbPhoneInfo:
    return UsbPhoneInfo(serial, "18d1", "4ee7", mode, f"/sys/devices/usb1/{port}", 1, 2)


def test_phones_are_known_by_serial_unless_it_is_useless_or_shared() -> None:
    keys = phone_keys(
        [
            info("AAA", "1-1"),
            info("0123456789ABCDEF", "1-2"),
            info("", "1-3"),
            info("TWIN", "1-4"),
            info("TWIN", "1-5.1"),
        ]
    )
    assert sorted(keys) == ["AAA", "TWIN@1-4", "TWIN@1-5.1", "port:1-2", "port:1-3"]


def test_removal_waits_for_the_grace_period(context: FakeContext) -> None:
    context.devices = [phone("1-1", "P1", ":ff4201:")]
    events = Events()
    source = make_source(context, removal_grace=3600.0)
    source.subscribe(events)
    source.start()
    try:
        assert source.scan_now(timeout=WAIT_S)
        context.devices = []
        assert source.scan_now(timeout=WAIT_S)
        assert source.scan_now(timeout=WAIT_S)
        assert events.seen == [(SourceAction.ADDED, "P1", UsbMode.ADB)]
        assert [p.serial for p in source.phones()] == ["P1"]
    finally:
        source.stop()


def test_a_driver_keying_handles_by_mode_gets_removed_then_added(context: FakeContext) -> None:
    class ModeKeyed(FakeUsbHandle):
        def __init__(self, found: UsbPhoneInfo) -> None:
            super().__init__(found)
            self.key = f"{found.mode}:{found.serial}"

    context.devices = [phone("1-1", "P1", ":ffff00:")]
    events = Events()
    source = make_source(context, ModeKeyed)
    source.subscribe(events)
    source.start()
    try:
        assert source.scan_now(timeout=WAIT_S)
        context.devices = [phone("1-1", "P1", ":ff4203:")]
        assert source.scan_now(timeout=WAIT_S)
    finally:
        source.stop()
    assert events.seen == [
        (SourceAction.ADDED, "P1", UsbMode.NO_DEBUGGING),
        (SourceAction.REMOVED, "P1", UsbMode.NO_DEBUGGING),
        (SourceAction.ADDED, "P1", UsbMode.FASTBOOT),
    ]
    # The base class's books hold the one current handle only.
    assert [h.key for h in source.devices()] == ["fastboot:P1"]


def test_a_failing_factory_or_listener_does_not_stop_discovery(context: FakeContext) -> None:
    attempts: list[str] = []

    def flaky(found: UsbPhoneInfo) -> DeviceHandle:
        attempts.append(found.serial)
        if len(attempts) == 1:
            raise RuntimeError("driver not ready")
        return FakeUsbHandle(found)

    def broken_listener(_event: DeviceEvent) -> None:
        raise RuntimeError("listener bug")

    context.devices = [phone("1-1", "P1", ":ff4201:")]
    events = Events()
    source = make_source(context, flaky)
    source.subscribe(events)
    source.subscribe(broken_listener)  # last: DeviceSource._emit stops at a failing listener
    source.start()
    try:
        assert source.scan_now(timeout=WAIT_S)
        assert source.scan_now(timeout=WAIT_S)
        context.devices.append(phone("1-2", "P2", ":ff4203:"))
        assert source.scan_now(timeout=WAIT_S)
    finally:
        source.stop()
    # The factory's failure left P1 unreported; the next pass tried again, and reported it once.
    assert attempts == ["P1", "P1", "P2"]
    assert events.seen == [
        (SourceAction.ADDED, "P1", UsbMode.ADB),
        (SourceAction.ADDED, "P2", UsbMode.FASTBOOT),
    ]


def test_uevents_of_other_subsystems_are_ignored_and_usb_ones_trigger_a_pass(
    context: FakeContext,
) -> None:
    events = Events()
    source = make_source(context, settle=0.0)
    source.subscribe(events)
    source.start()
    try:
        assert source.scan_now(timeout=WAIT_S)
        plugged = phone("1-1", "P1", ":ff4201:")
        context.devices = [plugged]
        block = FakeDevice("/sys/block/sda", {}, Attributes({}), subsystem="block")
        source.handle_uevent("add", block)
        source.handle_uevent("add", plugged)
        # The uevent's pass and this one run in order on the worker: after it, P1 is in.
        assert source.scan_now(timeout=WAIT_S)
        assert events.seen == [(SourceAction.ADDED, "P1", UsbMode.ADB)]
        # A remove uevent counts even while sysfs still lists the device (udev can lag).
        source.handle_uevent("remove", plugged)
        assert source.scan_now(timeout=WAIT_S)
        assert events.seen[-1] == (SourceAction.REMOVED, "P1", UsbMode.ADB)
    finally:
        source.stop()


def test_stop_ends_the_worker_even_with_a_long_scan_interval(context: FakeContext) -> None:
    source = make_source(context, scan_interval=3600.0)
    source.start()
    assert source.scan_now(timeout=WAIT_S)
    source.stop()
    assert not any(t.name == "usb-phones" and t.is_alive() for t in threading.enumerate())


def test_half_made_devices_and_changed_names_make_no_event(context: FakeContext) -> None:
    events = Events()
    source = make_source(context)
    source.subscribe(events)
    source.start()
    try:
        half = phone("1-1", "P1", ":ff4201:")
        del half.attributes.values["devnum"]  # caught between the kernel's sysfs writes
        context.devices = [half]
        assert source.scan_now(timeout=WAIT_S)
        assert events.seen == []
        whole = phone("1-1", "P1", ":ff4201:")
        context.devices = [whole]
        assert source.scan_now(timeout=WAIT_S)
        renamed = phone("1-1", "P1", ":ff4201:")
        renamed.attributes.values["product"] = "Pixel 6"
        context.devices = [renamed]
        assert source.scan_now(timeout=WAIT_S)
        assert events.seen == [(SourceAction.ADDED, "P1", UsbMode.ADB)]
        assert [p.product for p in source.phones()] == ["Pixel 6"]
    finally:
        source.stop()
