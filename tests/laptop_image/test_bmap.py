"""Block maps: read as bmaptool writes them, built from a sparse file with the same ranges,
written back in a form bmaptool accepts, and refused when anything in them is off."""

from __future__ import annotations

import hashlib
import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from bench_app.errors import BenchError
from bench_app.install.bmap import build_from_sparse, parse_bmap, read_bmap, render_bmap
from tests.laptop_image.conftest import bmaptool_create

MiB = 1 << 20


def _resealed(text: bytes) -> bytes:
    """The file with its own checksum computed again, as a careful forger would."""
    zeroed = re.sub(rb"(<BmapFileChecksum>\s*)[0-9a-f]+", rb"\g<1>" + b"0" * 64, text)
    digest = hashlib.sha256(zeroed).hexdigest().encode()
    return zeroed.replace(b"0" * 64, digest, 1)


def test_bmaptool_and_the_builder_map_the_same_blocks(
    ext4_image: Callable[..., Path], tmp_path: Path
) -> None:
    img = ext4_image()
    theirs = read_bmap(bmaptool_create(img))
    ours = build_from_sparse(img)
    assert ours.ranges == theirs.ranges  # the same blocks, and the same checksums
    assert (ours.image_size, ours.block_size) == (theirs.image_size, theirs.block_size)
    assert 3 * MiB < ours.mapped_bytes < img.stat().st_size // 2
    # Never more than the file has allocated (which also counts its own extent tree).
    assert ours.mapped_bytes <= img.stat().st_blocks * 512 < ours.mapped_bytes + 64 * 1024
    # The map we write out is one bmaptool itself copies with.
    ours_file = tmp_path / "ours.bmap"
    ours_file.write_bytes(render_bmap(ours))
    target = tmp_path / "copy.img"
    target.write_bytes(b"")
    subprocess.run(
        ["bmaptool", "copy", "--bmap", str(ours_file), str(img), str(target)],
        check=True,
        capture_output=True,
    )
    assert target.read_bytes() == img.read_bytes()
    assert read_bmap(ours_file) == ours


def test_a_changed_or_malformed_bmap_is_refused(
    ext4_image: Callable[..., Path],
) -> None:
    good = bmaptool_create(ext4_image()).read_bytes()
    assert parse_bmap(good, "x.bmap").mapped_blocks > 0
    first = re.search(rb"> (\d+)-(\d+) </Range>", good)
    assert first is not None
    shifted = good.replace(
        first.group(0), b"> %d-%s </Range>" % (int(first.group(1)) + 1, first.group(2))
    )
    with pytest.raises(BenchError) as tampered:
        parse_bmap(shifted, "x.bmap")
    assert tampered.value.code == "DISK_IMAGE_BMAP_CHECKSUM"
    assert "was changed or damaged" in tampered.value.message.en
    cases = {
        # Resealed, but the counts no longer add up.
        _resealed(shifted): "does not match the ranges",
        _resealed(good.replace(b'version="2.0"', b'version="1.4"')): "version 1.4",
        _resealed(re.sub(rb' chksum="[0-9a-f]+"', b"", good, count=1)): "has no checksum",
        _resealed(good.replace(b"<BlockSize> 4096", b"<BlockSize> 8192")): "BlocksCount",
        b'<?xml version="1.0"?><!DOCTYPE bmap [<!ENTITY a "b">]><bmap/>': "entity",
        b"not xml at all": "not XML",
    }
    for text, why in cases.items():
        with pytest.raises(BenchError) as refused:
            parse_bmap(text, "x.bmap")
        assert refused.value.code == "DISK_IMAGE_BMAP_INVALID", why
        assert why in refused.value.message.en, (why, refused.value.message.en)
