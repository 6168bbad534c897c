"""A card for a phone that is plugged in but not usable yet, and the step-by-step guide that
tells the operator what to do on the phone."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QSize, Qt, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from bench_app.devices.android.guidance import guide_for
from bench_app.devices.ios.guidance import IPHONE_STATES, iphone_guide
from bench_app.domain.brands import brand_name
from bench_app.domain.model import DeviceKind, JobState
from ui.icons import device_icon, picture
from ui.style import STATE_COLOURS, scaled


def state_text(state: str) -> str:
    labels = {
        "no_debugging": QCoreApplication.translate("PendingCard", "USB debugging is off"),
        "unauthorized": QCoreApplication.translate(
            "PendingCard", "Waiting for you to allow this station"
        ),
        "offline": QCoreApplication.translate("PendingCard", "Connecting…"),
        "recovery": QCoreApplication.translate("PendingCard", "In recovery mode"),
        "sideload": QCoreApplication.translate("PendingCard", "Waiting for a system to install"),
        "fastboot": QCoreApplication.translate("PendingCard", "In bootloader (fastboot) mode"),
        "pending_trust": QCoreApplication.translate(
            "PendingCard", "Waiting for “Trust” on the iPhone"
        ),
        "denied": QCoreApplication.translate(
            "PendingCard", "The iPhone did not trust this station"
        ),
        "locked": QCoreApplication.translate("PendingCard", "Unlock the iPhone"),
    }
    return labels.get(state, state)


class PendingCard(QFrame):
    selected = Signal(str)  # the handle's key

    def __init__(self, key: str, state: str, brand: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("DeviceCard")
        self.setFixedSize(scaled(QSize(300, 200)))
        self.setFocusPolicy(Qt.FocusPolicy.TabFocus)  # Tab stops on it; Enter opens it
        self.key = key
        self.brand = brand
        icon = QLabel()
        icon.setPixmap(device_icon(DeviceKind.PHONE).pixmap(48, 48))
        self.title = QLabel()
        self.title.setObjectName("CardTitle")
        self.state = QLabel()
        self.state.setObjectName("CardState")
        self.state.setWordWrap(True)
        self.state.setStyleSheet(f"color: {STATE_COLOURS[JobState.WAITING_OPERATOR]};")
        self.button = QPushButton()
        self.button.setObjectName("BigAction")
        self.button.clicked.connect(lambda: self.selected.emit(self.key))
        head = QHBoxLayout()
        head.addWidget(icon)
        head.addWidget(self.title, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 10)
        layout.addLayout(head)
        layout.addWidget(self.state)
        layout.addStretch(1)
        layout.addWidget(self.button)
        self.set_state(state)

    def set_state(self, state: str) -> None:
        self.current = state
        name = brand_name(self.brand) or self.tr("Phone")
        self.title.setText(self.tr("%1 plugged in").replace("%1", name))
        self.state.setText(state_text(state))
        self.button.setText(self.tr("Show me how"))
        self.button.setVisible(state in ("no_debugging", "unauthorized", *IPHONE_STATES))
        self.setAccessibleName(self.title.text())
        self.setAccessibleDescription(self.state.text())

    def activate(self) -> None:
        """The keyboard's click (Enter or Space on the focused card): opens its guide."""
        self.selected.emit(self.key)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.selected.emit(self.key)
        super().mousePressEvent(event)


class GuideView(QWidget):
    """The steps for a pending phone, each a sentence and a picture."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self.title = QLabel()
        self.title.setObjectName("PanelTitle")
        self.title.setWordWrap(True)
        self._layout.addWidget(self.title)
        self._layout.addStretch(1)  # steps stack from the top, not spread over the panel
        self._rows: list[QWidget] = []
        self.texts: list[str] = []

    def show_guide(self, state: str, brand: str, lang: str) -> None:
        for row in self._rows:
            row.hide()
            self._layout.removeWidget(row)
            row.deleteLater()
        self._rows = []
        self.texts = []
        self.title.setText(state_text(state))
        steps = iphone_guide(state) if state in IPHONE_STATES else guide_for(state, brand)
        for number, step in enumerate(steps, start=1):
            row = QWidget()
            line = QHBoxLayout(row)
            image = QLabel()
            image.setPixmap(picture(step.picture, QSize(144, 120)))
            text = QLabel(f"{number}. {step.text.get(lang)}")
            text.setObjectName("Question")
            text.setWordWrap(True)
            line.addWidget(image)
            line.addWidget(text, 1)
            self._layout.insertWidget(self._layout.count() - 1, row)
            self._rows.append(row)
            self.texts.append(text.text())
