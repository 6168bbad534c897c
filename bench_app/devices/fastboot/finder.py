"""Finding a phone again once it is in its bootloader.

A phone that reboots from Android into fastboot leaves ADB and comes back as another USB
device (class ff/42/03) with the same serial number. The finder waits for it: on USB by its
serial number, or at a TCP address the station was told of (a network bootloader, or a
simulated phone in tests and training), and opens a FastbootClient once the bootloader
answers with that serial.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from bench_app.devices.fastboot.client import FastbootClient
from bench_app.devices.fastboot.tcp import TcpTransport
from bench_app.devices.fastboot.transport import (
    Transport,
    TransportGarbled,
    TransportGone,
    TransportTimeout,
)
from bench_app.errors import BenchError

Opener = Callable[[str], Transport]


def _open_usb(serial: str) -> Transport:
    from bench_app.devices.fastboot.usb import open_usb  # pyusb only when a phone needs it

    return open_usb(serial)


class FastbootFinder:
    """Where to look for a phone's bootloader. One per station; thread-safe."""

    def __init__(self, usb: Opener | None = _open_usb) -> None:
        self._tcp: dict[str, tuple[str, int]] = {}
        self._usb = usb
        self._lock = threading.Lock()

    def add_tcp(self, serial: str, host: str, port: int) -> None:
        """The bootloader of the phone `serial` answers at host:port."""
        with self._lock:
            self._tcp[serial] = (host, port)

    def remove_tcp(self, serial: str) -> None:
        with self._lock:
            self._tcp.pop(serial, None)

    def _try_open(self, serial: str) -> Transport | None:
        with self._lock:
            address = self._tcp.get(serial)
        try:
            if address is not None:
                return TcpTransport(*address, connect_timeout=2.0)
            if self._usb is not None:
                return self._usb(serial)
        except (TransportGone, TransportTimeout, TransportGarbled, OSError):
            return None
        return None

    def open(
        self,
        serial: str,
        *,
        timeout_s: float,
        cancelled: threading.Event | None = None,
        poll_s: float = 0.5,
    ) -> FastbootClient:
        """Waits up to `timeout_s` for the bootloader of phone `serial`; BenchError
        FASTBOOT_NOT_FOUND after that, with what to do."""
        deadline = time.monotonic() + timeout_s
        while True:
            transport = self._try_open(serial)
            if transport is not None:
                client = FastbootClient(transport)
                try:
                    found = client.getvar("serialno").strip()
                except BenchError:
                    client.close()
                else:
                    if not serial or found == serial:
                        return client
                    client.close()
                    raise BenchError("FASTBOOT_WRONG_PHONE", expected=serial, found=found)
            if time.monotonic() >= deadline:
                raise BenchError("FASTBOOT_NOT_FOUND", serial=serial)
            if cancelled is not None:
                if cancelled.wait(poll_s):
                    from bench_app.jobs.prompt import Cancelled

                    raise Cancelled()
            else:
                time.sleep(poll_s)


# The station's finder: the window, the command line and tests add TCP bootloaders to it.
FINDER = FastbootFinder()
