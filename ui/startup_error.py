"""The screen shown instead of the bench when the station cannot open its data folder
(a damaged database, a read-only or full disk...): what happened, the backups there are,
and what to do, in plain words and never a traceback."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QPushButton,
    QScrollArea,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from bench_app.errors import BenchError
from bench_app.settings import data_dir
from bench_app.store.database import DB_NAME, backups
from ui.icons import app_icon


def backup_date(path: Path, lang: str) -> str:
    """When a backup was made (its file's time), as the certificates write dates."""
    moment = datetime.fromtimestamp(path.stat().st_mtime)
    return moment.strftime("%d/%m/%Y %H:%M" if lang == "fr" else "%Y-%m-%d %H:%M")


class StartupErrorWindow(QMainWindow):
    """Says why the station did not open and what to do; its only button closes it."""

    def __init__(self, error: BenchError, folder: Path, lang: str = "fr") -> None:
        super().__init__()
        self.error = error
        self.folder = Path(folder)
        self.lang = lang
        self.backups = backups(self.folder)
        self.setWindowIcon(app_icon())
        self.resize(900, 640)

        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        self.setCentralWidget(scroll)
        page = QWidget()
        page.setObjectName("StartupError")
        scroll.setWidget(page)
        outer = QHBoxLayout(page)
        outer.addStretch(1)
        column = QVBoxLayout()
        column.setSpacing(12)
        column.setContentsMargins(24, 32, 24, 32)
        outer.addLayout(column, 6)
        outer.addStretch(1)

        head = QHBoxLayout()
        icon = QLabel()
        icon.setPixmap(
            self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning).pixmap(48, 48)
        )
        icon.setAlignment(Qt.AlignmentFlag.AlignTop)
        head.addWidget(icon)
        self.title = QLabel()
        self.title.setObjectName("PanelTitle")
        self.title.setWordWrap(True)
        head.addWidget(self.title, 1)
        column.addLayout(head)

        self.what = QLabel()
        self.what.setObjectName("Question")
        self.what.setWordWrap(True)
        column.addWidget(self.what)

        self.backups_title = QLabel()
        self.backups_title.setObjectName("SectionTitle")
        self.backups_title.setIndent(0)  # in line with the text under it
        column.addWidget(self.backups_title)
        self.backup_list = QLabel()
        self.backup_list.setObjectName("ErrorStep")
        self.backup_list.setWordWrap(True)
        self.backup_list.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        column.addWidget(self.backup_list)

        self.todo_title = QLabel()
        self.todo_title.setObjectName("SectionTitle")
        self.todo_title.setIndent(0)  # in line with the text under it
        column.addWidget(self.todo_title)
        # One line per step; the command to type stands apart, ready to be copied.
        self.steps = [QLabel() for _ in range(3)]
        self.command = QLabel()
        self.command.setObjectName("Command")
        self.command.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        for n, step in enumerate(self.steps):
            step.setObjectName("ErrorStep")
            step.setWordWrap(True)
            step.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            column.addWidget(step)
            if n == 0:
                column.addWidget(self.command, 0, Qt.AlignmentFlag.AlignLeft)

        column.addSpacing(8)
        # The file and SQLite's own words are for the supervisor: shown when asked for.
        self.more = QPushButton()
        self.more.setObjectName("MoreButton")
        self.more.setFlat(True)
        self.more.setCheckable(True)
        column.addWidget(self.more, 0, Qt.AlignmentFlag.AlignLeft)
        self.details = QLabel()
        self.details.setObjectName("ErrorDetails")
        self.details.setWordWrap(True)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        column.addWidget(self.details)
        self.details.setVisible(False)
        self.more.toggled.connect(self.details.setVisible)

        column.addStretch(1)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.close_button = QPushButton()
        self.close_button.setObjectName("BigAction")
        self.close_button.clicked.connect(self.close)
        buttons.addWidget(self.close_button)
        column.addLayout(buttons)
        self.retranslate()

    def retranslate(self) -> None:
        corrupt = self.error.code == "DB_CORRUPT"
        self.setWindowTitle(self.tr("Établi — the station cannot open"))
        self.title.setText(self.tr("Établi cannot open this station's data"))
        if corrupt:
            self.what.setText(self.tr("The station's database is damaged: Établi cannot read it."))
        else:
            self.what.setText(self.error.message.get(self.lang))
        detail = f"[{self.error.code}]"
        if corrupt:  # the headline above is short; the file and SQLite's words are here
            detail += f" {self.error.message.get(self.lang)}"
        self.details.setText(self.tr("Details for your supervisor: %1").replace("%1", detail))
        self.more.setText(self.tr("Learn more"))
        self.backups_title.setVisible(corrupt)
        self.backup_list.setVisible(corrupt)
        self.backups_title.setText(self.tr("Backups on this station"))
        if self.backups:
            self.backup_list.setText(
                "\n".join(f"• {p.name} — {backup_date(p, self.lang)}" for p in self.backups)
            )
        else:
            self.backup_list.setText(
                self.tr("No backup (.bak file) in %1.").replace("%1", str(self.folder))
            )
        self.todo_title.setText(self.tr("What to do"))
        steps = self._steps() if corrupt else [self.error.action.get(self.lang)]
        steps.append(self.tr("Call your supervisor and show them this screen."))
        for n, step in enumerate(self.steps):
            step.setVisible(n < len(steps))
            step.setText(f"{n + 1}. {steps[n]}" if n < len(steps) else "")
        self.command.setVisible(corrupt)
        self.command.setText(self._command())
        self.close_button.setText(self.tr("Close"))

    def _command(self) -> str:
        if self.folder == data_dir():
            return "etabli db check"
        return f'etabli db check --data-dir "{self.folder}"'

    def _steps(self) -> list[str]:
        steps = [self.tr("Check the database: in a terminal, type this command:")]
        if self.backups:
            steps.append(
                self.tr(
                    "Restore the last backup: with Établi closed, put %2 (and its -wal and "
                    "-shm files) aside, then copy %1 as %2. What was done since its date is "
                    "not in it."
                )
                .replace("%1", self.backups[0].name)
                .replace("%2", DB_NAME)
            )
        else:
            steps.append(self.tr("There is no backup to restore: delete nothing."))
        return steps
