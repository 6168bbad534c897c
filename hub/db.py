"""One small interface over the hub's database: PostgreSQL (psycopg 3) or SQLite (WAL).

Callers write SQL once with `?` placeholders; PostgreSQL gets `%s`. Every use is a
transaction (`with db.transaction() as tx:`), committed when the block ends and rolled back
when it raises. A small pool of connections serves the web workers' threads."""

from __future__ import annotations

import contextlib
import queue
import sqlite3
import stat
import threading
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from bench_app.errors import BenchError
from bench_app.input_files import not_a_file
from bench_app.store.events import utc_now
from hub.migrations import LATEST_VERSION, MIGRATIONS

DEFAULT_SQLITE_NAME = "etabli-hub.sqlite3"
# A lock id no other program is expected to take: serialises migrations and event writes.
_PG_LOCK_MIGRATE = 0x657461626C6901
_PG_LOCK_EVENTS = 0x657461626C6902
_PG_LOCK_STATION = 0x65746103  # first key of the per-station locks (an int4)


class Tx:
    """The statements of one transaction on one connection."""

    def __init__(self, conn: Any, dialect: str) -> None:
        self._conn = conn
        self.dialect = dialect

    def _sql(self, sql: str) -> str:
        return sql.replace("?", "%s") if self.dialect == "postgresql" else sql

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Runs one statement; returns the number of rows it changed."""
        cur = self._conn.execute(self._sql(sql), tuple(params))
        return int(cur.rowcount)

    def many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        """Runs one statement for each row (pipelined on PostgreSQL)."""
        if not rows:
            return
        if self.dialect == "postgresql":
            with self._conn.cursor() as cur:
                cur.executemany(self._sql(sql), [tuple(r) for r in rows])
        else:
            self._conn.executemany(sql, [tuple(r) for r in rows])

    def copy(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        """Writes the rows into the table: one COPY on PostgreSQL, one executemany on SQLite.
        `rows` may be a generator: PostgreSQL receives the rows (in chunks) as it yields them."""
        names = ", ".join(columns)
        if self.dialect == "postgresql":
            with (
                self._conn.cursor() as cur,
                cur.copy(f"COPY {table} ({names}) FROM STDIN") as copy,
            ):
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join("?" * len(columns))
            self._conn.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return [tuple(r) for r in self._conn.execute(self._sql(sql), tuple(params)).fetchall()]

    def one(self, sql: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None:
        row = self._conn.execute(self._sql(sql), tuple(params)).fetchone()
        return tuple(row) if row is not None else None

    def lock_events(self) -> None:
        """Makes event writers take turns until they commit, so pull cursors become visible
        in order (a PostgreSQL sequence hands out numbers before commit; SQLite has one
        writer). Taken just before writing: checking a batch needs no turn."""
        if self.dialect == "postgresql":
            self._conn.execute("SELECT pg_advisory_xact_lock(%s)", (_PG_LOCK_EVENTS,))

    def try_lock_events(self) -> bool:
        """Takes the writers' turn if no other writer holds it (True), without waiting."""
        if self.dialect != "postgresql":
            return True  # SQLite's transaction already has the one writer's lock
        row = self._conn.execute(
            "SELECT pg_try_advisory_xact_lock(%s)", (_PG_LOCK_EVENTS,)
        ).fetchone()
        return bool(row[0])

    def lock_station(self, station_id: str) -> None:
        """Makes two transactions of one station take turns (its chain is checked against
        the head it holds); other stations' go on at the same time. Two-key advisory locks
        live apart from the one-key locks above; a shared hash only makes two wait."""
        if self.dialect == "postgresql":
            self._conn.execute(
                "SELECT pg_advisory_xact_lock(%s, hashtext(%s))", (_PG_LOCK_STATION, station_id)
            )


SQLITE_MAGIC = b"SQLite format 3\x00"


def _refuse_foreign(path: Path) -> None:
    """Only an SQLite file, an empty one or none yet: SQLite would block on a FIFO, read a
    device forever, and take over a small file of any other kind as a new database."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return  # made on first use; a path that cannot be made fails with HUB_DB_CORRUPT
    if not stat.S_ISREG(mode):
        raise not_a_file(path, mode)
    try:
        with open(path, "rb") as f:
            head = f.read(len(SQLITE_MAGIC))
    except OSError:
        return  # unreadable: SQLite says why, as HUB_DB_CORRUPT
    if head and head != SQLITE_MAGIC:
        raise BenchError("HUB_DB_CORRUPT", path=str(path), detail="not an SQLite database")


class HubDB:
    """The hub's database, opened from a URL: postgresql://... or sqlite:///PATH."""

    def __init__(self, url: str, *, pool_size: int = 8) -> None:
        self.url = url
        parsed = urlparse(url)
        if parsed.scheme in ("postgresql", "postgres"):
            self.dialect = "postgresql"
            self.path: Path | None = None
        elif parsed.scheme == "sqlite":
            self.dialect = "sqlite"
            raw = unquote(url[len("sqlite://") :])
            if not raw or raw == "/":
                raise BenchError("HUB_DB_URL_INVALID", url=url)
            self.path = Path(raw)
            pool_size = 1  # one writer anyway; one connection avoids "database is locked"
        else:
            raise BenchError("HUB_DB_URL_INVALID", url=url)
        self._pool: queue.LifoQueue[Any] = queue.LifoQueue()
        self._slots = threading.BoundedSemaphore(pool_size)
        self._open: list[Any] = []
        self._guard = threading.Lock()
        if self.path is not None:
            _refuse_foreign(self.path)
        try:
            self.migrate()
        except (sqlite3.DatabaseError, OSError) as exc:
            # Not an SQLite file at all, another program's database, or no folder for it.
            self.close()
            raise BenchError(
                "HUB_DB_CORRUPT", path=str(self.path), detail=str(exc) or type(exc).__name__
            ) from exc

    # -- connections ---------------------------------------------------------------------

    def _connect(self) -> Any:
        if self.dialect == "sqlite":
            assert self.path is not None
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("PRAGMA busy_timeout = 10000")
            return conn
        import psycopg  # only a PostgreSQL hub needs the driver

        try:
            return psycopg.connect(self.url, connect_timeout=10)
        except psycopg.Error as exc:
            raise BenchError(
                "HUB_DB_UNREACHABLE", url=_safe_url(self.url), detail=str(exc).strip()
            ) from exc

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Tx]:
        """One transaction: committed at the end of the block, rolled back if it raises."""
        with self._slots:
            try:
                conn = self._pool.get_nowait()
            except queue.Empty:
                conn = self._connect()
                with self._guard:
                    self._open.append(conn)
            broken = False
            try:
                if self.dialect == "sqlite":
                    conn.execute("BEGIN IMMEDIATE")
                tx = Tx(conn, self.dialect)
                try:
                    yield tx
                except BaseException:
                    conn.rollback() if self.dialect == "postgresql" else conn.execute("ROLLBACK")
                    raise
                conn.commit() if self.dialect == "postgresql" else conn.execute("COMMIT")
            except Exception:
                broken = self.dialect == "postgresql" and bool(conn.broken or conn.closed)
                raise
            finally:
                if broken:
                    with self._guard:
                        self._open.remove(conn)
                else:
                    self._pool.put(conn)

    def close(self) -> None:
        with self._guard:
            for conn in self._open:
                with contextlib.suppress(Exception):
                    conn.close()
            self._open.clear()
        while not self._pool.empty():
            self._pool.get_nowait()

    # -- schema --------------------------------------------------------------------------

    def schema_version(self) -> int:
        with self.transaction() as tx:
            return _version(tx)

    def migrate(self) -> None:
        """Brings the schema to LATEST_VERSION, one numbered migration per transaction; an
        SQLite file is copied aside first (PostgreSQL: see the README, pg_dump)."""
        with self.transaction() as tx:
            if self.dialect == "postgresql":
                tx.execute("SELECT pg_advisory_xact_lock(?)", (_PG_LOCK_MIGRATE,))
            tx.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            version = _version(tx)
        if version > LATEST_VERSION:
            raise BenchError(
                "DB_NEWER", path=_safe_url(self.url), found=version, known=LATEST_VERSION
            )
        if version == LATEST_VERSION:
            return
        if version > 0 and self.path is not None:
            self._backup_sqlite(self.path.with_name(f"{self.path.name}.v{version}.bak"))
        for migration in MIGRATIONS:
            with self.transaction() as tx:
                if self.dialect == "postgresql":
                    tx.execute("SELECT pg_advisory_xact_lock(?)", (_PG_LOCK_MIGRATE,))
                if migration.version <= _version(tx):  # another hub process got there first
                    continue
                for statement in migration.render(self.dialect):
                    tx.execute(statement)
                if migration.data is not None:
                    migration.data(tx)
                tx.execute("DELETE FROM schema_version")
                tx.execute("INSERT INTO schema_version (version) VALUES (?)", (migration.version,))

    def _backup_sqlite(self, target: Path) -> None:
        source = sqlite3.connect(self.path)  # type: ignore[arg-type]
        dest = sqlite3.connect(target)
        try:
            source.backup(dest)
        finally:
            dest.close()
            source.close()


def is_unique_violation(exc: BaseException) -> bool:
    """Whether a statement failed on a unique index: another transaction got there first."""
    if isinstance(exc, sqlite3.IntegrityError):
        return "UNIQUE" in str(exc)
    try:
        from psycopg import errors
    except ImportError:  # an SQLite-only hub may have no PostgreSQL driver
        return False
    return isinstance(exc, errors.UniqueViolation)


def _version(tx: Tx) -> int:
    row = tx.one("SELECT max(version) FROM schema_version")
    return int(row[0]) if row and row[0] is not None else 0


def _safe_url(url: str) -> str:
    """The URL without its password, fit for a message."""
    parsed = urlparse(url)
    if parsed.password:
        netloc = parsed.netloc.replace(f":{parsed.password}@", ":***@")
        return parsed._replace(netloc=netloc).geturl()
    return url


def default_sqlite_url(folder: Path) -> str:
    return f"sqlite:///{Path(folder).resolve() / DEFAULT_SQLITE_NAME}"


def now() -> str:
    return utc_now()
