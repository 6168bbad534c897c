"""A stand-in for the ADB/fastboot driver's handle: the source only builds and passes it on."""

from __future__ import annotations

from typing import Any

from bench_app.devices.android.usb import UsbPhoneInfo
from bench_app.devices.source import DeviceHandle
from bench_app.domain.model import DeviceKind


class FakeUsbHandle(DeviceHandle):
    kind = DeviceKind.PHONE

    def __init__(self, info: UsbPhoneInfo) -> None:
        self.info = info
        self.key = f"usb:{info.serial}"

    def identity(self) -> dict[str, Any]:
        return {"serial": self.info.serial, "brand": self.info.manufacturer}

    @property
    def connected(self) -> bool:
        return True
