"""The laptop agent's own screen (`etabli agent` on a laptop booted from the Établi stick):
full screen, no desktop, French first. It shows the workshop's logo, the laptop's model and
serial, the pairing code huge enough to read from the bench, one sentence saying what
happens now (waiting, paired, erasing with one bar per disk, a test running, done), the
wrong codes counted, and once the station gives it the asset code to write on the laptop.

The guided tests (bench_app/diagnostics/laptop_guided.py) take the screen when the station
asks for one: each is answered here (big Oui / Non buttons, or the keyboard: O or Entrée,
N or Échap) or at the station, which closes it here. The agent's core stays Qt-free: this
window reads `AgentState` and is told of changes through its `on_event`, carried to Qt's
thread by a signal."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QObject, QSize, QSocketNotifier, Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPen,
    QPixmap,
)
from PySide6.QtWidgets import (
    QApplication,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QStackedLayout,
    QVBoxLayout,
    QWidget,
)

from bench_app.diagnostics.laptop_guided import (
    AZERTY_ROWS,
    KEY_AT,
    KEYBOARD_KEYS,
    KO,
    OK,
    TESTS_BY_ID,
    usb_ports,
)
from bench_app.laptop_agent import AgentState
from bench_app.settings import assets_dir
from bench_app.text import Text
from ui.icons import picture

COLOURS = ("#ff0000", "#00ff00", "#0000ff", "#ffffff", "#000000")  # the screen test's plates
WIDE_STYLE = """
QWidget#AgentWindow { background: #f4f1ea; }
QLabel { color: #1d2733; }
QLabel#Code, QLabel#Asset { color: #0d3b66; font-weight: 700; }
QLabel#Wrong { color: #a4161a; font-weight: 700; }
QPushButton { font-size: 28px; font-weight: 700; min-height: 84px; border-radius: 12px; }
QPushButton#Yes { background: #2d6a4f; color: white; }
QPushButton#No { background: #a4161a; color: white; }
QLabel[lit="true"] { background: #e0a030; color: #1d2733; }
QLabel[lit="false"] { background: white; color: #1d2733; }
QLabel#Key { border: 2px solid #2b3a4a; border-radius: 6px; }
"""


def T(fr: str, en: str) -> Text:
    return Text(fr, en)


class KeyboardView(QWidget):
    """The AZERTY keyboard drawn: `press(name)` lights a key (Qt's key name without
    `Key_`); `missing()` lists the keys not pressed yet."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        grid = QGridLayout(self)
        grid.setSpacing(6)
        self.keys: dict[str, QLabel] = {}
        for row, keys in enumerate(AZERTY_ROWS):
            column = 0
            for name, cap in keys:
                span = 6 if name == "Space" else 2 if len(cap) > 3 else 1
                label = QLabel(cap)
                label.setObjectName("Key")
                label.setAlignment(Qt.AlignmentFlag.AlignCenter)
                label.setProperty("lit", "false")
                label.setMinimumSize(QSize(40, 40))
                label.setFont(_font(22, bold=True))
                grid.addWidget(label, row, column, 1, span)
                self.keys[name] = label
                column += span

    def press(self, name: str) -> bool:
        """Lights the key; False when it is not on the drawn keyboard."""
        label = self.keys.get(name)
        if label is None:
            return False
        label.setProperty("lit", "true")
        label.style().unpolish(label)
        label.style().polish(label)
        return True

    def lit(self) -> list[str]:
        return [n for n in KEYBOARD_KEYS if self.keys[n].property("lit") == "true"]

    def missing(self) -> list[str]:
        return [n for n in KEYBOARD_KEYS if self.keys[n].property("lit") != "true"]


class TrailArea(QWidget):
    """Where the touchpad draws: the pointer's trail, left and right clicks counted."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMouseTracking(True)
        self.setMinimumHeight(200)
        self.path = QPainterPath()
        self.points = 0
        self.clicks = {"left": 0, "right": 0}

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        position = event.position()
        if self.points == 0:
            self.path.moveTo(position)
        else:
            self.path.lineTo(position)
        self.points += 1
        self.update()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.clicks["left"] += 1
        elif event.button() == Qt.MouseButton.RightButton:
            self.clicks["right"] += 1
        self.update()

    def paintEvent(self, _event: object) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("#ffffff"))
        painter.setPen(QPen(QColor("#2b3a4a"), 2))
        painter.drawRect(self.rect().adjusted(0, 0, -1, -1))
        painter.setPen(QPen(QColor("#e0a030"), 6))
        painter.drawPath(self.path)
        painter.end()


class ColourPlates(QWidget):
    """The screen test's solid colours, one after the other: a click or a key goes on;
    `finished` after the last."""

    finished = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.index = 0

    def start(self) -> None:
        self.index = 0
        self.update()

    def step(self) -> None:
        self.index += 1
        if self.index >= len(COLOURS):
            self.finished.emit()
        self.update()

    def mousePressEvent(self, _event: QMouseEvent) -> None:
        self.step()

    def paintEvent(self, _event: object) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(COLOURS[min(self.index, len(COLOURS) - 1)]))
        painter.end()


class _KeyCatcher(QObject):
    """Takes every key press while the keyboard test runs (Tab, Alt… included)."""

    def __init__(self, on_key: Callable[[QKeyEvent], None]) -> None:
        super().__init__()
        self.on_key = on_key

    def eventFilter(self, _watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            self.on_key(event)
            return True
        # No shortcut steals a key under test.
        return event.type() == QEvent.Type.ShortcutOverride


def key_name(event: QKeyEvent) -> str:
    """Qt's name of the pressed key without `Key_` ("" for a key Qt does not name)."""
    try:
        return Qt.Key(event.key()).name.removeprefix("Key_")
    except ValueError:
        return ""


# How far a platform's native scan codes are from Linux input key codes: 8 everywhere (X and
# Wayland, and Qt's evdev keyboard under linuxfb/eglfs adds 8 too, as seen on the stick).
# Others: matched by Qt's name.
SCAN_OFFSETS = {"xcb": 8, "wayland": 8, "linuxfb": 8, "eglfs": 8}


def key_position(event: QKeyEvent, platform: str) -> str:
    """The drawn key the pressed one is, by its place on the keyboard when the platform
    tells it (so a keymap left in US still lights the AZERTY key pressed), else by name."""
    offset = SCAN_OFFSETS.get(platform)
    if offset is not None and event.nativeScanCode():
        placed = KEY_AT.get(event.nativeScanCode() - offset)
        if placed is not None:
            return placed
    return key_name(event)


class AgentWindow(QWidget):
    """`code`, `status`, `machine`, `wrong`, `asset`, `bars` (one progress bar per disk)
    on the home page; `test_title`, `question`, `yes`, `no`, `keyboard`, `trail`, `plates`
    on the test pages. `changed` carries the agent's events to Qt's thread."""

    changed = Signal(str)

    def __init__(
        self, state: AgentState, lang: str, *, organisation: str = "", logo: Path | None = None
    ) -> None:
        super().__init__()
        self.state = state
        self.lang = lang
        self.setObjectName("AgentWindow")
        self.setWindowTitle("Établi")
        self.setStyleSheet(WIDE_STYLE)
        self.running: str = ""  # the test on screen
        # No pairing code: the laptop does its journey alone (etabli agent --bundle-dir).
        self.phase = "waiting" if state.code else "alone"
        self.test_done = False  # the last thing that happened was a guided test ending
        self.usb_seen: set[str] = set()
        self._catcher: _KeyCatcher | None = None
        self.stack = QStackedLayout(self)

        # -- home ------------------------------------------------------------------------
        home = QWidget()
        column = QVBoxLayout(home)
        column.setContentsMargins(40, 24, 40, 24)
        top = QHBoxLayout()
        self.logo = QLabel()
        logo_path = (
            logo if logo is not None and logo.is_file() else assets_dir() / "icons" / "etabli.svg"
        )
        self.logo.setPixmap(_svg_or_image(logo_path, QSize(96, 96)))
        top.addWidget(self.logo)
        self.workshop = QLabel(organisation or "Établi")
        self.workshop.setFont(_font(28, bold=True))
        top.addWidget(self.workshop, 1)
        identity = state.description.get("identity", {})
        name = f"{identity.get('brand', '')} {identity.get('model', '')}".strip() or "?"
        serial = identity.get("serial") or "?"
        self.machine = QLabel(
            self._say(T(f"{name} — n° de série {serial}", f"{name} — serial number {serial}"))
        )
        self.machine.setFont(_font(22))
        self.machine.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        top.addWidget(self.machine, 2)
        column.addLayout(top)
        column.addStretch(1)
        self.code_title = QLabel(self._say(T("Code d’appairage", "Pairing code")))
        self.code_title.setFont(_font(30))
        self.code_title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        column.addWidget(self.code_title)
        self.code = QLabel(f"{state.code[:3]} {state.code[3:]}")
        self.code.setObjectName("Code")
        self.code.setAlignment(Qt.AlignmentFlag.AlignCenter)
        column.addWidget(self.code)
        self.asset_title = QLabel(
            self._say(T("Écrivez ce code sur le portable :", "Write this code on the laptop:"))
        )
        self.asset_title.setFont(_font(30))
        self.asset_title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.asset = QLabel("")
        self.asset.setObjectName("Asset")
        self.asset.setAlignment(Qt.AlignmentFlag.AlignCenter)
        column.addWidget(self.asset_title)
        column.addWidget(self.asset)
        self.status = QLabel()
        self.status.setFont(_font(30, bold=True))
        self.status.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.status.setWordWrap(True)
        column.addWidget(self.status)
        self.bars_box = QVBoxLayout()
        column.addLayout(self.bars_box)
        self.bars: dict[str, QProgressBar] = {}
        self.wrong = QLabel()
        self.wrong.setObjectName("Wrong")
        self.wrong.setFont(_font(24))
        self.wrong.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.wrong.setWordWrap(True)
        column.addWidget(self.wrong)
        column.addStretch(1)
        self.stack.addWidget(home)
        self.home = home

        # -- a test ----------------------------------------------------------------------
        page = QWidget()
        tcol = QVBoxLayout(page)
        tcol.setContentsMargins(40, 24, 40, 24)
        head = QHBoxLayout()
        self.picture = QLabel()
        head.addWidget(self.picture)
        words = QVBoxLayout()
        self.test_title = QLabel()
        self.test_title.setFont(_font(34, bold=True))
        words.addWidget(self.test_title)
        self.question = QLabel()
        self.question.setFont(_font(26))
        self.question.setWordWrap(True)
        words.addWidget(self.question)
        head.addLayout(words, 1)
        tcol.addLayout(head)
        self.detail = QLabel()
        self.detail.setFont(_font(22))
        self.detail.setWordWrap(True)
        tcol.addWidget(self.detail)
        self.keyboard = KeyboardView()
        tcol.addWidget(self.keyboard, 1)
        self.trail = TrailArea()
        tcol.addWidget(self.trail, 1)
        self.level = QProgressBar()
        self.level.setRange(0, 100)
        self.level.setMinimumHeight(40)
        tcol.addWidget(self.level)
        self.frame = QLabel()
        self.frame.setAlignment(Qt.AlignmentFlag.AlignCenter)
        tcol.addWidget(self.frame, 1)
        self.extra = QPushButton()
        self.extra.clicked.connect(self._extra)
        tcol.addWidget(self.extra)
        tcol.addStretch(0)
        answers = QHBoxLayout()
        self.yes = QPushButton(self._say(T("Oui", "Yes")))
        self.yes.setObjectName("Yes")
        self.yes.clicked.connect(lambda: self.answer(OK))
        self.no = QPushButton(self._say(T("Non", "No")))
        self.no.setObjectName("No")
        self.no.clicked.connect(lambda: self.answer(KO))
        for button in (self.yes, self.no):
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # a key press is never a click
        answers.addWidget(self.yes)
        answers.addWidget(self.no)
        tcol.addLayout(answers)
        self.stack.addWidget(page)
        self.test_page = page

        for widget in (self.keyboard, self.trail, self.level, self.frame, self.extra):
            widget.hide()  # each test shows its own: the page fits a 1366×768 screen
        self.plates = ColourPlates()
        self.plates.finished.connect(self._plates_done)
        self.stack.addWidget(self.plates)

        self.changed.connect(self.on_event)
        self.on_event("start")

    # -- words -------------------------------------------------------------------------

    def _say(self, text: Text) -> str:
        return text.get(self.lang)

    # -- the agent's events (Qt's thread) -----------------------------------------------

    def on_event(self, what: str) -> None:
        """Shows what the agent just did or was asked (called through `changed`)."""
        state = self.state
        if what == "stop":  # the journey done alone is over: the window closes
            QApplication.quit()
            return
        if what != "test-done":
            self.test_done = False  # the sentence says what happened last
        if what in ("paired", "station"):
            self.phase = "paired"
        elif what in ("erasing", "progress"):
            self.phase = "erasing"
        elif what == "erased":
            self.phase = "erased"
        elif what in ("imaging", "imaged"):
            self.phase = what
        elif what == "test":
            if self.phase == "waiting":
                self.phase = "paired"  # only a paired station asks for a test
            self._show_test()
            return
        elif what == "readings":
            self._show_readings()
            return
        elif what == "test-done":
            self.test_done = True
            self._close_test()
        self._refresh_home(state)

    def _refresh_home(self, state: AgentState) -> None:
        station = f"« {state.station} »" if state.station else ""
        sentences = {
            "waiting": T(
                "En attente du poste : tapez ce code au poste de l’atelier.",
                "Waiting for the station: type this code at the workshop's station.",
            ),
            "paired": T(
                f"Appairé avec le poste {station}. Suivez les consignes du poste.".replace(
                    "  ", " "
                ),
                f"Paired with station {station}. Follow the station's steps.".replace("  ", " "),
            ),
            "erasing": T(
                "Effacement des disques en cours. N’éteignez pas le portable.",
                "Erasing the disks. Do not switch the laptop off.",
            ),
            "erased": T(
                "Effacement terminé. Suivez les consignes du poste.",
                "Erasure finished. Follow the station's steps.",
            ),
            "imaging": T(
                "Écriture du système en cours. N’éteignez pas le portable.",
                "Writing the system. Do not switch the laptop off.",
            ),
            "imaged": T(
                "Système écrit et relu. Suivez les consignes du poste.",
                "System written and read back. Follow the station's steps.",
            ),
            "alone": T(
                "Le portable fait son parcours seul. Suivez les consignes de la console.",
                "The laptop does its journey alone. Follow the console's steps.",
            ),
        }
        sentence = sentences[self.phase]
        if self.test_done:
            sentence = T(
                "Test terminé. Suivez les consignes du poste.",
                "Test done. Follow the station's steps.",
            )
        self.status.setText(self._say(sentence))
        self._refresh_bars(state)
        with state.lock:
            failed = state.failed
        if state.locked:
            self.wrong.setText(
                self._say(
                    T(
                        f"Verrouillé : {failed} codes erronés. Redémarrez le portable pour un nouveau code.",
                        f"Locked: {failed} wrong codes. Restart the laptop for a new code.",
                    )
                )
            )
        elif failed:
            self.wrong.setText(
                self._say(
                    T(
                        f"Codes erronés reçus : {failed} sur 5.",
                        f"Wrong codes received: {failed} of 5.",
                    )
                )
            )
        else:
            self.wrong.setText("")
        self.asset.setText(state.asset_code)
        self.asset.setVisible(bool(state.asset_code))
        self.asset_title.setVisible(bool(state.asset_code))
        # Once the laptop has its asset code, that is the big code: the pairing one shrinks.
        self.code_title.setVisible(not state.asset_code and bool(state.code))
        self.code.setVisible(bool(state.code))
        self._fit_fonts()

    def _refresh_bars(self, state: AgentState) -> None:
        progress = dict(state.progress)
        for path, fraction in progress.items():
            bar = self.bars.get(path)
            if bar is None:
                bar = QProgressBar()
                bar.setRange(0, 1000)
                bar.setMinimumHeight(44)
                bar.setFormat(f"{Path(path).name}  %p %")
                bar.setFont(_font(20))
                self.bars_box.addWidget(bar)
                self.bars[path] = bar
            bar.setValue(round(1000 * max(0.0, min(1.0, float(fraction)))))
        for bar in self.bars.values():
            bar.setVisible(self.phase in ("erasing", "erased"))

    # -- tests -------------------------------------------------------------------------

    def _show_test(self) -> None:
        running = self.state.desk.current
        if running is None:
            return
        test = TESTS_BY_ID[running.id]
        self.running = running.id
        self.test_title.setText(self._say(test.title))
        self.question.setText(self._say(test.question))
        self.picture.setPixmap(picture(test.picture, QSize(160, 134)))
        self.detail.setText(self._say(_WAIT.get(running.id, T("", ""))))
        self.keyboard.setVisible(running.id == "keyboard")
        self.trail.setVisible(running.id == "touchpad")
        self.level.setVisible(running.id == "microphone")
        self.level.setValue(0)
        self.frame.setVisible(running.id == "webcam")
        self.frame.clear()
        extra = _EXTRA.get(running.id)
        self.extra.setVisible(extra is not None)
        if extra is not None:
            self.extra.setText(self._say(extra))
        if running.id == "keyboard":
            for name in KEYBOARD_KEYS:
                label = self.keyboard.keys[name]
                label.setProperty("lit", "false")
                label.style().unpolish(label)
                label.style().polish(label)
            self._catch_keys(True)
        if running.id == "touchpad":
            self.trail.path = QPainterPath()
            self.trail.points = 0
            self.trail.clicks = {"left": 0, "right": 0}
        self.usb_seen = set()
        self.stack.setCurrentWidget(self.test_page)

    def _show_readings(self) -> None:
        running = self.state.desk.current
        if running is None or running.id != self.running:
            return
        r = dict(running.readings)
        said = _reading_words(running.id, r)
        if said is not None:
            self.detail.setText(self._say(said))
        if running.id == "microphone" and isinstance(r.get("level"), (int, float)):
            self.level.setValue(round(100 * float(r["level"])))
        if running.id == "webcam" and isinstance(r.get("frame"), str):
            shot = QPixmap(r["frame"])
            if not shot.isNull():
                self.frame.setPixmap(
                    shot.scaled(QSize(480, 360), Qt.AspectRatioMode.KeepAspectRatio)
                )
        if running.id == "usb_ports":
            self.usb_seen |= {d["port"] for d in r.get("devices", []) if isinstance(d, dict)}

    def _extra(self) -> None:
        if self.running == "screen":
            self.plates.start()
            self.stack.setCurrentWidget(self.plates)
            self.plates.setFocus()
        elif self.running == "usb_ports":
            now = usb_ports()
            self.usb_seen |= {d["port"] for d in now["devices"]}
            self.detail.setText(
                self._say(
                    T(
                        f"{now['ports']} prises connues, {len(self.usb_seen)} appareils vus depuis le début.",
                        f"{now['ports']} ports known, {len(self.usb_seen)} devices seen since the start.",
                    )
                )
            )

    def _plates_done(self) -> None:
        self.stack.setCurrentWidget(self.test_page)

    def screen_readings(self) -> dict[str, Any]:
        """What this screen measured for the running test (sent with the answer)."""
        if self.running == "keyboard":
            missing = self.keyboard.missing()
            return {
                "keys_total": len(KEYBOARD_KEYS),
                "keys_pressed": len(KEYBOARD_KEYS) - len(missing),
                "keys_missing": missing,
            }
        if self.running == "touchpad":
            return {
                "trail_points": self.trail.points,
                **{f"{k}_clicks": v for k, v in self.trail.clicks.items()},
            }
        if self.running == "screen":
            return {"colours_shown": min(self.plates.index, len(COLOURS))}
        if self.running == "usb_ports":
            return {"devices_seen": sorted(self.usb_seen)}
        return {}

    def answer(self, answer: str) -> bool:
        """Answers the running test here, on the laptop; False when none runs."""
        if not self.running:
            return False
        return self.state.desk.answer(self.running, answer, "laptop", self.screen_readings())

    def _close_test(self) -> None:
        self._catch_keys(False)
        self.running = ""
        self.stack.setCurrentWidget(self.home)

    def _catch_keys(self, on: bool) -> None:
        app = QApplication.instance()
        if app is None:
            return
        if on and self._catcher is None:
            self._catcher = _KeyCatcher(self._keyboard_key)
            app.installEventFilter(self._catcher)
        elif not on and self._catcher is not None:
            app.removeEventFilter(self._catcher)
            self._catcher = None

    def _keyboard_key(self, event: QKeyEvent) -> None:
        name = key_position(event, QApplication.platformName())
        if name == "Alt" and event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            name = "AltGr"  # some layouts send AltGr as Ctrl+Alt
        self.keyboard.press(name)
        if not self.keyboard.missing():
            self.answer(OK)  # every key lit: the keyboard works

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if self.stack.currentWidget() is self.plates:
            self.plates.step()
            return
        if self.running and self.running != "keyboard":
            name = key_name(event)
            if name in ("O", "Y", "Return", "Enter"):
                self.answer(OK)
                return
            if name in ("N", "Escape"):
                self.answer(KO)
                return
        super().keyPressEvent(event)

    # -- sizes -------------------------------------------------------------------------

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self._fit_fonts()

    def _fit_fonts(self) -> None:
        height = max(self.height(), 400)
        big = max(48, height // 5)  # read from the bench, a few metres away
        for label, pixels in (
            (self.asset, big * 3 // 4),
            (self.code, big if not self.state.asset_code else big // 3),
        ):
            label.setFont(_font(pixels, bold=True, pixels=True))
            # Its own sheet: an application-wide one (a station's window in the same
            # process) would otherwise set these labels' size back to a text's.
            label.setStyleSheet(f"font-size: {pixels}px; font-weight: 700;")


_WAIT = {
    "loudspeaker": T("Le son est joué…", "The tone is playing…"),
    "microphone": T(
        "Parlez maintenant : enregistrement de 3 secondes…", "Speak now: recording 3 seconds…"
    ),
    "webcam": T("Recherche de la caméra…", "Looking for the camera…"),
    "wifi": T("Recherche des réseaux…", "Looking for networks…"),
    "usb_ports": T(
        "Branchez la clé dans une prise, puis touchez « Vérifier ».",
        "Plug the stick into a port, then press “Check”.",
    ),
    "keyboard": T("Chaque touche pressée s’allume.", "Each key pressed lights up."),
    "touchpad": T("Dessinez dans le cadre blanc.", "Draw in the white frame."),
    "screen": T(
        "Touchez « Voir les couleurs », puis cliquez pour passer à la suivante.",
        "Press “See the colours”, then click for the next one.",
    ),
}
_EXTRA = {
    "screen": T("Voir les couleurs", "See the colours"),
    "usb_ports": T("Vérifier", "Check"),
}


def _reading_words(test_id: str, r: dict[str, Any]) -> Text | None:
    """The automated readings said in a sentence; None when there is nothing to say."""
    if test_id == "webcam":
        if not r.get("cameras"):
            return T("Aucune caméra trouvée.", "No camera found.")
        if not r.get("frame_captured"):
            return T(
                "Caméra trouvée, pas d’outil pour afficher l’image.",
                "Camera found, no tool to show its picture.",
            )
        return T("Image de la caméra :", "The camera's picture:")
    if test_id == "loudspeaker":
        if r.get("player"):
            return T("Un son a été joué.", "A tone was played.")
        return T(
            "Aucun lecteur de son trouvé : rien n’a été joué.",
            "No sound player found: nothing played.",
        )
    if test_id == "microphone":
        if r.get("recorder") is None:
            return T("Aucun enregistreur trouvé.", "No recorder found.")
        level = round(100 * float(r.get("level") or 0))
        return T(f"Niveau enregistré : {level} %.", f"Recorded level: {level} %.")
    if test_id == "wifi":
        interfaces = r.get("interfaces") or []
        if not interfaces:
            return T("Aucune carte Wi-Fi trouvée.", "No Wi-Fi card found.")
        names = sorted({n for found in (r.get("networks") or {}).values() for n in found})
        shown = f" ({', '.join(names[:6])})" if names else ""
        return T(
            f"Carte Wi-Fi : {', '.join(interfaces)}. Réseaux vus : {len(names)}{shown}.",
            f"Wi-Fi card: {', '.join(interfaces)}. Networks seen: {len(names)}{shown}.",
        )
    if test_id == "usb_ports":
        return T(
            f"{r.get('ports', 0)} prises connues, {len(r.get('devices', []))} appareils branchés.",
            f"{r.get('ports', 0)} ports known, {len(r.get('devices', []))} devices plugged in.",
        )
    return None


def _font(size: int, *, bold: bool = False, pixels: bool = False) -> QFont:
    font = QFont()
    if pixels:
        font.setPixelSize(size)
    else:
        font.setPointSize(size * 3 // 4)
    font.setBold(bold)
    return font


def _svg_or_image(path: Path, size: QSize) -> QPixmap:
    if path.suffix.lower() == ".svg":
        from PySide6.QtSvg import QSvgRenderer

        pixmap = QPixmap(size)
        pixmap.fill(Qt.GlobalColor.transparent)
        renderer = QSvgRenderer(str(path))
        painter = QPainter(pixmap)
        renderer.render(painter)
        painter.end()
        return pixmap
    return QPixmap(str(path)).scaled(size, Qt.AspectRatioMode.KeepAspectRatio)


def display_usable() -> bool:
    """Whether a window can open: a Qt platform asked for, an X or Wayland display, or the
    framebuffer of a stick with no desktop (then Qt is told to use it)."""
    if os.environ.get("QT_QPA_PLATFORM"):
        return True
    if os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):
        return True
    if Path("/dev/fb0").exists():
        os.environ["QT_QPA_PLATFORM"] = "linuxfb"
        return True
    return False


def watch_signals(app: QApplication) -> Callable[[], None]:
    """SIGTERM and SIGINT quit Qt's loop (Python's handlers run only when Qt gives it the
    hand: a socket written by the signal wakes it). Returns the undo."""
    reader, writer = socket.socketpair()
    reader.setblocking(False)
    writer.setblocking(False)
    notifier = QSocketNotifier(reader.fileno(), QSocketNotifier.Type.Read)

    def woken() -> None:
        with contextlib.suppress(OSError):
            reader.recv(64)
        app.quit()

    notifier.activated.connect(woken)
    previous = signal.set_wakeup_fd(writer.fileno())
    handlers = {s: signal.signal(s, lambda *_: None) for s in (signal.SIGTERM, signal.SIGINT)}

    def undo() -> None:
        signal.set_wakeup_fd(previous)
        for s, h in handlers.items():
            signal.signal(s, h)
        notifier.setEnabled(False)
        reader.close()
        writer.close()

    return undo


def screen_runner(
    state: AgentState, lang: str, organisation: str = ""
) -> Callable[[Callable[[str], None]], None] | None:
    """Runs the window full screen until the agent stops (SIGTERM, Ctrl-C, or the "stop"
    event of a journey done alone); `started()` is called once Qt's loop runs. None when no
    display can be used (the console then says everything)."""
    if not display_usable():
        return None

    def run(console: Callable[[str], None], started: Callable[[], None] = lambda: None) -> None:
        app = QApplication.instance() or QApplication(["etabli-agent"])
        assert isinstance(app, QApplication)
        window = AgentWindow(state, lang, organisation=organisation)

        def told(what: str) -> None:
            console(what)
            window.changed.emit(what)  # queued to Qt's thread

        state.on_event = told
        undo = watch_signals(app)
        window.showFullScreen()
        # Told once Qt's loop runs, signals watched: the journey alone may start then.
        QTimer.singleShot(0, started)
        try:
            app.exec()
        finally:
            undo()
            state.desk.cancel()
            window.close()

    return run
