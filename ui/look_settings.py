"""The window's look in "Réglages": strong contrast, and the text size. Saved with the other
settings; ui/style.py applies them to the running window at once."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QFormLayout

from bench_app.settings import TEXT_SIZES, Settings
from bench_app.text import Text

THEME_LABEL = Text("Contraste", "Contrast")
THEMES = (
    ("standard", Text("Normal", "Standard")),
    ("contrast", Text("Fort (noir sur blanc)", "Strong (black on white)")),
)
SIZE_LABEL = Text("Taille du texte", "Text size")
TAB_TITLE = Text("Langue, affichage", "Language, display")


class LookFields:
    """Two lists added to a settings form: the theme and the text size."""

    def __init__(self, form: QFormLayout, lang: str) -> None:
        self.theme = QComboBox()
        self.theme.setObjectName("ThemeChoice")
        for key, name in THEMES:
            self.theme.addItem(name.get(lang), key)
        self.text_size = QComboBox()
        self.text_size.setObjectName("TextSizeChoice")
        for size in TEXT_SIZES:
            self.text_size.addItem(f"{size} %", size)
        form.addRow(THEME_LABEL.get(lang), self.theme)
        form.addRow(SIZE_LABEL.get(lang), self.text_size)

    def load(self, draft: Settings) -> None:
        self.theme.setCurrentIndex(max(self.theme.findData(draft.theme), 0))
        self.text_size.setCurrentIndex(max(self.text_size.findData(draft.text_size), 0))

    def store(self, draft: Settings) -> None:
        draft.theme = str(self.theme.currentData())
        draft.text_size = int(self.text_size.currentData())
