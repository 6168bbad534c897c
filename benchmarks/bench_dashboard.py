#!/usr/bin/env python3
"""The dashboard's refresh on a large station database, beside a reference, in one run.

The database (1,000,000 devices by default) is made by this script's own bulk builder: the
schema comes from the store's migrations (indexes included), then rows go straight into the
event log and the derived tables with `executemany`, as the store would have left them for
the facts the dashboard reads (registered, identified, a diagnosis job, an erasure, an
install job for phones, a grade, an outcome with a due date for loans and rentals), spread
evenly over two years, four stations and 100 devices per lot. The hash chain is not
computed (placeholder hashes): the dashboard never reads it, and `etabli db check` would
refuse this database. The loans and rentals are then derived from the outcomes by
migration 9's own statements (those that take in outcomes recorded without a loan id). (A reusable 1M-device builder is meant to replace this one.)

Measured, for the periods the window offers (this week, month and year, ending on the last
day of the data): `dashboard.compute` (every figure, as the window's refresh does) and the
filter lists (stations, donors, lots) against a reference reading the same facts: a bare
`SELECT type, count(*) ... GROUP BY type` over the period's facts of the same types. Medians
of --reps runs after one warm-up; the first run's time is kept too, and each figure's own
time (one run after a warm-up).

    .venv/bin/python benchmarks/bench_dashboard.py [--devices 1000000] [--reps 3]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import _common

os.environ.setdefault("ETABLI_TESTING", "1")

from bench_app import dashboard
from bench_app.output.reports.environment import load_factors
from bench_app.store.database import DB_NAME, Store
from bench_app.store.migrations import MIGRATIONS, split_sql

FIRST_DAY = date(2025, 1, 1)
LAST_DAY = date(2026, 12, 31)
STATIONS = [f"0190aaaa-0000-7000-8000-00000000000{n}" for n in range(1, 5)]
KINDS = ["phone", "laptop", "tablet", "desktop", "phone"]
OUTCOMES = ["donation", "loan", "rental", "sale", "reuse", "spare_parts", "recycling", "donation"]
GRADES = ["A", "B", "B", "C"]
STAGE_TYPES = (
    "device.registered",
    "device.identified",
    "erasure.finished",
    "job.finished",
    "grade.assigned",
    "outcome.recorded",
)


def _uid(kind: int, n: int) -> str:
    h = f"{kind:04x}{n:028x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _ts(at: datetime) -> str:
    return at.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _device_rows(i: int, n: int, seqs: list[int]) -> Iterator[tuple[str, Any]]:
    """("events" | table, row) for device i of n: its facts and derived rows."""
    span = datetime.combine(LAST_DAY, datetime.min.time()).replace(tzinfo=UTC) - datetime.combine(
        FIRST_DAY, datetime.min.time()
    ).replace(tzinfo=UTC)
    t0 = datetime.combine(FIRST_DAY, datetime.min.time()).replace(tzinfo=UTC) + span * (i / n)
    s = i % len(STATIONS)
    station = STATIONS[s]
    device = _uid(1, i)
    lot = _uid(2, i // 100)
    kind = KINDS[i % len(KINDS)]
    erased = i % 20 != 0
    outcome = OUTCOMES[i % len(OUTCOMES)] if i % 10 != 0 else None
    facts: list[tuple[datetime, str, str]] = []

    def fact(at: datetime, type_: str, payload: str) -> None:
        facts.append((at, type_, payload))

    fact(t0, "device.registered", f'{{"device_id":"{device}","kind":"{kind}"}}')
    fact(t0 + timedelta(hours=1), "device.identified", f'{{"device_id":"{device}","fields":{{}}}}')
    diag = _uid(3, i)
    fact(t0 + timedelta(hours=2), "job.created", f'{{"job_id":"{diag}"}}')
    fact(t0 + timedelta(hours=3), "job.finished", f'{{"job_id":"{diag}","state":"succeeded"}}')
    erasure = _uid(4, i)
    result = "erased" if erased else "not_erased"
    t_erase = t0 + timedelta(days=1)
    fact(t_erase, "erasure.started", f'{{"erasure_id":"{erasure}"}}')
    fact(
        t_erase + timedelta(hours=1),
        "erasure.finished",
        f'{{"erasure_id":"{erasure}","result":"{result}","device_id":"{device}"}}',
    )
    install = _uid(5, i) if kind == "phone" else None
    if install:
        fact(t0 + timedelta(days=1, hours=3), "job.finished",
             f'{{"job_id":"{install}","state":"succeeded"}}')  # fmt: skip
    grade = GRADES[i % len(GRADES)]
    t_grade = t0 + timedelta(days=2)
    fact(t_grade, "grade.assigned", f'{{"device_id":"{device}","workshop_grade":"{grade}"}}')
    t_out = t0 + timedelta(days=5)
    due = (t_out + timedelta(days=90)).date().isoformat()
    if outcome:
        extra = f',"due_on":"{due}"' if outcome in ("loan", "rental") else ""
        fact(t_out, "outcome.recorded", f'{{"device_id":"{device}","kind":"{outcome}"{extra}}}')
    ids: dict[str, str] = {}
    for at, type_, payload in facts:
        seqs[s] += 1
        event_id = _uid(9, seqs[s] * 8 + s)
        ids[type_] = event_id
        yield (
            "events",
            (event_id, station, seqs[s], "bench", _ts(at), type_, device, payload, 0, "-", "-"),
        )
    if i % 100 == 0:
        yield "lots", (lot, _uid(6, (i // 100) % 100), FIRST_DAY.isoformat(), f"L{i // 100}", 100,
                       0, _ts(t0))  # fmt: skip
    last = _ts(t_out if outcome else t_grade)
    yield "devices", (device, f"B{i:09d}", kind, lot, "done" if outcome else "graded", 0,
                      _ts(t0), last)  # fmt: skip
    yield "jobs", (diag, device, "diagnostics", "[]", "diagnosed", "succeeded", 0, _ts(t0), _ts(t0))
    if install:
        yield "jobs", (install, device, "install", "[]", "installed", "succeeded", 0, _ts(t0),
                       _ts(t0))  # fmt: skip
    yield "erasures", (erasure, device, diag, "clear-zero", "Clear", "NIST SP 800-88 Rev. 1",
                       256 * 10**9, result, _ts(t_erase), _ts(t_erase + timedelta(hours=1)))  # fmt: skip
    yield "grades", (ids["grade.assigned"], device, "B", 6, grade, "[]", _ts(t_grade))
    if outcome:
        yield "outcomes", (ids["outcome.recorded"], device, outcome, _ts(t_out))


INSERTS = {
    "events": "INSERT INTO events (id, station_id, seq, operator, ts, type, device_id, payload,"
    " training, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "lots": "INSERT INTO lots (id, donor_id, received_on, agreement_ref, expected_count,"
    " training, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
    "devices": "INSERT INTO devices (id, asset_code, kind, lot_id, stage, training, created_at,"
    " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    "jobs": "INSERT INTO jobs (id, device_id, pipeline, steps, stage_on_success, state,"
    " training, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "erasures": "INSERT INTO erasures (id, device_id, job_id, method, technique, standard,"
    " size_bytes, result, started_at, finished_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "grades": "INSERT INTO grades (event_id, device_id, functional, cosmetic, workshop_grade,"
    " reasons, at) VALUES (?, ?, ?, ?, ?, ?, ?)",
    "outcomes": "INSERT INTO outcomes (event_id, device_id, kind, at) VALUES (?, ?, ?, ?)",
}


def build(folder: Path, n: int) -> tuple[Path, int]:
    """A station database of n devices (see the module's docstring); its path and the
    number of events."""
    path = folder / DB_NAME
    Store(path, sign_head=False).close()  # the schema, by the migrations
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA foreign_keys = OFF")
    conn.execute("PRAGMA cache_size = -262144")
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO donors (id, name, kind, training, created_at) VALUES (?, ?, ?, 0, ?)",
        [(_uid(6, d), f"Donateur {d}", "company", _ts(datetime.now(UTC))) for d in range(100)],
    )
    seqs = [0] * len(STATIONS)
    batch: dict[str, list[Any]] = {table: [] for table in INSERTS}
    events = 0
    for i in range(n):
        for table, row in _device_rows(i, n, seqs):
            batch[table].append(row)
        if i % 5000 == 4999 or i == n - 1:
            events += len(batch["events"])
            for table, rows in batch.items():
                conn.executemany(INSERTS[table], rows)
                rows.clear()
    conn.execute("COMMIT")
    # The loans, derived from the outcomes as migration 9 derives them on an upgrade.
    (one_home,) = (m for m in MIGRATIONS if "loans_v9" in m.sql)
    for statement in split_sql(one_home.sql)[2:4]:  # outcomes' loans, then those out now
        conn.execute(statement.replace("loans_v9", "loans"))
    conn.execute("ANALYZE")
    conn.close()
    return path, events


def timed(fn: Callable[[], Any], reps: int) -> tuple[float, float, Any]:
    """(first run's seconds, median of the next `reps`, the result)."""
    start = time.perf_counter()
    result = fn()
    first = time.perf_counter() - start
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return first, _common.median(times), result


def measure(path: Path, reps: int) -> dict[str, Any]:
    store = Store(path, writer=False)
    factors = load_factors()
    out: dict[str, Any] = {}
    try:
        for preset in (dashboard.Preset.WEEK, dashboard.Preset.MONTH, dashboard.Preset.YEAR):
            period = dashboard.preset_period(preset, LAST_DAY)
            filters = dashboard.Filters(period)

            def ours(f: dashboard.Filters = filters) -> dashboard.Dashboard:
                return dashboard.compute(store, f, factors, today=LAST_DAY)

            start, end = period.bounds()
            marks = ", ".join("?" for _ in STAGE_TYPES)
            sql = (
                f"SELECT type, count(*) FROM events WHERE type IN ({marks})"
                " AND ts >= ? AND ts < ? GROUP BY type"
            )

            def reference(s: str = start, e: str = end, q: str = sql) -> Any:
                return store.query(q, (*STAGE_TYPES, s, e))

            first, median, board = timed(ours, reps)
            ref_first, ref_median, counted = timed(reference, reps)
            one_lot = dashboard.Filters(period, lot_id=_uid(2, 7))
            _, lot_median, _ = timed(lambda f=one_lot: ours(f), reps)  # type: ignore[misc]
            parts: dict[str, Callable[[], Any]] = {
                "stages": partial(dashboard.stages_figure, store, filters),
                "outcomes": partial(dashboard.outcome_counts, store, filters),
                "grades": partial(dashboard.grades_figure, store, filters),
                "erasures": partial(dashboard.erasure_figures, store, filters),
                "loans": partial(dashboard.loans, store, filters, LAST_DAY),
            }
            each = {name: round(timed(fn, 1)[1], 4) for name, fn in parts.items()}
            out[preset] = {
                "each_figure_s": each,
                "period": [period.first.isoformat(), period.last.isoformat()],
                "facts_in_period": sum(r[1] for r in counted),
                "devices_registered": int(board.figure("stages").total("intake")),
                "compute_first_s": round(first, 4),
                "compute_median_s": round(median, 4),
                "reference_first_s": round(ref_first, 4),
                "reference_median_s": round(ref_median, 4),
                "one_lot_median_s": round(lot_median, 4),
            }

        def choices() -> Any:
            return dashboard.stations(store), dashboard.donors(store), dashboard.lots(store)

        first, median, (stations, _donors, lots) = timed(choices, reps)
        out["choices"] = {
            "stations": len(stations),
            "lots": len(lots),
            "first_s": round(first, 4),
            "median_s": round(median, 4),
        }
    finally:
        store.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--devices", type=int, default=1_000_000)
    parser.add_argument("--reps", type=int, default=3)
    _common.add_json_flag(parser)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="etabli-bench-dashboard-"))
    try:
        start = time.perf_counter()
        path, events = build(work, args.devices)
        built = time.perf_counter() - start
        size = path.stat().st_size
        results = measure(path, args.reps)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    n = args.devices
    measures = []
    for preset in (dashboard.Preset.WEEK, dashboard.Preset.MONTH, dashboard.Preset.YEAR):
        r = results[preset]
        measures.append(
            _common.measure(
                f"dashboard_refresh_{preset}_{n}_devices",
                r["compute_median_s"],
                r["reference_median_s"],
                "s",
            )
        )
    measures.append(
        _common.measure(f"dashboard_choices_{n}_devices", results["choices"]["median_s"], None, "s")
    )
    _common.report(
        "bench_dashboard",
        {
            "devices": n,
            "events": events,
            "database_mib": round(size / 2**20, 1),
            "build_seconds": round(built, 1),
            "reps": args.reps,
            "results": results,
        },
        measures,
        as_json=args.json,
    )


if __name__ == "__main__":
    main()
