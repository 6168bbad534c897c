"""`etabli hub [--db URL] [--listen HOST:PORT] [--workers N]` runs the collective's hub;
`etabli hub init WORKSHOP [--db URL]` creates (or upgrades) its database and prints the first
enrolment code; `etabli hub health [--url URL] [--wait S]` asks a running hub's /health (exit
0: the hub and its database answer, 1: they do not);
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
MAX_WORKERS = 64
HEALTH_URL = f"http://{DEFAULT_LISTEN}/health"


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
    p.add_argument(
        "--workers",
        type=int,
        default=1,
        metavar="N",
        help=say(Text("processus de service (1 par défaut)", "worker processes (default 1)")),
    )
    hub_sub = p.add_subparsers(dest="hub_command")
    init = hub_sub.add_parser(
        "init",
        help=say(
            Text(
                "créer la base et le premier code d’inscription",
                "create the database and the first enrolment code",
            )
        ),
    )
    common(init, top=False)
    _db_option(init)
    init.add_argument(
        "workshop", metavar="WORKSHOP", help=say(Text("nom de l’atelier", "workshop name"))
    )
    health = hub_sub.add_parser(
        "health", help=say(Text("le hub répond-il ?", "does the hub answer?"))
    )
    common(health, top=False)
    health.add_argument(
        "--url",
        default=HEALTH_URL,
        metavar="URL",
        help=say(Text(f"{HEALTH_URL} par défaut", f"default {HEALTH_URL}")),
    )
    health.add_argument(
        "--wait",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help=say(
            Text("attendre qu’il réponde (0 par défaut)", "wait until it answers (default 0)")
        ),
    )
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
    if args.hub_command == "init":
        return _init(url, args.workshop, lang)
    if args.hub_command == "health":
        return _health(args.url, args.wait, lang)
    host, port = parse_listen(args.listen)
    if not 1 <= args.workers <= MAX_WORKERS:
        raise BenchError("HUB_WORKERS_INVALID", workers=args.workers, most=MAX_WORKERS)
    import uvicorn

    from hub.app import DB_ENV as APP_DB_ENV
    from hub.app import create_app

    db = HubDB(url)  # creates or upgrades the schema once, before any worker starts
    if args.workers > 1:
        db.close()
        os.environ[APP_DB_ENV] = url
        # Each worker process opens its own connections (hub.app.app_from_environment).
        uvicorn.run(
            "hub.app:app_from_environment",
            factory=True,
            host=host,
            port=port,
            workers=args.workers,
            log_level="info",
        )
        return 0
    try:
        uvicorn.run(create_app(db), host=host, port=port, log_level="info")
    finally:
        db.close()
    return 0


def _init(url: str, workshop: str, lang: str) -> int:
    from hub.db import HubDB, _safe_url
    from hub.service import create_enrolment_code

    if not workshop.strip():  # said before any database is made
        raise BenchError("HUB_WORKSHOP_NAME_EMPTY")
    db = HubDB(url)
    try:
        version = db.schema_version()
        code, expires = create_enrolment_code(db, workshop)
    finally:
        db.close()
    if lang == "fr":
        print(f"Base du hub prête : {_safe_url(url)} (schéma {version}).")
        print(f"Premier code d’inscription pour « {workshop.strip()} » (usage unique, "
              f"valable jusqu’au {expires}) :")  # fmt: skip
    else:
        print(f"Hub database ready: {_safe_url(url)} (schema {version}).")
        print(f"First enrolment code for “{workshop.strip()}” (one use, valid until "
              f"{expires}):")  # fmt: skip
    print(code)
    return 0


def _health(url: str, wait: float, lang: str) -> int:
    """0 when `url` answers 200 (within `wait` seconds), 1 otherwise; says why on stderr."""
    import json
    import sys
    import time
    import urllib.error
    import urllib.request

    if not 0 <= wait <= 3600:
        raise BenchError("HUB_WAIT_INVALID", wait=wait)
    if not url.startswith(("http://", "https://")):
        raise BenchError("SYNC_URL_INVALID", url=url)
    deadline = time.monotonic() + wait
    while True:
        try:
            with urllib.request.urlopen(url, timeout=10) as answer:
                body = json.loads(answer.read() or b"{}")
            print(json.dumps(body, ensure_ascii=False))
            return 0
        except urllib.error.HTTPError as exc:
            why = f"HTTP {exc.code} {exc.read().decode(errors='replace')[:200]}"
        except (urllib.error.URLError, OSError, ValueError, UnicodeError) as exc:
            why = str(getattr(exc, "reason", exc))
        if time.monotonic() >= deadline:
            break
        time.sleep(0.5)  # polling a server that is starting, not synchronising threads
    if lang == "fr":
        print(f"Le hub ne répond pas bien ({url}) : {why}", file=sys.stderr)
    else:
        print(f"The hub does not answer well ({url}): {why}", file=sys.stderr)
    return 1


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
