"""A device source that finds its devices by reading everything present, on a worker thread.

Everything that can change the set of devices (the first enumeration, a uevent, the periodic
re-scan, `scan_now`) ends in the same step on that one thread: a pass that reads what is
present and reports the differences with what was reported before. Uevents only say *when*
to look — after `settle` seconds of quiet, or once a burst that never ends has gone on for
five times that — so a burst (a phone re-enumerating, a disk and its partitions) makes one
pass. A "remove" uevent counts at once, even while sysfs still lists the device.
"""

from __future__ import annotations

import logging
import threading
import time
from abc import abstractmethod

from bench_app.devices.source import DeviceSource

log = logging.getLogger(__name__)

_NEVER = float("inf")


class ScanningSource(DeviceSource):
    """Subclasses give `_pass` (read what is present, emit the differences) and feed uevents
    through `_note_uevent`. `scan_interval` is the period of the re-scan that stands in for
    uevents where they cannot be had (None turns it off); `retry_after_failure` is how soon a
    pass that raised is tried again (None: at the next re-scan)."""

    retry_after_failure: float | None = None

    def __init__(self, *, thread_name: str, scan_interval: float | None, settle: float) -> None:
        super().__init__()
        self._thread_name = thread_name
        self._scan_interval = scan_interval
        self._settle = settle
        self._cond = threading.Condition(threading.Lock())
        self._thread: threading.Thread | None = None
        self._stopping = False
        self._events_pending = False
        self._first_event_at = 0.0
        self._last_event_at = 0.0
        # Devices a "remove" uevent named: not present, whatever sysfs still shows, until
        # sysfs agrees (`_forget_gone`) or another uevent brings them back.
        self._gone: set[str] = set()
        self._scan_requested = False
        self._requested_scans = 0
        self._finished_scans = 0

    # -- DeviceSource ---------------------------------------------------------------------

    def start(self) -> None:
        """Starts the worker; the devices already present are reported from it, soon after."""
        with self._cond:
            if self._thread is not None and self._thread.is_alive():
                return
            self._stopping = False
            self._starting()
            self._thread = threading.Thread(target=self._run, name=self._thread_name, daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Stops the worker; returns once it has (or after 5 s if a listener is stuck)."""
        with self._cond:
            self._stopping = True
            thread = self._thread
            self._cond.notify_all()
        self._stopped()
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=5)
            if thread.is_alive():
                log.warning("%s: worker still busy in a listener after stop()", self._thread_name)

    def _starting(self) -> None:
        """Called under the lock right before the worker starts (e.g. to follow uevents)."""

    def _stopped(self) -> None:
        """Called outside the lock once the worker is told to stop."""

    # -- feeding it -----------------------------------------------------------------------

    def _note_uevent(self, name: str, *, removed: bool, back: bool) -> None:
        """Records one uevent (any thread; never blocks, never emits): `name` was removed,
        or is back, or neither (an event that only says "look again")."""
        with self._cond:
            if removed:
                self._gone.add(name)
            elif back:
                self._gone.discard(name)
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
                return False  # the worker cannot wait for itself
            return self._cond.wait_for(lambda: self._finished_scans >= ticket, timeout)

    def _forget_gone(self, gone: set[str], seen: set[str]) -> None:
        """Called by a pass: the names sysfs no longer lists need no remembering."""
        with self._cond:
            self._gone -= gone - seen

    # -- the worker -----------------------------------------------------------------------

    @abstractmethod
    def _pass(self, gone: set[str]) -> float | None:
        """Reads what is present (leaving out `gone`), emits the differences; returns when
        another pass is due (a monotonic time), if sooner than the re-scan."""

    def _run(self) -> None:
        next_scan = 0.0  # the first pass is the enumeration of what is already there
        due: float | None = None
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
                        settled_at = min(
                            self._last_event_at + self._settle,
                            self._first_event_at + 5 * self._settle,
                        )
                        if now >= settled_at:
                            break
                        deadlines.append(settled_at)
                    if due is not None:
                        if now >= due:
                            break
                        deadlines.append(due)
                    self._cond.wait(min(deadlines) - now if deadlines else None)
                ticket = self._requested_scans
                self._scan_requested = False
                self._events_pending = False
                gone = set(self._gone)
            try:
                due = self._pass(gone)
            except Exception:
                log.exception("%s: pass failed", self._thread_name)
                retry = self.retry_after_failure
                due = None if retry is None else time.monotonic() + retry
            with self._cond:
                self._finished_scans = max(self._finished_scans, ticket)
                self._cond.notify_all()
            interval = self._scan_interval
            next_scan = _NEVER if interval is None else time.monotonic() + interval
