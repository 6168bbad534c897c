"""The hub's numbered schema migrations. Append a new entry, never edit a released one.

One SQL text serves both databases: `{ID}`, `{CURSOR}`, `{JSON}`, `{BOOL}` and `{TIME}` are
the only words that differ, filled in by `render`. The event payload is PostgreSQL `JSON`,
not `JSONB`: `JSON` keeps the text as received, and the hash chain needs those exact values
back (`JSONB` would rewrite numbers such as 1e20)."""

from __future__ import annotations

from dataclasses import dataclass

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

    def render(self, dialect: str) -> list[str]:
        """The migration's statements for one database."""
        text = self.sql
        for word, sql_type in TYPES[dialect].items():
            text = text.replace("{" + word + "}", sql_type)
        if dialect == "postgresql":
            text += self.postgresql_only
        return [s.strip() for s in text.split(";") if s.strip()]


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
)

LATEST_VERSION = MIGRATIONS[-1].version
