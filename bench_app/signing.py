"""The station's identity key and what it signs.

One Ed25519 key per station, made on first use in DATA/keys/station-ed25519.pem (mode 0600).
Its key id is the first 16 hex characters of the SHA-256 of the raw 32-byte public key, so a
key id names the same key on every machine. Erasure certificates are signed with it today;
sync will present the same key as the station's identity.

Signed documents are canonical JSON (`bench_app.wire.canonical.canonical_json`), so a
signature holds whatever program re-reads and re-writes the document. The public keys a
station trusts (the collective's, the other stations') sit in DATA/keys/trusted/*.pub, PEM
or raw base64.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from bench_app.errors import BenchError, folder_error
from bench_app.input_files import KEY_MAX, read_input
from bench_app.wire.canonical import canonical_json

KEYS_DIR = "keys"
STATION_KEY_NAME = "station-ed25519.pem"
TRUSTED_DIR = "trusted"
ALGORITHM = "Ed25519"
SIGNED_FORMAT = "etabli.signed/1"


# -- keys ---------------------------------------------------------------------------------------


def key_id(public: Ed25519PublicKey) -> str:
    """The first 16 hex characters of SHA-256 over the raw 32-byte public key."""
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def public_pem(public: Ed25519PublicKey) -> str:
    return public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")


def public_raw_base64(public: Ed25519PublicKey) -> str:
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode("ascii")


def keys_dir(data_folder: Path) -> Path:
    return Path(data_folder) / KEYS_DIR


@dataclass(frozen=True)
class StationKey:
    """The station's private key, with its public half and key id."""

    private: Ed25519PrivateKey
    path: Path

    # Cached: each certificate asks for the key id a few times, each a derivation and a hash.
    @functools.cached_property
    def public(self) -> Ed25519PublicKey:
        return self.private.public_key()

    @functools.cached_property
    def key_id(self) -> str:
        return key_id(self.public)

    def sign(self, message: bytes) -> bytes:
        return self.private.sign(message)

    @classmethod
    def load_or_create(cls, data_folder: Path) -> StationKey:
        """The station key of this data folder, made (mode 0600) the first time it is asked
        for. A damaged key file is reported, never silently replaced: certificates already
        signed name its key id."""
        folder = keys_dir(data_folder)
        path = folder / STATION_KEY_NAME
        if not path.exists():
            try:
                _create_key(folder, path)
            except OSError as exc:  # a read-only or full data folder: said plainly
                error = folder_error(exc, Path(data_folder))
                if error is None:
                    raise
                raise error from exc
        try:
            pem = read_input(path, limit=KEY_MAX)
            loaded = serialization.load_pem_private_key(pem, password=None)
        except (ValueError, TypeError, OSError) as exc:
            raise BenchError("KEY_STATION_UNREADABLE", path=str(path), detail=str(exc)) from exc
        if not isinstance(loaded, Ed25519PrivateKey):
            raise BenchError("KEY_STATION_UNREADABLE", path=str(path), detail="not an Ed25519 key")
        return cls(loaded, path)


def _create_key(folder: Path, path: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    tmp = folder / f".{STATION_KEY_NAME}.{os.getpid()}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, pem)
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        # A link never overwrites: two processes racing keep the first key made.
        os.link(tmp, path)
    except FileExistsError:
        pass
    finally:
        tmp.unlink()


def parse_public_key(data: bytes, source: str) -> Ed25519PublicKey:
    """An Ed25519 public key from PEM (SubjectPublicKeyInfo) or from the raw 32 bytes in
    base64; BenchError(KEY_INVALID) for anything else."""
    text = data.strip()
    try:
        if text.startswith(b"-----BEGIN"):
            key = serialization.load_pem_public_key(text)
            if not isinstance(key, Ed25519PublicKey):
                raise ValueError("not an Ed25519 key")
            return key
        raw = base64.b64decode(text, validate=True)
        if len(raw) != 32:
            raise ValueError(f"{len(raw)} bytes where an Ed25519 key has 32")
        return Ed25519PublicKey.from_public_bytes(raw)
    except (ValueError, TypeError, binascii.Error) as exc:
        raise BenchError("KEY_INVALID", path=source, detail=str(exc)) from exc


@dataclass(frozen=True)
class TrustedKey:
    key_id: str
    public: Ed25519PublicKey
    source: str  # "station" for this station's own key, else the file it came from


class Keyring:
    """The public keys a verifier accepts, by key id."""

    def __init__(self, keys: list[TrustedKey] | None = None) -> None:
        self.keys: dict[str, TrustedKey] = {}
        for k in keys or []:
            self.add(k)

    def add(self, key: TrustedKey) -> None:
        self.keys.setdefault(key.key_id, key)

    def get(self, kid: str) -> TrustedKey | None:
        return self.keys.get(kid)

    @classmethod
    def for_station(cls, data_folder: Path, *, own: bool = True) -> Keyring:
        """The station's own public key (when it has one; none is made just for reading)
        and every DATA/keys/trusted/*.pub. A trusted file that cannot be read is reported."""
        ring = cls()
        folder = keys_dir(data_folder)
        if own and (folder / STATION_KEY_NAME).exists():
            mine = StationKey.load_or_create(data_folder)
            ring.add(TrustedKey(mine.key_id, mine.public, "station"))
        trusted = folder / TRUSTED_DIR
        if trusted.is_dir():
            for path in sorted(trusted.glob("*.pub")):
                try:
                    data = read_input(path, limit=KEY_MAX)
                except OSError as exc:
                    raise BenchError(
                        "KEY_INVALID", path=str(path), detail=exc.strerror or ""
                    ) from exc
                public = parse_public_key(data, str(path))
                ring.add(TrustedKey(key_id(public), public, str(path)))
        return ring

    def add_file(self, path: Path) -> TrustedKey:
        try:
            data = read_input(path, limit=KEY_MAX)
        except OSError as exc:
            raise BenchError("KEY_INVALID", path=str(path), detail=exc.strerror or "") from exc
        public = parse_public_key(data, str(path))
        key = TrustedKey(key_id(public), public, str(path))
        self.add(key)
        return key


def trust_key_file(data_folder: Path, source: Path) -> TrustedKey:
    """Checks a public key file and keeps it as DATA/keys/trusted/KEYID.pub (PEM)."""
    try:
        data = read_input(source, limit=KEY_MAX)
    except OSError as exc:
        raise BenchError("KEY_INVALID", path=str(source), detail=exc.strerror or "") from exc
    public = parse_public_key(data, str(source))
    folder = keys_dir(data_folder) / TRUSTED_DIR
    folder.mkdir(parents=True, exist_ok=True)
    kid = key_id(public)
    target = folder / f"{kid}.pub"
    tmp = folder / f".{kid}.pub.tmp"
    tmp.write_text(public_pem(public), encoding="ascii")
    os.replace(tmp, target)
    return TrustedKey(kid, public, str(target))


# -- signed documents ---------------------------------------------------------------------------


def sign_document(key: StationKey, document: dict[str, Any]) -> dict[str, Any]:
    """An envelope {format, document, signature: {alg, key_id, value}} whose signature is
    Ed25519 over canonical_json(document). The envelope itself is canonical JSON too."""
    message = canonical_json(document)
    return {
        "format": SIGNED_FORMAT,
        "document": document,
        "signature": {
            "alg": ALGORITHM,
            "key_id": key.key_id,
            "value": base64.b64encode(key.sign(message)).decode("ascii"),
        },
    }


@dataclass(frozen=True)
class Verified:
    document: dict[str, Any]
    key: TrustedKey


def verify_envelope(envelope: Any, keyring: Keyring, *, source: str) -> Verified:
    """Checks an envelope made by `sign_document` against the keyring; BenchError
    (SIGNATURE_MALFORMED, SIGNATURE_KEY_UNKNOWN or SIGNATURE_INVALID) otherwise."""
    try:
        if not isinstance(envelope, dict) or envelope.get("format") != SIGNED_FORMAT:
            raise ValueError("not an Établi signed document")
        document = envelope["document"]
        signature = envelope["signature"]
        if not isinstance(document, dict) or not isinstance(signature, dict):
            raise ValueError("document or signature missing")
        if signature.get("alg") != ALGORITHM:
            raise ValueError(f"unknown algorithm {signature.get('alg')!r}")
        kid = signature["key_id"]
        value = base64.b64decode(signature["value"], validate=True)
        message = canonical_json(document)
    except (KeyError, TypeError, ValueError, binascii.Error) as exc:
        raise BenchError("SIGNATURE_MALFORMED", path=source, detail=str(exc)) from exc
    key = keyring.get(str(kid))
    if key is None:
        raise BenchError("SIGNATURE_KEY_UNKNOWN", path=source, key_id=str(kid))
    try:
        key.public.verify(value, message)
    except InvalidSignature:
        raise BenchError("SIGNATURE_INVALID", path=source, key_id=str(kid)) from None
    return Verified(document, key)


def parse_signed_json(data: bytes, keyring: Keyring, *, source: str) -> Verified:
    """A signed file as written by `etabli report erasure`: the bytes must be exactly the
    canonical form of the envelope (so no byte can change unnoticed) and its signature must
    verify."""
    try:
        envelope = json.loads(data.decode("utf-8"))
        canonical = canonical_json(envelope)
    except RecursionError:  # nested deeper than any document this bench signs
        raise BenchError("SIGNATURE_MALFORMED", path=source, detail="nested too deeply") from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise BenchError("SIGNATURE_MALFORMED", path=source, detail=str(exc)) from exc
    if canonical != data:
        raise BenchError(
            "SIGNATURE_MALFORMED", path=source, detail="the bytes are not in canonical form"
        )
    return verify_envelope(envelope, keyring, source=source)
