"""« Étiquettes imprimées »: in training, what the class's simulated label printer printed,
as pictures (the printer decodes the raster or ZPL it receives, as a real one prints it)."""

from __future__ import annotations

from collections.abc import Callable

from PIL import Image
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

PICTURE_WIDTH = 460


def label_picture(image: Image.Image, width: int = PICTURE_WIDTH) -> QPixmap:
    """A printed label as a picture `width` pixels wide (never wider than printed)."""
    grey = image.convert("L")
    qimage = QImage(
        grey.tobytes(), grey.width, grey.height, grey.width, QImage.Format.Format_Grayscale8
    )
    pixmap = QPixmap.fromImage(qimage.copy())
    if pixmap.width() > width:
        pixmap = pixmap.scaledToWidth(width, Qt.TransformationMode.SmoothTransformation)
    return pixmap


class PrintedLabelsDialog(QDialog):
    """The labels printed so far, newest first; new ones appear as they are printed.
    `labels` gives every printed label, oldest first."""

    def __init__(self, labels: Callable[[], list[Image.Image]], parent: QWidget | None = None):
        super().__init__(parent)
        self._labels = labels
        self.images: list[Image.Image] = []  # what is shown, oldest first
        self.pictures: list[QLabel] = []  # one per label, newest first on screen
        self.setObjectName("PrintedLabels")
        self.setMinimumWidth(PICTURE_WIDTH + 60)
        self.resize(PICTURE_WIDTH + 60, 560)
        layout = QVBoxLayout(self)
        self.hint = QLabel()
        self.hint.setWordWrap(True)
        layout.addWidget(self.hint)
        host = QWidget()
        self.list = QVBoxLayout(host)
        self.list.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(host)
        layout.addWidget(scroll, 1)
        self.close_button = QPushButton()
        self.close_button.clicked.connect(self.close)
        layout.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignRight)
        self.retranslate()
        # The printer works on its own thread: look for new labels a few times a second.
        self._timer = QTimer(self)
        self._timer.setInterval(250)
        self._timer.timeout.connect(self.refresh)
        self._timer.start()
        self.refresh()

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Printed labels"))
        self.close_button.setText(self.tr("Close"))
        self._show_hint()

    def _show_hint(self) -> None:
        if self.images:
            self.hint.setText(self.tr("What the class printer printed, newest first."))
        else:
            self.hint.setText(self.tr("Nothing printed yet. Print a device's label."))

    def refresh(self) -> None:
        """Shows the labels printed since the last look."""
        labels = self._labels()
        for image in labels[len(self.images) :]:
            picture = QLabel()
            picture.setObjectName("PrintedLabel")
            picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
            picture.setStyleSheet("background: white; border: 1px solid #c9d3da; padding: 8px;")
            picture.setPixmap(label_picture(image))
            self.list.insertWidget(0, picture)
            self.pictures.insert(0, picture)
            self.images.append(image)
        self._show_hint()
