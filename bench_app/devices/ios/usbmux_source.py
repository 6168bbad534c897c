"""iPhones as they are plugged in and out, heard from usbmuxd (its Listen messages).

A new iPhone is reported at once, before it trusts this station: presence then brings it up
in the background and shows it as pending ("pending_trust": tap "Faire confiance") meanwhile.
If usbmuxd goes away, its iPhones count as unplugged until it comes back.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading

from bench_app.devices.ios.driver import IPhone
from bench_app.devices.ios.usbmux import UsbmuxClient, UsbmuxDevice, UsbmuxError
from bench_app.devices.ios.wire import (
    MESSAGE_PLIST,
    RESULT_OK,
    WireError,
    encode_usbmux,
    parse_plist,
    read_usbmux,
)
from bench_app.devices.source import DeviceSource, SourceAction

log = logging.getLogger(__name__)


class UsbmuxSource(DeviceSource):
    """Follows one usbmuxd; `retry_s` is how often it tries again when usbmuxd is away."""

    def __init__(self, client: UsbmuxClient | None = None, retry_s: float = 2.0) -> None:
        super().__init__()
        self.client = client or UsbmuxClient()
        self._retry_s = retry_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._sock: socket.socket | None = None
        self._by_id: dict[int, IPhone] = {}

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="usbmux-source", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        sock = self._sock
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=10)
        self._thread = None

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._listen()
            except (UsbmuxError, WireError, OSError) as exc:
                log.debug("usbmuxd not listening: %s", exc)
            self._forget_all()
            self._stop.wait(self._retry_s)

    def _listen(self) -> None:
        sock = self.client.open()
        self._sock = sock
        try:
            sock.sendall(encode_usbmux({"MessageType": "Listen", "ClientVersionString": "etabli",
                                        "ProgName": "etabli", "kLibUSBMuxVersion": 3}, 1))  # fmt: skip
            _, _, _, payload = read_usbmux(sock)
            if int(parse_plist(payload).get("Number", -1)) != RESULT_OK:
                raise UsbmuxError("usbmuxd refused to report devices")
            sock.settimeout(None)  # events come when they come; stop() shuts the socket
            while not self._stop.is_set():
                _, kind, _, payload = read_usbmux(sock)
                if kind != MESSAGE_PLIST:
                    continue
                self._on_message(parse_plist(payload))
        finally:
            self._sock = None
            sock.close()

    def _on_message(self, message: dict[str, object]) -> None:
        kind = message.get("MessageType")
        if kind == "Attached":
            props = message.get("Properties")
            if not isinstance(props, dict):
                return
            device = UsbmuxDevice(
                device_id=int(props.get("DeviceID", 0)),
                udid=str(props.get("SerialNumber", "")),
                connection=str(props.get("ConnectionType", "")),
                product_id=int(props.get("ProductID", 0)),
            )
            if device.connection != "USB":
                return  # Wi-Fi sync pairs are not plugged in at the bench
            phone = IPhone(device, self.client)
            self._by_id[device.device_id] = phone
            self._emit(SourceAction.ADDED, phone)
        elif kind == "Detached":
            gone = self._by_id.pop(int(str(message.get("DeviceID", 0))), None)
            if gone is not None:
                gone.mark_gone()
                self._emit(SourceAction.REMOVED, gone)

    def _forget_all(self) -> None:
        for device_id in list(self._by_id):
            phone = self._by_id.pop(device_id)
            phone.mark_gone()
            self._emit(SourceAction.REMOVED, phone)
