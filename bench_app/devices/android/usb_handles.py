"""What USB discovery hands the station for each phone it sees: an ADB phone ready to be
connected, or a phone that is visible but not usable yet (USB debugging off, bootloader)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from adb_shell.auth.sign_cryptography import CryptographySigner

from bench_app.devices.android.driver import AdbTarget, AndroidPhone, PhoneState
from bench_app.devices.android.usb import PHONE_VENDORS, UsbMode, UsbPhoneInfo
from bench_app.devices.source import DeviceHandle, DeviceNoAnswer
from bench_app.domain.model import DeviceKind


class WaitingPhone(DeviceHandle):
    """A phone on USB that the bench cannot talk to yet; the operator is guided instead."""

    kind = DeviceKind.PHONE

    def __init__(self, info: UsbPhoneInfo, state: PhoneState, brand_hint: str) -> None:
        self.info = info
        self.key = f"usb:{info.serial or '.'.join(map(str, info.port_path))}"
        self.state = state
        self.brand_hint = brand_hint

    @property
    def connected(self) -> bool:
        return False

    def identity(self) -> dict[str, Any]:
        raise DeviceNoAnswer(f"{self.key} is in {self.state} mode")


def brand_of(info: UsbPhoneInfo) -> str:
    name = PHONE_VENDORS.get(info.vendor_id, "") or info.manufacturer
    return name.split(" / ")[0]


def usb_handle_factory(signer: CryptographySigner) -> Callable[[UsbPhoneInfo], DeviceHandle]:
    """The `make_handle` for UsbPhoneSource: ADB phones get the real driver."""

    def make(info: UsbPhoneInfo) -> DeviceHandle:
        brand = brand_of(info)
        if info.mode is UsbMode.ADB:
            target = AdbTarget(usb_serial=info.serial, usb_port_path=info.port_path or None)
            phone = AndroidPhone(target, signer)
            phone.brand_hint = brand
            return phone
        state = PhoneState.FASTBOOT if info.mode is UsbMode.FASTBOOT else PhoneState.NO_DEBUGGING
        return WaitingPhone(info, state, brand)

    return make
