"""The simulated bootloader reachable over TCP with the real fastboot TCP protocol.

`fastboot -s tcp:HOST:PORT ...` (Debian's client) and `FastbootClient(TcpTransport(...))`
talk to it as to a phone in fastbootd over the network. Like a real device it serves one
session at a time: a second client waits (in the listen queue) until the first hangs up.
Refuses to start outside tests or training mode (through SimulatedBootloader).
"""

from __future__ import annotations

import contextlib
import logging
import socket
import struct
import threading
from types import TracebackType

from bench_app.devices.fastboot.tcp import handshake_bytes, parse_handshake
from bench_app.simulators.bootloader.bootloader import SimulatedBootloader

log = logging.getLogger(__name__)
LENGTH = struct.Struct(">Q")
MAX_COMMAND = 4096


class SessionEnded(Exception):
    """The host hung up, or the session must end (reboot, cable pulled, protocol error)."""


class CablePulled(SessionEnded):
    """The link is cut abruptly: the host's next read fails with a reset, as when a phone's
    network goes away under it. (A plain close would not do: Debian's fastboot 29 spins
    forever on a TCP end-of-file.)"""


class DownloadMemory:
    """The phone's download buffer, kept from one session to the next as a phone's RAM is:
    a fresh 256 MiB buffer per connection would cost every flash 65,536 page faults on the
    simulator's side, whoever the client."""

    def __init__(self) -> None:
        self.buffer = bytearray()


class _Session:
    """One host connection: the handshake, then commands and download data phases."""

    def __init__(
        self, sock: socket.socket, bootloader: SimulatedBootloader, memory: DownloadMemory
    ) -> None:
        self.sock = sock
        self.bootloader = bootloader
        self.memory = memory
        self.downloaded: memoryview | None = None

    def recv_exact(self, view: memoryview) -> None:
        got = 0
        while got < len(view):
            # MSG_WAITALL: the kernel fills the whole view before waking this thread, so a
            # download is a few calls, not one per arriving segment (each taking the GIL).
            n = self.sock.recv_into(view[got:], 0, socket.MSG_WAITALL)
            if n == 0:
                raise SessionEnded("host hung up")
            got += n

    def read_exact(self, size: int) -> bytes:
        buf = bytearray(size)
        self.recv_exact(memoryview(buf))
        return bytes(buf)

    def say(self, message: bytes) -> None:
        self.sock.sendall(LENGTH.pack(len(message)) + message)

    def run(self) -> str | bool | None:
        """Serves until the host hangs up; returns a reboot target, or False if none."""
        try:
            parse_handshake(self.read_exact(4))
        except ValueError:
            return False  # a malformed handshake: hang up, as the protocol says
        self.sock.sendall(handshake_bytes())
        while True:
            (length,) = LENGTH.unpack(self.read_exact(8))
            if length == 0:
                continue
            if length > MAX_COMMAND:
                raise SessionEnded(f"command of {length} bytes")
            command = self.read_exact(length).decode("ascii", errors="replace")
            if self.bootloader.take_garbage_fault(command):
                self.say(b"\x17ZORK\xff\xfe not fastboot")
                continue
            if command.startswith("download:"):
                self.download(command)
                continue
            target = self.bootloader.execute(command, self.downloaded, self.say)
            if target is not None:
                return target or None

    def download(self, command: str) -> None:
        try:
            size = int(command.removeprefix("download:"), 16)
        except ValueError:
            self.say(b"FAILinvalid download size")
            return
        if not 0 < size <= self.bootloader.max_download_size:
            self.say(b"FAILdata too large")
            return
        self.downloaded = None
        if len(self.memory.buffer) < size:
            self.memory.buffer = bytearray(size)
        view = memoryview(self.memory.buffer)[:size]
        drop_after = self.bootloader.take_drop_fault()
        self.say(b"DATA%08x" % size)
        received = 0
        while received < size:
            (length,) = LENGTH.unpack(self.read_exact(8))
            if length > size - received:
                self.say(b"FAILtoo much data")
                raise SessionEnded("more data than announced")
            end = received + length
            if drop_after is not None and end > drop_after:
                self.recv_exact(view[received : max(received, drop_after)])
                raise CablePulled("cable pulled mid-download")
            self.recv_exact(view[received:end])
            received = end
        self.downloaded = view
        self.say(b"OKAY")


class FastbootSimulator:
    """A simulated phone in fastboot mode, listening on TCP.

    `start` and `stop` change the state under `_lock` and only close sockets or start the
    serving thread there; the thread (published only once it runs, with the listener it
    serves) is waited for outside the lock, so a stop never waits for a thread a concurrent
    start has not started, and a restart never shares a listener with the thread before it.
    """

    def __init__(
        self, bootloader: SimulatedBootloader, host: str = "127.0.0.1", port: int = 0
    ) -> None:
        self.bootloader = bootloader
        self.host = host
        self.port = port
        self.sessions = 0  # how many sessions were served (tests)
        self._lock = threading.Lock()
        self._listener: socket.socket | None = None  # under _lock, like the two below
        self._thread: threading.Thread | None = None
        self._current: socket.socket | None = None  # the session being served
        self._gone = threading.Event()
        self._memory = DownloadMemory()  # used by one session at a time (the serving thread)

    def start(self) -> int:
        """Binds and serves in a background thread; returns the TCP port."""
        with self._lock:
            if self._listener is not None:
                return self.port
            listener = socket.create_server((self.host, self.port))
            self.port = listener.getsockname()[1]
            thread = threading.Thread(
                target=self._serve,
                args=(listener,),
                name=f"fastboot-sim-{self.bootloader.product}",
                daemon=True,
            )
            thread.start()
            self._listener, self._thread = listener, thread  # published once it runs
            return self.port

    def stop(self) -> None:
        """Stops listening, cuts the current session, waits for the thread."""
        self.bootloader.press_keys(False)  # a pending unlock prompt must not hold the thread
        with self._lock:
            listener, self._listener = self._listener, None
            thread, self._thread = self._thread, None
            if listener is not None:
                with contextlib.suppress(OSError):
                    listener.shutdown(socket.SHUT_RDWR)  # wakes the accept() waiting on it
                listener.close()
            if self._current is not None:
                self._shutdown(self._current)
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=10)

    def pull_cable(self) -> None:
        """Cuts the current session now, as an unplugged cable would."""
        with self._lock:
            if self._current is not None:
                self._shutdown(self._current)

    @staticmethod
    def _shutdown(sock: socket.socket) -> None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)

    @property
    def serial(self) -> str:
        """What `fastboot -s` takes: tcp:HOST:PORT."""
        return f"tcp:{self.host}:{self.port}"

    @property
    def gone(self) -> bool:
        """True once the phone rebooted out of fastboot (into Android or recovery)."""
        return self._gone.is_set()

    def _serve(self, listener: socket.socket) -> None:
        while True:
            try:
                sock, _ = listener.accept()
            except OSError:  # closed by stop()
                return
            if not self.bootloader.reachable:
                sock.close()  # not in fastboot: nothing answers on this port
                continue
            sock.settimeout(None)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
            with self._lock:
                if self._listener is not listener:  # stopped as this host came in
                    sock.close()
                    return
                self._current = sock
            self.sessions += 1
            target: str | bool | None = False
            pulled = False
            try:
                target = _Session(sock, self.bootloader, self._memory).run()
            except CablePulled:
                # Closing with a zero linger sends a reset instead of an orderly end.
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                pulled = True
            except (SessionEnded, OSError) as exc:
                log.debug("fastboot sim: session ended: %s", exc)
            except Exception:
                log.exception("fastboot sim: session failed")
            finally:
                with self._lock:
                    self._current = None
                if not pulled:
                    self._shutdown(sock)
                sock.close()
            if target is not False:
                self.bootloader.rebooted(target if isinstance(target, str) else None)
                if not self.bootloader.reachable:
                    self._gone.set()

    def __enter__(self) -> FastbootSimulator:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
