"""`etabli label ASSET -o FILE.png|FILE.pdf [--template NAME]` and
`etabli print-label ASSET [--printer NAME]`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench_app.commands.help_language import say
from bench_app.output.labels.templates import DEFAULT_TEMPLATE, TEMPLATES, template
from bench_app.text import Text

if TYPE_CHECKING:
    from bench_app.output.labels.content import LabelContent

# Rendering (segno, Pillow, reportlab) and the printers load only when a label is made, so
# every other command starts without them.

Common = Callable[..., None]


def add_label_parsers(sub: Any, common: Common) -> None:
    p = sub.add_parser(
        "label",
        help=say(
            Text(
                "fait l’étiquette d’inventaire d’un appareil en fichier PNG ou PDF",
                "make the asset label of a device as a PNG or PDF file",
            )
        ),
    )
    common(p, top=False)
    p.add_argument(
        "asset",
        nargs="+",
        metavar="ASSET",
        help=say(Text("code(s) d’inventaire, tel(s) qu’imprimé(s)", "asset code(s), as printed")),
    )
    p.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="FILE",
        help=say(Text("FICHIER.png ou FICHIER.pdf", "FILE.png or FILE.pdf")),
    )
    p.add_argument(
        "--template",
        choices=sorted(TEMPLATES),
        default=None,
        help=say(
            Text(
                f"taille d’étiquette (défaut : celle de l’imprimante par défaut, sinon "
                f"{DEFAULT_TEMPLATE})",
                f"label size (default: the default printer's, else {DEFAULT_TEMPLATE})",
            )
        ),
    )

    p = sub.add_parser(
        "print-label",
        help=say(
            Text(
                "imprime l’étiquette d’inventaire sur l’imprimante du poste",
                "print the asset label on the station's printer",
            )
        ),
    )
    common(p, top=False)
    p.add_argument(
        "asset",
        nargs="+",
        metavar="ASSET",
        help=say(Text("code(s) d’inventaire, tel(s) qu’imprimé(s)", "asset code(s), as printed")),
    )
    p.add_argument(
        "--printer",
        metavar="NAME",
        help=say(
            Text(
                "une imprimante de printers.json (défaut : celle par défaut)",
                "a printer of printers.json (default: the default one)",
            )
        ),
    )


def _contents(folder: Path, codes: list[str]) -> list[LabelContent]:
    from bench_app.output.labels.content import content_for_code
    from bench_app.settings import Settings
    from bench_app.store.database import DB_NAME, Store

    settings = Settings.load(folder)
    with Store.open_for_reading(folder / DB_NAME) as store:
        return [content_for_code(store, code, settings) for code in codes]


def run_label(folder: Path, args: argparse.Namespace, lang: str) -> int:
    from bench_app.output.labels.render import save
    from bench_app.output.printers import load_printers

    name = args.template
    if name is None:
        setup = load_printers(folder)
        name = setup.get().template if setup.printers else DEFAULT_TEMPLATE
    tpl = template(name)
    output = Path(args.output)
    if output.suffix.lower() not in (".png", ".pdf"):
        from bench_app.errors import BenchError

        raise BenchError("LABEL_OUTPUT_INVALID", path=str(output))
    written = save(_contents(folder, args.asset), tpl, output)
    for path in written:
        print(path)
    return 0


def run_print_label(folder: Path, args: argparse.Namespace, lang: str) -> int:
    from bench_app.output.printers import load_printers, make_printer

    config = load_printers(folder).get(args.printer)
    contents = _contents(folder, args.asset)
    printer = make_printer(config)
    where = printer.print_labels(contents)
    count = len(contents)
    if lang == "fr":
        print(f"{count} étiquette(s) envoyée(s) à {config.name} ({where}).")
    else:
        print(f"{count} label(s) sent to {config.name} ({where}).")
    _record_printed(folder, contents, config.template, config.name, lang)
    return 0


def _record_printed(
    folder: Path, contents: list[LabelContent], template_name: str, printer: str, lang: str
) -> None:
    """Records each label printed (the journey's label stage). With the window open on
    this folder the labels are printed all the same, and the command says they were not
    recorded."""
    from bench_app.errors import BenchError
    from bench_app.station import Station, operator_from_environment
    from bench_app.store import queries

    try:
        station = Station(folder, operator=operator_from_environment())
    except BenchError as exc:
        if exc.code != "DB_LOCKED":
            raise
        print(
            "Étiquettes imprimées mais pas notées : Établi est ouvert sur ce dossier."
            if lang == "fr"
            else "Labels printed but not recorded: Établi is open on this folder.",
            file=sys.stderr,
        )
        return
    try:
        for content in contents:
            device = queries.device_by_code(station.store, content.code)
            if device is not None:
                station.label_printed(device.id, template_name, printer)
    finally:
        station.close()
