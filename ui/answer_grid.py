"""The answer buttons of a question, in a fixed grid: "yes" always on the left, "no" always
on the right, same size and same place for every question; any other answer sits below
them and looks different, so a quick click never lands on an answer not meant."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QGridLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from bench_app.jobs.prompt import Choice
from ui.style import scaled_px

MAIN_HEIGHT = 72  # the yes/no buttons: big targets, room for two lines of text
OTHER_HEIGHT = 52


class AnswerButton(QPushButton):
    """A push button whose label wraps instead of widening the button (and the panel)."""

    def __init__(self, text: str, role: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setProperty("answer", role)
        self.label = QLabel(text)
        self.label.setObjectName("AnswerText")
        self.label.setWordWrap(True)
        self.label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.addWidget(self.label)
        # Never asks for more width than the column gives: the panel must not scroll sideways.
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.setMinimumWidth(0)
        self.setFixedHeight(scaled_px(MAIN_HEIGHT if role == "main" else OTHER_HEIGHT))
        self.setAccessibleName(text)

    def text(self) -> str:  # the label carries the text
        return self.label.text()

    def hasHeightForWidth(self) -> bool:
        return False  # a fixed height, whatever the wrapped label inside would like


def place_choices(choices: tuple[Choice, ...]) -> list[tuple[Choice, int, int, int]]:
    """Where each answer goes: (choice, row, column, column span) in a two-column grid.

    The first "good" answer is at row 0 column 0, the first "bad" one at row 0 column 1,
    whatever the question; every other answer comes below, two to a row, a lone last one
    across both columns."""
    yes = next((c for c in choices if c.tone == "good"), None)
    no = next((c for c in choices if c.tone == "bad"), None)
    placed: list[tuple[Choice, int, int, int]] = []
    if yes is not None:
        placed.append((yes, 0, 0, 1))
    if no is not None:
        placed.append((no, 0, 1, 1))
    others = [c for c in choices if c is not yes and c is not no]
    first_row = 1 if placed else 0
    for i, choice in enumerate(others):
        row, column = first_row + i // 2, i % 2
        alone = column == 0 and i == len(others) - 1
        placed.append((choice, row, column, 2 if alone else 1))
    return placed


class AnswerGrid(QWidget):
    """Holds one question's answer buttons; `on_answer(key)` is called on a click."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(0, 4, 0, 4)
        self.grid.setHorizontalSpacing(16)  # a gap between yes and no, against slips
        self.grid.setVerticalSpacing(14)
        for column in (0, 1):
            self.grid.setColumnStretch(column, 1)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.buttons: list[AnswerButton] = []
        self.keys: dict[AnswerButton, str] = {}

    def show_choices(
        self, choices: tuple[Choice, ...], lang: str, on_answer: Callable[[str], None]
    ) -> None:
        """Replaces the buttons with one per choice, placed by `place_choices`."""
        self.clear()
        for choice, row, column, span in place_choices(choices):
            main = row == 0 and choice.tone in ("good", "bad")
            button = AnswerButton(choice.label.get(lang), "main" if main else "other")
            if main:
                button.setProperty("tone", choice.tone)
            button.clicked.connect(lambda _=False, key=choice.key: on_answer(key))
            self.grid.addWidget(button, row, column, 1, span)
            self.buttons.append(button)
            self.keys[button] = choice.key
        self.setVisible(bool(self.buttons))

    def clear(self) -> None:
        for button in self.buttons:
            # Hidden and out of the layout at once; deleted when the event loop gets to it.
            button.hide()
            self.grid.removeWidget(button)
            button.deleteLater()
        self.buttons = []
        self.keys = {}
        self.setVisible(False)
