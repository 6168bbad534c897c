""" "Ce poste": what this station has and lacks to work (bench_app/selfcheck.py), one line a
check, red when it blocks work, with what to do. The checks run off the GUI thread (the
erasure service and the hub may take seconds to answer)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal
from PySide6.QtWidgets import (
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from bench_app.selfcheck import (
    ALL_GOOD,
    BLOCKED,
    CHECKING,
    CLOSE,
    RECHECK,
    SCREEN_INTRO,
    SCREEN_TITLE,
    STATE_WORDS,
    CheckLine,
    Probes,
    blocks,
    run_selfcheck,
)

COLOURS = {"ok": "#1b7f3b", "warning": "#9a6700", "blocking": "#b42318"}


class _Signals(QObject):
    done = Signal(object)  # list[CheckLine]


class _CheckTask(QRunnable):
    def __init__(self, folder: Path, probes: Probes | None) -> None:
        super().__init__()
        self.folder = folder
        self.probes = probes
        self.signals = _Signals()

    def run(self) -> None:
        self.signals.done.emit(run_selfcheck(self.folder, self.probes))


class ThisStationDialog(QDialog):
    """The self-check's lines; "Check again" runs them anew."""

    def __init__(
        self, folder: Path, lang: str, parent: QWidget | None = None, probes: Probes | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("ThisStationDialog")
        self.folder = folder
        self.lang = lang
        self.probes = probes
        self.lines: list[CheckLine] = []
        self._task: _CheckTask | None = None
        self.setWindowTitle(SCREEN_TITLE.get(lang))
        layout = QVBoxLayout(self)
        title = QLabel(SCREEN_TITLE.get(lang))
        title.setObjectName("PanelTitle")
        layout.addWidget(title)
        intro = QLabel(SCREEN_INTRO.get(lang))
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.summary = QLabel(CHECKING.get(lang))
        self.summary.setObjectName("Question")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.grid = QGridLayout()
        self.grid.setColumnStretch(1, 1)
        layout.addLayout(self.grid)
        row = QHBoxLayout()
        self.recheck_button = QPushButton(RECHECK.get(lang))
        self.recheck_button.clicked.connect(self.run_checks)
        self.close_button = QPushButton(CLOSE.get(lang))
        self.close_button.setObjectName("BigAction")
        self.close_button.clicked.connect(self.accept)
        row.addStretch(1)
        row.addWidget(self.recheck_button)
        row.addWidget(self.close_button)
        layout.addLayout(row)
        self.resize(760, 560)
        self.run_checks()

    def run_checks(self) -> None:
        """Starts the checks on the thread pool; `show_lines` gets their result."""
        if self._task is not None:
            return
        self.recheck_button.setEnabled(False)
        self.summary.setText(CHECKING.get(self.lang))
        task = _CheckTask(self.folder, self.probes)
        task.setAutoDelete(False)
        task.signals.done.connect(self.show_lines)
        self._task = task
        QThreadPool.globalInstance().start(task)

    def show_lines(self, lines: list[CheckLine]) -> None:
        self._task = None
        self.lines = lines
        while self.grid.count():
            item = self.grid.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.setParent(None)  # gone from the dialog now, freed later
                widget.deleteLater()
        lang = self.lang
        for index, line in enumerate(lines):
            state = QLabel(STATE_WORDS[line.state.value].get(lang))
            state.setObjectName(f"SelfCheckState_{line.id}")
            state.setStyleSheet(f"color: {COLOURS[line.state.value]}; font-weight: bold;")
            text = f"<b>{line.title.get(lang)}</b><br>{line.found.get(lang)}"
            if line.action is not None:
                text += f"<br>→ {line.action.get(lang)}"
            body = QLabel(text)
            body.setObjectName(f"SelfCheckLine_{line.id}")
            body.setWordWrap(True)
            body.setTextFormat(body.textFormat().RichText)
            self.grid.addWidget(state, index, 0)
            self.grid.addWidget(body, index, 1)
        self.summary.setText((BLOCKED if blocks(lines) else ALL_GOOD).get(lang))
        self.recheck_button.setEnabled(True)

    def done(self, result: int) -> None:
        if self._task is not None:
            QThreadPool.globalInstance().waitForDone()  # the task must not outlive its dialog
        super().done(result)
