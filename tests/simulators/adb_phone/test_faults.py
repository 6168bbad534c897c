"""Fault behaviours: a cable pulled mid-reply, noise on the line, a frozen daemon, a slow one."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from adb_shell.adb_device import AdbDeviceTcp
from adb_shell.auth.sign_cryptography import CryptographySigner
from adb_shell.exceptions import (
    AdbTimeoutError,
    InvalidChecksumError,
    InvalidCommandError,
    InvalidResponseError,
    TcpTimeoutException,
)

from bench_app.simulators.adb_phone import AdbSimulator, Behaviour, load_persona
from bench_app.simulators.adb_phone import protocol as p
from tests.simulators.adb_phone.raw_host import RawHost, new_key
from tests.simulators.adb_phone.support import wait_until

SimFactory = Callable[..., AdbSimulator]


def _device(sim: AdbSimulator, read_timeout: float = 30.0) -> AdbDeviceTcp:
    return AdbDeviceTcp("127.0.0.1", sim.port, default_transport_timeout_s=read_timeout)


def test_fault_personas_carry_their_flags() -> None:
    assert load_persona("unplugged-mid-command").behaviour.unplug_mid_command
    assert load_persona("garbage").behaviour.garbage
    assert load_persona("silent").behaviour.silent
    assert load_persona("slow").behaviour.slow == (1.0, 3.0)
    assert load_persona("unauthorized").behaviour.unauthorized
    assert load_persona("fairphone-4").behaviour == Behaviour()


def test_unplugged_mid_command_cuts_the_reply_in_half(start_sim: SimFactory) -> None:
    sim = start_sim("unplugged-mid-command")
    host = RawHost(sim.port)
    host.connect(new_key())
    host.send(p.Message(p.A_OPEN, 1, 0, b"shell:getprop\0"))
    remote = host.read().arg0
    first = host.read()
    assert first.command == p.A_WRTE
    full = sim.persona.getprop_text().encode()
    assert 0 < len(first.data) < len(full) and full.startswith(first.data)
    host.send(p.Message(p.A_OKAY, 1, remote))
    with pytest.raises(ConnectionError):
        host.read()  # no CLSE ever comes: the line is dead


def test_unplug_flag_works_on_any_persona_with_adb_shell(
    start_sim: SimFactory, signer: CryptographySigner
) -> None:
    sim = start_sim("google-pixel-6", unplug_mid_command=True)
    device = _device(sim, read_timeout=5.0)
    device.connect(rsa_keys=[signer], auth_timeout_s=30.0)
    # adb-shell reads a closed socket as a read that never completes.
    with pytest.raises((ConnectionError, AdbTimeoutError, TcpTimeoutException)):
        device.shell("getprop", read_timeout_s=5.0)
    wait_until(lambda: sim.active_connections() == 0, "the cut connection to go")
    device.close()


def test_garbage_is_a_protocol_error_and_the_daemon_keeps_serving(
    start_sim: SimFactory, signer: CryptographySigner
) -> None:
    sim = start_sim("garbage")
    for _ in range(2):  # a second client gets the same noise: the daemon is still there
        device = _device(sim)
        with pytest.raises((InvalidCommandError, InvalidResponseError, InvalidChecksumError)):
            device.connect(rsa_keys=[signer], auth_timeout_s=30.0)
        device.close()
    healthy = start_sim("fairphone-4", garbage=False)
    device = _device(healthy)
    assert device.connect(rsa_keys=[signer], auth_timeout_s=30.0)
    device.close()


def test_garbage_raw_bytes_are_not_adb(start_sim: SimFactory) -> None:
    sim = start_sim("samsung-galaxy-s24", garbage=True)
    host = RawHost(sim.port)
    host.send(p.Message(p.A_CNXN, p.A_VERSION, p.MAX_PAYLOAD, b"host::\0"))
    with pytest.raises(p.ProtocolError):
        p.unpack_header(p.recv_exactly(host.sock, 24))


def test_silent_phone_connects_then_times_out(
    start_sim: SimFactory, signer: CryptographySigner
) -> None:
    sim = start_sim("silent")
    device = _device(sim, read_timeout=1.0)
    assert device.connect(rsa_keys=[signer], auth_timeout_s=30.0)
    with pytest.raises((AdbTimeoutError, TcpTimeoutException)):
        device.shell("getprop ro.product.model", read_timeout_s=1.0)
    device.close()
    host = RawHost(sim.port)  # the daemon itself is alive: a new host still gets its banner
    assert host.connect(new_key()).data.startswith(b"device::")


def test_slow_phone_is_still_correct(
    start_sim: SimFactory, signer: CryptographySigner, tmp_path: Path
) -> None:
    sim = start_sim("slow", slow=(0.05, 0.2))
    device = _device(sim)
    assert device.connect(rsa_keys=[signer], auth_timeout_s=60.0)
    try:
        assert device.shell("getprop ro.product.model", read_timeout_s=60.0) == "SM-G960F\n"
        data = os.urandom(200_000)
        (tmp_path / "a").write_bytes(data)
        device.push(str(tmp_path / "a"), "/sdcard/a", read_timeout_s=60.0)
        device.pull("/sdcard/a", str(tmp_path / "b"), read_timeout_s=60.0)
        assert (tmp_path / "b").read_bytes() == data
    finally:
        device.close()


def test_flags_compose(start_sim: SimFactory) -> None:
    sim = start_sim("rooted", slow=(0.01, 0.02), unplug_mid_command=True)
    assert sim.behaviour.slow == (0.01, 0.02) and sim.behaviour.unplug_mid_command
    host = RawHost(sim.port)
    host.connect(new_key())
    host.send(p.Message(p.A_OPEN, 1, 0, b"shell:getprop\0"))
    remote = host.read().arg0
    assert host.read().command == p.A_WRTE
    host.send(p.Message(p.A_OKAY, 1, remote))  # the cable goes once the first half arrived
    wait_until(lambda: sim.active_connections() == 0, "the cut connection to go")
