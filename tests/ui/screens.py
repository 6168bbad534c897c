"""Screenshots as the operator sees them: the window at 1366×768 with its open dialog drawn
over it, centred, as the window manager would place it."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPoint
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QApplication, QWidget

SCREEN = (1366, 768)


def screenshot(window: QWidget, path: Path, dialog: QWidget | None = None) -> QImage:
    """Saves the window (and `dialog` over it) to `path`; returns the image."""
    QApplication.processEvents()  # widgets just added to a layout are shown at the next turn
    image = window.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
    if dialog is not None:
        over = dialog.grab()
        painter = QPainter(image)
        painter.drawPixmap(
            QPoint(
                max(0, (image.width() - over.width()) // 2),
                max(0, (image.height() - over.height()) // 2),
            ),
            over,
        )
        painter.end()
    assert image.save(str(path)), path
    return image
