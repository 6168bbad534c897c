"""File systems the system tests mount themselves."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.system.desktop import Desktop
from tests.system.support import Mounts
from tests.system.walk import HEIGHT, WIDTH


@pytest.fixture
def mounts() -> Iterator[Mounts]:
    """Mounts made by one test (tmpfs, bind mounts), all unmounted when it ends."""
    made = Mounts()
    try:
        yield made
    finally:
        made.cleanup()


@pytest.fixture
def desktop() -> Iterator[Desktop]:
    """An X server of the workshop laptop's size, stopped when the test ends."""
    screen = Desktop(WIDTH, HEIGHT)
    try:
        yield screen
    finally:
        screen.stop()
