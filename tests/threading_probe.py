"""A stand-in for the `threading` module inside a simulator, so that a test can force an
interleaving instead of hoping for it: hold a thread at the moment it is started, see who is
kept waiting on one of the simulator's locks, and list every thread the simulator started.

    probe = ThreadingProbe()
    monkeypatch.setattr(some_simulator_module, "threading", probe)  # before building it
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from types import TracebackType
from typing import Any

WAIT = 60.0  # seconds; only ever reached when something is broken


class _WatchedLock:
    """A lock that records which threads are kept waiting for it."""

    def __init__(self, inner: Any, probe: ThreadingProbe) -> None:
        self._inner = inner
        self._probe = probe

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        if self._inner.acquire(False):
            return True
        if not blocking:
            return False
        self._probe.waiting(True)
        try:
            return bool(self._inner.acquire(True, timeout))
        finally:
            self._probe.waiting(False)

    def release(self) -> None:
        self._inner.release()

    def locked(self) -> bool:
        return bool(self._inner.locked())

    def __enter__(self) -> bool:
        return self.acquire()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()


class ThreadingProbe:
    """Stands in for the `threading` module inside the simulator. `hold(predicate)` makes
    the next thread start that matches wait at `start()` until `let_go()`; every thread
    the simulator starts is kept in `started`; `blocked` names the threads waiting for one
    of its locks."""

    def __init__(self) -> None:
        self.started: list[threading.Thread] = []
        self.blocked: set[threading.Thread] = set()
        self.changed = threading.Condition()
        self.reached = threading.Event()
        self._release = threading.Event()
        self._hold: Callable[[threading.Thread], bool] | None = None
        probe = self

        class Thread(threading.Thread):
            def start(self) -> None:
                with probe.changed:
                    probe.started.append(self)
                    held = probe._hold is not None and probe._hold(self)
                    if held:
                        probe._hold = None
                if held:
                    probe.reached.set()
                    assert probe._release.wait(WAIT), "the held thread start was never let go"
                super().start()

        self.Thread = Thread

    def __getattr__(self, name: str) -> Any:
        return getattr(threading, name)

    def Lock(self) -> _WatchedLock:
        return _WatchedLock(threading.Lock(), self)

    def RLock(self) -> _WatchedLock:
        return _WatchedLock(threading.RLock(), self)

    def hold(self, predicate: Callable[[threading.Thread], bool]) -> None:
        self._hold = predicate

    def let_go(self) -> None:
        self._release.set()

    def waiting(self, now: bool) -> None:
        with self.changed:
            if now:
                self.blocked.add(threading.current_thread())
            else:
                self.blocked.discard(threading.current_thread())
            self.changed.notify_all()

    def wait_for(self, predicate: Callable[[], bool], what: str) -> None:
        with self.changed:
            assert self.changed.wait_for(predicate, WAIT), f"timed out waiting for {what}"

    def alive(self) -> list[str]:
        """The threads the simulator started that still run."""
        return [t.name for t in self.started if t.is_alive()]

    def hand(self, action: Callable[[], object]) -> Hand:
        """Does `action` in a thread of its own, and returns once it has finished or is
        kept waiting on one of the simulator's locks."""
        hand = Hand(self, action)
        hand.start()
        self.wait_for(lambda: hand.done or hand in self.blocked, "the hand to finish or wait")
        return hand


class Hand(threading.Thread):
    """Someone doing one thing to a simulated device from their own thread; keeps what it
    raised."""

    def __init__(self, probe: ThreadingProbe, action: Callable[[], object]) -> None:
        super().__init__(name="hand", daemon=True)
        self.probe = probe
        self.action = action
        self.error: BaseException | None = None
        self.result: object = None
        self.done = False

    def run(self) -> None:
        try:
            self.result = self.action()
        except BaseException as exc:  # the test reports it
            self.error = exc
        finally:
            with self.probe.changed:
                self.done = True
                self.probe.changed.notify_all()
