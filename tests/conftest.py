"""Set up once for every test: offscreen Qt, simulation allowed, a fresh data folder."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from adb_shell.auth.sign_cryptography import CryptographySigner

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["ETABLI_TESTING"] = "1"
# Compiled modules go to a folder outside the source tree rather than nowhere: without
# them each `etabli` a test starts compiles the whole app again (0.4 s instead of 0.2 s).
if os.environ.pop("PYTHONDONTWRITEBYTECODE", None) and "PYTHONPYCACHEPREFIX" not in os.environ:
    os.environ["PYTHONPYCACHEPREFIX"] = str(Path(tempfile.gettempdir()) / "etabli-pycache")
if os.environ.get("PYTHONPYCACHEPREFIX"):
    sys.pycache_prefix = os.environ["PYTHONPYCACHEPREFIX"]
    sys.dont_write_bytecode = False

from bench_app.devices.android.keys import station_key_path, station_signer
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
def station_adb_key_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder holding the run's one station ADB key pair (making an RSA key takes
    about 0.1 s of CPU): `give_station_key` copies it into a test's own data folder."""
    folder = tmp_path_factory.mktemp("station-adb-key")
    station_signer(folder)
    return folder


@pytest.fixture(scope="session")
def station_adb_key(station_adb_key_folder: Path) -> CryptographySigner:
    """One station ADB key for the whole run (making an RSA key takes a while)."""
    return station_signer(station_adb_key_folder)


def give_station_key(key_folder: Path, data_folder: Path) -> None:
    """Puts the run's station ADB key pair where the station in `data_folder` looks for its
    own, as the station itself keeps it (folder 0700, private key 0600)."""
    source, target = station_key_path(key_folder), station_key_path(data_folder)
    target.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(target.parent, 0o700)
    for suffix in ("", ".pub"):
        shutil.copy2(source.with_suffix(suffix), target.with_suffix(suffix))


@pytest.fixture
def sim_source(station_adb_key: CryptographySigner) -> SimulatedSource:
    """Simulated ADB phones reached with the station's key, and drives 50x faster than real."""
    return SimulatedSource(SimulationMode.TEST, Timing(scale=0.02), adb_signer=station_adb_key)


@pytest.fixture
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
