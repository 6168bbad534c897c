"""`etabli selfcheck [--json]`: what this station has and lacks to work (bench_app/selfcheck.py).
Exit 0 when nothing blocks work, 1 when a line blocks it."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench_app.commands.help_language import say
from bench_app.text import Text

Common = Callable[..., None]
MARKS = {"ok": "[ok]", "warning": "[!!]", "blocking": "[XX]"}


def add_selfcheck_parser(sub: Any, common: Common) -> None:
    p = sub.add_parser(
        "selfcheck", help=say(Text("ce qui manque à ce poste", "what this station lacks to work"))
    )
    common(p, top=False)
    p.add_argument("--json", action="store_true")


def run_selfcheck_command(folder: Path, args: argparse.Namespace, lang: str) -> int:
    from bench_app.selfcheck import BLOCKED, blocks, run_selfcheck

    lines = run_selfcheck(folder)
    blocked = blocks(lines)
    if args.json:
        print(
            json.dumps(
                {"blocking": blocked, "lines": [line.to_json() for line in lines]},
                ensure_ascii=False,
                indent=2,
            )
        )
        if blocked:
            print(BLOCKED.get(lang), file=sys.stderr)
        return 1 if blocked else 0
    for line in lines:
        print(f"{MARKS[line.state.value]} {line.title.get(lang)} : {line.found.get(lang)}"
              if lang == "fr" else
              f"{MARKS[line.state.value]} {line.title.get(lang)}: {line.found.get(lang)}")  # fmt: skip
        if line.action is not None:
            print(f"     → {line.action.get(lang)}")
    if blocked:
        print(
            "Quelque chose empêche de travailler : voir les lignes [XX]."
            if lang == "fr"
            else "Something stops work: see the [XX] lines.",
            file=sys.stderr,
        )
    return 1 if blocked else 0
