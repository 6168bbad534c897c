"""The "Prêts" view (Atelier menu): every device lent or rented and not back yet, those
due back soon, those late (back or in a rental's payments) and those whose handover sheet
is not signed, each said by a word and an icon (never by colour alone); a rental's months
paid against due. The loans are read off the window's thread and shown by a table model
(no widget per row), so thousands open without freezing the window; a search field finds
any of them by device code, file or loan number. The bar under the table acts on the chosen
row: "Retour" opens the return dialog (Enter on the row too), "Signer" the sheet's
signature (signed after the handover), "Paiement" a rental's payment. A device taken back
shows in the main window, where its next action is its check again."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from functools import partial
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRunnable,
    Qt,
    QThreadPool,
    Signal,
)
from PySide6.QtGui import QCloseEvent, QColor, QIcon, QKeyEvent, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QStyle,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from bench_app.domain.model import OutcomeKind
from bench_app.errors import BenchError
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
LOADING = Text("Lecture des prêts…", "Reading the loans…")
READ_FAILED = Text("Les prêts n’ont pas pu être lus.", "The loans could not be read.")
SEARCH = Text("Chercher : code, dossier ou n° de prêt", "Search: code, file or loan number")
SEARCH_NAME = Text("Chercher un prêt", "Search a loan")
CHOSEN = Text("Appareil choisi : {code}", "Chosen device: {code}")
CHOOSE = Text("Choisissez un appareil dans la liste.", "Choose a device in the list.")
TABLE_NAME = Text("Liste des prêts", "List of loans")
# Rows handed to the table at a time: the first ones show at once, the rest as it scrolls.
BATCH = 200
_TOP = QModelIndex()  # the table's root: its rows have no parent
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


_ICONS: dict[object, QIcon] = {}  # made once: a row's icon costs nothing to draw


def _status_icon(status: LoanStatus) -> QIcon:
    if status not in _ICONS:
        pixmap = {
            LoanStatus.OVERDUE: QStyle.StandardPixmap.SP_MessageBoxWarning,
            LoanStatus.DUE_SOON: QStyle.StandardPixmap.SP_MessageBoxInformation,
            LoanStatus.OUT: QStyle.StandardPixmap.SP_DialogYesButton,
        }[status]
        _ICONS[status] = QWidget().style().standardIcon(pixmap)
    return _ICONS[status]


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
    if UNSIGNED not in _ICONS:
        pixmap = QStyle.StandardPixmap.SP_FileDialogDetailedView
        _ICONS[UNSIGNED] = QWidget().style().standardIcon(pixmap)
    return _ICONS[UNSIGNED]


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


def when_cell(loan: Loan, today: date, lang: str) -> str:
    """The "Retour prévu" cell: the due date, and a rental's next payment when sooner."""
    when = when_words(loan, today).get(lang)
    term = loan.next_payment_on()  # a rental's first month not paid yet
    if term is not None and loan.due_on is not None and term < loan.due_on:
        when += (" · à payer le " if lang == "fr" else " · to pay on ") + term.strftime("%d/%m/%Y")
    return when


def row_actions(loan: Loan) -> list[str]:
    """The actions a loan's row offers: "LoanReturn", and "LoanSign", "LoanPay" when due."""
    actions = ["LoanReturn"]
    if not loan.signed or not loan.signature_sha256:
        actions.append("LoanSign")
    if loan.next_payment_on() is not None:
        actions.append("LoanPay")
    return actions


class LoansModel(QAbstractTableModel):
    """The loans chosen by the filters, handed to the table a batch at a time; a row's
    words are made when the table draws it, not before."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.loans: list[Loan] = []
        self.fetched = 0
        self.statuses: dict[str, LoanStatus] = {}
        self.today = date.today()
        self.lang = "fr"
        self._cache: dict[tuple[int, int], Any] = {}

    def set_loans(
        self, loans: list[Loan], statuses: dict[str, LoanStatus], today: date, lang: str
    ) -> None:
        """Shows these loans (the first batch at once)."""
        self.beginResetModel()
        self.loans, self.statuses, self.today, self.lang = loans, statuses, today, lang
        self.fetched = min(BATCH, len(loans))
        self._cache = {}
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = _TOP) -> int:
        return 0 if parent.isValid() else self.fetched

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = _TOP) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def canFetchMore(self, parent: QModelIndex | QPersistentModelIndex = _TOP) -> bool:
        return not parent.isValid() and self.fetched < len(self.loans)

    def fetchMore(self, parent: QModelIndex | QPersistentModelIndex = _TOP) -> None:
        if parent.isValid():
            return
        more = min(BATCH, len(self.loans) - self.fetched)
        if more <= 0:
            return
        self.beginInsertRows(QModelIndex(), self.fetched, self.fetched + more - 1)
        self.fetched += more
        self.endInsertRows()

    def fetch_to(self, row: int) -> None:
        """Hands the table every row up to this one (to choose a row further down)."""
        while self.fetched <= row and self.canFetchMore():
            self.fetchMore()

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section].get(self.lang)
        return None

    def _texts(self, row: int) -> list[str]:
        loan = self.loans[row]
        lang, today = self.lang, self.today
        return [
            STATUS_WORDS[self.statuses[loan.loan_id]].get(lang),
            loan.asset_code,
            KINDS[loan.kind].get(lang),
            loan.beneficiary,
            when_cell(loan, today, lang),
            sheet_words(loan).get(lang),
            payment_words(loan, today).get(lang),
        ]

    def text(self, row: int, column: int) -> str:
        """The words of a cell, as the table shows them."""
        key = (row, -1)
        if key not in self._cache:
            self._cache[key] = self._texts(row)
        texts: list[str] = self._cache[key]
        return texts[column]

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if not index.isValid() or index.row() >= self.fetched:
            return None
        row, column = index.row(), index.column()
        loan = self.loans[row]
        if role in (
            Qt.ItemDataRole.DisplayRole,
            Qt.ItemDataRole.AccessibleTextRole,
            Qt.ItemDataRole.ToolTipRole,  # the whole words when a column cuts them
        ):
            return self.text(row, column)
        status = self.statuses[loan.loan_id]
        late_payment = column == 6 and loan.payment_late(self.today)
        if role == Qt.ItemDataRole.DecorationRole:
            if column == 0:
                return _status_icon(status)
            if column == 5 and not loan.signed:
                return _unsigned_icon()
            if late_payment:
                return _status_icon(LoanStatus.OVERDUE)
            return None
        if role == Qt.ItemDataRole.ForegroundRole and (column in (0, 4) or late_payment):
            return {LoanStatus.OVERDUE: LATE_COLOUR, LoanStatus.DUE_SOON: SOON_COLOUR}.get(status)
        return None


class _Signals(QObject):
    done = Signal(object)
    failed = Signal(str)


class _Read(QRunnable):
    """Reads the loans out off the window's thread."""

    def __init__(self, read: Callable[[], list[Loan]], lang: str) -> None:
        super().__init__()
        self.read = read
        self.lang = lang
        self.signals = _Signals()

    def run(self) -> None:
        try:
            result = self.read()
        except BenchError as exc:
            self.signals.failed.emit(exc.message.get(self.lang))
            return
        except Exception:  # a database that went away (the station closing): said plainly
            self.signals.failed.emit(READ_FAILED.get(self.lang))
            return
        self.signals.done.emit(result)


class LoansTable(QTableView):
    """The table of loans; Enter or Space on a row opens its return."""

    activated_row = Signal(int)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        keys = (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space)
        if event.key() in keys and self.currentIndex().isValid():
            self.activated_row.emit(self.currentIndex().row())
            return
        super().keyPressEvent(event)


class LoansView(QWidget):
    """The loans out; `returned` carries the id of a device just taken back. `loads`
    counts the reads shown (tests wait on it), `tasks` the reads still running."""

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
        self.dialog: QDialog | None = None
        self.pool = QThreadPool.globalInstance()
        self.tasks: list[_Read] = []
        self.loads = 0
        self._asked = 0  # reads asked: only the last one's answer is shown
        self._reads = 0  # lists of loans read and kept
        self._drawn: tuple[object, ...] = ()  # what the table shows now
        self._ranking: tuple[object, Any] = ((), None)  # the last ranking and what it was of
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
        self.filters.idClicked.connect(lambda _id: self.show_loans())
        row.addStretch(1)
        self.remind_label = QLabel()
        self.remind = QSpinBox()
        self.remind.setRange(0, 365)
        self.remind.setValue(REMIND_DAYS)
        self.remind.valueChanged.connect(lambda _v: self.show_loans())
        self.remind_label.setBuddy(self.remind)
        row.addWidget(self.remind_label)
        row.addWidget(self.remind)
        layout.addLayout(row)

        self.search = QLineEdit()
        self.search.setObjectName("LoansSearch")
        self.search.setMinimumHeight(40)
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(lambda _t: self.show_loans())
        layout.addWidget(self.search)

        self.model = LoansModel(self)
        self.table = LoansTable()
        self.table.setObjectName("LoansTable")
        self.table.setModel(self.model)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setTabKeyNavigation(False)  # Tab goes on to the action bar
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(44)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        # Set once (not measured on every row): the payments' words keep the rest.
        for column, width in enumerate((150, 130, 90, 120, 300, 190)):
            header.resizeSection(column, width)
        self.table.activated_row.connect(lambda _row: self.open_chosen("LoanReturn"))
        self.table.doubleClicked.connect(lambda _index: self.open_chosen("LoanReturn"))
        selection = self.table.selectionModel()
        selection.currentRowChanged.connect(lambda _now, _before: self._show_actions())
        layout.addWidget(self.table, 1)
        self.empty = QLabel()
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.empty)

        bar = QHBoxLayout()
        self.chosen = QLabel()
        self.chosen.setObjectName("LoansChosen")
        bar.addWidget(self.chosen, 1)
        self.action_buttons: dict[str, QPushButton] = {}
        for name, opener in (
            ("LoanReturn", self.open_return),
            ("LoanSign", self.open_sign),
            ("LoanPay", self.open_payment),
        ):
            button = QPushButton()
            button.setObjectName(name)
            button.setMinimumHeight(44)
            button.clicked.connect(partial(self._act, opener))
            self.action_buttons[name] = button
            bar.addWidget(button)
        layout.addLayout(bar)
        self.retranslate(lang)

    def retranslate(self, lang: str) -> None:
        self.lang = lang
        self.setWindowTitle(TITLE.get(lang))
        self.title.setText(TITLE.get(lang))
        self.remind_label.setText(REMIND.get(lang))
        self.remind.setSuffix(DAYS.get(lang))
        self.remind.setAccessibleName(REMIND.get(lang))
        self.search.setPlaceholderText(SEARCH.get(lang))
        self.search.setAccessibleName(SEARCH_NAME.get(lang))
        self.table.setAccessibleName(TABLE_NAME.get(lang))
        self._drawn = ()  # other words: drawn again
        if self._reads:
            self.show_loans()
        else:
            # Until the first read ends, the filters and the bar have their words without
            # counts: named for a screen reader from the start.
            self._name_filters(None)
            self._show_actions()
            self.refresh()

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
        """Reads the loans out again, off the window's thread; the list shows when read."""
        if not self._reads:  # the first read: said while it runs
            self.empty.setText(LOADING.get(self.lang))
            self.empty.setVisible(True)
            self.table.setVisible(False)
        self._asked += 1
        asked = self._asked
        task = _Read(self.station.open_loans, self.lang)
        queued = Qt.ConnectionType.QueuedConnection
        task.signals.done.connect(lambda loans: self._finished(task, asked, loans), queued)
        task.signals.failed.connect(lambda text: self._finished(task, asked, text), queued)
        self.tasks.append(task)  # kept until it reports
        self.pool.start(task)

    def _finished(self, task: _Read, asked: int, result: list[Loan] | str) -> None:
        if task in self.tasks:
            self.tasks.remove(task)
        if asked != self._asked:
            return  # a later read is on its way
        if isinstance(result, str):
            self.empty.setText(result)
            self.empty.setVisible(True)
        else:
            self.loans = result
            self._reads += 1  # a new list: ranked again
            self.show_loans()
        self.loads += 1

    def show_loans(self) -> None:
        """Shows the chosen list from the loans read, late ones first."""
        today = self.today()
        within = self.remind.value()
        statuses, ranked, counts = self._ranked(today, within)
        self._name_filters(counts)
        wanted = FILTERS[max(self.filters.checkedId(), 0)]
        needle = self.search.text().strip().casefold()
        listed = [x for x in ranked if self._wanted(x, wanted, statuses) and _found(x, needle)]
        drawn = (tuple(listed), wanted, within, self.lang, today)
        if drawn != self._drawn:  # brought forward with nothing new: the choice stays
            self._drawn = drawn
            chosen = self.chosen_loan()
            self.model.set_loans(listed, statuses, today, self.lang)
            if chosen is not None:
                self.choose(chosen.loan_id, by="loan_id", missing_ok=True)
        self.table.setVisible(bool(listed))
        self.empty.setVisible(not listed)
        self.empty.setText((NONE if not self.loans else NONE_HERE).get(self.lang))
        self._show_actions()

    def _name_filters(self, counts: dict[LoanStatus, int] | None) -> None:
        """The filters' words, with how many loans each shows (none before the first read)."""

        def said(words: str, n: int | None) -> str:
            return words if n is None else f"{words} ({n})"

        lang = self.lang
        read = counts is not None
        self.filter_buttons[0].setText(
            said(EVERY.get(lang).replace(" ({n})", ""), len(self.loans) if read else None)
        )
        for button, status in zip(self.filter_buttons[1:3], FILTERS[1:3], strict=True):
            assert isinstance(status, LoanStatus)
            n = counts[status] if counts is not None else None
            button.setText(said(STATUS_WORDS[status].get(lang), n))
            button.setIcon(_status_icon(status))
        not_signed = sum(1 for x in self.loans if not x.signed) if read else None
        self.filter_buttons[3].setText(said(UNSIGNED_WORDS.get(lang), not_signed))
        self.filter_buttons[3].setIcon(_unsigned_icon())

    def _ranked(
        self, today: date, within: int
    ) -> tuple[dict[str, LoanStatus], list[Loan], dict[LoanStatus, int]]:
        """Each loan's status, late ones first, and how many of each: worked out once per
        read, day and reminder (not again at each letter typed in the search)."""
        key = (self._reads, today, within)
        if self._ranking[0] != key:
            statuses = {x.loan_id: x.status(today, within) for x in self.loans}
            order = {LoanStatus.OVERDUE: 0, LoanStatus.DUE_SOON: 1, LoanStatus.OUT: 2}
            # Within a status, the read's order (the soonest due first) is kept.
            ranked = sorted(self.loans, key=lambda loan: order[statuses[loan.loan_id]])
            counts = dict.fromkeys(LoanStatus, 0)
            for each in statuses.values():
                counts[each] += 1
            self._ranking = (key, (statuses, ranked, counts))
        return self._ranking[1]

    @property
    def shown(self) -> list[Loan]:
        """The loans of the chosen list, in the table's order."""
        return self.model.loans

    def _wanted(self, loan: Loan, wanted: str | None, statuses: dict[str, LoanStatus]) -> bool:
        if wanted is None:
            return True
        if wanted == UNSIGNED:
            return not loan.signed
        return statuses[loan.loan_id] is wanted

    def chosen_loan(self) -> Loan | None:
        """The loan of the row chosen in the table, if any."""
        row = self.table.currentIndex().row()
        return self.shown[row] if 0 <= row < len(self.shown) else None

    def choose(self, key: str, by: str = "asset_code", missing_ok: bool = False) -> Loan | None:
        """Chooses the row of this device (or loan id), scrolled to: the bar acts on it."""
        for row, loan in enumerate(self.shown):
            if getattr(loan, by) == key:
                self.model.fetch_to(row)
                index = self.model.index(row, 0)
                self.table.setCurrentIndex(index)
                self.table.scrollTo(index)
                self._show_actions()
                return loan
        if missing_ok:
            return None
        raise KeyError(key)

    def _show_actions(self) -> None:
        loan = self.chosen_loan()
        lang = self.lang
        self.chosen.setText(
            CHOOSE.get(lang)
            if loan is None
            else CHOSEN.get(lang).replace("{code}", loan.asset_code)
        )
        offered = row_actions(loan) if loan is not None else ["LoanReturn"]
        for name, words in (("LoanReturn", RETURN), ("LoanSign", SIGN), ("LoanPay", PAY)):
            button = self.action_buttons[name]
            button.setText(words.get(lang))
            code = f" {loan.asset_code}" if loan is not None else ""
            button.setAccessibleName(f"{words.get(lang)}{code}")
            button.setVisible(name in offered)
            button.setEnabled(loan is not None)

    def actions_for(self, asset_code: str) -> list[str]:
        """The actions the bar offers once this device's row is chosen."""
        self.choose(asset_code)
        return [n for n, b in self.action_buttons.items() if not b.isHidden()]

    def row_button(self, asset_code: str, name: str = "LoanReturn") -> QPushButton:
        """The bar's button ("LoanReturn", "LoanSign" or "LoanPay") once this device's row
        is chosen; KeyError when the row does not offer it."""
        self.choose(asset_code)
        button = self.action_buttons[name]
        if button.isHidden():
            raise KeyError(name)
        return button

    def return_button(self, asset_code: str) -> QPushButton:
        """The "Retour" button, this device's row chosen."""
        return self.row_button(asset_code, "LoanReturn")

    def open_chosen(self, name: str) -> QDialog | None:
        """Opens the action of the chosen row ("LoanReturn", …), if it offers it."""
        loan = self.chosen_loan()
        if loan is None or name not in row_actions(loan):
            return None
        opener = {
            "LoanReturn": self.open_return,
            "LoanSign": self.open_sign,
            "LoanPay": self.open_payment,
        }[name]
        return opener(loan.loan_id)

    def _act(self, opener: Callable[[str], QDialog]) -> None:
        loan = self.chosen_loan()
        if loan is not None:
            opener(loan.loan_id)

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

    def shutdown(self) -> None:
        """A read still running ends without a list to fill (the window closing)."""
        for task in self.tasks:
            task.signals.done.disconnect()
            task.signals.failed.disconnect()
        self.tasks.clear()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.shutdown()
        super().closeEvent(event)


def _found(loan: Loan, needle: str) -> bool:
    """Whether the search's words are in the device code, the file or the loan number."""
    if not needle:
        return True
    return any(needle in x.casefold() for x in (loan.asset_code, loan.beneficiary, loan.loan_id))


def open_loans_view(window: MainWindow) -> QWidget:
    """The "Prêts" view of the main window's station; a device taken back opens in the
    main window, showing its next action (its check again)."""
    view = LoansView(window.station, window.lang)
    view.returned.connect(window.select_device_card)
    return view
