"""The overwrite and verification passes of a Clear (NIST SP 800-88 Rev. 1), at disk speed.

A pass writes the whole addressable area, in order, with zeros or an AES-256-CTR stream,
through O_DIRECT and page-aligned buffers, so the page cache neither slows it down nor hides
what reached the disk. The random stream is made by a second thread while the first writes.
Every few seconds the pass flushes the disk's cache and reports a checkpoint: an offset below
which everything is on the platter or in flash, so a pass cut by a crash or an unplug
resumes there. A sector that cannot be written or read is not fatal to the pass: it is
narrowed down sector by sector, skipped, and reported as a range.

The verification pass reads back everything (or the documented sample, see `sample_plan`)
and compares it with zeros or with the regenerated stream: READS threads each read a chunk
and compare it (run through the cipher, which must give zeros) while the other's read is in
flight, so the disk always has a read queued.
"""

from __future__ import annotations

import mmap
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from bench_app.devices.drives.blockio import (
    CHUNK,
    BlockIO,
    Chunk,
    Control,
    ReadAhead,
    aligned,
    raise_if_gone,
    read_all,
    write_all,
)
from bench_app.jobs.prompt import Cancelled

# The sample verification: every SAMPLE_STRIDE bytes, one SAMPLE_BLOCK at a position drawn
# from the pass's seed, plus the first and last SAMPLE_EDGE bytes: a tenth of the medium,
# spread over all of it, and both ends where partition tables and metadata live.
SAMPLE_BLOCK = 1 << 20
SAMPLE_STRIDE = 10 << 20
SAMPLE_EDGE = 16 << 20


class Pattern(StrEnum):
    ZEROS = "zeros"
    RANDOM = "aes-256-ctr"


@dataclass(frozen=True, slots=True)
class Stream:
    """What a pass writes. A random stream is fixed by its key and counter, recorded with the
    pass, so that the verification (and a resumed pass) can regenerate any part of it."""

    pattern: Pattern
    key: bytes = b""
    counter: bytes = b""

    @classmethod
    def new(cls, pattern: Pattern) -> Stream:
        if pattern is Pattern.ZEROS:
            return cls(pattern)
        return cls(pattern, os.urandom(32), os.urandom(16))

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Stream:
        return cls(
            Pattern(data["pattern"]),
            bytes.fromhex(data.get("key", "")),
            bytes.fromhex(data.get("counter", "")),
        )

    def to_json(self) -> dict[str, str]:
        return {"pattern": self.pattern.value, "key": self.key.hex(), "counter": self.counter.hex()}

    def fill(self, offset: int, out: memoryview, zeros: bytes = b"") -> None:
        """Writes into `out` the stream's bytes that belong at `offset` (a multiple of 16)."""
        if self.pattern is Pattern.ZEROS:
            for pos in range(0, len(out), PIECE):
                end = min(len(out), pos + PIECE)
                out[pos:end] = _ZERO_VIEW[: end - pos]
            return
        _Keystream(self).fill(offset, out)

    def encryptor(self, offset: int) -> Any:
        """An AES-256-CTR context positioned at byte `offset` (a multiple of 16) of the stream:
        encrypting zeros with it gives the stream, and the disk's bytes, zeros where they match."""
        start = (int.from_bytes(self.counter, "big") + offset // 16) % (1 << 128)
        return Cipher(algorithms.AES(self.key), modes.CTR(start.to_bytes(16, "big"))).encryptor()


# The stream is made and checked PIECE bytes at a time: input and output of the cipher then
# stay in the CPU's cache, so a GiB costs the cipher's own work, not three trips to memory.
PIECE = 256 << 10
_ZEROS = bytes(PIECE)
_ZERO_VIEW = memoryview(_ZEROS)


class _Keystream:
    """One cipher context per run of consecutive chunks: a pass asks for its chunks in order,
    so the context moves on by itself and is only re-keyed at a jump (sample regions)."""

    def __init__(self, stream: Stream) -> None:
        self.stream = stream
        self.enc: Any = None
        self.next = -1

    def at(self, offset: int, length: int) -> Any:
        if self.enc is None or offset != self.next:
            self.enc = self.stream.encryptor(offset)
        self.next = offset + length
        return self.enc

    def fill(self, offset: int, out: memoryview) -> None:
        """The stream's bytes at `offset`, written into `out` (no allocation)."""
        enc = self.at(offset, len(out))
        for pos in range(0, len(out), PIECE):
            end = min(len(out), pos + PIECE)
            enc.update_into(_ZERO_VIEW[: end - pos], out[pos:end])


@dataclass(slots=True)
class SectorRange:
    first: int
    last: int  # inclusive
    kind: str  # write, read, mismatch

    def to_json(self) -> dict[str, Any]:
        return {"first_sector": self.first, "last_sector": self.last, "kind": self.kind}


@dataclass(slots=True)
class PassResult:
    start: int
    end: int
    bytes_done: int
    seconds: float
    completed: bool
    errors: list[SectorRange] = field(default_factory=list)

    @property
    def throughput(self) -> float:
        return self.bytes_done / self.seconds if self.seconds > 0 else 0.0


def overwrite(
    io: BlockIO,
    size: int,
    stream: Stream,
    control: Control,
    *,
    start: int = 0,
    sector: int = 512,
    chunk: int = CHUNK,
) -> PassResult:
    """Writes `stream` from `start` to the end of the device. Raises Cancelled (after a
    checkpoint) or DeviceGone; bad sectors are skipped and returned as ranges."""
    result = PassResult(start, size, 0, 0.0, False)
    began = time.monotonic()
    last_checkpoint = began
    todo = chunks([(start, size - start)], chunk)
    source: ReadAhead | _Constant
    if stream.pattern is Pattern.ZEROS:
        source = _Constant(todo, chunk)
    else:
        source = ReadAhead(todo, _Keystream(stream).fill, chunk)
    with source as produced:
        for offset, buf, length, _ in produced:
            if control.cancelled.is_set():
                _checkpoint(io, control, offset, result)
                raise Cancelled()
            view = memoryview(buf)[:length]
            try:
                write_all(io, view, offset)
            except OSError as exc:
                raise_if_gone(exc, control, io.path)
                result.errors.extend(_narrow(io, view, offset, sector, "write", control))
            finally:
                produced.release(buf)
            result.bytes_done += length
            control.progress(offset + length - start)
            now = time.monotonic()
            if now - last_checkpoint >= control.checkpoint_seconds:
                _checkpoint(io, control, offset + length, result)
                last_checkpoint = now
    _checkpoint(io, control, size, result)
    result.seconds = time.monotonic() - began
    result.completed = True
    return result


def _checkpoint(io: BlockIO, control: Control, offset: int, result: PassResult) -> None:
    try:
        io.sync()
    except OSError as exc:
        raise_if_gone(exc, control, io.path)
        result.errors.append(SectorRange(0, 0, "flush"))
        return
    control.checkpoint(offset)


def _narrow(
    io: BlockIO, view: memoryview, offset: int, sector: int, kind: str, control: Control
) -> list[SectorRange]:
    """Retries a failed chunk one sector at a time; returns the sectors that still fail."""
    bad: list[SectorRange] = []
    for pos in range(0, len(view), sector):
        if control.cancelled.is_set():
            raise Cancelled()
        piece = view[pos : pos + sector]
        try:
            if kind == "write":
                write_all(io, piece, offset + pos)
            else:
                read_all(io, piece, offset + pos)
        except OSError as exc:
            raise_if_gone(exc, control, io.path)
            lba = (offset + pos) // sector
            if bad and bad[-1].last == lba - 1:
                bad[-1].last = lba
            else:
                bad.append(SectorRange(lba, lba, kind))
    return bad


def chunks(regions: list[tuple[int, int]], chunk: int) -> list[Chunk]:
    return [
        (offset, min(chunk, start + length - offset))
        for start, length in regions
        for offset in range(start, start + length, chunk)
    ]


class _Constant:
    """One buffer of zeros serves every write of a zero pass: no thread needed."""

    def __init__(self, todo: list[Chunk], chunk: int) -> None:
        self.todo = todo
        self.buf = aligned(chunk)

    def __enter__(self) -> _Constant:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def __iter__(self) -> Iterator[tuple[int, mmap.mmap, int, OSError | None]]:
        for offset, length in self.todo:
            yield offset, self.buf, length, None

    def release(self, buf: mmap.mmap) -> None:
        pass


# -- verification -----------------------------------------------------------------------------


@dataclass(slots=True)
class VerifyResult:
    mode: str  # full or sample
    bytes_checked: int
    seconds: float
    mismatches: list[SectorRange] = field(default_factory=list)
    read_errors: list[SectorRange] = field(default_factory=list)
    regions: int = 0

    @property
    def ok(self) -> bool:
        return not self.mismatches and not self.read_errors and self.bytes_checked > 0

    @property
    def throughput(self) -> float:
        return self.bytes_checked / self.seconds if self.seconds > 0 else 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "bytes_checked": self.bytes_checked,
            "milliseconds": round(self.seconds * 1000),
            "throughput_bps": round(self.throughput),
            "regions": self.regions,
            "mismatches": [r.to_json() for r in self.mismatches[:100]],
            "mismatch_ranges": len(self.mismatches),
            "read_errors": [r.to_json() for r in self.read_errors[:100]],
            "ok": self.ok,
        }


def sample_plan(size: int, seed: bytes, sector: int = 512) -> list[tuple[int, int]]:
    """The (offset, length) regions a sample verification reads: the first and last
    SAMPLE_EDGE bytes, and one SAMPLE_BLOCK in every SAMPLE_STRIDE at a position drawn from
    `seed` (so the operator cannot predict it and the record can replay it)."""
    if size <= 2 * SAMPLE_EDGE + SAMPLE_STRIDE:
        return [(0, size)]
    regions = [(0, SAMPLE_EDGE)]
    draw = Cipher(algorithms.AES(seed.ljust(32, b"\0")[:32]), modes.CTR(bytes(16))).encryptor()
    stride_start = SAMPLE_EDGE
    tail = size - SAMPLE_EDGE
    while stride_start + SAMPLE_BLOCK <= tail:
        room = min(SAMPLE_STRIDE, tail - stride_start) - SAMPLE_BLOCK
        jitter = int.from_bytes(draw.update(bytes(8)), "big") % (room + 1) if room > 0 else 0
        jitter -= jitter % max(sector, 4096)
        regions.append((stride_start + jitter, SAMPLE_BLOCK))
        stride_start += SAMPLE_STRIDE
    regions.append((tail, SAMPLE_EDGE))
    return regions


def verify(
    io: BlockIO,
    size: int,
    stream: Stream | None,
    control: Control,
    *,
    regions: list[tuple[int, int]] | None = None,
    sector: int = 512,
    chunk: int = CHUNK,
) -> VerifyResult:
    """Reads back `regions` (everything when None) and compares with `stream`, or, when
    `stream` is None (after a Purge, whose content is the drive's), only checks that every
    sector reads. READS chunks are read at once, each compared on the thread that read it."""
    mode = "full" if regions is None else "sample"
    plan = [(0, size)] if regions is None else regions
    total = sum(n for _, n in plan) or 1
    result = VerifyResult(mode, 0, 0.0, regions=len(plan))
    todo = chunks(plan, chunk)
    random = stream is not None and stream.pattern is Pattern.RANDOM
    found: dict[int, list[SectorRange]] = {}  # offset of a chunk -> its sectors that differ
    scratch = threading.local()  # one PIECE buffer per reading thread

    def read_and_compare(offset: int, view: memoryview) -> None:
        # On the reading thread: the next read is already in flight on the other one.
        read_all(io, view, offset)
        if stream is None:
            return
        if not hasattr(scratch, "buf"):
            scratch.buf = memoryview(bytearray(PIECE))
        enc = stream.encryptor(offset) if random else None
        bad = _compare(view, offset, enc, scratch.buf, sector)
        if bad:
            found[offset] = bad

    began = time.monotonic()
    with ReadAhead(todo, read_and_compare, chunk, workers=READS) as reads:
        for offset, got, length, error in reads:
            try:
                if control.cancelled.is_set():
                    raise Cancelled()
                if error is not None:
                    raise_if_gone(error, control, io.path)
                    view = memoryview(got)[:length]
                    result.read_errors.extend(_narrow(io, view, offset, sector, "read", control))
                for bad in found.pop(offset, ()):
                    _merge(result.mismatches, bad)
            finally:
                reads.release(got)
            result.bytes_checked += length
            control.progress(result.bytes_checked * size // total)
    result.seconds = time.monotonic() - began
    return result


READS = 2  # reads in flight during a verification


def _compare(
    got: memoryview, offset: int, enc: Any, scratch: memoryview, sector: int
) -> list[SectorRange]:
    """The sectors of `got` (read at `offset`) that differ from the stream, compared a PIECE
    at a time: with `enc` (the stream's cipher at `offset`), the disk's bytes run through it
    (CTR: the stream XOR what was read) must give zeros; without, they must be zeros. Each
    comparison is one memcmp in C against a buffer in cache."""
    bad: list[SectorRange] = []
    for pos in range(0, len(got), PIECE):
        end = min(len(got), pos + PIECE)
        diff = got[pos:end]
        if enc is not None:
            diff = scratch[: end - pos]
            enc.update_into(got[pos:end], diff)
        if not _ZEROS.startswith(diff):
            _mismatched(diff, offset + pos, sector, bad)
    return bad


def _merge(ranges: list[SectorRange], new: SectorRange) -> None:
    if ranges and new.first - 1 <= ranges[-1].last:
        ranges[-1].last = max(ranges[-1].last, new.last)
    else:
        ranges.append(new)


def _mismatched(diff: memoryview, offset: int, sector: int, bad: list[SectorRange]) -> None:
    """Adds the sectors of `diff` (the difference at `offset`) that are not all zeros."""
    for pos in range(0, len(diff), sector):
        if not _ZEROS.startswith(diff[pos : pos + sector]):
            lba = (offset + pos) // sector
            _merge(bad, SectorRange(lba, lba, "mismatch"))  # a sector may straddle two pieces
