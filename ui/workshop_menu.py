"""The "Atelier" menu on the window's bar: the workshop beyond the devices plugged in now
(donations and their lots, loans, beneficiaries, the dashboard), each view in its own window,
then the station's own set-up (printers, settings, this station).

A view is an entry of `VIEWS`: its key, its title in both languages, and where its opener
lives ("module:function", imported when first opened, so that the window starts without
loading what nobody asked for). An opener takes the main window and returns its QWidget;
the menu keeps one window per view and brings it forward when chosen again."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QToolButton, QWidget

from bench_app.text import Text
from ui.window_fit import alive

if TYPE_CHECKING:
    from ui.main_window import MainWindow


@dataclass(frozen=True, slots=True)
class WorkshopView:
    key: str
    title: Text
    opener: str  # "ui.module:function", the function taking the main window


VIEWS: list[WorkshopView] = [
    WorkshopView("lots", Text("Dons", "Donations"), "ui.lots_view:open_lots"),
    WorkshopView(
        "beneficiaries",
        Text("Bénéficiaires", "Beneficiaries"),
        "ui.beneficiaries_view:open_beneficiaries",
    ),
    WorkshopView(
        "loans", Text("Prêts et locations", "Loans and rentals"), "ui.loans_view:open_loans_view"
    ),
    WorkshopView(
        "dashboard", Text("Tableau de bord", "Dashboard"), "ui.dashboard_view:open_dashboard"
    ),
]

MENU_TITLE = Text("Atelier", "Workshop")


class WorkshopMenu(QToolButton):
    """The bar's "Atelier" button and its menu of views."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.setObjectName("WorkshopMenu")
        self.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.window_ = window
        self.menu_ = QMenu(self)
        self.setMenu(self.menu_)
        self.actions_: dict[str, QAction] = {}
        self.opened: dict[str, QWidget] = {}
        for view in VIEWS:
            action = self.menu_.addAction("")
            action.setObjectName(f"WorkshopView-{view.key}")
            action.triggered.connect(lambda _checked=False, key=view.key: self.open(key))
            self.actions_[view.key] = action
        # The station's own set-up, after the views: printers, settings, this station.
        self._station_separator = self.menu_.addSeparator()
        self._station_separator.setVisible(bool(VIEWS))
        self.station_actions: list[tuple[QAction, Text]] = []
        self.retranslate(window.lang)

    def add_action(self, title: Text, slot: Callable[[], object]) -> QAction:
        """An entry of the station's own set-up (a dialog the window opens itself)."""
        action = self.menu_.addAction(title.get(self.window_.lang) + "…")
        action.triggered.connect(lambda _checked=False: slot())
        self.station_actions.append((action, title))
        return action

    def retranslate(self, lang: str) -> None:
        self.setText(MENU_TITLE.get(lang))
        self.setAccessibleName(MENU_TITLE.get(lang))
        for view in VIEWS:
            self.actions_[view.key].setText(view.title.get(lang) + "…")
        for action, title in getattr(self, "station_actions", []):
            action.setText(title.get(lang) + "…")
        for widget in self.opened.values():
            retranslate = getattr(widget, "retranslate", None)
            if alive(widget) and callable(retranslate):
                retranslate(lang)

    def open(self, key: str) -> QWidget:
        """Opens the view `key` (or brings its window forward) and returns it."""
        widget = self.opened.get(key)
        if widget is None or not alive(widget):
            view = next(v for v in VIEWS if v.key == key)
            module_name, _, function = view.opener.partition(":")
            opener = cast(
                Callable[["MainWindow"], QWidget],
                getattr(importlib.import_module(module_name), function),
            )
            widget = opener(self.window_)
            self.opened[key] = widget
        widget.show()
        widget.raise_()
        widget.activateWindow()
        return widget

    def close_views(self) -> None:
        """Closes every view opened (the window closing: their station goes with it)."""
        for widget in list(self.opened.values()):
            if alive(widget):
                shutdown = getattr(widget, "shutdown", None)
                if callable(shutdown):
                    shutdown()  # a view reading in the background stops first
                widget.close()
        self.opened.clear()
