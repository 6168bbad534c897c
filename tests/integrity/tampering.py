"""What someone with the data folder and `sqlite3` but without Établi can do to the station's
records: each function changes a copy of the data folder as such a person would."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench_app.store.anchors import HEAD_FILE
from bench_app.store.database import DB_NAME
from bench_app.store.events import EVENT_COLUMNS, row_to_event
from bench_app.store.uuid7 import uuid7_str
from bench_app.wire.canonical import event_json
from bench_app.wire.events import Event, event_hash


@contextmanager
def reader(folder: Path) -> Iterator[sqlite3.Connection]:
    """A read-only look, changing nothing."""
    conn = sqlite3.connect(f"file:{folder / DB_NAME}?mode=ro", uri=True)
    try:
        yield conn
    finally:
        conn.close()


@contextmanager
def attacker(folder: Path) -> Iterator[sqlite3.Connection]:
    """A raw connection by someone who knows SQL: the append-only triggers go first."""
    conn = sqlite3.connect(folder / DB_NAME, isolation_level=None)
    try:
        conn.execute("DROP TRIGGER IF EXISTS events_no_update")
        conn.execute("DROP TRIGGER IF EXISTS events_no_delete")
        yield conn
    finally:
        conn.close()


def station_id(conn: sqlite3.Connection) -> str:
    return str(conn.execute("SELECT value FROM meta WHERE key = 'station_id'").fetchone()[0])


def own_events(conn: sqlite3.Connection) -> list[Event]:
    rows = conn.execute(
        f"SELECT {EVENT_COLUMNS} FROM events WHERE station_id = ? ORDER BY seq",
        (station_id(conn),),
    )
    return [row_to_event(r) for r in rows]


def _insert(conn: sqlite3.Connection, e: Event) -> None:
    conn.execute(
        f"INSERT INTO events ({EVENT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            e.id, e.station_id, e.seq, e.operator, e.ts, e.type, e.device_id,
            event_json(e.payload), e.training, e.prev_hash, e.hash,
        ),
    )  # fmt: skip


def delete_last(folder: Path, count: int | None) -> int:
    """Deletes the station's last `count` events (for None, every event of the log, its
    training chain's too); returns how many."""
    with attacker(folder) as conn:
        events = own_events(conn)
        if count is None:
            return int(conn.execute("DELETE FROM events").rowcount)
        doomed = events if count is None else events[-count:]
        for e in doomed:
            conn.execute("DELETE FROM events WHERE id = ?", (e.id,))
    return len(doomed)


def rewrite_and_rehash(folder: Path, seq: int, change: dict[str, Any]) -> None:
    """Edits the event numbered `seq` (fields of `change`; "payload" merges into the
    payload) and recomputes its hash and every later one, links included: the chain is
    intact again."""
    with attacker(folder) as conn:
        prev = ""
        for e in own_events(conn):
            if e.seq < seq:
                prev = e.hash
                continue
            fields = e.hashed_fields()
            if e.seq == seq:
                for name, value in change.items():
                    fields[name] = {**e.payload, **value} if name == "payload" else value
            else:
                fields["prev_hash"] = prev
            new = Event(**fields, hash=event_hash(fields))
            conn.execute(
                "UPDATE events SET operator = ?, ts = ?, payload = ?, training = ?,"
                " prev_hash = ?, hash = ? WHERE id = ?",
                (
                    new.operator, new.ts, event_json(new.payload), new.training,
                    new.prev_hash, new.hash, e.id,
                ),
            )  # fmt: skip
            prev = new.hash


def forge_appended(folder: Path, forged: Sequence[tuple[str, dict[str, Any], str | None]]) -> None:
    """Appends events of this station, each correctly numbered, linked and hashed."""
    with attacker(folder) as conn:
        last = own_events(conn)[-1]
        seq, prev = last.seq, last.hash
        for event_type, payload, device_id in forged:
            seq += 1
            fields = Event(
                uuid7_str(), last.station_id, seq, last.operator, last.ts, event_type,
                device_id, payload, False, prev, "",
            ).hashed_fields()  # fmt: skip
            event = Event(**fields, hash=event_hash(fields))
            _insert(conn, event)
            prev = event.hash


def failed_erasure(folder: Path) -> dict[str, Any]:
    """The payload of the failed wipe's `erasure.finished`."""
    with reader(folder) as conn:
        for e in own_events(conn):
            if e.type == "erasure.finished" and e.payload["result"] == "not_erased":
                return dict(e.payload)
    raise AssertionError("the session has no failed erasure")


def seq_of(folder: Path, event_type: str, **payload: Any) -> int:
    with reader(folder) as conn:
        for e in own_events(conn):
            if e.type == event_type and all(e.payload.get(k) == v for k, v in payload.items()):
                return e.seq
    raise AssertionError(f"no {event_type} {payload}")


def execute(folder: Path, sql: str, params: tuple[Any, ...] = ()) -> int:
    with attacker(folder) as conn:
        return int(conn.execute(sql, params).rowcount)


def changed(value: Any) -> Any:
    """Another value of the same kind."""
    if value is None:
        return "x"
    if isinstance(value, int):
        return value + 1
    if isinstance(value, str) and value.startswith(("{", "[")):
        try:
            json.loads(value)
            return event_json({"tampered": value})
        except ValueError:
            pass
    return f"{value}x"


def delete_head(folder: Path) -> None:
    (folder / HEAD_FILE).unlink()


def put_head(folder: Path, data: bytes) -> None:
    (folder / HEAD_FILE).write_bytes(data)


def own_events_of(folder: Path) -> list[Event]:
    with reader(folder) as conn:
        return own_events(conn)
