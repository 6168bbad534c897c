"""`etabli enrol URL CODE`, `etabli sync [--once]` and `etabli sync status`: the station's
sync with its hub from the command line."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench_app.commands.arguments import seconds
from bench_app.commands.help_language import say
from bench_app.text import Text

Common = Callable[..., None]


def add_sync_parsers(sub: Any, common: Common) -> None:
    p = sub.add_parser(
        "enrol",
        help=say(Text("inscrit ce poste auprès du collectif", "enrol this station with a hub")),
    )
    common(p, top=False)
    p.add_argument(
        "url",
        metavar="URL",
        help=say(
            Text(
                "l’adresse du collectif, par exemple https://hub.exemple.org",
                "the hub's address, e.g. https://hub.example.org",
            )
        ),
    )
    p.add_argument(
        "code",
        metavar="CODE",
        help=say(Text("le code d’inscription à usage unique", "the one-time enrolment code")),
    )
    s = sub.add_parser("sync", help=say(Text("synchronise avec le collectif", "sync with the hub")))
    common(s, top=False)
    s.add_argument(
        "action",
        nargs="?",
        choices=("status",),
        help=say(Text("status : montre l’état, sans synchroniser", "status: show, do not sync")),
    )
    s.add_argument(
        "--once",
        action="store_true",
        help=say(Text("un seul tour, puis s’arrête", "one round, then stop")),
    )
    s.add_argument(
        "--interval",
        type=seconds(1, 86400),
        default=60.0,
        metavar="SECONDS",
        help=argparse.SUPPRESS,
    )


def run_enrol(folder: Path, args: argparse.Namespace, lang: str) -> int:
    from bench_app.store.database import DB_NAME, Store
    from bench_app.sync.client import enrol_station

    with Store(folder / DB_NAME) as store:
        before = store.station_prefix
        config = enrol_station(folder, store, args.url, args.code)
        station, prefix = store.station_id, store.station_prefix
    fr = lang == "fr"
    print(
        f"Poste {station} inscrit auprès de {config.hub_url} (atelier « {config.workshop} »)."
        if fr
        else f"Station {station} enrolled with {config.hub_url} (workshop “{config.workshop}”)."
    )
    if prefix != before:  # another station of the collective already had it
        print(
            f"Les nouveaux codes d’inventaire commencent par {prefix} (les codes déjà "
            f"imprimés en {before} restent valables)."
            if fr
            else f"New asset codes start with {prefix} (codes already printed with {before} "
            "stay valid)."
        )
    return 0


def run_sync(folder: Path, args: argparse.Namespace, lang: str) -> int:
    if args.action == "status":
        return _status(folder, lang)
    from bench_app.store.database import DB_NAME, Store
    from bench_app.sync.client import client_for
    from bench_app.sync.worker import SyncStatus, SyncWorker

    fr = lang == "fr"
    with Store(folder / DB_NAME) as store:
        client = client_for(folder, store)  # SYNC_NOT_ENROLLED before anything else
        if args.once:
            worker = SyncWorker(folder, store, client=client)
            result = worker.run_round()
            status = worker.status()
            if result is None:
                print(status.error.get(lang) if status.error else "?", file=sys.stderr)
                return 1
            print(
                f"Envoyés : {result.push.accepted} nouveau(x), {result.push.duplicates} déjà "
                f"reçu(s) ; reçus : {result.pull.accepted} nouveau(x) ; en attente : "
                f"{status.waiting}."
                if fr
                else f"Sent: {result.push.accepted} new, {result.push.duplicates} already "
                f"there; received: {result.pull.accepted} new; waiting: {status.waiting}."
            )
            return 0

        def show(status: SyncStatus) -> None:
            stamp = time.strftime("%H:%M:%S")
            if status.error:
                print(f"{stamp} {status.error.get(lang)}", flush=True)
            else:
                waiting = f"{status.waiting} en attente" if fr else f"{status.waiting} waiting"
                print(f"{stamp} {'Synchronisé' if fr else 'Synced'} · {waiting}", flush=True)

        worker = SyncWorker(folder, store, client=client, interval=args.interval, on_round=show)
        worker.start()
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
        finally:
            worker.stop()
    return 0


def _status(folder: Path, lang: str) -> int:
    from bench_app.store.database import DB_NAME, Store
    from bench_app.sync.client import SyncConfig, pull_cursor, unacknowledged_count

    fr = lang == "fr"
    config = SyncConfig.load(folder)
    if not config.enrolled:
        print(
            "Ce poste n’est inscrit auprès d’aucun hub." if fr else "Not enrolled with a hub.",
            file=sys.stderr,
        )
        return 1
    with Store.open_for_reading(folder / DB_NAME) as store:
        waiting = unacknowledged_count(store)
        acked = store.acked_up_to()
        cursor = pull_cursor(store)
    print(f"Hub : {config.hub_url} ({config.workshop})" if fr else f"Hub: {config.hub_url} "
          f"({config.workshop})")  # fmt: skip
    print(
        f"En attente d’envoi : {waiting} ; confirmés jusqu’au n° {acked} ; curseur {cursor}."
        if fr
        else f"Waiting to be sent: {waiting}; acknowledged up to #{acked}; cursor {cursor}."
    )
    for r in config.rejected:
        print(f"{'Refusé' if fr else 'Refused'} {r.get('id')}: {r.get('reason')}")
    return 1 if config.rejected else 0
