"""ADB authentication with real RSA keys: sign, refuse, offer, remember."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from bench_app.simulators.adb_phone import AdbSimulator, load_persona
from bench_app.simulators.adb_phone import protocol as p
from bench_app.simulators.adb_phone.auth import (
    encode_android_public_key,
    parse_android_public_key,
    signature_is_valid,
)
from tests.simulators.adb_phone.raw_host import RawHost, new_key, sign
from tests.simulators.adb_phone.support import wait_until

SimFactory = Callable[..., AdbSimulator]


def test_adb_shell_public_key_file_parses_to_its_private_key(host_key_path: Path) -> None:
    private = serialization.load_pem_private_key(host_key_path.read_bytes(), password=None)
    assert isinstance(private, rsa.RSAPrivateKey)
    parsed = parse_android_public_key(Path(f"{host_key_path}.pub").read_bytes())
    assert parsed.public_numbers() == private.public_key().public_numbers()


def test_public_key_round_trip_and_signature_check() -> None:
    key = new_key()
    parsed = parse_android_public_key(encode_android_public_key(key.public_key()))
    assert parsed.public_numbers() == key.public_key().public_numbers()
    token = bytes(range(20))
    good = sign(key, token)
    assert signature_is_valid(parsed, token, good)
    assert not signature_is_valid(parsed, bytes(20), good)
    assert not signature_is_valid(parsed, token, good[:-1] + bytes([good[-1] ^ 1]))
    assert not signature_is_valid(parsed, token, sign(new_key(), token))


def _hello(host: RawHost) -> bytes:
    host.send(p.Message(p.A_CNXN, p.A_VERSION, p.MAX_PAYLOAD, b"host::\0"))
    token = host.read()
    assert (token.command, token.arg0, len(token.data)) == (p.A_AUTH, p.AUTH_TOKEN, 20)
    return token.data


def test_trusted_key_signature_is_accepted() -> None:
    key = new_key()
    with AdbSimulator(load_persona("fairphone-4"), trusted_keys=[key.public_key()]) as sim:
        host = RawHost(sim.port)
        token = _hello(host)
        host.send(p.Message(p.A_AUTH, p.AUTH_SIGNATURE, 0, sign(key, token)))
        assert host.read().command == p.A_CNXN


def test_wrong_signature_is_refused_with_a_new_token() -> None:
    key = new_key()
    with AdbSimulator(load_persona("fairphone-4"), trusted_keys=[key.public_key()]) as sim:
        host = RawHost(sim.port)
        token = _hello(host)
        host.send(p.Message(p.A_AUTH, p.AUTH_SIGNATURE, 0, sign(new_key(), token)))
        again = host.read()
        assert (again.command, again.arg0) == (p.A_AUTH, p.AUTH_TOKEN)
        assert again.data != token
        # The right key signing the *old* token is still refused: signatures are per token.
        host.send(p.Message(p.A_AUTH, p.AUTH_SIGNATURE, 0, sign(key, token)))
        assert host.read().arg0 == p.AUTH_TOKEN
        host.send(p.Message(p.A_AUTH, p.AUTH_SIGNATURE, 0, b"\0" * 256))
        last = host.read()
        assert last.arg0 == p.AUTH_TOKEN
        host.send(p.Message(p.A_AUTH, p.AUTH_SIGNATURE, 0, sign(key, last.data)))
        assert host.read().command == p.A_CNXN


def test_unknown_key_is_accepted_after_the_user_taps_allow_and_remembered(
    start_sim: SimFactory,
) -> None:
    sim = start_sim("samsung-galaxy-s9")
    key = new_key()
    assert key.public_key() not in sim.trusted
    RawHost(sim.port).connect(key)  # signature refused, public key offered, then accepted
    assert key.public_key() in sim.trusted
    host = RawHost(sim.port)
    token = _hello(host)
    host.send(p.Message(p.A_AUTH, p.AUTH_SIGNATURE, 0, sign(key, token)))
    assert host.read().command == p.A_CNXN  # second time: the signature alone is enough
    assert len(sim.offered_keys) == 1


def test_unauthorized_persona_never_accepts(start_sim: SimFactory) -> None:
    sim = start_sim("unauthorized")
    assert sim.behaviour.unauthorized
    key = new_key()
    host = RawHost(sim.port)
    token = _hello(host)
    host.send(p.Message(p.A_AUTH, p.AUTH_SIGNATURE, 0, sign(key, token)))
    assert host.read().arg0 == p.AUTH_TOKEN
    host.send(
        p.Message(p.A_AUTH, p.AUTH_RSAPUBLICKEY, 0, encode_android_public_key(key.public_key()))
    )
    wait_until(lambda: len(sim.offered_keys) == 1, "the key to reach the phone")
    # Messages are handled in order: a CNXN now gets a fresh token, never an accepted CNXN.
    host.send(p.Message(p.A_CNXN, p.A_VERSION, p.MAX_PAYLOAD, b"host::\0"))
    reply = host.read()
    assert (reply.command, reply.arg0) == (p.A_AUTH, p.AUTH_TOKEN)
    assert key.public_key() not in sim.trusted
    assert len(sim.trusted) == 0


def test_malformed_public_key_is_ignored_not_fatal(start_sim: SimFactory) -> None:
    sim = start_sim("fairphone-4")
    host = RawHost(sim.port)
    _hello(host)
    host.send(p.Message(p.A_AUTH, p.AUTH_RSAPUBLICKEY, 0, b"not base64 at all!!\0"))
    host.send(p.Message(p.A_AUTH, p.AUTH_RSAPUBLICKEY, 0, b"QUJD user@host\0"))
    host.send(p.Message(p.A_CNXN, p.A_VERSION, p.MAX_PAYLOAD, b"host::\0"))
    assert host.read().arg0 == p.AUTH_TOKEN
    assert len(sim.trusted) == 0 and sim.offered_keys == []


def test_commands_before_authentication_are_ignored(start_sim: SimFactory) -> None:
    sim = start_sim("fairphone-4")
    host = RawHost(sim.port)
    _hello(host)
    host.send(p.Message(p.A_OPEN, 1, 0, b"shell:getprop\0"))
    host.send(p.Message(p.A_CNXN, p.A_VERSION, p.MAX_PAYLOAD, b"host::\0"))
    reply = host.read()  # no OKAY for the OPEN came first
    assert (reply.command, reply.arg0) == (p.A_AUTH, p.AUTH_TOKEN)
