"""Fastboot over TCP (protocol version 1), the way a phone in fastbootd over Wi-Fi or
Ethernet, and the simulated bootloader, are reached.

On connecting, each side sends "FB" and two ASCII digits (its version, here "01"); both use
the lower version, and either hangs up on a malformed handshake. After that every fastboot
message travels as an 8-byte big-endian length followed by that many bytes. A reader may
take a long message in several reads; this transport keeps the rest for the next `recv`.
"""

from __future__ import annotations

import contextlib
import os
import socket
import struct
from collections.abc import Iterable

from bench_app.devices.fastboot.sparse import FileRegion, Part
from bench_app.devices.fastboot.transport import (
    Progress,
    Transport,
    TransportGarbled,
    TransportGone,
    TransportTimeout,
)

VERSION = 1
DEFAULT_PORT = 5554
LENGTH = struct.Struct(">Q")
PROGRESS_STEP = 8 << 20  # report progress every 8 MiB of a file region
SEND_TIMEOUT = 60.0  # seconds a phone may take to make room for more data


def handshake_bytes(version: int = VERSION) -> bytes:
    """The 4-byte handshake: b"FB" and the version in two decimal digits."""
    return b"FB%02d" % version


def parse_handshake(data: bytes) -> int:
    """The version in a peer's handshake; raises ValueError when it is malformed."""
    if len(data) != 4 or data[:2] != b"FB" or not data[2:].isdigit():
        raise ValueError(f"bad fastboot handshake {data!r}")
    return int(data[2:])


def recv_exact(sock: socket.socket, size: int) -> bytes:
    """Exactly `size` bytes from `sock`; raises TransportGone when the peer closes first."""
    buf = bytearray(size)
    view = memoryview(buf)
    got = 0
    while got < size:
        n = sock.recv_into(view[got:])
        if n == 0:
            raise TransportGone("connection closed by the phone")
        got += n
    return bytes(buf)


class TcpTransport(Transport):
    """A fastboot session over one TCP connection."""

    def __init__(self, host: str, port: int = DEFAULT_PORT, connect_timeout: float = 10.0) -> None:
        self.description = f"tcp:{host}:{port}"
        try:
            self._sock = socket.create_connection((host, port), timeout=connect_timeout)
        except TimeoutError as exc:
            raise TransportTimeout(f"no answer from {host}:{port}") from exc
        except OSError as exc:
            raise TransportGone(f"cannot connect to {host}:{port}: {exc.strerror}") from exc
        self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._pending = 0  # bytes of the current incoming message not read yet
        self._closed = False
        try:
            self._sock.sendall(handshake_bytes())
            theirs = parse_handshake(recv_exact(self._sock, 4))
        except ValueError as exc:
            self.close()
            raise TransportGarbled(str(exc)) from exc
        except TimeoutError as exc:
            self.close()
            raise TransportTimeout(f"no handshake from {host}:{port}") from exc
        except (OSError, TransportGone) as exc:
            self.close()
            raise TransportGone(f"{host}:{port} hung up during the handshake") from exc
        self.version = min(VERSION, theirs)
        if self.version < 1:
            self.close()
            raise TransportGarbled(f"{host}:{port} speaks fastboot TCP version {theirs}")

    def _check_open(self) -> None:
        if self._closed:
            raise TransportGone("the connection to the phone was closed")

    def send(self, data: bytes) -> None:
        self._check_open()
        self._sock.settimeout(SEND_TIMEOUT)
        try:
            self._sock.sendall(LENGTH.pack(len(data)) + data)
        except TimeoutError as exc:
            raise TransportTimeout("the phone stopped taking data") from exc
        except OSError as exc:
            raise TransportGone(f"connection lost: {exc.strerror or exc}") from exc

    def send_data(self, total: int, parts: Iterable[Part], progress: Progress | None) -> None:
        """The whole data phase as one message, file regions sent straight from the file."""
        sent = 0
        self._check_open()
        self._sock.settimeout(SEND_TIMEOUT)
        try:
            self._sock.sendall(LENGTH.pack(total))
            for part in parts:
                if isinstance(part, FileRegion):
                    sent = self._sendfile(part, sent, total, progress)
                else:
                    self._sock.sendall(part)
                    sent += len(part)
                    if progress is not None and len(part) > 4096:
                        progress(sent, total)
        except TimeoutError as exc:
            raise TransportTimeout("the phone stopped taking data") from exc
        except OSError as exc:
            raise TransportGone(f"connection lost: {exc.strerror or exc}") from exc
        if progress is not None:
            progress(sent, total)

    def _sendfile(
        self, region: FileRegion, sent: int, total: int, progress: Progress | None
    ) -> int:
        offset, end = region.offset, region.offset + region.length
        timeout = self._sock.gettimeout()
        next_report = sent + PROGRESS_STEP
        # Blocking sends with a kernel-side timeout: one sendfile call then moves many MiB,
        # not one socket buffer per call (each a round trip through the GIL).
        self._sock.settimeout(None)
        self._sock.setsockopt(
            socket.SOL_SOCKET, socket.SO_SNDTIMEO, struct.pack("ll", int(SEND_TIMEOUT), 0)
        )
        try:
            while offset < end:
                step = min(end - offset, PROGRESS_STEP if progress is not None else 1 << 30)
                try:
                    n = os.sendfile(self._sock.fileno(), region.fd, offset, step)
                except BlockingIOError:
                    raise TimeoutError from None  # SO_SNDTIMEO ran out: the phone takes nothing
                if n == 0:
                    raise TransportGone("the image file is shorter than expected")
                offset += n
                sent += n
                if progress is not None and sent >= next_report:
                    progress(sent, total)
                    next_report = sent + PROGRESS_STEP
        finally:
            self._sock.settimeout(timeout)
        return sent

    def recv(self, max_size: int, timeout: float) -> bytes:
        self._check_open()
        self._sock.settimeout(timeout)
        try:
            if self._pending == 0:
                (length,) = LENGTH.unpack(recv_exact(self._sock, 8))
                if length > 1 << 32:
                    raise TransportGarbled(f"a message of {length} bytes announced")
                self._pending = length
                if length == 0:
                    return b""
            size = min(max_size, self._pending)
            data = recv_exact(self._sock, size)
            self._pending -= size
            return data
        except TimeoutError as exc:
            raise TransportTimeout(f"no answer within {timeout:g} s") from exc
        except OSError as exc:
            raise TransportGone(f"connection lost: {exc.strerror or exc}") from exc

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_RDWR)
        self._sock.close()
