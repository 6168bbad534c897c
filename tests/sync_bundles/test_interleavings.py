"""Events of three stations arriving at a fourth in any order, in any batches, some twice:
once everything has arrived, the state is the same as when it came in order."""

from __future__ import annotations

import itertools
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench_app.domain.model import DonorKind, OutcomeKind
from bench_app.store import database, queries
from bench_app.store.database import Store
from bench_app.store.events import utc_now
from bench_app.store.hlc import ms_to_ts, ts_ms
from bench_app.wire.events import Event
from tests.sync_bundles.support import grade, intake, open_bench
from tests.unit.support import outcome_in_log


@pytest.fixture(scope="module")
def histories(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, list[Event]]]:
    """Each station's own events, after A, B and C worked on the same devices."""
    root = tmp_path_factory.mktemp("interleavings")
    a, b, c = (open_bench(root, name) for name in "ABC")
    try:
        made = intake(a, devices=2)
        phone, other = made["devices"]
        for target in (b, c):
            target.store.import_events(a.store.events_since())
        grade(b, phone, "C", 4)
        b.station.record_outcome(other, OutcomeKind.SPARE_PARTS)
        b.station.register_donor("Donateur B", DonorKind.PRIVATE_PERSON)
        with pytest.MonkeyPatch.context() as patch:
            # C's clock is ten minutes ahead: A's regrade below is older by wall time.
            ahead = ms_to_ts(ts_ms(utc_now()) + 600_000)
            patch.setattr(database, "utc_now", lambda: ahead)
            grade(c, phone, "A", 9)
            c.station.register_lot(made["donor"], agreement_ref="CONV-C", expected_count=1)
            outcome_in_log(c.station, phone, OutcomeKind.SALE, reference="F-1")
        for source in (b, c):
            a.store.import_events(source.store.events_since())
        grade(a, phone, "B", 6)  # after seeing both: this one wins everywhere
        yield {bench.name: bench.store.events_since() for bench in (a, b, c)}
    finally:
        for bench in (a, b, c):
            bench.station.close()


def _fresh(folder: Path, batches: list[list[Event]]) -> dict[str, Any]:
    with Store(folder / "etabli.sqlite3") as store:
        progress = True
        while progress:  # bring the batches again until nothing more goes in
            progress = False
            for batch in batches:
                result = store.import_events(batch)
                progress = progress or bool(result.accepted)
        assert store.check().ok
        row = store.query_one("SELECT count(*) FROM events")
        current = {
            d.id: (queries.latest_grade(store, d.id), queries.latest_outcome(store, d.id))
            for d in queries.devices(store)
        }
        return {
            "events": row[0] if row else 0,
            "snapshot": queries.projection_snapshot(store),
            "current": current,
        }


@st.composite
def deliveries(draw: st.DrawFn, histories: dict[str, list[Event]]) -> list[list[Event]]:
    batches: list[list[Event]] = []
    for events in histories.values():
        cuts = sorted(draw(st.sets(st.integers(1, len(events) - 1), max_size=4)))
        bounds = [0, *cuts, len(events)]
        batches.extend(events[i:j] for i, j in itertools.pairwise(bounds))
    order = draw(st.permutations(batches))
    again = draw(st.lists(st.sampled_from(batches), max_size=3))  # some arrive twice
    mixed = draw(st.booleans())
    if mixed:  # one batch holding several stations' events, shuffled
        merged = [e for batch in order[:3] for e in batch]
        return [draw(st.permutations(merged)), *order[3:], *again]
    return [*order, *again]


def test_any_order_of_arrival_gives_the_same_state(
    histories: dict[str, list[Event]],
) -> None:
    total = sum(len(events) for events in histories.values())
    with tempfile.TemporaryDirectory() as root:
        reference = _fresh(Path(root) / "ref", [[e for es in histories.values() for e in es]])
    assert reference["events"] == total
    phone_grades = [row for row in reference["snapshot"]["grades"] if row[4] == "B6"]
    assert len(phone_grades) == 1
    grades = {g.workshop_grade for g, _ in reference["current"].values() if g is not None}
    assert "B6" in grades and "A9" not in grades

    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
    @given(batches=deliveries(histories))
    def check(batches: list[list[Event]]) -> None:
        with tempfile.TemporaryDirectory() as root:
            got = _fresh(Path(root), batches)
        assert got == reference

    check()


def test_the_winning_grade_is_the_same_at_every_station(
    histories: dict[str, list[Event]], tmp_path: Path
) -> None:
    everything = [e for es in histories.values() for e in es]
    phone = next(e.device_id for e in everything if e.type == "device.registered")
    seen = set()
    for n, order in enumerate((everything, everything[::-1])):
        with Store(tmp_path / str(n) / "etabli.sqlite3") as store:
            while store.import_events(order).accepted:
                pass
            current = queries.latest_grade(store, str(phone))
            assert current is not None
            seen.add(current.workshop_grade)
            assert len(queries.value_history(store, str(phone), "grade.assigned")) == 4
    assert seen == {"B6"}
