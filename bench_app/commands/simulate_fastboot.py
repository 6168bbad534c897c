"""`etabli simulate fastboot`: a simulated phone in fastboot mode on TCP (training, demos).

    etabli simulate fastboot --product CODENAME [--host H] [--port N] [--serial S]
                             [--unlocked] [--no-slots]

It answers `fastboot -s tcp:HOST:PORT ...` until Ctrl+C, SIGTERM, or a reboot into Android
or recovery (the phone leaves fastboot). The operator's answer to an unlock prompt comes after
three seconds, as if someone pressed the keys.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from bench_app.commands.arguments import whole_number
from bench_app.commands.help_language import say
from bench_app.commands.serving import start_listening, until_stopped
from bench_app.text import Text


def add_fastboot_simulate_parser(kinds: Any) -> None:
    """Adds the `fastboot` kind to `etabli simulate`."""
    parser = kinds.add_parser(
        "fastboot",
        help=say(
            Text(
                "un téléphone simulé en mode fastboot : `fastboot -s tcp:HÔTE:PORT`",
                "a simulated phone in fastboot mode: `fastboot -s tcp:HOST:PORT`",
            )
        ),
    )
    parser.add_argument(
        "--product",
        metavar="CODENAME",
        help=say(Text("ce que répond `getvar product`", "what `getvar product` answers")),
    )
    parser.add_argument(
        "--host", default="127.0.0.1", help=say(Text("adresse d’écoute", "address to listen on"))
    )
    parser.add_argument(
        "--port",
        type=whole_number(0, 65535),
        default=0,
        help=say(Text("port TCP (0 : un port libre)", "TCP port (0: any free port)")),
    )
    parser.add_argument(
        "--serial",
        default="",
        help=say(Text("ce que répond `getvar serialno`", "what `getvar serialno` answers")),
    )
    parser.add_argument(
        "--unlocked",
        action="store_true",
        help=say(
            Text(
                "démarre avec un chargeur de démarrage déverrouillé",
                "start with an unlocked bootloader",
            )
        ),
    )
    parser.add_argument(
        "--no-slots",
        action="store_true",
        help=say(Text("un téléphone sans partitions A/B", "a phone without A/B slots")),
    )


def run_fastboot_simulator(args: argparse.Namespace) -> int:
    """Serves one simulated bootloader until stopped; returns the exit status."""
    lang = getattr(args, "lang", None) or "fr"
    if not args.product:
        print(
            "Indiquez le nom de code du modèle avec --product (par exemple FP4)."
            if lang == "fr"
            else "Give the model's codename with --product (for example FP4).",
            file=sys.stderr,
        )
        return 2
    from bench_app.simulators.bootloader import (
        BootloaderFaults,
        FastbootSimulator,
        SimulatedBootloader,
    )
    from bench_app.simulators.mode import SimulationMode

    bootloader = SimulatedBootloader(
        args.product,
        serial=args.serial,
        slot_count=1 if args.no_slots else 2,
        unlocked=args.unlocked,
        faults=BootloaderFaults(operator_delay=3.0),
        simulation=SimulationMode.TRAINING,
    )
    simulator = FastbootSimulator(bootloader, args.host, args.port)
    with until_stopped() as stop:
        try:
            start_listening(simulator.start, f"{args.host}:{args.port}")
            if lang == "fr":
                print(f"Téléphone simulé en mode fastboot : "
                      f"fastboot -s {simulator.serial}", flush=True)  # fmt: skip
            else:
                print(f"Simulated phone in fastboot mode: "
                      f"fastboot -s {simulator.serial}", flush=True)  # fmt: skip
            while not stop.wait(0.5) and not simulator.gone:
                pass
        finally:
            simulator.stop()
            bootloader.close()
    return 0
