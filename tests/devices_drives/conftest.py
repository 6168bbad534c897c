"""Drives the tests create themselves: image files, and loop devices over them. Nothing else
is ever written to."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests import loops

MiB = 1 << 20


def make_image(path: Path, size: int, *, random: bool = True) -> Path:
    """An image file full of random data (the donor's "data"), or sparse zeros."""
    with open(path, "wb") as f:
        if random:
            left = size
            while left:
                n = min(left, 8 * MiB)
                f.write(os.urandom(n))
                left -= n
        else:
            f.truncate(size)
    return path


@pytest.fixture
def image(tmp_path: Path) -> Callable[..., Path]:
    def make(name: str = "DISK-T3ST-9K2Q.img", size: int = 64 * MiB, random: bool = True) -> Path:
        return make_image(tmp_path / name, size, random=random)

    return make


@pytest.fixture
def loop_device(tmp_path: Path) -> Iterator[Callable[..., str]]:
    """Attaches loop devices to image files this test made; detaches them afterwards."""
    attached: list[loops.Loop] = []

    def attach(
        name: str = "LOOP-T3ST-4D2X.img",
        size: int = 64 * MiB,
        sector: int = 512,
        random: bool = True,
    ) -> str:
        backing = make_image(tmp_path / name, size, random=random)
        attached.append(loops.attach(backing, "--sector-size", str(sector)))
        return attached[-1].dev

    yield attach
    for loop in attached:
        loops.release(loop)
