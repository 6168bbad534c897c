"""`etabli simulate phone`: run a simulated phone as a standalone ADB daemon (training, demos)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from bench_app.commands.arguments import whole_number
from bench_app.commands.help_language import say
from bench_app.commands.serving import start_listening, until_stopped
from bench_app.text import Text


def add_simulate_parser(subparsers: Any) -> None:
    """Adds `simulate phone --persona NAME [--host H] [--port N] [--list]` to the `etabli` parser."""
    parser = subparsers.add_parser(
        "simulate",
        help=say(
            Text("lance un appareil simulé (formation)", "run a simulated device for training")
        ),
    )
    kinds = parser.add_subparsers(dest="simulate_command", required=True)
    phone = kinds.add_parser(
        "phone",
        help=say(
            Text(
                "un téléphone Android simulé, joignable par `adb connect HÔTE:PORT`",
                "a simulated Android phone reachable with `adb connect HOST:PORT`",
            )
        ),
    )
    phone.add_argument(
        "--persona",
        metavar="NAME",
        help=say(Text("quel téléphone simuler (voir --list)", "which phone to be (see --list)")),
    )
    phone.add_argument(
        "--host", default="127.0.0.1", help=say(Text("adresse d’écoute", "address to listen on"))
    )
    phone.add_argument(
        "--port",
        type=whole_number(0, 65535),
        default=0,
        help=say(Text("port TCP (0 : un port libre)", "TCP port (0: any free port)")),
    )
    phone.add_argument(
        "--list",
        action="store_true",
        help=say(Text("liste les téléphones simulés et s’arrête", "list the personas and exit")),
    )
    phone.add_argument(
        "--serial",
        help=say(
            Text(
                "un autre téléphone du même modèle : son numéro de série (l’IMEI en découle)",
                "another phone of the same model: its serial (the IMEI follows from it)",
            )
        ),
    )
    # The fastboot kind lives with the fastboot package; it only hooks in here.
    from bench_app.commands.simulate_fastboot import add_fastboot_simulate_parser

    add_fastboot_simulate_parser(kinds)
    from bench_app.commands.simulate_handset import add_handset_simulate_parser

    add_handset_simulate_parser(kinds)
    from bench_app.commands.simulate_iphone import add_iphone_simulate_parser

    add_iphone_simulate_parser(kinds)


def run_simulate(args: argparse.Namespace) -> int:
    """Lists personas, or serves one until Ctrl+C or SIGTERM; returns the exit status."""
    # The personas load only when a phone is simulated, so other commands start without them.
    from bench_app.simulators.adb_phone.persona import (
        PersonaError,
        imei_for,
        list_personas,
        load_persona,
    )

    lang = getattr(args, "lang", None) or "fr"
    if args.simulate_command == "fastboot":
        from bench_app.commands.simulate_fastboot import run_fastboot_simulator

        return run_fastboot_simulator(args)
    if args.simulate_command == "handset":
        from bench_app.commands.simulate_handset import run_handset_simulator

        return run_handset_simulator(args)
    if args.simulate_command == "iphone":
        from bench_app.commands.simulate_iphone import run_iphone_simulator

        return run_iphone_simulator(args)
    if args.list:
        for name in list_personas():
            print(f"{name:<24} {load_persona(name).description}")
        return 0
    if not args.persona:
        print(
            "Choisissez un téléphone avec --persona (voir --list)."
            if lang == "fr"
            else "Choose a phone with --persona (see --list).",
            file=sys.stderr,
        )
        return 2
    try:
        persona = load_persona(args.persona)
        if args.serial:
            persona = load_persona(args.persona, serial=args.serial, imei=imei_for(args.serial))
    except PersonaError as exc:
        print(str(exc), file=sys.stderr)
        return 2

    # The daemon (and its crypto) loads only when a phone is really wanted.
    from bench_app.simulators.adb_phone.server import AdbSimulator
    from bench_app.simulators.mode import SimulationMode

    simulator = AdbSimulator(persona, args.host, args.port, mode=SimulationMode.TRAINING)
    with until_stopped() as stop:
        simulator.on_reboot.append(lambda mode: stop.set())  # the phone leaving ends it
        try:
            start_listening(simulator.start, f"{args.host}:{args.port}")
            if lang == "fr":
                print(f"Téléphone simulé « {persona.name} » : "
                      f"adb connect {simulator.serial}", flush=True)  # fmt: skip
            else:
                print(f"Simulated phone “{persona.name}”: "
                      f"adb connect {simulator.serial}", flush=True)  # fmt: skip
            stop.wait()
        finally:
            simulator.close()
    return 0
