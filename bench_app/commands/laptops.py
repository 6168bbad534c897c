"""`etabli agent` (on the laptop, booted from the stick), `etabli laptops` and `etabli pair`
(at the station)."""

from __future__ import annotations

import argparse
import json
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench_app.commands.arguments import add_operator_argument, training_requested
from bench_app.commands.help_language import say
from bench_app.errors import BenchError
from bench_app.text import Text

Common = Callable[..., None]
DEFAULT_PORT = 7410


def add_laptop_parsers(sub: Any, common: Common) -> None:
    p = sub.add_parser(
        "agent",
        help=say(
            Text(
                "sur un portable démarré par la clé Établi : attend l’appairage du poste",
                "on a laptop started from the Établi stick: waits for the station to pair",
            )
        ),
    )
    common(p, top=False)
    p.add_argument(
        "--pair-code",
        metavar="CODE",
        help=say(
            Text(
                "le code d’appairage (6 chiffres ; défaut : tiré au hasard)",
                "the pairing code (6 digits; default: drawn at random)",
            )
        ),
    )
    p.add_argument(
        "--disk",
        action="append",
        default=[],
        metavar="PATH",
        help=say(
            Text(
                "un fichier image ou un périphérique loop à présenter comme disque (formation, essais) ; défaut : les disques internes",
                "an image file or loop device to offer as a disk (training, tests); default: the internal disks",
            )
        ),
    )
    p.add_argument(
        "--no-screen",
        action="store_true",
        help=say(
            Text(
                "sans écran plein écran : tout s’affiche dans la console",
                "no full-screen window: everything is said in the console",
            )
        ),
    )
    p.add_argument(
        "--listen",
        metavar="ADDR",
        help=say(
            Text(
                f"adresse:port d’écoute (défaut : 0.0.0.0:{DEFAULT_PORT})",
                f"address:port to listen on (default: 0.0.0.0:{DEFAULT_PORT})",
            )
        ),
    )

    p.add_argument(
        "--bundle-dir",
        metavar="DIR",
        help=say(
            Text(
                "sans réseau : fait le parcours seul et écrit un paquet signé dans DIR (la clé Établi, préparée par etabli stick-prepare)",
                "with no network: runs the journey alone and writes a signed bundle in DIR (the Établi stick, prepared by etabli stick-prepare)",
            )
        ),
    )
    p.add_argument(
        "--confirm-serial",
        action="append",
        default=None,
        metavar="LAST_CHARS",
        help=say(
            Text(
                "avec --bundle-dir : fin du numéro de série d’un disque à effacer (formation, essais ; sinon demandée à l’écran)",
                "with --bundle-dir: end of the serial of a disk to erase (training, tests; else asked on screen)",
            )
        ),
    )
    p.add_argument(
        "--method",
        choices=("clear-zero", "clear-random"),
        default="clear-zero",
        help=say(
            Text(
                "avec --bundle-dir : réécrire avec des zéros (défaut) ou de l’aléatoire",
                "with --bundle-dir: overwrite with zeros (default) or random data",
            )
        ),
    )
    p.add_argument(
        "--tests",
        default="all",
        metavar="none|all|ID,...",
        help=say(
            Text(
                "avec --bundle-dir : les tests guidés à faire (défaut : all ; none : aucun ; ou keyboard,screen,…)",
                "with --bundle-dir: the guided tests to run (default: all; none; or keyboard,screen,…)",
            )
        ),
    )
    p.add_argument(
        "--images",
        metavar="IMAGES_DIR",
        help=say(
            Text(
                "avec --bundle-dir : le dossier des images système de la clé (avec SHA256SUMS ou NOM.sha256) ; l’image est écrite après l’effacement vérifié",
                "with --bundle-dir: the stick's folder of system images (with SHA256SUMS or NAME.sha256); the image is written after the verified erasure",
            )
        ),
    )
    p.add_argument(
        "--image",
        metavar="NAME",
        help=say(
            Text(
                "avec --images : le nom du fichier image à écrire (défaut : la seule image du dossier)",
                "with --images: the image file's name to write (default: the folder's only image)",
            )
        ),
    )
    add_operator_argument(p)

    p = sub.add_parser(
        "stick-prepare",
        help=say(
            Text(
                "prépare une clé Établi pour le travail sans réseau : sa clé de signature, reconnue par ce poste",
                "prepare an Établi stick for work with no network: its signing key, trusted by this station",
            )
        ),
    )
    common(p, top=False)
    p.add_argument(
        "stick",
        metavar="DIR",
        help=say(Text("le dossier de la clé USB", "the USB stick's folder")),
    )
    p.add_argument("--json", action="store_true")

    p = sub.add_parser(
        "laptops",
        help=say(
            Text(
                "liste les portables à clé Établi vus sur le réseau, appairés ou non",
                "list the laptops running the Établi stick seen on the network, paired or not",
            )
        ),
    )
    common(p, top=False)
    p.add_argument("--json", action="store_true")
    p.add_argument(
        "--wait",
        type=float,
        default=3.0,
        metavar="SECONDS",
        help=say(Text("temps d’écoute (défaut : 3 s)", "how long to listen (default: 3 s)")),
    )
    p.add_argument(
        "--interface",
        metavar="ADDR",
        help=say(
            Text(
                "écoute seulement sur l’interface de cette adresse IPv4",
                "listen only on the interface with this IPv4 address",
            )
        ),
    )

    p = sub.add_parser(
        "pair",
        help=say(
            Text(
                "appaire le poste avec un portable (le code est sur son écran) et l’enregistre",
                "pair the station with a laptop (the code is on its screen) and record it",
            )
        ),
    )
    common(p, top=False)
    p.add_argument(
        "address",
        metavar="ADDR",
        help=say(Text("adresse:port de l’agent", "the agent's address:port")),
    )
    p.add_argument(
        "code",
        metavar="CODE",
        help=say(Text("le code affiché sur le portable", "the code shown on the laptop")),
    )
    p.add_argument("--json", action="store_true")
    add_operator_argument(p)

    p = sub.add_parser(
        "laptop-erase",
        help=say(
            Text(
                "efface les disques d’un portable par son agent, tous à la fois, vérification complète",
                "erase a laptop's disks through its agent, all at once, with full verification",
            )
        ),
    )
    common(p, top=False)
    p.add_argument(
        "address",
        metavar="ADDR",
        help=say(Text("adresse:port de l’agent", "the agent's address:port")),
    )
    p.add_argument(
        "code",
        metavar="CODE",
        help=say(Text("le code affiché sur le portable", "the code shown on the laptop")),
    )
    p.add_argument(
        "--method",
        choices=("clear-zero", "clear-random"),
        default="clear-zero",
        help=say(
            Text(
                "réécrire avec des zéros (défaut) ou de l’aléatoire",
                "overwrite with zeros (default) or random data",
            )
        ),
    )
    p.add_argument(
        "--confirm-serial",
        action="append",
        default=[],
        metavar="LAST_CHARS",
        help=say(
            Text(
                "fin du numéro de série lu sur l’étiquette d’un disque à effacer (une fois par disque)",
                "end of the serial read on the label of a disk to erase (once per disk)",
            )
        ),
    )
    p.add_argument("--json", action="store_true")
    add_operator_argument(p)

    p = sub.add_parser(
        "laptop-check",
        help=say(
            Text(
                "fait les tests guidés sur l’écran du portable (clavier, écran, son…) et les enregistre",
                "run the guided tests on the laptop's own screen (keyboard, screen, sound…) and record them",
            )
        ),
    )
    common(p, top=False)
    p.add_argument(
        "address",
        metavar="ADDR",
        help=say(Text("adresse:port de l’agent", "the agent's address:port")),
    )
    p.add_argument(
        "code",
        metavar="CODE",
        help=say(Text("le code affiché sur le portable", "the code shown on the laptop")),
    )
    p.add_argument(
        "--answer-here",
        action="store_true",
        help=say(
            Text(
                "répondre ici (o/n/p) ; sinon on répond sur le portable",
                "answer here (y/n/s); otherwise answers are given on the laptop",
            )
        ),
    )
    p.add_argument(
        "--test",
        action="append",
        default=[],
        metavar="TEST",
        help=say(
            Text(
                "un test seulement (keyboard, screen, webcam, loudspeaker, microphone, touchpad, usb_ports, wifi) ; défaut : tous",
                "one test only (keyboard, screen, webcam, loudspeaker, microphone, touchpad, usb_ports, wifi); default: all",
            )
        ),
    )
    p.add_argument("--json", action="store_true")
    add_operator_argument(p)


def add_laptop_image_parser(sub: Any, common: Common) -> None:
    p = sub.add_parser(
        "laptop-image",
        help=say(
            Text(
                "écrit le système d’un portable par son agent, après l’effacement vérifié de ses disques, puis le relit",
                "write a laptop's system through its agent, after its disks are verified erased, then read it back",
            )
        ),
    )
    common(p, top=False)
    p.add_argument(
        "address",
        metavar="ADDR",
        help=say(Text("adresse:port de l’agent", "the agent's address:port")),
    )
    p.add_argument(
        "code",
        metavar="CODE",
        help=say(Text("le code affiché sur le portable", "the code shown on the laptop")),
    )
    p.add_argument(
        "--confirm-serial",
        required=True,
        metavar="LAST_CHARS",
        help=say(
            Text(
                "fin du numéro de série lu sur l’étiquette du disque qui reçoit le système",
                "end of the serial read on the label of the disk that receives the system",
            )
        ),
    )
    p.add_argument(
        "--image",
        metavar="NAME",
        help=say(
            Text(
                "l’image de la bibliothèque (nom ou sha256 ; défaut : le système des portables choisi dans les réglages de l’atelier)",
                "the library's image (name or sha256; default: the workshop's, setting laptop_image)",
            )
        ),
    )
    p.add_argument("--json", action="store_true")
    add_operator_argument(p)


def run_agent(folder: Path, args: argparse.Namespace, lang: str) -> int:
    import secrets
    import signal

    from bench_app.devices.laptop.channel import new_pairing_code, valid_pairing_code
    from bench_app.devices.laptop.client import split_address
    from bench_app.devices.laptop.discovery import Announcement
    from bench_app.devices.this_machine.inventory import inventory_this_machine, run_program
    from bench_app.laptop_agent import AgentServer, AgentState, agent_disks

    # --bundle-dir alone: the laptop done alone. With a code or an address to listen on, the
    # agent serves the station and keeps its erasure checkpoints on the stick.
    if args.bundle_dir is not None and args.pair_code is None and args.listen is None:
        return _run_agent_offline(folder, args, lang)
    if args.confirm_serial is not None:
        raise BenchError("AGENT_CONFIRM_OFFLINE_ONLY")
    for option, given in (("--images", args.images), ("--image", args.image)):
        if given is not None:
            raise BenchError("AGENT_OFFLINE_OPTION", option=option)
    if args.tests != "all":
        raise BenchError("AGENT_OFFLINE_OPTION", option="--tests")
    code = args.pair_code if args.pair_code is not None else new_pairing_code()
    if not valid_pairing_code(code):
        raise BenchError("PAIR_CODE_INVALID")
    host, port = _listen_address(args.listen or f"0.0.0.0:{DEFAULT_PORT}", split_address)
    disks = agent_disks(args.disk, folder)  # the boot stick refused before anything is read
    real = [(d["path"], d["transport"]) for d in disks if not d["image_file"]]
    inventory = inventory_this_machine(run_program, drives=real)
    identity = inventory.identity()
    description = {
        "identity": identity,
        "inventory": inventory.to_json(include_raw=True),
        "disks": disks,
    }
    fr = lang == "fr"

    console = threading.Lock()

    def said(what: str) -> None:
        told = {
            "paired": ("Poste appairé.", "Station paired."),
            "wrong-code": ("Code erroné reçu d’un poste.", "A station sent a wrong code."),
            "erasing": ("Effacement demandé par le poste…", "Erasure ordered by the station…"),
            "erased": ("Effacement terminé.", "Erasure finished."),
            "checkpoint": ("Point de reprise noté sur la clé.", "Checkpoint kept on the stick."),
            "test": ("Test guidé en cours…", "Guided test running…"),
            "test-done": ("Test guidé terminé.", "Guided test done."),
            "asset": (
                f"Code inventaire : {state.asset_code}",
                f"Asset code: {state.asset_code}",
            ),
            "imaging": ("Écriture du système demandée par le poste…", "System image ordered…"),
            "imaged": ("Système écrit et relu.", "System image written and read back."),
        }.get(what)
        if told is not None:  # progress and the like are for the screen only
            with console:  # two disks' threads at once: never two sentences on one line
                print(told[0] if fr else told[1], flush=True)

    stick = Path(args.bundle_dir) if args.bundle_dir is not None else None
    state = AgentState(
        secrets.token_hex(4), code, description, on_event=said, data_dir=folder, stick=stick
    )
    server = AgentServer((host, port), state)
    screen = None if args.no_screen else _screen(state, lang, folder)
    bound_host, bound_port = str(server.server_address[0]), int(server.server_address[1])
    try:
        announcement = Announcement(
            state.agent_id,
            bound_host,
            bound_port,
            brand=identity["brand"],
            model=identity["model"],
        )
    except (OSError, ValueError) as exc:  # no multicast on this network: pairing by address
        announcement = None
        print(("Annonce impossible : " if fr else "Cannot announce: ") + str(exc), file=sys.stderr)
    name = f"{identity['brand']} {identity['model']}".strip() or "?"
    disk_word = "disque(s)" if fr else "disk(s)"
    print(f"{name}  n° {identity['serial'] or '?'}  ({len(disks)} {disk_word})")
    print(f"Agent {state.agent_id}  {bound_host}:{bound_port}")
    print(
        ("CODE D’APPAIRAGE : " if fr else "PAIRING CODE: ") + f"{code[:3]} {code[3:]}", flush=True
    )
    if screen is not None:
        # The window runs Qt's loop here; the server answers on a thread of its own.
        serving = threading.Thread(target=server.serve_forever, daemon=True)
        serving.start()
        print(
            "Écran du portable : plein écran." if fr else "Laptop screen: full screen.", flush=True
        )
        try:
            screen(said)
        finally:
            server.shutdown()
            serving.join()
            if announcement is not None:
                announcement.close()
            server.server_close()
        return 0
    # SIGTERM (the stick's session ending, a test) stops the server as Ctrl-C does.
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        if announcement is not None:
            announcement.close()
        server.server_close()
    return 0


def _run_agent_offline(folder: Path, args: argparse.Namespace, lang: str) -> int:
    from bench_app.laptop_agent import AgentState
    from bench_app.laptop_offline import (
        desk_tester,
        plan_stick_image,
        prepare_offline,
        run_offline,
        tests_option,
    )
    from bench_app.station import clean_name, operator_from_environment

    fr = lang == "fr"

    def tell(text: Text) -> None:
        print(text.fr if fr else text.en, flush=True)

    def ask(text: Text) -> str | None:
        tell(text)
        line = sys.stdin.readline()
        return line.strip() or None

    operator = (
        clean_name(args.operator) if args.operator is not None else operator_from_environment()
    )
    tests = tests_option(args.tests)
    if args.image is not None and args.images is None:
        raise BenchError("AGENT_IMAGE_WITHOUT_FOLDER")
    # The image is checked before anything is erased: a wrong copy stops the run here.
    image = plan_stick_image(Path(args.images), args.image) if args.images is not None else None
    stick = Path(args.bundle_dir)
    prepared = prepare_offline(stick, args.disk)
    state = AgentState(prepared[2]["agent_id"], "", prepared[2], data_dir=prepared[0])
    # The guided tests on the laptop's own window when it has one, else at the console.
    screen = None if args.no_screen or not tests else _screen(state, lang, prepared[0])

    closed = threading.Event()  # the window is gone: the tests left end skipped
    shown_test = desk_tester(state.desk)

    def on_window(test: Any) -> dict[str, Any]:
        if closed.is_set():
            return {"answer": "skipped", "by": "cancelled", "readings": {}}
        return shown_test(test)

    def journey() -> dict[str, Any]:
        def asset(code: str) -> None:
            state.asset_code = code
            state.on_event("asset")

        return run_offline(
            stick,
            args.disk,
            method=args.method,
            confirms=args.confirm_serial,
            operator=operator,
            say=tell,
            ask=ask,
            tests=tests,
            tester=on_window if screen is not None else None,
            image=image,
            prepared=prepared,
            on_asset=asset,
        )

    if screen is None:
        record = journey()
    else:
        # Qt's loop runs the window here; the journey runs on a thread of its own and closes
        # the window when it is over (its error, if any, is raised here afterwards).
        outcome: dict[str, Any] = {}

        def work() -> None:
            try:
                outcome["record"] = journey()
            except BaseException as exc:  # raised again on the main thread
                outcome["error"] = exc
            finally:
                state.on_event("stop")

        worker = threading.Thread(target=work, daemon=True)

        def started() -> None:
            tell(Text("Écran du portable : plein écran.", "Laptop screen: full screen."))
            worker.start()

        screen(lambda _what: None, started)
        closed.set()
        if worker.ident is None:  # stopped before Qt's loop ran: the journey runs, untested
            worker.start()
        while worker.is_alive():  # the window closed first: a test still shown ends skipped
            state.desk.cancel()
            worker.join(0.2)
        if "error" in outcome:
            raise outcome["error"]
        record = outcome["record"]
    for d in record["disks"]:
        said = (
            ("EFFACÉ" if fr else "ERASED")
            if d["result"] == "erased"
            else ("NON EFFACÉ" if fr else "NOT ERASED")
        )
        why = " ".join(r["fr" if fr else "en"] for r in d["reasons"])
        print(
            f"{d['asset_code']}  {'n°' if fr else 'serial'} {d['serial']}  {said}  {why}".rstrip()
        )
    words = {"ok": ("fonctionne", "works"), "ko": ("NE FONCTIONNE PAS", "DOES NOT WORK"),
             "skipped": ("non testé", "not tested")}  # fmt: skip
    for t in record["tests"]:
        print(f"{t['test']}  {words[t['answer']][0 if fr else 1]}")
    written = record["image"]
    installed = written is None or written["result"] == "installed"
    if written is not None:
        verdict = (
            ("SYSTÈME INSTALLÉ", "SYSTEM INSTALLED")
            if installed
            else ("SYSTÈME NON INSTALLÉ", "SYSTEM NOT INSTALLED")
        )
        why = " ".join(r["fr" if fr else "en"] for r in written["reasons"])
        print(f"{written['image']}  {verdict[0 if fr else 1]}  {why}".rstrip())
    tell(
        Text(
            f"Paquet écrit : {record['bundle']} ({record['events']} faits). "
            f"CODE À ÉCRIRE SUR LE PORTABLE : {record['asset_code']}",
            f"Bundle written: {record['bundle']} ({record['events']} facts). "
            f"CODE TO WRITE ON THE LAPTOP: {record['asset_code']}",
        )
    )
    return 0 if all(d["result"] == "erased" for d in record["disks"]) and installed else 1


def run_laptop_image(folder: Path, args: argparse.Namespace, lang: str) -> int:
    from bench_app.laptop_system_image import write_laptop_image
    from bench_app.station import operator_for_command

    operator = operator_for_command(folder, args.operator)  # refused before connecting
    fr = lang == "fr"
    shown = [-1]

    def progress(phase: str, done: int, total: int) -> None:
        percent = 100 * done // total if total else 100
        if args.json or percent // 10 == shown[0]:
            return
        shown[0] = percent // 10
        word = {"write": ("écrit", "written"), "verify": ("relu", "read back")}[phase]
        print(f"  {word[0] if fr else word[1]} {percent} %", flush=True)

    record = write_laptop_image(
        folder,
        args.address,
        args.code,
        confirm=args.confirm_serial,
        image=args.image,
        operator=operator,
        training=training_requested(args),
        on_progress=progress,
    )
    if args.json:
        print(json.dumps(record, ensure_ascii=False, indent=2))
    else:
        installed = record["result"] == "installed"
        said = (
            ("ÉCRIT ET RELU" if fr else "WRITTEN AND READ BACK")
            if installed
            else ("NON INSTALLÉ" if fr else "NOT INSTALLED")
        )
        why = " ".join(r["fr" if fr else "en"] for r in record["reasons"])
        print(
            f"{record['asset_code']}  {record['image']} → {'disque' if fr else 'disk'} "
            f"{record['disk_asset_code']} ({'n°' if fr else 'serial'} {record['serial']})  {said}  {why}".rstrip()
        )
    return 0 if record["result"] == "installed" else 1


def run_stick_prepare(folder: Path, args: argparse.Namespace, lang: str) -> int:
    from bench_app.laptop_offline import prepare_stick

    enrolled = prepare_stick(folder, Path(args.stick))
    row = {
        "key_id": enrolled.key.key_id,
        "prefix": enrolled.prefix,
        "public_key": str(enrolled.public_file),
    }
    if args.json:
        print(json.dumps(row, ensure_ascii=False, indent=2))
    elif lang == "fr":
        print(
            f"Clé prête : clé de signature {row['key_id']}, reconnue par ce poste ;"
            f" codes {row['prefix']}-…"
        )
    else:
        print(
            f"Stick ready: signing key {row['key_id']}, trusted by this station;"
            f" codes {row['prefix']}-…"
        )
    return 0


def _screen(state: Any, lang: str, folder: Path) -> Callable[..., None] | None:
    """The full-screen window's runner when Qt and a display are usable (ui/agent_window.py),
    else None: the agent then speaks in the console only."""
    from bench_app.settings import Settings

    try:
        from ui.agent_window import screen_runner
    except ImportError:  # a build without the window
        return None
    try:
        organisation = Settings.load(folder).organisation
    except BenchError:
        organisation = ""  # a broken settings file: the Établi name is shown
    return screen_runner(state, lang, organisation)


def _listen_address(given: str, split: Callable[[str], tuple[str, int]]) -> tuple[str, int]:
    if given.endswith(":0") and given.count(":") == 1 and given[:-2]:
        return given[:-2], 0  # any free port (tests)
    try:
        return split(given)
    except BenchError:
        raise BenchError("AGENT_LISTEN_FAILED", address=given, detail="address:port") from None


def run_laptops(folder: Path, args: argparse.Namespace, lang: str) -> int:
    import math

    from bench_app.devices.laptop.discovery import browse
    from bench_app.laptops import paired_agents
    from bench_app.store.database import DB_NAME, Store

    if not (math.isfinite(args.wait) and 0 <= args.wait <= 60):
        raise BenchError("LAPTOPS_WAIT_INVALID")
    paired: dict[str, str] = {}
    if (folder / DB_NAME).exists():
        with Store.open_for_reading(folder / DB_NAME) as store:
            paired = paired_agents(store)
    try:
        seen = browse(args.wait, args.interface)
    except (OSError, ValueError) as exc:
        raise BenchError("LAPTOPS_BROWSE_FAILED", detail=str(exc)) from exc
    rows = [{**a.to_json(), "asset_code": paired.get(a.agent_id)} for a in seen]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    if not rows:
        print("Aucun portable vu." if lang == "fr" else "No laptop seen.")
    for r in rows:
        mark = r["asset_code"] or ("non appairé" if lang == "fr" else "not paired")
        print(
            f"{r['agent_id']}  {r['address']:<22} {(r['brand'] + ' ' + r['model']).strip():<30} {mark}"
        )
    return 0


def run_pair(folder: Path, args: argparse.Namespace, lang: str) -> int:
    from bench_app.laptops import pair_laptop
    from bench_app.station import operator_for_command

    operator = operator_for_command(folder, args.operator)  # refused before connecting
    record = pair_laptop(
        folder, args.address, args.code, operator=operator, training=training_requested(args)
    )
    if args.json:
        print(json.dumps(record, ensure_ascii=False, indent=2))
        return 0
    ident = record["identity"]
    print(
        f"{record['asset_code']}  {ident['brand']} {ident['model']}  n° {ident['serial'] or '?'}"
        f"  ({ident['kind']})"
    )
    for d in record["disks"]:
        mark = "  [" + ", ".join(d.get("refusals", [])) + "]" if d.get("refusals") else ""
        print(
            f"  {'disque' if lang == 'fr' else 'disk'}: {d['path']} {d.get('serial', '')} {d.get('size_bytes', 0)} B{mark}"
        )
    return 0


def run_laptop_erase(folder: Path, args: argparse.Namespace, lang: str) -> int:
    from bench_app.laptop_erasure import erase_laptop
    from bench_app.station import operator_for_command

    operator = operator_for_command(folder, args.operator)  # refused before connecting
    fr = lang == "fr"

    def progress(fractions: dict[str, float]) -> None:
        if not args.json:
            parts = [f"{Path(p).name} {round(100 * f)} %" for p, f in fractions.items()]
            print("  " + "  ".join(parts), flush=True)

    record = erase_laptop(
        folder,
        args.address,
        args.code,
        method=args.method,
        confirms=args.confirm_serial,
        operator=operator,
        training=training_requested(args),
        on_progress=progress,
    )
    if args.json:
        print(json.dumps(record, ensure_ascii=False, indent=2))
    else:
        for d in record["disks"]:
            said = (
                ("EFFACÉ" if fr else "ERASED")
                if d["result"] == "erased"
                else ("NON EFFACÉ" if fr else "NOT ERASED")
            )
            why = " ".join(r["fr" if fr else "en"] for r in d["reasons"])
            print(
                f"{d['asset_code']}  {'n°' if fr else 'serial'} {d['serial']}  {said}  {why}".rstrip()
            )
        asset, missing = record["asset_code"], record["certificate_missing"]
        if missing:
            print(
                f"Certificat du portable {asset} : pas encore, disque(s) {', '.join(missing)} non effacé(s)."
                if fr
                else f"Laptop certificate {asset}: not yet, disk(s) {', '.join(missing)} not erased."
            )
        else:
            print(
                f"Certificat du portable : etabli certificate {asset} -o {asset}.pdf"
                if fr
                else f"Laptop certificate: etabli certificate {asset} -o {asset}.pdf"
            )
    return 0 if all(d["result"] == "erased" for d in record["disks"]) else 1


def run_laptop_check(folder: Path, args: argparse.Namespace, lang: str) -> int:
    from bench_app.laptop_tests import check_laptop, chosen_tests
    from bench_app.station import operator_for_command

    chosen_tests(args.test)  # an unknown test refused before connecting
    operator = operator_for_command(folder, args.operator)
    fr = lang == "fr"

    def shown(test: Any, result: dict[str, Any]) -> None:
        if args.json:
            return
        words = {
            "ok": ("fonctionne", "works"),
            "ko": ("NE FONCTIONNE PAS", "DOES NOT WORK"),
            "skipped": ("non testé", "not tested"),
        }[result["answer"]]
        where = (
            {"laptop": "sur le portable", "station": "au poste"}
            if fr
            else {"laptop": "on the laptop", "station": "at the station"}
        ).get(result["by"], "")
        print(f"  {test.title.get(lang)} : {words[0 if fr else 1]}  ({where})".rstrip(), flush=True)

    record = check_laptop(
        folder,
        args.address,
        args.code,
        operator=operator,
        training=training_requested(args),
        tests=args.test,
        answer_here=_terminal_answer(lang, args.json) if args.answer_here else None,
        on_result=shown,
    )
    if args.json:
        print(json.dumps(record, ensure_ascii=False, indent=2))
    else:
        print(record["asset_code"])
    return 0


def _terminal_answer(
    lang: str, quiet: bool
) -> Callable[[Any, dict[str, Any], threading.Event], str | None]:
    """Answers typed at the station's terminal (o/n/p, y/n/s), read while the laptop may
    answer first: standard input is polled, and the question closes when the laptop answered.
    `quiet` (--json): the questions go to stderr, stdout keeps the JSON alone."""
    import select

    out = sys.stderr if quiet else sys.stdout

    keys = {"o": "ok", "y": "ok", "n": "ko", "p": "skipped", "s": "skipped"}

    def ask(test: Any, readings: dict[str, Any], closed: threading.Event) -> str | None:
        choice = "(o/n/p)" if lang == "fr" else "(y/n/s)"
        print(f"{test.title.get(lang)} — {test.question.get(lang)} {choice}", file=out, flush=True)
        while not closed.is_set():
            ready, _, _ = select.select([sys.stdin], [], [], 0.2)
            if not ready:
                continue
            line = sys.stdin.readline()
            if not line:
                return None  # nothing more to read: the laptop answers
            given = keys.get(line.strip().lower()[:1])
            if given is not None:
                return given
            print(choice, file=out, flush=True)
        return None

    return ask
