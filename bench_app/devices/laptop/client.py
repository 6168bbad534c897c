"""The station's side of a laptop agent: connect, pair with the code shown on the laptop's
screen, then ask it questions over the sealed channel."""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any

from bench_app.devices.laptop.channel import (
    Channel,
    ChannelClosed,
    station_handshake,
    valid_pairing_code,
)
from bench_app.errors import BenchError

CONNECT_TIMEOUT = 10.0
ANSWER_TIMEOUT = 300.0  # an inventory runs lshw and smartctl on the laptop


def split_address(address: str) -> tuple[str, int]:
    """("host", port) from "host:port"; PAIR_ADDRESS_INVALID otherwise."""
    host, sep, port = address.rpartition(":")
    host = host.strip("[]")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise BenchError("PAIR_ADDRESS_INVALID", address=address)
    return host, int(port)


class LaptopSession:
    """A paired laptop agent. Every answer comes through the sealed channel."""

    def __init__(self, channel: Channel) -> None:
        self._channel = channel

    @classmethod
    def pair(cls, address: str, code: str) -> LaptopSession:
        """Connects to the agent at `address` and pairs with `code`; BenchError otherwise
        (PAIR_CODE_INVALID, PAIR_ADDRESS_INVALID, PAIR_UNREACHABLE, PAIR_WRONG_CODE,
        PAIR_LOCKED, PAIR_FAILED)."""
        if not valid_pairing_code(code):
            raise BenchError("PAIR_CODE_INVALID")
        host, port = split_address(address)
        try:
            sock = socket.create_connection((host, port), timeout=CONNECT_TIMEOUT)
        except OSError as exc:
            raise BenchError("PAIR_UNREACHABLE", address=address, detail=str(exc)) from exc
        try:
            sock.settimeout(ANSWER_TIMEOUT)
            return cls(station_handshake(sock, code))
        except BaseException:
            sock.close()
            raise

    def ask(self, op: str, **args: Any) -> dict[str, Any]:
        """The agent's answer to one request; PAIR_FAILED when the channel breaks or a
        frame is refused (changed on the way), AGENT_REFUSED when the agent says no."""
        try:
            self._channel.send({"op": op, **args})
            answer = self._channel.receive()
        except (ChannelClosed, OSError) as exc:
            raise BenchError("PAIR_FAILED", detail=str(exc) or type(exc).__name__) from exc
        if not answer.get("ok"):
            raise BenchError("AGENT_REFUSED", detail=str(answer.get("error", "?"))[:200])
        return answer

    def stream(
        self, op: str, on_frame: Callable[[dict[str, Any]], None], **args: Any
    ) -> dict[str, Any]:
        """As `ask`, for a request the agent answers with frames before its last answer (the
        one with "done"): each earlier frame goes to `on_frame`."""
        try:
            self._channel.send({"op": op, **args})
            while True:
                answer = self._channel.receive()
                if not answer.get("ok") or answer.get("done"):
                    break
                on_frame(answer)
        except (ChannelClosed, OSError) as exc:
            raise BenchError("PAIR_FAILED", detail=str(exc) or type(exc).__name__) from exc
        if not answer.get("ok"):
            raise BenchError("AGENT_REFUSED", detail=str(answer.get("error", "?"))[:200])
        return answer

    def tell(self, op: str, **args: Any) -> None:
        """Sends a request the agent does not answer on its own (e.g. "answer" to a running
        test, whose last answer `stream` is waiting for); may be called from another thread
        while `stream` waits. PAIR_FAILED when the channel breaks."""
        try:
            self._channel.send({"op": op, **args})
        except OSError as exc:
            raise BenchError("PAIR_FAILED", detail=str(exc) or type(exc).__name__) from exc

    def send(self, obj: dict[str, Any]) -> None:
        """One frame of a longer conversation (an image's chunks); PAIR_FAILED when the
        channel breaks."""
        try:
            self._channel.send(obj)
        except (ChannelClosed, OSError) as exc:
            raise BenchError("PAIR_FAILED", detail=str(exc) or type(exc).__name__) from exc

    def send_bytes(self, payload: bytes) -> None:
        """One sealed frame of raw bytes (an image's chunk); PAIR_FAILED when the channel
        breaks."""
        try:
            self._channel.send_bytes(payload)
        except (ChannelClosed, OSError) as exc:
            raise BenchError("PAIR_FAILED", detail=str(exc) or type(exc).__name__) from exc

    def receive(self) -> dict[str, Any]:
        """The agent's next frame, whatever it says; PAIR_FAILED when the channel breaks or
        a frame is refused."""
        try:
            return self._channel.receive()
        except (ChannelClosed, OSError) as exc:
            raise BenchError("PAIR_FAILED", detail=str(exc) or type(exc).__name__) from exc

    def close(self) -> None:
        self._channel.close()

    def __enter__(self) -> LaptopSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
