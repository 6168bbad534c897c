"""`etabli diagnose SERIAL|HOST:PORT|UDID`: the automated phone readings, headless, recorded
on the station like any other check. An iPhone is found through usbmuxd (USBMUXD_SOCKET_ADDRESS
or /var/run/usbmuxd) by its UDID or serial number; anything else is an ADB target."""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench_app.commands.arguments import add_operator_argument, seconds, training_requested
from bench_app.commands.help_language import say
from bench_app.errors import BenchError
from bench_app.text import Text

if TYPE_CHECKING:
    from bench_app.devices.android.driver import AdbTarget

# The ADB driver and the station load only when a phone is diagnosed, so every other
# command starts without them.


def add_diagnose_parser(sub: Any, common: Any) -> None:
    p = sub.add_parser(
        "diagnose",
        help=say(
            Text(
                "lit les contrôles d’un téléphone branché (ADB, ou iPhone) et les enregistre",
                "read a connected phone's diagnostics (ADB, or iPhone) and record them",
            )
        ),
    )
    common(p, top=False)
    p.add_argument(
        "target",
        help=say(
            Text(
                "numéro USB, ou HÔTE:PORT pour un téléphone en TCP (Wi-Fi, simulateur), "
                "ou l’UDID ou le numéro de série d’un iPhone (vu par usbmuxd)",
                "USB serial, or HOST:PORT for a phone over TCP (Wi-Fi, simulator), or an "
                "iPhone's UDID or serial number (as usbmuxd sees it)",
            )
        ),
    )
    p.add_argument("--json", action="store_true")
    p.add_argument(
        "--imei",
        help=say(
            Text(
                "l’IMEI lu par *#06# ou sur l’étiquette, quand le téléphone ne le donne pas",
                "the IMEI read from *#06# or the label, when the phone does not give it",
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
    add_operator_argument(p)


def run_diagnose(folder: Path, args: argparse.Namespace, lang: str) -> int:
    import logging

    from bench_app.devices.android.driver import AndroidPhone, PhoneState, TradeIn
    from bench_app.devices.android.keys import station_signer
    from bench_app.domain.imei import is_valid_imei
    from bench_app.station import operator_for_command

    fr = lang == "fr"
    # What was typed is checked before waiting up to --wait seconds for the phone.
    if args.imei and not is_valid_imei(args.imei):
        raise BenchError("IMEI_INVALID", imei=args.imei)
    operator = operator_for_command(folder, args.operator)
    iphone = find_iphone(args.target.strip()) if args.target.strip() else None
    if iphone is not None:
        return _diagnose_iphone(folder, args, lang, operator, iphone)
    target = _target(args.target)
    phone = AndroidPhone(target, station_signer(folder), auth_timeout_s=min(args.wait, 60.0))
    stop = threading.Event()
    told: set[str] = set()

    def on_state(state: PhoneState) -> None:
        if state is PhoneState.UNAUTHORIZED and "auth" not in told:
            told.add("auth")
            print(
                "Sur le téléphone, touchez « Autoriser » pour ce poste…"
                if fr
                else "On the phone, tap “Allow” for this station…",
                file=sys.stderr,
            )

    timer = threading.Timer(args.wait, stop.set)
    timer.start()
    try:
        ready = phone.bring_up(stop, on_state)
    except Exception as exc:  # the USB layer: no such phone, no permission on it, no libusb
        logging.getLogger(__name__).info("phone %s not reached: %r", args.target, exc)
        ready = False
    finally:
        timer.cancel()
    if not ready:
        phone.close()
        print(
            f"Le téléphone {args.target} ne répond pas ou n’a pas autorisé ce poste."
            if fr
            else f"The phone {args.target} does not answer or did not allow this station.",
            file=sys.stderr,
        )
        return 2
    # A phone at its setup screen in trade-in mode gives its status, and only that.
    readings = "phone.readings" if phone.trade_in is TradeIn.NONE else "phone.tradein_readings"
    return _record_readings(folder, args, lang, operator, phone, readings)


def _record_readings(
    folder: Path, args: argparse.Namespace, lang: str, operator: Any, phone: Any, pipeline: str
) -> int:
    """Runs the readings pipeline on a reached phone, records it, prints what was found."""
    from bench_app.domain.imei import normalise_imei
    from bench_app.domain.model import JobState
    from bench_app.station import Station
    from bench_app.store import queries

    station = Station(folder, operator=operator, training=training_requested(args))
    try:
        device = station.device_connected(phone)
        if args.imei and not device.imei:
            station.identify(device.id, {"imei": normalise_imei(args.imei), "imei_source": "typed"})
        job = station.start_job(device.id, pipeline)
        while job.thread is not None and job.thread.is_alive():
            time.sleep(0.05)
        record = queries.job(station.store, job.id)
        device = station.device(device.id) or device
        results = queries.step_results(station.store, job.id)
    finally:
        station.close()
        phone.close()
    assert record is not None
    if args.json:
        print(
            json.dumps(
                {
                    "asset_code": device.asset_code,
                    "brand": device.brand,
                    "model": device.model,
                    "serial": device.serial,
                    "imei": device.imei,
                    "job": {"id": record.id, "state": record.state.value},
                    "results": [
                        {
                            "step": r.step_id,
                            "status": r.status.value,
                            "summary": r.summary.to_json(),
                            "evidence": _trim(r.evidence),
                        }
                        for r in results
                    ],
                },
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        print(f"{device.asset_code}  {device.label}  {device.serial}  {device.imei}")
        for r in results:
            print(f"  {r.status.value:<12} {r.step_id:<10} {r.summary.get(lang)}")
        if record.message:
            print(record.message.get(lang))
    if record.state is JobState.SUCCEEDED:
        return 0
    if record.state is JobState.BLOCKED:
        return 1
    raise BenchError(
        "DEVICE_NO_ANSWER",
        detail=record.message.get(lang) if record.message else record.state.value,
    )


def find_iphone(target: str) -> Any:
    """The iPhone usbmuxd lists under that UDID (dashes and case aside), or whose serial
    number it is (among the iPhones that already trust this station); None otherwise."""
    from bench_app.devices.ios.driver import IPhone, IPhoneNotTrusted
    from bench_app.devices.ios.usbmux import UsbmuxClient, UsbmuxError
    from bench_app.devices.ios.wire import WireError
    from bench_app.devices.source import DeviceGone, DeviceNoAnswer

    client = UsbmuxClient(timeout_s=5.0)
    try:
        devices = client.list_devices()
    except (UsbmuxError, WireError, OSError):
        return None  # no usbmuxd on this station: not an iPhone
    wanted = target.replace("-", "").upper()
    for device in devices:
        if device.udid.replace("-", "").upper() == wanted:
            return IPhone(device, client)
    for device in devices:
        phone = IPhone(device, client)
        try:
            if str(phone.values().get("SerialNumber", "")).upper() == wanted:
                return phone
        except (IPhoneNotTrusted, DeviceGone, DeviceNoAnswer):
            continue
    return None


def reach_iphone(phone: Any, wait_s: float, target: str, lang: str) -> bool:
    """Waits up to `wait_s` for the iPhone to trust this station, saying on stderr what the
    operator must do on it; False (and why, on stderr) when it never does."""
    import logging

    from bench_app.devices.ios.driver import IPhoneState

    fr = lang == "fr"
    stop = threading.Event()
    told: set[IPhoneState] = set()
    asks = {
        IPhoneState.PENDING_TRUST: Text(
            "Sur l’iPhone, touchez « Faire confiance », puis tapez son code…",
            "On the iPhone, tap “Trust”, then enter its passcode…",
        ),
        IPhoneState.DENIED: Text(
            "L’iPhone a refusé : débranchez-le, rebranchez-le, puis touchez « Faire confiance ».",
            "The iPhone said no: unplug it, plug it back, then tap “Trust”.",
        ),
        IPhoneState.LOCKED: Text(
            "Déverrouillez l’écran de l’iPhone avec son code…",
            "Unlock the iPhone's screen with its passcode…",
        ),
    }

    def on_state(state: IPhoneState) -> None:
        if state not in told and state in asks:
            told.add(state)
            print(asks[state].get(lang), file=sys.stderr)

    timer = threading.Timer(wait_s, stop.set)
    timer.start()
    try:
        ready = bool(phone.bring_up(stop, on_state))
    except Exception as exc:  # unplugged while waiting, usbmuxd gone
        logging.getLogger(__name__).info("iPhone %s not reached: %r", target, exc)
        ready = False
    finally:
        timer.cancel()
    if not ready:
        print(
            f"L’iPhone {target} ne répond pas ou ne fait pas confiance à ce poste."
            if fr
            else f"The iPhone {target} does not answer or does not trust this station.",
            file=sys.stderr,
        )
    return ready


def _diagnose_iphone(
    folder: Path, args: argparse.Namespace, lang: str, operator: Any, phone: Any
) -> int:
    if not reach_iphone(phone, args.wait, args.target, lang):
        return 2
    return _record_readings(folder, args, lang, operator, phone, "iphone.readings")


def _target(text: str) -> AdbTarget:
    """The phone's address as typed: a USB serial, or HOST:PORT with a port that exists."""
    from bench_app.devices.android.driver import AdbTarget

    try:
        target = AdbTarget.parse(text.strip())
    except ValueError:
        target = None
    if (
        target is None
        or not text.strip()
        or (target.host and not 0 < target.port < 65536)
        or any(c.isspace() or not c.isprintable() for c in text.strip())
    ):
        raise BenchError("ADB_TARGET_INVALID", target=text)
    return target


def _trim(evidence: dict[str, Any]) -> dict[str, Any]:
    """Raw command outputs stay in the station's records; the JSON shows the parsed facts."""
    return {k: v for k, v in evidence.items() if not k.startswith("raw")}
