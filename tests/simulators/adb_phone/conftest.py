"""Simulated phones, an isolated adb server per session, and host keys for the ADB tests."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from adb_shell.auth.keygen import keygen
from adb_shell.auth.sign_cryptography import CryptographySigner

from bench_app.simulators.adb_phone import AdbSimulator, load_persona
from tests.simulators.adb_phone.support import ADB_MISSING, AdbServer, free_port

PORT_ATTEMPTS = 5


@pytest.fixture(scope="session")
def adb_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AdbServer]:
    binary = shutil.which("adb")
    if binary is None:
        pytest.fail(ADB_MISSING)
    home = tmp_path_factory.mktemp("adb-home")
    env = dict(os.environ)
    env.update(
        HOME=str(home),
        ANDROID_SDK_HOME=str(home),
        ANDROID_USER_HOME=str(home / ".android"),
        ADB_VENDOR_KEYS=str(home / ".android"),
    )
    env.pop("ANDROID_SERIAL", None)
    # A free port can be taken by another program before adb binds it, even by another
    # adb server (which `start-server` would then silently use, and `kill-server` kill):
    # only a server that says it has just started is ours; otherwise try another port.
    for _ in range(PORT_ATTEMPTS):
        server = AdbServer(binary, free_port(), env)
        started = server.run("start-server")
        if started.returncode == 0 and "daemon started successfully" in started.stderr:
            break
    else:
        pytest.fail(f"no adb server of our own after {PORT_ATTEMPTS} ports: {started.stderr}")
    yield server
    server.run("kill-server")


@pytest.fixture(scope="session")
def host_key_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A host key pair made by adb-shell's own keygen (adbkey + adbkey.pub)."""
    path = tmp_path_factory.mktemp("adb-shell-key") / "adbkey"
    keygen(str(path))
    return path


@pytest.fixture(scope="session")
def signer(host_key_path: Path) -> CryptographySigner:
    return CryptographySigner(str(host_key_path))


@pytest.fixture
def start_sim() -> Iterator[Callable[..., AdbSimulator]]:
    """Starts simulators by persona name (with optional behaviour flags); stops them all after."""
    running: list[AdbSimulator] = []

    def start(name: str, **flags: object) -> AdbSimulator:
        persona = load_persona(name)
        behaviour = persona.behaviour.with_flags(accept_delay=0.05)
        if flags:
            behaviour = behaviour.with_flags(**flags)
        sim = AdbSimulator(persona, behaviour=behaviour)
        sim.start()
        running.append(sim)
        return sim

    yield start
    for sim in running:
        sim.close()
