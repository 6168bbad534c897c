"""The overwrite and verification passes on image files: every byte replaced, a changed byte
found, bad sectors narrowed to their range, checkpoints that let a cut pass resume."""

from __future__ import annotations

import errno
import os
import threading
from pathlib import Path
from typing import Any

import pytest

from bench_app.devices.drives import blockio
from bench_app.devices.source import DeviceGone
from bench_app.erasure import overwrite as io
from bench_app.jobs.prompt import Cancelled

MiB = 1 << 20


def _control(**kw: Any) -> blockio.Control:
    return blockio.Control(threading.Event(), **kw)


def _overwrite(path: Path, stream: io.Stream, **kw: Any) -> io.PassResult:
    handle = blockio.BlockIO(str(path), write=True)
    try:
        return io.overwrite(
            handle, path.stat().st_size, stream, kw.pop("control", _control()), **kw
        )
    finally:
        handle.close()


def _verify(path: Path, stream: io.Stream, **kw: Any) -> io.VerifyResult:
    handle = blockio.BlockIO(str(path), write=False)
    try:
        return io.verify(handle, path.stat().st_size, stream, _control(), **kw)
    finally:
        handle.close()


@pytest.mark.parametrize("pattern", list(io.Pattern))
def test_a_pass_replaces_every_byte_and_verifies(image: Any, pattern: io.Pattern) -> None:
    path = image(size=24 * MiB + 4096)  # not a whole number of chunks
    before = path.read_bytes()
    stream = io.Stream.new(pattern)
    result = _overwrite(path, stream, chunk=2 * MiB)
    after = path.read_bytes()
    assert result.completed and not result.errors
    assert result.bytes_done == len(before)
    if pattern is io.Pattern.ZEROS:
        assert after == bytes(len(before))
    else:
        assert after.count(0) < len(after) // 200  # random, not zeros
        # Every 16-byte block differs from the donor's data (a chance of 2^-128 each).
        assert all(after[i : i + 16] != before[i : i + 16] for i in range(0, len(after), 4096))
    assert _verify(path, stream, chunk=2 * MiB).ok


def test_the_random_stream_is_regenerated_from_any_offset() -> None:
    stream = io.Stream.new(io.Pattern.RANDOM)
    whole = bytearray(4 * MiB)
    stream.fill(0, memoryview(whole), bytes(4 * MiB))
    part = bytearray(MiB)
    stream.fill(3 * MiB, memoryview(part), bytes(MiB))
    assert bytes(part) == bytes(whole[3 * MiB :])
    again = io.Stream.from_json(stream.to_json())
    other = bytearray(MiB)
    again.fill(3 * MiB, memoryview(other), bytes(MiB))
    assert other == part


@pytest.mark.parametrize("pattern", list(io.Pattern))
def test_verification_finds_one_changed_byte(image: Any, pattern: io.Pattern) -> None:
    path = image(size=16 * MiB)
    stream = io.Stream.new(pattern)
    _overwrite(path, stream)
    with open(path, "r+b") as f:
        f.seek(5 * MiB + 1234)
        old = f.read(1)
        f.seek(5 * MiB + 1234)
        f.write(bytes([old[0] ^ 0x01]))
    result = _verify(path, stream)
    assert not result.ok
    sector = (5 * MiB + 1234) // 512
    assert [(m.first, m.last) for m in result.mismatches] == [(sector, sector)]


def test_the_sample_covers_both_ends_and_a_tenth_spread_over_the_medium() -> None:
    size = 10_000 * MiB
    plan = io.sample_plan(size, b"seed")
    assert plan[0] == (0, io.SAMPLE_EDGE)
    assert plan[-1] == (size - io.SAMPLE_EDGE, io.SAMPLE_EDGE)
    read = sum(n for _, n in plan)
    assert 0.1 <= read / size <= 0.12
    starts = [o for o, _ in plan]
    assert starts == sorted(starts)
    # One block per stride, none past the end, at positions the seed decides.
    assert all(o + n <= size for o, n in plan)
    assert plan != io.sample_plan(size, b"other seed")
    assert plan == io.sample_plan(size, b"seed")


def test_a_sample_verification_finds_a_change_inside_a_sampled_block(image: Any) -> None:
    path = image(size=200 * MiB, random=False)
    stream = io.Stream(io.Pattern.ZEROS)
    plan = io.sample_plan(path.stat().st_size, b"k")
    offset, _ = plan[3]
    with open(path, "r+b") as f:
        f.seek(offset + 100)
        f.write(b"\x07")
    result = _verify(path, stream, regions=plan)
    assert result.mode == "sample" and not result.ok
    assert result.bytes_checked == sum(n for _, n in plan)


class FaultyIO(blockio.BlockIO):
    """A disk with bad sectors (or that goes away): the file answers EIO for some bytes."""

    def __init__(
        self, path: str, *, write: bool, bad: list[tuple[int, int]], gone_after: int | None = None
    ) -> None:
        super().__init__(path, write=write)
        self.bad = bad
        self.gone_after = gone_after

    def _fault(self, offset: int, length: int) -> None:
        if self.gone_after is not None and offset >= self.gone_after:
            raise OSError(errno.ENODEV, "No such device")
        for start, end in self.bad:
            if offset < end and start < offset + length:
                raise OSError(errno.EIO, "Input/output error")

    def pwrite(self, buf: memoryview, offset: int) -> int:
        self._fault(offset, len(buf))
        return super().pwrite(buf, offset)

    def preadinto(self, buf: memoryview, offset: int) -> int:
        self._fault(offset, len(buf))
        return super().preadinto(buf, offset)


def test_bad_sectors_are_narrowed_skipped_and_reported(image: Any) -> None:
    path = image(size=16 * MiB)
    bad = [(3 * MiB + 1024, 3 * MiB + 2048), (9 * MiB, 9 * MiB + 512)]
    handle = FaultyIO(str(path), write=True, bad=bad)
    stream = io.Stream(io.Pattern.ZEROS)
    try:
        result = io.overwrite(handle, 16 * MiB, stream, _control())
        verified = io.verify(handle, 16 * MiB, stream, _control())
    finally:
        handle.close()
    assert result.completed
    assert [(e.first, e.last, e.kind) for e in result.errors] == [
        ((3 * MiB + 1024) // 512, (3 * MiB + 2047) // 512, "write"),
        (9 * MiB // 512, 9 * MiB // 512, "write"),
    ]
    assert not verified.ok
    assert [(e.first, e.last) for e in verified.read_errors] == [
        (e.first, e.last) for e in result.errors
    ]
    # Everything around the bad sectors was written.
    data = path.read_bytes()
    assert data[: 3 * MiB + 1024] == bytes(3 * MiB + 1024)
    assert data[9 * MiB + 512 :] == bytes(7 * MiB - 512)


def test_a_drive_that_goes_away_raises_device_gone_after_a_checkpoint(image: Any) -> None:
    path = image(size=32 * MiB)
    handle = FaultyIO(str(path), write=True, bad=[], gone_after=20 * MiB)
    checkpoints: list[int] = []
    control = _control(checkpoint=checkpoints.append, checkpoint_seconds=0.0)
    try:
        with pytest.raises(DeviceGone):
            io.overwrite(handle, 32 * MiB, io.Stream(io.Pattern.ZEROS), control, chunk=4 * MiB)
    finally:
        handle.close()
    assert checkpoints and checkpoints[-1] == 20 * MiB


def test_a_cut_pass_resumes_from_its_checkpoint_with_the_same_stream(image: Any) -> None:
    path = image(size=32 * MiB)
    stream = io.Stream.new(io.Pattern.RANDOM)
    checkpoints: list[int] = []
    cancel = threading.Event()

    def progress(done: int) -> None:
        if done >= 12 * MiB:
            cancel.set()

    control = blockio.Control(cancel, progress, checkpoints.append, checkpoint_seconds=3600)
    with pytest.raises(Cancelled):
        _overwrite(path, stream, control=control, chunk=4 * MiB)
    assert checkpoints == [12 * MiB]  # a cancel flushes and records where it stopped
    data = path.read_bytes()
    expected = bytearray(32 * MiB)
    stream.fill(0, memoryview(expected), bytes(32 * MiB))
    assert data[: 12 * MiB] == expected[: 12 * MiB]
    assert data[12 * MiB :] != expected[12 * MiB :]
    resumed = _overwrite(path, io.Stream.from_json(stream.to_json()), start=checkpoints[-1])
    assert resumed.bytes_done == 20 * MiB
    assert path.read_bytes() == bytes(expected)
    assert _verify(path, stream).ok


def test_writes_bypass_the_page_cache_where_the_kernel_allows(image: Any) -> None:
    path = image(size=MiB)
    handle = blockio.BlockIO(str(path), write=True)
    try:
        flags = int(
            Path(f"/proc/self/fdinfo/{handle.fd}").read_text().split("flags:")[1].split()[0], 8
        )
        assert handle.direct == bool(flags & os.O_DIRECT)
        assert handle.direct  # the tests' temporary folder is on a disk, not tmpfs
    finally:
        handle.close()
