"""The verification with several reads in flight, each chunk compared on its reading thread
a piece at a time: one changed byte is found wherever it sits (the first or last byte of a
read chunk or of a compared piece, the medium's ends), exactly at its sector, and ranges
come back in order, merged across chunk boundaries."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench_app.devices.drives import blockio
from bench_app.erasure import overwrite as io

MiB = 1 << 20
CHUNK = MiB  # small chunks: many reads, several on each reading thread
SIZE = 5 * MiB + 3 * 4096  # not a whole number of chunks nor of pieces
SECTOR = 512


def _control() -> blockio.Control:
    return blockio.Control(threading.Event())


def _write(path: Path, stream: io.Stream) -> None:
    handle = blockio.BlockIO(str(path), write=True)
    try:
        assert io.overwrite(handle, SIZE, stream, _control(), chunk=CHUNK).completed
    finally:
        handle.close()


def _verify(path: Path, stream: io.Stream) -> io.VerifyResult:
    handle = blockio.BlockIO(str(path), write=False)
    try:
        return io.verify(handle, SIZE, stream, _control(), chunk=CHUNK)
    finally:
        handle.close()


def _flip(path: Path, position: int, mask: int = 0x01) -> None:
    with open(path, "r+b") as f:
        f.seek(position)
        old = f.read(1)[0]
        f.seek(position)
        f.write(bytes([old ^ mask]))


@pytest.fixture(scope="module", params=list(io.Pattern))
def written(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Path, io.Stream]]:
    """One image, written once by a pass of each pattern; each test restores what it flips."""
    path = tmp_path_factory.mktemp("verify-reads") / "DISK-V3RF-2R3D.img"
    with open(path, "wb") as f:
        f.write(os.urandom(SIZE))
    stream = io.Stream.new(request.param)
    _write(path, stream)
    assert _verify(path, stream).ok
    yield path, stream


def _edges() -> list[int]:
    """The bytes where a read chunk or a compared piece starts or ends, and the two ends."""
    spots = {0, 1, SIZE - 1, SIZE - 2}
    for edge in range(0, SIZE + 1, io.PIECE):  # every chunk edge is a piece edge too
        spots.update({edge - 1, edge, edge + 1})
    return sorted(p for p in spots if 0 <= p < SIZE)


def test_the_edges_cover_chunks_and_pieces() -> None:
    assert CHUNK % io.PIECE == 0 and CHUNK > io.PIECE  # pieces inside chunks, chunks of pieces
    assert {CHUNK - 1, CHUNK, 2 * CHUNK - 1, io.PIECE - 1, io.PIECE} <= set(_edges())


@pytest.mark.parametrize("position", _edges())
def test_a_byte_changed_at_an_edge_is_found_at_its_sector(
    written: tuple[Path, io.Stream], position: int
) -> None:
    path, stream = written
    _flip(path, position)
    try:
        result = _verify(path, stream)
    finally:
        _flip(path, position)
    assert not result.ok
    assert [(m.first, m.last) for m in result.mismatches] == [(position // SECTOR,) * 2]
    assert result.bytes_checked == SIZE and not result.read_errors


@settings(
    max_examples=25,
    derandomize=True,  # the same positions on every run
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(position=st.integers(0, SIZE - 1), mask=st.integers(1, 255))
def test_any_one_changed_byte_is_found_at_its_sector(
    written: tuple[Path, io.Stream], position: int, mask: int
) -> None:
    path, stream = written
    _flip(path, position, mask)
    try:
        result = _verify(path, stream)
    finally:
        _flip(path, position, mask)
    assert [(m.first, m.last) for m in result.mismatches] == [(position // SECTOR,) * 2]


def test_the_untouched_image_verifies(written: tuple[Path, io.Stream]) -> None:
    path, stream = written
    assert _verify(path, stream).ok


def test_changes_in_several_chunks_come_back_in_order_merged_across_a_chunk_edge(
    written: tuple[Path, io.Stream],
) -> None:
    path, stream = written
    # The last byte of chunk 1 and the first of chunk 2 (two neighbouring sectors read by
    # two threads), one byte in chunk 4, one in the last sector.
    spots = [2 * CHUNK - 1, 2 * CHUNK, 4 * CHUNK + 12345, SIZE - 1]
    for spot in spots:
        _flip(path, spot)
    try:
        result = _verify(path, stream)
    finally:
        for spot in spots:
            _flip(path, spot)
    edge = 2 * CHUNK // SECTOR
    assert [(m.first, m.last) for m in result.mismatches] == [
        (edge - 1, edge),
        ((4 * CHUNK + 12345) // SECTOR,) * 2,
        ((SIZE - 1) // SECTOR,) * 2,
    ]


def test_a_sample_verification_keeps_finding_changes_with_reads_in_flight(
    written: tuple[Path, io.Stream],
) -> None:
    path, stream = written
    regions = [(0, 64 * 1024), (3 * MiB + 4096, 200 * 1024), (SIZE - 8192, 8192)]
    inside, outside = 3 * MiB + 4096 + 100_000, 2 * MiB
    for spot in (inside, outside):
        _flip(path, spot)
    handle = blockio.BlockIO(str(path), write=False)
    try:
        result = io.verify(handle, SIZE, stream, _control(), regions=regions, chunk=CHUNK)
    finally:
        handle.close()
        for spot in (inside, outside):
            _flip(path, spot)
    assert result.mode == "sample" and result.bytes_checked == sum(n for _, n in regions)
    assert [(m.first, m.last) for m in result.mismatches] == [(inside // SECTOR,) * 2]


def test_the_stream_made_chunk_after_chunk_is_the_stream_made_at_each_offset() -> None:
    stream = io.Stream.new(io.Pattern.RANDOM)
    keys = io._Keystream(stream)
    made = [bytearray(MiB + 4096) for _ in range(3)]
    offsets = [0, MiB + 4096, 7 * MiB]  # two in a row (one context), then a jump
    for offset, buf in zip(offsets, made, strict=True):
        keys.fill(offset, memoryview(buf))
    for offset, buf in zip(offsets, made, strict=True):
        fresh = bytearray(len(buf))
        stream.fill(offset, memoryview(fresh))
        assert fresh == buf


def test_read_ahead_with_several_workers_hands_chunks_over_in_order() -> None:
    todo = [(i * 4096, 4096) for i in range(23)]
    threads: dict[int, str] = {}

    def fill(offset: int, view: memoryview) -> None:
        threads[offset] = threading.current_thread().name + str(threading.get_ident())
        view[:8] = offset.to_bytes(8, "big")
        if offset == 17 * 4096:
            raise OSError(5, "bad sector")

    seen: list[tuple[int, int, bool]] = []
    with blockio.ReadAhead(todo, fill, 4096, workers=3) as ahead:
        for offset, buf, _length, error in ahead:
            seen.append((offset, int.from_bytes(buf[:8], "big"), error is not None))
            ahead.release(buf)
    assert [s[0] for s in seen] == [o for o, _ in todo]
    assert all(offset == content for offset, content, _ in seen)  # each buffer its own chunk
    assert [s[0] for s in seen if s[2]] == [17 * 4096]  # the error travels with its chunk
    assert len(set(threads.values())) == 3


def test_read_ahead_passes_on_what_a_worker_raised_in_its_turn() -> None:
    todo = [(i * 4096, 4096) for i in range(8)]

    def fill(offset: int, view: memoryview) -> None:
        if offset == 5 * 4096:
            raise ValueError("broken")

    got: list[int] = []
    with (
        pytest.raises(ValueError, match="broken"),
        blockio.ReadAhead(todo, fill, 4096, workers=2) as ahead,
    ):
        for offset, buf, _, _ in ahead:
            got.append(offset)
            ahead.release(buf)
    assert got == [0, 4096, 2 * 4096, 3 * 4096, 4 * 4096]
