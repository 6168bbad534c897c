"""`etabli wipe TARGET` and `etabli install TARGET --system NAME`: a plugged-in phone's
data wipe and system installation from the command line, like `etabli erase`: the same
pipelines as the window, resumed after a crash, and the operator's questions ("choose
Wipe data on the phone") asked on the terminal.

TARGET is the phone's asset code, its USB serial, or HOST:PORT (Wi-Fi debugging, a
simulated phone). Exit 0: done; 1: not done (blocked or failed, with why); 2: refused.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench_app.commands.arguments import seconds
from bench_app.commands.help_language import say
from bench_app.errors import BenchError
from bench_app.text import Text

if TYPE_CHECKING:  # the phones' driver, the station and the store load when a phone is worked on
    from bench_app.devices.android.driver import AdbTarget, AndroidPhone
    from bench_app.domain.model import Device
    from bench_app.jobs.steps import Purpose
    from bench_app.station import Station

Common = Callable[..., None]
PHONES = Text("téléphones", "phones")
PRINTED_CODE = re.compile(r"[A-Za-z0-9]{4}-[A-Za-z0-9]{4}-[A-Za-z0-9]")


def add_phone_job_parsers(sub: Any, common: Common) -> None:
    for name, help_text in (
        (
            "wipe",
            Text(
                "efface les données d’un téléphone branché (remise à zéro vérifiée ; un iPhone "
                "par son UDID ou son numéro de série)",
                "erase a plugged-in phone's data (verified factory reset; an iPhone by its UDID "
                "or serial number)",
            ),
        ),
        (
            "install",
            Text(
                "installe un système sur un téléphone branché, une fois ses données effacées",
                "install a system on a plugged-in phone, once its data is wiped",
            ),
        ),
    ):
        p = sub.add_parser(name, help=say(help_text))
        common(p, top=False)
        p.add_argument(
            "target",
            metavar="ASSET|SERIAL",
            help=say(
                Text(
                    "code d’inventaire, numéro USB ou HÔTE:PORT",
                    "asset code, USB serial or HOST:PORT",
                )
            ),
        )
        p.add_argument("--json", action="store_true")
        p.add_argument(
            "--adb",
            metavar="HOST:PORT",
            help=say(
                Text(
                    "joint le téléphone de ce code en TCP (débogage Wi-Fi, simulateur)",
                    "reach the phone of that asset code over TCP (Wi-Fi debugging, simulator)",
                )
            ),
        )
        p.add_argument(
            "--fastboot",
            metavar="HOST:PORT",
            help=say(
                Text(
                    "où répond en TCP le chargeur de démarrage du téléphone, hors USB",
                    "where the phone's bootloader answers over TCP, when not on USB",
                )
            ),
        )
        p.add_argument(
            "--wait",
            type=seconds(1, 3600),
            default=120.0,
            metavar="SECONDS",
            help=say(
                Text(
                    "combien de temps attendre que le téléphone autorise ce poste",
                    "how long to wait for the phone to allow this station",
                )
            ),
        )
        p.add_argument(
            "--imei",
            help=say(
                Text(
                    "l’IMEI lu par *#06# ou sur l’étiquette, quand le téléphone ne le donne pas",
                    "the IMEI read from *#06# or the label, when the phone does not give it",
                )
            ),
        )
        if name == "wipe":
            p.add_argument(
                "--route",
                choices=("recovery", "fastboot"),
                default="recovery",
                help=say(
                    Text(
                        "remise à zéro par le menu recovery (l’opérateur la choisit sur le téléphone) ou par fastboot (chargeur de démarrage déverrouillé)",
                        "factory reset from the recovery menu (the operator picks it on the phone) or through fastboot (an unlocked bootloader)",
                    )
                ),
            )
        else:
            p.add_argument(
                "--system",
                metavar="NAME",
                help=say(
                    Text(
                        "le système à installer : son identifiant ou son nom dans la fiche du modèle",
                        "the system to install: its id or name in the model's profile",
                    )
                ),
            )
            p.add_argument(
                "--skip",
                metavar="REASON",
                help=say(
                    Text(
                        "garde le système du téléphone, et note pourquoi (sans téléphone)",
                        "keep the phone's own system, and record why (no phone needed)",
                    )
                ),
            )


def _address(text: str) -> AdbTarget:
    from bench_app.commands.diagnose import _target

    return _target(text)


def _known_device(folder: Path, text: str) -> Device | None:
    """The device whose asset code was given, or None when TARGET is not an asset code.
    Written as printed (ABCD-2345-X), it is an asset code, and a typing mistake is said."""
    from bench_app.domain.asset_code import AssetCode
    from bench_app.store import queries
    from bench_app.store.database import DB_NAME, Store

    try:
        code = str(AssetCode.parse(text))
    except BenchError:
        if PRINTED_CODE.fullmatch(text.strip()):
            raise
        return None
    if not (folder / DB_NAME).exists():
        raise BenchError("ASSET_CODE_UNKNOWN", code=code)
    with Store.open_for_reading(folder / DB_NAME) as store:
        found = queries.device_by_code(store, code)
    if found is None:
        raise BenchError("ASSET_CODE_UNKNOWN", code=code)
    return found


def _bring_up(folder: Path, target: AdbTarget, shown: str, wait: float, lang: str) -> AndroidPhone:
    from bench_app.devices.android.driver import AndroidPhone, PhoneState
    from bench_app.devices.android.keys import station_signer

    phone = AndroidPhone(target, station_signer(folder), auth_timeout_s=min(wait, 60.0))
    stop = threading.Event()
    told: set[str] = set()

    def on_state(state: PhoneState) -> None:
        if state is PhoneState.UNAUTHORIZED and "auth" not in told:
            told.add("auth")
            print(
                "Sur le téléphone, touchez « Autoriser » pour ce poste…"
                if lang == "fr"
                else "On the phone, tap “Allow” for this station…",
                file=sys.stderr,
            )

    timer = threading.Timer(wait, stop.set)
    timer.start()
    try:
        ready = phone.bring_up(stop, on_state)
    except Exception:  # the USB layer: no such phone, no permission on it, no libusb
        ready = False
    finally:
        timer.cancel()
    if not ready:
        phone.close()
        raise BenchError("PHONE_NOT_FOUND", target=shown)
    return phone


def _fastboot_at(text: str | None, serial: str) -> None:
    """Tells the station's bootloader finder where this phone's bootloader answers."""
    if not text:
        return
    from bench_app.devices.fastboot.finder import FINDER

    address = _address(text)
    if not address.host:
        raise BenchError("ADB_TARGET_INVALID", target=text)
    FINDER.add_tcp(serial, address.host, address.port)


def _session(
    folder: Path, args: argparse.Namespace, lang: str
) -> tuple[Station, AndroidPhone, Device]:
    """The plugged-in phone TARGET names, recorded on the station (refused: BenchError)."""
    from bench_app.devices.android.driver import AdbTarget
    from bench_app.domain.imei import is_valid_imei, normalise_imei
    from bench_app.jobs.batches import PHONE_KINDS
    from bench_app.output.reports.wording import KIND_LABELS

    if args.imei and not is_valid_imei(args.imei):
        raise BenchError("IMEI_INVALID", imei=args.imei)
    known = _known_device(folder, args.target)
    if known is not None and known.kind not in PHONE_KINDS:
        raise BenchError(
            "JOURNEY_WRONG_KIND",
            asset=known.asset_code,
            kind=KIND_LABELS[known.kind],
            wanted=PHONES,
        )
    if args.adb:
        target = _address(args.adb)
    elif known is not None:
        if not known.serial:
            raise BenchError("PHONE_NOT_FOUND", target=known.asset_code)
        target = AdbTarget(usb_serial=known.serial)
    else:
        target = _address(args.target)
    phone = _bring_up(folder, target, args.adb or args.target, args.wait, lang)
    station, device = _recorded(folder, phone, known)
    try:
        _fastboot_at(args.fastboot, device.serial)
        if args.imei and not device.imei:
            station.identify(device.id, {"imei": normalise_imei(args.imei), "imei_source": "typed"})
            device = station.device(device.id) or device
    except BaseException:
        station.close()
        phone.close()
        raise
    return station, phone, device


def _finish(
    station: Station,
    phone: Any,
    device: Device,
    pipeline: str | None,
    purpose: Purpose,
    options: dict[str, Any],
    args: argparse.Namespace,
    lang: str,
) -> int:
    from bench_app.commands.headless import run_to_end, terminal_answerer
    from bench_app.domain.model import JOB_STATE_LABELS, JobState
    from bench_app.store import queries

    try:
        job = run_to_end(
            station,
            device.id,
            pipeline,
            options,
            show_progress=not args.json,
            answer=terminal_answerer(lang),
            purpose=purpose,
        )
        record = queries.job(station.store, job.id)
        results = queries.step_results(station.store, job.id)
        journey = station.journey(device.id)
    finally:
        station.close()
        phone.close()
    assert record is not None
    told = job.message or record.message
    if args.json:
        print(
            json.dumps(
                {
                    "asset_code": device.asset_code,
                    "job": {
                        "id": record.id,
                        "pipeline": record.pipeline,
                        "state": record.state.value,
                        "message": told.to_json() if told else None,
                    },
                    "results": [
                        {
                            "step": r.step_id,
                            "status": r.status.value,
                            "summary": r.summary.to_json(),
                        }
                        for r in results
                    ],
                    "journey": journey.to_json(),
                },
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        print(f"{device.asset_code}  {device.label}  {device.serial}")
        for r in results:
            print(f"  {r.status.value:<12} {r.step_id:<10} {r.summary.get(lang)}")
    if record.state is JobState.SUCCEEDED:
        return 0
    print(told.get(lang) if told else JOB_STATE_LABELS[record.state].get(lang), file=sys.stderr)
    return 1


def _iphone_session(
    folder: Path, args: argparse.Namespace, lang: str
) -> tuple[Station, Any, Device] | int | None:
    """The iPhone TARGET names (UDID, serial, or the asset code of an iPhone), recorded on
    the station; an exit code when it never trusts this station; None: not an iPhone."""
    from bench_app.commands.diagnose import find_iphone, reach_iphone

    known = _known_device(folder, args.target)
    wanted = (known.serial if known is not None else args.target).strip()
    phone = find_iphone(wanted) if wanted else None
    if phone is None:
        return None
    if not reach_iphone(phone, args.wait, args.target, lang):
        phone.close()
        return 2
    station, device = _recorded(folder, phone, known)
    return station, phone, device


def _recorded(folder: Path, phone: Any, known: Device | None) -> tuple[Station, Device]:
    """The reached phone recorded on the station; refused when it is not the device whose
    asset code was given (the station and the phone closed on any refusal)."""
    from bench_app.station import Station, operator_from_environment

    try:
        station = Station(folder, operator=operator_from_environment())
    except BaseException:
        phone.close()
        raise
    try:
        device = station.device_connected(phone)
        if known is not None and device.id != known.id:
            raise BenchError(
                "PHONE_NOT_THAT_DEVICE", asset=known.asset_code, found=device.asset_code
            )
    except BaseException:
        station.close()
        phone.close()
        raise
    return station, device


def run_wipe(folder: Path, args: argparse.Namespace, lang: str) -> int:
    from bench_app.jobs.steps import Purpose

    # An iPhone (through usbmuxd) erases all content and settings; anything else is Android.
    reached = None if args.adb else _iphone_session(folder, args, lang)
    if isinstance(reached, int):
        return reached
    if reached is not None:
        station, iphone, device = reached
        return _finish(station, iphone, device, "iphone.erase", Purpose.ERASES, {}, args, lang)
    station, phone, device = _session(folder, args, lang)
    options = {"wipe_route": args.route, **_known_imei(device)}
    return _finish(station, phone, device, None, Purpose.ERASES, options, args, lang)


def _known_imei(device: Device) -> dict[str, str]:
    """The IMEI the station knows (read or typed earlier): the identity step then does not
    ask for it again when the phone does not give it."""
    return {"imei": device.imei} if device.imei else {}


def run_install(folder: Path, args: argparse.Namespace, lang: str) -> int:
    from bench_app.jobs.steps import Purpose

    if args.skip is not None:
        return _skip(folder, args, lang)
    if not args.system:
        raise BenchError("INSTALL_OS_UNKNOWN", os="?", model=args.target)
    station, phone, device = _session(folder, args, lang)
    try:
        if not station.journey(device.id).erasure_verified:
            raise BenchError("INSTALL_NEEDS_VERIFIED_WIPE")
        os_id = _system(folder, device, args.system)
    except BaseException:
        station.close()
        phone.close()
        raise
    options = {"os": os_id, **_known_imei(device)}
    return _finish(station, phone, device, None, Purpose.INSTALLS, options, args, lang)


def _system(folder: Path, device: Device, wanted: str) -> str:
    """The profile's system id for what was typed (an id like `eos`, or a name like /e/OS)."""
    from bench_app.jobs.batches import resolve_system

    return resolve_system(folder, device, wanted)


def _skip(folder: Path, args: argparse.Namespace, lang: str) -> int:
    from bench_app.jobs.batches import PHONE_KINDS
    from bench_app.output.reports.wording import KIND_LABELS
    from bench_app.station import Station, operator_from_environment

    station = Station(folder, operator=operator_from_environment())
    try:
        device = station.find_by_code(args.target)
        if device.kind not in PHONE_KINDS:
            raise BenchError(
                "JOURNEY_WRONG_KIND",
                asset=device.asset_code,
                kind=KIND_LABELS[device.kind],
                wanted=PHONES,
            )
        station.skip_install(device.id, args.skip)
    finally:
        station.close()
    print(
        f"{device.asset_code} : installation passée ({args.skip.strip()})."
        if lang == "fr"
        else f"{device.asset_code}: installation skipped ({args.skip.strip()})."
    )
    return 0
