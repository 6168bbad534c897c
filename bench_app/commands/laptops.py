"""`etabli agent` (on the laptop, booted from the stick), `etabli laptops` and `etabli pair`
(at the station)."""

from __future__ import annotations

import argparse
import json
import secrets
import signal
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
        "--listen",
        metavar="ADDR",
        default=f"0.0.0.0:{DEFAULT_PORT}",
        help=say(
            Text(
                f"adresse:port d’écoute (défaut : 0.0.0.0:{DEFAULT_PORT})",
                f"address:port to listen on (default: 0.0.0.0:{DEFAULT_PORT})",
            )
        ),
    )

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


def run_agent(folder: Path, args: argparse.Namespace, lang: str) -> int:
    from bench_app.devices.laptop.channel import new_pairing_code, valid_pairing_code
    from bench_app.devices.laptop.client import split_address
    from bench_app.devices.laptop.discovery import Announcement
    from bench_app.devices.this_machine.inventory import inventory_this_machine, run_program
    from bench_app.laptop_agent import AgentServer, AgentState, agent_disks

    code = args.pair_code if args.pair_code is not None else new_pairing_code()
    if not valid_pairing_code(code):
        raise BenchError("PAIR_CODE_INVALID")
    host, port = _listen_address(args.listen, split_address)
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

    def said(what: str) -> None:
        told = {
            "paired": ("Poste appairé.", "Station paired."),
            "wrong-code": ("Code erroné reçu d’un poste.", "A station sent a wrong code."),
            "erasing": ("Effacement demandé par le poste…", "Erasure ordered by the station…"),
            "erased": ("Effacement terminé.", "Erasure finished."),
        }[what]
        print(told[0] if fr else told[1], flush=True)

    state = AgentState(secrets.token_hex(4), code, description, on_event=said, data_dir=folder)
    server = AgentServer((host, port), state)
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
    return 0 if all(d["result"] == "erased" for d in record["disks"]) else 1
