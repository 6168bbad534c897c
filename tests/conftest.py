"""Set up once for every test: offscreen Qt, simulation allowed, a fresh data folder."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["ETABLI_TESTING"] = "1"

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


@pytest.fixture
def sim_source() -> SimulatedSource:
    """Simulated devices that work 50x faster than real ones."""
    return SimulatedSource(SimulationMode.TEST, Timing(scale=0.02))


@pytest.fixture
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
