"""`etabli give-part DONOR --part TEXT --to RECEIVER` (a part of a device kept for its
parts put into another device) and `etabli parts ASSET` (the parts a device gave and
received)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench_app.commands.help_language import say
from bench_app.text import Text

if TYPE_CHECKING:  # the parts and the store load when a command reads them
    from bench_app.parts import PartGiven

Common = Any


def add_parts_parsers(sub: Any, common: Common) -> None:
    p = sub.add_parser(
        "give-part",
        help=say(
            Text(
                "une pièce d’un appareil gardé pour ses pièces va dans un autre appareil",
                "a part of a device kept for its parts goes into another device",
            )
        ),
    )
    common(p, top=False)
    p.add_argument(
        "asset",
        metavar="DONOR",
        help=say(Text("le code de l’appareil qui donne", "the code of the giving device")),
    )
    p.add_argument(
        "--part",
        required=True,
        metavar="TEXT",
        help=say(Text("la pièce : écran, batterie…", "the part: screen, battery…")),
    )
    p.add_argument(
        "--to",
        required=True,
        metavar="RECEIVER",
        help=say(Text("le code de l’appareil qui la reçoit", "the code of the receiving device")),
    )
    p.add_argument("--json", action="store_true")

    p = sub.add_parser(
        "parts",
        help=say(
            Text(
                "les pièces qu’un appareil a données et reçues",
                "the parts a device gave and received",
            )
        ),
    )
    common(p, top=False)
    p.add_argument(
        "asset",
        metavar="ASSET",
        help=say(Text("le code d’inventaire, tel qu’imprimé", "the asset code, as printed")),
    )
    p.add_argument("--json", action="store_true")


def run_give_part(folder: Path, args: argparse.Namespace, lang: str) -> int:
    from bench_app.parts import parts_given
    from bench_app.station import Station, operator_from_environment

    station = Station(folder, operator=operator_from_environment())
    try:
        donor = station.find_by_code(args.asset)
        receiver = station.give_part(donor.id, args.part, args.to)
        given = parts_given(station.store, donor.id)
    finally:
        station.close()
    if args.json:
        data = {
            "donor": donor.asset_code,
            "receiver": receiver.asset_code,
            "part": args.part.strip(),
            "parts_given": [p.to_json() for p in given],
        }
        print(json.dumps(data, ensure_ascii=False, indent=2))
        return 0
    print(f"{donor.asset_code} — {_gave(given[-1], lang)}")
    return 0


def _gave(p: PartGiven, lang: str) -> str:
    from bench_app.parts import GAVE

    return GAVE.get(lang).replace("{code}", p.receiver_asset).replace("{part}", p.part)


def _received(p: PartGiven, lang: str) -> str:
    from bench_app.parts import RECEIVED

    return RECEIVED.get(lang).replace("{code}", p.donor_asset).replace("{part}", p.part)


def run_parts(folder: Path, args: argparse.Namespace, lang: str) -> int:
    from bench_app.domain.asset_code import AssetCode
    from bench_app.errors import BenchError
    from bench_app.parts import parts_given, parts_received
    from bench_app.store.database import DB_NAME, Store
    from bench_app.store.queries import device_by_code

    code = str(AssetCode.parse(args.asset))
    with Store.open_for_reading(folder / DB_NAME) as store:
        device = device_by_code(store, code)
        if device is None:
            raise BenchError("ASSET_CODE_UNKNOWN", code=code)
        gave, received = parts_given(store, device.id), parts_received(store, device.id)
    if args.json:
        data = {
            "asset_code": device.asset_code,
            "gave": [p.to_json() for p in gave],
            "received": [p.to_json() for p in received],
        }
        print(json.dumps(data, ensure_ascii=False, indent=2))
        return 0
    if not gave and not received:
        print(
            f"{device.asset_code} : aucune pièce donnée ni reçue."
            if lang == "fr"
            else f"{device.asset_code}: no part given nor received."
        )
        return 0
    for p in gave:
        print(_gave(p, lang))
    for p in received:
        print(_received(p, lang))
    return 0
