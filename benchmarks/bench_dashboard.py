#!/usr/bin/env python3
"""The dashboard's refresh on a large station database, beside a reference, in one run.

The database (1,000,000 devices by default) is the worked workshop of
benchmarks/_workshop.py (every device through the stages over two years, four stations,
100 devices a lot; facts validated and hash-chained, the state derived by the store's own
rebuild), built once per size and kept in benchmarks/results/cache/.

Measured, for the periods the window offers (this week, month and year, ending on the last
day of the data): `dashboard.compute` (every figure, as the window's refresh does) and the
filter lists (stations, donors, lots) against a reference reading the same facts: a bare
`SELECT type, count(*) ... GROUP BY type` over the period's facts of the same types; and the
same figures counted from the facts (`from_facts`, as before the counters), once. Medians
of --reps runs after one warm-up; the first run's time is kept too, and each figure's own
time (one run after a warm-up). Then the lots' overview (bench_app/lots.py) on the same
database.

    .venv/bin/python benchmarks/bench_dashboard.py [--devices 1000000] [--reps 3]
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import _common
from _workshop import WORKED_LAST_DAY, _uid, cached_worked_workshop

os.environ.setdefault("ETABLI_TESTING", "1")

from bench_app import dashboard, lots
from bench_app.jobs.pipelines import default_pipelines
from bench_app.journey import JourneyPolicy, pipeline_purposes
from bench_app.output.reports.environment import load_factors
from bench_app.store.database import Store

STAGE_TYPES = (
    "device.registered",
    "device.identified",
    "erasure.finished",
    "job.finished",
    "grade.assigned",
    "outcome.recorded",
)
LAST_DAY = WORKED_LAST_DAY


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
            start_facts = time.perf_counter()
            from_facts = dashboard.compute(store, filters, factors, today=LAST_DAY, from_facts=True)
            facts_s = time.perf_counter() - start_facts
            assert [f.series for f in from_facts.figures] == [f.series for f in board.figures]
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
                "from_facts_s": round(facts_s, 4),
            }

        def choices() -> Any:
            return dashboard.stations(store), dashboard.donors(store), dashboard.lots(store)

        first, median, (stations, _donors, lot_choices) = timed(choices, reps)
        out["choices"] = {
            "stations": len(stations),
            "lots": len(lot_choices),
            "first_s": round(first, 4),
            "median_s": round(median, 4),
        }
        purposes = pipeline_purposes(default_pipelines().all())
        policy = JourneyPolicy("/e/OS")

        def overview() -> Any:
            return lots.overview(store, purposes=purposes, policy=policy)

        first, median, found = timed(overview, reps)
        out["lots_overview"] = {
            "lots": len(found),
            "devices": sum(s.received for s in found),
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
    workshop = cached_worked_workshop(args.devices)
    size = workshop.db.stat().st_size
    results = measure(workshop.db, args.reps)
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
    measures.append(
        _common.measure(
            f"lots_overview_worked_{n}_devices", results["lots_overview"]["median_s"], None, "s"
        )
    )
    _common.report(
        "bench_dashboard",
        {
            "devices": n,
            "events": workshop.facts,
            "database_mib": round(size / 2**20, 1),
            "build_seconds": workshop.build_seconds,
            "reps": args.reps,
            "results": results,
        },
        measures,
        as_json=args.json,
    )


if __name__ == "__main__":
    main()
