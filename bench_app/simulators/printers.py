"""Simulated label printers on loopback TCP, speaking the real protocols (doubles of the
outside world only, for tests and training): a Brother QL that answers ESC i S with its 32-byte status and
decodes the raster it receives with brother_ql's reader, and a Zebra that answers ~HS and
keeps the ZPL it receives. Either can be switched off (connections refused) and on again
on the same port."""

from __future__ import annotations

import contextlib
import io
import re
import socket
import tempfile
import threading
from pathlib import Path

from brother_ql.reader import OPCODES, BrotherQLReader
from PIL import Image


class _TcpDevice:
    """A one-connection-at-a-time TCP server on 127.0.0.1 that can be switched off."""

    def __init__(self, port: int = 0) -> None:
        self.port = port
        self._server: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self.connections = 0
        self.on()

    def on(self) -> None:
        server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", self.port))
        server.listen(4)
        self.port = server.getsockname()[1]
        self._server = server
        self._thread = threading.Thread(target=self._serve, args=(server,), daemon=True)
        self._thread.start()

    def off(self) -> None:
        """The printer is switched off: new connections are refused."""
        server, self._server = self._server, None
        if server is not None:
            # shutdown wakes the thread blocked in accept(); close alone would not on Linux.
            with contextlib.suppress(OSError):
                server.shutdown(socket.SHUT_RDWR)
            server.close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    close = off

    def _serve(self, server: socket.socket) -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            self.connections += 1
            # A client that drops the connection mid-job is a printer's everyday life.
            with conn, contextlib.suppress(OSError):
                self.handle(conn)

    def handle(self, conn: socket.socket) -> None:
        raise NotImplementedError


# -- Brother QL --------------------------------------------------------------------------

_STATUS_REQUEST = b"\x1b\x69\x53"
_OPS = sorted(OPCODES, key=len, reverse=True)


def _next_instruction(data: bytes, pos: int) -> int | None:
    """End of the instruction starting at `pos`, or None while it is incomplete."""
    rest = data[pos:]
    for opcode in _OPS:
        if rest.startswith(opcode):
            name, following, _ = OPCODES[opcode]
            size = len(opcode) + max(following, 0)
            if "raster" in name:
                if len(rest) < 3:
                    return None
                size = len(opcode) + 2 + rest[2]
            return pos + size if len(rest) >= size else None
        if opcode.startswith(rest):
            return None  # a longer opcode may still be arriving
    raise ValueError(f"unknown Brother opcode {rest[:4].hex()}")


class SimulatedBrotherQL(_TcpDevice):
    """A QL-820NWB on TCP 9100 with a roll of `media_width` mm (0: no roll in it)."""

    MODEL_CODE = 0x41  # QL-820NWB

    def __init__(self, media_width: int = 62, die_cut_length: int = 0) -> None:
        self.media_width = media_width
        self.die_cut_length = die_cut_length
        self.labels: list[Image.Image] = []
        self.jobs: list[bytes] = []
        self.status_requests = 0
        self._folder = Path(tempfile.mkdtemp(prefix="sim-brother-"))
        super().__init__()

    def status(self, status_type: int = 0x00, phase: int = 0x00, errors: int = 0) -> bytes:
        reply = bytearray(32)
        reply[0:8] = bytes([0x80, 0x20, 0x42, 0x34, self.MODEL_CODE, 0x30, 0x30, 0x00])
        empty = self.media_width == 0
        reply[8] = errors | (0x01 if empty and status_type == 0x02 else 0)
        reply[10] = self.media_width
        reply[11] = 0x00 if empty else (0x0B if self.die_cut_length else 0x0A)
        reply[17] = self.die_cut_length
        reply[18] = status_type
        reply[19] = phase
        return bytes(reply)

    def handle(self, conn: socket.socket) -> None:
        data = b""
        pos = 0
        job_start = 0
        while True:
            chunk = conn.recv(65536)
            if not chunk:
                return
            data += chunk
            while pos < len(data):
                end = _next_instruction(data, pos)
                if end is None:
                    break
                instruction = data[pos:end]
                if instruction == _STATUS_REQUEST:
                    self.status_requests += 1
                    empty = self.media_width == 0
                    # An empty printer says so in its error bytes and media type.
                    conn.sendall(self.status(errors=0x01 if empty else 0))
                elif instruction in (b"\x1a", b"\x0c"):
                    self._printed(conn, data[job_start:end])
                    job_start = end
                pos = end

    def _printed(self, conn: socket.socket, job: bytes) -> None:
        if self.media_width == 0:
            conn.sendall(self.status(status_type=0x02, errors=0x01))
            return
        self.jobs.append(job)
        reader = BrotherQLReader(io.BytesIO(job))
        target = self._folder / f"job{len(self.jobs):04d}-{{counter:04d}}.png"
        reader.filename_fmt = str(target)
        reader.analyse()
        for path in sorted(self._folder.glob(f"job{len(self.jobs):04d}-*.png")):
            with Image.open(path) as image:
                self.labels.append(image.copy())
        conn.sendall(self.status(status_type=0x01, phase=0x01))
        conn.sendall(self.status(status_type=0x06, phase=0x00))


# -- Zebra -------------------------------------------------------------------------------

_GFA = re.compile(rb"\^GFA,(\d+),(\d+),(\d+),([0-9A-Fa-f]+)")


def decode_graphic_fields(zpl: bytes) -> list[Image.Image]:
    """Every ^GFA (ASCII hex) bitmap of a ZPL document, as a white-background image."""
    images = []
    for match in _GFA.finditer(zpl):
        total, _, row_bytes, hexdata = match.groups()
        data = bytes.fromhex(hexdata.decode("ascii"))
        assert len(data) == int(total)
        width, height = int(row_bytes) * 8, int(total) // int(row_bytes)
        ink = Image.frombytes("1", (width, height), data)
        images.append(ink.point(lambda v: 0 if v else 255, mode="1"))
    return images


class SimulatedZebra(_TcpDevice):
    """A ZPL printer on TCP: answers ~HS, keeps every ZPL format it is sent."""

    def __init__(self, port: int = 0) -> None:
        self.paper_out = False
        self.head_open = False
        self.received: list[bytes] = []  # ZPL documents
        self.raw: list[bytes] = []  # every non-empty job, whatever it holds (a PDF...)
        self.arrived = threading.Event()
        # Cleared by a test to keep the printer "busy" before it answers ~HS.
        self.answering = threading.Event()
        self.answering.set()
        self.waiting = threading.Event()  # set while a ~HS waits for `answering`
        super().__init__(port)

    def host_status(self) -> bytes:
        one = f"030,{int(self.paper_out)},0,1218,000,0,0,0,000,0,0,0"
        two = f"000,0,{int(self.head_open)},0,0,2,4,0,00000000,1,000"
        three = "1234,0"
        return b"".join(b"\x02" + s.encode() + b"\x03\r\n" for s in (one, two, three))

    def handle(self, conn: socket.socket) -> None:
        data = b""
        while True:
            chunk = conn.recv(65536)
            if not chunk:
                break
            data += chunk
            while b"~HS" in data:
                before, _, data = data.partition(b"~HS")
                data = before + data
                self.waiting.set()
                self.answering.wait(timeout=30)
                self.waiting.clear()
                conn.sendall(self.host_status())
        if data.strip() and not self.paper_out:
            self.raw.append(data)
            if b"^XA" in data:
                self.received.append(data)
            self.arrived.set()

    @property
    def labels(self) -> list[Image.Image]:
        return [image for job in self.received for image in decode_graphic_fields(job)]
