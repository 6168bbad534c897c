"""Block maps: which blocks of a disk image hold data, in the bmaptool XML format (2.x).

A map says the image's size, its block size, and the ranges of blocks worth writing, each
with the sha256 of its bytes; the file carries its own checksum (`BmapFileChecksum`: the
sha256 of the file with that value replaced by as many "0"). A map is read from a `.bmap`
file beside the image, or built from a raw sparse image with SEEK_DATA / SEEK_HOLE: the
blocks the filesystem holding the image allocated are the mapped ones, as `bmaptool create`
finds them. A built map can be written out in the same format, which bmaptool reads.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench_app.errors import BenchError
from bench_app.input_files import BMAP_MAX, read_input

BLOCK_SIZE = 4096  # what bmaptool uses for the maps it builds
SUPPORTED_MAJOR = 2
CHECKSUMS = {"sha256": 64, "sha1": 40}
_READ = 8 << 20

Progress = Callable[[int], None]  # bytes read so far


@dataclass(frozen=True, slots=True)
class MappedRange:
    """Blocks `first` to `last` (inclusive) of the image, and the checksum of their bytes."""

    first: int
    last: int
    checksum: str

    def to_json(self) -> dict[str, Any]:
        return {"first_block": self.first, "last_block": self.last, "checksum": self.checksum}


@dataclass(frozen=True, slots=True)
class BlockMap:
    image_size: int
    block_size: int
    ranges: tuple[MappedRange, ...]
    checksum_type: str = "sha256"
    file_checksum: str = ""  # BmapFileChecksum of the file this map was read from or rendered to
    version: str = "2.0"

    @property
    def blocks_count(self) -> int:
        return -(-self.image_size // self.block_size)

    @property
    def mapped_blocks(self) -> int:
        return sum(r.last - r.first + 1 for r in self.ranges)

    def extent(self, r: MappedRange) -> tuple[int, int]:
        """The bytes of a range: (offset, length), the last block cut at the image's end."""
        start = r.first * self.block_size
        end = min((r.last + 1) * self.block_size, self.image_size)
        return start, end - start

    @property
    def mapped_bytes(self) -> int:
        return sum(self.extent(r)[1] for r in self.ranges)

    def hasher(self) -> Any:
        return hashlib.new(self.checksum_type)

    def summary(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "image_size": self.image_size,
            "block_size": self.block_size,
            "blocks_count": self.blocks_count,
            "mapped_blocks": self.mapped_blocks,
            "mapped_bytes": self.mapped_bytes,
            "ranges": len(self.ranges),
            "checksum_type": self.checksum_type,
            "file_checksum": self.file_checksum,
        }


def _invalid(name: str, detail: str) -> BenchError:
    return BenchError("DISK_IMAGE_BMAP_INVALID", name=name, detail=detail)


def _int(root: ET.Element, tag: str, name: str) -> int:
    node = root.find(tag)
    text = (node.text or "").strip() if node is not None else ""
    if not text.isdigit():
        raise _invalid(name, f"<{tag}> missing or not a number")
    return int(text)


def parse_bmap(data: bytes, name: str) -> BlockMap:
    """The map in `data` (the bytes of a .bmap file), once its own checksum and every count it
    states agree; BenchError(IMAGE_BMAP_INVALID or IMAGE_BMAP_CHECKSUM) otherwise."""
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise _invalid(name, "entity declarations are not allowed")  # no entity expansion
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise _invalid(name, f"not XML ({exc})") from None
    version = root.get("version", "")
    if root.tag != "bmap" or not re.fullmatch(r"\d+\.\d+", version):
        raise _invalid(name, "not a bmap file")
    if int(version.split(".")[0]) != SUPPORTED_MAJOR:
        raise _invalid(name, f"format version {version} (this station reads 2.x)")
    node = root.find("ChecksumType")
    kind = (node.text or "").strip().lower() if node is not None else ""
    if kind not in CHECKSUMS:
        raise _invalid(name, f"checksum type “{kind}” unknown")
    node = root.find("BmapFileChecksum")
    stated = (node.text or "").strip().lower() if node is not None else ""
    if not re.fullmatch(f"[0-9a-f]{{{CHECKSUMS[kind]}}}", stated):
        raise _invalid(name, "<BmapFileChecksum> missing")
    # The file's checksum is taken with its own value replaced by zeros (the format's rule).
    raw = re.search(rb"<BmapFileChecksum>\s*([0-9a-fA-F]+)\s*</BmapFileChecksum>", data)
    assert raw is not None
    zeroed = data[: raw.start(1)] + b"0" * len(raw.group(1)) + data[raw.end(1) :]
    if hashlib.new(kind, zeroed).hexdigest() != stated:
        raise BenchError("DISK_IMAGE_BMAP_CHECKSUM", name=name)
    image_size = _int(root, "ImageSize", name)
    block_size = _int(root, "BlockSize", name)
    blocks = _int(root, "BlocksCount", name)
    mapped = _int(root, "MappedBlocksCount", name)
    if block_size <= 0 or block_size % 512:
        raise _invalid(name, f"block size {block_size}")
    if blocks != -(-image_size // block_size):
        raise _invalid(name, "<BlocksCount> does not match <ImageSize>")
    block_map = root.find("BlockMap")
    if block_map is None:
        raise _invalid(name, "<BlockMap> missing")
    ranges: list[MappedRange] = []
    for node in block_map.iter("Range"):
        text = (node.text or "").strip()
        match = re.fullmatch(r"(\d+)(?:\s*-\s*(\d+))?", text)
        if match is None:
            raise _invalid(name, f"range “{text}”")
        first = int(match.group(1))
        last = int(match.group(2) or first)
        checksum = (node.get("chksum") or "").strip().lower()
        if not re.fullmatch(f"[0-9a-f]{{{CHECKSUMS[kind]}}}", checksum):
            raise _invalid(name, f"range {text} has no checksum: it could not be verified")
        if last < first or last >= blocks or (ranges and first <= ranges[-1].last):
            raise _invalid(name, f"range {text} out of order or beyond the image")
        ranges.append(MappedRange(first, last, checksum))
    result = BlockMap(image_size, block_size, tuple(ranges), kind, stated, version)
    if result.mapped_blocks != mapped:
        raise _invalid(name, "<MappedBlocksCount> does not match the ranges")
    return result


def read_bmap(path: Path) -> BlockMap:
    try:
        data = read_input(path, limit=BMAP_MAX)
    except OSError as exc:
        raise _invalid(path.name, exc.strerror or str(exc)) from None
    return parse_bmap(data, path.name)


def data_extents(fd: int, size: int) -> list[tuple[int, int]]:
    """The (start, end) byte extents of a file that hold data, by SEEK_DATA / SEEK_HOLE; the
    whole file when the filesystem cannot tell."""
    found: list[tuple[int, int]] = []
    offset = 0
    while offset < size:
        try:
            start = os.lseek(fd, offset, os.SEEK_DATA)
        except OSError as exc:
            if exc.errno == errno.ENXIO:  # only a hole is left
                break
            if exc.errno == errno.EINVAL:  # no SEEK_DATA here: every byte counts
                return [(0, size)]
            raise
        end = min(os.lseek(fd, start, os.SEEK_HOLE), size)
        found.append((start, end))
        offset = end
    return found


def build_from_sparse(
    path: Path,
    *,
    block_size: int = BLOCK_SIZE,
    progress: Progress = lambda done: None,
    cancelled: Callable[[], bool] = lambda: False,
) -> BlockMap:
    """The map of a raw image file: the blocks holding data, with each range's sha256 read
    from the file (the image must not change until it is written)."""
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        size = os.fstat(fd).st_size
        blocks: list[list[int]] = []
        for start, end in data_extents(fd, size):
            first, last = start // block_size, (end - 1) // block_size
            if blocks and first <= blocks[-1][1] + 1:
                blocks[-1][1] = max(blocks[-1][1], last)
            else:
                blocks.append([first, last])
        ranges: list[MappedRange] = []
        done = 0
        for first, last in blocks:
            digest = hashlib.sha256()
            offset = first * block_size
            end = min((last + 1) * block_size, size)
            while offset < end:
                if cancelled():
                    from bench_app.jobs.prompt import Cancelled

                    raise Cancelled()
                piece = os.pread(fd, min(_READ, end - offset), offset)
                if not piece:
                    raise BenchError(
                        "DISK_IMAGE_CORRUPT", name=path.name, detail="the file shrank while read"
                    )
                digest.update(piece)
                offset += len(piece)
                done += len(piece)
                progress(done)
            ranges.append(MappedRange(first, last, digest.hexdigest()))
    finally:
        os.close(fd)
    built = BlockMap(size, block_size, tuple(ranges))
    return parse_bmap(render_bmap(built), path.name + ".bmap")  # gives it its file checksum


def render_bmap(block_map: BlockMap) -> bytes:
    """The map as a version 2.0 .bmap file, with its own checksum filled in."""
    ranges = "\n".join(
        f'        <Range chksum="{r.checksum}"> '
        + (f"{r.first}-{r.last}" if r.last > r.first else str(r.first))
        + " </Range>"
        for r in block_map.ranges
    )
    zeros = "0" * CHECKSUMS[block_map.checksum_type]
    text = (
        '<?xml version="1.0" ?>\n'
        "<!-- Block map written by Établi: the blocks of the image that hold data. -->\n"
        '<bmap version="2.0">\n'
        f"    <ImageSize> {block_map.image_size} </ImageSize>\n"
        f"    <BlockSize> {block_map.block_size} </BlockSize>\n"
        f"    <BlocksCount> {block_map.blocks_count} </BlocksCount>\n"
        f"    <MappedBlocksCount> {block_map.mapped_blocks} </MappedBlocksCount>\n"
        f"    <ChecksumType> {block_map.checksum_type} </ChecksumType>\n"
        f"    <BmapFileChecksum> {zeros} </BmapFileChecksum>\n"
        "    <BlockMap>\n"
        f"{ranges}\n"
        "    </BlockMap>\n"
        "</bmap>\n"
    ).encode()
    checksum = hashlib.new(block_map.checksum_type, text).hexdigest()
    return text.replace(zeros.encode(), checksum.encode(), 1)
