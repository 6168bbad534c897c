"""`adb sideload` from the bench: sends an update package to a phone whose recovery waits
for it ("Apply update from ADB"), with progress, over the project's own ADB connection.

The protocol (AOSP `sideload-host`): the host opens `sideload-host:SIZE:BLOCKSIZE`; the
recovery asks for a block by writing its number as eight ASCII digits, the host sends that
block (the last one short), and the recovery writes "DONEDONE" when it has what it needs.
The recovery reads the package more than once (its end, a signature pass, an install pass),
so the bytes sent are about twice the package.

adb-shell (0.4.4) only exposes whole-command services (shell, sync, reboot), so a stream in
both directions is opened here on its message layer (`AdbDevice._io_manager`, `_open`'s
local-id counter): the same transport, keys and connection as every other command.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, cast

from adb_shell import constants
from adb_shell.adb_device import AdbDevice
from adb_shell.adb_message import AdbMessage
from adb_shell.hidden_helpers import _AdbTransactionInfo

from bench_app.devices.android.driver import AndroidPhone
from bench_app.devices.source import DeviceGone
from bench_app.errors import BenchError
from bench_app.jobs.prompt import Cancelled

BLOCK_SIZE = 64 * 1024  # what `adb sideload` uses (its CHUNK_SIZE)
DONE = b"DONEDONE"
FAILED = b"FAILFAIL"  # rescue mode's answer when the install failed
# AOSP's estimate: an install reads the package about 2.13 times (100/47).
READS_PER_PACKAGE = 100 / 47


class SideloadInterrupted(DeviceGone):
    """The phone went away during the transfer. It stays in sideload mode (or goes back to
    its recovery menu): plugged back, the package can be sent again from the start."""

    def __init__(self, sent: int, size: int, detail: str) -> None:
        super().__init__(
            f"sideload interrupted after {sent} of {size} bytes ({detail}); "
            "plug the phone back and send the package again"
        )
        self.sent = sent
        self.size = size


@dataclass(frozen=True, slots=True)
class SideloadResult:
    """What one sideload did: the package size, the bytes sent, the blocks asked for."""

    size: int
    bytes_sent: int
    blocks_served: int
    seconds: float
    answer: str  # "DONEDONE", or "FAILFAIL" from a rescue-mode install that failed

    @property
    def transfer_ratio(self) -> float:
        return self.bytes_sent / self.size if self.size else 0.0


class _Refused(Exception):
    """The phone closed the stream instead of accepting the service."""


class ServiceStream:
    """One ADB stream opened on an adb-shell connection, readable and writable both ways."""

    def __init__(self, device: AdbDevice, service: str, timeout_s: float) -> None:
        self._device = device
        raw: Any = device
        with raw._local_id_lock:
            raw._local_id = raw._local_id % (2**32 - 1) + 1
            local_id = raw._local_id
        self._info = _AdbTransactionInfo(local_id, None, timeout_s, timeout_s, None)
        self._io: Any = raw._io_manager
        self._max = max(256, int(raw._maxdata))
        self._buffer = bytearray()
        self.closed = False
        self._io.send(AdbMessage(constants.OPEN, local_id, 0, service.encode() + b"\0"), self._info)
        cmd, arg0, _, _ = self._io.read([constants.OKAY, constants.CLSE], self._info)
        if cmd == constants.CLSE:
            self.closed = True
            raise _Refused(service)
        self._info.remote_id = arg0

    def read_exactly(self, size: int) -> bytes:
        """`size` bytes from the phone; EOFError if it closes the stream first."""
        while len(self._buffer) < size:
            self._take([constants.WRTE, constants.CLSE])
            if self.closed and len(self._buffer) < size:
                raise EOFError("the phone closed the stream")
        data = bytes(self._buffer[:size])
        del self._buffer[:size]
        return data

    def write(self, data: bytes | memoryview) -> None:
        """Sends data in messages the phone accepts, each acknowledged before the next."""
        view = memoryview(data)
        while view:
            chunk, view = view[: self._max], view[self._max :]
            self._io.send(
                AdbMessage(constants.WRTE, self._info.local_id, self._info.remote_id, bytes(chunk)),
                self._info,
            )
            while True:
                cmd = self._take([constants.OKAY, constants.WRTE, constants.CLSE])
                if cmd == constants.OKAY:
                    break
                if self.closed:
                    raise EOFError("the phone closed the stream")

    def close(self) -> None:
        """Closes our side (the phone answers with its own CLSE, which is not awaited)."""
        if not self.closed:
            self.closed = True
            self._io.send(
                AdbMessage(constants.CLSE, self._info.local_id, self._info.remote_id), self._info
            )

    def _take(self, expected: list[bytes]) -> bytes:
        cmd, _, _, data = self._io.read(expected, self._info)
        if cmd == constants.WRTE:
            self._buffer += data
            self._io.send(
                AdbMessage(constants.OKAY, self._info.local_id, self._info.remote_id), self._info
            )
        elif cmd == constants.CLSE:
            self.closed = True
        return cast(bytes, cmd)


def sideload(
    phone: AndroidPhone,
    package: Path,
    *,
    progress: Callable[[float], None] | None = None,
    cancelled: threading.Event | None = None,
    block_size: int = BLOCK_SIZE,
    timeout_s: float = 600.0,
) -> SideloadResult:
    """Serves `package` to the phone's recovery until it answers DONEDONE.

    BenchError SIDELOAD_NOT_READY when the phone is not in sideload mode, SIDELOAD_FAILED
    when it asks for something the package does not have; SideloadInterrupted (a
    DeviceGone) when the connection goes during the transfer; Cancelled when `cancelled` is
    set. `progress` gets an estimate in [0, 1] (the recovery never says how much it will read).
    `timeout_s` is how long the recovery may think between two requests."""
    try:
        handle: BinaryIO = package.open("rb")
        size = package.stat().st_size
    except OSError as exc:
        raise BenchError(
            "SIDELOAD_FILE_UNREADABLE", path=str(package), detail=exc.strerror
        ) from exc
    if size <= 0:
        handle.close()
        raise BenchError("SIDELOAD_FILE_UNREADABLE", path=str(package), detail="empty file")
    stop = cancelled or threading.Event()
    state = {"sent": 0, "blocks": 0}
    started = time.monotonic()

    def serve(device: AdbDevice) -> tuple[str, str]:
        try:
            stream = ServiceStream(device, f"sideload-host:{size}:{block_size}", timeout_s)
        except _Refused:
            return "refused", ""
        while True:
            request = stream.read_exactly(8)
            if request in (DONE, FAILED):
                stream.close()
                return "done", request.decode()
            if stop.is_set():
                stream.close()
                return "cancelled", ""
            if not request.isdigit():
                stream.close()
                return "bad", f"the phone asked {request!r}"
            offset = int(request) * block_size
            if offset >= size:
                stream.close()
                return "bad", f"the phone asked for block {int(request)}, past the end"
            handle.seek(offset)
            data = handle.read(min(block_size, size - offset))
            stream.write(data)
            state["sent"] += len(data)
            state["blocks"] += 1
            if progress is not None:
                progress(min(0.99, state["sent"] / (size * READS_PER_PACKAGE)))

    try:
        outcome, detail = phone._call(serve)
    except DeviceGone as exc:
        raise SideloadInterrupted(state["sent"], size, str(exc)) from exc
    finally:
        handle.close()
    # The recovery's daemon exits after a sideload: the next command needs a new connection.
    phone.close()
    if outcome == "refused":
        raise BenchError("SIDELOAD_NOT_READY")
    if outcome == "cancelled":
        raise Cancelled()
    if outcome == "bad":
        raise BenchError("SIDELOAD_FAILED", detail=detail)
    if progress is not None:
        progress(1.0)
    return SideloadResult(
        size, state["sent"], state["blocks"], round(time.monotonic() - started, 3), detail
    )
