"""The language chooser of the toolbar: closed, it shows the short code (FR, EN) so the
toolbar fits a 1366-pixel screen; open, its list gives each language's full name."""

from __future__ import annotations

from PySide6.QtGui import QPaintEvent
from PySide6.QtWidgets import (
    QComboBox,
    QStyle,
    QStyleOptionComboBox,
    QStylePainter,
    QWidget,
)

from bench_app.text import Text

# Each language under its own name, so a reader of either finds theirs.
LANGUAGES = (("fr", "Français"), ("en", "English"))
NAME = Text("Langue de l’écran", "Screen language")


class LanguageBox(QComboBox):
    """Items carry the language code as data; `short(i)` is what the closed box shows."""

    def __init__(self, lang: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        for code, name in LANGUAGES:
            self.addItem(name, code)
        self.setCurrentIndex(max(0, self.findData(lang)))
        # Sized for the short code, not for the longest full name.
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.setMinimumContentsLength(2)
        self.currentIndexChanged.connect(self._show_full_name)
        self._show_full_name()

    def short(self, index: int) -> str:
        return str(self.itemData(index) or "").upper()

    def shown_text(self) -> str:
        """What the closed box reads: the current language's code."""
        return self.short(self.currentIndex())

    def _show_full_name(self) -> None:
        self.setToolTip(self.currentText())
        # Named for what it chooses, in the language it shows; the value is the language.
        self.setAccessibleName(NAME.get(str(self.currentData() or "fr")))
        self.setAccessibleDescription(self.currentText())

    def showPopup(self) -> None:
        # The list is wider than the closed box: every full name is read whole.
        view = self.view()
        view.setMinimumWidth(view.sizeHintForColumn(0) + 2 * view.frameWidth() + 24)
        super().showPopup()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QStylePainter(self)
        option = QStyleOptionComboBox()
        self.initStyleOption(option)
        option.currentText = self.shown_text()
        painter.drawComplexControl(QStyle.ComplexControl.CC_ComboBox, option)
        painter.drawControl(QStyle.ControlElement.CE_ComboBoxLabel, option)
