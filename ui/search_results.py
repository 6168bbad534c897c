"""What the bar's search field does with what it found (bench_app/search.py): one device
opens at once; several are listed in a small window, from which one opens.

A device opens as it always did, as a card on the bench, when it is plugged in, already has a
card, or was just registered (its card says to plug it in); any other device (a phone given
last year, a laptop on the shelf) opens on its own page, its identity and whole history."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from bench_app.domain.model import STAGE_LABELS, DeviceStage, OutcomeKind
from bench_app.journey import OUTCOME_WORDS
from bench_app.search import Hit, Results
from bench_app.text import Text
from ui.device_page import DevicePage, kind_words
from ui.window_fit import alive

if TYPE_CHECKING:
    from ui.main_window import MainWindow

# The bar's search field: what it finds (the field is narrow, its tip says it all).
SEARCH_HINT = Text(
    "Scannez ou tapez : code, série, IMEI, modèle…", "Scan or type: code, serial, IMEI, model…"
)
SEARCH_TIP = Text(
    "Trouve un appareil par son code (ou son étiquette), son n° de série, son IMEI, "
    "son modèle, son donateur ou le n° du bénéficiaire.",
    "Finds a device by its code (or its label), serial, IMEI, model, donor or beneficiary number.",
)
FOUND = Text("%1 appareils trouvés pour « %2 »", "%1 devices found for “%2”")
MORE = Text(
    "Il y en a d’autres : précisez la recherche.", "There are more: make the search narrower."
)
HOW = Text("Double-cliquez sur un appareil, ou Entrée.", "Double-click a device, or press Enter.")
OPEN = Text("Ouvrir", "Open")
CLOSE = Text("Fermer", "Close")
TITLE = Text("Recherche", "Search")
COLUMNS = (
    Text("Code", "Code"),
    Text("Appareil", "Device"),
    Text("N° de série ou IMEI", "Serial or IMEI"),
    Text("Étape", "Stage"),
    Text("Don", "Donation"),
    Text("Destination", "Outcome"),
)
MATCHED = {
    "code": Text("le code", "the code"),
    "serial": Text("le n° de série", "the serial"),
    "imei": Text("l’IMEI", "the IMEI"),
    "text": Text("les mots", "the words"),
}
FOUND_BY = Text("Trouvé par %1", "Found by %1")


def show_results(window: MainWindow, results: Results, text: str) -> QWidget:
    """Opens the one device found (one exact hit, or a single hit), or lists them all."""
    exact = [h for h in results.hits if h.exact]
    if len(exact) == 1 or len(results.hits) == 1:
        return open_found(window, (exact or list(results.hits))[0].device_id)
    if window.search_results is not None and alive(window.search_results):
        window.search_results.close()
    listing = SearchResults(window, results, text)
    window.search_results = listing
    listing.show()
    listing.raise_()
    listing.activateWindow()
    return listing


def open_found(window: MainWindow, device_id: str) -> QWidget:
    """Opens a device found: its card when it belongs on the bench now (plugged in, shown
    already, or just registered), else its page (one per device, brought forward)."""
    device = window.station.device(device_id)
    on_bench = device_id in window.cards or window.station.handle(device_id) is not None
    if device is not None and (on_bench or device.stage is DeviceStage.INTAKE):
        window.select_device_card(device_id)
        window.raise_()
        window.activateWindow()
        return window
    page = window.device_pages.get(device_id)
    if page is None or not alive(page):
        page = DevicePage(window, device_id)
        window.device_pages[device_id] = page
    page.show()
    page.raise_()
    page.activateWindow()
    return page


class SearchResults(QWidget):
    """The devices a search found, exact hits first, one line each; one opens."""

    def __init__(self, window: MainWindow, results: Results, text: str) -> None:
        super().__init__(window, Qt.WindowType.Window)
        self.setObjectName("SearchResults")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.window_ = window
        self.results = results
        self.text = text
        layout = QVBoxLayout(self)
        self.heading = QLabel()
        self.heading.setObjectName("PanelTitle")
        self.heading.setWordWrap(True)
        layout.addWidget(self.heading)
        self.how = QLabel()
        self.how.setObjectName("Instruction")
        layout.addWidget(self.how)
        self.list = QTreeWidget()
        self.list.setObjectName("SearchResultList")
        self.list.setRootIsDecorated(False)
        self.list.setAlternatingRowColors(True)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setColumnCount(len(COLUMNS))
        self.list.header().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.list.header().setStretchLastSection(True)
        self.list.itemActivated.connect(lambda item, _column: self._open_item(item))
        layout.addWidget(self.list, 1)
        self.more = QLabel()
        self.more.setObjectName("Instruction")
        self.more.setVisible(results.more)
        layout.addWidget(self.more)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.open_button = QPushButton()
        self.open_button.setObjectName("BigAction")
        self.open_button.setDefault(True)
        self.open_button.clicked.connect(self.open_selected)
        self.close_button = QPushButton()
        self.close_button.clicked.connect(self.close)
        buttons.addWidget(self.close_button)
        buttons.addWidget(self.open_button)
        layout.addLayout(buttons)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.close)
        self.setTabOrder(self.list, self.open_button)
        self.setTabOrder(self.open_button, self.close_button)
        self.resize(980, 460)
        self.retranslate(window.lang)
        self.list.setFocus()

    def retranslate(self, lang: str) -> None:
        self.lang = lang
        self.setWindowTitle(f"{TITLE.get(lang)} — Établi")
        count = str(len(self.results.hits)) + ("+" if self.results.more else "")
        self.heading.setText(FOUND.get(lang).replace("%1", count).replace("%2", self.text))
        self.how.setText(HOW.get(lang))
        self.more.setText(MORE.get(lang))
        self.open_button.setText(OPEN.get(lang))
        self.close_button.setText(CLOSE.get(lang))
        self.list.setHeaderLabels([c.get(lang) for c in COLUMNS])
        self.list.setAccessibleName(self.heading.text())
        current = self.selected_id()
        self.list.clear()
        for hit in self.results.hits:
            item = QTreeWidgetItem(row_texts(hit, lang))
            item.setData(0, Qt.ItemDataRole.UserRole, hit.device_id)
            item.setToolTip(0, FOUND_BY.get(lang).replace("%1", MATCHED[hit.matched].get(lang)))
            if hit.exact:
                font = item.font(0)
                font.setBold(True)
                for column in range(len(COLUMNS)):
                    item.setFont(column, font)
            self.list.addTopLevelItem(item)
            if hit.device_id == current or (current is None and self.list.currentItem() is None):
                self.list.setCurrentItem(item)

    def selected_id(self) -> str | None:
        item = self.list.currentItem()
        return str(item.data(0, Qt.ItemDataRole.UserRole)) if item is not None else None

    def open_selected(self) -> QWidget | None:
        device_id = self.selected_id()
        return open_found(self.window_, device_id) if device_id else None

    def _open_item(self, item: QTreeWidgetItem) -> None:
        self.list.setCurrentItem(item)
        self.open_selected()


def row_texts(hit: Hit, lang: str) -> list[str]:
    """One result's line: code, device, serial or IMEI, stage, donation, outcome."""
    kinds = {k.value: k for k in OutcomeKind}
    outcome = kinds.get(hit.outcome or "")
    donation = " — ".join(p for p in (hit.donor, hit.agreement_ref) if p)
    return [
        hit.asset_code,
        " ".join(p for p in (hit.brand, hit.model) if p) or kind_words(hit.kind, lang),
        hit.serial or hit.imei,
        STAGE_LABELS[hit.stage].get(lang),
        donation,
        OUTCOME_WORDS[outcome].get(lang) if outcome else (hit.outcome or ""),
    ]
