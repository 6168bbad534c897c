"""A large import folds its events in bulk: no savepoint per event, the counters counted
once at the end, and the moves of a job by its steps gathered and written together with
their log rows (projections.Gathered). Whatever the journey (every fact type, any values),
the derived tables it leaves are those of folding the same events one by one, each in its
savepoint, and `db check` (a rebuild, itself folded in bulk) agrees with them."""

from __future__ import annotations

import sqlite3
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bench_app.station import Station
from bench_app.store import database, projections, queries
from bench_app.store.database import Store
from bench_app.wire.events import Event
from tests.facts.journeys import Journey, journeys
from tests.facts.test_every_fact_travels import _record

# What the moves of a job write (projections._set_job), gathered until written.
MOVED_COLUMNS = {"state", "message", "current_step", "last_finished_step", "updated_at"}


def _one_by_one(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every event in its own savepoint, moving the counters, as a small import does."""
    original = Store._import_one

    def one(self: Store, conn: Any, event: Event, devices: set[str], **kw: Any) -> Any:
        return original(self, conn, event, devices, guarded=True, count=True)

    monkeypatch.setattr(Store, "_import_one", one)
    monkeypatch.setattr(database, "BULK_COUNT_MIN", 10**9)


@given(journey=st.one_of(journeys(), journeys(every_chapter=True)))
@settings(max_examples=25, deadline=None)
def test_a_bulk_import_folds_any_journey_as_event_by_event(journey: Journey) -> None:
    with tempfile.TemporaryDirectory() as tmp, pytest.MonkeyPatch.context() as patch:
        root = Path(tmp)
        a = Station(root / "a", operator="A")
        bulk = Station(root / "bulk", operator="B")
        each = Station(root / "each", operator="C")
        try:
            _record(a.store, journey)
            events = a.store.events_since()
            moves = [e for e in events if e.type in projections.JOB_MOVES]
            writes: list[int] = []
            original_write = projections.Gathered.write

            def write(self: projections.Gathered) -> None:
                writes.append(len(self.rows) + len(self.jobs))
                original_write(self)

            patch.setattr(database, "BULK_COUNT_MIN", 1)
            patch.setattr(projections.Gathered, "write", write)
            quick = bulk.store.import_events(events)
            patch.undo()
            assert not quick.rejected, quick.rejected[:3]
            # The bulk route was taken: what it gathered was written (none left behind).
            assert sum(writes) >= (1 if moves else 0)
            with pytest.MonkeyPatch.context() as m:
                _one_by_one(m)
                slow = each.store.import_events(events)
            assert quick.accepted == slow.accepted
            assert queries.projection_snapshot(bulk.store) == queries.projection_snapshot(
                each.store
            )
            assert bulk.store.check().ok and each.store.check().ok
        finally:
            for station in (a, bulk, each):
                station.close()


@given(journey=journeys(every_chapter=True))
@settings(max_examples=10, deadline=None)
def test_the_gathered_moves_read_neither_the_log_nor_the_jobs(journey: Journey) -> None:
    """What makes gathering sound: the handlers of JOB_MOVES facts never read the log (whose
    rows of such facts are written later) nor the columns of the jobs table their moves
    change. SQLite's authorizer sees every column a statement reads while those handlers
    run."""
    with tempfile.TemporaryDirectory() as tmp, pytest.MonkeyPatch.context() as patch:
        root = Path(tmp)
        a = Station(root / "a", operator="A")
        b = Station(root / "b", operator="B")
        try:
            _record(a.store, journey)
            events = a.store.events_since()
            moving: list[str] = []
            seen: list[tuple[str, str]] = []
            handled: set[str] = set()

            def watched(handler: projections.Handler) -> projections.Handler:
                def run(conn: Any, e: Event) -> None:
                    moving.append(e.type)
                    handled.add(e.type)
                    try:
                        handler(conn, e)
                    finally:
                        moving.pop()

                return run

            for kind in projections.JOB_MOVES:
                patch.setitem(
                    projections._HANDLERS, kind, [watched(h) for h in projections._HANDLERS[kind]]
                )

            def authorizer(action: int, table: str | None, column: str | None, *_: Any) -> int:
                # The log not at all; of the jobs, no column a move may change (a job's id,
                # which step_results' foreign key looks up, never changes).
                log = table == "events" or (table == "jobs" and column in MOVED_COLUMNS)
                if moving and action == sqlite3.SQLITE_READ and log:
                    seen.append((moving[-1], f"{table}.{column}"))
                return sqlite3.SQLITE_OK

            patch.setattr(database, "BULK_COUNT_MIN", 1)
            with b.store.transaction() as conn:
                conn.set_authorizer(authorizer)
            result = b.store.import_events(events)
            assert not result.rejected, result.rejected[:3]
            assert handled == projections.JOB_MOVES, handled  # every such fact was folded here
            assert seen == [], seen[:5]
        finally:
            a.close()
            b.close()
