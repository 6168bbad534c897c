"""Where things are on screen, for automation: with `ETABLI_UI_MAP=FILE` set, the window
writes FILE (JSON) with every visible button, field, list, label, card and open menu item,
its text and its rectangle on screen, whenever they change. A person clicking at fixed places
uses their eyes; a walk-through test or a screen-reader bridge uses this file."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QPoint, QRect, QTimer
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractScrollArea,
    QApplication,
    QComboBox,
    QLabel,
    QLineEdit,
    QMenu,
    QProgressBar,
    QWidget,
)

ENVIRONMENT = "ETABLI_UI_MAP"
_KINDS: tuple[type[QWidget], ...] = (
    QAbstractButton,
    QComboBox,
    QLineEdit,
    QLabel,
    QProgressBar,
    QAbstractScrollArea,
)


def _rect(widget: QWidget) -> list[int]:
    top_left = widget.mapToGlobal(QPoint(0, 0))
    return [top_left.x(), top_left.y(), widget.width(), widget.height()]


def _text(widget: QWidget) -> str:
    if isinstance(widget, QAbstractButton | QLabel):
        return widget.text()
    if isinstance(widget, QLineEdit):
        return widget.text() or widget.placeholderText()
    if isinstance(widget, QComboBox):
        return widget.currentText()
    return ""


def _shown(widget: QWidget) -> bool:
    return widget.isVisible() and not widget.visibleRegion().isEmpty()


def describe(top: QWidget) -> dict[str, Any]:
    """One top-level window: its title, class, rectangle, and the visible widgets in it."""
    entries: list[dict[str, Any]] = []
    for child in top.findChildren(QWidget):
        if not _shown(child) or child.window() is not top:
            continue  # hidden, or in a dialog of its own (listed with that dialog)
        named = bool(child.objectName()) and not child.objectName().startswith("qt_")
        if not isinstance(child, _KINDS) and not named:
            continue
        entry: dict[str, Any] = {
            "class": type(child).__name__,
            "name": child.objectName(),
            "text": _text(child),
            "rect": _rect(child),
            "enabled": child.isEnabled(),
        }
        if child.accessibleDescription():  # what a drawn widget shows (a phone's screen)
            entry["description"] = child.accessibleDescription()
        device = getattr(child, "device_id", None)
        if isinstance(device, str) and device:
            entry["device"] = str(device)
        for name in ("answer", "tone"):  # an answer button's role and colour
            value = child.property(name)
            if isinstance(value, str) and value:
                entry[name] = value
        if isinstance(child, QAbstractButton) and child.isCheckable():
            entry["checked"] = child.isChecked()
        if isinstance(child, QComboBox):
            entry["items"] = [child.itemText(i) for i in range(child.count())]
        entries.append(entry)
    window: dict[str, Any] = {
        "class": type(top).__name__,
        "name": top.objectName(),
        "title": top.windowTitle(),
        "rect": _rect(top),
        "widgets": entries,
    }
    if isinstance(top, QMenu):
        origin = top.mapToGlobal(QPoint(0, 0))
        window["actions"] = [
            {
                "text": action.text(),
                "enabled": action.isEnabled(),
                "rect": _global(top.actionGeometry(action), origin),
            }
            for action in top.actions()
            if action.isVisible() and not action.isSeparator()
        ]
    return window


def _global(rect: QRect, origin: QPoint) -> list[int]:
    return [rect.x() + origin.x(), rect.y() + origin.y(), rect.width(), rect.height()]


class WidgetMap(QObject):
    """Writes the map of visible widgets to a file a few times a second, only on change,
    atomically (a reader never sees half a file)."""

    def __init__(self, path: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.path = path
        self._last = ""
        self._timer = QTimer(self)
        self._timer.setInterval(150)
        self._timer.timeout.connect(self.write)
        self._timer.start()

    def write(self) -> None:
        windows = [
            describe(top)
            for top in QApplication.topLevelWidgets()
            if top.isVisible() and top.windowType().name != "Desktop"
        ]
        text = json.dumps({"windows": windows}, ensure_ascii=False, sort_keys=True)
        if text == self._last:
            return
        self._last = text
        partial = self.path.with_name(self.path.name + ".part")
        partial.write_text(text, encoding="utf-8")
        partial.replace(self.path)


def install_from_environment(parent: QObject) -> WidgetMap | None:
    """The widget map when `ETABLI_UI_MAP` names a file, else nothing."""
    target = os.environ.get(ENVIRONMENT)
    if not target:
        return None
    return WidgetMap(Path(target), parent)
