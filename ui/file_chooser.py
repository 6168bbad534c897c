"""The window's folder chooser: the same on every desktop (Qt's own, not the desktop's),
opened where USB sticks appear, and in the window's language down to its last label."""

from __future__ import annotations

import getpass
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QFileDialog, QWidget

# Qt's own words, translated by Qt's catalogue (not ours: lupdate must not collect them).
QT_CONTEXT = "QFileDialog"
QT_LABELS = {
    QFileDialog.DialogLabel.LookIn: "Look in:",
    QFileDialog.DialogLabel.FileType: "Files of type:",
}


def media_folder(
    user: str | None = None,
    roots: Sequence[Path] = (Path("/media"), Path("/run/media")),
    home: Path | None = None,
) -> Path:
    """Where USB sticks appear on a desktop (/media/USER or /run/media/USER), else the
    home folder."""
    name = user or getpass.getuser()
    for root in roots:
        if (root / name).is_dir():
            return root / name
    return home or Path.home()


def folder_chooser(parent: QWidget | None, title: str, start: Path | None = None) -> QFileDialog:
    """A chooser of folders opened on `start` (the removable media folder by default),
    with every label in the window's language; the caller connects fileSelected and opens
    it."""
    chooser = QFileDialog(parent, title)
    chooser.setFileMode(QFileDialog.FileMode.Directory)
    chooser.setOption(QFileDialog.Option.ShowDirsOnly, True)
    chooser.setOption(QFileDialog.Option.DontUseNativeDialog, True)
    chooser.setDirectory(str(start or media_folder()))
    # Qt's own catalogue (qtbase_fr.qm, loaded with the app's) has these labels without the
    # mnemonic its chooser asks for: asked for as it has them, they come out translated.
    for which, text in QT_LABELS.items():
        chooser.setLabelText(which, QCoreApplication.translate(QT_CONTEXT, text))
    return chooser
