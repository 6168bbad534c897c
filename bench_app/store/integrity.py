"""What `etabli db check` verifies beyond SQLite and the hash chain: the log against its
anchors (the station's signed head, the hub's acknowledgement; see anchors.py), and every
derived table against a rebuild of it from the log alone.

Each function reads through the connection it is given, inside the caller's read
transaction, so that everything is checked against one snapshot of the database. Problems are
returned as BenchError values (not raised) whose messages say, in French and English, what is
wrong and what to do."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench_app.errors import BenchError
from bench_app.store import anchors, projections
from bench_app.store.migrations import MIGRATIONS, PROJECTION_TABLES, split_sql
from bench_app.text import Text

# Tables whose rows' order (by these columns, then rowid) within a group decides what the
# bench shows as the current value (queries.py), so a rebuild must give the same order.
ORDERED: dict[str, tuple[str, str]] = {
    "grades": ("device_id", "at, rowid"),
    "outcomes": ("device_id", "at, rowid"),
    "jobs": ("device_id", "created_at, rowid"),
    "step_results": ("job_id", "finished_at, rowid"),
}

# The column that names a row for a person, when the key is an internal id.
LABELS = {"devices": "asset_code"}


@dataclass
class AnchorReport:
    """The station's own head in the log, the anchors found, and what does not match."""

    log_head: anchors.Head
    head: anchors.SignedHead | None = None
    hub: anchors.HubAck | None = None
    problems: list[BenchError] = field(default_factory=list)


def check_anchors(
    conn: sqlite3.Connection, folder: Path, station_id: str, head_bytes: bytes | None
) -> AnchorReport:
    """The log of `station_id` against the signed head (`head_bytes`, the content of
    chain-head.json read by the caller, None when absent) and the hub's acknowledgement."""
    folder = Path(folder)
    report = AnchorReport(anchors.own_head(conn, station_id))
    report.head = _check_head(conn, folder, station_id, head_bytes, report)
    try:
        report.hub = anchors.read_hub_ack(folder)
    except BenchError as exc:
        report.problems.append(exc)
    if report.hub is not None:
        _check_hub(conn, station_id, report.hub, report)
    return report


def _check_head(
    conn: sqlite3.Connection,
    folder: Path,
    station_id: str,
    data: bytes | None,
    report: AnchorReport,
) -> anchors.SignedHead | None:
    path = str(folder / anchors.HEAD_FILE)
    if data is None:
        since = conn.execute(
            "SELECT value FROM meta WHERE key = ?", (anchors.SINCE_META,)
        ).fetchone()
        report.problems.append(
            BenchError("DB_HEAD_MISSING" if since else "DB_HEAD_NEVER_SIGNED", path=path)
        )
        return None
    try:
        keyring = anchors.station_keyring(folder)
        if keyring is None:
            raise BenchError(
                "DB_HEAD_INVALID",
                path=path,
                detail=Text(
                    "la clé du poste (keys/station-ed25519.pem) a disparu",
                    "the station key (keys/station-ed25519.pem) is gone",
                ),
            )
        head = anchors.parse_head(data, keyring, source=path)
    except BenchError as exc:
        if exc.code != "DB_HEAD_INVALID":
            exc = BenchError("DB_HEAD_INVALID", path=path, detail=exc.message)
        report.problems.append(exc)
        return None
    if head.station_id != station_id:
        report.problems.append(
            BenchError(
                "DB_HEAD_INVALID",
                path=path,
                detail=Text(
                    f"elle est celle du poste {head.station_id}",
                    f"it is station {head.station_id}'s",
                ),
            )
        )
        return head
    last_seq = report.log_head[0]
    signed = {"signed_at": head.signed_at, "seq": head.seq}
    if last_seq < head.seq:
        report.problems.append(
            BenchError(
                "DB_LOG_SHORTER_THAN_HEAD", last=last_seq, missing=head.seq - last_seq, **signed
            )
        )
        return head
    found = anchors.hash_at(conn, station_id, head.seq)
    if found != head.hash:
        report.problems.append(
            BenchError(
                "DB_LOG_DIVERGES_FROM_HEAD",
                found=_short(found),
                signed=_short(head.hash),
                **signed,
            )
        )
        return head
    # Past the confirmed head, only the commit a crash cut between its two writes may be.
    if last_seq > head.seq and report.log_head != head.pending:
        pending = head.pending
        if pending is not None and last_seq >= pending[0]:
            found = anchors.hash_at(conn, station_id, pending[0])
            if found != pending[1]:
                report.problems.append(
                    BenchError(
                        "DB_LOG_DIVERGES_FROM_HEAD",
                        seq=pending[0],
                        signed_at=head.signed_at,
                        found=_short(found),
                        signed=_short(pending[1]),
                    )
                )
                return head
        first = pending[0] + 1 if pending is not None and last_seq > pending[0] else head.seq + 1
        report.problems.append(BenchError("DB_LOG_PAST_HEAD", first=first, last=last_seq, **signed))
    return head


def _check_hub(
    conn: sqlite3.Connection, station_id: str, ack: anchors.HubAck, report: AnchorReport
) -> None:
    if ack.station_id != station_id:
        return  # another station's folder copied here: its acknowledgement says nothing here
    last_seq = report.log_head[0]
    values = {"hub": ack.hub, "received_at": ack.received_at, "seq": ack.seq}
    if last_seq < ack.seq:
        report.problems.append(BenchError("DB_LOG_SHORTER_THAN_HUB", last=last_seq, **values))
        return
    found = anchors.hash_at(conn, station_id, ack.seq)
    if found != ack.hash:
        report.problems.append(
            BenchError(
                "DB_LOG_DIVERGES_FROM_HUB",
                found=_short(found),
                acknowledged=_short(ack.hash),
                **values,
            )
        )


def _short(digest: str | None) -> str:
    return digest[:12] if digest else "-"


# -- derived tables against a rebuild --------------------------------------------------------


def compare_with_rebuild(conn: sqlite3.Connection) -> list[BenchError]:
    """Rebuilds every derived table from this database's log in a private temporary
    database (the schema from the migrations, not from the file checked) and compares them
    with the stored ones, table by table. Returns the first difference of each table that
    differs (table, row key, column, stored and rebuilt values); empty when all agree."""
    rebuilt = sqlite3.connect("", isolation_level=None)  # private, on disk only if it grows
    try:
        try:
            _rebuild_into(conn, rebuilt)
        except (sqlite3.Error, KeyError, TypeError, ValueError) as exc:
            return [
                BenchError("DB_PROJECTION_REPLAY_FAILED", detail=f"{type(exc).__name__}: {exc}")
            ]
        found: list[BenchError] = []
        for table in PROJECTION_TABLES:
            difference = _first_difference(table, conn, rebuilt)
            if difference is not None:
                found.append(difference)
        return found
    finally:
        rebuilt.close()


def _rebuild_into(source: sqlite3.Connection, target: sqlite3.Connection) -> None:
    target.execute("PRAGMA foreign_keys = ON")
    for migration in MIGRATIONS:
        for statement in split_sql(migration.sql):
            target.execute(statement)
    target.execute("BEGIN")
    target.executemany(
        "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
        source.execute("SELECT key, value FROM meta"),
    )
    columns = ", ".join(_columns(target, "events"))
    marks = ", ".join("?" for _ in _columns(target, "events"))
    cursor = source.execute(f"SELECT {columns} FROM events ORDER BY rowid")
    while rows := cursor.fetchmany(2000):
        target.executemany(f"INSERT INTO events ({columns}) VALUES ({marks})", rows)
    projections.rebuild(target)
    target.execute("COMMIT")


def _columns(conn: sqlite3.Connection, table: str) -> list[str]:
    return [str(r[1]) for r in conn.execute(f"PRAGMA table_info({table})")]


def _key_columns(conn: sqlite3.Connection, table: str) -> list[str]:
    info = conn.execute(f"PRAGMA table_info({table})").fetchall()
    keys = sorted((int(r[5]), str(r[1])) for r in info if int(r[5]) > 0)
    return [name for _, name in keys] or ["rowid"]


def _rows(
    conn: sqlite3.Connection, table: str, columns: list[str], keys: list[str]
) -> dict[tuple[Any, ...], tuple[Any, ...]]:
    names = ", ".join(columns)
    key_index = [columns.index(k) for k in keys]
    out: dict[tuple[Any, ...], tuple[Any, ...]] = {}
    for row in conn.execute(f"SELECT {names} FROM {table}"):
        out[tuple(row[i] for i in key_index)] = tuple(row)
    return out


def _first_difference(
    table: str, stored_db: sqlite3.Connection, rebuilt_db: sqlite3.Connection
) -> BenchError | None:
    columns = _columns(rebuilt_db, table)
    keys = _key_columns(rebuilt_db, table)
    try:
        stored = _rows(stored_db, table, columns, keys)
    except sqlite3.Error as exc:  # a column dropped or renamed in the file checked
        return BenchError("DB_PROJECTION_REPLAY_FAILED", detail=f"{table}: {exc}")
    rebuilt = _rows(rebuilt_db, table, columns, keys)
    named_by = columns.index(LABELS[table]) if table in LABELS else None
    for key in sorted(stored.keys() | rebuilt.keys(), key=_sort_key):
        label = _key_label(keys, key)
        if named_by is not None:  # what a supervisor can look up, beside the internal id
            label += f" ({(stored.get(key) or rebuilt[key])[named_by]})"
        if key not in rebuilt:
            return BenchError("DB_PROJECTION_ROW_EXTRA", table=table, key=label)
        if key not in stored:
            return BenchError("DB_PROJECTION_ROW_MISSING", table=table, key=label)
        for column, a, b in zip(columns, stored[key], rebuilt[key], strict=True):
            if a != b or type(a) is not type(b):
                return BenchError(
                    "DB_PROJECTION_DIFFERS",
                    table=table,
                    key=label,
                    column=column,
                    stored=_value(a),
                    rebuilt=_value(b),
                )
    if table in ORDERED:
        return _order_difference(table, keys, stored_db, rebuilt_db)
    return None


def _order_difference(
    table: str, keys: list[str], stored_db: sqlite3.Connection, rebuilt_db: sqlite3.Connection
) -> BenchError | None:
    group, order = ORDERED[table]
    names = ", ".join(keys)
    sql = f"SELECT {group}, {names} FROM {table} ORDER BY {group}, {order}"
    stored: dict[Any, list[tuple[Any, ...]]] = {}
    rebuilt: dict[Any, list[tuple[Any, ...]]] = {}
    for target, conn in ((stored, stored_db), (rebuilt, rebuilt_db)):
        for row in conn.execute(sql):
            target.setdefault(row[0], []).append(tuple(row[1:]))
    for value in sorted(stored, key=_sort_key):
        if stored[value] != rebuilt.get(value):
            return BenchError(
                "DB_PROJECTION_ORDER",
                table=table,
                group=f"{group}={value}",
                stored=" < ".join(_key_label(keys, k) for k in stored[value]),
                rebuilt=" < ".join(_key_label(keys, k) for k in rebuilt.get(value, [])),
            )
    return None


def _sort_key(key: Any) -> str:
    return json.dumps(key, default=str)


def _key_label(keys: list[str], key: tuple[Any, ...]) -> str:
    if len(keys) == 1:
        return str(key[0])
    return ", ".join(f"{k}={v}" for k, v in zip(keys, key, strict=True))


def _value(value: Any) -> str:
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    return json.dumps(value, ensure_ascii=False)
