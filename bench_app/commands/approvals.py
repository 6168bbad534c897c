"""The supervisor's approval on the command line: `--supervisor NAME --reason TEXT` on a
command that does what an operator must not do alone (`etabli outcome … recycling` for a
device that passed its checks), and `etabli override-check ASSET`, which lets a device's
journey go on after a failed check. The PIN is read from the terminal without echo, or from
$ETABLI_SUPERVISOR_PIN for a script; it is never an argument (argv is visible to all)."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench_app.commands.arguments import add_operator_argument, training_requested
from bench_app.commands.help_language import say
from bench_app.errors import BenchError
from bench_app.text import Text

if TYPE_CHECKING:  # the approvals' rules load when one is asked, not for --help
    from bench_app.approvals import ApprovalRequest

# The environment variable a script gives the supervisor's PIN in.
PIN_ENV = "ETABLI_SUPERVISOR_PIN"

Common = Callable[..., None]


def add_approval_arguments(parser: argparse.ArgumentParser) -> None:
    """`--supervisor NAME` and `--reason TEXT` (the PIN comes from the terminal or $ENV)."""
    parser.add_argument(
        "--supervisor",
        metavar="NAME",
        default="",
        help=say(
            Text(
                f"le responsable qui donne son accord (code demandé, ou ${PIN_ENV})",
                f"the supervisor who approves (PIN asked, or ${PIN_ENV})",
            )
        ),
    )
    parser.add_argument(
        "--reason",
        metavar="TEXT",
        default="",
        help=say(Text("pourquoi, gardé avec l’accord", "why, kept with the approval")),
    )


def approval_request(args: argparse.Namespace, lang: str) -> ApprovalRequest | None:
    """The approval given on the command line (None: no --supervisor); the PIN from
    $ETABLI_SUPERVISOR_PIN, else typed at the terminal unseen; APPROVAL_PIN_MISSING when
    there is neither (a script without the variable)."""
    name = str(getattr(args, "supervisor", "") or "")
    if not name.strip():
        return None
    pin = os.environ.get(PIN_ENV)
    if pin is None:
        if not sys.stdin.isatty():
            raise BenchError("APPROVAL_PIN_MISSING")
        prompt = Text(f"Code de {name} : ", f"PIN of {name}: ").get(lang)
        try:
            pin = getpass.getpass(prompt)
        except (EOFError, OSError) as exc:
            raise BenchError("APPROVAL_PIN_MISSING") from exc
    from bench_app.approvals import ApprovalRequest

    return ApprovalRequest(name, pin, str(getattr(args, "reason", "") or ""))


def add_override_parser(sub: Any, common: Common) -> None:
    p = sub.add_parser(
        "override-check",
        help=say(
            Text(
                "passe outre un contrôle échoué, avec l’accord d’un responsable",
                "override a failed check, with a supervisor's approval",
            )
        ),
    )
    common(p, top=False)
    p.add_argument(
        "asset",
        metavar="ASSET",
        help=say(Text("le code d’inventaire, tel qu’imprimé", "the asset code, as printed")),
    )
    add_approval_arguments(p)
    add_operator_argument(p)


def run_override_check(folder: Path, args: argparse.Namespace, lang: str) -> int:
    """Records the approval that lets the device's journey go on (exit 2 when refused)."""
    from bench_app.approvals import ACTION_NAMES, Guarded
    from bench_app.station import Station, operator_for_command

    operator = operator_for_command(folder, args.operator)
    request = approval_request(args, lang)
    station = Station(folder, operator=operator, training=training_requested(args))
    try:
        device = station.find_by_code(args.asset)
        approval = station.override_check(device.id, request)
    finally:
        station.close()
    action = ACTION_NAMES[Guarded.OVERRIDE_CHECK].get(lang)
    by = Text(f"accord de {approval.supervisor}", f"approved by {approval.supervisor}")
    print(f"{device.asset_code} : {action} ({by.get(lang)})")
    return 0
