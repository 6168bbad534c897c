"""Drives docked at the station, found through udev: whole disks coming and going.

`BlockDeviceSource` works like `UsbPhoneSource`: one worker thread does every reading and
reporting, in one step whatever asked for it (the first enumeration, a uevent, the periodic
re-scan, `scan_now`): list the whole disks in sysfs, keep the ones a workshop erases, compare
with the disks already reported. uevents only say *when* to look (after `settle` seconds of
quiet), so a burst (a disk and its partitions, a partition table re-read after an erase)
makes one pass, and a "change" uevent counts through what it changed: a card reader whose
size goes from 0 to something has had media inserted (ADDED), and back to 0, removed
(REMOVED); a loop device is attached and detached the same way.

uevents come from a `pyudev.MonitorObserver` thread the source runs itself: udev's netlink
group where a udev daemon runs (the events come once udev has named the disk and read its
serial), the kernel's where none does (containers, minimal live systems); where netlink
cannot be had at all, the periodic re-scan alone finds the disks, only later.

Never reported, so never shown as a card: partitions; RAM, zram, optical, device-mapper and
RAID devices (`blockdev.list_drives` leaves them out); loop devices unless `include_loop`
(tests and training); disks of size 0 (an empty card reader slot, a loop device with nothing
attached); and the disks `safety.refusals` says are the system disk, the live medium the
station booted from, or the disk holding the station's data folder. The other refusals
(mounted, in use, read-only) are normal sights on a bench and are given at erase time.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol, runtime_checkable

import pyudev

from bench_app.devices.source import DeviceHandle, DeviceSource, SourceAction
from bench_app.drives.blockdev import DriveInfo, list_drives
from bench_app.drives.handle import DriveHandle
from bench_app.drives.safety import EraseTarget, SystemView, refusals

log = logging.getLogger(__name__)

HandleFactory = Callable[[str], DeviceHandle]
Netlink = Literal["auto", "udev", "kernel"]

DEFAULT_SCAN_INTERVAL_S = 5.0
DEFAULT_SETTLE_S = 0.3
WORKER_THREAD = "block-drives"
MONITOR_THREAD = "block-uevents"
UDEV_CONTROL = Path("/run/udev/control")  # the running udev daemon's socket

# The refusals that mean "this disk is the station itself": never shown, whatever happens.
HIDDEN_REFUSALS = frozenset({"ERASE_SYSTEM_DISK", "ERASE_LIVE_MEDIUM", "ERASE_DATA_DISK"})

_NEVER = float("inf")
_RETRY_S = 1.0  # after a pass that failed (a disk vanished while being read)


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


class BlockDeviceSource(DeviceSource):
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
        super().__init__()
        self.data_dir = Path(data_dir)
        self.include_loop = include_loop
        # libudev objects are not thread-safe: this context is used by the worker thread only.
        self._context = context if context is not None else pyudev.Context()
        self._handle_factory = handle_factory
        self._system_view = system_view
        self._netlink = netlink
        self._scan_interval = scan_interval
        self._settle = settle
        self._known: dict[str, _Known] = {}  # by kernel name; changed on the worker only
        self._cond = threading.Condition(threading.Lock())
        self._thread: threading.Thread | None = None
        self._observer: pyudev.MonitorObserver | None = None
        self._watching: str | None = None
        self._stopping = False
        self._events_pending = False
        self._first_event_at = 0.0
        self._last_event_at = 0.0
        # Disks a "remove" uevent named: not present, whatever sysfs still shows, until sysfs
        # agrees or an add/change uevent brings them back.
        self._gone_names: set[str] = set()
        self._scan_requested = False
        self._requested_scans = 0
        self._finished_scans = 0

    # -- DeviceSource ---------------------------------------------------------------------

    def start(self) -> None:
        """Starts following uevents, then the worker; the disks already there are reported
        from the worker, soon after."""
        with self._cond:
            if self._thread is not None and self._thread.is_alive():
                return
            self._stopping = False
            # The monitor first: a disk plugged during the enumeration is caught either way.
            self._observer, self._watching = self._start_monitor()
            self._thread = threading.Thread(target=self._run, name=WORKER_THREAD, daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Stops following uevents and the worker; returns once it has (or after 5 s if a
        listener is stuck)."""
        with self._cond:
            self._stopping = True
            thread, observer = self._thread, self._observer
            self._observer, self._watching = None, None
            self._cond.notify_all()
        if observer is not None:
            observer.stop()
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=5)
            if thread.is_alive():
                log.warning("drive source: worker still busy in a listener after stop()")

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
        name = device.sys_name
        with self._cond:
            if action == "remove":
                self._gone_names.add(name)
            elif action in ("add", "change", "online", "bind"):
                self._gone_names.discard(name)
            now = time.monotonic()
            if not self._events_pending:
                self._first_event_at = now
            self._events_pending = True
            self._last_event_at = now
            self._cond.notify_all()

    def scan_now(self, timeout: float | None = None) -> bool:
        """Asks the worker for a pass at once. With a timeout, waits for it to be done (and
        its events emitted) and returns whether it was; without, returns True at once.
        From a listener (the worker itself) it cannot wait, and returns False at once."""
        with self._cond:
            self._requested_scans += 1
            ticket = self._requested_scans
            self._scan_requested = True
            self._cond.notify_all()
            if timeout is None:
                return True
            if threading.current_thread() is self._thread:
                return False
            return self._cond.wait_for(lambda: self._finished_scans >= ticket, timeout)

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

    def _run(self) -> None:
        next_scan = 0.0  # the first pass is the enumeration of what is already there
        while True:
            with self._cond:
                while True:
                    if self._stopping:
                        return
                    now = time.monotonic()
                    if self._scan_requested or now >= next_scan:
                        break
                    deadlines = [] if next_scan == _NEVER else [next_scan]
                    if self._events_pending:
                        # Quiet for `settle`, or a burst that never ends has gone on long enough.
                        settled_at = min(
                            self._last_event_at + self._settle,
                            self._first_event_at + 5 * self._settle,
                        )
                        if now >= settled_at:
                            break
                        deadlines.append(settled_at)
                    self._cond.wait(min(deadlines) - now if deadlines else None)
                ticket = self._requested_scans
                self._scan_requested = False
                self._events_pending = False
                gone = set(self._gone_names)
            retry = False
            try:
                retry = self._reconcile(gone)
            except Exception:
                log.exception("drive source: pass failed")
                retry = True
            with self._cond:
                self._finished_scans = max(self._finished_scans, ticket)
                self._cond.notify_all()
            interval = self._scan_interval
            next_scan = _NEVER if interval is None else time.monotonic() + interval
            if retry:
                next_scan = min(next_scan, time.monotonic() + _RETRY_S)

    def _read_present(self, gone: set[str]) -> dict[str, DriveInfo]:
        listed = list_drives(self._context, include_loop=self.include_loop)
        with self._cond:
            # sysfs agrees that these are gone: nothing more to remember.
            self._gone_names -= gone - {d.name for d in listed}
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
            found = refusals(handle.target(), data_dir=self.data_dir, view=view)
        except Exception as exc:  # the disk went, or changed, while being looked at
            log.warning("drive source: cannot check %s (%s)", info.path, exc)
            return None
        hiding = [e.code for e in found if e.code in HIDDEN_REFUSALS]
        if hiding:
            log.info("drive %s is the station's own (%s): not shown", info.path, hiding[0])
            return _Known(info, None, hiding[0])
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
