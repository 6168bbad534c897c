"""One stylesheet: big readable text, big buttons, calm colours, a loud training banner.

`stylesheet(theme, text_size)` builds it for the station's settings: "contrast" turns every
colour into a stronger one (text and backgrounds reach WCAG AA), and the text size scales
every font size. `apply_style` sets it on the application while it runs."""

from __future__ import annotations

import re

from PySide6.QtCore import QSize
from PySide6.QtWidgets import QApplication

from bench_app.domain.model import JobState
from bench_app.settings import TEXT_SIZES, THEMES
from ui.grade_badge import CONTRAST_GRADE_COLOURS, GRADE_COLOURS, STANDARD_GRADE_COLOURS

STATE_COLOURS: dict[str, str] = {
    JobState.QUEUED: "#7a8794",
    JobState.RUNNING: "#1f6fb2",
    JobState.WAITING_OPERATOR: "#c77700",
    JobState.SUCCEEDED: "#2e7d32",
    JobState.FAILED: "#c62828",
    JobState.BLOCKED: "#c62828",
    JobState.CANCELLED: "#7a8794",
    JobState.INTERRUPTED: "#c77700",
    JobState.ABANDONED: "#7a8794",
}

STANDARD_STATE_COLOURS = dict(STATE_COLOURS)
# The same states for the contrast theme: dark enough to read on white (4.5:1 and more).
CONTRAST_STATE_COLOURS: dict[str, str] = {
    JobState.QUEUED: "#3d3d3d",
    JobState.RUNNING: "#003d73",
    JobState.WAITING_OPERATOR: "#7a3d00",
    JobState.SUCCEEDED: "#1b5e20",
    JobState.FAILED: "#9b0000",
    JobState.BLOCKED: "#9b0000",
    JobState.CANCELLED: "#3d3d3d",
    JobState.INTERRUPTED: "#7a3d00",
    JobState.ABANDONED: "#3d3d3d",
}

BASE = """
QWidget { font-size: 11pt; color: #1d2630; }
QMainWindow, QDialog { background: #eef2f5; }
#TopBar { background: #ffffff; border-bottom: 1px solid #cfd8e0; }
#AppTitle { font-size: 16pt; font-weight: 700; color: #2b3a4a; }
#OperatorName { font-size: 12pt; font-weight: 700; color: #2b3a4a; padding: 6px 10px;
                border: 1px solid #9fb3c4; border-radius: 6px; background: #ffffff; }
#TrainingBanner { background: #ff9800; color: #1d1d1d; font-size: 12pt; font-weight: 700;
                  padding: 6px; }
#CodeSearch { font-size: 14pt; padding: 6px 10px; border: 2px solid #9fb3c4; border-radius: 6px;
              background: #ffffff; min-width: 320px; }
#CodeSearch:focus { border-color: #1f6fb2; }
#SearchError { color: #c62828; font-weight: 600; }
#Instruction { font-size: 12pt; color: #2b3a4a; font-weight: 400; }
#DeviceCard { background: #ffffff; border: 2px solid #d5dee6; border-radius: 10px; }
#DeviceCard[selected="true"] { border: 3px solid #1f6fb2; }
#DeviceCard[unplugged="true"] { background: #f4f4f4; }
#CardTitle { font-size: 12pt; font-weight: 700; }
#CardCode { font-family: "DejaVu Sans Mono", monospace; font-size: 13pt; font-weight: 700;
            color: #2b3a4a; }
#CardState { font-weight: 700; }
#CardStep { color: #44515e; }
#CardCase { color: #8a4b00; font-size: 9pt; font-weight: 700; }
#TrainingTag { background: #ff9800; color: #1d1d1d; border-radius: 4px; padding: 1px 6px;
               font-size: 9pt; font-weight: 700; }
QPushButton { padding: 6px 14px; border-radius: 6px; border: 1px solid #9fb3c4;
              background: #ffffff; }
QPushButton:hover { background: #e8f1f9; }
QPushButton:disabled { color: #8a959f; background: #f1f3f5; }
QPushButton:checked { background: #ff9800; border-color: #c77700; }
QPushButton#BigAction { font-size: 13pt; font-weight: 700; padding: 10px 16px;
                        background: #1f6fb2; color: #ffffff; border: none; }
QPushButton#BigAction:hover { background: #185a91; }
QPushButton#BigAction:disabled { background: #b7c4cf; color: #ffffff; }
QPushButton[tone="good"] { background: #2e7d32; color: #ffffff; border: none;
                           font-size: 14pt; font-weight: 700; padding: 14px 22px; }
QPushButton[tone="bad"] { background: #c62828; color: #ffffff; border: none;
                          font-size: 14pt; font-weight: 700; padding: 14px 22px; }
QPushButton[tone="neutral"] { font-size: 14pt; font-weight: 700; padding: 14px 22px; }
QPushButton[answer="other"] { background: #f6f8fa; border: 2px dashed #7a8794; }
QPushButton[answer="other"]:hover { background: #e8f1f9; }
QPushButton[answer] QLabel#AnswerText { font-size: 14pt; font-weight: 700; background: transparent; }
QPushButton[tone="good"] QLabel#AnswerText, QPushButton[tone="bad"] QLabel#AnswerText {
    color: #ffffff; }
QPushButton[answer="other"] QLabel#AnswerText { font-size: 12pt; font-weight: 600; color: #2b3a4a; }
#CodeSearch[place="toolbar"] { min-width: 200px; }  /* room for a code at 14pt */
#SearchError[place="line"] { background: #fdecea; padding: 6px 16px;
                             border-bottom: 1px solid #f3b8b3; }
#PanelCode { font-family: "DejaVu Sans Mono", monospace; font-size: 28pt; font-weight: 800;
             color: #1d2630; letter-spacing: 2px; }
#PanelTitle { font-size: 16pt; font-weight: 700; }
#Question { font-size: 15pt; font-weight: 600; }
#SectionTitle { font-size: 12pt; font-weight: 700; color: #2b3a4a; margin-top: 8px; }
#EmptyHint { font-size: 15pt; color: #44515e; }
#StartupError { background: #eef2f5; }
#ErrorDetails { font-size: 10pt; color: #44515e; }
#ErrorStep { font-size: 13pt; }
#Command { font-family: "DejaVu Sans Mono", monospace; font-size: 13pt; font-weight: 700;
           background: #ffffff; border: 1px solid #9fb3c4; border-radius: 4px; padding: 6px 10px;
           margin-left: 24px; }
#IntakeCode { font-family: "DejaVu Sans Mono", monospace; font-size: 40pt; font-weight: 800;
              color: #1d2630; background: #ffffff; border: 2px dashed #2b3a4a; padding: 10px; }
QProgressBar { border: 1px solid #b9c7d3; border-radius: 5px; background: #f3f6f8;
               height: 16px; text-align: center; }
QProgressBar::chunk { background: #1f6fb2; border-radius: 4px; }
"""

# Where the keyboard is: a thick dark frame, never only a change of colour. Borders keep
# their width budget (padding shrinks as the border grows) so nothing moves under focus.
FOCUS = """
QPushButton:focus { border: 3px solid #0b1a2a; padding: 4px 12px; }
QPushButton#BigAction:focus { border: 3px solid #0b1a2a; padding: 7px 13px; }
QPushButton[tone]:focus { border: 3px solid #0b1a2a; padding: 11px 19px; }
QPushButton[answer]:focus { border: 4px solid #0b1a2a; }
QToolButton:focus { border: 3px solid #0b1a2a; border-radius: 6px; }
QCheckBox:focus, QRadioButton:focus { border: 2px solid #0b1a2a; border-radius: 4px; }
QComboBox:focus { border: 3px solid #0b1a2a; border-radius: 4px; }
QLineEdit:focus, QAbstractSpinBox:focus, QTextEdit:focus, QPlainTextEdit:focus,
QAbstractItemView:focus { border: 3px solid #0b1a2a; }
#CodeSearch:focus { border: 3px solid #0b1a2a; padding: 5px 9px; }
#DeviceCard:focus { border: 3px dashed #0b1a2a; }
#DeviceCard[selected="true"]:focus { border: 4px double #0b1a2a; }
"""

# Standard colour -> contrast colour: black text on white, darker fills under white text,
# black borders. One colour means one role throughout the sheet, so a map is enough.
CONTRAST_COLOURS = {
    "#1d2630": "#000000",
    "#2b3a4a": "#000000",
    "#44515e": "#1a1a1a",
    "#eef2f5": "#ffffff",
    "#cfd8e0": "#000000",
    "#9fb3c4": "#000000",
    "#1f6fb2": "#003d73",
    "#185a91": "#002447",
    "#e8f1f9": "#cce0ff",
    "#8a959f": "#333333",
    "#f1f3f5": "#e0e0e0",
    "#b7c4cf": "#5c5c5c",
    "#c77700": "#7a3d00",
    "#2e7d32": "#1b5e20",
    "#c62828": "#9b0000",
    "#7a8794": "#3d3d3d",
    "#f6f8fa": "#ffffff",
    "#8a4b00": "#5c2e00",
    "#d5dee6": "#000000",
    "#f4f4f4": "#e0e0e0",
    "#fdecea": "#ffffff",
    "#f3b8b3": "#9b0000",
    "#b9c7d3": "#000000",
    "#f3f6f8": "#ffffff",
    "#0b1a2a": "#000000",
}
# What colour alone cannot say in the contrast theme: a disabled button is dashed, a pressed
# toggle has a thick frame (the standard theme frames it too, see CHECKED).
CONTRAST_EXTRA = """
QPushButton:disabled { border: 2px dashed #333333; }
QPushButton#BigAction:disabled { border: 2px dashed #ffffff; }
QProgressBar { border: 2px solid #000000; }
"""
CHECKED = """
QPushButton:checked { border: 3px solid #1d2630; padding: 4px 12px; }
"""

_SIZE = re.compile(r"font-size:\s*(\d+(?:\.\d+)?)pt")
_current: dict[str, str | int] = {"theme": "standard", "text_size": 100}


def stylesheet(theme: str = "standard", text_size: int = 100) -> str:
    """The application's stylesheet for `theme` ("standard" or "contrast") and `text_size`
    (percent: every font size of the sheet is scaled by it)."""
    if theme not in THEMES or text_size not in TEXT_SIZES:
        raise ValueError(f"unknown look: {theme!r}, {text_size!r}")
    sheet = BASE + CHECKED + FOCUS
    if theme == "contrast":
        sheet = re.sub(
            r"#[0-9a-fA-F]{6}",
            lambda m: CONTRAST_COLOURS.get(m.group(0).lower(), m.group(0)),
            sheet,
        )
        sheet += CONTRAST_EXTRA
    if text_size != 100:
        sheet = _SIZE.sub(lambda m: f"font-size: {float(m.group(1)) * text_size / 100:g}pt", sheet)
    return sheet


STYLESHEET = stylesheet()


def apply_style(app: QApplication, theme: str = "standard", text_size: int = 100) -> None:
    """Sets the look on the running application: its stylesheet, and the state and grade
    colours the cards draw with (read at each redraw)."""
    contrast = theme == "contrast"
    STATE_COLOURS.update(CONTRAST_STATE_COLOURS if contrast else STANDARD_STATE_COLOURS)
    GRADE_COLOURS.update(CONTRAST_GRADE_COLOURS if contrast else STANDARD_GRADE_COLOURS)
    _current.update(theme=theme, text_size=text_size)
    sheet = stylesheet(theme, text_size)
    if app.styleSheet() != sheet:
        app.setStyleSheet(sheet)


def current_look() -> tuple[str, int]:
    """The theme and text size last applied."""
    return str(_current["theme"]), int(_current["text_size"])


def scaled(size: QSize) -> QSize:
    """A fixed size that holds text (a card, an answer button), grown with the text size."""
    return QSize(scaled_px(size.width()), scaled_px(size.height()))


def scaled_px(pixels: int) -> int:
    """A fixed length that holds text, grown with the text size."""
    return round(pixels * int(_current["text_size"]) / 100)
