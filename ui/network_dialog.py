"""The "Phone over Wi-Fi" dialog: the operator types the address the phone shows, the station
connects to it once through the ADB driver (off the main thread), and only a phone that
answered is watched. A wrong or silent address is said in one short sentence."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from bench_app.devices.android.driver import AdbTarget, PhoneState
from bench_app.devices.android.network import parse_address
from bench_app.errors import BenchError
from ui.icons import picture

Reach = Callable[[AdbTarget], PhoneState]  # raises BenchError when no phone answers


class NetworkPhoneDialog(QDialog):
    """Asks for HOST:PORT; `target` is set once a phone answered there."""

    _reached = Signal(object, object)  # AdbTarget, PhoneState | BenchError

    def __init__(self, reach: Reach, lang: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("NetworkPhoneDialog")
        self._reach = reach
        self._lang = lang
        self._worker: threading.Thread | None = None
        self.target: AdbTarget | None = None
        self.setWindowTitle(self.tr("Phone over Wi-Fi"))
        self.setMinimumWidth(520)

        layout = QVBoxLayout(self)
        self.question = QLabel(self.tr("Type the address shown on the phone."))
        self.question.setObjectName("Question")
        self.question.setWordWrap(True)
        layout.addWidget(self.question)
        self.address = QLineEdit()
        self.address.setObjectName("CodeSearch")
        self.address.setPlaceholderText("192.168.1.20:5555")
        self.address.returnPressed.connect(self.connect_phone)
        layout.addWidget(self.address)
        self.error = QLabel()
        self.error.setObjectName("SearchError")
        self.error.setWordWrap(True)
        self.error.setVisible(False)
        layout.addWidget(self.error)
        self.status = QLabel()
        self.status.setVisible(False)
        layout.addWidget(self.status)

        self.more_button = QPushButton(self.tr("Learn more"))
        self.more_button.setCheckable(True)
        self.more_button.toggled.connect(self._show_more)
        layout.addWidget(self.more_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.more = QWidget()
        more = QHBoxLayout(self.more)
        more.setContentsMargins(0, 0, 0, 0)
        self.picture = QLabel()
        self.picture.setPixmap(picture("wifi-debugging.svg", QSize(240, 200)))
        more.addWidget(self.picture)
        self.explanation = QLabel(
            self.tr(
                "On the phone: Settings > Developer options > Wireless debugging. "
                "The IP address and port are written at the top."
            )
            + "\n\n"
            + self.tr("The phone and this station must be on the same Wi-Fi.")
        )
        self.explanation.setWordWrap(True)
        more.addWidget(self.explanation, 1)
        self.more.setVisible(False)
        layout.addWidget(self.more)

        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.cancel_button = QPushButton(self.tr("Cancel"))
        self.cancel_button.clicked.connect(self.reject)
        self.connect_button = QPushButton(self.tr("Connect"))
        self.connect_button.setObjectName("BigAction")
        self.connect_button.clicked.connect(self.connect_phone)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.connect_button)
        layout.addLayout(buttons)
        self._reached.connect(self._on_reached, Qt.ConnectionType.QueuedConnection)

    def _show_more(self, on: bool) -> None:
        self.more.setVisible(on)
        self.adjustSize()

    def connect_phone(self) -> None:
        """Checks the typed address, then tries it on a worker thread."""
        if self._worker is not None:
            return
        try:
            target = parse_address(self.address.text())
        except BenchError as exc:
            self._say_error(exc)
            return
        self.error.setVisible(False)
        self.status.setText(self.tr("Connecting…"))
        self.status.setVisible(True)
        self.connect_button.setEnabled(False)
        self.address.setEnabled(False)
        self._worker = threading.Thread(
            target=self._try, args=(target,), name=f"wifi-{target.key}", daemon=True
        )
        self._worker.start()

    def _try(self, target: AdbTarget) -> None:
        try:
            outcome: PhoneState | BenchError = self._reach(target)
        except BenchError as exc:
            outcome = exc
        # The dialog may be gone meanwhile: nobody is waiting for the answer then.
        with contextlib.suppress(RuntimeError):
            self._reached.emit(target, outcome)

    def _on_reached(self, target: AdbTarget, outcome: PhoneState | BenchError) -> None:
        if self._worker is None:  # closed while trying: the answer comes too late
            return
        self._worker.join()  # it has just emitted: over at once
        self._worker = None
        self.status.setVisible(False)
        self.connect_button.setEnabled(True)
        self.address.setEnabled(True)
        if isinstance(outcome, BenchError):
            self._say_error(outcome)
            self.address.setFocus()
            return
        self.target = target
        self.accept()

    def _say_error(self, exc: BenchError) -> None:
        self.error.setText(exc.message.get(self._lang) + "\n" + exc.action.get(self._lang))
        self.error.setVisible(True)
        self.adjustSize()  # room for the wrapped lines: never a sentence cut in half
        self.address.selectAll()

    def busy(self) -> bool:
        """True while an address is being tried."""
        return self._worker is not None

    def done(self, result: int) -> None:
        # Closed while trying: the worker ends by itself within its connect timeout, and
        # its late answer is ignored; waiting for it here would freeze the window.
        self._worker = None
        super().done(result)
