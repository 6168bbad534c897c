"""The `adb-shell` library (what the bench's own driver builds on) against the simulator."""

from __future__ import annotations

import hashlib
import os
import socket
from collections.abc import Callable
from pathlib import Path

import pytest
from adb_shell.adb_device import AdbDeviceTcp
from adb_shell.auth.sign_cryptography import CryptographySigner
from adb_shell.auth.sign_pythonrsa import PythonRSASigner

from bench_app.simulators.adb_phone import AdbSimulator
from bench_app.simulators.adb_phone.persona import parse_getprop
from tests.simulators.adb_phone.support import wait_until

SimFactory = Callable[..., AdbSimulator]


def connect(sim: AdbSimulator, signer: object, **kwargs: float) -> AdbDeviceTcp:
    device = AdbDeviceTcp("127.0.0.1", sim.port, default_transport_timeout_s=30.0)
    assert device.connect(rsa_keys=[signer], auth_timeout_s=30.0, **kwargs)
    return device


@pytest.mark.parametrize("name", ["motorola-moto-e5-plus", "fairphone-4"])
def test_connect_and_shell(start_sim: SimFactory, signer: CryptographySigner, name: str) -> None:
    sim = start_sim(name)
    device = connect(sim, signer)
    try:
        assert parse_getprop(str(device.shell("getprop"))) == sim.persona.props
        assert (
            device.shell("getprop ro.build.version.release") == sim.persona.android_release + "\n"
        )
        assert device.shell("echo hello; exit 3") == "hello\n"
        assert device.shell("which su") == ""
    finally:
        device.close()


def test_python_rsa_signer_is_accepted_too(start_sim: SimFactory, host_key_path: Path) -> None:
    sim = start_sim("google-pixel-6")
    signer = PythonRSASigner.FromRSAKeyPath(str(host_key_path))
    device = connect(sim, signer)
    try:
        assert device.shell("getprop ro.product.model") == "Pixel 6\n"
    finally:
        device.close()


def test_push_pull_stat_list(
    start_sim: SimFactory, signer: CryptographySigner, tmp_path: Path
) -> None:
    sim = start_sim("samsung-galaxy-s9")
    data = os.urandom(1024 * 1024 + 17)
    source, back = tmp_path / "in.bin", tmp_path / "out.bin"
    source.write_bytes(data)
    device = connect(sim, signer)
    try:
        device.push(str(source), "/data/local/tmp/in.bin", mtime=1_700_000_000)
        mode, size, mtime = device.stat("/data/local/tmp/in.bin")
        assert (size, mtime) == (len(data), 1_700_000_000)
        assert mode & 0o170000 == 0o100000
        device.pull("/data/local/tmp/in.bin", str(back))
        assert back.read_bytes() == data
        names = {entry.filename.decode() for entry in device.list("/sdcard/DCIM")}
        assert "Camera" in names
        assert device.stat("/sdcard/absent")[0] == 0
        expected = device.shell("sha256sum /data/local/tmp/in.bin").split()[0]
        assert expected == hashlib.sha256(data).hexdigest()
    finally:
        device.close()


def test_reboot_makes_the_phone_leave(start_sim: SimFactory, signer: CryptographySigner) -> None:
    sim = start_sim("fairphone-4")
    device = connect(sim, signer)
    try:
        device.reboot(fastboot=True)  # adb-shell's name for `reboot:bootloader`
    except Exception:  # the phone may cut the line before the client reads the close
        pass
    finally:
        device.close()
    wait_until(lambda: sim.gone, "the phone to reboot")
    assert sim.reboot_target == "bootloader"
    wait_until(lambda: sim.active_connections() == 0, "the phone to drop its connections")
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", sim.port), timeout=5).close()
