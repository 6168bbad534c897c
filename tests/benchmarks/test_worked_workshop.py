"""The worked workshop the scale benchmarks build (benchmarks/_workshop.py) writes facts
straight into the log and derives the state by the store's rebuild: on a small one, its
chains hold, every derived table equals what a station folding the same facts one by one
holds (the real import path, as sync brings them), and the dashboard's figures from its
counters equal those counted from its facts."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

from bench_app import dashboard
from bench_app.output.reports.activity import Period
from bench_app.output.reports.environment import load_factors
from bench_app.store import queries
from bench_app.store.database import DB_NAME, Store
from bench_app.store.events import iter_events, verify_chain

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"


def test_the_worked_workshop_is_what_the_store_would_hold(tmp_path: Path) -> None:
    sys.path.insert(0, str(BENCH))
    try:
        import _workshop
    finally:
        sys.path.remove(str(BENCH))
    reports: list[tuple[int, int]] = []
    built = _workshop.build_worked_workshop(
        tmp_path / "bulk", 150, lambda done, total: reports.append((done, total))
    )
    assert built.facts > 150 * 8
    assert reports[-1] == (built.facts, built.facts)  # the rebuild's last report
    bulk = Store(built.db, sign_head=False)
    other = Store(tmp_path / "live" / DB_NAME, sign_head=False)
    try:
        with bulk.transaction() as conn:
            assert verify_chain(conn) is None
            events = [e for _, e in iter_events(conn)]
        result = other.import_events(events)
        assert len(result.accepted) == len(events), result.rejected[:3]
        folded = queries.projection_snapshot(other)
        derived = queries.projection_snapshot(bulk)
        assert set(folded) == set(derived)
        for table, rows in derived.items():
            assert rows == folded[table], table
        assert derived["dashboard_stages"] and derived["loans"]  # loans out, never returned
        for first, last in ((date(2025, 1, 1), date(2026, 12, 31)),
                            (date(2025, 3, 3), date(2025, 3, 9))):  # fmt: skip
            filters = dashboard.Filters(Period(first, last))
            fast = dashboard.compute(bulk, filters, load_factors(), today=last)
            slow = dashboard.compute(bulk, filters, load_factors(), today=last, from_facts=True)
            assert [f.series for f in fast.figures] == [f.series for f in slow.figures]
    finally:
        bulk.close()
        other.close()
