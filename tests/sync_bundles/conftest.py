from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.sync_bundles.support import Bench, open_bench


@pytest.fixture
def benches(tmp_path: Path) -> Iterator[tuple[Bench, Bench]]:
    """Two stations of one workshop: A and B, each with its own folder, database and key."""
    a = open_bench(tmp_path, "A")
    b = open_bench(tmp_path, "B")
    yield a, b
    a.station.close()
    b.station.close()
