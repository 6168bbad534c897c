"""A device's workshop grade as people read it from across the bench: a big letter on its
colour, and its name beside it ("B — Bon état")."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QWidget

from bench_app.domain.model import Grade
from bench_app.grading.grade import workshop_grade_name
from bench_app.text import Text

GRADE_COLOURS = {"A": "#2e7d32", "B": "#558b2f", "C": "#c77700", "D": "#c62828"}
STANDARD_GRADE_COLOURS = dict(GRADE_COLOURS)
# The contrast theme's (ui/style.py apply_style): white letters on them reach 4.5:1.
CONTRAST_GRADE_COLOURS = {"A": "#1b5e20", "B": "#2f5216", "C": "#7a3d00", "D": "#9b0000"}
OTHER_GRADE_COLOUR = "#44515e"  # a letter the workshop's own policy added


class GradeBadge(QWidget):
    """Hidden until the device has a grade."""

    def __init__(self, size: int, *, compact: bool = False, parent: QWidget | None = None) -> None:
        """`compact`: the name alone beside the letter, small (a card has little room)."""
        super().__init__(parent)
        self._size = size
        self._compact = compact
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6 if compact else 10)
        self.letter = QLabel()
        self.letter.setObjectName("GradeLetter")
        self.letter.setFixedSize(size, size)
        self.letter.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.name = QLabel()
        self.name.setObjectName("GradeName")
        self.name.setWordWrap(True)
        # Asks for no width of its own: it takes what the row leaves and wraps there.
        self.name.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        layout.addWidget(self.letter)
        layout.addWidget(self.name, 1)
        self.colour = ""
        self.setVisible(False)

    def show_grade(self, grade: Grade | None, lang: str) -> None:
        if grade is None:
            self.setVisible(False)
            return
        letter = grade.workshop_grade.strip().upper() or "?"
        colour = GRADE_COLOURS.get(letter, OTHER_GRADE_COLOUR)
        name = workshop_grade_name(letter)
        self.letter.setText(letter)
        if colour != self.colour:  # setStyleSheet re-polishes: only on change
            self.colour = colour
            self.letter.setStyleSheet(
                f"background: {colour}; color: #ffffff; border-radius: {self._size // 6}px;"
                f" font-size: {int(self._size * 0.62)}px; font-weight: 800;"
            )
        if self._compact:
            self.name.setText(name.get(lang) if name else "")
            self.name.setStyleSheet(f"color: {colour}; font-weight: 700;")
        else:
            label = self.tr("Grade %1").replace("%1", letter)
            self.name.setText(label + (" — " + name.get(lang) if name else ""))
            self.name.setStyleSheet(f"color: {colour}; font-weight: 700; font-size: 14pt;")
        self.setToolTip(" ".join(Text.from_json(r).get(lang) for r in grade.reasons))
        self.setVisible(True)
