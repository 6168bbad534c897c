"""One certificate for a whole laptop (or desktop): its identity, each internal disk's
erasure, the system written on it if any, signed by the station.

Issued only when every disk of the computer is erased and verified: the disks its agent
offered as internal (its latest inventory through the agent) and the disks linked to it
(docked at the station). One that is not (never erased, failed, or erased as another
computer's disk) refuses the certificate, naming it (LAPTOP_CERT_NOT_ERASED): a laptop
certificate never covers part of the laptop.

The file is built like a lot's: a signed summary (type LAPTOP_TYPE) lists each disk's
erasure document with the SHA-256 of its canonical form, then each disk has its own section
and its own signed data attached (the erasure certificate of that disk, as
`etabli certificate DISK` gives it). `etabli verify-certificate` checks that the attached
disk documents are exactly the ones the summary lists."""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib.units import mm
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    KeepTogether,
    PageBreak,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from bench_app.domain.model import Device
from bench_app.erasure.wording import model_words, value_words
from bench_app.output.certificates.assemble import _assemble
from bench_app.output.certificates.document import (
    SUCCESS_LINE,
    Issuer,
    identifier_text,
    now_utc,
)
from bench_app.output.certificates.laptop_document import laptop_documents
from bench_app.output.certificates.layout import (
    GOOD_FILL,
    KIND_LABELS,
    _brand_model,
    _Page,
    _two_columns,
    device_flowables,
    result_box,
    signed_block,
)
from bench_app.output.formatting import size_text, when_text
from bench_app.output.pdf_style import FONT, FRAME_WIDTH, GOOD, RULE
from bench_app.signing import sign_document
from bench_app.store.database import Store
from bench_app.text import Text

# -- the page --------------------------------------------------------------------------------


def laptop_flowables(
    document: dict[str, Any], envelope: dict[str, Any], lang: str
) -> list[Flowable]:
    """The summary page: verdict, the computer, its disks, its system, the signature."""
    page = _Page(lang)
    t = page.t
    computer = document["computer"]
    counts = document["counts"]
    kind = KIND_LABELS.get(computer["kind"], Text(computer["kind"], computer["kind"])).get(lang)
    out: list[Flowable] = [
        Paragraph(
            escape(t(f"Certificat d’effacement — {kind.lower()}", f"Erasure certificate — {kind}")),
            page.s.title,
        ),
        page.p(
            f"{t('Référence', 'Reference')} {document['reference']}  ·  "
            f"{t('Appareil', 'Device')} {computer['asset_code']}  ·  "
            f"{t('Émis le', 'Issued')} {when_text(document['issued_at'], lang)}",
            page.s.small,
        ),
        Spacer(1, 3 * mm),
    ]
    banner = Paragraph(
        escape(f"{SUCCESS_LINE} : {counts['certified']}/{counts['disks']}"), page.banner_good
    )
    detail = page.p(
        t(
            f"Chacun des {counts['disks']} disques internes de cet ordinateur a été effacé et "
            "vérifié ; la section de chaque disque, ci-après, détaille son effacement.",
            f"Each of the {counts['disks']} internal disks of this computer was erased and "
            "verified; each disk's section below details its erasure.",
        ),
        page.s.body,
    )
    out += [result_box([[banner], [detail]], GOOD_FILL, GOOD), Spacer(1, 2 * mm)]
    half = FRAME_WIDTH / 2 - 3 * mm
    org = document["organisation"]
    donor, lot = document.get("donor"), document.get("lot")
    left = [
        (t("Organisation", "Organisation"), org.get("name") or "—"),
        (t("Adresse", "Address"), org.get("address") or "—"),
        (t("Contact", "Contact"), org.get("contact") or "—"),
        (t("Donateur", "Donor"), donor["name"] if donor else "—"),
        (t("Lot", "Lot"), lot["id"] if lot else "—"),
    ]
    right = [
        (t("Code d’inventaire", "Asset code"), computer["asset_code"]),
        (t("Nature", "Kind"), kind),
        (t("Marque et modèle", "Brand and model"), _brand_model(computer, lang) or "—"),
        (t("N° de série", "Serial number"), identifier_text(computer.get("serial") or "—")),
    ]
    out.append(_two_columns(page.pairs(left, half), page.pairs(right, half)))

    out.append(page.heading("Disques internes", "Internal disks"))
    head = [
        t("Disque", "Disk"),
        t("N° de série", "Serial"),
        t("Modèle, taille", "Model, size"),
        t("Méthode", "Method"),
        t("Vérification", "Verification"),
        t("Référence", "Reference"),
    ]
    data: list[list[Any]] = [[page.p(h, page.cell_label) for h in head]]
    for row in document["disks"]:
        size = size_text(int(row["size_bytes"]), lang) if row.get("size_bytes") else "—"
        method = (
            f"{value_words(row['technique']).get(lang)} "
            f"({value_words(row['method']).get(lang)}), "
            f"{row['passes']} {t('passage(s)', 'pass(es)')}"
        )
        verification = row["verification"]
        checked = value_words(verification.get("mode") or "—").get(lang) + t(
            " : effacé et vérifié", ": erased and verified"
        )
        data.append(
            [
                page.p(row["asset_code"]),
                page.p(identifier_text(row["serial"])),
                page.p(f"{model_words(row['model']).get(lang)}, {size}"),
                page.p(method),
                page.p(checked),
                page.p(row["reference"]),
            ]
        )
    widths = [0.12, 0.16, 0.2, 0.2, 0.17, 0.15]
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

    out.append(page.heading("Système installé", "System installed"))
    system = document.get("system")
    if isinstance(system, dict):
        rows = [
            (t("Image", "Image"), system["image"]),
            (
                t("Empreinte de la carte de blocs", "Block map checksum")
                if system.get("checksum_of") == "bmap"
                else t("Empreinte de l’image", "Image checksum"),
                f"sha256 {system['checksum']}",
            ),
            (
                t("Écrit sur", "Written to"),
                f"{system['disk_asset_code']} ({t('n°', 'serial')} "
                f"{identifier_text(system.get('disk_serial') or '—')}), "
                f"{when_text(system.get('written_at'), lang)}",
            ),
            (
                t("Vérification", "Verification"),
                t(
                    "chaque zone écrite relue, conforme à l’image",
                    "every written range read back, as in the image",
                ),
            ),
        ]
    else:
        rows = [(t("Image", "Image"), t("aucun système écrit par l’atelier", "none written"))]
    out.append(page.pairs(rows, FRAME_WIDTH))
    out.append(Spacer(1, 4 * mm))
    out.append(CondPageBreak(52 * mm))
    station = document["station"]
    who = station.get("name") or ", ".join(station["ids"])
    lines = [
        t(
            f"Résumé signé (Ed25519) par le poste {who}, clé {station['key_id']}, le "
            f"{when_text(document['issued_at'], lang)}. Chaque disque a ensuite sa propre "
            "section et ses propres données signées, jointes au fichier.",
            f"Summary signed (Ed25519) by station {who}, key {station['key_id']}, on "
            f"{when_text(document['issued_at'], lang)}. Each disk then has its own section "
            "and its own signed data, attached to the file.",
        ),
        t(
            "Vérification hors ligne : etabli verify-certificate FICHIER.pdf",
            "Offline check: etabli verify-certificate FILE.pdf",
        ),
    ]
    if document.get("training"):
        lines.append(
            t(
                "Fait en mode formation : ce document ne vaut pas pour un don réel.",
                "Made in training mode: this document is not valid for a real donation.",
            )
        )
    sign = signed_block(page, lines, envelope, code=46 * mm, column=50 * mm)
    out.append(KeepTogether([sign]))
    return out


def laptop_certificate(
    store: Store, issuer: Issuer, computer: Device, lang: str = "fr"
) -> tuple[bytes, dict[str, Any]]:
    """The signed PDF of the whole computer (summary page, then one section per disk, each
    with its signed data attached) and the summary's signed envelope."""
    summary, documents = laptop_documents(store, issuer, computer, now_utc())
    envelope = sign_document(issuer.key, summary)
    envelopes = [sign_document(issuer.key, d) for d in documents]
    flowables = laptop_flowables(summary, envelope, lang)
    for disk in envelopes:
        flowables.append(PageBreak())
        flowables += device_flowables(disk["document"], disk, lang)
    title = (
        "Certificat d’effacement de l’ordinateur "
        if lang == "fr"
        else "Computer erasure certificate "
    ) + summary["reference"]
    data = _assemble(
        flowables,
        envelopes=[envelope, *envelopes],
        issuer=issuer,
        title=title,
        footer=f"{title} — {computer.asset_code}",
        training=bool(summary["training"]),
        lang=lang,
    )
    return data, envelope
