"""The device panel: identity, the guided step in progress, results, and the history."""

from __future__ import annotations

from functools import partial

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from bench_app.domain.model import STAGE_LABELS, JobState, StepStatus
from bench_app.jobs.prompt import Prompt
from bench_app.station import Station
from bench_app.store import queries
from bench_app.text import Text
from ui.device_view import (
    Action,
    DeviceView,
    device_title,
    failure_texts,
    next_action,
    state_label,
)
from ui.icons import device_icon, picture
from ui.pending_card import GuideView
from ui.timeline import describe, local_time

STATUS_MARKS = {
    StepStatus.PASSED: ("✔", "#2e7d32"),
    StepStatus.WARNING: ("⚠", "#c77700"),
    StepStatus.FAILED: ("✖", "#c62828"),
    StepStatus.NOT_PRESENT: ("–", "#7a8794"),
    StepStatus.SKIPPED: ("–", "#7a8794"),
}


class DevicePanel(QScrollArea):
    """Shows one device. Emits what the operator asks for; the window carries it out."""

    action = Signal(str, str)  # device_id, Action value
    answer = Signal(object, str)  # Prompt, choice key
    cancel_requested = Signal(str)  # job_id
    abandon_requested = Signal(str)  # job_id
    lot_chosen = Signal(str, str)  # device_id, lot_id

    def __init__(self, station: Station, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.station = station
        self.view: DeviceView | None = None
        self.lang = "fr"
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setMinimumWidth(440)
        body = QWidget()
        self.setWidget(body)
        layout = QVBoxLayout(body)
        layout.setContentsMargins(16, 12, 16, 12)

        self.placeholder = QLabel()
        self.placeholder.setObjectName("EmptyHint")
        self.placeholder.setWordWrap(True)
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.placeholder)

        self.guide = GuideView()
        self.guide.setVisible(False)
        layout.addWidget(self.guide)
        self.content = QWidget()
        layout.addWidget(self.content)
        c = QVBoxLayout(self.content)
        c.setContentsMargins(0, 0, 0, 0)

        head = QHBoxLayout()
        self.icon = QLabel()
        self.icon.setFixedSize(64, 64)
        head.addWidget(self.icon)
        names = QVBoxLayout()
        self.title = QLabel()
        self.title.setObjectName("PanelTitle")
        self.code = QLabel()
        self.code.setObjectName("PanelCode")
        self.code.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        names.addWidget(self.title)
        names.addWidget(self.code)
        head.addLayout(names, 1)
        self.training_tag = QLabel()
        self.training_tag.setObjectName("TrainingTag")
        head.addWidget(self.training_tag, 0, Qt.AlignmentFlag.AlignTop)
        c.addLayout(head)

        self.identity_title = QLabel()
        self.identity_title.setObjectName("SectionTitle")
        c.addWidget(self.identity_title)
        self.identity = QFormLayout()
        c.addLayout(self.identity)
        lot_row = QHBoxLayout()
        self.lot_label = QLabel()
        self.lot_combo = QComboBox()
        self.lot_combo.activated.connect(self._on_lot)
        lot_row.addWidget(self.lot_label)
        lot_row.addWidget(self.lot_combo, 1)
        c.addLayout(lot_row)

        self.step_title = QLabel()
        self.step_title.setObjectName("SectionTitle")
        c.addWidget(self.step_title)
        self.state = QLabel()
        self.state.setObjectName("CardState")
        c.addWidget(self.state)
        self.question = QLabel()
        self.question.setObjectName("Question")
        self.question.setWordWrap(True)
        c.addWidget(self.question)
        self.picture = QLabel()
        self.picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        c.addWidget(self.picture)
        self.prompt_detail = QLabel()
        self.prompt_detail.setObjectName("SearchError")
        self.prompt_detail.setWordWrap(True)
        c.addWidget(self.prompt_detail)
        entry_row = QHBoxLayout()
        self.entry = QLineEdit()
        self.entry.setObjectName("CodeSearch")
        self.entry.returnPressed.connect(self._on_entry)
        self.entry_ok = QPushButton()
        self.entry_ok.setProperty("tone", "good")
        self.entry_ok.clicked.connect(self._on_entry)
        entry_row.addWidget(self.entry, 1)
        entry_row.addWidget(self.entry_ok)
        for widget in (self.entry, self.entry_ok, self.prompt_detail):
            widget.setVisible(False)  # only while a question asks for typed text
        c.addLayout(entry_row)
        self.answers = QGridLayout()
        c.addLayout(self.answers)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        c.addWidget(self.progress)
        self.step_message = QLabel()
        self.step_message.setWordWrap(True)
        c.addWidget(self.step_message)
        # The longer explanation of a short message, shown only when asked for.
        self.more_button = QPushButton()
        self.more_button.setObjectName("MoreButton")
        self.more_button.setCheckable(True)
        self.more_button.setFlat(True)
        self.more_text = QLabel()
        self.more_text.setWordWrap(True)
        self.more_button.toggled.connect(self.more_text.setVisible)
        self.more_button.setVisible(False)
        self.more_text.setVisible(False)
        c.addWidget(self.more_button, 0, Qt.AlignmentFlag.AlignLeft)
        c.addWidget(self.more_text)

        buttons = QHBoxLayout()
        self.next_button = QPushButton()
        self.next_button.setObjectName("BigAction")
        self.next_button.clicked.connect(self._on_next)
        self.cancel_button = QPushButton()
        self.cancel_button.clicked.connect(self._on_cancel)
        self.abandon_button = QPushButton()
        self.abandon_button.clicked.connect(self._on_abandon)
        buttons.addWidget(self.next_button, 1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.abandon_button)
        self.label_button = QPushButton()
        self.label_button.clicked.connect(self._on_print_label)
        buttons.addWidget(self.label_button)
        c.addLayout(buttons)

        self.results_title = QLabel()
        self.results_title.setObjectName("SectionTitle")
        c.addWidget(self.results_title)
        self.results = QListWidget()
        self.results.setMinimumHeight(120)
        self.results.setWordWrap(True)
        c.addWidget(self.results)
        self.history_title = QLabel()
        self.history_title.setObjectName("SectionTitle")
        c.addWidget(self.history_title)
        self.history = QListWidget()
        self.history.setMinimumHeight(160)
        self.history.setWordWrap(True)
        c.addWidget(self.history)
        c.addStretch(1)
        self._answer_buttons: list[QPushButton] = []
        self._shown_prompt: Prompt | None = None
        self.show_view(None, "fr")

    # -- drawing ---------------------------------------------------------------------------

    def show_view(self, view: DeviceView | None, lang: str, *, full: bool = True) -> None:
        """Draws `view`; `full` also reloads results and history from the store."""
        self.view = view
        self.lang = lang
        self.placeholder.setText(self.tr("Choose a device on the left, or scan its code."))
        self.placeholder.setVisible(view is None)
        self.content.setVisible(view is not None)
        self.guide.setVisible(False)
        if view is None:
            return
        d = view.device
        self.icon.setPixmap(device_icon(d.kind).pixmap(64, 64))
        self.title.setText(device_title(d))
        self.code.setText(d.asset_code)
        self.training_tag.setText(self.tr("TRAINING"))
        self.training_tag.setVisible(d.training)
        self.identity_title.setText(self.tr("Identity"))
        self._fill_identity(view)
        self.step_title.setText(self.tr("What to do now"))
        state = view.state
        self.state.setText(state_label(state, view.connected))
        self._draw_prompt(view.prompt)
        action, label, enabled = next_action(view)
        if view.prompt is None:
            # Waiting for the device to come back: show how, not just say it.
            self.picture.setVisible(action is Action.REPLUG)
            if action is Action.REPLUG:
                self.picture.setPixmap(picture("replug.svg", QSize(240, 200)))
        active = bool(state and state.active)
        self.progress.setVisible(active)
        self.progress.setValue(int(view.fraction * 1000))
        message = ""
        if active and view.step is not None:
            message = view.step.get(lang)
            if view.message is not None:
                message += " — " + view.message.get(lang)
        elif view.message is not None:
            message = view.message.get(lang)
        elif view.job and view.job.message:
            message = view.job.message.get(lang)
        self.step_message.setText(message)
        self.step_message.setVisible(bool(message) and view.prompt is None)
        self.next_button.setText(label)
        self.next_button.setEnabled(enabled)
        self.next_button.setVisible(action not in (Action.ANSWER, Action.WATCH, Action.SHOW))
        self.cancel_button.setText(self.tr("Cancel"))
        self.cancel_button.setVisible(active)
        self.abandon_button.setText(self.tr("Abandon"))
        self.abandon_button.setVisible(bool(state and state.resumable))
        self.label_button.setText(self.tr("Print the label"))
        self.results_title.setText(self.tr("Results"))
        self.history_title.setText(self.tr("History"))
        self.more_button.setText(self.tr("Learn more"))
        if full:
            self._fill_lots(view)
            self._fill_results(view)
            self._fill_history(view)
            self._show_explanation(view)

    def _show_explanation(self, view: DeviceView) -> None:
        """A blocked check: its short reason gets its picture and, behind "Learn more",
        the longer explanation the step left with its evidence."""
        found: dict[str, object] = {}
        if view.job is not None and view.state is JobState.BLOCKED and view.prompt is None:
            for result in queries.step_results(self.station.store, view.job.id):
                if result.blocking and result.evidence.get("more"):
                    found = result.evidence
        if view.job is not None and view.state is JobState.FAILED and view.prompt is None:
            # A failed check: its short form on screen, the full message behind "Learn more".
            texts = failure_texts(self.station.store, view.job)
            if texts is not None:
                self.step_message.setText(texts[0].get(self.lang))
                found = {"more": texts[1].to_json()}
        more = Text.from_json(found["more"]).get(self.lang) if found else ""
        self.more_text.setText(more)
        self.more_button.setVisible(bool(more))
        if not more:
            self.more_button.setChecked(False)
        self.more_text.setVisible(bool(more) and self.more_button.isChecked())
        if found.get("picture"):
            self.picture.setPixmap(picture(str(found["picture"]), QSize(240, 200)))
            self.picture.setVisible(True)

    def _fill_identity(self, view: DeviceView) -> None:
        while self.identity.rowCount():
            self.identity.removeRow(0)
        d = view.device
        rows: list[tuple[str, str]] = [
            (self.tr("Serial number"), d.serial or "—"),
            (self.tr("Stage"), STAGE_LABELS[d.stage].get(self.lang)),
        ]
        if d.imei:
            rows.insert(1, (self.tr("IMEI"), d.imei))
        details = d.details
        if details.get("android_version"):
            rows.append((self.tr("Android"), str(details["android_version"])))
        if details.get("storage_gb"):
            rows.append(
                (self.tr("Storage"), self.tr("%1 GB").replace("%1", str(details["storage_gb"])))
            )
        if details.get("size_bytes"):
            gb = int(details["size_bytes"]) / 1e9
            size = f"{gb:.0f}" if gb >= 10 else f"{gb:.2g}"
            rows.append((self.tr("Capacity"), self.tr("%1 GB").replace("%1", size)))
        rows.append((self.tr("Plugged in"), self.tr("yes") if view.connected else self.tr("no")))
        for label, value in rows:
            value_label = QLabel(value)
            value_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.identity.addRow(label + " :" if self.lang == "fr" else label + ":", value_label)

    def _fill_lots(self, view: DeviceView) -> None:
        self.lot_label.setText(self.tr("Donation"))
        self.lot_combo.clear()
        self.lot_combo.addItem(self.tr("— not attached —"), "")
        donors = {d.id: d.name for d in queries.donors(self.station.store)}
        for lot in queries.lots(self.station.store):
            if lot.training != view.device.training:
                continue
            text = f"{donors.get(lot.donor_id, '?')} · {lot.received_on}"
            if lot.agreement_ref:
                text += f" · {lot.agreement_ref}"
            self.lot_combo.addItem(text, lot.id)
            if lot.id == view.device.lot_id:
                self.lot_combo.setCurrentIndex(self.lot_combo.count() - 1)

    def _fill_results(self, view: DeviceView) -> None:
        self.results.clear()
        if view.job is None:
            return
        pipeline = self.station.pipelines.get(view.job.pipeline)
        titles = {s.id: s.title for s in pipeline.steps()} if pipeline else {}
        for result in queries.step_results(self.station.store, view.job.id):
            mark, colour = STATUS_MARKS[result.status]
            title = titles.get(result.step_id)
            name = title.get(self.lang) if title else result.step_id
            item = QListWidgetItem(f"{mark}  {name} — {result.summary.get(self.lang)}")
            item.setForeground(QColor(colour))
            self.results.addItem(item)

    def _fill_history(self, view: DeviceView) -> None:
        self.history.clear()
        titles: dict[str, Text] = {}
        for p in self.station.pipelines.for_kind(view.device.kind):
            titles.update({s.id: s.title for s in p.steps()})
        events = queries.events(self.station.store, view.device.id, limit=300)
        for event in reversed(events):
            self.history.addItem(f"{local_time(event.ts)}  {describe(event, self.lang, titles)}")

    def _draw_prompt(self, prompt: Prompt | None) -> None:
        if prompt is self._shown_prompt and (prompt is None or self._answer_buttons):
            return
        for button in self._answer_buttons:
            # Hidden and out of the layout at once; deleted when the event loop gets to it.
            button.hide()
            self.answers.removeWidget(button)
            button.deleteLater()
        self._answer_buttons = []
        self._shown_prompt = prompt
        self.question.setVisible(prompt is not None)
        self.picture.setVisible(bool(prompt and prompt.picture))
        detail = prompt.detail.get(self.lang) if prompt and prompt.detail else ""
        self.prompt_detail.setText(detail)
        self.prompt_detail.setVisible(bool(detail))
        wants_entry = prompt is not None and prompt.entry is not None
        self.entry.setVisible(wants_entry)
        self.entry_ok.setVisible(wants_entry)
        if prompt is None:
            return
        self.question.setText(prompt.question.get(self.lang))
        if prompt.picture:
            self.picture.setPixmap(picture(prompt.picture, QSize(240, 200)))
        if prompt.entry is not None:
            self.entry.clear()
            self.entry.setPlaceholderText(prompt.entry.get(self.lang))
            self.entry_ok.setText(self.tr("Confirm"))
            self.entry.setFocus()
        columns = 3 if len(prompt.choices) > 3 else max(len(prompt.choices), 1)
        for i, choice in enumerate(prompt.choices):
            button = QPushButton(choice.label.get(self.lang))
            button.setProperty("tone", choice.tone)
            button.setMinimumHeight(64)
            button.clicked.connect(partial(self.answer.emit, prompt, choice.key))
            self.answers.addWidget(button, i // columns, i % columns)
            self._answer_buttons.append(button)

    def _on_entry(self) -> None:
        prompt = self._shown_prompt
        text = self.entry.text().strip()
        if prompt is not None and prompt.entry is not None and text:
            self.answer.emit(prompt, text)

    def show_pending(self, state: str, brand: str, lang: str) -> None:
        """A phone plugged in but not usable yet: the guide replaces the device view."""
        self.view = None
        self.lang = lang
        self.placeholder.setVisible(False)
        self.content.setVisible(False)
        self.guide.setVisible(True)
        self.guide.show_guide(state, brand, lang)

    # -- operator's requests ---------------------------------------------------------------

    def _on_next(self) -> None:
        if self.view is not None:
            action, _, _ = next_action(self.view)
            self.action.emit(self.view.device.id, action.value)

    def _on_cancel(self) -> None:
        if self.view is not None and self.view.job is not None:
            self.cancel_requested.emit(self.view.job.id)

    def _on_abandon(self) -> None:
        if self.view is not None and self.view.job is not None:
            self.abandon_requested.emit(self.view.job.id)

    def _on_print_label(self) -> None:
        if self.view is not None:
            from ui.printer_dialog import PrinterDialog  # loaded when first wanted

            dialog = PrinterDialog.for_device(self.station, self.view.device.id, self.lang, self)
            dialog.open()

    def _on_lot(self, index: int) -> None:
        lot_id = self.lot_combo.itemData(index)
        if self.view is not None and lot_id and lot_id != self.view.device.lot_id:
            self.lot_chosen.emit(self.view.device.id, lot_id)

    def answer_buttons(self) -> list[QPushButton]:
        return list(self._answer_buttons)
