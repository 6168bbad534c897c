"""The data folder in trouble, with `etabli` as real processes and real file systems the
tests mount themselves: a database damaged on disk, a read-only folder, a disk that fills
up in the middle of an erasure, a folder that goes away while a job runs, and a job killed
with SIGKILL as the read-only commands show it."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from bench_app.domain.asset_code import AssetCode
from bench_app.domain.model import JobState
from bench_app.errors import BenchError
from bench_app.settings import Settings
from bench_app.station import Station
from bench_app.store import queries
from bench_app.store.database import DB_NAME, Store
from tests.devices_drives.conftest import make_image
from tests.system.support import CLI, Mounts, damaged_station, etabli, fill

pytestmark = pytest.mark.slow

MiB = 1 << 20
WAIT = 120.0
ASSET = str(AssetCode.make("K7QX", 1))  # the laptop of the stored schema-2 database
LOT = "01927c3a-0002-7000-8000-000000000002"


def _no_traceback(done: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in done.stderr + done.stdout, done.stderr


def _read(db: Path, sql: str) -> list[tuple[Any, ...]]:
    """A look at a database another process writes; empty while it is not there yet."""
    if not db.exists():
        return []
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
    try:
        return list(conn.execute(sql))
    except sqlite3.OperationalError:
        return []
    finally:
        conn.close()


def _start_erasure(image: Path, folder: Path) -> tuple[list[str], subprocess.Popen[str]]:
    """`etabli erase IMAGE` on a 1 GiB image, checkpointing every 20 ms; returns once the
    first checkpoint is recorded, the pass well under way."""
    argv = [
        "erase",
        str(image),
        "--method",
        "clear-zero",
        "--confirm-serial",
        image.stem[-4:],
        "--data-dir",
        str(folder),
        "--json",
    ]
    env = {**os.environ, "ETABLI_TESTING": "1"}
    proc = subprocess.Popen(
        [*CLI, *argv], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    deadline = time.monotonic() + WAIT
    while not _read(folder / DB_NAME, "SELECT 1 FROM events WHERE type = 'erasure.checkpoint'"):
        if proc.poll() is not None:
            out, err = proc.communicate()
            pytest.fail(f"the erasure stopped before its first checkpoint:\n{out}\n{err}")
        assert time.monotonic() < deadline, "no checkpoint was recorded"
        time.sleep(0.005)
    return argv, proc


def _finish(proc: subprocess.Popen[str]) -> subprocess.CompletedProcess[str]:
    out, err = proc.communicate(timeout=WAIT)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def _marked_image(path: Path) -> Path:
    """A 1 GiB image with a donor's block every 64 MiB, so that bytes not erased show."""
    make_image(path, 1024 * MiB, random=False)
    with open(path, "r+b") as f:
        for off in range(0, 1024 * MiB, 64 * MiB):
            f.seek(off + 4096)
            f.write(b"\xee" * 4096)
    return path


def _all_marks_erased(path: Path) -> bool:
    with open(path, "rb") as f:
        for off in range(0, 1024 * MiB, 64 * MiB):
            f.seek(off + 4096)
            if f.read(4096) != bytes(4096):
                return False
    return True


def _events(db: Path) -> list[tuple[Any, ...]]:
    return _read(db, "SELECT id, hash FROM events ORDER BY rowid")


# -- a damaged database ------------------------------------------------------------------

# Every command that opens the station's database, with what it must say when the
# devices and jobs tables are damaged: "corrupt" (the plain DB_CORRUPT message) or "works"
# (it reads only what is intact).
COMMANDS: dict[str, tuple[list[str], str]] = {
    "devices": (["devices"], "corrupt"),
    "devices --json": (["devices", "--json"], "corrupt"),
    "events": (["events"], "works"),
    "events --device": (["events", "--device", ASSET], "corrupt"),
    "certificate": (["certificate", ASSET, "-o", "{out}/c.pdf"], "corrupt"),
    "certificate --lot": (["certificate", "--lot", LOT, "-o", "{out}/lot.pdf"], "corrupt"),
    "report erasure": (["report", "erasure", ASSET, "-o", "{out}/e.json"], "corrupt"),
    "report handover": (["report", "handover", ASSET, "-o", "{out}/h.pdf"], "corrupt"),
    "report lot": (["report", "lot", LOT, "-o", "{out}/lot.csv"], "corrupt"),
    "report activity": (
        ["report", "activity", "--from", "2020-01-01", "--to", "2030-12-31", "-o", "{out}/a.csv"],
        "corrupt",
    ),
    "label": (["label", ASSET, "-o", "{out}/label.pdf"], "corrupt"),
    "export ereuse": (["export", "ereuse", ASSET, "-o", "{out}/s.json"], "corrupt"),
    "erase": (
        ["erase", "{image}", "--method", "clear-zero", "--confirm-serial", "4k2z"],
        "corrupt",
    ),
    "inventory": (["inventory", "--this-machine"], "corrupt"),
    "sync --once": (["sync", "--once"], "not enrolled"),
}


@pytest.mark.parametrize("name", list(COMMANDS))
def test_every_command_says_plainly_that_the_database_is_damaged(
    name: str, data_dir: Path, tmp_path: Path
) -> None:
    Settings(organisation="Ressourcerie").save(data_dir)  # named, as a station in the field
    damaged_station(data_dir)
    image = make_image(tmp_path / "DISK-DMG0-4K2Z.img", 4 * MiB)
    argv, expected = COMMANDS[name]
    argv = [a.format(out=tmp_path, image=image) for a in argv]
    done = etabli(*argv, "--data-dir", str(data_dir))
    _no_traceback(done)
    if expected == "works":
        assert done.returncode == 0, done.stderr
        assert "device.registered" in done.stdout
    elif expected == "not enrolled":  # it asks for enrolment before opening the database
        assert done.returncode == 2
        assert done.stderr.strip() == BenchError("SYNC_NOT_ENROLLED").text("fr")
    else:
        assert done.returncode == 2, (done.stdout, done.stderr)
        kind = BenchError("DB_CORRUPT", path=str(data_dir / DB_NAME), detail="x")
        assert done.stderr.startswith(f"La base de données {data_dir / DB_NAME} est illisible")
        assert done.stderr.strip().endswith(kind.action.fr)
        assert done.stdout == ""


def test_db_check_reports_the_damage_without_calling_the_chain_intact(data_dir: Path) -> None:
    damaged_station(data_dir)
    done = etabli("db", "check", "--data-dir", str(data_dir))
    _no_traceback(done)
    assert done.returncode == 1
    assert not done.stdout.startswith("Intégrité SQLite : ok")
    assert "intacte" not in done.stdout


# -- a read-only data folder -------------------------------------------------------------


def _station_on(folder: Path, tmp_path: Path) -> str:
    """A station that erased a drive and signed its certificate, as in the field."""
    image = make_image(tmp_path / "DISK-R0RO-7Q2W.img", 8 * MiB)
    done = etabli(
        "erase", str(image), "--method", "clear-zero", "--confirm-serial", "7q2w",
        "--data-dir", str(folder), "--json",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    asset = str(json.loads(done.stdout)["asset_code"])
    named = etabli("settings", "set", "organisation", "Ressourcerie", "--data-dir", str(folder))
    assert named.returncode == 0, named.stderr  # no certificate from an unnamed workshop
    signed = etabli(
        "certificate", asset, "-o", str(tmp_path / "first.pdf"), "--data-dir", str(folder)
    )
    assert signed.returncode == 0, signed.stderr
    return asset


PERIOD = ["report", "activity", "--from", "2020-01-01", "--to", "2030-12-31"]


def test_a_read_only_data_folder_is_read_and_never_written(mounts: Mounts, tmp_path: Path) -> None:
    point = mounts.tmpfs(tmp_path / "stick", "64m")
    folder = point / "data"
    asset = _station_on(folder, tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    reads: dict[str, list[str]] = {
        # First: on a writable folder it records `certificate.issued`, which the listings
        # below then show; on the read-only one it records nothing.
        "certificate": ["certificate", asset, "-o", str(out / "c.pdf")],
        "devices": ["devices", "--json"],
        "events": ["events", "--json"],
        "db check": ["db", "check"],
        "report erasure": ["report", "erasure", asset, "-o", str(out / "e.json")],
        "report handover": ["report", "handover", asset, "-o", str(out / "h.pdf")],
        "report activity": [*PERIOD, "-o", str(out / "a.csv")],
        "label": ["label", asset, "-o", str(out / "l.pdf")],
        "keys show": ["keys", "show"],
    }
    writable = {name: etabli(*argv, "--data-dir", str(folder)) for name, argv in reads.items()}
    assert all(d.returncode == 0 for d in writable.values()), writable

    mounts.read_only(point)
    with pytest.raises(OSError):
        (folder / "probe").touch()  # the folder really is read-only, for root too
    for name, argv in reads.items():
        done = etabli(*argv, "--data-dir", str(folder))
        _no_traceback(done)
        assert done.returncode == 0, (name, done.stderr)
        if name in ("devices", "events", "db check", "keys show"):
            assert done.stdout == writable[name].stdout, name
    assert json.loads((out / "e.json").read_text())["document"]["erasure"]["result"] == "erased"

    refused = BenchError("DATA_FOLDER_READONLY", path=str(folder))
    image = tmp_path / "DISK-R0RO-7Q2W.img"
    writes: dict[str, list[str]] = {
        "erase": ["erase", str(image), "--method", "clear-zero", "--confirm-serial", "7q2w"],
        "write-image": ["write-image", str(image), str(image), "--confirm-serial", "7q2w"],
        "inventory": ["inventory", "--this-machine"],
        "diagnose": ["diagnose", "127.0.0.1:9"],
        "enrol": ["enrol", "http://127.0.0.1:9", "CODE-1234"],
        "sync": ["sync", "--once"],
    }
    for name, argv in writes.items():
        done = etabli(*argv, "--data-dir", str(folder))
        _no_traceback(done)
        assert done.returncode == 2, (name, done.stderr)
        assert done.stderr.strip() == refused.text("fr"), name
    english = etabli(*writes["erase"], "--data-dir", str(folder), "--lang", "en")
    assert english.stderr.strip() == refused.text("en")
    assert english.stderr.startswith(f"The data folder {folder} is read-only")


KILLED_STATION = """
import os, signal, sys
from pathlib import Path
from bench_app.domain.model import DeviceKind
from bench_app.station import Station
station = Station(Path(sys.argv[1]), operator="tuee")
station.register_device(DeviceKind.LAPTOP, brand="Dell", serial="IN-THE-WAL-ONLY")
os.kill(os.getpid(), signal.SIGKILL)
"""


@pytest.mark.parametrize("index", ["kept", "lost"])
def test_a_read_only_folder_left_by_a_killed_station_shows_its_last_facts(
    mounts: Mounts, tmp_path: Path, index: str
) -> None:
    """A station killed leaves its last commits in the WAL file; once the folder is
    read-only, they are read all the same (with or without the WAL's index file)."""
    point = mounts.tmpfs(tmp_path / "stick", "32m")
    folder = point / "data"
    child = subprocess.run(
        [CLI[0], "-c", KILLED_STATION, str(folder)],
        env={**os.environ, "ETABLI_TESTING": "1"},
        capture_output=True,
        text=True,
        timeout=WAIT,
        check=False,
    )
    assert child.returncode == -signal.SIGKILL, child.stderr
    wal = folder / f"{DB_NAME}-wal"
    assert wal.stat().st_size > 0
    if index == "lost":
        (folder / f"{DB_NAME}-shm").unlink()
    mounts.read_only(point)
    done = etabli("devices", "--json", "--data-dir", str(folder))
    _no_traceback(done)
    assert done.returncode == 0, done.stderr
    assert [d["serial"] for d in json.loads(done.stdout)] == ["IN-THE-WAL-ONLY"]
    check = etabli("db", "check", "--data-dir", str(folder))
    assert check.returncode == 0, check.stdout + check.stderr
    assert "Chaîne des faits : intacte (1 faits)." in check.stdout


# -- a full disk in the middle of an erasure ---------------------------------------------


def _truncate_wal(proc: subprocess.Popen[str], db: Path) -> None:
    """With the bench stopped between two transactions, moves every page into the database
    file and empties the WAL: its next commit has to grow a file on the full disk."""
    deadline = time.monotonic() + WAIT
    while True:
        os.kill(proc.pid, signal.SIGSTOP)
        conn = sqlite3.connect(db, timeout=0)
        try:
            busy, frames, _moved = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        except sqlite3.OperationalError:  # caught inside a transaction
            busy, frames = 1, -1
        finally:
            conn.close()
        if busy == 0 and frames == 0:
            return
        os.kill(proc.pid, signal.SIGCONT)  # let it finish its transaction, then try again
        assert time.monotonic() < deadline, "the bench was never between two transactions"
        time.sleep(0.002)


def test_a_full_disk_mid_erasure_interrupts_plainly_and_resumes(
    mounts: Mounts, tmp_path: Path
) -> None:
    point = mounts.tmpfs(tmp_path / "small", "24m")
    folder = point / "data"
    folder.mkdir()
    Settings(erase_checkpoint_seconds=0.02).save(folder)
    image = _marked_image(tmp_path / "FULL-D1SK-8Q3T.img")  # outside the full disk
    db = folder / DB_NAME
    argv, proc = _start_erasure(image, folder)
    try:
        _truncate_wal(proc, db)  # the bench is stopped from here
        committed = _events(db)
        assert not _read(db, "SELECT 1 FROM events WHERE type = 'erasure.pass_finished'")
        filler = fill(point)
    finally:
        os.kill(proc.pid, signal.SIGCONT)
    done = _finish(proc)

    full = BenchError("DISK_FULL", path=str(folder))
    _no_traceback(done)
    assert done.returncode == 2
    assert done.stderr.strip() == full.text("fr")
    assert "NON EFFACÉ" not in done.stdout + done.stderr and done.stdout == ""

    filler.unlink()  # the operator frees some space
    check = etabli("db", "check", "--data-dir", str(folder))
    assert check.returncode == 0, check.stdout + check.stderr
    with Store.open_for_reading(db) as store:
        rows = store.query("SELECT id, hash FROM events ORDER BY rowid")
        assert rows[: len(committed)] == committed  # nothing committed was lost
        (device,) = queries.devices(store)
        (job,) = queries.jobs_for_device(store, device.id)
        stopped = [e for e in queries.events(store, device.id) if e.type == "job.interrupted"]
        failed = [e for e in queries.events(store, device.id) if e.type == "step.failed"]
    # The job ended, recorded with the reason, resumable: not left "running".
    assert job.state is JobState.INTERRUPTED
    assert [e.payload["reason"] for e in stopped] == ["DISK_FULL"]
    assert stopped[0].payload["message"]["fr"] == full.text("fr")
    assert [(e.payload["step_id"], e.payload["code"]) for e in failed] == [("erase", "DISK_FULL")]

    resumed = etabli(*argv)
    assert resumed.returncode == 0, resumed.stderr
    record = json.loads(resumed.stdout)
    assert record["result"] == "erased" and record["reasons"] == []
    [cut] = record["interruptions"]
    assert cut["reason"] == "DISK_FULL" and cut["resumed_at"] is not None
    [p] = record["passes"]
    assert p["completed"] and p["resumed_at_bytes"] and p["resumed_at_bytes"][0] > 0
    assert _all_marks_erased(image)
    with Store.open_for_reading(db) as store:
        assert [j.state for j in queries.jobs_for_device(store, record["device_id"])] == [
            JobState.SUCCEEDED
        ]
        assert store.check().ok


# -- the data folder going away while a job runs -----------------------------------------


@pytest.mark.parametrize("how", ["unmounted", "removed"])
def test_the_data_folder_going_away_mid_erasure_is_said_plainly(
    mounts: Mounts, tmp_path: Path, how: str
) -> None:
    real = tmp_path / "disk"
    real.mkdir()
    # "unmounted": the folder is a mount (a USB disk) pulled while the job runs; what was
    # written before stays on the disk, where it is checked.
    folder = mounts.bind(real, tmp_path / "data") if how == "unmounted" else real
    Settings(erase_checkpoint_seconds=0.02).save(folder)
    image = _marked_image(tmp_path / "GONE-D1SK-5W7E.img")
    argv, proc = _start_erasure(image, folder)
    try:
        os.kill(proc.pid, signal.SIGSTOP)  # the pass is under way, and stays so meanwhile
        before = _events(folder / DB_NAME)
        assert not _read(
            folder / DB_NAME, "SELECT 1 FROM events WHERE type = 'erasure.pass_finished'"
        )
        if how == "unmounted":
            mounts.unmount_lazily(folder)
        else:
            shutil.rmtree(folder)
    finally:
        os.kill(proc.pid, signal.SIGCONT)
        done = _finish(proc)

    _no_traceback(done)
    assert done.returncode == 2
    assert done.stderr.strip() == BenchError("DATA_FOLDER_GONE", path=str(folder)).text("fr")
    if how == "removed":
        assert not folder.exists()  # nothing was made again in its place
        return
    assert not (folder / DB_NAME).exists()
    check = etabli("db", "check", "--data-dir", str(real))
    assert check.returncode == 0, check.stdout + check.stderr
    assert _events(real / DB_NAME)[: len(before)] == before
    shown = etabli("devices", "--json", "--data-dir", str(real))
    (row,) = json.loads(shown.stdout)
    assert row["last_job"]["state"] == "interrupted"
    # The disk is back: the same command resumes the erasure where it stopped.
    resumed = etabli(*argv[:-3], "--data-dir", str(real), "--json")
    assert resumed.returncode == 0, resumed.stderr
    record = json.loads(resumed.stdout)
    assert record["result"] == "erased"
    [cut] = record["interruptions"]
    assert cut["resumed_at"] is not None and cut["last_checkpoint_bytes"] > 0
    assert _all_marks_erased(image)


# -- a job killed with SIGKILL, as the read-only commands show it ------------------------


def _last_job(folder: Path, *lang: str) -> tuple[dict[str, Any], str]:
    as_json = etabli("devices", "--json", "--data-dir", str(folder))
    text = etabli("devices", "--data-dir", str(folder), *lang)
    assert as_json.returncode == 0 and text.returncode == 0, as_json.stderr + text.stderr
    (row,) = json.loads(as_json.stdout)
    return row["last_job"], text.stdout


def test_a_job_killed_shows_as_interrupted_until_the_next_start(
    data_dir: Path, tmp_path: Path
) -> None:
    data_dir.mkdir(parents=True)
    Settings(erase_checkpoint_seconds=0.02).save(data_dir)
    image = _marked_image(tmp_path / "KILL-D1SK-3R6U.img")
    _argv, proc = _start_erasure(image, data_dir)
    try:
        os.kill(proc.pid, signal.SIGSTOP)  # alive, holding the folder: the job does run
        job, text = _last_job(data_dir)
        assert (job["state"], job["recorded_state"]) == ("running", "running")
        assert "drive.erase: running" in text
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
        proc.communicate(timeout=WAIT)
    assert proc.returncode == -signal.SIGKILL

    job, text = _last_job(data_dir)
    assert (job["state"], job["recorded_state"]) == ("interrupted", "running")
    assert "drive.erase: interrompu (sera noté au prochain démarrage)" in text
    _job, english = _last_job(data_dir, "--lang", "en")
    assert "drive.erase: interrupted (will be marked at next start)" in english

    Station(data_dir, operator="lendemain").close()  # the next start marks it
    job, text = _last_job(data_dir)
    assert (job["state"], job["recorded_state"]) == ("interrupted", "interrupted")
    assert "sera noté" not in text
