"""Parts taken from a device kept for its parts: which part, into which device (its code
typed or scanned). Several in a row: each is recorded at once (`Station.give_part`), added
to the list, and the fields are emptied for the next one. A refusal is said in one
sentence, nothing recorded."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from bench_app.errors import BenchError
from bench_app.parts import GAVE, parts_given
from bench_app.station import Station
from bench_app.text import Text
from ui.window_fit import confirm_row, refusal_label

TITLE = Text("Donner une pièce", "Give a part")
FROM = Text("Pièces de {code}", "Parts of {code}")
NONE_YET = Text("Aucune pièce donnée pour l’instant.", "No part given yet.")
PART = Text("Pièce", "Part")
PART_HINT = Text("Par exemple : écran, batterie", "E.g. screen, battery")
TO = Text("Pour l’appareil", "For the device")
TO_HINT = Text("Code de l’appareil (tapé ou scanné)", "Device code (typed or scanned)")
CLOSE = Text("Fermer", "Close")
RECORD = Text("Enregistrer la pièce", "Record the part")


class PartDialog(QDialog):
    """Records parts of the device `donor_id` given to other devices; `given` lists them."""

    def __init__(
        self, station: Station, donor_id: str, lang: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.station = station
        self.donor_id = donor_id
        self.lang = lang
        device = station.device(donor_id)
        code = device.asset_code if device is not None else ""
        self.setWindowTitle(TITLE.get(lang))
        self.setMinimumWidth(560)
        layout = QVBoxLayout(self)
        title = QLabel(FROM.get(lang).replace("{code}", code))
        title.setObjectName("SectionTitle")
        layout.addWidget(title)
        self.given = QListWidget()
        self.given.setAccessibleName(FROM.get(lang).replace("{code}", code))
        self.given.setMaximumHeight(140)
        layout.addWidget(self.given)
        self.refusal = refusal_label()
        form = QFormLayout()
        self.part = QLineEdit()
        self.part.setPlaceholderText(PART_HINT.get(lang))
        self.receiver = QLineEdit()
        self.receiver.setPlaceholderText(TO_HINT.get(lang))
        for text, field in ((PART, self.part), (TO, self.receiver)):
            label = QLabel(text.get(lang))
            label.setBuddy(field)
            field.setAccessibleName(text.get(lang))
            field.setMinimumHeight(40)
            field.textEdited.connect(lambda _text: self.refusal.setVisible(False))
            form.addRow(label, field)
        layout.addLayout(form)
        layout.addWidget(self.refusal)
        self.close_button = QPushButton(CLOSE.get(lang))
        self.close_button.clicked.connect(self.accept)
        self.record_button = QPushButton(RECORD.get(lang))
        self.record_button.clicked.connect(self.record)
        self.receiver.returnPressed.connect(self.record)  # a scanner ends with Enter
        layout.addLayout(confirm_row(self.close_button, self.record_button))
        self.refresh()

    def refresh(self) -> None:
        """Lists the parts given so far, oldest first."""
        self.given.clear()
        given = parts_given(self.station.store, self.donor_id)
        for p in given:
            words = GAVE.get(self.lang).replace("{code}", p.receiver_asset)
            self.given.addItem(words.replace("{part}", p.part))
        if not given:
            self.given.addItem(NONE_YET.get(self.lang))

    def record(self) -> None:
        """Records the part, or says in one sentence why not; the fields empty for the next."""
        try:
            self.station.give_part(self.donor_id, self.part.text(), self.receiver.text())
        except BenchError as exc:
            self.refusal.setText(exc.message.get(self.lang))
            self.refusal.setVisible(True)
            return
        self.refusal.setVisible(False)
        self.part.clear()
        self.receiver.clear()
        self.part.setFocus()
        self.refresh()
