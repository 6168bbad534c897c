"""The erasure's refusals hold for writing an image (a mounted disk, the disk of the
station's data, a disk at /boot, the system disk, a disk too small), checked again right
before the first write; and a write cut by kill -9 resumes from its checkpoint."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from bench_app.devices.drives.handle import DriveHandle
from bench_app.devices.drives.system_view import SystemView, disks_of, resolve_target
from bench_app.domain.model import JobState
from bench_app.errors import BenchError
from bench_app.install.bmap import BlockMap, MappedRange
from bench_app.install.image_writer import MAP_FILE, ImagePlan
from bench_app.install.laptop_image import (
    PIPELINE,
    WriteImageStep,
    _check_target,
    image_write_record,
)
from bench_app.settings import Settings
from bench_app.station import Station
from bench_app.store import queries
from bench_app.store.database import DB_NAME, Store
from bench_app.text import Text
from tests.laptop_image.conftest import bmaptool_create, partition_table
from tests.laptop_image.test_write_image import CLI, backing, read_dev, write_image
from tests.unit.support import Listener, finish

MiB = 1 << 20


def _mkfs(dev: str) -> None:
    subprocess.run(
        ["mkfs.ext4", "-q", "-F", "-E", "nodiscard", dev], check=True, capture_output=True
    )


def _tail(dev: str) -> bytes:
    """The last 4 MiB of the backing file: nothing a mount touches, anything a write would."""
    with open(backing(dev), "rb") as f:
        f.seek(-4 * MiB, os.SEEK_END)
        return f.read()


def test_a_mounted_target_is_refused(
    ext4_image: Callable[..., Path], loop_device: Callable[..., str], data_dir: Path, tmp_path: Path
) -> None:
    raw = ext4_image()
    dev = loop_device("MOUNTED-1Q2W.img", size=40 * MiB)
    _mkfs(dev)
    mnt = tmp_path / "m"
    mnt.mkdir()
    subprocess.run(["mount", dev, str(mnt)], check=True)
    try:
        before = _tail(dev)
        done = write_image(raw, dev, data_dir)
        assert done.returncode == 2 and "it is mounted on" in done.stderr
        assert _tail(dev) == before
    finally:
        subprocess.run(["umount", str(mnt)], check=True)


def test_the_disk_holding_the_station_data_is_refused(
    ext4_image: Callable[..., Path], loop_device: Callable[..., str], tmp_path: Path
) -> None:
    raw = ext4_image()
    dev = loop_device("DATA-3E4R.img", size=40 * MiB)
    _mkfs(dev)
    mnt = tmp_path / "data-disk"
    mnt.mkdir()
    subprocess.run(["mount", dev, str(mnt)], check=True)
    try:
        done = write_image(raw, dev, mnt / "etabli")
        assert done.returncode == 2 and "holds Établi’s data" in done.stderr
    finally:
        subprocess.run(["umount", str(mnt)], check=True)


def test_a_disk_mounted_at_boot_is_refused_end_to_end(
    ext4_image: Callable[..., Path], loop_device: Callable[..., str], data_dir: Path
) -> None:
    """In a private mount namespace a test loop device sits at /boot, as a system disk."""
    raw = ext4_image()
    dev = loop_device("BOOT-5T6Y.img", size=40 * MiB)
    _mkfs(dev)
    before = _tail(dev)
    script = f'mkdir -p /boot && mount {dev} /boot && exec "$@"'
    done = subprocess.run(
        [
            *("unshare", "--mount", "--propagation", "private", "sh", "-c", script, "sh"),
            *CLI,
            *("write-image", str(raw), dev, "--confirm-serial", "5t6y"),
            *("--data-dir", str(data_dir), "--lang", "en"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert BenchError("ERASE_SYSTEM_DISK", path=dev).message.en in done.stderr
    assert _tail(dev) == before


def test_the_real_system_disk_is_refused(data_dir: Path) -> None:
    """Read-only: the rules the write step applies refuse the disk under this machine's `/`."""
    root = SystemView.read().mounts_under(("/",))[0]
    names = disks_of(root.devnum)
    if not names and root.source.startswith("/dev/"):
        rdev = os.stat(root.source).st_rdev
        names = disks_of((os.major(rdev), os.minor(rdev)))
    assert names
    tiny = BlockMap(4096, 4096, (MappedRange(0, 0, "0" * 64),))
    plan = ImagePlan(Path("x.img"), "raw", tiny, MAP_FILE, None, "0" * 64, "bmap")
    for name in names:
        target = resolve_target(f"/dev/{name}")
        with pytest.raises(BenchError) as refused:
            _check_target(target, plan, data_dir, target.confirm_hint)
        assert refused.value.code == "ERASE_SYSTEM_DISK"


def test_an_image_larger_than_the_target_or_an_unconfirmed_target_is_refused(
    ext4_image: Callable[..., Path], loop_device: Callable[..., str], data_dir: Path
) -> None:
    raw = ext4_image()
    small = loop_device("SMALL-7U8I.img", size=16 * MiB)
    before = backing(small).read_bytes()
    done = write_image(raw, small, data_dir)
    assert done.returncode == 2 and "is larger than the disk" in done.stderr
    other = loop_device("OTHER-9O0P.img", size=40 * MiB)
    done = write_image(raw, other, data_dir, confirm="7U8I")
    assert done.returncode == 2 and "is not confirmed" in done.stderr
    assert backing(small).read_bytes() == before


class MountsWhenWritingStarts(Listener):
    """Someone mounts the drive after the operator confirmed it: as the write step starts,
    before it runs (the engine reports a step's start from the worker, then runs it)."""

    def __init__(self, dev: str, mountpoint: Path) -> None:
        super().__init__()
        self.dev, self.mountpoint, self.mounted = dev, mountpoint, False

    def job_progress(
        self, job_id: str, device_id: str, fraction: float, step: Text, message: Text | None
    ) -> None:
        super().job_progress(job_id, device_id, fraction, step, message)
        if step == WriteImageStep.title and not self.mounted:
            subprocess.run(["mount", self.dev, str(self.mountpoint)], check=True)
            self.mounted = True


def test_the_rules_are_checked_again_right_before_the_first_write(
    ext4_image: Callable[..., Path],
    loop_device: Callable[..., str],
    station: Station,
    tmp_path: Path,
) -> None:
    raw = ext4_image()
    dev = loop_device("LATE-2A3S.img", size=40 * MiB)
    _mkfs(dev)
    before = _tail(dev)
    mnt = tmp_path / "late"
    mnt.mkdir()
    listener = MountsWhenWritingStarts(dev, mnt)
    station.set_job_listener(listener)
    try:
        device = station.device_connected(DriveHandle(dev))
        job = station.start_job(device.id, PIPELINE, {"image": str(raw), "confirm_serial": "2a3s"})
        assert finish(job) is JobState.FAILED
        assert listener.mounted
        steps = {r.step_id: r for r in queries.step_results(station.store, job.id)}
        assert "safety" in steps and "write" not in steps
        assert job.message is not None and "it is mounted on" in job.message.en
        assert image_write_record(station.store, job.id) is None
    finally:
        subprocess.run(["umount", str(mnt)], check=False)
    assert _tail(dev) == before


def _wait_for_checkpoint(db: Path, timeout: float = 120.0) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if db.exists():
            try:
                with Store.open_for_reading(db) as store:
                    offsets = [
                        e.payload["offset"]
                        for e in queries.events(store)
                        if e.type == "image.write_checkpoint"
                    ]
            except Exception:
                offsets = []
            if offsets:
                return max(offsets)
        time.sleep(0.005)
    raise AssertionError("no checkpoint was recorded")


def test_kill_9_mid_write_resumes_from_the_checkpoint(
    tmp_path: Path, loop_device: Callable[..., str], data_dir: Path
) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    Settings(erase_checkpoint_seconds=0.02).save(data_dir)
    raw = tmp_path / "big.img"
    with open(raw, "wb") as f:  # 8 ranges of 48 MiB of data, with holes between
        f.truncate(768 * MiB)
        for i in range(8):
            f.seek(i * 96 * MiB)
            f.write(os.urandom(48 * MiB))
    partition_table(raw)  # a disk image starts with its partition table
    bmaptool_create(raw)
    dev = loop_device("RESUME-4D5F.img", size=768 * MiB, random=False)
    argv = [*CLI, "write-image", str(raw), dev, "--confirm-serial", "4d5f"]
    argv += ["--data-dir", str(data_dir), "--json"]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        reached = _wait_for_checkpoint(data_dir / DB_NAME)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    with Store.open_for_reading(data_dir / DB_NAME) as store:
        events = queries.events(store)
    assert not [e for e in events if e.type == "image.written"]
    last = max(e.payload["offset"] for e in events if e.type == "image.write_checkpoint")
    assert 0 < reached <= last < 768 * MiB, "the write should have been cut in the middle"
    done = subprocess.run(argv, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    record = json.loads(done.stdout)
    assert record["result"] == "installed" and record["verified"]
    [cut] = record["interruptions"]
    assert cut["last_checkpoint_bytes"] == last and cut["resumed_at"]
    with Store.open_for_reading(data_dir / DB_NAME) as store:
        jobs = queries.jobs_for_device(store, record["device_id"])
        writes = [
            e.payload["evidence"]["write"]
            for e in queries.events(store, record["device_id"])
            if e.type == "step.finished" and e.payload["step_id"] == "write"
        ]
    assert [j.state for j in jobs] == [JobState.SUCCEEDED]  # one job, resumed
    [second] = writes
    assert second["resumed_from"] == last and second["bytes"] < 8 * 48 * MiB
    assert read_dev(dev, 768 * MiB) == raw.read_bytes()
