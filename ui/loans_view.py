"""The "Prêts" view (Atelier menu): every device lent or rented and not back yet, those
due back soon, those late (back or in a rental's payments) and those whose handover sheet
is not signed, each said by a word and an icon (never by colour alone); a rental's months
paid against due. On each row, "Retour" opens the return dialog, "Signer" the sheet's
signature (signed after the handover), "Paiement" a rental's payment. A device taken back
shows in the main window, where its next action is its check again."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from functools import partial
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSpinBox,
    QStyle,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from bench_app.domain.model import OutcomeKind
from bench_app.loans import REMIND_DAYS, STATUS_WORDS, Loan, LoanStatus
from bench_app.station import Station
from bench_app.text import Text
from ui.loan_sign_dialog import LoanSignDialog
from ui.payment_dialog import PaymentDialog
from ui.return_dialog import ReturnDialog

if TYPE_CHECKING:
    from ui.main_window import MainWindow

TITLE = Text("Prêts et locations", "Loans and rentals")
EVERY = Text("Tous ({n})", "All ({n})")
REMIND = Text("Rappel : retour dans les", "Reminder: due within")
DAYS = Text(" jours", " days")
NONE = Text("Aucun appareil prêté ou loué en ce moment.", "No device is lent or rented now.")
NONE_HERE = Text("Aucun appareil dans cette liste.", "No device in this list.")
# Rows drawn at most (each has its button): the most urgent first; the others are found by
# the bar's search, by code or by beneficiary.
SHOWN_AT_MOST = 300
MORE = Text(
    "{shown} premiers sur {total} : cherchez un appareil par son code pour les autres.",
    "First {shown} of {total}: search a device by its code for the others.",
)
RETURN = Text("Retour", "Return")
SIGN = Text("Signer", "Sign")
PAY = Text("Paiement", "Payment")
COLUMNS = (
    Text("État", "Status"),
    Text("Appareil", "Device"),
    Text("Type", "Type"),
    Text("Dossier", "File"),
    Text("Retour prévu", "Due back"),
    Text("Fiche de remise", "Handover sheet"),
    Text("Paiements", "Payments"),
    Text("", ""),
)
UNSIGNED = "unsigned"  # the filter of sheets not signed yet
UNSIGNED_WORDS = Text("Non signées", "Not signed")
SIGNED_LATER = Text("Signée le {day} ({who})", "Signed on {day} ({who})")
NO_PICTURE = Text(", sans image", ", no picture")
MONTHS_PAID = Text("{paid}/{term} mois payés ({due} dus)", "{paid}/{term} months paid ({due} due)")
PAYMENT_LATE = Text("Retard", "Late")
KINDS = {OutcomeKind.LOAN: Text("Prêt", "Loan"), OutcomeKind.RENTAL: Text("Location", "Rental")}
SIGNED = Text("Signée", "Signed")
NOT_SIGNED = Text("Non signée", "Not signed")
LATE_COLOUR = QColor("#b71c1c")  # with the word and the icon, never alone
SOON_COLOUR = QColor("#8a5a00")
FILTERS: tuple[str | None, ...] = (None, LoanStatus.DUE_SOON, LoanStatus.OVERDUE, UNSIGNED)


def _status_icon(status: LoanStatus) -> QIcon:
    style = QWidget().style()
    pixmap = {
        LoanStatus.OVERDUE: QStyle.StandardPixmap.SP_MessageBoxWarning,
        LoanStatus.DUE_SOON: QStyle.StandardPixmap.SP_MessageBoxInformation,
        LoanStatus.OUT: QStyle.StandardPixmap.SP_DialogYesButton,
    }[status]
    return style.standardIcon(pixmap)


def when_words(loan: Loan, today: date) -> Text:
    """The due date and how far it is: "20/12/2026 (dans 16 j)", "… (2 j de retard)"."""
    if loan.due_on is None:
        return Text("?", "?")
    day = loan.due_on.strftime("%d/%m/%Y")
    left = (loan.due_on - today).days
    if left < 0:
        return Text(f"{day} ({-left} j de retard)", f"{day} ({-left} days late)")
    if left == 0:
        return Text(f"{day} (aujourd’hui)", f"{day} (today)")
    return Text(f"{day} (dans {left} j)", f"{day} (in {left} days)")


def _unsigned_icon() -> QIcon:
    style = QWidget().style()
    return style.standardIcon(QStyle.StandardPixmap.SP_FileDialogDetailedView)


def _local_day(ts: str) -> str:
    """A fact's time as the day on this station's clock (dd/mm/yyyy)."""
    try:
        moment = datetime.fromisoformat(ts.replace("Z", "+00:00")).astimezone()
    except ValueError:
        return ts[:10]
    return moment.strftime("%d/%m/%Y")


def sheet_words(loan: Loan) -> Text:
    """The handover sheet: not signed, signed, or signed later (the day and who)."""
    if not loan.signed:
        return NOT_SIGNED
    words = SIGNED
    if loan.signed_at:
        day = _local_day(loan.signed_at)
        words = Text(
            *(
                t.replace("{day}", day).replace("{who}", loan.signed_by)
                for t in (SIGNED_LATER.fr, SIGNED_LATER.en)
            )
        )
    if not loan.signature_sha256:
        words = (
            Text(words.fr + NO_PICTURE.fr, words.en + NO_PICTURE.en) if loan.signed_at else words
        )
    return words


def payment_words(loan: Loan, today: date) -> Text:
    """A rental's months paid against due ("2/6 mois payés, 3 dus"), and a late payment."""
    if loan.kind is not OutcomeKind.RENTAL or loan.term_months is None:
        return Text("—", "—")
    paid, term, due = str(loan.months_paid), str(loan.term_months), str(loan.months_due(today))
    words = Text(
        *(
            t.replace("{paid}", paid).replace("{term}", term).replace("{due}", due)
            for t in (MONTHS_PAID.fr, MONTHS_PAID.en)
        )
    )
    if loan.payment_late(today):
        words = Text(f"{PAYMENT_LATE.fr} : {words.fr}", f"{PAYMENT_LATE.en}: {words.en}")
    return words


class LoansView(QWidget):
    """The loans out; `returned` carries the id of a device just taken back."""

    returned = Signal(str)

    def __init__(
        self,
        station: Station,
        lang: str,
        today: Callable[[], date] = date.today,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("LoansView")
        self.station = station
        self.lang = lang
        self.today = today
        self.loans: list[Loan] = []
        self.shown: list[Loan] = []
        self.dialog: QDialog | None = None
        self._drawn: tuple[object, ...] = ()  # what the table shows now
        self.resize(1280, 560)  # the workshop laptop is 1366 pixels wide
        layout = QVBoxLayout(self)
        self.title = QLabel()
        self.title.setObjectName("SectionTitle")
        layout.addWidget(self.title)

        row = QHBoxLayout()
        self.filters = QButtonGroup(self)
        self.filter_buttons: list[QPushButton] = []
        for index, _status in enumerate(FILTERS):
            button = QPushButton()
            button.setCheckable(True)
            button.setMinimumHeight(44)
            button.setChecked(index == 0)
            self.filters.addButton(button, index)
            self.filter_buttons.append(button)
            row.addWidget(button)
        self.filters.idClicked.connect(lambda _id: self.refresh())
        row.addStretch(1)
        self.remind_label = QLabel()
        self.remind = QSpinBox()
        self.remind.setRange(0, 365)
        self.remind.setValue(REMIND_DAYS)
        self.remind.valueChanged.connect(lambda _v: self.refresh())
        row.addWidget(self.remind_label)
        row.addWidget(self.remind)
        layout.addLayout(row)

        self.table = self._new_table(0)
        layout.addWidget(self.table, 1)
        self.empty = QLabel()
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.empty)
        self.more = QLabel()
        self.more.setObjectName("LoansMore")
        self.more.setVisible(False)
        layout.addWidget(self.more)
        self.retranslate(lang)

    def retranslate(self, lang: str) -> None:
        self.lang = lang
        self.setWindowTitle(TITLE.get(lang))
        self.title.setText(TITLE.get(lang))
        self.remind_label.setText(REMIND.get(lang))
        self.remind.setSuffix(DAYS.get(lang))
        self.refresh()

    def _new_table(self, rows: int) -> QTableWidget:
        table = QTableWidget(rows, len(COLUMNS))
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.verticalHeader().setVisible(False)
        table.verticalHeader().setDefaultSectionSize(52)
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        table.setHorizontalHeaderLabels([c.get(self.lang) for c in COLUMNS])
        return table

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.refresh()

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.WindowActivate:
            self.refresh()  # brought forward: what happened meanwhile shows
        return super().event(event)

    def status(self, loan: Loan) -> LoanStatus:
        return loan.status(self.today(), self.remind.value())

    def refresh(self) -> None:
        """Reads the loans out again and shows the chosen list, late ones first."""
        today = self.today()
        order = [LoanStatus.OVERDUE, LoanStatus.DUE_SOON, LoanStatus.OUT]
        self.loans = sorted(
            self.station.open_loans(), key=lambda loan: order.index(self.status(loan))
        )
        counts = {s: sum(1 for x in self.loans if self.status(x) is s) for s in LoanStatus}
        self.filter_buttons[0].setText(EVERY.get(self.lang).replace("{n}", str(len(self.loans))))
        for button, status in zip(self.filter_buttons[1:3], FILTERS[1:3], strict=True):
            assert isinstance(status, LoanStatus)
            button.setText(f"{STATUS_WORDS[status].get(self.lang)} ({counts[status]})")
            button.setIcon(_status_icon(status))
        not_signed = sum(1 for x in self.loans if not x.signed)
        self.filter_buttons[3].setText(f"{UNSIGNED_WORDS.get(self.lang)} ({not_signed})")
        self.filter_buttons[3].setIcon(_unsigned_icon())
        wanted = FILTERS[max(self.filters.checkedId(), 0)]
        listed = [x for x in self.loans if self._wanted(x, wanted)]
        self.shown = listed[:SHOWN_AT_MOST]
        self.more.setVisible(len(listed) > len(self.shown))
        self.more.setText(
            MORE.get(self.lang)
            .replace("{shown}", str(len(self.shown)))
            .replace("{total}", str(len(listed)))
        )
        drawn = (tuple(self.shown), wanted, self.remind.value(), self.lang, today)
        if drawn == self._drawn:
            return  # brought forward with nothing new: the rows (and their buttons) stay
        self._drawn = drawn
        # A new table each time: the old rows' buttons go with it, none left behind.
        old, self.table = self.table, self._new_table(len(self.shown))
        layout = self.layout()
        assert layout is not None
        layout.replaceWidget(old, self.table)
        old.hide()
        old.deleteLater()
        for row, loan in enumerate(self.shown):
            self._fill(row, loan, today)
        self.table.setVisible(bool(self.shown))
        self.empty.setVisible(not self.shown)
        self.empty.setText((NONE if not self.loans else NONE_HERE).get(self.lang))

    def _wanted(self, loan: Loan, wanted: str | None) -> bool:
        if wanted is None:
            return True
        if wanted == UNSIGNED:
            return not loan.signed
        return self.status(loan) is wanted

    def _fill(self, row: int, loan: Loan, today: date) -> None:
        lang = self.lang
        status = self.status(loan)
        colour = {LoanStatus.OVERDUE: LATE_COLOUR, LoanStatus.DUE_SOON: SOON_COLOUR}.get(status)
        when = when_words(loan, today).get(lang)
        term = loan.next_payment_on()  # a rental's first month not paid yet
        if term is not None and loan.due_on is not None and term < loan.due_on:
            when += (" · à payer le " if lang == "fr" else " · to pay on ") + term.strftime(
                "%d/%m/%Y"
            )
        cells = [
            QTableWidgetItem(_status_icon(status), STATUS_WORDS[status].get(lang)),
            QTableWidgetItem(loan.asset_code),
            QTableWidgetItem(KINDS[loan.kind].get(lang)),
            QTableWidgetItem(loan.beneficiary),
            QTableWidgetItem(when),
            QTableWidgetItem(sheet_words(loan).get(lang)),
            QTableWidgetItem(payment_words(loan, today).get(lang)),
        ]
        if not loan.signed:
            cells[5].setIcon(_unsigned_icon())
        late_payment = loan.payment_late(today)
        if late_payment:
            cells[6].setIcon(_status_icon(LoanStatus.OVERDUE))
        for column, item in enumerate(cells):
            if colour is not None and (column in (0, 4) or (column == 6 and late_payment)):
                item.setForeground(colour)
            self.table.setItem(row, column, item)
        actions = QWidget()
        line = QHBoxLayout(actions)
        line.setContentsMargins(2, 2, 2, 2)
        buttons: list[tuple[Text, str, Callable[[str], QDialog]]] = [
            (RETURN, "LoanReturn", self.open_return)
        ]
        if not loan.signed or not loan.signature_sha256:
            buttons.append((SIGN, "LoanSign", self.open_sign))
        if loan.next_payment_on() is not None:
            buttons.append((PAY, "LoanPay", self.open_payment))
        for words, name, opener in buttons:
            button = QPushButton(words.get(lang))
            button.setObjectName(name)
            button.setAccessibleName(f"{words.get(lang)} {loan.asset_code}")
            button.clicked.connect(partial(opener, loan.loan_id))
            line.addWidget(button)
        self.table.setCellWidget(row, len(COLUMNS) - 1, actions)

    def row_button(self, asset_code: str, name: str = "LoanReturn") -> QPushButton:
        """A button on the row of this device: "LoanReturn", "LoanSign" or "LoanPay"."""
        for row, loan in enumerate(self.shown):
            if loan.asset_code == asset_code:
                widget = self.table.cellWidget(row, len(COLUMNS) - 1)
                assert widget is not None
                found = widget.findChild(QPushButton, name)
                if found is None:
                    raise KeyError(name)
                return found
        raise KeyError(asset_code)

    def return_button(self, asset_code: str) -> QPushButton:
        """The "Retour" button on the row of this device."""
        return self.row_button(asset_code, "LoanReturn")

    def open_sign(self, loan_id: str) -> LoanSignDialog:
        """Opens the signature of this loan's sheet; once recorded, the list is read again."""
        loan = next(x for x in self.loans if x.loan_id == loan_id)
        dialog = LoanSignDialog(self.station, loan, self.lang, self)
        dialog.accepted.connect(self._changed)
        self.dialog = dialog
        dialog.open()
        return dialog

    def open_payment(self, loan_id: str) -> PaymentDialog:
        """Opens a payment of this rental; once recorded, the list is read again."""
        loan = next(x for x in self.loans if x.loan_id == loan_id)
        dialog = PaymentDialog(self.station, loan, self.lang, self.today, self)
        dialog.accepted.connect(self._changed)
        self.dialog = dialog
        dialog.open()
        return dialog

    def _changed(self) -> None:
        self._drawn = ()  # the same loans, other words: drawn again
        self.refresh()

    def open_return(self, loan_id: str) -> ReturnDialog:
        """Opens the return dialog of this loan; once recorded, the list is read again."""
        loan = next(x for x in self.loans if x.loan_id == loan_id)
        dialog = ReturnDialog(self.station, loan, self.lang, self)
        dialog.accepted.connect(partial(self._taken_back, loan.device_id))
        self.dialog = dialog
        dialog.open()
        return dialog

    def _taken_back(self, device_id: str) -> None:
        self.refresh()
        self.returned.emit(device_id)


def open_loans_view(window: MainWindow) -> QWidget:
    """The "Prêts" view of the main window's station; a device taken back opens in the
    main window, showing its next action (its check again)."""
    view = LoansView(window.station, window.lang)
    view.returned.connect(window.select_device_card)
    return view
