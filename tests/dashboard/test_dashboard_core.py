"""The dashboard's figures, computed over a real station database filled with known facts
at known days: each count, each filter, and the CSV each figure exports."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench_app import dashboard, loans
from bench_app.dashboard import Filters, Preset, compute, preset_period
from bench_app.domain.calendar import add_months
from bench_app.domain.model import DeviceKind, DeviceStage, OutcomeKind
from bench_app.output.reports.activity import Period
from bench_app.output.reports.environment import load_factors
from bench_app.store.database import NewEvent
from tests.dashboard.support import Workshop

MON = date(2026, 3, 2)  # a Monday
WEEK2 = MON + timedelta(days=7)
PERIOD = Period(MON, MON + timedelta(days=13))
TODAY = MON + timedelta(days=13)


@pytest.fixture
def shop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Workshop]:
    w = Workshop(tmp_path / "data", monkeypatch)
    yield w
    w.close()


def figures(shop: Workshop, **filters: object) -> dashboard.Dashboard:
    f = Filters(PERIOD, **filters)  # type: ignore[arg-type]
    return compute(shop.store, f, load_factors(), today=TODAY, station_names={})


def values(d: dashboard.Dashboard, key: str, series: str | None = None) -> dict[str, float]:
    fig = d.figure(key)
    s = fig.series[0] if series is None else next(x for x in fig.series if x.key == series)
    return dict(zip(fig.categories, s.values, strict=True))


def parse_csv(text: str) -> list[list[str]]:
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


def test_the_stages_per_week_count_each_device_once_per_stage(shop: Workshop) -> None:
    shop.on(MON - timedelta(days=3))
    early = shop.device()  # registered before the period: its intake is not counted
    shop.on(MON)
    a, b = shop.device(), shop.device()
    shop.identify(a)
    shop.identify(a)  # twice the same week: one device
    shop.job(a, "diagnosed")
    shop.job(b, "diagnosed", state="failed")  # a failed job reaches nothing
    shop.erase(a)
    shop.erase(b, ok=False)
    shop.on(WEEK2 + timedelta(days=2))
    shop.identify(early)
    shop.erase(b)
    shop.job(b, "installed")
    shop.grade(b, "A")
    shop.outcome(b, OutcomeKind.DONATION)
    shop.on(TODAY + timedelta(days=1))
    shop.grade(a, "B")  # after the period
    d = figures(shop)
    fig = d.figure("stages")
    assert fig.categories == [MON.isoformat(), WEEK2.isoformat()]
    week = {s.key: s.values for s in fig.series}
    assert week["intake"] == [2, 0]
    assert week["identified"] == [1, 1]
    assert week["diagnosed"] == [1, 0]
    assert week["erased"] == [1, 1]
    assert week["installed"] == [0, 1]
    assert week["graded"] == [0, 1]
    assert week["done"] == [0, 1]
    rows = parse_csv(fig.csv("fr"))
    assert rows[0][0] == "Semaine du" and rows[0][1:] == [
        "Accueil", "Identifié", "Diagnostiqué", "Effacé", "Système installé", "Noté", "Terminé",
    ]  # fmt: skip
    assert rows[1] == ["02/03", "2", "1", "1", "1", "0", "0", "0"]
    assert rows[2] == ["09/03", "0", "1", "0", "1", "1", "1", "1"]
    assert parse_csv(fig.csv("en"))[0][0] == "Week of"


def test_outcomes_and_grades_count_each_device_latest_in_the_period(shop: Workshop) -> None:
    shop.on(MON)
    a, b, c = shop.device(), shop.device(), shop.device()
    shop.outcome(a, OutcomeKind.DONATION)
    shop.outcome(a, OutcomeKind.RECYCLING)  # corrected: counts once, as recycling
    shop.outcome(b, OutcomeKind.LOAN, due_on=(MON + timedelta(days=5)).isoformat())
    shop.grade(a, "C")
    shop.grade(a, "A")
    shop.grade(b, "B")
    shop.on(TODAY + timedelta(days=2))
    shop.outcome(c, OutcomeKind.SALE)  # after the period
    shop.outcome(b, OutcomeKind.DONATION)  # after: the period still sees the loan
    d = figures(shop)
    outcomes = values(d, "outcomes")
    assert outcomes == {
        "reuse": 0, "donation": 0, "loan": 1, "rental": 0, "sale": 0,
        "spare_parts": 0, "recycling": 1,
    }  # fmt: skip
    assert values(d, "grades") == {"A": 1, "B": 1}
    rows = parse_csv(d.figure("outcomes").csv("fr"))
    assert rows[0] == ["Issue", "Appareils"]
    assert ["Prêt", "1"] in rows and ["Recyclage (éco-organisme)", "1"] in rows


def test_erasure_success_and_throughput_per_station(shop: Workshop) -> None:
    shop.on(MON)
    a, b, c = shop.device(), shop.device(), shop.device()
    shop.erase(a)
    shop.erase(b, ok=False)
    shop.erase(b)
    shop.erase(c, ok=False)
    names = {shop.store.station_id: "Poste 1"}
    d = compute(shop.store, Filters(PERIOD), load_factors(), today=TODAY, station_names=names)
    success = d.figure("erasure_success")
    assert success.categories == [shop.store.station_id]
    assert success.category_labels[0].fr == "Poste 1"
    assert success.series[0].values == [pytest.approx(0.5)]
    rows = parse_csv(success.csv("fr"))
    assert rows == [
        ["Poste", "Part réussie", "Effacés", "Terminés"],
        ["Poste 1", "50,0 %", "2", "4"],
    ]
    throughput = d.figure("erasure_throughput")
    assert throughput.series[0].values == [pytest.approx(2 / 14)]
    assert parse_csv(throughput.csv("en"))[1] == ["Poste 1", "0.1"]
    assert "14" in throughput.notes[0].fr


def test_loans_out_overdue_and_due_soon_at_the_end_of_the_period(shop: Workshop) -> None:
    shop.on(MON)
    late, soon, later, rented, given = (shop.device() for _ in range(5))
    shop.outcome(late, OutcomeKind.LOAN, due_on=(TODAY - timedelta(days=1)).isoformat())
    shop.outcome(soon, OutcomeKind.LOAN, due_on=(TODAY + timedelta(days=7)).isoformat())
    shop.outcome(later, OutcomeKind.LOAN, due_on=(TODAY + timedelta(days=8)).isoformat())
    shop.outcome(rented, OutcomeKind.RENTAL, due_on=(TODAY + timedelta(days=30)).isoformat())
    shop.outcome(given, OutcomeKind.LOAN, due_on=TODAY.isoformat())
    shop.on(MON + timedelta(days=1))
    shop.outcome(given, OutcomeKind.DONATION)  # no longer out
    d = figures(shop)
    assert values(d, "loans") == {"loan": 3, "rental": 1, "overdue": 1, "due_soon": 1}
    # A period ending earlier sees the situation as it stood then (the gift was a loan).
    early = compute(
        shop.store, Filters(Period(MON, MON)), load_factors(), today=TODAY, station_names={}
    )
    assert values(early, "loans")["loan"] == 4
    # Today's loans out (the loans table's is_out) agree with the outcomes' history read
    # for the same day from a later "today".
    history = dashboard.loans(shop.store, Filters(PERIOD), TODAY + timedelta(days=1))
    assert history == dashboard.loans(shop.store, Filters(PERIOD), TODAY)
    out = shop.store.query("SELECT kind, count(*) FROM loans WHERE is_out = 1 GROUP BY kind")
    assert sorted(out) == [("loan", 3), ("rental", 1)]


def test_a_returned_loan_is_no_longer_out_today_nor_on_a_later_day(shop: Workshop) -> None:
    shop.on(MON)
    back, kept = shop.device(), shop.device()
    for device in (back, kept):
        shop.outcome(device, OutcomeKind.LOAN, due_on=(TODAY + timedelta(days=3)).isoformat())
    shop.on(MON + timedelta(days=1))
    (loan_id,) = shop.store.query_one("SELECT id FROM loans WHERE device_id = ?", (back,)) or ()
    shop.record(
        NewEvent(
            "loan.returned",
            {"device_id": back, "loan_id": loan_id, "condition": "bon", "state": "good"},
            back,
        )
    )
    today = dashboard.loans(shop.store, Filters(PERIOD), TODAY)
    assert today.out[OutcomeKind.LOAN] == 1 and today.due_soon == 1
    # The week before: both were out (the return came after).
    before = dashboard.loans(shop.store, Filters(Period(MON, MON)), TODAY)
    assert before.out[OutcomeKind.LOAN] == 2
    assert dashboard.loans(shop.store, Filters(PERIOD), TODAY + timedelta(days=1)) == today


def test_environment_uses_the_factors_rule_and_shows_the_sources(shop: Workshop) -> None:
    factors = load_factors()
    shop.on(MON)
    phones = [shop.device(DeviceKind.PHONE) for _ in range(3)]
    laptop = shop.device(DeviceKind.LAPTOP)
    shop.outcome(phones[0], OutcomeKind.DONATION)
    shop.outcome(phones[1], OutcomeKind.SALE)
    shop.outcome(phones[2], OutcomeKind.RECYCLING)
    shop.outcome(laptop, OutcomeKind.LOAN, due_on=TODAY.isoformat())
    d = figures(shop)
    fig = d.figure("environment")
    co2 = values(d, "environment", "co2e_kg")
    material = values(d, "environment", "material_kg")
    phone_c, phone_m = factors.per_device(DeviceKind.PHONE)
    laptop_c, laptop_m = factors.per_device(DeviceKind.LAPTOP)
    recycled = factors.weight(OutcomeKind.RECYCLING)
    assert co2["phone"] == pytest.approx(round((2 + recycled) * phone_c, 1))
    assert material["phone"] == pytest.approx(round((2 + recycled) * phone_m, 1))
    assert co2["laptop"] == pytest.approx(round(laptop_c, 1))
    assert material["laptop"] == pytest.approx(round(laptop_m, 1))
    assert co2["tablet"] == 0
    notes = " ".join(n.fr for n in fig.notes)
    for source in factors.sources():
        assert source.url in notes
    text = fig.csv("fr")
    assert factors.sources()[0].url in text  # the sources travel with the numbers
    header = parse_csv(text)[0]
    assert header[:3] == ["Type d’appareil", "CO2e (kg)", "Matière (kg)"]


def test_filters_by_lot_donor_station_and_training(
    shop: Workshop, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shop.on(MON)
    d1, d2 = shop.donor("Mairie"), shop.donor("La Poste")
    lot1, lot2, lot3 = shop.lot(d1, "L1"), shop.lot(d1, "L2"), shop.lot(d2, "L3")
    for lot, n in ((lot1, 1), (lot2, 2), (lot3, 4)):
        for _ in range(n):
            device = shop.device(lot=lot)
            shop.outcome(device, OutcomeKind.DONATION)
            shop.erase(device)
    training = shop.station.register_device(DeviceKind.PHONE, training=True).id
    gift = NewEvent("outcome.recorded", {"device_id": training, "kind": "donation"}, training)
    shop.store.record([gift], operator="test", training=True)
    intake = lambda d: values(d, "stages", "intake")[MON.isoformat()]  # noqa: E731
    assert values(figures(shop), "outcomes")["donation"] == 7
    assert values(figures(shop, lot_id=lot2), "outcomes")["donation"] == 2
    assert values(figures(shop, donor_id=d1), "outcomes")["donation"] == 3
    assert intake(figures(shop, donor_id=d2)) == 4
    assert figures(shop, lot_id=lot3).figure("erasure_success").extra_columns[0][1] == ["4"]
    here = figures(shop, station_id=shop.store.station_id)
    assert values(here, "outcomes")["donation"] == 7 and intake(here) == 7
    elsewhere = figures(shop, station_id="another-station")
    assert values(elsewhere, "outcomes")["donation"] == 0 and intake(elsewhere) == 0
    assert elsewhere.figure("erasure_success").categories == []
    practice = figures(shop, training=True)
    assert values(practice, "outcomes")["donation"] == 1 and intake(practice) == 1
    practice_here = figures(shop, training=True, station_id=shop.store.station_id)
    assert intake(practice_here) == 1
    assert dashboard.stations(shop.store) == [shop.store.station_id]
    assert [name for _, name in dashboard.donors(shop.store)] == ["La Poste", "Mairie"]
    assert len(dashboard.lots(shop.store)) == 3


def test_the_preset_periods() -> None:
    thursday = date(2026, 3, 5)
    assert preset_period(Preset.WEEK, thursday) == Period(date(2026, 3, 2), thursday)
    assert preset_period(Preset.MONTH, thursday) == Period(date(2026, 3, 1), thursday)
    assert preset_period(Preset.YEAR, thursday) == Period(date(2026, 1, 1), thursday)
    with pytest.raises(ValueError):
        preset_period("decade", thursday)


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    plan=st.lists(
        st.tuples(
            st.sampled_from(list(DeviceStage)),
            st.one_of(st.none(), st.sampled_from(list(OutcomeKind))),
            st.sampled_from(list(DeviceKind)),
        ),
        min_size=1,
        max_size=8,
    )
)
def test_every_stage_and_outcome_kind_is_counted(
    plan: list[tuple[DeviceStage, OutcomeKind | None, DeviceKind]],
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each device reaches the facts of one stage (and maybe an outcome): the figures count
    exactly the devices the plan says, for every stage and every outcome kind."""
    shop = Workshop(tmp_path_factory.mktemp("shop") / "data", monkeypatch)
    try:
        shop.on(MON)
        expected_stages = {s: 0 for s in DeviceStage}
        expected_outcomes = {k: 0 for k in OutcomeKind}
        for stage, outcome, kind in plan:
            device = shop.device(kind)
            expected_stages[DeviceStage.INTAKE] += 1
            if stage is DeviceStage.IDENTIFIED:
                shop.identify(device)
            elif stage in (DeviceStage.DIAGNOSED, DeviceStage.INSTALLED):
                shop.job(device, stage.value)
            elif stage is DeviceStage.ERASED:
                shop.erase(device)
            elif stage is DeviceStage.GRADED:
                shop.grade(device, "B")
            elif stage is DeviceStage.DONE:
                shop.outcome(device, OutcomeKind.SPARE_PARTS)
            if stage is not DeviceStage.INTAKE:
                expected_stages[stage] += 1
            if outcome is not None and stage is not DeviceStage.DONE:
                shop.outcome(device, outcome)
                expected_outcomes[outcome] += 1
                expected_stages[DeviceStage.DONE] += 1
            elif stage is DeviceStage.DONE:
                expected_outcomes[OutcomeKind.SPARE_PARTS] += 1
        d = compute(shop.store, Filters(Period(MON, MON)), load_factors(), today=MON)
        stages = {s.key: s.values[0] for s in d.figure("stages").series}
        assert stages == {s.value: float(n) for s, n in expected_stages.items()}
        assert values(d, "outcomes") == {k.value: float(n) for k, n in expected_outcomes.items()}
    finally:
        shop.close()


def test_large_counts_are_grouped_on_the_chart_and_plain_in_the_csv() -> None:
    fig = dashboard.Figure(
        "outcomes",
        dashboard.DEVICES,
        dashboard.DEVICES,
        dashboard.DEVICES,
        ["donation"],
        [dashboard.OUTCOME_LABELS[OutcomeKind.DONATION]],
        [dashboard.Series("devices", dashboard.DEVICES, [1234567.0])],
    )
    assert fig.value_text(1234567, "fr") == "1\u202f234\u202f567"
    assert fig.value_text(1234567, "en") == "1,234,567"
    assert parse_csv(fig.csv("fr"))[1] == ["Don", "1234567"]


def test_a_rental_whose_month_is_not_paid_is_overdue_as_the_loans_list_says(
    shop: Workshop,
) -> None:
    start = MON - timedelta(days=70)  # month 2 fell due at start + 2 months, before TODAY
    shop.on(start)
    behind, paid_up = shop.device(), shop.device()
    for device in (behind, paid_up):
        shop.record(
            NewEvent(
                "outcome.recorded",
                {
                    "device_id": device,
                    "kind": "rental",
                    "start_on": start.isoformat(),
                    "term_months": 12,
                },
                device,
            )
        )
    ids = dict(shop.store.query("SELECT device_id, id FROM loans"))

    def pay(device: str, on: date, months: int) -> None:
        shop.on(on)
        payment = {"device_id": device, "loan_id": ids[device], "paid_on": on.isoformat()}
        payment |= {"amount_eur": f"{10 * months}.00", "receipt": "R", "months": months}
        shop.record(NewEvent("loan.paid", payment, device))

    pay(behind, start, 1)
    pay(paid_up, start, 2)
    pay(paid_up, MON + timedelta(days=1), 1)  # month 3 paid ahead, after the first Monday
    now = dashboard.loans(shop.store, Filters(PERIOD), TODAY)
    assert now.out[OutcomeKind.RENTAL] == 2 and (now.overdue, now.due_soon) == (1, 0)
    listed = loans.overdue(loans.open_loans(shop.store), TODAY)
    assert [loan.device_id for loan in listed] == [behind]
    # Read from the history for the same day, the payments made by then count the same.
    assert dashboard.loans(shop.store, Filters(PERIOD), TODAY + timedelta(days=1)) == now
    # On a day after month 2 fell due (start + 2 months) but before the third payment,
    # the paid-up rental had paid two months: not late yet. Before month 2 fell due: none.
    month2 = add_months(start, 2)
    day = Period(month2, month2)
    assert dashboard.loans(shop.store, Filters(day), TODAY).overdue == 0
    later = Period(month2 + timedelta(days=1), month2 + timedelta(days=1))
    assert dashboard.loans(shop.store, Filters(later), TODAY).overdue == 1
