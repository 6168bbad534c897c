#!/usr/bin/env python3
"""Cold start: from launching the process to the main window shown with its first question
on it and the event loop idle, median of several runs, beside a bare PySide6 window started
the same way. Two starts of the station:

- daily: a data folder set up beforehand by the real first-run path (the app started on an
  empty folder, its set-up assistant filled in and finished through its own widgets; not
  timed); each run starts on a fresh copy of it and is ready when "Qui travaille ?" shows;
- first: an empty data folder (the database created and migrated); ready when the set-up
  assistant shows.

    .venv/bin/python benchmarks/bench_cold_start.py [--runs 7]

Uses Xvfb when it is installed (a real X server), else Qt's offscreen platform.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import _common

BARE = """
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QLabel
app = QApplication(sys.argv)
w = QLabel("bare window"); w.resize(1280, 800); w.show()
QTimer.singleShot(0, lambda: (print("READY", flush=True), app.quit()))
app.exec()
"""

# The station as `etabli` starts it. Ready once the main window is visible and the dialog
# the start opens on it (the set-up assistant, or "Qui travaille ?") is visible too. The
# window is shown by showMaximized(), which C++ calls without going through a Python
# override of show(): hooking show() (as this script did until 2026-12-05) never fired.
ETABLI = """
import sys
from PySide6.QtCore import QTimer
from bench_app.commands.main import main
import ui.app as app_module
WANT = sys.argv[2]  # "setup" or "operator"
real_build = app_module.build_window
def build_window(*args, **kwargs):
    window = real_build(*args, **kwargs)
    def ready():
        dialog = window.setup_dialog if WANT == "setup" else window.operator_dialog
        if window.isVisible() and dialog is not None and dialog.isVisible():
            poll.stop()
            QTimer.singleShot(0, lambda: (print("READY", flush=True), app_module.QApplication.exit(0)))
    poll = QTimer(window)
    poll.timeout.connect(ready)
    poll.start(0)
    return window
app_module.build_window = build_window
sys.exit(main(["--data-dir", sys.argv[1]]))
"""

# The first-run path, once, to make the daily start's data folder: the set-up assistant is
# filled in and finished through its own widgets, as a person would, then the window waits
# for "Qui travaille ?" and leaves (exit(), not quit(): Qt 6 quit() first asks each window
# to close, which "Qui travaille ?" refuses until someone is chosen).
PREPARE = """
import sys
from PySide6.QtCore import QTimer
from bench_app.commands.main import main
import ui.app as app_module
from ui.workshop_setup import OperatorsPage, SetupAssistant, StationPage, WorkshopPage
real_build = app_module.build_window
def build_window(*args, **kwargs):
    window = real_build(*args, **kwargs)
    def step():
        dialog = window.setup_dialog
        if isinstance(dialog, SetupAssistant) and dialog.isVisible():
            page = dialog.current()
            if isinstance(page, WorkshopPage) and not page.name.text():
                page.name.setText("Ressourcerie du Port")
            elif isinstance(page, StationPage) and not page.name.text():
                page.name.setText("Poste 1")
            elif isinstance(page, OperatorsPage) and not page.operators:
                page.name.setText("Aïcha")
                page.add_button.click()
            dialog.next_button.click()
        elif window.operator_dialog is not None and window.operator_dialog.isVisible():
            poll.stop()
            print("PREPARED", flush=True)
            app_module.QApplication.exit(0)
    poll = QTimer(window)
    poll.timeout.connect(step)
    poll.start(20)
    return window
app_module.build_window = build_window
sys.exit(main(["--data-dir", sys.argv[1]]))
"""


WAIT = 90.0  # seconds for a window to show before the run is abandoned


def time_once(code: str, args: list[str], env: dict[str, str], word: str = "READY") -> float:
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-c", code, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    # A window that never shows (a dialog waiting for someone) must not hang the run.
    watchdog = threading.Timer(WAIT, proc.kill)
    watchdog.start()
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.startswith(word):
                elapsed = time.perf_counter() - start
                break
        else:
            raise RuntimeError(f"the window did not show within {WAIT:.0f} s ({word})")
        proc.wait(timeout=60)
    finally:
        watchdog.cancel()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    _common.add_json_flag(parser)
    args = parser.parse_args()
    env = dict(os.environ, PYTHONPATH=str(_common.ROOT))
    xvfb = None
    if shutil.which("Xvfb") and not env.get("DISPLAY"):
        xvfb = subprocess.Popen(
            ["Xvfb", ":97", "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
            stderr=subprocess.DEVNULL,
        )
        time.sleep(1.0)
        env["DISPLAY"] = ":97"
        env.pop("QT_QPA_PLATFORM", None)
        platform = "xcb (Xvfb)"
    elif env.get("DISPLAY"):
        platform = "xcb"
    else:
        env["QT_QPA_PLATFORM"] = "offscreen"
        platform = "offscreen"
    try:
        with tempfile.TemporaryDirectory(prefix="etabli-start-") as tmp:
            prepared = Path(tmp) / "prepared"
            time_once(PREPARE, [str(prepared)], env, "PREPARED")
            (prepared / "station.lock").unlink(missing_ok=True)

            def daily(i: int) -> float:
                folder = Path(tmp) / f"daily{i}"
                shutil.copytree(prepared, folder)
                return time_once(ETABLI, [str(folder), "operator"], env)

            def first(i: int) -> float:
                return time_once(ETABLI, [str(Path(tmp) / f"first{i}"), "setup"], env)

            time_once(BARE, [], env)  # warm the disk cache for all three
            daily(-1)
            first(-1)
            bare, ours, empty = [], [], []
            for i in range(args.runs):  # interleaved, so a burst of load falls on all three
                bare.append(time_once(BARE, [], env))
                ours.append(daily(i))
                empty.append(first(i))
    finally:
        if xvfb is not None:
            xvfb.terminate()
            xvfb.wait()
    m_bare, m_ours, m_empty = (_common.median(x) for x in (bare, ours, empty))
    _common.report(
        "cold_start",
        {
            "platform": platform,
            "runs": args.runs,
            "daily_start_median_s": round(m_ours, 3),
            "first_start_median_s": round(m_empty, 3),
            "bare_pyside6_median_s": round(m_bare, 3),
            "daily_start_runs_s": [round(x, 3) for x in ours],
            "first_start_runs_s": [round(x, 3) for x in empty],
            "bare_runs_s": [round(x, 3) for x in bare],
            "note": (
                "daily: a folder set up by the first-run assistant, ready at 'Qui travaille ?'; "
                "first: an empty folder, ready at the set-up assistant; disk cache warm"
            ),
        },
        [
            _common.measure("window_cold_start_vs_bare_pyside6", m_ours, m_bare, "s"),
            _common.measure("window_first_start_vs_bare_pyside6", m_empty, m_bare, "s"),
        ],
        as_json=args.json,
    )


if __name__ == "__main__":
    main()
