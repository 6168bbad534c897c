"""Disk images the tests build themselves (an ext4 filesystem with files in a sparse raw
file, and its compressed copies), and the loop devices of tests/devices_drives to write them
to."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.devices_drives.conftest import image, loop_device  # noqa: F401 - the same fixtures

MiB = 1 << 20
COMPRESSORS = {
    "gz": ["gzip", "-k", "-1"],
    "xz": ["xz", "-k", "-0", "-T2"],
    "bz2": ["bzip2", "-k", "-1"],
    "zst": ["zstd", "-q", "-1"],
}


def make_ext4_image(path: Path, size: int = 32 * MiB, data: int = 3 * MiB) -> Path:
    """A raw sparse image holding an ext4 filesystem with some files: only the blocks the
    filesystem wrote are allocated in the file."""
    with open(path, "wb") as f:
        f.truncate(size)
    subprocess.run(
        ["mkfs.ext4", "-q", "-F", "-E", "nodiscard", "-L", "etabli-test", str(path)],
        check=True,
        capture_output=True,
    )
    mnt = path.with_suffix(".mnt")
    mnt.mkdir()
    subprocess.run(["mount", "-o", "loop", str(path), str(mnt)], check=True)
    try:
        (mnt / "random.bin").write_bytes(os.urandom(data))
        (mnt / "etc").mkdir()
        (mnt / "etc" / "hostname").write_text("laptop-reconditionne\n")
        (mnt / "numbers.txt").write_text("".join(f"{i}\n" for i in range(100_000)))
    finally:
        subprocess.run(["umount", str(mnt)], check=True)
        mnt.rmdir()
    return path


def partition_table(path: Path, label: str = "dos") -> Path:
    """Writes a real partition table (MBR or GPT) by sfdisk over the start of an image file
    (and, for GPT, its backup header at the end): one Linux partition from 1 MiB on."""
    subprocess.run(
        ["sfdisk", "-q", "--no-reread", "--no-tell-kernel", str(path)],
        input=f"label: {label}\nstart=2048, type=L\n"
        if label == "dos"
        else f"label: {label}\nstart=2048, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4\n",
        text=True,
        check=True,
        capture_output=True,
    )
    return path


def bmaptool_create(image_path: Path) -> Path:
    bmap = image_path.with_name(image_path.name + ".bmap")
    subprocess.run(
        ["bmaptool", "create", str(image_path), "-o", str(bmap)], check=True, capture_output=True
    )
    return bmap


def compress(image_path: Path, kind: str) -> Path:
    subprocess.run([*COMPRESSORS[kind], "-f", str(image_path)], check=True, capture_output=True)
    return image_path.with_name(f"{image_path.name}.{kind}")


@pytest.fixture
def ext4_image(tmp_path: Path) -> Callable[..., Path]:
    def make(name: str = "debian-laptop.img", size: int = 32 * MiB, data: int = 3 * MiB) -> Path:
        return make_ext4_image(tmp_path / name, size, data)

    return make
