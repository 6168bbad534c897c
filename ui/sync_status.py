"""The sync status in the window's status bar: when the station last synced with its hub,
how many events wait, or why it cannot sync. It only reads `SyncWorker.status()` (a local
count), on a timer: the network is never touched on the GUI thread."""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, QTimer
from PySide6.QtWidgets import QLabel, QWidget

from bench_app.sync.worker import SyncWorker

REFRESH_MS = 5000
MAX_WIDTH = 420  # px; the status bar never widens the window


class SyncStatusLabel(QLabel):
    def __init__(
        self, worker: SyncWorker, lang: Callable[[], str], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("SyncStatus")
        # One line, at most this wide: a long reason is cut here, whole in the tooltip.
        self.setMaximumWidth(MAX_WIDTH)
        self.worker = worker
        self._lang = lang
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.refresh)
        self._timer.start(REFRESH_MS)
        self.refresh()

    def refresh(self) -> None:
        """Redraws the text from the worker's last status."""
        status = self.worker.status()
        waiting = max(status.waiting, 0)
        if status.error is not None:
            self.setText(
                self.tr("Sync impossible: %1").replace("%1", status.error.get(self._lang()))
            )
            self.setToolTip(status.error.get(self._lang()))
            return
        self.setToolTip("")
        if status.last_success is None:
            self.setText(self.tr("Not synced yet · %n waiting", "", waiting))
            return
        minutes = int(max(0.0, time.time() - status.last_success) // 60)
        text = self.tr("Synced %1 min ago · %2 waiting")
        self.setText(text.replace("%1", str(minutes)).replace("%2", str(waiting)))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.refresh()
        super().changeEvent(event)
