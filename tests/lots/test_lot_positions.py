"""The lots' overview counts each lot's devices by the stage they wait at, read from the
lots' counters kept as facts arrive (store/lot_counts.py): for any history a station can
record, its counts are those of the devices' journeys computed one by one from their facts
(bench_app/journey.py), and those of the one query over every device's flags."""

from __future__ import annotations

import tempfile
from collections import Counter
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench_app import lots
from bench_app.journey import Journey as Journey_
from bench_app.journey import JourneyPolicy, device_journey, pipeline_purposes
from bench_app.station import Station
from bench_app.store import queries
from bench_app.store.database import NewEvent
from tests.facts.journeys import Journey, journeys


def _record(station: Station, journey: Journey) -> None:
    for chapter in journey.chapters:
        station.store.record(
            [NewEvent(f.type, f.payload, f.device_id) for f in chapter],
            operator=journey.operator,
            training=False,
        )


def _shape(journey: Journey_) -> tuple[object, ...]:
    """What the overview must agree on: the stages done, the position, what blocks."""
    return journey.done, lots.position_of(journey), tuple(b.code for b in journey.blockers)


def _journeys(station: Station, policy: JourneyPolicy) -> dict[str, Journey_]:
    purposes = pipeline_purposes(station.pipelines.all())
    return {
        device.id: device_journey(station.store, device, purposes=purposes, policy=policy)
        for device in queries.devices(station.store)
        if device.lot_id is not None
    }


@given(
    journey=st.one_of(journeys(), journeys(every_chapter=True)),
    system=st.sampled_from(["/e/OS", ""]),
)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_the_overview_counts_what_each_journey_says(journey: Journey, system: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        station = Station(Path(tmp) / "s", operator="S")
        try:
            _record(station, journey)
            policy = JourneyPolicy(system)
            purposes = pipeline_purposes(station.pipelines.all())
            expected = _journeys(station, policy)
            read = lots.read_journeys(station.store, None, purposes=purposes, policy=policy)
            assert {d: _shape(j) for d, j in read.items()} == {
                d: _shape(j) for d, j in expected.items()
            }
            found = lots.overview(station.store, purposes=purposes, policy=policy)
            assert len(found) == 1
            assert {p: n for p, n in found[0].positions.items() if n} == dict(
                Counter(lots.position_of(j) for j in expected.values())
            )
            assert found[0].attention == sum(1 for j in expected.values() if j.blockers)
            # Read from the lots' counters kept fact by fact, or from every device's flags;
            # and the counters rebuilt from the log at once: the same.
            slow = lots.overview(station.store, purposes=purposes, policy=policy, from_facts=True)
            assert slow == found
            kept = station.store.query("SELECT * FROM lot_counts ORDER BY 1, 2, 3, 4, 5, 6")
            station.store.rebuild_projections()
            rebuilt = station.store.query("SELECT * FROM lot_counts ORDER BY 1, 2, 3, 4, 5, 6")
            assert rebuilt == kept
        finally:
            station.close()
