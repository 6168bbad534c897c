"""Scenarios of phones plugged, switched and unplugged in a umockdev testbed.

Run by the tests as `umockdev-wrapper PYTHON umockdev_scenarios.py SCENARIO`: the preloaded
library redirects this process's sysfs and udev netlink to the testbed, so pyudev, and the
source through it, see the fake devices exactly as they would see real ones. The last line
printed is a JSON object: {"events": [...], ...} or {"error": "..."}.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import pyudev

from bench_app.devices.android.udev_source import UsbPhoneSource
from bench_app.devices.source import DeviceEvent
from tests.discovery.fakes import FakeUsbHandle

DEBIAN_PYTHON_PACKAGES = "/usr/lib/python3/dist-packages"
WAIT_S = 60.0  # a guard against hanging forever, not a measure: events come in milliseconds

MTP_ITF = ("ff", "ff", "00", "MTP")
ADB_ITF = ("ff", "42", "01", "ADB Interface")
FASTBOOT_ITF = ("ff", "42", "03", "fastboot")
KEYBOARD_ITF = ("03", "01", "01", "")


class NoUmockdev(Exception):
    """The testbed cannot take this process's udev view: the scenario cannot be run."""


def open_testbed() -> Any:
    """A umockdev testbed this process's libudev really sees, or NoUmockdev saying why not."""
    if "libumockdev-preload" not in os.environ.get("LD_PRELOAD", ""):
        raise NoUmockdev(
            "libumockdev-preload is not in LD_PRELOAD: run this under `umockdev-wrapper` "
            "(Debian package umockdev)"
        )
    UMockdev = _umockdev_module()
    testbed = UMockdev.Testbed.new()
    canary = testbed.add_device("platform", "etabli-canary", None, ["x", "1"], [])
    seen = [d.sys_path for d in pyudev.Context().list_devices(subsystem="platform")]
    testbed.remove_device(canary)
    if canary not in seen:
        raise NoUmockdev(
            f"the preloaded umockdev library does not redirect sysfs (saw {seen[:5]}): "
            "LD_PRELOAD is ignored here (a setuid or static Python?)"
        )
    return testbed


def _umockdev_module() -> Any:
    """UMockdev through PyGObject: the virtual environment's if it has one, else Debian's
    python3-gi (same Python version: the venv is made from the system's python3)."""
    try:
        import gi
    except ImportError:
        if DEBIAN_PYTHON_PACKAGES not in sys.path:
            sys.path.append(DEBIAN_PYTHON_PACKAGES)  # after the venv's: only gi comes from it
        try:
            import gi
        except ImportError as exc:
            raise NoUmockdev(
                f"PyGObject (gi) is missing ({exc}): install Debian's python3-gi, built for "
                f"this Python ({sys.version.split()[0]})"
            ) from exc
    try:
        gi.require_version("UMockdev", "1.0")
        from gi.repository import UMockdev
    except (ImportError, ValueError) as exc:
        raise NoUmockdev(
            f"umockdev's GObject bindings are missing ({exc}): install Debian's gir1.2-umockdev-1.0"
        ) from exc
    return UMockdev


class Bench:
    """A fake USB bus in the testbed, and the devices plugged into it."""

    def __init__(self, testbed: Any) -> None:
        self.tb = testbed
        self.root = testbed.add_device(
            "usb",
            "usb1",
            None,
            ["idVendor", "1d6b", "idProduct", "0002", "bDeviceClass", "09", "busnum", "1"],
            ["DEVTYPE", "usb_device"],
        )
        self.interfaces: dict[str, list[str]] = {}

    def plug(
        self,
        port: str,
        vendor: str,
        product: str,
        serial: str,
        devnum: int,
        interfaces: list[tuple[str, str, str, str]],
        *,
        mtp: bool = False,
        uevents: bool = True,
    ) -> str:
        props = ["DEVTYPE", "usb_device", "ID_SERIAL_SHORT", serial]
        props += ["ID_USB_INTERFACES", _interfaces_property(interfaces)]
        if mtp:
            props += ["ID_MTP_DEVICE", "1"]
        attrs = ["idVendor", vendor, "idProduct", product, "serial", serial]
        attrs += ["manufacturer", "Maker", "product", "Phone", "bDeviceClass", "00"]
        # umockdev writes attributes one by one, in this order, after the uevent file: with
        # busnum and devnum last, a scan in between sees a device not yet whole, and skips it.
        attrs += ["busnum", "1", "devnum", str(devnum)]
        path = self.tb.add_device("usb", port, self.root, attrs, props)
        self.interfaces[path] = []
        if uevents:
            self.tb.uevent(path, "add")
        for itf in interfaces:
            self.add_interface(path, itf, uevents=uevents)
        return str(path)

    def add_interface(
        self, path: str, itf: tuple[str, str, str, str], *, uevents: bool = True
    ) -> None:
        number = len(self.interfaces[path])
        name = f"{path.rsplit('/', 1)[-1]}:1.{number}"
        attrs = ["bInterfaceClass", itf[0], "bInterfaceSubClass", itf[1]]
        attrs += ["bInterfaceProtocol", itf[2], "bInterfaceNumber", f"{number:02x}"]
        if itf[3]:
            attrs += ["interface", itf[3]]
        itf_path = self.tb.add_device("usb", name, path, attrs, ["DEVTYPE", "usb_interface"])
        self.interfaces[path].append(itf_path)
        if uevents:
            self.tb.uevent(itf_path, "add")

    def switch_on_debugging(self, path: str, *, uevents: bool = True) -> None:
        """The phone in place gains an ADB interface, as composite MTP+ADB."""
        self.tb.set_property(path, "ID_USB_INTERFACES", _interfaces_property([MTP_ITF, ADB_ITF]))
        self.add_interface(path, ADB_ITF, uevents=uevents)
        if uevents:
            self.tb.uevent(path, "change")

    def unplug(self, path: str, *, uevents: bool = True) -> None:
        if uevents:  # the kernel's order: interfaces first, then the device
            for itf_path in reversed(self.interfaces[path]):
                self.tb.uevent(itf_path, "remove")
            self.tb.uevent(path, "remove")
        # Interfaces first, as the kernel does; umockdev's remove_device of the device alone
        # would leave the interfaces' /sys/bus links behind, and the port could not be reused.
        for itf_path in reversed(self.interfaces.pop(path)):
            self.tb.remove_device(itf_path)
        self.tb.remove_device(path)


def _interfaces_property(interfaces: list[tuple[str, str, str, str]]) -> str:
    return ":" + "".join(f"{c}{s}{p}:" for c, s, p, _ in interfaces)


class Recorder:
    """The source's events as JSON-able dicts, and a way to wait for the next ones."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self._changed = threading.Condition()

    def __call__(self, event: DeviceEvent) -> None:
        assert isinstance(event.handle, FakeUsbHandle)
        info = event.handle.info
        record = {
            "action": event.action.value,
            "serial": info.serial,
            "mode": info.mode.value,
            "devnum": info.devnum,
            "sysfs_path": info.sysfs_path,
            "thread": threading.current_thread().name,
        }
        with self._changed:
            self.events.append(record)
            self._changed.notify_all()

    def wait(self, count: int) -> None:
        """Returns once `count` events have come (or the guard runs out: the test then shows
        which were missing)."""
        with self._changed:
            self._changed.wait_for(lambda: len(self.events) >= count, WAIT_S)


class UeventLog:
    """A plain pyudev monitor thread feeding the source, and what it saw."""

    def __init__(self, source: UsbPhoneSource) -> None:
        self.seen: list[list[str]] = []
        self._source = source
        monitor = pyudev.Monitor.from_netlink(pyudev.Context())
        monitor.filter_by("usb")
        self.observer = pyudev.MonitorObserver(monitor, callback=self._on_device, name="udev")
        self.observer.start()

    def _on_device(self, device: pyudev.Device) -> None:
        self.seen.append([device.action or "", device.device_type or "", device.sys_path])
        self._source.handle_uevent(device.action or "", device)

    def stop(self) -> None:
        self.observer.stop()


def hotplug(bench: Bench) -> dict[str, Any]:
    """udev events drive the source (no periodic scan): enumeration at start, then a phone
    plugged without debugging, debugging switched on, unplugged."""
    fastboot = bench.plug("1-2", "18d1", "4ee0", "FASTBOOT01", 3, [FASTBOOT_ITF])
    bench.plug("1-3", "046d", "c31c", "KBD0001", 4, [KEYBOARD_ITF])
    recorder = Recorder()
    source = UsbPhoneSource(
        FakeUsbHandle, pyudev.Context(), scan_interval=None, settle=0.05, removal_grace=0.0
    )
    source.subscribe(recorder)
    uevents = UeventLog(source)
    source.start()
    recorder.wait(1)
    phone = bench.plug("1-1", "18d1", "4ee1", "PIXEL0042", 5, [MTP_ITF], mtp=True)
    recorder.wait(2)
    bench.switch_on_debugging(phone)
    recorder.wait(3)
    bench.unplug(phone)
    recorder.wait(4)
    bench.unplug(fastboot)
    recorder.wait(5)
    synced = source.scan_now(timeout=WAIT_S)
    uevents.stop()
    source.stop()
    return {
        "events": recorder.events,
        "uevents": uevents.seen,
        "synced": synced,
        "phones_left": [p.serial for p in source.phones()],
    }


def reenumerate(bench: Bench) -> dict[str, Any]:
    """A phone that re-enumerates (gone, then back with ADB; then in the bootloader on another
    port) is one phone that CHANGED, never REMOVED: the removal grace covers the gap."""
    recorder = Recorder()
    source = UsbPhoneSource(
        FakeUsbHandle, pyudev.Context(), scan_interval=None, settle=0.05, removal_grace=600.0
    )
    source.subscribe(recorder)
    uevents = UeventLog(source)
    source.start()
    phone = bench.plug("1-1", "2717", "ff48", "REDMI7", 5, [MTP_ITF], mtp=True)
    recorder.wait(1)
    bench.unplug(phone)
    phone = bench.plug("1-1", "2717", "ff48", "REDMI7", 6, [MTP_ITF, ADB_ITF], mtp=True)
    recorder.wait(2)
    bench.unplug(phone)
    bench.plug("1-4", "18d1", "d00d", "REDMI7", 7, [FASTBOOT_ITF])
    recorder.wait(3)
    synced = source.scan_now(timeout=WAIT_S)
    uevents.stop()
    source.stop()
    return {"events": recorder.events, "uevents": uevents.seen, "synced": synced}


def scan_fallback(bench: Bench) -> dict[str, Any]:
    """No udev events at all (a container without netlink): the periodic scan alone finds the
    phone already there, a new one, its change of mode and its unplugging."""
    bench.plug("1-2", "2ae5", "f003", "FP4ADB", 3, [MTP_ITF, ADB_ITF], uevents=False)
    recorder = Recorder()
    source = UsbPhoneSource(
        FakeUsbHandle, pyudev.Context(), scan_interval=0.05, settle=0.05, removal_grace=0.0
    )
    source.subscribe(recorder)
    source.start()
    recorder.wait(1)
    phone = bench.plug("1-1", "04e8", "6860", "GALAXYS9", 5, [MTP_ITF], mtp=True, uevents=False)
    recorder.wait(2)
    bench.switch_on_debugging(phone, uevents=False)
    recorder.wait(3)
    bench.unplug(phone, uevents=False)
    recorder.wait(4)
    synced = source.scan_now(timeout=WAIT_S)
    source.stop()
    stopped = not any(t.name == "usb-phones" for t in threading.enumerate())
    return {"events": recorder.events, "synced": synced, "worker_stopped": stopped}


SCENARIOS: dict[str, Callable[[Bench], dict[str, Any]]] = {
    "hotplug": hotplug,
    "reenumerate": reenumerate,
    "scan_fallback": scan_fallback,
}


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[1] not in SCENARIOS:
        print(json.dumps({"error": f"usage: {argv[0]} {'|'.join(SCENARIOS)}"}))
        return 2
    try:
        testbed = open_testbed()
    except NoUmockdev as exc:
        print(json.dumps({"error": str(exc)}))
        return 3
    result = SCENARIOS[argv[1]](Bench(testbed))
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
