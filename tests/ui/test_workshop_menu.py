"""The bar's "Atelier" menu: one entry per workshop view, each opened in its own window the
first time it is chosen and brought forward afterwards, following the window's language."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtWidgets import QLabel, QWidget
from pytestqt.qtbot import QtBot

from bench_app.text import Text
from tests.ui.conftest import Bench
from ui import workshop_menu
from ui.printer_dialog import PrinterDialog
from ui.workshop_menu import WorkshopView

OPENED: list[ProbeView] = []
TITLE = Text("Vue d’essai", "Probe view")


class ProbeView(QLabel):
    """A view that says which language it was last given."""

    def retranslate(self, lang: str) -> None:
        self.setText(TITLE.get(lang))


def open_probe(window: QWidget) -> QWidget:
    view = ProbeView()
    view.retranslate(getattr(window, "lang", "fr"))
    OPENED.append(view)
    return view


def test_a_view_opens_once_and_follows_the_language(
    qtbot: QtBot, make_bench: Callable[..., Bench], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        workshop_menu,
        "VIEWS",
        [WorkshopView("probe", TITLE, "tests.ui.test_workshop_menu:open_probe")],
    )
    OPENED.clear()
    window = make_bench(lang="fr").window
    menu = window.workshop_menu
    assert menu.isVisible() and menu.text() == "Atelier"
    action = menu.actions_["probe"]
    assert action.text() == "Vue d’essai…"
    action.trigger()
    assert len(OPENED) == 1 and OPENED[0].isVisible()
    qtbot.addWidget(OPENED[0])
    assert OPENED[0].text() == "Vue d’essai"
    OPENED[0].hide()
    action.trigger()  # chosen again: the same window comes back
    assert len(OPENED) == 1 and OPENED[0].isVisible()
    window.language.setCurrentIndex(window.language.findData("en"))
    window.language.activated.emit(window.language.currentIndex())
    qtbot.waitUntil(lambda: menu.text() == "Workshop")
    assert action.text() == "Probe view…"
    assert OPENED[0].text() == "Probe view"


def test_the_menu_also_offers_the_station_set_up(
    qtbot: QtBot, make_bench: Callable[..., Bench], monkeypatch: pytest.MonkeyPatch
) -> None:
    """With or without views: the printers, the settings, this station's self-check and
    a laptop on the Établi stick reached by its address."""
    monkeypatch.setattr(workshop_menu, "VIEWS", [])
    window = make_bench(lang="fr").window
    menu = window.workshop_menu
    assert menu.isVisible()
    texts = [a.text() for a in menu.menu_.actions() if a.isVisible() and not a.isSeparator()]
    assert texts == [
        "Imprimantes…",
        "Réglages…",
        "Ce poste…",
        "Ajouter un portable par adresse…",
    ]
    window.printers_action.trigger()
    [dialog] = window.findChildren(PrinterDialog)
    assert dialog.isVisible()
    dialog.close()


def test_the_views_close_with_the_window(
    qtbot: QtBot, make_bench: Callable[..., Bench], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The station closing takes its views with it: none stays on screen, reading from a
    closed database or holding the keyboard."""
    monkeypatch.setattr(
        workshop_menu,
        "VIEWS",
        [WorkshopView("probe", TITLE, "tests.ui.test_workshop_menu:open_probe")],
    )
    OPENED.clear()
    window = make_bench(lang="fr").window
    window.workshop_menu.actions_["probe"].trigger()
    [view] = OPENED
    qtbot.addWidget(view)
    assert view.isVisible()
    window.shutdown()
    assert not view.isVisible()
    assert window.workshop_menu.opened == {}
