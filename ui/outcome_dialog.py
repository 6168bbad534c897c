"""Where a device goes: big buttons (donation, loan, rental, solidarity sale, spare parts,
recycling), then only the fields that outcome needs (a loan's return date or a rental's
months and its handover sheet, a sale's price and receipt, the part given and the device
receiving it, the eco-organism's slip and the weight). Recorded through
`Station.choose_outcome`; a refusal (no reuse before a verified erasure...) is said in one
sentence and nothing is recorded."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from functools import partial

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QCompleter,
    QDateEdit,
    QDialog,
    QFormLayout,
    QGridLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from bench_app import beneficiaries
from bench_app.approvals import Guarded
from bench_app.domain.model import OutcomeKind
from bench_app.errors import BenchError
from bench_app.journey import (
    LOAN_KINDS,
    MAX_RENTAL_MONTHS,
    NEEDS_BENEFICIARY,
    OutcomeChoice,
    outcome_refusal,
)
from bench_app.station import Station
from bench_app.text import Text
from ui.approval_dialog import ApprovalDialog, attempt_or_ask
from ui.device_view import tr
from ui.handover_sheet import HandoverSheet
from ui.window_fit import confirm_row, refusal_label

# The device's state alone refuses these, whatever is typed: said as soon as it is chosen.
STATE_REFUSALS = frozenset(
    {
        "OUTCOME_NEEDS_VERIFIED_ERASURE",
        "OUTCOME_DEVICE_LOCKED",
        "OUTCOME_DISK_FAILING",
        "OUTCOME_DISK_NOT_ERASED",
    }
)
LOAN_DAYS = 90  # a loan's return date proposed by default
RENTAL_MONTHS = 12  # a rental's term proposed by default
# The fields added for loans, sales, parts and recycling (French first).
LABELS = {
    "months": Text("Durée en mois", "Term in months"),
    "receipt": Text("Numéro du reçu", "Receipt number"),
    "part": Text("Pièce donnée", "Part given"),
    "receiver": Text("Appareil qui la reçoit", "Device receiving it"),
    "weight": Text("Poids en kg", "Weight in kg"),
    "handover": Text("Fiche de remise", "Handover sheet"),
}
HINTS = {
    "receipt": Text("Numéro sur le reçu remis", "Number on the receipt given"),
    "part": Text("Par exemple : écran", "For example: screen"),
    "receiver": Text("Code d’inventaire, par exemple ABCD-2345-X", "Asset code, e.g. ABCD-2345-X"),
    "weight": Text("Par exemple : 0,2 ou 12,5", "For example: 0.2 or 12.5"),
}


def outcome_names() -> dict[OutcomeKind, str]:
    """The big buttons' words, in the order they are offered."""
    return {
        OutcomeKind.DONATION: tr("Donation to a beneficiary"),
        OutcomeKind.LOAN: tr("Loan"),
        OutcomeKind.RENTAL: tr("Rental"),
        OutcomeKind.SALE: tr("Solidarity sale"),
        OutcomeKind.SPARE_PARTS: tr("Spare parts"),
        OutcomeKind.RECYCLING: tr("Recycling"),
    }


class OutcomeDialog(QDialog):
    """Chooses and records the device's outcome. `buttons` by kind; `refusal` says why not."""

    def __init__(
        self, station: Station, device_id: str, lang: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.station = station
        self.device_id = device_id
        self.lang = lang
        self.kind: OutcomeKind | None = None
        # The device cannot go there, whatever is typed (no reuse before a verified erasure).
        self.state_refusal: BenchError | None = None
        self.approval_dialog: ApprovalDialog | None = None  # when a supervisor must approve
        device = station.device(device_id)
        self.setWindowTitle(tr("Choose the outcome"))
        self.setMinimumWidth(720)
        layout = QVBoxLayout(self)
        title = QLabel(
            tr("Where does %1 go?").replace("%1", device.asset_code if device else device_id)
        )
        title.setObjectName("SectionTitle")
        layout.addWidget(title)

        grid = QGridLayout()
        self.buttons: dict[OutcomeKind, QPushButton] = {}
        for index, (kind, name) in enumerate(outcome_names().items()):
            button = QPushButton(name)
            button.setObjectName("OutcomeChoice")
            button.setCheckable(True)
            button.setMinimumHeight(56)
            button.setProperty("tone", "neutral")
            button.clicked.connect(partial(self.choose, kind))
            grid.addWidget(button, index // 2, index % 2)  # two wide columns: whole words
            self.buttons[kind] = button
        layout.addLayout(grid)

        self.form = QFormLayout()
        self.beneficiary = QLineEdit()
        self.beneficiary.setPlaceholderText(tr("File number, never a name"))
        # The file numbers on record, offered as they are typed (ui/beneficiaries_view.py).
        known = [b.reference for b in beneficiaries.listing(station.store)]
        self.beneficiary.setCompleter(QCompleter(known, self.beneficiary))
        self.due = QDateEdit()
        self.due.setCalendarPopup(True)
        self.due.setDisplayFormat("dd/MM/yyyy")
        soon = date.today() + timedelta(days=LOAN_DAYS)
        self.due.setDate(QDate(soon.year, soon.month, soon.day))
        self.price = QLineEdit()
        self.price.setPlaceholderText(tr("e.g. 45 or 45,50"))
        self.reference = QLineEdit()
        self.reference.setPlaceholderText(tr("Number on the eco-organism's slip"))
        self.note = QLineEdit()
        self.months = QSpinBox()
        self.months.setRange(1, MAX_RENTAL_MONTHS)
        self.months.setValue(RENTAL_MONTHS)
        self.receipt = QLineEdit()
        self.part = QLineEdit()
        self.receiver = QLineEdit()
        self.weight = QLineEdit()
        for key, field in (
            ("receipt", self.receipt),
            ("part", self.part),
            ("receiver", self.receiver),
            ("weight", self.weight),
        ):
            field.setPlaceholderText(HINTS[key].get(lang))
        self.handover = HandoverSheet(lang)
        for field in (
            self.beneficiary,
            self.price,
            self.reference,
            self.receipt,
            self.part,
            self.receiver,
            self.weight,
        ):
            field.textEdited.connect(self._forget_refusal)
        self.fields: dict[str, tuple[QLabel, QWidget]] = {}
        for key, label, widget in (
            ("beneficiary", tr("Beneficiary's reference"), self.beneficiary),
            ("due", tr("Return date"), self.due),
            ("months", LABELS["months"].get(lang), self.months),
            ("price", tr("Price in €"), self.price),
            ("receipt", LABELS["receipt"].get(lang), self.receipt),
            ("part", LABELS["part"].get(lang), self.part),
            ("receiver", LABELS["receiver"].get(lang), self.receiver),
            ("reference", tr("Eco-organism's reference"), self.reference),
            ("weight", LABELS["weight"].get(lang), self.weight),
            ("handover", LABELS["handover"].get(lang), self.handover),
            ("note", tr("Comment (optional)"), self.note),
        ):
            caption = QLabel(label)
            self.form.addRow(caption, widget)
            self.fields[key] = (caption, widget)
        layout.addLayout(self.form)

        self.refusal = refusal_label()
        layout.addWidget(self.refusal)

        self.cancel_button = QPushButton(tr("Cancel"))
        self.cancel_button.clicked.connect(self.reject)
        self.record_button = QPushButton(tr("Record"))
        self.record_button.clicked.connect(self.record)
        layout.addLayout(confirm_row(self.cancel_button, self.record_button))
        self._show_fields()

    def choose(self, kind: OutcomeKind) -> None:
        """Picks an outcome: its fields appear, or at once why the device cannot go there."""
        self.kind = kind
        for other, button in self.buttons.items():
            button.setChecked(other is kind)
        refusal = outcome_refusal(
            self.station.journey(self.device_id), OutcomeChoice(kind), date.today()
        )
        self.state_refusal = (
            refusal if refusal is not None and refusal.code in STATE_REFUSALS else None
        )
        if self.state_refusal is not None:
            self._refuse(self.state_refusal)
        else:
            self.refusal.setVisible(False)
        self._show_fields()

    def _show_fields(self) -> None:
        kind = self.kind
        shown = {
            "beneficiary": kind in NEEDS_BENEFICIARY,
            "due": kind is OutcomeKind.LOAN,
            "months": kind is OutcomeKind.RENTAL,
            "price": kind is OutcomeKind.SALE,
            "receipt": kind is OutcomeKind.SALE,
            "part": kind is OutcomeKind.SPARE_PARTS,
            "receiver": kind is OutcomeKind.SPARE_PARTS,
            "reference": kind is OutcomeKind.RECYCLING,
            "weight": kind is OutcomeKind.RECYCLING,
            "handover": kind in LOAN_KINDS,
            "note": kind is not None,
        }
        for key, (caption, widget) in self.fields.items():
            caption.setVisible(shown[key])
            widget.setVisible(shown[key])
        self.record_button.setEnabled(kind is not None and self.state_refusal is None)
        self.adjustSize()

    def choice(self) -> OutcomeChoice | None:
        """The outcome as filled in now (None: none chosen)."""
        kind = self.kind
        if kind is None:
            return None
        due = ""
        if kind is OutcomeKind.LOAN:
            due = self.due.date().toString("yyyy-MM-dd")
        sale = kind is OutcomeKind.SALE
        parts = kind is OutcomeKind.SPARE_PARTS
        recycling = kind is OutcomeKind.RECYCLING
        return OutcomeChoice(
            kind,
            beneficiary=self.beneficiary.text() if kind in NEEDS_BENEFICIARY else "",
            due_on=due,
            price=self.price.text() if sale else "",
            reference=self.reference.text() if recycling else "",
            note=self.note.text(),
            receipt=self.receipt.text() if sale else "",
            months=str(self.months.value()) if kind is OutcomeKind.RENTAL else "",
            part=self.part.text() if parts else "",
            receiver=self.receiver.text() if parts else "",
            weight=self.weight.text() if recycling else "",
            signed=kind in LOAN_KINDS and self.handover.signed.isChecked(),
        )

    def record(self) -> None:
        """Records the outcome, or says in one sentence why it is refused."""
        choice = self.choice()
        if choice is None:
            return
        try:
            if choice.kind in LOAN_KINDS:
                # The journey's rules first: no picture is kept for a loan refused anyway.
                refusal = outcome_refusal(
                    self.station.journey(self.device_id), choice, date.today()
                )
                if refusal is not None:
                    raise refusal
                picture = self.handover.picture()
                if picture is not None:
                    choice = replace(choice, signature=self.station.keep_signature(picture))
            chosen = choice
            # Recycling a device that passed its checks: a supervisor approves first.
            self.approval_dialog = attempt_or_ask(
                self.station,
                self.lang,
                Guarded.RECYCLE_PASSED,
                lambda r: self.station.choose_outcome(self.device_id, chosen, approval=r),
                self,
                on_done=self.accept,
            )
        except BenchError as exc:
            self._refuse(exc)
            self._show_fields()

    def _forget_refusal(self) -> None:
        """Typing answers a refusal about what was typed (not one about the device)."""
        if self.state_refusal is None:
            self.refusal.setVisible(False)

    def _refuse(self, exc: BenchError) -> None:
        self.refusal.setText(exc.message.get(self.lang))
        self.refusal.setVisible(True)
