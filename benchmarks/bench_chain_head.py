#!/usr/bin/env python3
"""What signing the chain head at every commit costs: appending the events of phone checks
with the store as shipped (head signed before and after each COMMIT, one of the two writes
synced, SQLite `synchronous = FULL`) beside the same store without head signing and with
`synchronous = NORMAL` (the log as it was before signed heads), in one run, same disk.

Two shapes of transaction: one event per commit (the worst case: a checkpoint, a step
starting) and 16 events per commit (a whole check recorded at once). The two costs are also
measured apart (signing alone; FULL alone), and `etabli db check`'s time on the result.

    .venv/bin/python benchmarks/bench_chain_head.py [--events 4000]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import _common
from bench_event_log import device_events

from bench_app.store.database import DB_NAME, NewEvent, Store

VARIANTS = {
    # name: (sign the head, synchronous)
    "before_signed_heads": (False, "NORMAL"),
    "signing_only": (True, "NORMAL"),
    "full_sync_only": (False, "FULL"),
    "as_shipped": (True, "FULL"),
}


def events(count: int) -> list[NewEvent]:
    out: list[NewEvent] = []
    n = 0
    while len(out) < count:
        out += device_events(n)
        n += 1
    return out[:count]


def run(folder: Path, sign: bool, synchronous: str, batch: int, facts: list[NewEvent]) -> float:
    """Events appended per second."""
    store = Store(folder / DB_NAME, sign_head=sign)
    try:
        store._conn.execute(f"PRAGMA synchronous = {synchronous}")  # the variant measured
        start = time.perf_counter()
        for first in range(0, len(facts), batch):
            store.record(facts[first : first + batch], operator="bench", training=False)
        return len(facts) / (time.perf_counter() - start)
    finally:
        store.close()


def check_seconds(folder: Path) -> float:
    with Store(folder / DB_NAME, sign_head=False) as store:
        start = time.perf_counter()
        report = store.check()
        seconds = time.perf_counter() - start
    assert report.ok, report
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=4000)
    parser.add_argument("--reps", type=int, default=3)
    _common.add_json_flag(parser)
    args = parser.parse_args()
    facts = events(args.events)
    figures: dict[str, object] = {"events": len(facts)}
    measures = []
    for batch in (1, 16):
        rates: dict[str, list[float]] = {name: [] for name in VARIANTS}
        for rep in range(args.reps):
            # The order turns every repetition, so no variant always meets a warm disk.
            names = list(VARIANTS)
            names = names[rep % len(names) :] + names[: rep % len(names)]
            for name in names:
                sign, synchronous = VARIANTS[name]
                with tempfile.TemporaryDirectory(prefix="etabli-bench-head-") as tmp:
                    rates[name].append(run(Path(tmp), sign, synchronous, batch, facts))
        medians = {name: _common.median(r) for name, r in rates.items()}
        base = medians["before_signed_heads"]
        figures[f"per_commit_{batch}"] = {
            **{f"{name}_events_per_s": round(rate) for name, rate in medians.items()},
            **{
                f"ratio_{name}_vs_before": round(rate / base, 3)
                for name, rate in medians.items()
                if name != "before_signed_heads"
            },
            "added_ms_per_commit": round((batch / medians["as_shipped"] - batch / base) * 1000, 3),
        }
        measures.append(
            _common.measure(
                f"signed_head_{batch}_per_commit_vs_unsigned",
                medians["as_shipped"],
                base,
                "events/s",
                ratio_means="rate ours / rate of the store before signed heads",
            )
        )
    with tempfile.TemporaryDirectory(prefix="etabli-bench-head-") as tmp:
        run(Path(tmp), True, "FULL", 16, facts)
        figures["db_check_seconds"] = round(check_seconds(Path(tmp)), 3)
    _common.report("chain_head", figures, measures, as_json=args.json)


if __name__ == "__main__":
    main()
