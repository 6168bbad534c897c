"""Signed erasure certificates: per device, and per lot.

Each erasure becomes a document (plain JSON, canonical form, see bench_app/signing.py) holding
every fact the page shows: organisation, station, operators, donor and lot, device identity,
the medium (whatever fields its target has: a drive's model, serial, size and sectors, a
phone's IMEI, storage and encryption), method and standard, passes, interruptions,
verification, times, throughput, errors, result and reasons. The station key signs it; the
signed JSON is embedded as a PDF/A-3 attachment and in a QR code on the page, and the whole
file is then signed byte for byte (bench_app/output/pdf_sign.py).

Only a document whose result is "erased" with a verification that passed reads as a
certificate. Anything else (not erased, interrupted, in progress) is titled an erasure report,
shows a large red "NON EFFACÉ / NOT ERASED" with the reasons, uses no green and never says
it certifies.
"""

from __future__ import annotations

import hashlib
import io
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import segno
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.flowables import Flowable as BaseFlowable

from bench_app.domain.model import Device, Donor, Lot
from bench_app.drives.records import erasure_records
from bench_app.errors import BenchError
from bench_app.output import pdf_sign, pdfa
from bench_app.output.pdf_style import (
    BAD,
    FONT,
    FONT_BOLD,
    GOOD,
    MUTED,
    RULE,
    page_frame,
    styles,
)
from bench_app.output.references import certificate_reference
from bench_app.settings import Settings
from bench_app.signing import StationKey, sign_document
from bench_app.store import queries
from bench_app.store.database import Store
from bench_app.text import Text
from bench_app.wire.canonical import canonical_json, decimal

DEVICE_TYPE = "etabli.erasure-certificate"
LOT_TYPE = "etabli.erasure-lot-certificate"
SCHEMA = 1
LISTED_RANGES = 10  # sector ranges listed per pass / verification; the count says the rest
QR_PREFIX = "ETABLI1:"  # then base45(zlib(canonical envelope))
QR_DIGEST_PREFIX = "ETABLI1D:"  # then base45(zlib(canonical digest)), for large documents
QR_MAX_CHARS = 2000  # beyond this the code gets too dense to scan from paper

SUCCESS_PHRASE = Text("EFFACÉ ET VÉRIFIÉ", "ERASED AND VERIFIED")
SUCCESS_LINE = f"{SUCCESS_PHRASE.fr} / {SUCCESS_PHRASE.en}"
FAILURE_BANNER = "NON EFFACÉ / NOT ERASED"
BAD_FILL = colors.HexColor("#fbe9e7")
GOOD_FILL = colors.HexColor("#e8f3ec")


# -- the signed document ---------------------------------------------------------------------


def _plain(value: Any) -> Any:
    """The value with every float turned into a decimal string (canonical JSON's rule)."""
    if isinstance(value, float):
        return decimal(value)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _ranges(items: list[Any]) -> list[Any]:
    return list(items[:LISTED_RANGES])


def now_utc() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Issuer:
    """Who signs: the organisation's settings and the station's key."""

    settings: Settings
    key: StationKey

    @classmethod
    def for_folder(cls, data_folder: Path) -> Issuer:
        return cls(Settings.load(Path(data_folder)), StationKey.load_or_create(Path(data_folder)))

    def organisation(self) -> dict[str, str]:
        s = self.settings
        return {
            "name": s.organisation,
            "address": s.organisation_address,
            "contact": s.organisation_contact,
        }


def _donor_lot(store: Store, device: Device) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    if not device.lot_id:
        return None, None
    lot = next((x for x in queries.lots(store) if x.id == device.lot_id), None)
    if lot is None:
        return None, None
    donor = next((d for d in queries.donors(store) if d.id == lot.donor_id), None)
    return _donor_json(donor), _lot_json(lot)


def _donor_json(donor: Donor | None) -> dict[str, Any] | None:
    return {"name": donor.name, "kind": donor.kind.value} if donor else None


def _lot_json(lot: Lot) -> dict[str, Any]:
    return {
        "id": lot.id,
        "received_on": lot.received_on,
        "agreement_ref": lot.agreement_ref,
        "expected_count": lot.expected_count,
    }


def erasure_document(
    store: Store, device: Device, record: dict[str, Any], issuer: Issuer, issued_at: str
) -> dict[str, Any]:
    """The certificate of one erasure as a plain, canonical-ready JSON document."""
    donor, lot = _donor_lot(store, device)
    passes = []
    written = 0
    moved = 0  # bytes written over every segment, a resumed one's rewrite included
    seconds = 0.0
    error_ranges = 0
    for p in record["passes"]:
        errors = list(p.get("errors") or [])
        error_ranges += len(errors)
        written += int(p.get("bytes") or 0)
        moved += int(p.get("bytes_written", p.get("bytes")) or 0)
        seconds += float(p.get("seconds") or 0)
        # A pass's seconds and throughput already count all its segments, and the
        # interruptions that cut them are listed in the erasure's own field.
        entry = {
            k: v for k, v in p.items() if k not in ("errors", "purge", "segments", "bytes_written")
        }
        entry["errors"] = _ranges(errors)
        entry["error_ranges"] = len(errors)
        if isinstance(p.get("purge"), dict):
            entry["purge"] = {
                k: v
                for k, v in p["purge"].items()
                if k in ("method", "ok", "seconds", "milliseconds", "command")
            }
        passes.append(entry)
    verification = record.get("verification")
    if isinstance(verification, dict):
        verification = {k: v for k, v in verification.items() if k != "seed"}
        if isinstance(verification.get("read_errors"), list):
            verification["read_errors_count"] = len(verification["read_errors"])
        for key in ("mismatches", "read_errors"):
            if isinstance(verification.get(key), list):
                verification[key] = _ranges(verification[key])
    erasure = {
        "id": record["erasure_id"],
        "job_id": record["job_id"],
        "method": record["method"],
        "technique": record["technique"],
        "standard": record["standard"],
        "verify_mode": record.get("verify_mode"),
        "target": record["target"],
        "hidden_areas": record.get("hidden_areas") or {},
        "limitation": record.get("limitation"),
        "passes": passes,
        "interruptions": record.get("interruptions") or [],
        "verification": verification,
        "started_at": record["started_at"],
        "finished_at": record.get("finished_at"),
        "duration_seconds": record.get("duration_seconds"),
        "bytes_written": written,
        "throughput_bps": round(moved / seconds) if seconds > 0 else 0,
        "error_ranges": error_ranges,
        "result": record["result"],
        "reasons": record.get("reasons") or [],
    }
    document = {
        "type": DEVICE_TYPE,
        "schema": SCHEMA,
        "reference": certificate_reference(record["erasure_id"]),
        "issued_at": issued_at,
        "organisation": issuer.organisation(),
        "station": {
            "id": record["station_id"],
            "name": issuer.settings.station_name,
            "key_id": issuer.key.key_id,
        },
        "operators": record.get("operators") or [],
        "donor": donor,
        "lot": lot,
        "device": {
            "asset_code": device.asset_code,
            "kind": device.kind.value,
            "brand": device.brand,
            "model": device.model,
            "serial": device.serial,
            "imei": device.imei,
        },
        "erasure": erasure,
        "training": bool(record.get("training")),
        "verification_url": _verification_url(issuer.settings, device.asset_code),
    }
    plain = _plain(document)
    canonical_json(plain)  # refuses anything the signature could not carry, here and now
    return dict(plain)


def _verification_url(settings: Settings, asset_code: str) -> str:
    base = settings.verification_url.rstrip("/")
    return f"{base}/{asset_code}" if base else ""


def is_success(document: dict[str, Any]) -> bool:
    """Erased, and a verification that passed: the only case printed as a certificate."""
    erasure = document.get("erasure") or {}
    verification = erasure.get("verification")
    return (
        erasure.get("result") == "erased"
        and isinstance(verification, dict)
        and verification.get("ok") is True
    )


def failure_reasons(document: dict[str, Any]) -> list[Text]:
    """Why a document is not a certificate, in plain words (never empty for a failure)."""
    erasure = document.get("erasure") or {}
    reasons = [Text.from_json(r) for r in erasure.get("reasons") or []]
    result = erasure.get("result")
    if result == "in_progress":
        reasons.insert(
            0,
            Text(
                "L’effacement n’est pas terminé (en cours ou interrompu).",
                "The erasure has not finished (in progress or interrupted).",
            ),
        )
    elif result == "erased" and not is_success(document):
        reasons.append(Text("La vérification n’a pas réussi.", "The verification did not succeed."))
    if not reasons and not is_success(document):
        reasons.append(Text(f"Résultat : {result}.", f"Result: {result}."))
    return reasons


IDENTIFIERS = ("serial", "imei", "imei2")


def identifier_text(value: Any) -> str:
    """An identifier (serial number, IMEI) as the page prints it: printable ASCII as it is,
    any other character as a visible \\uXXXX escape. A device may report a serial with
    control bytes or characters no font draws; this way the page shows every one of them,
    and the verifier can read back exactly what the signed data says."""
    return "".join(
        ch
        if " " <= ch <= "~"
        else (f"\\u{ord(ch):04x}" if ord(ch) <= 0xFFFF else f"\\U{ord(ch):08x}")
        for ch in str(value)
    )


# A table row cannot break across pages: a value longer than this is shortened with an
# ellipsis on the page (the signed data keeps it whole), so one row always fits on a page.
HALF_CELL_CHARS = 160  # about six lines in a half-width table
CELL_CHARS = 320  # the same in a full-width one


def fit(text: str, limit: int = CELL_CHARS) -> str:
    """`text` as a page shows it: at most `limit` characters, the cut marked with "…"."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def visible_facts(document: dict[str, Any]) -> list[str]:
    """The strings the page of this document must show; the verifier looks for each in the
    PDF's text (whitespace ignored), shortened as the page shows it."""
    device = document.get("device") or {}
    facts = [str(document.get("reference", "")), str(device.get("asset_code", ""))]
    for key in ("serial", "imei"):
        if device.get(key):
            facts.append(fit(identifier_text(device[key]), HALF_CELL_CHARS))
    target = (document.get("erasure") or {}).get("target") or {}
    for key in ("serial", "imei"):
        if target.get(key):
            facts.append(fit(identifier_text(target[key]), HALF_CELL_CHARS))
    facts.append(_verdict_line(document))
    return [f for f in facts if f]


def _verdict_line(document: dict[str, Any]) -> str:
    return SUCCESS_LINE if is_success(document) else FAILURE_BANNER


# -- QR payload --------------------------------------------------------------------------------

_B45 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"


def base45_encode(data: bytes) -> str:
    """RFC 9285 base45: QR alphanumeric characters, 3 for every 2 bytes."""
    out = []
    for i in range(0, len(data) - 1, 2):
        n = data[i] * 256 + data[i + 1]
        n, c = divmod(n, 45)
        e, d = divmod(n, 45)
        out += [_B45[c], _B45[d], _B45[e]]
    if len(data) % 2:
        d, c = divmod(data[-1], 45)
        out += [_B45[c], _B45[d]]
    return "".join(out)


def base45_decode(text: str) -> bytes:
    values = [_B45.index(ch) for ch in text]
    out = bytearray()
    for i in range(0, len(values), 3):
        chunk = values[i : i + 3]
        if len(chunk) == 3:
            n = chunk[0] + chunk[1] * 45 + chunk[2] * 2025
            if n > 0xFFFF:
                raise ValueError("not base45")
            out += n.to_bytes(2, "big")
        elif len(chunk) == 2:
            n = chunk[0] + chunk[1] * 45
            if n > 0xFF:
                raise ValueError("not base45")
            out.append(n)
        else:
            raise ValueError("not base45")
    return bytes(out)


def qr_text(envelope: dict[str, Any]) -> str:
    """What the QR code holds: the whole signed envelope, compressed, when it fits; else a
    digest form (reference, SHA-256 of the canonical document, the signature) that the
    attachment of the same file completes."""
    full = QR_PREFIX + base45_encode(zlib.compress(canonical_json(envelope), 9))
    if len(full) <= QR_MAX_CHARS:
        return full
    document = envelope["document"]
    digest = {
        "format": "etabli.signed-digest/1",
        "reference": document.get("reference"),
        "type": document.get("type"),
        "sha256": hashlib.sha256(canonical_json(document)).hexdigest(),
        "signature": envelope["signature"],
    }
    return QR_DIGEST_PREFIX + base45_encode(zlib.compress(canonical_json(digest), 9))


def read_qr_text(text: str) -> dict[str, Any]:
    """The envelope (or digest) a QR code of a certificate holds."""
    import json

    for prefix in (QR_DIGEST_PREFIX, QR_PREFIX):
        if text.startswith(prefix):
            value = json.loads(zlib.decompress(base45_decode(text[len(prefix) :])))
            if not isinstance(value, dict):
                raise ValueError("not a JSON object")
            return value
    raise ValueError("not an Établi certificate code")


class QrCode(BaseFlowable):
    """A QR code drawn as vector rectangles (one per run of dark modules)."""

    def __init__(self, text: str, size: float) -> None:
        super().__init__()
        self.qr = segno.make(text, error="m", micro=False)
        self.size = size
        self.width = self.height = size

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return self.size, self.size

    def draw(self) -> None:
        matrix = [list(row) for row in self.qr.matrix]
        n = len(matrix) + 8  # four modules of quiet zone on each side
        unit = self.size / n
        c = self.canv
        c.setFillColor(colors.black)
        for y, row in enumerate(matrix):
            x = 0
            while x < len(row):
                if row[x]:
                    start = x
                    while x < len(row) and row[x]:
                        x += 1
                    c.rect(
                        (start + 4) * unit,
                        self.size - (y + 5) * unit,
                        (x - start) * unit,
                        unit,
                        stroke=0,
                        fill=1,
                    )
                else:
                    x += 1


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


def size_text(n: int, lang: str) -> str:
    unit = "o" if lang == "fr" else "B"
    for factor, prefix in ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")):
        if n >= factor:
            value = f"{n / factor:.1f}"
            if lang == "fr":
                value = value.replace(".", ",")
            return f"{value} {prefix}{unit} ({_group(n, lang)} {'octets' if lang == 'fr' else 'bytes'})"
    return f"{n} {'octets' if lang == 'fr' else 'bytes'}"


def _group(n: int, lang: str) -> str:
    return f"{n:,}".replace(",", "\u202f" if lang == "fr" else ",")


def _yes_no(value: bool, lang: str) -> str:
    return ("oui" if value else "non") if lang == "fr" else ("yes" if value else "no")


def _value_text(key: str, value: Any, lang: str) -> str:
    if isinstance(value, bool):
        return _yes_no(value, lang)
    if isinstance(value, int) and key.endswith("bytes"):
        return size_text(value, lang)
    if isinstance(value, int) and key.endswith("sector"):
        return f"{value} {'octets' if lang == 'fr' else 'bytes'}"
    if isinstance(value, dict) and set(value) <= {"fr", "en"}:
        return Text.from_json(value).get(lang)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_value_text(k, v, lang)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(_value_text(key, v, lang) for v in value)
    if value is None or value == "":
        return "—"
    if key in IDENTIFIERS:
        return identifier_text(value)
    return str(value)


def _label(key: str, lang: str) -> str:
    known = TARGET_LABELS.get(key)
    return known.get(lang) if known else key.replace("_", " ").capitalize()


def when_text(ts: str | None, lang: str) -> str:
    """A UTC timestamp as people read it, in UTC."""
    if not ts:
        return "—"
    try:
        moment = datetime.fromisoformat(ts.replace("Z", "+00:00")).astimezone(UTC)
    except ValueError:
        return ts
    if lang == "fr":
        return moment.strftime("%d/%m/%Y %H:%M:%S UTC")
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def duration_text(seconds: Any, lang: str) -> str:
    if seconds in (None, ""):
        return "—"
    s = float(seconds)
    h, rest = divmod(round(s), 3600)
    m, sec = divmod(rest, 60)
    if h:
        return f"{h} h {m:02d} min {sec:02d} s"
    if m:
        return f"{m} min {sec:02d} s"
    text = f"{s:.1f} s"
    return text.replace(".", ",") if lang == "fr" else text


def rate_text(bps: Any, lang: str) -> str:
    if not bps:
        return "—"
    text = f"{int(bps) / 1e6:.1f}"
    return (text.replace(".", ",") + " Mo/s") if lang == "fr" else (text + " MB/s")


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


FRAME_WIDTH = A4[0] - 30 * mm


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
        (t("Marque et modèle", "Brand and model"), f"{device['brand']} {device['model']}".strip()),
    ]
    if device.get("serial"):
        dev_rows.append((t("N° de série", "Serial number"), identifier_text(device["serial"])))
    if device.get("imei"):
        dev_rows.append(("IMEI", identifier_text(device["imei"])))
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
        (t("Norme", "Standard"), erasure["standard"]),
        (t("Technique", "Technique"), f"{erasure['technique']} ({erasure['method']})"),
        (t("Vérification", "Verification"), str(erasure.get("verify_mode") or "—")),
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
    if is_success(document):
        rows: list[list[Any]] = [
            [Paragraph(escape(_verdict_line(document)), page.banner_good)],
            [
                page.p(
                    t(
                        f"{org} certifie que les données du support décrit ci-dessous ont été "
                        f"effacées selon {erasure['standard']} ({erasure['technique']}), et que "
                        f"l’effacement a été vérifié ({erasure.get('verify_mode') or '—'}).",
                        f"{org} certifies that the data on the medium described below was erased "
                        f"according to {erasure['standard']} ({erasure['technique']}), and that "
                        f"the erasure was verified ({erasure.get('verify_mode') or '—'}).",
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
    table = Table(rows, colWidths=[FRAME_WIDTH], hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), FONT),
                ("BACKGROUND", (0, 0), (-1, -1), fill),
                ("BOX", (0, 0), (-1, -1), 1.6, edge),
                ("LEFTPADDING", (0, 0), (-1, -1), 8),
                ("TOPPADDING", (0, 0), (0, 0), 6),
                ("BOTTOMPADDING", (0, -1), (-1, -1), 6),
            ]
        )
    )
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
        complete = _yes_no(bool(p.get("completed")), lang)
        if resumed:
            complete += t(
                f", repris à {', '.join(_group(int(b), lang) for b in resumed)}",
                f", resumed at {', '.join(_group(int(b), lang) for b in resumed)}",
            )
        row = [
            page.p(str(p.get("pass_no", ""))),
            page.p(str(p.get("pattern", ""))),
            page.p(
                f"{_group(int(p.get('start_byte', 0)), lang)}–{_group(int(p.get('end_byte', 0)), lang)}"
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
        (t("Mode", "Mode"), str(verification.get("mode") or "—")),
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
    for key, value in verification.items():
        if key not in shown and key not in counted and key not in listed:
            right.append((_label(key, lang), _value_text(key, value, lang)))
    half = FRAME_WIDTH / 2 - 3 * mm
    left_table = page.pairs(left, half, bad_rows=() if ok else (0,))
    if not right:  # a verification that says no more than its result (a Table needs rows)
        return left_table
    return _two_columns(left_table, page.pairs(right, half))


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
    text = [page.p(line, page.s.small) for line in lines]
    qr = QrCode(qr_text(envelope), 42 * mm)
    table = Table([[text, qr]], colWidths=[FRAME_WIDTH - 44 * mm, 44 * mm], hAlign="LEFT")
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


# -- lot summary -----------------------------------------------------------------------------


def lot_document(
    store: Store,
    lot: Lot,
    devices: list[Device],
    documents: dict[str, dict[str, Any]],
    issuer: Issuer,
    issued_at: str,
) -> dict[str, Any]:
    """The signed summary of a lot: each device, its certificate reference, its result and
    the SHA-256 of its own canonical document (so the lot binds the device documents)."""
    donor = next((d for d in queries.donors(store) if d.id == lot.donor_id), None)
    rows = []
    for d in devices:
        doc = documents.get(d.id)
        rows.append(
            {
                "asset_code": d.asset_code,
                "kind": d.kind.value,
                "model": f"{d.brand} {d.model}".strip(),
                "serial": d.serial,
                "imei": d.imei,
                "reference": doc["reference"] if doc else None,
                "result": doc["erasure"]["result"] if doc else "no_erasure",
                "certified": is_success(doc) if doc else False,
                "document_sha256": hashlib.sha256(canonical_json(doc)).hexdigest() if doc else None,
            }
        )
    certified = sum(1 for r in rows if r["certified"])
    station_ids = sorted({doc["station"]["id"] for doc in documents.values()})
    document = {
        "type": LOT_TYPE,
        "schema": SCHEMA,
        "reference": "LOT-" + lot.id.replace("-", "")[-10:].upper(),
        "issued_at": issued_at,
        "organisation": issuer.organisation(),
        "station": {
            "ids": station_ids,
            "name": issuer.settings.station_name,
            "key_id": issuer.key.key_id,
        },
        "donor": _donor_json(donor),
        "lot": _lot_json(lot),
        "devices": rows,
        "counts": {
            "devices": len(rows),
            "certified": certified,
            "not_certified": len(rows) - certified,
        },
        "training": lot.training,
    }
    canonical_json(document)
    return document


def lot_visible_facts(document: dict[str, Any]) -> list[str]:
    facts = [document["reference"]]
    for row in document["devices"]:
        facts.append(row["asset_code"])
    return facts


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
    box = Table([[banner], [detail]], colWidths=[FRAME_WIDTH], hAlign="LEFT")
    box.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), FONT),
                ("BACKGROUND", (0, 0), (-1, -1), fill),
                ("BOX", (0, 0), (-1, -1), 1.6, edge),
                ("LEFTPADDING", (0, 0), (-1, -1), 8),
                ("BOTTOMPADDING", (0, -1), (-1, -1), 6),
            ]
        )
    )
    out += [box, Spacer(1, 2 * mm)]
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
                page.p(row["model"] or "—"),
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
    text = [page.p(line, page.s.small) for line in lines]
    sign = Table(
        [[text, QrCode(qr_text(envelope), 46 * mm)]],
        colWidths=[FRAME_WIDTH - 50 * mm, 50 * mm],
        hAlign="LEFT",
    )
    sign.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), FONT),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEABOVE", (0, 0), (-1, 0), 0.6, RULE),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    out.append(KeepTogether([sign]))
    return out


# -- assembling the file -----------------------------------------------------------------------


def _render(flowables: list[Flowable], *, organisation: str, footer: str, training: bool) -> bytes:
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=18 * mm,
        bottomMargin=15 * mm,
        initialFontName=FONT,
        title=footer,
    )
    frame = page_frame(organisation=organisation, footer=footer, training=training)
    doc.build(flowables, onFirstPage=frame, onLaterPages=frame)
    return buf.getvalue()


def _assemble(
    flowables: list[Flowable],
    *,
    envelopes: list[dict[str, Any]],
    issuer: Issuer,
    title: str,
    footer: str,
    training: bool,
    lang: str,
) -> bytes:
    source = _render(
        flowables,
        organisation=issuer.settings.organisation,
        footer=footer,
        training=training,
    )
    created = datetime.now(UTC).replace(microsecond=0)
    attachments = [
        pdfa.Attachment(
            f"{e['document']['reference']}.json",
            canonical_json(e),
            "Données signées (Ed25519) / signed data",
        )
        for e in envelopes
    ]
    pdf = pdfa.to_pdfa3(
        source,
        title=title,
        author=issuer.settings.organisation or "Établi",
        subject=footer,
        lang="fr-FR" if lang == "fr" else "en-GB",
        created=created,
        attachments=attachments,
    )
    pdf_sign.add_placeholder(pdf, issuer.key.key_id)
    return pdf_sign.seal(pdfa.save_bytes(pdf), issuer.key)


def _device_records(store: Store, device: Device) -> dict[str, Any] | None:
    records = erasure_records(store, device.id)
    return records[-1] if records else None


def device_certificate(
    store: Store, issuer: Issuer, device: Device, lang: str = "fr"
) -> tuple[bytes, dict[str, Any]]:
    """The signed PDF of the device's latest erasure, and its signed envelope."""
    record = _device_records(store, device)
    if record is None:
        raise BenchError("CERT_NO_ERASURE", asset=device.asset_code)
    document = erasure_document(store, device, record, issuer, now_utc())
    envelope = sign_document(issuer.key, document)
    ok = is_success(document)
    footer = (
        f"{'Certificat' if lang == 'fr' else 'Certificate'} {document['reference']}"
        if ok
        else f"{'Rapport' if lang == 'fr' else 'Report'} {document['reference']}"
    )
    data = _assemble(
        device_flowables(document, envelope, lang),
        envelopes=[envelope],
        issuer=issuer,
        title=footer,
        footer=footer + f" — {device.asset_code}",
        training=document["training"],
        lang=lang,
    )
    return data, envelope


def device_envelope(store: Store, issuer: Issuer, device: Device) -> dict[str, Any]:
    """The signed JSON of the device's latest erasure (the machine-readable report)."""
    record = _device_records(store, device)
    if record is None:
        raise BenchError("CERT_NO_ERASURE", asset=device.asset_code)
    return sign_document(issuer.key, erasure_document(store, device, record, issuer, now_utc()))


def lot_certificate(
    store: Store, issuer: Issuer, lot: Lot, lang: str = "fr"
) -> tuple[bytes, dict[str, Any]]:
    """One summary page for the lot, then one section per erased device, each with its own
    signed JSON attached; the lot's own signed summary binds them."""
    devices = [d for d in queries.devices(store) if d.lot_id == lot.id]
    if not devices:
        raise BenchError("CERT_LOT_EMPTY", lot=lot.id)
    issued_at = now_utc()
    documents: dict[str, dict[str, Any]] = {}
    envelopes: list[dict[str, Any]] = []
    for d in devices:
        record = _device_records(store, d)
        if record is None:
            continue
        doc = erasure_document(store, d, record, issuer, issued_at)
        documents[d.id] = doc
        envelopes.append(sign_document(issuer.key, doc))
    summary = lot_document(store, lot, devices, documents, issuer, issued_at)
    lot_envelope = sign_document(issuer.key, summary)
    flowables = _lot_flowables(summary, lot_envelope, lang)
    for envelope in envelopes:
        flowables.append(PageBreak())
        flowables += device_flowables(envelope["document"], envelope, lang)
    all_ok = summary["counts"]["not_certified"] == 0
    title = (
        ("Certificat d’effacement du lot " if lang == "fr" else "Lot erasure certificate ")
        if all_ok
        else ("Rapport d’effacement du lot " if lang == "fr" else "Lot erasure report ")
    ) + summary["reference"]
    data = _assemble(
        flowables,
        envelopes=[lot_envelope, *envelopes],
        issuer=issuer,
        title=title,
        footer=title,
        training=lot.training or any(d["training"] for d in documents.values()),
        lang=lang,
    )
    return data, lot_envelope
