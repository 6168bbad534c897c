"""A rental's payment: the amount, the receipt number, the day (today unless said) and how
many months it pays; `Station.record_payment` records it as a fact. The months paid and
due are shown first; a refusal is said in one sentence, nothing recorded."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QDateEdit,
    QDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from bench_app.errors import BenchError
from bench_app.loans import Loan
from bench_app.station import Station
from bench_app.text import Text
from ui.window_fit import confirm_row, refusal_label

TITLE = Text("Paiement d’une location", "A rental's payment")
WHO = Text("Location de {code}, dossier {who}", "Rental of {code}, file {who}")
PAID = Text(
    "{paid} mois payés sur {term} ; {due} dus à ce jour.",
    "{paid} of {term} months paid; {due} due today.",
)
AMOUNT = Text("Montant (€)", "Amount (€)")
AMOUNT_HINT = Text("Par exemple : 12,50", "E.g. 12.50")
RECEIPT = Text("N° de reçu", "Receipt number")
DAY = Text("Payé le", "Paid on")
MONTHS = Text("Mois payés", "Months paid")
CANCEL = Text("Annuler", "Cancel")
RECORD = Text("Enregistrer le paiement", "Record the payment")


def paid_words(loan: Loan, today: date) -> Text:
    """ "2 mois payés sur 6 ; 3 dus à ce jour." in both languages."""
    term = str(loan.term_months or 0)
    due = str(loan.months_due(today))
    return Text(
        *(
            t.replace("{paid}", str(loan.months_paid)).replace("{term}", term).replace("{due}", due)
            for t in (PAID.fr, PAID.en)
        )
    )


class PaymentDialog(QDialog):
    """Records a payment of `loan` (a rental)."""

    def __init__(
        self,
        station: Station,
        loan: Loan,
        lang: str,
        today: Callable[[], date] = date.today,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.station = station
        self.loan = loan
        self.lang = lang
        self.today = today
        self.setWindowTitle(TITLE.get(lang))
        self.setMinimumWidth(520)
        layout = QVBoxLayout(self)
        title = QLabel(
            WHO.get(lang).replace("{code}", loan.asset_code).replace("{who}", loan.beneficiary)
        )
        title.setObjectName("SectionTitle")
        layout.addWidget(title)
        self.paid = QLabel(paid_words(loan, today()).get(lang))
        layout.addWidget(self.paid)
        form = QFormLayout()
        self.amount = QLineEdit()
        self.amount.setPlaceholderText(AMOUNT_HINT.get(lang))
        self.receipt = QLineEdit()
        self.day = QDateEdit()
        self.day.setCalendarPopup(True)
        self.day.setDisplayFormat("dd/MM/yyyy")
        day = today()
        self.day.setDate(QDate(day.year, day.month, day.day))
        self.months = QSpinBox()
        left = max((loan.term_months or 0) - loan.months_paid, 1)
        self.months.setRange(1, left)
        for text, field in (
            (AMOUNT, self.amount),
            (RECEIPT, self.receipt),
            (DAY, self.day),
            (MONTHS, self.months),
        ):
            label = QLabel(text.get(lang))
            label.setBuddy(field)
            field.setAccessibleName(text.get(lang))
            field.setMinimumHeight(40)
            form.addRow(label, field)
        layout.addLayout(form)
        self.refusal = refusal_label()
        for edit in (self.amount, self.receipt):
            edit.textEdited.connect(lambda _text: self.refusal.setVisible(False))
        layout.addWidget(self.refusal)
        self.cancel_button = QPushButton(CANCEL.get(lang))
        self.cancel_button.clicked.connect(self.reject)
        self.record_button = QPushButton(RECORD.get(lang))
        self.record_button.clicked.connect(self.record)
        layout.addLayout(confirm_row(self.cancel_button, self.record_button))

    def record(self) -> None:
        """Records the payment, or says in one sentence why not."""
        day = self.day.date()
        paid_on = date(day.year(), day.month(), day.day()).isoformat()
        try:
            self.station.record_payment(
                self.loan.device_id,
                self.amount.text(),
                self.receipt.text(),
                paid_on,
                self.months.value(),
                today=self.today(),
            )
        except BenchError as exc:
            self.refusal.setText(exc.message.get(self.lang))
            self.refusal.setVisible(True)
            return
        self.accept()
