"""`etabli beneficiary add|list|export|forget|purge`: the people a workshop gives, lends or
rents devices to, known by a file number; their personal data stays on this station
(bench_app/beneficiaries.py)."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench_app.commands.approvals import add_approval_arguments, approval_request
from bench_app.commands.help_language import say
from bench_app.text import Text

Common = Callable[..., None]

_REF_HELP = Text(
    "le numéro de dossier de la personne, jamais son nom", "the person's file number, never a name"
)


def add_beneficiary_parsers(sub: Any, common: Common) -> None:
    p = sub.add_parser(
        "beneficiary",
        help=say(
            Text(
                "les bénéficiaires : leurs données restent sur ce poste",
                "beneficiaries: their data stays on this station",
            )
        ),
    )
    common(p, top=False)
    b = p.add_subparsers(dest="beneficiary_command", required=True)

    a = b.add_parser("add", help=say(Text("enregistre une personne", "record a person")))
    common(a, top=False)
    a.add_argument("reference", metavar="REF", help=say(_REF_HELP))
    a.add_argument(
        "--name", default="", help=say(Text("son nom (facultatif)", "their name (optional)"))
    )
    a.add_argument(
        "--structure",
        default="",
        help=say(Text("la structure qui l’oriente (CCAS…)", "the referring structure (CCAS...)")),
    )
    a.add_argument(
        "--contact",
        default="",
        help=say(Text("un téléphone ou une adresse e-mail", "a phone number or an e-mail address")),
    )

    ls = b.add_parser(
        "list", help=say(Text("les personnes enregistrées ici", "the people recorded here"))
    )
    common(ls, top=False)
    ls.add_argument("--json", action="store_true")

    e = b.add_parser(
        "export",
        help=say(
            Text(
                "tout ce que le poste garde sur une personne (JSON, droit d’accès)",
                "everything the station holds about a person (JSON, right of access)",
            )
        ),
    )
    common(e, top=False)
    e.add_argument("reference", metavar="REF", help=say(_REF_HELP))
    e.add_argument(
        "--out",
        metavar="FILE.json",
        default=None,
        help=say(
            Text("le fichier à écrire (sinon : l’écran)", "the file to write (else: the screen)")
        ),
    )

    f = b.add_parser(
        "forget",
        help=say(
            Text(
                "efface les données personnelles d’une personne (droit à l’effacement)",
                "erase a person's personal data (right to erasure)",
            )
        ),
    )
    common(f, top=False)
    f.add_argument("reference", metavar="REF", help=say(_REF_HELP))
    # Where the station lists a supervisor, one approves (bench_app/approvals.py).
    add_approval_arguments(f)

    g = b.add_parser(
        "purge",
        help=say(
            Text(
                "efface les données passé le délai de conservation",
                "erase the data past the retention period",
            )
        ),
    )
    common(g, top=False)


def run_beneficiary(folder: Path, args: argparse.Namespace, lang: str) -> int:
    command = args.beneficiary_command
    if command in ("list", "export"):
        return _read(folder, args, lang)
    return _write(folder, args, lang)


def _read(folder: Path, args: argparse.Namespace, lang: str) -> int:
    from bench_app import beneficiaries
    from bench_app.store.database import DB_NAME, Store

    fr = lang == "fr"
    if args.beneficiary_command == "export":
        ref = beneficiaries.clean_reference(args.reference)  # refused before the store opens
        with Store.open_for_reading(folder / DB_NAME) as store:
            data = beneficiaries.export(store, ref)
        text = beneficiaries.export_json(data)
        if args.out is None:
            print(text, end="")
            return 0
        from bench_app.output.reports.spreadsheet import write_atomically

        out = Path(args.out)
        write_atomically(out, text.encode("utf-8"))
        devices = len(data["devices"])
        print(
            f"{out} : {ref}, {devices} appareil(s)."
            if fr
            else f"{out}: {ref}, {devices} device(s)."
        )
        return 0
    with Store.open_for_reading(folder / DB_NAME) as store:
        people = beneficiaries.listing(store)
    if args.json:
        rows = [
            {
                "reference": b.reference,
                "name": b.name,
                "structure": b.structure,
                "contact": b.contact,
                "registered_at": b.registered_at,
            }
            for b in people
        ]
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    if not people:
        print("Aucun bénéficiaire enregistré." if fr else "No beneficiary recorded.")
    for b in people:
        print("  ".join(x for x in (b.reference, b.name, b.structure, b.contact) if x))
    return 0


def _write(folder: Path, args: argparse.Namespace, lang: str) -> int:
    from bench_app import beneficiaries
    from bench_app.station import Station, operator_from_environment

    fr = lang == "fr"
    command = args.beneficiary_command
    ref = "" if command == "purge" else beneficiaries.clean_reference(args.reference)
    # The PIN is asked before anything is opened.
    request = approval_request(args, lang) if command == "forget" else None
    station = Station(folder, operator=operator_from_environment())
    try:
        if command == "add":
            beneficiaries.add(
                station.store,
                ref,
                name=args.name,
                structure=args.structure,
                contact=args.contact,
                operator=station.operator,
                training=station.training,
            )
            print(f"Enregistré : {ref}." if fr else f"Recorded: {ref}.")
            return 0
        if command == "forget":
            station.forget_beneficiary(ref, approval=request)
            print(
                f"Effacé : nom, structure et contact de {ref}. L’historique des appareils garde "
                "le numéro de dossier."
                if fr
                else f"Erased: name, structure and contact of {ref}. The devices' history keeps "
                "the file number."
            )
            return 0
        erased = [*station.forgotten_on_open, *station.purge_beneficiaries()]
    finally:
        station.close()
    months = station.settings.beneficiary_retention_months
    if fr:
        print(f"Délai de conservation : {months} mois. Effacés : {len(erased)}.")
    else:
        print(f"Retention period: {months} months. Erased: {len(erased)}.")
    for ref in erased:
        print(f"  {ref}")
    return 0
