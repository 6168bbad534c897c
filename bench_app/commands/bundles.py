"""`etabli bundle export FILE [--since-ack] [--all-stations]` and `etabli bundle import FILE`:
events carried on a USB stick between stations and the hub."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench_app.commands.help_language import say
from bench_app.text import Text

Common = Callable[..., None]


def add_bundle_parsers(sub: Any, common: Common) -> None:
    p = sub.add_parser(
        "bundle",
        help=say(
            Text("paquets de faits hors ligne (clé USB)", "offline bundles of events (USB stick)")
        ),
    )
    common(p, top=False)
    bundle_sub = p.add_subparsers(dest="bundle_command", required=True)
    e = bundle_sub.add_parser(
        "export",
        help=say(
            Text(
                "écrit les faits de ce poste dans un paquet signé",
                "write this station's events to a signed bundle",
            )
        ),
    )
    common(e, top=False)
    e.add_argument("file", metavar="FILE")
    e.add_argument(
        "--since-ack",
        action="store_true",
        help=say(
            Text(
                "seulement les faits que le collectif n’a pas encore confirmés",
                "only the events a hub has not acknowledged yet",
            )
        ),
    )
    e.add_argument(
        "--all-stations",
        action="store_true",
        help=say(
            Text(
                "transmet aussi les faits des autres postes gardés ici",
                "also forward the other stations' events held here",
            )
        ),
    )
    i = bundle_sub.add_parser(
        "import",
        help=say(
            Text("importe les faits d’un paquet signé", "import the events of a signed bundle")
        ),
    )
    common(i, top=False)
    i.add_argument("file", metavar="FILE")


def run_bundle(folder: Path, args: argparse.Namespace, lang: str) -> int:
    if args.bundle_command == "export":
        return _export(folder, args, lang)
    return _import(folder, args, lang)


def _export(folder: Path, args: argparse.Namespace, lang: str) -> int:
    from bench_app.signing import StationKey
    from bench_app.store.database import DB_NAME, Store
    from bench_app.sync.bundle import export_bundle

    key = StationKey.load_or_create(folder)
    with Store.open_for_reading(folder / DB_NAME) as store:
        header = export_bundle(
            store,
            key,
            Path(args.file),
            since_ack=bool(args.since_ack),
            all_stations=bool(args.all_stations),
        )
    fr = lang == "fr"
    print(
        f"{args.file}: {header.events} "
        + ("événement(s), signé(s) par la clé " if fr else "event(s), signed by key ")
        + header.key_id
    )
    return 0


def _import(folder: Path, args: argparse.Namespace, lang: str) -> int:
    from bench_app.signing import Keyring
    from bench_app.store.database import DB_NAME, Store
    from bench_app.sync.bundle import import_bundle

    keyring = Keyring.for_station(folder)
    with Store(folder / DB_NAME) as store:
        bundle, result = import_bundle(store, Path(args.file), keyring)
    fr = lang == "fr"
    origin = bundle.header.station_id
    if fr:
        print(f"{args.file} (poste {origin}, clé {bundle.header.key_id})")
        print(f"  importés : {len(result.accepted)}")
        print(f"  déjà présents : {len(result.duplicates)}")
        print(f"  refusés : {len(result.rejected)}")
    else:
        print(f"{args.file} (station {origin}, key {bundle.header.key_id})")
        print(f"  imported: {len(result.accepted)}")
        print(f"  already here: {len(result.duplicates)}")
        print(f"  refused: {len(result.rejected)}")
    for r in result.rejected:
        print(f"    {r.station_id} #{r.seq} {r.event_id}: {r.reason}")
    # Refused events are not an error of the command: they say which bundle to bring next.
    return 1 if result.rejected else 0
