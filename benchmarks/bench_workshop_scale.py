#!/usr/bin/env python3
"""Search on a workshop of a million devices: by asset code (scanned as a label address),
by serial (typed in lower case), by IMEI (typed with spaces) and by words (a model, a donor,
a beneficiary reference), each beside a bare indexed SELECT of the same key on the same
SQLite file, as a ratio. Goals: under 10 ms for a code, serial or IMEI, under 100 ms for words.

    .venv/bin/python benchmarks/bench_workshop_scale.py [--devices 1000000] [--queries 200]

The database is built once per size through the real store (`_workshop.build_workshop`) and
kept in benchmarks/results/cache/; its build time is reported the run it is built."""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import _common
from _workshop import Workshop, build_workshop, cached_workshop

from bench_app.search import IMEI_KEY, SERIAL_KEY, fts_query, search
from bench_app.store.database import DB_NAME, Store

__all__ = ["build_workshop", "cached_workshop", "main"]

# Word searches a supervisor types: a model (thousands of devices at full size), a brand;
# then, from the devices drawn, donors, a model with a donor's place, beneficiary references.
WORDS = ("galaxy s9", "thinkpad", "fairphone")


def _timed(run: Callable[[], Any], times: list[float]) -> Any:
    start = time.perf_counter()
    result = run()
    times.append((time.perf_counter() - start) * 1000)
    return result


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _samples(store: Store, count: int) -> list[tuple[str, str, str, str, str, str]]:
    """(asset code, serial, IMEI, beneficiary, brand and model, donor) of devices drawn
    across the whole table."""
    total = store.query_one("SELECT max(rowid) FROM devices")
    assert total is not None and total[0]
    rng = random.Random(7)
    rowids = sorted(rng.sample(range(1, total[0] + 1), min(count, total[0])))
    marks = ", ".join("?" for _ in rowids)
    rows = store.query(
        f"SELECT d.asset_code, d.serial, d.imei, s.beneficiary, s.model, s.donor FROM devices d"
        f" JOIN device_search s ON s.device_id = d.id WHERE d.rowid IN ({marks})",
        rowids,
    )
    return [(r[0], r[1], r[2], r[3], r[4], r[5]) for r in rows]


def measure_search(workshop: Workshop, queries: int) -> dict[str, Any]:
    store = Store.open_for_reading(workshop.folder / DB_NAME)
    try:
        samples = _samples(store, queries)
        phones = [s for s in samples if s[2]]
        given = [s for s in samples if s[3]]
        # The reference: a bare connection to the same file, as any SQLite program opens it.
        conn = sqlite3.connect(f"file:{workshop.db}?mode=ro", uri=True)
        ours: dict[str, list[float]] = {k: [] for k in ("code", "serial", "imei", "text")}
        bare: dict[str, list[float]] = {k: [] for k in ours}
        # First query on a freshly opened store: pages come from the disk cache, not SQLite's.
        first: list[float] = []
        _timed(lambda: search(store, samples[0][0]), first)
        for _round in range(2):  # the first round warms the caches; the second is counted
            for k in ours:
                ours[k].clear()
                bare[k].clear()
            for code, serial, *_rest in samples:
                url = f"https://verif.example.org/v/{code}"
                hits = _timed(lambda u=url: search(store, u).hits, ours["code"])  # type: ignore[misc]
                assert hits[0].asset_code == code
                _timed(
                    lambda c=code: conn.execute(  # type: ignore[misc]
                        "SELECT id FROM devices WHERE asset_code = ? AND training = 0", (c,)
                    ).fetchall(),
                    bare["code"],
                )
                typed = serial.lower()
                hits = _timed(lambda t=typed: search(store, t).hits, ours["serial"])  # type: ignore[misc]
                assert hits[0].serial == serial
                _timed(
                    lambda s=serial: conn.execute(  # type: ignore[misc]
                        "SELECT id FROM devices WHERE serial = ?", (s,)
                    ).fetchall(),
                    bare["serial"],
                )
            for _code, _serial, imei, *_rest in phones:
                spaced = f"{imei[:2]} {imei[2:8]} {imei[8:14]} {imei[14:]}"
                hits = _timed(lambda t=spaced: search(store, t).hits, ours["imei"])  # type: ignore[misc]
                assert hits[0].imei == imei
                _timed(
                    lambda i=imei: conn.execute(  # type: ignore[misc]
                        "SELECT id FROM devices WHERE imei = ?", (i,)
                    ).fetchall(),
                    bare["imei"],
                )
            words = [
                *WORDS,
                *(d[5].split(" CONV-")[0] for d in samples[:5]),  # donors' names
                *(f"{d[4].split()[-1]} {d[5].split()[-2]}" for d in samples[5:10]),
                *(g[3] for g in given[:10]),
            ]
            for _repeat in range(3):
                for text in words:
                    hits = _timed(lambda t=text: search(store, t).hits, ours["text"])  # type: ignore[misc]
                    assert hits
                    query = fts_query(text)
                    _timed(
                        lambda q=query: conn.execute(  # type: ignore[misc]
                            "SELECT rowid FROM device_search_fts WHERE device_search_fts"
                            " MATCH ? LIMIT 50",
                            (q,),
                        ).fetchall(),
                        bare["text"],
                    )
        plans = {
            "serial": conn.execute(
                f"EXPLAIN QUERY PLAN SELECT id FROM devices WHERE {SERIAL_KEY} = ?", ("X",)
            ).fetchall()[-1][-1],
            "imei": conn.execute(
                f"EXPLAIN QUERY PLAN SELECT id FROM devices WHERE {IMEI_KEY} = ?", ("1",)
            ).fetchall()[-1][-1],
        }
        most = max(
            conn.execute(
                "SELECT count(*) FROM device_search_fts WHERE device_search_fts MATCH ?",
                (fts_query(w),),
            ).fetchone()[0]
            for w in WORDS
        )
    finally:
        store.close()
    conn.close()
    return {
        "ours": ours,
        "bare": bare,
        "first_ms": first[0],
        "plans": plans,
        "most_word_hits": most,
        "queries": {k: len(v) for k, v in ours.items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--devices", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=200, help="devices looked up each way")
    parser.add_argument("--no-cache", action="store_true", help="build into a temporary folder")
    _common.add_json_flag(parser)
    args = parser.parse_args()
    if args.no_cache:
        import tempfile

        with tempfile.TemporaryDirectory(prefix="etabli-workshop-") as tmp:
            workshop = build_workshop(Path(tmp) / "data", args.devices)
            found = measure_search(workshop, args.queries)
            db_mib = workshop.db.stat().st_size / 2**20
    else:
        workshop = cached_workshop(args.devices)
        found = measure_search(workshop, args.queries)
        db_mib = workshop.db.stat().st_size / 2**20
    figures: dict[str, Any] = {
        "devices": workshop.devices,
        "facts": workshop.facts,
        "build_seconds": round(workshop.build_seconds, 1),
        "build_facts_per_s": round(workshop.facts / max(workshop.build_seconds, 1e-9)),
        "database_mib": round(db_mib, 1),
        "first_search_after_open_ms": round(found["first_ms"], 2),
        "query_plans": found["plans"],
        "most_word_hits": found["most_word_hits"],
        "queries": found["queries"],
    }
    measures = []
    for key, name in (
        ("code", "search_by_code"),
        ("serial", "search_by_serial"),
        ("imei", "search_by_imei"),
        ("text", "search_by_words"),
    ):
        ours, bare = found["ours"][key], found["bare"][key]
        figures[f"{key}_median_ms"] = round(statistics.median(ours), 3)
        figures[f"{key}_p95_ms"] = round(_p95(ours), 3)
        figures[f"{key}_bare_median_ms"] = round(statistics.median(bare), 3)
        figures[f"{key}_bare_p95_ms"] = round(_p95(bare), 3)
        record = _common.measure(
            name,
            statistics.median(ours),
            statistics.median(bare),
            "ms",
            ratio_means="median of ours / median of a bare indexed SELECT on the same file",
        )
        record["p95"] = round(_p95(ours), 3)
        record["reference_p95"] = round(_p95(bare), 3)
        record["devices"] = workshop.devices
        measures.append(record)
    _common.report("workshop_scale", figures, measures, as_json=args.json)


if __name__ == "__main__":
    main()
