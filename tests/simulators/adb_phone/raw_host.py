"""A bare-bones ADB host for protocol tests: raw messages over a socket, real RSA keys."""

from __future__ import annotations

import socket
import struct

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa, utils

from bench_app.simulators.adb_phone import protocol as p
from bench_app.simulators.adb_phone.auth import encode_android_public_key

TIMEOUT = 30.0  # seconds; only reached when something is broken


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def sign(key: rsa.RSAPrivateKey, token: bytes) -> bytes:
    """What adb's host does with a token: PKCS#1 v1.5 over it, taken as a SHA-1 digest."""
    return key.sign(token, padding.PKCS1v15(), utils.Prehashed(hashes.SHA1()))


class RawHost:
    """Sends and reads raw ADB messages; checks the device's header and checksum on every read."""

    def __init__(self, port: int, version: int = p.A_VERSION, max_payload: int = p.MAX_PAYLOAD):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
        self.version = version
        self.max_payload = max_payload
        self.last_check = 0

    def close(self) -> None:
        self.sock.close()

    def send(self, message: p.Message, *, with_checksum: bool = True) -> None:
        self.sock.sendall(message.pack(with_checksum=with_checksum))

    def send_raw(self, data: bytes) -> None:
        self.sock.sendall(data)

    def read(self) -> p.Message:
        raw = p.recv_exactly(self.sock, 24)
        command, arg0, arg1, length, check, magic = struct.unpack("<6I", raw)
        assert magic == command ^ 0xFFFFFFFF, "device sent a bad magic"
        data = p.recv_exactly(self.sock, length) if length else b""
        self.last_check = check
        return p.Message(command, arg0, arg1, data)

    def read_skipping_okay(self) -> p.Message:
        while True:
            m = self.read()
            if m.command != p.A_OKAY:
                return m

    def connect(self, key: rsa.RSAPrivateKey | None) -> p.Message:
        """CNXN, then sign the token with `key` (or offer it); returns the device's CNXN."""
        self.send(p.Message(p.A_CNXN, self.version, self.max_payload, b"host::\0"))
        reply = self.read()
        if reply.command == p.A_CNXN:
            return reply
        assert reply.command == p.A_AUTH and reply.arg0 == p.AUTH_TOKEN, reply
        assert key is not None, "device wants authentication"
        self.send(p.Message(p.A_AUTH, p.AUTH_SIGNATURE, 0, sign(key, reply.data)))
        reply = self.read()
        if reply.command == p.A_AUTH:
            pub = encode_android_public_key(key.public_key())
            self.send(p.Message(p.A_AUTH, p.AUTH_RSAPUBLICKEY, 0, pub))
            reply = self.read()
        assert reply.command == p.A_CNXN, reply
        return reply

    def shell(self, command: str, local_id: int = 1) -> bytes:
        """Runs a legacy `shell:` command to its CLSE and returns everything it printed."""
        self.send(p.Message(p.A_OPEN, local_id, 0, f"shell:{command}\0".encode()))
        opened = self.read()
        assert opened.command == p.A_OKAY and opened.arg1 == local_id, opened
        remote = opened.arg0
        out = bytearray()
        while True:
            m = self.read()
            if m.command == p.A_WRTE:
                out += m.data
                self.send(p.Message(p.A_OKAY, local_id, remote))
            elif m.command == p.A_CLSE:
                self.send(p.Message(p.A_CLSE, local_id, remote))
                return bytes(out)
