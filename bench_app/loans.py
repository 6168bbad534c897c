"""Loans and rentals: the devices out with a beneficiary (known by a reference, never a
name), when each is due back, which are due soon and which are late, and their return.

A loan or rental is recorded once, as its outcome (`outcome.recorded` of kind loan or
rental, with its `loan_id`); the `loans` table, its one home, is derived from those facts,
from the handover sheets signed later (`loan.signed`), the rentals' payments (`loan.paid`)
and the returns (`loan.returned`). A loan is out (`is_out`) while it is not returned and is
still its device's current outcome. A loan's due date is the one chosen; a rental's is its
start plus its term in months, and it falls due each month on the start's day
(`next_term`): month k of the term is paid by its start plus k months. A rental whose next
month to pay is past is late, like a loan whose return date is past.

Dates are always given (`today`): the lists are the same whatever the clock says.

The picture of a signed handover sheet (drawn on screen, or a photo of the paper) is kept in
the data folder under signatures/, named by its SHA-256; the fact carries only that hash.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench_app.domain.calendar import add_months, next_rental_payment
from bench_app.domain.model import RETURN_STATES, OutcomeKind
from bench_app.errors import BenchError
from bench_app.input_files import read_input, shown
from bench_app.journey import price_text
from bench_app.text import Text

if TYPE_CHECKING:
    from bench_app.store.database import Store

SIGNATURES_DIR = "signatures"
MAX_PICTURE_BYTES = 5 * 1024 * 1024
REMIND_DAYS = 14  # the reminder list's window when none is given
_PNG = b"\x89PNG\r\n\x1a\n"
_JPEG = b"\xff\xd8\xff"


class LoanStatus(StrEnum):
    OUT = "out"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"


# Said in words next to an icon, never by colour alone.
STATUS_WORDS: dict[LoanStatus, Text] = {
    LoanStatus.OUT: Text("En cours", "Out"),
    LoanStatus.DUE_SOON: Text("Retour bientôt", "Due soon"),
    LoanStatus.OVERDUE: Text("En retard", "Overdue"),
}


@dataclass(frozen=True)
class Loan:
    """A device lent or rented, as the `loans` table holds it."""

    loan_id: str
    device_id: str
    asset_code: str
    kind: OutcomeKind  # LOAN or RENTAL
    beneficiary: str  # the beneficiary's reference (a file number)
    start_on: date
    due_on: date | None  # None: a date an earlier version could not read
    term_months: int | None  # a rental's term
    signed: bool
    signature_sha256: str
    signed_at: str = ""  # when a sheet signed after the handover was recorded ("" : at it)
    signed_by: str = ""  # ...and by whom
    months_paid: int = 0  # a rental's months paid so far
    paid_cents: int = 0
    last_paid_on: str = ""

    def months_due(self, today: date) -> int:
        """A rental's months that have fallen due by `today` (month k on start + k months)."""
        if self.kind is not OutcomeKind.RENTAL or self.term_months is None:
            return 0
        return sum(
            1 for k in range(1, self.term_months + 1) if add_months(self.start_on, k) <= today
        )

    def next_payment_on(self) -> date | None:
        """When a rental's first month not paid yet falls due (None: all paid, or a loan)."""
        if self.kind is not OutcomeKind.RENTAL:
            return None
        return next_rental_payment(self.start_on, self.term_months, self.months_paid)

    def payment_late(self, today: date) -> bool:
        """A rental's month not paid by the day it fell due."""
        due = self.next_payment_on()
        return due is not None and due < today

    def days_left(self, today: date) -> int | None:
        """Days until it is due (negative: days late)."""
        return None if self.due_on is None else (self.due_on - today).days

    def status(self, today: date, within: int = REMIND_DAYS) -> LoanStatus:
        """Overdue once its due date is past or a month's payment is late, due soon within
        `within` days of its return date, else out."""
        left = self.days_left(today)
        if (left is not None and left < 0) or self.payment_late(today):
            return LoanStatus.OVERDUE
        if left is None:
            return LoanStatus.OUT
        return LoanStatus.DUE_SOON if left <= within else LoanStatus.OUT

    def next_term(self, today: date) -> date | None:
        """A rental's next monthly term on or after `today` (at most its due date)."""
        if self.kind is not OutcomeKind.RENTAL or self.term_months is None:
            return None
        for n in range(1, self.term_months + 1):
            term = add_months(self.start_on, n)
            if term >= today:
                return term
        return self.due_on

    def to_json(self, today: date, within: int = REMIND_DAYS) -> dict[str, Any]:
        next_term = self.next_term(today)
        next_payment = self.next_payment_on()
        rental = self.kind is OutcomeKind.RENTAL
        return {
            "loan_id": self.loan_id,
            "device_id": self.device_id,
            "asset_code": self.asset_code,
            "kind": self.kind.value,
            "beneficiary": self.beneficiary,
            "start_on": self.start_on.isoformat(),
            "due_on": None if self.due_on is None else self.due_on.isoformat(),
            "term_months": self.term_months,
            "next_term_on": None if next_term is None else next_term.isoformat(),
            "signed": self.signed,
            "signature_sha256": self.signature_sha256 or None,
            "signed_later_at": self.signed_at or None,
            "signed_later_by": self.signed_by or None,
            "days_left": self.days_left(today),
            "status": self.status(today, within).value,
            "return_late": (self.days_left(today) or 0) < 0,
            "months_paid": self.months_paid if rental else None,
            "months_due": self.months_due(today) if rental else None,
            "paid_eur": f"{self.paid_cents // 100}.{self.paid_cents % 100:02d}" if rental else None,
            "next_payment_on": None if next_payment is None else next_payment.isoformat(),
            "payment_late": self.payment_late(today),
        }


def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except (TypeError, ValueError):
        return None


_OPEN = (
    "SELECT l.id, l.device_id, d.asset_code, l.kind, l.beneficiary, l.start_on, l.due_on,"
    " l.term_months, l.signed, l.signature_sha256, l.signed_at, l.signed_by, l.months_paid,"
    " l.paid_cents, l.last_paid_on FROM loans l JOIN devices d ON d.id = l.device_id"
    " WHERE l.is_out = 1"
)


def _loan(row: tuple[Any, ...]) -> Loan:
    start = _date(row[5]) or date.min
    return Loan(
        loan_id=row[0],
        device_id=row[1],
        asset_code=row[2],
        kind=OutcomeKind(row[3]),
        beneficiary=row[4],
        start_on=start,
        due_on=_date(row[6]),
        term_months=row[7],
        signed=bool(row[8]),
        signature_sha256=row[9],
        signed_at=row[10],
        signed_by=row[11],
        months_paid=row[12],
        paid_cents=row[13],
        last_paid_on=row[14],
    )


def open_loans(store: Store) -> list[Loan]:
    """Every device lent or rented and not back, the soonest due first."""
    rows = store.query(_OPEN + " ORDER BY l.due_on = '', l.due_on, d.asset_code")
    return [_loan(r) for r in rows]


def open_loan(store: Store, device_id: str) -> Loan | None:
    """The device's loan or rental that is out now, if any."""
    row = store.query_one(_OPEN + " AND l.device_id = ?", (device_id,))
    return None if row is None else _loan(row)


def unsigned(loans: list[Loan]) -> list[Loan]:
    """Loans whose handover sheet is not signed yet (to sign when the beneficiary comes)."""
    return [loan for loan in loans if not loan.signed]


def payments(store: Store, loan_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    """Each rental's payments, oldest first: day paid, amount, receipt, months, who."""
    found: dict[str, list[dict[str, Any]]] = {}
    for loan_id in loan_ids:
        # The IN list is the events_loan index's own condition: each loan is one index walk.
        rows = store.query(
            "SELECT payload, operator FROM events WHERE type IN ('loan.signed', 'loan.paid',"
            " 'loan.returned') AND json_extract(payload, '$.loan_id') = ?"
            " AND type = 'loan.paid' ORDER BY rowid",
            (loan_id,),
        )
        found[loan_id] = []
        for payload, operator in rows:
            p = json.loads(payload)
            found[loan_id].append(
                {
                    "paid_on": p.get("paid_on"),
                    "amount_eur": p.get("amount_eur"),
                    "receipt": p.get("receipt"),
                    "months": p.get("months"),
                    "recorded_by": operator,
                }
            )
    return found


def sign_refusal(loan: Loan, picture: str) -> BenchError | None:
    """Why the sheet may not be marked signed now (None: it may): signed already, with no
    new picture to add."""
    if loan.signed and (not picture or picture == loan.signature_sha256):
        return BenchError("LOAN_ALREADY_SIGNED", code=loan.asset_code)
    return None


def sign_payload(loan: Loan, picture: str) -> dict[str, Any]:
    """The `loan.signed` fact: the sheet signed, with the picture's hash if one is given."""
    return {"device_id": loan.device_id, "loan_id": loan.loan_id, "signature_sha256": picture}


def payment_refusal(
    loan: Loan, paid_on: str, amount: str, receipt: str, months: int, today: date
) -> BenchError | None:
    """Why a rental's payment may not be recorded (None: it may): not a rental, a bad day
    (before the start, after today), a bad amount, no receipt, more months than left."""
    if loan.kind is not OutcomeKind.RENTAL or loan.term_months is None:
        return BenchError("PAYMENT_NOT_RENTAL", code=loan.asset_code)
    day = _date(paid_on.strip())
    if day is None or day > today or day < loan.start_on:
        return BenchError("PAYMENT_DATE_INVALID", day=paid_on)
    cents = price_text(amount)
    if cents is None or cents == "0.00":
        return BenchError("PAYMENT_AMOUNT_INVALID", amount=amount)
    if not receipt.strip():
        return BenchError("PAYMENT_RECEIPT_MISSING")
    left = loan.term_months - loan.months_paid
    if months < 1 or months > left:
        return BenchError("PAYMENT_MONTHS_INVALID", months=str(months), left=str(left))
    return None


def payment_payload(
    loan: Loan, paid_on: str, amount: str, receipt: str, months: int
) -> dict[str, Any]:
    """The `loan.paid` fact of an accepted payment (the amount as a decimal string)."""
    day = date.fromisoformat(paid_on.strip())
    return {
        "device_id": loan.device_id,
        "loan_id": loan.loan_id,
        "paid_on": day.isoformat(),
        "amount_eur": price_text(amount) or "0.00",
        "receipt": receipt.strip(),
        "months": months,
    }


def due_within(loans: list[Loan], today: date, days: int) -> list[Loan]:
    """The reminder list: loans due back from today to `days` days from now."""
    return [loan for loan in loans if loan.status(today, days) is LoanStatus.DUE_SOON]


def overdue(loans: list[Loan], today: date) -> list[Loan]:
    """Loans whose due date is past."""
    return [loan for loan in loans if loan.status(today) is LoanStatus.OVERDUE]


def return_refusal(condition: str, state: str) -> BenchError | None:
    """Why a return may not be recorded with these words (None: it may)."""
    if not condition.strip():
        return BenchError("RETURN_CONDITION_MISSING")
    if state and state not in RETURN_STATES:
        return BenchError("RETURN_STATE_UNKNOWN", state=state, choices=", ".join(RETURN_STATES))
    return None


def return_payload(loan: Loan, condition: str, state: str) -> dict[str, Any]:
    """The `loan.returned` fact closing `loan`."""
    return {
        "device_id": loan.device_id,
        "loan_id": loan.loan_id,
        "condition": condition.strip(),
        "state": state,
    }


# -- the handover sheet's picture ----------------------------------------------------------


def picture_path(folder: Path, sha256: str) -> Path:
    """Where the picture with this hash is kept in the data folder."""
    return folder / SIGNATURES_DIR / f"{sha256}.img"


def keep_picture(folder: Path, data: bytes) -> str:
    """Keeps a signature's picture (PNG or JPEG bytes) in the data folder and returns its
    SHA-256, which the loan's fact carries; BenchError HANDOVER_PICTURE_INVALID otherwise.
    Keeping the same picture twice keeps one file."""
    if len(data) > MAX_PICTURE_BYTES or not (data.startswith(_PNG) or data.startswith(_JPEG)):
        raise BenchError("HANDOVER_PICTURE_INVALID")
    digest = hashlib.sha256(data).hexdigest()
    target = picture_path(folder, digest)
    if not target.is_file():
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(".part")
        partial.write_bytes(data)
        os.replace(partial, target)  # never a half-written picture under its hash
    return digest


def read_picture(path: str | os.PathLike[str]) -> bytes:
    """The bytes of a photo of a signed sheet (a file given by its path); BenchError when it
    cannot be read, is no regular file or is too large (checked as a picture when kept)."""
    try:
        return read_input(path, limit=MAX_PICTURE_BYTES)
    except OSError as exc:
        raise BenchError("HANDOVER_PICTURE_UNREADABLE", path=shown(os.fspath(path))) from exc


def has_picture(folder: Path, sha256: str) -> bool:
    """Whether the picture with this hash is in the data folder, unchanged."""
    path = picture_path(folder, sha256)
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest() == sha256
    except OSError:
        return False
