"""The window fits the screen it opens on (a 1366×768 workshop laptop included), and its
messages wrap instead of widening it."""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSizePolicy, QWidget

SMALLEST_SCREEN = QSize(1366, 768)  # the common workshop laptop


def fit_to_screen(window: QWidget) -> None:
    """Sizes `window` to its screen's available area (never smaller than its minimum), at
    the area's top-left corner."""
    screen = window.screen()
    if screen is None:
        return
    area = screen.availableGeometry()
    frame = window.frameGeometry().size() - window.geometry().size()
    size = (area.size() - frame).expandedTo(window.minimumSizeHint())
    window.resize(size)
    window.move(area.topLeft())


def wrap_message(label: QLabel, *, wrap: bool = True) -> None:
    """A message label wraps its text on several lines (`wrap`; a status bar keeps one line
    and clips) and never asks for more width than its place gives: a long message must not
    widen the window."""
    label.setWordWrap(wrap)
    policy = label.sizePolicy()
    policy.setHorizontalPolicy(QSizePolicy.Policy.Ignored)
    label.setSizePolicy(policy)
    label.setMinimumWidth(0)


def refusal_label() -> QLabel:
    """A dialog's line for why something was refused: red, wrapped, hidden until said."""
    label = QLabel()
    label.setObjectName("SearchError")
    wrap_message(label)
    label.setVisible(False)
    return label


def confirm_row(cancel: QPushButton, confirm: QPushButton) -> QHBoxLayout:
    """A dialog's last row: Cancel on the left, the one big action on the right."""
    confirm.setObjectName("BigAction")
    row = QHBoxLayout()
    row.addWidget(cancel)
    row.addStretch(1)
    row.addWidget(confirm)
    return row


def alive(widget: QWidget) -> bool:
    """Whether a window opened earlier is still there (one closed with WA_DeleteOnClose has
    lost its C++ side)."""
    try:
        widget.objectName()
    except RuntimeError:
        return False
    return True
