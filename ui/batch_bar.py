"""Above the card grid: batches of phones of one model.

When two or more phones of the same model are plugged in, their cards get a tick box and
this bar offers "Tous les <modèle>" and "Effacer et installer <système>": each ticked phone
gets its own verified wipe, then its own installation (bench_app/jobs/batches.py). Each
batch then has a summary strip here (done, failed with why, waiting for you, running),
kept live; each card keeps its own progress.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from bench_app.domain.model import Device
from bench_app.errors import BenchError
from bench_app.jobs.batches import PHONE_KINDS, Batch, BatchSummary, same_model_key, start_batch
from bench_app.profiles.loader import ProfileSet, load_station_profiles
from bench_app.profiles.model import DeviceProfile
from ui.accessibility import text

if TYPE_CHECKING:
    from ui.main_window import MainWindow

STYLE = """
#BatchBar { background: #eef4fa; border: 1px solid #c9d8e6; border-radius: 8px; }
#BatchSummary { background: #ffffff; border: 1px solid #c9d8e6; border-radius: 8px; }
#BatchTitle { font-weight: 700; color: #2b3a4a; }
QLabel[chip] { border-radius: 10px; padding: 3px 10px; font-weight: 700; }
QLabel[chip="done"] { background: #e3f2e4; color: #1b5e20; }
QLabel[chip="failed"] { background: #fdecea; color: #b71c1c; }
QLabel[chip="waiting"] { background: #fff3e0; color: #8a4b00; }
QLabel[chip="running"] { background: #e3eef8; color: #164f80; }
#BatchWhy { color: #b71c1c; }
"""

REFRESH_MS = 250  # the summary follows the jobs four times a second


class BatchSummaryView(QFrame):
    """One batch's strip: its model and system, four counts, and why each failed phone
    stopped."""

    def __init__(
        self, batch: Batch, model: str, system_name: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("BatchSummary")
        self.batch = batch
        self.model = model
        self.system_name = system_name
        self.title = QLabel()
        self.title.setObjectName("BatchTitle")
        self.done = _chip("done")
        self.failed = _chip("failed")
        self.waiting = _chip("waiting")
        self.running = _chip("running")
        self.why = QLabel()
        self.why.setObjectName("BatchWhy")
        self.why.setWordWrap(True)
        self.why.setVisible(False)
        row = QHBoxLayout()
        row.addWidget(self.title)
        row.addSpacing(8)
        for chip in (self.done, self.failed, self.waiting, self.running):
            row.addWidget(chip)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        layout.setSpacing(4)
        layout.addLayout(row)
        layout.addWidget(self.why)
        self._shown: tuple[object, ...] = ()

    def show_summary(self, summary: BatchSummary, lang: str) -> None:
        shown = (summary, lang)
        if shown == self._shown:  # unchanged: no relayout
            return
        self._shown = shown
        self.title.setText(
            self.tr("Batch %1 · %2").replace("%1", self.model).replace("%2", self.system_name)
        )
        self.done.setText(self.tr("%n done", "", len(summary.done)))
        self.failed.setText(self.tr("%n failed", "", len(summary.failed)))
        self.waiting.setText(self.tr("%n waiting for you", "", len(summary.waiting)))
        self.running.setText(self.tr("%n running", "", len(summary.running)))
        self.failed.setVisible(bool(summary.failed))
        self.waiting.setVisible(bool(summary.waiting))
        self.running.setVisible(bool(summary.running))
        lines = [f"{asset} : {_short(why.get(lang), 140)}" for asset, why in summary.failed]
        self.why.setText("\n".join(lines))
        self.why.setToolTip("\n".join(f"{a} : {w.get(lang)}" for a, w in summary.failed))
        self.why.setVisible(bool(lines))


class BatchBar(QFrame):
    """The batch controls and summaries of the main window (see the module's docstring)."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__()
        self.setObjectName("BatchBar")
        self.setStyleSheet(STYLE)
        self.window_ = window
        self.batches: list[tuple[Batch, BatchSummaryView]] = []
        self._profiles: ProfileSet | None = None  # loaded once, when first needed
        self._groups: dict[tuple[str, str], list[str]] = {}  # model -> device ids
        self._group_labels: dict[tuple[str, str], str] = {}
        self._shown_groups: tuple[tuple[str, str], ...] = ()
        self._systems_for: str | None = None  # the codename whose systems the list shows
        self._followed: set[QWidget] = set()  # cards whose tick box is connected here

        self.all_buttons = QHBoxLayout()
        self.all_buttons.setSpacing(6)
        self.system = QComboBox()
        self.system.setObjectName("BatchSystem")
        self.system.currentIndexChanged.connect(self._retitle_start)
        self.start_button = QPushButton()
        self.start_button.setObjectName("BigAction")
        self.start_button.clicked.connect(self.start_ticked)
        controls = QHBoxLayout()
        controls.addLayout(self.all_buttons)
        controls.addStretch(1)
        controls.addWidget(self.system)
        controls.addWidget(self.start_button)
        self.controls = QWidget()
        self.controls.setLayout(controls)
        controls.setContentsMargins(0, 0, 0, 0)
        self.summaries = QVBoxLayout()
        self.summaries.setSpacing(4)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 8)
        layout.setSpacing(6)
        layout.addWidget(self.controls)
        layout.addLayout(self.summaries)
        self.setVisible(False)

        self._timer = QTimer(self)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self.refresh)
        self._timer.start()
        self.retranslate()

    # -- texts -----------------------------------------------------------------------------

    def retranslate(self) -> None:
        self._shown_groups = ()  # the "All" buttons are named again at the next refresh
        self._retitle_start()
        for _, view in self.batches:
            view._shown = ()
        self.refresh()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def _retitle_start(self) -> None:
        name = str(self.system.currentData(Qt.ItemDataRole.UserRole + 1) or "")
        self.start_button.setText(self.tr("Erase and install %1").replace("%1", name).strip())
        self.system.setAccessibleName(text("Système à installer", "System to install"))
        self._enable_start()

    # -- following the cards ---------------------------------------------------------------

    def refresh(self) -> None:
        """Regroups the plugged-in phones by model, shows the tick boxes of models with 2+
        phones, and brings every batch's summary up to date."""
        window = self.window_
        groups: dict[tuple[str, str], list[str]] = {}
        labels: dict[tuple[str, str], str] = {}
        devices: dict[str, Device] = {}
        for device_id in window.cards:
            view = window.views.get(device_id)
            if view is None or not view.connected or view.device.kind not in PHONE_KINDS:
                continue
            key = same_model_key(view.device)
            groups.setdefault(key, []).append(device_id)
            labels[key] = self._model_label(view.device)
            devices[device_id] = view.device
        batchable = {k: ids for k, ids in groups.items() if len(ids) >= 2}
        in_batchable = {d for ids in batchable.values() for d in ids}
        for device_id, card in window.cards.items():
            card.set_batchable(device_id in in_batchable)
            if card not in self._followed:  # a tick enables the start button at once
                self._followed.add(card)
                card.batch_toggled.connect(self._enable_start)
                card.destroyed.connect(partial(self._followed.discard, card))
        self._groups, self._group_labels = batchable, labels
        shown = tuple(sorted(batchable))
        if shown != self._shown_groups:
            self._shown_groups = shown
            self._rebuild_all_buttons()
        ticked = self.ticked()
        model_of = next((devices[d] for d in ticked if d in devices), None)
        if model_of is None and batchable:
            model_of = devices[batchable[shown[0]][0]]
        self._show_systems(model_of)
        self.controls.setVisible(bool(batchable))
        for batch, strip in self.batches:
            strip.show_summary(batch.summary(), window.lang)
        self.setVisible(bool(batchable) or bool(self.batches))
        self._enable_start()

    def _rebuild_all_buttons(self) -> None:
        while self.all_buttons.count():
            item = self.all_buttons.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        for key in self._shown_groups:
            button = QPushButton(self.tr("All the %1").replace("%1", self._group_labels[key]))
            button.setObjectName("BatchAll")
            button.clicked.connect(partial(self.tick_model, key))
            self.all_buttons.addWidget(button)

    def _show_systems(self, device: Device | None) -> None:
        codename = _codename(device) if device is not None else ""
        if codename == self._systems_for:
            return
        self._systems_for = codename
        profile = self._profile(codename)
        wanted = self.window_.station.settings.phone_system.casefold()
        self.system.blockSignals(True)
        self.system.clear()
        if profile is not None and profile.installable:
            for option in profile.operating_systems:
                self.system.addItem(f"{option.name} {option.version}", option.id)
                self.system.setItemData(
                    self.system.count() - 1, option.name, Qt.ItemDataRole.UserRole + 1
                )
                if option.name.casefold() == wanted or option.id.casefold() == wanted:
                    self.system.setCurrentIndex(self.system.count() - 1)
        self.system.blockSignals(False)
        self._retitle_start()

    def _model_label(self, device: Device) -> str:
        """The model as people name it: its profile's label ("Fairphone 4"), else as read."""
        profile = self._profile(_codename(device))
        return profile.label if profile is not None else device.label

    def _profile(self, codename: str) -> DeviceProfile | None:
        return self._profile_set().for_codename(codename) if codename else None

    def _profile_set(self) -> ProfileSet:
        # Loading validates every profile (most of a second): once, not on each refresh.
        if self._profiles is None:
            self._profiles = load_station_profiles(self.window_.station.folder)
        return self._profiles

    def _enable_start(self, *_: object) -> None:
        self.start_button.setEnabled(bool(self.ticked()) and self.system.count() > 0)

    # -- what the operator does --------------------------------------------------------------

    def ticked(self) -> list[str]:
        """The phones ticked for a batch, in the cards' order."""
        return [
            device_id
            for device_id, card in self.window_.cards.items()
            if card.batch_box.isChecked() and not card.batch_box.isHidden()
        ]

    def tick_model(self, key: tuple[str, str]) -> None:
        """ "Tous les <modèle>": ticks every plugged-in phone of that model."""
        for device_id in self._groups.get(key, []):
            card = self.window_.cards.get(device_id)
            if card is not None:
                card.batch_box.setChecked(True)
        self.refresh()

    def start_ticked(self) -> Batch | None:
        """Starts the batch on the ticked phones; a refusal is shown, nothing starts."""
        ids = self.ticked()
        batch_devices = [self.window_.views[d].device for d in ids]
        system_id = str(self.system.currentData() or "")
        name = str(self.system.currentText())
        try:
            batch = start_batch(self.window_.station, ids, system_id, profiles=self._profile_set())
        except BenchError as exc:
            self.window_._show_error(exc)
            return None
        for device_id in ids:
            self.window_.cards[device_id].batch_box.setChecked(False)
        view = BatchSummaryView(batch, self._model_label(batch_devices[0]), name)
        self.summaries.insertWidget(0, view)  # the newest batch on top
        self.batches.insert(0, (batch, view))
        self.refresh()
        return batch

    def halt(self) -> None:
        """No batch starts a new job any more (the window is closing)."""
        self._timer.stop()
        for batch, _ in self.batches:
            batch.halt()

    def wait(self, timeout: float = 10.0) -> None:
        for batch, _ in self.batches:
            batch.wait(timeout)


def _chip(kind: str) -> QLabel:
    chip = QLabel()
    chip.setProperty("chip", kind)
    return chip


def _codename(device: Device) -> str:
    return str(device.details.get("codename") or device.details.get("device") or "")


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
