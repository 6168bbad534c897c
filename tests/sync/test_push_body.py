"""The push body written from the stored rows is, once parsed, exactly the body written from
the events parsed back (what the hub receives does not change), and stops at a training fact
as `bundle.shareable` does."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

from bench_app.station import Station
from bench_app.store.database import NewEvent
from bench_app.sync import client
from bench_app.sync.bundle import shareable

PAYLOADS: list[dict[str, Any]] = [
    {"job_id": "j-1"},
    {"job_id": 'ü€😀 "quoted" back\\slash', "note": "ligne\nsuivante\ttab\u2028"},
    {"job_id": "j-2", "big": 2**53 + 1, "neg": -12},
    {"job_id": "j-3", "nested": {"a": [1, [2, [3, {"b": None}]]], "t": True, "f": False}},
    {"job_id": "j-4", "empty": {}, "list": []},
]
# What an older version stored (floats were recorded then), written in place.
OLDER = '{"job_id":"j-5","ratio":0.1,"small":-1e-07,"exp":1e+300,"zero":-0.0}'


def _record(station: Station, training: bool = False) -> None:
    station.store.record(
        [NewEvent("job.started", {**p}, None) for p in PAYLOADS],
        operator="opératrice « Zoé »",
        training=training,
    )


def _rewrite(station: Station, change: str, seq: int, values: tuple[str, ...] = ()) -> None:
    """One stored event changed in place, as an older version left it (the log's guard
    against changes lifted for that one statement)."""
    with station.store.transaction() as conn:
        (guard,) = conn.execute(
            "SELECT sql FROM sqlite_master WHERE name = 'events_no_update'"
        ).fetchone()
        conn.execute("DROP TRIGGER events_no_update")
        conn.execute(f"UPDATE events SET {change} WHERE seq = ?", (*values, seq))
        conn.execute(guard)


def test_the_body_from_rows_parses_to_the_body_from_events(tmp_path: Path) -> None:
    station = Station(tmp_path / "s", training=False, operator="op")
    try:
        _record(station)
        _rewrite(station, "payload = ?", 5, (OLDER,))
        unsent, batch, _ = read = client._next_batch(station.store, 0)
        body = read.body()
        events = station.store.events_since(limit=client.PUSH_BATCH)
        assert events[4].payload["ratio"] == 0.1
        expected = {"events": [e.to_json() for e in shareable(events)]}
        assert json.loads(gzip.decompress(body)) == expected
        assert json.loads(gzip.decompress(client._encoded(expected))) == expected
        assert [(u.id, u.seq) for u in unsent] == [(e.id, e.seq) for e in events]
        assert batch == unsent and len(batch) == len(PAYLOADS)
        # from a later seq on, only what follows
        _, later, _ = read = client._next_batch(station.store, 3)
        assert [u.seq for u in later] == [4, 5]
        assert json.loads(gzip.decompress(read.body()))["events"] == expected["events"][3:]
        # sent while the batch before it is in flight: the same events, and what it follows
        assert json.loads(gzip.decompress(read.body(follows=3))) == {
            "events": expected["events"][3:],
            "follows": 3,
        }
    finally:
        station.close()


def test_the_body_stops_before_a_training_fact_in_the_chain(tmp_path: Path) -> None:
    station = Station(tmp_path / "s", training=False, operator="op")
    try:
        _record(station)
        # An older version wrote training facts into the station's own chain: reproduced.
        _rewrite(station, "training = 1", 3)
        unsent, batch, _ = read = client._next_batch(station.store, 0)
        body = read.body()
        events = station.store.events_since()
        assert len(unsent) == len(PAYLOADS)
        assert [u.seq for u in batch] == [e.seq for e in shareable(events)] == [1, 2]
        sent = json.loads(gzip.decompress(body))["events"]
        assert sent == [e.to_json() for e in events[:2]]
    finally:
        station.close()
