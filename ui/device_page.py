"""A device's own page, plugged in or not: who it is (code, model, serial, IMEI, donation,
stage, outcome), its journey, and its whole history — what was done, by whom, on which
station, when — told with the panel's words (ui/timeline.py)."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from bench_app.domain.model import STAGE_LABELS, DeviceKind, OutcomeKind
from bench_app.parts import RECEIVED as PART_RECEIVED
from bench_app.parts import received_facts
from bench_app.store import queries
from bench_app.text import Text
from bench_app.wire.events import Event
from bench_app.workshop import TRAINING_STATION
from ui.device_view import device_title
from ui.journey_view import journey_text, outcome_line
from ui.part_dialog import PartDialog
from ui.timeline import describe

if TYPE_CHECKING:
    from ui.main_window import MainWindow

TITLE = Text("Appareil %1", "Device %1")
FIELDS = {
    "kind": Text("Type", "Kind"),
    "serial": Text("N° de série", "Serial number"),
    "imei": Text("IMEI", "IMEI"),
    "donation": Text("Don", "Donation"),
    "stage": Text("Étape", "Stage"),
    "outcome": Text("Destination", "Outcome"),
}
JOURNEY = Text("Parcours", "Journey")
HISTORY = Text("Historique", "History")
COLUMNS = (
    Text("Quand", "When"),
    Text("Qui", "Who"),
    Text("Poste", "Station"),
    Text("Quoi", "What"),
)
WORK_ON = Text("Travailler dessus", "Work on it")
WORK_ON_TIP = Text(
    "Met l’appareil sur le poste, avec sa carte.", "Puts the device on the bench, with its card."
)
CLOSE = Text("Fermer", "Close")
GIVE_PART = Text("Donner une pièce", "Give a part")
NONE = Text("aucun", "none")
NOT_YET = Text("pas encore", "not yet")
THIS_STATION = Text("ce poste", "this station")
OTHER_STATION = Text("autre poste (%1)", "another station (%1)")
RECEIVED = Text("reçu le %1", "received on %1")
KINDS = {
    DeviceKind.PHONE: Text("Téléphone", "Phone"),
    DeviceKind.TABLET: Text("Tablette", "Tablet"),
    DeviceKind.LAPTOP: Text("Ordinateur portable", "Laptop"),
    DeviceKind.DESKTOP: Text("Ordinateur fixe", "Desktop computer"),
    DeviceKind.DRIVE: Text("Disque", "Drive"),
}


def kind_words(kind: DeviceKind, lang: str) -> str:
    """A device's kind in words (never its code)."""
    return KINDS[kind].get(lang) if kind in KINDS else kind.value


def when(ts: str) -> str:
    """A fact's time on this station's clock, with its year (a history spans years)."""
    try:
        moment = datetime.fromisoformat(ts.replace("Z", "+00:00")).astimezone()
    except ValueError:
        return ts
    return moment.strftime("%d/%m/%Y %H:%M")


class DevicePage(QWidget):
    """One device's identity, journey and full timeline, in a window of its own."""

    def __init__(self, window: MainWindow, device_id: str) -> None:
        super().__init__(window, Qt.WindowType.Window)
        self.setObjectName("DevicePage")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.window_ = window
        self.station = window.station
        self.device_id = device_id
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.code = QLabel()
        self.code.setObjectName("PanelCode")
        self.code.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        top.addWidget(self.code)
        self.name = QLabel()
        self.name.setObjectName("PanelTitle")
        self.name.setWordWrap(True)
        top.addWidget(self.name, 1)
        layout.addLayout(top)
        self.form = QFormLayout()
        self.values: dict[str, QLabel] = {}
        self.labels: dict[str, QLabel] = {}
        for key in FIELDS:
            label, value = QLabel(), QLabel()
            value.setObjectName(f"DeviceField-{key}")
            value.setWordWrap(True)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            label.setBuddy(value)
            self.form.addRow(label, value)
            self.labels[key], self.values[key] = label, value
        layout.addLayout(self.form)
        self.journey_title = QLabel()
        self.journey_title.setObjectName("SectionTitle")
        layout.addWidget(self.journey_title)
        self.journey = QLabel()
        self.journey.setObjectName("DeviceJourney")
        self.journey.setWordWrap(True)
        layout.addWidget(self.journey)
        self.history_title = QLabel()
        self.history_title.setObjectName("SectionTitle")
        layout.addWidget(self.history_title)
        self.history = QTreeWidget()
        self.history.setObjectName("DeviceHistory")
        self.history.setRootIsDecorated(False)
        self.history.setAlternatingRowColors(True)
        self.history.setColumnCount(len(COLUMNS))
        self.history.header().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.history.header().setStretchLastSection(True)
        layout.addWidget(self.history, 1)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.close_button = QPushButton()
        self.close_button.clicked.connect(self.close)
        self.work_button = QPushButton()
        self.work_button.setObjectName("BigAction")
        self.work_button.clicked.connect(self.work_on)
        # A device kept for its parts gives them from here (ui/part_dialog.py).
        self.part_button = QPushButton()
        self.part_button.setObjectName("GivePart")
        self.part_button.clicked.connect(self.give_part)
        self.part_dialog: PartDialog | None = None
        buttons.addWidget(self.close_button)
        buttons.addWidget(self.part_button)
        buttons.addWidget(self.work_button)
        layout.addLayout(buttons)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.close)
        self.setTabOrder(self.history, self.work_button)
        self.setTabOrder(self.work_button, self.close_button)
        self.resize(900, 680)
        self.retranslate(window.lang)
        self.work_button.setFocus()

    def retranslate(self, lang: str) -> None:
        """Draws the page afresh from the database, in `lang`."""
        self.lang = lang
        device = self.station.device(self.device_id)
        if device is None:
            return
        self.setWindowTitle(f"{TITLE.get(lang).replace('%1', device.asset_code)} — Établi")
        self.code.setText(device.asset_code)
        self.name.setText(device_title(device))
        for key, text in FIELDS.items():
            self.labels[key].setText(
                text.get(lang) + " :" if lang == "fr" else text.get(lang) + ":"
            )
        none = NONE.get(lang)
        self.values["kind"].setText(kind_words(device.kind, lang))
        self.values["serial"].setText(device.serial or none)
        self.values["imei"].setText(device.imei or none)
        self.values["donation"].setText(self._donation(device.lot_id) or none)
        self.values["stage"].setText(STAGE_LABELS[device.stage].get(lang))
        outcome = queries.latest_outcome(self.station.store, device.id)
        self.values["outcome"].setText(
            outcome_line({**outcome.details, "reference": outcome.reference}, outcome.kind, lang)
            if outcome is not None
            else NOT_YET.get(lang)
        )
        self.part_button.setText(GIVE_PART.get(lang))
        self.part_button.setVisible(outcome is not None and outcome.kind is OutcomeKind.SPARE_PARTS)
        self.form.setRowVisible(self.values["imei"], bool(device.imei))
        self.journey_title.setText(JOURNEY.get(lang))
        self.journey.setText(journey_text(self.station.journey(device.id), lang))
        self.history_title.setText(HISTORY.get(lang))
        self.history.setHeaderLabels([c.get(lang) for c in COLUMNS])
        self.history.setAccessibleName(HISTORY.get(lang))
        self.work_button.setText(WORK_ON.get(lang))
        self.work_button.setToolTip(WORK_ON_TIP.get(lang))
        self.close_button.setText(CLOSE.get(lang))
        self._fill_history(device.kind, lang)

    def _donation(self, lot_id: str | None) -> str:
        if not lot_id:
            return ""
        row = self.station.store.query_one(
            "SELECT coalesce(n.name, ''), l.agreement_ref, l.received_on FROM lots l"
            " LEFT JOIN donors n ON n.id = l.donor_id WHERE l.id = ?",
            (lot_id,),
        )
        if row is None:
            return ""
        try:
            day = date.fromisoformat(str(row[2])).strftime("%d/%m/%Y")
        except ValueError:
            day = str(row[2])
        received = RECEIVED.get(self.lang).replace("%1", day)
        return " — ".join(p for p in (row[0], row[1], received) if p)

    def _fill_history(self, kind: DeviceKind, lang: str) -> None:
        titles: dict[str, Text] = {}
        for pipeline in self.station.pipelines.for_kind(kind):
            titles.update({s.id: s.title for s in pipeline.steps()})
        self.history.clear()
        store = self.station.store
        told = [(e, describe(e, lang, titles)) for e in queries.events(store, self.device_id)]
        # The parts it received were recorded on their donors: told here too, in time order.
        for event, donor in received_facts(store, self.device_id):
            said = PART_RECEIVED.get(lang).replace("{code}", donor)
            told.append((event, said.replace("{part}", str(event.payload.get("part", "")))))
        told.sort(key=lambda pair: pair[0].ts)
        for event, what in reversed(told):
            item = QTreeWidgetItem([when(event.ts), event.operator, self.station_name(event), what])
            item.setToolTip(0, event.ts)
            self.history.addTopLevelItem(item)

    def station_name(self, event: Event) -> str:
        """The station a fact was recorded on: this one by its name, another by a short id
        (other stations' names are not known here)."""
        store = self.station.store
        if event.station_id in (store.station_id, store.training_chain_id):
            name = self.station.settings.station_name.strip()
            if not name and event.training:
                name = TRAINING_STATION.get(self.lang)
            return name or THIS_STATION.get(self.lang)
        return OTHER_STATION.get(self.lang).replace("%1", event.station_id[:8])

    def give_part(self) -> PartDialog:
        """Opens the parts given by this device; the history shows them once closed."""
        dialog = PartDialog(self.station, self.device_id, self.lang, self)
        dialog.finished.connect(lambda _result: self.retranslate(self.lang))
        self.part_dialog = dialog
        dialog.open()
        return dialog

    def work_on(self) -> None:
        """Puts the device on the bench (its card, selected) and goes back to the window."""
        self.window_.select_device_card(self.device_id)
        self.window_.raise_()
        self.window_.activateWindow()
        self.close()
