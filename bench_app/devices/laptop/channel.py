"""The channel between a laptop's agent and the station: a pairing code turned into shared
keys by SPAKE2, then length-prefixed frames sealed with ChaCha20-Poly1305.

Why SPAKE2 (the `spake2` package, pure Python over `cryptography`): the pairing code is
short (6 digits), so it must never be checkable offline. With a plain X25519 exchange
confirmed by an HMAC keyed with the code, a man in the middle who runs the exchange with
each side learns a value he can test every code against at leisure. With a PAKE each
connection tests one guess only, and a passive capture tests none; the agent counts the
failed guesses and stops answering codes after `MAX_FAILED_PAIRINGS`.

The handshake (each message is one frame holding canonical JSON):
    station → agent  {"v": 1, "pake": <SPAKE2 A message>}
    agent → station  {"pake": <SPAKE2 B message>, "confirm": HMAC(K, "agent" | transcript)}
    station → agent  {"confirm": HMAC(K, "station" | transcript)}
A wrong code gives each side a different K: the station sees the agent's confirmation fail
(PAIR_WRONG_CODE) and the agent, seeing none or a wrong one, counts a failure. Then each
direction has its own key and its own sequence number, which is the nonce: a frame
replayed, dropped, reordered or changed fails to open and the connection is closed.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import secrets
import socket
import struct
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from spake2 import SPAKE2_A, SPAKE2_B
from spake2.spake2 import SPAKEError

from bench_app.errors import BenchError

PROTOCOL = 1
CODE_DIGITS = 6
MAX_FAILED_PAIRINGS = 5
"""Wrong codes the agent takes before it stops pairing (one chance in 200 000 to guess)."""
MAX_FRAME = 16 * 1024 * 1024  # an inventory with its raw outputs is a few hundred KB
_ID_STATION = b"etabli-station"
_ID_AGENT = b"etabli-agent"
_BYTES_LABEL = b"etabli-bytes"  # the associated data of a raw frame (JSON ones: b"etabli")


def new_pairing_code() -> str:
    """A random code of CODE_DIGITS digits, read aloud or typed at the station."""
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def valid_pairing_code(code: str) -> bool:
    return len(code) == CODE_DIGITS and code.isascii() and code.isdigit()


class ChannelClosed(Exception):
    """The peer hung up, or sent something that is not a frame of this protocol."""


class FrameRefused(ChannelClosed):
    """A frame that does not open with the expected key and sequence number."""


def send_frame(sock: socket.socket, body: bytes) -> None:
    sock.sendall(struct.pack(">I", len(body)) + body)


def recv_frame(sock: socket.socket) -> bytes:
    size = struct.unpack(">I", _recv_exact(sock, 4))[0]
    if size > MAX_FRAME:
        raise ChannelClosed(f"frame of {size} bytes")
    return _recv_exact(sock, size)


def _recv_exact(sock: socket.socket, size: int) -> bytes:
    chunks = bytearray()
    while len(chunks) < size:
        chunk = sock.recv(min(size - len(chunks), 1 << 16))
        if not chunk:
            raise ChannelClosed("connection closed")
        chunks += chunk
    return bytes(chunks)


def _canonical(obj: Any) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _plain(sock: socket.socket) -> dict[str, Any]:
    try:
        obj = json.loads(recv_frame(sock))
    except ValueError as exc:
        raise ChannelClosed("not JSON") from exc
    if not isinstance(obj, dict):
        raise ChannelClosed("not an object")
    return obj


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(value: object) -> bytes:
    if not isinstance(value, str) or len(value) > 200:
        raise ChannelClosed("bad field")
    try:
        return base64.b64decode(value, validate=True)
    except ValueError as exc:
        raise ChannelClosed("bad base64") from exc


def _confirmation(key: bytes, side: bytes, transcript: bytes) -> bytes:
    return hmac.new(key, side + b"|" + transcript, hashlib.sha256).digest()


def _directional_keys(key: bytes, transcript: bytes) -> tuple[bytes, bytes]:
    """(station→agent key, agent→station key), each bound to this handshake."""
    okm = HKDF(
        algorithm=hashes.SHA256(), length=64, salt=hashlib.sha256(transcript).digest(),
        info=b"etabli laptop channel v1",
    ).derive(key)  # fmt: skip
    return okm[:32], okm[32:]


@dataclass
class Channel:
    """An open, paired connection: `send` and `receive` JSON objects, sealed."""

    sock: socket.socket
    send_key: bytes
    receive_key: bytes
    send_seq: int = 0
    receive_seq: int = 0
    _send_aead: ChaCha20Poly1305 = field(init=False, repr=False)
    _receive_aead: ChaCha20Poly1305 = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._send_aead = ChaCha20Poly1305(self.send_key)
        self._receive_aead = ChaCha20Poly1305(self.receive_key)

    def send(self, obj: dict[str, Any]) -> None:
        nonce = b"\0\0\0\0" + struct.pack(">Q", self.send_seq)
        self.send_seq += 1
        send_frame(self.sock, self._send_aead.encrypt(nonce, _canonical(obj), b"etabli"))

    def receive(self) -> dict[str, Any]:
        sealed = recv_frame(self.sock)
        nonce = b"\0\0\0\0" + struct.pack(">Q", self.receive_seq)
        try:
            plain = self._receive_aead.decrypt(nonce, sealed, b"etabli")
        except InvalidTag as exc:
            raise FrameRefused(f"frame {self.receive_seq} does not open") from exc
        self.receive_seq += 1
        try:
            obj = json.loads(plain)
        except ValueError as exc:
            raise FrameRefused("sealed frame is not JSON") from exc
        if not isinstance(obj, dict):
            raise FrameRefused("sealed frame is not an object")
        return obj

    def send_bytes(self, payload: bytes) -> None:
        """A sealed frame of raw bytes (an image's chunk): numbered with the JSON frames, and
        sealed under another label so that neither kind can pass for the other."""
        nonce = b"\0\0\0\0" + struct.pack(">Q", self.send_seq)
        self.send_seq += 1
        send_frame(self.sock, self._send_aead.encrypt(nonce, payload, _BYTES_LABEL))

    def receive_bytes(self) -> bytes:
        """The next frame, which must be one of raw bytes (`send_bytes`)."""
        sealed = recv_frame(self.sock)
        nonce = b"\0\0\0\0" + struct.pack(">Q", self.receive_seq)
        try:
            plain = self._receive_aead.decrypt(nonce, sealed, _BYTES_LABEL)
        except InvalidTag as exc:
            raise FrameRefused(f"frame {self.receive_seq} does not open") from exc
        self.receive_seq += 1
        return plain

    def close(self) -> None:
        """Hangs up; a thread waiting on this connection's next frame wakes (a close alone
        would leave it waiting until its timeout)."""
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()


def station_handshake(sock: socket.socket, code: str) -> Channel:
    """The station's side: pairs with the agent on `sock` using `code`. PAIR_WRONG_CODE when
    the agent's confirmation does not match (the code was wrong), PAIR_LOCKED when the agent
    takes no more codes, PAIR_FAILED when the peer is not an agent of this protocol."""
    pake = SPAKE2_A(code.encode(), idA=_ID_STATION, idB=_ID_AGENT)
    mine = pake.start()
    try:
        send_frame(sock, _canonical({"v": PROTOCOL, "pake": _b64(mine)}))
        answer = _plain(sock)
        if answer.get("refused") == "locked":
            raise BenchError("PAIR_LOCKED")
        theirs = _unb64(answer.get("pake"))
        try:
            key = pake.finish(theirs)
        except (SPAKEError, ValueError) as exc:
            raise ChannelClosed("bad SPAKE2 message") from exc
        transcript = mine + theirs
        if not hmac.compare_digest(
            _unb64(answer.get("confirm")), _confirmation(key, b"agent", transcript)
        ):
            raise BenchError("PAIR_WRONG_CODE")
        send_frame(sock, _canonical({"confirm": _b64(_confirmation(key, b"station", transcript))}))
    except (ChannelClosed, OSError) as exc:
        raise BenchError("PAIR_FAILED", detail=str(exc) or type(exc).__name__) from exc
    to_agent, to_station = _directional_keys(key, transcript)
    return Channel(sock, send_key=to_agent, receive_key=to_station)


def agent_handshake(sock: socket.socket, code: str) -> Channel | None:
    """The agent's side: the channel when the station proved it knows `code`, None when it
    did not (a wrong code: the caller counts it). Raises ChannelClosed for a peer that does
    not speak the protocol (not counted: it guessed nothing)."""
    hello = _plain(sock)
    if hello.get("v") != PROTOCOL:
        raise ChannelClosed("unknown protocol version")
    theirs = _unb64(hello.get("pake"))
    pake = SPAKE2_B(code.encode(), idA=_ID_STATION, idB=_ID_AGENT)
    mine = pake.start()
    try:
        key = pake.finish(theirs)
    except (SPAKEError, ValueError) as exc:
        raise ChannelClosed("bad SPAKE2 message") from exc
    transcript = theirs + mine
    send_frame(
        sock,
        _canonical({"pake": _b64(mine), "confirm": _b64(_confirmation(key, b"agent", transcript))}),
    )
    try:
        answer = _plain(sock)
        proof = _unb64(answer.get("confirm"))
    except ChannelClosed:
        return None  # the station saw our confirmation fail: its code was wrong
    if not hmac.compare_digest(proof, _confirmation(key, b"station", transcript)):
        return None
    to_agent, to_station = _directional_keys(key, transcript)
    return Channel(sock, send_key=to_station, receive_key=to_agent)


def refuse_locked(sock: socket.socket) -> None:
    """Tells a station the agent takes no more codes (after a hello it does not read)."""
    send_frame(sock, _canonical({"refused": "locked"}))
