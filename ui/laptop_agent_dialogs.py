"""The dialogs of a laptop started from the Établi stick: its pairing code (big digits),
its address where the network's announcements do not pass, and its disks to erase, each with
the end of its serial to type or the reasons it is refused. Their words, French first, are
here too (the cards and the controller use them)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import (
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from bench_app.devices.laptop.client import split_address
from bench_app.domain.model import JobState
from bench_app.errors import CATALOG, BenchError
from bench_app.laptop_erasure import chosen_disks
from bench_app.text import Text
from ui.style import STATE_COLOURS, scaled

PENDING_TITLE = Text("Portable sur clé Établi", "Laptop on the Établi stick")
PENDING_STATE = Text("Tapez le code affiché sur son écran.", "Type the code shown on its screen.")
SCREEN_CODE = Text("Écran du portable (formation) :", "Laptop's screen (training):")
TYPE_CODE = Text("Taper le code", "Type the code")
PAIR_TITLE = Text("Appairer le portable", "Pair the laptop")
PAIR_HINT = Text(
    "Tapez les 6 chiffres affichés en grand sur l’écran du portable.",
    "Type the 6 digits shown in large print on the laptop's screen.",
)
PAIR_BUTTON = Text("Appairer", "Pair")
PAIRING = Text("Connexion au portable…", "Connecting to the laptop…")
CANCEL = Text("Annuler", "Cancel")
CODE_LABEL = Text("Code du portable", "Laptop's code")
ADD_BY_ADDRESS = Text("Ajouter un portable par adresse", "Add a laptop by address")
ADDRESS_HINT = Text(
    "L’adresse est sur l’écran du portable, par exemple 192.168.1.20:7410.",
    "The address is on the laptop's screen, for example 192.168.1.20:7410.",
)
ADDRESS_AGAIN = Text(
    "Recopiez l’adresse affichée sur l’écran du portable.",
    "Copy the address shown on the laptop's screen.",
)
ADDRESS_LABEL = Text("Adresse du portable", "Laptop's address")
NEXT = Text("Continuer", "Continue")
ERASE_DISKS = Text("Effacer les disques", "Erase the disks")
ERASE_TITLE = Text("Effacer les disques du portable", "Erase the laptop's disks")
ERASE_HINT = Text(
    "Lisez l’étiquette de chaque disque. Tapez la fin de son numéro de série.",
    "Read each disk's label. Type the end of its serial number.",
)
ERASE_GO = Text("Effacer", "Erase")
IMAGE_FILE = Text("Fichier image", "Image file")  # a training or test disk
SERIAL_END = Text("Fin du n° de série", "End of the serial")
NO_DISK_TYPED = Text(
    "Tapez la fin du numéro d’au moins un disque.", "Type the end of at least one disk's serial."
)
NOT_THIS_DISK = Text(
    "Ce n’est pas la fin du numéro de ce disque. Relisez son étiquette.",
    "That is not the end of this disk's serial. Read its label again.",
)
REFUSED_DISK = Text("Ne peut pas être effacé :", "May not be erased:")
NO_DISK = Text("Ce portable n’a aucun disque à effacer.", "This laptop has no disk to erase.")
TEST_LAPTOP = Text("Tester le portable", "Test the laptop")
INSTALL_SYSTEM = Text("Installer le système", "Install the system")
LINKED = Text("Relié par le réseau", "Linked over the network")
ERASING = Text("Effacement des disques…", "Erasing the disks…")
ERASED = Text("Données effacées", "Data erased")
NOT_ERASED = Text("NON EFFACÉ : voir le détail", "NOT ERASED: see the details")
INTERRUPTED = Text("Interrompu : disques NON effacés", "Interrupted: disks NOT erased")
LINK_LOST = Text("Liaison perdue : appairez de nouveau.", "Link lost: pair again.")
PAIR_AGAIN = Text("Appairer de nouveau", "Pair again")


def refusal_words(code: str, lang: str) -> str:
    """A disk's refusal (an error code of the agent) in a few words, placeholders left out."""
    kind = CATALOG.get(code)
    if kind is None:
        return code
    return re.sub(r"\s*\{[a-z_]+\}\s*", " ", kind.short.get(lang)).strip()


def error_words(exc: BenchError, lang: str) -> str:
    """What the operator reads: what happened, then what to do."""
    return f"{exc.message.get(lang)}\n{exc.action.get(lang)}"


def _fit(dialog: QDialog) -> None:
    """Wide enough for its sentences to wrap on two lines at most, and as tall as they
    need (a wrapped label's height is known only once its width is)."""
    dialog.setMinimumWidth(scaled(QSize(560, 0)).width())
    layout = dialog.layout()
    if layout is not None:
        layout.setSizeConstraint(QLayout.SizeConstraint.SetMinimumSize)
    dialog.adjustSize()
    grow(dialog)


def grow(dialog: QDialog) -> None:
    """Taller when a message came in, so that every wrapped line shows."""
    layout = dialog.layout()
    if layout is None:
        return
    layout.activate()
    width = dialog.width()
    height = (
        layout.totalHeightForWidth(width)
        if layout.hasHeightForWidth()
        else layout.totalSizeHint().height()
    )
    if height > dialog.height():
        dialog.resize(width, height)


def _big(widget: QWidget, points: int) -> None:
    """Large digits: the window's style sheet sets the fields' size, so this one's too."""
    widget.setStyleSheet(f"font-size: {points}pt; padding: 4px;")


class PairingDialog(QDialog):
    """The laptop's 6-digit code, typed in big digits; `code_given` carries it to the
    controller, which pairs on a worker and answers with `refused` or `accept()`."""

    code_given = Signal(str)

    def __init__(self, address: str, title: str, lang: str, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.address = address
        self.setWindowTitle(PAIR_TITLE.get(lang))
        self.setModal(True)
        self.lang = lang
        heading = QLabel(title)
        heading.setObjectName("PanelTitle")
        heading.setWordWrap(True)
        hint = QLabel(PAIR_HINT.get(lang))
        hint.setObjectName("Question")
        hint.setWordWrap(True)
        self.code = QLineEdit()
        self.code.setObjectName("PairingCode")
        self.code.setAccessibleName(CODE_LABEL.get(lang))
        self.code.setPlaceholderText("000000")
        self.code.setMaxLength(6)
        self.code.setValidator(QRegularExpressionValidator(r"[0-9]{0,6}", self.code))
        self.code.setAlignment(Qt.AlignmentFlag.AlignCenter)
        _big(self.code, 32)
        self.code.setMinimumWidth(scaled(QSize(320, 0)).width())
        self.code.textEdited.connect(self._typed)
        self.code.returnPressed.connect(self._submit)
        self.message = QLabel()
        self.message.setObjectName("RefusalMessage")
        self.message.setWordWrap(True)
        self.message.setStyleSheet(f"color: {STATE_COLOURS[JobState.FAILED]};")
        self.message.setVisible(False)
        self.pair_button = QPushButton(PAIR_BUTTON.get(lang))
        self.pair_button.setObjectName("BigAction")
        self.pair_button.setEnabled(False)
        self.pair_button.clicked.connect(self._submit)
        self.cancel_button = QPushButton(CANCEL.get(lang))
        self.cancel_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.cancel_button)
        buttons.addStretch(1)
        buttons.addWidget(self.pair_button)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(hint)
        layout.addWidget(self.code)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        _fit(self)

    def _typed(self, text: str) -> None:
        self.pair_button.setEnabled(len(text) == 6)
        self.message.setVisible(False)

    def _submit(self) -> None:
        if len(self.code.text()) != 6 or not self.pair_button.isEnabled():
            return
        self.pair_button.setEnabled(False)
        self.code.setEnabled(False)
        self.message.setStyleSheet("")
        self.message.setText(PAIRING.get(self.lang))
        self.message.setVisible(True)
        grow(self)
        self.code_given.emit(self.code.text())

    def refused(self, exc: BenchError) -> None:
        """Says why, and what to do; a locked laptop takes no more codes."""
        self.message.setStyleSheet(f"color: {STATE_COLOURS[JobState.FAILED]};")
        self.message.setText(error_words(exc, self.lang))
        self.message.setVisible(True)
        locked = exc.code == "PAIR_LOCKED"
        self.code.setEnabled(not locked)
        self.code.selectAll()
        self.pair_button.setEnabled(not locked and len(self.code.text()) == 6)
        grow(self)
        if not locked:
            self.code.setFocus()


class AddressDialog(QDialog):
    """« Ajouter un portable par adresse » : address:port, for a network where the
    announcements do not pass."""

    def __init__(self, lang: str, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.lang = lang
        self.setWindowTitle(ADD_BY_ADDRESS.get(lang))
        hint = QLabel(ADDRESS_HINT.get(lang))
        hint.setWordWrap(True)
        hint.setObjectName("Question")
        self.address = QLineEdit()
        self.address.setAccessibleName(ADDRESS_LABEL.get(lang))
        self.address.setPlaceholderText("192.168.1.20:7410")
        _big(self.address, 18)
        self.address.returnPressed.connect(self._submit)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setStyleSheet(f"color: {STATE_COLOURS[JobState.FAILED]};")
        self.message.setVisible(False)
        self.address.textEdited.connect(lambda _t: self.message.setVisible(False))
        self.next_button = QPushButton(NEXT.get(lang))
        self.next_button.setObjectName("BigAction")
        self.next_button.clicked.connect(self._submit)
        cancel = QPushButton(CANCEL.get(lang))
        cancel.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(cancel)
        buttons.addStretch(1)
        buttons.addWidget(self.next_button)
        layout = QVBoxLayout(self)
        layout.addWidget(hint)
        layout.addWidget(self.address)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        self.chosen = ""
        _fit(self)

    def _submit(self) -> None:
        typed = self.address.text().strip()
        try:
            split_address(typed)  # its form only: reaching it is the pairing's work
        except BenchError as exc:
            # Not the command's advice (`etabli laptops`): what the window's user can do.
            self.message.setText(f"{exc.message.get(self.lang)}\n{ADDRESS_AGAIN.get(self.lang)}")
            self.message.setVisible(True)
            grow(self)
            return
        self.chosen = typed
        self.accept()


@dataclass
class _DiskRow:
    disk: dict[str, Any]
    field: QLineEdit | None


class EraseDisksDialog(QDialog):
    """The agent's disks, each with its serial's end to type (as `--confirm-serial`), or
    the reasons it is refused. `confirms` holds what was typed, checked disk by disk."""

    def __init__(self, disks: list[dict[str, Any]], lang: str, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.lang = lang
        self.disks = disks
        self.confirms: list[str] = []
        self.setWindowTitle(ERASE_TITLE.get(lang))
        layout = QVBoxLayout(self)
        hint = QLabel(ERASE_HINT.get(lang))
        hint.setObjectName("Question")
        hint.setWordWrap(True)
        layout.addWidget(hint)
        self.message = QLabel()  # why a typed end is refused, under the disks
        self.message.setObjectName("RefusalMessage")
        self.message.setWordWrap(True)
        self.message.setStyleSheet(f"color: {STATE_COLOURS[JobState.FAILED]};")
        self.message.setVisible(False)
        self.rows: list[_DiskRow] = []
        for disk in disks:
            box = QFrame()
            box.setObjectName("DiskRow")
            line = QVBoxLayout(box)
            size = int(disk.get("size_bytes", 0))
            model = IMAGE_FILE.get(lang) if disk.get("image_file") else disk.get("model") or ""
            words = f"{model} · n° {disk.get('serial') or '?'} · {_size(size)}"
            name = QLabel(words.strip(" ·"))
            name.setObjectName("CardTitle")
            name.setWordWrap(True)
            line.addWidget(name)
            refusals = [str(c) for c in disk.get("refusals") or []]
            field_: QLineEdit | None = None
            if refusals:
                why = QLabel(
                    REFUSED_DISK.get(lang)
                    + " "
                    + " ; ".join(refusal_words(c, lang) for c in refusals)
                )
                why.setWordWrap(True)
                why.setStyleSheet(f"color: {STATE_COLOURS[JobState.FAILED]};")
                line.addWidget(why)
            else:
                field_ = QLineEdit()
                field_.setPlaceholderText(SERIAL_END.get(lang))
                field_.setAccessibleName(f"{SERIAL_END.get(lang)} {disk.get('serial', '')}")
                _big(field_, 16)
                field_.textEdited.connect(lambda _t: self.message.setVisible(False))
                line.addWidget(field_)
            layout.addWidget(box)
            self.rows.append(_DiskRow(disk, field_))
        if not disks:
            layout.addWidget(QLabel(NO_DISK.get(lang)))
        layout.addWidget(self.message)
        self.erase_button = QPushButton(ERASE_GO.get(lang))
        self.erase_button.setObjectName("BigAction")
        self.erase_button.setEnabled(any(r.field is not None for r in self.rows))
        self.erase_button.clicked.connect(self._submit)
        cancel = QPushButton(CANCEL.get(lang))
        cancel.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(cancel)
        buttons.addStretch(1)
        buttons.addWidget(self.erase_button)
        layout.addLayout(buttons)
        _fit(self)

    def field_for(self, serial: str) -> QLineEdit | None:
        """The typing field of the disk with this serial (None: refused or unknown)."""
        return next((r.field for r in self.rows if r.disk.get("serial") == serial), None)

    def _refuse(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(True)
        grow(self)

    def _submit(self) -> None:
        typed = [(r, r.field.text().strip()) for r in self.rows if r.field and r.field.text()]
        if not typed:
            self._refuse(NO_DISK_TYPED.get(self.lang))
            return
        for row, text in typed:
            try:
                (found,) = chosen_disks(self.disks, [text])
            except BenchError as exc:
                self._refuse(error_words(exc, self.lang))
                return
            if found.get("path") != row.disk.get("path"):
                self._refuse(NOT_THIS_DISK.get(self.lang))
                return
        self.confirms = [text for _row, text in typed]
        self.accept()


def _size(size: int) -> str:
    for unit, scale in (("To", 10**12), ("Go", 10**9), ("Mo", 10**6)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}".replace(".", ",")
    return f"{size} o"
