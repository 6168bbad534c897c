"""ADB public-key authentication, device side, with real RSA.

The host signs our 20-byte token as if it were a SHA-1 digest (PKCS#1 v1.5); an unknown host
then sends its public key in Android's mincrypt `RSAPublicKey` layout, base64, plus a comment.
"""

from __future__ import annotations

import base64
import binascii
import struct
import threading

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa, utils

TOKEN_SIZE = 20


class BadPublicKey(ValueError):
    """The AUTH RSAPUBLICKEY payload is not an Android RSA public key."""


def parse_android_public_key(payload: bytes) -> rsa.RSAPublicKey:
    """Decodes `base64(RSAPublicKey) [comment]\\0` into a public key; raises BadPublicKey."""
    text = payload.split(b"\0", 1)[0].strip()
    encoded = text.split(b" ", 1)[0]
    try:
        raw = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise BadPublicKey(f"not base64: {exc}") from exc
    if len(raw) < 8:
        raise BadPublicKey("too short")
    words = struct.unpack_from("<I", raw, 0)[0]
    expected = 4 + 4 + 4 * words * 2 + 4
    if words == 0 or words > 1024 or len(raw) != expected:
        raise BadPublicKey(f"{len(raw)} bytes for a {words}-word modulus")
    n = int.from_bytes(raw[8 : 8 + 4 * words], "little")
    exponent = struct.unpack_from("<I", raw, 8 + 8 * words)[0]
    try:
        return rsa.RSAPublicNumbers(exponent, n).public_key()
    except ValueError as exc:
        raise BadPublicKey(str(exc)) from exc


def encode_android_public_key(key: rsa.RSAPublicKey, comment: str = "sim@etabli") -> bytes:
    """The `adbkey.pub` form of a key (used by tests and by hosts we stand in for)."""
    numbers = key.public_numbers()
    words = (key.key_size + 31) // 32
    n0inv = (-pow(numbers.n, -1, 1 << 32)) % (1 << 32)
    rr = pow(2, 64 * words, numbers.n)
    raw = (
        struct.pack("<II", words, n0inv)
        + numbers.n.to_bytes(4 * words, "little")
        + rr.to_bytes(4 * words, "little")
        + struct.pack("<I", numbers.e)
    )
    return base64.b64encode(raw) + b" " + comment.encode() + b"\0"


def signature_is_valid(key: rsa.RSAPublicKey, token: bytes, signature: bytes) -> bool:
    """True only if `signature` is the PKCS#1 v1.5 signature of `token` as a SHA-1 digest."""
    try:
        key.verify(signature, token, padding.PKCS1v15(), utils.Prehashed(hashes.SHA1()))
    except (InvalidSignature, ValueError):
        return False
    return True


class TrustedKeys:
    """The host keys a simulated phone has said "Allow" to; shared by its connections."""

    def __init__(self, keys: list[rsa.RSAPublicKey] | None = None) -> None:
        self._lock = threading.Lock()
        self._keys: list[rsa.RSAPublicKey] = list(keys or [])

    def add(self, key: rsa.RSAPublicKey) -> None:
        with self._lock:
            if not any(_same(key, k) for k in self._keys):
                self._keys.append(key)

    def __contains__(self, key: object) -> bool:
        with self._lock:
            return isinstance(key, rsa.RSAPublicKey) and any(_same(key, k) for k in self._keys)

    def __len__(self) -> int:
        with self._lock:
            return len(self._keys)

    def signer_of(self, token: bytes, signature: bytes) -> rsa.RSAPublicKey | None:
        """The trusted key that made `signature` over `token`, if any."""
        with self._lock:
            keys = list(self._keys)
        return next((k for k in keys if signature_is_valid(k, token, signature)), None)


def _same(a: rsa.RSAPublicKey, b: rsa.RSAPublicKey) -> bool:
    return a.public_numbers() == b.public_numbers()
