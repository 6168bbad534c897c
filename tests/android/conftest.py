"""Simulated phones on loopback, reached by the project's real ADB driver."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from adb_shell.auth.sign_cryptography import CryptographySigner

from bench_app.devices.android.driver import AdbTarget, AndroidPhone
from bench_app.devices.android.keys import station_signer
from bench_app.simulators.adb_phone import AdbSimulator, load_persona
from bench_app.simulators.mode import SimulationMode


@pytest.fixture(scope="session")
def signer(tmp_path_factory: pytest.TempPathFactory) -> CryptographySigner:
    """One station key for the session (making RSA keys is slow)."""
    return station_signer(tmp_path_factory.mktemp("station-key"))


@pytest.fixture
def start_phone(
    signer: CryptographySigner,
) -> Iterator[Callable[..., tuple[AdbSimulator, AndroidPhone]]]:
    started: list[tuple[AdbSimulator, AndroidPhone]] = []

    def start(
        persona: str, timeout_s: float = 10.0, **flags: Any
    ) -> tuple[AdbSimulator, AndroidPhone]:
        loaded = load_persona(persona)
        sim = AdbSimulator(
            loaded,
            behaviour=loaded.behaviour.with_flags(accept_delay=0.05, **flags),
            mode=SimulationMode.TEST,
        )
        port = sim.start()
        phone = AndroidPhone(
            AdbTarget(host="127.0.0.1", port=port),
            signer,
            command_timeout_s=timeout_s,
            auth_timeout_s=timeout_s,
        )
        started.append((sim, phone))
        return sim, phone

    yield start
    for sim, phone in started:
        phone.close()
        sim.close()


@pytest.fixture
def data_folder(data_dir: Path) -> Path:
    return data_dir
