"""One data folder seeded once with real facts (a donor's lot, a laptop, a drive erased and
verified) and the real files made from it (its certificate, a bundle, its public key). Each
bad-input example runs on a fresh copy, then `etabli db check` must pass and every seeded
fact must still be there, unchanged."""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bench_app import beneficiaries
from bench_app.devices.drives.handle import DriveHandle
from bench_app.domain.model import DeviceKind, DonorKind, JobState
from bench_app.settings import Settings
from bench_app.station import Station
from bench_app.store.database import DB_NAME
from tests.devices_drives.conftest import make_image
from tests.unit.support import finish

MiB = 1 << 20
REPO = Path(__file__).resolve().parents[2]
CLI = [sys.executable, "-m", "bench_app.commands.main"]
# The image the seeded erasure wrote: its serial is its name, "disk-SEED".
SEED_IMAGE = "disk-SEED.img"
SEEDED_BENEFICIARY = "DOS-SEED"  # a person on record: adding them again is refused


@dataclass(frozen=True)
class Seeded:
    """The seeded data folder and what was made from it."""

    folder: Path
    files: Path  # certificate.pdf, bundle.etabli, station.pub
    asset: str  # the erased drive's asset code
    laptop: str  # a laptop at intake (never inventoried)
    lot: str
    events: frozenset[tuple[str, str]]  # (id, hash) of every seeded fact

    def __repr__(self) -> str:  # Hypothesis prints it with each failing example
        return f"Seeded({self.folder}, {len(self.events)} facts)"

    def values(self) -> dict[str, str]:
        return {"asset": self.asset, "laptop": self.laptop, "lot": self.lot}


def child_env(data: Path, home: Path) -> dict[str, str]:
    """The environment of a command under test: this worktree's code, its own data folder."""
    env = dict(os.environ)
    env.update(
        {
            "PYTHONPATH": str(REPO),
            "ETABLI_DATA_DIR": str(data),
            "ETABLI_TESTING": "1",
            "ETABLI_OPERATOR": "bad-input-suite",
            "HOME": str(home),
            "XDG_DATA_HOME": str(home / "xdg-data"),
            "XDG_CONFIG_HOME": str(home / "xdg-config"),
            "QT_QPA_PLATFORM": "offscreen",
        }
    )
    env.pop("ETABLI_HUB_DB", None)
    return env


def run_cli(argv: list[str], env: dict[str, str], timeout: float = 120) -> str:
    done = subprocess.run(
        [*CLI, *argv], env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert done.returncode == 0, (argv, done.stdout, done.stderr)
    return done.stdout


def stored_events(folder: Path) -> frozenset[tuple[str, str]]:
    """(id, hash) of every fact in the folder's event log, read without the store's code."""
    conn = sqlite3.connect(f"file:{folder / DB_NAME}?mode=ro", uri=True)
    try:
        return frozenset(
            (str(r[0]), str(r[1])) for r in conn.execute("SELECT id, hash FROM events")
        )
    finally:
        conn.close()


def db_check(folder: Path) -> tuple[int, str]:
    """`etabli db check` on the folder (in this process: the bad command ran in its own)."""
    from bench_app.commands.main import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        rc = main(["db", "check", "--data-dir", str(folder)])
    return rc, out.getvalue()


@pytest.fixture(scope="session")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Seeded]:
    root = tmp_path_factory.mktemp("bad-input-seed")
    folder, files, home = root / "data", root / "files", root / "home"
    files.mkdir()
    home.mkdir()
    Settings(organisation="Atelier Solidaire du Rhône", station_name="Poste 1").save(folder)
    station = Station(folder, operator="seed")
    try:
        donor = station.register_donor("Mairie de Lyon", DonorKind.PUBLIC_BODY)
        lot = station.register_lot(donor, agreement_ref="CONV-2026-01", expected_count=2)
        laptop = station.register_device(
            DeviceKind.LAPTOP, brand="Lenovo", model="T480", serial="PF-SEED", lot_id=lot
        )
        image = make_image(root / SEED_IMAGE, 2 * MiB)
        drive = station.device_connected(DriveHandle(str(image)))
        station.attach_to_lot(drive.id, lot)
        job = station.start_job(
            drive.id,
            "drive.erase",
            {"method": "clear-zero", "verify": "full", "confirm_serial": "SEED"},
        )
        assert finish(job) is JobState.SUCCEEDED
        erased = station.device(drive.id)
        assert erased is not None
        beneficiaries.add(
            station.store, SEEDED_BENEFICIARY, name="Camille Seed", operator="seed", training=False
        )
    finally:
        station.close()
    env = child_env(folder, home)
    run_cli(["certificate", erased.asset_code, "-o", str(files / "certificate.pdf")], env)
    # The bundle comes from another station (a donor registered there): whole and signed,
    # yet refused here and at the hub, whose keys and stations do not include it.
    other = root / "other-station"
    with contextlib.closing(Station(other, operator="other")) as elsewhere:
        elsewhere.register_donor("Collège Jean Moulin", DonorKind.PUBLIC_BODY)
    run_cli(["bundle", "export", str(files / "bundle.etabli")], child_env(other, home))
    run_cli(["keys", "export-public", "-o", str(files / "station.pub")], env)
    events = stored_events(folder)
    assert len(events) >= 8
    yield Seeded(folder, files, erased.asset_code, laptop.asset_code, lot, events)
    shutil.rmtree(root, ignore_errors=True)
