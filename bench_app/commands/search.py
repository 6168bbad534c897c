"""`etabli search TEXT [--json]`: any device by its asset code (or its label's scanned
address), serial, IMEI, model, donor or beneficiary reference (bench_app/search.py)."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench_app.commands.help_language import say
from bench_app.text import Text

if TYPE_CHECKING:  # the search and the store load when a search is made
    from bench_app.search import Hit

Common = Callable[..., None]

MATCHED: dict[str, Text] = {
    "code": Text("code", "code"),
    "serial": Text("n° de série", "serial"),
    "imei": Text("IMEI", "IMEI"),
    "text": Text("mots", "words"),
}


def add_search_parser(sub: Any, common: Common) -> None:
    p = sub.add_parser(
        "search",
        help=say(
            Text(
                "trouve un appareil : code, série, IMEI, modèle, donateur ou bénéficiaire",
                "find a device: code, serial, IMEI, model, donor or beneficiary",
            )
        ),
    )
    common(p, top=False)
    p.add_argument(
        "text",
        metavar="TEXT",
        help=say(
            Text(
                "ce qui est tapé ou scanné (l’adresse d’une étiquette aussi)",
                "what is typed or scanned (a label's address too)",
            )
        ),
    )
    p.add_argument("--json", action="store_true")


def run_search(folder: Path, args: argparse.Namespace, lang: str) -> int:
    from bench_app.search import search
    from bench_app.store.database import DB_NAME, Store

    with Store.open_for_reading(folder / DB_NAME) as store:
        results = search(store, args.text, training=bool(args.training))
    if args.json:
        data = {"results": [h.to_json() for h in results.hits], "more": results.more}
        print(json.dumps(data, ensure_ascii=False, indent=2))
        return 0
    for hit in results.hits:
        print(result_line(hit, lang))
    if results.more:
        print(
            Text(
                "… et d’autres : précisez la recherche.", "… and more: make the search narrower."
            ).get(lang)
        )
    return 0


def result_line(hit: Hit, lang: str) -> str:
    """One result as a line: code, kind, model, serial or IMEI, stage, lot, outcome."""
    from bench_app.commands.journey import OUTCOME_NAMES
    from bench_app.domain.model import STAGE_LABELS, OutcomeKind

    fr = lang == "fr"
    words = [hit.asset_code, hit.kind.value, hit.label]
    if hit.serial:
        words.append(("série " if fr else "serial ") + hit.serial)
    if hit.imei:
        words.append("IMEI " + hit.imei)
    words.append(STAGE_LABELS[hit.stage].get(lang))
    if hit.lot_id:
        lot = hit.agreement_ref or hit.lot_id[:8]
        words.append(("lot " + lot) + (f" ({hit.donor})" if hit.donor else ""))
    if hit.outcome:
        kind = {k.value: k for k in OutcomeKind}.get(hit.outcome)
        # A kind from a newer version is shown as recorded.
        name = OUTCOME_NAMES[kind].get(lang) if kind in OUTCOME_NAMES else hit.outcome
        words.append(("destination " if fr else "outcome ") + name)
    words.append(f"[{MATCHED[hit.matched].get(lang)}]")
    return "  ".join(words)
