"""Windows on a training station with fast simulated devices."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QPainter, QPixmap
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from bench_app.devices.android.keys import station_signer
from bench_app.settings import Settings
from bench_app.simulators.mode import SimulationMode
from bench_app.simulators.source import SimulatedSource, Timing
from bench_app.station import Station
from tests.conftest import give_station_key
from ui.app import build_window
from ui.main_window import MainWindow
from ui.style import STYLESHEET


@dataclass
class Bench:
    station: Station
    simulator: SimulatedSource
    window: MainWindow


@pytest.fixture
def make_bench(
    qtbot: QtBot, qapp: QApplication, data_dir: Path, station_adb_key_folder: Path
) -> Iterator[Callable[..., Bench]]:
    made: list[Bench] = []

    def make(
        *,
        lang: str = "fr",
        training: bool = True,
        scale: float = 0.02,
        max_parallel: int = 8,
        operator: str | None = "test",
        settings: Settings | None = None,
    ) -> Bench:
        """`operator`: who works, so the window does not ask; None: the window asks
        "Who is working?" as at a real start (or takes the trainee in training mode)."""
        qapp.setStyleSheet(STYLESHEET)
        settings = settings or Settings()
        settings.max_parallel_jobs = max_parallel
        station = Station(data_dir, training=training, settings=settings)
        # Simulated phones are ADB phones: the source gets the station's key, as in the app.
        give_station_key(station_adb_key_folder, data_dir)  # the run's key, not a new one
        signer = station_signer(data_dir)
        simulator = SimulatedSource(SimulationMode.TEST, Timing(scale=scale), adb_signer=signer)
        station.attach_source(simulator)
        window = build_window(
            station, qapp, lang, simulator if training else None, operator=operator
        )
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


def save_with_dialog(window: QWidget, dialog: QWidget, path: Path) -> None:
    """The window with its dialog drawn where it sits, as the operator sees them."""
    picture = QPixmap(window.size())
    picture.fill(Qt.GlobalColor.white)
    painter = QPainter(picture)
    painter.drawPixmap(0, 0, window.grab())
    at = dialog.mapToGlobal(QPoint(0, 0)) - window.mapToGlobal(QPoint(0, 0))
    painter.drawPixmap(at, dialog.grab())
    painter.end()
    assert picture.save(str(path))
