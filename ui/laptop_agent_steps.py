"""The station's side of a laptop's guided tests and system image, through its agent: the
small window that lets the operator answer the test shown on the laptop's screen (big Oui /
Non / Passer), and the dialog that chooses the disk the workshop's system is written to.
Their words, French first, are here too (the card and the controller use them)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from bench_app.diagnostics.laptop_guided import KO, OK, SKIPPED, LaptopTest
from bench_app.domain.model import JobState
from bench_app.errors import BenchError
from bench_app.laptop_erasure import chosen_disks
from bench_app.text import Text
from ui.laptop_agent_dialogs import (
    CANCEL,
    IMAGE_FILE,
    NOT_THIS_DISK,
    REFUSED_DISK,
    SERIAL_END,
    _big,
    _fit,
    _size,
    error_words,
    grow,
    refusal_words,
)
from ui.style import STATE_COLOURS, scaled

YES = Text("Oui", "Yes")
NO = Text("Non", "No")
PASS = Text("Passer", "Skip")
TEST_WINDOW_TITLE = Text("Test du portable", "Laptop test")
ON_ITS_SCREEN = Text(
    "Le test est affiché sur l’écran du portable. Répondez ici ou sur le portable.",
    "The test is shown on the laptop's screen. Answer here or on the laptop.",
)
TESTING = Text("Test {index} sur {count} : {title}", "Test {index} of {count}: {title}")
TESTED = Text("Tests du portable enregistrés", "Laptop tests recorded")
TESTS_INTERRUPTED = Text("Tests interrompus : liaison perdue.", "Tests interrupted: link lost.")
WRITING = Text("Écriture du système…", "Writing the system…")
READING_BACK = Text("Relecture du système…", "Reading the system back…")
INSTALLED = Text("Système écrit et relu", "System written and read back")
NOT_INSTALLED = Text("Système NON INSTALLÉ : voir le détail", "System NOT INSTALLED: see details")
INSTALL_INTERRUPTED = Text("Interrompu : système NON INSTALLÉ", "Interrupted: system NOT INSTALLED")
INSTALL_TITLE = Text("Installer le système sur le portable", "Install the system on the laptop")
INSTALL_HINT = Text(
    "Choisissez le disque. Tapez la fin de son numéro de série, lue sur l’étiquette.",
    "Choose the disk. Type the end of its serial, read on its label.",
)
IMAGE_LINE = Text("Système de l’atelier :", "Workshop's system:")
INSTALL_GO = Text("Installer", "Install")
ERASE_FIRST = Text(
    "Effacez d’abord ses disques : bouton « Effacer les disques » de la carte.",
    "Erase its disks first: the card's “Erase the disks” button.",
)
TYPE_SERIAL = Text(
    "Tapez la fin du numéro de série du disque choisi.", "Type the end of the chosen disk's serial."
)
NOTHING_MEASURED = Text(
    "Rien à mesurer : regardez l’écran du portable.",
    "Nothing to measure: look at the laptop's screen.",
)


def readings_line(test_id: str, readings: dict[str, Any]) -> Text:
    """What the laptop measured for this test, in one line."""
    if test_id == "webcam":
        found = readings.get("cameras") or []
        if not found:
            return Text("Aucune caméra trouvée.", "No camera found.")
        shot = readings.get("frame_captured")
        return Text(
            f"Caméra trouvée ({len(found)}) ; image {'prise' if shot else 'non prise'}.",
            f"Camera found ({len(found)}); picture {'taken' if shot else 'not taken'}.",
        )
    if test_id == "wifi":
        interfaces = readings.get("interfaces") or []
        networks = readings.get("networks") or {}
        seen = sum(len(n) for n in networks.values() if isinstance(n, list))
        if not interfaces:
            return Text("Aucune carte Wi-Fi trouvée.", "No Wi-Fi card found.")
        return Text(
            f"Carte Wi-Fi : {', '.join(interfaces)} ; {seen} réseau(x) vu(s).",
            f"Wi-Fi card: {', '.join(interfaces)}; {seen} network(s) seen.",
        )
    if test_id == "usb_ports":
        ports = readings.get("ports", 0)
        devices = len(readings.get("devices") or [])
        return Text(
            f"{ports} prise(s) USB ; {devices} appareil(s) branché(s).",
            f"{ports} USB port(s); {devices} device(s) plugged in.",
        )
    if test_id == "loudspeaker":
        player = readings.get("player")
        if not player:
            return Text("Aucun son n’a pu être joué.", "No sound could be played.")
        return Text(f"Son joué ({player}).", f"Tone played ({player}).")
    if test_id == "microphone":
        level = readings.get("level")
        if level is None:
            return Text("Rien n’a pu être enregistré.", "Nothing could be recorded.")
        percent = round(100 * float(level))
        return Text(f"Niveau enregistré : {percent} %.", f"Level recorded: {percent} %.")
    return NOTHING_MEASURED


class StationTestWindow(QDialog):
    """The test running on the laptop's screen, answered at the station: its title, its
    question, what the laptop measured and big Oui / Non / Passer. Not modal: the station's
    window stays usable. `answered` carries ok / ko / skipped; the controller closes it when
    the laptop answered first (`close_answered`)."""

    answered = Signal(str)

    def __init__(
        self,
        test: LaptopTest,
        readings: dict[str, Any],
        laptop_name: str,
        lang: str,
        parent: QWidget | None,
    ) -> None:
        super().__init__(parent)
        self.setModal(False)
        self.test = test
        self.setWindowTitle(f"{TEST_WINDOW_TITLE.get(lang)} — {laptop_name}".strip(" —"))
        self.title = QLabel(test.title.get(lang))
        self.title.setObjectName("PanelTitle")
        self.question = QLabel(test.question.get(lang))
        self.question.setObjectName("Question")
        self.question.setWordWrap(True)
        self.readings = QLabel(readings_line(test.id, readings).get(lang))
        self.readings.setWordWrap(True)
        where = QLabel(ON_ITS_SCREEN.get(lang))
        where.setWordWrap(True)
        self.yes = QPushButton(YES.get(lang))
        self.no = QPushButton(NO.get(lang))
        self.skip = QPushButton(PASS.get(lang))
        buttons = QHBoxLayout()
        for button, answer in ((self.yes, OK), (self.no, KO), (self.skip, SKIPPED)):
            button.setObjectName("BigAction")
            button.setMinimumHeight(scaled(QSize(0, 56)).height())
            button.setAccessibleDescription(f"{test.title.get(lang)} : {button.text()}")
            button.clicked.connect(lambda _c=False, a=answer: self._give(a))
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.question)
        layout.addWidget(self.readings)
        layout.addWidget(where)
        layout.addLayout(buttons)
        _fit(self)

    def _give(self, answer: str) -> None:
        self.answered.emit(answer)
        self.accept()

    def close_answered(self) -> None:
        """The laptop answered first: the window goes by itself."""
        self.reject()


class InstallSystemDialog(QDialog):
    """The disk the workshop's system is written to (one of the agent's disks, the first
    allowed one chosen at first), its serial's end to type, and the image named. A laptop
    whose disks are not all erased, or a workshop with no system chosen, is refused here:
    said plainly, with what to do, and « Installer » stays greyed."""

    def __init__(
        self,
        disks: list[dict[str, Any]],
        image: str,
        refusal: BenchError | None,
        lang: str,
        parent: QWidget | None,
    ) -> None:
        super().__init__(parent)
        self.lang = lang
        self.disks = disks
        self.confirm = ""
        self.setWindowTitle(INSTALL_TITLE.get(lang))
        hint = QLabel(INSTALL_HINT.get(lang))
        hint.setObjectName("Question")
        hint.setWordWrap(True)
        self.image = QLabel(f"{IMAGE_LINE.get(lang)} {image or '—'}")
        self.image.setObjectName("CardTitle")
        self.image.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(hint)
        layout.addWidget(self.image)
        self.group = QButtonGroup(self)
        self.choices: list[tuple[QRadioButton, dict[str, Any]]] = []
        for disk in disks:
            model = IMAGE_FILE.get(lang) if disk.get("image_file") else disk.get("model") or ""
            words = f"{model} · n° {disk.get('serial') or '?'} · {_size(int(disk.get('size_bytes', 0)))}"
            refusals = [str(c) for c in disk.get("refusals") or []]
            if refusals:
                words += f" — {REFUSED_DISK.get(lang)} " + " ; ".join(
                    refusal_words(c, lang) for c in refusals
                )
            choice = QRadioButton(words.strip(" ·"))
            choice.setEnabled(not refusals)
            self.group.addButton(choice)
            layout.addWidget(choice)
            self.choices.append((choice, disk))
        allowed = [c for c, d in self.choices if c.isEnabled() and d.get("transport") != "usb"]
        if allowed:
            allowed[0].setChecked(True)  # the laptop's first internal disk, as a rule
        allowed = allowed or [c for c, _d in self.choices if c.isEnabled()]
        self.serial = QLineEdit()
        self.serial.setPlaceholderText(SERIAL_END.get(lang))
        self.serial.setAccessibleName(SERIAL_END.get(lang))
        _big(self.serial, 16)
        self.serial.textEdited.connect(lambda _t: self._clear())
        self.serial.returnPressed.connect(self._submit)
        layout.addWidget(self.serial)
        self.message = QLabel()
        self.message.setObjectName("RefusalMessage")
        self.message.setWordWrap(True)
        self.message.setStyleSheet(f"color: {STATE_COLOURS[JobState.FAILED]};")
        self.message.setVisible(False)
        layout.addWidget(self.message)
        self.install_button = QPushButton(INSTALL_GO.get(lang))
        self.install_button.setObjectName("BigAction")
        self.install_button.clicked.connect(self._submit)
        cancel = QPushButton(CANCEL.get(lang))
        cancel.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(cancel)
        buttons.addStretch(1)
        buttons.addWidget(self.install_button)
        layout.addLayout(buttons)
        self.refusal = refusal
        if refusal is not None:
            words = refusal.message.get(lang)
            then = ERASE_FIRST if refusal.code == "LAPTOP_IMAGE_NOT_ERASED" else None
            self._refuse(f"{words}\n{then.get(lang) if then else refusal.action.get(lang)}")
        self.install_button.setEnabled(refusal is None and bool(allowed))
        self.serial.setEnabled(refusal is None and bool(allowed))
        _fit(self)
        self.serial.setFocus(Qt.FocusReason.OtherFocusReason)

    def chosen_disk(self) -> dict[str, Any] | None:
        return next((d for c, d in self.choices if c.isChecked()), None)

    def _clear(self) -> None:
        if self.refusal is None:
            self.message.setVisible(False)

    def _refuse(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(True)
        grow(self)

    def _submit(self) -> None:
        disk = self.chosen_disk()
        typed = self.serial.text().strip()
        if disk is None or not typed or not self.install_button.isEnabled():
            self._refuse(TYPE_SERIAL.get(self.lang))
            return
        try:
            (found,) = chosen_disks(self.disks, [typed])
        except BenchError as exc:
            self._refuse(error_words(exc, self.lang))
            return
        if found.get("path") != disk.get("path"):
            self._refuse(NOT_THIS_DISK.get(self.lang))
            return
        self.confirm = typed
        self.accept()
