"""Opening the station database: WAL, foreign keys, a single writer per data folder,
numbered migrations with a backup first, and the one place events are appended."""

from __future__ import annotations

import contextlib
import fcntl
import os
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench_app.domain import facts
from bench_app.errors import BenchError
from bench_app.store import projections
from bench_app.store.events import (
    EVENT_COLUMNS,
    GENESIS_HASH,
    ChainProblem,
    Event,
    canonical_json,
    event_hash,
    hashed_fields,
    row_to_event,
    utc_now,
    verify_chain,
)
from bench_app.store.migrations import LATEST_VERSION, MIGRATIONS
from bench_app.store.uuid7 import uuid7_str
from bench_app.sync import hlc
from bench_app.text import Text

DB_NAME = "etabli.sqlite3"
LOCK_NAME = "station.lock"


@dataclass(frozen=True, slots=True)
class NewEvent:
    """What a caller asks to record; the store adds identity, time and the chain."""

    type: str
    payload: dict[str, Any]
    device_id: str | None = None


ACK_META_PREFIX = "sync.acked_up_to."


@dataclass(frozen=True, slots=True)
class RejectedEvent:
    event_id: str
    station_id: str
    seq: int
    reason: str


@dataclass(slots=True)
class ImportResult:
    """What `Store.import_events` did with each event: ids accepted and already present,
    and the refused ones with the reason (in English, for logs and the command line)."""

    accepted: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    rejected: list[RejectedEvent] = field(default_factory=list)

    def reject(self, event: Event, reason: str) -> None:
        self.rejected.append(RejectedEvent(event.id, event.station_id, event.seq, reason))


@dataclass(frozen=True, slots=True)
class CheckReport:
    integrity: str
    chain_problem: ChainProblem | None
    events: int

    @property
    def ok(self) -> bool:
        return self.integrity == "ok" and self.chain_problem is None


class Store:
    """The station's SQLite database. Thread-safe: every access holds one lock, and every
    write is one transaction that appends the events and updates the derived tables."""

    def __init__(self, path: Path, *, writer: bool = True) -> None:
        self.path = Path(path)
        self.writer = writer
        self._lock = threading.RLock()
        self._tx_owner: int | None = None  # the thread inside a write transaction
        self._readers = threading.local()
        self._lock_file: int | None = None
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if writer:
            self._acquire_station_lock()
        try:
            self._conn = self._connect()
            if writer:
                self._migrate()
            else:
                self._check_version_readonly()
            self.station_id = self.meta("station_id") or ""
            self.station_prefix = self.meta("station_prefix") or ""
            self._last: tuple[int, str] | None = None
            self._hlc: hlc.HybridClock | None = None
        except sqlite3.DatabaseError as exc:  # a damaged page met while migrating or reading
            self.close()
            raise BenchError("DB_CORRUPT", path=str(self.path), detail=str(exc)) from exc
        except BaseException:
            self.close()
            raise

    # -- opening -----------------------------------------------------------------------

    @classmethod
    def open_for_reading(cls, path: Path) -> Store:
        """A writer when no bench runs on this folder, else a read-only view."""
        try:
            return cls(path, writer=True)
        except BenchError as exc:
            if exc.code != "DB_LOCKED":
                raise
            return cls(path, writer=False)

    def _acquire_station_lock(self) -> None:
        lock_path = self.path.parent / LOCK_NAME
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise BenchError("DB_LOCKED", path=str(self.path.parent)) from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._lock_file = fd

    def _connect(self) -> sqlite3.Connection:
        if self.writer:
            conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        else:
            if not self.path.exists():
                raise BenchError("DB_CORRUPT", path=str(self.path), detail="no database yet")
            uri = f"file:{self.path}?mode=ro"
            conn = sqlite3.connect(uri, uri=True, check_same_thread=False, isolation_level=None)
        newer = 0
        try:
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("PRAGMA busy_timeout = 5000")
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            # A newer schema is refused before anything is written (the WAL switch included).
            newer = _schema_version(conn) if self.writer else 0
            if self.writer and newer <= LATEST_VERSION:
                mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
                if str(mode).lower() != "wal":
                    raise sqlite3.DatabaseError(f"cannot switch to WAL (got {mode})")
                # WAL + NORMAL: a crash loses at most the last transactions, never consistency.
                conn.execute("PRAGMA synchronous = NORMAL")
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise BenchError("DB_CORRUPT", path=str(self.path), detail=str(exc)) from exc
        if newer > LATEST_VERSION:
            conn.close()
            raise BenchError("DB_NEWER", path=str(self.path), found=newer, known=LATEST_VERSION)
        return conn

    def schema_version(self) -> int:
        return _schema_version(self._conn)

    def _check_version_readonly(self) -> None:
        version = self.schema_version()
        if version > LATEST_VERSION:
            raise BenchError("DB_NEWER", path=str(self.path), found=version, known=LATEST_VERSION)
        if version < LATEST_VERSION:
            raise BenchError(
                "DB_CORRUPT",
                path=str(self.path),
                detail=f"schema {version} needs upgrading; close Établi and run this again",
            )

    def _migrate(self) -> None:
        version = self.schema_version()
        if version > LATEST_VERSION:
            raise BenchError("DB_NEWER", path=str(self.path), found=version, known=LATEST_VERSION)
        if version == LATEST_VERSION:
            return
        if version > 0:
            self.backup(self.path.with_name(f"{self.path.name}.v{version}.bak"))
        pending = [m for m in MIGRATIONS if m.version > version]
        # Today's projection code fits only today's schema: the derived tables are rebuilt
        # once, with the last migration, when any of the pending ones asks for it.
        rebuild = any(m.rebuild_projections for m in pending)
        for migration in pending:
            with self.transaction() as conn:
                for statement in _split_sql(migration.sql):
                    conn.execute(statement)
                if migration.version == 1:
                    conn.execute(
                        "INSERT INTO meta (key, value) VALUES ('station_id', ?)", (uuid7_str(),)
                    )
                    from bench_app.domain.asset_code import new_station_prefix

                    conn.execute(
                        "INSERT INTO meta (key, value) VALUES ('station_prefix', ?)",
                        (new_station_prefix(),),
                    )
                if rebuild and migration is pending[-1]:
                    projections.rebuild(conn)
                conn.execute(
                    "INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?)",
                    (str(migration.version),),
                )

    def backup(self, target: Path) -> Path:
        """A consistent copy of the database file (SQLite online backup)."""
        with self._lock:
            dest = sqlite3.connect(target)
            try:
                self._conn.backup(dest)
            finally:
                dest.close()
        return target

    def close(self) -> None:
        reader = getattr(getattr(self, "_readers", None), "conn", None)
        if reader is not None:
            reader.close()
            self._readers.conn = None
        conn = getattr(self, "_conn", None)
        if conn is not None:
            with self._lock:
                conn.close()
            self._conn = None  # type: ignore[assignment]
        if self._lock_file is not None:
            os.close(self._lock_file)
            self._lock_file = None

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- reading and writing -------------------------------------------------------------

    def meta(self, key: str) -> str | None:
        with self._lock:
            row = self._conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One IMMEDIATE transaction; rolled back whole on any exception."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            self._tx_owner = threading.get_ident()
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                self._last = None
                raise
            else:
                self._conn.execute("COMMIT")
            finally:
                self._tx_owner = None

    def _reader(self) -> sqlite3.Connection | None:
        """This thread's own read-only connection, so that reading (the window redrawing)
        never waits for another thread's write transaction; WAL lets both proceed. None
        inside this thread's own transaction, whose uncommitted writes it must see."""
        if not self.writer or self._tx_owner == threading.get_ident():
            return None
        conn: sqlite3.Connection | None = getattr(self._readers, "conn", None)
        if conn is None:
            conn = sqlite3.connect(
                f"file:{self.path}?mode=ro", uri=True, isolation_level=None, check_same_thread=False
            )
            conn.execute("PRAGMA busy_timeout = 5000")
            conn.execute("PRAGMA foreign_keys = ON")
            self._readers.conn = conn
        return conn

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        reader = self._reader()
        if reader is not None:
            return list(reader.execute(sql, params).fetchall())
        with self._lock:
            return list(self._conn.execute(sql, params).fetchall())

    def query_one(self, sql: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None:
        reader = self._reader()
        if reader is not None:
            row = reader.execute(sql, params).fetchone()
        else:
            with self._lock:
                row = self._conn.execute(sql, params).fetchone()
        return tuple(row) if row is not None else None

    def _chain_head(self, conn: sqlite3.Connection) -> tuple[int, str]:
        if self._last is None:
            row = conn.execute(
                "SELECT seq, hash FROM events WHERE station_id = ? ORDER BY seq DESC LIMIT 1",
                (self.station_id,),
            ).fetchone()
            self._last = (row[0], row[1]) if row else (0, GENESIS_HASH)
        return self._last

    def append(
        self,
        conn: sqlite3.Connection,
        new: NewEvent,
        *,
        operator: str,
        training: bool,
    ) -> Event:
        """Appends one event inside the caller's transaction and folds it into the state."""
        if not self.writer:
            raise BenchError("DB_LOCKED", path=str(self.path.parent))
        facts.validate(new.type, new.payload)
        seq, prev = self._chain_head(conn)
        seq += 1
        event_id = uuid7_str()
        ts = utc_now()
        payload = new.payload
        if new.type in hlc.STAMPED_TYPES and hlc.PAYLOAD_KEY not in payload:
            # The stamp decides which station's value of a mutable field wins (sync/hlc.py).
            stamp = self._clock(conn).tick(hlc.ts_ms(ts))
            payload = {**payload, hlc.PAYLOAD_KEY: str(stamp)}
        fields = hashed_fields(
            event_id, self.station_id, seq, operator, ts, new.type, new.device_id,
            payload, training, prev,
        )  # fmt: skip
        try:
            digest = event_hash(fields)
        except UnicodeEncodeError:
            # Bytes that were not UTF-8 (a file name, the environment) must not enter the log.
            raise BenchError(
                "EVENT_INVALID",
                event_type=new.type,
                detail=Text("du texte qui n’est pas en UTF-8", "text that is not UTF-8"),
            ) from None
        event = Event(**fields, hash=digest)
        _insert_event(conn, event)
        projections.apply(conn, event)
        self._last = (seq, event.hash)
        return event

    def record(self, events: Sequence[NewEvent], *, operator: str, training: bool) -> list[Event]:
        """Appends events atomically: all of them and their effects, or none."""
        with self.transaction() as conn:
            return [self.append(conn, e, operator=operator, training=training) for e in events]

    def rebuild_projections(self) -> int:
        with self.transaction() as conn:
            return projections.rebuild(conn)

    def check(self) -> CheckReport:
        """PRAGMA integrity_check plus the hash chain of every station's events."""
        with self._lock:
            try:
                rows = self._conn.execute("PRAGMA integrity_check").fetchall()
                integrity = "; ".join(str(r[0]) for r in rows)
                problem = verify_chain(self._conn)
                count = self._conn.execute("SELECT count(*) FROM events").fetchone()[0]
            except sqlite3.DatabaseError as exc:
                return CheckReport(f"unreadable: {exc}", None, 0)
        return CheckReport(integrity, problem, int(count))

    # -- other stations' events (sync, bundles) -----------------------------------------

    def _clock(self, conn: sqlite3.Connection) -> hlc.HybridClock:
        """This station's hybrid logical clock, started from the greatest stamp stored."""
        if self._hlc is None:
            marks = ", ".join("?" for _ in hlc.STAMPED_TYPES)
            row = conn.execute(
                f"SELECT max(json_extract(payload, '$.{hlc.PAYLOAD_KEY}')) FROM events"
                f" WHERE type IN ({marks})",
                tuple(sorted(hlc.STAMPED_TYPES)),
            ).fetchone()
            self._hlc = hlc.HybridClock(self.station_id, hlc.Hlc.parse(row[0] if row else None))
        return self._hlc

    def station_heads(self) -> dict[str, int]:
        """The last seq held here of every station whose events this store has."""
        rows = self.query("SELECT station_id, max(seq) FROM events GROUP BY station_id")
        return {str(r[0]): int(r[1]) for r in rows}

    def events_since(
        self, station_id: str | None = None, after_seq: int = 0, limit: int | None = None
    ) -> list[Event]:
        """The events of one station (this one by default) with seq > after_seq, in chain
        order; at most `limit` of them. A sync client reads from its cursor with this."""
        station = station_id or self.station_id
        sql = f"SELECT {EVENT_COLUMNS} FROM events WHERE station_id = ? AND seq > ? ORDER BY seq"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return [row_to_event(r) for r in self.query(sql, (station, int(after_seq)))]

    def import_events(self, events: Sequence[Event]) -> ImportResult:
        """Adds other stations' events, checked, and folds them into the state, all in one
        transaction. Idempotent: an event already here (same id and hash) is a duplicate and
        changes nothing. Each event must match its hash, pass its type's schema and continue
        its station's chain here (seq = head + 1, prev_hash = head's hash); an event whose
        predecessors are missing is rejected with the seqs that are missing, and so are the
        later events of that station in `events`, while other stations' events still go in.
        Events may come in any order: a station's events are taken in seq order, and an event
        about a device or donor another station registered waits for that registration."""
        if not self.writer:
            raise BenchError("DB_LOCKED", path=str(self.path.parent))
        result = ImportResult()
        with self.transaction() as conn:
            candidates = self._import_candidates(conn, events, result)
            stamps = self._import_chains(conn, candidates, result)
        clock = self._hlc
        if clock is not None:
            for stamp in stamps:
                clock.observe(stamp)
        return result

    def _import_candidates(
        self, conn: sqlite3.Connection, events: Sequence[Event], result: ImportResult
    ) -> dict[str, dict[int, Event]]:
        """Sorts out duplicates and events unfit on their own; the rest, by station and seq."""
        candidates: dict[str, dict[int, Event]] = {}
        seen: set[str] = set()
        for event in events:
            if event.id in seen:
                result.duplicates.append(event.id)
                continue
            seen.add(event.id)
            row = conn.execute("SELECT hash FROM events WHERE id = ?", (event.id,)).fetchone()
            if row is not None:
                if row[0] == event.hash:
                    result.duplicates.append(event.id)
                else:
                    result.reject(event, "another event with this id is already here")
                continue
            reason = _unfit(event, self.station_id)
            if reason:
                result.reject(event, reason)
                continue
            chain = candidates.setdefault(event.station_id, {})
            if event.seq in chain:
                result.reject(
                    event, f"two events numbered {event.seq} of station {event.station_id}"
                )
                continue
            chain[event.seq] = event
        return candidates

    def _import_chains(
        self,
        conn: sqlite3.Connection,
        candidates: dict[str, dict[int, Event]],
        result: ImportResult,
    ) -> list[hlc.Hlc]:
        heads: dict[str, tuple[int, str]] = {}
        for station in candidates:
            row = conn.execute(
                "SELECT seq, hash FROM events WHERE station_id = ? ORDER BY seq DESC LIMIT 1",
                (station,),
            ).fetchone()
            heads[station] = (row[0], row[1]) if row else (0, GENESIS_HASH)
        waiting: dict[str, str] = {}  # station -> why its next event cannot be applied yet
        stamps: list[hlc.Hlc] = []
        progress = True
        while progress:  # another station's event may be what a waiting one needed
            progress = False
            for station, chain in candidates.items():
                while chain:
                    seq, prev = heads[station]
                    event = chain.get(seq + 1)
                    if event is None or event.prev_hash != prev:
                        break
                    why = self._import_one(conn, event)
                    if why:
                        waiting[station] = why
                        break
                    del chain[seq + 1]
                    waiting.pop(station, None)
                    heads[station] = (event.seq, event.hash)
                    result.accepted.append(event.id)
                    stamp = hlc.Hlc.parse(event.payload.get(hlc.PAYLOAD_KEY))
                    if stamp is not None:
                        stamps.append(stamp)
                    progress = True
        for station, chain in candidates.items():
            head, prev = heads[station]
            later = sorted(s for s in chain if s > head)
            first = later[0] if later else 0
            for seq in sorted(chain):
                event = chain[seq]
                if seq <= head:
                    reason = f"station {station} already has a different event numbered {seq}"
                elif first > head + 1:
                    reason = f"missing events {head + 1}..{first - 1} of station {station}"
                elif seq > first:
                    reason = f"follows event {first} of station {station}, which was refused"
                elif event.prev_hash != prev:
                    reason = f"does not link to event {head} of station {station} held here"
                else:
                    reason = waiting.get(station, "could not be applied")
                result.reject(event, reason)
        return stamps

    def _import_one(self, conn: sqlite3.Connection, event: Event) -> str:
        """Inserts and folds one event inside a savepoint; '' when done, else why it must
        wait (what it refers to is not here yet), with nothing of it left behind."""
        device_id = event.device_id or event.payload.get("device_id")
        # Another station's training facts are logged, not folded (projections.apply).
        if not event.training and event.type != "device.registered" and isinstance(device_id, str):
            known = conn.execute("SELECT 1 FROM devices WHERE id = ?", (device_id,)).fetchone()
            if known is None:
                return f"device {device_id} is not known here: import its registration first"
        conn.execute("SAVEPOINT import_event")
        try:
            _insert_event(conn, event)
            projections.apply(conn, event)
        except (sqlite3.IntegrityError, KeyError, TypeError, ValueError) as exc:
            conn.execute("ROLLBACK TO import_event")
            conn.execute("RELEASE import_event")
            return f"cannot be applied here ({exc})"
        conn.execute("RELEASE import_event")
        return ""

    # -- what a hub has acknowledged ------------------------------------------------------

    def acked_up_to(self, station_id: str | None = None) -> int:
        """The last seq of a station's events (this one's by default) a hub has confirmed."""
        value = self.meta(f"{ACK_META_PREFIX}{station_id or self.station_id}")
        return int(value) if value else 0

    def mark_acknowledged(self, seq: int, station_id: str | None = None) -> int:
        """Records that a hub holds a station's events up to `seq`; never moves backwards.
        Returns the acknowledged seq now stored."""
        station = station_id or self.station_id
        key = f"{ACK_META_PREFIX}{station}"
        with self.transaction() as conn:
            row = conn.execute(
                "SELECT max(seq) FROM events WHERE station_id = ?", (station,)
            ).fetchone()
            head = int(row[0] or 0)
            if seq > head:
                raise ValueError(f"acknowledged seq {seq} is past the last event here ({head})")
            stored = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
            value = max(int(stored[0]) if stored else 0, int(seq))
            conn.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, str(value))
            )
        return value


def _unfit(event: Event, own_station: str) -> str:
    """Why an event cannot be imported whatever else is here, or ''."""
    if event.station_id == own_station:
        return "an event of this station that this station does not hold"
    try:
        computed = event_hash(event.hashed_fields())
    except (TypeError, ValueError) as exc:
        return f"unreadable event: {exc}"
    if computed != event.hash:
        return "content does not match its hash"
    if event.seq < 1:
        return f"invalid seq {event.seq}"
    try:
        facts.validate(event.type, event.payload)
    except BenchError as exc:
        return exc.message.en
    return ""


def _schema_version(conn: sqlite3.Connection) -> int:
    row = conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'meta'"
    ).fetchone()
    if row is None:
        return 0
    value = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    return int(value[0]) if value else 0


def _split_sql(script: str) -> list[str]:
    """Splits a migration script into statements, keeping trigger bodies whole."""
    statements: list[str] = []
    buffer = ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            if buffer.strip():
                statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        statements.append(buffer.strip())
    return statements


def _insert_event(conn: sqlite3.Connection, event: Event) -> None:
    """One row of the append-only log (this station's own, or one imported)."""
    conn.execute(
        "INSERT INTO events (id, station_id, seq, operator, ts, type, device_id, payload,"
        " training, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            event.id, event.station_id, event.seq, event.operator, event.ts, event.type,
            event.device_id, canonical_json(event.payload), event.training,
            event.prev_hash, event.hash,
        ),
    )  # fmt: skip
