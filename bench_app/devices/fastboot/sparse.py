"""Android sparse images: read, write, convert from raw, split, expand.

The format (libsparse, version 1.0), little-endian:

- a 28-byte file header: magic 0xED26FF3A, major 1, minor 0, file header size (28), chunk
  header size (12), block size (a multiple of 4), total blocks, total chunks, image checksum;
- then chunks, each a 12-byte header (type, reserved, size in blocks, total size in bytes
  including the header) and its payload: RAW (the blocks' bytes), FILL (a 4-byte value
  repeated), DONT_CARE (nothing: those blocks are left as they are), CRC32 (4 bytes).

An image never holds its data in memory: chunks point into a *source* (a memory-mapped file or
a buffer), so a 2 GiB image is split and sent without being copied. `parts()` gives the encoded
image as a sequence of bytes and file regions, which a transport can send with `sendfile`.
"""

from __future__ import annotations

import mmap
import os
import re
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from enum import IntEnum
from pathlib import Path

MAGIC = 0xED26FF3A
FILE_HEADER = struct.Struct("<IHHHHIIII")
CHUNK_HEADER = struct.Struct("<HHII")
FILE_HEADER_SIZE = FILE_HEADER.size  # 28
CHUNK_HEADER_SIZE = CHUNK_HEADER.size  # 12
DEFAULT_BLOCK_SIZE = 4096
WINDOW = 1 << 20  # bytes looked at at a time when sorting blocks into RAW and FILL


class ChunkType(IntEnum):
    RAW = 0xCAC1
    FILL = 0xCAC2
    DONT_CARE = 0xCAC3
    CRC32 = 0xCAC4


class SparseFormatError(ValueError):
    """The bytes are not a well-formed sparse image; the message says what is wrong."""


@dataclass(frozen=True, slots=True)
class FileRegion:
    """`length` bytes of the open file `fd` from `offset`: sent as is (e.g. with sendfile)."""

    fd: int
    offset: int
    length: int


Part = bytes | memoryview | FileRegion


class Source:
    """Where RAW chunks' bytes live: a buffer, and the file behind it when there is one."""

    def __init__(self, view: memoryview, fd: int | None = None) -> None:
        self.view = view
        self.fd = fd

    def part(self, offset: int, length: int) -> Part:
        if self.fd is not None:
            return FileRegion(self.fd, offset, length)
        return self.view[offset : offset + length]

    def bytes_at(self, offset: int, length: int) -> memoryview:
        return self.view[offset : offset + length]


class MappedFile(Source):
    """A file opened read-only and memory-mapped; close it (or use `with`) when done."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        fd = os.open(self.path, os.O_RDONLY)
        try:
            self.size = os.fstat(fd).st_size
            self._map = mmap.mmap(fd, self.size, prot=mmap.PROT_READ) if self.size else None
        except BaseException:
            os.close(fd)
            raise
        super().__init__(memoryview(self._map) if self._map is not None else memoryview(b""), fd)

    def close(self) -> None:
        if self.fd is None:
            return
        self.view.release()
        if self._map is not None:
            self._map.close()
        os.close(self.fd)
        self.fd = None

    def __enter__(self) -> MappedFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass(frozen=True, slots=True)
class Chunk:
    """`blocks` blocks from block `start`. RAW data sits at `offset` in the image's source."""

    kind: ChunkType
    start: int
    blocks: int
    offset: int = 0  # RAW: where the data starts in the source
    fill: bytes = b""  # FILL: the 4-byte pattern

    def encoded_size(self, block_size: int) -> int:
        if self.kind is ChunkType.RAW:
            return CHUNK_HEADER_SIZE + self.blocks * block_size
        if self.kind in (ChunkType.FILL, ChunkType.CRC32):
            return CHUNK_HEADER_SIZE + 4
        return CHUNK_HEADER_SIZE


@dataclass
class SparseImage:
    """A sparse image: its geometry and its data chunks, in block order.

    `chunks` holds RAW and FILL chunks only; the blocks between them are "don't care" and are
    written out as DONT_CARE chunks. `total_blocks` may reach past the last chunk.
    """

    block_size: int
    total_blocks: int
    chunks: list[Chunk] = field(default_factory=list)
    source: Source = field(default_factory=lambda: Source(memoryview(b"")))

    # ---- reading --------------------------------------------------------------------------
    @classmethod
    def parse(cls, source: Source) -> SparseImage:
        """Reads a sparse image from `source`; raises SparseFormatError when it is malformed."""
        view = source.view
        if len(view) < FILE_HEADER_SIZE:
            raise SparseFormatError("shorter than a sparse header")
        (magic, major, _minor, file_hdr, chunk_hdr, blk_sz, total_blks, total_chunks, _csum) = (
            FILE_HEADER.unpack_from(view, 0)
        )
        if magic != MAGIC:
            raise SparseFormatError("not a sparse image (bad magic)")
        if major != 1:
            raise SparseFormatError(f"unsupported sparse version {major}")
        if file_hdr < FILE_HEADER_SIZE or chunk_hdr < CHUNK_HEADER_SIZE:
            raise SparseFormatError("header sizes too small")
        if blk_sz == 0 or blk_sz % 4:
            raise SparseFormatError(f"block size {blk_sz} is not a multiple of 4")
        image = cls(blk_sz, total_blks, [], source)
        pos, block = file_hdr, 0
        for index in range(total_chunks):
            if pos + chunk_hdr > len(view):
                raise SparseFormatError(f"chunk {index} header past the end of the file")
            kind_raw, _reserved, blocks, total = CHUNK_HEADER.unpack_from(view, pos)
            data, data_len = pos + chunk_hdr, total - chunk_hdr
            if total < chunk_hdr or pos + total > len(view):
                raise SparseFormatError(f"chunk {index} runs past the end of the file")
            try:
                kind = ChunkType(kind_raw)
            except ValueError:
                raise SparseFormatError(f"chunk {index} has unknown type {kind_raw:#x}") from None
            expected = {
                ChunkType.RAW: blocks * blk_sz,
                ChunkType.FILL: 4,
                ChunkType.DONT_CARE: 0,
                ChunkType.CRC32: 4,
            }[kind]
            if data_len != expected:
                raise SparseFormatError(
                    f"chunk {index} ({kind.name}) carries {data_len} bytes, not {expected}"
                )
            if kind is ChunkType.CRC32:
                pos += total
                continue  # a checksum of what came before; the blocks are already placed
            if block + blocks > total_blks:
                raise SparseFormatError(f"chunk {index} reaches past block {total_blks}")
            if kind is ChunkType.RAW and blocks:
                image.chunks.append(Chunk(kind, block, blocks, offset=data))
            elif kind is ChunkType.FILL and blocks:
                image.chunks.append(Chunk(kind, block, blocks, fill=bytes(view[data : data + 4])))
            block += blocks
            pos += total
        if block != total_blks:
            raise SparseFormatError(f"chunks cover {block} blocks, the header says {total_blks}")
        return image

    @classmethod
    def from_raw(
        cls,
        source: Source,
        block_size: int = DEFAULT_BLOCK_SIZE,
        *,
        skip_zeros: bool = False,
        skip_holes: bool = False,
    ) -> SparseImage:
        """A sparse image of the raw bytes in `source`, as the real tools make it.

        Blocks made of one repeated 4-byte value become FILL chunks, the rest RAW chunks.
        With `skip_zeros`, zero blocks become "don't care" instead: smaller, but flashing it
        leaves the old content of those blocks on the phone, so only for a blank target.
        With `skip_holes`, the holes of a sparse file (found with SEEK_DATA/SEEK_HOLE, never
        read) become "don't care", as for a freshly made file system.
        A last partial block is padded with zeros, as libsparse does.
        """
        size = len(source.view)
        total = -(-size // block_size)
        if skip_holes and source.fd is not None:
            extents = list(data_extents(source.fd, size, block_size))
        else:
            extents = [(0, total)]
        chunks: list[Chunk] = []
        for first, end in extents:
            chunks.extend(_classify(source, first, end, block_size, skip_zeros))
        return cls(block_size, total, chunks, source)

    # ---- writing --------------------------------------------------------------------------
    def _runs(self) -> Iterator[tuple[ChunkType, int, Chunk | None]]:
        """Every chunk to write, with the DONT_CARE gaps: (type, blocks, chunk or None)."""
        position = 0
        for chunk in self.chunks:
            if chunk.start > position:
                yield ChunkType.DONT_CARE, chunk.start - position, None
            yield chunk.kind, chunk.blocks, chunk
            position = chunk.start + chunk.blocks
        if self.total_blocks > position:
            yield ChunkType.DONT_CARE, self.total_blocks - position, None

    def encoded_size(self) -> int:
        """How many bytes `parts()` yields: the size of the image file."""
        size = FILE_HEADER_SIZE
        for kind, blocks, _ in self._runs():
            size += CHUNK_HEADER_SIZE
            if kind is ChunkType.RAW:
                size += blocks * self.block_size
            elif kind is ChunkType.FILL:
                size += 4
        return size

    def parts(self) -> Iterator[Part]:
        """The encoded image, in order: headers as bytes, RAW data as file regions or views."""
        runs = list(self._runs())
        yield FILE_HEADER.pack(
            MAGIC,
            1,
            0,
            FILE_HEADER_SIZE,
            CHUNK_HEADER_SIZE,
            self.block_size,
            self.total_blocks,
            len(runs),
            0,
        )
        for kind, blocks, chunk in runs:
            if kind is ChunkType.RAW:
                assert chunk is not None
                length = blocks * self.block_size
                yield CHUNK_HEADER.pack(kind, 0, blocks, CHUNK_HEADER_SIZE + length)
                yield from self._raw_parts(chunk.offset, length)
            elif kind is ChunkType.FILL:
                assert chunk is not None
                yield CHUNK_HEADER.pack(kind, 0, blocks, CHUNK_HEADER_SIZE + 4)
                yield chunk.fill
            else:
                yield CHUNK_HEADER.pack(kind, 0, blocks, CHUNK_HEADER_SIZE)

    def _raw_parts(self, offset: int, length: int) -> Iterator[Part]:
        available = len(self.source.view) - offset
        if length <= available:
            yield self.source.part(offset, length)
            return
        # The raw file's last block is partial: send what exists, then zeros.
        if available > 0:
            yield self.source.part(offset, available)
        yield bytes(length - max(available, 0))

    def write(self, path: str | os.PathLike[str]) -> None:
        """Writes the image to a file."""
        with open(path, "wb") as out:
            for part in self.parts():
                if isinstance(part, FileRegion):
                    out.write(self.source.bytes_at(part.offset, part.length))
                else:
                    out.write(part)

    # ---- splitting ------------------------------------------------------------------------
    def split(self, max_size: int) -> list[SparseImage]:
        """Sparse images each at most `max_size` bytes, which together write the same blocks.

        Each piece keeps the whole image's geometry (its gaps are "don't care"), so pieces
        can be flashed one after the other to one partition, as the real fastboot does.
        A RAW chunk too big for one piece is cut at a block boundary.
        """
        # Header, a leading and a trailing DONT_CARE: the least a piece costs.
        fixed = FILE_HEADER_SIZE + 2 * CHUNK_HEADER_SIZE
        if max_size < fixed + 2 * CHUNK_HEADER_SIZE + self.block_size:
            raise SparseFormatError(f"pieces of {max_size} bytes cannot hold one block")
        pieces: list[SparseImage] = []
        current: list[Chunk] = []
        used = fixed

        def close_piece() -> None:
            nonlocal current, used
            if current:
                pieces.append(self._piece(current))
            current, used = [], fixed

        for chunk in self.chunks:
            remaining: Chunk | None = chunk
            while remaining is not None:
                end = current[-1].start + current[-1].blocks if current else 0
                gap = CHUNK_HEADER_SIZE if remaining.start > end and current else 0
                cost = gap + remaining.encoded_size(self.block_size)
                if used + cost <= max_size:
                    current.append(remaining)
                    used += cost
                    remaining = None
                    continue
                room = max_size - used - gap - CHUNK_HEADER_SIZE
                if remaining.kind is ChunkType.RAW and room >= self.block_size:
                    fit = room // self.block_size
                    current.append(replace(remaining, blocks=fit))
                    remaining = replace(
                        remaining,
                        start=remaining.start + fit,
                        blocks=remaining.blocks - fit,
                        offset=remaining.offset + fit * self.block_size,
                    )
                close_piece()
        close_piece()
        if not pieces:
            pieces.append(self._piece([]))
        return pieces

    def _piece(self, chunks: list[Chunk]) -> SparseImage:
        return SparseImage(self.block_size, self.total_blocks, list(chunks), self.source)

    # ---- expanding ------------------------------------------------------------------------
    def apply(self, fd: int, base: int = 0) -> None:
        """Writes the image's RAW and FILL blocks into the open file `fd` from byte `base`.

        "Don't care" blocks are left as they are. The caller checks that the image fits.
        """
        bs = self.block_size
        for chunk in self.chunks:
            at = base + chunk.start * bs
            length = chunk.blocks * bs
            if chunk.kind is ChunkType.RAW:
                for part in self._raw_parts(chunk.offset, length):
                    data = (
                        self.source.bytes_at(part.offset, part.length)
                        if isinstance(part, FileRegion)
                        else part
                    )
                    _pwrite_all(fd, data, at)
                    at += len(data)
            else:
                pattern = chunk.fill * (min(length, 1 << 20) // 4)
                done = 0
                while done < length:
                    step = min(len(pattern), length - done)
                    _pwrite_all(fd, memoryview(pattern)[:step], at + done)
                    done += step

    @property
    def expanded_size(self) -> int:
        """The size of the raw image: every block, "don't care" ones included."""
        return self.total_blocks * self.block_size


def data_extents(fd: int, size: int, block_size: int) -> Iterator[tuple[int, int]]:
    """(first block, end block) of each stretch of a file that holds data (not a hole)."""
    position = 0
    while position < size:
        try:
            start = os.lseek(fd, position, os.SEEK_DATA)
        except OSError:
            return  # only a hole is left
        end = os.lseek(fd, start, os.SEEK_HOLE)
        yield start // block_size, -(-min(end, size) // block_size)
        position = end


def _classify(
    source: Source, first: int, end: int, block_size: int, skip_zeros: bool
) -> Iterator[Chunk]:
    """RAW and FILL chunks for blocks `first`..`end` of the raw bytes in `source` (zero
    blocks left out when `skip_zeros`).

    A block is FILL when it is one 4-byte value repeated (block[4:] == block[:-4]). Sorting
    is done in bulk, never a Python step per block of random data: for a window of blocks,
    strided slices take the same 8 bytes of every block at 3 places (each byte compared with
    the one 4 further on); a block whose 12 probes all match is a candidate, and a run of
    candidates is checked whole against its first 4 bytes repeated (one comparison in C).
    Random data almost never passes 12 probes (1 in 2**96), so RAW stretches cost nothing
    but the strided reads; only a run of candidates holding different values is looked at
    block by block. (Block sizes not a multiple of 8 skip the probes: every block is then a
    candidate, checked by the same comparisons.)

    A file is read through its memory map: reading it window by window into a buffer (pread)
    was measured to cost more (a copy of every byte against a page fault every few pages)."""
    size = len(source.view)
    whole_end = min(end, size // block_size)  # blocks wholly inside the data
    # Where the 8 bytes compared (4 with the 4 after them) sit in a block: its start, middle
    # and end, three cache lines; each read for a window at once as one strided slice.
    spots = sorted({0, (block_size // 2) & ~7, block_size - 8}) if block_size % 8 == 0 else []
    per_window = max(1, WINDOW // block_size)
    zero = bytes(4)
    run: tuple[ChunkType | None, int, int, bytes] | None = None  # kind, first block, offset, fill
    patterns: dict[bytes, bytes] = {}  # a window's length of each fill value met

    def segments() -> Iterator[tuple[ChunkType | None, int, int, bytes]]:
        """(kind, first block, blocks, fill) stretches in block order (kind None: skipped)."""
        for w0 in range(first, whole_end, per_window):
            w1 = min(whole_end, w0 + per_window)
            count = w1 - w0
            data = source.view[w0 * block_size : w1 * block_size]
            mismatch = 0
            for k in spots:
                stride = data[k : k + (count - 1) * block_size + 8].cast("Q")
                eights = bytes(stride[:: block_size // 8])  # 8 bytes of every block
                for i in range(4):
                    mismatch |= int.from_bytes(eights[i::8], "big") ^ int.from_bytes(
                        eights[i + 4 :: 8], "big"
                    )
            marks = mismatch.to_bytes(count, "big")  # a zero byte: a candidate block
            position = 0
            for found in _CANDIDATES.finditer(marks):
                if found.start() > position:
                    yield ChunkType.RAW, w0 + position, found.start() - position, b""
                for kind, index, blocks, fill in _fills(
                    data, found.start(), found.end(), block_size, patterns
                ):
                    yield kind, w0 + index, blocks, fill
                position = found.end()
            if position < count:
                yield ChunkType.RAW, w0 + position, count - position, b""
        if whole_end < end:  # a partial last block stays RAW: parts() pads it with zeros
            yield ChunkType.RAW, max(first, whole_end), end - max(first, whole_end), b""

    for kind, index, _blocks, fill in segments():
        if kind is ChunkType.FILL and skip_zeros and fill == zero:
            kind = None
        if run is not None and kind is run[0] and (kind is not ChunkType.FILL or fill == run[3]):
            continue
        if run is not None and run[0] is not None:
            yield Chunk(run[0], run[1], index - run[1], run[2], run[3])
        run = (kind, index, index * block_size, fill)
    if run is not None and run[0] is not None:
        yield Chunk(run[0], run[1], end - run[1], run[2], run[3])


_CANDIDATES = re.compile(rb"\x00+")


def _fills(
    data: memoryview, first: int, end: int, block_size: int, patterns: dict[bytes, bytes]
) -> Iterator[tuple[ChunkType, int, int, bytes]]:
    """Candidate blocks `first`..`end` of one window `data` sorted into FILL stretches (one
    per value) and RAW blocks, as (kind, first block in the window, blocks, fill)."""
    index = first
    while index < end:
        offset = index * block_size
        fill = bytes(data[offset : offset + 4])
        pattern = patterns.get(fill)
        if pattern is None:
            pattern = patterns[fill] = fill * (len(data) // 4)
        blocks = _filled_blocks(data, index, end, block_size, pattern)
        if blocks:
            yield ChunkType.FILL, index, blocks, fill
            index += blocks
        else:
            yield ChunkType.RAW, index, 1, b""
            index += 1


def _filled_blocks(data: memoryview, index: int, end: int, block_size: int, pattern: bytes) -> int:
    """How many blocks of `data` from `index` (before `end`) are `pattern`'s 4-byte value
    repeated: the whole run in one comparison when it is one value, else found by doubling
    then halving (never a pass over the rest of the run per block)."""
    offset = index * block_size

    def filled(blocks: int) -> bool:
        # startswith compares the buffer in place (memcmp): no copy, no allocation.
        return pattern.startswith(data[offset : offset + blocks * block_size])

    if filled(end - index):
        return end - index
    good, bad = 0, 1  # filled(good) holds; filled(bad) fails or reaches past `end`
    while index + bad < end and filled(bad):
        good, bad = bad, bad * 2
    bad = min(bad, end - index)
    while bad - good > 1:
        middle = (good + bad) // 2
        if filled(middle):
            good = middle
        else:
            bad = middle
    return good


def _pwrite_all(fd: int, data: bytes | memoryview, offset: int) -> None:
    view = memoryview(data)
    while view:
        written = os.pwrite(fd, view, offset)
        view, offset = view[written:], offset + written


def is_sparse(head: bytes | memoryview) -> bool:
    """Whether these first bytes start a sparse image."""
    return len(head) >= 4 and struct.unpack_from("<I", head, 0)[0] == MAGIC


def expand_file(source: str | os.PathLike[str], destination: str | os.PathLike[str]) -> SparseImage:
    """Writes the raw image of the sparse file `source` to `destination` (simg2img's job)."""
    with MappedFile(source) as mapped:
        image = SparseImage.parse(mapped)
        fd = os.open(destination, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            os.ftruncate(fd, image.expanded_size)
            image.apply(fd)
        finally:
            os.close(fd)
        return image


def convert_file(
    source: str | os.PathLike[str],
    destination: str | os.PathLike[str],
    block_size: int = DEFAULT_BLOCK_SIZE,
    *,
    skip_zeros: bool = False,
) -> None:
    """Writes a sparse image of the raw file `source` to `destination` (img2simg's job)."""
    with MappedFile(source) as mapped:
        SparseImage.from_raw(mapped, block_size, skip_zeros=skip_zeros).write(destination)
