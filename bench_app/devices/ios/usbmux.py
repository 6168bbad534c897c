"""A usbmuxd client: lists iPhones, opens tunnels to their ports, keeps pair records.

The daemon is found where libimobiledevice finds it: USBMUXD_SOCKET_ADDRESS (`HOST:PORT` or
`UNIX:/path`), else /var/run/usbmuxd.
"""

from __future__ import annotations

import contextlib
import os
import plistlib
import socket
from dataclasses import dataclass
from typing import Any

from bench_app.devices.ios.wire import (
    MESSAGE_PLIST,
    RESULT_OK,
    WireError,
    encode_usbmux,
    parse_plist,
    read_usbmux,
)

DEFAULT_ADDRESS = "UNIX:/var/run/usbmuxd"
ADDRESS_ENV = "USBMUXD_SOCKET_ADDRESS"
TIMEOUT_S = 10.0


class UsbmuxError(Exception):
    """usbmuxd is not there, or refused the request (`number` is its result code)."""

    def __init__(self, message: str, number: int | None = None) -> None:
        super().__init__(message)
        self.number = number


@dataclass(frozen=True, slots=True)
class UsbmuxDevice:
    """An iPhone usbmuxd sees: its DeviceID for this plug-in, its UDID, how it is connected."""

    device_id: int
    udid: str
    connection: str
    product_id: int


def default_address() -> str:
    """Where usbmuxd listens, as libimobiledevice's tools would look for it."""
    return os.environ.get(ADDRESS_ENV) or DEFAULT_ADDRESS


class UsbmuxClient:
    """Talks to one usbmuxd; each request opens its own connection, as libusbmuxd does."""

    def __init__(self, address: str | None = None, timeout_s: float = TIMEOUT_S) -> None:
        self.address = address or default_address()
        self.timeout_s = timeout_s
        self._tag = 0

    def open(self) -> socket.socket:
        """A fresh connection to usbmuxd; UsbmuxError if nothing answers there."""
        try:
            if self.address.startswith("UNIX:"):
                sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                sock.settimeout(self.timeout_s)
                sock.connect(self.address[5:])
            else:
                host, _, port = self.address.rpartition(":")
                sock = socket.create_connection(
                    (host.strip("[]"), int(port)), timeout=self.timeout_s
                )
        except (OSError, ValueError) as exc:
            raise UsbmuxError(f"usbmuxd unreachable at {self.address}: {exc}") from exc
        return sock

    def _request(self, sock: socket.socket, message: dict[str, Any]) -> dict[str, Any]:
        self._tag += 1
        payload = {
            **message,
            "ClientVersionString": "etabli",
            "ProgName": "etabli",
            "kLibUSBMuxVersion": 3,
        }
        try:
            sock.sendall(encode_usbmux(payload, self._tag))
            _, kind, _, data = read_usbmux(sock)
        except OSError as exc:
            raise UsbmuxError(f"usbmuxd went away: {exc}") from exc
        if kind != MESSAGE_PLIST:
            raise WireError(f"usbmuxd answered message type {kind}")
        return parse_plist(data)

    def _call(self, message: dict[str, Any]) -> dict[str, Any]:
        sock = self.open()
        try:
            return self._request(sock, message)
        finally:
            sock.close()

    def list_devices(self) -> list[UsbmuxDevice]:
        """Every iPhone plugged in now."""
        reply = self._call({"MessageType": "ListDevices"})
        found = []
        for entry in reply.get("DeviceList", []):
            props = entry.get("Properties", {})
            found.append(
                UsbmuxDevice(
                    device_id=int(props.get("DeviceID", entry.get("DeviceID", 0))),
                    udid=str(props.get("SerialNumber", "")),
                    connection=str(props.get("ConnectionType", "")),
                    product_id=int(props.get("ProductID", 0)),
                )
            )
        return found

    def connect(self, device_id: int, port: int) -> socket.socket:
        """A socket tunnelled to `port` on the phone; UsbmuxError if refused or gone."""
        sock = self.open()
        try:
            # usbmuxd wants the port in network byte order inside the integer.
            swapped = int.from_bytes(port.to_bytes(2, "big"), "little")
            reply = self._request(
                sock, {"MessageType": "Connect", "DeviceID": device_id, "PortNumber": swapped}
            )
            number = int(reply.get("Number", -1))
            if number != RESULT_OK:
                raise UsbmuxError(f"usbmuxd refused port {port}: result {number}", number)
        except BaseException:
            sock.close()
            raise
        sock.settimeout(self.timeout_s)
        return sock

    def read_buid(self) -> str:
        """This computer's identity as usbmuxd gives it to phones (SystemBUID)."""
        return str(self._call({"MessageType": "ReadBUID"}).get("BUID", ""))

    def read_pair_record(self, udid: str) -> dict[str, Any] | None:
        """The pair record kept for that phone, or None if this computer never paired."""
        reply = self._call({"MessageType": "ReadPairRecord", "PairRecordID": udid})
        data = reply.get("PairRecordData")
        if not isinstance(data, bytes):
            return None
        with contextlib.suppress(plistlib.InvalidFileException, ValueError):
            record = plistlib.loads(data)
            if isinstance(record, dict):
                return record
        return None

    def save_pair_record(self, udid: str, device_id: int, record: dict[str, Any]) -> None:
        """Keeps a pair record in usbmuxd, where every iPhone tool on this computer finds it."""
        reply = self._call({
            "MessageType": "SavePairRecord", "PairRecordID": udid, "DeviceID": device_id,
            "PairRecordData": plistlib.dumps(record, fmt=plistlib.FMT_BINARY),
        })  # fmt: skip
        number = int(reply.get("Number", -1))
        if number != RESULT_OK:
            raise UsbmuxError(f"usbmuxd did not save the pair record: result {number}", number)

    def delete_pair_record(self, udid: str) -> None:
        """Forgets the pair record of a phone that no longer trusts this computer."""
        self._call({"MessageType": "DeletePairRecord", "PairRecordID": udid})
