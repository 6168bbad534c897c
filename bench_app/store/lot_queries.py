"""The reads behind the lots' overview (bench_app/lots.py): what each device of a lot has
reached, as flags, for every lot at once, in one set-based query over the projections
(device_progress and erasure_checks keep what bench_app/journey.py reads from a device's
facts). No device's history is replayed here; lots.py turns each distinct set of flags into
a journey position by asking journey.py itself (its rules stay in one place)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from bench_app.store.database import Store

Row = tuple[Any, ...]

# The flags of every subject device (in a lot asked for, or a disk linked to a computer),
# from the projections kept for it (store/projections.py: device_progress, erasure_checks).
# ?1 lot id or NULL (all lots); ?2 the pipelines whose purpose is to test (JSON list);
# ?3 disk id -> computer id (JSON object).
_FLAGS_CTE = """
WITH links AS (SELECT key AS disk, value AS host FROM json_each(?3)),
exact AS (
    SELECT device_id AS id FROM events WHERE type = 'loan.returned'
    UNION
    SELECT device_id FROM events
    WHERE type = 'approval.granted' AND json_extract(payload, '$.action') = 'override_check'
),
subject AS (
    SELECT d.id, d.kind,
        CASE WHEN (?1 IS NULL OR d.lot_id = ?1) AND (l.training = 1 OR d.training = 0)
             THEN d.lot_id END AS lot_id,
        d.id IN (SELECT disk FROM links) OR d.id IN (SELECT host FROM links)
            OR d.id IN (SELECT id FROM exact) AS linked
    FROM devices d LEFT JOIN lots l ON l.id = d.lot_id
    WHERE ((d.lot_id IS NOT NULL AND (?1 IS NULL OR d.lot_id = ?1)
            AND (l.training = 1 OR d.training = 0))
           OR d.id IN (SELECT disk FROM links))
      AND (?4 IS NULL OR d.id IN (SELECT value FROM json_each(?4)))
),
tested AS (
    SELECT DISTINCT device_id AS id FROM jobs
    WHERE state IN ('succeeded', 'blocked') AND pipeline IN (SELECT value FROM json_each(?2))
      AND (?1 IS NULL AND ?4 IS NULL OR device_id IN (SELECT id FROM subject))
),
last_check AS (
    SELECT device_id AS id, max(rowid) AS job FROM jobs
    WHERE pipeline IN (SELECT value FROM json_each(?2))
      AND (?1 IS NULL AND ?4 IS NULL OR device_id IN (SELECT id FROM subject))
    GROUP BY device_id
),
check_failed AS (
    SELECT c.id FROM last_check c JOIN jobs j ON j.rowid = c.job WHERE j.state = 'failed'
),
verified AS (
    SELECT DISTINCT device_id AS id FROM erasure_checks WHERE ended_erased = 1 AND verified_ok = 1
      AND (?1 IS NULL AND ?4 IS NULL OR device_id IN (SELECT id FROM subject))
),
flags AS (
    SELECT s.id, s.kind, s.lot_id, s.linked,
        s.id IN (SELECT id FROM tested) AS tested,
        coalesce(p.inventoried, 0) AS inventoried, coalesce(p.health, 0) AS health,
        coalesce(p.failing, 0) AS failing, s.id IN (SELECT id FROM verified) AS verified,
        coalesce(p.erasure_failed, 0) AS erasure_failed,
        coalesce(p.installed, 0) AS installed, coalesce(p.skipped, 0) AS skipped,
        coalesce(p.imaged, 0) AS imaged, coalesce(p.graded, 0) AS graded,
        coalesce(p.labelled, 0) AS labelled, coalesce(p.outcome, 0) AS outcome,
        coalesce(p.frp, 0) AS frp, coalesce(p.mdm, 0) AS mdm,
        s.id IN (SELECT k.disk FROM links k JOIN devices h ON h.id = k.host) AS hosted,
        s.id IN (SELECT id FROM check_failed) AS check_failed
    FROM subject s LEFT JOIN device_progress p ON p.device_id = s.id
)
"""
# The flags, in this order, as the bits of one number (bit 0 first): grouping by one number
# is cheaper than by fifteen columns.
FLAGS = (
    "tested", "inventoried", "health", "failing", "verified", "erasure_failed", "installed",
    "skipped", "imaged", "graded", "labelled", "outcome", "frp", "mdm", "hosted",
    "check_failed",
)  # fmt: skip
_BITS = " | ".join(f"(({name}) << {bit})" for bit, name in enumerate(FLAGS))
# A device linked to another (a disk and its computer) keeps its own row, and so does one
# whose history the flags cannot say (back from a loan, a failed check let through: its
# journey is read from its facts, bench_app/lots.py); the others are counted by lot, kind
# and flags.
_GROUPED_SQL = (
    _FLAGS_CTE
    + f", bits AS MATERIALIZED (SELECT CASE WHEN linked THEN id END AS key, kind, lot_id,"
    f" {_BITS} AS flags FROM flags)"
    + " SELECT key, kind, lot_id, flags, count(*) FROM bits GROUP BY key, kind, lot_id, flags"
)
_PER_DEVICE_SQL = _FLAGS_CTE + f"SELECT id, kind, lot_id, {_BITS}, 1 FROM flags"


def device_flags(
    store: Store,
    *,
    lot_id: str | None,
    test_pipelines: Sequence[str],
    hosts: Mapping[str, str],
) -> list[Row]:
    """The devices of the lot (`lot_id`; None: of every lot) and the disks linked to a
    computer (`hosts`: disk id -> computer id), counted by what their facts say. Each row:
    the device id for a disk or a computer linked (None for the others, counted together),
    kind, lot id (None: a linked disk outside the lots asked for), the flags as bits in
    FLAGS' order (a testing job done, succeeded or blocked; inventoried; health read; health
    failing, the latest reading; a verified erasure, whose latest end says erased and whose
    latest verification is ok; the latest erasure failed; system installed; installation
    skipped; system image written after the last erasure; graded; labelled; outcome; Google
    lock and company lock, the latest lock reading; a disk linked to a known computer), and
    the count of devices. A real lot's training devices are left out."""
    return store.query(
        _GROUPED_SQL,
        (lot_id, json.dumps(list(test_pipelines)), json.dumps(dict(hosts)), None),
    )


def listed_device_flags(
    store: Store,
    devices: Sequence[str],
    *,
    test_pipelines: Sequence[str],
    hosts: Mapping[str, str],
) -> list[Row]:
    """As `device_flags` over every lot, for the given devices only."""
    return store.query(
        _GROUPED_SQL,
        (None, json.dumps(list(test_pipelines)), json.dumps(dict(hosts)), json.dumps(devices)),
    )


def exact_devices(store: Store) -> set[str]:
    """The devices whose journey the flags cannot say: back from a loan (the stages before
    it no longer count) or a failed check let through by a supervisor."""
    # Two walks of the facts' type index (one condition with OR read every fact).
    rows = store.query(
        "SELECT device_id FROM events WHERE type = 'loan.returned' UNION"
        " SELECT device_id FROM events WHERE type = 'approval.granted'"
        " AND json_extract(payload, '$.action') = 'override_check'"
    )
    return {str(r[0]) for r in rows if r[0] is not None}


def device_flag_rows(
    store: Store,
    *,
    lot_id: str | None,
    test_pipelines: Sequence[str],
    hosts: Mapping[str, str],
) -> list[Row]:
    """As `device_flags`, one row per device (its id first, a count of 1)."""
    return store.query(
        _PER_DEVICE_SQL,
        (lot_id, json.dumps(list(test_pipelines)), json.dumps(dict(hosts)), None),
    )


def lot_rows(store: Store) -> list[Row]:
    """Every lot, newest first: id, donor id, received on, agreement reference, expected
    count, training, donor name."""
    return store.query(
        "SELECT l.id, l.donor_id, l.received_on, l.agreement_ref, l.expected_count, l.training,"
        " coalesce(d.name, '') FROM lots l LEFT JOIN donors d ON d.id = l.donor_id"
        " ORDER BY l.received_on DESC, l.created_at DESC"
    )
