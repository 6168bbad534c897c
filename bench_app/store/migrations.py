"""Numbered schema migrations. Append a new entry, never edit a released one.

Version 1 holds the event log; version 2 the tables derived from it (filled by replaying the
log, so a database of any past version upgrades with its whole history); version 3 the
erasures; version 4 the beneficiaries' personal data, kept beside the log and never derived
from it (bench_app/beneficiaries.py says why); version 5 the loans and rentals;
version 6 the dashboard's indexes and the devices out on loan or rental now (filled from
the outcomes and loans already derived: no replay of the log); version 7 what search reads
(bench_app/search.py); version 8 what each device's journey has reached (lots counted by
stage); version 9 one home for loans and rentals (the `loans` table takes in the devices
out now, which `open_loans` held, and their handover sheet signed later and rental
payments), and the spare parts a device gave to others; version 10 the dashboard's counters per hour
(store/dashboard_counts.py) and the lots' counters (store/lot_counts.py), computed from the log
and the derived tables at once, not by a replay.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass

from bench_app.store import dashboard_counts, lot_counts


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    sql: str
    rebuild_projections: bool = False
    # Computes what SQL alone cannot, after `sql`, in the same transaction.
    then: Callable[[sqlite3.Connection], None] | None = None


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "station identity and the append-only event log",
        """
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE events (
            rowid INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            station_id TEXT NOT NULL,
            seq INTEGER NOT NULL,
            operator TEXT NOT NULL,
            ts TEXT NOT NULL,
            type TEXT NOT NULL,
            device_id TEXT,
            payload TEXT NOT NULL,
            training INTEGER NOT NULL DEFAULT 0,
            prev_hash TEXT NOT NULL,
            hash TEXT NOT NULL,
            UNIQUE (station_id, seq)
        );
        CREATE INDEX events_device ON events (device_id);
        CREATE INDEX events_type ON events (type);
        CREATE TRIGGER events_no_update BEFORE UPDATE ON events
            BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;
        CREATE TRIGGER events_no_delete BEFORE DELETE ON events
            BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;
        """,
    ),
    Migration(
        2,
        "current state derived from the events",
        """
        CREATE TABLE donors (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            kind TEXT NOT NULL,
            contact TEXT NOT NULL DEFAULT '',
            training INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL
        );
        CREATE TABLE lots (
            id TEXT PRIMARY KEY,
            donor_id TEXT NOT NULL REFERENCES donors (id),
            received_on TEXT NOT NULL,
            agreement_ref TEXT NOT NULL DEFAULT '',
            expected_count INTEGER,
            training INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL
        );
        CREATE TABLE devices (
            id TEXT PRIMARY KEY,
            asset_code TEXT NOT NULL UNIQUE,
            kind TEXT NOT NULL,
            brand TEXT NOT NULL DEFAULT '',
            model TEXT NOT NULL DEFAULT '',
            serial TEXT NOT NULL DEFAULT '',
            imei TEXT NOT NULL DEFAULT '',
            lot_id TEXT REFERENCES lots (id),
            stage TEXT NOT NULL,
            presort TEXT,
            details TEXT NOT NULL DEFAULT '{}',
            training INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX devices_serial ON devices (serial);
        CREATE INDEX devices_imei ON devices (imei);
        CREATE INDEX devices_lot ON devices (lot_id);
        CREATE TABLE jobs (
            id TEXT PRIMARY KEY,
            device_id TEXT NOT NULL REFERENCES devices (id),
            pipeline TEXT NOT NULL,
            steps TEXT NOT NULL,
            stage_on_success TEXT,
            state TEXT NOT NULL,
            current_step TEXT,
            last_finished_step TEXT,
            message TEXT NOT NULL DEFAULT '',
            training INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX jobs_device ON jobs (device_id);
        CREATE INDEX jobs_state ON jobs (state);
        CREATE TABLE step_results (
            job_id TEXT NOT NULL REFERENCES jobs (id),
            step_id TEXT NOT NULL,
            status TEXT NOT NULL,
            summary TEXT NOT NULL,
            evidence TEXT NOT NULL,
            blocking INTEGER NOT NULL DEFAULT 0,
            finished_at TEXT NOT NULL,
            event_id TEXT NOT NULL,
            PRIMARY KEY (job_id, step_id)
        );
        CREATE TABLE grades (
            event_id TEXT PRIMARY KEY,
            device_id TEXT NOT NULL REFERENCES devices (id),
            functional TEXT NOT NULL,
            cosmetic INTEGER NOT NULL,
            workshop_grade TEXT NOT NULL,
            reasons TEXT NOT NULL,
            at TEXT NOT NULL
        );
        CREATE INDEX grades_device ON grades (device_id);
        CREATE TABLE outcomes (
            event_id TEXT PRIMARY KEY,
            device_id TEXT NOT NULL REFERENCES devices (id),
            kind TEXT NOT NULL,
            reference TEXT NOT NULL DEFAULT '',
            note TEXT NOT NULL DEFAULT '',
            at TEXT NOT NULL
        );
        CREATE INDEX outcomes_device ON outcomes (device_id);
        """,
        rebuild_projections=True,
    ),
    Migration(
        3,
        "erasures of drives and phones, derived from their passes",
        """
        CREATE TABLE erasures (
            id TEXT PRIMARY KEY,
            device_id TEXT NOT NULL REFERENCES devices (id),
            job_id TEXT NOT NULL,
            method TEXT NOT NULL,
            technique TEXT NOT NULL,
            standard TEXT NOT NULL,
            target_serial TEXT NOT NULL DEFAULT '',
            size_bytes INTEGER NOT NULL DEFAULT 0,
            result TEXT NOT NULL DEFAULT 'in_progress',
            reasons TEXT NOT NULL DEFAULT '[]',
            started_at TEXT NOT NULL,
            finished_at TEXT
        );
        CREATE INDEX erasures_device ON erasures (device_id);
        """,
        rebuild_projections=True,
    ),
    Migration(
        4,
        "beneficiaries' personal data, local only, and the facts that name a beneficiary",
        """
        CREATE TABLE beneficiaries (
            reference TEXT PRIMARY KEY,
            name TEXT NOT NULL DEFAULT '',
            structure TEXT NOT NULL DEFAULT '',
            contact TEXT NOT NULL DEFAULT '',
            registered_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX events_beneficiary ON events (json_extract(payload, '$.beneficiary'))
            WHERE json_valid(payload) AND json_extract(payload, '$.beneficiary') IS NOT NULL;
        """,
    ),
    Migration(
        5,
        "loans and rentals, from their outcomes and returns",
        """
        CREATE TABLE loans (
            id TEXT PRIMARY KEY,
            event_id TEXT NOT NULL,
            device_id TEXT NOT NULL REFERENCES devices (id),
            kind TEXT NOT NULL,
            beneficiary TEXT NOT NULL DEFAULT '',
            start_on TEXT NOT NULL,
            due_on TEXT NOT NULL,
            term_months INTEGER,
            signed INTEGER NOT NULL DEFAULT 0,
            signature_sha256 TEXT NOT NULL DEFAULT '',
            returned_at TEXT,
            return_event_id TEXT,
            condition TEXT NOT NULL DEFAULT '',
            state TEXT NOT NULL DEFAULT '',
            training INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX loans_device ON loans (device_id);
        CREATE INDEX loans_due ON loans (returned_at, due_on);
        """,
        rebuild_projections=True,
    ),
    Migration(
        6,
        "for the dashboard: facts by type and time, outcomes and grades by time, open loans",
        """
        CREATE INDEX events_type_ts ON events (type, ts, station_id, device_id);
        CREATE INDEX outcomes_at ON outcomes (at);
        CREATE INDEX outcomes_kind_at ON outcomes (kind, at);
        CREATE INDEX grades_at ON grades (at);
        CREATE TABLE open_loans (
            device_id TEXT PRIMARY KEY REFERENCES devices (id),
            kind TEXT NOT NULL,
            due_on TEXT NOT NULL DEFAULT '',
            station_id TEXT NOT NULL,
            training INTEGER NOT NULL DEFAULT 0,
            since TEXT NOT NULL
        );
        CREATE INDEX open_loans_count ON open_loans (training, kind, due_on);
        INSERT INTO open_loans (device_id, kind, due_on, station_id, training, since)
        SELECT o.device_id, o.kind, coalesce(json_extract(e.payload, '$.due_on'), ''),
               e.station_id, d.training, o.at
        FROM outcomes o JOIN events e ON e.id = o.event_id JOIN devices d ON d.id = o.device_id
        WHERE o.kind IN ('loan', 'rental') AND NOT EXISTS (
            SELECT 1 FROM outcomes l WHERE l.device_id = o.device_id
              AND (l.at > o.at OR (l.at = o.at AND l.rowid > o.rowid)))
          AND NOT EXISTS (
            SELECT 1 FROM loans r WHERE r.event_id = o.event_id AND r.returned_at IS NOT NULL);
        """,
    ),
    Migration(
        7,
        "search: identifiers as typed or scanned, and the words of each device",
        # Serials are compared without spaces and case, IMEIs without spaces and dashes: the
        # expressions here and in bench_app/search.py must stay the same to use the index.
        """
        CREATE INDEX devices_serial_key ON devices (upper(replace(serial, ' ', '')));
        CREATE INDEX devices_imei_key ON devices (replace(replace(imei, ' ', ''), '-', ''));
        CREATE TABLE device_search (
            id INTEGER PRIMARY KEY,
            device_id TEXT NOT NULL UNIQUE,
            model TEXT NOT NULL DEFAULT '',
            donor TEXT NOT NULL DEFAULT '',
            beneficiary TEXT NOT NULL DEFAULT ''
        );
        CREATE TABLE device_references (
            reference TEXT NOT NULL,
            device_id TEXT NOT NULL,
            PRIMARY KEY (reference, device_id)
        );
        CREATE INDEX device_references_device ON device_references (device_id);
        CREATE VIRTUAL TABLE device_search_fts USING fts5(
            model, donor, beneficiary,
            content = 'device_search', content_rowid = 'id',
            tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3'
        );
        CREATE TRIGGER device_search_ai AFTER INSERT ON device_search BEGIN
            INSERT INTO device_search_fts (rowid, model, donor, beneficiary)
            VALUES (new.id, new.model, new.donor, new.beneficiary);
        END;
        CREATE TRIGGER device_search_ad AFTER DELETE ON device_search BEGIN
            INSERT INTO device_search_fts (device_search_fts, rowid, model, donor, beneficiary)
            VALUES ('delete', old.id, old.model, old.donor, old.beneficiary);
        END;
        CREATE TRIGGER device_search_au AFTER UPDATE ON device_search BEGIN
            INSERT INTO device_search_fts (device_search_fts, rowid, model, donor, beneficiary)
            VALUES ('delete', old.id, old.model, old.donor, old.beneficiary);
            INSERT INTO device_search_fts (rowid, model, donor, beneficiary)
            VALUES (new.id, new.model, new.donor, new.beneficiary);
        END;
        """,
        rebuild_projections=True,
    ),
    Migration(
        8,
        "what each device's journey has reached, for counting a lot's devices by stage",
        """
        CREATE TABLE device_progress (
            device_id TEXT PRIMARY KEY,
            inventoried INTEGER NOT NULL DEFAULT 0,
            health INTEGER NOT NULL DEFAULT 0,
            failing INTEGER NOT NULL DEFAULT 0,
            erasure_failed INTEGER NOT NULL DEFAULT 0,
            installed INTEGER NOT NULL DEFAULT 0,
            skipped INTEGER NOT NULL DEFAULT 0,
            imaged INTEGER NOT NULL DEFAULT 0,
            graded INTEGER NOT NULL DEFAULT 0,
            labelled INTEGER NOT NULL DEFAULT 0,
            outcome INTEGER NOT NULL DEFAULT 0,
            frp INTEGER NOT NULL DEFAULT 0,
            mdm INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE erasure_checks (
            erasure_id TEXT NOT NULL,
            device_id TEXT NOT NULL,
            ended_erased INTEGER,
            verified_ok INTEGER,
            PRIMARY KEY (device_id, erasure_id)
        );
        """,
        rebuild_projections=True,
    ),
    Migration(
        9,
        "one table of loans and rentals (out now, signed later, paid monthly); parts given",
        # The rows move by SQL (no replay of the log): each loan of the old table, then each
        # loan or rental outcome an earlier version recorded without a loan id (open_loans
        # counted those), under its outcome's id. A rental's return date is its start plus
        # its term in months, on the start's day or the month's last (calendar.add_months).
        """
        CREATE TABLE loans_v9 (
            id TEXT PRIMARY KEY,
            event_id TEXT NOT NULL,
            device_id TEXT NOT NULL REFERENCES devices (id),
            kind TEXT NOT NULL,
            beneficiary TEXT NOT NULL DEFAULT '',
            start_on TEXT NOT NULL,
            due_on TEXT NOT NULL,
            term_months INTEGER,
            station_id TEXT NOT NULL DEFAULT '',
            since TEXT NOT NULL,
            is_out INTEGER NOT NULL DEFAULT 0,
            signed INTEGER NOT NULL DEFAULT 0,
            signature_sha256 TEXT NOT NULL DEFAULT '',
            signed_at TEXT NOT NULL DEFAULT '',
            signed_by TEXT NOT NULL DEFAULT '',
            months_paid INTEGER NOT NULL DEFAULT 0,
            paid_cents INTEGER NOT NULL DEFAULT 0,
            last_paid_on TEXT NOT NULL DEFAULT '',
            returned_at TEXT,
            return_event_id TEXT,
            condition TEXT NOT NULL DEFAULT '',
            state TEXT NOT NULL DEFAULT '',
            training INTEGER NOT NULL DEFAULT 0
        );
        INSERT INTO loans_v9 (id, event_id, device_id, kind, beneficiary, start_on, due_on,
            term_months, station_id, since, signed, signature_sha256, returned_at,
            return_event_id, condition, state, training)
        SELECT l.id, l.event_id, l.device_id, l.kind, l.beneficiary, l.start_on, l.due_on,
            l.term_months, coalesce(e.station_id, ''), coalesce(o.at, e.ts, l.start_on),
            l.signed, l.signature_sha256, l.returned_at, l.return_event_id, l.condition,
            l.state, l.training
        FROM loans l LEFT JOIN outcomes o ON o.event_id = l.event_id
            LEFT JOIN events e ON e.id = l.event_id;
        INSERT INTO loans_v9 (id, event_id, device_id, kind, beneficiary, start_on, due_on,
            term_months, station_id, since, signed, signature_sha256, training)
        SELECT o.event_id, o.event_id, o.device_id, o.kind, p.beneficiary, p.start_on,
            CASE WHEN p.months IS NULL THEN p.due_on ELSE coalesce(min(
                date(p.start_on, 'start of month', '+' || p.months || ' months',
                     '+' || (cast(strftime('%d', p.start_on) AS INTEGER) - 1) || ' days'),
                date(p.start_on, 'start of month', '+' || (p.months + 1) || ' months',
                     '-1 day')), '') END,
            p.months, e.station_id, o.at, p.signed, p.signature, e.training
        FROM outcomes o JOIN events e ON e.id = o.event_id
        JOIN (SELECT id,
                coalesce(json_extract(payload, '$.beneficiary'), '') AS beneficiary,
                coalesce(nullif(json_extract(payload, '$.start_on'), ''), substr(ts, 1, 10))
                    AS start_on,
                coalesce(json_extract(payload, '$.due_on'), '') AS due_on,
                CASE WHEN json_type(payload, '$.term_months') = 'integer'
                    THEN json_extract(payload, '$.term_months') END AS months,
                coalesce(json_type(payload, '$.signed') = 'true', 0) AS signed,
                coalesce(json_extract(payload, '$.signature_sha256'), '') AS signature
              FROM events WHERE type = 'outcome.recorded') p ON p.id = o.event_id
        WHERE o.kind IN ('loan', 'rental') AND NOT EXISTS (
            SELECT 1 FROM loans_v9 l WHERE l.event_id = o.event_id);
        UPDATE loans_v9 SET is_out = 1 WHERE returned_at IS NULL AND event_id = (
            SELECT o.event_id FROM outcomes o WHERE o.device_id = loans_v9.device_id
            ORDER BY o.at DESC, o.rowid DESC LIMIT 1);
        DROP TABLE open_loans;
        DROP TABLE loans;
        ALTER TABLE loans_v9 RENAME TO loans;
        CREATE INDEX loans_device ON loans (device_id);
        CREATE INDEX loans_out ON loans (is_out, training, kind, due_on);
        CREATE INDEX events_loan ON events (json_extract(payload, '$.loan_id'))
            WHERE type IN ('loan.signed', 'loan.paid', 'loan.returned');
        CREATE TABLE parts_given (
            event_id TEXT PRIMARY KEY,
            donor_id TEXT NOT NULL,
            receiver_id TEXT NOT NULL,
            part TEXT NOT NULL,
            at TEXT NOT NULL
        );
        CREATE INDEX parts_given_donor ON parts_given (donor_id);
        CREATE INDEX parts_given_receiver ON parts_given (receiver_id);
        INSERT INTO parts_given (event_id, donor_id, receiver_id, part, at)
        SELECT o.event_id, o.device_id, json_extract(e.payload, '$.receiver_id'),
            json_extract(e.payload, '$.part'), o.at
        FROM outcomes o JOIN events e ON e.id = o.event_id
        WHERE o.kind = 'spare_parts' AND json_type(e.payload, '$.part') = 'text'
          AND json_extract(e.payload, '$.part') <> ''
          AND json_type(e.payload, '$.receiver_id') = 'text'
          AND json_extract(e.payload, '$.receiver_id') <> '';
        """,
        # The moved rows are what the log gives (tests/unit/test_loans_migration.py); the
        # replay after it also fills what an upgrade from a stored version 7 or 8 left out.
        rebuild_projections=True,
    ),
    Migration(
        10,
        "the dashboard's counters per hour, station and lot, and the lots' counters by what"
        " their devices reached, kept as facts arrive",
        """
        CREATE TABLE dashboard_stages (
            hour TEXT NOT NULL,
            station_id TEXT NOT NULL,
            lot_id TEXT NOT NULL,
            training INTEGER NOT NULL,
            stage TEXT NOT NULL,
            devices INTEGER NOT NULL,
            PRIMARY KEY (hour, station_id, lot_id, training, stage)
        );
        CREATE TABLE dashboard_stage_repeats (
            device_id TEXT NOT NULL,
            stage TEXT NOT NULL,
            PRIMARY KEY (device_id, stage)
        );
        CREATE TABLE dashboard_latest (
            what TEXT NOT NULL,
            hour TEXT NOT NULL,
            station_id TEXT NOT NULL,
            lot_id TEXT NOT NULL,
            training INTEGER NOT NULL,
            device_kind TEXT NOT NULL,
            value TEXT NOT NULL,
            devices INTEGER NOT NULL,
            PRIMARY KEY (what, hour, station_id, lot_id, training, device_kind, value)
        );
        CREATE TABLE dashboard_latest_multi (
            what TEXT NOT NULL,
            device_id TEXT NOT NULL,
            PRIMARY KEY (what, device_id)
        );
        CREATE TABLE dashboard_erasures (
            hour TEXT NOT NULL,
            station_id TEXT NOT NULL,
            lot_id TEXT NOT NULL,
            training INTEGER NOT NULL,
            erased INTEGER NOT NULL DEFAULT 0,
            finished INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (hour, station_id, lot_id, training)
        );
        """
        + dashboard_counts.SCHEMA
        + "\n".join(dashboard_counts.FILL)
        + lot_counts.SCHEMA,
        then=lot_counts.fill,
    ),
)

LATEST_VERSION = MIGRATIONS[-1].version
PROJECTION_TABLES = (
    *dashboard_counts.TABLES,
    *lot_counts.TABLES,
    "device_search",  # its full-text index follows it by triggers
    "device_references",
    "parts_given",
    "loans",
    "device_progress",
    "erasure_checks",
    "erasures",
    "outcomes",
    "grades",
    "step_results",
    "jobs",
    "devices",
    "lots",
    "donors",
)


def split_sql(script: str) -> list[str]:
    """Splits a migration script into statements, keeping trigger bodies whole."""
    statements: list[str] = []
    buffer = ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            if buffer.strip():
                statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        statements.append(buffer.strip())
    return statements
