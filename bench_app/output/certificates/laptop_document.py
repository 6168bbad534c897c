"""The signed document of a whole computer's certificate (see laptop.py for the file): the
computer, each internal disk's erasure bound by the SHA-256 of its own document, the system
written if any; refused unless every disk is erased and verified."""

from __future__ import annotations

import hashlib
from typing import Any

from bench_app.disk_links import disks_of, host_of
from bench_app.domain.model import Device, DeviceKind
from bench_app.erasure.records import erasure_records
from bench_app.errors import BenchError
from bench_app.output.certificates.document import (
    SCHEMA,
    Issuer,
    _donor_lot,
    _plain,
    _verification_url,
    erasure_document,
    identifier_text,
)
from bench_app.store import queries
from bench_app.store.database import Store
from bench_app.wire.canonical import canonical_json

LAPTOP_TYPE = "etabli.laptop-certificate"
COMPUTERS = (DeviceKind.LAPTOP, DeviceKind.DESKTOP)


def _offered_serials(store: Store, computer: Device) -> list[str]:
    """The serials of the disks the computer's agent offered, from its latest inventory
    taken through an agent (none for a computer never paired)."""
    serials: list[str] = []
    for event in queries.events(store, computer.id):
        inventory = event.payload.get("inventory") if event.type == "device.inventoried" else None
        if isinstance(inventory, dict) and isinstance(inventory.get("agent"), dict):
            drives = inventory.get("drives") or []
            serials = [str(d.get("serial", "")) for d in drives if isinstance(d, dict)]
    return serials


def computer_disks(store: Store, computer: Device) -> tuple[list[Device], list[str]]:
    """(the computer's disks, the serials of those that are not verified erased as its
    disks): the disks its agent offered and the disks linked to it."""
    disks: dict[str, Device] = {d.id: d for d in disks_of(store, computer.id)}
    missing: list[str] = []
    for serial in _offered_serials(store, computer):
        found = queries.device_by_identity(store, DeviceKind.DRIVE.value, serial, "")
        host = host_of(store, found.id) if found is not None else None
        if found is None or host is None or host.id != computer.id:
            missing.append(serial or "?")
        else:
            disks[found.id] = found
    return sorted(disks.values(), key=lambda d: d.asset_code), missing


def record_certified(record: dict[str, Any]) -> bool:
    """An erasure record whose certificate is a success (document.is_success's rule)."""
    verification = record.get("verification")
    return (
        record.get("result") == "erased"
        and isinstance(verification, dict)
        and verification.get("ok") is True
    )


def missing_disks(store: Store, computer: Device) -> list[str]:
    """The serials (or asset codes) of the computer's disks that keep it from its
    certificate: not erased and verified, or offered by its agent and never erased as its
    disks. Empty when the certificate can be issued, or when it has no disk at all."""
    disks, missing = computer_disks(store, computer)
    for disk in disks:
        records = erasure_records(store, disk.id)
        if not records or not record_certified(records[-1]):
            missing.append(disk.serial or disk.asset_code)
    return list(dict.fromkeys(missing))


def _system(store: Store, disks: list[Device]) -> dict[str, Any] | None:
    """The system written and verified on one of the disks after its latest erasure."""
    found: dict[str, Any] | None = None
    for disk in disks:
        written: dict[str, Any] | None = None
        for event in queries.events(store, disk.id):
            p = event.payload
            if event.type == "erasure.finished":
                written = None  # an erasure takes the system away
            elif (
                event.type == "image.written"
                and p.get("verified") is True
                and p.get("result", "installed") == "installed"
            ):
                written = {
                    "image": str(p.get("image", "")),
                    "checksum": str(p.get("checksum", "")),
                    "checksum_of": str(p.get("checksum_of", "")),
                    "mapped_bytes": p.get("mapped_bytes"),
                    "image_size": p.get("image_size"),
                    "disk_asset_code": disk.asset_code,
                    "disk_serial": disk.serial,
                    "written_at": event.ts,
                }
        if written is not None:
            found = written
    return found


def laptop_documents(
    store: Store, issuer: Issuer, computer: Device, issued_at: str
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """(the computer's summary document, each disk's erasure document). BenchError
    LAPTOP_CERT_NO_DISK when it has no disk, LAPTOP_CERT_NOT_ERASED naming each disk not
    verified erased."""
    if computer.kind not in COMPUTERS:
        raise BenchError("CERT_NO_ERASURE", asset=computer.asset_code)
    disks, missing = computer_disks(store, computer)
    documents: list[dict[str, Any]] = []
    for disk in disks:
        records = erasure_records(store, disk.id)
        if not records or not record_certified(records[-1]):
            missing.append(disk.serial or disk.asset_code)
            continue
        documents.append(erasure_document(store, disk, records[-1], issuer, issued_at))
    if not disks and not missing:
        raise BenchError("LAPTOP_CERT_NO_DISK", asset=computer.asset_code)
    if missing:
        shown = ", ".join(dict.fromkeys(missing))
        raise BenchError("LAPTOP_CERT_NOT_ERASED", asset=computer.asset_code, disks=shown)
    rows = []
    for document in documents:
        erasure = document["erasure"]
        target = erasure.get("target") or {}
        verification = erasure.get("verification") or {}
        rows.append(
            {
                "asset_code": document["device"]["asset_code"],
                "serial": str(target.get("serial") or document["device"]["serial"]),
                "model": str(target.get("model") or document["device"]["model"]),
                "size_bytes": target.get("size_bytes"),
                "method": erasure["method"],
                "technique": erasure["technique"],
                "standard": erasure["standard"],
                "passes": len(erasure.get("passes") or []),
                "verification": {
                    "mode": verification.get("mode") or erasure.get("verify_mode"),
                    "ok": verification.get("ok") is True,
                },
                "result": erasure["result"],
                "finished_at": erasure.get("finished_at"),
                "reference": document["reference"],
                "document_sha256": hashlib.sha256(canonical_json(document)).hexdigest(),
                "certified": True,
            }
        )
    donor, lot = _donor_lot(store, computer)
    bound = ",".join(r["reference"] for r in rows)
    summary = {
        "type": LAPTOP_TYPE,
        "schema": SCHEMA,
        "reference": "PC-" + hashlib.sha256(bound.encode()).hexdigest()[:10].upper(),
        "issued_at": issued_at,
        "organisation": issuer.organisation(),
        "station": {
            "ids": sorted({d["station"]["id"] for d in documents}),
            "name": issuer.settings.station_name,
            "key_id": issuer.key.key_id,
        },
        "donor": donor,
        "lot": lot,
        "computer": {
            "asset_code": computer.asset_code,
            "kind": computer.kind.value,
            "brand": computer.brand,
            "model": computer.model,
            "serial": computer.serial,
        },
        "disks": rows,
        "system": _system(store, disks),
        "counts": {"disks": len(rows), "certified": len(rows)},
        "training": computer.training or any(d["training"] for d in documents),
        "verification_url": _verification_url(issuer.settings, computer.asset_code),
    }
    plain = dict(_plain(summary))
    canonical_json(plain)
    return plain, documents


def is_laptop_success(document: dict[str, Any]) -> bool:
    """Every disk listed certified, and at least one."""
    rows = document.get("disks") or []
    return bool(rows) and all(r.get("certified") is True for r in rows)


def laptop_visible_facts(document: dict[str, Any]) -> list[str]:
    """What the summary page must show: its reference, the computer's code and serial,
    each disk's serial and reference, and the system written."""
    computer = document.get("computer") or {}
    facts = [str(document.get("reference", "")), str(computer.get("asset_code", ""))]
    if computer.get("serial"):
        facts.append(identifier_text(computer["serial"]))
    for row in document.get("disks") or []:
        facts += [identifier_text(row.get("serial", "")), str(row.get("reference", ""))]
    system = document.get("system")
    if isinstance(system, dict):
        facts.append(str(system.get("image", "")))
    return [f for f in facts if f]
