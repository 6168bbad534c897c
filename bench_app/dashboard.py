"""The workshop's dashboard: the figures of a period, filtered by lot, donor and station.

Each figure is a few set-based queries (never one query per device). The stages, outcomes,
grades and erasures are read from counters per UTC hour, station and lot kept as the facts
arrive (store/dashboard_counts.py), plus the few devices those cannot say (a stage shown
twice, an outcome or grade recorded twice), read from their own facts: a year of a
database of 1,000,000 devices is read in a fraction of a second. Where local midnight is
not a whole UTC hour (offsets such as +05:30), the figures are counted from the period's
facts through indexes (migration 6), as `from_facts` does; both ways count the same (the
tests compare them). A figure carries its title, axis labels, values and notes in French
and English, and its CSV form.

What each figure counts (periods run from local midnight to local midnight, both days in):
- stages: devices that reached each stage, per week (Monday), by the facts that show it;
  a device counts once per stage and week however many such facts it has;
- outcomes, grades: each device's latest outcome (grade) recorded in the period, as it
  stood at the end of the period (a corrected outcome counts once, as corrected);
- erasures: finished erasures per station, the share that ended "erased", and the
  throughput in devices erased per day (erased erasures / days of the period);
- loans: devices whose outcome at the end of the period (or today, if earlier) is a loan
  or a rental not returned by then, the overdue ones (due date passed, or a rental's
  month not paid by the day it fell due, as the loans list says) and those due within 7 days (from the loans table: today's by its loans out, a past day's by the
  outcomes' history);
- environment: the benefit of the period's outcomes, under the factors' rule
  (output/reports/environment.py), per kind of device, with the factors and sources.
Training facts count only on a training dashboard, and real facts only on a real one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, cast

from bench_app.domain.calendar import next_rental_payment
from bench_app.domain.model import STAGE_LABELS, DeviceKind, DeviceStage, OutcomeKind
from bench_app.output.formatting import decimal_text, grouped, number_text
from bench_app.output.reports.activity import Period
from bench_app.output.reports.environment import EnvironmentFactors
from bench_app.output.reports.spreadsheet import csv_text
from bench_app.output.reports.wording import KIND_LABELS, OUTCOME_LABELS
from bench_app.store.dashboard_counts import STAGE_OF
from bench_app.store.database import Store
from bench_app.store.events import TRAINING_CHAIN_SUFFIX
from bench_app.text import Text

LOAN_KINDS = (OutcomeKind.LOAN, OutcomeKind.RENTAL)
DUE_SOON_DAYS = 7


class Preset:
    """The periods the dashboard offers besides a custom one."""

    WEEK = "week"
    MONTH = "month"
    YEAR = "year"


def preset_period(preset: str, today: date) -> Period:
    """This week (from Monday), this month or this year, up to and including today."""
    if preset == Preset.WEEK:
        first = today - timedelta(days=today.weekday())
    elif preset == Preset.MONTH:
        first = today.replace(day=1)
    elif preset == Preset.YEAR:
        first = today.replace(month=1, day=1)
    else:
        raise ValueError(f"unknown period {preset!r}")
    return Period(first, today)


@dataclass(frozen=True, slots=True)
class Filters:
    """What the figures are about: a period, and at most one lot, donor and station.
    `training`: the training facts (a training station's dashboard) instead of the real."""

    period: Period
    lot_id: str | None = None
    donor_id: str | None = None
    station_id: str | None = None
    training: bool = False


@dataclass(frozen=True, slots=True)
class Series:
    key: str
    name: Text
    values: list[float]


@dataclass(frozen=True)
class Figure:
    """One chart's data: categories along x (their keys and labels), one or more series of
    values, and what the axes and values mean. `kind` says how it is best drawn ("bar" or
    "line"); `percent`: values are shares written as percentages; `notes`: lines printed
    under the chart (the environmental factors and their sources)."""

    key: str
    title: Text
    x_label: Text
    y_label: Text
    categories: list[str]
    category_labels: list[Text]
    series: list[Series]
    kind: str = "bar"
    percent: bool = False
    decimals: int = 0
    notes: list[Text] = field(default_factory=list)
    # Extra CSV columns after the series: (header, one cell per category).
    extra_columns: list[tuple[Text, list[str]]] = field(default_factory=list)

    def value_text(self, value: float, lang: str, *, for_csv: bool = False) -> str:
        """A value as written on the chart (thousands grouped) and in the CSV (digits only,
        so that spreadsheets read a number); decimal comma in French."""
        if self.percent:
            return decimal_text(value * 100, lang, 1) + " %"
        if self.decimals:
            return decimal_text(value, lang, self.decimals)
        return str(round(value)) if for_csv else grouped(round(value), lang)

    def total(self, series_key: str) -> float:
        return sum(next(s for s in self.series if s.key == series_key).values)

    def csv(self, lang: str = "fr") -> str:
        """The figure's data: one row per category, one column per series (then any extra
        column), values written as on the chart; `;`-separated UTF-8 with BOM."""
        header = [self.x_label.get(lang), *(s.name.get(lang) for s in self.series)]
        header += [h.get(lang) for h, _ in self.extra_columns]
        rows: list[list[str]] = []
        for i, label in enumerate(self.category_labels):
            row = [label.get(lang)]
            row += [self.value_text(s.values[i], lang, for_csv=True) for s in self.series]
            row += [cells[i] for _, cells in self.extra_columns]
            rows.append(row)
        text = csv_text(header, rows)
        for note in self.notes:  # the factors and sources travel with the numbers
            text += csv_text([note.get(lang)], [])[1:]
        return text


@dataclass(frozen=True)
class Dashboard:
    filters: Filters
    figures: list[Figure]

    def figure(self, key: str) -> Figure:
        return next(f for f in self.figures if f.key == key)


# -- the filters' SQL ------------------------------------------------------------------------


class _Where:
    """Conditions and named parameters shared by every figure's query."""

    def __init__(self, filters: Filters) -> None:
        start, end = filters.period.bounds()
        self.params: dict[str, Any] = {"start": start, "end": end, "training": filters.training}
        self.device: list[str] = ["d.training = :training"]
        if filters.lot_id is not None:
            self.device.append("d.lot_id = :lot")
            self.params["lot"] = filters.lot_id
        if filters.donor_id is not None:
            self.device.append("d.lot_id IN (SELECT id FROM lots WHERE donor_id = :donor)")
            self.params["donor"] = filters.donor_id
        self.station = ""
        if filters.station_id is not None:
            # A station's training facts are in its training chain (store/events.py).
            self.station = "AND {e}.station_id IN (:station, :station || :suffix)"
            self.params["station"] = filters.station_id
        self.params["suffix"] = TRAINING_CHAIN_SUFFIX

    def devices(self) -> str:
        return " AND ".join(self.device)

    def chain(self, alias: str) -> str:
        """The event is in the wanted chains (training or not, the station if filtered)."""
        training = f"(substr({alias}.station_id, -length(:suffix)) = :suffix) = (:training <> 0)"
        return f"{training} {self.station.format(e=alias)}"


_STAGE_TYPES = (
    "device.registered",
    "device.identified",
    "erasure.finished",
    "job.finished",
    "grade.assigned",
    "outcome.recorded",
)

# Stage facts in the period, week by week (each week a range of the (type, ts, station_id,
# device_id) index: exact local weeks, no date arithmetic per fact; for a lot or a donor,
# its devices' facts), each fact's stage read once (MATERIALIZED), then distinct devices per
# week and stage.
_STAGES_SQL = """
WITH weeks(n, first, after) AS (VALUES {weeks}),
f AS MATERIALIZED (
    SELECT w.n AS week, e.device_id AS device_id,
        CASE e.type
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
        END AS stage
    FROM weeks w JOIN events e ON e.type IN ({types}) AND e.ts >= w.first AND e.ts < w.after
    WHERE e.device_id IS NOT NULL AND {chain} {devices}
)
SELECT f.week, f.stage, count(DISTINCT f.device_id)
FROM f
WHERE f.stage IS NOT NULL
GROUP BY f.week, f.stage
"""

# Each device's latest row of `table` recorded in the period, as it stood at the end.
_LATEST_SQL = """
SELECT {column}, d.kind, count(*)
FROM {table} t JOIN devices d ON d.id = t.device_id {station_join}
WHERE t.at >= :start AND t.at < :end AND {devices}
  AND NOT EXISTS (
    SELECT 1 FROM {table} l WHERE l.device_id = t.device_id AND l.at < :end
      AND (l.at > t.at OR (l.at = t.at AND l.rowid > t.rowid)))
GROUP BY {column}, d.kind
"""

_ERASURES_SQL = """
SELECT CASE WHEN substr(e.station_id, -length(:suffix)) = :suffix
            THEN substr(e.station_id, 1, length(e.station_id) - length(:suffix))
            ELSE e.station_id END AS station,
       sum(json_extract(e.payload, '$.result') = 'erased'), count(*)
FROM events e JOIN devices d ON d.id = e.device_id
WHERE e.type = 'erasure.finished' AND e.ts >= :start AND e.ts < :end AND {chain}
  AND {devices}
GROUP BY station ORDER BY station
"""

# Devices whose outcome at the end is a loan or a rental not returned by then, with its
# due date (a rental's: its start plus its term), read from the loans table.
_LOANS_SQL = """
WITH due AS (
    SELECT t.kind AS kind, t.due_on AS due_on, t.id AS id, t.start_on AS start_on,
           t.term_months AS term_months
    FROM loans t JOIN devices d ON d.id = t.device_id
    WHERE t.since < :end AND (t.returned_at IS NULL OR t.returned_at >= :end)
      AND {devices} {station}
      AND NOT EXISTS (
        SELECT 1 FROM outcomes l JOIN outcomes o ON o.event_id = t.event_id
        WHERE l.device_id = t.device_id AND l.at < :end
          AND (l.at > o.at OR (l.at = o.at AND l.rowid > o.rowid)))
)
SELECT kind, due_on, start_on, term_months, paid, count(*) FROM (
    SELECT kind, due_on,
           CASE WHEN kind = 'rental' THEN start_on END AS start_on,
           CASE WHEN kind = 'rental' THEN term_months END AS term_months,
           CASE WHEN kind = 'rental' THEN (
               SELECT coalesce(sum(json_extract(e.payload, '$.months')), 0) FROM events e
               WHERE json_extract(e.payload, '$.loan_id') = due.id AND e.type = 'loan.paid'
                 AND json_extract(e.payload, '$.paid_on') <= :as_of) END AS paid
    FROM due
)
GROUP BY kind, due_on, start_on, term_months, paid
"""

# The same, today: the loans out now (is_out), read through the loans_out index; a rental's
# months paid so far from the loans table.
_OPEN_LOANS_SQL = """
SELECT t.kind, t.due_on,
       CASE WHEN t.kind = 'rental' THEN t.start_on END,
       CASE WHEN t.kind = 'rental' THEN t.term_months END,
       CASE WHEN t.kind = 'rental' THEN t.months_paid END,
       count(*)
FROM loans t {device_join}
WHERE t.is_out = 1 AND t.training = :training {devices} {station}
GROUP BY 1, 2, 3, 4, 5
"""


# The same from the counters (store/dashboard_counts.py), for the (device, stage) pairs
# shown by one fact: each week as whole UTC days of the daily totals, give or take the hours
# at its edges (local midnight is seldom UTC's); for a lot or a donor, its hours only.
_COUNTED_STAGES_SQL = """
WITH days(n, first, after, sign) AS (VALUES {days}),
hours(n, first, after, sign) AS (VALUES {hours})
SELECT n, stage, sum(v) FROM (
    SELECT w.n AS n, c.stage AS stage, c.devices * w.sign AS v
    FROM days w JOIN dashboard_stages_daily c ON c.day >= w.first AND c.day < w.after
    WHERE {chain}
    UNION ALL
    SELECT w.n, c.stage, c.devices * w.sign
    FROM hours w JOIN dashboard_stages c ON c.hour >= w.first AND c.hour < w.after
    WHERE {chain} {devices}
)
GROUP BY n, stage
"""

# And the pairs shown by several facts, from those devices' facts (few: a device back from a
# loan, a stage done again), each device once per stage and week.
_REPEATED_STAGES_SQL = (
    """
WITH weeks(n, first, after) AS (VALUES {weeks}),
r AS MATERIALIZED (SELECT DISTINCT device_id FROM dashboard_stage_repeats),
f AS MATERIALIZED (
    SELECT e.device_id AS device_id, e.ts AS ts, """
    + STAGE_OF
    + """ AS stage
    FROM r CROSS JOIN events e ON e.device_id = r.device_id
    WHERE +e.type IN ({types}) AND e.ts >= :start AND e.ts < :end AND {chain} {devices}
)
SELECT w.n, f.stage, count(DISTINCT f.device_id)
FROM f JOIN weeks w ON f.ts >= w.first AND f.ts < w.after
WHERE EXISTS (SELECT 1 FROM dashboard_stage_repeats q
              WHERE q.device_id = f.device_id AND q.stage = f.stage)
GROUP BY w.n, f.stage
"""
)

# Each device's latest row, from the counters: the devices with one row recorded in the
# period, by value and kind of device (days and edge hours, as for the stages).
_COUNTED_LATEST_SQL = """
WITH days(n, first, after, sign) AS (VALUES {days}),
hours(n, first, after, sign) AS (VALUES {hours})
SELECT value, device_kind, sum(v) FROM (
    SELECT c.value AS value, c.device_kind AS device_kind, c.devices * w.sign AS v
    FROM days w JOIN dashboard_latest_daily c
      ON c.what = :what AND c.day >= w.first AND c.day < w.after
    WHERE c.training = :training {station}
    UNION ALL
    SELECT c.value, c.device_kind, c.devices * w.sign
    FROM hours w JOIN dashboard_latest c
      ON c.what = :what AND c.hour >= w.first AND c.hour < w.after
    WHERE c.training = :training {devices} {station}
)
GROUP BY value, device_kind HAVING sum(v) <> 0
"""

# And the devices with several rows, from their rows as _LATEST_SQL reads them.
_MULTI_LATEST_SQL = """
SELECT {column}, d.kind, count(*)
FROM dashboard_latest_multi m CROSS JOIN {table} t ON t.device_id = m.device_id
JOIN devices d ON d.id = t.device_id {station_join}
WHERE m.what = :what AND +t.at >= :start AND +t.at < :end AND {devices}
  AND NOT EXISTS (
    SELECT 1 FROM {table} l WHERE l.device_id = t.device_id AND l.at < :end
      AND (l.at > t.at OR (l.at = t.at AND l.rowid > t.rowid)))
GROUP BY {column}, d.kind
"""

_COUNTED_ERASURES_SQL = """
WITH days(n, first, after, sign) AS (VALUES {days}),
hours(n, first, after, sign) AS (VALUES {hours})
SELECT CASE WHEN substr(station_id, -length(:suffix)) = :suffix
            THEN substr(station_id, 1, length(station_id) - length(:suffix))
            ELSE station_id END AS station,
       sum(erased), sum(finished)
FROM (
    SELECT c.station_id AS station_id, c.erased * w.sign AS erased,
           c.finished * w.sign AS finished
    FROM days w JOIN dashboard_erasures_daily c ON c.day >= w.first AND c.day < w.after
    WHERE {chain} AND c.training = :training
    UNION ALL
    SELECT c.station_id, c.erased * w.sign, c.finished * w.sign
    FROM hours w JOIN dashboard_erasures c ON c.hour >= w.first AND c.hour < w.after
    WHERE {chain} AND c.training = :training {devices}
)
GROUP BY station HAVING sum(finished) <> 0 ORDER BY station
"""


def _hour(ts: str) -> str | None:
    """The UTC hour ("2026-12-04T23") a timestamp starts, None when it is within one."""
    return ts[:13] if ts[13:] == ":00:00.000Z" else None


def _values(rows: Sequence[tuple[Any, ...]]) -> str:
    # our own timestamps, hours and days: no quoting needed
    return ", ".join("(" + ", ".join(f"'{v}'" if isinstance(v, str) else str(v) for v in r) + ")"
                     for r in rows)  # fmt: skip


def _nearest_day(hour: str) -> str:
    day = date.fromisoformat(hour[:10])
    return (day + timedelta(days=1)).isoformat() if int(hour[11:13]) >= 12 else day.isoformat()


Segment = tuple[int, str, str, int]  # (category, first, after, sign)


def _segments(
    n: int, start: str, end: str, *, by_lot: bool
) -> tuple[list[Segment], list[Segment]] | None:
    """[start, end) as whole UTC days of the daily counters and the hours added or taken
    away at its edges (each bound goes to its nearest midnight); for a lot or a donor
    (`by_lot`), its hours only. None when a bound is within an hour."""
    first, after = _hour(start), _hour(end)
    if first is None or after is None:
        return None
    d1, d2 = _nearest_day(first), _nearest_day(after)
    if by_lot or d1 >= d2:
        return [], [(n, first, after, 1)]
    hours: list[Segment] = []
    for bound, day, sign in ((first, d1, 1), (after, d2, -1)):
        midnight = day + "T00"
        if midnight > bound:
            hours.append((n, bound, midnight, sign))
        elif midnight < bound:
            hours.append((n, midnight, bound, -sign))
    return [(n, d1, d2, 1)], hours


def _segment_values(segments: list[Segment]) -> str:
    return _values(segments) if segments else "(-1, '', '', 0)"  # a VALUES list is never empty


def _by_lot(filters: Filters) -> bool:
    return filters.lot_id is not None or filters.donor_id is not None


def _counter_devices(filters: Filters) -> str:
    """The lot or donor filter on a counter's own column (the lot of its devices)."""
    found = ""
    if filters.lot_id is not None:
        found += " AND c.lot_id = :lot"
    if filters.donor_id is not None:
        found += " AND c.lot_id IN (SELECT id FROM lots WHERE donor_id = :donor)"
    return found


def _rows(store: Store, sql: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
    # sqlite3 takes named parameters as a mapping; Store.query passes them on as given.
    return store.query(sql, cast(Sequence[Any], params))


def _placeholders(values: Sequence[str]) -> str:
    return ", ".join(f"'{v}'" for v in values)  # constants of this module only


# -- the figures ---------------------------------------------------------------------------

DEVICES = Text("Appareils", "Devices")


def _weeks(period: Period) -> list[date]:
    monday = period.first - timedelta(days=period.first.weekday())
    weeks = []
    while monday <= period.last:
        weeks.append(monday)
        monday += timedelta(days=7)
    return weeks


def stages_figure(store: Store, filters: Filters, *, from_facts: bool = False) -> Figure:
    """Devices through each stage, per week of the period (weeks start on Monday). Read from
    the hourly counters when every week's bounds fall on whole UTC hours, else (or when
    `from_facts`) from the facts themselves; both count the same."""
    where = _Where(filters)
    weeks = _weeks(filters.period)
    bounds = []
    for monday in weeks:
        first = max(monday, filters.period.first)
        last = min(monday + timedelta(days=6), filters.period.last)
        bounds.append(Period(first, last).bounds())
    by_device = filters.lot_id is not None or filters.donor_id is not None
    # a lot's or a donor's devices first, then their facts (the events_device index)
    devices = (
        f"AND e.device_id IN (SELECT d.id FROM devices d WHERE {where.devices()})"
        if by_device
        else ""
    )
    counts: dict[tuple[int, str], int] = {}
    parts = [_segments(n, a, b, by_lot=by_device) for n, (a, b) in enumerate(bounds)]
    if from_facts or any(p is None for p in parts):
        sql = _STAGES_SQL.format(
            weeks=_values([(n, a, b) for n, (a, b) in enumerate(bounds)]),
            types=_placeholders(_STAGE_TYPES),
            chain=where.chain("e"),
            devices=devices,
        )
        for week, stage, n in _rows(store, sql, where.params):
            counts[(week, stage)] = n
    else:
        counted = _COUNTED_STAGES_SQL.format(
            days=_segment_values([d for p in parts if p for d in p[0]]),
            hours=_segment_values([h for p in parts if p for h in p[1]]),
            chain=where.chain("c"),
            devices=f"AND c.training = :training {_counter_devices(filters)}" if by_device else "",
        )
        repeated = _REPEATED_STAGES_SQL.format(
            weeks=_values([(n, a, b) for n, (a, b) in enumerate(bounds)]),
            types=_placeholders(_STAGE_TYPES),
            chain=where.chain("e"),
            devices=devices,
        )
        for sql in (counted, repeated):
            for week, stage, n in _rows(store, sql, where.params):
                counts[(week, stage)] = counts.get((week, stage), 0) + int(n)
    series = [
        Series(
            stage.value,
            STAGE_LABELS[stage],
            [float(counts.get((i, stage), 0)) for i in range(len(weeks))],
        )
        for stage in DeviceStage
    ]
    days = [w.isoformat() for w in weeks]
    return Figure(
        "stages",
        Text(
            "Appareils passés par chaque étape, par semaine", "Devices through each stage, by week"
        ),
        Text("Semaine du", "Week of"),
        DEVICES,
        days,
        [Text(_day(w, "fr"), _day(w, "en")) for w in days],
        series,
        kind="line",
    )


def _day(iso: str, lang: str) -> str:
    d = date.fromisoformat(iso)
    return d.strftime("%d/%m") if lang == "fr" else d.strftime("%b %d").replace(" 0", " ")


def _latest(
    store: Store, filters: Filters, table: str, column: str, *, from_facts: bool = False
) -> list[tuple[Any, ...]]:
    where = _Where(filters)
    station_join = ""
    if filters.station_id is not None:
        station_join = f"JOIN events ev ON ev.id = t.event_id {where.station.format(e='ev')}"
    parts = _segments(0, where.params["start"], where.params["end"], by_lot=_by_lot(filters))
    if from_facts or parts is None:
        sql = _LATEST_SQL.format(
            table=table, column=column, station_join=station_join, devices=where.devices()
        )
        return _rows(store, sql, where.params)
    where.params["what"] = "outcome" if table == "outcomes" else "grade"
    counted = _COUNTED_LATEST_SQL.format(
        days=_segment_values(parts[0]),
        hours=_segment_values(parts[1]),
        devices=_counter_devices(filters),
        station=where.station.format(e="c"),
    )
    multi = _MULTI_LATEST_SQL.format(
        table=table, column=column, station_join=station_join, devices=where.devices()
    )
    return _rows(store, counted, where.params) + _rows(store, multi, where.params)


def outcome_counts(
    store: Store, filters: Filters, *, from_facts: bool = False
) -> dict[tuple[OutcomeKind, DeviceKind], int]:
    """(outcome, device kind) -> devices whose latest outcome was recorded in the period."""
    found: dict[tuple[OutcomeKind, DeviceKind], int] = {}
    for kind, device_kind, n in _latest(
        store, filters, "outcomes", "t.kind", from_facts=from_facts
    ):
        if kind in OutcomeKind._value2member_map_ and device_kind in DeviceKind._value2member_map_:
            key = (OutcomeKind(kind), DeviceKind(device_kind))
            found[key] = found.get(key, 0) + n
    return found


def outcomes_figure(counts: dict[tuple[OutcomeKind, DeviceKind], int]) -> Figure:
    by_kind = {k: 0 for k in OutcomeKind}
    for (outcome, _), n in counts.items():
        by_kind[outcome] += n
    return Figure(
        "outcomes",
        Text("Issues des appareils", "Device outcomes"),
        Text("Issue", "Outcome"),
        DEVICES,
        [k.value for k in OutcomeKind],
        [OUTCOME_LABELS[k] for k in OutcomeKind],
        [Series("devices", DEVICES, [float(by_kind[k]) for k in OutcomeKind])],
    )


def grades_figure(store: Store, filters: Filters, *, from_facts: bool = False) -> Figure:
    """Devices by their latest workshop grade given in the period (grades in order)."""
    by_grade: dict[str, int] = {}
    for grade, _kind, n in _latest(
        store, filters, "grades", "t.workshop_grade", from_facts=from_facts
    ):
        by_grade[str(grade)] = by_grade.get(str(grade), 0) + n
    grades = sorted(by_grade)
    return Figure(
        "grades",
        Text("Notes de l’atelier", "Workshop grades"),
        Text("Note", "Grade"),
        DEVICES,
        grades,
        [Text(g, g) for g in grades],
        [Series("devices", DEVICES, [float(by_grade[g]) for g in grades])],
    )


def erasure_figures(
    store: Store,
    filters: Filters,
    station_names: dict[str, str] | None = None,
    *,
    from_facts: bool = False,
) -> tuple[Figure, Figure]:
    """Per station: the share of finished erasures that ended "erased", and the devices
    erased per day of the period."""
    where = _Where(filters)
    parts = _segments(0, where.params["start"], where.params["end"], by_lot=_by_lot(filters))
    if from_facts or parts is None:
        sql = _ERASURES_SQL.format(chain=where.chain("e"), devices=where.devices())
    else:
        sql = _COUNTED_ERASURES_SQL.format(
            days=_segment_values(parts[0]),
            hours=_segment_values(parts[1]),
            chain=where.chain("c"),
            devices=_counter_devices(filters),
        )
    rows = _rows(store, sql, where.params)
    names = station_names or {}
    stations = [str(r[0]) for r in rows]
    labels = [Text(names.get(s, s[-8:]), names.get(s, s[-8:])) for s in stations]
    erased = [float(r[1] or 0) for r in rows]
    finished = [float(r[2]) for r in rows]
    days = (filters.period.last - filters.period.first).days + 1
    station = Text("Poste", "Station")
    success = Figure(
        "erasure_success",
        Text("Effacements réussis, par poste", "Successful erasures, by station"),
        station,
        Text("Part réussie", "Share erased"),
        stations,
        labels,
        [
            Series(
                "share",
                Text("Part réussie", "Share erased"),
                [e / f if f else 0.0 for e, f in zip(erased, finished, strict=True)],
            )
        ],
        percent=True,
        extra_columns=[
            (Text("Effacés", "Erased"), [str(int(e)) for e in erased]),
            (Text("Terminés", "Finished"), [str(int(f)) for f in finished]),
        ],
    )
    throughput = Figure(
        "erasure_throughput",
        Text("Appareils effacés par jour, par poste", "Devices erased per day, by station"),
        station,
        Text("Appareils par jour", "Devices per day"),
        stations,
        labels,
        [
            Series(
                "per_day", Text("Appareils par jour", "Devices per day"), [e / days for e in erased]
            )
        ],
        decimals=1,
        notes=[
            Text(
                f"Appareils effacés avec succès divisés par les {days} jours de la période.",
                f"Devices erased successfully divided by the {days} days of the period.",
            )
        ],
    )
    return success, throughput


@dataclass(frozen=True, slots=True)
class Loans:
    out: dict[OutcomeKind, int]
    overdue: int
    due_soon: int
    as_of: date


def loans(store: Store, filters: Filters, today: date) -> Loans:
    """The loans and rentals out at the end of the period (today when it ends later): the
    devices whose latest outcome is one; overdue when its due date (due_on) is before that
    day or a rental's month paid by then fell due before it, due soon within DUE_SOON_DAYS. A return or a later outcome of the device ends a
    loan. A period ending today or later reads the loans out now; an earlier one, the
    outcomes' history."""
    as_of = min(filters.period.last, today)
    where = _Where(Filters(Period(as_of, as_of), filters.lot_id, filters.donor_id,
                           filters.station_id, filters.training))  # fmt: skip
    where.params["as_of"] = as_of.isoformat()
    if as_of >= today:
        by_device = filters.lot_id is not None or filters.donor_id is not None
        sql = _OPEN_LOANS_SQL.format(
            device_join="JOIN devices d ON d.id = t.device_id" if by_device else "",
            devices=f"AND {where.devices()}" if by_device else "",
            station=where.station.format(e="t"),
        )
    else:
        sql = _LOANS_SQL.format(devices=where.devices(), station=where.station.format(e="t"))
    out = {k: 0 for k in LOAN_KINDS}
    overdue = due_soon = 0
    soon = as_of + timedelta(days=DUE_SOON_DAYS)
    for kind, due_on, start_on, term_months, paid, n in _rows(store, sql, where.params):
        out[OutcomeKind(kind)] += n
        if (due_on and due_on < as_of.isoformat()) or _payment_late(
            start_on, term_months, paid, as_of
        ):
            overdue += n
        elif due_on and due_on <= soon.isoformat():
            due_soon += n
    return Loans(out, overdue, due_soon, as_of)


def _payment_late(
    start_on: str | None, term_months: int | None, paid: int | None, as_of: date
) -> bool:
    """A rental's month not paid by the day it fell due (as the loans list says it)."""
    if not start_on or term_months is None:
        return False
    try:
        due = next_rental_payment(date.fromisoformat(start_on), term_months, int(paid or 0))
    except (ValueError, OverflowError):
        return False
    return due is not None and due < as_of


def loans_figure(found: Loans) -> Figure:
    keys = ["loan", "rental", "overdue", "due_soon"]
    labels = [
        Text("Prêtés", "On loan"),
        Text("Loués", "Rented"),
        Text("En retard", "Overdue"),
        Text(f"À rendre sous {DUE_SOON_DAYS} jours", f"Due within {DUE_SOON_DAYS} days"),
    ]
    values = [
        found.out[OutcomeKind.LOAN],
        found.out[OutcomeKind.RENTAL],
        found.overdue,
        found.due_soon,
    ]
    day_fr = found.as_of.strftime("%d/%m/%Y")
    return Figure(
        "loans",
        Text(f"Prêts et locations au {day_fr}", f"Loans and rentals on {found.as_of.isoformat()}"),
        Text("Situation", "Status"),
        DEVICES,
        keys,
        labels,
        [Series("devices", DEVICES, [float(v) for v in values])],
    )


def environment_figure(
    counts: dict[tuple[OutcomeKind, DeviceKind], int], factors: EnvironmentFactors
) -> Figure:
    """CO2e and material avoided by the period's outcomes, per kind of device, with the
    factors' rule and sources as notes (the same rule as the lot report's)."""
    kinds = list(DeviceKind)
    co2e = {k: 0.0 for k in kinds}
    material = {k: 0.0 for k in kinds}
    counted = {k: 0.0 for k in kinds}
    for (outcome, kind), n in counts.items():
        weight = factors.weight(outcome)
        if weight:
            c, m = factors.per_device(kind)
            co2e[kind] += weight * c * n
            material[kind] += weight * m * n
            counted[kind] += weight * n
    notes = [factors.rule()]
    for kind in kinds:
        f = factors.kinds[kind]
        c, m = factors.per_device(kind)
        notes.append(
            Text(
                f"{KIND_LABELS[kind].fr} : {decimal_text(c, 'fr')} kg CO2e et "
                f"{decimal_text(m, 'fr')} kg de matière par appareil ({f.basis.fr}).",
                f"{KIND_LABELS[kind].en}: {decimal_text(c, 'en')} kg CO2e and "
                f"{decimal_text(m, 'en')} kg of material per device ({f.basis.en}).",
            )
        )
    for source in factors.sources():
        notes.append(Text("Source : " + source.citation(), "Source: " + source.citation()))
    return Figure(
        "environment",
        Text("Bénéfice environnemental (évité)", "Environmental benefit (avoided)"),
        Text("Type d’appareil", "Kind of device"),
        Text("Kilogrammes évités", "Kilograms avoided"),
        [k.value for k in kinds],
        [KIND_LABELS[k] for k in kinds],
        [
            Series("co2e_kg", Text("CO2e (kg)", "CO2e (kg)"), [round(co2e[k], 1) for k in kinds]),
            Series(
                "material_kg",
                Text("Matière (kg)", "Material (kg)"),
                [round(material[k], 1) for k in kinds],
            ),
        ],
        decimals=1,
        notes=notes,
        extra_columns=[
            (
                Text("Appareils comptés", "Devices counted"),
                [number_text(counted[k], "fr") for k in kinds],
            ),
            (
                Text("Source", "Source"),
                [factors.kinds[k].source.citation() for k in kinds],
            ),
        ],
    )


def compute(
    store: Store,
    filters: Filters,
    factors: EnvironmentFactors,
    *,
    today: date | None = None,
    station_names: dict[str, str] | None = None,
    from_facts: bool = False,
) -> Dashboard:
    """Every figure of the dashboard for `filters`, in the order the window shows them.
    `from_facts`: counted from the facts rather than the counters kept as they arrive (the
    same figures, slower; the tests compare both)."""
    counts = outcome_counts(store, filters, from_facts=from_facts)
    success, throughput = erasure_figures(store, filters, station_names, from_facts=from_facts)
    return Dashboard(
        filters,
        [
            stages_figure(store, filters, from_facts=from_facts),
            outcomes_figure(counts),
            grades_figure(store, filters, from_facts=from_facts),
            success,
            throughput,
            loans_figure(loans(store, filters, today or datetime.now().astimezone().date())),
            environment_figure(counts, factors),
        ],
    )


# -- the filters' choices -------------------------------------------------------------------


def stations(store: Store) -> list[str]:
    """The stations with facts in the log (a training chain counts as its station), each
    found by one index seek rather than a scan of the log."""
    rows = store.query(
        "WITH RECURSIVE s(id) AS (SELECT min(station_id) FROM events UNION ALL"
        " SELECT (SELECT min(station_id) FROM events WHERE station_id > s.id) FROM s"
        " WHERE s.id IS NOT NULL) SELECT id FROM s WHERE id IS NOT NULL"
    )
    found: list[str] = []
    for (station,) in rows:
        name = str(station).removesuffix(TRAINING_CHAIN_SUFFIX)
        if name and name not in found:
            found.append(name)
    return found


def donors(store: Store, *, training: bool = False) -> list[tuple[str, str]]:
    """(id, name) of every donor, by name."""
    rows = store.query(
        "SELECT id, name FROM donors WHERE training = ? ORDER BY name, id", (training,)
    )
    return [(str(r[0]), str(r[1])) for r in rows]


def lots(store: Store, *, training: bool = False) -> list[tuple[str, str]]:
    """(id, label) of every lot, the latest received first: its agreement reference or
    its date, and its donor's name."""
    rows = store.query(
        "SELECT l.id, l.agreement_ref, l.received_on, coalesce(dn.name, '') FROM lots l"
        " LEFT JOIN donors dn ON dn.id = l.donor_id WHERE l.training = ?"
        " ORDER BY l.received_on DESC, l.id",
        (training,),
    )
    return [(str(r[0]), f"{r[1] or r[2]} — {r[3]}" if r[3] else str(r[1] or r[2])) for r in rows]
