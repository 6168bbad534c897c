"""`etabli write-image` on loop devices the tests made: the image (raw or compressed, with a
bmaptool map, a built map, or none) lands byte for byte; damaged images and maps are refused
and never reported verified; verification catches a byte changed behind its back."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from bench_app.devices.drives import blockio
from bench_app.devices.drives.handle import DriveHandle
from bench_app.domain.model import DeviceStage, JobState
from bench_app.install.laptop_image import PIPELINE, image_write_record
from bench_app.station import Station
from bench_app.store import queries
from bench_app.store.database import DB_NAME, Store
from tests.laptop_image.conftest import bmaptool_create, compress
from tests.unit.support import finish

MiB = 1 << 20
CLI = [sys.executable, "-m", "bench_app.commands.main"]


def backing(dev: str) -> Path:
    return Path(Path(f"/sys/block/{Path(dev).name}/loop/backing_file").read_text().strip())


def write_image(
    image: Path, target: str, data_dir: Path, *extra: str, confirm: str | None = None
) -> subprocess.CompletedProcess[str]:
    serial = confirm or Path(target).stem.split(".")[0][-4:]
    if target.startswith("/dev/"):
        serial = confirm or backing(target).stem[-4:]
    return subprocess.run(
        [
            *CLI,
            "write-image",
            str(image),
            target,
            "--confirm-serial",
            serial,
            "--data-dir",
            str(data_dir),
            "--lang",
            "en",
            *extra,
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )


def read_dev(dev: str, size: int) -> bytes:
    with open(dev, "rb") as f:
        return f.read(size)


@pytest.mark.parametrize(
    ("variant", "sector", "map_source"),
    [
        ("raw+bmaptool", 512, "bmap-file"),
        ("raw", 4096, "sparse-file"),
        ("gz+bmaptool", 512, "bmap-file"),
        ("xz+bmaptool", 4096, "bmap-file"),
        ("bz2+bmaptool", 512, "bmap-file"),
        ("zst+bmaptool", 512, "bmap-file"),
        ("xz", 512, "whole-image"),
        ("zst", 512, "whole-image"),
    ],
)
def test_the_image_lands_byte_for_byte_and_is_verified(
    ext4_image: Callable[..., Path],
    loop_device: Callable[..., str],
    data_dir: Path,
    variant: str,
    sector: int,
    map_source: str,
) -> None:
    raw = ext4_image()
    if "bmaptool" in variant:
        bmaptool_create(raw)
    kind = variant.split("+")[0]
    img = raw if kind == "raw" else compress(raw, kind)
    dev = loop_device("LAPTOP-SN-7K4Q.img", size=40 * MiB, sector=sector, random=False)
    done = write_image(img, dev, data_dir, "--json")
    assert done.returncode == 0, done.stderr
    record = json.loads(done.stdout)
    assert record["result"] == "installed" and record["verified"] is True
    assert record["map_source"] == map_source and record["image"] == img.name
    assert record["image_size"] == raw.stat().st_size
    assert record["target"]["serial"] == "LAPTOP-SN-7K4Q"
    v = record["verification"]
    assert v["ok"] and v["direct_io"] and v["bytes_checked"] == record["mapped_bytes"]
    if map_source == "whole-image":
        assert record["mapped_bytes"] == raw.stat().st_size and record["checksum_of"] == "image"
    else:
        assert record["mapped_bytes"] < raw.stat().st_size // 2
    # The target was zeros: it now reads as the image, over the image's whole size.
    assert read_dev(dev, raw.stat().st_size) == raw.read_bytes()
    with Store.open_for_reading(data_dir / DB_NAME) as store:
        device = queries.device(store, record["device_id"])
        types = [e.type for e in queries.events(store, record["device_id"])]
    assert device is not None and device.stage is DeviceStage.INSTALLED
    assert types.count("image.write_started") == 1 and types.count("image.written") == 1


def test_blocks_outside_the_map_keep_what_was_there(
    ext4_image: Callable[..., Path], loop_device: Callable[..., str], data_dir: Path
) -> None:
    """Unmapped blocks are left alone: the laptop flow erases the drive first."""
    raw = ext4_image()
    dev = loop_device("OLDDATA-3J8P.img", size=64 * MiB, random=True)
    before = backing(dev).read_bytes()
    done = write_image(raw, dev, data_dir, "--json", "--bmap", str(bmaptool_create(raw)))
    assert done.returncode == 0, done.stderr
    after = read_dev(dev, 64 * MiB)
    image = raw.read_bytes()
    from bench_app.install.bmap import read_bmap

    block_map = read_bmap(raw.with_name(raw.name + ".bmap"))
    mapped = [block_map.extent(r) for r in block_map.ranges]
    for offset, length in mapped:
        assert after[offset : offset + length] == image[offset : offset + length]
    gap_start = mapped[0][0] + mapped[0][1]
    gap_end = mapped[1][0]
    assert gap_end > gap_start and after[gap_start:gap_end] == before[gap_start:gap_end]


def test_a_truncated_compressed_image_without_a_map_is_refused_before_writing(
    ext4_image: Callable[..., Path], loop_device: Callable[..., str], data_dir: Path
) -> None:
    xz = compress(ext4_image(), "xz")
    data = xz.read_bytes()
    xz.write_bytes(data[: len(data) * 2 // 3])
    dev = loop_device("TRUNC-2X8Q.img", size=40 * MiB)
    before = backing(dev).read_bytes()
    done = write_image(xz, dev, data_dir)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "is damaged" in done.stderr and "xz" in done.stderr
    assert backing(dev).read_bytes() == before


@pytest.mark.parametrize("kind", ["xz", "zst", "gz"])
def test_a_truncated_compressed_image_with_a_map_stops_and_is_not_verified(
    ext4_image: Callable[..., Path],
    loop_device: Callable[..., str],
    data_dir: Path,
    kind: str,
) -> None:
    raw = ext4_image()
    bmaptool_create(raw)
    packed = compress(raw, kind)
    data = packed.read_bytes()
    packed.write_bytes(data[: len(data) // 2])
    dev = loop_device("TRUNC-5M2W.img", size=40 * MiB, random=False)
    done = write_image(packed, dev, data_dir, "--json")
    assert done.returncode == 1, done.stdout + done.stderr
    record = json.loads(done.stdout)
    assert record["result"] == "not_installed" and record["verified"] is False
    assert record["failure"]["code"] == "DISK_IMAGE_CORRUPT"
    assert "is damaged" in done.stderr
    with Store.open_for_reading(data_dir / DB_NAME) as store:
        written = [e for e in queries.events(store) if e.type == "image.written"]
        device = queries.device(store, record["device_id"])
    assert written == [] and device is not None and device.stage is not DeviceStage.INSTALLED


def test_an_image_that_does_not_match_its_map_is_stopped_at_that_range(
    ext4_image: Callable[..., Path], loop_device: Callable[..., str], data_dir: Path
) -> None:
    raw = ext4_image()
    from bench_app.install.bmap import read_bmap

    block_map = read_bmap(bmaptool_create(raw))
    last = block_map.ranges[-1]
    offset, _ = block_map.extent(last)
    with open(raw, "r+b") as f:  # the image changed after its map was made
        f.seek(offset + 100)
        byte = f.read(1)
        f.seek(offset + 100)
        f.write(bytes([byte[0] ^ 0xFF]))
    dev = loop_device("MISMATCH-8D3R.img", size=40 * MiB, random=False)
    done = write_image(raw, dev, data_dir, "--json")
    assert done.returncode == 1
    record = json.loads(done.stdout)
    assert record["result"] == "not_installed" and record["failure"]["code"] == "DISK_IMAGE_CORRUPT"
    assert f"blocks {last.first}–{last.last} do not match" in record["failure"]["message"]["en"]
    # The range that does not match was never written (the target was zeros).
    assert read_dev(dev, offset + 4096)[offset:] == bytes(4096)


def test_a_damaged_map_or_a_wrong_sha256_is_refused_before_writing(
    ext4_image: Callable[..., Path], loop_device: Callable[..., str], data_dir: Path
) -> None:
    raw = ext4_image()
    bmap = bmaptool_create(raw)
    dev = loop_device("REFUSE-6T1K.img", size=40 * MiB)
    before = backing(dev).read_bytes()
    text = bmap.read_bytes()
    bmap.write_bytes(text.replace(b"<ImageSize> ", b"<ImageSize> 1", 1))
    done = write_image(raw, dev, data_dir)
    assert done.returncode == 2 and "was changed or damaged" in done.stderr
    bmap.write_bytes(text)
    done = write_image(raw, dev, data_dir, "--sha256", "0" * 64)
    assert done.returncode == 2 and "is not the one expected" in done.stderr
    assert backing(dev).read_bytes() == before
    # The right sha256 of the file as published is accepted.
    import hashlib

    good = hashlib.sha256(raw.read_bytes()).hexdigest()
    assert write_image(raw, dev, data_dir, "--sha256", good).returncode == 0


class TamperingDrive(DriveHandle):
    """Changes one byte of the disk behind the writer's back, through the loop device's
    backing file, right before the verification reads."""

    def __init__(self, path: str, at: int) -> None:
        super().__init__(path)
        self.at = at

    def open_io(self, *, write: bool) -> blockio.BlockIO:
        if not write:
            with open(backing(self.path), "r+b") as f:
                f.seek(self.at)
                value = f.read(1)[0]
                f.seek(self.at)
                f.write(bytes([value ^ 0x01]))
        return super().open_io(write=write)


def test_verification_catches_a_byte_flipped_between_write_and_verify(
    ext4_image: Callable[..., Path], loop_device: Callable[..., str], station: Station
) -> None:
    raw = ext4_image()
    from bench_app.install.bmap import read_bmap

    block_map = read_bmap(bmaptool_create(raw))
    bad = block_map.ranges[len(block_map.ranges) // 2]
    offset, length = block_map.extent(bad)
    dev = loop_device("FLIP-4N6B.img", size=40 * MiB, random=False)
    handle = TamperingDrive(dev, offset + length // 2)
    device = station.device_connected(handle)
    job = station.start_job(
        device.id, PIPELINE, {"image": str(raw), "bmap": None, "confirm_serial": "4n6b"}
    )
    assert finish(job) is JobState.BLOCKED
    record = image_write_record(station.store, job.id)
    assert record is not None and record["result"] == "not_installed"
    assert record["verified"] is False
    assert record["verification"]["mismatches"] == [
        {"first_block": bad.first, "last_block": bad.last}
    ]
    assert job.message is not None and job.message.en.startswith("NOT INSTALLED")
    assert (station.device(device.id) or device).stage is not DeviceStage.INSTALLED


def test_a_raw_image_that_is_not_sparse_is_written_whole(
    tmp_path: Path, loop_device: Callable[..., str], data_dir: Path
) -> None:
    """An image of random bytes (no filesystem, not sparse) is written whole, once the
    operator said to write it although it looks like no disk image."""
    img = tmp_path / "blob.img"
    img.write_bytes(os.urandom(3 * MiB + 512))  # not a multiple of the block size
    dev = loop_device("BLOB-9V5C.img", size=8 * MiB, random=False)
    done = write_image(img, dev, data_dir, "--json", "--no-layout-check")
    assert done.returncode == 0, done.stderr
    assert read_dev(dev, 3 * MiB + 512) == img.read_bytes()
    record = json.loads(done.stdout)
    assert record["mapped_bytes"] == 3 * MiB + 512 and record["map_source"] == "sparse-file"
