"""A station whose database is damaged on disk opens to a plain error screen (what
happened, the backups there are with their dates, what to do), never to a traceback."""

from __future__ import annotations

import fcntl
import os
from datetime import datetime
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from bench_app.errors import BenchError
from bench_app.settings import Settings
from bench_app.station import Station
from bench_app.store.database import DB_NAME, LOCK_NAME
from tests.system.support import Mounts, damaged_station
from ui.app import run_gui
from ui.startup_error import StartupErrorWindow
from ui.style import STYLESHEET


def _open_window(qapp: QApplication, folder: Path, shot: Path) -> tuple[int, dict[str, str]]:
    """Runs the real start of the window on `folder`; reads the screen it shows, saves a
    picture of it, then closes it as the operator would."""
    seen: dict[str, str] = {}

    def look() -> None:
        (window,) = [
            w for w in qapp.topLevelWidgets() if isinstance(w, StartupErrorWindow) and w.isVisible()
        ]
        for name in ("title", "what", "details", "backup_list", "command", "close_button"):
            seen[name] = getattr(window, name).text()
        seen["todo"] = "\n".join(s.text() for s in window.steps if s.isVisibleTo(window))
        seen["window_title"] = window.windowTitle()
        seen["backups_shown"] = str(window.backup_list.isVisibleTo(window))
        assert window.grab().save(str(shot))
        window.close_button.click()

    qapp.setStyleSheet(STYLESHEET)  # as create_app() does for a real start
    guard = QTimer()  # never waits forever if the screen did not come up
    guard.setSingleShot(True)
    guard.timeout.connect(qapp.quit)
    guard.start(60_000)
    QTimer.singleShot(0, look)
    try:
        rc = run_gui(folder)
    finally:
        guard.stop()
    return rc, seen


def _lock_is_free(folder: Path) -> bool:
    fd = os.open(folder / LOCK_NAME, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False
    finally:
        os.close(fd)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_a_damaged_database_opens_a_plain_error_screen(
    qapp: QApplication,
    qtbot: QtBot,
    data_dir: Path,
    artifacts_dir: Path,
    capfd: pytest.CaptureFixture[str],
    lang: str,
) -> None:
    backup = damaged_station(data_dir)
    Settings(language=lang).save(data_dir)
    made = datetime.fromtimestamp(backup.stat().st_mtime)
    capfd.readouterr()

    rc, seen = _open_window(qapp, data_dir, artifacts_dir / f"startup-error-damaged-{lang}.png")

    _out, err = capfd.readouterr()
    assert rc == 2
    assert "Traceback" not in err
    assert seen, "the error screen did not show"
    assert seen["backups_shown"] == "True"
    assert "[DB_CORRUPT]" in seen["details"] and str(data_dir / DB_NAME) in seen["details"]
    if lang == "fr":
        assert seen["title"] == "Établi ne peut pas ouvrir les données du poste"
        assert (
            seen["what"] == "La base de données du poste est abîmée : Établi ne peut pas la lire."
        )
        assert seen["backup_list"] == f"• {backup.name} — {made:%d/%m/%Y %H:%M}"
        steps = seen["todo"].splitlines()
        assert steps[0] == "1. Vérifiez la base : dans un terminal, tapez cette commande :"
        assert steps[1].startswith("2. Restaurez la dernière sauvegarde")
        assert f"copiez {backup.name} sous le nom {DB_NAME}" in steps[1]
        assert steps[2] == "3. Appelez votre encadrant et montrez-lui cet écran."
        assert seen["close_button"] == "Fermer"
        assert "illisible" in err  # the terminal says it too, in French
    else:
        assert seen["title"] == "Établi cannot open this station's data"
        assert seen["what"] == "The station's database is damaged: Établi cannot read it."
        assert seen["backup_list"] == f"• {backup.name} — {made:%Y-%m-%d %H:%M}"
        steps = seen["todo"].splitlines()
        assert steps[0] == "1. Check the database: in a terminal, type this command:"
        assert f"copy {backup.name} as {DB_NAME}" in steps[1]
        assert steps[2] == "3. Call your supervisor and show them this screen."
        assert seen["close_button"] == "Close"
        assert "cannot be read" in err
    assert len(steps) == 3
    assert seen["command"] == "etabli db check"  # the default data folder: no option needed
    # The station let go of the folder: the operator can try again once it is repaired.
    assert _lock_is_free(data_dir)


def test_a_read_only_data_folder_says_so_and_what_to_do(
    qapp: QApplication, qtbot: QtBot, tmp_path: Path, artifacts_dir: Path
) -> None:
    mounts = Mounts()
    try:
        point = mounts.tmpfs(tmp_path / "stick", "16m")
        folder = point / "data"
        Station(folder, operator="avant").close()
        mounts.read_only(point)
        rc, seen = _open_window(qapp, folder, artifacts_dir / "startup-error-read-only-fr.png")
    finally:
        mounts.cleanup()
    refused = BenchError("DATA_FOLDER_READONLY", path=str(folder))
    assert rc == 2
    assert seen["what"] == refused.message.fr
    assert seen["todo"].splitlines() == [
        f"1. {refused.action.fr}",
        "2. Appelez votre encadrant et montrez-lui cet écran.",
    ]
    assert seen["backups_shown"] == "False"
    assert seen["details"] == "Détails pour votre encadrant : [DATA_FOLDER_READONLY]"
