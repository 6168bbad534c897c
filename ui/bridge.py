"""The one adapter between the Qt-free core and the GUI: core callbacks (from any thread)
become Qt signals, delivered on the main thread by queued connections.

Signals carry only ids, states and numbers; the window reads the rest (step titles, messages,
prompts) from the running job or the store. Queued Python objects would outlive a closing
application and are not needed.

Progress and "records changed" come in bursts (every block sent, every fact recorded, from many
workers at once): each is coalesced, at most one delivery waiting per job or device, so a burst
costs the window's thread one wake-up, not one per callback. The window reads the latest
fraction and records when the delivery comes, so nothing is lost."""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject, Qt, Signal

from bench_app.domain.model import JobState
from bench_app.jobs.engine import NullListener
from bench_app.jobs.prompt import Prompt
from bench_app.station import Station
from bench_app.text import Text


class StationBridge(QObject):
    """Lives on the main thread; emitting from a worker thread queues the call there."""

    device_changed = Signal(str)  # device_id: its records changed
    presence_changed = Signal(str, int)  # device_id, plugged in
    job_state = Signal(str, str, str)  # job_id, device_id, JobState value
    job_progress = Signal(str, str, float)  # job_id, device_id, overall fraction
    job_prompt = Signal(str, str, int)  # job_id, device_id, a question is waiting
    pending_changed = Signal(str, str)  # handle key, PhoneState value ("" once usable or gone)
    # Internal, always queued: a coalesced burst reaches the main thread here.
    _changed_queued = Signal()
    _progress_queued = Signal()

    def __init__(self, station: Station, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.station = station
        self._lock = threading.Lock()
        self._changed: set[str] = set()  # devices whose change is not delivered yet
        self._progress: dict[str, tuple[str, float]] = {}  # job -> (device, latest fraction)
        queued = Qt.ConnectionType.QueuedConnection
        self._changed_queued.connect(self._deliver_changed, queued)
        self._progress_queued.connect(self._deliver_progress, queued)
        station.on_device_changed.append(self._device_changed)
        station.on_presence.append(self.presence_changed.emit)
        station.on_pending.append(self._pending)
        station.set_job_listener(_JobSignals(self))

    def _pending(self, key: str, state: str | None) -> None:
        self.pending_changed.emit(key, state or "")

    def _device_changed(self, device_id: str) -> None:
        """Any thread: queues one delivery for all changes until the window takes them."""
        with self._lock:
            post = not self._changed
            self._changed.add(device_id)
        if post:
            self._changed_queued.emit()

    def _deliver_changed(self) -> None:
        with self._lock:
            changed, self._changed = self._changed, set()
        for device_id in sorted(changed):
            self.device_changed.emit(device_id)

    def progress(self, job_id: str, device_id: str, fraction: float) -> None:
        """Any thread: keeps the latest fraction; one delivery waits for all jobs at most."""
        with self._lock:
            post = not self._progress
            self._progress[job_id] = (device_id, fraction)
        if post:
            self._progress_queued.emit()

    def _deliver_progress(self) -> None:
        with self._lock:
            latest, self._progress = self._progress, {}
        for job_id, (device_id, fraction) in latest.items():
            self.job_progress.emit(job_id, device_id, fraction)

    def detach(self) -> None:
        """Stops forwarding: called before the window goes away."""
        station = self.station
        if self._device_changed in station.on_device_changed:
            station.on_device_changed.remove(self._device_changed)
        if self.presence_changed.emit in station.on_presence:
            station.on_presence.remove(self.presence_changed.emit)
        if self._pending in station.on_pending:
            station.on_pending.remove(self._pending)
        station.set_job_listener(NullListener())


class _JobSignals:
    """The core's JobListener, forwarding each callback to the bridge's signals."""

    def __init__(self, bridge: StationBridge) -> None:
        self._bridge = bridge

    def job_state(self, job_id: str, device_id: str, state: JobState, message: Text | None) -> None:
        self._bridge.job_state.emit(job_id, device_id, state.value)

    def job_progress(
        self, job_id: str, device_id: str, fraction: float, step: Text, message: Text | None
    ) -> None:
        self._bridge.progress(job_id, device_id, fraction)

    def job_prompt(self, job_id: str, device_id: str, prompt: Prompt | None) -> None:
        self._bridge.job_prompt.emit(job_id, device_id, int(prompt is not None))
