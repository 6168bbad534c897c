"""Android phones plugged in over USB, found through udev.

`UsbPhoneSource` keeps one worker thread. Everything that can change the set of phones (the
first enumeration, a uevent, the periodic re-scan) ends in the same step on that thread: read
the USB devices present in sysfs/udev, classify them, and compare with the phones already
reported. So the events are the same whoever feeds the source: the Qt adapter in `ui/`, a
plain `pyudev.MonitorObserver` thread, or nothing at all (containers without netlink, where
only the re-scan runs).

Why a whole re-read rather than acting on each uevent: a phone switching mode (debugging
turned on, reboot to bootloader) re-enumerates with a burst of remove/add/bind events for the
device and each interface; what counts is the state once the burst is over. Events only say
*when* to look (after `settle` seconds of quiet), and a phone that disappears is reported gone
only if it has not come back within `removal_grace`, so a re-enumeration reads as CHANGED.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol

import pyudev

from bench_app.devices.android.usb import (
    UsbInterface,
    UsbPhoneInfo,
    classify,
    is_meaningful_serial,
    parse_hex,
)
from bench_app.devices.scanning import ScanningSource
from bench_app.devices.source import DeviceHandle, SourceAction

log = logging.getLogger(__name__)

MakeHandle = Callable[[UsbPhoneInfo], DeviceHandle]

DEFAULT_SCAN_INTERVAL_S = 3.0
DEFAULT_SETTLE_S = 0.5
DEFAULT_REMOVAL_GRACE_S = 2.0

# The sysfs attributes of a USB device that `classify` reads.
DEVICE_ATTRIBUTES = (
    "idVendor",
    "idProduct",
    "serial",
    "busnum",
    "devnum",
    "manufacturer",
    "product",
    "bDeviceClass",
)

# The kernel creates these together with the device: until all are there, it is half made.
WHOLE_DEVICE_ATTRIBUTES = ("idVendor", "idProduct", "busnum", "devnum")


class UeventDevice(Protocol):
    """What `handle_uevent` reads from a device (a `pyudev.Device` has all of it)."""

    @property
    def sys_path(self) -> str: ...

    @property
    def subsystem(self) -> str | None: ...

    @property
    def device_type(self) -> str | None: ...


def read_usb_device(device: Any) -> UsbPhoneInfo | None:
    """Classifies one pyudev USB device (devtype usb_device), reading its interfaces too.

    None for a device whose sysfs entry is not whole (being added or removed right now: a scan
    can run in between), as for one that is not a phone. Raises pyudev.DeviceNotFoundError or
    OSError when the device vanishes while being read.
    """
    properties = {str(k): str(device.properties[k]) for k in device.properties}
    attributes = {}
    for name in DEVICE_ATTRIBUTES:
        value = device.attributes.get(name)
        if value is not None:
            attributes[name] = _text(value)
    if any(name not in attributes for name in WHOLE_DEVICE_ATTRIBUTES):
        return None
    return classify(properties, attributes, _interfaces(device), device.sys_path)


def _interfaces(device: Any) -> list[UsbInterface]:
    found = []
    own_dir = device.sys_path.rstrip("/")
    for child in device.children:
        # `children` lists every descendant: keep this device's own interfaces only, the
        # entries right inside its sysfs folder (a hub's descendants include the interfaces
        # of the devices behind it).
        if child.device_type != "usb_interface" or os.path.dirname(child.sys_path) != own_dir:
            continue
        attrs = child.attributes
        cls = parse_hex(_maybe_text(attrs.get("bInterfaceClass")))
        sub = parse_hex(_maybe_text(attrs.get("bInterfaceSubClass")))
        proto = parse_hex(_maybe_text(attrs.get("bInterfaceProtocol")))
        if cls is None or sub is None or proto is None:
            continue
        found.append(UsbInterface(cls, sub, proto, _maybe_text(attrs.get("interface")) or ""))
    return found


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace").strip() if isinstance(value, bytes) else value.strip()


def _maybe_text(value: bytes | str | None) -> str | None:
    return None if value is None else _text(value)


def phone_keys(infos: Iterable[UsbPhoneInfo]) -> dict[str, UsbPhoneInfo]:
    """The key the source knows each phone by: its USB serial, which survives a change of mode.

    A phone without a usable serial (empty, or one many cheap phones share) is known by its
    USB port instead; so are phones present at the same time with the same serial.
    """
    infos = list(infos)
    by_serial: dict[str, int] = {}
    for info in infos:
        by_serial[info.serial] = by_serial.get(info.serial, 0) + 1
    keys: dict[str, UsbPhoneInfo] = {}
    for info in infos:
        port = info.sysfs_path.rstrip("/").rsplit("/", 1)[-1]
        if not is_meaningful_serial(info.serial):
            key = f"port:{port}"
        elif by_serial[info.serial] > 1:
            key = f"{info.serial}@{port}"
        else:
            key = info.serial
        keys[key] = info
    return keys


def _same_connection(a: UsbPhoneInfo, b: UsbPhoneInfo) -> bool:
    """Whether a handle made for `a` still reaches the phone described by `b`."""
    return (a.serial, a.vendor_id, a.product_id, a.mode, a.sysfs_path, a.busnum, a.devnum) == (
        b.serial,
        b.vendor_id,
        b.product_id,
        b.mode,
        b.sysfs_path,
        b.busnum,
        b.devnum,
    )


@dataclass
class _Known:
    info: UsbPhoneInfo
    handle: DeviceHandle
    missing_since: float | None = None


class UsbPhoneSource(ScanningSource):
    """Reports Android phones on USB: ADDED, CHANGED when a known phone (same serial) changes
    mode or re-enumerates, REMOVED. Events are emitted on the source's own worker thread.

    `make_handle` builds the driver's handle for a phone; it is called on the worker thread
    and should not talk to the phone (listeners get the handle right after). `scan_interval`
    is the period of the re-scan that stands in for udev events where they cannot be had (None
    turns it off: then only `start` and uevents make the source look).
    """

    def __init__(
        self,
        make_handle: MakeHandle,
        context: pyudev.Context | None = None,
        *,
        scan_interval: float | None = DEFAULT_SCAN_INTERVAL_S,
        settle: float = DEFAULT_SETTLE_S,
        removal_grace: float = DEFAULT_REMOVAL_GRACE_S,
    ) -> None:
        super().__init__(thread_name="usb-phones", scan_interval=scan_interval, settle=settle)
        self._make_handle = make_handle
        # libudev objects are not thread-safe: this context is used by the worker thread only.
        self._context = context if context is not None else pyudev.Context()
        self._removal_grace = removal_grace
        self._known: dict[str, _Known] = {}

    # -- feeding it -----------------------------------------------------------------------

    def handle_uevent(self, action: str, device: UeventDevice) -> None:
        """Takes one udev event (from any monitor, on any thread); never blocks, never emits.

        Only the device's sys_path, subsystem and devtype are read, on the calling thread, so a
        device from another pyudev context is fine.
        """
        if device.subsystem != "usb":
            return
        is_device = device.device_type == "usb_device"
        self._note_uevent(
            device.sys_path,
            removed=is_device and action == "remove",
            back=is_device and action in ("add", "bind", "change"),
        )

    def phones(self) -> list[UsbPhoneInfo]:
        """The phones reported and not (yet) removed."""
        with self._lock:
            return [k.info for k in self._known.values()]

    # -- the worker -----------------------------------------------------------------------

    def _read_present(self, gone: set[str]) -> list[UsbPhoneInfo]:
        found = []
        seen_paths = set()
        for device in self._context.list_devices(subsystem="usb", DEVTYPE="usb_device"):
            seen_paths.add(device.sys_path)
            if device.sys_path in gone:
                continue
            try:
                info = read_usb_device(device)
            except (pyudev.DeviceNotFoundError, OSError) as exc:
                log.debug("USB device %s vanished while being read: %s", device.sys_path, exc)
                continue
            if info is not None:
                found.append(info)
        self._forget_gone(gone, seen_paths)
        return found

    def _pass(self, gone: set[str]) -> float | None:
        """One pass: compares what is plugged in with what was reported, emits the differences.
        Returns when the next pending removal falls due, if any."""
        present = phone_keys(self._read_present(gone))
        now = time.monotonic()
        events: list[tuple[SourceAction, DeviceHandle]] = []
        next_removal: float | None = None
        # `_known` changes on this thread only: read freely, change under the lock (`phones`).
        for key, info in present.items():
            known = self._known.get(key)
            if known is not None:
                known.missing_since = None
                if _same_connection(known.info, info):
                    with self._lock:
                        known.info = info  # names read at a bad moment are not worth an event
                    continue
            handle = self._new_handle(info)
            if handle is None:
                continue  # tried again on the next pass
            if known is None:
                with self._lock:
                    self._known[key] = _Known(info, handle)
                events.append((SourceAction.ADDED, handle))
                continue
            old = known.handle
            with self._lock:
                known.info, known.handle = info, handle
            if handle.key == old.key:
                events.append((SourceAction.CHANGED, handle))
            else:  # a driver that keys its handles by mode: keep the base's books right
                events += [(SourceAction.REMOVED, old), (SourceAction.ADDED, handle)]
        for key, known in list(self._known.items()):
            if key in present:
                continue
            if known.missing_since is None:
                known.missing_since = now
            due = known.missing_since + self._removal_grace
            if now >= due:
                with self._lock:
                    del self._known[key]
                events.append((SourceAction.REMOVED, known.handle))
            elif next_removal is None or due < next_removal:
                next_removal = due
        for action, handle in events:
            log.info("USB phone %s: %s", handle.key, action.value)
            try:
                self._emit(action, handle)
            except Exception:
                log.exception("USB phone source: a listener failed on %s", action.value)
        return next_removal

    def _new_handle(self, info: UsbPhoneInfo) -> DeviceHandle | None:
        try:
            return self._make_handle(info)
        except Exception:
            log.exception("USB phone source: no handle for %s (%s)", info.serial, info.mode)
            return None
