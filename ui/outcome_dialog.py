"""Where a device goes: big buttons (donation, loan, rental, solidarity sale, spare parts,
recycling), then only the one or two fields that outcome needs. Recorded through
`Station.choose_outcome`; a refusal (no reuse before a verified erasure...) is said in one
sentence and nothing is recorded."""

from __future__ import annotations

from datetime import date, timedelta
from functools import partial

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QDateEdit,
    QDialog,
    QFormLayout,
    QGridLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from bench_app.approvals import Guarded
from bench_app.domain.model import OutcomeKind
from bench_app.errors import BenchError
from bench_app.journey import NEEDS_BENEFICIARY, OutcomeChoice, outcome_refusal
from bench_app.station import Station
from ui.approval_dialog import ApprovalDialog, attempt_or_ask
from ui.device_view import tr
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
        for field in (self.beneficiary, self.price, self.reference):
            field.textEdited.connect(self._forget_refusal)
        self.fields: dict[str, tuple[QLabel, QWidget]] = {}
        for key, label, widget in (
            ("beneficiary", tr("Beneficiary's reference"), self.beneficiary),
            ("due", tr("Return date"), self.due),
            ("price", tr("Price in €"), self.price),
            ("reference", tr("Eco-organism's reference"), self.reference),
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
            "due": kind in (OutcomeKind.LOAN, OutcomeKind.RENTAL),
            "price": kind is OutcomeKind.SALE,
            "reference": kind is OutcomeKind.RECYCLING,
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
        if kind in (OutcomeKind.LOAN, OutcomeKind.RENTAL):
            due = self.due.date().toString("yyyy-MM-dd")
        return OutcomeChoice(
            kind,
            beneficiary=self.beneficiary.text() if kind in NEEDS_BENEFICIARY else "",
            due_on=due,
            price=self.price.text() if kind is OutcomeKind.SALE else "",
            reference=self.reference.text() if kind is OutcomeKind.RECYCLING else "",
            note=self.note.text(),
        )

    def record(self) -> None:
        """Records the outcome, or says in one sentence why it is refused."""
        choice = self.choice()
        if choice is None:
            return
        try:
            # Recycling a device that passed its checks: a supervisor approves first.
            self.approval_dialog = attempt_or_ask(
                self.station,
                self.lang,
                Guarded.RECYCLE_PASSED,
                lambda r: self.station.choose_outcome(self.device_id, choice, approval=r),
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
