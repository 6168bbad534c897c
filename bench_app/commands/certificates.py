"""`etabli certificate`, `etabli verify-certificate`, `etabli report erasure` and
`etabli keys export-public|trust|show`."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench_app.commands.help_language import say
from bench_app.errors import BenchError
from bench_app.text import Text

if TYPE_CHECKING:
    from bench_app.domain.model import Device, Lot
    from bench_app.output.certificates.document import Issuer
    from bench_app.output.certificates.issued import IssuedCertificate
    from bench_app.store.database import Store

# The keys (cryptography) and the store load only when a command uses them, so the other
# commands, and `--help`, start without them.

Common = Callable[..., None]


def add_certificate_parsers(sub: Any, common: Common) -> None:
    p = sub.add_parser(
        "certificate",
        help=say(
            Text(
                "certificat d’effacement signé (PDF) d’un appareil, ou de tout un lot",
                "signed erasure certificate (PDF) of a device, or of a whole lot",
            )
        ),
    )
    common(p, top=False)
    p.add_argument(
        "asset",
        nargs="?",
        help=say(Text("le code d’inventaire de l’appareil", "the device's asset code")),
    )
    p.add_argument(
        "--lot",
        metavar="LOT_ID",
        help=say(
            Text(
                "un certificat pour tous les appareils d’un lot",
                "one certificate for every device of a lot",
            )
        ),
    )
    p.add_argument("-o", "--output", required=True, metavar="FILE.pdf")

    p = sub.add_parser(
        "verify-certificate",
        help=say(
            Text(
                "vérifie un certificat PDF hors ligne (code 0 seulement s’il est intact)",
                "check a certificate PDF offline (exit 0 only when intact)",
            )
        ),
    )
    common(p, top=False)
    p.add_argument("file", metavar="FILE.pdf")
    p.add_argument(
        "--key",
        action="append",
        default=[],
        metavar="FILE.pub",
        help=say(
            Text(
                "fait aussi confiance à cette clé publique (PEM ou base64) pour cette vérification",
                "also trust this public key (PEM or base64) for this check",
            )
        ),
    )
    p.add_argument("--json", action="store_true")

    p = sub.add_parser(
        "report", help=say(Text("rapports lisibles par une machine", "machine-readable reports"))
    )
    common(p, top=False)
    report_sub = p.add_subparsers(dest="report_command", required=True)
    r = report_sub.add_parser(
        "erasure",
        help=say(
            Text(
                "le JSON signé du dernier effacement d’un appareil",
                "the signed JSON of a device's latest erasure",
            )
        ),
    )
    common(r, top=False)
    r.add_argument(
        "asset", help=say(Text("le code d’inventaire de l’appareil", "the device's asset code"))
    )
    r.add_argument("-o", "--output", required=True, metavar="FILE.json")

    p = sub.add_parser(
        "keys",
        help=say(
            Text(
                "la clé de signature du poste et les clés de confiance",
                "the station's signing key and the keys it trusts",
            )
        ),
    )
    common(p, top=False)
    keys_sub = p.add_subparsers(dest="keys_command", required=True)
    k = keys_sub.add_parser(
        "export-public",
        help=say(
            Text(
                "affiche (ou écrit) la clé publique du poste",
                "print (or write) the station's public key",
            )
        ),
    )
    common(k, top=False)
    k.add_argument("-o", "--output", metavar="FILE.pub")
    k = keys_sub.add_parser(
        "trust",
        help=say(
            Text(
                "fait confiance à la clé d’un autre poste ou du collectif",
                "trust another station's or the collective's key",
            )
        ),
    )
    common(k, top=False)
    k.add_argument("file", metavar="FILE.pub")
    k = keys_sub.add_parser(
        "show",
        help=say(
            Text(
                "l’identifiant de la clé du poste et les clés de confiance",
                "the station's key id and the trusted keys",
            )
        ),
    )
    common(k, top=False)


def _store(folder: Path) -> Store:
    from bench_app.store.database import DB_NAME, Store

    return Store.open_for_reading(folder / DB_NAME)


def _device(store: Store, asset: str) -> Device:
    from bench_app.domain.asset_code import AssetCode
    from bench_app.store import queries

    code = str(AssetCode.parse(asset))
    device = queries.device_by_code(store, code)
    if device is None:
        raise BenchError("ASSET_CODE_UNKNOWN", code=code)
    return device


def _lot(store: Store, text: str) -> Lot:
    from bench_app.store import queries

    wanted = text.strip().lower()
    # A unique start of the id is enough (as with git), so nobody types 36 characters.
    found = [x for x in queries.lots(store) if wanted and x.id.lower().startswith(wanted)]
    if len(found) != 1:
        raise BenchError("CERT_LOT_UNKNOWN", lot=text)
    return found[0]


def _issuer(folder: Path, lang: str, *, training: bool) -> Issuer:
    """Who signs: refused (WORKSHOP_UNNAMED) while the workshop has no name, unless the
    device or lot certified is a training one (its document carries the class defaults)."""
    from bench_app.output.certificates.document import Issuer
    from bench_app.settings import Settings
    from bench_app.signing import StationKey
    from bench_app.workshop import document_settings

    settings = document_settings(Settings.load(folder), training=training, lang=lang)
    return Issuer(settings, StationKey.load_or_create(folder))


def _write(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):  # its folder may be what is wrong
            tmp.unlink()
        raise BenchError("CERT_WRITE_FAILED", path=str(path), detail=exc.strerror or "") from exc


def run_certificate(folder: Path, args: argparse.Namespace, lang: str) -> int:
    from bench_app.disk_links import COMPUTER_KINDS
    from bench_app.output.certificates.issued import (
        issue_device_certificate,
        issue_laptop_certificate,
        issue_lot_certificate,
    )
    from bench_app.settings import Settings

    if bool(args.asset) == bool(args.lot):
        print(
            "Donnez un code d’appareil ou --lot LOT_ID (pas les deux)."
            if lang == "fr"
            else "Give a device's asset code or --lot LOT_ID (not both).",
            file=sys.stderr,
        )
        return 2
    Settings.load(folder)  # a damaged settings file is said before anything is read
    output = Path(args.output)
    with _store(folder) as store:
        if args.lot:
            lot = _lot(store, args.lot)
            issuer = _issuer(folder, lang, training=lot.training)
            issued = issue_lot_certificate(store, issuer, lot, lang)
            counts = issued.envelope["document"]["counts"]
            summary = (
                f"{counts['certified']}/{counts['devices']} effacés et vérifiés"
                if lang == "fr"
                else f"{counts['certified']}/{counts['devices']} erased and verified"
            )
        elif (device := _device(store, args.asset)).kind in COMPUTER_KINDS:
            # A laptop's or desktop's: one certificate for every one of its disks.
            issuer = _issuer(folder, lang, training=device.training)
            issued = issue_laptop_certificate(store, issuer, device, lang)
            counts = issued.envelope["document"]["counts"]
            summary = (
                f"{counts['certified']}/{counts['disks']} disques effacés et vérifiés"
                if lang == "fr"
                else f"{counts['certified']}/{counts['disks']} disks erased and verified"
            )
        else:
            issuer = _issuer(folder, lang, training=device.training)
            issued = issue_device_certificate(store, issuer, device, lang)
            summary = (
                ("effacé et vérifié" if lang == "fr" else "erased and verified")
                if issued.ok
                else ("NON EFFACÉ" if lang == "fr" else "NOT ERASED")
            )
    _write(output, issued.data)
    print(f"{output}: {issued.reference}, {summary}")
    _record_issued(folder, issued, output, lang)
    return 0


def _record_issued(folder: Path, issued: IssuedCertificate, output: Path, lang: str) -> None:
    """Records the certificate given out (`certificate.issued`). With the window open on
    this folder, or the folder read-only, the file is written all the same, and the command
    says it was not recorded."""
    from bench_app.input_files import shown
    from bench_app.output.certificates.issued import Delivery
    from bench_app.station import Station, operator_from_environment

    try:
        station = Station(folder, operator=operator_from_environment())
    except BenchError as exc:
        if exc.code == "DB_LOCKED":
            print(
                "Certificat écrit mais pas noté : Établi est ouvert sur ce dossier."
                if lang == "fr"
                else "Certificate written but not recorded: Établi is open on this folder.",
                file=sys.stderr,
            )
            return
        if exc.code == "DATA_FOLDER_READONLY":  # a stick read elsewhere: never written
            print(
                "Certificat écrit mais pas noté : le dossier de données est en lecture seule."
                if lang == "fr"
                else "Certificate written but not recorded: the data folder is read-only.",
                file=sys.stderr,
            )
            return
        raise
    try:
        payload = issued.payload(Delivery.FILE, shown(str(output.absolute())))
        station.certificate_issued(payload, training=issued.training)
    finally:
        station.close()


def run_verify_certificate(folder: Path, args: argparse.Namespace, lang: str) -> int:
    from bench_app.output.certificates.document import is_success
    from bench_app.output.certificates.verify import read_certificate, verify_pdf
    from bench_app.signing import Keyring

    fr = lang == "fr"
    path = Path(args.file)
    try:
        keyring = Keyring.for_station(folder)
        for extra in args.key:
            keyring.add_file(Path(extra))
        try:
            data = read_certificate(path)
        except OSError as exc:
            raise BenchError(
                "CERT_NOT_CERTIFICATE", path=str(path), detail=exc.strerror or str(exc)
            ) from exc
        check = verify_pdf(data, keyring, str(path))
    except BenchError as exc:
        if args.json:
            print(json.dumps({"ok": False, "code": exc.code, "reason": exc.message.get(lang)}))
        print(("NON VALIDE : " if fr else "NOT VALID: ") + exc.text(lang), file=sys.stderr)
        return 1
    signer = check.signer
    who = (
        ("ce poste" if fr else "this station")
        if signer.source == "station"
        else Path(signer.source).name
    )
    if args.json:
        print(
            json.dumps(
                {
                    "ok": True,
                    "key_id": signer.key_id,
                    "key_source": signer.source,
                    "issued_at": check.issued_at,
                    "lot": check.lot,
                    "laptop": check.laptop,
                    "devices": check.devices,
                    "notes": check.notes,
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        return 0
    print(
        f"VALIDE : fichier intact, signé par la clé {signer.key_id} ({who}) le {check.issued_at}."
        if fr
        else f"VALID: file intact, signed by key {signer.key_id} ({who}) on {check.issued_at}."
    )
    if check.lot is not None:
        counts = check.lot["counts"]
        print(
            f"  {check.lot['reference']}: "
            + (
                f"lot {check.lot['lot']['id']}, {counts['certified']}/{counts['devices']} effacés et vérifiés"
                if fr
                else f"lot {check.lot['lot']['id']}, {counts['certified']}/{counts['devices']} erased and verified"
            )
        )
    if check.laptop is not None:
        computer, counts = check.laptop["computer"], check.laptop["counts"]
        system = (check.laptop.get("system") or {}).get("image") or "—"
        print(
            f"  {check.laptop['reference']}: {computer['asset_code']} "
            f"{computer['brand']} {computer['model']} "
            + (
                f"n° {computer['serial']}, {counts['certified']}/{counts['disks']} disques effacés et vérifiés, système {system}"
                if fr
                else f"serial {computer['serial']}, {counts['certified']}/{counts['disks']} disks erased and verified, system {system}"
            )
        )
    for d in check.devices:
        station = d["station"]
        if is_success(d):
            result = "EFFACÉ ET VÉRIFIÉ" if fr else "ERASED AND VERIFIED"
        else:
            reasons = " ".join(Text.from_json(r).get(lang) for r in d["erasure"]["reasons"])
            result = ("NON EFFACÉ" if fr else "NOT ERASED") + (f" — {reasons}" if reasons else "")
            if d["erasure"]["result"] == "in_progress":
                result += " (en cours)" if fr else " (in progress)"
        print(
            f"  {d['reference']}  {d['device']['asset_code']}  "
            f"{d['erasure']['target'].get('model', '')}  "
            f"{'poste' if fr else 'station'} {station.get('name') or station['id']}: {result}"
        )
    for note in check.notes:
        print(f"  ! {note}")
    return 0


def run_report(folder: Path, args: argparse.Namespace, lang: str) -> int:
    from bench_app.output.certificates.assemble import device_envelope
    from bench_app.wire.canonical import canonical_json

    with _store(folder) as store:
        device = _device(store, args.asset)
        envelope = device_envelope(store, _issuer(folder, lang, training=device.training), device)
    _write(Path(args.output), canonical_json(envelope))
    print(
        f"{args.output}: {envelope['document']['reference']} ({envelope['document']['erasure']['result']})"
    )
    return 0


def run_keys(folder: Path, args: argparse.Namespace, lang: str) -> int:
    from bench_app.signing import Keyring, StationKey, public_pem, trust_key_file

    fr = lang == "fr"
    if args.keys_command == "export-public":
        station = StationKey.load_or_create(folder)
        pem = public_pem(station.public)
        if args.output:
            _write(Path(args.output), pem.encode("ascii"))
            print(f"{args.output}: {'clé' if fr else 'key'} {station.key_id}")
        else:
            sys.stdout.write(pem)
            print(f"{'clé' if fr else 'key'} {station.key_id}", file=sys.stderr)
        return 0
    if args.keys_command == "trust":
        trusted = trust_key_file(folder, Path(args.file))
        print(
            f"{'Clé de confiance ajoutée' if fr else 'Trusted key added'}: {trusted.key_id} "
            f"({trusted.source})"
        )
        return 0
    ring = Keyring.for_station(folder)
    mine = StationKey.load_or_create(folder)
    print(f"{'Clé du poste' if fr else 'Station key'}: {mine.key_id} ({mine.path})")
    for kid, trusted in sorted(ring.keys.items()):
        if trusted.source != "station":
            print(f"{'Confiance' if fr else 'Trusted'}: {kid} ({trusted.source})")
    return 0
