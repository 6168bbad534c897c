"""Writes the stored databases of past schema versions, as SQL text (`sqlite3 .dump` style).

Run from the repository root when a released schema version is about to be superseded:

    .venv/bin/python tests/data/databases/make_dumps.py

Each `vN.sql` is a database exactly as version N of Établi left it: the schema of migrations
1..N only, `meta.schema_version = N`, and a hand-written history of hash-chained events.
Commit the .sql files; never regenerate a released one (it stands for databases in the field).
"""

from __future__ import annotations

import re
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[2]))

from bench_app.domain.asset_code import TRAINING_PREFIX, AssetCode  # noqa: E402
from bench_app.store import projections  # noqa: E402
from bench_app.store.events import iter_events  # noqa: E402
from bench_app.store.migrations import MIGRATIONS  # noqa: E402
from bench_app.wire.canonical import event_json  # noqa: E402
from bench_app.wire.events import GENESIS_HASH, event_hash, hashed_fields  # noqa: E402

STATION_ID = "01927c3a-0000-7000-8000-00000000a001"
PREFIX = "K7QX"

DONOR = "01927c3a-0001-7000-8000-000000000001"
LOT = "01927c3a-0002-7000-8000-000000000002"
PHONE = "01927c3a-0003-7000-8000-000000000003"
LAPTOP = "01927c3a-0004-7000-8000-000000000004"
TRAINING_PHONE = "01927c3a-0005-7000-8000-000000000005"
JOB_DONE = "01927c3a-0006-7000-8000-000000000006"
JOB_CUT = "01927c3a-0007-7000-8000-000000000007"
JOB_LEFT_RUNNING = "01927c3a-0008-7000-8000-000000000008"

# The phone pipeline versions 1 and 2 recorded, and its steps: a fact of the stored history.
# That pipeline has since been retired; the name stays here so the dumps come out the same.
PHONE_PIPELINE = "phone.quick_check"
PHONE_STEPS = ["identity", "accounts", "battery", "storage", "screen", "buttons"]


def _summary(fr: str, en: str) -> dict[str, str]:
    return {"fr": fr, "en": en}


def history_v1() -> list[tuple[str, str | None, dict[str, Any], bool]]:
    """(type, device_id, payload, training) of every event, oldest first."""
    phone_code = str(AssetCode.make(PREFIX, 1))
    laptop_code = str(AssetCode.make(PREFIX, 2))
    training_code = str(AssetCode.make(TRAINING_PREFIX, 1))
    events: list[tuple[str, str | None, dict[str, Any], bool]] = [
        (
            "donor.registered",
            None,
            {
                "donor_id": DONOR,
                "name": "Mairie de Villeurbanne",
                "kind": "public_body",
                "contact": "dsi@mairie.example",
            },
            False,
        ),
        (
            "lot.registered",
            None,
            {
                "lot_id": LOT,
                "donor_id": DONOR,
                "received_on": "2025-09-15",
                "agreement_ref": "CONV-2025-031",
                "expected_count": 2,
            },
            False,
        ),
        (
            "device.registered",
            PHONE,
            {
                "device_id": PHONE,
                "asset_code": phone_code,
                "kind": "phone",
                "brand": "Fairphone",
                "model": "FP4",
                "serial": "FP4A00012345",
                "imei": "352099001761481",
                "lot_id": LOT,
            },
            False,
        ),
        (
            "device.identified",
            PHONE,
            {"device_id": PHONE, "fields": {"android_version": "13", "storage_gb": 128}},
            False,
        ),
        (
            "device.registered",
            LAPTOP,
            {
                "device_id": LAPTOP,
                "asset_code": laptop_code,
                "kind": "laptop",
                "brand": "Lenovo",
                "model": "ThinkPad T480",
                "serial": "PF1ABCDE",
                "imei": "",
                "lot_id": None,
            },
            False,
        ),
        ("device.presorted", LAPTOP, {"device_id": LAPTOP, "presort": "spare_parts"}, False),
        ("device.attached_to_lot", LAPTOP, {"device_id": LAPTOP, "lot_id": LOT}, False),
        (
            "job.created",
            PHONE,
            {
                "job_id": JOB_DONE,
                "device_id": PHONE,
                "pipeline": PHONE_PIPELINE,
                "steps": PHONE_STEPS,
                "stage_on_success": "diagnosed",
            },
            False,
        ),
        ("job.started", PHONE, {"job_id": JOB_DONE}, False),
    ]
    for step in PHONE_STEPS:
        events.append(
            (
                "step.started",
                PHONE,
                {"job_id": JOB_DONE, "step_id": step, "kind": "automated"},
                False,
            )
        )
        events.append(
            (
                "step.finished",
                PHONE,
                {
                    "job_id": JOB_DONE,
                    "step_id": step,
                    "status": "passed",
                    "summary": _summary("Bon.", "Good."),
                    "evidence": {"step": step},
                    "blocking": False,
                },
                False,
            )
        )
    events += [
        ("job.finished", PHONE, {"job_id": JOB_DONE, "state": "succeeded"}, False),
        (
            "grade.assigned",
            PHONE,
            {
                "device_id": PHONE,
                "functional": "A",
                "cosmetic": 8,
                "workshop_grade": "Premium",
                "reasons": [],
            },
            False,
        ),
        (
            "outcome.recorded",
            PHONE,
            {
                "device_id": PHONE,
                "kind": "donation",
                "reference": "BON-2025-118",
                "note": "Collège Jean Macé",
            },
            False,
        ),
        (
            "device.registered",
            TRAINING_PHONE,
            {
                "device_id": TRAINING_PHONE,
                "asset_code": training_code,
                "kind": "phone",
                "brand": "Google",
                "model": "Pixel 6",
                "serial": "SIMORIO0004",
                "imei": "",
                "lot_id": None,
            },
            True,
        ),
        (
            "job.created",
            TRAINING_PHONE,
            {
                "job_id": JOB_CUT,
                "device_id": TRAINING_PHONE,
                "pipeline": PHONE_PIPELINE,
                "steps": PHONE_STEPS,
                "stage_on_success": "diagnosed",
            },
            True,
        ),
        ("job.started", TRAINING_PHONE, {"job_id": JOB_CUT}, True),
        ("step.started", TRAINING_PHONE, {"job_id": JOB_CUT, "step_id": "identity"}, True),
        (
            "step.finished",
            TRAINING_PHONE,
            {
                "job_id": JOB_CUT,
                "step_id": "identity",
                "status": "passed",
                "summary": _summary("Reconnu.", "Recognised."),
            },
            True,
        ),
        ("step.started", TRAINING_PHONE, {"job_id": JOB_CUT, "step_id": "accounts"}, True),
        (
            "step.failed",
            TRAINING_PHONE,
            {
                "job_id": JOB_CUT,
                "step_id": "accounts",
                "code": "DEVICE_GONE",
                "message": _summary("Débranché.", "Unplugged."),
            },
            True,
        ),
        (
            "job.interrupted",
            TRAINING_PHONE,
            {
                "job_id": JOB_CUT,
                "reason": "DEVICE_GONE",
                "last_finished_step": "identity",
                "message": _summary("Débranché.", "Unplugged."),
            },
            True,
        ),
        # The station was closed abruptly while the laptop was being worked on.
        (
            "job.created",
            LAPTOP,
            {
                "job_id": JOB_LEFT_RUNNING,
                "device_id": LAPTOP,
                "pipeline": "laptop.erase",
                "steps": ["identity", "erase"],
                "stage_on_success": "erased",
            },
            False,
        ),
        ("job.started", LAPTOP, {"job_id": JOB_LEFT_RUNNING}, False),
        ("step.started", LAPTOP, {"job_id": JOB_LEFT_RUNNING, "step_id": "identity"}, False),
    ]
    return events


def build(version: int, history: list[tuple[str, str | None, dict[str, Any], bool]]) -> str:
    conn = sqlite3.connect(":memory:")
    later: list[str] = []  # the tables of later versions: made for today's handlers, dropped
    for migration in MIGRATIONS:
        conn.executescript(migration.sql)
        if migration.version > version:
            later += re.findall(r"CREATE TABLE (\w+)", migration.sql)
    conn.execute("INSERT INTO meta (key, value) VALUES ('station_id', ?)", (STATION_ID,))
    conn.execute("INSERT INTO meta (key, value) VALUES ('station_prefix', ?)", (PREFIX,))
    conn.execute("INSERT INTO meta (key, value) VALUES ('schema_version', ?)", (str(version),))
    prev = GENESIS_HASH
    for n, (event_type, device_id, payload, training) in enumerate(history, start=1):
        seq = n
        event_id = f"01927c3b-{n:04x}-7000-9000-{n:012x}"
        ts = f"2025-09-15T09:{n // 60:02d}:{n % 60:02d}.000Z"
        operator = "camille" if n % 2 else "yanis"
        fields = hashed_fields(
            event_id, STATION_ID, seq, operator, ts, event_type, device_id, payload, training, prev
        )
        digest = event_hash(fields)
        conn.execute(
            "INSERT INTO events (id, station_id, seq, operator, ts, type, device_id, payload,"
            " training, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                event_id,
                STATION_ID,
                seq,
                operator,
                ts,
                event_type,
                device_id,
                event_json(payload),
                training,
                prev,
                digest,
            ),
        )
        prev = digest
    if version >= 2:
        for _, event in iter_events(conn):
            projections.apply(conn, event)
    for table in later:
        conn.execute(f"DROP TABLE {table}")
    conn.commit()
    text = "\n".join(conn.iterdump()) + "\n"
    conn.close()
    return text


def forward(version: int, base: int = 3, *, replay: bool = False) -> str:
    """The stored dump of `base` taken through the migrations up to `version`, as a station
    of that version upgraded from it had it (its history holds no erasure, beneficiary or
    loan: the tables those versions add stay empty). `replay`: the derived tables replayed
    from the log, as the upgrade to `version` did (the later versions' tables are made for
    today's handlers, then dropped)."""
    conn = sqlite3.connect(":memory:")
    conn.executescript((HERE / f"v{base}.sql").read_text(encoding="utf-8"))
    later: list[str] = []
    for migration in MIGRATIONS:
        if base < migration.version <= version or (replay and migration.version > version):
            conn.executescript(migration.sql)
        if replay and migration.version > version:
            later += re.findall(r"CREATE TABLE (\w+)", migration.sql)
    if replay:
        projections.rebuild(conn)
        for table in later:
            conn.execute(f"DROP TABLE {table}")
    conn.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(version),))
    conn.commit()
    # iterdump also writes a virtual table's rows, which its shadow tables already hold.
    virtual = [
        f'INSERT INTO "{r[0]}" VALUES'
        for r in conn.execute("SELECT name FROM sqlite_master WHERE sql LIKE 'CREATE VIRTUAL%'")
    ]
    lines = [line for line in conn.iterdump() if not line.startswith(tuple(virtual) or ("\0",))]
    text = "\n".join(lines) + "\n"
    conn.close()
    return text


# Version 2 added the derived tables: its database holds the same history, projected;
# version 3 the erasures (none in this history). Later versions start from the stored v3:
# today's projection code fits only today's schema.
DUMPS: dict[int, Callable[[], str]] = {
    1: lambda: build(1, history_v1()),
    2: lambda: build(2, history_v1()),
    3: lambda: build(3, history_v1()),
    4: lambda: forward(4),
    5: lambda: forward(5),
    6: lambda: forward(6),
    7: lambda: forward(7),
    8: lambda: forward(8, replay=True),
    9: lambda: forward(9, replay=True),
}


def main() -> None:
    """Writes the dumps not stored yet: a released one is never rewritten."""
    for version, make in DUMPS.items():
        target = HERE / f"v{version}.sql"
        if target.exists():
            continue
        target.write_text(make(), encoding="utf-8")
        print(f"wrote {target.relative_to(HERE.parents[2])}")


if __name__ == "__main__":
    main()
