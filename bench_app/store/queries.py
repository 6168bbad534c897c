"""Reading the current state back as domain records."""

from __future__ import annotations

import json
from typing import Any

from bench_app.domain.facts import OUTCOME_DETAILS
from bench_app.domain.model import (
    Device,
    DeviceKind,
    DeviceStage,
    Donor,
    DonorKind,
    Grade,
    Job,
    JobState,
    Lot,
    Outcome,
    OutcomeKind,
    PreSort,
    StepResult,
    StepStatus,
)
from bench_app.store.database import Store
from bench_app.store.events import EVENT_COLUMNS, row_to_event
from bench_app.text import Text
from bench_app.wire.events import Event

_DEVICE_COLUMNS = (
    "id, asset_code, kind, brand, model, serial, imei, lot_id, stage, presort, training, details"
)
_JOB_COLUMNS = (
    "id, device_id, pipeline, state, current_step, last_finished_step, message, steps, training"
)


def _device(row: tuple[Any, ...]) -> Device:
    return Device(
        id=row[0],
        asset_code=row[1],
        kind=DeviceKind(row[2]),
        brand=row[3],
        model=row[4],
        serial=row[5],
        imei=row[6],
        lot_id=row[7],
        stage=DeviceStage(row[8]),
        presort=PreSort(row[9]) if row[9] else None,
        training=bool(row[10]),
        details=json.loads(row[11]),
    )


def _job(row: tuple[Any, ...]) -> Job:
    message = json.loads(row[6]) if row[6] else None
    return Job(
        id=row[0],
        device_id=row[1],
        pipeline=row[2],
        state=JobState(row[3]),
        current_step=row[4],
        last_finished_step=row[5],
        message=Text.from_json(message) if message else None,
        steps=json.loads(row[7]),
        training=bool(row[8]),
    )


def devices(store: Store, *, include_training: bool = True) -> list[Device]:
    where = "" if include_training else "WHERE training = 0"
    rows = store.query(f"SELECT {_DEVICE_COLUMNS} FROM devices {where} ORDER BY asset_code")
    return [_device(r) for r in rows]


def lot_devices(store: Store, lot_id: str) -> list[Device]:
    """The devices attached to the lot, by asset code."""
    rows = store.query(
        f"SELECT {_DEVICE_COLUMNS} FROM devices WHERE lot_id = ? ORDER BY asset_code", (lot_id,)
    )
    return [_device(r) for r in rows]


def device(store: Store, device_id: str) -> Device | None:
    row = store.query_one(f"SELECT {_DEVICE_COLUMNS} FROM devices WHERE id = ?", (device_id,))
    return _device(row) if row else None


def device_by_code(store: Store, asset_code: str) -> Device | None:
    row = store.query_one(
        f"SELECT {_DEVICE_COLUMNS} FROM devices WHERE asset_code = ?", (asset_code,)
    )
    return _device(row) if row else None


def device_by_identity(store: Store, kind: str, serial: str, imei: str) -> Device | None:
    if serial:
        row = store.query_one(
            f"SELECT {_DEVICE_COLUMNS} FROM devices WHERE serial = ? AND kind = ?"
            " ORDER BY created_at LIMIT 1",
            (serial, kind),
        )
        if row:
            return _device(row)
    if imei:
        row = store.query_one(
            f"SELECT {_DEVICE_COLUMNS} FROM devices WHERE imei = ? ORDER BY created_at LIMIT 1",
            (imei,),
        )
        if row:
            return _device(row)
    return None


def devices_with_identifier(
    store: Store, serial: str, imei: str, *, training: bool
) -> tuple[Device | None, Device | None]:
    """The first device (of any kind) with this serial (case and spaces ignored) and the
    first with this IMEI, among training or real devices; None where there is none."""
    found: list[Device | None] = []
    for clause, value in (("upper(trim(serial)) = ?", serial.strip().upper()), ("imei = ?", imei)):
        row = (
            store.query_one(
                f"SELECT {_DEVICE_COLUMNS} FROM devices WHERE {clause} AND training = ?"
                " ORDER BY created_at LIMIT 1",
                (value, int(training)),
            )
            if value
            else None
        )
        found.append(_device(row) if row else None)
    return found[0], found[1]


def last_asset_code(store: Store, prefix: str) -> str | None:
    # The alphabet is in ASCII order and numbers are fixed width, so text order is number order.
    row = store.query_one(
        "SELECT asset_code FROM devices WHERE asset_code LIKE ? ORDER BY asset_code DESC LIMIT 1",
        (prefix + "-%",),
    )
    return row[0] if row else None


def donors(store: Store) -> list[Donor]:
    rows = store.query("SELECT id, name, kind, contact, training FROM donors ORDER BY name")
    return [Donor(r[0], r[1], DonorKind(r[2]), r[3], bool(r[4])) for r in rows]


def lots(store: Store, donor_id: str | None = None) -> list[Lot]:
    sql = (
        "SELECT id, donor_id, received_on, agreement_ref, expected_count, training FROM lots"
        + (" WHERE donor_id = ?" if donor_id else "")
        + " ORDER BY received_on DESC, created_at DESC"
    )
    rows = store.query(sql, (donor_id,) if donor_id else ())
    return [Lot(r[0], r[1], r[2], r[3], r[4], bool(r[5])) for r in rows]


def jobs_for_device(store: Store, device_id: str) -> list[Job]:
    rows = store.query(
        f"SELECT {_JOB_COLUMNS} FROM jobs WHERE device_id = ? ORDER BY created_at, rowid",
        (device_id,),
    )
    return [_job(r) for r in rows]


def job(store: Store, job_id: str) -> Job | None:
    row = store.query_one(f"SELECT {_JOB_COLUMNS} FROM jobs WHERE id = ?", (job_id,))
    return _job(row) if row else None


def job_options(store: Store, job_id: str) -> dict[str, Any]:
    """The answers a job was given before it started (kept in its job.created fact)."""
    row = store.query_one(
        "SELECT payload FROM events WHERE type = 'job.created'"
        " AND json_extract(payload, '$.job_id') = ?",
        (job_id,),
    )
    return dict(json.loads(row[0]).get("options") or {}) if row else {}


def jobs_in_states(store: Store, states: tuple[JobState, ...]) -> list[Job]:
    marks = ", ".join("?" for _ in states)
    rows = store.query(f"SELECT {_JOB_COLUMNS} FROM jobs WHERE state IN ({marks})", states)
    return [_job(r) for r in rows]


def step_results(store: Store, job_id: str) -> list[StepResult]:
    rows = store.query(
        "SELECT job_id, step_id, status, summary, evidence, blocking FROM step_results"
        " WHERE job_id = ? ORDER BY finished_at, rowid",
        (job_id,),
    )
    return [
        StepResult(
            r[0],
            r[1],
            StepStatus(r[2]),
            Text.from_json(json.loads(r[3])),
            json.loads(r[4]),
            bool(r[5]),
        )
        for r in rows
    ]


def latest_grade(store: Store, device_id: str) -> Grade | None:
    row = store.query_one(
        "SELECT device_id, functional, cosmetic, workshop_grade, reasons FROM grades"
        " WHERE device_id = ? ORDER BY at DESC, rowid DESC LIMIT 1",
        (device_id,),
    )
    return Grade(row[0], row[1], row[2], row[3], json.loads(row[4])) if row else None


def latest_outcome(store: Store, device_id: str) -> Outcome | None:
    row = store.query_one(
        "SELECT o.device_id, o.kind, o.reference, o.note, e.payload FROM outcomes o"
        " LEFT JOIN events e ON e.id = o.event_id WHERE o.device_id = ?"
        " ORDER BY o.at DESC, o.rowid DESC LIMIT 1",
        (device_id,),
    )
    if row is None:
        return None
    payload = json.loads(row[4]) if row[4] else {}
    details = {k: v for k, v in payload.items() if k in OUTCOME_DETAILS and k != "reference"}
    return Outcome(row[0], OutcomeKind(row[1]), row[2], row[3], details)


def events(store: Store, device_id: str | None = None, limit: int | None = None) -> list[Event]:
    sql = f"SELECT {EVENT_COLUMNS} FROM events"
    params: tuple[Any, ...] = ()
    if device_id:
        sql += " WHERE device_id = ?"
        params = (device_id,)
    if limit:
        rows = store.query(sql + f" ORDER BY rowid DESC LIMIT {int(limit)}", params)
        rows.reverse()
    else:
        rows = store.query(sql + " ORDER BY rowid", params)
    return [row_to_event(r) for r in rows]


def projection_snapshot(store: Store) -> dict[str, list[tuple[Any, ...]]]:
    """Every derived table's full content, for comparing a rebuild with the live state."""
    from bench_app.store.migrations import PROJECTION_TABLES

    return {t: store.query(f"SELECT * FROM {t} ORDER BY 1, 2") for t in PROJECTION_TABLES}


def value_history(store: Store, device_id: str, event_type: str) -> list[Event]:
    """Every value a mutable field of a device (`grade.assigned`, `outcome.recorded`) took,
    from any station, in clock order: the last one is the current value, the ones before it
    were overridden (store/hlc.py)."""
    from bench_app.store.hlc import order_key

    rows = store.query(
        f"SELECT {EVENT_COLUMNS} FROM events WHERE device_id = ? AND type = ?",
        (device_id, event_type),
    )
    found = [row_to_event(r) for r in rows]
    return sorted(found, key=lambda e: order_key(e.payload, e.ts, e.station_id, e.seq))
