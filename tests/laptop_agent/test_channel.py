"""The pairing and the sealed channel on real sockets: the right code gives both sides the
same keys, a wrong one is refused by both, a frame changed, replayed or out of order does
not open, the agent stops taking codes after MAX_FAILED_PAIRINGS wrong ones, and a peer
that never paired gets nothing."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from bench_app.devices.laptop import channel as ch
from bench_app.devices.laptop.client import LaptopSession, split_address
from bench_app.errors import BenchError
from bench_app.laptop_agent import AgentServer, AgentState


def _pair(station_code: str, agent_code: str) -> tuple[Any, Any, socket.socket, socket.socket]:
    """(station's result, agent's result, station socket, agent socket) of one handshake."""
    a, b = socket.socketpair()
    a.settimeout(10)
    b.settimeout(10)
    agent_side: dict[str, Any] = {}

    def agent() -> None:
        agent_side["channel"] = ch.agent_handshake(b, agent_code)

    thread = threading.Thread(target=agent)
    thread.start()
    try:
        station: Any = ch.station_handshake(a, station_code)
    except BenchError as exc:
        station = exc
        a.close()  # the station hangs up, as LaptopSession.pair does
    thread.join(10)
    assert not thread.is_alive()
    return station, agent_side["channel"], a, b


def test_the_right_code_opens_a_channel_both_ways() -> None:
    station, agent, a, b = _pair("123456", "123456")
    try:
        assert isinstance(station, ch.Channel) and isinstance(agent, ch.Channel)
        assert station.send_key == agent.receive_key and station.receive_key == agent.send_key
        assert station.send_key != station.receive_key
        station.send({"op": "describe", "n": 1})
        assert agent.receive() == {"op": "describe", "n": 1}
        agent.send({"ok": True, "é": "portable"})
        assert station.receive() == {"ok": True, "é": "portable"}
    finally:
        a.close()
        b.close()


def test_a_wrong_code_is_refused_by_both_sides() -> None:
    station, agent, _a, b = _pair("123457", "123456")
    b.close()
    assert isinstance(station, BenchError) and station.code == "PAIR_WRONG_CODE"
    assert agent is None


def test_the_code_never_travels_and_each_pairing_differs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """What a listener captures holds neither the code nor anything fixed by it alone."""
    real_send = ch.send_frame
    seen = bytearray()

    def spying(sock: socket.socket, body: bytes) -> None:
        seen.extend(body)
        real_send(sock, body)

    monkeypatch.setattr(ch, "send_frame", spying)
    captured: list[bytes] = []
    for _ in range(2):
        seen.clear()
        a, b = socket.socketpair()
        try:
            t = threading.Thread(target=ch.agent_handshake, args=(b, "424242"))
            t.start()
            ch.station_handshake(a, "424242")
            t.join(10)
        finally:
            a.close()
            b.close()
        assert b"424242" not in seen and len(seen) > 100
        captured.append(bytes(seen))
    assert captured[0] != captured[1]


def _relay(station: ch.Channel, agent: ch.Channel, change: Any) -> None:
    """The station sends two frames; `change` gets the raw frames and hands on what the
    agent's socket receives instead."""
    out_a, in_a = socket.socketpair()
    spy = ch.Channel(out_a, station.send_key, station.receive_key)
    spy.send({"op": "describe"})
    spy.send({"op": "second"})
    first = ch.recv_frame(in_a)
    second = ch.recv_frame(in_a)
    out_a.close()
    in_a.close()
    for frame in change(first, second):
        ch.send_frame(station.sock, frame)


@pytest.fixture
def paired() -> Iterator[tuple[ch.Channel, ch.Channel]]:
    station, agent, a, b = _pair("555555", "555555")
    yield station, agent
    a.close()
    b.close()


def test_a_changed_frame_does_not_open(paired: tuple[ch.Channel, ch.Channel]) -> None:
    station, agent = paired

    def flip(first: bytes, second: bytes) -> list[bytes]:
        return [first[:5] + bytes([first[5] ^ 1]) + first[6:]]

    _relay(station, agent, flip)
    with pytest.raises(ch.FrameRefused):
        agent.receive()


def test_a_replayed_or_reordered_frame_does_not_open(
    paired: tuple[ch.Channel, ch.Channel],
) -> None:
    station, agent = paired
    _relay(station, agent, lambda first, second: [first, first])
    assert agent.receive() == {"op": "describe"}
    with pytest.raises(ch.FrameRefused):
        agent.receive()  # the same frame again: its sequence number is spent


def test_a_frame_skipped_ahead_does_not_open(paired: tuple[ch.Channel, ch.Channel]) -> None:
    station, agent = paired
    _relay(station, agent, lambda first, second: [second])
    with pytest.raises(ch.FrameRefused):
        agent.receive()


def test_a_frame_sealed_for_the_other_direction_does_not_open(
    paired: tuple[ch.Channel, ch.Channel],
) -> None:
    station, agent = paired
    reflected = ch.Channel(station.sock, agent.send_key, agent.receive_key)
    reflected.send({"ok": True})  # sealed with the agent's own sending key
    with pytest.raises(ch.FrameRefused):
        agent.receive()


@pytest.fixture
def server() -> Iterator[tuple[AgentServer, AgentState, str]]:
    description = {
        "identity": {
            "brand": "Dell",
            "model": "Latitude E5530",
            "serial": "7XK2PQ1",
            "kind": "laptop",
        },
        "inventory": {"system": {"serial": "7XK2PQ1"}},
        "disks": [],
    }
    state = AgentState("ab12cd34", "314159", description)
    srv = AgentServer(("127.0.0.1", 0), state)
    thread = threading.Thread(target=srv.serve_forever)
    thread.start()
    host, port = srv.server_address[:2]
    yield srv, state, f"{host!s}:{port}"
    srv.shutdown()
    srv.server_close()
    thread.join(10)


def _wait_for(state: AgentState, failed: int) -> None:
    """The agent counts a failure after the station has hung up: wait for that count."""
    done = threading.Event()
    state.on_event = lambda _what: done.set() if state.failed >= failed else None
    if state.failed < failed:
        assert done.wait(10)


def test_the_agent_takes_five_wrong_codes_then_none(
    server: tuple[AgentServer, AgentState, str],
) -> None:
    _srv, state, address = server
    for tries in range(1, ch.MAX_FAILED_PAIRINGS + 1):
        with pytest.raises(BenchError) as wrong:
            LaptopSession.pair(address, f"{tries:06d}")
        assert wrong.value.code == "PAIR_WRONG_CODE"
        _wait_for(state, tries)
    with pytest.raises(BenchError) as locked:
        LaptopSession.pair(address, "314159")  # even the right code, now
    assert locked.value.code == "PAIR_LOCKED"
    assert state.paired == 0


def test_the_right_code_reads_the_description(
    server: tuple[AgentServer, AgentState, str],
) -> None:
    _srv, state, address = server
    with LaptopSession.pair(address, "314159") as session:
        answer = session.ask("describe")
        with pytest.raises(BenchError) as unknown:
            session.ask("format-everything")
    assert answer["agent_id"] == "ab12cd34"
    assert answer["identity"]["serial"] == "7XK2PQ1"
    assert unknown.value.code == "AGENT_REFUSED"
    assert state.paired == 1 and state.failed == 0


def _said_before_hanging_up(sock: socket.socket) -> bytes:
    """What the agent sent before it hung up. It may hang up before our half-close (then
    shutdown finds the socket no longer connected) or with our bytes unread (a reset):
    both are a hang-up without a word."""
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_WR)
    said = b""
    try:
        while chunk := sock.recv(100):
            said += chunk
    except ConnectionResetError:
        pass
    return said


def test_an_unpaired_peer_gets_nothing_and_guesses_nothing(
    server: tuple[AgentServer, AgentState, str],
) -> None:
    _srv, state, address = server
    host, port = split_address(address)
    for junk in (b"GET / HTTP/1.1\r\n\r\n", b"\x00\x00\x00\x05hello", b"\x00\x00\x00\x02{}"):
        with socket.create_connection((host, port), timeout=10) as sock:
            sock.sendall(junk)
            assert _said_before_hanging_up(sock) == b""
    # A request sealed with made-up keys, as if paired: dropped, not answered.
    with socket.create_connection((host, port), timeout=10) as sock:
        fake = ch.Channel(sock, b"\1" * 32, b"\2" * 32)
        fake.send({"op": "describe"})
        assert _said_before_hanging_up(sock) == b""
    assert state.failed == 0 and state.paired == 0


@pytest.mark.parametrize("code", ["12345", "1234567", "12345a", "١٢٣٤٥٦", ""])
def test_a_code_that_is_not_six_digits_is_refused_before_connecting(code: str) -> None:
    with pytest.raises(BenchError) as refused:
        LaptopSession.pair("127.0.0.1:1", code)
    assert refused.value.code == "PAIR_CODE_INVALID"


@pytest.mark.parametrize("address", ["127.0.0.1", ":80", "host:0", "host:65536", "host:x"])
def test_an_address_without_a_port_is_refused(address: str) -> None:
    with pytest.raises(BenchError) as refused:
        split_address(address)
    assert refused.value.code == "PAIR_ADDRESS_INVALID"


def test_pairing_codes_are_six_random_digits() -> None:
    codes = {ch.new_pairing_code() for _ in range(200)}
    assert all(ch.valid_pairing_code(c) for c in codes)
    assert len(codes) > 190
