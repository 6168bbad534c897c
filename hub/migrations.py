"""The hub's numbered schema migrations. Append a new entry, never edit a released one.

One SQL text serves both databases: `{ID}`, `{CURSOR}`, `{JSON}`, `{BOOL}` and `{TIME}` are
the only words that differ, filled in by `render`. The event payload is PostgreSQL `JSON`,
not `JSONB`: `JSON` keeps the text as received, and the hash chain needs those exact values
back (`JSONB` would rewrite numbers such as 1e20). A migration may add a Python `data` step,
run in the same transaction after its SQL, for data SQL cannot move alike on both."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

TYPES = {
    "sqlite": {
        "ID": "TEXT",
        "CURSOR": "INTEGER PRIMARY KEY AUTOINCREMENT",
        "JSON": "TEXT",
        "BOOL": "INTEGER",
        "TIME": "TEXT",
    },
    "postgresql": {
        "ID": "UUID",
        "CURSOR": "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY",
        "JSON": "JSON",
        "BOOL": "BOOLEAN",
        "TIME": "TIMESTAMPTZ",
    },
}


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    sql: str
    postgresql_only: str = ""  # statements SQLite has no equivalent for (BRIN indexes)
    data: Callable[[Any], None] | None = None  # given the migration's hub.db.Tx

    def render(self, dialect: str) -> list[str]:
        """The migration's statements for one database."""
        text = self.sql
        for word, sql_type in TYPES[dialect].items():
            text = text.replace("{" + word + "}", sql_type)
        if dialect == "postgresql":
            text += self.postgresql_only
        return [s.strip() for s in text.split(";") if s.strip()]


def _prefixes_in_use(tx: Any) -> None:
    """Gives each station enrolled before the hub gave prefixes the one its asset codes
    show (its latest real device registration), when no earlier-enrolled station has it:
    new stations then never get a prefix already printed on labels."""
    from bench_app.domain.asset_code import ALPHABET, PREFIX_LEN, TRAINING_PREFIX

    taken: set[str] = set()
    stations = tx.all("SELECT station_id FROM stations ORDER BY enrolled_at, station_id")
    for (station_id,) in stations:
        row = tx.one(
            "SELECT payload FROM events WHERE station_id = ? AND type = ? AND training = ?"
            " ORDER BY seq DESC LIMIT 1",
            (station_id, "device.registered", False),
        )
        if row is None:
            continue
        payload = json.loads(row[0]) if isinstance(row[0], str) else row[0]
        code = payload.get("asset_code") if isinstance(payload, dict) else None
        prefix = code[:PREFIX_LEN] if isinstance(code, str) else ""
        if (
            len(prefix) == PREFIX_LEN
            and all(c in ALPHABET for c in prefix)
            and prefix != TRAINING_PREFIX
            and prefix not in taken
        ):
            taken.add(prefix)
            tx.execute(
                "UPDATE stations SET station_prefix = ? WHERE station_id = ?", (prefix, station_id)
            )


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "workshops, enrolment codes, stations, the events and the shared device identities",
        """
        CREATE TABLE workshops (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            created_at TEXT NOT NULL
        );
        CREATE TABLE enrolment_codes (
            code_hash TEXT PRIMARY KEY,
            workshop_id TEXT NOT NULL REFERENCES workshops (id),
            created_at TEXT NOT NULL,
            expires_at TEXT NOT NULL,
            used_by TEXT,
            used_at TEXT
        );
        CREATE TABLE stations (
            station_id TEXT PRIMARY KEY,
            workshop_id TEXT NOT NULL REFERENCES workshops (id),
            public_key TEXT NOT NULL,
            key_id TEXT NOT NULL UNIQUE,
            enrolled_at TEXT NOT NULL
        );
        CREATE INDEX stations_workshop ON stations (workshop_id);
        CREATE TABLE events (
            cursor {CURSOR},
            id {ID} NOT NULL UNIQUE,
            station_id TEXT NOT NULL REFERENCES stations (station_id),
            seq BIGINT NOT NULL,
            workshop_id TEXT NOT NULL REFERENCES workshops (id),
            operator TEXT NOT NULL,
            ts TEXT NOT NULL,
            type TEXT NOT NULL,
            device_id TEXT,
            payload {JSON} NOT NULL,
            training {BOOL} NOT NULL,
            prev_hash TEXT NOT NULL,
            hash TEXT NOT NULL,
            received_at {TIME} NOT NULL,
            UNIQUE (station_id, seq)
        );
        CREATE INDEX events_workshop_cursor ON events (workshop_id, cursor);
        CREATE INDEX events_device ON events (device_id, ts);
        CREATE TABLE device_identities (
            kind TEXT NOT NULL,
            value TEXT NOT NULL,
            device_id TEXT NOT NULL,
            workshop_id TEXT NOT NULL REFERENCES workshops (id),
            PRIMARY KEY (kind, value, device_id)
        );
        CREATE TABLE seen_signatures (
            signature TEXT PRIMARY KEY,
            seen_at TEXT NOT NULL
        );
        CREATE INDEX seen_signatures_time ON seen_signatures (seen_at);
        """,
        postgresql_only=""";
        CREATE INDEX events_received_brin ON events USING BRIN (received_at);
        """,
    ),
    Migration(
        2,
        "enrolment challenges (proof of key) and each station's unique asset-code prefix",
        """
        ALTER TABLE stations ADD COLUMN station_prefix TEXT;
        CREATE UNIQUE INDEX stations_prefix ON stations (station_prefix);
        CREATE TABLE enrolment_challenges (
            challenge TEXT PRIMARY KEY,
            code_hash TEXT NOT NULL REFERENCES enrolment_codes (code_hash),
            created_at TEXT NOT NULL,
            expires_at TEXT NOT NULL,
            used_at TEXT
        );
        CREATE INDEX enrolment_challenges_code ON enrolment_challenges (code_hash);
        CREATE INDEX enrolment_challenges_expiry ON enrolment_challenges (expires_at);
        """,
        data=_prefixes_in_use,
    ),
)

LATEST_VERSION = MIGRATIONS[-1].version
