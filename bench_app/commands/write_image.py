"""`etabli write-image IMAGE TARGET --confirm-serial LAST_CHARS [--bmap FILE]
[--no-layout-check] [--json]`.

Exits 0 only when the image was written and every mapped range read back as in the image,
1 when something was written but the drive is not installed, 2 when refused before the
first write. Run again after a crash, it resumes the interrupted job from its checkpoint.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench_app.commands.arguments import add_operator_argument, training_requested
from bench_app.commands.help_language import say
from bench_app.text import Text

Common = Callable[..., None]


def add_image_parsers(sub: Any, common: Common) -> None:
    p = sub.add_parser(
        "write-image",
        help=say(
            Text(
                "écrit une image Linux (brute, .gz, .xz, .bz2, .zst) sur un disque, puis la vérifie",
                "write a Linux image (raw, .gz, .xz, .bz2, .zst) to a drive, then verify it",
            )
        ),
    )
    common(p, top=False)
    p.add_argument(
        "image",
        help=say(
            Text(
                "le fichier image, ou son nom dans la bibliothèque",
                "the image file, or its name in the image library",
            )
        ),
    )
    p.add_argument(
        "target",
        help=say(
            Text(
                "un disque entier (/dev/sdb) ou un fichier image qui en tient lieu",
                "a whole disk (/dev/sdb) or an image file standing in for one",
            )
        ),
    )
    p.add_argument(
        "--confirm-serial",
        required=True,
        metavar="LAST_CHARS",
        help=say(
            Text(
                "les derniers caractères du numéro de série sur l’étiquette du disque (une image : son nom)",
                "the last characters of the serial on the drive's label (an image: its name)",
            )
        ),
    )
    p.add_argument(
        "--bmap",
        metavar="FILE",
        help=say(
            Text(
                "la carte des blocs (défaut : IMAGE.bmap à côté de l’image)",
                "the block map (default: IMAGE.bmap beside the image)",
            )
        ),
    )
    p.add_argument(
        "--sha256",
        metavar="HEX",
        help=say(
            Text(
                "l’empreinte sha256 que doit avoir l’image, telle que publiée",
                "the sha256 the image file must have, as published",
            )
        ),
    )
    p.add_argument(
        "--no-layout-check",
        action="store_true",
        help=say(
            Text(
                "écrit l’image même si son début ne ressemble à aucune image disque (ni table de partitions, ni secteur de démarrage, ni ISO 9660, ni système de fichiers) : seulement pour une image sûre, jamais pour un fichier qui pourrait être une page d’erreur enregistrée sous le nom de l’image",
                "write the image even though its start looks like no disk image (no partition table, boot sector, ISO 9660 or file system): only for an image you trust, never for a file that may be an error page saved under the image's name",
            )
        ),
    )
    p.add_argument("--json", action="store_true")
    add_operator_argument(p)


def run_write_image(folder: Path, args: argparse.Namespace, lang: str) -> int:
    from bench_app.commands.headless import run_to_end
    from bench_app.devices.drives.handle import DriveHandle
    from bench_app.install.laptop_image import PIPELINE, image_write_record
    from bench_app.station import Station, operator_for_command
    from bench_app.store import queries

    operator = operator_for_command(folder, args.operator)  # refused before the drive is read
    handle = DriveHandle(args.target)
    image = Path(args.image)
    options = {
        "image": str(image.resolve()) if image.exists() else args.image,
        "bmap": str(Path(args.bmap).resolve()) if args.bmap else None,
        "sha256": args.sha256,
        "confirm_serial": args.confirm_serial,
        # Present either way: the command line refuses rather than asks.
        "no_layout_check": args.no_layout_check,
    }
    station = Station(folder, operator=operator, training=training_requested(args))
    try:
        device = station.device_connected(handle)
        job = run_to_end(station, device.id, PIPELINE, options, show_progress=not args.json)
        state = queries.job(station.store, job.id)
        record = image_write_record(station.store, job.id)
        device = station.device(device.id) or device
    finally:
        station.close()
    assert state is not None
    message = state.message.get(lang) if state.message else state.state.value
    if record is None:
        print(message, file=sys.stderr)  # refused before anything was written
        return 2
    record["asset_code"] = device.asset_code
    if args.json:
        print(json.dumps(record, ensure_ascii=False, indent=2))
    else:
        _print_record(record, lang)
    if record["result"] != "installed":
        print(message, file=sys.stderr)
        return 1
    return 0


def _print_record(r: dict[str, Any], lang: str) -> None:
    from bench_app.domain.facts import duration_ms

    fr = lang == "fr"
    t = r["target"]
    print(f"{r['asset_code']}  {t['model']}  {'n°' if fr else 'serial'} {t['serial']}")
    print(
        f"  {r['image']}  {r['image_size']} B, {r['mapped_bytes']} B "
        f"{'à écrire' if fr else 'to write'} ({r.get('map_source', '?')})"
    )
    for i in r["interruptions"]:
        print(
            f"  {'interrompu' if fr else 'interrupted'} {i['at']} @ {i['last_checkpoint_bytes']} B"
        )
    v = r["verification"]
    if v:
        print(f"  verify: {v['ranges']} ranges, {v['bytes_checked']} B, {duration_ms(v) / 1000} s")
    if r["result"] == "installed":
        print("  ÉCRITE et vérifiée." if fr else "  WRITTEN and verified.")
    else:
        reasons = " ".join(Text.from_json(x).get(lang) for x in r.get("reasons", []))
        print(("  NON INSTALLÉ. " if fr else "  NOT INSTALLED. ") + reasons)
