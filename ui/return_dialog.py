"""A lent or rented device comes back: how it is (a big button per state, a few words),
then "Enregistrer le retour". The loan is closed and the device goes back to its check and
erasure (`Station.return_device`); a refusal is said in one sentence, nothing recorded."""

from __future__ import annotations

from functools import partial

from PySide6.QtWidgets import (
    QDialog,
    QGridLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from bench_app.errors import BenchError
from bench_app.loans import RETURN_STATES, Loan
from bench_app.station import Station
from bench_app.text import Text
from ui.window_fit import confirm_row, refusal_label

TITLE = Text("Retour d’un appareil", "A device comes back")
HOW = Text("Dans quel état revient {code} ?", "In what condition is {code} back?")
WORDS = Text("En quelques mots", "In a few words")
WORDS_HINT = Text("Par exemple : écran rayé, chargeur manquant", "E.g. scratched screen")
CANCEL = Text("Annuler", "Cancel")
RECORD = Text("Enregistrer le retour", "Record the return")
FROM = Text("Dossier {who}, prévu le {due}", "File {who}, due {due}")


class ReturnDialog(QDialog):
    """Records `loan`'s return. `states` by key; `refusal` says why not."""

    def __init__(
        self, station: Station, loan: Loan, lang: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.station = station
        self.loan = loan
        self.lang = lang
        self.state = ""
        self.setWindowTitle(TITLE.get(lang))
        self.setMinimumWidth(620)
        layout = QVBoxLayout(self)
        title = QLabel(HOW.get(lang).replace("{code}", loan.asset_code))
        title.setObjectName("SectionTitle")
        layout.addWidget(title)
        due = "?" if loan.due_on is None else loan.due_on.strftime("%d/%m/%Y")
        layout.addWidget(
            QLabel(FROM.get(lang).replace("{who}", loan.beneficiary).replace("{due}", due))
        )
        grid = QGridLayout()
        self.states: dict[str, QPushButton] = {}
        for index, (key, words) in enumerate(RETURN_STATES.items()):
            button = QPushButton(words.get(lang))
            button.setObjectName("OutcomeChoice")
            button.setCheckable(True)
            button.setMinimumHeight(56)
            button.clicked.connect(partial(self.choose, key))
            grid.addWidget(button, index // 2, index % 2)
            self.states[key] = button
        layout.addLayout(grid)
        layout.addWidget(QLabel(WORDS.get(lang)))
        self.condition = QLineEdit()
        self.condition.setPlaceholderText(WORDS_HINT.get(lang))
        self.condition.setAccessibleName(WORDS.get(lang))
        self.refusal = refusal_label()
        self.condition.textEdited.connect(lambda _text: self.refusal.setVisible(False))
        layout.addWidget(self.condition)
        layout.addWidget(self.refusal)
        self.cancel_button = QPushButton(CANCEL.get(lang))
        self.cancel_button.clicked.connect(self.reject)
        self.record_button = QPushButton(RECORD.get(lang))
        self.record_button.clicked.connect(self.record)
        self.record_button.setEnabled(False)
        layout.addLayout(confirm_row(self.cancel_button, self.record_button))

    def choose(self, state: str) -> None:
        """Picks how the device is; the words may then say more."""
        self.state = state
        for key, button in self.states.items():
            button.setChecked(key == state)
        if not self.condition.text().strip():
            self.condition.setText(RETURN_STATES[state].get(self.lang))
        self.record_button.setEnabled(True)

    def record(self) -> None:
        """Records the return, or says in one sentence why not."""
        try:
            self.station.return_device(self.loan.device_id, self.condition.text(), self.state)
        except BenchError as exc:
            self.refusal.setText(exc.message.get(self.lang))
            self.refusal.setVisible(True)
            return
        self.accept()
