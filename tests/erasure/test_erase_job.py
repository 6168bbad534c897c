"""The erasure as the station runs it: the operator's choices and serial, the record in the
event log, interruptions (a kill -9, an unplug) that resume where they stopped, and bad
sectors that make the drive "not erased" and say why."""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench_app.devices.drives import blockio
from bench_app.devices.drives.handle import DriveHandle
from bench_app.domain.model import DeviceStage, JobState
from bench_app.erasure import overwrite as io
from bench_app.erasure.records import latest_erasure
from bench_app.jobs.prompt import Prompt
from bench_app.settings import Settings
from bench_app.station import Station
from bench_app.store import queries
from bench_app.store.database import DB_NAME, Store
from tests.unit.support import Listener, finish

MiB = 1 << 20
CLI = [sys.executable, "-m", "bench_app.commands.main"]


def test_a_loop_device_with_4k_sectors_is_erased_verified_and_recorded(
    loop_device: Callable[..., str], data_dir: Path
) -> None:
    dev = loop_device("DOCK-SN-7Q2W.img", size=48 * MiB, sector=4096)
    backing = Path(f"/sys/block/{Path(dev).name}/loop/backing_file").read_text().strip()
    before = Path(backing).read_bytes()
    done = subprocess.run(
        [
            *CLI,
            "erase",
            dev,
            "--method",
            "clear-random",
            "--verify",
            "full",
            "--confirm-serial",
            "7q2w",
            "--data-dir",
            str(data_dir),
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    record = json.loads(done.stdout)
    after = Path(backing).read_bytes()
    assert len(after) == len(before) and after != before
    # No 16-byte block of the donor's data is left where it was (a chance of 2^-128 each).
    assert not [i for i in range(0, len(after), 4096) if after[i : i + 16] == before[i : i + 16]]
    assert record["result"] == "erased" and record["reasons"] == []
    assert record["method"] == "clear-random" and record["technique"] == "Clear"
    assert record["standard"] == "NIST SP 800-88 Rev. 1"
    target = record["target"]
    assert target["serial"] == "DOCK-SN-7Q2W" and target["transport"] == "loop"
    assert target["size_bytes"] == 48 * MiB and target["logical_sector"] == 4096
    [p] = record["passes"]
    assert p["pattern"] == "aes-256-ctr" and p["completed"] and p["errors"] == []
    assert (p["start_byte"], p["end_byte"], p["bytes"]) == (0, 48 * MiB, 48 * MiB)
    assert p["throughput_bps"] > 0
    v = record["verification"]
    assert v["ok"] and v["mode"] == "full" and v["bytes_checked"] == 48 * MiB
    # The stream recorded with the pass regenerates what is on the disk.
    with Store.open_for_reading(data_dir / DB_NAME) as store:
        device = queries.device(store, record["device_id"])
        started = [
            e
            for e in queries.events(store, record["device_id"])
            if e.type == "erasure.pass_started"
        ]
    assert device is not None and device.stage is DeviceStage.ERASED
    expected = bytearray(MiB)
    io.Stream.from_json(started[0].payload["stream"]).fill(
        5 * MiB, memoryview(expected), bytes(MiB)
    )
    assert after[5 * MiB : 6 * MiB] == expected


def _wait_for_checkpoint(db: Path, timeout: float = 60.0) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if db.exists():
            try:
                with Store.open_for_reading(db) as store:
                    offsets = [
                        e.payload["offset"]
                        for e in queries.events(store)
                        if e.type == "erasure.checkpoint"
                    ]
            except Exception:
                offsets = []
            if offsets:
                return max(offsets)
        time.sleep(0.005)
    raise AssertionError("no checkpoint was recorded")


def test_kill_9_mid_pass_resumes_from_the_checkpoint_and_the_record_shows_it(
    image: Callable[..., Path], data_dir: Path
) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    Settings(erase_checkpoint_seconds=0.02).save(data_dir)
    path = image("KILL-ME-4X9Z.img", size=1024 * MiB, random=False)
    argv = [
        *CLI,
        "erase",
        str(path),
        "--method",
        "clear-zero",
        "--confirm-serial",
        "4x9z",
        "--data-dir",
        str(data_dir),
        "--json",
    ]
    # Non-zero content, so a pass that did not reach a byte shows.
    with open(path, "r+b") as f:
        for off in range(0, 1024 * MiB, 64 * MiB):
            f.seek(off + 4096)
            f.write(b"\xee" * 4096)
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        reached = _wait_for_checkpoint(data_dir / DB_NAME)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    assert 0 < reached < 1024 * MiB, "the pass should have been cut in the middle"
    with Store.open_for_reading(data_dir / DB_NAME) as store:
        assert not [e for e in queries.events(store) if e.type == "erasure.finished"]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    record = json.loads(done.stdout)
    assert record["result"] == "erased"
    [cut] = record["interruptions"]
    assert cut["last_checkpoint_bytes"] >= reached and cut["resumed_at"] is not None
    [p] = record["passes"]
    assert p["resumed_at_bytes"] and p["resumed_at_bytes"][0] >= reached
    assert p["completed"] and p["bytes"] == 1024 * MiB
    # Duration and throughput cover both segments: the one the kill cut counts up to its
    # last checkpoint, and the resumed one from there to the end.
    first, second = p["segments"]
    assert first["interrupted"] and not second["interrupted"]
    assert first["bytes"] == cut["last_checkpoint_bytes"] and first["seconds"] > 0
    assert second["start_byte"] == cut["last_checkpoint_bytes"]
    assert p["seconds"] == round(first["seconds"] + second["seconds"], 3)
    assert p["bytes_written"] == 1024 * MiB
    assert p["throughput_bps"] == round(1024 * MiB / (first["seconds"] + second["seconds"]))
    with open(path, "rb") as f:
        for off in range(0, 1024 * MiB, 64 * MiB):
            f.seek(off + 4096)
            assert f.read(4096) == bytes(4096)
    with Store(data_dir / DB_NAME) as store:
        assert store.check().ok
        jobs = queries.jobs_for_device(store, record["device_id"])
    assert [j.state for j in jobs] == [JobState.SUCCEEDED]  # one job, resumed, not a second


class FlakyDrive(DriveHandle):
    """A drive that goes away after `gone_after` bytes, or has bad sectors."""

    def __init__(
        self, path: str, *, gone_after: int | None = None, bad: list[tuple[int, int]] | None = None
    ) -> None:
        super().__init__(path)
        self.gone_after = gone_after
        self.bad = bad or []
        self.unplugged = False

    def open_io(self, *, write: bool) -> blockio.BlockIO:
        from tests.erasure.test_erase_engine import FaultyIO

        drive = self

        class Unplugging(FaultyIO):
            def _fault(self, offset: int, length: int) -> None:
                try:
                    super()._fault(offset, length)
                except OSError as exc:
                    if exc.errno == errno.ENODEV:
                        drive.unplugged = True
                    raise

        return Unplugging(self.path, write=write, bad=self.bad, gone_after=self.gone_after)

    @property
    def connected(self) -> bool:
        return not self.unplugged and super().connected


def _options(path: Path, **kw: Any) -> dict[str, Any]:
    return {"method": "clear-zero", "verify": "full", "confirm_serial": path.stem[-4:], **kw}


def test_an_unplug_mid_pass_interrupts_and_resume_finishes(
    image: Callable[..., Path], station: Station
) -> None:
    Settings(erase_checkpoint_seconds=0.01).save(station.folder)
    path = image("UNPLUG-8K3M.img", size=64 * MiB)
    flaky = FlakyDrive(str(path), gone_after=24 * MiB)
    device = station.device_connected(flaky)
    job = station.start_job(device.id, "drive.erase", _options(path))
    assert finish(job) is JobState.INTERRUPTED
    assert job.message is not None and "USB" not in job.message.en
    station.device_disconnected(flaky)
    # Plugged back (the same serial), the job resumes from its last checkpoint.
    again = DriveHandle(str(path))
    assert station.device_connected(again).id == device.id
    resumed = station.resume_job(job.id)
    assert finish(resumed) is JobState.SUCCEEDED
    record = latest_erasure(station.store, device.id)
    assert record is not None and record["result"] == "erased"
    assert (
        len(record["interruptions"]) == 1 and record["interruptions"][0]["reason"] == "DEVICE_GONE"
    )
    # No flush is possible once the drive is gone: the pass resumes from the last checkpoint
    # recorded before the unplug.
    checkpoints = [
        e.payload["offset"]
        for e in queries.events(station.store, device.id)
        if e.type == "erasure.checkpoint"
    ]
    cut = record["interruptions"][0]["last_checkpoint_bytes"]
    assert 0 <= cut <= 24 * MiB and cut in [0, *checkpoints]
    assert record["passes"][0]["resumed_at_bytes"] == [cut]
    assert path.read_bytes() == bytes(64 * MiB)


def test_bad_sectors_leave_the_drive_not_erased_and_say_why(
    image: Callable[..., Path], station: Station
) -> None:
    path = image("BADSEC-2P7L.img", size=32 * MiB)
    flaky = FlakyDrive(str(path), bad=[(7 * MiB, 7 * MiB + 4096)])
    device = station.device_connected(flaky)
    job = station.start_job(device.id, "drive.erase", _options(path))
    assert finish(job) is JobState.BLOCKED
    record = latest_erasure(station.store, device.id)
    assert record is not None and record["result"] == "not_erased"
    reasons = " ".join(r["en"] for r in record["reasons"])
    assert "could not be written" in reasons and "verification failed" in reasons
    [p] = record["passes"]
    assert p["errors"] == [
        {"first_sector": 7 * MiB // 512, "last_sector": (7 * MiB + 4095) // 512, "kind": "write"}
    ]
    assert not record["verification"]["ok"]
    assert (station.device(device.id) or device).stage is not DeviceStage.ERASED
    assert job.message is not None and job.message.en.startswith("NOT ERASED")


def test_the_operator_chooses_the_method_and_types_the_serial(
    image: Callable[..., Path], station: Station
) -> None:
    path = image("ASK-ME-5T6Y.img", size=16 * MiB)
    asked: list[Prompt] = []
    typed = iter(["0000", "5t6y"])

    def answer(prompt: Prompt) -> str:
        asked.append(prompt)
        return next(typed) if prompt.entry is not None else "clear-random"

    station.set_job_listener(Listener(answer))
    device = station.device_connected(DriveHandle(str(path)))
    job = station.start_job(device.id, "drive.erase")
    assert finish(job) is JobState.SUCCEEDED
    method, wrong, right = asked
    assert [c.key for c in method.choices] == ["clear-zero", "clear-random", "cancel"]
    assert method.picture == "drive-erase.svg"
    assert wrong.entry is not None and wrong.detail is None and wrong.picture == "drive-serial.svg"
    assert right.error is not None and "not the right number" in right.error.en
    assert right.detail is None  # an error, drawn as one; instructions stay in `detail`
    record = latest_erasure(station.store, device.id)
    assert (
        record is not None and record["method"] == "clear-random" and record["result"] == "erased"
    )
    results = {r.step_id: r for r in queries.step_results(station.store, job.id)}
    assert results["method"].evidence["confirmed_with"] == "5t6y"
    assert list(results) == [
        "identity",
        "health",
        "hidden_areas",
        "method",
        "erase",
        "verify",
        "result",
    ]


def test_a_serial_typed_for_another_disk_never_starts_an_erasure(
    image: Callable[..., Path], station: Station
) -> None:
    path = image("OTHER-1A2B.img", size=8 * MiB)
    before = path.read_bytes()
    device = station.device_connected(DriveHandle(str(path)))
    job = station.start_job(device.id, "drive.erase", _options(path, confirm_serial="9Z9Z"))
    assert finish(job) is JobState.FAILED
    assert job.message is not None and "not confirmed" in job.message.en
    assert latest_erasure(station.store, device.id) is None
    assert path.read_bytes() == before
