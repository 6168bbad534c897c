"""The device panel: identity, the guided step in progress, results, and the history."""

from __future__ import annotations

from functools import partial

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from bench_app.domain.model import STAGE_LABELS, JobState, StepStatus
from bench_app.jobs.prompt import Prompt
from bench_app.journey import stage_line
from bench_app.sizes import size_words
from bench_app.station import Station
from bench_app.store import queries
from bench_app.text import Text
from ui.answer_grid import AnswerButton, AnswerGrid
from ui.device_view import (
    END_OF_LIFE_COLOUR,
    Action,
    DeviceView,
    check_overridden,
    device_title,
    failure_texts,
    next_action,
    restart_offered,
    status_words,
)
from ui.documents import Documents
from ui.elided_label import ElidedLabel
from ui.grade_badge import GradeBadge
from ui.icons import device_icon, picture
from ui.journey_actions import other_actions
from ui.journey_view import journey_text
from ui.pending_card import GuideView
from ui.progress_bar import set_bar
from ui.timeline import describe, local_time
from ui.window_fit import wrap_message

STATUS_MARKS = {
    StepStatus.PASSED: ("✔", "#2e7d32"),
    StepStatus.WARNING: ("⚠", "#c77700"),
    StepStatus.FAILED: ("✖", "#c62828"),
    StepStatus.NOT_PRESENT: ("–", "#7a8794"),
    StepStatus.SKIPPED: ("–", "#7a8794"),
}

PICTURE = QSize(240, 200)
QUESTION_LINES = 4  # room kept for the question, so the answers never move between questions


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
        # Never sideways: every row wraps or shrinks to the panel's width instead.
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
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
        self.title = ElidedLabel()  # one line whatever the name: the answers keep their place
        self.title.setObjectName("PanelTitle")
        self.code = QLabel()
        self.code.setObjectName("PanelCode")
        self.code.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.training_tag = QLabel()
        self.training_tag.setObjectName("TrainingTag")
        # The tag beside the (elided) name, not beside the big code: the header fits the
        # panel's width even with the grade shown.
        title_row = QHBoxLayout()
        title_row.addWidget(self.title, 1)
        title_row.addWidget(self.training_tag, 0, Qt.AlignmentFlag.AlignVCenter)
        names.addLayout(title_row)
        names.addWidget(self.code)
        head.addLayout(names, 1)
        # The grade beside the name: it must not push the answers down.
        self.grade = GradeBadge(56)
        self.grade.setMaximumWidth(200)  # its name wraps: the panel never grows past its area
        head.addWidget(self.grade, 0, Qt.AlignmentFlag.AlignTop)
        c.addLayout(head)

        self.step_title = QLabel()
        self.step_title.setObjectName("SectionTitle")
        c.addWidget(self.step_title)
        self.state = QLabel()
        self.state.setObjectName("CardState")
        c.addWidget(self.state)
        self.question = QLabel()
        self.question.setObjectName("Question")
        self.question.setWordWrap(True)
        self.question.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        c.addWidget(self.question)
        self.picture = QLabel()
        self.picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.picture.setFixedHeight(PICTURE.height())
        c.addWidget(self.picture)
        self.prompt_detail = QLabel()
        self.prompt_detail.setObjectName("Instruction")  # steps to follow, not an error
        wrap_message(self.prompt_detail)
        c.addWidget(self.prompt_detail)
        self.prompt_error = QLabel()  # a typed answer that was wrong, asked again
        self.prompt_error.setObjectName("SearchError")
        wrap_message(self.prompt_error)
        self.prompt_error.setVisible(False)
        c.addWidget(self.prompt_error)
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
        self.answers = AnswerGrid()
        self.answers.setVisible(False)
        c.addWidget(self.answers)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        c.addWidget(self.progress)
        self.step_message = QLabel()
        wrap_message(self.step_message)
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
        # A blocked job: what to do about it, and checking again once it is done.
        self.help_button = QPushButton()
        self.help_button.setProperty("tone", "neutral")
        self.help_button.clicked.connect(partial(self._emit_action, Action.HELP))
        self.restart_button = QPushButton()
        self.restart_button.setProperty("tone", "good")
        self.restart_button.clicked.connect(partial(self._emit_action, Action.RESTART))
        block_row = QHBoxLayout()  # its own row: big buttons, whole words
        block_row.addWidget(self.help_button, 1)
        block_row.addWidget(self.restart_button, 1)
        c.addLayout(block_row)
        buttons.addWidget(self.next_button, 1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.abandon_button)
        c.addLayout(buttons)
        # The journey: stages done and to do, what blocks, where the device went.
        self.journey = QLabel()
        self.journey.setObjectName("JourneyLine")
        wrap_message(self.journey)
        c.addWidget(self.journey)
        # Smaller than the big button: what else may be done now, and the documents.
        more = QHBoxLayout()
        self.other_button = QToolButton()
        self.other_button.setObjectName("OtherActions")
        self.other_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.other_menu = QMenu(self.other_button)
        self.other_menu.setToolTipsVisible(True)
        self.other_menu.aboutToShow.connect(self.fill_other_menu)
        self.other_button.setMenu(self.other_menu)
        self.documents = Documents(station, self)
        self.documents_button = QToolButton()
        self.documents_button.setObjectName("DocumentsButton")
        self.documents_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.documents_menu = QMenu(self.documents_button)
        self.documents_menu.setToolTipsVisible(True)
        self.documents_menu.aboutToShow.connect(self.fill_documents_menu)
        self.documents_button.setMenu(self.documents_menu)
        more.addWidget(self.other_button)
        more.addWidget(self.documents_button)
        more.addStretch(1)
        c.addLayout(more)

        # Identity below the step: the question and its answers stay near the top.
        self.identity_title = QLabel()
        self.identity_title.setObjectName("SectionTitle")
        c.addWidget(self.identity_title)
        self.identity = QFormLayout()
        self._identity_rows: list[tuple[str, str]] = []  # the lines it shows
        c.addLayout(self.identity)
        lot_row = QHBoxLayout()
        self.lot_label = QLabel()
        self.lot_combo = QComboBox()
        # A long donor name or agreement reference must not widen the panel.
        self.lot_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.lot_combo.setMinimumContentsLength(12)
        self.lot_combo.activated.connect(self._on_lot)
        lot_row.addWidget(self.lot_label)
        lot_row.addWidget(self.lot_combo, 1)
        self.lot_documents_button = QToolButton()
        self.lot_documents_button.setObjectName("LotDocumentsButton")
        self.lot_documents_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.lot_documents_menu = QMenu(self.lot_documents_button)
        self.lot_documents_menu.setToolTipsVisible(True)
        self.lot_documents_menu.aboutToShow.connect(self.fill_lot_documents_menu)
        self.lot_documents_button.setMenu(self.lot_documents_menu)
        lot_row.addWidget(self.lot_documents_button)
        c.addLayout(lot_row)

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
        self.grade.show_grade(view.grade, lang)
        self.state.setText(status_words(view, lang))
        worn = view.end_of_life is not None and bool(state and not state.active)
        self.state.setStyleSheet(f"color: {END_OF_LIFE_COLOUR};" if worn else "")
        self._draw_prompt(view.prompt)
        action, label, enabled = next_action(view, lang)
        if view.prompt is None:
            # Waiting for the device to come back: show how, not just say it.
            self.picture.setVisible(action is Action.REPLUG)
            if action is Action.REPLUG:
                self.picture.setPixmap(picture("replug.svg", PICTURE))
        active = bool(state and state.active)
        self.progress.setVisible(active)
        set_bar(self.progress, int(view.fraction * 1000))
        message = ""
        if active and view.step is not None:
            message = view.step.get(lang)
            if view.message is not None:
                message += " — " + view.message.get(lang)
        elif view.message is not None:
            message = view.message.get(lang)
        elif view.job and view.job.message:
            message = view.job.message.get(lang)
        if worn and view.end_of_life is not None:
            reasons = "\n".join(r.get(lang) for r in view.end_of_life.reasons)
            message = reasons + ("\n\n" + message if message else "")
        self.step_message.setText(message)
        self.step_message.setVisible(bool(message) and view.prompt is None)
        self.next_button.setText(label)
        self.next_button.setEnabled(enabled)
        self.next_button.setVisible(action not in (Action.ANSWER, Action.WATCH, Action.SHOW))
        self.help_button.setText(self.tr("See what to do"))
        self.help_button.setVisible(state is JobState.BLOCKED and action is not Action.HELP)
        self.restart_button.setText(self.tr("Check again"))
        self.restart_button.setVisible(restart_offered(view) and action is not Action.RESTART)
        self.cancel_button.setText(self.tr("Cancel"))
        self.cancel_button.setVisible(active)
        self.abandon_button.setText(self.tr("Abandon"))
        # A check overridden by a supervisor is behind the device: nothing to abandon.
        self.abandon_button.setVisible(
            bool(state and state.resumable) and not check_overridden(view)
        )
        self.journey.setText(journey_text(view.journey, lang) if view.journey else "")
        self.journey.setVisible(view.journey is not None)
        self.other_button.setText(self.tr("Other actions"))
        self.other_button.setVisible(view.journey is not None)
        self.documents_button.setText(self.tr("Certificates and sheets"))
        self.lot_documents_button.setText(self.tr("Donation documents"))
        self.lot_documents_button.setEnabled(bool(view.device.lot_id))
        self.results_title.setText(self.tr("Results"))
        self.history_title.setText(self.tr("History"))
        self.more_button.setText(self.tr("Learn more"))
        if full:
            self._fill_lots(view)
            self._fill_results(view)
            self._fill_history(view)
            self._show_explanation(view)

    def show_progress(self, view: DeviceView, lang: str) -> None:
        """Only what progress moves while a job runs: the bar and the step's line."""
        state = view.state
        if view is not self.view or not (state and state.active):
            return  # another device, or its end: show_view draws those
        set_bar(self.progress, int(view.fraction * 1000))
        message = ""  # as show_view words it while a job runs
        if view.step is not None:
            message = view.step.get(lang)
            if view.message is not None:
                message += " — " + view.message.get(lang)
        elif view.message is not None:
            message = view.message.get(lang)
        elif view.job and view.job.message:
            message = view.job.message.get(lang)
        if self.step_message.text() != message:
            self.step_message.setText(message)
            self.step_message.setVisible(bool(message) and view.prompt is None)

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
        d = view.device
        rows: list[tuple[str, str]] = [
            (self.tr("Serial number"), d.serial or "—"),
            (
                self.tr("Stage"),
                stage_line(view.journey).get(self.lang)
                if view.journey is not None
                else STAGE_LABELS[d.stage].get(self.lang),
            ),
        ]
        if d.imei:
            rows.insert(1, (self.tr("IMEI"), d.imei))
        details = d.details
        if details.get("android_version"):
            rows.append((self.tr("Android"), str(details["android_version"])))
        if details.get("storage_gb"):
            storage = float(details["storage_gb"]) * 1e9
            rows.append((self.tr("Storage"), size_words(storage, self.lang)))
        if details.get("size_bytes"):
            rows.append((self.tr("Capacity"), size_words(int(details["size_bytes"]), self.lang)))
        rows.append((self.tr("Plugged in"), self.tr("yes") if view.connected else self.tr("no")))
        if rows == self._identity_rows and self.identity.rowCount() == len(rows):
            return  # the same lines: new labels at every redraw of a running check cost the window
        self._identity_rows = rows
        while self.identity.rowCount():
            self.identity.removeRow(0)
        for label, value in rows:
            value_label = QLabel(value)
            value_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            value_label.setWordWrap(True)  # a long value (the stage line) wraps, never widens
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
        if prompt is self._shown_prompt and (prompt is None or self.answers.buttons):
            return
        self.answers.clear()
        self._shown_prompt = prompt
        self.question.setVisible(prompt is not None)
        detail = prompt.detail.get(self.lang) if prompt and prompt.detail else ""
        # Without a picture, its detail (steps to follow) takes the picture's place.
        alone = bool(detail) and prompt is not None and not prompt.picture
        # The picture's place is kept even without a picture: the answers stay put.
        self.picture.setVisible(prompt is not None and not alone)
        self.picture.clear()
        self.prompt_detail.setText(detail)
        self.prompt_detail.setMinimumHeight(PICTURE.height() if alone else 0)
        self.prompt_detail.setVisible(bool(detail))
        error = prompt.error.get(self.lang) if prompt and prompt.error else ""
        self.prompt_error.setText(error)
        self.prompt_error.setVisible(bool(error))
        wants_entry = prompt is not None and prompt.entry is not None
        self.entry.setVisible(wants_entry)
        self.entry_ok.setVisible(wants_entry)
        if prompt is None:
            return
        self.question.setText(prompt.question.get(self.lang))
        self.question.ensurePolished()
        self.question.setMinimumHeight(self.question.fontMetrics().lineSpacing() * QUESTION_LINES)
        if prompt.picture:
            self.picture.setPixmap(picture(prompt.picture, PICTURE))
        if prompt.entry is not None:
            self.entry.clear()
            self.entry.setPlaceholderText(prompt.entry.get(self.lang))
            self.entry_ok.setText(self.tr("Confirm"))
            self.entry.setFocus()
        self.answers.show_choices(
            prompt.choices, self.lang, lambda key: self.answer.emit(prompt, key)
        )
        # Every question starts from the top of the panel: its answers are where they were.
        self.verticalScrollBar().setValue(0)
        self.horizontalScrollBar().setValue(0)

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
            action, _, _ = next_action(self.view, self.lang)
            self.action.emit(self.view.device.id, action.value)

    def _emit_action(self, action: Action) -> None:
        if self.view is not None:
            self.action.emit(self.view.device.id, action.value)

    def reveal(self, widget: QWidget) -> None:
        """Brings `widget` into sight and gives it the focus (the card's "follow", "answer",
        "see the results")."""
        self.ensureWidgetVisible(widget)
        widget.setFocus()

    def reveal_results(self) -> None:
        self.reveal(self.results)
        if self.results.count() and self.results.currentRow() < 0:
            self.results.setCurrentRow(0)

    def reveal_step(self) -> None:
        target: QWidget = self.answers.buttons[0] if self.answers.buttons else self.step_title
        if self._shown_prompt is not None and self._shown_prompt.entry is not None:
            target = self.entry
        self.reveal(target)

    def _on_cancel(self) -> None:
        if self.view is not None and self.view.job is not None:
            self.cancel_requested.emit(self.view.job.id)

    def _on_abandon(self) -> None:
        if self.view is not None and self.view.job is not None:
            self.abandon_requested.emit(self.view.job.id)

    def fill_other_menu(self) -> None:
        """The other actions possible now; those that are not say why, greyed."""
        self.other_menu.clear()
        if self.view is None:
            return
        # As the facts say now, even before the next redraw (a label printed a moment ago).
        self.view.journey = self.station.journey(self.view.device.id)
        for item in other_actions(self.view, self.lang, self.station.settings.phone_system):
            text = item.label if item.enabled else f"{item.label} — {item.reason}"
            action = self.other_menu.addAction(text)
            action.setData(item.key.value)
            action.setEnabled(item.enabled)
            action.setToolTip(item.reason or item.label)
            action.triggered.connect(partial(self._emit_other, item.key.value))

    def _emit_other(self, key: str, _checked: bool = False) -> None:
        if self.view is not None:
            self.action.emit(self.view.device.id, key)

    def fill_documents_menu(self) -> None:
        if self.view is not None:
            self.documents.fill_device_menu(self.documents_menu, self.view.device, self.lang)

    def fill_lot_documents_menu(self) -> None:
        lot = None
        if self.view is not None and self.view.device.lot_id:
            wanted = self.view.device.lot_id
            lot = next((x for x in queries.lots(self.station.store) if x.id == wanted), None)
        self.documents.fill_lot_menu(self.lot_documents_menu, lot, self.lang)

    def _on_lot(self, index: int) -> None:
        lot_id = self.lot_combo.itemData(index)
        if self.view is not None and lot_id and lot_id != self.view.device.lot_id:
            self.lot_chosen.emit(self.view.device.id, lot_id)

    def answer_buttons(self) -> list[AnswerButton]:
        """The answer buttons of the question shown, in the order of its choices' places."""
        return list(self.answers.buttons)
