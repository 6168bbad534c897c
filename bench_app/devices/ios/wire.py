"""What travels to an iPhone: usbmuxd packets and length-framed property lists.

usbmuxd packets have a 16-byte little-endian header (total length, protocol version, message
type, tag) and, in protocol version 1, an XML property list as payload. Services on the phone
(lockdownd, diagnostics_relay...) frame each property list with a 4-byte big-endian length.
"""

from __future__ import annotations

import plistlib
import socket
import struct
from typing import Any

USBMUX_HEADER = struct.Struct("<IIII")
USBMUX_VERSION_PLIST = 1
MESSAGE_RESULT = 1
MESSAGE_PLIST = 8
# usbmuxd's answers to Connect and to requests it cannot serve.
RESULT_OK, RESULT_BADCOMMAND, RESULT_BADDEV, RESULT_CONNREFUSED = 0, 1, 2, 3
RESULT_BADVERSION = 6
LOCKDOWN_PORT = 62078
MAX_PLIST = 16 * 1024 * 1024  # no real message comes near this: a larger length is garbage
LENGTH = struct.Struct(">I")


class WireError(Exception):
    """The other end closed the connection or sent something that is not the protocol."""


def recv_exact(sock: socket.socket, size: int) -> bytes:
    """Exactly `size` bytes; WireError if the peer closes first."""
    chunks = bytearray()
    while len(chunks) < size:
        part = sock.recv(size - len(chunks))
        if not part:
            raise WireError("connection closed")
        chunks += part
    return bytes(chunks)


def encode_usbmux(message: dict[str, Any], tag: int) -> bytes:
    """One usbmuxd packet carrying `message` as an XML property list."""
    payload = plistlib.dumps(message, fmt=plistlib.FMT_XML)
    header = USBMUX_HEADER.pack(USBMUX_HEADER.size + len(payload), USBMUX_VERSION_PLIST,
                                MESSAGE_PLIST, tag)  # fmt: skip
    return header + payload


def read_usbmux(sock: socket.socket) -> tuple[int, int, int, bytes]:
    """(version, message type, tag, payload) of the next usbmuxd packet."""
    length, version, message, tag = USBMUX_HEADER.unpack(recv_exact(sock, USBMUX_HEADER.size))
    if length < USBMUX_HEADER.size or length > MAX_PLIST:
        raise WireError(f"bad usbmuxd length {length}")
    return version, message, tag, recv_exact(sock, length - USBMUX_HEADER.size)


def parse_plist(data: bytes) -> dict[str, Any]:
    """A dictionary from an XML or binary property list; WireError for anything else."""
    try:
        value = plistlib.loads(data)
    except (plistlib.InvalidFileException, ValueError, TypeError, KeyError, IndexError) as exc:
        raise WireError(f"not a property list: {exc}") from exc
    if not isinstance(value, dict):
        raise WireError("property list is not a dictionary")
    return value


def send_plist(sock: socket.socket, message: dict[str, Any]) -> None:
    """Sends one length-framed XML property list (lockdownd and its services)."""
    payload = plistlib.dumps(message, fmt=plistlib.FMT_XML)
    sock.sendall(LENGTH.pack(len(payload)) + payload)


def recv_plist(sock: socket.socket) -> dict[str, Any]:
    """The next length-framed property list, XML or binary."""
    (length,) = LENGTH.unpack(recv_exact(sock, LENGTH.size))
    if length == 0 or length > MAX_PLIST:
        raise WireError(f"bad plist length {length}")
    return parse_plist(recv_exact(sock, length))
