"""Virtual disks are judged by what they stand on: a loop device over a file of the station's
data (its database, a copy of it, a hard link to it), a loop over such a loop or over one of
its partitions, a loop over an active swap file or a file on the live medium, and a
device-mapper or RAID volume over any of these, are refused with why; the file is left
byte for byte as it was. A loop over an image file elsewhere, even on the system disk, is
still erased: that is where training and test images live."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bench_app.devices.drives import system_view
from bench_app.devices.drives.blockdev import DriveInfo
from bench_app.devices.drives.system_view import (
    EraseTarget,
    SystemView,
    beneath,
    disks_of,
    resolve_target,
)
from bench_app.erasure.safety import refusals
from bench_app.errors import BenchError
from bench_app.station import Station
from bench_app.store.database import DB_NAME
from tests import loops
from tests.devices_drives.conftest import make_image

MiB = 1 << 20
CLI = [sys.executable, "-m", "bench_app.commands.main"]
Attach = Callable[..., str]


@pytest.fixture
def attach() -> Iterator[Attach]:
    """Attaches loop devices over files or devices the test made; detaches them afterwards,
    the last attached first (a loop may stand on another)."""
    attached: list[loops.Loop] = []

    def run(path: Path | str, *options: str) -> str:
        attached.append(loops.attach(path, *options))
        return attached[-1].dev

    yield run
    for loop in reversed(attached):
        loops.release(loop)


def _station_database(folder: Path) -> Path:
    """A real station database, with a donor and a device in its event log."""
    from bench_app.domain.model import DeviceKind, DonorKind

    station = Station(folder, operator="test-operator")
    try:
        donor = station.register_donor("Mairie de Lille", DonorKind.PUBLIC_BODY)
        lot = station.register_lot(donor, expected_count=1)
        station.register_device(DeviceKind.LAPTOP, brand="Lenovo", serial="PF-1", lot_id=lot)
    finally:
        station.close()
    return folder / DB_NAME


def _database_copy(tmp_path: Path, data_dir: Path) -> Path:
    """A copy of a real station database kept in the data folder (a backup, say)."""
    source = _station_database(tmp_path / "another-station")
    copy = data_dir / "sauvegardes" / "etabli-2025-01.sqlite3"
    copy.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, copy)
    return copy


def _cli(*args: str, data_dir: Path, lang: str = "en") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *args, "--data-dir", str(data_dir), "--lang", lang],
        capture_output=True,
        text=True,
        timeout=120,
    )


def _erase(target: str, data_dir: Path, lang: str = "en") -> subprocess.CompletedProcess[str]:
    confirm = resolve_target(target).confirm_hint[-4:]
    return _cli(
        "erase",
        target,
        "--method",
        "clear-zero",
        "--confirm-serial",
        confirm,
        data_dir=data_dir,
        lang=lang,
    )


def _codes(target: str, data_dir: Path) -> list[str]:
    return [e.code for e in refusals(resolve_target(target), data_dir=data_dir)]


def _mbr_image(path: Path, size: int = 4 * MiB) -> Path:
    """A small disk image with a real partition table (sfdisk), random data after it."""
    make_image(path, size)
    subprocess.run(
        ["sfdisk", "-q", "--no-reread", "--no-tell-kernel", str(path)],
        input="label: dos\nstart=2048, type=L\n",
        text=True,
        check=True,
        capture_output=True,
    )
    return path


def test_a_loop_over_a_copy_of_the_station_database_is_refused_and_left_intact(
    attach: Attach, data_dir: Path, tmp_path: Path
) -> None:
    copy = _database_copy(tmp_path, data_dir)
    before = copy.read_bytes()
    dev = attach(copy)

    done = _erase(dev, data_dir)
    assert done.returncode == 2, done.stdout + done.stderr
    why = BenchError("ERASE_DATA_FILE", path=dev, chain=str(copy), data_dir=str(data_dir))
    assert why.message.en in done.stderr and "ERASED" not in done.stdout
    done_fr = _erase(dev, data_dir, lang="fr")
    assert done_fr.returncode == 2 and why.message.fr in done_fr.stderr
    assert _codes(dev, data_dir) == ["ERASE_DATA_FILE"]

    # Writing an image to it is refused the same way.
    image = _mbr_image(tmp_path / "laptop.img")
    written = _cli("write-image", str(image), dev, "--confirm-serial", "5-01", data_dir=data_dir)
    assert written.returncode == 2 and why.message.en in written.stderr

    # The same file given as a path, or through a hard link outside the data folder.
    assert _codes(str(copy), data_dir) == ["ERASE_DATA_DISK", "ERASE_IN_USE"]  # loop on it
    link = tmp_path / "innocent-looking.img"
    os.link(copy, link)
    as_path = _erase(str(link), data_dir)
    assert as_path.returncode == 2 and "holds Établi’s data" in as_path.stderr
    linked = attach(link)
    assert _codes(linked, data_dir) == ["ERASE_DATA_FILE"]

    # `etabli drives` shows it as protected, and says why.
    listed = _cli("drives", "--json", "--include-loop", data_dir=data_dir)
    row = next(r for r in json.loads(listed.stdout) if r["path"] == dev)
    assert not row["erasable"] and row["refusals"][0]["code"] == "ERASE_DATA_FILE"

    assert copy.read_bytes() == before


def test_a_loop_over_the_station_own_database_is_refused(attach: Attach, data_dir: Path) -> None:
    """`losetup -f --show DATA/etabli.sqlite3` then `etabli erase /dev/loopN
    --confirm-serial abli`: refused, and the station's database still checks out."""
    database = _station_database(data_dir)
    dev = attach(database)
    done = _cli(
        "erase", dev, "--method", "clear-zero", "--confirm-serial", "abli", data_dir=data_dir
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert "ERASED" not in done.stdout
    assert f"{dev} stands on {database}, a file of Établi’s data" in done.stderr
    check = _cli("db", "check", data_dir=data_dir)
    assert check.returncode == 0, check.stdout + check.stderr


def test_stacked_loops_and_partitions_are_followed_to_the_data_file(
    attach: Attach, data_dir: Path, tmp_path: Path
) -> None:
    copy = _database_copy(tmp_path, data_dir)
    before = copy.read_bytes()
    lower = attach(copy)
    middle = attach(lower)
    top = attach(middle)
    chain = f"{middle} → {lower} → {copy}"
    found = refusals(resolve_target(top), data_dir=data_dir)
    assert [e.code for e in found] == ["ERASE_DATA_FILE"]
    assert found[0].values["chain"] == chain
    done = _erase(top, data_dir)
    assert done.returncode == 2 and f"{top} stands on {chain}" in done.stderr
    # The loops beneath are refused too, and held by the one above them.
    assert _codes(lower, data_dir) == ["ERASE_DATA_FILE", "ERASE_IN_USE"]
    assert Path(middle).name in refusals(resolve_target(lower), data_dir=data_dir)[1].message.en

    # A partitioned image in the data folder: its partition, and a loop over that partition.
    disk_image = _mbr_image(data_dir / "sauvegardes" / "disque-client.img", 8 * MiB)
    disk = attach(disk_image, "--partscan")
    part = disk + "p1"
    subprocess.run(["partx", "-u", disk], check=False, capture_output=True)
    assert Path(part).exists()
    with pytest.raises(BenchError) as partition:
        resolve_target(part)
    assert partition.value.code == "ERASE_NOT_A_DRIVE"
    over_part = attach(part)
    found = refusals(resolve_target(over_part), data_dir=data_dir)
    assert [e.code for e in found] == ["ERASE_DATA_FILE"]
    assert found[0].values["chain"] == f"{part} → {disk_image}"
    assert copy.read_bytes() == before


def _root_disks() -> set[str]:
    root = SystemView.read().mounts_under(("/",))[0]
    names = disks_of(root.devnum)
    if not names and root.source.startswith("/dev/"):  # btrfs: an anonymous device number
        rdev = os.stat(root.source).st_rdev
        names = disks_of((os.major(rdev), os.minor(rdev)))
    return names


def _dir_on_system_disk() -> Path:
    """A folder on the filesystem of `/`, which lies on the system disk."""
    root = os.stat("/").st_dev
    for candidate in ("/var/tmp", "/tmp", "/root", "/"):
        if os.path.isdir(candidate) and os.stat(candidate).st_dev == root:
            return Path(tempfile.mkdtemp(prefix="etabli-test-", dir=candidate))
    raise AssertionError("no folder found on the filesystem of /")


def test_a_loop_over_an_image_on_the_system_disk_outside_the_data_folder_is_erased(
    attach: Attach, data_dir: Path
) -> None:
    """The rule for files: outside the data folder, the system disk holds training images."""
    folder = _dir_on_system_disk()
    try:
        image = make_image(folder / "TRAINING-7Q2K.img", 8 * MiB)
        # The file lies on the filesystem of `/`, and so on the system disk.
        assert image.stat().st_dev == os.stat("/").st_dev and _root_disks()
        lower = attach(image)
        upper = attach(lower)  # a loop over that loop: resolved, nothing refused
        assert [b.chain for b in beneath(Path(upper).name)] == [(lower,), (lower, str(image))]
        assert _codes(upper, data_dir) == []
        done = _erase(upper, data_dir)
        assert done.returncode == 0, done.stdout + done.stderr
        assert "ERASED and verified" in done.stdout
        assert image.read_bytes() == bytes(8 * MiB)
    finally:
        shutil.rmtree(folder)


def test_a_loop_over_an_active_swap_file_is_refused(
    attach: Attach, data_dir: Path, tmp_path: Path
) -> None:
    fs = attach(make_image(tmp_path / "FS.img", 48 * MiB, random=False))
    subprocess.run(["mkfs.ext4", "-q", "-F", fs], check=True, capture_output=True)
    mnt = tmp_path / "m"
    mnt.mkdir()
    subprocess.run(["mount", fs, str(mnt)], check=True)
    swapfile = mnt / "swapfile"
    try:
        make_image(swapfile, 16 * MiB, random=False)
        with open(swapfile, "r+b") as f:  # allocated blocks: swapon refuses holes
            f.write(bytes(16 * MiB))
        swapfile.chmod(0o600)
        subprocess.run(["mkswap", str(swapfile)], check=True, capture_output=True)
        subprocess.run(["swapon", str(swapfile)], check=True)
        try:
            dev = attach(swapfile)
            found = refusals(resolve_target(dev), data_dir=data_dir)
            assert "ERASE_STACKED" in [e.code for e in found]
            stacked = next(e for e in found if e.code == "ERASE_STACKED")
            assert stacked.message.en == (
                f"{dev} stands on {swapfile}. {swapfile} is used as swap ({swapfile})."
            )
            done = _erase(dev, data_dir)
            assert done.returncode == 2 and "is used as swap" in done.stderr
            loops.detach(dev)  # the file's last user gone before swapoff and umount
        finally:
            subprocess.run(["swapoff", str(swapfile)], check=True)
    finally:
        subprocess.run(["umount", str(mnt)], check=True)


def test_a_loop_over_a_file_on_the_live_medium_is_refused_end_to_end(
    attach: Attach, data_dir: Path, tmp_path: Path
) -> None:
    """In a private mount namespace a test loop device is the live medium; a loop over a file
    on it is refused by `etabli erase` run there, and the file is unchanged."""
    stick = attach(make_image(tmp_path / "STICK.img", 48 * MiB, random=False))
    subprocess.run(["mkfs.ext4", "-q", "-F", stick], check=True, capture_output=True)
    medium = "/run/live/medium"
    script = f"""
set -e
mkdir -p {medium}
mount {stick} {medium}
head -c {4 * MiB} /dev/urandom > {medium}/LIVE-8H3M.img
sha256sum {medium}/LIVE-8H3M.img > {tmp_path}/before
dev=$(losetup --find --show {medium}/LIVE-8H3M.img)
set +e
"$@" "$dev"
rc=$?
losetup --detach "$dev"
sha256sum {medium}/LIVE-8H3M.img > {tmp_path}/after
umount {medium}
exit $rc
"""
    done = subprocess.run(
        [
            *("unshare", "--mount", "--propagation", "private", "sh", "-c", script, "sh"),
            *CLI,
            *("erase", "--method", "clear-zero", "--confirm-serial", "8H3M"),
            *("--data-dir", str(data_dir), "--lang", "en"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, done.stdout + done.stderr
    live = BenchError("ERASE_LIVE_MEDIUM", path=stick).message.en
    assert f"stands on {medium}/LIVE-8H3M.img → {stick}. {live}" in done.stderr
    assert (tmp_path / "before").read_text() == (tmp_path / "after").read_text()


# -- device-mapper and RAID -------------------------------------------------------------------


def _sysfs_with_volume(root: Path, volume: str, slaves: list[str]) -> Path:
    """A sysfs where a device-mapper or RAID volume stands on real block devices: the
    kernel's own entries for everything, plus `volume` with `slaves/` linking to the real
    devices (this kernel may have no device-mapper; what lies beneath is real)."""
    root.mkdir()
    for name in ("dev", "class", "devices"):
        (root / name).symlink_to(Path("/sys") / name)
    block = root / "block"
    block.mkdir()
    for entry in Path("/sys/block").iterdir():
        (block / entry.name).symlink_to(entry.resolve())
    vol = block / volume
    (vol / "slaves").mkdir(parents=True)
    (vol / "holders").mkdir()
    (vol / "dev").write_text("253:77\n")
    for slave in slaves:
        (vol / "slaves" / slave).symlink_to(Path(f"/sys/class/block/{slave}").resolve())
    return root


def _volume_target(volume: str) -> EraseTarget:
    drive = DriveInfo(
        name=volume,
        path=f"/dev/{volume}",
        devnum=(253, 77),
        model="",
        vendor="",
        serial="",
        wwn="",
        firmware="",
        size_bytes=8 * MiB,
        logical_sector=512,
        physical_sector=512,
        rotational=False,
        removable=False,
        read_only=False,
        transport="other",
    )
    return EraseTarget(
        f"/dev/{volume}", False, "", volume, 8 * MiB, 512, 512, "other", "ssd", drive
    )


@pytest.mark.parametrize("volume", ["dm-42", "md42"])
def test_a_volume_over_a_loop_over_a_data_file_or_the_system_disk_is_refused(
    attach: Attach,
    data_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    volume: str,
) -> None:
    copy = _database_copy(tmp_path, data_dir)
    disk_image = _mbr_image(data_dir / "sauvegardes" / "disque-client.img", 8 * MiB)
    free_image = make_image(tmp_path / "FREE-2W9E.img", 8 * MiB)
    over_copy = Path(attach(copy)).name
    over_disk = Path(attach(disk_image, "--partscan")).name
    subprocess.run(["partx", "-u", f"/dev/{over_disk}"], check=False, capture_output=True)
    free = Path(attach(free_image)).name
    system = sorted(_root_disks())
    assert system, "the system disk should be found"
    cases = {
        "data": ([over_copy], ["ERASE_DATA_FILE"], f"/dev/{over_copy} → {copy}"),
        "partition": (
            [f"{over_disk}p1"],
            ["ERASE_DATA_FILE"],
            f"/dev/{over_disk}p1 → {disk_image}",
        ),
        "free": ([free], [], ""),
        "system": ([system[0]], ["ERASE_STACKED"], f"/dev/{system[0]}"),
    }
    for case, (slaves, codes, chain) in cases.items():
        monkeypatch.setattr(
            system_view, "SYS", _sysfs_with_volume(tmp_path / f"sys-{case}", volume, slaves)
        )
        found = refusals(_volume_target(volume), data_dir=data_dir)
        assert [e.code for e in found][:1] == codes, (case, [e.message.en for e in found])
        if chain:
            assert found[0].values["chain"] == chain, case
    system_refusal = refusals(_volume_target(volume), data_dir=data_dir)[0]
    reason = BenchError("ERASE_SYSTEM_DISK", path=f"/dev/{system[0]}").message.en
    assert system_refusal.message.en == f"/dev/{volume} stands on /dev/{system[0]}. {reason}"


def _has_device_mapper() -> bool:
    try:
        return any(line.split()[-1] == "device-mapper" for line in open("/proc/misc"))
    except OSError:
        return False


@pytest.mark.skipif(not _has_device_mapper(), reason="this kernel has no device-mapper")
def test_a_real_dm_linear_volume_over_a_loop_over_a_data_file_is_refused(
    attach: Attach, data_dir: Path, tmp_path: Path
) -> None:
    copy = _database_copy(tmp_path, data_dir)
    before = copy.read_bytes()
    lower = attach(copy)
    sectors = copy.stat().st_size // 512
    name = f"etabli-test-{os.getpid()}"
    env = dict(os.environ, DM_DISABLE_UDEV="1")  # no udev daemon needed: dmsetup makes nodes
    subprocess.run(
        ["dmsetup", "create", name, "--table", f"0 {sectors} linear {lower} 0"],
        check=True,
        capture_output=True,
        env=env,
    )
    try:
        dev = os.path.realpath(f"/dev/mapper/{name}")
        found = refusals(resolve_target(dev), data_dir=data_dir)
        assert found[0].code == "ERASE_DATA_FILE"
        assert found[0].values["chain"] == f"{lower} → {copy}"
        done = _cli(
            "erase",
            dev,
            "--method",
            "clear-zero",
            "--confirm-serial",
            Path(dev).name,
            data_dir=data_dir,
        )
        assert done.returncode == 2 and "a file of Établi’s data" in done.stderr
        image = _mbr_image(tmp_path / "laptop.img")
        written = _cli(
            "write-image", str(image), dev, "--confirm-serial", Path(dev).name, data_dir=data_dir
        )
        assert written.returncode == 2 and "a file of Établi’s data" in written.stderr
    finally:
        subprocess.run(["dmsetup", "remove", name], check=False, capture_output=True, env=env)
    assert copy.read_bytes() == before
