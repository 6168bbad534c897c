"""The current state, derived from events. `apply` folds one event into the tables;
`rebuild` empties them and replays the whole log (the tests compare both ways)."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import uuid
from collections.abc import Callable
from datetime import date
from decimal import Decimal, InvalidOperation

from bench_app.domain.calendar import add_months
from bench_app.domain.model import DeviceStage, JobState
from bench_app.store import dashboard_counts, lot_counts
from bench_app.store.events import (
    EVENT_COLUMNS,
    INSERT_EVENT,
    iter_events,
    row_to_event,
    training_chain,
)
from bench_app.store.hlc import Hlc, ms_to_ts, order_key
from bench_app.store.migrations import PROJECTION_TABLES
from bench_app.wire.canonical import event_json
from bench_app.wire.events import Event

Handler = Callable[[sqlite3.Connection, Event], None]
_HANDLERS: dict[str, list[Handler]] = {}

_STAGE_ORDER = list(DeviceStage)


def handles(event_type: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        _HANDLERS.setdefault(event_type, []).append(fn)  # in the order they are declared
        return fn

    return register


Progress = Callable[[int, int], None]
PROGRESS_EVERY = 10_000  # events folded between two progress reports of a rebuild


# The facts whose handlers read nothing of the log nor of the jobs table: they move their
# job's row (state, step, message) and write rows of their own. Between two other facts,
# a bulk fold may gather their jobs' moves and their own log rows (see `Gathered`).
JOB_MOVES = frozenset(
    {"job.started", "job.resumed", "step.started", "step.finished", "step.failed"}
)


class Gathered:
    """Writes gathered during a bulk fold with no savepoint per event (an import into a
    small log, a rebuild), where a job's row is moved a dozen times by its steps: the log
    rows of JOB_MOVES facts not yet inserted, and each job's latest columns. `write` puts
    them in the tables; the fold calls it before folding any other fact (whose handlers may
    read the log or the jobs) and at its end. Assignments only, so the last value of each
    column is what the moves one by one would have left."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.rows: list[tuple[object, ...]] = []
        self.jobs: dict[str, dict[str, object]] = {}

    def write(self) -> None:
        if self.rows:
            self.conn.executemany(INSERT_EVENT, self.rows)
            self.rows.clear()
        by_columns: dict[tuple[str, ...], list[tuple[object, ...]]] = {}
        for job_id, columns in self.jobs.items():
            by_columns.setdefault(tuple(columns), []).append((*columns.values(), job_id))
        self.jobs.clear()
        for names, values in by_columns.items():
            assignments = ", ".join(f"{name} = ?" for name in names)
            self.conn.executemany(f"UPDATE jobs SET {assignments} WHERE id = ?", values)


class _Gathering(threading.local):
    into: Gathered | None = None  # set while a JOB_MOVES fact is folded in bulk, per thread


_gathering = _Gathering()


def apply(
    conn: sqlite3.Connection,
    event: Event,
    *,
    count: bool = True,
    gathered: Gathered | None = None,
) -> None:
    """Folds one event into the derived tables; `count`: also moves the dashboard's
    counters (a rebuild computes them once at its end instead). `gathered` (with `count`
    off): a JOB_MOVES fact's moves of its job are gathered there instead of written; any
    other fact first writes what was gathered."""
    handlers = _HANDLERS.get(event.type)
    if gathered is not None and (count or event.type not in JOB_MOVES):
        gathered.write()
        gathered = None
    if handlers and not _foreign_training(conn, event):
        device = _counted_device(conn, event) if count else None
        dashboard = device if event.type in dashboard_counts.COUNTED_TYPES else None
        lots = device if event.type in lot_counts.COUNTED_TYPES else None
        before = dashboard_counts.contribution(conn, dashboard, event.id) if dashboard else None
        lot_key = lot_counts.key_of(conn, lots) if lots else None
        _gathering.into = gathered
        try:
            for handler in handlers:
                handler(conn, event)
        finally:
            _gathering.into = None
        if dashboard and before is not None:
            dashboard_counts.update(conn, dashboard, before)
        if lots:
            lot_counts.update(conn, lots, lot_key)


def _counted_device(conn: sqlite3.Connection, event: Event) -> str | None:
    """The device whose counters the event may move (a job's facts name it by the job)."""
    if event.type not in dashboard_counts.COUNTED_TYPES | lot_counts.COUNTED_TYPES:
        return None
    device = event.device_id or event.payload.get("device_id")
    if not device and isinstance(event.payload.get("job_id"), str):
        row = conn.execute(
            "SELECT device_id FROM jobs WHERE id = ?", (event.payload["job_id"],)
        ).fetchone()
        device = row[0] if row else None
    return device if isinstance(device, str) and device else None


def _foreign_training(conn: sqlite3.Connection, event: Event) -> bool:
    """Training facts of another station (brought by sync) stay in the log but not in the
    state: they are that station's practice, and their TEST asset codes would collide."""
    if not event.training:
        return False
    row = conn.execute("SELECT value FROM meta WHERE key = 'station_id'").fetchone()
    # This station's own training facts are in its training chain (events.training_chain).
    return row is not None and event.station_id not in (row[0], training_chain(row[0]))


def rebuild(conn: sqlite3.Connection, progress: Progress | None = None) -> int:
    """Recomputes every derived table from the log alone; returns the number of events.
    `progress(done, total)` is called with the events folded so far, every PROGRESS_EVERY
    events and at the end (total: the events in the log when the rebuild began)."""
    for table in PROJECTION_TABLES:
        conn.execute(f"DELETE FROM {table}")
    total = 0
    if progress is not None:
        total = int(conn.execute("SELECT count(*) FROM events").fetchone()[0])
        progress(0, total)
    count = 0
    gathered = Gathered(conn)
    for _, event in iter_events(conn):
        apply(conn, event, count=False, gathered=gathered)
        count += 1
        if progress is not None and count % PROGRESS_EVERY == 0:
            progress(count, total)
    gathered.write()
    count_all(conn)
    if progress is not None:
        progress(count, total)
    return count


def count_all(conn: sqlite3.Connection) -> None:
    """Counts the dashboard's and the lots' counters again from the log and the derived
    tables, as `rebuild` does at its end (after events folded with `count=False`)."""
    dashboard_counts.fill(conn)
    lot_counts.fill(conn)


def _advance_stage(conn: sqlite3.Connection, device_id: str, stage: DeviceStage, ts: str) -> None:
    row = conn.execute("SELECT stage FROM devices WHERE id = ?", (device_id,)).fetchone()
    if row is None:
        return
    current = DeviceStage(row[0])
    # The furthest stage and the latest time win, whatever order the events are folded in.
    if _STAGE_ORDER.index(stage) < _STAGE_ORDER.index(current):
        stage = current
    conn.execute(
        "UPDATE devices SET stage = ?, updated_at = max(updated_at, ?) WHERE id = ?",
        (stage, ts, device_id),
    )


def _index_device(conn: sqlite3.Connection, device_id: str) -> None:
    """Keeps the words search finds a device by (bench_app/search.py): its brand and model,
    its donor's name and lot agreement, every beneficiary reference it was handed to."""
    row = conn.execute(
        "SELECT d.brand, d.model, coalesce(n.name, ''), coalesce(l.agreement_ref, '')"
        " FROM devices d LEFT JOIN lots l ON l.id = d.lot_id"
        " LEFT JOIN donors n ON n.id = l.donor_id WHERE d.id = ?",
        (device_id,),
    ).fetchone()
    if row is None:
        return
    references = conn.execute(
        "SELECT DISTINCT json_extract(e.payload, '$.beneficiary') FROM outcomes o"
        " JOIN events e ON e.id = o.event_id WHERE o.device_id = ?"
        " AND json_extract(e.payload, '$.beneficiary') IS NOT NULL ORDER BY 1",
        (device_id,),
    ).fetchall()
    words = (
        " ".join(w for w in (row[0], row[1]) if w),
        " ".join(w for w in (row[2], row[3]) if w),
        " ".join(str(r[0]) for r in references if r[0]),
    )
    _index_references(conn, device_id, [row[3], *(str(r[0]) for r in references if r[0])])
    stored = conn.execute(
        "SELECT model, donor, beneficiary FROM device_search WHERE device_id = ?", (device_id,)
    ).fetchone()
    if stored is not None and tuple(stored) == words:
        return  # unchanged: the full-text index is left alone
    if stored is not None:
        conn.execute(
            "UPDATE device_search SET model = ?, donor = ?, beneficiary = ? WHERE device_id = ?",
            (*words, device_id),
        )
        return
    row_id = search_row_id(device_id)
    while conn.execute("SELECT 1 FROM device_search WHERE id = ?", (row_id,)).fetchone():
        row_id = (row_id + 1) & _ROW_ID_MASK  # two devices on one number: next free one
    conn.execute(
        "INSERT INTO device_search (id, device_id, model, donor, beneficiary)"
        " VALUES (?, ?, ?, ?, ?)",
        (row_id, device_id, *words),
    )


_ROW_ID_MASK = (1 << 63) - 1


def search_row_id(device_id: str) -> int:
    """A device's row number in the search tables: the same on every station whatever
    order the facts arrive in (the state must not depend on it), and greater for a newer
    device (a UUIDv7's milliseconds, then 15 of its counter's bits), so that search can
    take the newest matches first by walking the index backwards."""
    try:
        value = uuid.UUID(device_id)
    except ValueError:
        value = None
    if value is not None and value.version == 7:
        return ((value.int >> 80) << 15) | (value.int & 0x7FFF)
    return int.from_bytes(hashlib.sha256(device_id.encode()).digest()[:8], "big") & _ROW_ID_MASK


def squeezed(reference: str) -> str:
    """A reference as one word, letters and digits only ("BEN-2026-0042" → "BEN20260042"):
    search finds it whole, however it was typed, without merging its common parts."""
    return "".join(c for c in reference if c.isalnum())


def _index_references(conn: sqlite3.Connection, device_id: str, references: list[str]) -> None:
    """Keeps the device's references (lot agreement, beneficiaries) squeezed and in upper
    case, each a key of its own: search finds one whole, or by its start, in one index walk."""
    keys = sorted({squeezed(r).upper() for r in references if any(c.isdigit() for c in r)})
    stored = [
        r[0]
        for r in conn.execute(
            "SELECT reference FROM device_references WHERE device_id = ? ORDER BY reference",
            (device_id,),
        )
    ]
    if stored == keys:
        return
    conn.execute("DELETE FROM device_references WHERE device_id = ?", (device_id,))
    conn.executemany(
        "INSERT INTO device_references (reference, device_id) VALUES (?, ?)",
        [(key, device_id) for key in keys if key],
    )


def _index_lot(conn: sqlite3.Connection, where: str, value: str) -> None:
    """A lot or donor that arrived after its devices (sync order) gives them its words."""
    for (device_id,) in conn.execute(
        f"SELECT d.id FROM devices d JOIN lots l ON l.id = d.lot_id WHERE {where} = ?", (value,)
    ).fetchall():
        _index_device(conn, device_id)


@handles("donor.registered")
def _donor(conn: sqlite3.Connection, e: Event) -> None:
    p = e.payload
    conn.execute(
        "INSERT OR REPLACE INTO donors (id, name, kind, contact, training, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (p["donor_id"], p["name"], p["kind"], p.get("contact", ""), e.training, e.ts),
    )
    _index_lot(conn, "l.donor_id", p["donor_id"])


@handles("lot.registered")
def _lot(conn: sqlite3.Connection, e: Event) -> None:
    p = e.payload
    conn.execute(
        "INSERT OR REPLACE INTO lots (id, donor_id, received_on, agreement_ref, expected_count,"
        " training, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            p["lot_id"],
            p["donor_id"],
            p["received_on"],
            p.get("agreement_ref", ""),
            p["expected_count"],
            e.training,
            e.ts,
        ),
    )
    _index_lot(conn, "l.id", p["lot_id"])


@handles("device.registered")
def _device(conn: sqlite3.Connection, e: Event) -> None:
    p = e.payload
    conn.execute(
        "INSERT INTO devices (id, asset_code, kind, brand, model, serial, imei, lot_id, stage,"
        " training, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            p["device_id"],
            p["asset_code"],
            p["kind"],
            p.get("brand", ""),
            p.get("model", ""),
            p.get("serial", ""),
            p.get("imei", ""),
            p.get("lot_id"),
            DeviceStage.INTAKE,
            e.training,
            e.ts,
            e.ts,
        ),
    )
    _index_device(conn, p["device_id"])


_IDENTITY_COLUMNS = ("brand", "model", "serial", "imei", "kind")


@handles("device.identified")
def _identified(conn: sqlite3.Connection, e: Event) -> None:
    device_id = e.payload["device_id"]
    fields = dict(e.payload["fields"])
    row = conn.execute("SELECT details FROM devices WHERE id = ?", (device_id,)).fetchone()
    if row is None:
        return
    details = json.loads(row[0])
    for column in _IDENTITY_COLUMNS:
        value = fields.pop(column, None)
        if value:
            conn.execute(f"UPDATE devices SET {column} = ? WHERE id = ?", (str(value), device_id))
    details.update(fields)
    conn.execute(
        "UPDATE devices SET details = ?, updated_at = max(updated_at, ?) WHERE id = ?",
        (event_json(details), e.ts, device_id),
    )
    _advance_stage(conn, device_id, DeviceStage.IDENTIFIED, e.ts)
    _index_device(conn, device_id)


@handles("device.presorted")
def _presorted(conn: sqlite3.Connection, e: Event) -> None:
    conn.execute(
        "UPDATE devices SET presort = ?, updated_at = max(updated_at, ?) WHERE id = ?",
        (e.payload["presort"], e.ts, e.payload["device_id"]),
    )


@handles("device.attached_to_lot")
def _attached(conn: sqlite3.Connection, e: Event) -> None:
    conn.execute(
        "UPDATE devices SET lot_id = ?, updated_at = max(updated_at, ?) WHERE id = ?",
        (e.payload["lot_id"], e.ts, e.payload["device_id"]),
    )
    _index_device(conn, e.payload["device_id"])


@handles("job.created")
def _job_created(conn: sqlite3.Connection, e: Event) -> None:
    p = e.payload
    conn.execute(
        "INSERT INTO jobs (id, device_id, pipeline, steps, stage_on_success, state, training,"
        " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            p["job_id"],
            p["device_id"],
            p["pipeline"],
            event_json(p["steps"]),
            p.get("stage_on_success"),
            JobState.QUEUED,
            e.training,
            e.ts,
            e.ts,
        ),
    )


def _set_job(conn: sqlite3.Connection, e: Event, **columns: object) -> None:
    gathered = _gathering.into
    if gathered is not None:  # a bulk fold: the job's last values are written later
        moves = gathered.jobs.setdefault(e.payload["job_id"], {})
        moves.update(columns)
        moves["updated_at"] = e.ts
        return
    assignments = ", ".join(f"{name} = ?" for name in columns)
    conn.execute(
        f"UPDATE jobs SET {assignments}, updated_at = ? WHERE id = ?",
        (*columns.values(), e.ts, e.payload["job_id"]),
    )


@handles("job.started")
def _job_started(conn: sqlite3.Connection, e: Event) -> None:
    _set_job(conn, e, state=JobState.RUNNING, message="")


@handles("job.resumed")
def _job_resumed(conn: sqlite3.Connection, e: Event) -> None:
    _set_job(conn, e, state=JobState.QUEUED, message="")


@handles("step.started")
def _step_started(conn: sqlite3.Connection, e: Event) -> None:
    _set_job(conn, e, state=JobState.RUNNING, current_step=e.payload["step_id"])


@handles("step.finished")
def _step_finished(conn: sqlite3.Connection, e: Event) -> None:
    p = e.payload
    conn.execute(
        "INSERT OR REPLACE INTO step_results (job_id, step_id, status, summary, evidence,"
        " blocking, finished_at, event_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            p["job_id"],
            p["step_id"],
            p["status"],
            event_json(p["summary"]),
            event_json(p.get("evidence", {})),
            bool(p.get("blocking", False)),
            e.ts,
            e.id,
        ),
    )
    _set_job(conn, e, last_finished_step=p["step_id"], current_step=None)


@handles("step.failed")
def _step_failed(conn: sqlite3.Connection, e: Event) -> None:
    _set_job(conn, e, message=event_json(e.payload["message"]))


@handles("job.finished")
def _job_finished(conn: sqlite3.Connection, e: Event) -> None:
    state = JobState(e.payload["state"])
    _set_job(
        conn,
        e,
        state=state,
        current_step=None,
        message=event_json(e.payload.get("message", {})),
    )
    if state is JobState.SUCCEEDED:
        row = conn.execute(
            "SELECT device_id, stage_on_success FROM jobs WHERE id = ?", (e.payload["job_id"],)
        ).fetchone()
        if row is not None and row[1]:
            _advance_stage(conn, row[0], DeviceStage(row[1]), e.ts)


@handles("job.failed")
def _job_failed(conn: sqlite3.Connection, e: Event) -> None:
    _set_job(conn, e, state=JobState.FAILED, message=event_json(e.payload["message"]))


@handles("job.cancelled")
def _job_cancelled(conn: sqlite3.Connection, e: Event) -> None:
    _set_job(conn, e, state=JobState.CANCELLED, current_step=None)


@handles("job.interrupted")
def _job_interrupted(conn: sqlite3.Connection, e: Event) -> None:
    _set_job(
        conn,
        e,
        state=JobState.INTERRUPTED,
        current_step=None,
        message=event_json(
            e.payload.get("message") or {"fr": e.payload["reason"], "en": e.payload["reason"]}
        ),
    )


@handles("job.abandoned")
def _job_abandoned(conn: sqlite3.Connection, e: Event) -> None:
    _set_job(conn, e, state=JobState.ABANDONED, current_step=None)


@handles("grade.assigned")
def _grade(conn: sqlite3.Connection, e: Event) -> None:
    p = e.payload
    conn.execute(
        "INSERT INTO grades (event_id, device_id, functional, cosmetic, workshop_grade, reasons,"
        " at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            e.id,
            p["device_id"],
            p["functional"],
            p["cosmetic"],
            p["workshop_grade"],
            event_json(p.get("reasons", [])),
            _stamped_at(e),
        ),
    )
    _rank_by_clock(conn, "grades", p["device_id"])
    _advance_stage(conn, p["device_id"], DeviceStage.GRADED, e.ts)


def _stamped_at(e: Event) -> str:
    """When a stamped change was made, by its clock (at least the event's own time, more
    when the station had seen a later stamp): ordering rows by `at` then follows the clock."""
    stamp = Hlc.parse(e.payload.get("hlc"))
    return ms_to_ts(stamp.ms) if stamp is not None else e.ts


def _rank_by_clock(conn: sqlite3.Connection, table: str, device_id: str) -> None:
    """Rewrites a device's rows of `table` in clock order when a change arrived out of it, so
    that the current value (the last row by `at`, then rowid) is the one with the greatest
    stamp, whichever station's events were folded first; every value stays a row."""
    rows = conn.execute(
        f"SELECT t.rowid, coalesce(e.payload, '{{}}'), coalesce(e.ts, t.at),"
        f" coalesce(e.station_id, ''), coalesce(e.seq, 0) FROM {table} t"
        " LEFT JOIN events e ON e.id = t.event_id WHERE t.device_id = ? ORDER BY t.rowid",
        (device_id,),
    ).fetchall()
    keys = [order_key(json.loads(r[1]), r[2], r[3], r[4]) for r in rows]
    if keys == sorted(keys):
        return
    ordered = [r[0] for _, r in sorted(zip(keys, rows, strict=True))]
    columns = [c[1] for c in conn.execute(f"PRAGMA table_info({table})").fetchall()]
    names = ", ".join(columns)
    saved = {
        r[0]: r[1:]
        for r in conn.execute(
            f"SELECT rowid, {names} FROM {table} WHERE device_id = ?", (device_id,)
        ).fetchall()
    }
    conn.execute(f"DELETE FROM {table} WHERE device_id = ?", (device_id,))
    marks = ", ".join("?" for _ in columns)
    for rowid in ordered:
        conn.execute(f"INSERT INTO {table} ({names}) VALUES ({marks})", saved[rowid])


@handles("outcome.recorded")
def _outcome(conn: sqlite3.Connection, e: Event) -> None:
    p = e.payload
    conn.execute(
        "INSERT INTO outcomes (event_id, device_id, kind, reference, note, at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (
            e.id,
            p["device_id"],
            p["kind"],
            p.get("reference", ""),
            p.get("note", ""),
            _stamped_at(e),
        ),
    )
    _rank_by_clock(conn, "outcomes", p["device_id"])
    _advance_stage(conn, p["device_id"], DeviceStage.DONE, e.ts)
    if p["kind"] in ("loan", "rental"):
        _loan_opened(conn, e)
    _loans_out(conn, p["device_id"])
    part, receiver = p.get("part"), p.get("receiver_id")
    if p["kind"] == "spare_parts" and isinstance(part, str) and isinstance(receiver, str):
        _part_given(conn, e, p["device_id"], part, receiver)
    _index_device(conn, p["device_id"])


def _loan_opened(conn: sqlite3.Connection, e: Event) -> None:
    """A loan or rental is a row of its own (under its outcome's id when an earlier version
    recorded it without a loan id); a rental's return date is its start plus its term in
    months (bench_app/loans.py reads the rest). Migration 9 computes the same by SQL."""
    p = e.payload
    start = str(p.get("start_on") or e.ts[:10])
    term = p.get("term_months")
    months = term if isinstance(term, int) and not isinstance(term, bool) else None
    due = str(p.get("due_on") or "")
    if months is not None:
        try:
            due = add_months(date.fromisoformat(start), months).isoformat()
        except (ValueError, OverflowError):
            due = ""
    conn.execute(
        "INSERT OR REPLACE INTO loans (id, event_id, device_id, kind, beneficiary, start_on,"
        " due_on, term_months, station_id, since, signed, signature_sha256, training)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            str(p.get("loan_id") or e.id),
            e.id,
            p["device_id"],
            p["kind"],
            str(p.get("beneficiary") or ""),
            start,
            due,
            months,
            e.station_id,
            _stamped_at(e),
            p.get("signed") is True,
            str(p.get("signature_sha256") or ""),
            e.training,
        ),
    )
    _fold_earlier_loan_facts(conn, e, str(p.get("loan_id") or e.id))


# What happened to a loan, by fact type: folded into its row (these facts may reach a
# station before the loan itself, from another station through a stick or the hub).
_LOAN_FACTS = ("loan.signed", "loan.paid", "loan.returned")


def _fold_earlier_loan_facts(conn: sqlite3.Connection, e: Event, loan_id: str) -> None:
    """Folds the facts about this loan that the log holds before it (they found no row
    then): the state is the same whatever order the stations' facts arrived in, and a
    replay of the log folds them at the same point (the events_loan index finds them)."""
    rows = conn.execute(
        f"SELECT {EVENT_COLUMNS} FROM events WHERE type IN ('loan.signed', 'loan.paid',"
        " 'loan.returned') AND json_extract(payload, '$.loan_id') = ?"
        " AND rowid < (SELECT rowid FROM events WHERE id = ?) ORDER BY rowid",
        (loan_id, e.id),
    ).fetchall()
    for row in rows:
        earlier = row_to_event(row)
        if _foreign_training(conn, earlier):
            continue
        if earlier.type == "loan.returned":
            _close_loan(conn, earlier)
        elif earlier.type == "loan.signed":
            _loan_signed(conn, earlier)
        else:
            _loan_paid(conn, earlier)


def _loans_out(conn: sqlite3.Connection, device_id: str) -> None:
    """Marks the device's loan that is out: the one of its current outcome, not returned
    (the dashboard and the loans list read only those rows, through the loans_out index)."""
    current = conn.execute(
        "SELECT event_id FROM outcomes WHERE device_id = ? ORDER BY at DESC, rowid DESC LIMIT 1",
        (device_id,),
    ).fetchone()
    conn.execute(
        "UPDATE loans SET is_out = (event_id = ? AND returned_at IS NULL) WHERE device_id = ?"
        " AND is_out <> (event_id = ? AND returned_at IS NULL)",
        (current[0] if current else "", device_id, current[0] if current else ""),
    )


def _close_loan(conn: sqlite3.Connection, e: Event) -> None:
    p = e.payload
    conn.execute(
        "UPDATE loans SET returned_at = ?, return_event_id = ?, condition = ?, state = ?"
        " WHERE id = ? AND returned_at IS NULL",
        (e.ts, e.id, p["condition"], p["state"], p["loan_id"]),
    )


@handles("loan.returned")
def _loan_returned(conn: sqlite3.Connection, e: Event) -> None:
    p = e.payload
    _close_loan(conn, e)
    # Back in the workshop: its stage starts over from identified (its check comes next).
    conn.execute(
        "UPDATE devices SET stage = ?, updated_at = max(updated_at, ?) WHERE id = ?",
        (DeviceStage.IDENTIFIED, e.ts, p["device_id"]),
    )
    _loans_out(conn, p["device_id"])  # no longer out


@handles("loan.signed")
def _loan_signed(conn: sqlite3.Connection, e: Event) -> None:
    """The handover sheet signed after the handover: who recorded it and when; a picture
    given then replaces none (an empty one keeps the picture already there)."""
    p = e.payload
    conn.execute(
        "UPDATE loans SET signed = 1, signed_at = ?, signed_by = ?,"
        " signature_sha256 = CASE WHEN ? <> '' THEN ? ELSE signature_sha256 END WHERE id = ?",
        (e.ts, e.operator, p["signature_sha256"], p["signature_sha256"], p["loan_id"]),
    )


@handles("loan.paid")
def _loan_paid(conn: sqlite3.Connection, e: Event) -> None:
    """A rental's payment: the months it pays, the amount in cents, the latest day paid."""
    p = e.payload
    conn.execute(
        "UPDATE loans SET months_paid = months_paid + ?, paid_cents = paid_cents + ?,"
        " last_paid_on = max(last_paid_on, ?) WHERE id = ?",
        (p["months"], _cents(p["amount_eur"]), p["paid_on"], p["loan_id"]),
    )


def _cents(amount: str) -> int:
    """Euros as facts carry them ("12.50") in cents; 0 for what is no amount."""
    try:
        value = Decimal(amount) * 100
    except (InvalidOperation, TypeError):
        return 0
    return int(value) if value.is_finite() and abs(value) < 10**15 else 0


@handles("part.given")
def _part(conn: sqlite3.Connection, e: Event) -> None:
    p = e.payload
    _part_given(conn, e, p["device_id"], p["part"], p["receiver_id"])


def _part_given(
    conn: sqlite3.Connection, e: Event, donor_id: str, part: str, receiver_id: str
) -> None:
    """A part taken from a device (the donor) and put into another: both pages show it."""
    if part and receiver_id:
        conn.execute(
            "INSERT OR REPLACE INTO parts_given (event_id, donor_id, receiver_id, part, at)"
            " VALUES (?, ?, ?, ?, ?)",
            (e.id, donor_id, receiver_id, part, _stamped_at(e)),
        )


@handles("erasure.started")
def _erasure_started(conn: sqlite3.Connection, e: Event) -> None:
    p = e.payload
    conn.execute(
        "INSERT OR IGNORE INTO erasures (id, device_id, job_id, method, technique, standard,"
        " target_serial, size_bytes, started_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            p["erasure_id"],
            p["device_id"],
            p["job_id"],
            p["method"],
            p["technique"],
            p["standard"],
            str(p["target"].get("serial", "")),
            int(p["target"].get("size_bytes", 0)),
            e.ts,
        ),
    )


@handles("erasure.finished")
def _erasure_finished(conn: sqlite3.Connection, e: Event) -> None:
    p = e.payload
    conn.execute(
        "UPDATE erasures SET result = ?, reasons = ?, finished_at = ? WHERE id = ?",
        (p["result"], event_json(p["reasons"]), e.ts, p["erasure_id"]),
    )
    if p["result"] == "erased":
        _advance_stage(conn, p["device_id"], DeviceStage.ERASED, e.ts)


# -- what each device's journey has reached (bench_app/lots.py counts lots by it) ------------
# The same readings as bench_app/journey.py's, kept as the facts are folded in log order:
# the steps it reads (journey.LOCK_STEPS, journey.HEALTH_STEP; a test keeps them equal),
# the latest lock reading, the latest SMART verdict, a system written after the last erasure.
PROGRESS_LOCK_STEPS = frozenset({"locks", "accounts", "precheck"})
PROGRESS_HEALTH_STEP = "health"
_PROGRESS_FACTS = {
    "device.inventoried": "inventoried",
    "device.os_installed": "installed",
    "install.skipped": "skipped",
    "grade.assigned": "graded",
    "label.printed": "labelled",
    "outcome.recorded": "outcome",
}


def _progress(conn: sqlite3.Connection, device_id: str | None, **columns: object) -> None:
    if not device_id:
        return
    names = ", ".join(columns)
    marks = ", ".join("?" for _ in columns)
    updates = ", ".join(f"{name} = excluded.{name}" for name in columns)
    conn.execute(
        f"INSERT INTO device_progress (device_id, {names}) VALUES (?, {marks})"
        f" ON CONFLICT (device_id) DO UPDATE SET {updates}",
        (device_id, *columns.values()),
    )


def _reached(column: str) -> Handler:
    def handler(conn: sqlite3.Connection, e: Event) -> None:
        _progress(conn, e.device_id, **{column: 1})

    return handler


for _fact, _column in _PROGRESS_FACTS.items():
    handles(_fact)(_reached(_column))


@handles("step.finished")
def _progress_step(conn: sqlite3.Connection, e: Event) -> None:
    p = e.payload
    evidence = p.get("evidence")
    if not isinstance(evidence, dict):
        return
    step = p.get("step_id")
    if step in PROGRESS_LOCK_STEPS:
        reading = evidence.get("reading", evidence)
        if isinstance(reading, dict) and (
            "google_accounts" in reading or "device_owner" in reading
        ):
            frp = bool(reading.get("google_accounts"))
            _progress(conn, e.device_id, frp=frp, mdm=not frp and bool(reading.get("device_owner")))
    elif step == PROGRESS_HEALTH_STEP:
        _progress(conn, e.device_id, health=1, failing=p.get("status") == "failed")


def _erasure_check(conn: sqlite3.Connection, e: Event, column: str, value: bool) -> None:
    if not e.device_id:
        return
    conn.execute(
        f"INSERT INTO erasure_checks (device_id, erasure_id, {column}) VALUES (?, ?, ?)"
        f" ON CONFLICT (device_id, erasure_id) DO UPDATE SET {column} = excluded.{column}",
        (e.device_id, str(e.payload.get("erasure_id")), value),
    )


@handles("erasure.verified")
def _progress_verified(conn: sqlite3.Connection, e: Event) -> None:
    _erasure_check(conn, e, "verified_ok", e.payload.get("ok") is True)


@handles("erasure.finished")
def _progress_erasure(conn: sqlite3.Connection, e: Event) -> None:
    erased = e.payload.get("result") == "erased"
    _erasure_check(conn, e, "ended_erased", erased)
    # An erasure takes away a system written before it.
    _progress(conn, e.device_id, erasure_failed=not erased, imaged=0)


@handles("image.written")
def _progress_image(conn: sqlite3.Connection, e: Event) -> None:
    p = e.payload
    if p.get("verified") is True and p.get("result", "installed") == "installed":
        _progress(conn, e.device_id, imaged=1)
