#!/usr/bin/env python3
"""Makes the README's screenshots: the main window in training mode with four simulated
devices at work, in French and in English (docs/screenshots/)."""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QCoreApplication  # noqa: E402

from bench_app.devices.simulated import Behaviour, SimulatedSource, SimulationMode, Timing  # noqa: E402
from bench_app.station import Station  # noqa: E402
from ui.app import build_window, create_app  # noqa: E402


def spin(seconds: float) -> None:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        QCoreApplication.processEvents()
        time.sleep(0.005)


def shoot(lang: str, target: Path) -> None:
    app = create_app()
    with tempfile.TemporaryDirectory() as tmp:
        station = Station(Path(tmp), training=True)
        simulator = SimulatedSource(SimulationMode.TRAINING, Timing(scale=0.5))
        station.attach_source(simulator)
        window = build_window(station, app, lang, simulator)
        window.resize(1280, 800)
        window.show()
        simulator.add_phone("fairphone-4", Behaviour.HEALTHY, serial="SIMFP40001")
        simulator.add_phone("galaxy-s9", Behaviour.LOCKED, serial="SIMSTAR0002")
        simulator.add_phone("redmi-note-7", Behaviour.FAILING_BATTERY, serial="SIMLAVE0003")
        simulator.add_drive("hdd-sata-500", Behaviour.HEALTHY, serial="SIMD0005HDD")
        spin(0.5)
        for device_id in list(window.cards)[:3]:
            station.start_job(device_id)
        spin(3.0)
        window.select(next(iter(window.cards)))
        spin(0.3)
        target.parent.mkdir(parents=True, exist_ok=True)
        window.grab().save(str(target))
        window.shutdown()
        station.close()
    print(target)


if __name__ == "__main__":
    shoot("fr", ROOT / "docs" / "screenshots" / "main-window.png")
    shoot("en", ROOT / "docs" / "screenshots" / "main-window-en.png")
