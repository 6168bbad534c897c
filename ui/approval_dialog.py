""" "Accord d’un responsable": what an operator must not do alone (bench_app/approvals.py),
done once a supervisor (in training a trainer too) chooses their name, types their PIN and
says why. The dialog retries the guarded action with that approval; the core checks it and
records it with the action, or says in one short sentence why not."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QGridLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from bench_app.approvals import (
    ACTION_NAMES,
    REASON_MAX,
    ApprovalRequest,
    Guarded,
    approvers,
)
from bench_app.errors import BenchError
from bench_app.station import Station
from bench_app.text import Text
from ui.window_fit import confirm_row, refusal_label

TITLE = Text("Accord d’un responsable", "Supervisor's approval")
HINT = Text(
    "Un responsable choisit son nom, tape son code et dit pourquoi.",
    "A supervisor chooses their name, types their PIN and says why.",
)
HINT_TRAINING = Text(
    "Le formateur choisit son nom, tape son code et dit pourquoi.",
    "The trainer chooses their name, types their PIN and says why.",
)
WHO_MISSING = Text("Choisissez qui donne l’accord.", "Choose who approves.")
PIN = Text("Code", "PIN")
REASON = Text("Pourquoi ?", "Why?")
REASON_HINT = Text("En quelques mots", "In a few words")
APPROVE = Text("Donner l’accord", "Approve")
CANCEL = Text("Annuler", "Cancel")
ROLE = {"supervisor": Text("responsable", "supervisor"), "trainer": Text("formateur", "trainer")}
COLUMNS = 3

Attempt = Callable[[ApprovalRequest | None], object]


class ApprovalDialog(QDialog):
    """Asks a supervisor's approval of `action`, then calls `attempt` with it: accepted when
    the action went through; a refusal is said in the dialog and the PIN typed again.
    `people` are the name buttons, `pin` and `reason` the fields, `approve_button` OK."""

    def __init__(
        self,
        station: Station,
        lang: str,
        action: Guarded,
        attempt: Attempt,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.station = station
        self.lang = lang
        self.action = action
        self.attempt = attempt
        self.setObjectName("ApprovalDialog")
        self.setWindowTitle(TITLE.get(lang))
        self.setModal(True)
        self.setMinimumWidth(560)
        layout = QVBoxLayout(self)
        heading = QLabel(ACTION_NAMES[action].get(lang))
        heading.setObjectName("Question")
        heading.setWordWrap(True)
        layout.addWidget(heading)
        hint = QLabel((HINT_TRAINING if station.training else HINT).get(lang))
        hint.setWordWrap(True)
        layout.addWidget(hint)

        grid = QGridLayout()
        self.group = QButtonGroup(self)
        self.people: dict[str, QPushButton] = {}
        allowed = approvers(station.approving_people(), training=station.training)
        for i, person in enumerate(allowed):
            words = person.name
            if station.training:  # a class sees who is the trainer
                words += f" ({ROLE[person.role].get(lang)})"
            button = QPushButton(words)
            button.setCheckable(True)
            button.setMinimumHeight(56)
            button.setProperty("tone", "neutral")
            button.setAccessibleName(person.name)
            self.group.addButton(button)
            grid.addWidget(button, i // COLUMNS, i % COLUMNS)
            self.people[person.name] = button
        layout.addLayout(grid)
        # The supervisor at work, or the only one listed, is chosen already.
        preset = station.operator if station.operator in self.people else ""
        if not preset and len(self.people) == 1:
            preset = next(iter(self.people))
        if preset:
            self.people[preset].setChecked(True)

        self.pin_caption = QLabel(PIN.get(lang))
        layout.addWidget(self.pin_caption)
        self.pin = QLineEdit()
        self.pin.setObjectName("CodeSearch")
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin.setMaxLength(8)
        self.pin.setAccessibleName(PIN.get(lang))
        self.pin_caption.setBuddy(self.pin)
        layout.addWidget(self.pin)
        self.reason_caption = QLabel(REASON.get(lang))
        layout.addWidget(self.reason_caption)
        self.reason = QLineEdit()
        self.reason.setPlaceholderText(REASON_HINT.get(lang))
        self.reason.setMaxLength(REASON_MAX)
        self.reason.setMinimumHeight(44)  # as easy to reach as the PIN above it
        self.reason.setAccessibleName(REASON.get(lang))
        self.reason_caption.setBuddy(self.reason)
        layout.addWidget(self.reason)

        self.refusal = refusal_label()
        layout.addWidget(self.refusal)
        self.cancel_button = QPushButton(CANCEL.get(lang))
        self.cancel_button.clicked.connect(self.reject)
        self.approve_button = QPushButton(APPROVE.get(lang))
        self.approve_button.clicked.connect(self.approve)
        self.approve_button.setDefault(True)  # Enter in a field approves, once
        self.cancel_button.setAutoDefault(False)
        layout.addLayout(confirm_row(self.cancel_button, self.approve_button))
        if not allowed:  # nobody may approve here: said at once, nothing to type
            self._say(BenchError("APPROVAL_NO_SUPERVISOR"))
            for widget in (self.pin, self.reason, self.approve_button):
                widget.setEnabled(False)
        first = self.pin if preset else next(iter(self.people.values()), self.pin)
        first.setFocus(Qt.FocusReason.OtherFocusReason)

    def chosen(self) -> str:
        return next((name for name, b in self.people.items() if b.isChecked()), "")

    def approve(self) -> bool:
        """Retries the action with the approval as filled in; True when it went through."""
        who = self.chosen()
        if not who:
            self.refusal.setText(WHO_MISSING.get(self.lang))
            self.refusal.setVisible(True)
            return False
        try:
            self.attempt(ApprovalRequest(who, self.pin.text(), self.reason.text()))
        except BenchError as exc:
            self._say(exc)
            if exc.code == "APPROVAL_PIN_WRONG":
                self.pin.clear()  # typed again; the name and the reason stay
                self.pin.setFocus(Qt.FocusReason.OtherFocusReason)
            return False
        self.accept()
        return True

    def _say(self, exc: BenchError) -> None:
        self.refusal.setText(exc.short.get(self.lang))
        self.refusal.setVisible(True)


def attempt_or_ask(
    station: Station,
    lang: str,
    action: Guarded,
    attempt: Attempt,
    parent: QWidget | None,
    on_done: Callable[[], None] | None = None,
) -> ApprovalDialog | None:
    """Does `attempt` alone; when it needs an approval, opens the dialog that does it with
    one (returned; `on_done` runs once it went through). Other refusals are raised."""
    try:
        attempt(None)
    except BenchError as exc:
        if exc.code != "APPROVAL_NEEDED":
            raise
        dialog = ApprovalDialog(station, lang, action, attempt, parent)
        if on_done is not None:
            dialog.accepted.connect(on_done)
        dialog.open()
        return dialog
    if on_done is not None:
        on_done()
    return None
