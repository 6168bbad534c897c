"""Debian's own `adb` client against the simulated phone: it must take it for a real one."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from bench_app.simulators.adb_phone import AdbSimulator
from bench_app.simulators.adb_phone.persona import parse_getprop
from tests.simulators.adb_phone.support import AdbServer

SimFactory = Callable[..., AdbSimulator]

# An Android 7 phone (checksummed v1 protocol) and an Android 14 one (checksums skipped).
PHONES = ["xiaomi-redmi-5a", "samsung-galaxy-s24"]


@pytest.mark.parametrize("name", PHONES)
def test_devices_lists_the_persona(adb_server: AdbServer, start_sim: SimFactory, name: str) -> None:
    sim = start_sim(name)
    try:
        fields = adb_server.connect(sim.serial)
        props = sim.persona.props
        assert fields[0] == "device"
        assert f"product:{props['ro.product.name']}" in fields
        # adb shows the model with anything but letters and digits turned into "_".
        assert f"model:{re.sub('[^A-Za-z0-9]', '_', props['ro.product.model'])}" in fields
        assert f"device:{props['ro.product.device']}" in fields
    finally:
        adb_server.run("disconnect", sim.serial)


@pytest.mark.parametrize("name", PHONES)
def test_shell_getprop(adb_server: AdbServer, start_sim: SimFactory, name: str) -> None:
    sim = start_sim(name)
    try:
        adb_server.connect(sim.serial)
        everything = adb_server.run("-s", sim.serial, "shell", "getprop")
        assert everything.returncode == 0, everything.stderr
        assert parse_getprop(everything.stdout) == sim.persona.props
        assert len(sim.persona.props) > 60
        model = adb_server.run("-s", sim.serial, "shell", "getprop", "ro.product.model")
        assert model.stdout == sim.persona.model + "\n"
        missing = adb_server.run("-s", sim.serial, "shell", "frobnicate", "--now")
        assert missing.stdout == "/system/bin/sh: frobnicate: not found\n"
    finally:
        adb_server.run("disconnect", sim.serial)


@pytest.mark.parametrize("name", PHONES)
def test_push_then_pull_round_trips_one_mebibyte(
    adb_server: AdbServer, start_sim: SimFactory, name: str, tmp_path: Path
) -> None:
    sim = start_sim(name)
    source = tmp_path / "random.bin"
    source.write_bytes(os.urandom(1024 * 1024))
    back = tmp_path / "back.bin"
    try:
        adb_server.connect(sim.serial)
        pushed = adb_server.run("-s", sim.serial, "push", str(source), "/sdcard/Download/r.bin")
        assert pushed.returncode == 0, pushed.stderr
        assert sim.phone.fs.read("/sdcard/Download/r.bin") == source.read_bytes()
        pulled = adb_server.run("-s", sim.serial, "pull", "/sdcard/Download/r.bin", str(back))
        assert pulled.returncode == 0, pulled.stderr
        assert back.read_bytes() == source.read_bytes()
        refused = adb_server.run("-s", sim.serial, "push", str(source), "/system/r.bin")
        assert refused.returncode != 0
        assert "Read-only file system" in refused.stderr + refused.stdout
        absent = adb_server.run("-s", sim.serial, "pull", "/sdcard/nope.bin", str(tmp_path))
        assert absent.returncode != 0
    finally:
        adb_server.run("disconnect", sim.serial)


def test_unauthorized_persona_shows_unauthorized(
    adb_server: AdbServer, start_sim: SimFactory
) -> None:
    sim = start_sim("unauthorized")
    try:
        fields = adb_server.connect(sim.serial, state="unauthorized")
        assert not any(f.startswith("model:") for f in fields)  # adb never got the banner
        shell = adb_server.run("-s", sim.serial, "shell", "getprop")
        assert shell.returncode != 0
        assert "unauthorized" in shell.stderr
        assert len(sim.offered_keys) == 1 and len(sim.trusted) == 0
    finally:
        adb_server.run("disconnect", sim.serial)


def test_key_accepted_once_is_remembered(adb_server: AdbServer, start_sim: SimFactory) -> None:
    sim = start_sim("oneplus-nord-n10")
    try:
        adb_server.connect(sim.serial)
        assert len(sim.trusted) == 1
        adb_server.run("disconnect", sim.serial)
        adb_server.connect(sim.serial)
        assert len(sim.offered_keys) == 1  # the second time, adb's signature sufficed
    finally:
        adb_server.run("disconnect", sim.serial)
