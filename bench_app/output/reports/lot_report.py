"""The report a donor receives for one donation (lot): every device with its erasure and
certificate, its grade and where it went, the counts, and the environmental benefit with
the factors and their source; as a PDF and as a CSV.

Training devices are left out of a real lot's report unless asked for, and the report says
how many were left out; a report that does contain training data carries the watermark."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import (
    KeepTogether,
    LongTable,
    Paragraph,
    Table,
    TableStyle,
)

from bench_app.domain.model import (
    STAGE_LABELS,
    Device,
    DeviceKind,
    DeviceStage,
    Donor,
    Lot,
    OutcomeKind,
)
from bench_app.errors import BenchError
from bench_app.output import pdf_style
from bench_app.output.formatting import decimal_text, kg_text, yes_no
from bench_app.output.reports.environment import Benefit, EnvironmentFactors, benefit
from bench_app.output.reports.spreadsheet import csv_text, write_atomically
from bench_app.output.reports.wording import (
    DONOR_KIND_LABELS,
    KIND_LABELS,
    NO_OUTCOME,
    OUTCOME_LABELS,
    certificate_for,
    erasure_text,
)
from bench_app.settings import Settings
from bench_app.store import report_queries
from bench_app.store.database import Store
from bench_app.text import Text


@dataclass(frozen=True, slots=True)
class LotDevice:
    device_id: str
    asset_code: str
    kind: DeviceKind
    brand: str
    model: str
    serial: str
    imei: str
    stage: DeviceStage
    training: bool
    details: dict[str, Any]
    erasure_id: str | None
    erasure_result: str | None  # "erased", "not_erased", "in_progress"; None: no erasure
    erasure_method: str
    erasure_standard: str
    grade: str
    outcome: OutcomeKind | None
    outcome_reference: str
    outcome_note: str
    outcome_at: str

    @property
    def label(self) -> str:
        return Device(
            self.device_id, self.asset_code, self.kind, self.brand, self.model, details=self.details
        ).label

    @property
    def certificate(self) -> str:
        """The erasure certificate's reference; empty unless the erasure succeeded."""
        return certificate_for(self.erasure_id, self.erasure_result)

    @property
    def identity(self) -> str:
        return " / ".join(p for p in (self.serial, self.imei) if p)


@dataclass(frozen=True)
class LotReport:
    lot: Lot
    donor: Donor
    devices: list[LotDevice]
    factors: EnvironmentFactors
    benefit: Benefit
    excluded_training: int  # training devices of the lot left out
    training: bool  # the report contains training data: watermark
    made_at: datetime
    organisation: str = ""
    organisation_address: str = ""
    organisation_contact: str = ""
    per_device: dict[str, tuple[float, float]] = field(default_factory=dict)

    @property
    def reference(self) -> str:
        return self.lot.agreement_ref or f"…{self.lot.id[-8:]}"

    def outcome_counts(self) -> Counter[OutcomeKind | None]:
        return Counter(d.outcome for d in self.devices)

    def kind_counts(self) -> Counter[DeviceKind]:
        return Counter(d.kind for d in self.devices)

    def erasure_counts(self) -> tuple[int, int, int]:
        """(erased with a certificate, not erased, no erasure recorded)."""
        erased = sum(1 for d in self.devices if d.erasure_result == "erased")
        none = sum(1 for d in self.devices if d.erasure_result is None)
        return erased, len(self.devices) - erased - none, none


def find_lot(store: Store, text: str) -> Lot:
    """The lot named by its id, its agreement reference, or the end of its id (6+ chars)."""
    wanted = text.strip()
    lots = report_queries.lots_matching(store, wanted)
    exact = [lot for lot in lots if lot.id == wanted]
    lots = exact or lots
    if not wanted or not lots:
        raise BenchError("REPORT_LOT_UNKNOWN", lot=wanted)
    if len(lots) > 1:
        raise BenchError("REPORT_LOT_AMBIGUOUS", lot=wanted, count=len(lots))
    return lots[0]


def gather_lot(
    store: Store,
    lot: Lot,
    factors: EnvironmentFactors,
    *,
    include_training: bool = False,
    settings: Settings | None = None,
    now: datetime | None = None,
) -> LotReport:
    """Everything the report says about one lot, read in a few queries. A training lot
    reports its (training) devices; a real lot leaves training devices out unless asked."""
    donor = report_queries.donor(store, lot.donor_id)
    if donor is None:
        raise BenchError("REPORT_LOT_UNKNOWN", lot=lot.id)
    devices: list[LotDevice] = []
    excluded = 0
    keep_training = include_training or lot.training
    for r in report_queries.lot_device_rows(store, lot.id):
        if r[8] and not keep_training:
            excluded += 1
            continue
        devices.append(
            LotDevice(
                device_id=r[0],
                asset_code=r[1],
                kind=DeviceKind(r[2]),
                brand=r[3],
                model=r[4],
                serial=r[5],
                imei=r[6],
                stage=DeviceStage(r[7]),
                training=bool(r[8]),
                details=json.loads(r[9]) if r[9] != "{}" else {},
                erasure_id=r[10],
                erasure_result=r[11],
                erasure_method=r[12] or "",
                erasure_standard=r[13] or "",
                grade=r[14] or "",
                outcome=OutcomeKind(r[15]) if r[15] else None,
                outcome_reference=r[16] or "",
                outcome_note=r[17] or "",
                outcome_at=r[18] or "",
            )
        )
    per_device = {}
    for d in devices:
        w = factors.weight(d.outcome)
        c, m = factors.per_device(d.kind)
        per_device[d.device_id] = (round(w * c, 1), round(w * m, 1))
    settings = settings or Settings()
    return LotReport(
        lot=lot,
        donor=donor,
        devices=devices,
        factors=factors,
        benefit=benefit(factors, ((d.kind, d.outcome) for d in devices)),
        excluded_training=excluded,
        training=lot.training or any(d.training for d in devices),
        made_at=now or datetime.now().astimezone(),
        organisation=settings.organisation,
        organisation_address=settings.organisation_address,
        organisation_contact=settings.organisation_contact,
        per_device=per_device,
    )


# -- CSV ---------------------------------------------------------------------------------------

_CSV_HEADER = (
    Text("Code", "Asset code"),
    Text("Type", "Kind"),
    Text("Marque", "Brand"),
    Text("Modèle", "Model"),
    Text("N° de série", "Serial number"),
    Text("IMEI", "IMEI"),
    Text("Étape", "Stage"),
    Text("Effacement", "Erasure"),
    Text("Méthode d’effacement", "Erasure method"),
    Text("Certificat", "Certificate"),
    Text("Note atelier", "Workshop grade"),
    Text("Issue", "Outcome"),
    Text("Référence de l’issue", "Outcome reference"),
    Text("Date de l’issue", "Outcome date"),
    Text("CO2e évité (kg)", "CO2e avoided (kg)"),
    Text("Matières évitées (kg)", "Material avoided (kg)"),
    Text("Formation", "Training"),
)


def lot_csv(report: LotReport, lang: str = "fr") -> str:
    """One row per device; the benefit columns add up to the report's totals."""
    rows = []
    for d in report.devices:
        co2e, material = report.per_device[d.device_id]
        rows.append(
            (
                d.asset_code,
                KIND_LABELS[d.kind].get(lang),
                d.brand,
                d.model,
                d.serial,
                d.imei,
                STAGE_LABELS[d.stage].get(lang),
                erasure_text(d.erasure_result).get(lang),
                d.erasure_method,
                d.certificate,
                d.grade,
                (OUTCOME_LABELS[d.outcome] if d.outcome else NO_OUTCOME).get(lang),
                d.outcome_reference,
                d.outcome_at[:10],
                decimal_text(co2e, lang),
                decimal_text(material, lang),
                yes_no(d.training, lang),
            )
        )
    return csv_text([h.get(lang) for h in _CSV_HEADER], rows)


# -- PDF ---------------------------------------------------------------------------------------

_COLUMNS_MM = (22, 35, 30, 37, 10, 42)  # 176 mm: the frame's width inside its padding
_BODY = 7.0


def _fit(text: str, width_mm: float, font: str = pdf_style.FONT, size: float = _BODY) -> str:
    """Cuts a cell's text with an ellipsis so it stays inside its column."""
    room = width_mm * mm - 4
    if stringWidth(text, font, size) <= room:
        return text
    while text and stringWidth(text + "…", font, size) > room:
        text = text[:-1]
    return text + "…"


# Serial/IMEI, certificate and outcome reference are never cut: they wrap when too long.
_WRAPPED = frozenset({2, 3, 5})


def _cell(text: str, width_mm: float, wrap: bool, style: ParagraphStyle) -> str | Paragraph:
    """A plain string when it fits (fast to lay out), else wrapped or cut with an ellipsis."""
    if stringWidth(text, pdf_style.FONT, _BODY) <= width_mm * mm - 4:
        return text
    return Paragraph(escape(text), style) if wrap else _fit(text, width_mm)


def _p(text: str, style: Any) -> Paragraph:
    return Paragraph(escape(text), style)


def lot_pdf(report: LotReport, lang: str = "fr") -> bytes:
    """The donor's report as PDF bytes: summary, benefit with factors and sources, then
    one table row per device."""
    s = pdf_style.styles()
    t = _Tr(lang)
    lot, donor = report.lot, report.donor
    story: list[Any] = [
        _p(t("Rapport de don", "Donation report"), s.title),
        _p(
            f"{donor.name} — {DONOR_KIND_LABELS[donor.kind].get(lang)} · "
            + t("reçu le ", "received on ")
            + lot.received_on
            + (
                f" · {t('convention', 'agreement')} {lot.agreement_ref}"
                if lot.agreement_ref
                else ""
            )
            + f" · {t('don', 'lot')} {lot.id}",
            s.body,
        ),
    ]
    count = len(report.devices)
    expected = (
        t(f" (attendus : {lot.expected_count})", f" (expected: {lot.expected_count})")
        if lot.expected_count is not None
        else ""
    )
    story.append(_p(t(f"{count} appareils", f"{count} devices") + expected, s.body))
    warning = ParagraphStyle("warning", parent=s.body, fontName=pdf_style.FONT_BOLD)
    warning.textColor = pdf_style.BAD
    if report.excluded_training:
        n = report.excluded_training
        story.append(
            _p(
                t(
                    f"{n} appareil(s) de formation de ce don sont exclus de ce rapport.",
                    f"{n} training device(s) of this lot are left out of this report.",
                ),
                warning,
            )
        )
    if report.training and not lot.training:
        n = sum(1 for d in report.devices if d.training)
        story.append(
            _p(
                t(
                    f"Ce rapport inclut {n} appareil(s) de formation, à la demande.",
                    f"This report includes {n} training device(s), as asked.",
                ),
                warning,
            )
        )

    # Counts: outcomes, erasures, kinds.
    outcomes = report.outcome_counts()
    erased, not_erased, no_erasure = report.erasure_counts()
    kinds = report.kind_counts()
    left = [[t("Issue", "Outcome"), t("Appareils", "Devices")]]
    for kind in OutcomeKind:
        if outcomes.get(kind):
            left.append([OUTCOME_LABELS[kind].get(lang), str(outcomes[kind])])
    if outcomes.get(None):
        left.append([NO_OUTCOME.get(lang), str(outcomes[None])])
    right = [[t("Effacement des données", "Data erasure"), t("Appareils", "Devices")]]
    right.append(
        [t("Effacés et vérifiés (certificat)", "Erased and verified (certificate)"), str(erased)]
    )
    right.append([t("NON EFFACÉS", "NOT ERASED"), str(not_erased)])
    right.append([t("Aucun effacement enregistré", "No erasure recorded"), str(no_erasure)])
    right.append(["", ""])
    right.append([t("Type d’appareil", "Kind of device"), ""])
    for device_kind in DeviceKind:
        if kinds.get(device_kind):
            right.append([KIND_LABELS[device_kind].get(lang), str(kinds[device_kind])])
    story.append(_p(t("En résumé", "Summary"), s.heading))
    story.append(
        Table(
            [
                [
                    _small_table(left, [60, 22]),
                    _small_table(right, [68, 22], bad_row=2 if not_erased else None),
                ]
            ],
            colWidths=[86 * mm, 90 * mm],
            hAlign="LEFT",
            style=[("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)],
        )
    )

    # Environmental benefit, with the factors and their sources.
    f = report.factors
    b = report.benefit
    env: list[Any] = [
        _p(t("Bénéfice environnemental", "Environmental benefit"), s.heading),
        Paragraph(
            t(
                f"<b>{kg_text(b.co2e_kg, lang)} CO2e</b> et <b>{kg_text(b.material_kg, lang)}</b> de "
                "matières premières évités",
                f"<b>{kg_text(b.co2e_kg, lang)} CO2e</b> and <b>{kg_text(b.material_kg, lang)}</b> of "
                "raw material avoided",
            ),
            s.body,
        ),
        _p(f.rule().get(lang), s.small),
    ]
    factor_rows = [
        [
            t("Type", "Kind"),
            t("CO2e", "CO2e"),
            t("Matières", "Material"),
            t("Base", "Basis"),
            t("Source", "Source"),
        ]
    ]
    for device_kind in DeviceKind:
        k = f.kinds[device_kind]
        per = t("/an", "/yr") if k.per_year else t("/app.", "/dev.")
        factor_rows.append(
            [
                KIND_LABELS[device_kind].get(lang),
                kg_text(k.co2e_kg, lang) + per,
                kg_text(k.material_kg, lang) + per,
                _p(k.basis.get(lang), s.small),
                f"{k.source.publisher.split(' (')[0]} {k.source.year}",
            ]
        )
    env.append(
        Table(
            factor_rows,
            colWidths=[30 * mm, 22 * mm, 22 * mm, 74 * mm, 28 * mm],
            hAlign="LEFT",
            style=_grid_style(7),
        )
    )
    for src in f.sources():
        env.append(_p(src.citation(), s.small))
    story.append(KeepTogether(env))

    # One row per device.
    story.append(_p(t("Appareils", "Devices"), s.heading))
    header = [
        t("Code", "Code"),
        t("Appareil", "Device"),
        t("N° série / IMEI", "Serial / IMEI"),
        t("Effacement · certificat", "Erasure · certificate"),
        t("Note", "Grade"),
        t("Issue · référence", "Outcome · reference"),
    ]
    rows: list[list[Any]] = [header]
    cell = ParagraphStyle("cell", parent=s.body, fontSize=_BODY, leading=_BODY + 2)
    styles: list[tuple[Any, ...]] = []
    for i, d in enumerate(report.devices, start=1):
        if d.erasure_result == "erased":
            erasure = d.certificate
        else:
            erasure = erasure_text(d.erasure_result).get(lang)
            if d.erasure_result is not None:
                styles.append(("TEXTCOLOR", (3, i), (3, i), pdf_style.BAD))
                styles.append(("FONTNAME", (3, i), (3, i), pdf_style.FONT_BOLD))
        outcome = (OUTCOME_LABELS[d.outcome] if d.outcome else NO_OUTCOME).get(lang)
        reference = d.outcome_reference
        mark = t(" [formation]", " [training]") if d.training else ""
        cells = [
            d.asset_code,
            d.label + mark,
            d.identity,
            erasure,
            d.grade,
            outcome,
        ]
        row: list[Any] = [
            _cell(c, w, col in _WRAPPED, cell)
            for col, (c, w) in enumerate(zip(cells, _COLUMNS_MM, strict=True))
        ]
        if reference:
            # The reference on its own line, whole: an eco-organism's slip is searched by it.
            row[5] = Paragraph(f"{escape(outcome)}<br/>{escape(reference)}", cell)
        rows.append(row)
    # Tables of a few pages each: reportlab splits one long table in time that grows faster
    # than its rows (10,000 devices: 38 s as one table), a chain of short ones stays linear.
    for start in range(1, max(len(rows), 2), _ROWS_PER_TABLE):
        end = min(start + _ROWS_PER_TABLE, len(rows))
        chunk = [header, *rows[start:end]]
        shifted = [
            (name, (a[0], a[1] - start + 1), (b[0], b[1] - start + 1), *rest)
            for name, a, b, *rest in styles
            if start <= a[1] < end
        ]
        table = LongTable(
            chunk, colWidths=[w * mm for w in _COLUMNS_MM], repeatRows=1, hAlign="LEFT"
        )
        table.setStyle(TableStyle([*_grid_style(_BODY), *shifted]))
        story.append(table)

    title = t("Rapport de don", "Donation report")
    made = report.made_at.strftime("%Y-%m-%d %H:%M")
    footer = f"Établi — {title} {report.reference} — {donor.name} — {made}"
    return pdf_style.a4_pdf(
        story,
        organisation=_organisation_line(report),
        footer=footer,
        training=report.training,
        title=f"{title} {report.reference}",
        author=report.organisation,
    )


_ROWS_PER_TABLE = 120


def _organisation_line(report: LotReport) -> str:
    return " · ".join(
        p
        for p in (report.organisation, report.organisation_address, report.organisation_contact)
        if p
    )


def _grid_style(size: float) -> list[tuple[Any, ...]]:
    return [
        ("FONTNAME", (0, 0), (-1, -1), pdf_style.FONT),
        ("FONTNAME", (0, 0), (-1, 0), pdf_style.FONT_BOLD),
        ("FONTSIZE", (0, 0), (-1, -1), size),
        ("LEADING", (0, 0), (-1, -1), size + 2),
        ("TEXTCOLOR", (0, 0), (-1, -1), pdf_style.INK),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef2")),
        ("LINEBELOW", (0, 0), (-1, -1), 0.25, pdf_style.RULE),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
        ("LEFTPADDING", (0, 0), (-1, -1), 2),
        ("RIGHTPADDING", (0, 0), (-1, -1), 2),
    ]


def _small_table(
    rows: list[list[str]], widths_mm: list[float], bad_row: int | None = None
) -> Table:
    style = _grid_style(8)
    style.append(("ALIGN", (1, 0), (1, -1), "RIGHT"))
    if bad_row is not None:
        style.append(("TEXTCOLOR", (0, bad_row), (-1, bad_row), pdf_style.BAD))
        style.append(("FONTNAME", (0, bad_row), (-1, bad_row), pdf_style.FONT_BOLD))
    return Table(rows, colWidths=[w * mm for w in widths_mm], style=style)


class _Tr:
    """Picks the report's language for each pair of texts."""

    def __init__(self, lang: str) -> None:
        self.lang = lang

    def __call__(self, fr: str, en: str) -> str:
        return fr if self.lang == "fr" else en


def write_lot_report(report: LotReport, path: Path, lang: str = "fr") -> str:
    """Writes the report as PDF or CSV, chosen by the file's extension; returns the format."""
    suffix = Path(path).suffix.lower()
    if suffix == ".pdf":
        write_atomically(Path(path), lot_pdf(report, lang))
        return "pdf"
    if suffix == ".csv":
        write_atomically(Path(path), lot_csv(report, lang).encode("utf-8"))
        return "csv"
    raise BenchError("REPORT_FORMAT", path=str(path), formats=".pdf / .csv")
