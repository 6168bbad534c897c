"""Beneficiaries: the few personal data a workshop needs about the people it gives, lends or
rents devices to (RGPD), and their retention, export and erasure.

A beneficiary is known everywhere by a reference (the file number a social structure or the
workshop gives them), the key the facts use (`outcome.recorded` "beneficiary"). Their name,
referring structure and contact live only in the local table `beneficiaries` of the station
database (migration 4), never in the event log: the log is append-only, hash-chained and
travels to the hub and onto USB sticks, so nothing written there can ever be erased. Facts
say only that a reference was registered or forgotten (`beneficiary.registered`,
`beneficiary.forgotten`).

Why a table in the station database rather than a file of its own: the record and its fact
are written in one transaction (both or neither), the training folder keeps its own people
apart for free, the station's single-writer lock covers it, and the export can join the
devices a person received. Erasure is made real for SQLite: rows are deleted or overwritten
with `secure_delete` on (freed space is zeroed) and the write-ahead log is then emptied
(`Store.checkpoint`), and the copies kept before a migration (`*.bak`) lose the person too,
so the name is gone from every file of the data folder. The table is not derived from
events: a projection rebuild and `etabli db check` leave it alone.

Retention: a person's data is erased `Settings.beneficiary_retention_months` after their
last activity, the latest of their record's registration or edit and any fact naming their
reference (a donation, a loan, a rental, from any station). `purge_expired` runs when a
station opens and on demand; the device history stays, anonymous (the reference only).
"""

from __future__ import annotations

import contextlib
import json
import logging
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from bench_app.domain.model import OutcomeKind
from bench_app.errors import BenchError
from bench_app.input_files import shown
from bench_app.store.database import NewEvent, Store, backups
from bench_app.store.events import utc_now
from bench_app.text import Text

log = logging.getLogger(__name__)

REFERENCE_MAX = 40
FIELD_MAX = 200
EXPORT_FORMAT = "etabli-beneficiary-export"

# The facts that name a beneficiary carry their reference in this payload field; the
# index of migration 4 is on exactly this expression.
_NAMED = "json_valid(payload) AND json_extract(payload, '$.beneficiary') = ?"
# Who a device went to: these outcomes carry a beneficiary (bench_app/journey.py).
_GIVEN = frozenset({OutcomeKind.DONATION.value, OutcomeKind.LOAN.value, OutcomeKind.RENTAL.value})


@dataclass(frozen=True, slots=True)
class Beneficiary:
    """What the station keeps about one person: nothing else."""

    reference: str
    name: str = ""
    structure: str = ""  # the referring social structure (CCAS, Mission locale…)
    contact: str = ""  # a phone number or an e-mail address
    registered_at: str = ""  # UTC, as the log's timestamps
    updated_at: str = ""

    def shown_name(self) -> str:
        """The name, or the reference when the person gave none."""
        return self.name or self.reference


def clean_reference(reference: str) -> str:
    """The reference as facts record it (outer spaces trimmed), or BenchError
    BENEFICIARY_REFERENCE_INVALID: empty, too long, or with a control character."""
    text = shown(reference).strip()
    if not text:
        raise BenchError(
            "BENEFICIARY_REFERENCE_INVALID", reference=text, detail=Text("vide", "empty")
        )
    if len(text) > REFERENCE_MAX:
        raise BenchError(
            "BENEFICIARY_REFERENCE_INVALID",
            reference=text[:REFERENCE_MAX] + "…",
            detail=f"{len(text)} > {REFERENCE_MAX}",
        )
    if not text.isprintable():
        raise BenchError(
            "BENEFICIARY_REFERENCE_INVALID",
            reference=text.encode("unicode_escape").decode("ascii"),
            detail=Text("un caractère de contrôle", "a control character"),
        )
    return text


def _clean_field(name: Text | str, value: str) -> str:
    text = shown(value).strip()
    if len(text) > FIELD_MAX:
        raise BenchError("BENEFICIARY_FIELD_INVALID", field=name, detail=f"{len(text)} > 200")
    if not text.isprintable():
        raise BenchError(
            "BENEFICIARY_FIELD_INVALID",
            field=name,
            detail=Text("un caractère de contrôle", "a control character"),
        )
    return text


@contextlib.contextmanager
def _erasing(store: Store) -> Iterator[sqlite3.Connection]:
    """A write transaction in which whatever is deleted or overwritten is zeroed on disk;
    the write-ahead log is emptied after it, so no older copy of a page stays behind."""
    with store.transaction() as conn:
        conn.execute("PRAGMA secure_delete = ON")
        try:
            yield conn
        finally:
            conn.execute("PRAGMA secure_delete = OFF")
    store.checkpoint()


def _row(row: tuple[Any, ...]) -> Beneficiary:
    return Beneficiary(*(str(v) for v in row))


_COLUMNS = "reference, name, structure, contact, registered_at, updated_at"


def get(store: Store, reference: str) -> Beneficiary | None:
    row = store.query_one(
        f"SELECT {_COLUMNS} FROM beneficiaries WHERE reference = ?", (reference.strip(),)
    )
    return _row(row) if row else None


def listing(store: Store) -> list[Beneficiary]:
    """Every person on record, by reference."""
    return [
        _row(r) for r in store.query(f"SELECT {_COLUMNS} FROM beneficiaries ORDER BY reference")
    ]


def add(
    store: Store,
    reference: str,
    *,
    name: str = "",
    structure: str = "",
    contact: str = "",
    operator: str,
    training: bool,
    now: str | None = None,
) -> Beneficiary:
    """Records a person (BenchError BENEFICIARY_EXISTS if the reference is taken) and the
    fact `beneficiary.registered` with the reference only, in one transaction."""
    ref = clean_reference(reference)
    fields = {
        "name": _clean_field(Text("nom", "name"), name),
        "structure": _clean_field("structure", structure),
        "contact": _clean_field("contact", contact),
    }
    at = now or utc_now()
    with _erasing(store) as conn:
        if conn.execute("SELECT 1 FROM beneficiaries WHERE reference = ?", (ref,)).fetchone():
            raise BenchError("BENEFICIARY_EXISTS", reference=ref)
        conn.execute(
            f"INSERT INTO beneficiaries ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)",
            (ref, fields["name"], fields["structure"], fields["contact"], at, at),
        )
        store.append(
            conn,
            NewEvent("beneficiary.registered", {"reference": ref}),
            operator=operator,
            training=training,
        )
    return Beneficiary(ref, **fields, registered_at=at, updated_at=at)


def update(
    store: Store,
    reference: str,
    *,
    name: str,
    structure: str,
    contact: str,
    now: str | None = None,
) -> Beneficiary:
    """Changes a person's data (BenchError BENEFICIARY_UNKNOWN if not on record). No fact:
    the change is personal data; the old values are overwritten on disk."""
    ref = clean_reference(reference)
    values = (
        _clean_field(Text("nom", "name"), name),
        _clean_field("structure", structure),
        _clean_field("contact", contact),
    )
    at = now or utc_now()
    with _erasing(store) as conn:
        done = conn.execute(
            "UPDATE beneficiaries SET name = ?, structure = ?, contact = ?, updated_at = ?"
            " WHERE reference = ?",
            (*values, at, ref),
        )
        if done.rowcount == 0:
            raise BenchError("BENEFICIARY_UNKNOWN", reference=ref)
    found = get(store, ref)
    assert found is not None
    return found


def last_activity(store: Store, reference: str) -> str | None:
    """When a fact last named this reference as a beneficiary (UTC timestamp), or None."""
    row = store.query_one(f"SELECT max(ts) FROM events WHERE {_NAMED}", (reference,))
    return str(row[0]) if row and row[0] else None


def forget(
    store: Store,
    reference: str,
    *,
    operator: str,
    training: bool,
    approved_by: str = "",
    reason: str = "request",
    before: Sequence[NewEvent] = (),
) -> None:
    """Erases a person's personal data (BenchError BENEFICIARY_UNKNOWN if none is held) and
    records `beneficiary.forgotten` with the reference, the reason ("request" or
    "retention") and who approved it, after the facts `before` (the approval), all in one
    transaction. The devices' history keeps the reference only."""
    ref = clean_reference(reference)
    payload: dict[str, Any] = {"reference": ref, "reason": reason}
    if approved_by.strip():
        payload["approved_by"] = approved_by.strip()
    with _erasing(store) as conn:
        gone = conn.execute("DELETE FROM beneficiaries WHERE reference = ?", (ref,))
        if gone.rowcount == 0:
            raise BenchError("BENEFICIARY_UNKNOWN", reference=ref)
        for event in before:
            store.append(conn, event, operator=operator, training=training)
        store.append(
            conn, NewEvent("beneficiary.forgotten", payload), operator=operator, training=training
        )
    _scrub_backups(store.path.parent, ref)


def _scrub_backups(folder: Path, reference: str) -> None:
    """The copies of the database made before a migration hold the table as it was then:
    the person is erased there too (their log, a restore point, is left as it was)."""
    for path in backups(folder):
        try:
            with contextlib.closing(sqlite3.connect(path)) as conn:
                found = conn.execute(
                    "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'beneficiaries'"
                ).fetchone()
                if found is None:
                    continue
                conn.execute("PRAGMA secure_delete = ON")
                conn.execute("DELETE FROM beneficiaries WHERE reference = ?", (reference,))
                conn.commit()
        except sqlite3.Error as exc:  # a damaged copy: the station's own data is erased
            log.warning("could not erase %s from the copy %s: %s", reference, path.name, exc)


def months_before(day: date, months: int) -> date:
    """The same day `months` months earlier (the month's last day when it has fewer)."""
    total = day.year * 12 + day.month - 1 - months
    year, month = divmod(total, 12)
    month += 1
    for last in (31, 30, 29, 28):
        with contextlib.suppress(ValueError):
            return date(year, month, min(day.day, last))
    raise AssertionError("unreachable")


def expired(store: Store, months: int, today: date | None = None) -> list[str]:
    """The references whose last activity is more than `months` months before `today`."""
    cutoff = months_before(today or datetime.now(UTC).date(), months).isoformat()
    found = []
    # Only records untouched since the cutoff can have expired; each is then checked
    # against the facts that name it (the index of migration 4 makes that one lookup).
    for (ref,) in store.query(
        "SELECT reference FROM beneficiaries"
        " WHERE substr(max(registered_at, updated_at), 1, 10) < ? ORDER BY reference",
        (cutoff,),
    ):
        last = last_activity(store, str(ref))
        if last is None or last[:10] < cutoff:
            found.append(str(ref))
    return found


def purge_expired(
    store: Store, months: int, *, operator: str, training: bool, today: date | None = None
) -> list[str]:
    """Erases the personal data of everyone past the retention period, each with the fact
    `beneficiary.forgotten` (reason "retention"); returns their references."""
    erased = expired(store, months, today)
    for ref in erased:
        forget(store, ref, operator=operator, training=training, reason="retention")
    return erased


def export(store: Store, reference: str, *, now: str | None = None) -> dict[str, Any]:
    """Everything the station holds about one person, for their access request: their
    record (None once forgotten), every device given, lent or rented to them with its dates,
    and the facts about their file. BenchError BENEFICIARY_UNKNOWN when there is nothing."""
    ref = clean_reference(reference)
    person = get(store, ref)
    devices = []
    for ts, payload, asset, kind, brand, model, serial, imei in store.query(
        "SELECT e.ts, e.payload, d.asset_code, d.kind, d.brand, d.model, d.serial, d.imei"
        " FROM events e LEFT JOIN devices d ON d.id = e.device_id"
        f" WHERE e.type = 'outcome.recorded' AND {_NAMED.replace('payload', 'e.payload')}"
        " ORDER BY e.ts, e.rowid",
        (ref,),
    ):
        p = json.loads(payload)
        devices.append(
            {
                "asset_code": asset or "",
                "kind": kind or "",
                "brand": brand or "",
                "model": model or "",
                "serial": serial or "",
                "imei": imei or "",
                "outcome": str(p.get("kind", "")),
                "recorded_at": ts,
                "due_on": str(p.get("due_on", "")),
            }
        )
    facts = [
        {"type": t, "recorded_at": ts, "reason": str(json.loads(p).get("reason", ""))}
        for t, ts, p in store.query(
            "SELECT type, ts, payload FROM events WHERE type IN"
            " ('beneficiary.registered', 'beneficiary.forgotten')"
            " AND json_valid(payload) AND json_extract(payload, '$.reference') = ?"
            " ORDER BY ts, rowid",
            (ref,),
        )
    ]
    if person is None and not devices and not facts:
        raise BenchError("BENEFICIARY_UNKNOWN", reference=ref)
    return {
        "format": EXPORT_FORMAT,
        "version": 1,
        "exported_at": now or utc_now(),
        "reference": ref,
        "record": None
        if person is None
        else {
            "name": person.name,
            "structure": person.structure,
            "contact": person.contact,
            "registered_at": person.registered_at,
            "updated_at": person.updated_at,
        },
        "devices": devices,
        "facts": facts,
    }


def export_json(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def is_given(kind: str) -> bool:
    """Whether an outcome of this kind names a beneficiary."""
    return kind in _GIVEN
