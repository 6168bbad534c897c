"""The widget map tells automation where each visible control is, and nothing hidden."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QDialog, QLineEdit, QPushButton, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from ui.widget_map import WidgetMap


def test_visible_controls_are_listed_with_their_place_on_screen(
    qtbot: QtBot, tmp_path: Path
) -> None:
    window = QWidget()
    window.setWindowTitle("Essai")
    layout = QVBoxLayout(window)
    shown = QPushButton("Ça marche")
    hidden = QPushButton("Caché")
    field = QLineEdit()
    field.setPlaceholderText("Code")
    field.setObjectName("CodeSearch")
    for w in (shown, hidden, field):
        layout.addWidget(w)
    hidden.setVisible(False)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)

    target = tmp_path / "map.json"
    mapper = WidgetMap(target)
    mapper.write()
    (entry,) = [w for w in json.loads(target.read_text())["windows"] if w["title"] == "Essai"]
    by_text = {w["text"]: w for w in entry["widgets"]}
    assert "Caché" not in by_text
    corner = shown.mapToGlobal(QPoint(0, 0))
    assert by_text["Ça marche"]["rect"] == [corner.x(), corner.y(), shown.width(), shown.height()]
    assert by_text["Code"]["name"] == "CodeSearch"

    # Written again only when something on screen changed.
    before = target.stat().st_mtime_ns
    target.touch()
    touched = target.stat().st_mtime_ns
    mapper.write()
    assert target.stat().st_mtime_ns == touched
    shown.setText("Ça ne marche pas")
    mapper.write()
    (again,) = [w for w in json.loads(target.read_text())["windows"] if w["title"] == "Essai"]
    texts = {w["text"] for w in again["widgets"]}  # other tests' windows may still be open
    assert "Ça ne marche pas" in texts and before <= target.stat().st_mtime_ns


def test_a_drawn_widget_is_listed_with_what_it_shows(qtbot: QtBot, tmp_path: Path) -> None:
    """A widget that paints its content (a simulated phone's screen) has no text: the map
    gives its accessible description instead, and follows it."""
    window = QWidget()
    window.setWindowTitle("Téléphone")
    layout = QVBoxLayout(window)
    screen = QWidget()
    screen.setObjectName("PhoneScreen")
    screen.setMinimumSize(100, 100)
    screen.setAccessibleDescription("Fastboot Mode\nSTART")
    layout.addWidget(screen)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)

    target = tmp_path / "map.json"
    mapper = WidgetMap(target)

    def shown() -> str:
        mapper.write()
        (entry,) = [
            w for w in json.loads(target.read_text())["windows"] if w["title"] == "Téléphone"
        ]
        (drawn,) = [w for w in entry["widgets"] if w["name"] == "PhoneScreen"]
        return str(drawn.get("description", ""))

    assert shown() == "Fastboot Mode\nSTART"
    screen.setAccessibleDescription("Recovery")
    assert shown() == "Recovery"


def test_a_dialog_s_widgets_are_listed_with_the_dialog_only(qtbot: QtBot, tmp_path: Path) -> None:
    """A dialog is a child of the main window but a window of its own: its controls are
    listed once, under the dialog, so a click is aimed at the right window."""
    window = QWidget()
    window.setWindowTitle("Principale")
    QVBoxLayout(window).addWidget(QPushButton("Dans la fenêtre"))
    dialog = QDialog(window)
    dialog.setWindowTitle("Dialogue")
    QVBoxLayout(dialog).addWidget(QPushButton("Dans le dialogue"))
    qtbot.addWidget(window)
    window.show()
    dialog.show()
    qtbot.waitExposed(dialog)

    target = tmp_path / "map.json"
    WidgetMap(target).write()
    texts = {
        w["title"]: [x["text"] for x in w["widgets"]]
        for w in json.loads(target.read_text())["windows"]
    }
    assert texts["Principale"] == ["Dans la fenêtre"]
    assert texts["Dialogue"] == ["Dans le dialogue"]
