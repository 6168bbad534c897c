"""`etabli agent`: the laptop's side, run from the Établi stick on a donated laptop.

It reads the laptop's inventory (as `etabli inventory --this-machine` does), lists the
disks the station may erase (its internal disks, never the stick it booted from; or the
image files and loop devices given for tests and training), announces itself on the local
network and answers a station that proves it knows the pairing code shown on screen
(devices/laptop/channel.py). It keeps no station key and records nothing: the station
records every fact."""

from __future__ import annotations

import socket
import socketserver
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench_app.devices.drives.blockdev import list_drives
from bench_app.devices.drives.system_view import SystemView, resolve_target
from bench_app.devices.laptop.channel import (
    MAX_FAILED_PAIRINGS,
    Channel,
    ChannelClosed,
    agent_handshake,
    recv_frame,
    refuse_locked,
)
from bench_app.erasure.agent_erase import erase_disks, erase_order_refusal
from bench_app.erasure.safety import refusals
from bench_app.errors import BenchError

# Disks the agent never offers: the running system and the stick it booted from.
NEVER_OFFERED = ("ERASE_SYSTEM_DISK", "ERASE_LIVE_MEDIUM")
HANDSHAKE_TIMEOUT = 30.0  # a peer that stalls mid-pairing is dropped
IDLE_TIMEOUT = 3600.0  # a paired station may stay quiet while the operator works


def agent_disks(paths: Sequence[str], data_dir: Path) -> list[dict[str, Any]]:
    """The disks offered to the station, each with the reasons it may not be erased.
    With `paths` (image files, loop devices) exactly those; one that is the running system
    or the boot stick is refused (its BenchError). Without, every disk of the machine but
    those two."""
    view = SystemView.read()
    rows = []
    given = list(paths)
    targets = [resolve_target(p) for p in given] if given else []
    if not given:
        targets = [resolve_target(d.path) for d in list_drives()]
    for target in targets:
        why = refusals(target, data_dir=data_dir, view=view)
        never = [e for e in why if e.code in NEVER_OFFERED]
        if never:
            if given:
                raise never[0]
            continue
        rows.append({**target.to_json(), "refusals": [e.code for e in why]})
    return rows


@dataclass
class AgentState:
    """What the agent serves, and the count of wrong codes (shared by every connection)."""

    agent_id: str
    code: str
    description: dict[str, Any]  # {"identity", "inventory", "disks"}
    failed: int = 0
    paired: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    on_event: Callable[[str], None] = lambda _what: None
    data_dir: Path = Path(".")  # where the safety rules look for the agent's own files

    @property
    def locked(self) -> bool:
        with self.lock:
            return self.failed >= MAX_FAILED_PAIRINGS


class _Handler(socketserver.BaseRequestHandler):
    server: AgentServer

    def handle(self) -> None:
        state = self.server.state
        sock: socket.socket = self.request
        sock.settimeout(HANDSHAKE_TIMEOUT)
        try:
            if state.locked:
                recv_frame(sock)  # the station's hello, not answered with a guess
                refuse_locked(sock)
                return
            channel = agent_handshake(sock, state.code)
        except (ChannelClosed, OSError):
            return  # not a station of this protocol: ignored
        if channel is None:
            with state.lock:
                state.failed += 1
            state.on_event("wrong-code")
            return
        with state.lock:
            state.paired += 1
        state.on_event("paired")
        sock.settimeout(IDLE_TIMEOUT)
        self._serve(channel, state)

    def _serve(self, channel: Channel, state: AgentState) -> None:
        while True:
            try:
                request = channel.receive()
            except (ChannelClosed, OSError):
                return  # hung up, or a frame changed on the way: the connection ends
            try:
                if request.get("op") == "erase":
                    channel.send(erase(request, state, channel.send))
                else:
                    channel.send(answer(request, state))
            except OSError:
                return


def answer(request: dict[str, Any], state: AgentState) -> dict[str, Any]:
    """The agent's answer to one request of a paired station."""
    op = request.get("op")
    if op == "describe":
        return {"ok": True, "agent_id": state.agent_id, **state.description}
    return {"ok": False, "error": f"unknown request {str(op)[:40]!r}"}


def erase(
    request: dict[str, Any], state: AgentState, send: Callable[[dict[str, Any]], None]
) -> dict[str, Any]:
    """Erases the disks the station names (erasure/agent_erase.py), sending progress
    frames on the way; the last answer carries one report per disk."""
    offered = [d["path"] for d in state.description.get("disks", [])]
    refusal = erase_order_refusal(request, offered)
    if refusal is not None:
        return {"ok": False, "error": refusal}
    state.on_event("erasing")
    reports = erase_disks(request, state.data_dir, send)
    state.on_event("erased")
    return {"ok": True, "done": True, "disks": reports}


class AgentServer(socketserver.ThreadingTCPServer):
    """The agent's TCP server, one thread per station connection."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], state: AgentState) -> None:
        self.state = state
        try:
            super().__init__(address, _Handler)
        except OSError as exc:
            raise BenchError(
                "AGENT_LISTEN_FAILED", address=f"{address[0]}:{address[1]}", detail=str(exc)
            ) from exc
