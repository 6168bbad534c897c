"""The address typed for a phone over Wi-Fi: checked before anything is tried, then tried
once through the real ADB driver against a simulated phone on a local port."""

from __future__ import annotations

import socket
from collections.abc import Callable

import pytest
from adb_shell.auth.sign_cryptography import CryptographySigner

from bench_app.devices.android.driver import AdbTarget, AndroidPhone, PhoneState
from bench_app.devices.android.network import parse_address, reach_phone
from bench_app.errors import BenchError
from bench_app.simulators.adb_phone import AdbSimulator


@pytest.mark.parametrize(
    ("text", "host", "port"),
    [
        ("192.168.1.20:5555", "192.168.1.20", 5555),
        ("  10.0.0.7:40215 ", "10.0.0.7", 40215),
        ("[fe80::1]:37000", "fe80::1", 37000),
        ("phone.local:5555", "phone.local", 5555),
    ],
)
def test_addresses_as_phones_show_them(text: str, host: str, port: int) -> None:
    assert parse_address(text) == AdbTarget(host=host, port=port)


@pytest.mark.parametrize(
    "text", ["", "192.168.1.20", "192.168.1.20:", ":5555", "1.2.3.4:99999", "pas une adresse:1"]
)
def test_a_wrong_address_is_said_plainly(text: str) -> None:
    with pytest.raises(BenchError) as caught:
        parse_address(text)
    assert caught.value.code == "PHONE_ADDRESS_INVALID"
    assert caught.value.message.fr.startswith("Adresse incorrecte")


def test_a_simulated_phone_on_a_local_port_is_reached(
    start_phone: Callable[..., tuple[AdbSimulator, AndroidPhone]], signer: CryptographySigner
) -> None:
    sim, _ = start_phone("google-pixel-6")
    state = reach_phone(AdbTarget(host="127.0.0.1", port=sim.port), signer, timeout_s=10)
    # Either it trusts the station already, or it asked its user: a phone answered.
    assert state in (PhoneState.DEVICE, PhoneState.UNAUTHORIZED)
    assert sim.offered_keys or state is PhoneState.DEVICE


def test_nobody_listening_is_no_phone(signer: CryptographySigner) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    with pytest.raises(BenchError) as caught:
        reach_phone(AdbTarget(host="127.0.0.1", port=port), signer, timeout_s=2)
    assert caught.value.code == "PHONE_ADDRESS_NO_ANSWER"
    assert f"127.0.0.1:{port}" in caught.value.message.fr


def test_a_port_that_speaks_no_adb_is_no_phone(signer: CryptographySigner) -> None:
    """A web server or anything else on that port: no phone there."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        port = int(server.getsockname()[1])
        with pytest.raises(BenchError) as caught:
            reach_phone(AdbTarget(host="127.0.0.1", port=port), signer, timeout_s=1)
    assert caught.value.code == "PHONE_ADDRESS_NO_ANSWER"
