"""Migration 9 gives loans one home: the rows of the old `loans` table and the devices out
that `open_loans` held (loans an earlier version recorded without a loan id among them) move
into the new `loans` table by SQL alone, as the log would give them; `open_loans` is gone."""

from __future__ import annotations

import sqlite3
from datetime import date
from typing import Any

from bench_app.domain.model import Device, DeviceKind, OutcomeKind
from bench_app.journey import OutcomeChoice
from bench_app.station import Station
from bench_app.store.database import NewEvent
from bench_app.store.migrations import MIGRATIONS, PROJECTION_TABLES, split_sql
from tests.unit.test_loans import _erased

TODAY = date(2026, 12, 4)
V5, V6 = (next(m for m in MIGRATIONS if m.version == v) for v in (5, 6))
# Found by what it makes, whatever number it ends up with when branches are merged.
V9 = next(m for m in MIGRATIONS if "CREATE TABLE parts_given" in m.sql)


def _device(station: Station, serial: str) -> Device:
    drive = station.register_device(DeviceKind.DRIVE, brand="Seagate", serial=serial)
    _erased(station, drive)
    return drive


def _old_outcome(station: Station, device: Device, payload: dict[str, Any]) -> None:
    """An outcome as a version before loan ids recorded it (no loan_id, no start_on)."""
    station.store.record(
        [NewEvent("outcome.recorded", {"device_id": device.id, **payload}, device.id)],
        operator="ancienne-version",
        training=False,
    )


def _workshop(station: Station) -> None:
    """Loans and rentals of every kind the old tables held: out, returned, superseded,
    recorded without a loan id (a loan and a rental on the 31st), and a part given."""
    lent = _device(station, "OUT-1")
    station.choose_outcome(
        lent.id, OutcomeChoice(OutcomeKind.LOAN, beneficiary="DOS-1", due_on="2026-12-24"), TODAY
    )
    back = _device(station, "BACK-1")
    station.choose_outcome(
        back.id, OutcomeChoice(OutcomeKind.RENTAL, beneficiary="DOS-2", months="2"), TODAY
    )
    station.return_device(back.id, "rayé", "worn")
    given = _device(station, "GIVEN-1")
    station.choose_outcome(
        given.id, OutcomeChoice(OutcomeKind.LOAN, beneficiary="DOS-3", due_on="2027-01-04"), TODAY
    )
    station.choose_outcome(given.id, OutcomeChoice(OutcomeKind.DONATION, beneficiary="DOS-3"))
    old_loan, old_rental = _device(station, "OLD-1"), _device(station, "OLD-2")
    _old_outcome(
        station, old_loan, {"kind": "loan", "beneficiary": "DOS-4", "due_on": "2026-01-09"}
    )
    _old_outcome(
        station,
        old_rental,
        {"kind": "rental", "beneficiary": "DOS-5", "start_on": "2026-01-31", "term_months": 1},
    )
    donor = _device(station, "DONOR-1")
    station.choose_outcome(
        donor.id,
        OutcomeChoice(OutcomeKind.SPARE_PARTS, part="écran", receiver=lent.asset_code),
    )


def _as_version_8(conn: sqlite3.Connection) -> None:
    """Puts back the tables version 8 had, filled as its projection left them: the old
    `loans` (only loans with an id) and `open_loans` (migration 6's own statement)."""
    conn.execute("ALTER TABLE loans RENAME TO loans_now")
    conn.execute("DROP INDEX loans_device")
    conn.execute("DROP INDEX loans_out")
    conn.execute("DROP INDEX events_loan")
    conn.execute("DROP TABLE parts_given")
    for statement in split_sql(V5.sql):
        conn.execute(statement)
    conn.execute(
        "INSERT INTO loans (id, event_id, device_id, kind, beneficiary, start_on, due_on,"
        " term_months, signed, signature_sha256, returned_at, return_event_id, condition,"
        " state, training) SELECT id, event_id, device_id, kind, beneficiary, start_on,"
        " due_on, term_months, signed, signature_sha256, returned_at, return_event_id,"
        " condition, state, training FROM loans_now WHERE id <> event_id"
    )
    conn.execute("DROP TABLE loans_now")
    for statement in split_sql(V6.sql):
        if "open_loans" in statement:
            conn.execute(statement)


def test_migration_9_moves_every_loan_into_one_table_as_the_log_gives_it(
    station: Station,
) -> None:
    _workshop(station)
    store = station.store
    derived = store.query("SELECT * FROM loans ORDER BY id")
    parts = store.query("SELECT * FROM parts_given ORDER BY event_id")
    assert len(derived) == 5 and len(parts) == 1
    out = {row[0] for row in store.query("SELECT d.serial FROM loans l JOIN devices d"
                                         " ON d.id = l.device_id WHERE l.is_out = 1")}  # fmt: skip
    assert out == {"OUT-1", "OLD-1", "OLD-2"}
    old_rental = store.query_one(
        "SELECT l.id = l.event_id, l.due_on FROM loans l JOIN devices d ON d.id = l.device_id"
        " WHERE d.serial = 'OLD-2'"
    )
    assert old_rental == (1, "2026-02-28")  # its outcome's id; 31 January + 1 month

    with store.transaction() as conn:
        _as_version_8(conn)
        assert conn.execute("SELECT count(*) FROM open_loans").fetchone() == (3,)
        assert conn.execute("SELECT count(*) FROM loans").fetchone() == (3,)
        for statement in split_sql(V9.sql):
            conn.execute(statement)

    assert store.query("SELECT * FROM loans ORDER BY id") == derived
    assert store.query("SELECT * FROM parts_given ORDER BY event_id") == parts
    tables = {r[0] for r in store.query("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert "open_loans" not in tables and "loans_v9" not in tables
    assert "open_loans" not in PROJECTION_TABLES
    # The loans list reads the one table: the old loans out are listed, and can come back.
    listed = {loan.beneficiary: loan for loan in station.open_loans()}
    assert set(listed) == {"DOS-1", "DOS-4", "DOS-5"}
    station.return_device(listed["DOS-4"].device_id, "complet", "good")
    assert {loan.beneficiary for loan in station.open_loans()} == {"DOS-1", "DOS-5"}
