"""A computer's short guided list, answered in the window: screen, keyboard, battery and
hinges (works on the left, does not work on the right, always), then the chassis's look.
Graded and recorded through `Station.grade_by_hand`; a missing answer is said, nothing
is recorded."""

from __future__ import annotations

from functools import partial

from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from bench_app.approvals import Guarded
from bench_app.diagnostics.guided_tests import COSMETIC_CHOICES
from bench_app.errors import BenchError
from bench_app.grading.laptop_checks import BROKEN, CHASSIS, LAPTOP_CHECKS, WORKS
from bench_app.station import Station
from ui.approval_dialog import ApprovalDialog, attempt_or_ask
from ui.device_view import tr
from ui.window_fit import confirm_row, refusal_label


class LaptopGradeDialog(QDialog):
    """`answers[check][works|broken]` and `chassis[key]` are the answer buttons;
    `grade_button` records."""

    def __init__(
        self, station: Station, device_id: str, lang: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.station = station
        self.device_id = device_id
        self.lang = lang
        self.approval_dialog: ApprovalDialog | None = None  # when a supervisor must approve
        device = station.device(device_id)
        self.setWindowTitle(tr("Grade the device"))
        self.setMinimumWidth(760)
        layout = QVBoxLayout(self)
        title = QLabel(
            tr("Check %1 by hand").replace("%1", device.asset_code if device else device_id)
        )
        title.setObjectName("SectionTitle")
        layout.addWidget(title)
        grid = QGridLayout()
        self.answers: dict[str, dict[str, QPushButton]] = {}
        self._groups: list[QButtonGroup] = []
        for row, check in enumerate(LAPTOP_CHECKS):
            question = QLabel(check.question.get(lang))
            question.setWordWrap(True)
            grid.addWidget(question, row, 0)
            group = QButtonGroup(self)
            buttons: dict[str, QPushButton] = {}
            for column, (key, words) in enumerate(
                ((WORKS, tr("Works")), (BROKEN, tr("Does not work")))
            ):
                button = QPushButton(words)
                button.setCheckable(True)
                button.setMinimumHeight(44)
                button.setProperty("tone", "good" if key == WORKS else "bad")
                group.addButton(button)
                grid.addWidget(button, row, column + 1)
                buttons[key] = button
            self._groups.append(group)
            self.answers[check.id] = buttons
        grid.setColumnStretch(0, 1)
        layout.addLayout(grid)
        chassis_title = QLabel(CHASSIS.get(lang))
        layout.addWidget(chassis_title)
        chassis_row = QHBoxLayout()
        chassis_group = QButtonGroup(self)
        self.chassis: dict[str, QPushButton] = {}
        for key, look in COSMETIC_CHOICES:
            button = QPushButton(look.get(lang))
            button.setCheckable(True)
            button.setMinimumHeight(44)
            chassis_group.addButton(button)
            chassis_row.addWidget(button)
            self.chassis[key] = button
        self._groups.append(chassis_group)
        layout.addLayout(chassis_row)
        self.refusal = refusal_label()
        layout.addWidget(self.refusal)
        cancel = QPushButton(tr("Cancel"))
        cancel.clicked.connect(self.reject)
        self.grade_button = QPushButton(tr("Record the grade"))
        self.grade_button.clicked.connect(partial(self._grade))
        layout.addLayout(confirm_row(cancel, self.grade_button))

    def chosen(self) -> tuple[dict[str, str], str]:
        answers = {
            check: next((k for k, b in buttons.items() if b.isChecked()), "")
            for check, buttons in self.answers.items()
        }
        chassis = next((k for k, b in self.chassis.items() if b.isChecked()), "")
        return answers, chassis

    def _grade(self, _checked: bool = False) -> None:
        answers, chassis = self.chosen()
        try:
            # Once the label is printed, a new grade needs a supervisor's approval.
            self.approval_dialog = attempt_or_ask(
                self.station,
                self.lang,
                Guarded.REGRADE_AFTER_LABEL,
                lambda r: self.station.grade_by_hand(self.device_id, answers, chassis, approval=r),
                self,
                on_done=self.accept,
            )
        except BenchError as exc:
            self.refusal.setText(exc.short.get(self.lang))
            self.refusal.setVisible(True)
