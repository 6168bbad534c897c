"""The "Téléphone simulé" window of training mode: a simulated handset drawn as a phone (its
screen, the menu with the highlighted item) with its three keys as big buttons.

The handset lives in the core (bench_app/simulators/handset_screen.py) and tells a plain
callback each time its screen changes, from whatever thread changed it; `ScreenSignal` turns
that into a Qt signal so the drawing happens on the window's thread.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QPoint, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import (
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from bench_app.simulators.handset_screen import POWER, VOLUME_DOWN, VOLUME_UP, Screen
from ui.accessibility import text

# The phone's screen colours: recovery and bootloader screens are light text on black.
BODY = QColor("#202428")
GLASS = QColor("#05070a")
TEXT = QColor("#e8eaed")
TITLE = QColor("#8ab4f8")
HIGHLIGHT = QColor("#1a73e8")
HOME = QColor("#0b3d2e")


class ScreenSignal(QObject):
    """Carries the handset's screens to the window's thread."""

    changed = Signal(object)  # Screen

    def __init__(self, watch: Callable[[Callable[[Screen], None]], Callable[[], None]]) -> None:
        super().__init__()
        self._unwatch = watch(self.changed.emit)

    def stop(self) -> None:
        self._unwatch()


class PhoneDrawing(QWidget):
    """A phone-shaped frame with the handset's screen in it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.current: Screen | None = None
        self.setMinimumSize(300, 540)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Expanding)

    def sizeHint(self) -> QSize:
        return QSize(300, 560)

    def show_screen(self, screen: Screen) -> None:
        self.current = screen
        self.setAccessibleDescription(screen.render())
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        frame = QRectF(self.rect()).adjusted(6, 6, -6, -6)
        painter.setPen(QPen(QColor("#5f6368"), 3))
        painter.setBrush(BODY)
        painter.drawRoundedRect(frame, 34, 34)
        glass = frame.adjusted(14, 46, -14, -46)
        screen = self.current
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(HOME if screen is not None and screen.page == "android" else GLASS)
        painter.drawRoundedRect(glass, 8, 8)
        painter.setBrush(QColor("#3c4043"))  # the earpiece
        painter.drawRoundedRect(QRectF(frame.center().x() - 30, frame.top() + 20, 60, 7), 3, 3)
        if screen is None:
            return
        inner = glass.adjusted(12, 12, -12, -12)
        y = inner.top()
        title_font = QFont(self.font())
        title_font.setPointSize(13)
        title_font.setBold(True)
        painter.setFont(title_font)
        painter.setPen(TITLE)
        height = self._text(painter, inner, y, screen.title)
        y += height + 10
        body = QFont(self.font())
        body.setPointSize(10)
        painter.setFont(body)
        painter.setPen(TEXT)
        for line in screen.lines:
            y += self._text(painter, inner, y, line) + 4
        y += 8
        item_font = QFont(self.font())
        item_font.setPointSize(12)
        painter.setFont(item_font)
        for index, item in enumerate(screen.items):
            row = QRectF(inner.left(), y, inner.width(), 34)
            if index == screen.highlight:
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(HIGHLIGHT)
                painter.drawRoundedRect(row, 4, 4)
            painter.setPen(TEXT)
            painter.drawText(
                row.adjusted(10, 0, -6, 0),
                int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft),
                item,
            )
            y += 38
        if screen.hint:
            painter.setFont(body)
            painter.setPen(QColor("#9aa0a6"))
            hint = QRectF(inner.left(), inner.bottom() - 36, inner.width(), 36)
            painter.drawText(
                hint, int(Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap), screen.hint
            )

    @staticmethod
    def _text(painter: QPainter, area: QRectF, y: float, text: str) -> float:
        flags = int(Qt.AlignmentFlag.AlignLeft | Qt.TextFlag.TextWordWrap)
        box = QRectF(area.left(), y, area.width(), 200)
        used = painter.boundingRect(box, flags, text)
        painter.drawText(box, flags, text)
        return used.height()


class HandsetPanel(QDialog):
    """A simulated handset's screen and keys (see the module's docstring). Not modal: the
    trainee presses the phone's keys and answers the station's prompt side by side."""

    def __init__(self, handset: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.handset = handset
        self.setModal(False)
        self.setObjectName("handsetPanel")
        self.drawing = PhoneDrawing()
        self.drawing.setObjectName("PhoneScreen")  # its text is in the widget map
        self.caption = QLabel()
        self.caption.setWordWrap(True)
        self.caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.power = self._key(POWER)
        self.volume_up = self._key(VOLUME_UP)
        self.volume_down = self._key(VOLUME_DOWN)
        self.hold_bootloader = QPushButton()
        self.hold_bootloader.clicked.connect(lambda: self._hold(POWER, VOLUME_DOWN))
        self.hold_recovery = QPushButton()
        self.hold_recovery.clicked.connect(lambda: self._hold(POWER, VOLUME_UP))
        keys = QVBoxLayout()
        keys.addStretch(1)
        for button in (self.volume_up, self.volume_down, self.power):
            keys.addWidget(button)
        keys.addStretch(1)
        row = QHBoxLayout()
        row.addWidget(self.drawing)
        row.addLayout(keys)
        holds = QGridLayout()
        holds.addWidget(self.hold_bootloader, 0, 0)
        holds.addWidget(self.hold_recovery, 0, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.caption)
        layout.addLayout(row, 1)
        layout.addLayout(holds)
        self.signal = ScreenSignal(handset.face.watch)
        self.signal.changed.connect(self.drawing.show_screen)
        self.drawing.show_screen(handset.face.screen())
        self.retranslate()

    def place_beside(self, keep_clear: QWidget) -> None:
        """Moves this window just left of `keep_clear` (the station's device panel, where
        its questions are), not over it: the trainee reads and presses side by side."""
        self.adjustSize()
        clear = keep_clear.mapToGlobal(QPoint(0, 0))
        window = keep_clear.window().mapToGlobal(QPoint(0, 0))
        x = max(window.x(), clear.x() - self.frameGeometry().width() - 8)
        y = clear.y()
        screen = keep_clear.screen().availableGeometry()
        y = max(screen.top(), min(y, screen.bottom() - self.frameGeometry().height()))
        self.move(x, y)

    def _key(self, key: str) -> QPushButton:
        button = QPushButton()
        button.setObjectName(f"handsetKey_{key}")
        button.setMinimumSize(170, 72)
        button.clicked.connect(lambda: self.handset.face.press(key))
        return button

    def _hold(self, *keys: str) -> None:
        self.handset.face.hold(*keys)

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Simulated phone"))
        model = self.handset.persona.props.get("ro.product.model", "")
        self.caption.setText(self.tr("%1: press its keys as on a real phone.").replace("%1", model))
        self.power.setText(self.tr("Power"))
        self.volume_up.setText(self.tr("Volume up"))
        self.volume_down.setText(self.tr("Volume down"))
        self.hold_bootloader.setText(self.tr("Hold Power + Volume −"))
        self.hold_recovery.setText(self.tr("Hold Power + Volume +"))
        # Said in words: a screen reader reads "−" and "+" badly, or not at all.
        for button, name in (
            (self.power, text("Touche marche", "Power key")),
            (self.volume_up, text("Touche volume plus", "Volume up key")),
            (self.volume_down, text("Touche volume moins", "Volume down key")),
            (
                self.hold_bootloader,
                text("Tenir marche et volume moins", "Hold power and volume down"),
            ),
            (self.hold_recovery, text("Tenir marche et volume plus", "Hold power and volume up")),
        ):
            button.setAccessibleName(name)
        self.drawing.setAccessibleName(text("Écran du téléphone", "Phone screen"))

    def done(self, result: int) -> None:
        self.signal.stop()
        super().done(result)

    def closeEvent(self, event: Any) -> None:
        self.signal.stop()
        super().closeEvent(event)
