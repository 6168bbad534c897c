"""File systems the system tests mount themselves."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.system.support import Mounts


@pytest.fixture
def mounts() -> Iterator[Mounts]:
    """Mounts made by one test (tmpfs, bind mounts), all unmounted when it ends."""
    made = Mounts()
    try:
        yield made
    finally:
        made.cleanup()
