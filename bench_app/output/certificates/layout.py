"""The page of a certificate: the section of one device (verdict, facts, passes,
verification, signature and QR code) and the summary page of a lot, as reportlab flowables.
A failure reads as a failure: a large red "NON EFFACÉ / NOT ERASED" with the reasons, no green,
never the word certify."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    KeepTogether,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.flowables import Flowable as BaseFlowable

from bench_app.erasure.wording import (
    check_words,
    encryption_words,
    model_words,
    value_words,
)
from bench_app.output.certificates.document import (
    CELL_CHARS,
    FAILURE_BANNER,
    HALF_CELL_CHARS,
    IDENTIFIERS,
    SUCCESS_LINE,
    failure_reasons,
    fit,
    identifier_text,
    is_success,
    verdict_line,
)
from bench_app.output.certificates.qr import qr_text
from bench_app.output.formatting import (
    duration_text,
    grouped,
    rate_text,
    size_text,
    when_text,
    yes_no,
)
from bench_app.output.pdf_style import (
    BAD,
    FONT,
    FONT_BOLD,
    FRAME_WIDTH,
    GOOD,
    MUTED,
    RULE,
    styles,
)
from bench_app.output.qr_matrix import qr_matrix
from bench_app.text import Text

BAD_FILL = colors.HexColor("#fbe9e7")
GOOD_FILL = colors.HexColor("#e8f3ec")


class QrCode(BaseFlowable):
    """A QR code drawn as one 1-bit image mask (a stencil painted in black), one sample per
    module, not smoothed. The text is made and encoded when the code is first laid out, so a
    page built without it pays nothing for it.

    A mask rather than a rectangle per run of dark modules: the thousands of runs of a
    certificate's code cost milliseconds to format and to deflate, the mask about 2 KB of
    packed bits made in C (bytes.translate, int from base 2)."""

    def __init__(self, text: str | Callable[[], str], size: float) -> None:
        super().__init__()
        self._text = text
        self._matrix: list[bytes] | None = None
        self.size = size
        self.width = self.height = size

    @property
    def matrix(self) -> list[bytes]:
        if self._matrix is None:
            text = self._text if isinstance(self._text, str) else self._text()
            self._matrix = qr_matrix(text, error="m")
        return self._matrix

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return self.size, self.size

    def draw(self) -> None:
        matrix = self.matrix
        width = len(matrix)
        unit = self.size / (width + 8)  # four modules of quiet zone on each side
        c = self.canv
        c.saveState()
        c.setFillColor(colors.black)
        # The image's unit square, scaled to the modules and set inside the quiet zone.
        c.transform(unit * width, 0, 0, unit * width, 4 * unit, 4 * unit)
        c.addLiteral(
            f"BI /W {width} /H {width} /IM true /BPC 1 /D [1 0] /F /AHx ID\n"
            f"{_packed_bits(matrix).hex()}>\nEI"
        )
        c.restoreState()


_BIT_DIGITS = bytes.maketrans(b"\x00\x01", b"01")


def _packed_bits(matrix: list[bytes]) -> bytes:
    """The rows of 0/1 modules as image samples of 1 bit, each row padded to whole bytes
    (the first row is the image's top)."""
    width = len(matrix)
    row_bytes = (width + 7) // 8
    pad = b"\x00" * (row_bytes * 8 - width)
    digits = b"".join(row + pad for row in matrix).translate(_BIT_DIGITS)
    return int(digits, 2).to_bytes(row_bytes * width, "big")


# -- rendering ---------------------------------------------------------------------------------

T = Text

TARGET_LABELS: dict[str, Text] = {
    "kind": T("Nature", "Kind"),
    "brand": T("Marque", "Brand"),
    "manufacturer": T("Fabricant", "Manufacturer"),
    "model": T("Modèle", "Model"),
    "serial": T("N° de série", "Serial number"),
    "imei": T("IMEI", "IMEI"),
    "imei2": T("IMEI 2", "IMEI 2"),
    "size_bytes": T("Capacité", "Capacity"),
    "storage_bytes": T("Stockage", "Storage"),
    "logical_sector": T("Secteur logique", "Logical sector"),
    "physical_sector": T("Secteur physique", "Physical sector"),
    "transport": T("Branchement", "Connection"),
    "media": T("Support", "Medium"),
    "wwn": T("WWN", "WWN"),
    "firmware": T("Micrologiciel", "Firmware"),
    "path": T("Chemin", "Path"),
    "image_file": T("Fichier image", "Image file"),
    "marketing_name": T("Nom commercial", "Marketing name"),
    "device": T("Nom de code", "Code name"),
    "build": T("Version du système", "System build"),
    "encryption": T("Chiffrement", "Encryption"),
    "encrypted": T("Chiffré", "Encrypted"),
    "android_version": T("Version d’Android", "Android version"),
    "os": T("Système", "Operating system"),
}

HIDDEN_STATES: dict[str, Text] = {
    "none": T("aucune zone cachée (HPA/DCO)", "no hidden area (HPA/DCO)"),
    "hpa_removed": T("zone HPA supprimée avant l’effacement", "HPA removed before erasure"),
    "hpa_kept": T("zone HPA gardée : NON effacée", "HPA kept: NOT erased"),
    "dco_kept": T("zone DCO présente : NON effacée", "DCO present: NOT erased"),
    "not_applicable": T("sans objet pour ce support", "not applicable to this medium"),
    "not_checked": T(
        "non vérifiables sur ce branchement", "could not be checked on this connection"
    ),
}

KIND_LABELS: dict[str, Text] = {
    "phone": T("Téléphone", "Phone"),
    "tablet": T("Tablette", "Tablet"),
    "laptop": T("Ordinateur portable", "Laptop"),
    "desktop": T("Ordinateur fixe", "Desktop"),
    "drive": T("Disque", "Drive"),
}

DONOR_KINDS: dict[str, Text] = {
    "company": T("entreprise", "company"),
    "public_body": T("organisme public", "public body"),
    "association": T("association", "association"),
    "private_person": T("particulier", "private person"),
}


def _value_text(key: str, value: Any, lang: str) -> str:
    if isinstance(value, bool):
        return yes_no(value, lang)
    if isinstance(value, int) and key.endswith("bytes"):
        return size_text(value, lang)
    if isinstance(value, int) and key.endswith("sector"):
        return f"{value} {'octets' if lang == 'fr' else 'bytes'}"
    if isinstance(value, dict) and set(value) <= {"fr", "en"}:
        return Text.from_json(value).get(lang)
    if key == "encryption" and isinstance(value, dict):
        return encryption_words(value).get(lang)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_value_text(k, v, lang)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(_value_text(key, v, lang) for v in value)
    if value is None or value == "":
        return "—"
    if key in IDENTIFIERS:
        return identifier_text(value)
    return str(value)


def _brand_model(device: dict[str, Any], lang: str) -> str:
    """ "Fairphone FP4"; a drive that is an image file says so in the page's language."""
    model = model_words(str(device.get("model") or "")).get(lang)
    return f"{device.get('brand') or ''} {model}".strip()


def _label(key: str, lang: str) -> str:
    known = TARGET_LABELS.get(key)
    return known.get(lang) if known else key.replace("_", " ").capitalize()


class _Page:
    """The paragraphs and tables of one language, over the shared styles."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.s = styles()
        self.cell = ParagraphStyle("cell", parent=self.s.body, fontSize=8.5, leading=10.5)
        self.cell_label = ParagraphStyle(
            "cell_label", parent=self.cell, fontName=FONT_BOLD, textColor=MUTED
        )
        self.cell_bad = ParagraphStyle("cell_bad", parent=self.cell, textColor=BAD)
        self.banner_bad = ParagraphStyle(
            "banner_bad",
            parent=self.s.body,
            fontName=FONT_BOLD,
            fontSize=24,
            leading=29,
            textColor=BAD,
        )
        self.banner_good = ParagraphStyle(
            "banner_good",
            parent=self.s.body,
            fontName=FONT_BOLD,
            fontSize=20,
            leading=25,
            textColor=GOOD,
        )

    def t(self, fr: str, en: str) -> str:
        return en if self.lang == "en" else fr

    def p(
        self, text: str, style: ParagraphStyle | None = None, limit: int = CELL_CHARS
    ) -> Paragraph:
        return Paragraph(escape(fit(text, limit)), style or self.cell)

    def pairs(
        self, rows: Iterable[tuple[str, str]], width: float, bad_rows: tuple[int, ...] = ()
    ) -> Table:
        limit = HALF_CELL_CHARS if width < FRAME_WIDTH * 0.75 else CELL_CHARS
        data = [
            [
                self.p(k, self.cell_label, limit),
                self.p(v, self.cell_bad if i in bad_rows else None, limit),
            ]
            for i, (k, v) in enumerate(rows)
        ]
        table = Table(data, colWidths=[width * 0.4, width * 0.6], hAlign="LEFT")
        table.setStyle(
            TableStyle(
                [
                    ("FONTNAME", (0, 0), (-1, -1), FONT),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LEFTPADDING", (0, 0), (-1, -1), 2),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 4),
                    ("TOPPADDING", (0, 0), (-1, -1), 1),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
                ]
            )
        )
        return table

    def heading(self, fr: str, en: str) -> Paragraph:
        return Paragraph(escape(self.t(fr, en)), self.s.heading)


def device_flowables(
    document: dict[str, Any], envelope: dict[str, Any], lang: str
) -> list[Flowable]:
    """The section of one device: verdict, facts, passes, verification and signature."""
    page = _Page(lang)
    t = page.t
    ok = is_success(document)
    erasure = document["erasure"]
    device = document["device"]
    out: list[Flowable] = []
    if ok:
        title = t("Certificat d’effacement de données", "Data erasure certificate")
    else:
        title = t("Rapport d’effacement — échec", "Erasure report — failed")
    out.append(Paragraph(escape(title), page.s.title))
    out.append(
        page.p(
            f"{t('Référence', 'Reference')} {document['reference']}  ·  "
            f"{t('Appareil', 'Device')} {device['asset_code']}  ·  "
            f"{t('Émis le', 'Issued')} {when_text(document['issued_at'], lang)}",
            page.s.small,
        )
    )
    out.append(Spacer(1, 3 * mm))
    out.append(_verdict_box(page, document))
    out.append(Spacer(1, 2 * mm))

    half = FRAME_WIDTH / 2 - 3 * mm
    org = document["organisation"]
    station = document["station"]
    left = [
        (t("Organisation", "Organisation"), org.get("name") or "—"),
        (t("Adresse", "Address"), org.get("address") or "—"),
        (t("Contact", "Contact"), org.get("contact") or "—"),
        (t("Poste", "Station"), station.get("name") or station["id"]),
        (t("Opérateur(s)", "Operator(s)"), ", ".join(document.get("operators") or []) or "—"),
    ]
    donor = document.get("donor")
    lot = document.get("lot")
    right = [
        (
            t("Donateur", "Donor"),
            f"{donor['name']} ({DONOR_KINDS.get(donor['kind'], T(donor['kind'], donor['kind'])).get(lang)})"
            if donor
            else "—",
        ),
        (t("Lot", "Lot"), lot["id"] if lot else "—"),
        (t("Reçu le", "Received on"), lot["received_on"] if lot else "—"),
        (t("Convention", "Agreement"), (lot or {}).get("agreement_ref") or "—"),
    ]
    out.append(_two_columns(page.pairs(left, half), page.pairs(right, half)))

    out.append(page.heading("Appareil et support effacé", "Device and erased medium"))
    kind = KIND_LABELS.get(device["kind"], T(device["kind"], device["kind"])).get(lang)
    dev_rows = [
        (t("Code d’inventaire", "Asset code"), device["asset_code"]),
        (t("Nature", "Kind"), kind),
        (t("Marque et modèle", "Brand and model"), _brand_model(device, lang)),
    ]
    if device.get("serial"):
        dev_rows.append((t("N° de série", "Serial number"), identifier_text(device["serial"])))
    if device.get("imei"):
        dev_rows.append(("IMEI", identifier_text(device["imei"])))
    computer = document.get("computer")
    if isinstance(computer, dict):  # a disk erased in its laptop, or taken out of a computer
        dev_rows.append(
            (
                t("Disque de l’ordinateur", "Disk of the computer"),
                f"{computer['asset_code']}  {_brand_model(computer, lang)}  "
                f"{t('n°', 'serial')} {identifier_text(computer.get('serial') or '—')}",
            )
        )
    target = erasure.get("target") or {}
    # The medium's own fields, less what the device lines above already say.
    medium_rows = [
        (_label(k, lang), _value_text(k, v, lang))
        for k, v in target.items()
        if v not in (None, "") and k != "path" and not (k in device and device[k] == v)
    ]
    hidden = erasure.get("hidden_areas") or {}
    if hidden:
        state = hidden.get("state", "")
        medium_rows.append(
            ("HPA/DCO", HIDDEN_STATES.get(state, T(state or "—", state or "—")).get(lang))
        )
        hpa = hidden.get("hpa") or {}
        if hpa.get("native_sectors"):
            medium_rows.append(
                (
                    t("Secteurs visibles / natifs", "Visible / native sectors"),
                    f"{hpa.get('visible_sectors')} / {hpa.get('native_sectors')}",
                )
            )
    out.append(_two_columns(page.pairs(dev_rows, half), page.pairs(medium_rows, half)))

    out.append(page.heading("Méthode", "Method"))
    limitation = erasure.get("limitation")
    method_rows = [
        (t("Norme", "Standard"), value_words(erasure["standard"]).get(lang)),
        (
            t("Technique", "Technique"),
            f"{value_words(erasure['technique']).get(lang)} "
            f"({value_words(erasure['method']).get(lang)})",
        ),
        (
            t("Vérification", "Verification"),
            value_words(erasure.get("verify_mode") or "—").get(lang),
        ),
        (t("Passages", "Passes"), str(len(erasure.get("passes") or []))),
    ]
    if limitation:
        method_rows.append((t("Limite", "Limitation"), Text.from_json(limitation).get(lang)))
    times = [
        (t("Début", "Start"), when_text(erasure.get("started_at"), lang)),
        (t("Fin", "End"), when_text(erasure.get("finished_at"), lang)),
        (t("Durée", "Duration"), duration_text(erasure.get("duration_seconds"), lang)),
        (
            t("Écrit", "Written"),
            size_text(int(erasure.get("bytes_written") or 0), lang),
        ),
        (t("Débit", "Throughput"), rate_text(erasure.get("throughput_bps"), lang)),
        (t("Zones en erreur", "Error ranges"), str(erasure.get("error_ranges", 0))),
    ]
    out.append(_two_columns(page.pairs(method_rows, half), page.pairs(times, half)))

    if erasure.get("passes"):
        out.append(page.heading("Passages", "Passes"))
        out.append(_passes_table(page, erasure["passes"]))
    if erasure.get("interruptions"):
        out.append(page.heading("Interruptions", "Interruptions"))
        rows = []
        for i in erasure["interruptions"]:
            rows.append(
                (
                    when_text(i.get("at"), lang),
                    t(
                        f"{i.get('reason') or '?'} ; dernier point sûr à "
                        f"{size_text(int(i.get('last_checkpoint_bytes') or 0), lang)} ; "
                        f"repris : {when_text(i.get('resumed_at'), lang) if i.get('resumed_at') else 'non'}",
                        f"{i.get('reason') or '?'}; last safe point at "
                        f"{size_text(int(i.get('last_checkpoint_bytes') or 0), lang)}; "
                        f"resumed: {when_text(i.get('resumed_at'), lang) if i.get('resumed_at') else 'no'}",
                    ),
                )
            )
        out.append(page.pairs(rows, FRAME_WIDTH))
    out.append(page.heading("Vérification", "Verification"))
    out.append(_verification_block(page, erasure.get("verification")))
    out.append(Spacer(1, 2 * mm))
    out.append(CondPageBreak(45 * mm))
    out.append(_signature_block(page, document, envelope))
    return out


def _two_columns(left: Flowable, right: Flowable) -> Table:
    table = Table([[left, right]], colWidths=[FRAME_WIDTH / 2, FRAME_WIDTH / 2], hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), FONT),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return table


def _verdict_box(page: _Page, document: dict[str, Any]) -> Table:
    t = page.t
    org = document["organisation"].get("name") or t("l’organisation", "the organisation")
    erasure = document["erasure"]
    standard = value_words(erasure["standard"]).get(page.lang)
    technique = value_words(erasure["technique"]).get(page.lang)
    verify = value_words(erasure.get("verify_mode") or "—").get(page.lang)
    if is_success(document):
        rows: list[list[Any]] = [
            [Paragraph(escape(verdict_line(document)), page.banner_good)],
            [
                page.p(
                    t(
                        f"{org} certifie que les données du support décrit ci-dessous ont été "
                        f"effacées selon {standard} ({technique}), et que "
                        f"l’effacement a été vérifié ({verify}).",
                        f"{org} certifies that the data on the medium described below was erased "
                        f"according to {standard} ({technique}), and that "
                        f"the erasure was verified ({verify}).",
                    ),
                    page.s.body,
                )
            ],
        ]
        fill, edge = GOOD_FILL, GOOD
    else:
        rows = [
            [Paragraph(FAILURE_BANNER, page.banner_bad)],
            [
                page.p(
                    t(
                        "Les données de ce support N’ONT PAS été effacées de façon complète et "
                        "vérifiée. L’appareil ne doit pas quitter l’atelier en l’état.",
                        "The data on this medium has NOT been completely and verifiably erased. "
                        "The device must not leave the workshop as it is.",
                    ),
                    page.s.body,
                )
            ],
        ]
        for reason in failure_reasons(document):
            rows.append([page.p("• " + reason.get(page.lang), page.cell_bad)])
        fill, edge = BAD_FILL, BAD
    return result_box(rows, fill, edge, top=6)


def result_box(
    rows: list[list[Flowable]], fill: Any, edge: Any, *, top: float | None = None
) -> Table:
    """The framed box that says a document's result: `rows` (its banner first) on `fill`,
    edged with `edge`; `top`: more room above the banner."""
    style = [
        ("FONTNAME", (0, 0), (-1, -1), FONT),
        ("BACKGROUND", (0, 0), (-1, -1), fill),
        ("BOX", (0, 0), (-1, -1), 1.6, edge),
        ("LEFTPADDING", (0, 0), (-1, -1), 8),
        ("BOTTOMPADDING", (0, -1), (-1, -1), 6),
    ]
    if top is not None:
        style.insert(4, ("TOPPADDING", (0, 0), (0, 0), top))
    table = Table(rows, colWidths=[FRAME_WIDTH], hAlign="LEFT")
    table.setStyle(TableStyle(style))
    return table


def _passes_table(page: _Page, passes: list[dict[str, Any]]) -> Table:
    t = page.t
    lang = page.lang
    head = [
        t("N°", "No."),
        t("Motif", "Pattern"),
        t("Plage (octets)", "Range (bytes)"),
        t("Écrit", "Written"),
        t("Durée", "Duration"),
        t("Débit", "Throughput"),
        t("Erreurs", "Errors"),
        t("Complet", "Complete"),
    ]
    data: list[list[Any]] = [[page.p(h, page.cell_label) for h in head]]
    for p in passes:
        errors = int(p.get("error_ranges") or 0)
        listed = "; ".join(
            f"{e.get('first_sector')}–{e.get('last_sector')} ({e.get('kind', '')})"
            for e in p.get("errors") or []
        )
        resumed = p.get("resumed_at_bytes") or []
        complete = yes_no(bool(p.get("completed")), lang)
        if resumed:
            complete += t(
                f", repris à {', '.join(grouped(int(b), lang) for b in resumed)}",
                f", resumed at {', '.join(grouped(int(b), lang) for b in resumed)}",
            )
        row = [
            page.p(str(p.get("pass_no", ""))),
            page.p(value_words(p.get("pattern", "")).get(lang)),
            page.p(
                f"{grouped(int(p.get('start_byte', 0)), lang)}–{grouped(int(p.get('end_byte', 0)), lang)}"
            ),
            page.p(size_text(int(p.get("bytes") or 0), lang).split(" (")[0]),
            page.p(duration_text(p.get("seconds"), lang)),
            page.p(rate_text(p.get("throughput_bps"), lang)),
            page.p(
                f"{errors}" + (t(f" : {listed}", f": {listed}") if listed else ""),
                page.cell_bad if errors else page.cell,
            ),
            page.p(complete, page.cell if p.get("completed") else page.cell_bad),
        ]
        data.append(row)
    widths = [0.05, 0.12, 0.19, 0.1, 0.09, 0.12, 0.18, 0.15]
    table = Table(data, colWidths=[FRAME_WIDTH * w for w in widths], hAlign="LEFT", repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), FONT),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, 0), 0.6, RULE),
                ("LEFTPADDING", (0, 0), (-1, -1), 2),
                ("RIGHTPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    return table


def _verification_block(page: _Page, verification: Any) -> Flowable:
    t = page.t
    lang = page.lang
    if not isinstance(verification, dict):
        return page.p(
            t("Aucune vérification n’a été faite.", "No verification was done."), page.cell_bad
        )
    ok = verification.get("ok") is True
    left: list[tuple[str, str]] = [
        (t("Résultat", "Result"), t("conforme", "as expected") if ok else t("ÉCHEC", "FAILED")),
        (t("Mode", "Mode"), value_words(verification.get("mode") or "—").get(lang)),
    ]
    right: list[tuple[str, str]] = []
    if "bytes_checked" in verification:
        left.append((t("Relu", "Read back"), size_text(int(verification["bytes_checked"]), lang)))
    if verification.get("mode") != "full" and verification.get("regions"):
        left.append((t("Zones relues", "Regions read"), str(verification["regions"])))
    if "seconds" in verification:
        left.append((t("Durée", "Duration"), duration_text(verification["seconds"], lang)))
    if "throughput_bps" in verification:
        left.append((t("Débit", "Throughput"), rate_text(verification["throughput_bps"], lang)))
    counted = {
        "mismatch_ranges": t("Zones différentes", "Ranges that differ"),
        "read_errors_count": t("Zones illisibles", "Unreadable ranges"),
        "markers_left": t("Marques restées", "Markers left"),
    }
    for key, label in counted.items():
        if key in verification:
            right.append((label, _value_text(key, verification[key], lang)))
    listed = {
        "mismatches": t("Secteurs différents", "Sectors that differ"),
        "read_errors": t("Secteurs illisibles", "Unreadable sectors"),
    }
    for key, label in listed.items():
        ranges = verification.get(key) or []
        if ranges:
            right.append(
                (
                    label,
                    "; ".join(f"{e.get('first_sector')}–{e.get('last_sector')}" for e in ranges),
                )
            )
    shown = {"ok", "mode", "bytes_checked", "regions", "seconds", "milliseconds", "throughput_bps"}
    shown |= {"checks", "erasure_id"}
    # Each check after a phone's reset: what it looked at, and whether it held, on one
    # full-width line so the page keeps to one sheet.
    said = []
    for check in verification.get("checks") or []:
        if isinstance(check, dict) and check.get("check"):
            held = yes_no(bool(check.get("ok")), lang)
            if not check.get("required", True):
                held += t(" (indicatif)", " (for information)")
            said.append(f"{check_words(str(check['check'])).get(lang)}{t(' : ', ': ')}{held}")
    for key, value in verification.items():
        if key not in shown and key not in counted and key not in listed:
            right.append((_label(key, lang), _value_text(key, value, lang)))
    half = FRAME_WIDTH / 2 - 3 * mm
    left_table = page.pairs(left, half, bad_rows=() if ok else (0,))
    # A verification that says no more than its result (a Table needs rows).
    block = _two_columns(left_table, page.pairs(right, half)) if right else left_table
    if not said:
        return block
    checks = Table(
        [[block], [page.p(t("Contrôles : ", "Checks: ") + " · ".join(said), page.cell)]],
        colWidths=[FRAME_WIDTH],
        hAlign="LEFT",
    )
    checks.setStyle(
        TableStyle(
            [
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return checks


def _signature_block(page: _Page, document: dict[str, Any], envelope: dict[str, Any]) -> Table:
    t = page.t
    station = document["station"]
    name = f"{document['reference']}.json"
    lines = [
        t(
            f"Document signé électroniquement (Ed25519) par le poste {station.get('name') or ''} "
            f"({station['id']}), clé {station['key_id']}, le "
            f"{when_text(document['issued_at'], page.lang)}.",
            f"Electronically signed (Ed25519) by station {station.get('name') or ''} "
            f"({station['id']}), key {station['key_id']}, on "
            f"{when_text(document['issued_at'], page.lang)}.",
        ),
        t(
            f"Les données signées sont jointes au fichier PDF ({name}) et contenues dans ce code "
            "QR ; le fichier entier est signé, tout octet modifié se voit.",
            f"The signed data is attached to the PDF file ({name}) and held in this QR code; "
            "the whole file is signed, so any changed byte shows.",
        ),
        t(
            "Vérification hors ligne : etabli verify-certificate FICHIER.pdf",
            "Offline check: etabli verify-certificate FILE.pdf",
        ),
    ]
    if document.get("verification_url"):
        lines.append(t("En ligne : ", "Online: ") + document["verification_url"])
    if document.get("training"):
        lines.append(
            t(
                "Fait en mode formation : ce document ne vaut pas pour un don réel.",
                "Made in training mode: this document is not valid for a real donation.",
            )
        )
    return signed_block(page, lines, envelope, code=42 * mm, column=44 * mm)


def signed_block(
    page: _Page, lines: list[str], envelope: dict[str, Any], *, code: float, column: float
) -> Table:
    """Under a rule, what the signature says (`lines`, small) beside the QR code holding the
    signed `envelope` (`code` wide, in a `column` of its own)."""
    text = [page.p(line, page.s.small) for line in lines]
    qr = QrCode(lambda: qr_text(envelope), code)
    table = Table([[text, qr]], colWidths=[FRAME_WIDTH - column, column], hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), FONT),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEABOVE", (0, 0), (-1, 0), 0.6, RULE),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return table


def _lot_flowables(document: dict[str, Any], envelope: dict[str, Any], lang: str) -> list[Flowable]:
    page = _Page(lang)
    t = page.t
    counts = document["counts"]
    all_ok = counts["not_certified"] == 0
    out: list[Flowable] = [
        Paragraph(
            escape(
                t("Certificat d’effacement — lot", "Erasure certificate — lot")
                if all_ok
                else t("Rapport d’effacement du lot", "Lot erasure report")
            ),
            page.s.title,
        ),
        page.p(
            f"{t('Référence', 'Reference')} {document['reference']}  ·  "
            f"{t('Émis le', 'Issued')} {when_text(document['issued_at'], lang)}",
            page.s.small,
        ),
        Spacer(1, 3 * mm),
    ]
    if all_ok:
        banner = Paragraph(
            escape(f"{SUCCESS_LINE} : {counts['certified']}/{counts['devices']}"),
            page.banner_good,
        )
        fill, edge = GOOD_FILL, GOOD
        detail = page.p(
            t(
                f"Chacun des {counts['devices']} appareils de ce lot a été effacé et vérifié ; "
                "sa section ci-après détaille l’effacement.",
                f"Each of the {counts['devices']} devices of this lot was erased and verified; "
                "its section below details the erasure.",
            ),
            page.s.body,
        )
    else:
        banner = Paragraph(
            escape(f"{FAILURE_BANNER} : {counts['not_certified']}/{counts['devices']}"),
            page.banner_bad,
        )
        fill, edge = BAD_FILL, BAD
        detail = page.p(
            t(
                f"{counts['not_certified']} appareil(s) de ce lot N’ONT PAS été effacés de façon "
                f"complète et vérifiée ; {counts['certified']} l’ont été.",
                f"{counts['not_certified']} device(s) of this lot have NOT been completely and "
                f"verifiably erased; {counts['certified']} have.",
            ),
            page.s.body,
        )
    out += [result_box([[banner], [detail]], fill, edge), Spacer(1, 2 * mm)]
    donor = document.get("donor")
    lot = document["lot"]
    org = document["organisation"]
    half = FRAME_WIDTH / 2 - 3 * mm
    left = [
        (t("Organisation", "Organisation"), org.get("name") or "—"),
        (t("Adresse", "Address"), org.get("address") or "—"),
        (t("Contact", "Contact"), org.get("contact") or "—"),
    ]
    right = [
        (
            t("Donateur", "Donor"),
            f"{donor['name']} ({DONOR_KINDS.get(donor['kind'], T(donor['kind'], donor['kind'])).get(lang)})"
            if donor
            else "—",
        ),
        (t("Lot", "Lot"), lot["id"]),
        (t("Reçu le", "Received on"), lot["received_on"]),
        (t("Convention", "Agreement"), lot.get("agreement_ref") or "—"),
        (t("Appareils", "Devices"), str(counts["devices"])),
    ]
    out.append(_two_columns(page.pairs(left, half), page.pairs(right, half)))
    out.append(page.heading("Appareils du lot", "Devices of the lot"))
    head = [
        t("Code", "Code"),
        t("Appareil", "Device"),
        t("N° de série / IMEI", "Serial / IMEI"),
        t("Résultat", "Result"),
        t("Référence", "Reference"),
    ]
    data: list[list[Any]] = [[page.p(h, page.cell_label) for h in head]]
    results = {
        "erased": T("effacé et vérifié", "erased and verified"),
        "not_erased": T("NON EFFACÉ", "NOT ERASED"),
        "in_progress": T("NON EFFACÉ (en cours)", "NOT ERASED (in progress)"),
        "no_erasure": T("AUCUN EFFACEMENT", "NO ERASURE"),
    }
    for row in document["devices"]:
        result = (
            results["erased"]
            if row["certified"]
            else results.get(row["result"], results["not_erased"])
        )
        data.append(
            [
                page.p(row["asset_code"]),
                page.p(model_words(row["model"]).get(lang) if row["model"] else "—"),
                page.p(
                    " / ".join(identifier_text(x) for x in (row["serial"], row["imei"]) if x) or "—"
                ),
                page.p(result.get(lang), page.cell if row["certified"] else page.cell_bad),
                page.p(row["reference"] or "—"),
            ]
        )
    widths = [0.14, 0.22, 0.22, 0.22, 0.2]
    table = Table(data, colWidths=[FRAME_WIDTH * w for w in widths], hAlign="LEFT", repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), FONT),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.3, RULE),
                ("LEFTPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    out.append(table)
    out.append(Spacer(1, 4 * mm))
    out.append(CondPageBreak(52 * mm))
    station = document["station"]
    lines = [
        t(
            f"Résumé signé (Ed25519) par le poste {station.get('name') or ', '.join(station['ids'])}, "
            f"clé {station['key_id']}, le {when_text(document['issued_at'], lang)}. Chaque appareil "
            "a ensuite sa propre section et ses propres données signées, jointes au fichier.",
            f"Summary signed (Ed25519) by station {station.get('name') or ', '.join(station['ids'])}, "
            f"key {station['key_id']}, on {when_text(document['issued_at'], lang)}. Each device "
            "then has its own section and its own signed data, attached to the file.",
        ),
        t(
            "Vérification hors ligne : etabli verify-certificate FICHIER.pdf",
            "Offline check: etabli verify-certificate FILE.pdf",
        ),
    ]
    sign = signed_block(page, lines, envelope, code=46 * mm, column=50 * mm)
    out.append(KeepTogether([sign]))
    return out
