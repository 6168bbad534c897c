"""One stylesheet: big readable text, big buttons, calm colours, a loud training banner."""

from __future__ import annotations

from bench_app.domain.model import JobState

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

STYLESHEET = """
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
