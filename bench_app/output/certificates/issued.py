"""A certificate handed out, and the `certificate.issued` fact that traces it.

The window (open, print, save to a stick) and `etabli certificate` (a file) make their PDF
here, so both record the same fact: which document, its reference, the SHA-256 of the very
bytes given out, the language, the erasure it certifies (a device) or the lot (a lot), and
how it left the station. A supervisor finds any certificate a donor shows back in the log
by its hash or its reference."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from bench_app.domain.model import Device, Lot
from bench_app.output.certificates.document import Issuer, is_success
from bench_app.output.certificates.laptop_document import LAPTOP_TYPE, is_laptop_success
from bench_app.store.database import Store

DEVICE_CERTIFICATE = "erasure_certificate"
LOT_CERTIFICATE = "lot_certificate"
LAPTOP_CERTIFICATE = "laptop_certificate"


class Delivery(StrEnum):
    """How a certificate left the station."""

    OPENED = "opened"  # shown in the system's PDF viewer
    PRINTED = "printed"  # sent to the document printer
    SAVED = "saved"  # copied to a USB stick or a folder the operator chose
    FILE = "file"  # written by `etabli certificate -o FILE`


@dataclass(frozen=True)
class IssuedCertificate:
    """A certificate PDF made, with what its `certificate.issued` fact says of it."""

    data: bytes
    envelope: dict[str, Any]
    device_id: str | None  # the device the fact belongs to (None: a lot's certificate)
    facts: dict[str, Any]  # the payload, but how it was delivered

    @property
    def training(self) -> bool:
        """Made of training facts (a training lot's certificate is recorded as training)."""
        return bool(self.envelope["document"].get("training"))

    @property
    def reference(self) -> str:
        return str(self.envelope["document"]["reference"])

    @property
    def ok(self) -> bool:
        """A success certificate (not a report of an erasure that did not end well)."""
        document = self.envelope["document"]
        if self.device_id is None:
            return bool(document["counts"]["not_certified"] == 0)
        if document.get("type") == LAPTOP_TYPE:
            return is_laptop_success(document)
        return is_success(document)

    def payload(self, delivery: Delivery, file_name: str = "") -> dict[str, Any]:
        """The `certificate.issued` payload for this delivery (`file_name`: where it went)."""
        return {**self.facts, "delivery": delivery.value, "file_name": file_name}


def issue_device_certificate(
    store: Store, issuer: Issuer, device: Device, lang: str = "fr"
) -> IssuedCertificate:
    """The signed PDF of the device's latest erasure (BenchError CERT_NO_ERASURE when it
    was never erased) and its fact."""
    from bench_app.output.certificates.assemble import device_certificate

    data, envelope = device_certificate(store, issuer, device, lang)
    document = envelope["document"]
    erasure = document["erasure"]
    facts = {
        "document": DEVICE_CERTIFICATE,
        "reference": document["reference"],
        "sha256": hashlib.sha256(data).hexdigest(),
        "lang": lang,
        "device_id": device.id,
        "asset_code": device.asset_code,
        "erasure_id": erasure["id"],
        "job_id": erasure["job_id"],
        "result": erasure["result"],
        "certified": is_success(document),
        "lot_id": None,
        "key_id": issuer.key.key_id,
    }
    return IssuedCertificate(data, envelope, device.id, facts)


def issue_lot_certificate(
    store: Store, issuer: Issuer, lot: Lot, lang: str = "fr"
) -> IssuedCertificate:
    """The signed PDF of a lot (BenchError CERT_LOT_EMPTY for a lot with no device) and
    its fact, naming each device certificate it binds."""
    from bench_app.output.certificates.assemble import lot_certificate

    data, envelope = lot_certificate(store, issuer, lot, lang)
    document = envelope["document"]
    facts = {
        "document": LOT_CERTIFICATE,
        "reference": document["reference"],
        "sha256": hashlib.sha256(data).hexdigest(),
        "lang": lang,
        "device_id": None,
        "erasure_id": None,
        "lot_id": lot.id,
        "counts": dict(document["counts"]),
        "references": [r["reference"] for r in document["devices"] if r["reference"]],
        "key_id": issuer.key.key_id,
    }
    return IssuedCertificate(data, envelope, None, facts)


def issue_laptop_certificate(
    store: Store, issuer: Issuer, computer: Device, lang: str = "fr"
) -> IssuedCertificate:
    """The signed PDF of a whole laptop or desktop (BenchError LAPTOP_CERT_NOT_ERASED naming
    each disk not erased and verified, LAPTOP_CERT_NO_DISK) and its fact, naming each disk
    certificate it binds."""
    from bench_app.output.certificates.laptop import laptop_certificate

    data, envelope = laptop_certificate(store, issuer, computer, lang)
    document = envelope["document"]
    facts = {
        "document": LAPTOP_CERTIFICATE,
        "reference": document["reference"],
        "sha256": hashlib.sha256(data).hexdigest(),
        "lang": lang,
        "device_id": computer.id,
        "asset_code": computer.asset_code,
        "erasure_id": None,
        "lot_id": None,
        "certified": is_laptop_success(document),
        "references": [r["reference"] for r in document["disks"]],
        "system": (document.get("system") or {}).get("image"),
        "key_id": issuer.key.key_id,
    }
    return IssuedCertificate(data, envelope, computer.id, facts)
