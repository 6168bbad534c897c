"""The handover sheet of a loan or rental, in the outcome dialog: signed on paper (tick
"signé", and if wanted a photo of the signed sheet) or on screen (the signature pad).
Only the picture's SHA-256 goes into the fact; the picture stays in the data folder."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from bench_app.loans import read_picture
from bench_app.text import Text
from ui.file_chooser import media_folder
from ui.signature_pad import SignaturePad

SIGNED = Text("Signée", "Signed")  # beside "Fiche de remise"
SIGN_HERE = Text("Le bénéficiaire signe ici, à la souris", "The beneficiary signs here (mouse)")
CLEAR = Text("Effacer", "Clear")
PHOTO = Text("Photo de la fiche…", "Photo of the sheet…")
PHOTO_TITLE = Text("Choisir la photo de la fiche signée", "Choose the photo of the signed sheet")
PHOTO_FILTER = Text("Images (*.png *.jpg *.jpeg)", "Pictures (*.png *.jpg *.jpeg)")
NO_PHOTO = Text("Pas de photo.", "No photo.")


class HandoverSheet(QWidget):
    """The "signé" box, the signature pad and the photo of a paper sheet."""

    def __init__(self, lang: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.lang = lang
        self.photo: Path | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        # One row: signed on paper (tick, photo), then the pad to sign on screen.
        row = QHBoxLayout()
        self.signed = QCheckBox(SIGNED.get(lang))
        self.signed.setObjectName("HandoverSigned")
        self.photo_button = QPushButton(PHOTO.get(lang))
        self.photo_button.clicked.connect(self.choose_photo)
        self.photo_label = QLabel(NO_PHOTO.get(lang))
        self.photo_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.clear_button = QPushButton(CLEAR.get(lang))
        row.addWidget(self.signed)
        row.addWidget(self.photo_button)
        row.addWidget(self.photo_label, 1)
        row.addWidget(self.clear_button)
        layout.addLayout(row)
        self.pad = SignaturePad(SIGN_HERE.get(lang))
        self.pad.setAccessibleName(SIGN_HERE.get(lang))
        self.pad.changed.connect(self._pad_changed)
        self.clear_button.clicked.connect(self.pad.clear)
        layout.addWidget(self.pad)
        self.chooser: QFileDialog | None = None

    def _pad_changed(self) -> None:
        if not self.pad.is_empty():
            self.signed.setChecked(True)  # signed on screen: the sheet is signed

    def choose_photo(self) -> QFileDialog:
        """Opens a chooser of pictures (where USB sticks appear); the one chosen is used."""
        chooser = QFileDialog(self, PHOTO_TITLE.get(self.lang))
        chooser.setFileMode(QFileDialog.FileMode.ExistingFile)
        chooser.setOption(QFileDialog.Option.DontUseNativeDialog, True)
        chooser.setNameFilter(PHOTO_FILTER.get(self.lang))
        chooser.setDirectory(str(media_folder()))
        chooser.fileSelected.connect(lambda path: self.use_photo(Path(path)))
        self.chooser = chooser
        chooser.open()
        return chooser

    def use_photo(self, path: Path) -> None:
        """The photo of the paper sheet, signed: it is kept when the loan is recorded."""
        self.photo = path
        self.photo_label.setText(path.name)
        self.signed.setChecked(True)

    def picture(self) -> bytes | None:
        """The signature's picture to keep: the pad's when signed on screen, else the
        photo's bytes (BenchError when it cannot be read), else None."""
        if not self.pad.is_empty():
            return self.pad.png_bytes()
        if self.photo is not None:
            return read_picture(self.photo)
        return None
