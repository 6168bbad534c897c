"""The "Tableau de bord" window: the workshop's figures for a period, as charts, filtered by
lot, donor and station, each chart saved as a picture (PNG) and its data as a spreadsheet
file (CSV).

The figures are computed off the window's thread (a QThread with its own read-only
connection to the database), so that the window never freezes on a large database: it says
"Calcul…" meanwhile, and a change of filter during a computation asks for one more, whose
result alone is shown."""

from __future__ import annotations

import logging
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import (
    QBuffer,
    QByteArray,
    QCoreApplication,
    QDate,
    QIODevice,
    Qt,
    QThread,
    QTime,
    Signal,
)
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QFileDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from bench_app import dashboard
from bench_app.dashboard import Dashboard, Figure, Filters, Preset
from bench_app.errors import BenchError
from bench_app.output.reports.activity import Period
from bench_app.output.reports.environment import load_factors
from bench_app.output.reports.spreadsheet import write_atomically
from bench_app.store.database import DB_NAME, Store
from bench_app.text import Text
from ui.chart import Chart
from ui.file_chooser import folder_chooser

if TYPE_CHECKING:
    from bench_app.station import Station
    from ui.main_window import MainWindow

log = logging.getLogger(__name__)

TITLE = Text("Tableau de bord", "Dashboard")
CUSTOM = "custom"
PERIODS = [
    (Preset.WEEK, Text("Cette semaine", "This week")),
    (Preset.MONTH, Text("Ce mois", "This month")),
    (Preset.YEAR, Text("Cette année", "This year")),
    (CUSTOM, Text("Dates choisies", "Chosen dates")),
]
WORDS = {
    "period": Text("Période", "Period"),
    "from": Text("du", "from"),
    "to": Text("au", "to"),
    "lot": Text("Don", "Lot"),
    "donor": Text("Donateur", "Donor"),
    "station": Text("Poste", "Station"),
    "all_lots": Text("Tous les dons", "All lots"),
    "all_donors": Text("Tous les donateurs", "All donors"),
    "all_stations": Text("Tous les postes", "All stations"),
    "this_station": Text("Ce poste", "This station"),
    "refresh": Text("Actualiser", "Refresh"),
    "computing": Text("Calcul…", "Computing…"),
    "png": Text("Enregistrer l’image", "Save the picture (PNG)"),
    "csv": Text("Enregistrer les données", "Save the data (CSV)"),
    "where": Text("Où enregistrer ?", "Where to save?"),
    "saved": Text("Enregistré : {name}", "Saved: {name}"),
}


def _fmt(key: str, lang: str) -> str:
    return WORDS[key].get(lang)


class Refresh(QThread):
    """Computes the dashboard with a connection of its own; emits `done(dashboard, n)` or
    `failed(message, n)`, n being the request it answers."""

    done = Signal(object, int)
    failed = Signal(object, int)

    def __init__(
        self,
        folder: Path,
        filters: Filters,
        names: dict[str, str],
        today: date,
        number: int,
        parent: QWidget,
    ) -> None:
        super().__init__(parent)
        self.folder, self.filters, self.names = folder, filters, names
        self.today, self.number = today, number

    def run(self) -> None:
        try:
            store = Store(self.folder / DB_NAME, writer=False)
            try:
                board = dashboard.compute(
                    store,
                    self.filters,
                    load_factors(self.folder),
                    today=self.today,
                    station_names=self.names,
                )
            finally:
                store.close()
        except BenchError as exc:
            self.failed.emit(exc, self.number)
            return
        except Exception as exc:  # a surprise: logged whole, told plainly
            log.exception("dashboard refresh failed")
            self.failed.emit(BenchError("DASHBOARD_FAILED", detail=str(exc)), self.number)
            return
        self.done.emit(board, self.number)


class ChartCard(QFrame):
    """A chart and its two buttons: save the picture, save the data."""

    def __init__(self, key: str, view: DashboardView) -> None:
        super().__init__(view)
        self.key = key
        self.setObjectName("DashboardCard")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.chart = Chart(self)
        self.chart.setObjectName(f"Chart-{key}")
        self.png = QPushButton(self)
        self.png.setObjectName(f"SavePng-{key}")
        self.csv = QPushButton(self)
        self.csv.setObjectName(f"SaveCsv-{key}")
        self.png.clicked.connect(lambda: view.ask_folder(self.key, "png"))
        self.csv.clicked.connect(lambda: view.ask_folder(self.key, "csv"))
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.png)
        buttons.addWidget(self.csv)
        layout = QVBoxLayout(self)
        layout.addWidget(self.chart, 1)
        # Notes (the factors and their sources) as text: wrapped, selectable, read aloud.
        self.chart.paint_notes = False
        self.notes = QLabel(self)
        self.notes.setObjectName(f"ChartNotes-{key}")
        self.notes.setWordWrap(True)
        self.notes.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.notes.setVisible(False)
        layout.addWidget(self.notes)
        layout.addLayout(buttons)

    def retranslate(self, lang: str) -> None:
        self.png.setText(_fmt("png", lang))
        self.csv.setText(_fmt("csv", lang))
        self.display(self.chart.figure, lang)

    def display(self, figure: Figure | None, lang: str) -> None:
        self.chart.set_figure(figure, lang)
        notes = figure.notes if figure is not None else []
        self.notes.setText("\n".join(n.get(lang) for n in notes))
        self.notes.setVisible(bool(notes))


KEYS = [
    "stages",
    "outcomes",
    "grades",
    "erasure_success",
    "erasure_throughput",
    "loans",
    "environment",
]


class DashboardView(QWidget):
    """The dashboard window for a station; `today` gives the day the presets end on."""

    def __init__(
        self,
        station: Station,
        lang: str = "fr",
        today: date | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("DashboardView")
        self.station = station
        self.lang = lang
        self.today = today or datetime.now().astimezone().date()
        self.board: Dashboard | None = None
        self.requested = 0  # the number of the latest request
        self.running: Refresh | None = None
        self.again = False
        self.chooser: QFileDialog | None = None
        self.saved: Path | None = None

        self.period_label = QLabel()
        self.period = QComboBox()
        self.period.setObjectName("DashboardPeriod")
        for key, _ in PERIODS:
            self.period.addItem("", key)
        self.from_label, self.to_label = QLabel(), QLabel()
        self.first = QDateEdit(_qdate(self.today.replace(day=1)))
        self.last = QDateEdit(_qdate(self.today))
        for edit in (self.first, self.last):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("dd/MM/yyyy")
            edit.dateChanged.connect(self._custom_changed)
        self.lot_label, self.donor_label, self.station_label = QLabel(), QLabel(), QLabel()
        self.lot = QComboBox()
        self.lot.setObjectName("DashboardLot")
        self.donor = QComboBox()
        self.donor.setObjectName("DashboardDonor")
        self.station_box = QComboBox()
        self.station_box.setObjectName("DashboardStation")
        for box in (self.lot, self.donor, self.station_box):
            box.setMinimumContentsLength(14)
            box.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
            )
        self.refresh_button = QPushButton()
        self.refresh_button.setObjectName("DashboardRefresh")
        self.status = QLabel()
        self.status.setObjectName("DashboardStatus")
        self.status.setWordWrap(True)

        # Two rows, so that the chosen dates never push the window past a 1366 px screen.
        row = QHBoxLayout()
        for w in (self.period_label, self.period, self.from_label, self.first, self.to_label,
                  self.last):  # fmt: skip
            row.addWidget(w)
        row.addStretch(1)
        row.addWidget(self.refresh_button)
        row2 = QHBoxLayout()
        for w in (self.lot_label, self.lot, self.donor_label, self.donor, self.station_label,
                  self.station_box):  # fmt: skip
            row2.addWidget(w)
        row2.addStretch(1)
        self.cards = {key: ChartCard(key, self) for key in KEYS}
        grid_host = QWidget()
        grid = QGridLayout(grid_host)
        for i, key in enumerate(KEYS):
            grid.addWidget(self.cards[key], i // 2, i % 2)
        self.cards["environment"].chart.setMinimumHeight(340)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(grid_host)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addLayout(row2)
        layout.addWidget(self.status)
        layout.addWidget(scroll, 1)

        self._fill_choices()
        self.retranslate(lang)
        self.period.currentIndexChanged.connect(self._period_changed)
        for box in (self.lot, self.donor, self.station_box):
            box.currentIndexChanged.connect(lambda _i: self.refresh())
        self.refresh_button.clicked.connect(self.refresh)
        self._period_changed()

    # -- filters ---------------------------------------------------------------------------

    def _fill_choices(self) -> None:
        store, training = self.station.store, self.station.training
        self.lot.addItem("", None)
        for lot_id, label in dashboard.lots(store, training=training):
            self.lot.addItem(label, lot_id)
        self.donor.addItem("", None)
        for donor_id, name in dashboard.donors(store, training=training):
            self.donor.addItem(name, donor_id)
        self.station_box.addItem("", None)
        for station_id in dashboard.stations(store):
            self.station_box.addItem(station_id[-8:], station_id)

    def station_names(self) -> dict[str, str]:
        """How each station is called: this one by its name, the others by their id's end."""
        own = self.station.settings.station_name.strip() or _fmt("this_station", self.lang)
        return {self.station.store.station_id: own}

    def filters(self) -> Filters:
        key = self.period.currentData()
        if key == CUSTOM:
            first, last = _day(self.first), _day(self.last)
            period = Period(min(first, last), max(first, last))
        else:
            period = dashboard.preset_period(key, self.today)
        return Filters(
            period,
            lot_id=self.lot.currentData(),
            donor_id=self.donor.currentData(),
            station_id=self.station_box.currentData(),
            training=self.station.training,
        )

    def _period_changed(self) -> None:
        custom = self.period.currentData() == CUSTOM
        for w in (self.from_label, self.first, self.to_label, self.last):
            w.setVisible(custom)
        self.refresh()

    def _custom_changed(self) -> None:
        if self.period.currentData() == CUSTOM:
            self.refresh()

    # -- computing ---------------------------------------------------------------------------

    def refresh(self) -> None:
        """Asks for the figures of the current filters, computed off the window's thread."""
        self.requested += 1
        self.status.setText(_fmt("computing", self.lang))
        if self.running is not None:
            self.again = True  # the running one's result will be stale: one more after it
            return
        self._start()

    def _start(self) -> None:
        self.again = False
        job = Refresh(
            self.station.folder,
            self.filters(),
            self.station_names(),
            self.today,
            self.requested,
            self,
        )
        job.done.connect(self._done)
        job.failed.connect(self._failed)
        job.finished.connect(self._finished)
        self.running = job
        job.start()

    def computing(self) -> bool:
        return self.running is not None

    def _done(self, board: Dashboard, number: int) -> None:
        if number != self.requested:
            return
        self.board = board
        for figure in board.figures:
            self.cards[figure.key].display(figure, self.lang)
        self.status.setText(self._status_text())

    def _failed(self, error: BenchError, number: int) -> None:
        if number == self.requested:
            self.status.setText(error.text(self.lang))

    def _finished(self) -> None:
        job, self.running = self.running, None
        if job is not None:
            job.deleteLater()
        if self.again:
            self._start()

    def _status_text(self) -> str:
        if self.board is None:
            return ""
        p = self.board.filters.period
        when = QTime.currentTime().toString("HH:mm")
        if self.lang == "fr":
            return f"Du {p.first:%d/%m/%Y} au {p.last:%d/%m/%Y} — calculé à {when}."
        return f"From {p.first.isoformat()} to {p.last.isoformat()} — computed at {when}."

    def shutdown(self) -> None:
        """Waits for a computation under way (the window is closing)."""
        self.again = False
        if self.running is not None:
            self.running.wait()

    def closeEvent(self, event: object) -> None:
        self.shutdown()
        super().closeEvent(event)  # type: ignore[arg-type]

    # -- saving ------------------------------------------------------------------------------

    def ask_folder(self, key: str, what: str) -> None:
        """Opens the folder chooser; the chosen folder receives the chart's PNG or CSV."""
        chooser = folder_chooser(self, _fmt("where", self.lang))
        chooser.fileSelected.connect(lambda folder: self.save(key, what, Path(folder)))
        self.chooser = chooser
        chooser.open()

    def file_name(self, key: str, what: str) -> str:
        p = self.board.filters.period if self.board else self.filters().period
        return f"tableau-de-bord-{key.replace('_', '-')}-{p.first}-{p.last}.{what}"

    def save(self, key: str, what: str, folder: Path) -> Path | None:
        """Writes the chart `key` as a PNG picture or its data as CSV into `folder`; the
        status line says where, or why not."""
        card = self.cards[key]
        figure = card.chart.figure
        if figure is None:
            return None
        path = folder / self.file_name(key, what)
        try:
            if what == "png":
                data = QByteArray()
                buffer = QBuffer(data)
                buffer.open(QIODevice.OpenModeFlag.WriteOnly)
                card.chart.image().save(buffer, "PNG")  # type: ignore[call-overload]  # stubs say bytes; Qt takes str
                buffer.close()
                write_atomically(path, bytes(data.data()))
            else:
                write_atomically(path, figure.csv(self.lang).encode("utf-8"))
        except BenchError as exc:
            self.status.setText(exc.text(self.lang))
            return None
        self.saved = path
        self.status.setText(WORDS["saved"].get(self.lang).format(name=str(path)))
        return path

    # -- language ----------------------------------------------------------------------------

    def retranslate(self, lang: str) -> None:
        self.lang = lang
        self.setWindowTitle(f"{TITLE.get(lang)} — Établi")
        self.period_label.setText(_fmt("period", lang))
        for i, (_, text) in enumerate(PERIODS):
            self.period.setItemText(i, text.get(lang))
        self.from_label.setText(_fmt("from", lang))
        self.to_label.setText(_fmt("to", lang))
        self.lot_label.setText(_fmt("lot", lang))
        self.donor_label.setText(_fmt("donor", lang))
        self.station_label.setText(_fmt("station", lang))
        self.lot.setItemText(0, _fmt("all_lots", lang))
        self.donor.setItemText(0, _fmt("all_donors", lang))
        self.station_box.setItemText(0, _fmt("all_stations", lang))
        own = self.station.store.station_id
        for i in range(1, self.station_box.count()):
            if self.station_box.itemData(i) == own:
                self.station_box.setItemText(i, self.station_names()[own])
        for label, box in ((self.lot_label, self.lot), (self.donor_label, self.donor),
                           (self.station_label, self.station_box), (self.period_label, self.period)):  # fmt: skip
            label.setBuddy(box)
            box.setAccessibleName(label.text())
        self.first.setAccessibleName(f"{_fmt('period', lang)} {_fmt('from', lang)}")
        self.last.setAccessibleName(f"{_fmt('period', lang)} {_fmt('to', lang)}")
        self.refresh_button.setText(_fmt("refresh", lang))
        for card in self.cards.values():
            card.retranslate(lang)
        if self.running is not None:
            self.status.setText(_fmt("computing", lang))
        elif self.board is not None:
            self.status.setText(self._status_text())


def _day(edit: QDateEdit) -> date:
    d = edit.date()
    return date(d.year(), d.month(), d.day())


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def open_dashboard(window: MainWindow) -> QWidget:
    """The opener named in ui/workshop_menu.py VIEWS."""
    # A window of its own, but the main window's child: it closes with it.
    view = DashboardView(window.station, window.lang, parent=window)
    view.setWindowFlag(Qt.WindowType.Window)
    view.resize(1300, 740)
    app = QCoreApplication.instance()
    if app is not None:  # a computation under way ends before the application does
        app.aboutToQuit.connect(view.shutdown)
    return view
