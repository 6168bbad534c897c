"""The laptop agent's desk for guided tests: the one test running now, answered by whoever
answers first, the person at the laptop (its screen calls `answer`) or the station (op
"answer"). Qt-free: the laptop's screen reads `current` and is told of changes through
the agent's `on_event` ("test", "test-done")."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bench_app.diagnostics.laptop_guided import ANSWERS, TESTS_BY_ID, Run, automated_readings


@dataclass
class RunningTest:
    """A test on the laptop's screen now: its id, the automated readings, and once answered
    the answer, who gave it (`laptop` or `station`) and the screen's own readings."""

    id: str
    readings: dict[str, Any]
    answer: str = ""
    by: str = ""
    answered: threading.Event = field(default_factory=threading.Event)


class TestDesk:
    """One guided test at a time; the first answer closes it, later ones are ignored."""

    def __init__(self, on_event: Callable[[str], None], run: Run | None = None) -> None:
        self._lock = threading.Lock()
        self._on_event = on_event
        self._run = run
        self.current: RunningTest | None = None
        self.last: RunningTest | None = None

    def run(
        self, request: dict[str, Any], send: Callable[[dict[str, Any]], None]
    ) -> dict[str, Any]:
        """Runs the test the station names: shows it (on_event "test"), takes the automated
        readings (on_event "readings") and sends them in one frame, waits for the first answer and returns the last answer
        {"ok", "done", "test", "answer", "by", "readings"}."""
        test_id = request.get("test")
        if not isinstance(test_id, str) or test_id not in TESTS_BY_ID:
            return {"ok": False, "error": f"unknown test {str(test_id)[:40]!r}"}
        running = RunningTest(test_id, {})
        with self._lock:
            if self.current is not None:
                return {"ok": False, "error": f"test {self.current.id!r} is running"}
            self.current = running
        self._on_event("test")  # shown first: the microphone records while the person speaks
        try:
            readings = (
                automated_readings(test_id, self._run) if self._run else automated_readings(test_id)
            )
            with self._lock:
                running.readings = {**readings, **running.readings}
            self._on_event("readings")
            send({"ok": True, "test": test_id, "readings": _for_station(readings)})
            running.answered.wait()
        finally:
            with self._lock:
                self.current = None
                self.last = running
            self._on_event("test-done")
        return {
            "ok": True,
            "done": True,
            "test": test_id,
            "answer": running.answer,
            "by": running.by,
            "readings": _for_station(running.readings),
        }

    def answer(
        self, test_id: str, answer: str, by: str, readings: dict[str, Any] | None = None
    ) -> bool:
        """Closes the running test `test_id` with `answer` (ok, ko, skipped) given `by` the
        laptop or the station; False when no such test runs or it is already answered."""
        if answer not in ANSWERS:
            return False
        with self._lock:
            running = self.current
            if running is None or running.id != test_id or running.answered.is_set():
                return False
            running.answer, running.by = answer, by
            running.readings.update(readings or {})
            running.answered.set()
        return True

    def cancel(self) -> None:
        """The station went away mid-test: the test closes as skipped."""
        with self._lock:
            running = self.current
        if running is not None:
            self.answer(running.id, "skipped", "cancelled")


def _for_station(readings: dict[str, Any]) -> dict[str, Any]:
    # A local file path (the webcam's frame) means nothing at the station.
    return {k: v for k, v in readings.items() if k != "frame"}
