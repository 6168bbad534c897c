"""`etabli report lot LOT -o FILE.pdf|FILE.csv`, `etabli report handover ASSET -o FILE.pdf`
and `etabli report activity --from DATE --to DATE -o FILE.csv`.

Other modules add their own `report` subcommands: `report_subparsers` returns the `report`
parser's subcommands whoever created it first, and keeps them on the parser for the next."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench_app.commands.help_language import say
from bench_app.errors import BenchError
from bench_app.text import Text

Common = Callable[..., None]
REPORT_COMMANDS = ("lot", "handover", "activity")
_KEPT = "etabli_report_subparsers"


def report_subparsers(sub: Any, common: Common) -> Any:
    """The sub-subcommands of `etabli report`: the existing ones if another module made the
    `report` parser already, else a new `report` parser's."""
    parser = sub.choices.get("report")
    if parser is None:
        parser = sub.add_parser(
            "report", help=say(Text("rapports et exports", "reports and exports"))
        )
        common(parser, top=False)
        kept = parser.add_subparsers(dest="report_command", required=True)
        setattr(parser, _KEPT, kept)
        return kept
    kept = getattr(parser, _KEPT, None)
    if kept is None:
        # Made by a module that did not keep them: argparse lists them among its actions.
        kept = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        setattr(parser, _KEPT, kept)
    return kept


def add_report_parsers(sub: Any, common: Common) -> None:
    reports = report_subparsers(sub, common)
    p = reports.add_parser(
        "lot",
        help=say(
            Text(
                "le rapport d’un don pour son donateur (PDF ou CSV)",
                "a donation's report for its donor (PDF or CSV)",
            )
        ),
    )
    common(p, top=False)
    p.add_argument(
        "lot",
        help=say(
            Text(
                "la référence de convention du lot, son identifiant, ou la fin de celui-ci",
                "the lot's agreement reference, its id, or the end of its id",
            )
        ),
    )
    p.add_argument("-o", "--output", required=True, metavar="FILE.pdf|FILE.csv")
    p.add_argument(
        "--include-training",
        action="store_true",
        help=say(
            Text(
                "inclut les appareils de formation du lot (le rapport porte alors le filigrane)",
                "include the lot's training devices (the report then carries the watermark)",
            )
        ),
    )

    p = reports.add_parser(
        "handover",
        help=say(
            Text(
                "la fiche de remise pour un bénéficiaire (PDF)",
                "the handover sheet for a beneficiary (PDF)",
            )
        ),
    )
    common(p, top=False)
    p.add_argument(
        "asset", help=say(Text("le code d’inventaire de l’appareil", "the device's asset code"))
    )
    p.add_argument("-o", "--output", required=True, metavar="FILE.pdf")

    p = reports.add_parser(
        "activity",
        help=say(
            Text(
                "l’activité de l’atelier sur une période (CSV)",
                "the workshop's activity over a period (CSV)",
            )
        ),
    )
    common(p, top=False)
    p.add_argument("--from", dest="first", required=True, metavar="YYYY-MM-DD")
    p.add_argument("--to", dest="last", required=True, metavar="YYYY-MM-DD")
    p.add_argument("-o", "--output", required=True, metavar="FILE.csv")
    p.add_argument(
        "--include-training",
        action="store_true",
        help=say(Text("inclut les appareils de formation", "include training devices")),
    )


def run_reports(folder: Path, args: argparse.Namespace, lang: str) -> int:
    """Runs `etabli report lot|handover|activity`; prints what was written."""
    from bench_app.settings import Settings
    from bench_app.store.database import DB_NAME, Store

    output = Path(args.output)
    _check_extension(args.report_command, output)
    settings = Settings.load(folder)
    fr = lang == "fr"
    with Store.open_for_reading(folder / DB_NAME) as store:
        if args.report_command == "lot":
            from bench_app.output.reports.environment import load_factors
            from bench_app.output.reports.lot_report import find_lot, gather_lot, write_lot_report

            factors = load_factors(folder)
            lot = find_lot(store, args.lot)
            report = gather_lot(
                store, lot, factors, include_training=args.include_training, settings=settings
            )
            write_lot_report(report, output, lang)
            note = ""
            if report.excluded_training:
                n = report.excluded_training
                note = (
                    f" ({n} appareil(s) de formation exclus ; --include-training pour les inclure)"
                    if fr
                    else f" ({n} training device(s) left out; --include-training to include them)"
                )
            print(
                f"{output} : {len(report.devices)} appareils{note}."
                if fr
                else f"{output}: {len(report.devices)} devices{note}."
            )
            return 0
        if args.report_command == "handover":
            from bench_app.domain.asset_code import AssetCode
            from bench_app.output.reports.handover import gather_handover, write_handover
            from bench_app.store import queries

            code = str(AssetCode.parse(args.asset))
            device = queries.device_by_code(store, code)
            if device is None:
                raise BenchError("ASSET_CODE_UNKNOWN", code=code)
            from bench_app.workshop import document_settings

            named = document_settings(settings, training=device.training, lang=lang)
            write_handover(gather_handover(store, device, named, folder), output)
            print(f"{output} : {code}." if fr else f"{output}: {code}.")
            return 0
        from bench_app.output.reports.activity import Period, gather_activity, write_activity

        period = Period.parse(args.first, args.last)
        activity = gather_activity(
            store,
            period,
            include_training=args.include_training,
            lang=lang,
            share_beneficiaries=settings.share_beneficiary_data,
        )
        write_activity(activity, output, lang)
        n = len(activity.rows)
        left = activity.excluded_training
        extra = (
            (f" ; {left} de formation exclus" if fr else f"; {left} training left out")
            if left
            else ""
        )
        print(f"{output} : {n} appareils{extra}." if fr else f"{output}: {n} devices{extra}.")
        return 0


def _check_extension(command: str, output: Path) -> None:
    """Refuses a wrong file name before anything is read or written."""
    allowed = {"lot": (".pdf", ".csv"), "handover": (".pdf",), "activity": (".csv",)}[command]
    if output.suffix.lower() not in allowed:
        raise BenchError("REPORT_FORMAT", path=str(output), formats=" / ".join(allowed))
