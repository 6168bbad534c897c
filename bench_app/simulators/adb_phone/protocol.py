"""The ADB message layer: the 24-byte header, checksums and the commands a daemon sees.

Layout from AOSP `adb/protocol.txt`: six little-endian uint32 (command, arg0, arg1,
data_length, data_check, magic), then `data_length` bytes of payload.
"""

from __future__ import annotations

import socket
import struct
from dataclasses import dataclass


def _cmd(text: bytes) -> int:
    return int(struct.unpack("<I", text)[0])


A_SYNC = _cmd(b"SYNC")
A_CNXN = _cmd(b"CNXN")
A_AUTH = _cmd(b"AUTH")
A_OPEN = _cmd(b"OPEN")
A_OKAY = _cmd(b"OKAY")
A_CLSE = _cmd(b"CLSE")
A_WRTE = _cmd(b"WRTE")
A_STLS = _cmd(b"STLS")

COMMAND_NAMES = {
    A_SYNC: "SYNC",
    A_CNXN: "CNXN",
    A_AUTH: "AUTH",
    A_OPEN: "OPEN",
    A_OKAY: "OKAY",
    A_CLSE: "CLSE",
    A_WRTE: "WRTE",
    A_STLS: "STLS",
}

A_VERSION_MIN = 0x01000000
A_VERSION_SKIP_CHECKSUM = 0x01000001
A_VERSION = 0x01000001

AUTH_TOKEN = 1
AUTH_SIGNATURE = 2
AUTH_RSAPUBLICKEY = 3

MAX_PAYLOAD_V1 = 4 * 1024
MAX_PAYLOAD = 1024 * 1024
# A header announcing more than this is junk, whatever was negotiated.
HARD_PAYLOAD_LIMIT = 16 * 1024 * 1024

HEADER = struct.Struct("<6I")


class ProtocolError(Exception):
    """The peer sent something that is not a well-formed ADB message."""


def checksum(data: bytes) -> int:
    """The legacy data check: the sum of all payload bytes, modulo 2**32."""
    return sum(data) & 0xFFFFFFFF


@dataclass(frozen=True, slots=True)
class Message:
    command: int
    arg0: int
    arg1: int
    data: bytes = b""

    @property
    def name(self) -> str:
        return COMMAND_NAMES.get(self.command, f"0x{self.command:08x}")

    def pack(self, *, with_checksum: bool = True) -> bytes:
        """Header plus payload; the data check is 0 when the peer skips checksums."""
        check = checksum(self.data) if with_checksum else 0
        header = HEADER.pack(
            self.command,
            self.arg0 & 0xFFFFFFFF,
            self.arg1 & 0xFFFFFFFF,
            len(self.data),
            check,
            self.command ^ 0xFFFFFFFF,
        )
        return header + self.data


@dataclass(frozen=True, slots=True)
class Header:
    command: int
    arg0: int
    arg1: int
    data_length: int
    data_check: int
    magic: int


def unpack_header(raw: bytes, max_payload: int = HARD_PAYLOAD_LIMIT) -> Header:
    """Parses and validates a 24-byte header; raises ProtocolError on anything ill-formed."""
    if len(raw) != HEADER.size:
        raise ProtocolError(f"short header ({len(raw)} bytes)")
    header = Header(*HEADER.unpack(raw))
    if header.command not in COMMAND_NAMES:
        raise ProtocolError(f"unknown command 0x{header.command:08x}")
    if header.magic != header.command ^ 0xFFFFFFFF:
        raise ProtocolError(f"bad magic 0x{header.magic:08x} for {COMMAND_NAMES[header.command]}")
    if header.data_length > max_payload:
        raise ProtocolError(f"payload of {header.data_length} bytes exceeds {max_payload}")
    return header


def recv_exactly(sock: socket.socket, size: int) -> bytes:
    """Reads exactly `size` bytes; raises ConnectionError if the peer closes first."""
    chunks = bytearray()
    while len(chunks) < size:
        chunk = sock.recv(size - len(chunks))
        if not chunk:
            raise ConnectionError("peer closed the connection")
        chunks += chunk
    return bytes(chunks)


def read_message(sock: socket.socket, *, max_payload: int, verify_checksum: bool) -> Message:
    """Reads one message; a bad header, oversize payload or wrong checksum is a ProtocolError."""
    header = unpack_header(recv_exactly(sock, HEADER.size), max_payload)
    data = recv_exactly(sock, header.data_length) if header.data_length else b""
    # Hosts at 0x01000001 and later send 0 here; only a non-zero check is meaningful.
    if verify_checksum and header.data_check and header.data_check != checksum(data):
        raise ProtocolError(f"checksum mismatch on {COMMAND_NAMES[header.command]}")
    return Message(header.command, header.arg0, header.arg1, data)
