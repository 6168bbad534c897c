"""The device-source interface: anything that reports devices being plugged in and out."""

from __future__ import annotations

import logging
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from bench_app.domain.model import DeviceKind

log = logging.getLogger(__name__)


class DeviceGone(Exception):
    """The device went away (unplugged, rebooted) while the bench was talking to it."""


class DeviceNoAnswer(Exception):
    """The device is there but does not answer, or answers nonsense."""


class DeviceHandle(ABC):
    """A connected device as a source sees it. Drivers for each kind extend this."""

    key: str
    kind: DeviceKind
    simulated: bool = False

    @abstractmethod
    def identity(self) -> dict[str, Any]:
        """brand, model, serial, imei (when known) and other identity fields."""

    @property
    @abstractmethod
    def connected(self) -> bool: ...


class SourceAction(StrEnum):
    ADDED = "added"
    REMOVED = "removed"
    CHANGED = "changed"


@dataclass(frozen=True, slots=True)
class DeviceEvent:
    action: SourceAction
    handle: DeviceHandle


SourceListener = Callable[[DeviceEvent], None]


class DeviceSource(ABC):
    """Reports devices as they come and go. `start` replays the devices already present."""

    def __init__(self) -> None:
        self._listeners: list[SourceListener] = []
        self._present: dict[str, DeviceHandle] = {}
        self._lock = threading.RLock()

    def subscribe(self, listener: SourceListener) -> None:
        with self._lock:
            self._listeners.append(listener)
            present = list(self._present.values())
        for handle in present:
            listener(DeviceEvent(SourceAction.ADDED, handle))

    def unsubscribe(self, listener: SourceListener) -> None:
        with self._lock:
            if listener in self._listeners:
                self._listeners.remove(listener)

    def devices(self) -> list[DeviceHandle]:
        with self._lock:
            return list(self._present.values())

    def _emit(self, action: SourceAction, handle: DeviceHandle) -> None:
        with self._lock:
            if action is SourceAction.REMOVED:
                self._present.pop(handle.key, None)
            else:
                self._present[handle.key] = handle
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener(DeviceEvent(action, handle))
            except Exception:  # one failing listener must not hide the event from the others
                log.exception("device listener failed on %s %s", action, handle.key)

    @abstractmethod
    def start(self) -> None: ...

    @abstractmethod
    def stop(self) -> None: ...
