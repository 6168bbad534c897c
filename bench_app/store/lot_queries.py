"""The reads behind the lots' overview (bench_app/lots.py): what each device of a lot has
reached, as flags, for every lot at once, in one set-based query over the projections and
the log's index by fact type. No device's history is replayed here: the flags are what
bench_app/journey.py reads from a device's facts, and lots.py turns each distinct set of
flags into a journey position by asking journey.py itself (its rules stay in one place)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from bench_app.store.database import Store

Row = tuple[Any, ...]

# Python's truth of a JSON value at `path` of `doc` (None, false, 0, "", [] and {} are false),
# as journey.py's `bool(reading.get(...))` reads it.
_TRUTHY = """(CASE json_type({doc}, '{path}')
    WHEN 'true' THEN 1 WHEN 'integer' THEN json_extract({doc}, '{path}') != 0
    WHEN 'real' THEN json_extract({doc}, '{path}') != 0
    WHEN 'text' THEN length(json_extract({doc}, '{path}')) > 0
    WHEN 'array' THEN json_array_length({doc}, '{path}') > 0
    WHEN 'object' THEN (SELECT count(*) FROM json_each({doc}, '{path}')) > 0
    ELSE 0 END)"""


def _truthy(doc: str, path: str) -> str:
    return _TRUTHY.format(doc=doc, path=path)


# One row per subject device (in a lot, or a disk linked to a computer): its flags.
# ?1 lot id or NULL (all lots); ?2 the pipelines whose purpose is to test (JSON list);
# ?3 the lock steps (JSON list); ?4 the health step; ?5 disk id -> computer id (JSON object).
_FLAGS_SQL = f"""
WITH links AS (SELECT key AS disk, value AS host FROM json_each(?5)),
subject AS (
    SELECT d.id, d.kind, d.lot_id FROM devices d JOIN lots l ON l.id = d.lot_id
    WHERE (?1 IS NULL OR d.lot_id = ?1) AND (l.training = 1 OR d.training = 0)
    UNION
    SELECT d.id, d.kind, NULL FROM devices d JOIN links k ON k.disk = d.id
),
tested AS (
    SELECT DISTINCT device_id AS id FROM jobs
    WHERE state IN ('succeeded', 'blocked') AND pipeline IN (SELECT value FROM json_each(?2))
),
typed AS (
    SELECT device_id AS id, type, rowid AS at, payload FROM events
    WHERE type IN ('device.inventoried', 'device.os_installed', 'install.skipped',
                   'grade.assigned', 'label.printed', 'outcome.recorded', 'image.written',
                   'erasure.finished', 'erasure.verified')
      AND device_id IN (SELECT id FROM subject)
),
seen AS (
    SELECT id,
        max(type = 'device.inventoried') AS inventoried,
        max(type = 'device.os_installed') AS installed,
        max(type = 'install.skipped') AS install_skipped,
        max(type = 'grade.assigned') AS graded,
        max(type = 'label.printed') AS labelled,
        max(type = 'outcome.recorded') AS outcome,
        max(CASE WHEN type = 'erasure.finished' THEN at END) AS last_finish,
        max(CASE WHEN type = 'image.written' AND json_type(payload, '$.verified') = 'true'
                  AND (json_type(payload, '$.result') IS NULL
                       OR json_extract(payload, '$.result') = 'installed')
                 THEN at END) AS last_image
    FROM typed GROUP BY id
),
finished AS (
    SELECT id, json_extract(payload, '$.erasure_id') AS eid,
        json_extract(payload, '$.result') AS result, at,
        ROW_NUMBER() OVER (PARTITION BY id, json_extract(payload, '$.erasure_id')
                           ORDER BY at DESC) AS n
    FROM typed WHERE type = 'erasure.finished'
),
checked_erasure AS (
    SELECT id, json_extract(payload, '$.erasure_id') AS eid,
        json_type(payload, '$.ok') = 'true' AS ok,
        ROW_NUMBER() OVER (PARTITION BY id, json_extract(payload, '$.erasure_id')
                           ORDER BY at DESC) AS n
    FROM typed WHERE type = 'erasure.verified'
),
verified AS (
    SELECT DISTINCT f.id FROM finished f
    JOIN checked_erasure c ON c.id = f.id AND c.eid IS f.eid AND c.n = 1 AND c.ok
    WHERE f.n = 1 AND f.result = 'erased'
),
last_erasure AS (
    SELECT id, coalesce(result = 'erased', 0) AS ok FROM (
        SELECT id, result, ROW_NUMBER() OVER (PARTITION BY id ORDER BY at DESC) AS n
        FROM finished) WHERE n = 1
),
steps AS (
    SELECT j.device_id AS id, s.step_id, s.status, s.evidence, e.rowid AS at
    FROM step_results s JOIN jobs j ON j.id = s.job_id JOIN events e ON e.id = s.event_id
    WHERE (s.step_id = ?4 OR s.step_id IN (SELECT value FROM json_each(?3)))
      AND j.device_id IN (SELECT id FROM subject) AND json_type(s.evidence) = 'object'
),
health AS (
    SELECT id, status = 'failed' AS failing FROM (
        SELECT id, status, ROW_NUMBER() OVER (PARTITION BY id ORDER BY at DESC) AS n
        FROM steps WHERE step_id = ?4) WHERE n = 1
),
readings AS (
    SELECT id, at, CASE WHEN json_type(evidence, '$.reading') IS NULL THEN evidence
                        ELSE json_extract(evidence, '$.reading') END AS reading
    FROM steps WHERE step_id IN (SELECT value FROM json_each(?3))
),
locks AS (
    SELECT id, {_truthy("reading", "$.google_accounts")} AS frp,
        {_truthy("reading", "$.device_owner")} AS mdm,
        ROW_NUMBER() OVER (PARTITION BY id ORDER BY at DESC) AS n
    FROM readings
    WHERE json_valid(reading) AND json_type(reading) = 'object'
      AND (json_type(reading, '$.google_accounts') IS NOT NULL
           OR json_type(reading, '$.device_owner') IS NOT NULL)
)
SELECT s.id, s.kind, s.lot_id,
    s.id IN (SELECT id FROM tested) AS tested,
    coalesce(n.inventoried, 0), h.id IS NOT NULL, coalesce(h.failing, 0),
    s.id IN (SELECT id FROM verified), CASE WHEN le.id IS NULL THEN 0 ELSE NOT le.ok END,
    coalesce(n.installed, 0), coalesce(n.install_skipped, 0),
    coalesce(n.last_image > coalesce(n.last_finish, 0), 0),
    coalesce(n.graded, 0), coalesce(n.labelled, 0), coalesce(n.outcome, 0),
    coalesce(k.frp, 0), coalesce(k.mdm, 0) AND NOT coalesce(k.frp, 0),
    s.id IN (SELECT k.disk FROM links k JOIN devices h ON h.id = k.host)
FROM subject s
LEFT JOIN seen n ON n.id = s.id
LEFT JOIN last_erasure le ON le.id = s.id
LEFT JOIN health h ON h.id = s.id
LEFT JOIN locks k ON k.id = s.id AND k.n = 1
"""


def device_flags(
    store: Store,
    *,
    lot_id: str | None,
    test_pipelines: Sequence[str],
    lock_steps: Sequence[str],
    health_step: str,
    hosts: Mapping[str, str],
) -> list[Row]:
    """One row per device of the lot (`lot_id`; None: of every lot) and per disk linked to
    a computer (`hosts`: disk id -> computer id), its lot None unless it is in one: device
    id, kind, lot id; then 0/1 flags: a testing job done (succeeded or blocked), inventoried,
    health read, health failing (the latest reading), verified erasure (an erasure whose
    latest end says erased and whose latest verification is ok), latest erasure failed,
    system installed, installation skipped, system image written after the last erasure,
    graded, labelled, outcome, Google lock, company lock (latest lock reading), a disk
    linked to a known computer. A real lot's training devices are left out."""
    return store.query(
        _FLAGS_SQL,
        (
            lot_id,
            json.dumps(list(test_pipelines)),
            json.dumps(list(lock_steps)),
            health_step,
            json.dumps(dict(hosts)),
        ),
    )


def lot_rows(store: Store) -> list[Row]:
    """Every lot, newest first: id, donor id, received on, agreement reference, expected
    count, training, donor name."""
    return store.query(
        "SELECT l.id, l.donor_id, l.received_on, l.agreement_ref, l.expected_count, l.training,"
        " coalesce(d.name, '') FROM lots l LEFT JOIN donors d ON d.id = l.donor_id"
        " ORDER BY l.received_on DESC, l.created_at DESC"
    )
