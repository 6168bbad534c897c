"""The agent's side of a system image written through it: a paired station streams the
mapped blocks of a verified image over the sealed channel, the agent writes them to one of
the disks it offered, flushes, reads every mapped range back and reports what it read.

The order names the disk (one the agent offered, under the erasure's safety rules: never
the running system, the boot stick, a mounted disk; only with the end of its serial typed by
the operator) and the image's block map: its size, block size and each mapped range with
its sha256. The conversation, after the order (every frame sealed by the channel):
    agent → station  {"ok": true, "ready": true}            or {"ok": false, "error"}
    station → agent  raw "C" + offset (8 bytes) + data ...   the mapped ranges, in order
    agent → station  {"ok": true, "written": bytes}          one per chunk written
    station → agent  raw "E"                                 every chunk sent
The chunks travel as raw sealed frames (channel.send_bytes): the same key and numbering as
the JSON frames, without base64 and JSON, which cost four times the encryption.
    agent → station  {"ok": true, "checked": bytes} ...      while reading back
    agent → station  {"ok": true, "done": true, "report"}    the last answer
A chunk out of order, a range whose bytes do not match the map's checksum (its last chunk
is then not written) or a write the disk refuses ends the write with {"ok": false,
"error"}; the agent then drops the chunks still on their way until the station's end frame.

The report carries, per range read back, whether it matched; `readback_digest` is
`mapped_digest` of the checksums read back, which the station compares with its map's."""

from __future__ import annotations

import hashlib
import re
import struct
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench_app.devices.drives.blockio import BlockIO, aligned, read_all, write_all
from bench_app.devices.drives.system_view import resolve_target
from bench_app.erasure.safety import check_erasable
from bench_app.errors import BenchError

CHUNK = 4 << 20  # image bytes per frame, under the channel's 16 MiB
CHUNK_FRAME, END_FRAME = b"C", b"E"
WINDOW = 4  # chunks the station sends ahead of the agent's acknowledgements
PROGRESS_EVERY = 0.5  # seconds between two read-back progress frames
_HEX64 = re.compile(r"[0-9a-f]{64}")

Send = Callable[[dict[str, Any]], None]
Receive = Callable[[], bytes]  # the next raw frame from the station


class WriteRefused(Exception):
    """Why the write stopped (sent to the station as the last answer)."""


class StationStopped(WriteRefused):
    """The station sent its end frame before the last chunk: nothing left to drop."""


def mapped_digest(checksums: list[str]) -> str:
    """One sha256 for an image's mapped ranges: over their checksums, in order, each
    followed by a newline. Equal on both sides only when every range read back as mapped."""
    return hashlib.sha256("".join(c + "\n" for c in checksums).encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class ImageOrder:
    """A checked write order: the disk, the image's size, its block size and ranges."""

    path: str
    confirm_serial: str
    name: str
    image_size: int
    block_size: int
    ranges: tuple[tuple[int, int, str], ...]

    def extent(self, r: tuple[int, int, str]) -> tuple[int, int]:
        start = r[0] * self.block_size
        return start, min((r[1] + 1) * self.block_size, self.image_size) - start

    @property
    def mapped_bytes(self) -> int:
        return sum(self.extent(r)[1] for r in self.ranges)

    def chunks(self) -> Iterator[tuple[int, int, int, bool]]:
        """(range index, offset, length, last chunk of its range) in sending order."""
        for index, r in enumerate(self.ranges):
            offset, length = self.extent(r)
            for pos in range(offset, offset + length, CHUNK):
                n = min(CHUNK, offset + length - pos)
                yield index, pos, n, pos + n == offset + length


def read_order(request: dict[str, Any], offered: list[str]) -> ImageOrder:
    """The order in `request` once its shape holds and it names a disk this laptop offers;
    WriteRefused otherwise."""
    path, confirm, name = (request.get(k) for k in ("path", "confirm_serial", "image"))
    size, block, ranges = (request.get(k) for k in ("image_size", "block_size", "ranges"))
    if not isinstance(path, str) or path not in offered:
        raise WriteRefused(f"{str(path)[:80]} is not a disk this laptop offers")
    if not isinstance(confirm, str) or not isinstance(name, str):
        raise WriteRefused("an order without its serial confirmation or image name")
    if not (isinstance(size, int) and size > 0 and isinstance(block, int) and block > 0):
        raise WriteRefused("an image without its size")
    if block % 512 or not isinstance(ranges, list) or not ranges:
        raise WriteRefused("an image without its block map")
    blocks = -(-size // block)
    checked: list[tuple[int, int, str]] = []
    for r in ranges:
        ok = (
            isinstance(r, list)
            and len(r) == 3
            and all(isinstance(v, int) for v in r[:2])
            and isinstance(r[2], str)
            and _HEX64.fullmatch(r[2])
        )
        if not ok or not (0 <= r[0] <= r[1] < blocks) or (checked and r[0] <= checked[-1][1]):
            raise WriteRefused("a block map range out of order or beyond the image")
        checked.append((r[0], r[1], r[2]))
    return ImageOrder(path, confirm, name[:200], size, block, tuple(checked))


def check_target(order: ImageOrder, data_dir: Path) -> dict[str, Any]:
    """The disk, checked by the erasure's rules and for room; BenchError otherwise."""
    target = resolve_target(order.path)
    check_erasable(target, data_dir=data_dir, confirm_serial=order.confirm_serial)
    if order.image_size > target.size_bytes:
        raise BenchError(
            "DISK_IMAGE_TOO_LARGE",
            name=order.name,
            path=target.path,
            image_size=order.image_size,
            size=target.size_bytes,
        )
    return target.to_json()


def chunk_frame(offset: int, data: bytes | memoryview) -> bytes:
    """The raw frame of the chunk at `offset`."""
    return CHUNK_FRAME + struct.pack(">Q", offset) + bytes(data)


def _chunk_data(frame: bytes, offset: int, length: int) -> memoryview:
    if frame[:1] == END_FRAME:
        raise StationStopped(f"the station stopped before byte {offset}")
    if frame[:1] != CHUNK_FRAME or len(frame) < 9:
        raise WriteRefused(f"not a chunk (expected byte {offset})")
    if struct.unpack(">Q", frame[1:9])[0] != offset:
        raise WriteRefused(f"a chunk out of order (expected byte {offset})")
    if len(frame) - 9 != length:
        raise WriteRefused(f"the chunk at byte {offset} has {len(frame) - 9} bytes, not {length}")
    return memoryview(frame)[9:]


def write_through(
    order: ImageOrder, receive: Receive, send: Send, data_dir: Path
) -> dict[str, Any]:
    """Writes the streamed ranges to the order's disk (checked again right before), flushes
    and reads them back. Returns the report; raises WriteRefused when the write stopped
    (the caller then `drain`s, unless it is StationStopped)."""
    try:
        target = check_target(order, data_dir)
    except BenchError as exc:
        raise WriteRefused(f"{exc.code}: {exc.message.en}"[:300]) from None
    began = time.monotonic()
    handle = BlockIO(order.path, write=True)
    buf = aligned(CHUNK)
    written = 0
    try:
        hasher: Any = None
        for index, offset, length, last in order.chunks():
            data = _chunk_data(receive(), offset, length)
            if hasher is None:
                hasher = hashlib.sha256()
            hasher.update(data)
            if last:
                first, end, checksum = order.ranges[index]
                if hasher.hexdigest() != checksum:
                    raise WriteRefused(f"blocks {first}-{end} do not match the map's checksum")
                hasher = None
            buf[:length] = data
            try:
                write_all(handle, memoryview(buf)[:length], offset)
            except OSError as exc:
                raise WriteRefused(f"write at byte {offset}: {exc.strerror or exc}") from None
            written += length
            send({"ok": True, "written": written})
        if receive()[:1] != END_FRAME:
            raise WriteRefused("more chunks than the block map holds")
        try:
            handle.sync()
        except OSError as exc:
            raise WriteRefused(f"flush: {exc.strerror or exc}") from None
    finally:
        handle.close()
        buf.close()
    write_ms = round((time.monotonic() - began) * 1000)
    verification = read_back(order, send)
    return {
        "path": order.path,
        "serial": target["serial"],
        "bytes_written": written,
        "milliseconds": write_ms,
        "direct_io": handle.direct,
        "verification": verification,
    }


def read_back(order: ImageOrder, send: Send) -> dict[str, Any]:
    """Every mapped range read again from the disk (O_DIRECT where it can), hashed and
    compared with the map: {"bytes_checked", "milliseconds", "ranges", "mismatches",
    "unreadable", "readback_digest", "ok"}."""
    began = time.monotonic()
    last_sent = began
    handle = BlockIO(order.path, write=False)
    buf = aligned(CHUNK)
    found: list[str] = []
    mismatches: list[dict[str, int]] = []
    unreadable: list[dict[str, int]] = []
    checked = 0
    try:
        hasher: Any = None
        broken = False
        for index, offset, length, last in order.chunks():
            if hasher is None:
                hasher, broken = hashlib.sha256(), False
            first, end, checksum = order.ranges[index]
            try:
                read_all(handle, memoryview(buf)[:length], offset)
                hasher.update(memoryview(buf)[:length])
            except OSError:
                broken = True
            checked += length
            if last:
                got = "" if broken else hasher.hexdigest()
                if broken:
                    unreadable.append({"first_block": first, "last_block": end})
                elif got != checksum:
                    mismatches.append({"first_block": first, "last_block": end})
                found.append(got)
                hasher = None
            now = time.monotonic()
            if now - last_sent >= PROGRESS_EVERY:
                last_sent = now
                send({"ok": True, "checked": checked})
    finally:
        handle.close()
        buf.close()
    return {
        "bytes_checked": checked,
        "milliseconds": round((time.monotonic() - began) * 1000),
        "ranges": len(order.ranges),
        "mismatches": mismatches[:100],
        "mismatch_count": len(mismatches),
        "unreadable": unreadable[:100],
        "readback_digest": mapped_digest(found),
        "ok": not mismatches and not unreadable and checked == order.mapped_bytes,
    }


def drain(receive: Receive) -> None:
    """Drops what the station still sends for a stopped write, up to its end frame."""
    while receive()[:1] != END_FRAME:
        pass
