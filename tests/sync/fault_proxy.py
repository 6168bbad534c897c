"""A TCP proxy on loopback between one station and the hub that misbehaves on demand, the
way a workshop's network does: it refuses connections (a partition), drops them, delays
them, and cuts a connection after N bytes of the request or of the response.

One proxy per station, so each station's faults are switched on its own, at runtime."""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
import time
from dataclasses import dataclass


@dataclass
class Cut:
    """Cut the next connection after `request` bytes towards the hub, or `response` bytes
    back to the station (None: that direction is not cut)."""

    request: int | None = None
    response: int | None = None


class FaultProxy:
    def __init__(self, target_port: int, target_host: str = "127.0.0.1") -> None:
        self.target = (target_host, target_port)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self._listener.getsockname()[1])
        self._lock = threading.Lock()
        self.partitioned = False
        self.delay = 0.0
        self._drops = 0
        self._cuts: list[Cut] = []
        self.connections = 0
        self.cut_done = 0
        self._closed = False
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # -- switches ---------------------------------------------------------------------------

    def partition(self, on: bool = True) -> None:
        """While on, every connection is reset as soon as it is accepted."""
        self.partitioned = on

    def drop_next(self, count: int = 1) -> None:
        with self._lock:
            self._drops += count

    def cut_next(self, *, request: int | None = None, response: int | None = None) -> None:
        with self._lock:
            self._cuts.append(Cut(request, response))

    def heal(self) -> None:
        """Back to a perfect network."""
        with self._lock:
            self.partitioned = False
            self.delay = 0.0
            self._drops = 0
            self._cuts.clear()

    def close(self) -> None:
        self._closed = True
        with contextlib.suppress(OSError):
            self._listener.close()

    # -- the proxy --------------------------------------------------------------------------

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                self.connections += 1
                refuse = self.partitioned or self._drops > 0
                if self._drops > 0 and not self.partitioned:
                    self._drops -= 1
                cut = self._cuts.pop(0) if self._cuts and not refuse else None
            if refuse:
                _reset(client)
                continue
            threading.Thread(target=self._serve, args=(client, cut), daemon=True).start()

    def _serve(self, client: socket.socket, cut: Cut | None) -> None:
        if self.delay:
            time.sleep(self.delay)
        try:
            upstream = socket.create_connection(self.target, timeout=30)
        except OSError:
            _reset(client)
            return
        done = threading.Event()
        up = threading.Thread(
            target=self._pump, args=(client, upstream, cut.request if cut else None, done)
        )
        up.start()
        self._pump(upstream, client, cut.response if cut else None, done)
        up.join()
        for s in (client, upstream):
            with contextlib.suppress(OSError):
                s.close()

    def _pump(
        self, src: socket.socket, dst: socket.socket, limit: int | None, done: threading.Event
    ) -> None:
        sent = 0
        try:
            while not done.is_set():
                data = src.recv(65536)
                if not data:
                    with contextlib.suppress(OSError):
                        dst.shutdown(socket.SHUT_WR)
                    return
                if limit is not None and sent + len(data) >= limit:
                    dst.sendall(data[: limit - sent])
                    with self._lock:
                        self.cut_done += 1
                    break
                dst.sendall(data)
                sent += len(data)
        except OSError:
            pass
        # A cut or a failure ends the whole connection, both ways, abruptly.
        done.set()
        for s in (src, dst):
            _reset(s)


def _reset(sock: socket.socket) -> None:
    """Closes with an RST rather than a polite FIN, like a dropped link."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    with contextlib.suppress(OSError):
        sock.close()
