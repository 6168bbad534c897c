"""The "Dons" view: every donation (lot) with its donor, agreement reference, date,
expected and received counts and a bar of where its devices stand (drawn, each part
with its count and a legend in words: never colour alone); a lot's page with each device's
stage, grade, outcome and what blocks it, the lot's report and certificate (PDF) and its
activity (CSV) saved where the operator chooses, and "Ajouter des appareils": labels
scanned one after the other, each attached at once with a line saying what happened.

What it shows is read by bench_app/lots.py off the window's thread, so a large database
never freezes the window."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRectF,
    QRunnable,
    QSize,
    Qt,
    QThreadPool,
    Signal,
)
from PySide6.QtGui import QColor, QKeySequence, QPainter, QPaintEvent, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from bench_app import lots
from bench_app.errors import BenchError
from bench_app.journey import JourneyPolicy, pipeline_purposes
from bench_app.text import Text
from ui.documents import DOCUMENTS_FOLDER, Document, Documents, unnamed_refusal
from ui.file_chooser import folder_chooser

if TYPE_CHECKING:
    from bench_app.domain.model import Lot
    from bench_app.station import Station
    from ui.main_window import MainWindow

TITLE = Text("Dons", "Donations")
# Each position's colour; its words and count are drawn too.
COLOURS: dict[str, str] = {
    lots.BLOCKED: "#c62828",
    "check": "#90a4ae",
    "wipe": "#7e57c2",
    "erase": "#7e57c2",
    "install": "#1f6fb2",
    "system_image": "#1f6fb2",
    "grade": "#00897b",
    "label": "#f9a825",
    "outcome": "#ef6c00",
    lots.DONE: "#2e7d32",
}
READ_FAILED = Text("Les dons n’ont pas pu être lus.", "The donations could not be read.")

HEADERS = (
    Text("Donateur", "Donor"),
    Text("Convention", "Agreement"),
    Text("Reçu le", "Received on"),
    Text("Attendus", "Expected"),
    Text("Reçus", "Received"),
    Text("Où en sont les appareils", "Where the devices stand"),
    Text("À voir", "To look at"),
)
DEVICE_HEADERS = (
    Text("Code", "Code"),
    Text("Appareil", "Device"),
    Text("Prochaine étape", "Next stage"),
    Text("Note", "Grade"),
    Text("Destination", "Outcome"),
    Text("Ce qui bloque", "What blocks"),
)
WORDS = {
    "loading": Text("Lecture des dons…", "Reading the donations…"),
    "none": Text("Aucun don enregistré.", "No donation recorded."),
    "open": Text("Ouvrir le don", "Open the donation"),
    "refresh": Text("Actualiser", "Refresh"),
    "back": Text("← Tous les dons", "← All donations"),
    "report": Text("Rapport du don (PDF)", "Donation report (PDF)"),
    "certificate": Text("Certificat du don (PDF)", "Donation certificate (PDF)"),
    "activity": Text("Activité (CSV)", "Activity (CSV)"),
    "add": Text("Ajouter des appareils", "Add devices"),
    "scan": Text(
        "Scannez les étiquettes une à une, ou tapez un code.",
        "Scan the labels one by one, or type a code.",
    ),
    "scan_hint": Text("Code ou étiquette scannée", "Code or scanned label"),
    "where": Text("Où enregistrer le document ?", "Where to save the document?"),
    "saved": Text("Enregistré : {path}", "Saved: {path}"),
    "no_device": Text("Aucun appareil", "No device"),
    "nothing": Text("—", "—"),
}


def _counts_text(positions: dict[str, int], lang: str) -> str:
    """The bar in words: "Contrôle 2 · Terminé 1"."""
    parts = [f"{lots.POSITION_NAMES[p].get(lang)} {n}" for p, n in positions.items() if n]
    return " · ".join(parts) or WORDS["no_device"].get(lang)


# The table's bar cell keeps its counts under this role (its words under the accessible
# text role): one delegate paints every row's bar, no widget per row (thousands of lots).
POSITIONS_ROLE = Qt.ItemDataRole.UserRole + 1
BAR_SIZE = QSize(320, 46)


def paint_stage_bar(
    painter: QPainter, area: QRectF, positions: dict[str, int], legend: str
) -> None:
    """A lot's devices by position: one coloured part per position, as wide as its share,
    with its count written on it and the legend in words underneath."""
    painter.save()
    painter.fillRect(area, QColor("#ffffff"))  # readable on a selected row too
    left, top = area.x() + 2, area.y() + 2
    width, bar = area.width() - 4, 20.0
    shown = {p: n for p, n in positions.items() if n}
    total = sum(shown.values())
    x = left
    painter.setPen(QColor("#ffffff"))
    for position, count in shown.items():
        part = width * count / total if total else 0
        rect = QRectF(x, top, part, bar)
        painter.fillRect(rect, QColor(COLOURS.get(position, "#7a8794")))
        if part >= 16:
            painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, str(count))
        x += part
    painter.setPen(QColor("#9fb3c4"))
    painter.drawRect(QRectF(left, top, width, bar))
    painter.setPen(QColor("#1d2630"))
    words = QRectF(left, top + bar + 2, width, area.height() - bar - 4)
    elided = painter.fontMetrics().elidedText(
        legend, Qt.TextElideMode.ElideRight, int(words.width())
    )
    painter.drawText(words, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop, elided)
    painter.restore()


class StageBar(QWidget):
    """One lot's bar on its page (the table's rows are painted by StageBarDelegate)."""

    def __init__(self, positions: dict[str, int], lang: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("StageBar")
        self.positions = {p: n for p, n in positions.items() if n}
        self.legend = _counts_text(positions, lang)
        self.setToolTip(self.legend)
        self.setAccessibleName(self.legend)
        self.setMinimumHeight(44)

    def sizeHint(self) -> QSize:
        return BAR_SIZE

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        paint_stage_bar(painter, QRectF(self.rect()), self.positions, self.legend)
        painter.end()


class StageBarDelegate(QStyledItemDelegate):
    """Paints the bar of the cell's lot from its counts (POSITIONS_ROLE) and its words."""

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        positions = index.data(POSITIONS_ROLE) or {}
        legend = str(index.data(Qt.ItemDataRole.AccessibleTextRole) or "")
        paint_stage_bar(painter, QRectF(option.rect), dict(positions), legend)

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        return BAR_SIZE


class _Signals(QObject):
    done = Signal(object)
    failed = Signal(str)


class _Read(QRunnable):
    """Runs one read of the database off the window's thread."""

    def __init__(self, read: Callable[[], Any], lang: str) -> None:
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


class LotsView(QWidget):
    """The "Dons" window: the table of lots, and one lot's page."""

    def __init__(self, station: Station, lang: str) -> None:
        super().__init__()
        self.setObjectName("LotsView")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.station = station
        self.lang = lang
        self.pool = QThreadPool.globalInstance()
        self.tasks: list[_Read] = []
        self.page_reads = 0  # page reads started; the latest one alone is shown
        self.overview_reads = 0  # the same for the list of lots
        self.summaries: list[lots.LotSummary] = []
        self.lot: Lot | None = None
        self.lot_page: lots.LotPage | None = None
        self.loads = 0  # reads finished (tests wait on it)
        self.message: QMessageBox | None = None
        self.chooser: Any = None
        self.documents = Documents(station, self)

        self.stack = QStackedWidget()
        layout = QVBoxLayout(self)
        layout.addWidget(self.stack)
        self.stack.addWidget(self._build_overview())
        self.stack.addWidget(self._build_page())
        self.resize(1100, 640)
        QShortcut(QKeySequence("F5"), self, self.refresh)  # what other stations added meanwhile
        self.retranslate(lang)
        self.refresh()

    # -- building ------------------------------------------------------------------------

    def _build_overview(self) -> QWidget:
        page = QWidget()
        box = QVBoxLayout(page)
        self.overview_title = QLabel()
        self.overview_title.setObjectName("AppTitle")
        self.status = QLabel()
        self.status.setObjectName("LotsStatus")
        self.table = QTableWidget(0, len(HEADERS))
        self.table.setObjectName("LotsTable")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(52)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setResizeContentsPrecision(200)  # columns sized on the first rows, not thousands
        header.setSectionResizeMode(5, QHeaderView.ResizeMode.Stretch)
        self.bar_delegate = StageBarDelegate(self.table)
        self.table.setItemDelegateForColumn(5, self.bar_delegate)
        self.table.cellActivated.connect(lambda row, _col: self.open_lot(row))
        self.table.cellDoubleClicked.connect(lambda row, _col: self.open_lot(row))
        self.open_button = QPushButton()
        self.open_button.setObjectName("BigAction")
        self.open_button.clicked.connect(lambda: self.open_lot(self.table.currentRow()))
        box.addWidget(self.overview_title)
        box.addWidget(self.status)
        box.addWidget(self.table, 1)
        self.refresh_button = QPushButton()
        self.refresh_button.setObjectName("LotsRefresh")
        self.refresh_button.clicked.connect(self.refresh)
        row = QHBoxLayout()
        row.addWidget(self.refresh_button)
        row.addStretch(1)
        row.addWidget(self.open_button)
        box.addLayout(row)
        return page

    def _build_page(self) -> QWidget:
        page = QWidget()
        page.setObjectName("LotPage")
        box = QVBoxLayout(page)
        top = QHBoxLayout()
        self.back_button = QPushButton()
        self.back_button.setObjectName("BackButton")
        self.back_button.clicked.connect(self.show_overview)
        self.page_title = QLabel()
        self.page_title.setObjectName("AppTitle")
        self.page_title.setWordWrap(True)
        top.addWidget(self.back_button)
        top.addWidget(self.page_title, 1)
        box.addLayout(top)
        self.page_counts = QLabel()
        self.page_counts.setObjectName("LotCounts")
        box.addWidget(self.page_counts)
        self.page_bar_holder = QVBoxLayout()
        box.addLayout(self.page_bar_holder)
        self.page_bar: StageBar | None = None

        actions = QHBoxLayout()
        self.report_button = QPushButton()
        self.report_button.setObjectName("LotReportButton")
        self.report_button.clicked.connect(lambda: self.save_document(Document.LOT_REPORT))
        self.certificate_button = QPushButton()
        self.certificate_button.setObjectName("LotCertificateButton")
        self.certificate_button.clicked.connect(
            lambda: self.save_document(Document.LOT_CERTIFICATE)
        )
        self.activity_button = QPushButton()
        self.activity_button.setObjectName("LotActivityButton")
        self.activity_button.clicked.connect(self.save_activity)
        self.add_button = QPushButton()
        self.add_button.setObjectName("AddDevicesButton")
        self.add_button.setCheckable(True)
        self.add_button.toggled.connect(self._show_scan)
        for button in (
            self.report_button,
            self.certificate_button,
            self.activity_button,
            self.add_button,
        ):
            actions.addWidget(button)
        actions.addStretch(1)
        box.addLayout(actions)

        self.scan_box = QWidget()
        scan = QVBoxLayout(self.scan_box)
        scan.setContentsMargins(0, 0, 0, 0)
        self.scan_words = QLabel()
        self.scan_field = QLineEdit()
        self.scan_field.setObjectName("ScanField")
        self.scan_field.returnPressed.connect(self._on_scan)
        self.scan_log = QListWidget()
        self.scan_log.setObjectName("ScanLog")
        self.scan_log.setMaximumHeight(120)
        scan.addWidget(self.scan_words)
        scan.addWidget(self.scan_field)
        scan.addWidget(self.scan_log)
        self.scan_box.setVisible(False)
        box.addWidget(self.scan_box)

        self.devices = QTableWidget(0, len(DEVICE_HEADERS))
        self.devices.setObjectName("LotDevices")
        self.devices.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.devices.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.devices.verticalHeader().setVisible(False)
        header = self.devices.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(5, QHeaderView.ResizeMode.Stretch)
        self.devices.setWordWrap(True)
        box.addWidget(self.devices, 1)
        return page

    # -- language ------------------------------------------------------------------------

    def retranslate(self, lang: str) -> None:
        self.lang = lang
        self.setWindowTitle(TITLE.get(lang))
        self.overview_title.setText(TITLE.get(lang))
        self.table.setHorizontalHeaderLabels([h.get(lang) for h in HEADERS])
        self.devices.setHorizontalHeaderLabels([h.get(lang) for h in DEVICE_HEADERS])
        self.table.setAccessibleName(TITLE.get(lang))
        for button, key in (
            (self.open_button, "open"),
            (self.refresh_button, "refresh"),
            (self.back_button, "back"),
            (self.report_button, "report"),
            (self.certificate_button, "certificate"),
            (self.activity_button, "activity"),
            (self.add_button, "add"),
        ):
            button.setText(WORDS[key].get(lang))
            button.setAccessibleName(WORDS[key].get(lang))
        self.scan_words.setText(WORDS["scan"].get(lang))
        self.scan_field.setPlaceholderText(WORDS["scan_hint"].get(lang))
        self.scan_field.setAccessibleName(WORDS["scan_hint"].get(lang))
        self._fill_overview()
        self._fill_page()

    # -- reading -------------------------------------------------------------------------

    def _rules(self) -> tuple[dict[str, Any], JourneyPolicy]:
        purposes = pipeline_purposes(self.station.pipelines.all())
        return purposes, JourneyPolicy(self.station.settings.phone_system)

    def _read(self, read: Callable[[], Any], done: Callable[[Any], None]) -> None:
        task = _Read(read, self.lang)
        queued = Qt.ConnectionType.QueuedConnection
        task.signals.done.connect(lambda result: self._finished(task, done, result), queued)
        task.signals.failed.connect(lambda text: self._finished(task, self._failed, text), queued)
        self.tasks.append(task)  # kept until it reports
        self.pool.start(task)

    def _finished(self, task: _Read, then: Callable[[Any], None], result: Any) -> None:
        if task in self.tasks:
            self.tasks.remove(task)
        then(result)
        self.loads += 1

    def _failed(self, text: str) -> None:
        self.status.setText(text)

    def refresh(self) -> None:
        """Reads the lots again (and the open lot's page)."""
        self.status.setText(WORDS["loading"].get(self.lang))
        purposes, policy = self._rules()
        store, training = self.station.store, self.station.training
        self.overview_reads += 1
        wanted = self.overview_reads

        def show(summaries: list[lots.LotSummary]) -> None:
            if wanted == self.overview_reads:  # an older read ending late is dropped
                self._show_overview(summaries)

        self._read(
            lambda: lots.overview(store, purposes=purposes, policy=policy, training=training),
            show,
        )
        if self.lot is not None:
            self._read_page(self.lot)

    def _read_page(self, lot: Lot) -> None:
        purposes, policy = self._rules()
        store = self.station.store
        # Reads run side by side and may end in any order: only the latest one is shown, so
        # a page read before the last scan never covers the one read after it.
        self.page_reads += 1
        wanted = self.page_reads

        def show(page: lots.LotPage) -> None:
            if wanted == self.page_reads:
                self._show_page(page)

        self._read(lambda: lots.page(store, lot, purposes=purposes, policy=policy), show)

    # -- the overview --------------------------------------------------------------------

    def _show_overview(self, summaries: list[lots.LotSummary]) -> None:
        self.summaries = summaries
        self._fill_overview()

    def _fill_overview(self) -> None:
        lang = self.lang
        self.status.setText("" if self.summaries else WORDS["none"].get(lang))
        self.table.setRowCount(len(self.summaries))
        for row, s in enumerate(self.summaries):
            expected = "" if s.lot.expected_count is None else str(s.lot.expected_count)
            cells = [s.donor, s.lot.agreement_ref, s.lot.received_on, expected, str(s.received)]
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column in (3, 4):
                    item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                self.table.setItem(row, column, item)
            # The delegate draws the bar and its words; readers and tips get the words.
            bar = QTableWidgetItem()
            words = _counts_text(s.positions, lang)
            bar.setData(POSITIONS_ROLE, {p: n for p, n in s.positions.items() if n})
            bar.setData(Qt.ItemDataRole.AccessibleTextRole, words)
            bar.setToolTip(words)
            self.table.setItem(row, 5, bar)
            attention = QTableWidgetItem(str(s.attention) if s.attention else "")
            attention.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
            self.table.setItem(row, 6, attention)
        if self.summaries and self.table.currentRow() < 0:
            self.table.selectRow(0)
        self.open_button.setEnabled(bool(self.summaries))

    def open_lot(self, row: int) -> None:
        """Shows the page of the lot on `row` of the table."""
        if not 0 <= row < len(self.summaries):
            return
        self.lot = self.summaries[row].lot
        self.lot_page = None
        self.scan_log.clear()
        self.add_button.setChecked(False)
        self._fill_page()
        self.stack.setCurrentIndex(1)
        self._read_page(self.lot)

    def show_overview(self) -> None:
        self.lot = None
        self.lot_page = None
        self.stack.setCurrentIndex(0)
        self.refresh()

    # -- a lot's page --------------------------------------------------------------------

    def _show_page(self, page: lots.LotPage) -> None:
        if self.lot is None or page.summary.lot.id != self.lot.id:
            return  # another lot was opened meanwhile
        self.lot_page = page
        self._fill_page()

    def _fill_page(self) -> None:
        lang = self.lang
        lot, page = self.lot, self.lot_page
        if lot is None:
            return
        donor = page.summary.donor if page else ""
        parts = [p for p in (donor, lot.agreement_ref, lot.received_on) if p]
        self.page_title.setText(" · ".join(parts))
        if page is None:
            self.page_counts.setText(WORDS["loading"].get(lang))
            self.devices.setRowCount(0)
            return
        s = page.summary
        counts = Text(f"{s.received} reçu(s)", f"{s.received} received").get(lang)
        if lot.expected_count is not None:
            counts += Text(
                f" sur {lot.expected_count} attendu(s)", f" of {lot.expected_count} expected"
            ).get(lang)
        self.page_counts.setText(counts)
        if self.page_bar is not None:
            self.page_bar.setParent(None)
            self.page_bar.deleteLater()
        self.page_bar = StageBar(s.positions, lang)
        self.page_bar_holder.addWidget(self.page_bar)
        self.devices.setRowCount(len(page.devices))
        nothing = WORDS["nothing"].get(lang)
        for row, line in enumerate(page.devices):
            outcome = line.outcome_words()
            blockers = " ".join(b.reason.get(lang) for b in line.blockers)
            cells = [
                line.device.asset_code,
                line.device.label,
                lots.POSITION_NAMES[line.position].get(lang),
                line.grade or nothing,
                outcome.get(lang) if outcome else nothing,
                blockers or nothing,
            ]
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column == 5 and blockers:
                    item.setForeground(QColor("#c62828"))
                self.devices.setItem(row, column, item)
        self.devices.resizeRowsToContents()

    # -- adding devices ------------------------------------------------------------------

    def _show_scan(self, shown: bool) -> None:
        self.scan_box.setVisible(shown)
        if shown:
            self.scan_field.setFocus()

    def _on_scan(self) -> None:
        text = self.scan_field.text()
        self.scan_field.clear()
        if not text.strip() or self.lot is None:
            return
        self.scan(text)

    def scan(self, text: str) -> lots.Scanned:
        """Attaches the scanned device to the open lot and says what happened on a line."""
        assert self.lot is not None
        try:
            scanned = lots.attach_scanned(self.station, self.lot, text)
        except BenchError as exc:  # a full disk: nothing recorded, the operator is told
            scanned = lots.Scanned(lots.ScanResult.INVALID, text.strip(), exc.message)
        marks = {
            lots.ScanResult.ADDED: "✓",
            lots.ScanResult.ALREADY: "=",
            lots.ScanResult.UNKNOWN: "✗",
            lots.ScanResult.INVALID: "✗",
        }
        item = QListWidgetItem(f"{marks[scanned.result]}  {scanned.message.get(self.lang)}")
        if scanned.result in (lots.ScanResult.UNKNOWN, lots.ScanResult.INVALID):
            item.setForeground(QColor("#c62828"))
        item.setData(Qt.ItemDataRole.UserRole, scanned.result.value)
        self.scan_log.insertItem(0, item)
        if scanned.result is lots.ScanResult.ADDED:
            self._read_page(self.lot)
        return scanned

    # -- documents -----------------------------------------------------------------------

    def save_document(self, kind: Document) -> None:
        """Makes the lot's report or certificate and asks where to save it; a certificate
        saved is recorded (`certificate.issued`), as from the device panel."""
        if self.lot is None:
            return
        if kind is Document.LOT_CERTIFICATE:
            refusal = unnamed_refusal(self.station, self.lang, training=self.lot.training)
            if refusal:
                self._tell(refusal)
                return
        self.documents.lang = self.lang
        self.documents.save(kind, lot=self.lot)
        self.chooser = self.documents.chooser

    def save_activity(self) -> None:
        """Writes the lot's activity (CSV) and asks where to save it."""
        if self.lot is None:
            return
        from bench_app.output.reports.activity import write_activity

        lot = self.lot
        folder = self.station.folder / DOCUMENTS_FOLDER
        path = folder / f"activite-don-{lot.id[:8]}.csv"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            activity = lots.lot_activity(self.station.store, lot, date.today(), self.lang)
            write_activity(activity, path, self.lang)
        except (BenchError, OSError) as exc:
            self._tell(exc.message.get(self.lang) if isinstance(exc, BenchError) else str(exc))
            return
        chooser = folder_chooser(self, WORDS["where"].get(self.lang))
        chooser.fileSelected.connect(lambda chosen: self._copy(path, Path(chosen)))
        self.chooser = chooser
        chooser.open()

    def _copy(self, path: Path, folder: Path) -> None:
        try:
            shutil.copyfile(path, folder / path.name)
        except OSError as exc:
            error = BenchError(
                "CERT_WRITE_FAILED", path=str(folder / path.name), detail=exc.strerror or ""
            )
            self._tell(error.message.get(self.lang))
            return
        self._tell(WORDS["saved"].get(self.lang).format(path=str(folder / path.name)))

    def _tell(self, text: str) -> None:
        box = QMessageBox(self)
        box.setWindowTitle(TITLE.get(self.lang))
        box.setText(text)
        self.message = box
        box.open()

    def closeEvent(self, event: Any) -> None:
        for task in self.tasks:  # a read still running ends without a window to fill
            task.signals.done.disconnect()
            task.signals.failed.disconnect()
        super().closeEvent(event)


def open_lots(window: MainWindow) -> QWidget:
    """The "Dons" view for the window's station, in the window's language."""
    view = LotsView(window.station, window.lang)
    view.show()
    return view
