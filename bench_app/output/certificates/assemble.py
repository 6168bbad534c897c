"""The certificate file: the page flowables rendered on A4, completed as PDF/A-3b with every
signed JSON attached, then sealed with a signature over every byte."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, PageBreak

from bench_app.domain.model import Device, Lot
from bench_app.erasure.records import erasure_records
from bench_app.errors import BenchError
from bench_app.output.certificates import pdf_sign, pdfa
from bench_app.output.certificates.document import (
    Issuer,
    erasure_document,
    is_success,
    lot_document,
    now_utc,
)
from bench_app.output.certificates.layout import _lot_flowables, device_flowables
from bench_app.output.pdf_style import a4_pdf
from bench_app.signing import sign_document
from bench_app.store import queries
from bench_app.store.database import Store
from bench_app.wire.canonical import canonical_json


def _render(
    flowables: list[Flowable],
    *,
    organisation: str,
    footer: str,
    training: bool,
    pdfa3: pdfa.PdfA3 | None = None,
) -> bytes:
    # Top and bottom margins 2 and 1 mm tighter than the reports', as certificates always had.
    return a4_pdf(
        flowables,
        organisation=organisation,
        footer=footer,
        training=training,
        title=footer,
        top_margin=18 * mm,
        bottom_margin=15 * mm,
        complete=None if pdfa3 is None else pdfa3.complete,
    )


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
    attachments = tuple(
        pdfa.Attachment(
            f"{e['document']['reference']}.json",
            canonical_json(e),
            "Données signées (Ed25519) / signed data",
        )
        for e in envelopes
    )
    pdfa3 = pdfa.PdfA3(
        title=title,
        author=issuer.settings.organisation or "Établi",
        subject=footer,
        lang="fr-FR" if lang == "fr" else "en-GB",
        created=datetime.now(UTC).replace(microsecond=0),
        attachments=attachments,
        catalog=(pdf_sign.placeholder(issuer.key.key_id),),
    )
    source = _render(
        flowables,
        organisation=issuer.settings.organisation,
        footer=footer,
        training=training,
        pdfa3=pdfa3,
    )
    return pdf_sign.seal(source, issuer.key)


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
    signed JSON attached; the lot's own signed summary binds them. A real lot's certificate
    leaves its training devices out (a donor's document never carries training facts)."""
    devices = [
        d for d in queries.devices(store) if d.lot_id == lot.id and (lot.training or not d.training)
    ]
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
