"""Three stations of one workshop work and sync through a faulty network (partitions, drops,
transfers cut mid-request and mid-response); once the network heals and everyone has synced
twice, the three stations and the hub hold the same events, once each, and the same state."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from bench_app.domain.model import OutcomeKind
from bench_app.errors import BenchError
from bench_app.store import queries
from tests.sync.conftest import LiveHub, SyncedStation

STATIONS = 3
_runs = itertools.count()

station = st.integers(0, STATIONS - 1)
grade = st.tuples(st.just("grade"), station, st.integers(0, 50), st.sampled_from("ABCD"))
sync = st.tuples(st.just("sync"), station)
cut = st.tuples(
    st.just("cut"), station, st.sampled_from(["request", "response"]), st.integers(1, 400)
)
# Repeated entries weigh the draw towards what makes conflicts and cut transfers.
operation = st.one_of(
    st.tuples(st.just("register"), station),
    grade,
    grade,
    st.tuples(
        st.just("outcome"),
        station,
        st.integers(0, 50),
        st.sampled_from([OutcomeKind.DONATION, OutcomeKind.SALE, OutcomeKind.REUSE]),
    ),
    sync,
    sync,
    sync,
    st.tuples(st.just("partition"), station, st.booleans()),
    st.tuples(st.just("drop"), station),
    cut,
    cut,
)


def _device(s: SyncedStation, index: int) -> str | None:
    """One of the devices this station knows (its own or pulled), or None before any."""
    known = sorted(d.id for d in queries.devices(s.store))
    return known[index % len(known)] if known else None


def _apply(stations: list[SyncedStation], op: tuple[Any, ...]) -> None:
    s = stations[op[1]]
    kind = op[0]
    if kind == "register":
        s.register_phone()
    elif kind in ("grade", "outcome"):
        device = _device(s, op[2])
        if device is not None:
            if kind == "grade":
                s.grade(device, op[3])
            else:
                s.outcome(device, op[3])
    elif kind == "sync":
        try:
            s.sync()
        except BenchError as exc:  # only the network may fail, never the data
            assert exc.code == "SYNC_HUB_UNREACHABLE", exc.text("en")
    elif kind == "partition":
        s.proxy.partition(op[2])
    elif kind == "drop":
        s.proxy.drop_next()
    elif kind == "cut":
        s.proxy.cut_next(**{op[2]: op[3]})


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=st.lists(operation, min_size=10, max_size=60))
def test_three_stations_converge_through_a_faulty_network(
    live_hub: LiveHub, tmp_path: Path, ops: list[tuple[Any, ...]]
) -> None:
    run = next(_runs)
    workshop = f"Atelier {run}"
    stations = [SyncedStation(tmp_path / f"run{run}-s{i}", live_hub, f"S{run}-{i}")
                for i in range(STATIONS)]  # fmt: skip
    try:
        for s in stations:
            s.enrol(live_hub.code(workshop))
            s.register_phone()  # every station starts with a device of its own
        for _ in range(2):  # ... known to all, so that grading it elsewhere makes conflicts
            for s in stations:
                s.sync()
        for op in ops:
            _apply(stations, op)
        for s in stations:
            s.proxy.heal()
        for _ in range(2):
            for s in stations:
                s.sync()

        ids = [sorted(s.event_ids()) for s in stations]
        for other in ids[1:]:
            assert other == ids[0]
        assert len(ids[0]) == len(set(ids[0]))
        hub_ids = live_hub.event_ids(*(s.store.station_id for s in stations))
        assert sorted(hub_ids) == ids[0]
        own_total = sum(len(s.store.events_since()) for s in stations)
        assert len(hub_ids) == own_total

        # What this example exercised (pytest --hypothesis-show-statistics).
        event(f"transfers cut: {min(sum(s.proxy.cut_done for s in stations), 3)}+")
        conflicts = stations[0].store.query(
            "SELECT count(*) FROM (SELECT device_id FROM events WHERE type = 'grade.assigned'"
            " GROUP BY device_id HAVING count(DISTINCT station_id) > 1)"
        )[0][0]
        event(f"devices graded on two stations or more: {min(conflicts, 2)}+")
        first = queries.projection_snapshot(stations[0].store)
        current = stations[0].current()
        assert len(current) >= STATIONS
        for s in stations[1:]:
            assert queries.projection_snapshot(s.store) == first
            assert s.current() == current
    finally:
        for s in stations:
            s.close()
