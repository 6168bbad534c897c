"""The Qt adapter under umockdev (not collected on its own: test_usb_monitor_qt.py runs this
file with pytest in a child process under umockdev-wrapper, so that libudev sees the testbed)."""

from __future__ import annotations

import threading

import pytest
import pyudev
from pytestqt.qtbot import QtBot

from bench_app.devices.android.udev_source import UeventDevice, UsbPhoneSource
from tests.discovery.fakes import FakeUsbHandle
from tests.discovery.umockdev_scenarios import (
    MTP_ITF,
    WAIT_S,
    Bench,
    NoUmockdev,
    Recorder,
    open_testbed,
)
from ui.usb_monitor import UsbMonitor


class RecordingSource(UsbPhoneSource):
    """Notes, for each uevent handed to it, whether it came on the Qt main thread."""

    def __init__(self) -> None:
        super().__init__(
            FakeUsbHandle, pyudev.Context(), scan_interval=None, settle=0.05, removal_grace=0.0
        )
        self.calls: list[tuple[str, str, bool]] = []

    def handle_uevent(self, action: str, device: UeventDevice) -> None:
        on_main = threading.current_thread() is threading.main_thread()
        self.calls.append((action, device.device_type or "", on_main))
        super().handle_uevent(action, device)


def test_qt_adapter_delivers_uevents_on_the_main_thread(qtbot: QtBot) -> None:
    try:
        bench = Bench(open_testbed())
    except NoUmockdev as exc:
        pytest.fail(str(exc))
    source = RecordingSource()
    recorder = Recorder()
    source.subscribe(recorder)
    monitor = UsbMonitor(source)
    assert monitor.start(), "netlink monitoring should work under umockdev"
    source.start()
    try:
        assert source.scan_now(timeout=WAIT_S)  # the enumeration at start: nothing yet
        assert recorder.events == []

        phone = bench.plug("1-1", "0fce", "0dde", "XPERIA01", 4, [MTP_ITF], mtp=True)
        qtbot.waitUntil(lambda: len(recorder.events) >= 1, timeout=int(WAIT_S * 1000))
        bench.unplug(phone)
        qtbot.waitUntil(lambda: len(recorder.events) >= 2, timeout=int(WAIT_S * 1000))
    finally:
        monitor.stop()
        source.stop()

    assert [(e["action"], e["serial"], e["mode"]) for e in recorder.events] == [
        ("added", "XPERIA01", "no_debugging"),
        ("removed", "XPERIA01", "no_debugging"),
    ]
    assert {(a, t) for a, t, _ in source.calls} >= {
        ("add", "usb_device"),
        ("add", "usb_interface"),
        ("remove", "usb_device"),
    }
    assert all(on_main for _, _, on_main in source.calls)
    # The source reports from its own worker, never on the GUI thread.
    assert {e["thread"] for e in recorder.events} == {"usb-phones"}
    assert not monitor.active
