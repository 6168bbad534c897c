"""UsbPhoneSource against real libudev, fed by a umockdev testbed (in a child process)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Scenario = Callable[[str], dict[str, Any]]


def summary(result: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [(e["action"], e["serial"], e["mode"]) for e in result["events"]]


def test_udev_events_drive_plug_debugging_on_and_unplug(scenario: Scenario) -> None:
    result = scenario("hotplug")
    assert summary(result) == [
        ("added", "FASTBOOT01", "fastboot"),  # already plugged in at start: found by enumeration
        ("added", "PIXEL0042", "no_debugging"),  # MTP only: the operator must enable debugging
        ("changed", "PIXEL0042", "adb"),  # same serial, now with an ADB interface
        ("removed", "PIXEL0042", "adb"),
        ("removed", "FASTBOOT01", "fastboot"),
    ]
    # The keyboard plugged in next to them never shows up.
    assert "KBD0001" not in {e["serial"] for e in result["events"]}
    # The periodic scan was off: udev's netlink events, as umockdev delivers them to a plain
    # pyudev monitor, are what moved the source.
    seen = {(action, devtype) for action, devtype, _ in result["uevents"]}
    assert {("add", "usb_device"), ("change", "usb_device"), ("remove", "usb_device")} <= seen
    assert {("add", "usb_interface"), ("remove", "usb_interface")} <= seen
    assert {e["thread"] for e in result["events"]} == {"usb-phones"}
    assert result["synced"] is True
    assert result["phones_left"] == []


def test_a_phone_that_re_enumerates_is_changed_not_removed(scenario: Scenario) -> None:
    result = scenario("reenumerate")
    assert summary(result) == [
        ("added", "REDMI7", "no_debugging"),
        ("changed", "REDMI7", "adb"),  # unplugged and back with ADB within the removal grace
        ("changed", "REDMI7", "fastboot"),  # rebooted to the bootloader, on another port
    ]
    assert [e["devnum"] for e in result["events"]] == [5, 6, 7]
    assert result["events"][-1]["sysfs_path"].endswith("/1-4")
    assert result["synced"] is True


def test_periodic_scan_alone_finds_plugs_changes_and_unplugs(scenario: Scenario) -> None:
    result = scenario("scan_fallback")
    assert summary(result) == [
        ("added", "FP4ADB", "adb"),
        ("added", "GALAXYS9", "no_debugging"),
        ("changed", "GALAXYS9", "adb"),
        ("removed", "GALAXYS9", "adb"),
    ]
    # The root hub the phones hang from is no phone, though its descendants have ADB interfaces.
    assert "/sys/devices/usb1" not in {e["sysfs_path"] for e in result["events"]}
    assert result["synced"] is True
    assert result["worker_stopped"] is True
