"""The lots' overview counters, kept as facts arrive (bench_app/lots.py reads them).

lot_counts holds, per lot, how many of its devices share the same readings: the device's
training flag, its kind, the flags of store/lot_queries.py that the facts alone decide (as
bits, in lot_queries.FLAGS' order), and what its jobs say, which only the pipelines' purposes
(a setting of the station, not a fact) turn into "tested" and "its latest check failed":
- `passed`: the pipelines with a job that succeeded or was blocked, sorted, one a line;
- `recent`: each pipeline of its jobs, its latest job's newest first, with "1" when that
  job failed ("phone.check 1" then "drive.erase 0", one a line).
The overview reads a few rows per lot instead of every device; the devices whose journey the
flags cannot say (linked disks and computers, devices back from a loan...) are taken out of
these counts and read one by one, as before.

Like the dashboard's counters (store/dashboard_counts.py), a device's event moves its row
from its key before the event to its key after; `fill` computes them all from the derived
tables at once (rebuild, migration).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from typing import Any

TABLES = ("lot_counts",)
# The facts that can move a device's row: what the flags and the jobs' states read.
COUNTED_TYPES = frozenset(
    {
        "device.registered", "device.identified", "device.attached_to_lot",
        "device.inventoried", "device.os_installed", "install.skipped", "grade.assigned",
        "label.printed", "outcome.recorded", "step.started", "step.finished",
        "erasure.verified", "erasure.finished", "image.written", "job.created", "job.started",
        "job.resumed", "job.finished", "job.failed", "job.cancelled", "job.interrupted",
        "job.abandoned",
    }
)  # fmt: skip
SCHEMA = """
CREATE TABLE lot_counts (
    lot_id TEXT NOT NULL,
    training INTEGER NOT NULL,
    kind TEXT NOT NULL,
    bits INTEGER NOT NULL,
    passed TEXT NOT NULL,
    recent TEXT NOT NULL,
    devices INTEGER NOT NULL,
    PRIMARY KEY (lot_id, training, kind, bits, passed, recent)
);
"""
FIXED_FLAGS = (
    "inventoried", "health", "failing", "verified", "erasure_failed", "installed", "skipped",
    "imaged", "graded", "labelled", "outcome", "frp", "mdm",
)  # fmt: skip
# Their bits, as lot_queries.FLAGS numbers them (bit 0 is "tested", bit 14 "hosted").
_FIRST_BIT = 1

Key = tuple[str, int, str, int, str, str]  # lot, training, kind, bits, passed, recent
Query = Callable[[str, Sequence[Any]], list[tuple[Any, ...]]]

_BITS_SQL = (
    "SELECT d.id, d.lot_id, d.training, d.kind, "
    + " | ".join(
        f"(coalesce(p.{name}, 0) << {bit + _FIRST_BIT})"
        for bit, name in enumerate(FIXED_FLAGS)
        if name != "verified"
    )
    + f" | ((EXISTS (SELECT 1 FROM erasure_checks c WHERE c.device_id = d.id"
    f" AND c.ended_erased = 1 AND c.verified_ok = 1)) << {FIXED_FLAGS.index('verified') + 1})"
    ", coalesce(l.training = 1, 0) OR d.training = 0"
    " FROM devices d LEFT JOIN device_progress p ON p.device_id = d.id"
    " LEFT JOIN lots l ON l.id = d.lot_id"
    " WHERE d.lot_id IS NOT NULL {where} ORDER BY d.id"
)
_JOBS_SQL = "SELECT device_id, pipeline, state FROM jobs {where} ORDER BY device_id, rowid"


def _jobs_key(jobs: list[tuple[str, str]]) -> tuple[str, str]:
    """(passed, recent) of a device's jobs, oldest first: (pipeline, state)."""
    passed = sorted({p for p, state in jobs if state in ("succeeded", "blocked")})
    latest: dict[str, str] = {}
    for pipeline, state in jobs:
        latest.pop(pipeline, None)  # the latest job of each pipeline, in the order they came
        latest[pipeline] = state
    recent = [f"{p} {int(s == 'failed')}" for p, s in reversed(latest.items())]
    return "\n".join(passed), "\n".join(recent)


def key_of(conn: sqlite3.Connection, device_id: str) -> Key | None:
    """The device's row key in lot_counts, None when it is in no lot."""
    row = conn.execute(_BITS_SQL.format(where="AND d.id = ?"), (device_id,)).fetchone()
    if row is None:
        return None
    jobs = conn.execute(_JOBS_SQL.format(where="WHERE device_id = ?"), (device_id,)).fetchall()
    passed, recent = _jobs_key([(str(p), str(s)) for _, p, s in jobs])
    return (str(row[1]), int(row[2]), str(row[3]), int(row[4]), passed, recent)


def update(conn: sqlite3.Connection, device_id: str, before: Key | None) -> None:
    """Moves the device from its row `before` an event to its row now."""
    after = key_of(conn, device_id)
    if after == before:
        return
    if before is not None:
        _add(conn, before, -1)
    if after is not None:
        _add(conn, after, 1)


def _add(conn: sqlite3.Connection, key: Key, delta: int) -> None:
    conn.execute(
        "INSERT INTO lot_counts (lot_id, training, kind, bits, passed, recent, devices)"
        " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (lot_id, training, kind, bits, passed,"
        " recent) DO UPDATE SET devices = devices + excluded.devices",
        (*key, delta),
    )
    conn.execute(
        "DELETE FROM lot_counts WHERE lot_id = ? AND training = ? AND kind = ? AND bits = ?"
        " AND passed = ? AND recent = ? AND devices = 0",
        key,
    )


def _jobs_by_device(conn: sqlite3.Connection) -> Iterator[tuple[str, list[tuple[str, str]]]]:
    device, jobs = "", list[tuple[str, str]]()
    for d, pipeline, state in conn.execute(_JOBS_SQL.format(where="")):
        if d != device:
            if jobs:
                yield device, jobs
            device, jobs = d, []
        jobs.append((str(pipeline), str(state)))
    if jobs:
        yield device, jobs


def fill(conn: sqlite3.Connection) -> None:
    """Computes every row from the derived tables (emptied first): devices and their jobs
    read side by side in device order."""
    conn.execute("DELETE FROM lot_counts")
    counts: dict[Key, int] = {}
    jobs = _jobs_by_device(conn)
    pending = next(jobs, None)
    for device_id, lot, training, kind, bits, _ in conn.execute(_BITS_SQL.format(where="")):
        while pending is not None and pending[0] < device_id:
            pending = next(jobs, None)
        own = pending[1] if pending is not None and pending[0] == device_id else []
        key = (str(lot), int(training), str(kind), int(bits), *_jobs_key(own))
        counts[key] = counts.get(key, 0) + 1
    conn.executemany(
        "INSERT INTO lot_counts (lot_id, training, kind, bits, passed, recent, devices)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        [(*key, n) for key, n in counts.items()],
    )


def subject_keys(query: Query, devices: list[str]) -> list[Key]:
    """The rows of those of `devices` the overview counts (see `rows`)."""
    ids = json.dumps(devices)
    where = "AND d.id IN (SELECT value FROM json_each(?))"
    found = query(_BITS_SQL.format(where=where), (ids,))
    jobs: dict[str, list[tuple[str, str]]] = {}
    for d, pipeline, state in query(
        _JOBS_SQL.format(where="WHERE device_id IN (SELECT value FROM json_each(?))"), (ids,)
    ):
        jobs.setdefault(str(d), []).append((str(pipeline), str(state)))
    return [
        (str(r[1]), int(r[2]), str(r[3]), int(r[4]), *_jobs_key(jobs.get(str(r[0]), [])))
        for r in found
        if r[5]
    ]


def rows(conn_or_store: Any, lot_id: str | None) -> list[tuple[Any, ...]]:
    """(lot, kind, bits, passed, recent, devices) of the lots' subject devices (a real lot's
    real devices, a training lot's all)."""
    return list(
        conn_or_store.query(
            "SELECT c.lot_id, c.kind, c.bits, c.passed, c.recent, sum(c.devices)"
            " FROM lot_counts c LEFT JOIN lots l ON l.id = c.lot_id"
            " WHERE (l.training = 1 OR c.training = 0) AND (? IS NULL OR c.lot_id = ?)"
            " GROUP BY c.lot_id, c.kind, c.bits, c.passed, c.recent",
            (lot_id, lot_id),
        )
    )
