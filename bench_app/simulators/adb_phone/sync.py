"""The `sync:` service, protocol v1 (AOSP `adb/SYNC.TXT`): STAT, LIST, SEND, RECV, QUIT.

Requests are an id and a little-endian length, then that many bytes; the host's stream may
split or merge them across WRTE messages, so everything is read through the stream buffer.
"""

from __future__ import annotations

import struct
import time
from typing import TYPE_CHECKING

from bench_app.simulators.adb_phone.filesystem import FsError, MemoryFs

if TYPE_CHECKING:
    from bench_app.simulators.adb_phone.server import Connection, Stream

SYNC_DATA_MAX = 64 * 1024
MAX_PATH = 1024


def serve_sync(stream: Stream, conn: Connection) -> None:
    """Answers sync requests until QUIT, a bad request, or the host closes the stream."""
    fs = conn.daemon.phone.fs
    while True:
        request, length = struct.unpack("<4sI", stream.read(8))
        if request == b"QUIT":
            return
        if request not in (b"STAT", b"LIST", b"SEND", b"RECV") or length > MAX_PATH:
            _fail(stream, f"unknown sync request {request!r}")
            return
        path = stream.read(length).decode("utf-8", "replace")
        if request == b"STAT":
            node = fs.stat(path)
            if node is None:
                stream.write(b"STAT" + struct.pack("<III", 0, 0, 0))
            else:
                stream.write(b"STAT" + struct.pack("<III", node.mode, len(node.data), node.mtime))
        elif request == b"LIST":
            out = bytearray()
            try:
                entries = fs.list(path)
            except FsError:
                entries = []
            for name, node in entries:
                encoded = name.encode()
                out += b"DENT" + struct.pack(
                    "<IIII", node.mode, len(node.data), node.mtime, len(encoded)
                )
                out += encoded
            out += b"DONE" + struct.pack("<IIII", 0, 0, 0, 0)
            stream.write(bytes(out))
        elif request == b"SEND":
            if not _receive_file(stream, fs, path):
                return
        else:
            try:
                data = fs.read(path)
            except FsError as exc:
                _fail(stream, f"open failed: {exc}")
                continue
            out = bytearray()
            for offset in range(0, len(data), SYNC_DATA_MAX):
                chunk = data[offset : offset + SYNC_DATA_MAX]
                out += b"DATA" + struct.pack("<I", len(chunk)) + chunk
            out += b"DONE" + struct.pack("<I", 0)
            stream.write(bytes(out))


def _receive_file(stream: Stream, fs: MemoryFs, spec: str) -> bool:
    """Reads DATA chunks up to DONE, then stores the file; False if the stream must end."""
    path, _, mode_text = spec.rpartition(",")
    if not path:
        path, mode_text = spec, "33188"
    try:
        mode = int(mode_text)
    except ValueError:
        mode = 0o100644
    body = bytearray()
    while True:
        kind, value = struct.unpack("<4sI", stream.read(8))
        if kind == b"DATA":
            if value > SYNC_DATA_MAX:
                _fail(stream, f"data chunk of {value} bytes exceeds {SYNC_DATA_MAX}")
                return False
            body += stream.read(value)
        elif kind == b"DONE":
            mtime = value or int(time.time())
            break
        else:
            _fail(stream, f"invalid data message {kind!r}")
            return False
    try:
        fs.write(path, bytes(body), mode, mtime)
    except FsError as exc:
        _fail(stream, f"couldn't create file: {exc}")
        return True
    stream.write(b"OKAY" + struct.pack("<I", 0))
    return True


def _fail(stream: Stream, message: str) -> None:
    encoded = message.encode()
    stream.write(b"FAIL" + struct.pack("<I", len(encoded)) + encoded)
