"""The tests' own loop devices are released only while still theirs: a number a test freed
mid-test (a drive pulled out) and the kernel gave to another test is left to that test."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests import loops


def test_a_freed_number_taken_by_another_file_is_not_released(tmp_path: Path) -> None:
    first = tmp_path / "FIRST.img"
    second = tmp_path / "SECOND.img"
    for f in (first, second):
        f.write_bytes(bytes(1 << 20))
    mine = loops.attach(first)
    loops.detach(mine.dev)
    other = loops.attach(second)
    try:
        # Both tests may hold the same number, one after the other.
        loops.release(mine)
        assert loops.backing_of(other.dev) == other.backing
    finally:
        loops.release(other)
    assert loops.backing_of(other.dev) != other.backing


def test_a_loop_whose_file_was_moved_is_still_released(tmp_path: Path) -> None:
    image = tmp_path / "MOVED.img"
    image.write_bytes(bytes(1 << 20))
    loop = loops.attach(image)
    (tmp_path / "elsewhere").mkdir()
    shutil.move(str(image), tmp_path / "elsewhere" / "MOVED.img")
    loops.release(loop)
    assert loops.backing_of(loop.dev) != loop.backing
