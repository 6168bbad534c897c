"""Opening the station database: WAL, foreign keys, a single writer per data folder,
numbered migrations with a backup first, and the one place events are appended."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import logging
import os
import shutil
import sqlite3
import tempfile
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench_app.domain import facts
from bench_app.errors import BenchError, folder_error
from bench_app.store import anchors, hlc, integrity, projections
from bench_app.store.events import (
    EVENT_COLUMNS,
    INSERT_EVENT,
    ChainProblem,
    event_row,
    row_to_event,
    training_chain,
    utc_now,
    verify_chain,
)
from bench_app.store.migrations import LATEST_VERSION, MIGRATIONS, split_sql
from bench_app.store.uuid7 import uuid7_str
from bench_app.text import Text
from bench_app.wire.canonical import event_json
from bench_app.wire.events import (
    GENESIS_HASH,
    Event,
    event_hash,
    hashed_fields,
    hashed_payload_text,
)
from bench_app.wire.refusals import Refusal
from bench_app.wire.values import surely_travels

log = logging.getLogger(__name__)

DB_NAME = "etabli.sqlite3"
LOCK_NAME = "station.lock"
# Space set aside in the data folder and given back when the disk fills up, so that a job
# stopped by a full disk can still record why it stopped.
RESERVE_NAME = "disk-full.reserve"
RESERVE_BYTES = 1 << 20

# Errors that say the data folder cannot be used (not that a fact is wrong): a job meeting
# one stops as interrupted, resumable once the folder is usable again.
STORAGE_ERRORS = frozenset({"DISK_FULL", "DATA_FOLDER_READONLY", "DATA_FOLDER_GONE", "DB_CORRUPT"})


@dataclass(frozen=True, slots=True)
class NewEvent:
    """What a caller asks to record; the store adds identity, time and the chain."""

    type: str
    payload: dict[str, Any]
    device_id: str | None = None


ACK_META_PREFIX = "sync.acked_up_to."
# "hub" once a hub gave this station its asset-code prefix (unique in the collective).
PREFIX_SOURCE_META = "station_prefix_source"


@dataclass(frozen=True, slots=True)
class RejectedEvent:
    event_id: str
    station_id: str
    seq: int
    code: Refusal  # stable, for programs (sync decides what waits on it)
    reason: str  # in English, for people


@dataclass(slots=True)
class ImportResult:
    """What `Store.import_events` did with each event: ids accepted and already present,
    and the refused ones with their stable code and the reason (in English, for logs and the
    command line)."""

    accepted: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    rejected: list[RejectedEvent] = field(default_factory=list)

    def reject(self, event: Event, code: Refusal, reason: str) -> None:
        self.rejected.append(RejectedEvent(event.id, event.station_id, event.seq, code, reason))


@dataclass(frozen=True, slots=True)
class CheckReport:
    """What `Store.check` found: SQLite's own check, the first broken link of the hash
    chain, the number of events, this station's head in the log with its signed head and the
    hub's acknowledgement, and every other problem (anchors, derived tables) as an error
    value with its French and English message."""

    integrity: str
    chain_problem: ChainProblem | None
    events: int
    log_head: anchors.Head = (0, GENESIS_HASH)
    signed_head: anchors.SignedHead | None = None
    hub_ack: anchors.HubAck | None = None
    problems: tuple[BenchError, ...] = ()

    @property
    def ok(self) -> bool:
        return self.integrity == "ok" and self.chain_problem is None and not self.problems


class Store:
    """The station's SQLite database. Thread-safe: every access holds one lock, and every
    write is one transaction that appends the events and updates the derived tables."""

    def __init__(self, path: Path, *, writer: bool = True, sign_head: bool = True) -> None:
        """Opens (and creates or migrates, as the writer) the database at `path`. A writer
        signs this station's chain head at every commit (anchors.py) unless `sign_head` is
        False, as for `etabli db check`, which must judge the files as it finds them."""
        self.path = Path(path)
        self.writer = writer
        self._head: anchors.HeadSigner | None = None
        self._lock = threading.RLock()
        self._tx_owner: int | None = None  # the thread inside a write transaction
        self._readers = threading.local()
        self._lock_file: int | None = None
        self._copy: tempfile.TemporaryDirectory[str] | None = None
        # True when another live process holds this folder's lock (a station at work): the
        # jobs it shows as running really are. Set by `open_for_reading`.
        self.held_elsewhere = False
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise storage_error(exc, self.path) or exc from exc
        if writer:
            self._acquire_station_lock()
        try:
            self._conn = self._connect()
            if writer:
                self._migrate()
                self._keep_reserve()
            else:
                self._check_version_readonly()
            self.station_id = self.meta("station_id") or ""
            self.station_prefix = self.meta("station_prefix") or ""
            # Training facts have a chain of their own (see `training_chain`): never sent, so
            # the station's chain that travels has no gap where they were.
            self.training_chain_id = training_chain(self.station_id)
            self._last: tuple[int, str] | None = None
            self._training_last: tuple[int, str] | None = None
            self._hlc: hlc.HybridClock | None = None
            if writer and sign_head:
                self._head = anchors.HeadSigner(self.path.parent, self.station_id)
                with self._lock:
                    self._head.open(self._conn)
        except sqlite3.DatabaseError as exc:  # a damaged page met while migrating or reading
            self.close()
            error = storage_error(exc, self.path)
            raise error or BenchError("DB_CORRUPT", path=str(self.path), detail=str(exc)) from exc
        except BaseException:
            self.close()
            raise

    # -- opening -----------------------------------------------------------------------

    @classmethod
    def open_for_reading(cls, path: Path, *, sign_head: bool = True) -> Store:
        """A writer when no bench runs on this folder, else a read-only view: while a
        station holds the folder, or when the folder is read-only (no lock is needed)."""
        try:
            return cls(path, writer=True, sign_head=sign_head)
        except BenchError as exc:
            if exc.code not in ("DB_LOCKED", "DATA_FOLDER_READONLY"):
                raise
            store = cls(path, writer=False)
            store.held_elsewhere = exc.code == "DB_LOCKED" or _lock_held(path.parent / LOCK_NAME)
            return store

    def _acquire_station_lock(self) -> None:
        lock_path = self.path.parent / LOCK_NAME
        try:
            fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise storage_error(exc, self.path) or exc from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise BenchError("DB_LOCKED", path=str(self.path.parent)) from None
        try:
            os.ftruncate(fd, 0)
            os.write(fd, str(os.getpid()).encode())
        except OSError as exc:  # a full disk: the lock holds all the same
            log.info("could not write the pid into %s: %s", lock_path, exc)
        self._lock_file = fd

    def _keep_reserve(self) -> None:
        """Sets RESERVE_BYTES aside in the data folder, if they are not already."""
        path = self.path.parent / RESERVE_NAME
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
            try:
                os.posix_fallocate(fd, 0, RESERVE_BYTES)
            finally:
                os.close(fd)
        except OSError as exc:  # the disk is already full: the store works without it
            log.info("could not set space aside in %s: %s", path, exc)

    def _release_reserve(self) -> None:
        with contextlib.suppress(OSError):
            os.unlink(self.path.parent / RESERVE_NAME)

    def _check_folder(self) -> None:
        """Raises DATA_FOLDER_GONE when the data folder this store opened is no longer at
        its path (removed, unmounted): what would be committed then would be lost."""
        if self._lock_file is None:
            return
        try:
            here = os.stat(self.path.parent / LOCK_NAME)
            mine = os.fstat(self._lock_file)
            same = (here.st_dev, here.st_ino) == (mine.st_dev, mine.st_ino)
        except OSError:
            same = False
        if not same:
            raise BenchError("DATA_FOLDER_GONE", path=str(self.path.parent))

    def _plain(self, exc: BaseException) -> BenchError | None:
        """The plain error behind a failure of the database or its folder, else None."""
        error = storage_error(exc, self.path)
        if error is not None and error.code == "DISK_FULL":
            self._release_reserve()  # so that the job can still record why it stops
        return error

    def _connect(self) -> sqlite3.Connection:
        if self.writer:
            conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        else:
            if not self.path.exists():
                raise BenchError("DB_CORRUPT", path=str(self.path), detail="no database yet")
            conn = self._connect_readonly()
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
                # WAL + FULL: a commit is on disk when COMMIT returns, so a power cut loses
                # no recorded fact and never leaves the signed chain head ahead of the log.
                conn.execute("PRAGMA synchronous = FULL")
        except sqlite3.DatabaseError as exc:
            conn.close()
            error = storage_error(exc, self.path)
            raise error or BenchError("DB_CORRUPT", path=str(self.path), detail=str(exc)) from exc
        if newer > LATEST_VERSION:
            conn.close()
            raise BenchError("DB_NEWER", path=str(self.path), found=newer, known=LATEST_VERSION)
        return conn

    def _connect_readonly(self) -> sqlite3.Connection:
        """A read-only connection, also on a read-only folder where SQLite cannot create
        the WAL index: then the file alone when no WAL is left beside it (it holds every
        commit), else a private copy of the file and its WAL."""
        try:
            return _connect_ro(f"file:{self.path}?mode=ro")
        except sqlite3.OperationalError:
            if os.access(self.path.parent, os.W_OK) and not _read_only_mount(self.path.parent):
                raise
        wal = Path(f"{self.path}-wal")
        if not wal.exists() or wal.stat().st_size == 0:
            return _connect_ro(f"file:{self.path}?mode=ro&immutable=1")
        self._copy = tempfile.TemporaryDirectory(prefix="etabli-ro-")
        copy = Path(self._copy.name) / self.path.name
        shutil.copyfile(self.path, copy)
        shutil.copyfile(wal, f"{copy}-wal")
        return _connect_ro(f"file:{copy}?mode=ro")

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
        report = _upgrade_listener[0]
        version = self.schema_version()
        if version > LATEST_VERSION:
            raise BenchError("DB_NEWER", path=str(self.path), found=version, known=LATEST_VERSION)
        if version == LATEST_VERSION:
            return
        total = 0
        if report is not None and version > 0:
            total = int(self._conn.execute("SELECT count(*) FROM events").fetchone()[0])
            report(0, total)  # said before the backup and the statements, which take a while
        if version > 0:
            self.backup(self.path.with_name(f"{self.path.name}.v{version}.bak"))
        pending = [m for m in MIGRATIONS if m.version > version]
        # Today's projection code fits only today's schema: the derived tables are rebuilt
        # once, with the last migration, when any of the pending ones asks for it.
        rebuild = any(m.rebuild_projections for m in pending)
        for migration in pending:
            with self.transaction() as conn:
                for statement in split_sql(migration.sql):
                    conn.execute(statement)
                if migration.then is not None:
                    migration.then(conn)
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
                    projections.rebuild(conn, progress=report if version > 0 else None)
                conn.execute(
                    "INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?)",
                    (str(migration.version),),
                )
        if report is not None and version > 0:
            report(total, total)

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
        if self._copy is not None:
            self._copy.cleanup()
            self._copy = None

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- reading and writing -------------------------------------------------------------

    def meta(self, key: str) -> str | None:
        with self._lock, self._plain_errors():
            row = self._conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    @contextlib.contextmanager
    def _plain_errors(self) -> Iterator[None]:
        """Turns a failure of the database or its folder into its plain BenchError."""
        try:
            yield
        except sqlite3.DatabaseError as exc:
            error = self._plain(exc)
            if error is None:
                raise
            raise error from exc

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One IMMEDIATE transaction; rolled back whole on any exception. A full disk, a
        damaged file or a folder gone raise their plain BenchError (see STORAGE_ERRORS).
        When it appended this station's events, their new head is signed before and after
        COMMIT (anchors.py)."""
        with self._lock, self._plain_errors():
            self._check_folder()
            self._conn.execute("BEGIN IMMEDIATE")
            self._tx_owner = threading.get_ident()
            confirm: anchors.Head | None = None
            try:
                yield self._conn
                # A commit into a folder that went away would be lost: checked before the
                # signed head is written next to the database, and again before COMMIT.
                self._check_folder()
                if self._head is not None:
                    try:
                        confirm = self._head.before_commit(self._conn, self._last)
                    except OSError as exc:  # no room for the signed head: nothing goes in
                        self._check_folder()  # or no folder left to hold it
                        raise self._plain(exc) or exc from exc
                self._check_folder()
                self._conn.execute("COMMIT")
            except BaseException:
                if self._conn.in_transaction:  # SQLite may have rolled back already
                    with contextlib.suppress(sqlite3.Error):
                        self._conn.execute("ROLLBACK")
                self._last = None
                self._training_last = None
                raise
            finally:
                self._tx_owner = None
            if confirm is not None and self._head is not None:
                self._head.after_commit(confirm)

    def checkpoint(self) -> bool:
        """Copies the write-ahead log back into the database file and empties it, so rows
        just erased (with secure_delete) leave no older copy behind. True when it finished;
        False when a reader held it back (the next checkpoint finishes the job)."""
        if not self.writer:
            return False
        with self._lock, self._plain_errors():
            row = self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        return row is not None and row[0] == 0

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
        with self._plain_errors():
            reader = self._reader()
            if reader is not None:
                return list(reader.execute(sql, params).fetchall())
            with self._lock:
                return list(self._conn.execute(sql, params).fetchall())

    def query_one(self, sql: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None:
        with self._plain_errors():
            reader = self._reader()
            if reader is not None:
                row = reader.execute(sql, params).fetchone()
            else:
                with self._lock:
                    row = self._conn.execute(sql, params).fetchone()
        return tuple(row) if row is not None else None

    def _chain_head(self, conn: sqlite3.Connection, *, training: bool = False) -> tuple[int, str]:
        cached = self._training_last if training else self._last
        if cached is None:
            row = conn.execute(
                "SELECT seq, hash FROM events WHERE station_id = ? ORDER BY seq DESC LIMIT 1",
                (self.training_chain_id if training else self.station_id,),
            ).fetchone()
            cached = (row[0], row[1]) if row else (0, GENESIS_HASH)
            if training:
                self._training_last = cached
            else:
                self._last = cached
        return cached

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
        seq, prev = self._chain_head(conn, training=training)
        seq += 1
        chain = self.training_chain_id if training else self.station_id
        event_id = uuid7_str()
        ts = utc_now()
        payload = new.payload
        if new.type in hlc.STAMPED_TYPES and hlc.PAYLOAD_KEY not in payload:
            # The stamp decides which station's value of a mutable field wins (store/hlc.py).
            stamp = self._clock(conn).tick(hlc.ts_ms(ts))
            payload = {**payload, hlc.PAYLOAD_KEY: str(stamp)}
        fields = hashed_fields(
            event_id, chain, seq, operator, ts, new.type, new.device_id,
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
        if training:
            self._training_last = (seq, event.hash)
        else:
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
        """PRAGMA integrity_check, the hash chain of every station's events, this station's
        log against its signed head and the hub's acknowledgement, and every derived table
        against a rebuild from the log. All of it from one snapshot of the database, taken
        while the head file stayed the same (a bench writing in another process may move
        both; the check then starts again)."""
        head_path = self.path.parent / anchors.HEAD_FILE
        with self._lock:
            for _attempt in range(20):
                head_bytes = anchors.read_bytes(head_path)
                try:
                    self._conn.execute("BEGIN")
                    try:
                        report = self._check_snapshot(head_bytes)
                    finally:
                        self._conn.execute("ROLLBACK")
                except sqlite3.DatabaseError as exc:
                    return CheckReport(f"unreadable: {exc}", None, 0)
                if anchors.read_bytes(head_path) == head_bytes:
                    break
        return report

    def _check_snapshot(self, head_bytes: bytes | None) -> CheckReport:
        conn = self._conn
        rows = conn.execute("PRAGMA integrity_check").fetchall()
        integrity_text = "; ".join(str(r[0]) for r in rows)
        problem = verify_chain(conn)
        count = conn.execute("SELECT count(*) FROM events").fetchone()[0]
        found = integrity.check_anchors(conn, self.path.parent, self.station_id, head_bytes)
        differences = integrity.compare_with_rebuild(conn)
        return CheckReport(
            integrity_text,
            problem,
            int(count),
            found.log_head,
            found.head,
            found.hub,
            (*found.problems, *differences),
        )

    def record_hub_ack(self, hub: str, seq: Any, hash_: Any) -> bool:
        """Keeps the head of this station's chain a hub said it now holds (DATA/hub-ack.json,
        as received; see anchors.py). Returns whether it changed; ValueError when `seq` or
        `hash_` is not a sequence number or a SHA-256 hex digest."""
        with self._lock:
            return anchors.record_hub_ack(self.path.parent, hub, self.station_id, seq, hash_)

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

    def event_rows_since(
        self, after_seq: int = 0, limit: int | None = None
    ) -> list[tuple[Any, ...]]:
        """This station's events with seq > after_seq as stored (EVENT_COLUMNS, the payload
        as its event-encoding text, training as 0 or 1), in chain order; at most `limit`."""
        sql = f"SELECT {EVENT_COLUMNS} FROM events WHERE station_id = ? AND seq > ? ORDER BY seq"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return self.query(sql, (self.station_id, int(after_seq)))

    def import_events(
        self, events: Sequence[Event], *, payloads_travel: bool = False
    ) -> ImportResult:
        """Adds other stations' events, checked, and folds them into the state, all in one
        transaction. Idempotent: an event already here (same id and hash) is a duplicate and
        changes nothing. Each event must match its hash, pass its type's schema and continue
        its station's chain here (seq = head + 1, prev_hash = head's hash); an event whose
        predecessors are missing is rejected with the seqs that are missing, and so are the
        later events of that station in `events`, while other stations' events still go in.
        Events may come in any order: a station's events are taken in seq order, and an event
        about a device or donor another station registered waits for that registration.
        `payloads_travel`: every payload is known to pass the wire's value rule (floats
        accepted), e.g. read from a JSON text that showed it; else they are checked here."""
        if not self.writer:
            raise BenchError("DB_LOCKED", path=str(self.path.parent))
        result = ImportResult()
        texts: dict[str, str] = {}  # event id -> its payload's encoding, made for its hash
        with self.transaction() as conn:
            candidates = self._import_candidates(conn, events, result, payloads_travel, texts)
            arriving = sum(map(len, candidates.values()))
            held = conn.execute("SELECT max(rowid) FROM events").fetchone()[0] or 0
            # Many events into a small log: the dashboard's and lots' counters are counted
            # once at the end (as a rebuild does) rather than moved by every event.
            count_each = arriving < BULK_COUNT_MIN or arriving * 4 < held
            # First without a savepoint per event; should any event fail to apply, all of
            # this is undone and done again event by event, each in its savepoint.
            trial = ImportResult(list(result.accepted), list(result.duplicates))
            trial.rejected = list(result.rejected)
            conn.execute("SAVEPOINT import_all")
            try:
                copies = {station: dict(chain) for station, chain in candidates.items()}
                stamps = self._import_chains(
                    conn, copies, trial, guarded=False, count=count_each, texts=texts
                )
                result = trial
            except _ApplyFailed:
                conn.execute("ROLLBACK TO import_all")
                stamps = self._import_chains(
                    conn, candidates, result, guarded=True, count=count_each, texts=texts
                )
            conn.execute("RELEASE import_all")
            if not count_each:
                projections.count_all(conn)
        clock = self._hlc
        if clock is not None:
            for stamp in stamps:
                clock.observe(stamp)
        return result

    def _import_candidates(
        self,
        conn: sqlite3.Connection,
        events: Sequence[Event],
        result: ImportResult,
        payloads_travel: bool = False,
        texts: dict[str, str] | None = None,
    ) -> dict[str, dict[int, Event]]:
        """Sorts out duplicates and events unfit on their own; the rest, by station and seq.
        `texts` gets each event's payload in the event encoding, made while checking its
        hash (the log stores it so)."""
        candidates: dict[str, dict[int, Event]] = {}
        seen: set[str] = set()
        stored = _stored_hashes(conn, [event.id for event in events])
        # The wire's value rule over all payloads at once: when it holds, no payload needs
        # walking again (else each is walked on its own, as the hub does with a batch).
        travels = payloads_travel or surely_travels([e.payload for e in events], floats=True)
        for event in events:
            if event.id in seen:
                result.duplicates.append(event.id)
                continue
            seen.add(event.id)
            held = stored.get(event.id)
            if held is not None:
                if held != event.hash:
                    result.reject(
                        event, Refusal.ID_TAKEN, "another event with this id is already here"
                    )
                elif _altered(event):  # the stored id and hash over a changed content
                    result.reject(event, Refusal.ALTERED, "content does not match its hash")
                else:
                    result.duplicates.append(event.id)
                continue
            unfit = _unfit(event, self.station_id, travels, texts)
            if unfit is not None:
                result.reject(event, *unfit)
                continue
            chain = candidates.setdefault(event.station_id, {})
            if event.seq in chain:
                result.reject(
                    event,
                    Refusal.SEQ_TAKEN,
                    f"two events numbered {event.seq} of station {event.station_id}",
                )
                continue
            chain[event.seq] = event
        return candidates

    def _import_chains(
        self,
        conn: sqlite3.Connection,
        candidates: dict[str, dict[int, Event]],
        result: ImportResult,
        *,
        guarded: bool = True,
        count: bool = True,
        texts: dict[str, str] | None = None,
    ) -> list[hlc.Hlc]:
        heads: dict[str, tuple[int, str]] = {}
        for station in candidates:
            row = conn.execute(
                "SELECT seq, hash FROM events WHERE station_id = ? ORDER BY seq DESC LIMIT 1",
                (station,),
            ).fetchone()
            heads[station] = (row[0], row[1]) if row else (0, GENESIS_HASH)
        # station -> why its next event cannot be applied yet (code, reason)
        waiting: dict[str, tuple[Refusal, str]] = {}
        stamps: list[hlc.Hlc] = []
        devices: set[str] = set()  # found here once, here for the rest of the transaction
        # No savepoint per event and no counter moved per event: a job's moves by its steps
        # and their log rows are gathered and written together (projections.Gathered).
        gathered = None if guarded or count else projections.Gathered(conn)
        progress = True
        while progress:  # another station's event may be what a waiting one needed
            progress = False
            for station, chain in candidates.items():
                while chain:
                    seq, prev = heads[station]
                    event = chain.get(seq + 1)
                    if event is None or event.prev_hash != prev:
                        break
                    why = self._import_one(
                        conn,
                        event,
                        devices,
                        guarded=guarded,
                        count=count,
                        gathered=gathered,
                        text=None if texts is None else texts.get(event.id),
                    )
                    if why is not None:
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
        if gathered is not None:
            try:
                gathered.write()
            except (sqlite3.IntegrityError, KeyError, TypeError, ValueError) as exc:
                raise _ApplyFailed from exc
        for station, chain in candidates.items():
            head, prev = heads[station]
            later = sorted(s for s in chain if s > head)
            first = later[0] if later else 0
            for seq in sorted(chain):
                event = chain[seq]
                if seq <= head:
                    code = Refusal.SEQ_TAKEN
                    reason = f"station {station} already has a different event numbered {seq}"
                elif first > head + 1:
                    code = Refusal.MISSING_EVENTS
                    reason = f"missing events {head + 1}..{first - 1} of station {station}"
                elif seq > first:
                    code = Refusal.FOLLOWS_REFUSED
                    reason = f"follows event {first} of station {station}, which was refused"
                elif event.prev_hash != prev:
                    code = Refusal.BROKEN_LINK
                    reason = f"does not link to event {head} of station {station} held here"
                else:
                    code, reason = waiting.get(
                        station, (Refusal.NOT_APPLICABLE, "could not be applied")
                    )
                result.reject(event, code, reason)
        return stamps

    def _import_one(
        self,
        conn: sqlite3.Connection,
        event: Event,
        devices: set[str],
        *,
        guarded: bool = True,
        count: bool = True,
        gathered: projections.Gathered | None = None,
        text: str | None = None,
    ) -> tuple[Refusal, str] | None:
        """Inserts and folds one event inside a savepoint; None when done, else why it must
        wait (what it refers to is not here yet) as (code, reason), with nothing of it left
        behind. `devices` holds the ids of devices already found here. Not `guarded`: no
        savepoint, and _ApplyFailed when it cannot be applied (the caller undoes it all).
        `count`: moves the dashboard's and lots' counters (see projections.apply).
        `gathered` (not guarded): a job's move goes there with its log row, written later.
        `text`: the payload in the event encoding, when already made."""
        device_id = event.device_id or event.payload.get("device_id")
        # Another station's training facts are logged, not folded (projections.apply).
        if (
            not event.training
            and event.type != "device.registered"
            and isinstance(device_id, str)
            and device_id not in devices
        ):
            known = conn.execute("SELECT 1 FROM devices WHERE id = ?", (device_id,)).fetchone()
            if known is not None:
                devices.add(device_id)
            else:
                return (
                    Refusal.DEVICE_UNKNOWN,
                    f"device {device_id} is not known here: import its registration first",
                )
        if not guarded:
            try:
                if gathered is not None and event.type in projections.JOB_MOVES:
                    gathered.rows.append(event_row(event, text))
                else:
                    if gathered is not None:  # its handlers may read the log or the jobs
                        gathered.write()
                    _insert_event(conn, event, text)
                projections.apply(conn, event, count=count, gathered=gathered)
            except (sqlite3.IntegrityError, KeyError, TypeError, ValueError) as exc:
                raise _ApplyFailed from exc
            return None
        conn.execute("SAVEPOINT import_event")
        try:
            _insert_event(conn, event, text)
            projections.apply(conn, event, count=count)
        except (sqlite3.IntegrityError, KeyError, TypeError, ValueError) as exc:
            conn.execute("ROLLBACK TO import_event")
            conn.execute("RELEASE import_event")
            return Refusal.NOT_APPLICABLE, f"cannot be applied here ({exc})"
        conn.execute("RELEASE import_event")
        return None

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

    # -- the asset-code prefix ---------------------------------------------------------------

    def set_station_prefix(self, prefix: str) -> None:
        """Makes `prefix`, given by the hub, this station's asset-code prefix from now on:
        new codes use it, codes already given keep theirs (a code is only a text, found as it
        is). Kept in the meta table, so it holds across restarts. Never the training prefix."""
        from bench_app.domain.asset_code import TRAINING_PREFIX, AssetCode

        prefix = AssetCode.make(prefix, 1).prefix  # refuses a malformed prefix
        if prefix == TRAINING_PREFIX:
            raise ValueError("the training prefix is never a station's")
        with self.transaction() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('station_prefix', ?)", (prefix,)
            )
            conn.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES (?, 'hub')", (PREFIX_SOURCE_META,)
            )
        self.station_prefix = prefix

    def prefix_from_hub(self) -> bool:
        """Whether a hub gave this station its asset-code prefix."""
        return self.meta(PREFIX_SOURCE_META) == "hub"


# From this many events in one import (and a log no more than four times as large), the
# counters are counted once at the end: each event moving them costs more than that.
BULK_COUNT_MIN = 1000


class _ApplyFailed(Exception):
    """An imported event could not be applied where no savepoint guarded it."""


def _altered(event: Event) -> bool:
    """Whether an event's content differs from what its hash was computed over."""
    try:
        return event_hash(event.hashed_fields()) != event.hash
    except (TypeError, ValueError):
        return True


UpgradeListener = Callable[[int, int], None]
_upgrade_listener: list[UpgradeListener | None] = [None]


def set_upgrade_listener(listener: UpgradeListener | None) -> None:
    """Who hears how far an upgrade of an existing database has gone, in this process:
    `listener(done, total)` with the events of the log read again so far, first (0, total)
    before the first migration, then as the derived tables are rebuilt, last (total,
    total). Called on the thread that opens the store."""
    _upgrade_listener[0] = listener


def needs_upgrade(path: Path) -> bool:
    """True when the database at `path` exists and is of an older schema (opening it as
    the writer will migrate it, which may take minutes on a large one)."""
    if not Path(path).is_file():
        return False
    try:
        conn = _connect_ro(f"file:{path}?mode=ro")
    except sqlite3.Error:
        return False
    try:
        return 0 < _schema_version(conn) < LATEST_VERSION
    except sqlite3.Error:
        return False
    finally:
        conn.close()


def upgrade_text(done: int, total: int) -> Text:
    """What the station says while it upgrades its database."""
    share = 100 * done // total if total else 100
    fr_done, fr_total = (f"{n:,}".replace(",", "\u202f") for n in (done, total))
    return Text(
        f"Mise à jour de la base : {share} % ({fr_done} faits sur {fr_total}).",
        f"Upgrading the database: {share} % ({done:,} facts of {total:,}).",
    )


def backups(folder: Path) -> list[Path]:
    """The copies of the database kept in `folder` (made before each migration), newest
    first."""
    found = [p for p in Path(folder).glob(f"{DB_NAME}*.bak") if p.is_file()]
    return sorted(found, key=lambda p: p.stat().st_mtime, reverse=True)


def storage_error(exc: BaseException, path: Path) -> BenchError | None:
    """The plain error behind a failure of the database file `path` or of its folder: a
    full disk, a read-only or vanished folder, a damaged file. None for anything else
    (a constraint, a programming error), which stays what it is."""
    folder = str(path.parent)
    if isinstance(exc, OSError):
        return folder_error(exc, path.parent)
    if not isinstance(exc, sqlite3.DatabaseError) or isinstance(
        exc, sqlite3.IntegrityError | sqlite3.ProgrammingError | sqlite3.InterfaceError
    ):
        return None
    primary = (getattr(exc, "sqlite_errorcode", 0) or 0) & 0xFF
    if primary == _SQLITE_FULL:
        return BenchError("DISK_FULL", path=folder)
    if not path.parent.is_dir():
        return BenchError("DATA_FOLDER_GONE", path=folder)
    if primary == _SQLITE_READONLY:
        if exc.sqlite_errorcode == _SQLITE_READONLY_DBMOVED:
            return BenchError("DATA_FOLDER_GONE", path=folder)
        return BenchError("DATA_FOLDER_READONLY", path=folder)
    if primary in (_SQLITE_IOERR, _SQLITE_CANTOPEN):
        return BenchError("DATA_FOLDER_GONE", path=folder)
    if primary in (_SQLITE_CORRUPT, _SQLITE_NOTADB):
        return BenchError("DB_CORRUPT", path=str(path), detail=str(exc))
    return None


# SQLite's primary result codes (sqlite3.h), and one extended code.
_SQLITE_READONLY, _SQLITE_IOERR, _SQLITE_CORRUPT, _SQLITE_FULL = 8, 10, 11, 13
_SQLITE_CANTOPEN, _SQLITE_NOTADB = 14, 26
_SQLITE_READONLY_DBMOVED = _SQLITE_READONLY | (4 << 8)


def _connect_ro(uri: str) -> sqlite3.Connection:
    conn = sqlite3.connect(uri, uri=True, check_same_thread=False, isolation_level=None)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.Error:
        conn.close()
        raise
    return conn


def _read_only_mount(folder: Path) -> bool:
    """True when the file system holding `folder` is mounted read-only (root may write
    anywhere else, so permissions alone do not tell)."""
    try:
        return bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except OSError:
        return False


def _lock_held(lock_path: Path) -> bool:
    """True when a live process holds this station lock (a lock dies with its process)."""
    try:
        fd = os.open(lock_path, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    except OSError:
        return False
    finally:
        os.close(fd)  # closing also lets go of a shared lock taken just now
    return False


def _stored_hashes(conn: sqlite3.Connection, ids: list[str]) -> dict[str, str]:
    """The hashes this log holds for these event ids (one query per 500 ids)."""
    found: dict[str, str] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ", ".join("?" * len(chunk))
        for event_id, held in conn.execute(
            f"SELECT id, hash FROM events WHERE id IN ({marks})", chunk
        ):
            found[event_id] = held
    return found


def _unfit(
    event: Event, own_station: str, travels: bool = False, texts: dict[str, str] | None = None
) -> tuple[Refusal, str] | None:
    """Why an event cannot be imported whatever else is here, as (code, reason), or None.
    `travels`: its payload is known to pass the wire's value rule (floats accepted).
    `texts`: gets the event's payload in the event encoding, cut from what was hashed."""
    if event.station_id in (own_station, training_chain(own_station)):
        return Refusal.OWN_EVENT, "an event of this station that this station does not hold"
    try:
        text = event_json(event.hashed_fields())
        computed = hashlib.sha256(text.encode("utf-8")).hexdigest()  # as event_hash does
    except (TypeError, ValueError) as exc:  # a lone surrogate does not encode: ValueError
        return Refusal.MALFORMED, f"unreadable event: {exc}"
    if computed != event.hash:
        return Refusal.ALTERED, "content does not match its hash"
    if texts is not None:
        texts[event.id] = hashed_payload_text(text)
    if event.seq < 1:
        return Refusal.MALFORMED, f"invalid seq {event.seq}"
    try:
        facts.validate(event.type, event.payload, recorded=True, travels=travels)
    except BenchError as exc:
        return Refusal.INVALID_FACT, exc.message.en
    return None


def _schema_version(conn: sqlite3.Connection) -> int:
    row = conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'meta'"
    ).fetchone()
    if row is None:
        return 0
    value = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    return int(value[0]) if value else 0


def _insert_event(conn: sqlite3.Connection, event: Event, payload_text: str | None = None) -> None:
    """One row of the append-only log (this station's own, or one imported)."""
    conn.execute(INSERT_EVENT, event_row(event, payload_text))
