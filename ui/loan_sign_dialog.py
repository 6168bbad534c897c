"""The handover sheet of a loan out, signed after the handover: the beneficiary comes back
to sign on screen, or the workshop ticks "Signée" for the paper sheet and may add its photo.
Recorded as a fact naming who and when (`Station.sign_handover`); a refusal is said in one
sentence, nothing kept."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QLabel, QPushButton, QVBoxLayout, QWidget

from bench_app.errors import BenchError
from bench_app.loans import Loan
from bench_app.station import Station
from bench_app.text import Text
from ui.handover_sheet import HandoverSheet
from ui.window_fit import confirm_row, refusal_label

TITLE = Text("Signer la fiche de remise", "Sign the handover sheet")
WHO = Text("Fiche de remise de {code}, dossier {who}", "Handover sheet of {code}, file {who}")
ADD_PICTURE = Text(
    "Déjà signée : ajoutez la signature à l’écran ou sa photo.",
    "Signed already: add the signature on screen or its photo.",
)
NOTHING = Text("Cochez « Signée » ou faites signer ici.", "Tick “Signed” or have it signed here.")
CANCEL = Text("Annuler", "Cancel")
RECORD = Text("Enregistrer la signature", "Record the signature")


class LoanSignDialog(QDialog):
    """Records that `loan`'s sheet is signed, with the signature's picture if given."""

    def __init__(
        self, station: Station, loan: Loan, lang: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.station = station
        self.loan = loan
        self.lang = lang
        self.setWindowTitle(TITLE.get(lang))
        self.setMinimumWidth(620)
        layout = QVBoxLayout(self)
        title = QLabel(
            WHO.get(lang).replace("{code}", loan.asset_code).replace("{who}", loan.beneficiary)
        )
        title.setObjectName("SectionTitle")
        layout.addWidget(title)
        if loan.signed:
            layout.addWidget(QLabel(ADD_PICTURE.get(lang)))
        self.sheet = HandoverSheet(lang)
        if loan.signed:  # ticked before: only a picture may be added now
            self.sheet.signed.setChecked(True)
            self.sheet.signed.setEnabled(False)
        layout.addWidget(self.sheet)
        self.refusal = refusal_label()
        layout.addWidget(self.refusal)
        self.cancel_button = QPushButton(CANCEL.get(lang))
        self.cancel_button.clicked.connect(self.reject)
        self.record_button = QPushButton(RECORD.get(lang))
        self.record_button.clicked.connect(self.record)
        layout.addLayout(confirm_row(self.cancel_button, self.record_button))

    def _refuse(self, text: str) -> None:
        self.refusal.setText(text)
        self.refusal.setVisible(True)

    def record(self) -> None:
        """Records the signature, or says in one sentence why not."""
        try:
            picture = self.sheet.picture()
            if picture is None and not self.sheet.signed.isChecked():
                self._refuse(NOTHING.get(self.lang))
                return
            self.station.sign_handover(self.loan.device_id, picture)
        except BenchError as exc:
            self._refuse(exc.message.get(self.lang))
            return
        self.accept()
