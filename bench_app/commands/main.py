"""The `etabli` command: the GUI by default, and headless subcommands for scripts and checks."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from bench_app import __version__
from bench_app.commands.approvals import add_override_parser, run_override_check
from bench_app.commands.arguments import (
    readable_output,
    refuse_undecodable,
    station_dir,
    station_folder,
)
from bench_app.commands.batch import add_batch_parsers, run_batch
from bench_app.commands.beneficiaries import add_beneficiary_parsers, run_beneficiary
from bench_app.commands.bundles import add_bundle_parsers, run_bundle
from bench_app.commands.certificates import (
    add_certificate_parsers,
    run_certificate,
    run_keys,
    run_report,
    run_verify_certificate,
)
from bench_app.commands.diagnose import add_diagnose_parser, run_diagnose
from bench_app.commands.drives import add_drive_parsers, run_drives, run_erase, run_inventory
from bench_app.commands.ereuse import add_export_parsers, run_export_ereuse
from bench_app.commands.help_language import VERSION, Parser, language_from, say, use_language
from bench_app.commands.journey import add_journey_parsers, run_journey, run_outcome
from bench_app.commands.labels import add_label_parsers, run_label, run_print_label
from bench_app.commands.laptops import (
    add_laptop_image_parser,
    add_laptop_parsers,
    run_agent,
    run_laptop_check,
    run_laptop_erase,
    run_laptop_image,
    run_laptops,
    run_pair,
    run_stick_prepare,
)
from bench_app.commands.loans import (
    add_loan_parsers,
    add_loan_record_parsers,
    run_loan_pay,
    run_loan_sign,
    run_loans,
    run_return,
)
from bench_app.commands.lots import add_lots_parsers, run_lot, run_lots
from bench_app.commands.parts import add_parts_parsers, run_give_part, run_parts
from bench_app.commands.phone_jobs import add_phone_job_parsers, run_install, run_wipe
from bench_app.commands.profiles import add_profile_parsers, run_images, run_profiles
from bench_app.commands.reports import REPORT_COMMANDS, add_report_parsers, run_reports
from bench_app.commands.search import add_search_parser, run_search
from bench_app.commands.selfcheck import add_selfcheck_parser, run_selfcheck_command
from bench_app.commands.settings import add_settings_parsers, run_settings
from bench_app.commands.simulate import add_simulate_parser, run_simulate
from bench_app.commands.sync import add_sync_parsers, run_enrol, run_sync
from bench_app.commands.write_image import add_image_parsers, run_write_image
from bench_app.errors import BenchError
from bench_app.text import Text

if TYPE_CHECKING:
    from bench_app.store.database import Store

# The store (and its signed head: cryptography) loads only for the commands that read it,
# so `--help`, `--version` and the window's start pay nothing for it here. So does what
# each command runs: its module imports it when it runs, not when its parser is built.


def _common(parser: argparse.ArgumentParser, *, top: bool) -> None:
    default = None if top else argparse.SUPPRESS
    parser.add_argument(
        "--data-dir",
        default=default,
        metavar="DIR",
        help=say(
            Text(
                "dossier de données du poste (défaut : $ETABLI_DATA_DIR ou le dossier de l’utilisateur)",
                "station data folder (default: $ETABLI_DATA_DIR or the user data folder)",
            )
        ),
    )
    parser.add_argument(
        "--lang",
        choices=("fr", "en"),
        default=default,
        help=say(Text("langue des messages", "language of messages")),
    )
    parser.add_argument(
        "--training",
        action="store_true",
        default=False if top else argparse.SUPPRESS,
        help=say(
            Text(
                "mode formation : appareils simulés, données marquées, dans le dossier de formation (à côté du vrai) sauf --data-dir",
                "training mode: simulated devices, marked records, in the training folder (beside the real one) unless --data-dir",
            )
        ),
    )


def _scenario_option(parser: argparse.ArgumentParser, *, top: bool) -> None:
    parser.add_argument(
        "--scenario",
        metavar="NAME",
        default=None if top else argparse.SUPPRESS,
        help=say(
            Text(
                "avec --training : la classe de ce scénario (Découverte, Tout…)",
                "with --training: the classroom set of this scenario (Découverte, Tout…)",
            )
        ),
    )


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The `etabli` parser. Given the command line, installed command groups (the hub...)
    are loaded only when it may name one, so a core command never imports them."""
    use_language(language_from(argv))
    parser = Parser(
        prog="etabli",
        description=say(
            Text(
                "Établi — poste de reconditionnement. Sans sous-commande : ouvre la fenêtre.",
                "Établi — refurbishing bench. Without a subcommand: opens the window.",
            )
        ),
    )
    parser.add_argument(
        "--version", action="version", version=f"etabli {__version__}", help=say(VERSION)
    )
    _common(parser, top=True)
    sub = parser.add_subparsers(dest="command")

    _scenario_option(parser, top=True)
    p = sub.add_parser(
        "gui", help=say(Text("ouvre la fenêtre (par défaut)", "open the window (the default)"))
    )
    _common(p, top=False)
    _scenario_option(p, top=False)

    p = sub.add_parser(
        "devices",
        help=say(
            Text(
                "liste les appareils connus de ce poste, avec leur étape",
                "list the devices this station knows, with their stage",
            )
        ),
    )
    _common(p, top=False)
    p.add_argument("--json", action="store_true")

    p = sub.add_parser(
        "events", help=say(Text("affiche le journal des faits", "print the event log"))
    )
    _common(p, top=False)
    p.add_argument(
        "--device",
        metavar="ASSET",
        help=say(
            Text(
                "seulement les faits de ce code d’inventaire", "only the events of this asset code"
            )
        ),
    )
    p.add_argument(
        "--json",
        action="store_true",
        help=say(Text("un objet JSON par ligne", "one JSON object per line")),
    )

    p = sub.add_parser(
        "db", help=say(Text("entretien de la base de données", "database maintenance"))
    )
    _common(p, top=False)
    db_sub = p.add_subparsers(dest="db_command", required=True)
    check = db_sub.add_parser(
        "check",
        help=say(
            Text(
                "vérifie SQLite, la chaîne d’empreintes, la tête signée, le reçu du collectif et les tables dérivées contre une reconstruction depuis le journal",
                "verify SQLite, the hash chain, the signed head, the hub's acknowledgement and the derived tables against a rebuild from the log",
            )
        ),
    )
    _common(check, top=False)
    sub.add_parser(
        "build-check",
        help=say(
            Text(
                "vérifie que ce paquet d’Établi contient tout ce qu’il lit (sans écran)",
                "checks this build carries everything it reads (offscreen)",
            )
        ),
    )
    add_simulate_parser(sub)
    add_diagnose_parser(sub, _common)
    add_drive_parsers(sub, _common)
    add_laptop_parsers(sub, _common)
    add_laptop_image_parser(sub, _common)
    add_profile_parsers(sub, _common)
    add_certificate_parsers(sub, _common)
    add_label_parsers(sub, _common)
    add_image_parsers(sub, _common)
    add_report_parsers(sub, _common)
    add_export_parsers(sub, _common)
    add_journey_parsers(sub, _common)
    add_beneficiary_parsers(sub, _common)
    add_loan_parsers(sub, _common)
    add_loan_record_parsers(sub, _common)
    add_parts_parsers(sub, _common)
    add_override_parser(sub, _common)
    add_search_parser(sub, _common)
    add_lots_parsers(sub, _common)
    add_phone_job_parsers(sub, _common)
    add_batch_parsers(sub, _common)
    add_settings_parsers(sub, _common)
    add_command_groups(sub, load=argv is None or _may_name_a_group(argv, set(sub.choices)))
    add_bundle_parsers(sub, _common)
    add_sync_parsers(sub, _common)
    add_selfcheck_parser(sub, _common)
    # The privileged erasure helper, run as root by systemd: the packaged app is one program,
    # so the helper is this subcommand of it. Its options are its own ("+": none is ours).
    p = sub.add_parser(
        "erase-helper",
        help=say(
            Text(
                "le service d’effacement (root, lancé par systemd : etabli-erase-helper.socket)",
                "the erasure helper service (root, started by systemd: etabli-erase-helper.socket)",
            )
        ),
        prefix_chars="+",
        add_help=False,
    )
    p.add_argument("arguments", nargs="*")
    return parser


Runner = Callable[[Path, argparse.Namespace, str], int]

# Command groups installed beside the core register here (pyproject.toml entry points), so
# the core never imports them: `register(subparsers, common)` adds a group's parsers, each
# with the default `run_group`, a Runner.
COMMAND_GROUPS = "etabli.commands"
# The groups Établi ships: one that is not installed is said plainly, not "invalid choice".
KNOWN_GROUPS = {"hub": Text("le serveur du collectif", "the collective's hub server")}


def _may_name_a_group(argv: Sequence[str], core: set[str]) -> bool:
    """Whether the command line may need an installed command group: it names a command
    that is not a core one, or asks for the top-level help (which lists every group)."""
    skip = False
    for word in argv:
        if skip:
            skip = False
        elif word in ("--data-dir", "--lang"):  # the top-level options that take a value
            skip = True
        elif word == "--version":
            return False  # argparse answers it before any subcommand is looked at
        elif word in ("-h", "--help"):
            return True
        elif not word.startswith("-"):
            return word not in core
    return False  # the window


def add_command_groups(sub: Any, *, load: bool = True) -> None:
    """Adds every installed command group, and for each known group that is not installed
    a command that says so whatever its arguments. With `load` false (the command line names
    a core command) no group is imported: the known ones only get their name and help."""
    found: set[str] = set()
    if not load:
        for name, help_text in KNOWN_GROUPS.items():
            sub.add_parser(name, help=say(help_text), add_help=False)
        return
    import importlib.metadata  # reading the installed entry points costs ~40 ms

    for entry in importlib.metadata.entry_points(group=COMMAND_GROUPS):
        try:
            register = entry.load()
        except ImportError:  # declared, but its code is not on this machine
            continue
        register(sub, _common)
        found.add(entry.name)
    for name, help_text in KNOWN_GROUPS.items():
        if name not in found:
            # "+" as the only option prefix, so every argument is taken as given.
            p = sub.add_parser(name, help=say(help_text), prefix_chars="+", add_help=False)
            p.add_argument("arguments", nargs="*")
            p.set_defaults(run_group=_not_installed)


def _not_installed(folder: Path, args: argparse.Namespace, lang: str) -> int:
    """Says that this command group is not installed, in the language asked for anywhere on
    the command line; exit 2."""
    given = argparse.ArgumentParser(add_help=False)
    _common(given, top=False)
    lang = getattr(given.parse_known_args(args.arguments)[0], "lang", None) or lang
    error = BenchError("COMMAND_NOT_INSTALLED", command=f"etabli {args.command}")
    print(error.text(lang), file=sys.stderr)
    return 2


# Subcommands that take the data folder, their arguments and the language.
RUNNERS: dict[str, Runner] = {
    "selfcheck": run_selfcheck_command,
    "drives": run_drives,
    "inventory": run_inventory,
    "erase": run_erase,
    "agent": run_agent,
    "laptops": run_laptops,
    "pair": run_pair,
    "laptop-erase": run_laptop_erase,
    "stick-prepare": run_stick_prepare,
    "laptop-check": run_laptop_check,
    "laptop-image": run_laptop_image,
    "profiles": run_profiles,
    "images": run_images,
    "certificate": run_certificate,
    "verify-certificate": run_verify_certificate,
    "keys": run_keys,
    "label": run_label,
    "print-label": run_print_label,
    "write-image": run_write_image,
    "bundle": run_bundle,
    "enrol": run_enrol,
    "sync": run_sync,
    "journey": run_journey,
    "outcome": run_outcome,
    "beneficiary": run_beneficiary,
    "loans": run_loans,
    "return": run_return,
    "loan-sign": run_loan_sign,
    "loan-pay": run_loan_pay,
    "give-part": run_give_part,
    "parts": run_parts,
    "override-check": run_override_check,
    "search": run_search,
    "lots": run_lots,
    "lot": run_lot,
    "wipe": run_wipe,
    "install": run_install,
    "batch": run_batch,
    "settings": run_settings,
}
RUNNERS_BY_REPORT: dict[str, Runner] = {
    **dict.fromkeys(REPORT_COMMANDS, run_reports),
    "erasure": run_report,
}


def main(argv: Sequence[str] | None = None) -> int:
    readable_output()
    parser = build_parser(sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(argv)  # --help and --version end here, before anything loads
    import sqlite3  # its errors are said below

    from bench_app.jobs.process import ensure_system_programs_on_path

    ensure_system_programs_on_path()  # a normal user's PATH lacks /usr/sbin (smartctl...)
    lang = getattr(args, "lang", None) or "fr"
    try:
        refuse_undecodable(args)
        if args.command in (None, "gui"):
            from ui.app import run_gui  # Qt is imported only when the window is wanted

            scenario = getattr(args, "scenario", None)
            if scenario is not None:
                from bench_app.simulators.scenarios import find_scenario

                if not args.training:
                    raise BenchError("SCENARIO_WITHOUT_TRAINING")
                find_scenario(scenario)  # an unknown name is said before any window opens
            folder = station_folder(args)
            return run_gui(folder, training=bool(args.training), lang=args.lang, scenario=scenario)
        if args.command == "build-check":
            from ui.build_check import run_build_check  # Qt, offscreen, only for this check

            return run_build_check()
        if args.command == "simulate":
            return run_simulate(args)
        if args.command == "erase-helper":
            from bench_app.erasure.erase_helper_service import main as run_erase_helper

            return run_erase_helper(args.arguments)
        if args.command == "diagnose":
            return run_diagnose(station_folder(args), args, lang)
        folder = station_folder(args)
        _say_upgrades(lang)
        if args.command == "devices":
            return _devices(folder, args.json, lang)
        if args.command == "events":
            return _events(folder, args.device, args.json)
        if args.command == "db" and args.db_command == "check":
            return _db_check(folder, lang)
        run_group: Runner | None = getattr(args, "run_group", None)
        if run_group is not None:
            return run_group(folder, args, lang)
        if args.command == "report":
            report = RUNNERS_BY_REPORT.get(args.report_command)
            if report is not None:
                return report(folder, args, lang)
        elif args.command == "export" and args.export_command == "ereuse":
            return run_export_ereuse(folder, args, lang)
        elif args.command in RUNNERS:
            return RUNNERS[args.command](folder, args, lang)
    except BenchError as exc:
        print(exc.text(lang), file=sys.stderr)
        return 2
    except BrokenPipeError:
        # The reader went away (`etabli events | head`): nothing more to say to it.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except (sqlite3.DatabaseError, OSError) as exc:  # met outside the store's own checks
        error = _data_folder_error(exc, station_dir(args))
        if error is None:
            raise
        print(error.text(lang), file=sys.stderr)
        return 2
    parser.print_help()
    return 2


def _say_upgrades(lang: str) -> None:
    """An upgrade of a large database takes minutes: say how far it has gone on stderr, at
    its start, about once a second, and at its end."""
    import time

    from bench_app.store.database import set_upgrade_listener, upgrade_text

    said = [float("-inf")]

    def report(done: int, total: int) -> None:
        now = time.monotonic()
        if 0 < done < total and now - said[0] < 1.0:
            return
        said[0] = now
        print(upgrade_text(done, total).get(lang), file=sys.stderr, flush=True)

    set_upgrade_listener(report)


def _data_folder_error(exc: BaseException, folder: Path) -> BenchError | None:
    """A full, read-only or vanished data folder, or a damaged database, said plainly;
    None for a failure elsewhere (a file given on the command line...)."""
    from bench_app.store.database import DB_NAME, storage_error

    if isinstance(exc, OSError):
        name = exc.filename if isinstance(exc.filename, str) else ""
        if not name or not Path(name).is_relative_to(folder):
            return None
    return storage_error(exc, folder / DB_NAME)


def _open(folder: Path) -> Store:
    from bench_app.store.database import DB_NAME, Store

    return Store.open_for_reading(folder / DB_NAME)


# A job recorded as running while no station holds the folder: it was killed.
STALE = Text(
    "interrompu (sera noté au prochain démarrage)", "interrupted (will be marked at next start)"
)


def _devices(folder: Path, as_json: bool, lang: str) -> int:
    from bench_app.domain.model import STAGE_LABELS, JobState
    from bench_app.store import queries

    with _open(folder) as store:
        devices = queries.devices(store)
        rows = []
        for d in devices:
            jobs = queries.jobs_for_device(store, d.id)
            last = jobs[-1] if jobs else None
            # Only a live station runs jobs; the lock it holds dies with it.
            stale = last is not None and last.state.active and not store.held_elsewhere
            rows.append(
                {
                    "asset_code": d.asset_code,
                    "kind": d.kind.value,
                    "brand": d.brand,
                    "model": d.model,
                    "serial": d.serial,
                    "imei": d.imei,
                    "stage": d.stage.value,
                    "lot_id": d.lot_id,
                    "training": d.training,
                    "last_job": {
                        "id": last.id,
                        "pipeline": last.pipeline,
                        "state": JobState.INTERRUPTED.value if stale else last.state.value,
                        "recorded_state": last.state.value,
                        "last_finished_step": last.last_finished_step,
                    }
                    if last
                    else None,
                }
            )
    if as_json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    if not rows:
        print("Aucun appareil." if lang == "fr" else "No device.")
        return 0
    for r, d in zip(rows, devices, strict=True):
        job = cast("dict[str, Any] | None", r["last_job"])
        state = job and (STALE.get(lang) if job["state"] != job["recorded_state"] else job["state"])
        job_text = f"{job['pipeline']}: {state}" if job else "-"
        mark = " [formation]" if d.training else ""
        print(
            f"{d.asset_code}  {d.kind.value:<7} {d.label:<28} {d.serial:<16} "
            f"{STAGE_LABELS[d.stage].get(lang):<16} {job_text}{mark}"
        )
    return 0


def _events(folder: Path, asset: str | None, as_json: bool) -> int:
    from bench_app.store import queries

    with _open(folder) as store:
        device_id = None
        if asset is not None:  # an empty --device is a code typed wrong, not "all"
            from bench_app.domain.asset_code import AssetCode

            code = str(AssetCode.parse(asset))
            found = queries.device_by_code(store, code)
            if found is None:
                raise BenchError("ASSET_CODE_UNKNOWN", code=code)
            device_id = found.id
        events = queries.events(store, device_id)
    for e in events:
        if as_json:
            print(json.dumps(e.to_json(), ensure_ascii=False, sort_keys=True))
        else:
            mark = " [formation]" if e.training else ""
            print(
                f"{e.ts}  #{e.seq:<6} {e.type:<24} {e.operator:<12} {json.dumps(e.payload, ensure_ascii=False)[:120]}{mark}"
            )
    return 0


def _db_check(folder: Path, lang: str) -> int:
    from bench_app.store.database import DB_NAME, Store

    path = folder / DB_NAME
    if not path.exists():
        print(
            f"Pas de base de données dans {folder}."
            if lang == "fr"
            else f"No database in {folder}.",
            file=sys.stderr,
        )
        return 2
    # Never signs: the check judges the head file as it finds it.
    with Store.open_for_reading(path, sign_head=False) as store:
        report = store.check()
    fr = lang == "fr"
    print(("Intégrité SQLite : " if fr else "SQLite integrity: ") + report.integrity)
    if report.integrity.startswith("unreadable"):
        print(
            "Chaîne des faits : non vérifiée, la base est illisible."
            if fr
            else "Event chain: not checked, the database cannot be read."
        )
    elif report.chain_problem is None:
        print(
            f"Chaîne des faits : intacte ({report.events} faits)."
            if fr
            else f"Event chain: intact ({report.events} events)."
        )
    else:
        p = report.chain_problem
        print(
            (
                f"Chaîne des faits : ROMPUE au fait {p.event_id} (n° {p.seq}, poste {p.station_id}) : {p.reason}."
                if fr
                else f"Event chain: BROKEN at event {p.event_id} (#{p.seq}, station {p.station_id}): {p.reason}."
            ),
        )
    codes = {e.code for e in report.problems}
    head = report.signed_head
    if head is not None and not codes & _HEAD_CODES:
        seq = report.log_head[0]
        print(
            f"Tête signée : le journal s’arrête au fait n° {seq}, signé le {head.signed_at} (clé {head.key_id})."
            if fr
            else f"Signed head: the log ends at fact #{seq}, signed at {head.signed_at} (key {head.key_id})."
        )
    hub = report.hub_ack
    if hub is not None and not codes & _HUB_CODES:
        print(
            f"Collectif : {hub.hub} a confirmé le {hub.received_at} détenir les faits jusqu’au n° {hub.seq} ; le journal les contient."
            if fr
            else f"Collective: {hub.hub} confirmed at {hub.received_at} that it holds the facts up to #{hub.seq}; the log has them."
        )
    if not any(c.startswith("DB_PROJECTION_") for c in codes) and report.integrity == "ok":
        print(
            "Tables dérivées : identiques à une reconstruction depuis le journal."
            if fr
            else "Derived tables: identical to a rebuild from the log."
        )
    for problem in report.problems:
        print(("PROBLÈME : " if fr else "PROBLEM: ") + problem.text(lang))
    return 0 if report.ok else 1


_HEAD_CODES = {
    "DB_HEAD_MISSING",
    "DB_HEAD_NEVER_SIGNED",
    "DB_HEAD_INVALID",
    "DB_LOG_SHORTER_THAN_HEAD",
    "DB_LOG_DIVERGES_FROM_HEAD",
    "DB_LOG_PAST_HEAD",
}
_HUB_CODES = {"DB_HUB_ACK_INVALID", "DB_LOG_SHORTER_THAN_HUB", "DB_LOG_DIVERGES_FROM_HUB"}


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
