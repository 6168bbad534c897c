"""Languages: French by default, English available. The .ts sources live in ui/i18n/;
the .qm files are compiled from them by `packaging/i18n.py` (run by the start and test
commands)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

I18N_DIR = Path(__file__).resolve().parent / "i18n"
LANGUAGES = ("fr", "en")


class Translations:
    """Keeps the installed translators, so the language can change while the app runs."""

    def __init__(self, app: QCoreApplication) -> None:
        self._app = app
        self._installed: list[QTranslator] = []

    def install(self, lang: str) -> bool:
        """Installs `lang` (app strings and Qt's own); False when its .qm is missing."""
        for translator in self._installed:
            self._app.removeTranslator(translator)
        self._installed = []
        ours = QTranslator(self._app)
        loaded = ours.load(str(I18N_DIR / f"etabli_{lang}.qm"))
        if loaded:
            self._app.installTranslator(ours)
            self._installed.append(ours)
        qt = QTranslator(self._app)
        if qt.load(
            QLocale(lang),
            "qtbase",
            "_",
            QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath),
        ):
            self._app.installTranslator(qt)
            self._installed.append(qt)
        QLocale.setDefault(QLocale(lang))
        return loaded
