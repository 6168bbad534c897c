"""Simulated phones in sideload mode, Debian's adb and the station's key for the tests."""

from __future__ import annotations

import io
import os
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from adb_shell.auth.sign_cryptography import CryptographySigner

from bench_app.devices.android.driver import AdbTarget, AndroidPhone
from bench_app.devices.android.keys import station_signer
from bench_app.simulators.adb_phone import AdbSimulator, load_persona
from tests.simulators.adb_phone.conftest import adb_server  # noqa: F401 - the shared adb fixture

StartSim = Callable[..., tuple[AdbSimulator, AndroidPhone]]


@pytest.fixture(scope="session")
def signer(tmp_path_factory: pytest.TempPathFactory) -> CryptographySigner:
    return station_signer(tmp_path_factory.mktemp("station-key"))


@pytest.fixture
def start_sim(signer: CryptographySigner) -> Iterator[StartSim]:
    """Starts a simulated phone (with behaviour flags) and the driver handle that reaches it."""
    started: list[tuple[AdbSimulator, AndroidPhone]] = []

    def start(persona: str, **flags: Any) -> tuple[AdbSimulator, AndroidPhone]:
        loaded = load_persona(persona)
        behaviour = loaded.behaviour.with_flags(accept_delay=0.05, boot_delay=0.1, **flags)
        sim = AdbSimulator(loaded, behaviour=behaviour)
        port = sim.start()
        phone = AndroidPhone(AdbTarget(host="127.0.0.1", port=port), signer)
        started.append((sim, phone))
        return sim, phone

    yield start
    for sim, phone in started:
        phone.close()
        sim.close()


def make_package(path: Path, payload_bytes: int) -> bytes:
    """An update package as recoveries expect: a zip with its metadata and a payload."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("META-INF/com/android/metadata", "ota-type=BLOCK\npre-device=test\n")
        archive.writestr("payload.bin", os.urandom(payload_bytes))
        archive.writestr("payload_properties.txt", "FILE_HASH=x\n")
    path.write_bytes(buffer.getvalue())
    return buffer.getvalue()
