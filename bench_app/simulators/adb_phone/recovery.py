"""The simulated recovery's `sideload-host:` service, as AOSP's minadbd serves it.

The host opens `sideload-host:SIZE:BLOCKSIZE`; the recovery asks for blocks by writing the
block number as eight ASCII digits ("00000023"), the host answers with that block (the last
one short, never padded), and the recovery ends with "DONEDONE". The recovery reads the
package the way an install does: the zip's end first (its central directory), then every
block in order to check the whole-file signature, then the entries again to install them.
Like the recovery's FUSE layer, it keeps the SHA-256 of every block the first time it gets it
and refuses a block that comes back different.
"""

from __future__ import annotations

import hashlib
import io
import logging
import zipfile
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bench_app.simulators.adb_phone.server import Connection, Handler, Stream

log = logging.getLogger(__name__)

DONE = b"DONEDONE"
MAX_PACKAGE = 1 << 31  # minadbd parses the size as a positive int64; the simulator holds it all
MAX_BLOCK = 1 << 20


@dataclass
class SideloadRecord:
    """What the simulated recovery got from one `adb sideload`."""

    size: int
    block_size: int
    requests: list[int] = field(default_factory=list)  # block numbers, in the order asked
    data: bytes = b""
    sha256: str = ""
    ok: bool = False
    reason: str = ""  # why it failed, as the recovery's screen would say


def request_order(size: int, block_size: int, first_pass: bytes | None = None) -> list[int]:
    """The blocks the recovery reads for the install pass: each zip entry's blocks, in
    the central directory's order (not necessarily the file's), or all blocks in order."""
    count = (size + block_size - 1) // block_size
    if first_pass is None:
        return list(range(count))
    try:
        with zipfile.ZipFile(io.BytesIO(first_pass)) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return list(range(count))
    order: list[int] = []
    # The metadata entry first (the recovery checks it before installing), then the rest.
    for info in sorted(infos, key=lambda i: i.filename != "META-INF/com/android/metadata"):
        end = info.header_offset + 30 + len(info.filename) + info.compress_size
        for block in range(info.header_offset // block_size, min(count, end // block_size + 1)):
            if block not in order:
                order.append(block)
    return order or list(range(count))


def serve_sideload_host(args: str) -> Handler:
    """The handler for `sideload-host:SIZE:BLOCKSIZE`; bad arguments get the stream closed."""
    parts = args.split(":")
    try:
        size, block_size = int(parts[0]), int(parts[1])
    except (IndexError, ValueError):
        size = block_size = 0

    def serve(stream: Stream, conn: Connection) -> None:
        if not (0 < size <= MAX_PACKAGE and 0 < block_size <= MAX_BLOCK):
            log.info("adb sim: bad sideload-host arguments %r", args)
            return
        record = SideloadRecord(size, block_size)
        conn.daemon.sideloads.append(record)
        _run(stream, conn, record)

    return serve


def _run(stream: Stream, conn: Connection, record: SideloadRecord) -> None:
    from bench_app.simulators.adb_phone.server import StreamClosed

    size, block_size = record.size, record.block_size
    count = (size + block_size - 1) // block_size
    hashes: dict[int, bytes] = {}
    blocks: dict[int, bytes] = {}
    daemon = conn.daemon
    unplug_after = daemon.behaviour.sideload_unplug_after_blocks

    def fetch(block: int) -> bytes:
        if unplug_after is not None and len(record.requests) >= unplug_after:
            record.reason = "the host went away during the transfer (cable pulled)"
            daemon.stop()  # the cable comes out in the middle of the transfer
            raise StreamClosed
        record.requests.append(block)
        stream.write(b"%08d" % block)
        length = min(block_size, size - block * block_size)
        data = stream.read(length)
        digest = hashlib.sha256(data).digest()
        if hashes.setdefault(block, digest) != digest:
            raise _BlockChanged(block)
        blocks[block] = data
        return data

    try:
        fetch(count - 1)  # the end of the zip: its central directory
        whole = hashlib.sha256()
        for block in range(count):  # the signature check reads every byte once
            whole.update(blocks[block] if block in blocks else fetch(block))
        package = b"".join(blocks[b] for b in range(count))
        for block in request_order(size, block_size, package):  # the install reads again
            fetch(block)
        record.data = package
        record.sha256 = whole.hexdigest()
        if hashlib.sha256(package).hexdigest() != record.sha256:
            record.reason = "package changed while it was read"
        elif not zipfile.is_zipfile(io.BytesIO(package)):
            record.reason = "not an update package (no zip archive)"
        else:
            record.ok = True
    except _BlockChanged as exc:
        record.reason = f"block {exc.block} changed between two reads"
    except StreamClosed:
        record.reason = record.reason or "the host went away during the transfer"
        raise
    # minadbd answers DONEDONE whatever the install gave; the result shows on the phone.
    stream.write(DONE)
    # minadbd exits: the phone is back on its recovery menu, and the host connection drops
    # (in a thread of the phone's own, while this stream's thread winds down).
    daemon.spawn(daemon.switch_mode, "recovery", name="adb-sim-sideload-end")


class _BlockChanged(Exception):
    def __init__(self, block: int) -> None:
        super().__init__(block)
        self.block = block
