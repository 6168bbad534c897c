"""Zebra (and compatible) printers speaking ZPL: raw TCP on port 9100, or a raw CUPS queue.

The label goes as one ^GFA graphic field of the bitmap at the printer's 203 dpi, so what
prints is dot for dot what the preview shows. Over TCP the printer is first asked `~HS`
(host status) so an empty roll or an open head is reported before anything is sent.
"""

from __future__ import annotations

import socket
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps

from bench_app.errors import BenchError
from bench_app.output.labels.content import LabelContent
from bench_app.output.labels.render import render
from bench_app.output.printers.base import LabelPrinter
from bench_app.output.printers.cups import run_lp

DEFAULT_PORT = 9100
CONNECT_TIMEOUT_S = 5.0
STATUS_TIMEOUT_S = 3.0
STX, ETX = b"\x02", b"\x03"


def graphic_field(image: Image.Image) -> str:
    """`^GFA` of a bitmap: ASCII hex, one bit per dot, 1 = black, rows padded to bytes."""
    bw = ImageOps.invert(image.convert("L")).point(lambda v: 255 if v >= 128 else 0, mode="1")
    row_bytes = (bw.width + 7) // 8
    data = bw.tobytes()  # mode "1" packs 8 dots a byte, MSB first, each row padded
    total = row_bytes * bw.height
    return f"^GFA,{total},{total},{row_bytes},{data.hex().upper()}"


def zpl_document(images: Sequence[Image.Image]) -> bytes:
    """One ZPL format (^XA…^XZ) per label image."""
    parts = []
    for image in images:
        parts.append(
            f"^XA^CI28^PW{image.width}^LL{image.height}^LH0,0^FO0,0"
            f"{graphic_field(image)}^FS^PQ1^XZ\n"
        )
    return "".join(parts).encode("ascii")


@dataclass(frozen=True)
class HostStatus:
    """The flags of a `~HS` answer this station acts on."""

    paper_out: bool
    paused: bool
    head_open: bool
    ribbon_out: bool
    labels_waiting: int


def parse_host_status(data: bytes) -> HostStatus:
    """Reads the three STX…ETX strings of a `~HS` answer; ValueError when they are not there.

    String 1 is "aaa,b,c,dddd,eee,f,g,h,iii,j,k,l" (b: paper out, c: pause, eee: formats
    waiting); string 2 is "mmm,n,o,p,q,r,s,t,uuuuuuuu,v,www" (o: head up, p: ribbon out).
    """
    strings = []
    rest = data
    while STX in rest and ETX in rest:
        start = rest.index(STX)
        end = rest.index(ETX, start)
        strings.append(rest[start + 1 : end].decode("ascii", "replace"))
        rest = rest[end + 1 :]
    if len(strings) < 2:
        raise ValueError(f"~HS answer has {len(strings)} status strings, expected 3")
    one = strings[0].split(",")
    two = strings[1].split(",")
    if len(one) < 5 or len(two) < 4:
        raise ValueError("~HS answer is too short")
    return HostStatus(
        paper_out=one[1].strip() == "1",
        paused=one[2].strip() == "1",
        head_open=two[2].strip() == "1",
        ribbon_out=two[3].strip() == "1",
        labels_waiting=int(one[4].strip() or 0),
    )


def _split_address(address: str) -> tuple[str, int]:
    host, _, port = address.rpartition(":") if address.count(":") == 1 else (address, "", "")
    return (host or address), int(port or DEFAULT_PORT)


class ZplPrinter(LabelPrinter):
    @property
    def _cups_queue(self) -> str | None:
        address = self.config.address
        return address[len("cups:") :] if address.startswith("cups:") else None

    def _connect(self) -> socket.socket:
        host, port = _split_address(self.config.address)
        try:
            sock = socket.create_connection((host, port), timeout=CONNECT_TIMEOUT_S)
        except OSError as exc:
            raise BenchError(
                "PRINTER_UNREACHABLE", printer=self.config.name, detail=f"{host}:{port}: {exc}"
            ) from exc
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock

    def host_status(self, sock: socket.socket) -> HostStatus | None:
        """Asks `~HS` on an open connection; None when the printer gives no answer (some
        compatibles do not implement it)."""
        sock.sendall(b"~HS")
        data = b""
        deadline = time.monotonic() + STATUS_TIMEOUT_S
        while data.count(ETX) < 3 and time.monotonic() < deadline:
            sock.settimeout(max(deadline - time.monotonic(), 0.01))
            try:
                chunk = sock.recv(1024)
            except TimeoutError:
                break
            except OSError as exc:
                raise BenchError(
                    "PRINTER_UNREACHABLE", printer=self.config.name, detail=str(exc)
                ) from exc
            if not chunk:
                break
            data += chunk
        try:
            return parse_host_status(data)
        except ValueError:
            return None

    def _raise_for(self, status: HostStatus | None) -> None:
        if status is None:
            return
        name = self.config.name
        if status.paper_out:
            raise BenchError("PRINTER_NO_MEDIA", printer=name, detail="~HS: paper out")
        if status.head_open:
            raise BenchError("PRINTER_NOT_READY", printer=name, detail="tête ouverte / head open")
        if status.ribbon_out:
            raise BenchError("PRINTER_NOT_READY", printer=name, detail="ruban terminé / ribbon out")
        if status.paused:
            raise BenchError("PRINTER_NOT_READY", printer=name, detail="en pause / paused")

    def check(self) -> None:
        if self._cups_queue is not None:
            return  # a raw queue gives no printer status; lp reports what it can
        with self._connect() as sock:
            self._raise_for(self.host_status(sock))

    def print_labels(self, contents: Sequence[LabelContent]) -> str:
        tpl = self.template
        document = zpl_document([render(c, tpl) for c in contents])
        queue = self._cups_queue
        if queue is not None:
            with tempfile.TemporaryDirectory(prefix="etabli-zpl-") as tmp:
                path = Path(tmp) / "labels.zpl"
                path.write_bytes(document)
                answer = run_lp(
                    self.config.name, queue, path, server=self.config.server, options=["raw"]
                )
            return answer or queue
        with self._connect() as sock:
            self._raise_for(self.host_status(sock))
            try:
                sock.settimeout(30)
                sock.sendall(document)
                sock.shutdown(socket.SHUT_WR)
            except OSError as exc:
                raise BenchError(
                    "PRINTER_UNREACHABLE", printer=self.config.name, detail=str(exc)
                ) from exc
        return self.config.address
