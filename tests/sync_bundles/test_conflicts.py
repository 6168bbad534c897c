"""Two stations change the same device's grade or outcome: after exchanging bundles, both
show the same current value (the greatest clock stamp) and both keep every value."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench_app.domain.model import OutcomeKind
from bench_app.store import database, queries
from bench_app.store.events import utc_now
from bench_app.store.hlc import Hlc, ms_to_ts, ts_ms
from bench_app.sync import bundle
from tests.sync_bundles.support import Bench, grade, intake
from tests.unit.support import outcome_in_log


def _send(source: Bench, target: Bench, tmp_path: Path) -> None:
    path = tmp_path / f"{source.name}-to-{target.name}-{source.event_count()}.bundle"
    bundle.export_bundle(source.store, source.key, path, all_stations=True)
    _, result = bundle.import_bundle(target.store, path, target.keyring())
    assert result.rejected == []


def _stamp(bench: Bench, device_id: str) -> Hlc:
    last = queries.value_history(bench.store, device_id, "grade.assigned")[-1]
    stamp = Hlc.parse(last.payload["hlc"])
    assert stamp is not None
    return stamp


@pytest.fixture
def shared(benches: tuple[Bench, Bench], tmp_path: Path) -> str:
    """A phone registered at A, known at B too."""
    a, b = benches
    a.trust(b)
    b.trust(a)
    device_id = str(intake(a, devices=1)["devices"][0])
    _send(a, b, tmp_path)
    return device_id


def test_concurrent_grades_end_the_same_on_both_stations(
    benches: tuple[Bench, Bench], shared: str, tmp_path: Path
) -> None:
    a, b = benches
    grade(a, shared, "A", 9)
    grade(b, shared, "C", 3)
    stamps = {"A9": _stamp(a, shared), "C3": _stamp(b, shared)}
    winner = max(stamps, key=lambda k: stamps[k])

    _send(a, b, tmp_path)
    _send(b, a, tmp_path)

    for bench in (a, b):
        current = queries.latest_grade(bench.store, shared)
        assert current is not None and current.workshop_grade == winner
        history = queries.value_history(bench.store, shared, "grade.assigned")
        assert [e.payload["workshop_grade"] for e in history][-2:] == sorted(
            stamps, key=lambda k: stamps[k]
        )
        assert history[0].payload["workshop_grade"] == "B7"  # intake's grade
    assert a.snapshot() == b.snapshot()
    before = a.snapshot()
    a.store.rebuild_projections()
    assert a.snapshot() == before  # folding the log in rowid order gives the same state


def test_a_change_made_after_seeing_another_wins_even_with_a_slow_clock(
    benches: tuple[Bench, Bench], shared: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = benches
    grade(a, shared, "A", 8)
    _send(a, b, tmp_path)
    # B's clock is an hour behind: by wall time its regrade is older than A's grade.
    hour_ago = ms_to_ts(ts_ms(utc_now()) - 3_600_000)
    monkeypatch.setattr(database, "utc_now", lambda: hour_ago)
    grade(b, shared, "D", 2)
    monkeypatch.undo()
    regrade = queries.value_history(b.store, shared, "grade.assigned")[-1]
    assert regrade.ts == hour_ago
    assert _stamp(b, shared) > _stamp(a, shared)  # B had seen A's stamp

    _send(b, a, tmp_path)

    for bench in (a, b):
        current = queries.latest_grade(bench.store, shared)
        assert current is not None and current.workshop_grade == "D2"
        grades = [
            e.payload["workshop_grade"]
            for e in queries.events(bench.store, shared)
            if e.type == "grade.assigned"
        ]
        assert sorted(grades) == ["A8", "B7", "D2"]  # the overridden values are still there
    assert a.snapshot() == b.snapshot()


def test_a_station_clock_moves_past_imported_stamps(
    benches: tuple[Bench, Bench], shared: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = benches
    # A's clock is a day ahead; B, after importing, stamps after it although its clock is not.
    day_ahead = ms_to_ts(ts_ms(utc_now()) + 86_400_000)
    monkeypatch.setattr(database, "utc_now", lambda: day_ahead)
    outcome_in_log(a.station, shared, OutcomeKind.SALE, reference="F-12")
    monkeypatch.undo()
    _send(a, b, tmp_path)
    outcome_in_log(b.station, shared, OutcomeKind.LOAN, note="prêt")
    _send(b, a, tmp_path)
    for bench in (a, b):
        outcome = queries.latest_outcome(bench.store, shared)
        assert outcome is not None and outcome.kind is OutcomeKind.LOAN
        kinds = [
            e.payload["kind"]
            for e in queries.value_history(bench.store, shared, "outcome.recorded")
        ]
        assert kinds == ["donation", "sale", "loan"]
    assert a.snapshot() == b.snapshot()


def test_events_of_older_versions_without_a_stamp_rank_by_time_and_station() -> None:
    from bench_app.store.hlc import order_key

    early = order_key({}, "2025-01-01T10:00:00.000Z", "station-b", 9)
    late = order_key({}, "2025-01-01T10:00:00.001Z", "station-a", 1)
    stamped = order_key({"hlc": "1735725600000-0003-station-a"}, "2025-01-01T10:00:00.000Z", "x", 1)
    assert early < late
    assert early < stamped < late  # same millisecond as `early`, later counter
