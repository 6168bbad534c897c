"""A background thread that keeps the station in sync with its hub: a round (push, then pull)
at start, then every `interval` seconds, at once on `poke()`, and with an exponential,
capped back-off after a failure. Callers never wait on the network: `poke()` only sets a
flag and `status()` only copies what the last round left."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bench_app.errors import BenchError
from bench_app.store.database import Store
from bench_app.sync.client import (
    HubClient,
    RoundResult,
    SyncConfig,
    client_for,
    sync_round,
    unacknowledged_count,
)
from bench_app.text import Text

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SyncStatus:
    """What the window and `etabli sync status` show."""

    last_success: float | None  # time.time() of the last complete round
    waiting: int  # this station's events the hub has not acknowledged
    error_code: str | None
    error: Text | None  # the last failure in plain words, None after a success
    rejected: list[dict[str, str]] = field(default_factory=list)
    rounds: int = 0
    short: Text | None = None  # the failure in at most 12 words, for the status bar
    retry_in: float = 0.0  # seconds before the next round


class SyncWorker:
    """Runs sync rounds on its own thread until `stop()`."""

    def __init__(
        self,
        folder: Path,
        store: Store,
        *,
        interval: float = 60.0,
        max_backoff: float = 600.0,
        client: HubClient | None = None,
        on_round: Callable[[SyncStatus], None] | None = None,
    ) -> None:
        self.folder = Path(folder)
        self.store = store
        self.interval = interval
        self.max_backoff = max_backoff
        self._client = client
        self._on_round = on_round
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._last_success: float | None = None
        self._error: BenchError | None = None
        self._rejected: list[dict[str, str]] = SyncConfig.load(self.folder).rejected
        self._rounds = 0
        self._failures = 0
        self._thread = threading.Thread(target=self._run, name="etabli-sync", daemon=True)

    # -- for callers (any thread; none of these touch the network) ---------------------------

    def start(self) -> None:
        self._thread.start()

    def poke(self) -> None:
        """Asks for a round as soon as possible (new events to send)."""
        self._wake.set()

    def stop(self, timeout: float | None = 30.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def status(self) -> SyncStatus:
        try:
            waiting = unacknowledged_count(self.store)
        except Exception:  # the store closing under us: show the rest
            waiting = -1
        with self._lock:
            error = self._error
            return SyncStatus(
                self._last_success,
                waiting,
                error.code if error else None,
                Text(error.text("fr"), error.text("en")) if error else None,
                list(self._rejected),
                self._rounds,
                error.short if error else None,
                self._delay_locked(),
            )

    # -- the thread -------------------------------------------------------------------------

    def run_round(self) -> RoundResult | None:
        """One round now, on the calling thread; the outcome goes into `status()`."""
        try:
            client = self._client or client_for(self.folder, self.store)
            result = sync_round(self.folder, self.store, client)
        except BenchError as exc:
            self._failed(exc)
            return None
        except Exception as exc:  # a bug must not kill the thread; it is shown and logged
            log.exception("sync round failed")
            self._failed(BenchError("SYNC_HUB_ERROR", status="-", reason=repr(exc)))
            return None
        with self._lock:
            self._last_success = time.time()
            self._error = None
            self._rejected = []
            self._rounds += 1
            self._failures = 0
        self._notify()
        return result

    def _failed(self, exc: BenchError) -> None:
        log.warning("sync round failed: %s", exc)  # the raw detail goes to the log
        with self._lock:
            self._error = exc
            self._rounds += 1
            # Facts waiting for their device's registration are not a failure: no back-off.
            if exc.code != "SYNC_WAITING":
                self._failures += 1
            if exc.code == "SYNC_REJECTED":
                self._rejected = SyncConfig.load(self.folder).rejected
        self._notify()

    def _notify(self) -> None:
        if self._on_round is not None:
            try:
                self._on_round(self.status())
            except Exception:
                log.exception("sync status listener failed")

    def delay(self) -> float:
        """Seconds before the next round: the interval, or the back-off after failures."""
        with self._lock:
            return self._delay_locked()

    def _delay_locked(self) -> float:
        if self._failures == 0:
            return self.interval
        return float(min(self.max_backoff, 2.0 ** min(self._failures, 30)))

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            self.run_round()
            self._wake.wait(self.delay())
