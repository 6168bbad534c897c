"""A phone reached over Wi-Fi debugging: the address the operator types, checked, and a
first connection through the ADB driver, so that a wrong address is said at once."""

from __future__ import annotations

import ipaddress
import re

from adb_shell.auth.sign_cryptography import CryptographySigner

from bench_app.devices.android.driver import AdbTarget, AndroidPhone, PhoneState, PhoneUnauthorized
from bench_app.devices.source import DeviceGone, DeviceHandle, DeviceNoAnswer
from bench_app.errors import BenchError

_HOST_NAME = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$")


def parse_address(text: str) -> AdbTarget:
    """`HOST:PORT` as the phone's Wireless debugging screen shows it; BenchError
    PHONE_ADDRESS_INVALID otherwise."""
    host, _, port_text = text.strip().rpartition(":")
    host = host.strip("[]")
    valid_host = bool(host) and (_is_ip(host) or bool(_HOST_NAME.match(host)))
    if not valid_host or not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise BenchError("PHONE_ADDRESS_INVALID", address=text.strip())
    return AdbTarget(host=host, port=int(port_text))


def wifi_address(handle: DeviceHandle | None) -> str:
    """`HOST:PORT` when the handle is a phone reached over Wi-Fi debugging; "" for a phone
    on a USB cable, a simulated phone (in class it stands for a plugged one), or no handle."""
    if handle is None or handle.simulated or not isinstance(handle, AndroidPhone):
        return ""
    target = handle.target
    if target.usb_serial or target.usb_port_path:
        return ""
    return f"{target.host}:{target.port}"


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def reach_phone(
    target: AdbTarget, signer: CryptographySigner, *, timeout_s: float = 5.0
) -> PhoneState:
    """Opens one ADB connection to `target` and closes it: DEVICE when the phone already
    trusts this station, UNAUTHORIZED when it answered but asks its user to allow it.
    BenchError PHONE_ADDRESS_NO_ANSWER when nothing there speaks ADB."""
    phone = AndroidPhone(target, signer, command_timeout_s=timeout_s, auth_timeout_s=timeout_s)
    try:
        return phone.connect()
    except PhoneUnauthorized:
        return PhoneState.UNAUTHORIZED
    except (DeviceGone, DeviceNoAnswer, OSError) as exc:
        raise BenchError("PHONE_ADDRESS_NO_ANSWER", address=f"{target.host}:{target.port}") from exc
    finally:
        phone.close()
