"""Loans and rentals: a record of their own, reminders and lateness by an injected date, a
rental's monthly term, the handover sheet's picture kept by its hash, and a return that
closes the loan and sends the device back to its check and erasure, history intact."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from typing import Any

import pytest

from bench_app import loans
from bench_app.domain.calendar import add_months
from bench_app.domain.model import Device, DeviceKind, DeviceStage, OutcomeKind
from bench_app.errors import BenchError
from bench_app.journey import OutcomeChoice, Stage
from bench_app.loans import LoanStatus
from bench_app.station import Station
from bench_app.store import queries
from bench_app.store.database import NewEvent
from bench_app.store.projections import rebuild

TODAY = date(2026, 12, 4)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR-a-signature"


def _erased(station: Station, device: Device, n: int = 1) -> None:
    """A verified erasure of `device`, as an erasure job records it."""
    job, erasure = f"job-{device.id}-{n}", f"erasure-{device.id}-{n}"
    facts: list[tuple[str, dict[str, Any]]] = [
        ("job.created", {"job_id": job, "device_id": device.id, "pipeline": "x", "steps": []}),
        (
            "erasure.started",
            {
                "job_id": job,
                "erasure_id": erasure,
                "method": "clear-zero",
                "technique": "overwrite",
                "standard": "NIST SP 800-88r1",
                "target": {"serial": device.serial, "size_bytes": 1 << 20},
            },
        ),
        ("erasure.verified", {"job_id": job, "erasure_id": erasure, "mode": "full", "ok": True}),
        (
            "erasure.finished",
            {"job_id": job, "erasure_id": erasure, "result": "erased", "reasons": []},
        ),
        ("job.finished", {"job_id": job, "state": "succeeded"}),
    ]
    station.store.record(
        [NewEvent(t, {"device_id": device.id, **p}, device.id) for t, p in facts],
        operator="test",
        training=device.training,
    )


def _lend(station: Station, serial: str, due: str = "2026-12-20") -> Device:
    drive = station.register_device(DeviceKind.DRIVE, brand="Seagate", serial=serial)
    _erased(station, drive)
    station.choose_outcome(
        drive.id, OutcomeChoice(OutcomeKind.LOAN, beneficiary="DOS-0042", due_on=due), TODAY
    )
    return drive


def test_a_loan_is_listed_due_soon_then_overdue_by_the_date_given(station: Station) -> None:
    drive = _lend(station, "LOAN-1")
    (loan,) = station.open_loans()
    assert (loan.asset_code, loan.beneficiary, loan.kind) == (
        drive.asset_code,
        "DOS-0042",
        OutcomeKind.LOAN,
    )
    assert (loan.start_on, loan.due_on) == (TODAY, date(2026, 12, 20))
    assert loan.days_left(TODAY) == 16
    assert loan.status(TODAY, within=14) is LoanStatus.OUT
    assert loans.due_within([loan], TODAY, 16) == [loan]
    assert loans.due_within([loan], TODAY, 15) == []
    assert loans.due_within([loan], date(2026, 12, 20), 0) == [loan]  # due today: not late
    assert loans.overdue([loan], date(2026, 12, 20)) == []
    assert loans.overdue([loan], date(2026, 12, 21)) == [loan]
    assert loan.status(date(2026, 12, 21)) is LoanStatus.OVERDUE
    assert loan.days_left(date(2027, 1, 3)) == -14


def test_a_rental_falls_due_each_month_and_ends_after_its_term(station: Station) -> None:
    drive = station.register_device(DeviceKind.DRIVE, brand="WD", serial="RENT-1")
    _erased(station, drive)
    start = date(2026, 1, 31)
    choice = OutcomeChoice(OutcomeKind.RENTAL, beneficiary="DOS-9", months="3", signed=True)
    station.choose_outcome(drive.id, choice, start)
    (rental,) = station.open_loans()
    assert rental.kind is OutcomeKind.RENTAL and rental.term_months == 3 and rental.signed
    assert rental.due_on == date(2026, 4, 30)  # 31 January + 3 months, on a shorter month
    assert rental.next_term(date(2026, 2, 1)) == date(2026, 2, 28)
    assert rental.next_term(date(2026, 3, 1)) == date(2026, 3, 31)
    assert rental.next_term(date(2026, 4, 1)) == date(2026, 4, 30)
    # February's month is not paid by 28 February: late, like a return.
    assert rental.status(date(2026, 2, 28)) is LoanStatus.OUT
    assert rental.status(date(2026, 3, 1)) is LoanStatus.OVERDUE
    station.record_payment(drive.id, "30", "R-1", "2026-02-27", months=2, today=date(2026, 3, 1))
    (rental,) = station.open_loans()
    assert rental.months_paid == 2 and rental.months_due(date(2026, 4, 20)) == 2
    assert rental.status(date(2026, 4, 20), within=14) is LoanStatus.DUE_SOON
    assert rental.status(date(2026, 5, 1)) is LoanStatus.OVERDUE
    payload = queries.latest_outcome(station.store, drive.id)
    assert payload is not None
    fact = [e for e in queries.events(station.store, drive.id) if e.type == "outcome.recorded"]
    assert fact[-1].payload["term_months"] == 3 and "due_on" not in fact[-1].payload


@pytest.mark.parametrize(
    ("start", "months", "end"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),
        (date(2026, 11, 15), 2, date(2027, 1, 15)),
        (date(2026, 12, 4), 60, date(2031, 12, 4)),
    ],
)
def test_months_are_added_on_the_calendar(start: date, months: int, end: date) -> None:
    assert add_months(start, months) == end


def test_a_return_closes_the_loan_and_asks_for_check_and_erasure_again(
    station: Station,
) -> None:
    drive = _lend(station, "BACK-1")
    before = [e.type for e in queries.events(station.store, drive.id)]
    journey = station.journey(drive.id)
    assert Stage.ERASE in journey.done and journey.outcome is OutcomeKind.LOAN

    station.return_device(drive.id, "boîtier rayé, câble manquant", "incomplete")

    assert station.open_loans() == []
    journey = station.journey(drive.id)
    assert journey.returned and journey.outcome is None
    assert Stage.CHECK not in journey.done and Stage.ERASE not in journey.done
    assert Stage.OUTCOME not in journey.done
    assert journey.next is not None and journey.next.stage is Stage.CHECK
    assert not journey.erasure_verified
    assert OutcomeKind.LOAN not in journey.allowed_outcomes  # no one gets it before erasure
    with pytest.raises(BenchError) as refused:
        station.choose_outcome(
            drive.id,
            OutcomeChoice(OutcomeKind.LOAN, beneficiary="DOS-1", due_on="2027-01-10"),
            TODAY,
        )
    assert refused.value.code == "OUTCOME_NEEDS_VERIFIED_ERASURE"
    # The history is intact: every earlier fact is still there, the return after them.
    after = [e.type for e in queries.events(station.store, drive.id)]
    assert after == [*before, "loan.returned"]
    returned = queries.events(station.store, drive.id)[-1].payload
    assert returned["condition"] == "boîtier rayé, câble manquant"
    assert returned["state"] == "incomplete"
    assert station.device(drive.id).stage is DeviceStage.IDENTIFIED  # type: ignore[union-attr]
    row = station.store.query_one("SELECT returned_at, state FROM loans")
    assert row is not None and row[0] and row[1] == "incomplete"

    # Erased again, it may go out again: a new loan of its own.
    _erased(station, drive, 2)
    assert station.journey(drive.id).erasure_verified
    station.choose_outcome(
        drive.id, OutcomeChoice(OutcomeKind.LOAN, beneficiary="DOS-7", due_on="2027-02-01"), TODAY
    )
    (again,) = station.open_loans()
    assert again.beneficiary == "DOS-7"
    count = station.store.query_one("SELECT count(*) FROM loans")
    assert count == (2,)
    # The table is the log's: replayed from scratch, the same rows.
    rows = station.store.query("SELECT * FROM loans ORDER BY id")
    with station.store.transaction() as conn:
        rebuild(conn)
    assert station.store.query("SELECT * FROM loans ORDER BY id") == rows


def test_a_phone_back_from_a_loan_keeps_its_system_and_label(station: Station) -> None:
    phone = station.register_device(DeviceKind.PHONE, brand="Fairphone", serial="FP4-BACK")
    _erased(station, phone)
    station.store.record(
        [
            NewEvent("device.os_installed", _os(phone.id), phone.id),
            NewEvent("label.printed", {"device_id": phone.id, "template": "b"}, phone.id),
        ],
        operator="test",
        training=False,
    )
    station.choose_outcome(
        phone.id, OutcomeChoice(OutcomeKind.LOAN, beneficiary="D-1", due_on="2027-01-01"), TODAY
    )
    station.return_device(phone.id, "bon état", "good")
    journey = station.journey(phone.id)
    assert Stage.INSTALL in journey.done and Stage.LABEL in journey.done
    assert [s for s in journey.stages if s not in journey.done] == [
        Stage.CHECK,
        Stage.WIPE,
        Stage.GRADE,
        Stage.OUTCOME,
    ]


def _os(device_id: str) -> dict[str, str]:
    return {"device_id": device_id, "os": "eos", "name": "/e/OS", "version": "2.0"}


def test_a_return_is_refused_when_nothing_is_out_or_nothing_is_said(station: Station) -> None:
    drive = station.register_device(DeviceKind.DRIVE, brand="WD", serial="NOT-OUT")
    count = len(queries.events(station.store))
    with pytest.raises(BenchError) as refused:
        station.return_device(drive.id, "bon état", "good")
    assert refused.value.code == "LOAN_NOT_OUT" and drive.asset_code in refused.value.message.fr
    lent = _lend(station, "LENT-2")
    count = len(queries.events(station.store))
    for condition, state, code in (
        ("  ", "good", "RETURN_CONDITION_MISSING"),
        ("rayé", "cassé", "RETURN_STATE_UNKNOWN"),
    ):
        with pytest.raises(BenchError) as refused:
            station.return_device(lent.id, condition, state)
        assert refused.value.code == code
    assert len(queries.events(station.store)) == count
    assert len(station.open_loans()) == 1


def test_a_later_outcome_ends_the_loan(station: Station) -> None:
    """A loan corrected into a donation is no longer out (the latest outcome is current)."""
    drive = _lend(station, "CORRECT-1")
    station.choose_outcome(drive.id, OutcomeChoice(OutcomeKind.DONATION, beneficiary="D"), TODAY)
    assert station.open_loans() == []


def test_the_signature_picture_stays_local_and_the_fact_carries_its_hash(
    station: Station,
) -> None:
    digest = station.keep_signature(PNG)
    assert digest == hashlib.sha256(PNG).hexdigest()
    assert loans.picture_path(station.folder, digest).read_bytes() == PNG
    assert station.keep_signature(PNG) == digest  # the same picture: one file
    drive = station.register_device(DeviceKind.DRIVE, brand="WD", serial="SIGNED-1")
    _erased(station, drive)
    choice = OutcomeChoice(
        OutcomeKind.LOAN, beneficiary="DOS-3", due_on="2027-03-01", signature=digest
    )
    station.choose_outcome(drive.id, choice, TODAY)
    (loan,) = station.open_loans()
    assert loan.signed and loan.signature_sha256 == digest
    raw = station.store.query("SELECT payload FROM events WHERE type = 'outcome.recorded'")
    payload = json.loads(raw[-1][0])
    assert payload["signature_sha256"] == digest and payload["signed"] is True
    assert "IHDR" not in raw[-1][0]  # the picture's bytes are not in the log


def test_a_signature_that_is_no_picture_or_is_gone_is_refused(station: Station) -> None:
    for data in (b"", b"GIF89a....", b"\x89PNG" + b"\x00" * 10, b"\xff\xd8"):
        with pytest.raises(BenchError) as refused:
            station.keep_signature(data)
        assert refused.value.code == "HANDOVER_PICTURE_INVALID"
    drive = station.register_device(DeviceKind.DRIVE, brand="WD", serial="SIGNED-2")
    _erased(station, drive)
    digest = station.keep_signature(PNG)
    loans.picture_path(station.folder, digest).write_bytes(PNG + b"changed")
    choice = OutcomeChoice(OutcomeKind.LOAN, beneficiary="D", due_on="2027-03-01", signature=digest)
    with pytest.raises(BenchError) as refused:
        station.choose_outcome(drive.id, choice, TODAY)
    assert refused.value.code == "HANDOVER_PICTURE_MISSING"
    assert station.open_loans() == []


def test_spare_parts_name_the_receiving_device(station: Station) -> None:
    donor = station.register_device(DeviceKind.LAPTOP, brand="HP", serial="DONOR-1")
    receiver = station.register_device(DeviceKind.LAPTOP, brand="HP", serial="RECV-1")
    for typed, code in (
        ("ABCD-2345-X", "OUTCOME_PART_RECEIVER_UNKNOWN"),
        (donor.asset_code, "OUTCOME_PART_RECEIVER_SELF"),
    ):
        choice = OutcomeChoice(OutcomeKind.SPARE_PARTS, part="écran", receiver=typed)
        with pytest.raises(BenchError) as refused:
            station.choose_outcome(donor.id, choice, TODAY)
        assert refused.value.code == code
    assert queries.latest_outcome(station.store, donor.id) is None
    typed = receiver.asset_code.lower().replace("-", "")  # as typed, without dashes
    station.choose_outcome(
        donor.id, OutcomeChoice(OutcomeKind.SPARE_PARTS, part="écran", receiver=typed), TODAY
    )
    fact = queries.events(station.store, donor.id)[-1].payload
    assert (fact["part"], fact["receiver_id"], fact["receiver_asset"]) == (
        "écran",
        receiver.id,
        receiver.asset_code,
    )


def test_a_sale_keeps_its_receipt_and_recycling_its_weight(station: Station) -> None:
    drive = station.register_device(DeviceKind.DRIVE, brand="WD", serial="SOLD-1")
    _erased(station, drive)
    station.choose_outcome(
        drive.id, OutcomeChoice(OutcomeKind.SALE, price="15", receipt="RS-2026-118"), TODAY
    )
    assert station.journey(drive.id).outcome_details["receipt"] == "RS-2026-118"
    old = station.register_device(DeviceKind.LAPTOP, brand="HP", serial="DEEE-1")
    choice = OutcomeChoice(OutcomeKind.RECYCLING, reference="ECO-77", weight="2,350 kg")
    station.choose_outcome(old.id, choice, TODAY)
    details = station.journey(old.id).outcome_details
    assert details["weight_kg"] == "2.35" and details["reference"] == "ECO-77"


def test_a_laptop_back_from_a_loan_needs_its_disk_erased_again(station: Station) -> None:
    """Its disk's erasure before the loan proves nothing about the borrower's data."""
    laptop = station.register_device(DeviceKind.LAPTOP, brand="Lenovo", serial="T480-LENT")
    disk = station.register_device(DeviceKind.DRIVE, brand="Samsung", serial="S3-LENT")
    station.link_disk(disk.id, laptop.id)
    _erased(station, disk)
    station.skip_install(laptop.id, "Le bénéficiaire installe son système.")
    assert station.journey(laptop.id).erasure_verified
    station.choose_outcome(
        laptop.id, OutcomeChoice(OutcomeKind.LOAN, beneficiary="D-5", due_on="2027-01-05"), TODAY
    )
    station.return_device(laptop.id, "clavier usé", "worn")
    journey = station.journey(laptop.id)
    assert not journey.erasure_verified and Stage.ERASE not in journey.done
    assert [d.erased for d in journey.disks] == [False]
    assert journey.next is not None and journey.next.stage is Stage.CHECK
    _erased(station, disk, 2)  # erased again after the return
    journey = station.journey(laptop.id)
    assert journey.erasure_verified and [d.erased for d in journey.disks] == [True]


def test_a_loans_facts_that_arrive_before_the_loan_are_folded_when_it_comes(
    station: Station,
) -> None:
    """From another station (a stick, the hub), a rental's payment, its sheet signed later
    and its return may be logged here before the rental itself: once it comes, its row
    holds them all, as a replay of the log gives it."""
    drive = station.register_device(DeviceKind.DRIVE, brand="WD", serial="ORDER-1")
    loan_id = "01a24400-0000-7000-8000-00000000a0a0"
    about = {"device_id": drive.id, "loan_id": loan_id}
    early: list[tuple[str, dict[str, Any]]] = [
        ("loan.paid", {**about, "paid_on": "2026-12-01", "amount_eur": "10.00",
                       "receipt": "R-1", "months": 2}),
        ("loan.signed", {**about, "signature_sha256": "ab" * 32}),
    ]  # fmt: skip
    station.store.record(
        [NewEvent(t, p, drive.id) for t, p in early], operator="autre-poste", training=False
    )
    rental = {
        **about,
        "kind": "rental",
        "beneficiary": "DOS-1",
        "start_on": "2026-11-01",
        "term_months": 3,
        "signed": False,
    }
    station.store.record(
        [NewEvent("outcome.recorded", rental, drive.id)], operator="autre-poste", training=False
    )
    (loan,) = station.open_loans()
    assert (loan.months_paid, loan.paid_cents, loan.last_paid_on) == (2, 1000, "2026-12-01")
    assert loan.signed and loan.signature_sha256 == "ab" * 32
    assert loan.signed_by == "autre-poste"
    station.store.record(
        [NewEvent("loan.paid", {**early[0][1], "receipt": "R-2", "months": 1}, drive.id)],
        operator="test",
        training=False,
    )
    rows = station.store.query("SELECT * FROM loans")
    assert station.store.query_one("SELECT months_paid FROM loans") == (3,)
    with station.store.transaction() as conn:
        rebuild(conn)
    assert station.store.query("SELECT * FROM loans") == rows
