"""Hybrid logical clock: the order in which stations' changes to one mutable field win.

A stamp is "<ms since 1970, 13 digits>-<counter, 4 digits>-<station id>", so comparing two
stamps as strings compares them as (ms, counter, station). A station stamps every grade and
outcome it records with a stamp greater than any it has seen, its own or imported, so a
change made after seeing another station's change always wins over it, whatever the two
wall clocks say; concurrent changes are ordered by time, then by station id (last writer
wins, the same answer on every station).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

# The event types whose current value is decided by the clock (the last writer wins).
STAMPED_TYPES = frozenset({"grade.assigned", "outcome.recorded", "disk.linked"})
PAYLOAD_KEY = "hlc"
_COUNTER_MAX = 9999
_STAMP = re.compile(r"^(\d{13})-(\d{4})-(\S+)$")


@dataclass(frozen=True, order=True, slots=True)
class Hlc:
    ms: int
    counter: int
    station_id: str

    def __str__(self) -> str:
        return f"{self.ms:013d}-{self.counter:04d}-{self.station_id}"

    @classmethod
    def parse(cls, text: object) -> Hlc | None:
        """The stamp in `text`, or None when it is not one."""
        if not isinstance(text, str):
            return None
        match = _STAMP.match(text)
        if match is None:
            return None
        return cls(int(match[1]), int(match[2]), match[3])


def ts_ms(ts: str) -> int:
    """Milliseconds since 1970 of an event timestamp (ISO 8601 UTC, as events carry)."""
    moment = datetime.fromisoformat(ts.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return round(moment.timestamp() * 1000)


def ms_to_ts(ms: int) -> str:
    """The event timestamp format (2026-11-23T15:39:03.123Z) of a millisecond count."""
    moment = datetime.fromtimestamp(ms / 1000, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def order_key(payload: dict[str, Any], ts: str, station_id: str, seq: int) -> tuple[Any, ...]:
    """Where a stamped change ranks among the changes to the same field: by its stamp, or,
    for an event written before stamps existed, by its time and station (counter 0). The
    seq makes the order total even for two unstamped events of one millisecond."""
    stamp = Hlc.parse(payload.get(PAYLOAD_KEY))
    if stamp is not None:
        return (stamp.ms, stamp.counter, stamp.station_id, seq)
    return (ts_ms(ts), 0, station_id, seq)


def _wall_ms() -> int:
    return time.time_ns() // 1_000_000


class HybridClock:
    """One station's clock. `tick` gives a new stamp; `observe` takes in a stamp seen in an
    imported event so that the next tick is greater than it."""

    def __init__(
        self, station_id: str, last: Hlc | None = None, now_ms: Callable[[], int] = _wall_ms
    ) -> None:
        self.station_id = station_id
        self.last = last
        self._now_ms = now_ms

    def tick(self, wall_ms: int | None = None) -> Hlc:
        """A stamp greater than every stamp this clock has given or observed."""
        now = self._now_ms() if wall_ms is None else wall_ms
        last = self.last
        if last is None or now > last.ms:
            stamp = Hlc(now, 0, self.station_id)
        elif last.counter < _COUNTER_MAX:
            stamp = Hlc(last.ms, last.counter + 1, self.station_id)
        else:  # 10,000 stamps in one millisecond: borrow the next millisecond
            stamp = Hlc(last.ms + 1, 0, self.station_id)
        self.last = stamp
        return stamp

    def observe(self, stamp: Hlc | None) -> None:
        if stamp is not None and (self.last is None or stamp > self.last):
            self.last = stamp
