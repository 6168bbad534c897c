"""Beneficiaries on the real store: personal data kept beside the log and never in it,
erased for real (no copy left in any file of the data folder), retention by date, and the
export of everything held about one person."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from bench_app import beneficiaries
from bench_app.domain.model import OutcomeKind
from bench_app.errors import BenchError
from bench_app.settings import Settings
from bench_app.station import Station
from bench_app.store import queries
from tests.beneficiaries.support import (
    CONTACT,
    NAME,
    REF,
    STRUCTURE,
    files_holding,
    give,
    register,
)


def _facts(station: Station, event_type: str) -> list[dict[str, object]]:
    return [e.payload for e in queries.events(station.store) if e.type == event_type]


def test_a_person_is_kept_beside_the_log_and_the_fact_names_only_the_reference(
    station: Station,
) -> None:
    register(station)
    person = beneficiaries.get(station.store, REF)
    assert person is not None
    assert (person.name, person.structure, person.contact) == (NAME, STRUCTURE, CONTACT)
    assert _facts(station, "beneficiary.registered") == [{"reference": REF}]
    logged = station.store.query("SELECT payload FROM events")
    assert not [p for (p,) in logged if NAME in p or CONTACT in p or STRUCTURE in p]
    # The log and the derived tables are what they were: the check still passes.
    assert station.store.check().ok
    assert [b.reference for b in beneficiaries.listing(station.store)] == [REF]


def test_a_taken_reference_and_bad_values_are_refused_and_nothing_is_recorded(
    station: Station,
) -> None:
    register(station)
    before = len(queries.events(station.store))
    with pytest.raises(BenchError) as taken:
        register(station, f"  {REF} ")  # the same file number, spaces around
    assert taken.value.code == "BENEFICIARY_EXISTS"
    for ref in ("", "   ", "X" * 41, "DOS\n12"):
        with pytest.raises(BenchError) as bad:
            beneficiaries.add(station.store, ref, operator="o", training=False)
        assert bad.value.code == "BENEFICIARY_REFERENCE_INVALID"
    with pytest.raises(BenchError) as field:
        beneficiaries.add(station.store, "DOS-9", contact="a\x1b[31m", operator="o", training=False)
    assert field.value.code == "BENEFICIARY_FIELD_INVALID"
    assert len(queries.events(station.store)) == before
    assert beneficiaries.get(station.store, "DOS-9") is None


def test_forgetting_erases_the_data_from_every_file_and_keeps_the_history_anonymous(
    station: Station, data_dir: Path
) -> None:
    register(station)
    asset = give(station, OutcomeKind.LOAN, due_on="2027-03-01")
    assert files_holding(data_dir, NAME), "the name should be on disk before"
    # A copy made before a migration holds the table as it was: erased there too.
    station.store.backup(data_dir / "etabli.sqlite3.v4.bak")
    assert "etabli.sqlite3.v4.bak" in files_holding(data_dir, NAME)
    beneficiaries.forget(
        station.store, REF, operator=station.operator, training=False, approved_by="Mme Encadrante"
    )
    assert beneficiaries.get(station.store, REF) is None
    assert _facts(station, "beneficiary.forgotten") == [
        {"reference": REF, "reason": "request", "approved_by": "Mme Encadrante"}
    ]
    # The name, structure and contact are in no file of the data folder any more (the
    # database, its write-ahead log, its shared memory, the copy), while the device keeps
    # its history.
    for text in (NAME, STRUCTURE, CONTACT):
        assert files_holding(data_dir, text) == [], text
    device = queries.device_by_code(station.store, asset)
    assert device is not None
    outcome = queries.latest_outcome(station.store, device.id)
    assert outcome is not None and outcome.details["beneficiary"] == REF
    assert station.store.check().ok
    with pytest.raises(BenchError) as again:
        beneficiaries.forget(station.store, REF, operator="o", training=False)
    assert again.value.code == "BENEFICIARY_UNKNOWN"


def test_an_edit_leaves_no_copy_of_the_old_values(station: Station, data_dir: Path) -> None:
    register(station)
    assert files_holding(data_dir, NAME)
    beneficiaries.update(station.store, REF, name="Z. Q.", structure="", contact="")
    assert beneficiaries.get(station.store, REF) == beneficiaries.Beneficiary(
        REF,
        "Z. Q.",
        "",
        "",
        beneficiaries.get(station.store, REF).registered_at,  # type: ignore[union-attr]
        beneficiaries.get(station.store, REF).updated_at,  # type: ignore[union-attr]
    )
    assert files_holding(data_dir, NAME) == []
    assert files_holding(data_dir, CONTACT) == []
    with pytest.raises(BenchError) as unknown:
        beneficiaries.update(station.store, "DOS-NONE", name="", structure="", contact="")
    assert unknown.value.code == "BENEFICIARY_UNKNOWN"


def test_the_export_holds_the_record_the_devices_with_dates_and_the_file_facts(
    station: Station,
) -> None:
    register(station, now="2026-01-05T10:00:00.000Z")
    lent = give(station, OutcomeKind.LOAN, due_on="2027-03-01")
    given = give(station, OutcomeKind.DONATION)
    give(station, OutcomeKind.DONATION, ref="DOS-OTHER")  # someone else's
    data = beneficiaries.export(station.store, REF, now="2026-12-04T12:00:00.000Z")
    assert data["format"] == "etabli-beneficiary-export"
    assert data["reference"] == REF
    assert data["record"] == {
        "name": NAME,
        "structure": STRUCTURE,
        "contact": CONTACT,
        "registered_at": "2026-01-05T10:00:00.000Z",
        "updated_at": "2026-01-05T10:00:00.000Z",
    }
    assert [(d["asset_code"], d["outcome"], d["due_on"]) for d in data["devices"]] == [
        (lent, "loan", "2027-03-01"),
        (given, "donation", ""),
    ]
    assert all(d["recorded_at"][:4] == str(date.today().year) for d in data["devices"])
    assert data["devices"][0]["model"] == "FP3" and data["devices"][0]["serial"] == "FP3-SN-0042"
    assert [f["type"] for f in data["facts"]] == ["beneficiary.registered"]
    json.loads(beneficiaries.export_json(data))  # what the command writes is JSON
    # Once forgotten: no record, the devices by reference, and the erasure itself.
    beneficiaries.forget(station.store, REF, operator="o", training=False)
    after = beneficiaries.export(station.store, REF)
    assert after["record"] is None
    assert len(after["devices"]) == 2
    assert [f["type"] for f in after["facts"]] == [
        "beneficiary.registered",
        "beneficiary.forgotten",
    ]
    with pytest.raises(BenchError) as unknown:
        beneficiaries.export(station.store, "DOS-NEVER")
    assert unknown.value.code == "BENEFICIARY_UNKNOWN"


def _months_after(day: date, months: int) -> date:
    year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
    return date(year, month + 1, min(day.day, 28))


def test_retention_counts_from_the_last_activity_naming_the_person(station: Station) -> None:
    today = datetime.now(UTC).date()  # the log's timestamps are UTC
    register(station, "DOS-OLD", now="2020-01-02T09:00:00.000Z")  # nothing since
    register(station, REF, now="2020-01-02T09:00:00.000Z")
    give(station, OutcomeKind.DONATION)  # today: their last activity
    register(station, "DOS-NEW")  # registered today
    purge = beneficiaries.purge_expired
    assert purge(station.store, 36, operator="o", training=False, today=today) == ["DOS-OLD"]
    assert beneficiaries.get(station.store, "DOS-OLD") is None
    in_35 = _months_after(today, 35)
    assert purge(station.store, 36, operator="o", training=False, today=in_35) == []
    assert purge(station.store, 34, operator="o", training=False, today=in_35) == [
        REF,  # by reference
        "DOS-NEW",
    ]
    assert beneficiaries.listing(station.store) == []
    reasons = [p["reason"] for p in _facts(station, "beneficiary.forgotten")]
    assert reasons == ["retention"] * 3
    assert files_holding(station.folder, NAME) == []


def test_the_station_purges_when_it_opens_by_its_setting(data_dir: Path) -> None:
    first = Station(data_dir, operator="o")
    register(first, now="2021-06-01T09:00:00.000Z")
    first.close()
    kept = Station(data_dir, operator="o", settings=Settings(beneficiary_retention_months=120))
    try:
        assert kept.forgotten_on_open == []
        assert beneficiaries.get(kept.store, REF) is not None
    finally:
        kept.close()
    purged = Station(data_dir, operator="o")  # the default: 36 months
    try:
        assert purged.forgotten_on_open == [REF]
        assert beneficiaries.get(purged.store, REF) is None
    finally:
        purged.close()
    assert files_holding(data_dir, NAME) == []


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 3, 31), 1, date(2026, 2, 28)),
        (date(2024, 3, 31), 1, date(2024, 2, 29)),
        (date(2026, 1, 15), 36, date(2023, 1, 15)),
        (date(2026, 12, 31), 13, date(2025, 11, 30)),
    ],
)
def test_months_before(day: date, months: int, expected: date) -> None:
    assert beneficiaries.months_before(day, months) == expected


def test_finding_a_person_in_the_log_uses_the_index(station: Station) -> None:
    plan = station.store.query(
        "EXPLAIN QUERY PLAN SELECT max(ts) FROM events WHERE " + beneficiaries._NAMED, (REF,)
    )
    assert any("events_beneficiary" in str(row[-1]) for row in plan), plan


def test_the_retention_setting_is_checked() -> None:
    for bad in (0, 121, True, "36"):
        with pytest.raises(ValueError):
            Settings(beneficiary_retention_months=bad).validate()  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        Settings(share_beneficiary_data="yes").validate()  # type: ignore[arg-type]
