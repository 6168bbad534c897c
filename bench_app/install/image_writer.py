"""Writing a disk image to a drive, block map first, and reading it back to verify it.

The image is raw or compressed (gzip, xz, bzip2, and zstd when the `zstandard` package is
there), decompressed on the fly. What is written:
- with a block map (a `.bmap` beside the image, or given): only its mapped ranges;
- a raw image without one: the ranges that hold data in the file (SEEK_DATA / SEEK_HOLE);
- a compressed image without one: every byte of it (it cannot be told where the holes are).
  It is decompressed once beforehand to learn its size and sha256, so a truncated or
  too-large image is refused before anything is written.
Writes go through O_DIRECT from page-aligned buffers, in order, the next chunk being read and
decompressed on a second thread. Unmapped blocks are left as they are: a fresh system never
reads them, and the laptop flow erases the drive first (the previous owner's data is gone by
then), so writing zeros there would only double the time. Every few seconds the disk is
flushed and a checkpoint reports how far the image is durably written, so a cut write
resumes there.

Before anything is written, the start of the image (decompressed) must look like a disk:
a partition table (GPT, or an MBR / boot sector signature), an ISO 9660 volume, or a file
system written straight to the disk (ext2/3/4, btrfs, XFS, squashfs, LUKS). A file that
looks like none of these (an HTML error page saved under the image's name, a text file) is
refused unless the operator says to write it anyway.

Verification re-reads every mapped range with O_DIRECT, so the page cache cannot answer for
the disk, and compares its checksum with the map's (the whole image's sha256 without a map).
While writing, each range read from the image is checked against the map too: an image that
does not match its map stops the write and is never reported as written.
"""

from __future__ import annotations

import bz2
import errno
import gzip
import hashlib
import importlib
import io
import lzma
import mmap
import os
import queue
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench_app.devices.drives.blockio import (
    CHUNK,
    BlockIO,
    Chunk,
    Control,
    ReadAhead,
    raise_if_gone,
    read_all,
    write_all,
)
from bench_app.errors import BenchError
from bench_app.install.bmap import (
    BLOCK_SIZE,
    BlockMap,
    MappedRange,
    build_from_sparse,
    read_bmap,
)
from bench_app.jobs.prompt import Cancelled

RAW, GZIP, XZ, BZIP2, ZSTD = "raw", "gzip", "xz", "bzip2", "zstd"
_MAGIC = (
    (b"\x1f\x8b", GZIP),
    (b"\xfd7zXZ\x00", XZ),
    (b"BZh", BZIP2),
    (b"\x28\xb5\x2f\xfd", ZSTD),
)
_SUFFIXES = {".gz": GZIP, ".xz": XZ, ".bz2": BZIP2, ".zst": ZSTD}
# Where the map was read from.
MAP_FILE, MAP_SPARSE, MAP_WHOLE = "bmap-file", "sparse-file", "whole-image"
_SKIP = 1 << 20
# What the decompressors raise on a damaged or truncated stream.
_DAMAGED: tuple[type[BaseException], ...] = (EOFError, lzma.LZMAError, zlib.error, OSError)


def zstd_available() -> bool:
    try:
        importlib.import_module("zstandard")
    except ImportError:
        return False
    return True


def detect_compression(path: Path) -> str:
    """The compression of an image, by its first bytes (names lie more often)."""
    try:
        with open(path, "rb") as f:
            head = f.read(8)
    except OSError as exc:
        raise BenchError(
            "DISK_IMAGE_UNREADABLE", name=path.name, detail=exc.strerror or str(exc)
        ) from None
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    return RAW


def find_bmap(image: Path) -> Path | None:
    """The block map beside an image: IMAGE.bmap, or the name without its compression
    suffix (disk.img.xz -> disk.img.bmap), or without .img (disk.bmap)."""
    names = [image.name + ".bmap"]
    stem = image.name
    if image.suffix in _SUFFIXES:
        stem = image.name[: -len(image.suffix)]
        names.append(stem + ".bmap")
    if stem.endswith((".img", ".raw")):
        names.append(stem[:-4] + ".bmap")
    for name in names:
        candidate = image.with_name(name)
        if candidate.is_file():
            return candidate
    return None


class _ZstdReader(io.RawIOBase):
    """zstd frames one after the other, fed in small pieces (a run of zeros expands a
    thousandfold), and a stream that stops inside a frame is an error, not an end."""

    FEED = 4096

    def __init__(self, path: Path) -> None:
        self._zstd = importlib.import_module("zstandard")
        self._file = open(path, "rb")  # noqa: SIM115 - closed with this reader
        self._obj: Any = self._zstd.ZstdDecompressor().decompressobj()
        self._started = False
        self._out = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, buf: Any) -> int:
        while not self._out:
            if self._obj.eof:
                leftover = self._obj.unused_data
                self._obj = self._zstd.ZstdDecompressor().decompressobj()
                self._started = False
                if leftover:
                    self._feed(leftover)
                    continue
            data = self._file.read(self.FEED)
            if not data:
                if self._started and not self._obj.eof:
                    raise EOFError("the zstd stream ends inside a frame")
                return 0
            self._feed(data)
        n = min(len(buf), len(self._out))
        buf[:n] = self._out[:n]
        self._out = self._out[n:]
        return n

    def _feed(self, data: bytes) -> None:
        self._started = True
        try:
            self._out = memoryview(self._obj.decompress(data))
        except self._zstd.ZstdError as exc:
            raise OSError(errno.EILSEQ, f"zstd: {exc}") from None

    def close(self) -> None:
        self._file.close()
        super().close()


def open_decompressed(path: Path, compression: str) -> io.BufferedIOBase:
    """The image's bytes as a stream, decompressed on the fly."""
    if compression == GZIP:
        return gzip.open(path, "rb")
    if compression == XZ:
        return lzma.open(path, "rb")
    if compression == BZIP2:
        return bz2.open(path, "rb")
    if compression == ZSTD:
        if not zstd_available():
            raise BenchError("DISK_IMAGE_FORMAT", name=path.name, format="zstd")
        return io.BufferedReader(_ZstdReader(path), 1 << 20)
    return open(path, "rb")


def _readinto_full(stream: io.BufferedIOBase, view: memoryview) -> int:
    done = 0
    while done < len(view):
        n = stream.readinto(view[done:])
        if not n:
            break
        done += n
    return done


def _corrupt(path: Path, detail: str) -> BenchError:
    return BenchError("DISK_IMAGE_CORRUPT", name=path.name, detail=detail)


def measure(
    path: Path,
    compression: str,
    *,
    progress: Callable[[int], None] = lambda done: None,
    cancelled: Callable[[], bool] = lambda: False,
) -> tuple[int, str]:
    """The size and sha256 of the image once decompressed; DISK_IMAGE_CORRUPT when the
    stream is damaged or cut short."""
    digest = hashlib.sha256()
    buf = bytearray(CHUNK)
    view = memoryview(buf)
    size = 0
    with open_decompressed(path, compression) as stream:
        while True:
            if cancelled():
                raise Cancelled()
            try:
                n = _readinto_full(stream, view)
            except _DAMAGED as exc:
                raise _corrupt(path, f"{compression}: {exc}") from None
            if not n:
                break
            digest.update(view[:n])
            size += n
            progress(size)
    if size == 0:
        raise _corrupt(path, "empty")
    return size, digest.hexdigest()


# -- what the image's start looks like ---------------------------------------------------------

LAYOUT_PROBE = 128 * 1024  # read from the start: reaches btrfs' superblock at 64 KiB
# Layouts: a partition table or boot sector, an optical disc, a file system on the whole disk.
GPT, MBR, BOOT_SECTOR, ISO9660 = "gpt", "mbr", "boot-sector", "iso9660"
_ISO_DESCRIPTORS = (0x8001, 0x8801, 0x9001)  # "CD001" in the first volume descriptors
_FILESYSTEMS = (
    (0x438, b"\x53\xef", "ext"),
    (0x10040, b"_BHRfS_M", "btrfs"),
    (0, b"XFSB", "xfs"),
    (0, b"hsqs", "squashfs"),
    (0, b"LUKS\xba\xbe", "luks"),
)


def image_start(path: Path, compression: str, size: int = LAYOUT_PROBE) -> bytes:
    """The first `size` bytes of the image once decompressed (fewer for a smaller image)."""
    buf = bytearray(size)
    try:
        with open_decompressed(path, compression) as stream:
            n = _readinto_full(stream, memoryview(buf))
    except _DAMAGED as exc:
        if isinstance(exc, OSError) and exc.errno not in (None, errno.EILSEQ):
            raise BenchError(
                "DISK_IMAGE_UNREADABLE", name=path.name, detail=exc.strerror or str(exc)
            ) from None
        raise _corrupt(path, f"{compression}: {exc}") from None
    return bytes(buf[:n])


def disk_layout(head: bytes) -> str:
    """What the start of a disk image is: GPT, MBR (a boot sector with a partition table),
    BOOT_SECTOR, ISO9660, a file system's name, or "" when nothing is recognisable."""
    for at in (512, 4096):  # the GPT header is in the second logical block
        if head[at : at + 8] == b"EFI PART":
            return GPT
    if any(head[at : at + 5] == b"CD001" for at in _ISO_DESCRIPTORS):
        return ISO9660
    if head[510:512] == b"\x55\xaa":
        entries = [head[446 + 16 * i : 462 + 16 * i] for i in range(4)]
        table = any(e[4] for e in entries) and all(e[0] in (0, 0x80) for e in entries)
        return MBR if table else BOOT_SECTOR
    for at, magic, name in _FILESYSTEMS:
        if head[at : at + len(magic)] == magic:
            return name
    return ""


def _shown(head: bytes, length: int = 48) -> str:
    """The image's first bytes as an operator can read them (the title of an error page)."""
    text = head[:length].decode("utf-8", "replace")
    shown = "".join(
        " " if c.isspace() else c if c.isprintable() and c != "\ufffd" else "·" for c in text
    )
    return (shown + "…") if len(head) > length else shown


def check_layout(path: Path, *, required: bool = True) -> str:
    """The image's layout (see `disk_layout`), read from its decompressed start. When it
    looks like no disk image at all: "" if not `required`, else DISK_IMAGE_NO_LAYOUT naming
    what the file starts with. A missing, empty or unreadable file raises as in `plan_image`."""
    head = image_start(path, _readable(path))
    layout = disk_layout(head)
    if not layout and required:
        raise BenchError("DISK_IMAGE_NO_LAYOUT", name=path.name, start=_shown(head))
    return layout


def file_sha256(path: Path, cancelled: Callable[[], bool] = lambda: False) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while piece := f.read(CHUNK):
            if cancelled():
                raise Cancelled()
            digest.update(piece)
    return digest.hexdigest()


@dataclass(frozen=True, slots=True)
class ImagePlan:
    """An image checked and ready to write: what it is, its map, and what proves it."""

    path: Path
    compression: str
    block_map: BlockMap
    map_source: str  # MAP_FILE, MAP_SPARSE or MAP_WHOLE
    bmap_path: Path | None
    checksum: str  # the map file's checksum, or the image's sha256 when written whole
    checksum_of: str  # "bmap" or "image"
    file_sha256: str = ""  # the image file as stored, when a checksum was given for it

    @property
    def image_size(self) -> int:
        return self.block_map.image_size

    @property
    def mapped_bytes(self) -> int:
        return self.block_map.mapped_bytes

    def to_json(self) -> dict[str, Any]:
        return {
            "image": self.path.name,
            "image_path": str(self.path),
            "compression": self.compression,
            "map_source": self.map_source,
            "bmap": str(self.bmap_path) if self.bmap_path else None,
            "checksum": self.checksum,
            "checksum_of": self.checksum_of,
            "file_sha256": self.file_sha256,
            "image_size": self.image_size,
            "mapped_bytes": self.mapped_bytes,
            "map": self.block_map.summary(),
        }


def _readable(path: Path) -> str:
    """The compression of an image file that is there, not empty, and readable here."""
    try:
        if not path.is_file() or path.stat().st_size == 0:
            raise BenchError("DISK_IMAGE_UNREADABLE", name=path.name, detail="no such image file")
    except OSError as exc:
        raise BenchError(
            "DISK_IMAGE_UNREADABLE", name=path.name, detail=exc.strerror or str(exc)
        ) from None
    compression = detect_compression(path)
    if compression == ZSTD and not zstd_available():
        raise BenchError("DISK_IMAGE_FORMAT", name=path.name, format="zstd")
    return compression


def plan_image(
    path: Path,
    *,
    bmap: Path | None = None,
    expected_sha256: str | None = None,
    progress: Callable[[int], None] = lambda done: None,
    cancelled: Callable[[], bool] = lambda: False,
) -> ImagePlan:
    """Checks an image before anything is written: the file's sha256 when one is expected,
    the map's own checksum, or (without a map) the map built from a raw sparse file or the
    size and sha256 of a compressed one. Raises a BenchError that names what is wrong."""
    compression = _readable(path)
    stored = ""
    if expected_sha256:
        stored = file_sha256(path, cancelled)
        if stored != expected_sha256.strip().lower():
            raise BenchError(
                "DISK_IMAGE_SHA256", name=path.name, expected=expected_sha256, found=stored
            )
    bmap_path = bmap if bmap is not None else find_bmap(path)
    if bmap_path is not None:
        block_map = read_bmap(bmap_path)
        if compression == RAW and path.stat().st_size != block_map.image_size:
            raise BenchError(
                "DISK_IMAGE_CORRUPT",
                name=path.name,
                detail=f"{path.stat().st_size} bytes, the map says {block_map.image_size}",
            )
        return ImagePlan(
            path,
            compression,
            block_map,
            MAP_FILE,
            bmap_path,
            block_map.file_checksum,
            "bmap",
            stored,
        )
    if compression == RAW:
        block_map = build_from_sparse(path, progress=progress, cancelled=cancelled)
        return ImagePlan(
            path, compression, block_map, MAP_SPARSE, None, block_map.file_checksum, "bmap", stored
        )
    size, sha = measure(path, compression, progress=progress, cancelled=cancelled)
    whole = BlockMap(size, BLOCK_SIZE, (MappedRange(0, -(-size // BLOCK_SIZE) - 1, sha),))
    return ImagePlan(path, compression, whole, MAP_WHOLE, None, sha, "image", stored)


# -- reading the image -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Piece:
    index: int  # of the range
    last: bool  # the range's last chunk


# The writer holds back each range's last piece until the whole range matched its map:
# at most this many bytes, so that the wait for the range's checksum at its end is the
# hashing of this piece, not of a whole chunk (ranges of a few chunks waited a chunk's
# hashing each, the writer idle meanwhile).
LAST_PIECE = 1 << 20


def _plan_chunks(
    block_map: BlockMap, start: int, chunk: int, *, last_piece: int | None = None
) -> tuple[list[Chunk], list[_Piece]]:
    """The chunks of every range not wholly below `start` (a range cut by `start` is read
    from its beginning, so that its checksum can be checked). With `last_piece`, each
    range ends with a chunk of at most that many bytes."""
    todo: list[Chunk] = []
    pieces: list[_Piece] = []
    for index, r in enumerate(block_map.ranges):
        offset, length = block_map.extent(r)
        end = offset + length
        if end <= start:
            continue
        # Where the last piece starts: on a block boundary (O_DIRECT), at most `last_piece`
        # (and a chunk) before the range's end, which may fall mid-block at the image's end.
        tail = min(last_piece or chunk, chunk, length)
        size = block_map.block_size
        body = offset + -(-(length - tail) // size) * size
        for pos in range(offset, body, chunk):
            todo.append((pos, min(chunk, body - pos)))
            pieces.append(_Piece(index, False))
        todo.append((body, end - body))
        pieces.append(_Piece(index, True))
    return todo, pieces


class _ImageReader:
    """Reads the image at increasing offsets, checking each range against the map: pread on
    a raw file, a decompressing stream (skipping what lies between) otherwise."""

    def __init__(self, plan: ImagePlan) -> None:
        self.plan = plan
        self.raw = plan.compression == RAW
        self.fd = os.open(plan.path, os.O_RDONLY | os.O_CLOEXEC) if self.raw else -1
        self.stream = None if self.raw else open_decompressed(plan.path, plan.compression)
        self.pos = 0
        self.scratch = bytearray(_SKIP)

    def fill(self, offset: int, view: memoryview) -> None:
        """Reads the chunk at `offset` into `view` (its checksum is the hasher's job)."""
        try:
            got = self._read(offset, view)
        except _DAMAGED as exc:
            if isinstance(exc, OSError) and exc.errno not in (None, errno.EILSEQ):
                raise  # the image file itself cannot be read
            raise _corrupt(self.plan.path, f"{self.plan.compression}: {exc}") from None
        if got < len(view):
            raise _corrupt(self.plan.path, f"it ends at byte {offset + got}, before the map's end")

    def _read(self, offset: int, view: memoryview) -> int:
        if self.stream is None:
            done = 0
            while done < len(view):
                n = os.preadv(self.fd, [view[done:]], offset + done)
                if not n:
                    break
                done += n
            return done
        while self.pos < offset:  # a hole, or ranges already written before a resume
            step = memoryview(self.scratch)[: min(_SKIP, offset - self.pos)]
            n = _readinto_full(self.stream, step)
            if not n:
                return 0
            self.pos += n
        n = _readinto_full(self.stream, view)
        self.pos += n
        return n

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
        if self.stream is not None:
            self.stream.close()


class _RangeHasher:
    """Checks each range of the image against the map on threads of their own, fed by the
    reading thread as each chunk arrives: reading, hashing and writing overlap, the hashers
    running ahead of the writer. A range's chunks all go to one hashing thread, in order
    (a checksum is computed in order); ranges go to the threads in turn, so that on a
    machine with cores to spare one range is hashed while the next is. The last chunk of a
    range is written only once its range matched (`verdict`), so a range that does not
    match its map never gets wholly written; a buffer goes back to the reader only once
    hashed (`hashed`)."""

    def __init__(self, plan: ImagePlan, pieces: dict[int, _Piece], threads: int = 1) -> None:
        self.plan = plan
        self.pieces = pieces
        self._todo: list[queue.Queue[tuple[int, memoryview] | None]] = [
            queue.Queue() for _ in range(max(1, threads))
        ]
        self._verdicts: dict[int, str | None] = {}  # range index -> its checksum (None: failed)
        self._hashed: set[int] = set()  # offsets of the chunks hashed, not yet written
        self._cond = threading.Condition()
        self._threads = [
            threading.Thread(target=self._run, args=(todo,), name=f"image-hash-{n}", daemon=True)
            for n, todo in enumerate(self._todo)
        ]
        for thread in self._threads:
            thread.start()

    def hash(self, offset: int, view: memoryview) -> None:
        """Queues the chunk just read at `offset` (chunks come in order)."""
        self._todo[self.pieces[offset].index % len(self._todo)].put((offset, view))

    def hashed(self, offset: int) -> None:
        """Waits until the chunk at `offset` is hashed (its buffer may then be reused)."""
        with self._cond:
            while offset not in self._hashed:
                self._cond.wait()
            self._hashed.discard(offset)

    def verdict(self, index: int) -> None:
        """Waits for range `index`'s checksum; DISK_IMAGE_CORRUPT unless it matches the map."""
        with self._cond:
            while index not in self._verdicts:
                self._cond.wait()
            found = self._verdicts.pop(index)
        r = self.plan.block_map.ranges[index]
        if found != r.checksum:
            raise _corrupt(
                self.plan.path, f"blocks {r.first}–{r.last} do not match the map's checksum"
            )

    def close(self) -> None:
        for todo in self._todo:
            todo.put(None)
        for thread in self._threads:
            thread.join()

    def _run(self, todo: queue.Queue[tuple[int, memoryview] | None]) -> None:
        hasher: Any = None
        failed = False  # this range's chunk could not be hashed: no checksum for it
        while True:
            item = todo.get()
            if item is None:
                return
            offset, view = item
            piece = self.pieces[offset]
            verdict: tuple[int, str | None] | None = None
            try:
                if hasher is None:
                    hasher = self.plan.block_map.hasher()
                if not failed:
                    hasher.update(view)
            except BaseException:  # never silent: the writer waits for this verdict
                failed = True
            if piece.last:
                verdict = (piece.index, None if failed else hasher.hexdigest())
                hasher, failed = None, False
            with self._cond:
                self._hashed.add(offset)
                if verdict is not None:
                    self._verdicts[verdict[0]] = verdict[1]
                self._cond.notify_all()


# Threads hashing ranges at once: two when the machine has the cores (a third would wait
# for the reader, which reads one chunk at a time).
HASH_THREADS = 2 if (os.cpu_count() or 1) >= 2 else 1


# -- writing ---------------------------------------------------------------------------------


@dataclass(slots=True)
class WriteResult:
    start: int
    bytes_written: int
    seconds: float
    completed: bool

    @property
    def throughput(self) -> float:
        return self.bytes_written / self.seconds if self.seconds > 0 else 0.0


def write_image(
    plan: ImagePlan,
    target: BlockIO,
    control: Control,
    *,
    start: int = 0,
    chunk: int = CHUNK,
) -> WriteResult:
    """Writes the plan's ranges from image offset `start` (a checkpoint) on. Raises
    Cancelled (after a checkpoint), DeviceGone, or BenchError: DISK_IMAGE_CORRUPT when the
    image does not match its map (the range that does not match is not written),
    DISK_IMAGE_WRITE_FAILED when the drive refuses a write."""
    todo, pieces = _plan_chunks(plan.block_map, start, chunk, last_piece=LAST_PIECE)
    at = dict(zip((o for o, _ in todo), pieces, strict=True))
    result = WriteResult(start, 0, 0.0, False)
    began = time.monotonic()
    last_checkpoint = began
    reader = _ImageReader(plan)
    hashing = _RangeHasher(plan, at, HASH_THREADS)

    def read_then_hash(offset: int, view: memoryview) -> None:
        reader.fill(offset, view)  # raises for a chunk that could not be read: not hashed
        hashing.hash(offset, view)

    durable = start
    try:
        with ReadAhead(todo, read_then_hash, chunk, depth=4) as produced:
            for offset, buf, length, error in produced:
                try:
                    if error is not None:
                        raise BenchError(
                            "DISK_IMAGE_UNREADABLE",
                            name=plan.path.name,
                            detail=error.strerror or str(error),
                        )
                    piece = at[offset]
                    if piece.last:
                        hashing.verdict(piece.index)  # the range matches: write its end
                    if control.cancelled.is_set():
                        _checkpoint(target, control, durable)
                        raise Cancelled()
                    if offset + length > start:
                        _write_chunk(target, control, buf, length, offset)
                        result.bytes_written += length
                        durable = offset + length
                    hashing.hashed(offset)
                finally:
                    produced.release(buf)
                control.progress(result.bytes_written)
                now = time.monotonic()
                if now - last_checkpoint >= control.checkpoint_seconds:
                    _checkpoint(target, control, durable)
                    last_checkpoint = now
    finally:
        hashing.close()
        reader.close()
    _checkpoint(target, control, plan.image_size)
    result.seconds = time.monotonic() - began
    result.completed = True
    return result


def _write_chunk(
    target: BlockIO, control: Control, buf: mmap.mmap, length: int, offset: int
) -> None:
    try:
        write_all(target, memoryview(buf)[:length], offset)
    except OSError as exc:
        raise_if_gone(exc, control, target.path)
        raise BenchError(
            "DISK_IMAGE_WRITE_FAILED",
            path=target.path,
            offset=offset,
            detail=exc.strerror or str(exc),
        ) from None


def _checkpoint(target: BlockIO, control: Control, offset: int) -> None:
    try:
        target.sync()
    except OSError as exc:
        raise_if_gone(exc, control, target.path)
        raise BenchError(
            "DISK_IMAGE_WRITE_FAILED", path=target.path, offset=offset, detail="flush failed"
        ) from None
    control.checkpoint(offset)


# -- verifying -------------------------------------------------------------------------------


@dataclass(slots=True)
class VerifyResult:
    bytes_checked: int
    seconds: float
    ranges: int
    mismatches: list[dict[str, int]] = field(default_factory=list)
    unreadable: list[dict[str, int]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.mismatches and not self.unreadable and self.bytes_checked > 0

    def to_json(self) -> dict[str, Any]:
        return {
            "bytes_checked": self.bytes_checked,
            "milliseconds": round(self.seconds * 1000),
            "ranges": self.ranges,
            "mismatches": self.mismatches[:100],
            "mismatch_count": len(self.mismatches),
            "unreadable": self.unreadable[:100],
            "ok": self.ok,
        }


def verify_image(
    block_map: BlockMap, source: BlockIO, control: Control, *, chunk: int = CHUNK
) -> VerifyResult:
    """Reads back every mapped range from the drive (O_DIRECT when `source` has it) and
    compares each range's checksum with the map's. Reading runs ahead on a second thread."""
    todo, pieces = _plan_chunks(block_map, 0, chunk)
    result = VerifyResult(0, 0.0, len(block_map.ranges))
    began = time.monotonic()
    hasher: Any = None
    broken = False  # the current range had an unreadable chunk
    with ReadAhead(todo, lambda off, view: read_all(source, view, off), chunk, workers=2) as reads:
        for (_, buf, length, error), piece in zip(reads, pieces, strict=True):
            try:
                if control.cancelled.is_set():
                    raise Cancelled()
                r = block_map.ranges[piece.index]
                if hasher is None:
                    hasher, broken = block_map.hasher(), False
                if error is not None:
                    raise_if_gone(error, control, source.path)
                    if not broken:
                        result.unreadable.append({"first_block": r.first, "last_block": r.last})
                    broken = True
                else:
                    hasher.update(memoryview(buf)[:length])
                if piece.last:
                    if not broken and hasher.hexdigest() != r.checksum:
                        result.mismatches.append({"first_block": r.first, "last_block": r.last})
                    hasher = None
            finally:
                reads.release(buf)
            result.bytes_checked += length
            control.progress(result.bytes_checked)
    result.seconds = time.monotonic() - began
    return result
