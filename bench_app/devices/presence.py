"""Device presence: which devices are plugged in now, by handle, and those plugged in but not
usable yet (USB debugging off, the station's key not accepted), with their bring-up."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from bench_app.devices.source import (
    DeviceEvent,
    DeviceGone,
    DeviceHandle,
    DeviceNoAnswer,
    DeviceSource,
    SourceAction,
)

log = logging.getLogger(__name__)

PresenceChanged = Callable[[str, bool], None]
PendingChanged = Callable[[str, str | None], None]


@dataclass(frozen=True)
class PendingDevice:
    key: str
    state: str  # a PhoneState value: no_debugging, unauthorized, offline...
    handle: DeviceHandle


class Presence:
    """Follows device sources: a usable device is handed to `identify` (which finds or
    registers its record, then calls `connected`); a removed one is forgotten."""

    def __init__(self, identify: Callable[[DeviceHandle], object]) -> None:
        self._identify_device = identify
        self.on_presence: list[PresenceChanged] = []
        # Plugged-in devices not usable yet (USB debugging off, key not accepted): by key.
        self.pending: dict[str, PendingDevice] = {}
        self.on_pending: list[PendingChanged] = []
        self._bringing_up: dict[str, threading.Event] = {}
        self._handles: dict[str, DeviceHandle] = {}
        # The last handle of each device, kept after it goes (see Pipeline.finds_device).
        self._last_handles: dict[str, DeviceHandle] = {}
        self._by_key: dict[str, str] = {}
        self._seen_keys: dict[str, str] = {}
        # Handles their source said are unplugged, by key, until plugged in again: one still
        # being identified on its bring-up thread must not be remembered as plugged in.
        self._unplugged: dict[str, DeviceHandle] = {}
        self._sources: list[DeviceSource] = []
        self._lock = threading.RLock()
        # Identifications under way, and whether the station is closing: once closed, none
        # starts, and `close` waits for those under way (they write to the store).
        self._idle = threading.Condition(self._lock)
        self._identifying = 0
        self._closed = False

    def close(self, wait: float = 10.0) -> None:
        """Stops every bring-up under way; no identification starts after it, and those
        under way are waited for (up to `wait` seconds), so none writes to a closed store."""
        with self._lock:
            self._closed = True
        for key in list(self._bringing_up):
            self._stop_bring_up(key)
        with self._idle:
            self._idle.wait_for(lambda: self._identifying == 0, timeout=wait)

    def stop_sources(self) -> None:
        for source in self._sources:
            source.stop()

    def attach_source(self, source: DeviceSource) -> None:
        self._sources.append(source)
        source.subscribe(self._on_source_event)
        source.start()

    def detach_source(self, source: DeviceSource) -> None:
        """Stops listening to a source; its devices count as unplugged."""
        if source in self._sources:
            self._sources.remove(source)
        source.unsubscribe(self._on_source_event)
        source.stop()
        for handle in source.devices():
            self._mark_unplugged(handle)
            self.disconnected(handle)

    def _on_source_event(self, event: DeviceEvent) -> None:
        handle = event.handle
        if event.action is SourceAction.REMOVED:
            self._mark_unplugged(handle)
            self._stop_bring_up(handle.key)
            self._set_pending(handle, None)
            self.disconnected(handle)
            return
        with self._lock:
            self._unplugged.pop(handle.key, None)
        bring_up = getattr(handle, "bring_up", None)
        if bring_up is not None and not handle.connected:
            self._start_bring_up(handle)
        elif not handle.connected:
            # Plugged in but not usable yet (e.g. USB debugging off): the operator is guided.
            self._set_pending(handle, str(getattr(handle, "state", "offline")))
        else:
            self._identify(handle)

    def _identify(self, handle: DeviceHandle) -> None:
        with self._lock:
            if self._closed:
                return
            self._identifying += 1
        try:
            self._set_pending(handle, None)
            self._identify_device(handle)
        except (DeviceGone, DeviceNoAnswer) as exc:
            log.warning("device %s went away while being identified: %s", handle.key, exc)
        finally:
            with self._idle:
                self._identifying -= 1
                self._idle.notify_all()

    def _start_bring_up(self, handle: DeviceHandle) -> None:
        """Connects in the background: a phone may wait for its user to accept our key."""
        self._stop_bring_up(handle.key)
        stop = threading.Event()
        self._bringing_up[handle.key] = stop

        def work() -> None:
            def on_state(state: object) -> None:
                if not stop.is_set() and str(state) != "device":
                    self._set_pending(handle, str(state))

            if handle.bring_up(stop, on_state) and not stop.is_set():  # type: ignore[attr-defined]
                self._identify(handle)
            if self._bringing_up.get(handle.key) is stop:
                del self._bringing_up[handle.key]

        threading.Thread(target=work, name=f"bring-up-{handle.key}", daemon=True).start()

    def _stop_bring_up(self, key: str) -> None:
        stop = self._bringing_up.pop(key, None)
        if stop is not None:
            stop.set()

    def _set_pending(self, handle: DeviceHandle, state: str | None) -> None:
        """A plugged-in device that is not usable yet, and why (None: no longer pending)."""
        with self._lock:
            before = self.pending.get(handle.key)
            if state is None:
                self.pending.pop(handle.key, None)
            else:
                self.pending[handle.key] = PendingDevice(handle.key, state, handle)
        if (before.state if before else None) != state:
            for callback in list(self.on_pending):
                callback(handle.key, state)

    def _mark_unplugged(self, handle: DeviceHandle) -> None:
        with self._lock:
            self._unplugged[handle.key] = handle

    def remember(self, device_id: str, handle: DeviceHandle) -> None:
        """The handle is this device's, from now on (announce it with `plugged_in`).
        DeviceGone when its source said it was unplugged since it was plugged in (taken
        away while being identified)."""
        with self._lock:
            if self._unplugged.get(handle.key) is handle:
                raise DeviceGone(f"{handle.key} was unplugged while being identified")
            self._handles[device_id] = handle
            self._last_handles[device_id] = handle
            self._by_key[handle.key] = device_id
            self._seen_keys[handle.key] = device_id

    def announce(self, device_id: str, plugged: bool) -> None:
        for callback in list(self.on_presence):
            callback(device_id, plugged)

    def plugged_in(self, device_id: str) -> None:
        """Announces the device remembered as plugged in, unless it was unplugged meanwhile:
        an unplug on another thread between `remember` and here announced False already, and
        a late True after it would show the device as plugged in for good."""
        self.announce(device_id, True)
        with self._lock:
            gone = device_id not in self._handles
        if gone:
            self.announce(device_id, False)

    def disconnected(self, handle: DeviceHandle) -> None:
        with self._lock:
            device_id = self._by_key.pop(handle.key, None)
            if device_id is not None and self._handles.get(device_id) is handle:
                del self._handles[device_id]
        if device_id is not None:
            self.announce(device_id, False)

    def handle(self, device_id: str) -> DeviceHandle | None:
        with self._lock:
            return self._handles.get(device_id)

    def last_handle(self, device_id: str) -> DeviceHandle | None:
        """The device's last handle, even after it went."""
        with self._lock:
            return self._last_handles.get(device_id)

    def known_keys(self) -> dict[str, str]:
        """Every handle key seen on this run, with the device it identified as."""
        with self._lock:
            return dict(self._seen_keys)

    def connected_device_ids(self) -> list[str]:
        with self._lock:
            return list(self._handles)
