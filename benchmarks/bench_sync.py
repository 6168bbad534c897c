#!/usr/bin/env python3
"""Sync with the collective's hub (issue 7), each figure beside a reference run in the same
script, as ratios (Établi's time over the reference's; below 1: Établi is faster):

1. first sync of --events events from one station to a real hub (its web application served
   by uvicorn in its own process, on SQLite and on PostgreSQL), then the pull of them into a
   second station of the workshop; reference: the same rows written straight into the hub's
   `events` table by one `executemany` (SQLite) or one COPY (PostgreSQL), the floor;
2. one new event synced (push + pull round) after the first sync, median of --rounds;
   reference: two bare `GET /v1/health` requests to the same hub (the HTTP floor);
3. bundle export and import of --events events; reference: gzip of the same rows as JSON
   lines (export), one `executemany` of the rows into a fresh SQLite table (import);
4. hub ingest on PostgreSQL with --stations stations pushing at once (one process each),
   events/s in all; reference: one station pushing alone;
5. scale: --scale-events synthetic events bulk-loaded straight into the hub's PostgreSQL
   schema by `INSERT ... SELECT FROM generate_series` (a test of the hub's queries, not of
   the push path), then a pull page of 500 at the start, middle and end of a workshop's
   cursor range, a device lookup by serial and a push of 1,000 real events, each compared
   with the same query on 100,000 synthetic events (a ratio near 1: the query stays flat).

PostgreSQL is a real server started for the run on 127.0.0.1 (initdb + pg_ctl from the
Debian `postgresql` package, as the `postgres` user when run as root), default durability
(fsync on), and stopped at the end.

    .venv/bin/python benchmarks/bench_sync.py [--events 100000] [--stations 4]
        [--station-events 25000] [--rounds 20] [--scale-events 10000000]
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import hashlib
import json
import multiprocessing
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any

import _common

os.environ.setdefault("ETABLI_TESTING", "1")

from bench_event_log import device_events

from bench_app.signing import Keyring, StationKey, TrustedKey
from bench_app.station import Station
from bench_app.store.database import DB_NAME, NewEvent
from bench_app.sync.bundle import export_bundle, import_bundle
from bench_app.sync.client import client_for, enrol_station, sync_round
from hub import service
from hub.db import HubDB
from hub.service import StationIdentity, create_enrolment_code

EVENT_COLUMNS = (
    "id, station_id, seq, workshop_id, operator, ts, type, device_id, payload, training,"
    " prev_hash, hash, received_at"
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# -- a real PostgreSQL server on loopback ----------------------------------------------------


class Postgres:
    """initdb + pg_ctl start on 127.0.0.1 for the run (the commands of tests/hub/conftest.py,
    with fsync left on)."""

    def __init__(self, folder: Path) -> None:
        found = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True)
        bins = [Path(found.stdout.strip()), *sorted(Path("/usr/lib/postgresql").glob("*/bin"))]
        self.bindir = next(b for b in bins if (b / "initdb").exists() and (b / "pg_ctl").exists())
        self.folder = folder
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            shutil.chown(folder, "postgres", "postgres")
            self.as_user = ["runuser", "-u", "postgres", "--"]
        self.data = folder / "data"
        subprocess.run(
            [
                *self.as_user,
                str(self.bindir / "initdb"),
                "-D",
                str(self.data),
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--locale=C",
            ],
            check=True,
            capture_output=True,
        )
        self.port = _free_port()
        options = (
            f"-k {folder} -p {self.port} -c listen_addresses=127.0.0.1"
            " -c max_wal_size=8GB -c shared_buffers=256MB -c max_connections=100"
        )
        subprocess.run(
            [
                *self.as_user,
                str(self.bindir / "pg_ctl"),
                "-D",
                str(self.data),
                "-o",
                options,
                "-l",
                str(folder / "server.log"),
                "-w",
                "start",
            ],
            check=True,
            capture_output=True,
        )
        self._names = 0

    def url(self, database: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        import psycopg

        self._names += 1
        name = f"bench_{self._names}"
        with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        return self.url(name)

    def settle(self) -> None:
        """Drops the databases of the parts already measured and writes out what they left
        in memory (CHECKPOINT), so that the next part does not share the 2 cores with the
        autovacuum and the checkpoint of the rows the earlier parts inserted."""
        import psycopg

        with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
            for n in range(1, self._names + 1):
                conn.execute(f"DROP DATABASE IF EXISTS bench_{n} WITH (FORCE)")
            conn.execute("CHECKPOINT")

    def stop(self) -> None:
        subprocess.run(
            [
                *self.as_user,
                str(self.bindir / "pg_ctl"),
                "-D",
                str(self.data),
                "-m",
                "fast",
                "-w",
                "stop",
            ],
            check=False,
            capture_output=True,
        )


# -- the hub, served by uvicorn in its own process -----------------------------------------------

# As `etabli hub --workers N` serves it: one worker process per core.
SERVE = (
    "import os, sys, uvicorn\n"
    "os.environ['ETABLI_HUB_DB'] = sys.argv[1]\n"
    "uvicorn.run('hub.app:app_from_environment', factory=True, host='127.0.0.1',"
    " port=int(sys.argv[2]), workers=os.cpu_count() or 1, log_level='warning')\n"
)


# The served hub's peak resident memory (VmHWM) per base URL, read as it stops: the largest
# of its processes (each uvicorn worker is one) and all of them together, in KiB.
HUB_PEAK_KIB: dict[str, dict[str, int]] = {}


def _process_tree(pid: int) -> list[int]:
    """The process and its descendants (from /proc/PID/task/*/children)."""
    found, todo = [], [pid]
    while todo:
        here = todo.pop()
        found.append(here)
        for task in Path(f"/proc/{here}/task").glob("*"):
            with contextlib.suppress(OSError):
                todo += [int(c) for c in (task / "children").read_text().split()]
    return found


def _vm_hwm_kib(pid: int) -> int:
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


@contextlib.contextmanager
def served_hub(db_url: str) -> Iterator[str]:
    """The hub's real web application on a loopback port; its base URL. Its peak memory
    lands in HUB_PEAK_KIB[url] when it stops."""
    HubDB(db_url).close()  # schema made before the server starts
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-c", SERVE, db_url, str(port)], cwd=_common.ROOT, env=os.environ.copy()
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(400):
            with contextlib.suppress(OSError):
                urllib.request.urlopen(url + "/v1/health", timeout=1).read()
                break
            time.sleep(0.05)
        yield url
    finally:
        peaks = [_vm_hwm_kib(pid) for pid in _process_tree(process.pid)]
        HUB_PEAK_KIB[url] = {"largest": max(peaks, default=0), "all": sum(peaks)}
        process.terminate()
        process.wait(timeout=30)


def code_for(db_url: str, workshop: str) -> str:
    db = HubDB(db_url)
    try:
        return create_enrolment_code(db, workshop)[0]
    finally:
        db.close()


# -- stations -----------------------------------------------------------------------------------


def make_station(folder: Path, n_events: int, first_device: int = 0) -> None:
    """A station whose log holds about n_events real events (16 per phone's quick check)."""
    station = Station(folder, operator="bench")
    try:
        batch: list[NewEvent] = []
        device = first_device
        made = 0
        while made < n_events:
            events = device_events(device)[: n_events - made]
            batch += events
            made += len(events)
            device += 1
            if len(batch) >= 1024 or made >= n_events:
                station.store.record(batch, operator="bench", training=False)
                batch = []
    finally:
        station.close()


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def hub_rows(db_url: str) -> tuple[list[tuple[Any, ...]], list[Any], list[Any]]:
    """The hub's events (payload as text), workshops and stations, to replay as the floor."""
    db = HubDB(db_url)
    try:
        with db.transaction() as tx:
            cast = "payload::text" if db.dialect == "postgresql" else "payload"
            cols = EVENT_COLUMNS.replace("payload", cast)
            rows = tx.all(f"SELECT {cols} FROM events ORDER BY cursor")
            workshops = tx.all("SELECT * FROM workshops")
            stations = tx.all("SELECT * FROM stations")
    finally:
        db.close()
    return rows, workshops, stations


def floor_insert(db_url: str, rows: list[Any], workshops: list[Any], stations: list[Any]) -> float:
    """Seconds to write the rows into a fresh hub schema with one executemany / one COPY."""
    db = HubDB(db_url)
    try:
        with db.transaction() as tx:
            # as many marks as the hub's schema has columns today
            for table, rows_of in (("workshops", workshops), ("stations", stations)):
                if rows_of:
                    marks = ", ".join("?" * len(rows_of[0]))
                    tx.many(f"INSERT INTO {table} VALUES ({marks})", rows_of)
        start = time.perf_counter()
        if db.dialect == "sqlite":
            with db.transaction() as tx:
                marks = ", ".join("?" * 13)
                tx.many(f"INSERT INTO events ({EVENT_COLUMNS}) VALUES ({marks})", rows)
        else:
            import psycopg

            with (
                psycopg.connect(db_url) as conn,
                conn.cursor() as cur,
                cur.copy(f"COPY events ({EVENT_COLUMNS}) FROM STDIN") as copy,
            ):
                for row in rows:
                    copy.write_row(row)
        return time.perf_counter() - start
    finally:
        db.close()


# -- 1 and 2: first sync, then one event -------------------------------------------------------


def first_sync(
    backend: str, db_url: str, floor_url: str, source: Path, work: Path, rounds: int
) -> dict[str, Any]:
    a_folder, b_folder = work / f"{backend}-a", work / f"{backend}-b"
    shutil.copytree(source, a_folder)
    out: dict[str, Any] = {}
    with served_hub(db_url) as url:
        a = Station(a_folder, operator="bench")
        b = Station(b_folder, operator="bench")
        try:
            enrol_station(a_folder, a.store, url, code_for(db_url, "Atelier A"))
            enrol_station(b_folder, b.store, url, code_for(db_url, "Atelier A"))
            client_a = client_for(a_folder, a.store)
            client_b = client_for(b_folder, b.store)
            push_s, pushed = timed(lambda: client_a.push(a.store))
            own_pull_s, _ = timed(lambda: client_a.pull(a.store))
            pull_s, pulled = timed(lambda: client_b.pull(b.store))
            assert pushed.accepted == pulled.accepted, (pushed, pulled)
            out.update(
                events=pushed.accepted,
                push_seconds=round(push_s, 4),
                push_events_per_s=round(pushed.accepted / push_s),
                own_pull_back_seconds=round(own_pull_s, 4),
                second_station_pull_seconds=round(pull_s, 4),
                second_station_pull_events_per_s=round(pulled.accepted / pull_s),
            )
            times, floor_times = [], []
            for i in range(rounds):
                a.store.record(
                    [NewEvent("job.started", {"job_id": f"one-{i}"}, None)],
                    operator="bench",
                    training=False,
                )
                t, _ = timed(lambda: sync_round(a_folder, a.store, client_a))
                times.append(t)
                start = time.perf_counter()
                for _ in range(2):
                    urllib.request.urlopen(url + "/v1/health", timeout=10).read()
                floor_times.append(time.perf_counter() - start)
            one = _common.median(times)
            floor = _common.median(floor_times)
            out.update(
                one_event_round_ms=round(one * 1000, 3),
                reference_two_health_requests_ms=round(floor * 1000, 2),
                ratio_one_event_vs_two_requests=round(one / floor, 1),
            )
        finally:
            a.close()
            b.close()
    rows, workshops, stations = hub_rows(db_url)
    rows = rows[: out["events"]]
    floor_s = floor_insert(floor_url, rows, workshops, stations)
    out.update(
        reference_floor_insert_seconds=round(floor_s, 4),
        reference="one COPY" if backend == "postgresql" else "one executemany",
        ratio_push_vs_floor=round(push_s / floor_s, 1),
    )
    return out


# -- 3: bundles ----------------------------------------------------------------------------------


def bundles(source: Path, work: Path) -> dict[str, Any]:
    folder = work / "bundle-a"
    shutil.copytree(source, folder)
    station = Station(folder, operator="bench")
    key = StationKey.load_or_create(folder)
    path = work / "a.etabli-bundle"
    try:
        export_s, header = timed(lambda: export_bundle(station.store, key, path))
    finally:
        station.close()
    db = folder / DB_NAME

    def gzip_lines() -> int:
        conn = sqlite3.connect(db)
        conn.row_factory = sqlite3.Row
        try:
            lines = b"".join(
                json.dumps(dict(r), separators=(",", ":")).encode() + b"\n"
                for r in conn.execute("SELECT * FROM events ORDER BY station_id, seq")
            )
        finally:
            conn.close()
        data = gzip.compress(lines, compresslevel=6, mtime=0)
        (work / "ref.jsonl.gz").write_bytes(data)
        return len(data)

    gzip_s, _ = timed(gzip_lines)
    target = work / "bundle-b"
    fresh = Station(target, operator="bench")
    keyring = Keyring([TrustedKey(key.key_id, key.public, "bench")])
    try:
        import_s, (_, imported) = timed(lambda: import_bundle(fresh.store, path, keyring))
        # The derived tables alone (devices, jobs, steps, search, counters): what the import
        # folds beyond writing the log, computed again from the log it wrote (this also reads
        # and parses the log back, which the import does not).
        derived_s, _ = timed(fresh.store.rebuild_projections)
    finally:
        fresh.close()
    assert not imported.rejected, imported.rejected[:3]
    conn = sqlite3.connect(db)
    schema = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'events'").fetchone()[0]
    rows = conn.execute("SELECT * FROM events").fetchall()
    conn.close()
    plain = sqlite3.connect(work / "plain.sqlite3")
    plain.execute(schema)
    start = time.perf_counter()
    with plain:
        plain.executemany(f"INSERT INTO events VALUES ({', '.join('?' * len(rows[0]))})", rows)
    plain_s = time.perf_counter() - start
    plain.close()
    parse_hash_s, indexed_s = checked_floors(path, db)
    return {
        "events": header.events,
        "bundle_mib": round(path.stat().st_size / 2**20, 1),
        "export_seconds": round(export_s, 4),
        "reference_gzip_json_lines_seconds": round(gzip_s, 4),
        "ratio_export_vs_gzip": round(export_s / gzip_s, 1),
        "import_seconds": round(import_s, 4),
        "reference_plain_executemany_seconds": round(plain_s, 4),
        "ratio_import_vs_executemany": round(import_s / plain_s, 1),
        "floor_parse_hash_seconds": round(parse_hash_s, 4),
        "ratio_parse_hash_floor_vs_executemany": round(parse_hash_s / plain_s, 1),
        "floor_parse_hash_indexed_insert_seconds": round(indexed_s, 4),
        "ratio_indexed_floor_vs_executemany": round(indexed_s / plain_s, 1),
        "derived_tables_rebuild_seconds": round(derived_s, 4),
        "ratio_import_vs_indexed_floor_plus_derived": round(import_s / (indexed_s + derived_s), 2),
    }


def checked_floors(bundle: Path, db: Path) -> tuple[float, float]:
    """The least any import that checks each event does, written bare here with the standard
    library, in the same run: (1) inflate the bundle and parse each line, recompute each
    event's hash (the event encoding: sorted keys, no spaces, UTF-8) and compare; (2) the same,
    then the rows into a copy of the station's own `events` table with its indexes, by one
    `executemany`. No schema check, no chain check, no derived tables: below what a safe
    import can be. Seconds of each."""
    fields = ("id", "station_id", "seq", "operator", "ts", "type", "device_id", "payload")
    rest = ("training", "prev_hash")

    def parsed() -> list[tuple[Any, ...]]:
        lines = gzip.decompress(bundle.read_bytes()).split(b"\n")[1:-2]  # header, signature
        rows = []
        for line in lines:
            event = json.loads(line)
            stored = event.pop("hash")
            text = json.dumps(event, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
            if hashlib.sha256(text.encode()).hexdigest() != stored:
                raise RuntimeError(f"hash mismatch in the floor's own reading: {event['id']}")
            payload = json.dumps(
                event["payload"], sort_keys=True, separators=(",", ":"), ensure_ascii=False
            )
            event["payload"] = payload
            rows.append((*(event[f] for f in fields), *(event[f] for f in rest), stored))
        return rows

    start = time.perf_counter()
    rows = parsed()
    parse_hash_s = time.perf_counter() - start
    conn = sqlite3.connect(db)
    schema = [
        sql
        for (sql,) in conn.execute(
            "SELECT sql FROM sqlite_master WHERE tbl_name = 'events' AND sql IS NOT NULL"
            " ORDER BY type = 'index'"
        )
    ]
    conn.close()
    target = db.with_name("floor-indexed.sqlite3")
    indexed = sqlite3.connect(target)
    for sql in schema:
        indexed.execute(sql)
    columns = ", ".join((*fields, *rest, "hash"))
    start = time.perf_counter()
    rows = parsed()
    with indexed:
        indexed.executemany(
            f"INSERT INTO events ({columns}) VALUES ({', '.join('?' * len(rows[0]))})", rows
        )
    indexed_s = time.perf_counter() - start
    indexed.close()
    target.unlink()
    return parse_hash_s, indexed_s


# -- 4: several stations pushing at once --------------------------------------------------------


_READY: Any = None  # the barrier the stations of one ingest wait at (set in each process)


def _ready_at(barrier: Any) -> None:
    global _READY
    _READY = barrier


def push_folder(folder: str) -> tuple[int, float, float]:
    """Pushes one enrolled station's events once every station of the run is open (when
    run in a pool made with `_ready_at`); (accepted, start, end) on the monotonic clock."""
    station = Station(Path(folder), operator="bench")
    try:
        client = client_for(Path(folder), station.store)
        client.timeout = 600.0
        if _READY is not None:
            _READY.wait()
        start = time.perf_counter()
        result = client.push(station.store)
        return result.accepted, start, time.perf_counter()
    finally:
        station.close()


def concurrent_ingest(pg: Postgres, sources: list[Path], work: Path) -> dict[str, Any]:
    alone_url = pg.new_database()
    alone = work / "alone"
    shutil.copytree(sources[0], alone)
    with served_hub(alone_url) as url:
        st = Station(alone, operator="bench")
        enrol_station(alone, st.store, url, code_for(alone_url, "Atelier A"))
        st.close()
        n_alone, begun, ended = push_folder(str(alone))
        alone_s = ended - begun
    many_url = pg.new_database()
    folders = []
    with served_hub(many_url) as url:
        for i, source in enumerate(sources):
            folder = work / f"many-{i}"
            shutil.copytree(source, folder)
            st = Station(folder, operator="bench")
            enrol_station(folder, st.store, url, code_for(many_url, f"Atelier {i % 2}"))
            st.close()
            folders.append(str(folder))
        # Timed from the first push to the last answer: the stations' processes start and
        # open their data first, then wait for each other (a station is already running).
        ready = multiprocessing.get_context("fork").Barrier(len(folders))
        with ProcessPoolExecutor(
            len(folders),
            mp_context=multiprocessing.get_context("fork"),
            initializer=_ready_at,
            initargs=(ready,),
        ) as pool:
            results = list(pool.map(push_folder, folders))
        wall = max(end for _, _, end in results) - min(start for _, start, _ in results)
    peak = HUB_PEAK_KIB.get(url)
    total = sum(n for n, _, _ in results)
    rate, alone_rate = total / wall, n_alone / alone_s
    # the floor: the same rows written by one COPY into a fresh schema
    rows, workshops, stations = hub_rows(many_url)
    copy_s = floor_insert(pg.new_database(), rows, workshops, stations)
    return {
        "reference_copy_seconds": round(copy_s, 4),
        "reference_copy_events_per_s": round(len(rows) / copy_s),
        "ratio_copy_rate_vs_together_rate": round(len(rows) / copy_s / rate, 2),
        "stations": len(folders),
        "events_per_station": n_alone,
        "together_events": total,
        "together_seconds": round(wall, 2),
        "together_events_per_s": round(rate),
        "reference_one_station_events_per_s": round(alone_rate),
        "ratio_together_vs_alone_rate": round(rate / alone_rate, 2),
        "hub_workers": os.cpu_count() or 1,
        "hub_peak_rss_mib_largest_process": round((peak or {}).get("largest", 0) / 1024, 1),
        "hub_peak_rss_mib_all_processes": round((peak or {}).get("all", 0) / 1024, 1),
    }


# -- 5: scale ------------------------------------------------------------------------------------

WORKSHOPS, STATIONS = 100, 400


def bulk_load(db_url: str, n: int) -> float:
    """n synthetic events straight into the hub's schema (INSERT ... SELECT generate_series);
    ids ordered like UUIDv7, 16 events per device, 400 stations in 100 workshops."""
    import psycopg

    HubDB(db_url).close()
    start = time.perf_counter()
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO workshops SELECT 'ws-' || w, 'Atelier ' || w, '2025-01-01T00:00:00Z'"
            " FROM generate_series(0, %s) w",
            (WORKSHOPS - 1,),
        )
        conn.execute(
            "INSERT INTO stations SELECT 'st-' || s, 'ws-' || (s %% %s), 'k' || s, 'kid-' || s,"
            " '2025-01-01T00:00:00Z' FROM generate_series(0, %s) s",
            (WORKSHOPS, STATIONS - 1),
        )
        conn.execute(
            f"""
            INSERT INTO events ({EVENT_COLUMNS})
            SELECT (substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-7000-8000-' || h)::uuid,
                   'st-' || (g %% {STATIONS}), g / {STATIONS} + 1,
                   'ws-' || ((g %% {STATIONS}) %% {WORKSHOPS}), 'bench',
                   to_char(timestamp '2025-01-01' + g * interval '3 seconds',
                           'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
                   'step.finished', 'dev-' || (g / 16),
                   json_build_object('job_id', 'job-' || (g / 16), 'step_id', 'battery',
                                     'status', 'passed', 'measures',
                                     json_build_object('health_percent', g %% 100,
                                                       'cycles', g %% 900)),
                   false, md5('p' || g) || md5('q' || g), md5('h' || g) || md5('i' || g),
                   timestamptz '2025-01-01' + g * interval '3 seconds'
            FROM (SELECT g, lpad(to_hex(g), 12, '0') AS h
                  FROM generate_series(0, %s) g) s
            """,
            (n - 1,),
        )
        conn.execute(
            "INSERT INTO device_identities SELECT 'serial', 'SER' || lpad(d::text, 9, '0'),"
            " 'dev-' || d, 'ws-' || (((d * 16) %% %s) %% %s) FROM generate_series(0, %s) d",
            (STATIONS, WORKSHOPS, (n - 1) // 16),
        )
        conn.execute("ANALYZE")
    return time.perf_counter() - start


def scale_queries(
    db_url: str, n: int, push_events: list[dict[str, Any]], reps: int
) -> dict[str, float]:
    """Median milliseconds of the hub's own queries (hub.service) on a loaded database."""
    db = HubDB(db_url)
    try:
        station = StationIdentity("st-0", "ws-0")
        with db.transaction() as tx:
            cursors = tx.all(
                "SELECT min(cursor), max(cursor), count(*) FROM events WHERE workshop_id = ?",
                ("ws-0",),
            )[0]
            last = tx.one(
                "SELECT cursor FROM events WHERE workshop_id = ? ORDER BY cursor DESC"
                " OFFSET 500 LIMIT 1",
                ("ws-0",),
            )
        low, high = int(cursors[0]), int(cursors[1])
        points = {
            "pull_start": low - 1,
            "pull_middle": (low + high) // 2,
            "pull_newest": int(last[0]) if last else 0,
        }
        out: dict[str, float] = {}
        for name, after in points.items():
            times = []
            for _ in range(reps):
                t, page = timed(partial(service.pull, db, station, after, 500))
                assert len(page["events"]) == 500, (name, len(page["events"]))
                times.append(t)
            out[name + "_ms"] = round(_common.median(times) * 1000, 2)
        serials = [f"SER{(n // 16) * k // reps:09d}" for k in range(reps)]
        times = []
        for serial in serials:
            t, found = timed(partial(service.lookup_device, db, "serial", serial))
            assert found["history"], serial
            times.append(t)
        out["lookup_serial_ms"] = round(_common.median(times) * 1000, 2)
        with db.transaction() as tx:
            tx.execute(
                "INSERT INTO stations (station_id, workshop_id, public_key, key_id, enrolled_at)"
                " VALUES (?, 'ws-1', 'k', 'kid-push', '2025-01-01T00:00:00Z')",
                (push_events[0]["station_id"],),
            )
        who = StationIdentity(push_events[0]["station_id"], "ws-1")
        t, result = timed(lambda: service.push(db, who, push_events))
        assert len(result.accepted) == len(push_events), result.rejected[:3]
        out["push_1000_ms"] = round(t * 1000, 1)
        return out
    finally:
        db.close()


def served_memory(db_url: str, n: int, work: Path, reps: int) -> dict[str, Any]:
    """The served hub's peak memory on a loaded database: a real station of workshop
    "Atelier 0" (ws-0, 1/100 of the events) enrolled over HTTP pulls pages of 1,000 at the
    start, middle and end of its workshop's range, looks devices up and pushes 1,000 events."""
    folder = work / "memory-probe"
    make_station(folder, 1000, first_device=2 * 10**7)
    with served_hub(db_url) as url:
        station = Station(folder, operator="bench")
        try:
            enrol_station(folder, station.store, url, code_for(db_url, "Atelier 0"))
            client = client_for(folder, station.store)
            client.timeout = 600.0
            for after in (0, n // 2, max(0, n - 200_000)):  # ws-0 holds 1 event in 100
                for _ in range(reps):
                    status, _ = client._request("GET", f"/v1/events?after={after}&limit=1000")
                    assert status == 200, status
            for k in range(reps):
                serial = f"SER{(n // 16) * k // reps:09d}"
                status, _ = client._request("GET", f"/v1/devices/lookup?serial={serial}")
                assert status == 200, status
            pushed = client.push(station.store)
            assert not pushed.rejected, pushed.rejected[:3]
        finally:
            station.close()
    peak = HUB_PEAK_KIB[url]
    return {
        "hub_workers": os.cpu_count() or 1,
        "hub_peak_rss_mib_largest_process": round(peak["largest"] / 1024, 1),
        "hub_peak_rss_mib_all_processes": round(peak["all"] / 1024, 1),
    }


def scale(pg: Postgres, n: int, work: Path, reps: int) -> dict[str, Any]:
    folder = work / "push-1000"
    make_station(folder, 1000, first_device=10**7)
    st = Station(folder, operator="bench")
    push_events = [e.to_json() for e in st.store.events_since(st.store.station_id, 0)]
    st.close()
    small_url, big_url = pg.new_database(), pg.new_database()
    small_load = bulk_load(small_url, 100_000)
    small = scale_queries(small_url, 100_000, push_events, reps)
    small_memory = served_memory(small_url, 100_000, work / "small", reps)
    big_load = bulk_load(big_url, n)
    big = scale_queries(big_url, n, push_events, reps)
    big_memory = served_memory(big_url, n, work / "big", reps)
    import psycopg

    with psycopg.connect(big_url) as conn:
        size = conn.execute("SELECT pg_database_size(current_database())").fetchone()
    out: dict[str, Any] = {
        "events": n,
        "load": "INSERT ... SELECT generate_series into the hub's schema (not the push path)",
        "load_seconds": round(big_load, 1),
        "load_events_per_s": round(n / big_load),
        "load_100k_seconds": round(small_load, 2),
        "database_gib": round(int(size[0]) / 2**30, 2) if size else None,
        "served_hub_memory": big_memory,
        "served_hub_memory_at_100k": small_memory,
    }
    for key, value in big.items():
        out[key] = value
        out["at_100k_" + key] = small[key]
        out["ratio_" + key.removesuffix("_ms")] = round(value / small[key], 2)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else "")
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--stations", type=int, default=4)
    parser.add_argument("--station-events", type=int, default=25_000)
    parser.add_argument("--scale-events", type=int, default=10_000_000)
    parser.add_argument("--reps", type=int, default=15)
    parser.add_argument(
        "--skip", nargs="*", default=[], choices=["sync", "bundle", "ingest", "scale"]
    )
    _common.add_json_flag(parser)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="etabli-bench-sync-"))
    pg = Postgres(Path(tempfile.mkdtemp(prefix="etabli-bench-pg-")))
    figures: dict[str, Any] = {}
    try:
        source = work / "source"
        t, _ = timed(lambda: make_station(source, args.events))
        print(f"station of {args.events} events made in {t:.1f} s", flush=True)
        if "sync" not in args.skip:
            figures["first_sync_sqlite"] = first_sync(
                "sqlite",
                f"sqlite://{work / 'hub.sqlite3'}",
                f"sqlite://{work / 'floor.sqlite3'}",
                source,
                work,
                args.rounds,
            )
            print(figures["first_sync_sqlite"], flush=True)
            figures["first_sync_postgresql"] = first_sync(
                "postgresql", pg.new_database(), pg.new_database(), source, work, args.rounds
            )
            print(figures["first_sync_postgresql"], flush=True)
        if "bundle" not in args.skip:
            figures["bundle"] = bundles(source, work)
            print(figures["bundle"], flush=True)
        if "ingest" not in args.skip:
            pg.settle()
            sources = []
            for i in range(args.stations):
                folder = work / f"ingest-source-{i}"
                make_station(folder, args.station_events, first_device=(i + 1) * 10**6)
                sources.append(folder)
            figures["ingest_postgresql"] = concurrent_ingest(pg, sources, work)
            print(figures["ingest_postgresql"], flush=True)
        if "scale" not in args.skip:
            figures["scale_postgresql"] = scale(pg, args.scale_events, work, args.reps)
    finally:
        pg.stop()
        shutil.rmtree(pg.folder, ignore_errors=True)
        shutil.rmtree(work, ignore_errors=True)
    _common.report("bench_sync", figures, sync_measures(figures), as_json=args.json)


def sync_measures(figures: dict[str, Any]) -> list[dict[str, Any]]:
    """The measure records of the parts that ran."""
    out = []
    for backend in ("sqlite", "postgresql"):
        part = figures.get(f"first_sync_{backend}")
        if part is None:
            continue
        # the goal is set for 100,000 events: the push time is scaled to that many
        scale = 100_000 / part["events"]
        out.append(
            _common.measure(
                "first_sync_push_100k"
                if backend == "postgresql"
                else "first_sync_push_100k_sqlite",
                part["push_seconds"] * scale,
                part["reference_floor_insert_seconds"] * scale,
                "s per 100,000 events",
            )
        )
        out.append(
            _common.measure(
                f"one_event_round_{backend}",
                part["one_event_round_ms"],
                part["reference_two_health_requests_ms"],
                "ms",
            )
        )
    if "bundle" in figures:
        part = figures["bundle"]
        out.append(
            _common.measure(
                "bundle_import_vs_insert",
                part["import_seconds"],
                part["reference_plain_executemany_seconds"],
                "s",
            )
        )
        # The least a checked import does, in the same run (no goal: the limit the goal
        # above meets): parsing and re-hashing every event, then also writing the rows
        # into the station's indexed log.
        out.append(
            _common.measure(
                "bundle_parse_hash_floor_vs_insert",
                part["floor_parse_hash_seconds"],
                part["reference_plain_executemany_seconds"],
                "s",
            )
        )
        out.append(
            _common.measure(
                "bundle_indexed_floor_vs_insert",
                part["floor_parse_hash_indexed_insert_seconds"],
                part["reference_plain_executemany_seconds"],
                "s",
            )
        )
        # The import beside the sum of its parts measured bare: the indexed floor and the
        # derived tables rebuilt from the log (about 1: the import is what it must do).
        out.append(
            _common.measure(
                "bundle_import_vs_floor_plus_derived",
                part["import_seconds"],
                part["floor_parse_hash_indexed_insert_seconds"]
                + part["derived_tables_rebuild_seconds"],
                "s",
            )
        )
        out.append(
            _common.measure(
                "bundle_export_vs_gzip",
                part["export_seconds"],
                part["reference_gzip_json_lines_seconds"],
                "s",
            )
        )
    if "ingest_postgresql" in figures:
        part = figures["ingest_postgresql"]
        copy_rate = part["reference_copy_events_per_s"]
        rate = part["together_events_per_s"]
        out.append(
            _common.measure(
                "ingest_pg_4_stations_rate",
                rate,
                copy_rate,
                "events/s",
                rate / copy_rate,
                ratio_means="rate ours / rate of one bare COPY",
            )
        )
        out.append(
            _common.measure(
                "ingest_pg_4_stations_vs_copy",
                rate,
                copy_rate,
                "events/s",
                copy_rate / rate,
                ratio_means="rate of one bare COPY / rate ours (how many times slower)",
            )
        )
        out.append(
            _common.measure(
                "hub_peak_rss_4_stations",
                part["hub_peak_rss_mib_largest_process"],
                None,
                "MiB (largest hub process)",
            )
        )
    if "scale_postgresql" in figures:
        part = figures["scale_postgresql"]
        out.append(
            _common.measure(
                "hub_peak_rss_at_scale",
                part["served_hub_memory"]["hub_peak_rss_mib_largest_process"],
                part["served_hub_memory_at_100k"]["hub_peak_rss_mib_largest_process"],
                f"MiB (largest hub process, {part['events']:,} events vs 100,000)",
            )
        )
    return out


if __name__ == "__main__":
    main()
