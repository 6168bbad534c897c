"""Loans and rentals: the devices out with a beneficiary (known by a reference, never a
name), when each is due back, which are due soon and which are late, and their return.

A loan or rental is recorded once, as its outcome (`outcome.recorded` of kind loan or
rental, with its `loan_id`); the `loans` table is derived from those facts and from the
returns (`loan.returned`). A loan is out while it is not returned and is still its device's
current outcome. A loan's due date is the one chosen; a rental's is its start plus its term
in months, and it falls due each month on the start's day (`next_term`).

Dates are always given (`today`): the lists are the same whatever the clock says.

The picture of a signed handover sheet (drawn on screen, or a photo of the paper) is kept in
the data folder under signatures/, named by its SHA-256; the fact carries only that hash.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench_app.domain.calendar import add_months
from bench_app.domain.model import OutcomeKind
from bench_app.errors import BenchError
from bench_app.input_files import read_input, shown
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

# How a device comes back: the short choice list; the words say the rest.
RETURN_STATES: dict[str, Text] = {
    "good": Text("Bon état", "Good condition"),
    "worn": Text("Usé", "Worn"),
    "damaged": Text("Abîmé", "Damaged"),
    "incomplete": Text("Incomplet", "Incomplete"),
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

    def days_left(self, today: date) -> int | None:
        """Days until it is due (negative: days late)."""
        return None if self.due_on is None else (self.due_on - today).days

    def status(self, today: date, within: int = REMIND_DAYS) -> LoanStatus:
        """Overdue once its due date is past, due soon within `within` days, else out."""
        left = self.days_left(today)
        if left is None:
            return LoanStatus.OUT
        if left < 0:
            return LoanStatus.OVERDUE
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
            "days_left": self.days_left(today),
            "status": self.status(today, within).value,
        }


def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except (TypeError, ValueError):
        return None


_OPEN = (
    "SELECT l.id, l.device_id, d.asset_code, l.kind, l.beneficiary, l.start_on, l.due_on,"
    " l.term_months, l.signed, l.signature_sha256 FROM loans l"
    " JOIN devices d ON d.id = l.device_id"
    " WHERE l.returned_at IS NULL AND l.event_id = (SELECT o.event_id FROM outcomes o"
    " WHERE o.device_id = l.device_id ORDER BY o.at DESC, o.rowid DESC LIMIT 1)"
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
    )


def open_loans(store: Store) -> list[Loan]:
    """Every device lent or rented and not back, the soonest due first."""
    rows = store.query(_OPEN + " ORDER BY l.due_on = '', l.due_on, d.asset_code")
    return [_loan(r) for r in rows]


def open_loan(store: Store, device_id: str) -> Loan | None:
    """The device's loan or rental that is out now, if any."""
    row = store.query_one(_OPEN + " AND l.device_id = ?", (device_id,))
    return None if row is None else _loan(row)


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
