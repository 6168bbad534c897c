"""Windows on a training station with fast simulated devices."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from bench_app.devices.android.keys import station_signer
from bench_app.settings import Settings
from bench_app.simulators.mode import SimulationMode
from bench_app.simulators.source import SimulatedSource, Timing
from bench_app.station import Station
from ui.app import build_window
from ui.main_window import MainWindow
from ui.style import STYLESHEET


@dataclass
class Bench:
    station: Station
    simulator: SimulatedSource
    window: MainWindow


@pytest.fixture
def make_bench(qtbot: QtBot, qapp: QApplication, data_dir: Path) -> Iterator[Callable[..., Bench]]:
    made: list[Bench] = []

    def make(
        *,
        lang: str = "fr",
        training: bool = True,
        scale: float = 0.02,
        max_parallel: int = 8,
    ) -> Bench:
        qapp.setStyleSheet(STYLESHEET)
        settings = Settings(max_parallel_jobs=max_parallel)
        station = Station(data_dir, training=training, settings=settings, operator="test")
        # Simulated phones are ADB phones: the source gets the station's key, as in the app.
        signer = station_signer(data_dir)
        simulator = SimulatedSource(SimulationMode.TEST, Timing(scale=scale), adb_signer=signer)
        station.attach_source(simulator)
        window = build_window(station, qapp, lang, simulator if training else None)
        qtbot.addWidget(window)
        window.resize(1280, 800)
        window.show()
        bench = Bench(station, simulator, window)
        made.append(bench)
        return bench

    yield make
    for bench in made:
        bench.window.shutdown()
        bench.station.close()
