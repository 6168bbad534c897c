"""The reads behind the reports (output/reports/): each a few joined queries over the
projections, since rebuilding every erasure record from the event log is too slow for a
lot of 1,000 devices or a year of activity. Rows come back as tuples in the column order
each function's docstring gives; the reports turn them into their own records."""

from __future__ import annotations

from typing import Any

from bench_app.domain.model import Donor, DonorKind, Lot
from bench_app.store.database import Store

Row = tuple[Any, ...]

# The latest outcome, erasure and grade of every device of a lot, in one query: reading the
# projections beats rebuilding each erasure record from the event log for 1,000 devices.
_LOT_DEVICES_SQL = """
SELECT d.id, d.asset_code, d.kind, d.brand, d.model, d.serial, d.imei, d.stage, d.training,
       d.details, e.id, e.result, e.method, e.standard, g.workshop_grade,
       o.kind, o.reference, o.note, o.at
FROM devices d
LEFT JOIN erasures e ON e.rowid = (
    SELECT rowid FROM erasures WHERE device_id = d.id ORDER BY started_at DESC, rowid DESC LIMIT 1)
LEFT JOIN grades g ON g.rowid = (
    SELECT rowid FROM grades WHERE device_id = d.id ORDER BY at DESC, rowid DESC LIMIT 1)
LEFT JOIN outcomes o ON o.rowid = (
    SELECT rowid FROM outcomes WHERE device_id = d.id ORDER BY at DESC, rowid DESC LIMIT 1)
WHERE d.lot_id = ?
ORDER BY d.asset_code
"""

# Devices with a fact in the period, and their state at the end of it, in one query.
_ACTIVITY_SQL = """
WITH touched AS (
    SELECT DISTINCT device_id AS id FROM events
    WHERE device_id IS NOT NULL AND ts >= ?1 AND ts < ?2
),
e AS (
    SELECT device_id, result, method,
           ROW_NUMBER() OVER (PARTITION BY device_id ORDER BY started_at DESC, rowid DESC) AS n
    FROM erasures WHERE device_id IN (SELECT id FROM touched) AND started_at < ?2
),
g AS (
    SELECT device_id, workshop_grade,
           ROW_NUMBER() OVER (PARTITION BY device_id ORDER BY at DESC, rowid DESC) AS n
    FROM grades WHERE device_id IN (SELECT id FROM touched) AND at < ?2
),
o AS (
    SELECT device_id, kind, reference,
           ROW_NUMBER() OVER (PARTITION BY device_id ORDER BY at DESC, rowid DESC) AS n
    FROM outcomes WHERE device_id IN (SELECT id FROM touched) AND at < ?2
)
SELECT d.id, d.asset_code, d.created_at, d.kind, d.brand, d.model, d.serial, d.imei,
       dn.name, l.agreement_ref, l.received_on, d.training,
       e.result, e.method, g.workshop_grade, o.kind, o.reference
FROM touched t
JOIN devices d ON d.id = t.id
LEFT JOIN lots l ON l.id = d.lot_id
LEFT JOIN donors dn ON dn.id = l.donor_id
LEFT JOIN e ON e.device_id = d.id AND e.n = 1
LEFT JOIN g ON g.device_id = d.id AND g.n = 1
LEFT JOIN o ON o.device_id = d.id AND o.n = 1
ORDER BY d.created_at, d.asset_code
"""

# Facts that show a stage was reached, dated in the period.
_STAGES_SQL = """
SELECT e.device_id, e.type, json_extract(e.payload, '$.result'), json_extract(e.payload, '$.state'),
       j.stage_on_success
FROM events e
LEFT JOIN jobs j ON e.type = 'job.finished' AND j.id = json_extract(e.payload, '$.job_id')
WHERE e.device_id IS NOT NULL AND e.ts >= ?1 AND e.ts < ?2
  AND e.type IN ('device.registered', 'device.identified', 'erasure.finished', 'job.finished',
                 'grade.assigned', 'outcome.recorded')
"""


def lots_matching(store: Store, text: str) -> list[Lot]:
    """Lots whose id or agreement reference (any case) is `text`, or whose id ends with it
    when it has 6 characters or more."""
    # The end of the id is compared as text: a typed % or _ is not a wildcard.
    rows = store.query(
        "SELECT id, donor_id, received_on, agreement_ref, expected_count, training FROM lots"
        " WHERE id = ?1 OR lower(agreement_ref) = lower(?1)"
        " OR (length(?1) >= 6 AND substr(lower(id), -length(?1)) = lower(?1))",
        (text,),
    )
    return [Lot(r[0], r[1], r[2], r[3], r[4], bool(r[5])) for r in rows]


def donor(store: Store, donor_id: str) -> Donor | None:
    row = store.query_one(
        "SELECT id, name, kind, contact, training FROM donors WHERE id = ?", (donor_id,)
    )
    return Donor(row[0], row[1], DonorKind(row[2]), row[3], bool(row[4])) if row else None


def lot_device_rows(store: Store, lot_id: str) -> list[Row]:
    """One row per device of the lot, by asset code: device id, asset code, kind, brand,
    model, serial, IMEI, stage, training, details (JSON); its latest erasure's id, result,
    method and standard; its latest workshop grade; its latest outcome's kind, reference,
    note and time. The erasure, grade and outcome columns are None when there is none."""
    return store.query(_LOT_DEVICES_SQL, (lot_id,))


def activity_rows(store: Store, start: str, end: str) -> list[Row]:
    """One row per device with a fact dated in [start, end), in intake order: device id,
    asset code, created at, kind, brand, model, serial, IMEI, donor name, lot agreement
    reference, lot received on, training; then as they stood before `end`: its latest
    erasure's result and method, workshop grade, outcome kind and reference (None if none)."""
    return store.query(_ACTIVITY_SQL, (start, end))


def stage_facts(store: Store, start: str, end: str) -> list[Row]:
    """The facts dated in [start, end) that can show a stage reached: device id, fact type,
    the payload's result and state, and for a finished job the stage its success gives."""
    return store.query(_STAGES_SQL, (start, end))


def latest_outcome_at(store: Store, device_id: str) -> str | None:
    """When the device's latest outcome was recorded (UTC timestamp), or None."""
    row = store.query_one(
        "SELECT at FROM outcomes WHERE device_id = ? ORDER BY at DESC, rowid DESC LIMIT 1",
        (device_id,),
    )
    return str(row[0]) if row else None
