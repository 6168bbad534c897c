"""The workshop's activity over a period, as a CSV for its funders and its own counts: one
row per device touched in the period (any fact about it dated in the period).

Each row says where the device stood at the end of the period (its latest erasure, grade and
outcome dated before the end), so exporting a past month again gives the same file; the
stages column lists the stages the device reached during the period itself. Periods run
from local midnight to local midnight, both days included."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from bench_app import beneficiaries
from bench_app.domain.model import STAGE_LABELS, DeviceKind, DeviceStage, OutcomeKind
from bench_app.errors import BenchError
from bench_app.output.formatting import yes_no
from bench_app.output.reports.spreadsheet import csv_text, write_atomically
from bench_app.output.reports.wording import KIND_LABELS, NO_OUTCOME, OUTCOME_LABELS, erasure_text
from bench_app.store import queries, report_queries
from bench_app.store.database import Store
from bench_app.text import Text


@dataclass(frozen=True)
class Period:
    first: date
    last: date  # included

    @classmethod
    def parse(cls, first: str, last: str) -> Period:
        """Two YYYY-MM-DD dates, the first not after the second; BenchError otherwise."""
        try:
            a, b = date.fromisoformat(first), date.fromisoformat(last)
        except ValueError as exc:
            raise BenchError("REPORT_PERIOD_INVALID", detail=str(exc)) from None
        if a > b:
            raise BenchError("REPORT_PERIOD_INVALID", detail=f"{first} > {last}")
        return cls(a, b)

    def bounds(self) -> tuple[str, str]:
        """The period as [start, end) in the event log's UTC timestamp format."""
        return _utc(self.first), _utc(self.last + timedelta(days=1))


def _utc(day: date) -> str:
    local = datetime.combine(day, time()).astimezone()  # this station's midnight
    return local.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _stages(store: Store, start: str, end: str) -> dict[str, set[DeviceStage]]:
    reached: dict[str, set[DeviceStage]] = {}
    for device_id, kind, result, state, on_success in report_queries.stage_facts(store, start, end):
        stage: DeviceStage | None = None
        if kind == "device.registered":
            stage = DeviceStage.INTAKE
        elif kind == "device.identified":
            stage = DeviceStage.IDENTIFIED
        elif kind == "erasure.finished" and result == "erased":
            stage = DeviceStage.ERASED
        elif kind == "job.finished" and state == "succeeded" and on_success:
            stage = DeviceStage(on_success)
        elif kind == "grade.assigned":
            stage = DeviceStage.GRADED
        elif kind == "outcome.recorded":
            stage = DeviceStage.DONE
        if stage is not None:
            reached.setdefault(device_id, set()).add(stage)
    return reached


_HEADER = (
    Text("Code", "Asset code"),
    Text("Date d’accueil", "Intake date"),
    Text("Type", "Kind"),
    Text("Marque", "Brand"),
    Text("Modèle", "Model"),
    Text("N° de série", "Serial number"),
    Text("IMEI", "IMEI"),
    Text("Donateur", "Donor"),
    Text("Don", "Lot"),
    Text("Étapes de la période", "Stages in the period"),
    Text("Effacement", "Erasure"),
    Text("Méthode d’effacement", "Erasure method"),
    Text("Note atelier", "Workshop grade"),
    Text("Issue", "Outcome"),
    Text("Référence de l’issue", "Outcome reference"),
    Text("Formation", "Training"),
)


# Added only when the workshop shares beneficiaries' data (Settings.share_beneficiary_data):
# the name (or the file number when none is on record) and the referring structure. Never
# the contact.
_SHARED_HEADER = (
    Text("Bénéficiaire", "Beneficiary"),
    Text("Structure d’orientation", "Referring structure"),
)


@dataclass(frozen=True)
class Activity:
    period: Period
    rows: list[list[str]]
    excluded_training: int
    shares_beneficiaries: bool = False


def gather_activity(
    store: Store,
    period: Period,
    *,
    include_training: bool = False,
    lang: str = "fr",
    share_beneficiaries: bool = False,
) -> Activity:
    """The rows of the export. Training devices are left out unless asked for (the count of
    those left out is kept); their rows say so in the training column when included.
    `share_beneficiaries` adds who each device was given to (name and referring structure,
    as on record now); without it no beneficiary data is in the export at all."""
    start, end = period.bounds()
    stages = _stages(store, start, end)
    order = list(DeviceStage)
    rows: list[list[str]] = []
    excluded = 0
    for r in report_queries.activity_rows(store, start, end):
        if r[11] and not include_training:
            excluded += 1
            continue
        reached = sorted(stages.get(r[0], set()), key=order.index)
        lot = r[9] or (f"{r[10]}" if r[10] else "")
        outcome = OutcomeKind(r[15]) if r[15] else None
        rows.append(
            [
                r[1],
                _local_date(r[2]),
                KIND_LABELS[DeviceKind(r[3])].get(lang),
                r[4],
                r[5],
                r[6],
                r[7],
                r[8] or "",
                lot,
                ", ".join(STAGE_LABELS[s].get(lang) for s in reached),
                erasure_text(r[12]).get(lang),
                r[13] or "",
                r[14] or "",
                (OUTCOME_LABELS[outcome] if outcome else NO_OUTCOME).get(lang),
                r[16] or "",
                yes_no(bool(r[11]), lang),
            ]
        )
        if share_beneficiaries:
            rows[-1] += _beneficiary_cells(store, r[0], end)
    return Activity(period, rows, excluded, share_beneficiaries)


def _beneficiary_cells(store: Store, device_id: str, end: str) -> list[str]:
    """Who the device went to, by its latest outcome before `end`: the name (else the file
    number) and the referring structure; two empty cells when it went to no one."""
    before = [e for e in queries.value_history(store, device_id, "outcome.recorded") if e.ts < end]
    ref = str(before[-1].payload.get("beneficiary", "")) if before else ""
    if not ref:
        return ["", ""]
    person = beneficiaries.get(store, ref)
    return [person.shown_name(), person.structure] if person else [ref, ""]


def _local_date(ts: str) -> str:
    return datetime.fromisoformat(ts.replace("Z", "+00:00")).astimezone().date().isoformat()


def activity_csv(activity: Activity, lang: str = "fr") -> str:
    header = (*_HEADER, *_SHARED_HEADER) if activity.shares_beneficiaries else _HEADER
    return csv_text([h.get(lang) for h in header], activity.rows)


def write_activity(activity: Activity, path: Path, lang: str = "fr") -> None:
    """Writes the export as CSV (UTF-8 with BOM, `;`: see bench_app/output/reports/spreadsheet.py)."""
    if Path(path).suffix.lower() != ".csv":
        raise BenchError("REPORT_FORMAT", path=str(path), formats=".csv")
    write_atomically(Path(path), activity_csv(activity, lang).encode("utf-8"))
