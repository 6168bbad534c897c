"""The window the station shows while it upgrades an older database at start: it says what
it does and how far it has gone, step by step, while the upgrade runs on its own thread."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from bench_app.errors import BenchError
from bench_app.station import Station
from bench_app.store import projections
from bench_app.store.database import DB_NAME, needs_upgrade
from ui.app import open_station
from ui.upgrade_window import HEADLINE, UpgradeWindow, open_with_progress

DUMP = Path(__file__).resolve().parents[1] / "data" / "databases" / "v7.sql"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def _old_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    conn = sqlite3.connect(folder / DB_NAME)
    conn.executescript(DUMP.read_text(encoding="utf-8"))
    conn.close()
    return folder


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_upgrade_window_shows_growing_progress(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lang: str
) -> None:
    folder = _old_folder(tmp_path)
    total = sqlite3.connect(folder / DB_NAME).execute("SELECT count(*) FROM events").fetchone()[0]
    monkeypatch.setattr(projections, "PROGRESS_EVERY", 5)
    seen: list[UpgradeWindow] = []
    threads: list[str] = []

    def opener() -> Station | BenchError:
        threads.append(threading.current_thread().name)
        return open_station(folder)

    opened = open_with_progress(folder, lang, opener, on_window=seen.append)
    assert isinstance(opened, Station)
    try:
        window = seen[0]
        qtbot.addWidget(window)
        assert threads == ["etabli-upgrade"]  # not on the window's thread
        shown = window.shown
        assert shown[0] == (0, total) and shown[-1] == (total, total)
        counts = [done for done, _ in shown]
        assert counts == sorted(counts) and len(set(counts)) >= total // 5
        assert window.headline.text() == HEADLINE.get(lang)
        assert window.bar.value() == 1000
        word = "faits" if lang == "fr" else "facts"
        assert f"{total} {word}" in window.detail.text()
        ARTIFACTS.mkdir(exist_ok=True)
        window.show_progress(total // 3, total)
        window.grab().save(str(ARTIFACTS / f"upgrade-window-{lang}.png"))
        assert not needs_upgrade(folder / DB_NAME)
    finally:
        opened.close()


def test_no_window_when_nothing_to_upgrade(qtbot: QtBot, tmp_path: Path) -> None:
    folder = tmp_path / "data"
    Station(folder).close()
    seen: list[UpgradeWindow] = []
    opened = open_with_progress(folder, "fr", lambda: open_station(folder), on_window=seen.append)
    assert isinstance(opened, Station) and seen == []
    opened.close()


def test_an_upgrade_that_fails_says_so_on_the_window_thread(qtbot: QtBot, tmp_path: Path) -> None:
    folder = _old_folder(tmp_path)

    def opener() -> Station:
        raise BenchError("DB_LOCKED", path=str(folder))

    with pytest.raises(BenchError):
        open_with_progress(folder, "fr", opener)
