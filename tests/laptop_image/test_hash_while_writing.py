"""The image writer hashes the ranges on threads of their own while the chunks already read
are written: an image whose range no longer matches its map is stopped before that range's
last chunk reaches the drive, wherever in the range the change sits; a matching image lands
byte for byte. Image and target are files this test made."""

from __future__ import annotations

import itertools
import os
import tempfile
import threading
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bench_app.devices.drives import blockio
from bench_app.errors import BenchError
from bench_app.install import image_writer
from bench_app.install.bmap import BlockMap, MappedRange
from bench_app.install.image_writer import LAST_PIECE, _plan_chunks, plan_image, write_image

KiB, MiB = 1 << 10, 1 << 20
CHUNK = 256 * KiB
SIZE = 8 * MiB
# Two stretches of data (the rest holes): one of a single chunk, one of eight.
EXTENTS = [(0, CHUNK), (4 * MiB, 2 * MiB)]


def _image(folder: Path, size: int = SIZE, extents: list[tuple[int, int]] | None = None) -> Path:
    """An image of `size` bytes, random data in `extents` (offset, length), holes elsewhere."""
    path = folder / "laptop.img"
    with open(path, "wb") as f:
        f.truncate(size)
        for offset, length in EXTENTS if extents is None else extents:
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


def test_with_full_size_chunks_only_the_last_mib_of_a_changed_range_is_held_back(
    tmp_path: Path,
) -> None:
    """At the writer's own chunk size (8 MiB), a range of 10 MiB changed in its first chunk
    is written up to its last piece of at most LAST_PIECE, never that piece."""
    size, start, length = 16 * MiB, 2 * MiB, 10 * MiB
    image = tmp_path / "laptop.img"
    with open(image, "wb") as f:
        f.truncate(size)
        f.seek(start)
        f.write(os.urandom(length))
    target = tmp_path / "TARGET-T41L.img"
    with open(target, "wb") as f:
        f.truncate(size)
    plan = plan_image(image)
    with open(image, "r+b") as f:
        f.seek(start + 5)
        byte = f.read(1)[0]
        f.seek(start + 5)
        f.write(bytes([byte ^ 0x01]))
    out = blockio.BlockIO(str(target), write=True)
    try:
        with pytest.raises(BenchError) as raised:
            write_image(plan, out, blockio.Control(threading.Event()))
    finally:
        out.close()
    assert raised.value.code == "DISK_IMAGE_CORRUPT"
    written, source = target.read_bytes(), image.read_bytes()
    end = start + length
    assert written[start : end - LAST_PIECE] == source[start : end - LAST_PIECE]
    assert written[end - LAST_PIECE : end] == bytes(LAST_PIECE)


@settings(max_examples=200, deadline=None)
@given(
    ranges=st.lists(st.tuples(st.integers(0, 40), st.integers(1, 3000)), min_size=1, max_size=6),
    chunk_blocks=st.sampled_from([1, 3, 64, 256, 2048]),
    cut=st.integers(0, 4095),
    start_block=st.integers(0, 20000),
)
def test_the_chunks_cover_each_range_once_aligned_and_end_with_a_short_piece(
    ranges: list[tuple[int, int]], chunk_blocks: int, cut: int, start_block: int
) -> None:
    """Whatever the ranges, the chunk size and the resume point: every range not wholly
    written before `start` is cut into contiguous chunks from its first byte to its last,
    each starting on a block, none longer than a chunk, its last piece marked and at most
    LAST_PIECE bytes, the others not marked."""
    block = 4096
    mapped, first = [], 0
    for gap, count in ranges:
        first += gap
        mapped.append(MappedRange(first, first + count - 1, ""))
        first += count
    image_size = first * block - cut  # the last range may end mid-block
    block_map = BlockMap(image_size, block, tuple(mapped))
    chunk, start = chunk_blocks * block, start_block * block
    todo, pieces = _plan_chunks(block_map, start, chunk, last_piece=LAST_PIECE)
    expected = [i for i, r in enumerate(mapped) if sum(block_map.extent(r)) > start]
    assert sorted({p.index for p in pieces}) == expected
    for index in expected:
        offset, length = block_map.extent(mapped[index])
        mine = [(c, p) for c, p in zip(todo, pieces, strict=True) if p.index == index]
        assert mine[0][0][0] == offset
        assert sum(n for (_, n), _ in mine) == length
        for ((pos, n), _), ((after, _), _) in itertools.pairwise(mine):
            assert pos + n == after
        assert all(pos % block == 0 and 0 < n <= chunk for (pos, n), _ in mine)
        assert [p.last for _, p in mine] == [False] * (len(mine) - 1) + [True]
        assert mine[-1][0][1] <= min(LAST_PIECE, chunk)


@settings(max_examples=40, deadline=None)
@given(
    lengths=st.lists(st.integers(1, 12), min_size=1, max_size=7),
    threads=st.integers(1, 3),
    changed=st.one_of(st.none(), st.tuples(st.integers(0, 6), st.floats(0, 1, exclude_max=True))),
)
def test_ranges_hashed_on_several_threads_land_or_stop_at_the_changed_one(
    lengths: list[int], threads: int, changed: tuple[int, float] | None
) -> None:
    """Ranges go to the hashing threads in turn, so a range is hashed while the next one is.
    Whatever the number of threads and ranges, and whichever range changed after its map was
    made (anywhere in it): a matching image lands byte for byte; else the write stops with
    DISK_IMAGE_CORRUPT at that range, the ranges before it written whole, its last piece and
    every range after it never written."""
    block = 4096
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        extents, at = [], block
        for n in lengths:  # ranges of n chunks (the last one short), a hole between them
            extents.append((at, n * CHUNK - 3 * block))
            at += n * CHUNK + block
        size = at
        image = _image(folder, size, extents)
        target = _target(folder)
        with open(target, "r+b") as f:
            f.truncate(size)
        plan = plan_image(image)
        assert len(plan.block_map.ranges) == len(extents)
        bad = None
        if changed is not None:
            bad = changed[0] % len(extents)
            offset, length = extents[bad]
            where = offset + int(changed[1] * length)
            with open(image, "r+b") as f:
                f.seek(where)
                byte = f.read(1)[0]
                f.seek(where)
                f.write(bytes([byte ^ 0x80]))
        with mock.patch.object(image_writer, "HASH_THREADS", threads):
            if bad is None:
                _write(image, target, plan)
            else:
                with pytest.raises(BenchError) as raised:
                    _write(image, target, plan)
                assert raised.value.code == "DISK_IMAGE_CORRUPT"
        written, source = target.read_bytes(), image.read_bytes()
        if bad is None:
            assert written == source
            return
        for index, (offset, length) in enumerate(extents):
            if index < bad:
                assert written[offset : offset + length] == source[offset : offset + length]
            elif index > bad:
                assert written[offset : offset + length] == bytes(length)
        offset, length = extents[bad]
        tail = min(LAST_PIECE, CHUNK, length)
        assert written[offset + length - tail : offset + length] == bytes(tail)
