"""What the simulator commands share: serving until Ctrl+C or SIGTERM, and an address that
cannot be had said plainly."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

from bench_app.errors import BenchError


@contextmanager
def until_stopped() -> Iterator[threading.Event]:
    """An event that SIGTERM or Ctrl+C sets while the block runs (the command serves until
    then); the handlers from before come back after it."""
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield stop
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def start_listening(start: Callable[[], object], listen: str) -> None:
    """Runs `start`; SIMULATOR_LISTEN_FAILED naming `listen` when this machine has no such
    address or the port is in use."""
    try:
        start()
    except OSError as exc:
        raise BenchError(
            "SIMULATOR_LISTEN_FAILED", listen=listen, detail=exc.strerror or str(exc)
        ) from exc
