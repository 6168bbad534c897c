#!/usr/bin/env python3
"""Event log throughput: appending N events (hash-chained, validated, folded into the
current state) and rebuilding the state from the log, beside plain SQLite doing the least
it could (inserting the same rows; reading them back) on the same disk, as ratios.

    .venv/bin/python benchmarks/bench_event_log.py [--events 1000000]
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import tempfile
import time
from pathlib import Path

import _common

from bench_app.store.database import DB_NAME, NewEvent, Store
from bench_app.wire.canonical import event_json

STEPS = ("identity", "locks", "battery", "storage", "security", "hardware")


def device_events(n: int) -> list[NewEvent]:
    """The 16 events one phone's automated readings (`phone.readings`) leave behind."""
    device_id = f"dev-{n:08d}"
    job_id = f"job-{n:08d}"
    events = [
        NewEvent(
            "device.registered",
            {
                "device_id": device_id,
                "asset_code": f"B{n:08d}",
                "kind": "phone",
                "brand": "Fairphone",
                "model": "FP4",
                "serial": f"SER{n:08d}",
                "imei": "",
                "lot_id": None,
            },
            device_id,
        ),
        NewEvent(
            "job.created",
            {
                "job_id": job_id,
                "device_id": device_id,
                "pipeline": "phone.readings",
                "steps": list(STEPS),
                "stage_on_success": "diagnosed",
            },
            device_id,
        ),
        NewEvent("job.started", {"job_id": job_id}, device_id),
    ]
    for step in STEPS:
        events.append(NewEvent("step.started", {"job_id": job_id, "step_id": step}, device_id))
        events.append(
            NewEvent(
                "step.finished",
                {
                    "job_id": job_id,
                    "step_id": step,
                    "status": "passed",
                    "summary": {
                        "fr": "Batterie en bon état (91 %).",
                        "en": "Battery in good shape (91%).",
                    },
                    "evidence": {
                        "reading": {
                            "level": 87,
                            "health": "good",
                            "voltage_mv": 4172,
                            "full_charge_mah": 3553,
                            "design_mah": 3905,
                        }
                    },
                    "blocking": False,
                },
                device_id,
            )
        )
    events.append(NewEvent("job.finished", {"job_id": job_id, "state": "succeeded"}, device_id))
    return events


def bench_store(folder: Path, devices: int) -> tuple[int, float, float]:
    store = Store(folder / DB_NAME)
    count = 0
    start = time.perf_counter()
    batch_devices = 64  # about 1,000 events per transaction
    for first in range(0, devices, batch_devices):
        with store.transaction() as conn:
            for n in range(first, min(first + batch_devices, devices)):
                for event in device_events(n):
                    store.append(conn, event, operator="bench", training=False)
                    count += 1
    append_s = time.perf_counter() - start
    start = time.perf_counter()
    rebuilt = store.rebuild_projections()
    rebuild_s = time.perf_counter() - start
    assert rebuilt == count
    report = store.check()
    assert report.ok, report
    store.close()
    return count, append_s, rebuild_s


def bench_plain_sqlite(folder: Path, devices: int) -> tuple[int, float, float]:
    conn = sqlite3.connect(folder / "plain.sqlite3", isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute(
        "CREATE TABLE events (rowid INTEGER PRIMARY KEY, id TEXT UNIQUE, type TEXT, payload TEXT)"
    )
    count = 0
    start = time.perf_counter()
    batch_devices = 64
    for first in range(0, devices, batch_devices):
        rows = []
        for n in range(first, min(first + batch_devices, devices)):
            for i, event in enumerate(device_events(n)):
                rows.append((f"{n}-{i}", event.type, event_json(event.payload)))
        conn.execute("BEGIN")
        conn.executemany("INSERT INTO events (id, type, payload) VALUES (?, ?, ?)", rows)
        conn.execute("COMMIT")
        count += len(rows)
    append_s = time.perf_counter() - start
    start = time.perf_counter()
    for (payload,) in conn.execute("SELECT payload FROM events ORDER BY rowid"):
        json.loads(payload)
    read_s = time.perf_counter() - start
    conn.close()
    return count, append_s, read_s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=1_000_000)
    _common.add_json_flag(parser)
    args = parser.parse_args()
    devices = max(1, args.events // 16)
    with tempfile.TemporaryDirectory(prefix="etabli-bench-") as tmp:
        folder = Path(tmp)
        count, append_s, rebuild_s = bench_store(folder, devices)
        db_size = (folder / DB_NAME).stat().st_size
        plain_count, plain_append_s, plain_read_s = bench_plain_sqlite(folder, devices)
    _common.report(
        "event_log",
        {
            "events": count,
            "append_events_per_s": round(count / append_s),
            "rebuild_events_per_s": round(count / rebuild_s),
            "append_seconds": round(append_s, 1),
            "rebuild_seconds": round(rebuild_s, 1),
            "database_mib": round(db_size / 2**20, 1),
            "baseline_plain_sqlite_insert_per_s": round(plain_count / plain_append_s),
            "baseline_plain_sqlite_read_per_s": round(plain_count / plain_read_s),
            "ratio_append_vs_plain_insert": round(
                (count / append_s) / (plain_count / plain_append_s), 3
            ),
            "ratio_rebuild_vs_plain_read": round(
                (count / rebuild_s) / (plain_count / plain_read_s), 3
            ),
        },
        [
            _common.measure(
                "event_append_vs_plain_insert",
                count / append_s,
                plain_count / plain_append_s,
                "events/s",
                ratio_means="rate ours / rate of a plain SQLite executemany",
            ),
            _common.measure(
                "event_rebuild_vs_plain_read",
                count / rebuild_s,
                plain_count / plain_read_s,
                "events/s",
                ratio_means="rate ours / rate of a plain read",
            ),
        ],
        as_json=args.json,
    )


if __name__ == "__main__":
    main()
