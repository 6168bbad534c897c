"""The dashboard's counters (store/dashboard_counts.py), kept as facts arrive, say what the
facts say: after any drawn history, every figure read from them equals the figure counted
from the facts themselves (the straightforward queries, kept as `from_facts`), for every
filter; and the counters kept fact by fact equal those computed from the whole log at once
(the rebuild and the migration)."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from datetime import time as dt_time
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench_app.dashboard import Filters, compute
from bench_app.domain.model import DeviceKind, DeviceStage, OutcomeKind
from bench_app.output.reports.activity import Period
from bench_app.output.reports.environment import load_factors
from bench_app.store import dashboard_counts
from bench_app.store.database import NewEvent
from tests.dashboard.support import Workshop

MON = date(2026, 3, 2)  # a Monday
FACTORS = load_factors()

# One step of a history: (what, which device (index into those registered), a choice).
STEP = st.tuples(
    st.sampled_from(
        [
            "device",
            "identify",
            "job",
            "failed_job",
            "erase",
            "erase_failed",
            "grade",
            "outcome",
            "attach",
            "later",
            "midnight",
        ]
    ),
    st.integers(0, 7),
    st.integers(0, 40),
)


@pytest.fixture
def zone(request: pytest.FixtureRequest) -> Iterator[str]:
    """The station's time zone for the test (restored after it)."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = request.param
    time.tzset()
    yield request.param
    if before is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = before
    time.tzset()


def _play(shop: Workshop, steps: list[tuple[str, int, int]]) -> None:
    donors = [shop.donor("Mairie"), shop.donor("La Poste")]
    lots = [shop.lot(donors[0], "L1"), shop.lot(donors[0], "L2"), shop.lot(donors[1], "L3")]
    devices: list[str] = []
    kinds = list(DeviceKind)
    outcomes = list(OutcomeKind)
    shop.on(MON)
    for what, which, choice in steps:
        if what == "later":  # time moves on: hours, sometimes days (around midnights too)
            shop.now += timedelta(hours=choice * 7 + 1, minutes=choice * 13)
            continue
        if what == "midnight":  # minutes around the next local midnight, or Monday's
            day = shop.now.astimezone().date() + timedelta(days=1)
            if choice % 2:
                day += timedelta(days=-day.weekday() % 7)
            midnight = datetime.combine(day, dt_time()).astimezone()
            shop.now = midnight.astimezone(UTC) + timedelta(minutes=choice - 20)
            continue
        if what == "device" or not devices:
            lot = lots[choice % 4] if choice % 4 < 3 else None
            devices.append(shop.device(kinds[choice % len(kinds)], lot))
            if what == "device":
                continue
        device = devices[which % len(devices)]
        if what == "identify":
            shop.identify(device)
        elif what in ("job", "failed_job"):
            stage = list(DeviceStage)[choice % len(DeviceStage)].value
            shop.job(device, stage, "succeeded" if what == "job" else "failed")
        elif what in ("erase", "erase_failed"):
            shop.erase(device, ok=what == "erase")
        elif what == "grade":
            shop.grade(device, "ABC"[choice % 3])
        elif what == "outcome":
            shop.outcome(device, outcomes[choice % len(outcomes)])
        elif what == "attach":
            shop.station.attach_to_lot(device, lots[choice % 3])


def _figures(shop: Workshop, filters: Filters, *, from_facts: bool) -> list[tuple[Any, ...]]:
    board = compute(
        shop.store, filters, FACTORS, today=MON + timedelta(days=60), from_facts=from_facts
    )
    return [
        (f.key, f.categories, [(s.key, s.values) for s in f.series], f.extra_columns)
        for f in board.figures
    ]


def _counters(shop: Workshop) -> dict[str, list[tuple[Any, ...]]]:
    return {
        table: sorted(shop.store.query(f"SELECT * FROM {table}"))
        for table in dashboard_counts.TABLES
    }


@pytest.mark.parametrize("zone", ["Europe/Paris", "Asia/Kolkata"], indirect=True)
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(STEP, min_size=1, max_size=30), training=st.booleans())
def test_figures_from_the_counters_equal_those_from_the_facts(
    zone: str,
    steps: list[tuple[str, int, int]],
    training: bool,
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Paris: periods fall on whole UTC hours and the counters are read; Kolkata (+05:30):
    they do not, and the figures are counted from the facts: the same either way."""
    shop = Workshop(tmp_path_factory.mktemp("shop") / "data", monkeypatch, training=training)
    try:
        _play(shop, steps)
        lots = [r[0] for r in shop.store.query("SELECT id FROM lots ORDER BY id")]
        donors = [r[0] for r in shop.store.query("SELECT id FROM donors ORDER BY id")]
        last = datetime.fromtimestamp(shop.now.timestamp(), UTC).date() + timedelta(days=1)
        periods = [Period(MON, last), Period(MON, MON + timedelta(days=6))]
        periods.append(Period(MON + timedelta(days=3), max(last, MON + timedelta(days=3))))
        for period in periods:
            for extra in (
                {},
                {"lot_id": lots[0]},
                {"lot_id": lots[2]},
                {"donor_id": donors[0]},
                {"station_id": shop.store.station_id},
                {"station_id": "another-station"},
            ):
                for mode in (training, not training):
                    filters = Filters(period, training=mode, **extra)
                    assert _figures(shop, filters, from_facts=False) == _figures(
                        shop, filters, from_facts=True
                    ), (period, extra, mode)
        live = _counters(shop)
        shop.store.rebuild_projections()
        assert _counters(shop) == live
    finally:
        shop.close()


def test_counters_hold_what_the_facts_say(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A device erased twice is a repeat of its stage; its second grade lists it among those
    read from their rows; a device moved to another lot takes its counts with it."""
    shop = Workshop(tmp_path_factory.mktemp("shop") / "data", monkeypatch)
    try:
        donor = shop.donor("Mairie")
        first, second = shop.lot(donor, "L1"), shop.lot(donor, "L2")
        shop.on(MON)
        once, twice = shop.device(lot=first), shop.device(lot=first)
        shop.erase(once)
        shop.erase(twice)
        shop.erase(twice)
        shop.grade(twice, "A")
        shop.grade(twice, "B")
        repeats = sorted(shop.store.query("SELECT * FROM dashboard_stage_repeats"))
        assert repeats == [(twice, "erased"), (twice, "graded")]
        assert shop.store.query("SELECT * FROM dashboard_latest_multi") == [("grade", twice)]
        by_lot = "SELECT lot_id, stage, sum(devices) FROM dashboard_stages GROUP BY 1, 2"
        assert sorted(shop.store.query(by_lot)) == [
            (first, "erased", 1),
            (first, "intake", 2),
        ]
        shop.station.attach_to_lot(once, second)
        assert sorted(shop.store.query(by_lot)) == [
            (first, "intake", 1),
            (second, "erased", 1),
            (second, "intake", 1),
        ]
        erasures = shop.store.query("SELECT lot_id, erased, finished FROM dashboard_erasures")
        assert sorted(erasures) == [(first, 2, 2), (second, 1, 1)]
        shop.record(
            NewEvent(
                "erasure.finished",
                {"device_id": once, "job_id": "j", "erasure_id": "x", "result": "not_erased",
                 "reasons": []},
                once,
            )
        )  # fmt: skip
        erasures = shop.store.query("SELECT lot_id, erased, finished FROM dashboard_erasures")
        assert sorted(erasures) == [(first, 2, 2), (second, 1, 2)]
    finally:
        shop.close()
