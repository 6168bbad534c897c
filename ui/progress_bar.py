"""Setting a progress bar without painting it on the spot."""

from __future__ import annotations

from PySide6.QtWidgets import QProgressBar


def set_bar(bar: QProgressBar, value: int) -> None:
    """Sets `bar` to `value`. QProgressBar.setValue repaints at once, inside the call; here the
    bar is only marked for the next paint, merged with every other change of that turn."""
    if bar.value() == value:
        return
    bar.setUpdatesEnabled(False)  # no synchronous repaint inside setValue
    bar.setValue(value)
    bar.setUpdatesEnabled(True)  # schedules the update
