"""The signed document of an erasure certificate, per device and per lot.

Each erasure becomes a document (plain JSON, canonical form, see bench_app/signing.py) holding
every fact the page shows: organisation, station, operators, donor and lot, device identity,
the medium (whatever fields its target has: a drive's model, serial, size and sectors, a
phone's IMEI, storage and encryption), method and standard, passes, interruptions,
verification, times, throughput, errors, result and reasons. The station key signs it; the
signed JSON is embedded as a PDF/A-3 attachment and in a QR code on the page, and the whole
file is then signed byte for byte (bench_app/output/certificates/pdf_sign.py).

Only a document whose result is "erased" with a verification that passed reads as a
certificate. Anything else (not erased, interrupted, in progress) is titled an erasure report,
shows a large red "NON EFFACÉ / NOT ERASED" with the reasons, uses no green and never says
it certifies (bench_app/output/certificates/layout.py draws it).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench_app.disk_links import host_of
from bench_app.domain.model import Device, Donor, Lot
from bench_app.output.certificates.references import certificate_reference
from bench_app.settings import Settings
from bench_app.signing import StationKey
from bench_app.store import queries
from bench_app.store.database import Store
from bench_app.text import Text
from bench_app.wire.canonical import canonical_json, decimal

DEVICE_TYPE = "etabli.erasure-certificate"
LOT_TYPE = "etabli.erasure-lot-certificate"
SCHEMA = 1
LISTED_RANGES = 10  # sector ranges listed per pass / verification; the count says the rest

SUCCESS_PHRASE = Text("EFFACÉ ET VÉRIFIÉ", "ERASED AND VERIFIED")
SUCCESS_LINE = f"{SUCCESS_PHRASE.fr} / {SUCCESS_PHRASE.en}"
FAILURE_BANNER = "NON EFFACÉ / NOT ERASED"


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
        # Segments are summed into the pass's seconds and bytes_written; the interruptions
        # that cut them are listed in the erasure's own field.
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
    host = host_of(store, device.id)
    if host is not None:  # the computer the disk belongs to, named with it
        document["computer"] = {
            "asset_code": host.asset_code,
            "kind": host.kind.value,
            "brand": host.brand,
            "model": host.model,
            "serial": host.serial,
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
    facts.append(verdict_line(document))
    return [f for f in facts if f]


def verdict_line(document: dict[str, Any]) -> str:
    return SUCCESS_LINE if is_success(document) else FAILURE_BANNER


# -- the lot summary ------------------------------------------------------------------------


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
