"""The Qt adapter that feeds udev's USB events to the USB phone source."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest
import pyudev
from pytestqt.qtbot import QtBot

from bench_app.devices.android.udev_source import UsbPhoneSource
from tests.discovery.conftest import RunUnderUmockdev
from tests.discovery.fakes import FakeUsbHandle
from ui.usb_monitor import UsbMonitor

HERE = Path(__file__).resolve().parent


def test_uevents_reach_the_source_on_the_qt_main_thread(under_umockdev: RunUnderUmockdev) -> None:
    # pytest-qt in a child under umockdev-wrapper: libudev must be preloaded from the start.
    done = under_umockdev(
        ["-m", "pytest", "-q", "-p", "no:cacheprovider", str(HERE / "qt_monitor_scenario.py")]
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert re.search(r"\b1 passed\b", done.stdout), output


def test_without_netlink_the_adapter_says_so_and_the_scan_remains(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def no_netlink(*_args: object, **_kwargs: object) -> pyudev.Monitor:
        raise OSError("Could not create udev monitor")

    monkeypatch.setattr(pyudev.Monitor, "from_netlink", no_netlink)
    source = UsbPhoneSource(FakeUsbHandle, pyudev.Context())
    monitor = UsbMonitor(source)
    with caplog.at_level(logging.WARNING, logger="ui.usb_monitor"):
        assert monitor.start() is False
    assert not monitor.active
    assert "periodic scan" in caplog.text
    monitor.stop()  # harmless when it never started
