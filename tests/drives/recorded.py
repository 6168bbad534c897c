"""The drive programs' recorded answers the tests read: tests/drives/data, and the simulated
firmware's own answers (bench_app/simulators/drive_firmware/answers) for the few it starts
from."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bench_app.simulators.drive_firmware.firmware import ANSWERS

DATA = Path(__file__).resolve().parent / "data"


def load(name: str) -> Any:
    """A recorded answer (JSON parsed, text as is), from tests/drives/data or else from the
    simulated firmware's answers."""
    path = DATA / name if (DATA / name).exists() else ANSWERS / name
    text = path.read_text()
    return json.loads(text) if path.suffix == ".json" else text
