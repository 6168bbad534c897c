"""`etabli lots` (every donation with its devices counted by stage) and `etabli lot LOT`
(one donation's devices with their stage, grade, outcome and what blocks each)."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench_app.commands.help_language import say
from bench_app.text import Text

if TYPE_CHECKING:  # the lots, the journey's rules and the store load when a lot is read
    from bench_app import lots
    from bench_app.journey import JourneyPolicy

Common = Callable[..., None]


def add_lots_parsers(sub: Any, common: Common) -> None:
    p = sub.add_parser(
        "lots",
        help=say(
            Text(
                "les dons : donateur, date, appareils reçus et où ils en sont",
                "the donations: donor, date, devices received and where they stand",
            )
        ),
    )
    common(p, top=False)
    p.add_argument("--json", action="store_true")
    p = sub.add_parser(
        "lot",
        help=say(
            Text(
                "un don : chaque appareil, son étape, sa note, sa destination, ce qui bloque",
                "one donation: each device, its stage, grade, outcome, what blocks it",
            )
        ),
    )
    common(p, top=False)
    p.add_argument(
        "lot",
        metavar="LOT",
        help=say(
            Text(
                "la référence de convention du don, son identifiant, ou la fin de celui-ci",
                "the lot's agreement reference, its id, or the end of its id",
            )
        ),
    )
    p.add_argument("--json", action="store_true")


def _rules(folder: Path) -> tuple[dict[str, Any], JourneyPolicy]:
    from bench_app.jobs.pipelines import default_pipelines
    from bench_app.journey import JourneyPolicy, pipeline_purposes
    from bench_app.settings import Settings

    settings = Settings.load(folder)
    purposes = pipeline_purposes(default_pipelines(folder).all())
    return purposes, JourneyPolicy(settings.phone_system)


def _head(line: lots.LotSummary, lang: str) -> str:
    fr = lang == "fr"
    expected = line.lot.expected_count
    counts = f"{line.received} " + ("reçu(s)" if fr else "received")
    if expected is not None:
        counts += f" / {expected} " + ("attendu(s)" if fr else "expected")
    parts = [
        line.reference,
        line.donor,
        ("reçu le " if fr else "received on ") + line.lot.received_on,
        counts,
    ]
    if line.lot.training:
        parts.append("formation" if fr else "training")
    return "  ".join(parts)


def _stages(line: lots.LotSummary, lang: str) -> str:
    from bench_app import lots

    words = [f"{lots.POSITION_NAMES[p].get(lang)} {n}" for p, n in line.positions.items() if n] or [
        "aucun appareil" if lang == "fr" else "no device"
    ]
    text = "  " + " · ".join(words)
    if line.attention:
        text += f"  ({line.attention} " + ("à voir" if lang == "fr" else "to look at") + ")"
    return text


def run_lots(folder: Path, args: argparse.Namespace, lang: str) -> int:
    from bench_app import lots
    from bench_app.store.database import DB_NAME, Store

    purposes, policy = _rules(folder)
    with Store.open_for_reading(folder / DB_NAME) as store:
        found = lots.overview(store, purposes=purposes, policy=policy)
    if args.json:
        print(json.dumps({"lots": [s.to_json() for s in found]}, ensure_ascii=False, indent=2))
        return 0
    if not found:
        print(
            "Aucun don enregistré sur ce poste." if lang == "fr" else "No donation recorded here."
        )
        return 0
    for line in found:
        print(_head(line, lang))
        print(_stages(line, lang))
    return 0


def run_lot(folder: Path, args: argparse.Namespace, lang: str) -> int:
    from bench_app import lots
    from bench_app.store.database import DB_NAME, Store

    purposes, policy = _rules(folder)
    with Store.open_for_reading(folder / DB_NAME) as store:
        lot = lots.find_lot(store, args.lot)
        page = lots.page(store, lot, purposes=purposes, policy=policy)
    if args.json:
        print(json.dumps(page.to_json(), ensure_ascii=False, indent=2))
        return 0
    fr = lang == "fr"
    print(_head(page.summary, lang))
    print(_stages(page.summary, lang))
    for d in page.devices:
        words = [d.device.asset_code, d.device.label, lots.POSITION_NAMES[d.position].get(lang)]
        if d.grade:
            words.append(("note " if fr else "grade ") + d.grade)
        outcome = d.outcome_words()
        if outcome is not None:
            words.append(("destination " if fr else "outcome ") + outcome.get(lang))
        if d.parts_given:
            n = d.parts_given
            words.append(f"{n} pièce(s) donnée(s)" if fr else f"{n} part(s) given")
        print("  ".join(words))
        for b in d.blockers:
            print(("    bloque : " if fr else "    blocks: ") + b.reason.get(lang))
    return 0
