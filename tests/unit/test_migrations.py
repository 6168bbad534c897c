"""Every past schema version upgrades: a stored database of each one (tests/data/databases,
written by make_dumps.py) is opened by today's store."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from bench_app.domain.asset_code import AssetCode
from bench_app.domain.model import DeviceKind, DeviceStage, JobState
from bench_app.station import Station
from bench_app.store import queries
from bench_app.store.database import DB_NAME, Store
from bench_app.store.events import verify_chain
from bench_app.store.migrations import LATEST_VERSION, MIGRATIONS, PROJECTION_TABLES

DUMPS = Path(__file__).resolve().parent.parent / "data" / "databases"


def _dumps() -> dict[int, Path]:
    found = {}
    for path in DUMPS.glob("v*.sql"):
        match = re.fullmatch(r"v(\d+)\.sql", path.name)
        if match:
            found[int(match.group(1))] = path
    return found


def _load(dump: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(target)
    try:
        conn.executescript(dump.read_text(encoding="utf-8"))
    finally:
        conn.close()


def _rows(path: Path, sql: str) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return list(conn.execute(sql))
    finally:
        conn.close()


def _version(path: Path) -> int:
    return int(_rows(path, "SELECT value FROM meta WHERE key = 'schema_version'")[0][0])


# Columns of a raw `SELECT * FROM events` row.
TYPE, DEVICE, PAYLOAD, TRAINING = 6, 7, 8, 9


def _payloads(events: list[tuple[Any, ...]], event_type: str) -> list[dict[str, Any]]:
    return [json.loads(e[PAYLOAD]) for e in events if e[TYPE] == event_type]


def test_there_is_a_stored_database_for_every_past_version() -> None:
    past = set(range(1, LATEST_VERSION))
    missing = past - set(_dumps())
    assert not missing, (
        f"no stored database for schema version(s) {sorted(missing)}: add them to "
        "tests/data/databases/make_dumps.py before releasing a new migration"
    )
    assert [m.version for m in MIGRATIONS] == list(range(1, LATEST_VERSION + 1))


@pytest.mark.parametrize("version", sorted(v for v in _dumps() if v < LATEST_VERSION))
def test_stored_database_upgrades(version: int, data_dir: Path) -> None:
    path = data_dir / DB_NAME
    _load(_dumps()[version], path)
    assert _version(path) == version
    old_tables = {r[0] for r in _rows(path, "SELECT name FROM sqlite_master WHERE type='table'")}
    old_events = _rows(path, "SELECT * FROM events ORDER BY rowid")
    old_meta = dict(_rows(path, "SELECT key, value FROM meta"))
    assert old_events, "the stored database should hold a history"
    conn = sqlite3.connect(path)
    try:
        assert verify_chain(conn) is None, "the stored database's chain should be valid"
    finally:
        conn.close()

    with Store(path) as store:
        assert store.schema_version() == LATEST_VERSION
        assert store.station_id == old_meta["station_id"]
        assert store.station_prefix == old_meta["station_prefix"]
        # Events kept exactly, chain intact.
        assert store.query("SELECT * FROM events ORDER BY rowid") == old_events
        report = store.check()
        assert report.ok, report
        assert report.events == len(old_events)
        # The derived tables were filled from the old events.
        registered = _payloads(old_events, "device.registered")
        devices = {d.id: d for d in queries.devices(store)}
        assert set(devices) == {p["device_id"] for p in registered}
        for p in registered:
            d = devices[p["device_id"]]
            assert (d.asset_code, d.kind.value, d.serial) == (
                p["asset_code"],
                p["kind"],
                p["serial"],
            )
        for device_id, device in devices.items():
            expected = any(e[TRAINING] for e in old_events if e[DEVICE] == device_id)
            assert device.training == expected, device.asset_code
        assert {d.id for d in queries.donors(store)} == {
            p["donor_id"] for p in _payloads(old_events, "donor.registered")
        }
        assert {lot.id for lot in queries.lots(store)} == {
            p["lot_id"] for p in _payloads(old_events, "lot.registered")
        }
        for created in _payloads(old_events, "job.created"):
            job = queries.job(store, created["job_id"])
            assert job is not None
            assert job.steps == created["steps"]
            assert job.state is _expected_state(old_events, created["job_id"])
        for outcome in _payloads(old_events, "outcome.recorded"):
            assert devices[outcome["device_id"]].stage is DeviceStage.DONE
        for grade in _payloads(old_events, "grade.assigned"):
            found = queries.latest_grade(store, grade["device_id"])
            assert found is not None and found.functional == grade["functional"]
        # What was derived equals a rebuild from scratch.
        derived = queries.projection_snapshot(store)
        store.rebuild_projections()
        assert queries.projection_snapshot(store) == derived
        assert any(derived[t] for t in PROJECTION_TABLES)

    # A backup of the old file was written first, and it is the old database, intact.
    backup = path.with_name(f"{DB_NAME}.v{version}.bak")
    assert backup.exists()
    assert _rows(backup, "PRAGMA integrity_check") == [("ok",)]
    assert _version(backup) == version
    assert {r[0] for r in _rows(backup, "SELECT name FROM sqlite_master WHERE type='table'")} == (
        old_tables
    )
    assert _rows(backup, "SELECT * FROM events ORDER BY rowid") == old_events

    # Reopening does not migrate again, nor write another backup.
    backup_bytes = backup.read_bytes()
    with Store(path) as again:
        assert again.schema_version() == LATEST_VERSION
    assert backup.read_bytes() == backup_bytes


@pytest.mark.parametrize("version", sorted(v for v in _dumps() if v < LATEST_VERSION))
def test_station_carries_on_after_the_upgrade(version: int, data_dir: Path) -> None:
    _load(_dumps()[version], data_dir / DB_NAME)
    old_events = _rows(data_dir / DB_NAME, "SELECT * FROM events ORDER BY rowid")
    prefix = dict(_rows(data_dir / DB_NAME, "SELECT key, value FROM meta"))["station_prefix"]
    numbers = [
        AssetCode.parse(p["asset_code"]).number
        for p in _payloads(old_events, "device.registered")
        if AssetCode.parse(p["asset_code"]).prefix == prefix
    ]
    left_running = {
        p["job_id"]
        for p in _payloads(old_events, "job.created")
        if _expected_state(old_events, p["job_id"]).active
    }
    station = Station(data_dir, operator="after-upgrade")
    try:
        # Jobs the old version left running come back interrupted, as after any stop.
        assert set(station.interrupted_on_open) == left_running
        for job_id in left_running:
            job = queries.job(station.store, job_id)
            assert job is not None and job.state is JobState.INTERRUPTED
            assert job.state.resumable
        new = station.register_device(DeviceKind.LAPTOP, serial="AFTER-UPGRADE-1")
        assert AssetCode.parse(new.asset_code).prefix == prefix
        assert AssetCode.parse(new.asset_code).number == max(numbers, default=0) + 1
        assert station.store.check().ok
        assert queries.events(station.store)[-1].seq == len(old_events) + 1 + len(
            station.interrupted_on_open
        )
    finally:
        station.close()


def _expected_state(events: list[tuple[Any, ...]], job_id: str) -> JobState:
    """The state the domain rules give a job from its last state-changing event."""
    state = JobState.QUEUED
    for e in events:
        payload = json.loads(e[PAYLOAD])
        if payload.get("job_id") != job_id:
            continue
        kind = e[TYPE]
        if kind in ("job.started", "step.started"):
            state = JobState.RUNNING
        elif kind == "job.finished":
            state = JobState(payload["state"])
        elif kind == "job.failed":
            state = JobState.FAILED
        elif kind == "job.interrupted":
            state = JobState.INTERRUPTED
        elif kind == "job.cancelled":
            state = JobState.CANCELLED
        elif kind == "job.abandoned":
            state = JobState.ABANDONED
        elif kind == "job.resumed":
            state = JobState.QUEUED
    return state


def test_an_upgrade_says_how_far_it_has_gone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Opening a database of an older version rebuilds its derived tables: the listener hears
    (0, total) first, then growing counts of the events read again, then (total, total)."""
    from bench_app.store import database, projections

    path = tmp_path / "data" / DB_NAME
    _load(_dumps()[7], path)
    assert database.needs_upgrade(path)
    monkeypatch.setattr(projections, "PROGRESS_EVERY", 4)
    heard: list[tuple[int, int]] = []
    database.set_upgrade_listener(lambda done, total: heard.append((done, total)))
    try:
        Store(path).close()
    finally:
        database.set_upgrade_listener(None)
    total = len(_rows(path, "SELECT id FROM events"))
    assert total > 8 and not database.needs_upgrade(path)
    assert heard[0] == (0, total) and heard[-1] == (total, total)
    counts = [done for done, _ in heard]
    assert counts == sorted(counts) and len(set(counts)) >= total // 4
    assert all(t == total for _, t in heard)
    text = database.upgrade_text(4, total).fr
    assert text.startswith("Mise à jour de la base :") and f"4 faits sur {total}" in text
    # Opened again, nothing is upgraded and nothing is said.
    heard.clear()
    database.set_upgrade_listener(lambda done, total: heard.append((done, total)))
    try:
        Store(path).close()
    finally:
        database.set_upgrade_listener(None)
    assert heard == []


def test_the_command_line_says_the_upgrade(tmp_path: Path) -> None:
    """`etabli devices` on a folder of an older version says the upgrade on stderr, in
    French first, and still lists the devices on stdout."""
    import os
    import subprocess
    import sys

    folder = tmp_path / "data"
    _load(_dumps()[7], folder / DB_NAME)
    done = subprocess.run(
        [sys.executable, "-m", "bench_app.commands.main", "--data-dir", str(folder), "devices"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "ETABLI_OPERATOR": ""},
        check=False,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    assert lines[0].startswith("Mise à jour de la base : 0 %"), done.stderr
    assert lines[-1].startswith("Mise à jour de la base : 100 %"), done.stderr
    assert "Mise à jour" not in done.stdout
