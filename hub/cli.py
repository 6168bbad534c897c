"""`etabli hub [--db URL] [--listen HOST:PORT]` runs the collective's hub;
`etabli hub enrol-code WORKSHOP [--db URL] [--valid-days N]` prints a one-time code;
`etabli hub import-bundle FILE [--db URL]` stores a station's offline bundle (exit 0: all
in, 1: some events refused, 2: the bundle refused whole, nothing stored).

The `etabli` command finds this group through the `etabli.commands` entry point
(pyproject.toml, `register`): the station's core never imports the hub."""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench_app.commands.help_language import say
from bench_app.errors import BenchError
from bench_app.text import Text

Common = Callable[..., None]
DEFAULT_LISTEN = "127.0.0.1:8750"
DB_ENV = "ETABLI_HUB_DB"
MAX_VALID_DAYS = 366  # a code is for an enrolment soon; a year is already generous


def register(sub: Any, common: Common) -> None:
    """Adds `etabli hub ...` to the `etabli` command (the `etabli.commands` entry point):
    its parsers, run by `run_hub`."""
    add_hub_parsers(sub, common)


def add_hub_parsers(sub: Any, common: Common) -> None:
    p = sub.add_parser(
        "hub", help=say(Text("le serveur du collectif", "the collective's hub server"))
    )
    p.set_defaults(run_group=run_hub)
    common(p, top=False)
    _db_option(p)
    p.add_argument(
        "--listen",
        default=DEFAULT_LISTEN,
        metavar="HOST:PORT",
        help=say(
            Text(
                f"adresse d’écoute (défaut : {DEFAULT_LISTEN})",
                f"address to listen on (default: {DEFAULT_LISTEN})",
            )
        ),
    )
    hub_sub = p.add_subparsers(dest="hub_command")
    code = hub_sub.add_parser(
        "enrol-code",
        help=say(Text("un code d’inscription à usage unique", "a one-time enrolment code")),
    )
    common(code, top=False)
    _db_option(code)
    code.add_argument(
        "workshop", metavar="WORKSHOP", help=say(Text("nom de l’atelier", "workshop name"))
    )
    code.add_argument("--valid-days", type=int, default=7, metavar="N")
    bundle = hub_sub.add_parser(
        "import-bundle",
        help=say(
            Text("importe le paquet hors ligne d’un poste", "import a station's offline bundle")
        ),
    )
    common(bundle, top=False)
    _db_option(bundle)
    bundle.add_argument(
        "file", metavar="FILE", help=say(Text("le paquet signé", "the signed bundle file"))
    )


def _db_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db",
        default=argparse.SUPPRESS,
        metavar="URL",
        help=say(
            Text(
                f"postgresql://USER@HOST/DB ou sqlite:///CHEMIN (défaut : ${DB_ENV}, sinon "
                "DATA/etabli-hub.sqlite3)",
                f"postgresql://USER@HOST/DB or sqlite:///PATH (default: ${DB_ENV}, else "
                "DATA/etabli-hub.sqlite3)",
            )
        ),
    )


def _db_url(folder: Path, args: argparse.Namespace) -> str:
    from hub.db import default_sqlite_url

    url = getattr(args, "db", None) or os.environ.get(DB_ENV)
    return url or default_sqlite_url(folder)


def parse_listen(text: str) -> tuple[str, int]:
    """HOST:PORT (IPv6 as [::1]:PORT) as (host, port)."""
    host, sep, port = text.rpartition(":")
    host = host.strip("[]")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise BenchError("HUB_LISTEN_INVALID", listen=text)
    return host, int(port)


def run_hub(folder: Path, args: argparse.Namespace, lang: str) -> int:
    from hub.db import HubDB

    url = _db_url(folder, args)
    if args.hub_command == "enrol-code":
        from hub.service import create_enrolment_code

        if not 1 <= args.valid_days <= MAX_VALID_DAYS:
            raise BenchError("HUB_VALID_DAYS_INVALID", days=args.valid_days, most=MAX_VALID_DAYS)
        db = HubDB(url)
        try:
            code, expires = create_enrolment_code(db, args.workshop, valid_days=args.valid_days)
        finally:
            db.close()
        if lang == "fr":
            print(f"Code d’inscription pour « {args.workshop.strip()} » (usage unique, "
                  f"valable jusqu’au {expires}) :")  # fmt: skip
        else:
            print(f"Enrolment code for “{args.workshop.strip()}” (one use, valid until "
                  f"{expires}):")  # fmt: skip
        print(code)
        return 0
    if args.hub_command == "import-bundle":
        return _import_bundle(url, Path(args.file), lang)
    host, port = parse_listen(args.listen)
    import uvicorn

    from hub.app import create_app

    db = HubDB(url)
    try:
        uvicorn.run(create_app(db), host=host, port=port, log_level="info")
    finally:
        db.close()
    return 0


def _import_bundle(url: str, path: Path, lang: str) -> int:
    from hub.db import HubDB
    from hub.service import import_bundle

    db = HubDB(url)
    try:
        done = import_bundle(db, path)
    finally:
        db.close()
    result = done.result
    if lang == "fr":
        print(f"{path} (poste {done.station_id}, clé {done.key_id})")
        print(f"  importés : {len(result.accepted)}")
        print(f"  déjà présents : {len(result.duplicates)}")
        print(f"  refusés : {len(result.rejected)}")
    else:
        print(f"{path} (station {done.station_id}, key {done.key_id})")
        print(f"  imported: {len(result.accepted)}")
        print(f"  already here: {len(result.duplicates)}")
        print(f"  refused: {len(result.rejected)}")
    for refused in result.rejected:
        print(f"    {refused['id']}: {refused['reason']}")
    return 1 if result.rejected else 0
