"""A device card in the grid: what it is, its code, where it is, and one big button."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from bench_app.domain.model import DeviceKind
from bench_app.text import Text
from ui.device_view import (
    END_OF_LIFE_COLOUR,
    DeviceView,
    check_overridden,
    device_title,
    next_action,
    status_words,
)
from ui.grade_badge import GradeBadge
from ui.icons import device_icon
from ui.progress_bar import set_bar
from ui.style import STATE_COLOURS, scaled


class DeviceCard(QFrame):
    CARD_SIZE = QSize(300, 200)  # a card with more parts (ui/laptop_agents.py) is taller
    selected = Signal(str)  # device_id
    action = Signal(str, str)  # device_id, Action value
    batch_toggled = Signal(str, bool)  # device_id, ticked for a batch

    def __init__(self, view: DeviceView, lang: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("DeviceCard")
        self.setFixedSize(scaled(self.CARD_SIZE))
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setFocusPolicy(Qt.FocusPolicy.TabFocus)  # Tab stops on it; Enter opens it
        self.device_id = view.device.id
        self._lang = lang

        # Ticks the phone for a batch; shown only when 2+ phones of its model are here.
        self.batch_box = QCheckBox()
        self.batch_box.setObjectName("BatchBox")
        self.batch_box.setVisible(False)
        self.batch_box.toggled.connect(lambda on: self.batch_toggled.emit(self.device_id, on))
        self.icon = QLabel()
        self.icon.setFixedSize(48, 48)
        self.title = QLabel()
        self.title.setObjectName("CardTitle")
        self.title.setWordWrap(True)
        self.code = QLabel()
        self.code.setObjectName("CardCode")
        self.code.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.training_tag = QLabel()
        self.training_tag.setObjectName("TrainingTag")
        self.case = QLabel()  # the case a training device shows ("Batterie usée"...)
        self.case.setObjectName("CardCase")
        self.state = QLabel()
        self.state.setObjectName("CardState")
        self.step = QLabel()
        self.step.setObjectName("CardStep")
        self.step.setWordWrap(True)
        self.step.setMaximumHeight(44)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(False)
        self.grade = GradeBadge(30, compact=True)
        self.button = QPushButton()
        self.button.setObjectName("BigAction")
        self.button.clicked.connect(self._on_button)
        self._action = ""
        self._colour = ""
        self._kind: DeviceKind | None = None  # whose icon is shown

        head = QHBoxLayout()
        head.addWidget(self.icon)
        names = QVBoxLayout()
        names.setSpacing(0)
        names.addWidget(self.title)
        code_row = QHBoxLayout()
        code_row.addWidget(self.code)
        code_row.addStretch(1)
        code_row.addWidget(self.training_tag)
        names.addLayout(code_row)
        head.addLayout(names, 1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 10)
        layout.setSpacing(4)
        layout.addLayout(head)
        case_row = QHBoxLayout()
        case_row.addWidget(self.case, 1)
        case_row.addWidget(self.batch_box)
        layout.addLayout(case_row)
        state_row = QHBoxLayout()
        state_row.addWidget(self.state, 1)
        state_row.addWidget(self.grade)
        layout.addLayout(state_row)
        layout.addWidget(self.step)
        layout.addWidget(self.progress)
        layout.addStretch(1)
        layout.addWidget(self.button)
        self.show_view(view, lang)

    def show_view(self, view: DeviceView, lang: str) -> None:
        self._lang = lang
        d = view.device
        if self._kind is not d.kind:  # an SVG drawn again at every redraw cost the window
            self._kind = d.kind
            self.icon.setPixmap(device_icon(d.kind).pixmap(48, 48))
        self.title.setText(device_title(d))
        self.code.setText(d.asset_code)
        self.training_tag.setText(self.tr("TRAINING"))
        self.training_tag.setVisible(d.training)
        self.case.setText(view.caption.get(lang) if view.caption else "")
        self.case.setToolTip(self.case.text())
        self.case.setVisible(view.caption is not None)
        state = view.state
        self.state.setText(status_words(view, lang))
        colour = STATE_COLOURS.get(state, "#44515e") if state else "#44515e"
        if view.journey is not None and view.journey.returned and not (state and state.active):
            colour = "#44515e"  # back from a loan: its last job's green no longer holds
        if check_overridden(view):  # a supervisor let it go on: no longer a failure
            colour = "#44515e"
        if view.end_of_life is not None and state and not state.active:
            colour = END_OF_LIFE_COLOUR
        if self._colour != colour:  # setStyleSheet re-polishes the label: only on change
            self._colour = colour
            self.state.setStyleSheet(f"color: {colour};")
        step_text = view.step.get(lang) if view.step and state and state.active else ""
        if not step_text and view.message is not None and state and not state.active:
            step_text = view.message.get(lang)
        elif not step_text and view.job and view.job.message and state and not state.active:
            step_text = view.job.message.get(lang)
        if view.end_of_life is not None and state and not state.active:
            step_text = " · ".join(r.get(lang) for r in view.end_of_life.reasons)
        self.step.setText(_elide(step_text, 64))
        self.step.setToolTip(step_text)
        active = bool(state and state.active)
        self.progress.setVisible(active)
        set_bar(self.progress, int(view.fraction * 1000))
        action, label, enabled = next_action(view, lang)
        self._action = action.value
        self.button.setText(label)
        self.button.setEnabled(enabled)
        self._set_style_property("unplugged", not view.connected)
        self.grade.show_grade(view.grade, lang)
        size = scaled(self.CARD_SIZE)  # the text size may have changed
        if size != self.minimumSize() or size != self.maximumSize():
            # Only on change: each call asks the card grid to lay out all its cards again.
            self.setFixedSize(size)
        self._describe(d.asset_code, step_text)

    def _describe(self, code: str, step_text: str) -> None:
        """What a screen reader says of the card and of its button: which device, its
        state, its step and its grade (the state's colour carries nothing by itself)."""
        who = f"{self.title.text()} {code}"
        grade = self.grade.letter.text() if self.grade.isVisibleTo(self) else ""
        said = [self.state.text(), step_text]
        if grade:
            said.append(
                Text("Note", "Grade").get(self._lang) + f" {grade} {self.grade.name.text()}"
            )
        status = ", ".join(t for t in said if t.strip())
        self.setAccessibleName(who)
        self.setAccessibleDescription(status)
        self.button.setAccessibleDescription(
            f"{who} : {status}" if self._lang == "fr" else f"{who}: {status}"
        )

    def activate(self) -> None:
        """The keyboard's click (Enter or Space on the focused card): opens it in the panel."""
        self.selected.emit(self.device_id)

    def show_progress(self, view: DeviceView, lang: str) -> None:
        """Only what progress moves while a job runs: the step line and the bar."""
        state = view.state
        if not (state and state.active):
            return  # its end redraws the whole card
        step_text = view.step.get(lang) if view.step else ""
        if self.step.toolTip() != step_text:
            self.step.setText(_elide(step_text, 64))
            self.step.setToolTip(step_text)
        set_bar(self.progress, int(view.fraction * 1000))

    def set_batchable(self, on: bool) -> None:
        """Shows the batch tick box (2+ phones of this model); hidden, it is unticked."""
        if not on and self.batch_box.isChecked():
            self.batch_box.setChecked(False)
        self.batch_box.setVisible(on)
        self.batch_box.setText(self.tr("Batch"))
        self.batch_box.setToolTip(self.tr("Include in the batch"))
        self.batch_box.setAccessibleName(self.tr("Include in the batch"))

    def set_selected(self, selected: bool) -> None:
        self._set_style_property("selected", selected)

    def _set_style_property(self, name: str, on: bool) -> None:
        """Re-applies the stylesheet only when the property changes (it is costly)."""
        value = "true" if on else "false"
        if self.property(name) == value:
            return
        self.setProperty(name, value)
        self.style().unpolish(self)
        self.style().polish(self)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.selected.emit(self.device_id)
        super().mousePressEvent(event)

    def _on_button(self) -> None:
        self.selected.emit(self.device_id)
        self.action.emit(self.device_id, self._action)


def _elide(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
