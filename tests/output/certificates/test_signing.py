"""The station key and signed documents (bench_app/signing.py)."""

from __future__ import annotations

import base64
import hashlib
import json
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from bench_app.errors import BenchError
from bench_app.signing import (
    Keyring,
    StationKey,
    parse_public_key,
    parse_signed_json,
    public_pem,
    public_raw_base64,
    sign_document,
    trust_key_file,
    verify_envelope,
)
from bench_app.wire.canonical import canonical_json


def test_the_station_key_is_made_once_private_and_named_by_its_public_half(data_dir: Path) -> None:
    key = StationKey.load_or_create(data_dir)
    path = data_dir / "keys" / "station-ed25519.pem"
    assert key.path == path and stat.S_IMODE(path.stat().st_mode) == 0o600
    raw = key.public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    assert key.key_id == hashlib.sha256(raw).hexdigest()[:16]
    again = StationKey.load_or_create(data_dir)
    assert again.key_id == key.key_id
    assert not list((data_dir / "keys").glob("*.tmp"))


def test_a_damaged_station_key_is_reported_not_replaced(data_dir: Path) -> None:
    StationKey.load_or_create(data_dir)
    path = data_dir / "keys" / "station-ed25519.pem"
    path.write_text("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
    with pytest.raises(BenchError) as caught:
        StationKey.load_or_create(data_dir)
    assert caught.value.code == "KEY_STATION_UNREADABLE"
    assert path.read_text().startswith("-----BEGIN PRIVATE KEY-----\nAAAA")


def test_a_signed_document_verifies_and_any_change_to_it_does_not(data_dir: Path) -> None:
    key = StationKey.load_or_create(data_dir)
    ring = Keyring.for_station(data_dir)
    envelope = sign_document(key, {"result": "not_erased", "bytes": 10})
    assert verify_envelope(envelope, ring, source="x").key.source == "station"
    forged = json.loads(json.dumps(envelope))
    forged["document"]["result"] = "erased"
    with pytest.raises(BenchError) as caught:
        verify_envelope(forged, ring, source="x")
    assert caught.value.code == "SIGNATURE_INVALID"


def test_a_signed_file_must_be_exactly_canonical(data_dir: Path) -> None:
    key = StationKey.load_or_create(data_dir)
    ring = Keyring.for_station(data_dir)
    data = canonical_json(sign_document(key, {"a": 1}))
    assert parse_signed_json(data, ring, source="f").document == {"a": 1}
    pretty = json.dumps(json.loads(data), indent=1).encode()
    with pytest.raises(BenchError) as caught:
        parse_signed_json(pretty, ring, source="f")
    assert caught.value.code == "SIGNATURE_MALFORMED"


def test_an_unknown_key_is_named_and_trusting_its_file_accepts_it(
    data_dir: Path, tmp_path: Path
) -> None:
    other_folder = tmp_path / "other-station"
    other = StationKey.load_or_create(other_folder)
    envelope = sign_document(other, {"a": 1})
    with pytest.raises(BenchError) as caught:
        verify_envelope(envelope, Keyring.for_station(data_dir), source="f")
    assert caught.value.code == "SIGNATURE_KEY_UNKNOWN"
    assert other.key_id in caught.value.message.en
    # Raw base64 works as well as PEM.
    pub = tmp_path / "other.pub"
    pub.write_text(public_raw_base64(other.public) + "\n")
    trusted = trust_key_file(data_dir, pub)
    assert trusted.key_id == other.key_id
    assert Path(trusted.source).read_text() == public_pem(other.public)
    ring = Keyring.for_station(data_dir)
    assert verify_envelope(envelope, ring, source="f").key.key_id == other.key_id


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"hello",
        base64.b64encode(b"x" * 31),
        b"-----BEGIN PUBLIC KEY-----\nAAA\n-----END PUBLIC KEY-----",
    ],
)
def test_a_file_that_is_not_an_ed25519_public_key_is_refused(content: bytes) -> None:
    with pytest.raises(BenchError) as caught:
        parse_public_key(content, "k.pub")
    assert caught.value.code == "KEY_INVALID"


def test_reading_keys_never_creates_a_station_key(data_dir: Path) -> None:
    assert Keyring.for_station(data_dir).keys == {}
    assert not (data_dir / "keys" / "station-ed25519.pem").exists()
