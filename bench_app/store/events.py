"""The append-only event log in SQLite: rows to events, walking the log, checking its chain.

Each event is chained by hash to the station's previous one; what an event is and how its
hash is computed is the wire's (bench_app/wire/events.py)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bench_app.wire.canonical import event_json
from bench_app.wire.events import GENESIS_HASH, Event, event_hash


def utc_now() -> str:
    """ISO 8601 UTC with milliseconds, e.g. 2026-11-23T15:39:03.123Z."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


EVENT_COLUMNS = (
    "id, station_id, seq, operator, ts, type, device_id, payload, training, prev_hash, hash"
)


INSERT_EVENT = (
    "INSERT INTO events (id, station_id, seq, operator, ts, type, device_id, payload,"
    " training, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def event_row(event: Event, payload_text: str | None = None) -> tuple[Any, ...]:
    """The values of INSERT_EVENT for one event (its payload in the event encoding;
    `payload_text` when it is already known in that encoding)."""
    return (
        event.id, event.station_id, event.seq, event.operator, event.ts, event.type,
        event.device_id, event_json(event.payload) if payload_text is None else payload_text,
        event.training, event.prev_hash, event.hash,
    )  # fmt: skip


def row_to_event(row: sqlite3.Row | tuple[Any, ...]) -> Event:
    return Event(
        id=row[0],
        station_id=row[1],
        seq=row[2],
        operator=row[3],
        ts=row[4],
        type=row[5],
        device_id=row[6],
        payload=json.loads(row[7]),
        training=bool(row[8]),
        prev_hash=row[9],
        hash=row[10],
    )


@dataclass(frozen=True, slots=True)
class ChainProblem:
    """The first event where the log stops being trustworthy, and why."""

    rowid: int
    event_id: str
    station_id: str
    seq: int
    reason: str


def iter_events(
    conn: sqlite3.Connection, where: str = "", params: tuple[Any, ...] = ()
) -> Iterator[tuple[int, Event]]:
    cursor = conn.execute(
        f"SELECT rowid, {EVENT_COLUMNS} FROM events {where} ORDER BY rowid", params
    )
    while True:
        rows = cursor.fetchmany(2000)
        if not rows:
            return
        for row in rows:
            yield row[0], row_to_event(row[1:])


def verify_chain(conn: sqlite3.Connection) -> ChainProblem | None:
    """Walks the whole log; returns the first event whose content, hash or link is wrong."""
    last: dict[str, tuple[int, str]] = {}
    cursor = conn.execute(f"SELECT rowid, {EVENT_COLUMNS} FROM events ORDER BY rowid")
    while rows := cursor.fetchmany(2000):
        for row in rows:
            rowid = row[0]
            reason = ""
            try:
                event = row_to_event(row[1:])
                computed = event_hash(event.hashed_fields())
            except (TypeError, ValueError) as exc:  # e.g. a payload edited into non-JSON
                seq = row[3] if isinstance(row[3], int) else -1
                return ChainProblem(
                    rowid, str(row[1]), str(row[2]), seq, f"unreadable event: {exc}"
                )
            seq_before, hash_before = last.get(event.station_id, (0, GENESIS_HASH))
            if event.seq != seq_before + 1:
                reason = f"sequence jumps from {seq_before} to {event.seq}"
            elif event.prev_hash != hash_before:
                reason = "link to the previous event is broken"
            elif computed != event.hash:
                reason = "content does not match its hash (edited after it was written)"
            if reason:
                return ChainProblem(rowid, event.id, event.station_id, event.seq, reason)
            last[event.station_id] = (event.seq, event.hash)
    return None


# Appended to a station's id to name the chain of its training facts (`training_chain`).
TRAINING_CHAIN_SUFFIX = ":training"


def training_chain(station_id: str) -> str:
    """The chain of a station's training facts: its own seq and links, under this name in
    the station_id column, so that the station's real chain (pushed, bundled, signed)
    never links to a training fact and can travel without them."""
    return f"{station_id}{TRAINING_CHAIN_SUFFIX}" if station_id else ""


def is_training_chain(station_id: str) -> bool:
    """Whether events under this station_id are a station's training chain."""
    return station_id.endswith(TRAINING_CHAIN_SUFFIX)
