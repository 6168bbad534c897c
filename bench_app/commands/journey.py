"""`etabli journey ASSET` (stages done, the next one, what blocks) and
`etabli outcome ASSET KIND` (where the device goes, once the journey's rules allow it)."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench_app.commands.approvals import add_approval_arguments, approval_request
from bench_app.commands.arguments import training_requested
from bench_app.commands.help_language import say
from bench_app.domain.model import OutcomeKind
from bench_app.errors import BenchError
from bench_app.text import Text

if TYPE_CHECKING:  # the journey's rules and the store load when a device's is read
    from bench_app.journey import Journey
    from bench_app.store.database import Store

Common = Callable[..., None]

# The words of the command line, and the outcome each records: "reuse" hands the device
# to a beneficiary (a donation); "parts" is spare parts.
OUTCOME_ARGUMENTS: dict[str, OutcomeKind] = {
    "reuse": OutcomeKind.DONATION,
    "loan": OutcomeKind.LOAN,
    "rental": OutcomeKind.RENTAL,
    "sale": OutcomeKind.SALE,
    "parts": OutcomeKind.SPARE_PARTS,
    "recycling": OutcomeKind.RECYCLING,
}
OUTCOME_NAMES: dict[OutcomeKind, Text] = {
    OutcomeKind.REUSE: Text("réemploi par l’atelier", "reused by the workshop"),
    OutcomeKind.DONATION: Text("réemploi (don)", "reuse (donation)"),
    OutcomeKind.LOAN: Text("prêt", "loan"),
    OutcomeKind.RENTAL: Text("location", "rental"),
    OutcomeKind.SALE: Text("vente solidaire", "solidarity sale"),
    OutcomeKind.SPARE_PARTS: Text("pièces détachées", "spare parts"),
    OutcomeKind.RECYCLING: Text("recyclage", "recycling"),
}


def add_journey_parsers(sub: Any, common: Common) -> None:
    p = sub.add_parser(
        "journey",
        help=say(
            Text(
                "les étapes faites d’un appareil, la suivante et ce qui bloque",
                "a device's stages done, the next one and what blocks",
            )
        ),
    )
    common(p, top=False)
    p.add_argument(
        "asset",
        metavar="ASSET",
        help=say(Text("le code d’inventaire, tel qu’imprimé", "the asset code, as printed")),
    )
    p.add_argument("--json", action="store_true")

    p = sub.add_parser(
        "outcome",
        help=say(
            Text(
                "enregistre où va un appareil (réemploi, prêt, vente…)",
                "record where a device goes (reuse, loan, sale...)",
            )
        ),
    )
    common(p, top=False)
    p.add_argument(
        "asset",
        metavar="ASSET",
        help=say(Text("le code d’inventaire, tel qu’imprimé", "the asset code, as printed")),
    )
    p.add_argument("kind", choices=list(OUTCOME_ARGUMENTS))
    p.add_argument(
        "--due",
        default="",
        metavar="YYYY-MM-DD",
        help=say(Text("la date de retour d’un prêt", "a loan's return date")),
    )
    p.add_argument(
        "--price",
        default="",
        metavar="EUR",
        help=say(Text("le prix d’une vente en euros", "a sale's price in euros")),
    )
    p.add_argument(
        "--reference",
        default="",
        metavar="REF",
        help=say(
            Text(
                "recyclage : le bordereau de l’éco-organisme", "recycling: the eco-organism's slip"
            )
        ),
    )
    p.add_argument(
        "--beneficiary",
        default="",
        metavar="REF",
        help=say(
            Text(
                "qui le reçoit : un numéro de dossier, jamais un nom",
                "who receives it: a file number, never a name",
            )
        ),
    )
    p.add_argument(
        "--note",
        default="",
        help=say(
            Text("une note libre gardée avec la destination", "a free note kept with the outcome")
        ),
    )
    p.add_argument(
        "--receipt",
        default="",
        metavar="NUM",
        help=say(Text("vente : le numéro du reçu", "sale: the receipt number")),
    )
    p.add_argument(
        "--months",
        default="",
        metavar="N",
        help=say(Text("location : sa durée en mois (1 à 60)", "rental: its term in months (1-60)")),
    )
    p.add_argument(
        "--part",
        default="",
        metavar="NAME",
        help=say(Text("pièces : la pièce donnée", "parts: the part given")),
    )
    p.add_argument(
        "--to",
        default="",
        metavar="ASSET",
        help=say(
            Text(
                "pièces : le code de l’appareil qui la reçoit", "parts: the receiving device's code"
            )
        ),
    )
    p.add_argument(
        "--weight",
        default="",
        metavar="KG",
        help=say(Text("recyclage : le poids en kilos", "recycling: the weight in kilograms")),
    )
    p.add_argument(
        "--signed",
        action="store_true",
        help=say(
            Text("prêt, location : la fiche de remise est signée", "loan, rental: sheet signed")
        ),
    )
    p.add_argument(
        "--signature",
        default=None,
        metavar="FILE",
        help=say(
            Text(
                "prêt, location : la photo de la fiche signée (PNG ou JPEG)",
                "loan, rental: the photo of the signed sheet (PNG or JPEG)",
            )
        ),
    )
    # Recycling a device that passed its checks needs a supervisor's approval.
    add_approval_arguments(p)


def _journey(store: Store, folder: Path, asset: str) -> tuple[Any, Journey]:
    from bench_app.domain.asset_code import AssetCode
    from bench_app.jobs.pipelines import default_pipelines
    from bench_app.journey import JourneyPolicy, device_journey, pipeline_purposes
    from bench_app.settings import Settings
    from bench_app.store import queries

    code = str(AssetCode.parse(asset))
    device = queries.device_by_code(store, code)
    if device is None:
        raise BenchError("ASSET_CODE_UNKNOWN", code=code)
    settings = Settings.load(folder)
    journey = device_journey(
        store,
        device,
        purposes=pipeline_purposes(default_pipelines(folder).all()),
        policy=JourneyPolicy(settings.phone_system),
    )
    return device, journey


def run_journey(folder: Path, args: argparse.Namespace, lang: str) -> int:
    from bench_app.journey import COMPUTER_KINDS, STAGE_NAMES
    from bench_app.store import queries
    from bench_app.store.database import DB_NAME, Store

    with Store.open_for_reading(folder / DB_NAME) as store:
        device, journey = _journey(store, folder, args.asset)
        history = [e.payload for e in queries.value_history(store, device.id, "outcome.recorded")]
    if args.json:
        data = {
            "asset_code": device.asset_code,
            **journey.to_json(),
            "outcome_history": [
                {k: v for k, v in p.items() if k != "device_id" and not k.startswith("hlc")}
                for p in history
            ],
        }
        print(json.dumps(data, ensure_ascii=False, indent=2))
        return 0
    fr = lang == "fr"
    print(f"{device.asset_code}  {device.kind.value}  {device.label}")
    for stage in journey.stages:
        name = STAGE_NAMES[stage].get(lang)
        if stage in journey.skipped:
            print(f"  –  {name} ({journey.skipped[stage].get(lang)})")
        elif stage in journey.done:
            print(f"  ✓  {name}")
        elif journey.next is not None and journey.next.stage is stage:
            print(f"  ▶  {name}")
        else:
            print(f"  ·  {name}")
    if device.kind in COMPUTER_KINDS:
        print(_disks_line(journey, lang))
    if journey.next is None:
        print("Parcours terminé." if fr else "Journey complete.")
    else:
        print(("Prochaine étape : " if fr else "Next: ") + journey.next.label.get(lang))
    for b in journey.blockers:
        print(("Bloque : " if fr else "Blocks: ") + f"{b.reason.get(lang)} {b.action.get(lang)}")
    allowed = ", ".join(
        OUTCOME_NAMES[k].get(lang) for k in OutcomeKind if k in journey.allowed_outcomes
    )
    print(("Destinations possibles : " if fr else "Possible outcomes: ") + allowed)
    for number, payload in enumerate(history, 1):
        current = number == len(history)
        print(
            ("Destination : " if fr else "Outcome: ")
            if current
            else ("  avant : " if fr else "  before: "),
            end="",
        )
        print(_outcome_line(payload, lang))
    return 0


def _disks_line(journey: Journey, lang: str) -> str:
    """A computer's linked disks and where each is: "Disques : ABCD-… effacé ✓ · …"."""
    fr = lang == "fr"
    states = []
    for disk in journey.disks:
        if disk.failing:
            state = Text("défaillant", "failing")
        elif disk.erased:
            state = Text("effacé ✓", "erased ✓")
        elif disk.erasure_failed:
            state = Text("effacement échoué", "erasure failed")
        else:
            state = Text("pas encore effacé", "not erased yet")
        states.append(f"{disk.asset_code} {state.get(lang)}")
    listed = " · ".join(states) or ("aucun relié" if fr else "none linked")
    return ("Disques : " if fr else "Disks: ") + listed


def _outcome_line(payload: dict[str, Any], lang: str) -> str:
    from bench_app.journey import more_outcome_words

    kinds = {k.value: k for k in OutcomeKind}
    kind = kinds.get(str(payload.get("kind")))
    words = [OUTCOME_NAMES[kind].get(lang) if kind else str(payload.get("kind"))]
    fr = lang == "fr"
    if payload.get("beneficiary"):
        words.append(("bénéficiaire " if fr else "beneficiary ") + str(payload["beneficiary"]))
    if payload.get("due_on"):
        words.append(("retour le " if fr else "due ") + str(payload["due_on"]))
    if payload.get("price_eur"):
        price = str(payload["price_eur"])
        words.append(f"{price.replace('.', ',')} €" if fr else f"€{price}")
    if payload.get("reference"):
        words.append(("réf. " if fr else "ref. ") + str(payload["reference"]))
    words += [w.get(lang) for w in more_outcome_words(payload)]
    return ", ".join(words)


def run_outcome(folder: Path, args: argparse.Namespace, lang: str) -> int:
    from bench_app.journey import LOAN_KINDS, OutcomeChoice
    from bench_app.loans import read_picture
    from bench_app.station import Station, operator_from_environment
    from bench_app.store import queries

    choice = OutcomeChoice(
        OUTCOME_ARGUMENTS[args.kind],
        beneficiary=args.beneficiary,
        due_on=args.due,
        price=args.price,
        reference=args.reference,
        note=args.note,
        receipt=args.receipt,
        months=args.months,
        part=args.part,
        receiver=args.to,
        weight=args.weight,
        signed=args.signed,
    )
    # Read before anything is kept: a file that is not a picture records nothing.
    picture = None if args.signature is None else read_picture(args.signature)
    request = approval_request(args, lang)  # the PIN is asked before anything is opened
    # In training (--training), the class's trainer may approve too.
    station = Station(
        folder, operator=operator_from_environment(), training=training_requested(args)
    )
    try:
        device = station.find_by_code(args.asset)
        if picture is not None and choice.kind in LOAN_KINDS:
            choice = replace(choice, signature=station.keep_signature(picture))
        station.choose_outcome(device.id, choice, approval=request)
        outcome = queries.latest_outcome(station.store, device.id)
    finally:
        station.close()
    assert outcome is not None
    payload = {"kind": outcome.kind.value, "reference": outcome.reference, **outcome.details}
    print(
        ("Enregistré : " if lang == "fr" else "Recorded: ")
        + f"{device.asset_code} → {_outcome_line(payload, lang)}"
    )
    return 0
