"""Sparse images, cross-checked with Debian's img2simg and simg2img."""

from __future__ import annotations

import contextlib
import os
import random
import subprocess
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench_app.devices.fastboot import sparse
from bench_app.devices.fastboot.sparse import (
    ChunkType,
    MappedFile,
    Source,
    SparseFormatError,
    SparseImage,
    convert_file,
    expand_file,
)
from tests.fastboot.support import BLOCK, img2simg, make_raw, simg2img, tool


def test_our_sparse_image_is_byte_identical_to_img2simg(tmp_path: Path) -> None:
    make_raw(tmp_path / "raw.img", (3 << 20) + 1000)
    img2simg(tmp_path / "raw.img", tmp_path / "debian.simg")
    convert_file(tmp_path / "raw.img", tmp_path / "ours.simg")
    assert (tmp_path / "ours.simg").read_bytes() == (tmp_path / "debian.simg").read_bytes()


def test_img2simg_output_expands_to_the_raw_image(tmp_path: Path) -> None:
    raw = make_raw(tmp_path / "raw.img", 2 << 20)
    img2simg(tmp_path / "raw.img", tmp_path / "d.simg")
    image = expand_file(tmp_path / "d.simg", tmp_path / "back.img")
    assert (tmp_path / "back.img").read_bytes() == raw
    kinds = [c.kind for c in image.chunks]
    assert ChunkType.FILL in kinds and ChunkType.RAW in kinds


@pytest.mark.parametrize("skip_zeros", [False, True])
def test_pieces_fit_and_simg2img_puts_them_back_together(tmp_path: Path, skip_zeros: bool) -> None:
    raw = make_raw(tmp_path / "raw.img", (5 << 20) + 3 * BLOCK)
    limit = 700_000
    with MappedFile(tmp_path / "raw.img") as mapped:
        image = SparseImage.from_raw(mapped, skip_zeros=skip_zeros)
        pieces = image.split(limit)
        paths = []
        for index, piece in enumerate(pieces):
            path = tmp_path / f"piece{index}.simg"
            piece.write(path)
            assert path.stat().st_size == piece.encoded_size() <= limit
            paths.append(path)
    assert len(pieces) >= 8
    simg2img(*paths, tmp_path / "joined.img")
    assert (tmp_path / "joined.img").read_bytes() == raw


def test_holes_of_a_file_are_left_out_without_reading_them(tmp_path: Path) -> None:
    path = tmp_path / "fs.img"
    with open(path, "wb") as f:
        f.truncate(64 << 20)
        f.seek(8 << 20)
        f.write(os.urandom(3 * BLOCK))
    with MappedFile(path) as mapped:
        image = SparseImage.from_raw(mapped, skip_holes=True)
        assert [(c.kind, c.start, c.blocks) for c in image.chunks] == [
            (ChunkType.RAW, (8 << 20) // BLOCK, 3)
        ]
        image.write(tmp_path / "fs.simg")
    assert (tmp_path / "fs.simg").stat().st_size < 20_000
    simg2img(tmp_path / "fs.simg", tmp_path / "fs.back")
    assert (tmp_path / "fs.back").read_bytes() == path.read_bytes()


def test_a_truncated_image_is_refused_with_the_reason(tmp_path: Path) -> None:
    make_raw(tmp_path / "raw.img", 1 << 20)
    img2simg(tmp_path / "raw.img", tmp_path / "d.simg")
    data = (tmp_path / "d.simg").read_bytes()
    with pytest.raises(SparseFormatError, match="past the end"):
        SparseImage.parse(Source(memoryview(data[:-100])))
    with pytest.raises(SparseFormatError, match="bad magic"):
        SparseImage.parse(Source(memoryview(b"\0" * 64)))


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400))
def test_arbitrary_bytes_never_crash_the_reader(data: bytes) -> None:
    for candidate in (data, bytes.fromhex("3aff26ed010000001c000c00") + data):
        with contextlib.suppress(SparseFormatError):
            SparseImage.parse(Source(memoryview(candidate)))


BLOCKS = st.lists(
    st.one_of(
        st.just(bytes(64)),
        st.binary(min_size=4, max_size=4).map(lambda b: b * 16),
        st.binary(min_size=64, max_size=64),
    ),
    min_size=1,
    max_size=40,
)


@settings(max_examples=150, deadline=None)
@given(BLOCKS, st.integers(min_value=0, max_value=63), st.integers(min_value=150, max_value=900))
def test_any_image_round_trips_through_write_split_and_apply(
    blocks: list[bytes], tail: int, limit: int
) -> None:
    raw = b"".join(blocks)[: len(blocks) * 64 - tail] or b"\1"
    image = SparseImage.from_raw(Source(memoryview(raw)), block_size=64)
    encoded = b"".join(bytes(p) for p in image.parts())  # type: ignore[arg-type]
    assert len(encoded) == image.encoded_size()
    again = SparseImage.parse(Source(memoryview(encoded)))
    assert again.total_blocks == image.total_blocks
    fd = os.memfd_create("target")
    try:
        os.ftruncate(fd, image.expanded_size)
        for piece in again.split(limit):
            assert piece.encoded_size() <= limit
            piece.apply(fd)
        assert os.pread(fd, len(raw), 0) == raw
    finally:
        os.close(fd)


def test_debian_simg2img_reads_an_image_with_a_fill_of_every_kind(tmp_path: Path) -> None:
    raw = b"".join([os.urandom(BLOCK), b"\xff" * BLOCK * 3, bytes(BLOCK * 2), os.urandom(100)])
    (tmp_path / "r.img").write_bytes(raw)
    convert_file(tmp_path / "r.img", tmp_path / "r.simg", skip_zeros=True)
    out = subprocess.run(
        [tool("simg2img"), str(tmp_path / "r.simg"), str(tmp_path / "back")], check=False
    )
    assert out.returncode == 0
    back = (tmp_path / "back").read_bytes()
    assert back[: len(raw)] == raw and not any(back[len(raw) :])


def _reference_chunks(
    raw: bytes, block_size: int, skip_zeros: bool
) -> list[tuple[ChunkType, int, int, int, bytes]]:
    """The sorting into RAW and FILL, one block at a time, straight from the definition:
    a whole block that is one 4-byte value repeated is FILL, any other block RAW."""
    runs: list[tuple[ChunkType | None, int, int, bytes]] = []  # kind, first block, blocks, fill
    for index in range(-(-len(raw) // block_size)):
        block = raw[index * block_size : (index + 1) * block_size]
        kind: ChunkType | None = ChunkType.RAW
        fill = b""
        if len(block) == block_size and block[4:] == block[:-4]:
            fill = block[:4]
            kind = None if skip_zeros and fill == bytes(4) else ChunkType.FILL
        if runs and runs[-1][0] is kind and runs[-1][3] == fill:
            last_kind, first, blocks, _ = runs[-1]
            runs[-1] = (last_kind, first, blocks + 1, fill)
        else:
            runs.append((kind, index, 1, fill))
    return [
        (kind, first, blocks, first * block_size, fill)
        for kind, first, blocks, fill in runs
        if kind is not None
    ]


# Blocks of 64 bytes: random, zero, a repeated value, and a repeated value with one byte
# changed anywhere (the bulk sorting only probes a few bytes of each block, so a block that
# differs elsewhere must still come out RAW).
SORTED_BLOCKS = st.lists(
    st.one_of(
        st.binary(min_size=64, max_size=64),
        st.just(bytes(64)),
        st.sampled_from([b"\xff\xff\xff\xff", b"\xde\xad\xbe\xef", bytes(4)]).map(lambda v: v * 16),
        st.tuples(
            st.sampled_from([bytes(4), b"\xde\xad\xbe\xef"]),
            st.integers(min_value=0, max_value=63),
        ).map(lambda t: bytes(b ^ (i == t[1]) for i, b in enumerate(t[0] * 16))),
    ),
    min_size=1,
    max_size=60,
)


@settings(max_examples=200, deadline=None)
@given(
    SORTED_BLOCKS,
    st.integers(min_value=0, max_value=63),
    st.sampled_from([64, 192, 256, 1024, 1 << 20]),
    st.booleans(),
)
def test_bulk_block_sorting_matches_sorting_block_by_block(
    blocks: list[bytes], tail: int, window: int, skip_zeros: bool
) -> None:
    """Whatever the blocks and wherever the sorting windows fall, the chunks are those of
    the block-by-block definition (runs merged across windows, a partial last block RAW)."""
    raw = b"".join(blocks)[: len(blocks) * 64 - tail] or b"\1"
    with mock.patch.object(sparse, "WINDOW", window):
        image = SparseImage.from_raw(Source(memoryview(raw)), 64, skip_zeros=skip_zeros)
    got = [(c.kind, c.start, c.blocks, c.offset, c.fill) for c in image.chunks]
    assert got == _reference_chunks(raw, 64, skip_zeros)


def test_a_large_file_is_sorted_the_same_through_its_memory_map(tmp_path: Path) -> None:
    """4 KiB blocks over several 1 MiB windows of a real file: long zero and pattern runs
    crossing windows, lone uniform blocks, and near-uniform blocks."""
    rng = random.Random(7)
    pieces = []
    for _ in range(700):
        choice = rng.random()
        if choice < 0.5:
            pieces.append(rng.randbytes(BLOCK))
        elif choice < 0.8:
            pieces.append(bytes(BLOCK) * rng.randint(1, 400))
        elif choice < 0.9:
            pieces.append(b"\x01\x02\x03\x04" * (BLOCK // 4) * rng.randint(1, 3))
        else:
            block = bytearray(BLOCK)
            block[rng.randrange(BLOCK)] = 1
            pieces.append(bytes(block))
    raw = b"".join(pieces) + rng.randbytes(1000)
    (tmp_path / "raw.img").write_bytes(raw)
    with MappedFile(tmp_path / "raw.img") as mapped:
        image = SparseImage.from_raw(mapped)
        got = [(c.kind, c.start, c.blocks, c.offset, c.fill) for c in image.chunks]
    assert len(raw) > 8 << 20
    assert got == _reference_chunks(raw, BLOCK, False)
