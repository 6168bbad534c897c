"""The small window shown while the station upgrades its database at start (minutes on a
large one): what it is doing and how far it has gone, while the upgrade runs on a thread of
its own so that the window keeps answering."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from PySide6.QtCore import QEventLoop, QObject, Qt, Signal
from PySide6.QtWidgets import QLabel, QProgressBar, QVBoxLayout, QWidget

from bench_app.store.database import DB_NAME, needs_upgrade, set_upgrade_listener, upgrade_text
from bench_app.text import Text

T = TypeVar("T")

TITLE = Text("Établi — mise à jour", "Établi — upgrade")
HEADLINE = Text(
    "Mise à jour de la base. Patientez, n’éteignez pas.",
    "Upgrading the database. Please wait, do not switch off.",
)


class _Relay(QObject):
    """Carries the upgrade's news from its thread to the window's."""

    progress = Signal(int, int)
    finished = Signal()


class UpgradeWindow(QWidget):
    """What the upgrade is doing: a sentence, a bar and how many facts were read again."""

    def __init__(self, lang: str) -> None:
        super().__init__()
        self.lang = lang
        self.setWindowTitle(TITLE.get(lang))
        self.setMinimumWidth(480)
        layout = QVBoxLayout(self)
        self.headline = QLabel(HEADLINE.get(lang))
        self.headline.setWordWrap(True)
        self.headline.setStyleSheet("font-size: 16pt; font-weight: bold;")
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.bar.setAccessibleName(TITLE.get(lang))
        self.detail = QLabel(upgrade_text(0, 0).get(lang).replace("100 %", "0 %"))
        self.detail.setAlignment(Qt.AlignmentFlag.AlignLeft)
        for widget in (self.headline, self.bar, self.detail):
            layout.addWidget(widget)
        self.shown: list[tuple[int, int]] = []  # every step shown, for the tests

    def show_progress(self, done: int, total: int) -> None:
        self.shown.append((done, total))
        self.bar.setValue(1000 * done // total if total else 1000)
        self.detail.setText(upgrade_text(done, total).get(self.lang))


def open_with_progress(
    folder: Path,
    lang: str,
    opener: Callable[[], T],
    *,
    on_window: Callable[[UpgradeWindow], None] | None = None,
) -> T:
    """`opener()` (which opens the station on `folder`); when its database needs upgrading,
    on a thread of its own while an UpgradeWindow says how far it has gone. Returns what
    `opener` returned and raises what it raised. `on_window` sees the window (tests)."""
    if not needs_upgrade(folder / DB_NAME):
        return opener()
    window = UpgradeWindow(lang)
    if on_window is not None:
        on_window(window)
    window.show()
    relay = _Relay()
    relay.progress.connect(window.show_progress)
    loop = QEventLoop()
    relay.finished.connect(loop.quit)
    outcome: list[T] = []
    failure: list[BaseException] = []

    def work() -> None:
        set_upgrade_listener(relay.progress.emit)
        try:
            outcome.append(opener())
        except BaseException as exc:  # raised again on the window's thread
            failure.append(exc)
        finally:
            set_upgrade_listener(None)
            relay.finished.emit()

    thread = threading.Thread(target=work, name="etabli-upgrade", daemon=True)
    thread.start()
    loop.exec()  # the finished signal is queued: it ends the loop even if sent already
    thread.join()
    window.close()
    if failure:
        raise failure[0]
    return outcome[0]
