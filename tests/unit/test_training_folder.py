"""Training in its own folder, in real `etabli` processes: `--training` without --data-dir
works in the training folder beside the real one (…/etabli → …/etabli-formation) and leaves
the real database byte for byte; what a class does is marked as training; training devices
are never exported (eReuse) nor put in a real lot's certificate."""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from bench_app.domain.model import DeviceKind, DonorKind
from bench_app.output.certificates.assemble import lot_certificate
from bench_app.output.certificates.document import Issuer
from bench_app.settings import training_dir
from bench_app.station import Station
from bench_app.store import queries
from bench_app.store.database import DB_NAME
from tests.unit.support import wait_for

ROOT = Path(__file__).resolve().parents[2]


def _etabli(*args: str, real: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ETABLI_DATA_DIR": str(real), "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "bench_app.commands.main", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def real(tmp_path: Path) -> Path:
    """A real station's data folder with a real donor, lot and phone in it."""
    folder = tmp_path / "etabli"
    station = Station(folder, operator="Amina")
    try:
        donor = station.register_donor("La Poste", DonorKind.COMPANY)
        lot = station.register_lot(donor, agreement_ref="CONV-7")
        phone = station.register_device(DeviceKind.PHONE, serial="REAL-1")
        station.attach_to_lot(phone.id, lot)
    finally:
        station.close()
    return folder


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def test_the_training_folder_sits_beside_the_real_one(tmp_path: Path) -> None:
    assert training_dir(tmp_path / "etabli") == tmp_path / "etabli-formation"


@pytest.mark.parametrize("where", ["before", "after"])
def test_erasing_an_image_in_class_goes_to_the_training_folder_marked_training(
    real: Path, tmp_path: Path, where: str
) -> None:
    image = tmp_path / "classe-7F3A.img"
    image.write_bytes(os.urandom(1 << 20))
    before = _files(real)
    erase = ("erase", str(image), "--method", "clear-zero", "--confirm-serial", "7F3A")
    args = ("--training", *erase) if where == "before" else (*erase, "--training")

    done = _etabli(*args, real=real)

    assert done.returncode == 0, done.stderr
    assert image.read_bytes() == bytes(1 << 20)  # the image file was erased
    assert _files(real) == before  # the real store: not one byte changed
    training = tmp_path / "etabli-formation" / DB_NAME
    with sqlite3.connect(training) as conn:
        flags = {
            r[0] for r in conn.execute("SELECT training FROM events WHERE device_id IS NOT NULL")
        }
        erased = conn.execute("SELECT training FROM devices").fetchall()
    assert flags == {1} and erased == [(1,)]
    listed = _etabli("devices", "--training", real=real)
    assert "[formation]" in listed.stdout and "REAL-1" not in listed.stdout
    assert "REAL-1" in _etabli("devices", real=real).stdout


def test_an_explicit_data_folder_is_taken_as_given(real: Path, tmp_path: Path) -> None:
    chosen = tmp_path / "classroom"
    done = _etabli("--training", "devices", "--data-dir", str(chosen), real=real)
    assert done.returncode == 0, done.stderr
    assert (chosen / DB_NAME).exists() and not (tmp_path / "etabli-formation").exists()


def test_a_training_computer_is_never_exported_to_ereuse(real: Path, tmp_path: Path) -> None:
    station = Station(real, operator="Amina", training=True)
    try:
        laptop = station.register_device(DeviceKind.LAPTOP, serial="CLASS-LAPTOP")
    finally:
        station.close()
    out = tmp_path / "snap.json"
    done = _etabli("export", "ereuse", laptop.asset_code, "-o", str(out), "--lang", "en", real=real)
    assert done.returncode == 2
    assert "is a training device: it never leaves the station" in done.stderr
    assert not out.exists()


def test_a_real_lots_certificate_leaves_its_training_devices_out(real: Path) -> None:
    station = Station(real, operator="Amina")
    try:
        lot = queries.lots(station.store)[0]
        practice = station.register_device(DeviceKind.PHONE, serial="CLASS-1", training=True)
        station.attach_to_lot(practice.id, lot.id)
        assert len([d for d in queries.devices(station.store) if d.lot_id == lot.id]) == 2
        _, envelope = lot_certificate(station.store, Issuer.for_folder(real), lot)
    finally:
        station.close()
    rows = envelope["document"]["devices"]
    assert [r["serial"] for r in rows] == ["REAL-1"]
    assert envelope["document"]["training"] is False


def test_the_window_started_in_training_leaves_the_real_store_untouched(
    real: Path, tmp_path: Path
) -> None:
    """`etabli --training` (a real process, offscreen): the classroom set is registered in
    the training folder; the real folder is byte for byte as it was."""
    before = _files(real)
    env = {
        **os.environ,
        "ETABLI_DATA_DIR": str(real),
        "PYTHONPATH": str(ROOT),
        "QT_QPA_PLATFORM": "offscreen",
        "XDG_CACHE_HOME": str(tmp_path / "cache"),  # the training drives' image files
    }
    window = subprocess.Popen(
        [sys.executable, "-m", "bench_app.commands.main", "--training"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    training = tmp_path / "etabli-formation" / DB_NAME

    def classroom() -> int:
        if not training.exists():
            return 0
        with contextlib.closing(sqlite3.connect(f"file:{training}?mode=ro", uri=True)) as c:
            try:
                return int(
                    c.execute("SELECT count(*) FROM devices WHERE training = 1").fetchone()[0]
                )
            except sqlite3.OperationalError:  # the tables are being made
                return 0

    try:
        wait_for(lambda: classroom() == 5 or window.poll() is not None, "the classroom set", 90)
        assert window.poll() is None, window.stderr.read() if window.stderr else ""
    finally:
        window.send_signal(signal.SIGTERM)
        window.wait(timeout=60)
        if window.stderr:
            window.stderr.close()
    assert classroom() == 5
    assert _files(real) == before
