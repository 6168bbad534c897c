"""`etabli loans [--due-within DAYS] [--overdue]` (the devices lent or rented and not back,
which are due soon, which are late) and `etabli return ASSET --condition TEXT` (a device
back: its loan closed, its check and erasure to do again)."""

from __future__ import annotations

import argparse
import json
from datetime import date
from pathlib import Path
from typing import Any

from bench_app.commands.arguments import whole_number
from bench_app.commands.help_language import say
from bench_app.domain.model import OutcomeKind
from bench_app.loans import (
    REMIND_DAYS,
    RETURN_STATES,
    STATUS_WORDS,
    Loan,
    LoanStatus,
    due_within,
    open_loans,
    overdue,
)
from bench_app.store.database import DB_NAME, Store
from bench_app.text import Text

Common = Any
MAX_DAYS = 3650

# Said with a sign as well as a word (never by colour alone, even in a terminal).
MARKS = {LoanStatus.OVERDUE: "⚠", LoanStatus.DUE_SOON: "⏰", LoanStatus.OUT: "·"}
KIND_WORDS = {
    OutcomeKind.LOAN: Text("prêt", "loan"),
    OutcomeKind.RENTAL: Text("location", "rental"),
}


def add_loan_parsers(sub: Any, common: Common) -> None:
    p = sub.add_parser(
        "loans",
        help=say(
            Text(
                "les appareils prêtés ou loués pas encore rendus, bientôt dus, en retard",
                "devices lent or rented and not back yet, due soon, overdue",
            )
        ),
    )
    common(p, top=False)
    p.add_argument(
        "--due-within",
        type=whole_number(0, MAX_DAYS),
        default=None,
        metavar="DAYS",
        help=say(
            Text(
                "seulement ceux à rendre dans ce nombre de jours",
                "only those due back within this many days",
            )
        ),
    )
    p.add_argument(
        "--overdue",
        action="store_true",
        help=say(Text("seulement ceux en retard", "only the overdue ones")),
    )
    p.add_argument("--json", action="store_true")

    p = sub.add_parser(
        "return",
        help=say(
            Text(
                "enregistre le retour d’un appareil prêté ou loué (il repasse au contrôle)",
                "record a lent or rented device's return (it goes back to its check)",
            )
        ),
    )
    common(p, top=False)
    p.add_argument(
        "asset",
        metavar="ASSET",
        help=say(Text("le code d’inventaire, tel qu’imprimé", "the asset code, as printed")),
    )
    p.add_argument(
        "--condition",
        required=True,
        metavar="TEXT",
        help=say(
            Text(
                "dans quel état il revient, en quelques mots",
                "in what condition it came back, in a few words",
            )
        ),
    )
    p.add_argument(
        "--state",
        choices=list(RETURN_STATES),
        default="",
        help=say(Text("l’état en un mot", "the condition in one word")),
    )
    p.add_argument("--json", action="store_true")


def _line(loan: Loan, today: date, within: int, lang: str) -> str:
    fr = lang == "fr"
    status = loan.status(today, within)
    left = loan.days_left(today)
    due = "?" if loan.due_on is None else loan.due_on.isoformat()
    if left is None:
        when = ""
    elif left < 0:
        when = f"{-left} j de retard" if fr else f"{-left} days late"
    else:
        when = f"dans {left} j" if fr else f"in {left} days"
    parts = [
        f"{MARKS[status]} {STATUS_WORDS[status].get(lang)}",
        loan.asset_code,
        KIND_WORDS[loan.kind].get(lang),
        ("dossier " if fr else "file ") + loan.beneficiary,
        ("retour le " if fr else "due ") + due + (f" ({when})" if when else ""),
    ]
    term = loan.next_term(today)
    if term is not None:
        parts.append(("échéance " if fr else "next term ") + term.isoformat())
    parts.append(
        ("fiche signée" if fr else "sheet signed")
        if loan.signed
        else ("fiche NON signée" if fr else "sheet NOT signed")
    )
    return "  ".join(parts)


def run_loans(folder: Path, args: argparse.Namespace, lang: str) -> int:
    today = date.today()
    within = REMIND_DAYS if args.due_within is None else args.due_within
    with Store.open_for_reading(folder / DB_NAME) as store:
        out = open_loans(store)
    shown = out
    if args.due_within is not None or args.overdue:
        picked: set[str] = set()
        if args.due_within is not None:
            picked |= {loan.loan_id for loan in due_within(out, today, within)}
        if args.overdue:
            picked |= {loan.loan_id for loan in overdue(out, today)}
        shown = [loan for loan in out if loan.loan_id in picked]
    if args.json:
        data = {
            "today": today.isoformat(),
            "due_within_days": within,
            "loans": [loan.to_json(today, within) for loan in shown],
        }
        print(json.dumps(data, ensure_ascii=False, indent=2))
        return 0
    if not shown:
        print("Aucun prêt à montrer." if lang == "fr" else "No loan to show.")
        return 0
    for loan in shown:
        print(_line(loan, today, within, lang))
    return 0


def run_return(folder: Path, args: argparse.Namespace, lang: str) -> int:
    from bench_app.station import Station, operator_from_environment

    station = Station(folder, operator=operator_from_environment())
    try:
        device = station.find_by_code(args.asset)
        station.return_device(device.id, args.condition, args.state)
        journey = station.journey(device.id)
    finally:
        station.close()
    if args.json:
        data = {
            "asset_code": device.asset_code,
            "returned": True,
            "condition": args.condition.strip(),
            "state": args.state,
            "journey": journey.to_json(),
        }
        print(json.dumps(data, ensure_ascii=False, indent=2))
        return 0
    fr = lang == "fr"
    step = journey.next
    following = "" if step is None else step.label.get(lang)
    print(
        (f"Retour enregistré : {device.asset_code}. Ensuite : {following}.")
        if fr
        else f"Return recorded: {device.asset_code}. Next: {following}."
    )
    return 0
