"""Set up once for every test: offscreen Qt, simulation allowed, a fresh data folder."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from adb_shell.auth.sign_cryptography import CryptographySigner

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["ETABLI_TESTING"] = "1"

from bench_app.devices.android.keys import station_signer
from bench_app.simulators.mode import SimulationMode
from bench_app.simulators.source import SimulatedSource, Timing
from bench_app.station import Station

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own station data folder; nothing touches the user's real one."""
    folder = tmp_path / "station-data"
    monkeypatch.setenv("ETABLI_DATA_DIR", str(folder))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))  # training drives' images
    return folder


@pytest.fixture
def station(data_dir: Path) -> Iterator[Station]:
    st = Station(data_dir, training=False, operator="test-operator")
    yield st
    st.close()


@pytest.fixture
def training_station(data_dir: Path) -> Iterator[Station]:
    st = Station(data_dir, training=True, operator="trainer")
    yield st
    st.close()


@pytest.fixture(scope="session")
def station_adb_key(tmp_path_factory: pytest.TempPathFactory) -> CryptographySigner:
    """One station ADB key for the whole run (making an RSA key takes a while)."""
    return station_signer(tmp_path_factory.mktemp("station-adb-key"))


@pytest.fixture
def sim_source(station_adb_key: CryptographySigner) -> SimulatedSource:
    """Simulated ADB phones reached with the station's key, and drives 50x faster than real."""
    return SimulatedSource(SimulationMode.TEST, Timing(scale=0.02), adb_signer=station_adb_key)


@pytest.fixture
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
