"""`etabli drives`, `etabli inventory --this-machine` and `etabli erase TARGET`."""

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


def add_drive_parsers(sub: Any, common: Common) -> None:
    p = sub.add_parser(
        "drives",
        help=say(
            Text(
                "liste les disques de cette machine et dit lesquels peuvent être effacés",
                "list the disks of this machine and whether each may be erased",
            )
        ),
    )
    common(p, top=False)
    p.add_argument("--json", action="store_true")
    p.add_argument(
        "--include-loop",
        action="store_true",
        help=say(Text("liste aussi les périphériques loop", "list loop devices too")),
    )

    p = sub.add_parser(
        "inventory",
        help=say(
            Text(
                "relève le matériel de cet ordinateur (composants et disques)",
                "inventory this computer (hardware and drives)",
            )
        ),
    )
    common(p, top=False)
    p.add_argument("--this-machine", action="store_true", required=True)
    p.add_argument("--json", action="store_true")
    add_operator_argument(p)

    p = sub.add_parser(
        "erase",
        help=say(
            Text(
                "efface un disque (ou un fichier image) et le vérifie",
                "erase a drive (or an image file) and verify it",
            )
        ),
    )
    common(p, top=False)
    p.add_argument(
        "target",
        help=say(
            Text(
                "un disque entier (/dev/sdb) ou un fichier image",
                "a whole disk (/dev/sdb) or an image file",
            )
        ),
    )
    p.add_argument("--method", choices=("clear-zero", "clear-random", "purge"), required=True)
    p.add_argument("--verify", choices=("full", "sample"), default="full")
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
        "--remove-hidden-areas",
        action="store_true",
        help=say(
            Text(
                "retire une zone cachée HPA avant d’effacer (sinon : pas effacé)",
                "remove an HPA found on the drive before erasing (otherwise: not erased)",
            )
        ),
    )
    p.add_argument("--json", action="store_true")
    add_operator_argument(p)


def run_drives(folder: Path, args: argparse.Namespace, lang: str) -> int:
    from bench_app.devices.drives.blockdev import list_drives
    from bench_app.devices.drives.system_view import SystemView, resolve_target
    from bench_app.erasure.safety import refusals

    view = SystemView.read()
    rows = []
    for drive in list_drives(include_loop=args.include_loop):
        row = drive.to_json()
        why = refusals(resolve_target(drive.path), data_dir=folder, view=view)
        row["erasable"] = not why
        row["refusals"] = [{"code": e.code, **e.message.to_json()} for e in why]
        rows.append(row)
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    for r in rows:
        status = (
            ("effaçable" if lang == "fr" else "erasable")
            if r["erasable"]
            else ("protégé : " if lang == "fr" else "protected: ") + r["refusals"][0][lang]
        )
        print(
            f"{r['path']:<14} {r['transport']:<6} {r['media']:<4} {r['size_bytes'] / 1e9:>8.1f} GB  "
            f"{(r['vendor'] + ' ' + r['model']).strip():<32} {r['serial']:<22} {status}"
        )
    return 0


def run_inventory(folder: Path, args: argparse.Namespace, lang: str) -> int:
    from bench_app.devices.drives.blockdev import list_drives
    from bench_app.devices.drives.system_view import SystemView, resolve_target
    from bench_app.devices.this_machine.inventory import inventory_this_machine, run_program
    from bench_app.erasure.safety import refusals
    from bench_app.station import operator_for_command

    operator = operator_for_command(folder, args.operator)  # refused before any reading
    listed = list_drives()
    inventory = inventory_this_machine(run_program, drives=[(d.path, d.transport) for d in listed])
    data: dict[str, Any] = dict(inventory.to_json(include_raw=True))
    view = SystemView.read()
    drives = []
    for drive in listed:
        row = drive.to_json()
        why = refusals(resolve_target(drive.path), data_dir=folder, view=view)
        row["erasable"] = not why
        row["refusals"] = [e.code for e in why]
        drives.append(row)
    data["drives"] = drives
    data["asset_code"] = _record_machine(
        folder, inventory.identity(), data, operator, training=training_requested(args)
    )
    if args.json:
        print(json.dumps(data, ensure_ascii=False, indent=2))
        return 0
    ident = inventory.identity()
    print(
        f"{data['asset_code']}  {ident['brand']} {ident['model']}  n° {ident['serial'] or '?'}"
        f"  ({ident['kind']})"
    )
    for key in ("cpu", "ram", "battery", "screens", "gpus", "network"):
        if data.get(key):
            print(f"  {key}: {json.dumps(data[key], ensure_ascii=False)[:160]}")
    for d in drives:
        mark = "" if d["erasable"] else "  [" + ", ".join(d["refusals"]) + "]"
        print(
            f"  drive: {d['path']} {d['model']} {d['serial']} {d['size_bytes'] / 1e9:.1f} GB{mark}"
        )
    for note in data.get("notes", []):
        print(f"  ! {Text.from_json(note).get(lang)}")
    return 0


def _record_machine(
    folder: Path,
    identity: dict[str, str],
    data: dict[str, Any],
    operator: str | None = None,
    *,
    training: bool = False,
) -> str:
    """Finds or registers this computer and records its inventory as `operator` (default:
    who the environment names); returns its asset code."""
    from bench_app.domain.model import DeviceKind
    from bench_app.station import Station, operator_from_environment
    from bench_app.store import queries
    from bench_app.store.database import NewEvent

    kind = DeviceKind.LAPTOP if identity.get("kind") == "laptop" else DeviceKind.DESKTOP
    operator = operator_from_environment() if operator is None else operator
    station = Station(folder, operator=operator, training=training)
    try:
        device = (
            queries.device_by_identity(station.store, kind.value, identity["serial"], "")
            if identity.get("serial")
            else None
        )
        if device is None:
            device = station.register_device(
                kind, brand=identity["brand"], model=identity["model"], serial=identity["serial"]
            )
        station.store.record(
            [
                NewEvent(
                    "device.inventoried", {"device_id": device.id, "inventory": data}, device.id
                )
            ],
            operator=operator,
            training=device.training,
        )
        return device.asset_code
    finally:
        station.close()


def run_erase(folder: Path, args: argparse.Namespace, lang: str) -> int:
    from bench_app.commands.headless import run_to_end
    from bench_app.devices.drives.handle import DriveHandle
    from bench_app.erasure.records import latest_erasure
    from bench_app.station import Station, operator_for_command
    from bench_app.store import queries

    operator = operator_for_command(folder, args.operator)  # refused before the drive is read
    handle = DriveHandle(args.target)
    station = Station(folder, operator=operator, training=training_requested(args))
    try:
        device = station.device_connected(handle)
        options = {
            "method": args.method,
            "verify": args.verify,
            "confirm_serial": args.confirm_serial,
            "remove_hidden_areas": bool(args.remove_hidden_areas),
        }
        job = run_to_end(station, device.id, "drive.erase", options, show_progress=not args.json)
        record = queries.job(station.store, job.id)
        erasure = latest_erasure(station.store, device.id)
        device = station.device(device.id) or device
    finally:
        station.close()
    assert record is not None
    if erasure is None or erasure["job_id"] != job.id or erasure["result"] == "in_progress":
        # Refused before anything was written, or stopped on the way (a full disk): the
        # reason is the job's message, as the job ended even if it could not be recorded.
        told = job.message or record.message
        print(told.get(lang) if told else record.state.value, file=sys.stderr)
        return 2
    erasure["asset_code"] = device.asset_code
    if args.json:
        print(json.dumps(erasure, ensure_ascii=False, indent=2))
    else:
        _print_record(erasure, lang)
    return 0 if erasure["result"] == "erased" else 1


def _print_record(r: dict[str, Any], lang: str) -> None:
    fr = lang == "fr"
    t = r["target"]
    print(
        f"{r['asset_code']}  {t['model']}  {'n°' if fr else 'serial'} {t['serial']}  {t['size_bytes']} B"
    )
    print(f"  {r['technique']} ({r['method']}), {r['standard']}")
    for p in r["passes"]:
        errors = f", {len(p['errors'])} {'erreurs' if fr else 'errors'}" if p["errors"] else ""
        print(
            f"  pass {p['pass_no']}: {p['pattern']} {p['start_byte']}–{p['end_byte']}  "
            f"{p['bytes']} B  {p['throughput_bps'] / 1e6:.0f} MB/s{errors}"
        )
    for i in r["interruptions"]:
        print(
            f"  {'interrompu' if fr else 'interrupted'} {i['at']} @ {i['last_checkpoint_bytes']} B, "
            f"{'repris' if fr else 'resumed'} {i['resumed_at']}"
        )
    v = r["verification"]
    if v:
        print(f"  verify {v['mode']}: {v['bytes_checked']} B, {'OK' if v['ok'] else 'FAILED'}")
    if r["result"] == "erased":
        print("  EFFACÉ et vérifié." if fr else "  ERASED and verified.")
    else:
        reasons = " ".join(Text.from_json(x).get(lang) for x in r["reasons"])
        print(("  NON EFFACÉ : " if fr else "  NOT ERASED: ") + reasons)
