"""Fastboot over USB with pyusb: the interface of class ff/42/03 and its two bulk endpoints.

Kept thin on purpose: it cannot be exercised without a real phone in fastboot mode, so all
the protocol lives in `client.py` (tested against the simulator over TCP), and only endpoint
selection is unit-tested here, on stand-in descriptor objects.

- Commands and data go out on the bulk OUT endpoint, in writes of at most 1 MiB (usbfs
  limits); no zero-length packet is added: the phone knows how many bytes a download has.
- Answers come in on the bulk IN endpoint; each read asks for a whole number of max-size
  packets (asking for less makes the host controller report an overflow), and zero-length
  packets are skipped, as the protocol says they are to be ignored.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from bench_app.devices.fastboot.transport import (
    Transport,
    TransportGarbled,
    TransportGone,
    TransportTimeout,
)

FASTBOOT_CLASS = (0xFF, 0x42, 0x03)
ENDPOINT_IN = 0x80
BULK = 0x02
MAX_WRITE = 1 << 20
RESPONSE_SIZE = 256


@dataclass(frozen=True, slots=True)
class FastbootEndpoints:
    """Where fastboot lives on a USB device."""

    configuration: int
    interface: int
    alternate: int
    endpoint_in: int
    endpoint_out: int
    max_packet: int


def find_endpoints(device: Any) -> FastbootEndpoints | None:
    """The fastboot interface and bulk endpoints of a pyusb device (or anything shaped like
    one: iterable configurations of interfaces of endpoints, with USB descriptor fields)."""
    configurations: Iterable[Any] = device
    for config in configurations:
        for intf in config:
            triplet = (intf.bInterfaceClass, intf.bInterfaceSubClass, intf.bInterfaceProtocol)
            if triplet != FASTBOOT_CLASS:
                continue
            ep_in = ep_out = None
            for ep in intf:
                if ep.bmAttributes & 0x03 != BULK:
                    continue
                if ep.bEndpointAddress & ENDPOINT_IN:
                    ep_in = ep_in or ep
                else:
                    ep_out = ep_out or ep
            if ep_in is not None and ep_out is not None:
                return FastbootEndpoints(
                    configuration=config.bConfigurationValue,
                    interface=intf.bInterfaceNumber,
                    alternate=intf.bAlternateSetting,
                    endpoint_in=ep_in.bEndpointAddress,
                    endpoint_out=ep_out.bEndpointAddress,
                    max_packet=min(ep_in.wMaxPacketSize, ep_out.wMaxPacketSize) or 512,
                )
    return None


def read_size(max_size: int, max_packet: int) -> int:
    """How many bytes to ask the IN endpoint for: `max_size` rounded up to whole packets."""
    packets = max(1, -(-max_size // max_packet))
    return packets * max_packet


class UsbTransport(Transport):
    """A fastboot session over a pyusb device (found by the caller, e.g. by serial)."""

    def __init__(self, device: Any) -> None:
        import usb.core
        import usb.util

        self._usb_core = usb.core
        endpoints = find_endpoints(device)
        if endpoints is None:
            raise TransportGarbled("this USB device has no fastboot interface")
        self.endpoints = endpoints
        self._device = device
        self.description = f"usb:{getattr(device, 'serial_number', '') or '?'}"
        try:
            if device.is_kernel_driver_active(endpoints.interface):
                device.detach_kernel_driver(endpoints.interface)
            usb.util.claim_interface(device, endpoints.interface)
        except usb.core.USBError as exc:
            raise TransportGone(f"cannot claim the fastboot interface: {exc}") from exc
        self._closed = False

    def send(self, data: bytes) -> None:
        view = memoryview(data)
        try:
            for start in range(0, max(len(view), 1), MAX_WRITE):
                self._device.write(
                    self.endpoints.endpoint_out, view[start : start + MAX_WRITE], 60_000
                )
        except self._usb_core.USBTimeoutError as exc:
            raise TransportTimeout("the phone stopped taking data") from exc
        except self._usb_core.USBError as exc:
            raise TransportGone(f"USB write failed: {exc}") from exc

    def recv(self, max_size: int, timeout: float) -> bytes:
        size = read_size(max_size, self.endpoints.max_packet)
        try:
            while True:
                data = self._device.read(self.endpoints.endpoint_in, size, int(timeout * 1000))
                if len(data):  # zero-length packets carry nothing: skip them
                    return bytes(data)
        except self._usb_core.USBTimeoutError as exc:
            raise TransportTimeout(f"no answer within {timeout:g} s") from exc
        except self._usb_core.USBError as exc:
            raise TransportGone(f"USB read failed: {exc}") from exc

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        import usb.util

        try:
            usb.util.release_interface(self._device, self.endpoints.interface)
            usb.util.dispose_resources(self._device)
        except self._usb_core.USBError:
            pass  # already unplugged


def open_usb(serial: str | None = None) -> UsbTransport:
    """The first phone in fastboot mode on USB (or the one with this serial number)."""
    import usb.core

    def is_fastboot(dev: Any) -> bool:
        try:
            return find_endpoints(dev) is not None and (
                serial is None or dev.serial_number == serial
            )
        except (usb.core.USBError, ValueError):
            return False  # no permission to read its strings, or gone meanwhile

    device = usb.core.find(custom_match=is_fastboot)
    if device is None:
        raise TransportGone(
            f"no phone in fastboot mode on USB{f' with serial {serial}' if serial else ''}"
        )
    return UsbTransport(device)
