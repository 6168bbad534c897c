"""The station's side of the privileged erasure helper: asks it to open a whole disk, and
receives the open file descriptors.

A station runs as a normal user, who may not open /dev/sdX. The helper (a socket-activated
systemd service, bench_app/erasure/erase_helper_service.py) listens on a unix socket that
only the `etabli` group may reach; it re-applies the station's safety rules itself and passes
back, over the socket (SCM_RIGHTS), the disk opened for reading and writing. The erasure
then writes through those descriptors as the normal user.

The wire: one JSON object per line, at most `MAX_REQUEST` bytes.
  {"op": "ping"}                                  -> {"ok": true, "service": "etabli-erase-helper"}
  {"op": "open", "path": P, "serial": S, "data_dir": D}
      -> {"ok": true, "path": P, "serial": S, "direct": bool} + two descriptors
         (the first with O_DIRECT when `direct`, the second without, both read-write)
      -> {"ok": false, "code": CODE, "values": {...}}  (a BenchError code of errors.py)
  {"op": "smart" | "identify", "variant": V, "path": P, "serial": S, "data_dir": D}
  {"op": "purge", "method": M, "step": T, "path": P, "serial": S, "data_dir": D}
      -> {"ok": true, "argv": [...], "returncode": N, "stdout": "...", "stderr": "..."}
         the helper runs one command of its closed table (erasure/helper_commands.py) on the
         disk it validated, exactly as for "open"; closing the connection stops the command.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import threading
import time
from pathlib import Path
from typing import Any

from bench_app.devices.drives.blockio import BlockIO
from bench_app.errors import CATALOG, BenchError
from bench_app.jobs.prompt import Cancelled
from bench_app.text import Text

DEFAULT_SOCKET = "/run/etabli/erase.sock"
SOCKET_ENV = "ETABLI_ERASE_HELPER_SOCKET"
MAX_REQUEST = 4096
REPLY_MAX = 16384
RUN_REPLY_MAX = 8 << 20  # a command's output (smartctl -j -a is some tens of KiB)
OUTPUT_MAX = 4 << 20  # what the helper keeps of each of stdout and stderr
TIMEOUT_SECONDS = 30.0  # the helper reads sysfs and mounts: quick, but never forever
SERVICE = "etabli-erase-helper"


def socket_path() -> str:
    """Where the helper listens: $ETABLI_ERASE_HELPER_SOCKET, else /run/etabli/erase.sock."""
    return os.environ.get(SOCKET_ENV) or DEFAULT_SOCKET


def encode_values(values: dict[str, object]) -> dict[str, Any]:
    """An error's values as JSON (a bilingual value as {"fr", "en"})."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        out[key] = {"fr": value.fr, "en": value.en} if isinstance(value, Text) else str(value)
    return out


def decode_error(reply: dict[str, Any]) -> BenchError:
    """The BenchError the helper's refusal names; a reply it cannot read is itself an error."""
    code = reply.get("code")
    raw = reply.get("values")
    if not isinstance(code, str) or code not in CATALOG or not isinstance(raw, dict):
        return BenchError("ERASE_HELPER_FAILED", detail="unreadable refusal")
    values: dict[str, object] = {}
    for key, value in raw.items():
        if isinstance(value, dict):
            values[str(key)] = Text(str(value.get("fr", "")), str(value.get("en", "")))
        else:
            values[str(key)] = str(value)
    try:
        return BenchError(code, **values)
    except (KeyError, IndexError, ValueError):
        return BenchError("ERASE_HELPER_FAILED", detail=f"refusal {code} without its values")


class EraseHelperClient:
    """Talks to the helper at `path` (default: `socket_path()`)."""

    def __init__(self, path: str | None = None, *, timeout: float = TIMEOUT_SECONDS) -> None:
        self.path = path or socket_path()
        self.timeout = timeout

    def _connect(self) -> socket.socket:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        try:
            sock.connect(self.path)
        except OSError as exc:
            sock.close()
            raise BenchError(
                "ERASE_HELPER_UNREACHABLE",
                socket=self.path,
                detail=exc.strerror or type(exc).__name__,
            ) from None
        return sock

    def _exchange(self, request: dict[str, Any]) -> tuple[dict[str, Any], list[int]]:
        line = json.dumps(request).encode() + b"\n"
        if len(line) > MAX_REQUEST:
            raise BenchError("ERASE_HELPER_FAILED", detail="request too long")
        with self._connect() as sock:
            try:
                _send_request(sock, line)
                data, fds = _recv_reply(sock)
            except OSError as exc:
                raise BenchError(
                    "ERASE_HELPER_UNREACHABLE",
                    socket=self.path,
                    detail=exc.strerror or type(exc).__name__,
                ) from None
        try:
            reply = json.loads(data)
            if not isinstance(reply, dict):
                raise ValueError("not an object")
        except ValueError:
            for fd in fds:
                os.close(fd)
            raise BenchError("ERASE_HELPER_FAILED", detail="unreadable answer") from None
        return reply, fds

    def ping(self) -> bool:
        """True when the helper answers; ERASE_HELPER_UNREACHABLE (or a refusal) otherwise."""
        reply, fds = self._exchange({"op": "ping"})
        for fd in fds:
            os.close(fd)
        if not reply.get("ok"):
            raise decode_error(reply)
        return True

    def open(self, path: str, serial: str, *, data_dir: Path | None = None) -> BlockIO:
        """The whole disk at `path`, opened by the helper for reads and writes, provided its
        serial is `serial` and the helper's safety rules accept it; the refusal otherwise."""
        request: dict[str, Any] = {"op": "open", "path": path, "serial": serial}
        if data_dir is not None:
            request["data_dir"] = str(data_dir)
        reply, fds = self._exchange(request)
        if not reply.get("ok"):
            for fd in fds:
                os.close(fd)
            raise decode_error(reply)
        if len(fds) != 2:
            for fd in fds:
                os.close(fd)
            raise BenchError("ERASE_HELPER_FAILED", detail=f"{len(fds)} descriptors received")
        return BlockIO.from_fds(path, fds[0], fds[1], direct=bool(reply.get("direct")))

    def run(
        self,
        request: dict[str, Any],
        path: str,
        serial: str,
        *,
        data_dir: Path | None = None,
        wait: float = TIMEOUT_SECONDS,
        cancelled: threading.Event | None = None,
    ) -> dict[str, Any]:
        """Has the helper run the command `request` names (op and variant, or purge method
        and step) on the whole disk `path` of serial `serial`; its answer (argv, returncode,
        stdout, stderr), or the refusal. Waits at most `wait` seconds; a set `cancelled`
        closes the connection, which stops the command, and raises Cancelled."""
        full = {**request, "path": path, "serial": serial}
        if data_dir is not None:
            full["data_dir"] = str(data_dir)
        line = json.dumps(full).encode() + b"\n"
        if len(line) > MAX_REQUEST:
            raise BenchError("ERASE_HELPER_FAILED", detail="request too long")
        with self._connect() as sock:
            try:
                _send_request(sock, line)
                data = _recv_line(sock, wait, cancelled)
            except OSError as exc:
                raise BenchError(
                    "ERASE_HELPER_UNREACHABLE",
                    socket=self.path,
                    detail=exc.strerror or type(exc).__name__,
                ) from None
        try:
            reply = json.loads(data)
            if not isinstance(reply, dict):
                raise ValueError("not an object")
        except ValueError:
            raise BenchError("ERASE_HELPER_FAILED", detail="unreadable answer") from None
        if not reply.get("ok"):
            raise decode_error(reply)
        if not isinstance(reply.get("returncode"), int):
            raise BenchError("ERASE_HELPER_FAILED", detail="no exit status")
        return reply


def _send_request(sock: socket.socket, line: bytes) -> None:
    """Sends the request; a helper that refused the caller before reading it may have
    closed already, its refusal waiting to be read."""
    with contextlib.suppress(BrokenPipeError, ConnectionResetError):
        sock.sendall(line)


_TICK = 0.5  # how often a waiting client looks at its job's cancel flag


def _recv_line(sock: socket.socket, wait: float, cancelled: threading.Event | None) -> bytes:
    """One reply line of at most RUN_REPLY_MAX bytes, read while the helper works (for up to
    `wait` seconds); Cancelled as soon as `cancelled` is set."""
    sock.settimeout(_TICK)
    deadline = time.monotonic() + wait
    chunks: list[bytes] = []
    size = 0
    while True:
        if cancelled is not None and cancelled.is_set():
            raise Cancelled()
        if time.monotonic() > deadline:
            raise BenchError("ERASE_HELPER_FAILED", detail=f"no answer within {wait:.0f} s")
        try:
            chunk = sock.recv(1 << 16)
        except TimeoutError:
            continue
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
        if chunk.endswith(b"\n") or size > RUN_REPLY_MAX:
            break
    return b"".join(chunks)


def _recv_reply(sock: socket.socket) -> tuple[bytes, list[int]]:
    """One reply line and the descriptors that came with it."""
    data = b""
    fds: list[int] = []
    while not data.endswith(b"\n"):
        chunk, got, _flags, _addr = socket.recv_fds(sock, REPLY_MAX, 2)
        fds.extend(got)
        if not chunk:
            break
        data += chunk
        if len(data) > REPLY_MAX:
            break
    return data, fds
