"""`etabli batch wipe-install --system NAME TARGET...`: the window's batch from the command
line. Every phone named (asset code, USB serial or HOST:PORT) must be plugged in and of the
same model; each gets its verified wipe, then the installation of the system, in its own
worker (bench_app/jobs/batches.py). The operator's questions are asked one at a time on the
terminal, each naming its phone; the other phones carry on meanwhile.

Exit 0: every phone done; 1: some not done (each with why); 2: refused (nothing started).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench_app.commands.arguments import seconds
from bench_app.commands.help_language import say
from bench_app.errors import BenchError
from bench_app.text import Text

if TYPE_CHECKING:  # the phones' driver and the station load when a batch runs, not for --help
    from bench_app.devices.android.driver import AndroidPhone
    from bench_app.jobs.batches import Batch
    from bench_app.station import Station

Common = Callable[..., None]


def add_batch_parsers(sub: Any, common: Common) -> None:
    batch = sub.add_parser(
        "batch",
        help=say(
            Text(
                "le même travail sur plusieurs téléphones d’un modèle à la fois",
                "the same work on several phones of one model at once",
            )
        ),
    )
    batch_sub = batch.add_subparsers(dest="batch_command", required=True)
    p = batch_sub.add_parser(
        "wipe-install",
        help=say(
            Text(
                "efface chaque téléphone (vérifié), puis y installe le système",
                "wipe each phone (verified), then install the system on it",
            )
        ),
    )
    common(p, top=False)
    p.add_argument(
        "targets",
        nargs="+",
        metavar="ASSET|SERIAL",
        help=say(
            Text(
                "codes d’inventaire, numéros USB ou HÔTE:PORT",
                "asset codes, USB serials or HOST:PORT",
            )
        ),
    )
    p.add_argument(
        "--system",
        required=True,
        metavar="NAME",
        help=say(Text("l’identifiant ou le nom du système", "the system's id or name")),
    )
    p.add_argument(
        "--route",
        choices=("recovery", "fastboot"),
        default="recovery",
        help=say(
            Text(
                "la remise à zéro de l’effacement : par le menu recovery, ou par fastboot",
                "the wipe's factory reset: from the recovery menu, or through fastboot",
            )
        ),
    )
    p.add_argument(
        "--fastboot",
        action="append",
        default=[],
        metavar="HOST:PORT",
        help=say(
            Text(
                "où répond en TCP le chargeur de démarrage de chaque téléphone, un par cible, dans l’ordre",
                "where each phone's bootloader answers over TCP, one per TARGET, in order",
            )
        ),
    )
    p.add_argument(
        "--wait",
        type=seconds(1, 3600),
        default=120.0,
        metavar="SECONDS",
        help=say(
            Text(
                "combien de temps attendre que chaque téléphone autorise ce poste",
                "how long to wait for each phone to allow this station",
            )
        ),
    )
    p.add_argument("--json", action="store_true")


def run_batch(folder: Path, args: argparse.Namespace, lang: str) -> int:
    from bench_app.commands.phone_jobs import _address, _bring_up, _fastboot_at, _known_device
    from bench_app.devices.android.driver import AdbTarget
    from bench_app.jobs.batches import Batch, prepare_batch
    from bench_app.station import Station, operator_from_environment

    if not args.system.strip():  # refused before any phone is waited for
        raise BenchError("INSTALL_OS_UNKNOWN", os="?", model=" ".join(args.targets))
    if args.fastboot and len(args.fastboot) != len(args.targets):
        raise BenchError("BATCH_FASTBOOT_COUNT", given=len(args.fastboot), phones=len(args.targets))
    phones: list[AndroidPhone] = []
    station: Station | None = None
    try:
        targets = []
        for text in args.targets:
            known = _known_device(folder, text)
            if known is not None:
                if not known.serial:
                    raise BenchError("PHONE_NOT_FOUND", target=known.asset_code)
                targets.append((text, AdbTarget(usb_serial=known.serial)))
            else:
                targets.append((text, _address(text)))
        for text, target in targets:
            phones.append(_bring_up(folder, target, text, args.wait, lang))
        station = Station(folder, operator=operator_from_environment())
        ids = []
        for index, phone in enumerate(phones):
            device = station.device_connected(phone)
            _fastboot_at(args.fastboot[index] if args.fastboot else None, device.serial)
            ids.append(device.id)
        devices, os_id = prepare_batch(station, ids, args.system)
        batch = Batch(station, devices, os_id, wipe_route=args.route)
        batch.start()
        _follow(batch, lang, quiet=args.json)
        summary = batch.summary()
    finally:
        if station is not None:
            station.close()
        for phone in phones:
            phone.close()
    if args.json:
        print(json.dumps({"system": os_id, **summary.to_json()}, ensure_ascii=False, indent=2))
    else:
        for asset in summary.done:
            print(f"{asset}  {'terminé' if lang == 'fr' else 'done'}")
        for asset, why in summary.failed:
            print(f"{asset}  {'non terminé' if lang == 'fr' else 'not done'} : {why.get(lang)}")
    return 0 if len(summary.done) == summary.total else 1


def _follow(batch: Batch, lang: str, *, quiet: bool) -> None:
    """Asks each phone's questions on the terminal, one at a time, until every phone ended;
    a question nobody answers (end of input) cancels that phone's job only."""
    from bench_app.commands.headless import terminal_answerer

    ask = terminal_answerer(lang)
    shown = ""
    while not batch.summary().finished:
        for member in list(batch.members.values()):
            job = member.job
            prompt = job.prompt if job is not None else None
            if job is None or prompt is None or prompt.answered:
                continue
            serial = str(batch.station.device(member.device_id).serial)  # type: ignore[union-attr]
            print(f"\n[{member.asset_code} · {serial}]", file=sys.stderr, end="")
            key = ask(prompt)
            if key is None:
                batch.station.cancel_job(job.id)
            elif not prompt.answered:
                prompt.answer(key)
        summary = batch.summary()
        line = (
            f"{len(summary.done)} ok · {len(summary.failed)} x · "
            f"{len(summary.waiting)} ? · {len(summary.running)} …"
        )
        if not quiet and line != shown and sys.stderr.isatty():
            print(f"\r{line}", end="", file=sys.stderr)
            shown = line
        time.sleep(0.1)
    batch.wait()
