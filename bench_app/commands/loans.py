"""`etabli loans [--due-within DAYS] [--overdue] [--unsigned]` (the devices lent or rented
and not back, which are due soon, which are late — back or in their payments — and whose
handover sheet is not signed), `etabli return ASSET --condition TEXT` (a device back: its
loan closed, its check and erasure to do again), `etabli loan-sign ASSET [--signature FILE]`
(the sheet signed after the handover) and `etabli loan-pay ASSET --amount EUR --receipt N`
(a rental's month paid)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench_app.commands.arguments import whole_number
from bench_app.commands.help_language import say
from bench_app.domain.model import RETURN_STATES, OutcomeKind
from bench_app.text import Text

if TYPE_CHECKING:  # the loans and the store load when a command reads them
    from datetime import date

    from bench_app.loans import Loan

Common = Any
MAX_DAYS = 3650
MAX_MONTHS = 60

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
        help=say(
            Text(
                "seulement ceux en retard (retour ou paiement)",
                "only the overdue ones (return or payment)",
            )
        ),
    )
    p.add_argument(
        "--unsigned",
        action="store_true",
        help=say(
            Text(
                "seulement ceux dont la fiche n’est pas signée", "only those with an unsigned sheet"
            )
        ),
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


def _asset_argument(p: Any) -> None:
    p.add_argument(
        "asset",
        metavar="ASSET",
        help=say(Text("le code d’inventaire, tel qu’imprimé", "the asset code, as printed")),
    )


def add_loan_record_parsers(sub: Any, common: Common) -> None:
    """`loan-sign` and `loan-pay`: what happens to a loan while it is out."""
    p = sub.add_parser(
        "loan-sign",
        help=say(
            Text(
                "la fiche de remise d’un prêt est signée après coup (et sa photo, si donnée)",
                "a loan's handover sheet was signed afterwards (and its photo, if given)",
            )
        ),
    )
    common(p, top=False)
    _asset_argument(p)
    p.add_argument(
        "--signature",
        default=None,
        metavar="FILE",
        help=say(
            Text(
                "la photo de la fiche signée ou de la signature (PNG ou JPEG)",
                "the photo of the signed sheet or of the signature (PNG or JPEG)",
            )
        ),
    )
    p.add_argument("--json", action="store_true")

    p = sub.add_parser(
        "loan-pay",
        help=say(Text("enregistre un paiement d’une location", "record a payment of a rental")),
    )
    common(p, top=False)
    _asset_argument(p)
    p.add_argument(
        "--amount",
        required=True,
        metavar="EUR",
        help=say(Text("le montant payé, en euros (12,50)", "the amount paid, in euros (12.50)")),
    )
    p.add_argument(
        "--receipt",
        required=True,
        metavar="NUMBER",
        help=say(Text("le numéro du reçu remis", "the number of the receipt given")),
    )
    p.add_argument(
        "--on",
        default="",
        metavar="YYYY-MM-DD",
        help=say(Text("le jour du paiement (aujourd’hui sinon)", "the day paid (else today)")),
    )
    p.add_argument(
        "--months",
        type=whole_number(1, MAX_MONTHS),
        default=1,
        metavar="N",
        help=say(Text("combien de mois il paie (1 sinon)", "how many months it pays (else 1)")),
    )
    p.add_argument("--json", action="store_true")


def _line(loan: Loan, today: date, within: int, lang: str) -> str:
    from bench_app.loans import STATUS_WORDS, LoanStatus

    # Said with a sign as well as a word (never by colour alone, even in a terminal).
    marks = {LoanStatus.OVERDUE: "⚠", LoanStatus.DUE_SOON: "⏰", LoanStatus.OUT: "·"}
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
        f"{marks[status]} {STATUS_WORDS[status].get(lang)}",
        loan.asset_code,
        KIND_WORDS[loan.kind].get(lang),
        ("dossier " if fr else "file ") + loan.beneficiary,
        ("retour le " if fr else "due ") + due + (f" ({when})" if when else ""),
    ]
    if loan.kind is OutcomeKind.RENTAL and loan.term_months is not None:
        paid, due_now = loan.months_paid, loan.months_due(today)
        parts.append(
            f"{paid}/{loan.term_months} mois payés ({due_now} dus)"
            if fr
            else f"{paid}/{loan.term_months} months paid ({due_now} due)"
        )
        pay_on = loan.next_payment_on()
        if pay_on is not None:
            late = loan.payment_late(today)
            if fr:
                parts.append(
                    ("⚠ PAIEMENT EN RETARD depuis le " if late else "à payer le ")
                    + pay_on.isoformat()
                )
            else:
                parts.append(
                    ("⚠ PAYMENT LATE since " if late else "to pay on ") + pay_on.isoformat()
                )
    if not loan.signed:
        parts.append("fiche NON signée" if fr else "sheet NOT signed")
    elif loan.signed_at:
        who = loan.signed_by
        parts.append(
            f"fiche signée après coup ({loan.signed_at[:10]}, {who})"
            if fr
            else f"sheet signed afterwards ({loan.signed_at[:10]}, {who})"
        )
    else:
        parts.append("fiche signée" if fr else "sheet signed")
    if loan.signed and not loan.signature_sha256:
        parts.append("sans image de signature" if fr else "no signature picture")
    return "  ".join(parts)


def run_loans(folder: Path, args: argparse.Namespace, lang: str) -> int:
    from datetime import date

    from bench_app.loans import REMIND_DAYS, due_within, open_loans, overdue, payments, unsigned
    from bench_app.store.database import DB_NAME, Store

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
        if args.unsigned:
            shown = unsigned(shown)
        paid = payments(store, [x.loan_id for x in shown if x.kind is OutcomeKind.RENTAL])
    if args.json:
        data = {
            "today": today.isoformat(),
            "due_within_days": within,
            "loans": [{**loan.to_json(today, within), **_payments(paid, loan)} for loan in shown],
        }
        print(json.dumps(data, ensure_ascii=False, indent=2))
        return 0
    if not shown:
        print("Aucun prêt à montrer." if lang == "fr" else "No loan to show.")
        return 0
    for loan in shown:
        print(_line(loan, today, within, lang))
    return 0


def _payments(paid: dict[str, list[dict[str, Any]]], loan: Loan) -> dict[str, Any]:
    return {"payments": paid[loan.loan_id]} if loan.loan_id in paid else {}


def run_loan_sign(folder: Path, args: argparse.Namespace, lang: str) -> int:
    from bench_app.loans import open_loan, read_picture
    from bench_app.station import Station, operator_from_environment

    # Read before anything is opened: a file that is not a picture records nothing.
    picture = None if args.signature is None else read_picture(args.signature)
    station = Station(folder, operator=operator_from_environment())
    try:
        device = station.find_by_code(args.asset)
        digest = station.sign_handover(device.id, picture)
        loan = open_loan(station.store, device.id)
    finally:
        station.close()
    assert loan is not None
    if args.json:
        data = {
            "asset_code": device.asset_code,
            "loan_id": loan.loan_id,
            "signed": loan.signed,
            "signature_sha256": loan.signature_sha256 or None,
            "picture_added": bool(digest),
            "signed_at": loan.signed_at,
            "signed_by": loan.signed_by,
        }
        print(json.dumps(data, ensure_ascii=False, indent=2))
        return 0
    fr = lang == "fr"
    if digest:
        print(
            f"Fiche signée, image gardée : {device.asset_code}."
            if fr
            else f"Sheet signed, picture kept: {device.asset_code}."
        )
    else:
        print(
            f"Fiche signée : {device.asset_code}." if fr else f"Sheet signed: {device.asset_code}."
        )
    return 0


def run_loan_pay(folder: Path, args: argparse.Namespace, lang: str) -> int:
    from datetime import date

    from bench_app.loans import open_loan
    from bench_app.station import Station, operator_from_environment

    station = Station(folder, operator=operator_from_environment())
    try:
        device = station.find_by_code(args.asset)
        station.record_payment(device.id, args.amount, args.receipt, args.on, args.months)
        loan = open_loan(station.store, device.id)
    finally:
        station.close()
    assert loan is not None
    today = date.today()
    if args.json:
        print(json.dumps(loan.to_json(today), ensure_ascii=False, indent=2))
        return 0
    fr = lang == "fr"
    months = f"{loan.months_paid}/{loan.term_months}"
    print(
        f"Paiement enregistré : {device.asset_code}, {months} mois payés."
        if fr
        else f"Payment recorded: {device.asset_code}, {months} months paid."
    )
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
