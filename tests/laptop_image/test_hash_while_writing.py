"""The image writer hashes each range on a thread of its own while the chunks already read
are written: an image whose range no longer matches its map is stopped before that range's
last chunk reaches the drive, wherever in the range the change sits; a matching image lands
byte for byte. Image and target are files this test made."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from bench_app.devices.drives import blockio
from bench_app.errors import BenchError
from bench_app.install.image_writer import plan_image, write_image

KiB, MiB = 1 << 10, 1 << 20
CHUNK = 256 * KiB
SIZE = 8 * MiB
# Two stretches of data (the rest holes): one of a single chunk, one of eight.
EXTENTS = [(0, CHUNK), (4 * MiB, 2 * MiB)]


def _image(folder: Path) -> Path:
    path = folder / "laptop.img"
    with open(path, "wb") as f:
        f.truncate(SIZE)
        for offset, length in EXTENTS:
            f.seek(offset)
            f.write(os.urandom(length))
    return path


def _target(folder: Path) -> Path:
    path = folder / "TARGET-H4SH.img"
    with open(path, "wb") as f:
        f.truncate(SIZE)
    return path


def _write(image: Path, target: Path, plan: object) -> None:
    out = blockio.BlockIO(str(target), write=True)
    try:
        write_image(plan, out, blockio.Control(threading.Event()), chunk=CHUNK)  # type: ignore[arg-type]
    finally:
        out.close()


def test_a_matching_image_lands_byte_for_byte(tmp_path: Path) -> None:
    image, target = _image(tmp_path), _target(tmp_path)
    plan = plan_image(image)
    assert len(plan.block_map.ranges) == len(EXTENTS)
    _write(image, target, plan)
    assert target.read_bytes() == image.read_bytes()


@pytest.mark.parametrize(
    "where",
    [4 * MiB, 4 * MiB + CHUNK - 1, 4 * MiB + CHUNK, 5 * MiB + 123, 6 * MiB - CHUNK, 6 * MiB - 1],
)
def test_a_range_changed_after_its_map_never_gets_its_last_chunk_written(
    tmp_path: Path, where: int
) -> None:
    image, target = _image(tmp_path), _target(tmp_path)
    plan = plan_image(image)  # the map is made now; the image changes afterwards
    with open(image, "r+b") as f:
        f.seek(where)
        byte = f.read(1)[0]
        f.seek(where)
        f.write(bytes([byte ^ 0x10]))
    with pytest.raises(BenchError) as raised:
        _write(image, target, plan)
    assert raised.value.code == "DISK_IMAGE_CORRUPT"
    written = target.read_bytes()
    assert written[:CHUNK] == image.read_bytes()[:CHUNK]  # the range before: whole
    assert written[6 * MiB - CHUNK : 6 * MiB] == bytes(CHUNK)  # its last chunk: never
