"""`etabli export ereuse ASSET -o FILE.json [--legacy]`: a computer as an eReuse Workbench
snapshot, to upload to the workshop's Devicehub."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench_app.commands.help_language import say
from bench_app.errors import BenchError
from bench_app.text import Text

Common = Callable[..., None]


def add_export_parsers(sub: Any, common: Common) -> None:
    p = sub.add_parser(
        "export",
        help=say(Text("exporte des faits pour d’autres outils", "export facts for other tools")),
    )
    common(p, top=False)
    export_sub = p.add_subparsers(dest="export_command", required=True)
    e = export_sub.add_parser(
        "ereuse",
        help=say(
            Text(
                "un ordinateur comme relevé eReuse Workbench (JSON)",
                "a laptop or desktop as an eReuse Workbench snapshot (JSON)",
            )
        ),
    )
    common(e, top=False)
    e.add_argument(
        "asset",
        metavar="ASSET",
        help=say(Text("le code d’inventaire de l’ordinateur", "the computer's asset code")),
    )
    e.add_argument("-o", "--output", required=True, metavar="FILE.json")
    e.add_argument(
        "--legacy",
        action="store_true",
        help=say(
            Text(
                "l’ancien format Devicehub (schema_api « 1.0.0 »), sans effacements",
                'the older Devicehub format (schema_api "1.0.0"), without erasures',
            )
        ),
    )


def run_export_ereuse(folder: Path, args: argparse.Namespace, lang: str) -> int:
    from bench_app.domain.asset_code import AssetCode
    from bench_app.output.reports.wording import KIND_LABELS
    from bench_app.store import queries
    from bench_app.store.database import DB_NAME, Store
    from bench_app.sync import ereuse

    code = str(AssetCode.parse(args.asset))
    with Store.open_for_reading(folder / DB_NAME) as store:
        device = queries.device_by_code(store, code)
        if device is None:
            raise BenchError("ASSET_CODE_UNKNOWN", code=code)
        if device.training:  # training facts never leave the station
            raise BenchError("EREUSE_TRAINING_DEVICE", code=code)
        if device.kind not in ereuse.COMPUTER_KINDS:
            raise BenchError("EREUSE_NOT_A_COMPUTER", code=code, kind=KIND_LABELS[device.kind])
        fact = ereuse.latest_inventory(store, device.id)
        if fact is None:
            raise BenchError("EREUSE_NOT_INVENTORIED", code=code)
        snap = ereuse.snapshot(store, device.id, legacy=bool(args.legacy))
    if not args.legacy and not snap["data"]["inxi"]:
        raise BenchError("EREUSE_NO_INXI", code=code)
    identity = ereuse.devicehub_identity(snap)
    if identity is None or identity.blank:
        raise BenchError("EREUSE_NO_IDENTITY", code=code)
    out = Path(args.output)
    _write(out, json.dumps(snap, ensure_ascii=False, indent=2) + "\n")
    erasures = snap.get("erase", [])
    ok = sum(1 for e in erasures if "result: erased" in e)
    fr = lang == "fr"
    print(
        f"{code}  {out}  uuid {snap['uuid']}"
        + (" (ancien format)" if fr and args.legacy else " (legacy)" if args.legacy else "")
    )
    print(f"  {'empreinte' if fr else 'identity hash'} sha3-256 {identity.hash()}")
    shown = " | ".join(
        (identity.manufacturer, identity.model, identity.chassis, identity.serial, identity.mac)
    )
    print(f"  {'lu par Devicehub' if fr else 'read by Devicehub'}: {shown}")
    if not args.legacy:
        print(
            f"  {len(erasures)} {'effacement(s)' if fr else 'erasure(s)'}, {ok} "
            f"{'réussi(s)' if fr else 'succeeded'}"
        )
    return 0


def _write(path: Path, text: str) -> None:
    """Writes through a temporary file and a rename: an old export is never left half-written."""
    temporary = path.with_name(f".{path.name}.tmp")
    try:
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)
        raise BenchError("EXPORT_WRITE_FAILED", path=str(path), detail=exc.strerror or exc) from exc
