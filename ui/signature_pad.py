"""A small pad where the beneficiary signs the handover sheet with the mouse (or a finger on
a touch screen, which Qt hands over as mouse events); saved as a PNG picture."""

from __future__ import annotations

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPointF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QImage,
    QImageWriter,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPen,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

INK = QColor("#10203a")
PAPER = QColor("#ffffff")
LINE = QColor("#9aa5b1")  # the line to sign on


class SignaturePad(QWidget):
    """Strokes drawn with the mouse; `png_bytes` gives them as a PNG on white paper.
    `changed` is emitted when a stroke is added or the pad is cleared."""

    changed = Signal()

    def __init__(self, hint: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("SignaturePad")
        self.hint = hint  # said on the empty pad, never in the saved picture
        self.setMinimumSize(QSize(360, 110))
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setAttribute(Qt.WidgetAttribute.WA_StaticContents)
        self.strokes: list[QPainterPath] = []
        self._drawing = False

    def sizeHint(self) -> QSize:
        return QSize(480, 120)

    def is_empty(self) -> bool:
        """Nothing signed yet (a click without a move draws a dot: that counts)."""
        return not self.strokes

    def clear(self) -> None:
        self.strokes.clear()
        self.update()
        self.changed.emit()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() is Qt.MouseButton.LeftButton:
            path = QPainterPath(event.position())
            path.lineTo(event.position() + QPointF(0.1, 0.1))  # a dot shows at once
            self.strokes.append(path)
            self._drawing = True
            self.update()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._drawing and self.strokes:
            self.strokes[-1].lineTo(event.position())
            self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._drawing:
            self._drawing = False
            self.changed.emit()

    def _paint(self, painter: QPainter) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), PAPER)
        painter.setPen(QPen(LINE, 1, Qt.PenStyle.DashLine))
        baseline = self.height() - 28
        painter.drawLine(16, baseline, self.width() - 16, baseline)
        pen = QPen(INK, 2.6, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap)
        pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        painter.setPen(pen)
        for path in self.strokes:
            painter.drawPath(path)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        self._paint(painter)
        if self.hint and self.is_empty():
            painter.setPen(LINE)
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self.hint)
        painter.setPen(QPen(LINE, 1))
        painter.drawRect(self.rect().adjusted(0, 0, -1, -1))
        painter.end()

    def image(self) -> QImage:
        """The signature on white paper, the pad's size."""
        image = QImage(self.size(), QImage.Format.Format_RGB32)
        painter = QPainter(image)
        self._paint(painter)
        painter.end()
        return image

    def png_bytes(self) -> bytes:
        """The signature as a PNG file's bytes."""
        data = QByteArray()
        buffer = QBuffer(data)
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        QImageWriter(buffer, QByteArray(b"png")).write(self.image())
        buffer.close()
        return bytes(data.data())
