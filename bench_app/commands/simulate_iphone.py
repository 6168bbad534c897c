"""`etabli simulate iphone`: a simulated iPhone behind its own usbmuxd (training, demos).

    etabli simulate iphone --persona NAME [--host H] [--port N] [--socket PATH]
    etabli simulate iphone --list

libimobiledevice's tools reach it with USBMUXD_SOCKET_ADDRESS=HOST:PORT (or UNIX:PATH).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from bench_app.commands.arguments import whole_number
from bench_app.commands.help_language import say
from bench_app.commands.serving import start_listening, until_stopped
from bench_app.text import Text


def add_iphone_simulate_parser(kinds: Any) -> None:
    """Adds the `iphone` kind to `etabli simulate`."""
    parser = kinds.add_parser(
        "iphone",
        help=say(
            Text(
                "un iPhone simulé derrière usbmuxd : USBMUXD_SOCKET_ADDRESS=HÔTE:PORT ideviceinfo",
                "a simulated iPhone behind usbmuxd: USBMUXD_SOCKET_ADDRESS=HOST:PORT ideviceinfo",
            )
        ),
    )
    parser.add_argument(
        "--persona",
        metavar="NAME",
        help=say(Text("quel iPhone simuler (voir --list)", "which iPhone to be (see --list)")),
    )
    parser.add_argument(
        "--host", default="127.0.0.1", help=say(Text("adresse d’écoute", "address to listen on"))
    )
    parser.add_argument(
        "--port",
        type=whole_number(0, 65535),
        default=0,
        help=say(Text("port TCP de usbmuxd (0 : un port libre)", "usbmuxd's TCP port (0: any)")),
    )
    parser.add_argument(
        "--socket",
        metavar="PATH",
        help=say(Text("écoute aussi sur ce socket UNIX", "also listen on this UNIX socket")),
    )
    parser.add_argument(
        "--list",
        action="store_true",
        help=say(Text("liste les iPhone simulés et s’arrête", "list the personas and exit")),
    )


def run_iphone_simulator(args: argparse.Namespace) -> int:
    """Lists personas, or serves one until Ctrl+C or SIGTERM; returns the exit status."""
    from bench_app.simulators.iphone.persona import PersonaError, list_personas, load_persona

    lang = getattr(args, "lang", None) or "fr"
    if args.list:
        for name in list_personas():
            print(f"{name:<22} {load_persona(name).description}")
        return 0
    if not args.persona:
        print(
            "Choisissez un iPhone avec --persona (voir --list)."
            if lang == "fr"
            else "Choose an iPhone with --persona (see --list).",
            file=sys.stderr,
        )
        return 2
    try:
        persona = load_persona(args.persona)
    except PersonaError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    from bench_app.simulators.iphone import SimulatedIPhone, UsbmuxdSimulator
    from bench_app.simulators.mode import SimulationMode

    daemon = UsbmuxdSimulator(
        SimulationMode.TRAINING,
        unix_path=Path(args.socket) if args.socket else None,
        tcp_port=args.port,
        host=args.host,
    )
    phone = SimulatedIPhone(persona)
    with until_stopped() as stop:
        try:
            start_listening(daemon.start, args.socket or f"{args.host}:{args.port}")
            daemon.attach(phone)
            if lang == "fr":
                print(f"iPhone simulé « {persona.name} » ({phone.udid}) : "
                      f"USBMUXD_SOCKET_ADDRESS={daemon.address} ideviceinfo", flush=True)  # fmt: skip
            else:
                print(f"Simulated iPhone “{persona.name}” ({phone.udid}): "
                      f"USBMUXD_SOCKET_ADDRESS={daemon.address} ideviceinfo", flush=True)  # fmt: skip
            stop.wait()
        finally:
            daemon.stop()
            phone.close()
    return 0
