"""The sheet a beneficiary takes home with the device: what it is, its system, its grade,
what was tested, how to take care of it, the return and warranty terms, and who to call.

French first, English second, in short sentences; one A4 page."""

from __future__ import annotations

import calendar
import io
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.platypus import Image, Paragraph, Table, TableStyle

from bench_app.domain.model import Device, DeviceKind, Grade, Outcome, OutcomeKind, StepStatus
from bench_app.erasure.records import latest_erasure
from bench_app.jobs.steps import Purpose
from bench_app.output import pdf_style
from bench_app.output.formatting import day_text
from bench_app.output.reports.spreadsheet import write_atomically
from bench_app.output.reports.wording import (
    KIND_LABELS,
    OUTCOME_LABELS,
    STEP_STATUS_LABELS,
    certificate_for,
    erasure_text,
)
from bench_app.settings import Settings
from bench_app.store import queries, report_queries
from bench_app.store.database import Store
from bench_app.text import Text

CARE: dict[DeviceKind, tuple[Text, ...]] = {
    DeviceKind.PHONE: (
        Text("Chargez-le avec un chargeur en bon état.", "Charge it with a charger in good order."),
        Text("Ne le laissez pas longtemps à 0 %.", "Do not leave it at 0 % for long."),
        Text("Gardez-le loin de l’eau et de la chaleur.", "Keep it away from water and heat."),
        Text(
            "Une coque et un verre de protection évitent la casse.",
            "A case and a screen protector prevent breakage.",
        ),
        Text("Acceptez les mises à jour : elles le protègent.", "Accept updates: they protect it."),
        Text(
            "Notez votre code et votre compte dans un endroit sûr.",
            "Write your code and account down somewhere safe.",
        ),
    ),
    DeviceKind.TABLET: (
        Text("Chargez-la avec un chargeur en bon état.", "Charge it with a charger in good order."),
        Text("Ne la laissez pas longtemps à 0 %.", "Do not leave it at 0 % for long."),
        Text("Gardez-la loin de l’eau et de la chaleur.", "Keep it away from water and heat."),
        Text("Une housse évite la casse de l’écran.", "A cover prevents a broken screen."),
        Text("Acceptez les mises à jour : elles la protègent.", "Accept updates: they protect it."),
    ),
    DeviceKind.LAPTOP: (
        Text(
            "Posez-le sur une table, pas sur un lit : il doit respirer.",
            "Put it on a table, not on a bed: it needs air.",
        ),
        Text(
            "Fermez l’écran doucement, sans rien sur le clavier.",
            "Close the lid gently, with nothing on the keyboard.",
        ),
        Text("Pas de boisson à côté du clavier.", "No drinks next to the keyboard."),
        Text(
            "Débranchez le chargeur par la prise, pas par le câble.",
            "Unplug by the plug, not the cable.",
        ),
        Text("Acceptez les mises à jour : elles le protègent.", "Accept updates: they protect it."),
    ),
    DeviceKind.DESKTOP: (
        Text(
            "Laissez de la place autour pour l’air ; dépoussiérez les grilles.",
            "Leave room around it for air; dust the vents.",
        ),
        Text(
            "Éteignez-le par le menu avant de couper le courant.",
            "Shut it down from the menu before switching the power off.",
        ),
        Text(
            "Branchez-le sur une multiprise avec parafoudre.",
            "Plug it into a surge-protected strip.",
        ),
        Text("Acceptez les mises à jour : elles le protègent.", "Accept updates: they protect it."),
    ),
    DeviceKind.DRIVE: (
        Text(
            "Évitez les chocs, surtout quand il tourne.", "Avoid knocks, above all while it runs."
        ),
        Text(
            "Cliquez sur « Éjecter » avant de le débrancher.", "Click “Eject” before unplugging it."
        ),
        Text(
            "Gardez une deuxième copie de vos fichiers importants.",
            "Keep a second copy of your important files.",
        ),
    ),
}


@dataclass(frozen=True)
class TestLine:
    title: Text
    status: StepStatus


@dataclass(frozen=True)
class HandoverSheet:
    device: Device
    os: str
    grade: Grade | None
    tests: list[TestLine]
    erasure_result: str | None
    certificate: str
    outcome: Outcome | None
    handed_on: date
    settings: Settings
    # A loan's or rental's sheet: signed (on screen, on paper, or later), and the picture
    # of the signature when the data folder keeps it (printed in the signature box).
    signed: bool = False
    signature: bytes | None = None

    @property
    def training(self) -> bool:
        return self.device.training

    @property
    def warranty_until(self) -> date | None:
        months = self.settings.warranty_months
        return _add_months(self.handed_on, months) if months else None


def gather_handover(
    store: Store,
    device: Device,
    settings: Settings,
    data_folder: Path | None = None,
    today: date | None = None,
) -> HandoverSheet:
    """Reads what the sheet says about one device: its latest grade, outcome and erasure, and
    the latest verdict of every test of its diagnostic jobs (erasure and installation jobs are
    left out: the erasure has its own line, an installation tests nothing)."""
    from bench_app.jobs.pipelines import default_pipelines  # step titles live with pipelines

    registry = default_pipelines(data_folder)
    tests: dict[str, TestLine] = {}
    for job in queries.jobs_for_device(store, device.id):
        pipeline = registry.get(job.pipeline)
        if pipeline is None or pipeline.purpose is not Purpose.TESTS:
            continue
        titles = {s.id: s.title for s in pipeline.steps()} if pipeline else {}
        for step in queries.step_results(store, job.id):
            title = titles.get(step.step_id, Text(step.step_id, step.step_id))
            tests.pop(step.step_id, None)  # a later job's verdict replaces, in its order
            tests[step.step_id] = TestLine(title, step.status)
    erasure = latest_erasure(store, device.id)
    result = erasure["result"] if erasure else None
    outcome = queries.latest_outcome(store, device.id)
    outcome_at = report_queries.latest_outcome_at(store, device.id) if outcome else None
    handed_on = (
        datetime.fromisoformat(outcome_at.replace("Z", "+00:00")).astimezone().date()
        if outcome_at
        else today or date.today()
    )
    signed, signature = _signature(store, device, data_folder)
    return HandoverSheet(
        device=device,
        os=operating_system(store, device),
        grade=queries.latest_grade(store, device.id),
        tests=list(tests.values()),
        erasure_result=result,
        certificate=certificate_for(erasure["erasure_id"] if erasure else None, result),
        outcome=outcome,
        handed_on=handed_on,
        settings=settings,
        signed=signed,
        signature=signature,
    )


def _signature(store: Store, device: Device, folder: Path | None) -> tuple[bool, bytes | None]:
    """Whether the loan of the device's current outcome has its sheet signed, and the
    signature's picture when the data folder holds it unchanged (else None)."""
    from bench_app.loans import has_picture, picture_path

    row = store.query_one(
        "SELECT l.signed, l.signature_sha256 FROM loans l WHERE l.event_id = (SELECT o.event_id"
        " FROM outcomes o WHERE o.device_id = ? ORDER BY o.at DESC, o.rowid DESC LIMIT 1)",
        (device.id,),
    )
    if row is None:
        return False, None
    signed, digest = bool(row[0]), str(row[1])
    if folder is None or not digest or not has_picture(folder, digest):
        return signed, None
    return signed, picture_path(folder, digest).read_bytes()


def operating_system(store: Store, device: Device) -> str:
    """The installed system: the last `device.os_installed` fact when there is one, else
    what the device said of itself."""
    for event in reversed(queries.events(store, device.id)):
        if event.type == "device.os_installed":
            name = event.payload.get("name") or event.payload.get("os")
            if isinstance(name, str) and name:
                version = event.payload.get("os_version") or event.payload.get("version") or ""
                return f"{name} {version}".strip()
    d = device.details
    android = f"Android {d['android_version']}" if d.get("android_version") else ""
    if d.get("os_flavour"):
        name = f"{d['os_flavour']} {d.get('os_version') or ''}".strip()
        return f"{name} ({android})" if android else name
    if d.get("os"):
        return str(d["os"])
    return android


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def terms(sheet: HandoverSheet) -> list[Text]:
    """Return and warranty terms: a loan or a rental comes back; the warranty's end date."""
    org = sheet.settings.organisation or "l’atelier"
    org_en = sheet.settings.organisation or "the workshop"
    out: list[Text] = []
    o = sheet.outcome
    ref = f" (réf. {o.reference})" if o and o.reference else ""
    ref_en = f" (ref. {o.reference})" if o and o.reference else ""
    if o is not None and o.kind is OutcomeKind.LOAN:
        out.append(
            Text(
                f"Cet appareil vous est prêté{ref} : il reste à {org}. "
                "Rapportez-le à la fin du prêt.",
                f"This device is lent to you{ref_en}: it stays {org_en}’s. "
                "Bring it back when the loan ends.",
            )
        )
    elif o is not None and o.kind is OutcomeKind.RENTAL:
        out.append(
            Text(
                f"Cet appareil vous est loué{ref} : il reste à {org}. "
                "Rapportez-le à la fin de la location.",
                f"This device is rented to you{ref_en}: it stays {org_en}’s. "
                "Bring it back when the rental ends.",
            )
        )
    if o is not None and o.kind in (OutcomeKind.LOAN, OutcomeKind.RENTAL):
        if o.note:
            out.append(Text(f"Retour : {o.note}", f"Return: {o.note}"))
    elif o is not None and o.kind in (OutcomeKind.DONATION, OutcomeKind.SALE):
        out.append(Text(f"Cet appareil est à vous{ref}.", f"This device is yours{ref_en}."))
    until = sheet.warranty_until
    if until is not None:
        n = sheet.settings.warranty_months
        out.append(
            Text(
                f"Garantie : {n} mois, jusqu’au {day_text(until, 'fr')}. En cas de panne, rapportez-le "
                "avec cette fiche ; ne le faites pas réparer ailleurs pendant la garantie.",
                f"Warranty: {n} months, until {until.isoformat()}. If it breaks down, bring it "
                "back with this sheet; do not have it repaired elsewhere during the warranty.",
            )
        )
    else:
        out.append(Text("Cet appareil n’a pas de garantie.", "This device has no warranty."))
    return out


def handover_pdf(sheet: HandoverSheet) -> bytes:
    """The sheet as PDF bytes: one A4 page, French with the English below in grey."""
    s = pdf_style.styles()
    en = ParagraphStyle("en", parent=s.small, fontSize=8, leading=10)
    d = sheet.device
    story: list[Any] = []

    def both(text: Text, style: ParagraphStyle = s.body) -> None:
        story.append(Paragraph(escape(text.fr), style))
        story.append(Paragraph(escape(text.en), en))

    def heading(fr: str, en_text: str) -> None:
        story.append(
            Paragraph(f"{escape(fr)} <font color='#5b6b77'>· {escape(en_text)}</font>", s.heading)
        )

    story.append(
        Paragraph("Fiche de remise <font size=11 color='#5b6b77'>· Handover sheet</font>", s.title)
    )
    kind = KIND_LABELS[d.kind]
    ident = [
        (Text("Appareil", "Device"), f"{d.label} — {kind.fr} / {kind.en}"),
        (Text("Code", "Asset code"), d.asset_code),
    ]
    if d.serial:
        ident.append((Text("N° de série", "Serial number"), d.serial))
    if d.imei:
        ident.append((Text("IMEI", "IMEI"), d.imei))
    ident.append((Text("Système", "System"), sheet.os or "—"))
    if sheet.grade is not None:
        g = sheet.grade
        ident.append(
            (
                Text("Note", "Grade"),
                f"{g.workshop_grade}  (fonctionnel / functional {g.functional}, "
                f"aspect / cosmetic {g.cosmetic}/9)",
            )
        )
    erasure = erasure_text(sheet.erasure_result)
    erased = f"{erasure.fr} / {erasure.en}"
    if sheet.certificate:
        erased += f" — {sheet.certificate}"
    ident.append((Text("Effacement", "Erasure"), erased))
    if sheet.outcome is not None:
        label = OUTCOME_LABELS[sheet.outcome.kind]
        ident.append(
            (
                Text("Remis le", "Handed over on"),
                f"{day_text(sheet.handed_on, 'fr')} — {label.fr} / {label.en}",
            )
        )
    rows = [
        [
            Paragraph(
                f"<b>{escape(k.fr)}</b> <font size=7 color='#5b6b77'>{escape(k.en)}</font>", s.body
            ),
            Paragraph(escape(v), s.body),
        ]
        for k, v in ident
    ]
    story.append(
        Table(
            rows,
            colWidths=[40 * mm, 136 * mm],
            hAlign="LEFT",
            style=TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LINEBELOW", (0, 0), (-1, -1), 0.25, pdf_style.RULE),
                    ("LEFTPADDING", (0, 0), (-1, -1), 2),
                    ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
                ]
            ),
        )
    )

    heading("Ce qui a été testé", "What was tested")
    if sheet.tests:
        story.append(_tests_table(sheet.tests, s.body))
    else:
        both(Text("Aucun test enregistré pour cet appareil.", "No test recorded for this device."))

    heading("Prendre soin de l’appareil", "Taking care of it")
    for line in CARE[d.kind]:
        story.append(
            Paragraph(
                f"• {escape(line.fr)} <font color='#5b6b77' size=8>— {escape(line.en)}</font>",
                s.body,
            )
        )

    heading("Retour et garantie", "Return and warranty")
    for line in terms(sheet):
        both(line)

    st = sheet.settings
    contact = [p for p in (st.organisation, st.organisation_address, st.organisation_contact) if p]
    call: list[Any] = [
        Paragraph(f"<b>{escape(e)}</b>" if e == st.organisation else escape(e), s.body)
        for e in contact or ["—"]
    ]
    code = Text(
        f"Donnez ce code quand vous appelez : {d.asset_code}.",
        f"Give this code when you call: {d.asset_code}.",
    )
    call += [Paragraph(escape(code.fr), s.small), Paragraph(escape(code.en), en)]
    lent = sheet.outcome is not None and sheet.outcome.kind in (
        OutcomeKind.LOAN,
        OutcomeKind.RENTAL,
    )
    if not lent:
        heading("Qui appeler", "Who to call")
        story += call
    else:
        # Side by side, so that a sheet with many tests stays on one page.
        head = ParagraphStyle("side", parent=s.heading, spaceBefore=0)
        sign = "Signature du bénéficiaire <font color='#5b6b77'>· Beneficiary's signature</font>"
        who = "Qui appeler <font color='#5b6b77'>· Who to call</font>"
        story.append(
            Table(
                [
                    [
                        [Paragraph(who, head), *call],
                        [Paragraph(sign, head), *_signature_box(sheet, en)],
                    ]
                ],
                colWidths=[92 * mm, 84 * mm],
                hAlign="LEFT",
                style=TableStyle(
                    [
                        ("VALIGN", (0, 0), (-1, -1), "TOP"),
                        ("LEFTPADDING", (0, 0), (-1, -1), 0),
                    ]
                ),
            )
        )

    footer = f"Établi — Fiche de remise / Handover sheet — {d.asset_code} — {sheet.handed_on.isoformat()}"
    if st.station_name.strip():  # the station by its name, never by its id
        footer += f" — {st.station_name.strip()}"
    return pdf_style.a4_pdf(
        story,
        organisation=st.organisation,
        footer=footer,
        training=sheet.training,
        title=f"Fiche de remise {d.asset_code}",
        author=st.organisation,
    )


SIGNATURE_WIDTH = 70 * mm
SIGNATURE_HEIGHT = 13 * mm


def _signature_box(sheet: HandoverSheet, note: ParagraphStyle) -> list[Any]:
    """The signature's picture when it is kept (drawn on screen or photographed), else a
    box to sign in; under it, in words, which of the three it is (signed on paper too)."""
    drawn: Any = ""
    if sheet.signature is not None:
        picture = ImageReader(io.BytesIO(sheet.signature))
        width, height = picture.getSize()
        scale = min(SIGNATURE_WIDTH / width, SIGNATURE_HEIGHT / height)
        drawn = Image(io.BytesIO(sheet.signature), width=width * scale, height=height * scale)
        words = Text(
            "Signée (image gardée par l’atelier).", "Signed (picture kept by the workshop)."
        )
    elif sheet.signed:
        words = Text("Signée sur papier.", "Signed on paper.")
    else:
        words = Text("À signer ici.", "To sign here.")
    box = Table(
        [[drawn]],
        colWidths=[SIGNATURE_WIDTH + 4 * mm],
        rowHeights=[SIGNATURE_HEIGHT + 2 * mm],
        hAlign="LEFT",
        style=TableStyle(
            [
                ("BOX", (0, 0), (0, 0), 0.5, pdf_style.RULE),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("ALIGN", (0, 0), (0, 0), "CENTER"),
            ]
        ),
    )
    said = f"{escape(words.fr)} <font color='#5b6b77'>— {escape(words.en)}</font>"
    return [box, Paragraph(said, note)]


def _tests_table(tests: list[TestLine], body: ParagraphStyle) -> Table:
    """Two columns of tests, each with its verdict; failures in red."""
    half = (len(tests) + 1) // 2
    columns = [tests[:half], tests[half:]]
    cell = ParagraphStyle("test", parent=body, fontSize=7.5, leading=9)
    rows: list[list[Any]] = []
    style: list[tuple[Any, ...]] = [
        ("FONTNAME", (0, 0), (-1, -1), pdf_style.FONT),
        ("FONTSIZE", (0, 0), (-1, -1), 7),
        ("LEADING", (0, 0), (-1, -1), 9.5),
        ("TEXTCOLOR", (0, 0), (-1, -1), pdf_style.INK),
        ("LINEBELOW", (0, 0), (-1, -1), 0.25, pdf_style.RULE),
        ("TOPPADDING", (0, 0), (-1, -1), 1.2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.2),
        ("LEFTPADDING", (0, 0), (-1, -1), 2),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]
    colour = {
        StepStatus.PASSED: pdf_style.GOOD,
        StepStatus.FAILED: pdf_style.BAD,
        StepStatus.WARNING: colors.HexColor("#9a6700"),
        StepStatus.NOT_PRESENT: pdf_style.MUTED,
        StepStatus.SKIPPED: pdf_style.MUTED,
    }
    for i in range(half):
        row: list[str] = []
        for c, column in enumerate(columns):
            if i < len(column):
                t = column[i]
                label = STEP_STATUS_LABELS[t.status]
                name = f"{escape(t.title.fr)} <font color='#5b6b77'>· {escape(t.title.en)}</font>"
                row += [Paragraph(name, cell), f"{label.fr} · {label.en}"]
                style.append(("TEXTCOLOR", (c * 2 + 1, i), (c * 2 + 1, i), colour[t.status]))
                style.append(("FONTNAME", (c * 2 + 1, i), (c * 2 + 1, i), pdf_style.FONT_BOLD))
            else:
                row += ["", ""]
        rows.append(row)
    return Table(rows, colWidths=[55 * mm, 33 * mm, 55 * mm, 33 * mm], hAlign="LEFT", style=style)


def write_handover(sheet: HandoverSheet, path: Path) -> None:
    """Writes the sheet as a PDF (the only format a beneficiary is given)."""
    from bench_app.errors import BenchError

    if Path(path).suffix.lower() != ".pdf":
        raise BenchError("REPORT_FORMAT", path=str(path), formats=".pdf")
    write_atomically(Path(path), handover_pdf(sheet))
