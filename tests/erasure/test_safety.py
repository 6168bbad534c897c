"""Refusals, tested on loop devices and image files the tests made: a disk holding the system
or the live medium, a mounted, swapping or held disk, the disk of the station's data, and
anything not confirmed by the serial. Each time the data must be left exactly as it was."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from bench_app.devices.drives.system_view import SystemView, disks_of, resolve_target
from bench_app.erasure.safety import check_erasable, confirms, refusals
from bench_app.errors import BenchError

MiB = 1 << 20
CLI = [sys.executable, "-m", "bench_app.commands.main"]


def _digest(path: Path | str) -> str:
    """The last 4 MiB: data no file system touches when it is mounted (the first blocks
    change at each mount), and that any erasure would replace."""
    with open(path, "rb") as f:
        f.seek(-4 * MiB, os.SEEK_END)
        return hashlib.sha256(f.read()).hexdigest()


def _backing(dev: str) -> Path:
    return Path(Path(f"/sys/block/{Path(dev).name}/loop/backing_file").read_text().strip())


def _erase(
    dev: str, data_dir: Path, *extra: str, prefix: tuple[str, ...] = ()
) -> subprocess.CompletedProcess[str]:
    confirm = resolve_target(dev).confirm_hint[-6:]
    return subprocess.run(
        [
            *prefix,
            *CLI,
            "erase",
            dev,
            "--method",
            "clear-zero",
            "--confirm-serial",
            confirm,
            "--data-dir",
            str(data_dir),
            "--lang",
            "en",
            *extra,
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )


def _mkfs(dev: str) -> None:
    # No discard: on a loop device it would punch the test's random data out of the image.
    subprocess.run(
        ["mkfs.ext4", "-q", "-F", "-E", "nodiscard", dev], check=True, capture_output=True
    )


def test_the_real_system_disk_is_refused(data_dir: Path) -> None:
    """Read-only: the disk under this machine's `/` is found and refused."""
    view = SystemView.read()
    root = view.mounts_under(("/",))[0]
    names = disks_of(root.devnum)
    if not names and root.source.startswith("/dev/"):  # btrfs: an anonymous device number
        rdev = os.stat(root.source).st_rdev
        names = disks_of((os.major(rdev), os.minor(rdev)))
    assert names, f"the root mount {root} should resolve to a disk"
    for name in names:
        target = resolve_target(f"/dev/{name}")
        codes = [e.code for e in refusals(target, data_dir=data_dir, view=view)]
        assert codes[0] == "ERASE_SYSTEM_DISK", codes
        assert "ERASE_MOUNTED" in codes


@pytest.mark.parametrize(
    ("mountpoint", "code"),
    [("/boot", "ERASE_SYSTEM_DISK"), ("/run/live/medium", "ERASE_LIVE_MEDIUM")],
)
def test_a_disk_holding_boot_or_the_live_medium_is_refused_end_to_end(
    loop_device: Callable[..., str], data_dir: Path, mountpoint: str, code: str
) -> None:
    """In a private mount namespace, a loop device of the test's is mounted where a system
    disk or a live medium would be; `etabli erase` run there refuses it, and names why."""
    dev = loop_device()
    _mkfs(dev)
    before = _digest(_backing(dev))
    script = f'mkdir -p {mountpoint} && mount {dev} {mountpoint} && exec "$@"'
    done = _erase(
        dev,
        data_dir,
        "--json",
        prefix=("unshare", "--mount", "--propagation", "private", "sh", "-c", script, "sh"),
    )
    assert done.returncode == 2, done.stdout + done.stderr
    expected = BenchError(code, path=dev).message.en
    assert expected in done.stderr
    assert _digest(_backing(dev)) == before


def test_a_mounted_disk_and_a_disk_with_a_mounted_partition_are_refused(
    loop_device: Callable[..., str], data_dir: Path, tmp_path: Path
) -> None:
    whole = loop_device("WHOLE-1.img")
    _mkfs(whole)
    (tmp_path / "m1").mkdir()
    subprocess.run(["mount", whole, str(tmp_path / "m1")], check=True)
    try:
        done = _erase(whole, data_dir)
        assert done.returncode == 2
        assert "is in use: it is mounted on" in done.stderr and str(tmp_path / "m1") in done.stderr
    finally:
        subprocess.run(["umount", str(tmp_path / "m1")], check=True)

    parted = loop_device("PARTED-2.img", size=32 * MiB)
    subprocess.run(
        ["sfdisk", "-q", parted], input="2048,20000,L\n", text=True, check=True, capture_output=True
    )
    subprocess.run(["partx", "-u", parted], check=False, capture_output=True)
    part = parted + "p1"
    assert Path(part).exists()
    with pytest.raises(BenchError) as partition:
        resolve_target(part)
    assert partition.value.code == "ERASE_NOT_A_DRIVE"
    _mkfs(part)
    (tmp_path / "m2").mkdir()
    subprocess.run(["mount", part, str(tmp_path / "m2")], check=True)
    try:
        codes = [e.code for e in refusals(resolve_target(parted), data_dir=data_dir)]
        assert codes == ["ERASE_MOUNTED"]
        done = _erase(parted, data_dir)
        assert done.returncode == 2 and "mounted on" in done.stderr
    finally:
        subprocess.run(["umount", str(tmp_path / "m2")], check=True)


def test_a_swap_disk_is_refused(loop_device: Callable[..., str], data_dir: Path) -> None:
    dev = loop_device("SWAP-3.img")
    subprocess.run(["mkswap", dev], check=True, capture_output=True)
    subprocess.run(["swapon", dev], check=True)
    try:
        before = _digest(_backing(dev))
        codes = [e.code for e in refusals(resolve_target(dev), data_dir=data_dir)]
        assert codes == ["ERASE_SWAP"]
        done = _erase(dev, data_dir)
        assert done.returncode == 2 and "used as swap" in done.stderr
    finally:
        subprocess.run(["swapoff", dev], check=True)
    assert _digest(_backing(dev)) == before


def test_the_disk_holding_the_station_data_is_refused_first(
    loop_device: Callable[..., str], tmp_path: Path
) -> None:
    dev = loop_device("DATA-4.img")
    _mkfs(dev)
    mnt = tmp_path / "data-disk"
    mnt.mkdir()
    subprocess.run(["mount", dev, str(mnt)], check=True)
    try:
        folder = mnt / "etabli"
        codes = [e.code for e in refusals(resolve_target(dev), data_dir=folder)]
        assert codes[0] == "ERASE_DATA_DISK" and "ERASE_MOUNTED" in codes
        done = _erase(dev, folder)
        assert done.returncode == 2 and "holds Établi’s data" in done.stderr
    finally:
        subprocess.run(["umount", str(mnt)], check=True)


def test_an_image_in_the_data_folder_or_held_by_a_loop_device_is_refused(
    image: Callable[..., Path], loop_device: Callable[..., str], data_dir: Path
) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    inside = data_dir / "backup.img"
    inside.write_bytes(os.urandom(MiB))
    assert [e.code for e in refusals(resolve_target(str(inside)), data_dir=data_dir)] == [
        "ERASE_DATA_DISK"
    ]
    dev = loop_device("HELD-5.img")
    held = resolve_target(str(_backing(dev)))
    found = refusals(held, data_dir=data_dir)
    assert [e.code for e in found] == ["ERASE_IN_USE"] and Path(dev).name in found[0].message.en


def test_only_the_end_of_the_serial_confirms(image: Callable[..., Path], data_dir: Path) -> None:
    path = image("WD-WCC4N7KX2Y5P.img", size=8 * MiB)
    target = resolve_target(str(path))
    assert target.serial == "WD-WCC4N7KX2Y5P"
    assert (
        confirms(target, "2y5p")
        and confirms(target, "X2Y5P")
        and confirms(target, "wd-wcc4n7kx2y5p")
    )
    for typed in ("", None, "Y5P", "2Y5Q", "WD-W", "kx2y5"):
        assert not confirms(target, typed), typed
    before = _digest(path)
    with pytest.raises(BenchError) as refused:
        check_erasable(target, data_dir=data_dir, confirm_serial="WD-W")
    assert refused.value.code == "ERASE_NOT_CONFIRMED"
    done = subprocess.run(
        [
            *CLI,
            "erase",
            str(path),
            "--method",
            "clear-zero",
            "--confirm-serial",
            "1234",
            "--data-dir",
            str(data_dir),
            "--lang",
            "en",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and "is not confirmed" in done.stderr
    assert _digest(path) == before


def test_drives_lists_loop_devices_with_their_refusals(
    loop_device: Callable[..., str], data_dir: Path
) -> None:
    free = loop_device("FREE-6.img", size=16 * MiB, sector=4096)
    swap = loop_device("SWAP-7.img", size=16 * MiB)
    subprocess.run(["mkswap", swap], check=True, capture_output=True)
    subprocess.run(["swapon", swap], check=True)
    try:
        out = subprocess.run(
            [*CLI, "drives", "--json", "--include-loop", "--data-dir", str(data_dir)],
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        )
    finally:
        subprocess.run(["swapoff", swap], check=True)
    rows = {r["path"]: r for r in json.loads(out.stdout)}
    assert rows[free]["erasable"] and rows[free]["transport"] == "loop"
    assert rows[free]["size_bytes"] == 16 * MiB and rows[free]["logical_sector"] == 4096
    assert rows[free]["serial"] == "FREE-6" and rows[free]["backing_file"].endswith("FREE-6.img")
    assert not rows[swap]["erasable"] and rows[swap]["refusals"][0]["code"] == "ERASE_SWAP"
    # Without --include-loop, no loop device is offered.
    plain = subprocess.run(
        [*CLI, "drives", "--json", "--data-dir", str(data_dir)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert not [r for r in json.loads(plain.stdout) if r["transport"] == "loop"]
