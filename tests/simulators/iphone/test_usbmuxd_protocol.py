"""The simulated usbmuxd on the wire, packet by packet: plist requests in XML or binary,
answers in XML as libusbmuxd reads them, and the refusals a real usbmuxd gives."""

from __future__ import annotations

import plistlib
import socket
import struct
from typing import Any

from bench_app.devices.ios.wire import (
    RESULT_BADDEV,
    RESULT_BADVERSION,
    RESULT_CONNREFUSED,
    USBMUX_HEADER,
    encode_usbmux,
    read_usbmux,
)
from bench_app.simulators.iphone import UsbmuxdSimulator
from tests.simulators.iphone.conftest import PlugIPhone


def _open(daemon: UsbmuxdSimulator) -> socket.socket:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(10)
    sock.connect(str(daemon.unix_path))
    return sock


def _ask(daemon: UsbmuxdSimulator, packet: bytes) -> tuple[int, dict[str, Any]]:
    with _open(daemon) as sock:
        sock.sendall(packet)
        _, kind, tag, payload = read_usbmux(sock)
        assert kind == 8  # a plist message
        assert payload.startswith(b"<?xml")  # libusbmuxd parses XML only
        return tag, plistlib.loads(payload)


def test_binary_and_xml_requests_get_the_same_xml_answer(
    usbmuxd: UsbmuxdSimulator, plug_iphone: PlugIPhone
) -> None:
    phone = plug_iphone("iphone-13")
    binary = plistlib.dumps({"MessageType": "ListDevices"}, fmt=plistlib.FMT_BINARY)
    packet = USBMUX_HEADER.pack(USBMUX_HEADER.size + len(binary), 1, 8, 7) + binary
    tag, from_binary = _ask(usbmuxd, packet)
    _, from_xml = _ask(usbmuxd, encode_usbmux({"MessageType": "ListDevices"}, 8))
    assert tag == 7 and from_binary == from_xml
    (entry,) = from_binary["DeviceList"]
    assert entry["Properties"]["SerialNumber"] == phone.udid
    assert entry["Properties"]["ConnectionType"] == "USB"


def test_refusals_are_usbmuxd_result_codes(
    usbmuxd: UsbmuxdSimulator, plug_iphone: PlugIPhone
) -> None:
    plug_iphone("iphone-13")
    device_id = next(iter(usbmuxd.phones()))
    legacy = struct.pack("<IIII", 16, 0, 3, 1)  # protocol 0's Listen: not spoken here
    assert _ask(usbmuxd, legacy)[1] == {"MessageType": "Result", "Number": RESULT_BADVERSION}
    swapped = int.from_bytes((62078).to_bytes(2, "big"), "little")
    unknown = {"MessageType": "Connect", "DeviceID": 99, "PortNumber": swapped}
    assert _ask(usbmuxd, encode_usbmux(unknown, 2))[1]["Number"] == RESULT_BADDEV
    closed = int.from_bytes((50000).to_bytes(2, "big"), "little")
    refused = {"MessageType": "Connect", "DeviceID": device_id, "PortNumber": closed}
    assert _ask(usbmuxd, encode_usbmux(refused, 3))[1]["Number"] == RESULT_CONNREFUSED
    missing = {"MessageType": "ReadPairRecord", "PairRecordID": "nobody"}
    assert _ask(usbmuxd, encode_usbmux(missing, 4))[1]["Number"] == 2  # ENOENT


def test_garbage_closes_one_connection_not_the_daemon(
    usbmuxd: UsbmuxdSimulator, plug_iphone: PlugIPhone
) -> None:
    plug_iphone("iphone-13")
    with _open(usbmuxd) as sock:
        sock.sendall(struct.pack("<IIII", 0xFFFFFFF0, 1, 8, 1))
        assert sock.recv(16) == b""  # hung up on
    _, answer = _ask(usbmuxd, encode_usbmux({"MessageType": "ReadBUID"}, 5))
    assert answer["BUID"] == usbmuxd.buid
