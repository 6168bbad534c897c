"""A bench killed with SIGKILL in the middle of a job: the next start finds the job
interrupted, the database intact, and the job resumes where it stopped."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from bench_app.devices.android.keys import station_signer
from bench_app.domain.model import DeviceStage, JobState
from bench_app.simulators.mode import SimulationMode
from bench_app.simulators.source import SimulatedSource
from bench_app.station import Station
from bench_app.store import queries
from bench_app.store.database import DB_NAME
from tests.unit.support import Listener, device_for, finish, job_events

pytestmark = pytest.mark.slow

SERIAL = "SIMKILL0001"
PIPELINE = "phone.readings"
WAIT = 120.0

# The bench in a child process, with a simulated phone on a worn cable: each reply comes
# 0.3 s late, so the last steps' dozens of commands leave the parent a wide window between
# the second finished step and the end of the job.
CHILD = textwrap.dedent(
    """
    import sys
    import time
    from pathlib import Path

    from bench_app.devices.android.keys import station_signer
    from bench_app.simulators.source import SimulatedSource
    from bench_app.simulators.mode import SimulationMode
    from bench_app.jobs.engine import NullListener
    from bench_app.station import Station


    class AnswerEverything(NullListener):
        def job_prompt(self, job_id, device_id, prompt):
            if prompt is not None:
                prompt.answer("ok")


    folder, serial, pipeline = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
    station = Station(folder, operator="child-bench")
    station.set_job_listener(AnswerEverything())
    source = SimulatedSource(SimulationMode.TEST, adb_signer=station_signer(folder))
    station.attach_source(source)
    late = float(sys.argv[4])
    source.add_adb_phone("fairphone-4", serial=serial, accept_delay=0.0, slow=(late, late))
    deadline = time.monotonic() + 60
    while not station.connected_device_ids():  # the station reads the phone, then registers it
        assert time.monotonic() < deadline, "the simulated phone was never registered"
        time.sleep(0.02)
    (device_id,) = station.connected_device_ids()
    job = station.start_job(device_id, pipeline)
    job.thread.join()
    print("job ended before the kill", flush=True)
    time.sleep(600)
    """
)


def _read(db: Path, sql: str, params: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    """A read-only look at the child's database; empty while it does not exist yet."""
    if not db.exists():
        return []
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
    try:
        return list(conn.execute(sql, params))
    except sqlite3.OperationalError:  # not created yet, or busy
        return []
    finally:
        conn.close()


def _db_check(folder: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ETABLI_TESTING": "1"}
    argv = [
        sys.executable,
        "-m",
        "bench_app.commands.main",
        "db",
        "check",
        "--data-dir",
        str(folder),
    ]
    return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=WAIT)


def _job_progress(db: Path) -> tuple[str | None, list[str], set[str]]:
    """(job id, finished step ids in order, other event types of the job)."""
    rows = _read(
        db,
        "SELECT type, payload FROM events WHERE type LIKE 'job.%' OR type LIKE 'step.%'"
        " ORDER BY rowid",
    )
    job_id = None
    finished: list[str] = []
    types: set[str] = set()
    for event_type, payload in rows:
        data = json.loads(str(payload))
        if event_type == "job.created":
            job_id = data["job_id"]
        elif event_type == "step.finished":
            finished.append(data["step_id"])
        types.add(str(event_type))
    return job_id, finished, types


def test_sigkill_mid_job_then_recover_and_resume(data_dir: Path) -> None:
    db = data_dir / DB_NAME
    env = {**os.environ, "ETABLI_TESTING": "1", "ETABLI_DATA_DIR": str(data_dir)}
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(data_dir), SERIAL, PIPELINE, "0.3"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + WAIT
        while True:
            job_id, finished, types = _job_progress(db)
            ended = types & {"job.finished", "job.failed", "job.interrupted", "job.cancelled"}
            assert not ended, f"the job ended before it could be killed: {sorted(types)}"
            if job_id and len(finished) >= 2:
                break
            if child.poll() is not None:
                _out, err = child.communicate()
                pytest.fail(f"the child bench stopped on its own ({child.returncode}):\n{err}")
            assert time.monotonic() < deadline, "the child bench never got two steps done"
            time.sleep(0.02)
        child.send_signal(signal.SIGKILL)
        child.wait(WAIT)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(WAIT)
        if child.stdout:
            child.stdout.close()
        if child.stderr:
            child.stderr.close()
    assert child.returncode == -signal.SIGKILL
    assert job_id is not None

    # What the killed bench had recorded, read before anyone writes again.
    deadline = time.monotonic() + WAIT
    while True:
        job_id, finished_before_kill, types = _job_progress(db)
        if job_id is not None or time.monotonic() > deadline:
            break
        time.sleep(0.05)  # the reader may meet the file while the kernel tidies up
    assert job_id is not None
    assert len(finished_before_kill) >= 2
    assert not types & {"job.finished", "job.failed", "job.interrupted", "job.cancelled"}
    events_before = _read(db, "SELECT id, hash FROM events ORDER BY rowid")
    # `etabli db check` on what the killed bench left: no false alarm (signed head included).
    checked = _db_check(data_dir)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert _read(db, "SELECT id, hash FROM events ORDER BY rowid") == events_before

    # The next start: the lock died with the child, so this one is the writer.
    station = Station(data_dir, operator="after-kill")
    try:
        assert station.store.writer
        assert station.interrupted_on_open == [job_id]
        report = station.store.check()
        assert report.ok, report
        assert report.events == len(events_before) + 1
        # Nothing the killed bench had committed was lost or changed.
        assert (
            station.store.query("SELECT id, hash FROM events ORDER BY rowid")[: len(events_before)]
            == events_before
        )

        (interrupted,) = job_events(station.store, job_id, "job.interrupted")
        assert interrupted.payload["reason"] == "STATION_STOPPED"
        assert interrupted.payload["last_finished_step"] == finished_before_kill[-1]
        record = queries.job(station.store, job_id)
        assert record is not None
        assert record.state is JobState.INTERRUPTED
        assert record.last_finished_step == finished_before_kill[-1]
        assert record.current_step is None

        # The same phone is plugged in again: the same record, the same asset code.
        devices_before = queries.devices(station.store)
        assert len(devices_before) == 1
        listener = Listener(answer="ok")
        station.set_job_listener(listener)
        source = SimulatedSource(SimulationMode.TEST, adb_signer=station_signer(data_dir))
        station.attach_source(source)
        phone = source.add_adb_phone("fairphone-4", serial=SERIAL, accept_delay=0.0)
        device = device_for(station, phone)
        assert device.id == record.device_id
        assert device.asset_code == devices_before[0].asset_code
        assert len(queries.devices(station.store)) == 1

        resumed = station.resume_job(job_id)
        assert finish(resumed) is JobState.SUCCEEDED

        events = job_events(station.store, job_id)
        resumed_at = [e.type for e in events].index("job.resumed")
        started_again = [
            e.payload["step_id"] for e in events[resumed_at:] if e.type == "step.started"
        ]
        assert started_again
        assert not set(started_again) & set(finished_before_kill)
        all_finished = [e.payload["step_id"] for e in events if e.type == "step.finished"]
        assert sorted(all_finished) == sorted(record.steps)
        assert len(all_finished) == len(set(all_finished))
        final = queries.job(station.store, job_id)
        assert final is not None and final.state is JobState.SUCCEEDED
        assert station.device(device.id).stage is DeviceStage.DIAGNOSED  # type: ignore[union-attr]
        assert station.store.check().ok
    finally:
        station.close()
    checked = _db_check(data_dir)
    assert checked.returncode == 0, checked.stdout + checked.stderr
