"""`etabli agent`: the laptop's side, run from the Établi stick on a donated laptop.

It reads the laptop's inventory (as `etabli inventory --this-machine` does), lists the
disks the station may erase (its internal disks, never the stick it booted from; or the
image files and loop devices given for tests and training), announces itself on the local
network and answers a station that proves it knows the pairing code shown on screen
(devices/laptop/channel.py). It keeps no station key and records nothing: the station
records every fact."""

from __future__ import annotations

import contextlib
import socket
import socketserver
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench_app.agent_tests import TestDesk
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
from bench_app.erasure.agent_erase import erase_disks, erase_order_refusal, saved_checkpoint
from bench_app.erasure.safety import refusals
from bench_app.errors import BenchError
from bench_app.install.agent_write import (
    StationStopped,
    WriteRefused,
    check_target,
    drain,
    read_order,
    write_through,
)

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
    stick: Path | None = None  # where erasure checkpoints are kept across a power cut
    station: str = ""  # the paired station's name, as it gave it
    asset_code: str = ""  # the code the station gave the laptop, shown big for the sticker
    progress: dict[str, float] = field(default_factory=dict)  # each disk's erasure, 0 to 1
    desk: TestDesk = field(init=False)  # the guided test on the laptop's screen

    def __post_init__(self) -> None:
        self.desk = TestDesk(lambda what: self.on_event(what))

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
        sending = threading.Lock()  # a running test's thread sends too

        def send(frame: dict[str, Any]) -> None:
            with sending:
                channel.send(frame)

        tests: list[threading.Thread] = []
        try:
            while True:
                try:
                    request = channel.receive()
                except (ChannelClosed, OSError):
                    return  # hung up, or a frame changed on the way: the connection ends
                try:
                    op = request.get("op")
                    if op == "erase":
                        send(erase(request, state, send))
                    elif op == "write_image":
                        send(write_image(request, state, channel, send))
                    elif op == "test":
                        # Run aside: the station may answer it ("answer") while it runs.
                        worker = threading.Thread(
                            target=_test, args=(request, state, send), daemon=True
                        )
                        tests.append(worker)
                        worker.start()
                    elif op == "answer":
                        station_answer(request, state)  # the running test sends the answer
                    else:
                        send(answer(request, state))
                except (ChannelClosed, OSError):
                    return  # the station hung up mid-way (a write cut short is never reported)
        finally:
            if any(worker.is_alive() for worker in tests):
                state.desk.cancel()  # this station went away: nobody waits for its test
            for worker in tests:
                worker.join()


def answer(request: dict[str, Any], state: AgentState) -> dict[str, Any]:
    """The agent's answer to one request of a paired station."""
    op = request.get("op")
    if op == "describe":
        station = request.get("station")
        if isinstance(station, str) and station:
            state.station = station[:60]
            state.on_event("station")
        return {"ok": True, "agent_id": state.agent_id, **state.description, **resumable(state)}
    if op == "show_asset":
        code = request.get("asset_code")
        if not (isinstance(code, str) and 0 < len(code) <= 40 and code.isprintable()):
            return {"ok": False, "error": "asset_code"}
        state.asset_code = code
        state.on_event("asset")
        return {"ok": True}
    return {"ok": False, "error": f"unknown request {str(op)[:40]!r}"}


def _test(
    request: dict[str, Any], state: AgentState, send: Callable[[dict[str, Any]], None]
) -> None:
    with contextlib.suppress(OSError):  # the station hung up: its loop ends on its own
        send(state.desk.run(request, send))


def station_answer(request: dict[str, Any], state: AgentState) -> bool:
    """The station's answer to the running test ({"test", "answer", "readings"}); False
    (and nothing changes) when that test is not the one running."""
    readings = request.get("readings")
    return state.desk.answer(
        str(request.get("test", "")),
        str(request.get("answer", "")),
        "station",
        readings if isinstance(readings, dict) else None,
    )


def _quiet(_path: str, _offset: int) -> None:
    pass


def resumable(state: AgentState) -> dict[str, Any]:
    """{"disks": [...]} with, on each disk whose pass a power cut stopped, "resume":
    {"offset", "stream"} read from the stick; {} without a stick."""
    if state.stick is None:
        return {}
    disks = []
    for disk in state.description.get("disks", []):
        found = saved_checkpoint(state.stick, str(disk.get("serial", "")), int(disk["size_bytes"]))
        disks.append({**disk, "resume": found} if found else disk)
    return {"disks": disks}


def erase(
    request: dict[str, Any], state: AgentState, send: Callable[[dict[str, Any]], None]
) -> dict[str, Any]:
    """Erases the disks the station names (erasure/agent_erase.py), sending progress
    frames on the way; the last answer carries one report per disk."""
    offered = [d["path"] for d in state.description.get("disks", [])]
    refusal = erase_order_refusal(request, offered)
    if refusal is not None:
        return {"ok": False, "error": refusal}
    state.progress = {}
    state.on_event("erasing")

    def tell(frame: dict[str, Any]) -> None:
        progress = frame.get("progress")
        if isinstance(progress, dict):
            state.progress = dict(progress)
            state.on_event("progress")
        send(frame)

    reports = erase_disks(
        request,
        state.data_dir,
        tell,
        stick=state.stick,
        on_checkpoint=(lambda _p, _o: state.on_event("checkpoint")) if state.stick else _quiet,
    )
    # The last progress frame may have been held back (at most one every few seconds): a disk
    # read back whole shows full.
    state.progress = {
        **state.progress,
        **{str(r["path"]): 1.0 for r in reports if isinstance(r, dict) and "verification" in r},
    }
    state.on_event("erased")
    return {"ok": True, "done": True, "disks": reports}


def write_image(
    request: dict[str, Any],
    state: AgentState,
    channel: Channel,
    send: Callable[[dict[str, Any]], None],
) -> dict[str, Any]:
    """Writes the image the station streams to the disk it names (install/agent_write.py),
    then reads it back; the last answer carries the report. Frames go out through `send`
    (one sender at a time: a guided test may be talking too)."""
    offered = [d["path"] for d in state.description.get("disks", [])]
    try:
        order = read_order(request, offered)
        check_target(order, state.data_dir)
    except WriteRefused as exc:
        return {"ok": False, "error": str(exc)}
    except BenchError as exc:
        return {"ok": False, "error": f"{exc.code}: {exc.message.en}"[:300]}
    send({"ok": True, "ready": True})
    state.on_event("imaging")
    try:
        report = write_through(order, channel.receive_bytes, send, state.data_dir)
    except WriteRefused as exc:
        if not isinstance(exc, StationStopped):
            drain(channel.receive_bytes)
        return {"ok": False, "error": str(exc)[:300]}
    state.on_event("imaged")
    return {"ok": True, "done": True, "report": report}


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
