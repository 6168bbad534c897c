"""Drives docked at the station, found through udev: whole disks coming and going.

`BlockDeviceSource` is a `ScanningSource` (bench_app/devices/scanning.py), like
`UsbPhoneSource`: each pass lists the whole disks in sysfs, keeps the ones a workshop erases
and compares them with the disks already reported, so a burst of uevents (a disk and its
partitions, a partition table re-read after an erase) makes one pass, and a "change" uevent counts through what it changed: a card reader whose
size goes from 0 to something has had media inserted (ADDED), and back to 0, removed
(REMOVED); a loop device is attached and detached the same way.

uevents come from a `pyudev.MonitorObserver` thread the source runs itself: udev's netlink
group where a udev daemon runs (the events come once udev has named the disk and read its
serial), the kernel's where none does (containers, minimal live systems); where netlink
cannot be had at all, the periodic re-scan alone finds the disks, only later.

Never reported, so never shown as a card: partitions; RAM, zram, optical, device-mapper and
RAID devices (`blockdev.list_drives` leaves them out); loop devices unless `include_loop`
(tests and training); disks of size 0 (an empty card reader slot, a loop device with nothing
attached); and the disks `system_view.Protected.own` says are the station itself: the system
disk, the live medium the station booted from, the disk holding the station's data folder or
a disk standing on one of its files. The erasure's other refusals (mounted, in use,
read-only) are normal sights on a bench and are given at erase time.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol, runtime_checkable

import pyudev

from bench_app.devices.drives.blockdev import DriveInfo, list_drives
from bench_app.devices.drives.handle import DriveHandle
from bench_app.devices.drives.system_view import EraseTarget, Protected, SystemView
from bench_app.devices.scanning import ScanningSource
from bench_app.devices.source import DeviceHandle, SourceAction

log = logging.getLogger(__name__)

HandleFactory = Callable[[str], DeviceHandle]
Netlink = Literal["auto", "udev", "kernel"]

DEFAULT_SCAN_INTERVAL_S = 5.0
DEFAULT_SETTLE_S = 0.3
WORKER_THREAD = "block-drives"
MONITOR_THREAD = "block-uevents"
UDEV_CONTROL = Path("/run/udev/control")  # the running udev daemon's socket

_RETRY_S = 1.0  # after a pass that failed or could not check a disk


@runtime_checkable
class Targeted(Protocol):
    """What the source needs of a handle to check it: the drive it stands for (DriveHandle)."""

    def target(self) -> EraseTarget: ...


class UeventDevice(Protocol):
    """What `handle_uevent` reads from a device (a `pyudev.Device` has all of it)."""

    @property
    def sys_name(self) -> str: ...

    @property
    def subsystem(self) -> str | None: ...

    @property
    def device_type(self) -> str | None: ...


def _same_disk(a: DriveInfo, b: DriveInfo) -> bool:
    """Whether a handle made for `a` still stands for the disk `b` describes."""
    return (a.path, a.devnum, a.serial, a.size_bytes, a.backing_file) == (
        b.path,
        b.devnum,
        b.serial,
        b.size_bytes,
        b.backing_file,
    )


@dataclass
class _Known:
    info: DriveInfo
    handle: DeviceHandle | None  # None: hidden (the station's own disk)
    hidden_because: str = ""


class BlockDeviceSource(ScanningSource):
    """Reports the whole disks plugged into the station: ADDED, CHANGED (the same drive seen
    anew, e.g. another size), REMOVED. Events are emitted on the source's own worker thread;
    nothing here blocks the caller's thread on a disk.

    `data_dir` is the station's data folder: the disk holding it is never reported.
    `handle_factory` makes the handle for a disk from its device node, on the worker thread
    (`DriveHandle`; tests pass a stand-in); the handle must have `target()` (`Targeted`), or
    the disk cannot be checked and is not reported. `system_view` reads the mounts and swaps
    the safety checks look at. `netlink` picks the uevents followed: "auto" (udev's when a
    udev daemon runs, else the kernel's), "udev", "kernel", or None for none. `scan_interval`
    is the period of the re-scan that stands in for lost uevents (None turns it off).
    """

    retry_after_failure = _RETRY_S

    def __init__(
        self,
        data_dir: Path,
        *,
        include_loop: bool = False,
        context: pyudev.Context | None = None,
        handle_factory: HandleFactory = DriveHandle,
        system_view: Callable[[], SystemView] = SystemView.read,
        netlink: Netlink | None = "auto",
        scan_interval: float | None = DEFAULT_SCAN_INTERVAL_S,
        settle: float = DEFAULT_SETTLE_S,
    ) -> None:
        super().__init__(thread_name=WORKER_THREAD, scan_interval=scan_interval, settle=settle)
        self.data_dir = Path(data_dir)
        self.include_loop = include_loop
        # libudev objects are not thread-safe: this context is used by the worker thread only.
        self._context = context if context is not None else pyudev.Context()
        self._handle_factory = handle_factory
        self._system_view = system_view
        self._netlink = netlink
        self._known: dict[str, _Known] = {}  # by kernel name; changed on the worker only
        self._observer: pyudev.MonitorObserver | None = None
        self._watching: str | None = None

    # -- following uevents ---------------------------------------------------------------

    def _starting(self) -> None:
        # The monitor first: a disk plugged during the enumeration is caught either way.
        self._observer, self._watching = self._start_monitor()

    def _stopped(self) -> None:
        with self._cond:
            observer = self._observer
            self._observer, self._watching = None, None
        if observer is not None:
            observer.stop()

    @property
    def watching(self) -> str | None:
        """The netlink source followed ("udev" or "kernel"), None when only scans look."""
        with self._cond:
            return self._watching

    # -- feeding it -----------------------------------------------------------------------

    def handle_uevent(self, action: str, device: UeventDevice) -> None:
        """Takes one udev event (from any monitor, on any thread); never blocks, never emits.

        Only the device's name, subsystem and devtype are read, on the calling thread, so a
        device from another pyudev context is fine. Events of partitions and other
        subsystems are ignored: a disk's own events say all that matters.
        """
        if device.subsystem != "block" or device.device_type != "disk":
            return
        self._note_uevent(
            device.sys_name,
            removed=action == "remove",
            back=action in ("add", "change", "online", "bind"),
        )

    def drives(self) -> list[DriveInfo]:
        """The disks reported and not (yet) removed, as last read."""
        with self._lock:
            return [k.info for k in self._known.values() if k.handle is not None]

    def hidden(self) -> dict[str, str]:
        """The disks present but never reported (kernel name: the refusal code why)."""
        with self._lock:
            return {n: k.hidden_because for n, k in self._known.items() if k.handle is None}

    # -- the monitor ----------------------------------------------------------------------

    def _start_monitor(self) -> tuple[pyudev.MonitorObserver | None, str | None]:
        if self._netlink is None:
            return None, None
        source = self._netlink
        if source == "auto":
            source = "udev" if UDEV_CONTROL.exists() else "kernel"
        try:
            # Its own context: the source's belongs to the worker.
            monitor = pyudev.Monitor.from_netlink(pyudev.Context(), source=source)
            monitor.filter_by("block")
            observer = pyudev.MonitorObserver(
                monitor, callback=self._on_uevent, name=MONITOR_THREAD
            )
            observer.daemon = True
            observer.start()
        except Exception as exc:  # only costs promptness: the periodic scan remains
            log.warning("drive hotplug events unavailable (%s): disks are found by scans", exc)
            return None, None
        log.info("watching %s uevents for drives", source)
        return observer, source

    def _on_uevent(self, device: pyudev.Device) -> None:
        try:
            self.handle_uevent(device.action or "", device)
        except Exception:  # the monitor thread must live on
            log.exception("drive source: bad uevent")

    # -- the worker -----------------------------------------------------------------------

    def _pass(self, gone: set[str]) -> float | None:
        retry = self._reconcile(gone)
        return time.monotonic() + _RETRY_S if retry else None

    def _read_present(self, gone: set[str]) -> dict[str, DriveInfo]:
        listed = list_drives(self._context, include_loop=self.include_loop)
        self._forget_gone(gone, {d.name for d in listed})
        return {d.name: d for d in listed if d.name not in gone and d.size_bytes > 0}

    def _reconcile(self, gone: set[str]) -> bool:
        """One pass: compares the disks present with those reported, emits the differences.
        Returns whether a disk could not be looked at, and another pass should come soon."""
        present = self._read_present(gone)
        events: list[tuple[SourceAction, DeviceHandle]] = []
        retry = False
        view: SystemView | None = None  # read once per pass, when a disk needs checking
        for name, known in list(self._known.items()):
            if name in present and _same_disk(known.info, present[name]):
                with self._lock:
                    known.info = present[name]  # a new label name is not worth an event
                continue
            # Gone, or another disk (another medium) under the same name: looked at anew
            # below, and CHANGED rather than REMOVED + ADDED if it is the same drive.
            with self._lock:
                del self._known[name]
            if known.handle is not None:
                events.append((SourceAction.REMOVED, known.handle))
        for name, info in present.items():
            if name in self._known:
                continue
            if view is None:
                view = self._read_view()
                if view is None:
                    return True
            made = self._look_at(info, view)
            if made is None:
                retry = True  # tried again on the next pass
                continue
            with self._lock:
                self._known[name] = made
            if made.handle is not None:
                self._unique_key(made.handle, name)
                events.append((SourceAction.ADDED, made.handle))
        for action, handle in _merge(events):
            log.info("drive %s: %s", handle.key, action.value)
            try:
                self._emit(action, handle)
            except Exception:
                log.exception("drive source: a listener failed on %s", action.value)
        return retry

    def _read_view(self) -> SystemView | None:
        try:
            return self._system_view()
        except Exception:
            log.exception("drive source: cannot read the mounts; no disk reported this pass")
            return None

    def _look_at(self, info: DriveInfo, view: SystemView) -> _Known | None:
        """The handle of a new disk, or its hiding; None when it could not be looked at."""
        try:
            handle = self._handle_factory(info.path)
        except Exception as exc:
            log.warning("drive source: no handle for %s (%s)", info.path, exc)
            return None
        if not isinstance(handle, Targeted):
            log.error("drive source: the handle of %s cannot be checked: not reported", info.path)
            return _Known(info, None, "NO_TARGET")
        try:
            hiding = Protected.read(view, self.data_dir).own(handle.target())
        except Exception as exc:  # the disk went, or changed, while being looked at
            log.warning("drive source: cannot check %s (%s)", info.path, exc)
            return None
        if hiding:
            log.info("drive %s is the station's own (%s): not shown", info.path, hiding)
            return _Known(info, None, hiding)
        return _Known(info, handle)

    def _unique_key(self, handle: DeviceHandle, name: str) -> None:
        """Two disks reported at once with the same serial (cheap clones do that) each get
        a key of their own: the second is known by its kernel name too."""
        in_use = {
            k.handle.key
            for n, k in self._known.items()
            if k.handle is not None and n != name and k.handle is not handle
        }
        if handle.key in in_use:
            handle.key = f"{handle.key}@{name}"


def _merge(
    events: list[tuple[SourceAction, DeviceHandle]],
) -> list[tuple[SourceAction, DeviceHandle]]:
    """A disk REMOVED then ADDED again in one pass under the same key is CHANGED."""
    added = {h.key for a, h in events if a is SourceAction.ADDED}
    removed = {h.key for a, h in events if a is SourceAction.REMOVED}
    both = added & removed
    merged: list[tuple[SourceAction, DeviceHandle]] = []
    for action, handle in events:
        if handle.key in both:
            if action is SourceAction.ADDED:
                merged.append((SourceAction.CHANGED, handle))
            continue
        merged.append((action, handle))
    return merged
