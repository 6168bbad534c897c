"""The window for screen readers and for the keyboard alone, on every screen, present or
future, without each screen having to think of it.

- Names: a control a screen reader would announce without a name (an icon button, a field
  with only a placeholder, a list chosen from without its label) gets one, from its label
  (buddy or form row), its placeholder or its tooltip. Names given this way follow the text
  they come from (refreshed when the control is shown, focused, or its tooltip changes);
  names a screen set itself are never touched.
- Keyboard: in the main window, Tab follows the work (search, intake, each card and its
  button, the panel's big button, the answers, then the rest); Enter or Space presses the
  focused button there (a scanner's keystrokes still go to the search field otherwise).

`install(app, window)` sets both up, once per application; `names_missing(widget)` and
`not_focusable(widget)` say what a screen still lacks (the tests run them on every screen).
"""

from __future__ import annotations

import re
import weakref
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QLocale, QObject, Qt, QTimer
from PySide6.QtGui import QAccessible, QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTabBar,
    QTextEdit,
    QToolButton,
    QWidget,
)
from shiboken6 import isValid

from bench_app.text import Text
from ui.window_fit import alive

if TYPE_CHECKING:
    from ui.main_window import MainWindow

# Controls a person operates: each needs a name and a place in the Tab order.
INTERACTIVE = (
    QAbstractButton,
    QLineEdit,
    QComboBox,
    QAbstractSpinBox,
    QTextEdit,
    QPlainTextEdit,
    QAbstractItemView,
)
# Parts of a bigger control (a combo box's field, a line edit's clear button, a tab bar's
# arrows): the control they belong to carries the name and the focus.
_PART_OF = (QLineEdit, QComboBox, QAbstractSpinBox, QTabBar, QAbstractItemView)
AUTO = "a11yAutoName"  # the name was given here, so it may be given again when its source moves
_WORD = re.compile(r"\w")
_LABELLED_BY = QAccessible.RelationFlag.Label


def current_lang() -> str:
    """The window's language as installed (ui/i18n.py sets the default locale with it)."""
    return "fr" if QLocale().language() == QLocale.Language.French else "en"


def is_interactive(widget: QWidget) -> bool:
    """A control of its own (not a part of a bigger one, not a scroll bar)."""
    if not isinstance(widget, INTERACTIVE):
        return False
    parent = widget.parentWidget()
    if parent is not None and isinstance(parent, _PART_OF):
        return False
    while parent is not None:  # a combo box's open list is its own window, under the box
        if isinstance(parent, QComboBox):
            return False
        parent = parent.parentWidget()
    return True


def spoken_name(widget: QWidget) -> str:
    """What a screen reader announces as the widget's name. A list to choose from is the
    exception: on Linux Qt gives its current choice as its name, and the reader names it by
    the label it is "labelled by" (a buddy), else by the accessible name given here."""
    if isinstance(widget, QAbstractItemView):
        # Its interface is not asked for: one made while no reader listens is not kept up to
        # date when the list is cleared. Qt names a list by its accessible name.
        return widget.accessibleName().strip()
    face = QAccessible.queryAccessibleInterface(widget)
    if face is None:
        return ""
    if isinstance(widget, QComboBox):
        labels = [r[0].text(QAccessible.Text.Name) for r in face.relations(_LABELLED_BY)]
        return (" ".join(t for t in labels if t) or widget.accessibleName()).strip()
    return face.text(QAccessible.Text.Name).strip()


def _clean(text: str) -> str:
    """A label's text as spoken: no mnemonic ampersand, no trailing colon, one line."""
    text = re.sub(r"&(?!&)", "", text).replace("&&", "&")
    text = re.sub(r"<[^>]+>", " ", text)  # a rich-text label
    return " ".join(text.split()).rstrip(" :")


def label_of(widget: QWidget) -> str:
    """The text of the label that names `widget`: its buddy, or its form row's label."""
    parent = widget.parentWidget()
    while parent is not None:
        layout = parent.layout()
        forms = [layout] if isinstance(layout, QFormLayout) else []
        forms += [f for f in parent.findChildren(QFormLayout) if f not in forms]
        for form in forms:
            label = form.labelForField(widget)
            if isinstance(label, QLabel) and _clean(label.text()):
                return _clean(label.text())
        if parent.isWindow():
            break
        parent = parent.parentWidget()
    window = widget.window()
    for label in window.findChildren(QLabel):
        if label.buddy() is widget and _clean(label.text()):
            return _clean(label.text())
    return ""


def name_for(widget: QWidget) -> str:
    """The name this module gives `widget` when its own is missing or says too little ("" :
    none needed, Qt's own name is right)."""
    tip = _clean(widget.toolTip())
    if isinstance(widget, QAbstractButton):
        text = _clean(widget.text())
        if isinstance(widget, QToolButton) and widget.menu() is not None and tip:
            return tip  # a menu button shows a short or cut text; its tip says it whole
        short = text.rstrip("…. ").casefold()
        if short and len(tip) > len(text) and short in tip.casefold():
            return tip  # a short text ("Wi-Fi…") its tip says whole ("Phone over Wi-Fi…")
        if _WORD.search(text):
            return ""  # its text says it, and Qt follows the text as it changes
        return tip or label_of(widget)
    if isinstance(widget, QComboBox):
        # Qt would read the current choice as the name; the label says what is chosen.
        return label_of(widget) or tip or title_above(widget)
    if isinstance(widget, QLineEdit | QAbstractSpinBox | QTextEdit | QPlainTextEdit):
        placeholder = widget.placeholderText() if hasattr(widget, "placeholderText") else ""
        return label_of(widget) or title_above(widget) or _clean(placeholder) or tip
    return label_of(widget) or tip or title_above(widget)


def title_above(widget: QWidget) -> str:
    """The text of the label placed just before `widget` among its parent's children (a
    list under its title): the order a screen's layout received them."""
    parent = widget.parentWidget()
    if parent is None:
        return ""
    # Its children, not its layout's items: Python wrappers of layout items would outlive
    # the items Qt deletes (and confuse the bindings).
    siblings = [c for c in parent.children() if isinstance(c, QWidget)]
    if widget not in siblings:
        return ""
    for sibling in reversed(siblings[: siblings.index(widget)]):
        if sibling.isWindow() or not sibling.isVisibleTo(parent):
            continue
        return _clean(sibling.text()) if isinstance(sibling, QLabel) else ""
    return ""


def give_name(widget: QWidget) -> None:
    """Names `widget` when it has no name of its own, or refreshes a name given here."""
    # Given here only while it still is the name given here: a screen that names the
    # widget afterwards (its own words) keeps them.
    given = bool(widget.property(AUTO)) and widget.accessibleName() == widget.property(AUTO)
    if widget.accessibleName() and not given:
        return  # the screen named it itself
    name = name_for(widget)
    if name and name != widget.accessibleName():
        widget.setAccessibleName(name)
        widget.setProperty(AUTO, name)
    elif not name and given:
        widget.setAccessibleName("")  # its text speaks for it again
        widget.setProperty(AUTO, "")


def names_missing(top: QWidget) -> list[QWidget]:
    """The visible controls under `top` (itself included) a screen reader cannot name."""
    found = [top, *top.findChildren(QWidget)]
    return [w for w in found if _shown_control(w, top) and not spoken_name(w)]


def not_focusable(top: QWidget) -> list[QWidget]:
    """The visible, enabled controls under `top` that Tab cannot reach."""
    found = [top, *top.findChildren(QWidget)]
    return [
        w
        for w in found
        if _shown_control(w, top)
        and w.isEnabled()
        and not (w.focusPolicy() & Qt.FocusPolicy.TabFocus)
        and not _arrow_reached(w)
    ]


def _arrow_reached(widget: QWidget) -> bool:
    """A button of an exclusive group (filters, choices): Tab stops on its checked one and the
    arrow keys move within the group, as Qt does for every exclusive group."""
    group = widget.group() if isinstance(widget, QAbstractButton) else None
    return (
        group is not None
        and group.exclusive()
        and any(b.focusPolicy() & Qt.FocusPolicy.TabFocus for b in group.buttons())
    )


def _shown_control(widget: QWidget, top: QWidget) -> bool:
    return is_interactive(widget) and (widget is top or widget.isVisibleTo(top))


def tab_stops(top: QWidget) -> list[QWidget]:
    """The widgets under `top` Tab may stop on now, in the order the screen placed them (its
    widget tree, as Qt's own order follows creation). Not from `nextInFocusChain()`: its
    Python binding marks unrelated objects deleted."""
    return [w for w in top.findChildren(QWidget) if _tab_stop(w)]


def _tab_stop(widget: QWidget) -> bool:
    return (
        widget.isVisible()
        and widget.isEnabled()
        and bool(widget.focusPolicy() & Qt.FocusPolicy.TabFocus)
        and widget.focusProxy() is None
    )


def focus_order(window: MainWindow) -> list[QWidget]:
    """The main window's Tab order: the search field, the intake, the batch bar, each card
    (in arrival order) then its controls, the panel's big button, the answers (a typed
    answer's field first), the rest of the panel, then everything else in the window."""
    first: list[QWidget] = [window.search, window.intake_button]
    first += tab_stops(window.batch_bar)
    cards: list[QWidget] = [*window.cards.values(), *window.pending_cards.values()]
    cards.sort(key=lambda card: int(card.property("arrival") or 0))
    for card in cards:
        first += [card, *tab_stops(card)]
    panel = window.panel
    first += [panel.next_button, panel.entry, panel.entry_ok, *panel.answers.buttons]
    first += tab_stops(panel)
    ordered: list[QWidget] = []
    seen: set[int] = set()
    for widget in [*first, *tab_stops(window)]:
        if id(widget) not in seen and _tab_stop(widget) and window.isAncestorOf(widget):
            seen.add(id(widget))
            ordered.append(widget)
    return ordered


class Accessibility(QObject):
    """The application-wide event filter (see the module's docstring)."""

    _REFRESH = (
        QEvent.Type.Show,
        QEvent.Type.FocusIn,
        QEvent.Type.ToolTipChange,
        QEvent.Type.LanguageChange,
    )

    def __init__(self, app: QApplication) -> None:
        super().__init__(app)
        self.windows: weakref.WeakSet[QWidget] = weakref.WeakSet()
        self._unnamed: weakref.WeakSet[QWidget] = weakref.WeakSet()
        # Other filters that want key presses only (a window's scanner redirection), asked
        # after this one: one filter on the application rather than several, since every
        # event of every object crosses into Python once per application filter.
        self.key_routes: list[QObject] = []

    def _later(self, widget: QWidget) -> None:
        """Once more at the next turn of the event loop: a screen often writes a label's
        text just after showing the control it names."""
        if not self._unnamed:
            QTimer.singleShot(0, self, self._name_again)
        self._unnamed.add(widget)

    def _name_again(self) -> None:
        widgets, self._unnamed = list(self._unnamed), weakref.WeakSet()
        for widget in widgets:
            if alive(widget):
                give_name(widget)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind in self._REFRESH:
            if isinstance(watched, QWidget) and is_interactive(watched):
                give_name(watched)
                if kind == QEvent.Type.Show and _may_lack_name(watched):
                    self._later(watched)
            return False

        if kind == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            if self._key(watched, event):
                return True
            return any(
                route.eventFilter(watched, event)
                for route in list(self.key_routes)
                if isValid(route)
            )
        return False

    def _key(self, watched: QObject, event: QKeyEvent) -> bool:
        if not isinstance(watched, QWidget):
            return False
        # A key reaching a main window's widget: no dialog blocks it (a dialog's keys reach
        # the dialog, a window of its own, never listed here).
        window = watched.window()
        if window not in self.windows:
            return False
        key = event.key()
        modifiers = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        if key in (Qt.Key.Key_Tab, Qt.Key.Key_Backtab) and modifiers in (
            Qt.KeyboardModifier.NoModifier,
            Qt.KeyboardModifier.ShiftModifier,
        ):
            backwards = key == Qt.Key.Key_Backtab or bool(
                modifiers & Qt.KeyboardModifier.ShiftModifier
            )
            return move_focus(window, backwards=backwards)  # type: ignore[arg-type]
        pressing = key in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space)
        if pressing and modifiers == Qt.KeyboardModifier.NoModifier:
            return press(watched, space=key == Qt.Key.Key_Space)
        return False


def _may_lack_name(widget: QWidget) -> bool:
    """No name of its own, and no words of its own to be named by (without asking Qt's
    accessibility layer, which would build interfaces no reader listens to)."""
    if widget.accessibleName():
        return False
    return not (isinstance(widget, QAbstractButton) and _WORD.search(widget.text()))


def move_focus(window: MainWindow, *, backwards: bool = False) -> bool:
    """Moves the focus to the next (previous) stop of `focus_order`; False when the focused
    widget is not on it (Qt's own order then applies)."""
    order = focus_order(window)
    current = QApplication.focusWidget()
    if not order or current is None:
        return False
    while current is not None and current not in order and current is not window:
        proxy_of = current.parentWidget()  # a part of a control: its control
        current = proxy_of
    if current is None or current not in order:
        return False
    index = order.index(current) + (-1 if backwards else 1)
    target = order[index % len(order)]
    reason = Qt.FocusReason.BacktabFocusReason if backwards else Qt.FocusReason.TabFocusReason
    target.setFocus(reason)
    return True


def press(widget: QWidget, *, space: bool) -> bool:
    """Enter or Space on the focused button presses it, on a focused card opens it (in the
    main window a button only takes Space by itself, and the scanner's redirection would
    take that)."""
    activate = getattr(widget, "activate", None)
    if callable(activate) and not isinstance(widget, QAbstractButton):
        activate()  # a card: opened in the panel, as a click does
        return True
    if isinstance(widget, QToolButton) and widget.menu() is not None:
        widget.showMenu()  # its menu, as a click opens it
        return True
    if isinstance(widget, QPushButton | QToolButton) or (
        space and isinstance(widget, QAbstractButton)
    ):
        if widget.isEnabled():
            widget.click()
        return True
    return False


def install(app: QApplication, window: QWidget | None = None) -> Accessibility:
    """The application's filter (installed once), and `window`'s keyboard order."""
    found = app.findChild(Accessibility)
    if found is None:
        found = Accessibility(app)
        for widget in app.allWidgets():  # already shown before the filter came
            if is_interactive(widget) and widget.isVisible():
                give_name(widget)
    # Again each time: it must see keys before the window's scanner redirection (the filter
    # installed last sees events first; installing it again moves it to the front).
    app.installEventFilter(found)
    if window is not None:
        found.windows.add(window)
    return found


def route_keys(app: QApplication, route: QObject) -> None:
    """`route`'s eventFilter gets the application's key presses after this module's filter
    (installed if it was not yet), as if it were an application filter installed before it."""
    found = app.findChild(Accessibility)
    if found is None:
        found = install(app)
    if route not in found.key_routes:
        found.key_routes.insert(0, route)  # the latest first, as Qt orders its filters


def unroute_keys(app: QApplication, route: QObject) -> None:
    """`route` gets no more key presses."""
    found = app.findChild(Accessibility)
    if found is not None and route in found.key_routes:
        found.key_routes.remove(route)


# The operator's menu, reachable without opening it; F6 jumps to the question in hand.
SHORTCUTS = {"settings_action": "Ctrl+,", "change_operator": "Ctrl+Shift+O"}


def keyboard_shortcuts(window: MainWindow) -> None:
    """The main window's menu actions get their keys (shown in the menu beside them), and F6
    takes the focus to the panel: the first answer, else its big button."""
    for name, keys in SHORTCUTS.items():
        action = getattr(window, name)
        action.setShortcut(QKeySequence(keys))
        window.addAction(action)  # its key works while the menu is closed
    QShortcut(QKeySequence("F6"), window, lambda: focus_panel(window))


def focus_panel(window: MainWindow) -> QWidget | None:
    """Gives the focus to the panel's first answer (or typed answer), else its big button;
    returns the widget focused."""
    panel = window.panel
    for widget in [panel.entry, *panel.answers.buttons, panel.next_button]:
        if _tab_stop(widget):
            panel.ensureWidgetVisible(widget)
            widget.setFocus(Qt.FocusReason.ShortcutFocusReason)
            return widget
    return None


def text(fr: str, en: str) -> str:
    """`Text(fr, en)` in the window's current language."""
    return Text(fr, en).get(current_lang())
