"""Numbered schema migrations. Append a new entry, never edit a released one.

Version 1 holds the event log; version 2 the tables derived from it (filled by replaying the
log, so a database of any past version upgrades with its whole history); version 3 the
erasures; version 4 what each device's journey has reached (lots counted by stage).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    sql: str
    rebuild_projections: bool = False


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
)

LATEST_VERSION = MIGRATIONS[-1].version
PROJECTION_TABLES = (
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
