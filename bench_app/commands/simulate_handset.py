"""`etabli simulate handset`: a whole simulated phone (Android, recovery, bootloader) with its
screen and keys, for training and demos.

    etabli simulate handset --model NAME [--host H] [--port N] [--operator auto|person]

ADB answers on PORT (in Android and recovery), fastboot on PORT+1 (in the bootloader); it runs
until Ctrl+C or SIGTERM. With `--operator person` a trainer presses the keys from the terminal:
p = power, u = volume up, d = volume down, b = hold power + volume down (bootloader),
r = hold power + volume up (recovery); the screen is printed after each change.
"""

from __future__ import annotations

import argparse
import sys
import threading
from typing import TYPE_CHECKING, Any, TextIO

from bench_app.commands.arguments import whole_number
from bench_app.commands.help_language import say
from bench_app.commands.serving import start_listening, until_stopped
from bench_app.simulators.mode import AUTO, OPERATORS
from bench_app.text import Text

if TYPE_CHECKING:  # the handset (and its ADB daemon) loads when one is simulated
    from bench_app.simulators.handset_screen import Screen


def terminal_keys() -> dict[str, tuple[str, ...]]:
    """What a trainer types in the terminal, one letter a line."""
    from bench_app.simulators.handset_screen import POWER, VOLUME_DOWN, VOLUME_UP

    return {
        "p": (POWER,),
        "u": (VOLUME_UP,),
        "d": (VOLUME_DOWN,),
        "b": ("hold", POWER, VOLUME_DOWN),
        "r": ("hold", POWER, VOLUME_UP),
    }


def add_handset_simulate_parser(kinds: Any) -> None:
    """Adds the `handset` kind to `etabli simulate`."""
    parser = kinds.add_parser(
        "handset",
        help=say(
            Text(
                "un téléphone simulé complet : adb sur PORT, fastboot sur PORT+1, touches au terminal",
                "a whole simulated phone: adb on PORT, fastboot on PORT+1, keys from the terminal",
            )
        ),
    )
    parser.add_argument(
        "--model",
        metavar="NAME",
        help=say(
            Text(
                "quel téléphone (voir simulate phone --list)",
                "which phone (see simulate phone --list)",
            )
        ),
    )
    parser.add_argument(
        "--host", default="127.0.0.1", help=say(Text("adresse d’écoute", "address to listen on"))
    )
    parser.add_argument(
        "--port",
        type=whole_number(0, 65534),
        default=0,
        help=say(
            Text(
                "port ADB ; fastboot répond sur le suivant (0 : des ports libres)",
                "ADB port; fastboot answers on the next one (0: any free ports)",
            )
        ),
    )
    parser.add_argument(
        "--operator",
        choices=OPERATORS,
        default=AUTO,
        help=say(
            Text(
                "auto : les touches sont pressées comme par une personne ; person : vous les pressez (p/u/d)",
                "auto: the keys are pressed as a person would; person: you press them (p/u/d)",
            )
        ),
    )


def run_handset_simulator(
    args: argparse.Namespace, keys_in: TextIO | None = None, out: TextIO | None = None
) -> int:
    """Serves one simulated handset until stopped; returns the exit status."""
    lang = getattr(args, "lang", None) or "fr"
    out = out or sys.stdout
    keys_in = keys_in or sys.stdin
    from bench_app.simulators.adb_phone.persona import PersonaError, load_persona

    if not args.model:
        print(
            "Choisissez un téléphone avec --model (voir simulate phone --list)."
            if lang == "fr"
            else "Choose a phone with --model (see simulate phone --list).",
            file=sys.stderr,
        )
        return 2
    try:
        persona = load_persona(args.model)
    except PersonaError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    from bench_app.simulators.bootloader.bootloader import BootloaderFaults
    from bench_app.simulators.handset import SimulatedHandset
    from bench_app.simulators.mode import SimulationMode

    printing = threading.Lock()

    def show(screen: Screen) -> None:
        with printing:
            print(screen.render(), file=out, flush=True)

    handset = SimulatedHandset(
        persona,
        simulation=SimulationMode.TRAINING,
        operator=args.operator,
        host=args.host,
        port=args.port,
        boot_delay=1.0,
        # The auto hand takes the time a person takes to read the screen and press.
        faults=BootloaderFaults(operator_delay=2.0),
        auto_delay=2.0,
    )
    with until_stopped() as stop:
        try:
            start_listening(handset.start, f"{args.host}:{args.port}")
            adb = f"adb connect {args.host}:{handset.adb_port}"
            fastboot = f"fastboot -s tcp:{args.host}:{handset.fastboot_port}"
            with printing:
                if lang == "fr":
                    print(f"Téléphone simulé « {persona.name} » : {adb}", file=out)
                    print(f"Son bootloader : {fastboot}", file=out)
                else:
                    print(f"Simulated handset “{persona.name}”: {adb}", file=out)
                    print(f"Its bootloader: {fastboot}", file=out)
                if args.operator != AUTO:
                    print(
                        "Touches : p = Marche, u = Volume +, d = Volume −, b = Marche + Volume − "
                        "maintenus, r = Marche + Volume + maintenus"
                        if lang == "fr"
                        else "Keys: p = power, u = volume up, d = volume down, b = hold power + "
                        "volume down, r = hold power + volume up",
                        file=out,
                    )
                print(handset.face.screen().render(), file=out, flush=True)
            handset.face.watch(show)
            if args.operator != AUTO:
                reader = threading.Thread(target=_read_keys, args=(handset, keys_in), daemon=True)
                reader.start()  # a daemon: a terminal read cannot be interrupted, Ctrl+C ends all
            stop.wait()
        finally:
            handset.stop()
    return 0


def _read_keys(handset: Any, keys_in: TextIO) -> None:
    """One letter a line from the terminal, pressed on the phone (unknown letters ignored)."""
    pressed = terminal_keys()
    for line in keys_in:
        letter = line.strip().lower()[:1]
        keys = pressed.get(letter)
        if keys is None:
            continue
        if keys[0] == "hold":
            handset.face.hold(*keys[1:])
        else:
            handset.face.press(keys[0])
