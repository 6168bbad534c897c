""" "Who is working?": big buttons with the station's operators, "Add", and a PIN asked only
of an operator who has one. Every fact recorded afterwards carries the chosen name."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from bench_app.errors import BenchError
from bench_app.station import Station

COLUMNS = 3


class OperatorChooser(QDialog):
    """Asks who works at the station. `required`: it cannot be closed without a choice
    (the start of a session); otherwise "Cancel" keeps the current operator."""

    def __init__(
        self, station: Station, lang: str, *, required: bool, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.station = station
        self.lang = lang
        self.required = required
        self.chosen: str | None = None
        self._pending_name = ""
        self.setObjectName("OperatorChooser")
        self.setWindowTitle(self.tr("Who is working?"))
        self.setModal(True)
        self.setMinimumWidth(620)
        layout = QVBoxLayout(self)
        self.heading = QLabel(self.tr("Who is working?"))
        self.heading.setObjectName("Question")
        layout.addWidget(self.heading)
        self.pages = QStackedWidget()
        layout.addWidget(self.pages, 1)
        self.error = QLabel()
        self.error.setObjectName("SearchError")
        self.error.setWordWrap(True)
        layout.addWidget(self.error)

        # Page 0: one big button per name, and "Add".
        names = QWidget()
        self.names_grid = QGridLayout(names)
        self.names_grid.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.name_buttons: dict[str, QPushButton] = {}
        self.add_button = QPushButton(self.tr("Add"))
        self.add_button.setProperty("tone", "neutral")
        self.add_button.clicked.connect(self._show_add)
        self._fill_names()
        self.pages.addWidget(names)

        # Page 1: the PIN of the operator who was chosen.
        pin_page = QWidget()
        pin_layout = QVBoxLayout(pin_page)
        self.pin_caption = QLabel()
        self.pin_caption.setObjectName("SectionTitle")
        pin_layout.addWidget(self.pin_caption)
        self.pin = QLineEdit()
        self.pin.setObjectName("CodeSearch")
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin.setMaxLength(8)
        self.pin.returnPressed.connect(self._check_pin)
        pin_layout.addWidget(self.pin)
        pin_buttons = QHBoxLayout()
        self.pin_ok = QPushButton(self.tr("OK"))
        self.pin_ok.setProperty("tone", "good")
        self.pin_ok.clicked.connect(self._check_pin)
        self.pin_back = QPushButton(self.tr("Back"))
        self.pin_back.setProperty("tone", "neutral")
        self.pin_back.clicked.connect(self._show_names)
        pin_buttons.addWidget(self.pin_ok, 1)
        pin_buttons.addWidget(self.pin_back)
        pin_layout.addLayout(pin_buttons)
        pin_layout.addStretch(1)
        self.pages.addWidget(pin_page)

        # Page 2: a new operator, with an optional PIN.
        add_page = QWidget()
        add_layout = QVBoxLayout(add_page)
        add_layout.addWidget(QLabel(self.tr("Your first name")))
        self.new_name = QLineEdit()
        self.new_name.setObjectName("CodeSearch")
        self.new_name.setMaxLength(60)
        add_layout.addWidget(self.new_name)
        add_layout.addWidget(QLabel(self.tr("A PIN of 4 to 8 digits (optional)")))
        self.new_pin = QLineEdit()
        self.new_pin.setObjectName("CodeSearch")
        self.new_pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.new_pin.setMaxLength(8)
        add_layout.addWidget(self.new_pin)
        add_buttons = QHBoxLayout()
        self.save_new = QPushButton(self.tr("Save"))
        self.save_new.setProperty("tone", "good")
        self.save_new.clicked.connect(self._add)
        self.add_back = QPushButton(self.tr("Back"))
        self.add_back.setProperty("tone", "neutral")
        self.add_back.clicked.connect(self._show_names)
        add_buttons.addWidget(self.save_new, 1)
        add_buttons.addWidget(self.add_back)
        add_layout.addLayout(add_buttons)
        add_layout.addStretch(1)
        self.pages.addWidget(add_page)

        self.cancel_button = QPushButton(self.tr("Cancel"))
        self.cancel_button.clicked.connect(self.reject)
        self.cancel_button.setVisible(not required)
        layout.addWidget(self.cancel_button, 0, Qt.AlignmentFlag.AlignRight)
        if not self.name_buttons:
            self._show_add()  # nobody yet: the first thing to do is to add oneself

    def _fill_names(self) -> None:
        for button in self.name_buttons.values():
            button.deleteLater()
        self.name_buttons = {}
        operators = self.station.operators()
        for i, operator in enumerate(operators):
            button = QPushButton(operator.name)
            button.setProperty("tone", "neutral")
            button.setMinimumHeight(64)
            button.clicked.connect(lambda _=False, name=operator.name: self.choose(name))
            self.names_grid.addWidget(button, i // COLUMNS, i % COLUMNS)
            self.name_buttons[operator.name] = button
        n = len(operators)
        self.add_button.setMinimumHeight(64)
        self.names_grid.addWidget(self.add_button, n // COLUMNS, n % COLUMNS)

    def _show_names(self) -> None:
        self.error.clear()
        self.pages.setCurrentIndex(0)

    def _show_add(self) -> None:
        self.error.clear()
        self.new_name.clear()
        self.new_pin.clear()
        self.pages.setCurrentIndex(2)
        self.new_name.setFocus()

    def choose(self, name: str) -> None:
        """The operator clicked a name: asks the PIN if they have one, else done."""
        self.error.clear()
        listed = next((o for o in self.station.operators() if o.name == name), None)
        if listed is not None and listed.has_pin:
            self._pending_name = name
            self.pin_caption.setText(self.tr("%1, type your PIN.").replace("%1", name))
            self.pin.clear()
            self.pages.setCurrentIndex(1)
            self.pin.setFocus()
            return
        self._finish(name, "")

    def _check_pin(self) -> None:
        self._finish(self._pending_name, self.pin.text())

    def _finish(self, name: str, pin: str) -> None:
        try:
            self.chosen = self.station.choose_operator(name, pin)
        except BenchError as exc:
            self.error.setText(exc.text(self.lang))
            self.pin.clear()
            return
        self.accept()

    def _add(self) -> None:
        try:
            operator = self.station.add_operator(self.new_name.text(), self.new_pin.text())
        except BenchError as exc:
            self.error.setText(exc.text(self.lang))
            return
        self._fill_names()
        # Who just typed their own PIN is not asked it again.
        self._finish(operator.name, self.new_pin.text())

    def reject(self) -> None:
        if self.required:
            return  # the session starts with a name: Escape or the close box do nothing
        super().reject()
