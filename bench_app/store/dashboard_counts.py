"""The dashboard's counters, kept as facts arrive (bench_app/dashboard.py reads them).

Per UTC hour, chain (station, or its training chain), lot and the device's training flag:
- dashboard_stages: devices that reached a stage by a fact of that hour, for the (device,
  stage) pairs shown by exactly one fact; a pair shown by several facts is listed in
  dashboard_stage_repeats instead and counted from its facts when read (a device counts once
  per stage and week, which hourly sums cannot say for it);
- dashboard_latest: devices whose only outcome (grade) row was recorded that hour, by value
  and kind of device; a device with several rows is listed in dashboard_latest_multi and read
  from its rows (which of them is the latest at the end of a period depends on the period);
- dashboard_erasures: finished erasures, and those that ended "erased".

An hour is the first 13 characters of a timestamp ("2026-12-04T09"); periods bounded by
local midnights fall on whole UTC hours wherever the offset is a whole number of hours.
Each hourly table has a daily twin (the UTC day, every lot together): a period of every lot
reads its whole days there and only the hours at its edges from the hourly table (a year
is a few thousand rows, not a few hundred thousand); a lot's or a donor's figures read the
hourly rows of its lots (indexed by lot).

Each counter is a sum over devices, so an event of a device changes it by that device's
contribution after the event minus before it (`contribution`, then `update`), read from the
device's own facts and rows (a dozen rows through the device indexes). `FILL` computes the
same sums over the whole log at once: the rebuild and the migration that adds the tables use
it instead of replaying event by event, and the rebuild tests compare both ways.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field

from bench_app.store.events import TRAINING_CHAIN_SUFFIX

STAGE_TYPES = (
    "device.registered",
    "device.identified",
    "erasure.finished",
    "job.finished",
    "grade.assigned",
    "outcome.recorded",
)
# The facts that can change a device's contribution (its lot moves its counts too).
COUNTED_TYPES = frozenset({*STAGE_TYPES, "device.attached_to_lot", "job.created"})
TABLES = (
    "dashboard_stages_daily",
    "dashboard_latest_daily",
    "dashboard_erasures_daily",
    "dashboard_stages",
    "dashboard_stage_repeats",
    "dashboard_latest",
    "dashboard_latest_multi",
    "dashboard_erasures",
)

# The stage a fact shows (NULL: none), for an event aliased `e`.
STAGE_OF = """CASE e.type
    WHEN 'device.registered' THEN 'intake'
    WHEN 'device.identified' THEN 'identified'
    WHEN 'grade.assigned' THEN 'graded'
    WHEN 'outcome.recorded' THEN 'done'
    WHEN 'erasure.finished' THEN
        CASE WHEN json_extract(e.payload, '$.result') = 'erased' THEN 'erased' END
    WHEN 'job.finished' THEN
        CASE WHEN json_extract(e.payload, '$.state') = 'succeeded' THEN
            (SELECT j.stage_on_success FROM jobs j
             WHERE j.id = json_extract(e.payload, '$.job_id')) END
END"""
_TYPES = ", ".join(f"'{t}'" for t in STAGE_TYPES)
# Another station's training facts stay out of the state (projections.apply).
_OWN = (
    "(e.training = 0 OR e.station_id IN (SELECT value FROM meta WHERE key = 'station_id'"
    f" UNION ALL SELECT value || '{TRAINING_CHAIN_SUFFIX}' FROM meta WHERE key = 'station_id'))"
)

# Each (device, stage) pair: how many facts show it, and the first one's hour and chain.
_PAIRS = f"""
WITH f AS (
    SELECT e.device_id AS device_id, e.ts AS ts, e.station_id AS station_id, {STAGE_OF} AS stage
    FROM events e
    WHERE +e.type IN ({_TYPES}) AND e.device_id IS NOT NULL AND {_OWN} {{device}}
)
SELECT device_id, stage, count(*) AS n, substr(min(ts), 1, 13) AS hour,
       min(station_id) AS station_id
FROM f WHERE stage IS NOT NULL AND stage <> '' GROUP BY device_id, stage
"""

_LATEST = (("outcome", "outcomes", "kind"), ("grade", "grades", "workshop_grade"))

FILL: tuple[str, ...] = (
    f"""INSERT INTO dashboard_stages (hour, station_id, lot_id, training, stage, devices)
SELECT p.hour, p.station_id, coalesce(d.lot_id, ''), coalesce(d.training, -1), p.stage, count(*)
FROM ({_PAIRS.format(device="")}) p LEFT JOIN devices d ON d.id = p.device_id
WHERE p.n = 1 GROUP BY 1, 2, 3, 4, 5;""",
    f"""INSERT INTO dashboard_stage_repeats (device_id, stage)
SELECT device_id, stage FROM ({_PAIRS.format(device="")}) WHERE n > 1;""",
    *(
        f"""INSERT INTO dashboard_latest (what, hour, station_id, lot_id, training, device_kind,
    value, devices)
SELECT '{what}', substr(t.at, 1, 13), coalesce(ev.station_id, ''), coalesce(d.lot_id, ''),
       d.training, d.kind, t.{column}, count(*)
FROM {table} t JOIN devices d ON d.id = t.device_id LEFT JOIN events ev ON ev.id = t.event_id
WHERE t.device_id IN (SELECT device_id FROM {table} GROUP BY device_id HAVING count(*) = 1)
GROUP BY 1, 2, 3, 4, 5, 6, 7;
INSERT INTO dashboard_latest_multi (what, device_id)
SELECT '{what}', device_id FROM {table} GROUP BY device_id HAVING count(*) > 1;"""
        for what, table, column in _LATEST
    ),
    f"""INSERT INTO dashboard_erasures (hour, station_id, lot_id, training, erased, finished)
SELECT substr(e.ts, 1, 13), e.station_id, coalesce(d.lot_id, ''), d.training,
       sum(json_extract(e.payload, '$.result') = 'erased'), count(*)
FROM events e JOIN devices d ON d.id = e.device_id
WHERE e.type = 'erasure.finished' AND {_OWN}
GROUP BY 1, 2, 3, 4;""",
    """INSERT INTO dashboard_stages_daily (day, station_id, training, stage, devices)
SELECT substr(hour, 1, 10), station_id, training, stage, sum(devices) FROM dashboard_stages
GROUP BY 1, 2, 3, 4;""",
    """INSERT INTO dashboard_latest_daily (what, day, station_id, training, device_kind, value,
    devices)
SELECT what, substr(hour, 1, 10), station_id, training, device_kind, value, sum(devices)
FROM dashboard_latest GROUP BY 1, 2, 3, 4, 5, 6;""",
    """INSERT INTO dashboard_erasures_daily (day, station_id, training, erased, finished)
SELECT substr(hour, 1, 10), station_id, training, sum(erased), sum(finished)
FROM dashboard_erasures GROUP BY 1, 2, 3;""",
)
SCHEMA = """
CREATE INDEX dashboard_stages_lot ON dashboard_stages (lot_id, hour);
CREATE INDEX dashboard_latest_lot ON dashboard_latest (lot_id, hour);
CREATE INDEX dashboard_erasures_lot ON dashboard_erasures (lot_id, hour);
CREATE TABLE dashboard_stages_daily (
    day TEXT NOT NULL,
    station_id TEXT NOT NULL,
    training INTEGER NOT NULL,
    stage TEXT NOT NULL,
    devices INTEGER NOT NULL,
    PRIMARY KEY (day, station_id, training, stage)
);
CREATE TABLE dashboard_latest_daily (
    what TEXT NOT NULL,
    day TEXT NOT NULL,
    station_id TEXT NOT NULL,
    training INTEGER NOT NULL,
    device_kind TEXT NOT NULL,
    value TEXT NOT NULL,
    devices INTEGER NOT NULL,
    PRIMARY KEY (what, day, station_id, training, device_kind, value)
);
CREATE TABLE dashboard_erasures_daily (
    day TEXT NOT NULL,
    station_id TEXT NOT NULL,
    training INTEGER NOT NULL,
    erased INTEGER NOT NULL DEFAULT 0,
    finished INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (day, station_id, training)
);
"""

# table -> (key columns, counted columns); and the tables that list devices read from facts.
_COUNTERS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "dashboard_stages": (("hour", "station_id", "lot_id", "training", "stage"), ("devices",)),
    "dashboard_latest": (
        ("what", "hour", "station_id", "lot_id", "training", "device_kind", "value"),
        ("devices",),
    ),
    "dashboard_erasures": (("hour", "station_id", "lot_id", "training"), ("erased", "finished")),
}
# Each hourly table's daily twin: the UTC day's totals over every lot, for the figures of
# every lot (a year is 365 days of a few rows; the hours only at the period's edges).
_DAILY = {
    "dashboard_stages": "dashboard_stages_daily",
    "dashboard_latest": "dashboard_latest_daily",
    "dashboard_erasures": "dashboard_erasures_daily",
}
for _hourly, _daily in _DAILY.items():
    _keys, _counted = _COUNTERS[_hourly]
    _COUNTERS[_daily] = (
        tuple("day" if k == "hour" else k for k in _keys if k != "lot_id"),
        _counted,
    )
_LISTS: dict[str, tuple[str, ...]] = {
    "dashboard_stage_repeats": ("device_id", "stage"),
    "dashboard_latest_multi": ("what", "device_id"),
}


@dataclass
class Contribution:
    """What one device adds to the counters: (table, key) -> counted values, and the
    (table, key) rows it has in the lists."""

    counts: dict[tuple[str, tuple[object, ...]], list[int]] = field(default_factory=dict)
    listed: set[tuple[str, tuple[object, ...]]] = field(default_factory=set)

    def add(self, table: str, key: tuple[object, ...], values: list[int]) -> None:
        found = self.counts.setdefault((table, key), [0] * len(values))
        for i, v in enumerate(values):
            found[i] += v


def contribution(conn: sqlite3.Connection, device_id: str, skip_event: str = "") -> Contribution:
    """The device's part of every counter, from its facts (but `skip_event`) and its rows."""
    found = Contribution()
    device = conn.execute(
        "SELECT coalesce(lot_id, ''), training, kind FROM devices WHERE id = ?", (device_id,)
    ).fetchone()
    lot, training, kind = device if device is not None else ("", -1, "")
    where = "AND e.device_id = :device AND e.id <> :skip"
    params = {"device": device_id, "skip": skip_event}
    for _, stage, n, hour, station in conn.execute(_PAIRS.format(device=where), params):
        if n == 1:
            found.add("dashboard_stages", (hour, station, lot, training, stage), [1])
        else:
            found.listed.add(("dashboard_stage_repeats", (device_id, stage)))
    if device is None:
        return found
    for what, table, column in _LATEST:
        rows = conn.execute(
            f"SELECT substr(t.at, 1, 13), coalesce(ev.station_id, ''), t.{column} FROM {table} t"
            " LEFT JOIN events ev ON ev.id = t.event_id WHERE t.device_id = ?",
            (device_id,),
        ).fetchall()
        if len(rows) == 1:
            hour, station, value = rows[0]
            key = (what, hour, station, lot, training, kind, value)
            found.add("dashboard_latest", key, [1])
        elif rows:
            found.listed.add(("dashboard_latest_multi", (what, device_id)))
    for hour, station, erased in conn.execute(
        "SELECT substr(e.ts, 1, 13), e.station_id, json_extract(e.payload, '$.result') = 'erased'"
        f" FROM events e WHERE e.device_id = :device AND +e.type = 'erasure.finished'"
        f" AND e.id <> :skip AND {_OWN}",
        params,
    ):
        found.add("dashboard_erasures", (hour, station, lot, training), [int(erased or 0), 1])
    return found


def update(conn: sqlite3.Connection, device_id: str, before: Contribution) -> None:
    """Moves the counters from the device's contribution `before` an event to its
    contribution now; a count back to zero leaves no row (as `FILL` would)."""
    after = contribution(conn, device_id)
    for table_key in before.counts.keys() | after.counts.keys():
        table, key = table_key
        old = before.counts.get(table_key)
        new = after.counts.get(table_key)
        width = len(old or new or [])
        delta = [(new[i] if new else 0) - (old[i] if old else 0) for i in range(width)]
        if any(delta):
            _add(conn, table, key, delta)
    for table, key in before.listed - after.listed:
        names = _LISTS[table]
        conn.execute(f"DELETE FROM {table} WHERE " + " AND ".join(f"{n} = ?" for n in names), key)
    for table, key in after.listed - before.listed:
        names = _LISTS[table]
        marks = ", ".join("?" for _ in names)
        conn.execute(f"INSERT OR IGNORE INTO {table} ({', '.join(names)}) VALUES ({marks})", key)


def _add(conn: sqlite3.Connection, table: str, key: tuple[object, ...], delta: list[int]) -> None:
    _add_row(conn, table, key, delta)
    daily = _DAILY.get(table)
    if daily is not None:  # the same change to the day's total over every lot
        names = _COUNTERS[table][0]
        row = dict(zip(names, key, strict=True))
        row["day"] = str(row["hour"])[:10]
        _add_row(conn, daily, tuple(row[n] for n in _COUNTERS[daily][0]), delta)


def _add_row(
    conn: sqlite3.Connection, table: str, key: tuple[object, ...], delta: list[int]
) -> None:
    keys, counted = _COUNTERS[table]
    names = ", ".join((*keys, *counted))
    marks = ", ".join("?" for _ in (*keys, *counted))
    sums = ", ".join(f"{c} = {c} + excluded.{c}" for c in counted)
    conn.execute(
        f"INSERT INTO {table} ({names}) VALUES ({marks})"
        f" ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {sums}",
        (*key, *delta),
    )
    match = " AND ".join(f"{k} IS ?" for k in keys)
    zero = " AND ".join(f"{c} = 0" for c in counted)
    conn.execute(f"DELETE FROM {table} WHERE {match} AND {zero}", key)


def fill(conn: sqlite3.Connection) -> None:
    """Computes every counter from the log and the derived tables (emptied first)."""
    for table in TABLES:
        conn.execute(f"DELETE FROM {table}")
    for script in FILL:
        for statement in _statements(script):
            conn.execute(statement)


def _statements(script: str) -> list[str]:
    out, buffer = [], ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            out.append(buffer.strip())
            buffer = ""
    return [s for s in out if s]
