"""Checking a certificate PDF offline, in three layers:

1. the whole-file signature (bench_app/output/certificates/pdf_sign.py): any changed byte fails here;
2. every attached JSON is a signed envelope, in canonical form, whose signature verifies
   against a trusted key; a lot's summary lists the SHA-256 of each device's document, and
   the attached device documents must be exactly those;
3. the visible facts (references, asset codes, serials, IMEIs, the verdict line) are in the
   page text (read with poppler's `pdftotext`), so a page that says other things than its
   signed data is refused even when signed by a trusted key.
"""

from __future__ import annotations

import hashlib
import io
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from typing import Any

import pikepdf

from bench_app.errors import BenchError
from bench_app.output.certificates import pdf_sign
from bench_app.output.certificates.document import (
    DEVICE_TYPE,
    LOT_TYPE,
    SUCCESS_LINE,
    is_success,
    lot_visible_facts,
    visible_facts,
)
from bench_app.signing import Keyring, TrustedKey, canonical_json, parse_signed_json


@dataclass
class CertificateCheck:
    """What an intact certificate says, once every layer has been checked."""

    signer: TrustedKey
    devices: list[dict[str, Any]]  # the device documents
    lot: dict[str, Any] | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def issued_at(self) -> str:
        first = self.lot or self.devices[0]
        return str(first["issued_at"])


def _attachments(data: bytes, source: str) -> dict[str, bytes]:
    try:
        with pikepdf.open(io.BytesIO(data)) as pdf:
            return {
                name: bytes(spec.get_file().read_bytes()) for name, spec in pdf.attachments.items()
            }
    except (pikepdf.PdfError, ValueError, KeyError) as exc:
        raise BenchError("CERT_NOT_CERTIFICATE", path=source, detail=str(exc)) from exc


def page_text(data: bytes) -> str | None:
    """The text of every page, or None when poppler's pdftotext is not installed."""
    tool = shutil.which("pdftotext")
    if tool is None:
        return None
    done = subprocess.run(
        [tool, "-enc", "UTF-8", "-", "-"], input=data, capture_output=True, timeout=120
    )
    if done.returncode != 0:
        return ""
    return done.stdout.decode("utf-8", "replace")


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def verify_pdf(data: bytes, keyring: Keyring, source: str) -> CertificateCheck:
    """Every layer checked; BenchError with a plain reason at the first that fails."""
    signer = pdf_sign.check_seal(data, keyring, source)
    files = _attachments(data, source)
    devices: list[dict[str, Any]] = []
    lots: list[dict[str, Any]] = []
    for name, content in sorted(files.items()):
        if not name.endswith(".json"):
            raise BenchError("CERT_NOT_CERTIFICATE", path=source, detail=f"unexpected file {name}")
        verified = parse_signed_json(content, keyring, source=f"{source} ({name})")
        document = verified.document
        kind = document.get("type")
        if kind == DEVICE_TYPE:
            devices.append(document)
        elif kind == LOT_TYPE:
            lots.append(document)
        else:
            raise BenchError(
                "CERT_NOT_CERTIFICATE", path=source, detail=f"{name} is not a certificate"
            )
        if f"{document.get('reference')}.json" != name:
            raise BenchError(
                "CERT_TAMPERED", path=source, detail=f"{name} does not hold its own reference"
            )
    if not devices and not lots:
        raise BenchError("CERT_NOT_CERTIFICATE", path=source, detail="no signed data inside")
    if len(lots) > 1 or (not lots and len(devices) > 1):
        raise BenchError("CERT_TAMPERED", path=source, detail="unexpected extra signed data")
    lot = lots[0] if lots else None
    if lot is not None:
        listed = sorted(r["document_sha256"] for r in lot["devices"] if r["document_sha256"])
        attached = sorted(hashlib.sha256(canonical_json(d)).hexdigest() for d in devices)
        if listed != attached:
            raise BenchError(
                "CERT_TAMPERED",
                path=source,
                detail="the device sections are not the ones the lot summary lists",
            )
    check = CertificateCheck(signer, devices, lot)
    text = page_text(data)
    if text is None:
        check.notes.append("pdftotext missing: the page text was not compared")
        return check
    squashed = _squash(text)
    expected = [f for d in devices for f in visible_facts(d)]
    if lot is not None:
        expected += lot_visible_facts(lot)
    for fact in expected:
        if _squash(fact) not in squashed:
            raise BenchError(
                "CERT_TAMPERED",
                path=source,
                detail=f"the page does not show “{fact}”, which its signed data says",
            )
    # A failed erasure must never read as a success: count the verdict lines.
    success = _squash(SUCCESS_LINE)
    shown = squashed.count(success)
    certified = sum(1 for d in devices if is_success(d))
    if lot is not None and lot["counts"]["not_certified"] == 0:
        certified += 1  # the summary's banner
    if shown != certified:
        raise BenchError(
            "CERT_TAMPERED",
            path=source,
            detail=f"the page shows {shown} success verdicts where the signed data has {certified}",
        )
    return check
