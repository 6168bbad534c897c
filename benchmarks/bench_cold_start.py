#!/usr/bin/env python3
"""Cold start: from launching the process to the main window shown and the event loop idle,
median of several runs, beside a bare PySide6 window started the same way.

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

ETABLI = """
import sys
from PySide6.QtCore import QTimer
from bench_app.commands.main import main
import ui.app as app_module
real_show = app_module.MainWindow.show
def show(self):
    real_show(self)
    QTimer.singleShot(0, lambda: (print("READY", flush=True), self.close(), app_module.QApplication.quit()))
app_module.MainWindow.show = show
sys.exit(main(["--data-dir", sys.argv[1]]))
"""


WAIT = 90.0  # seconds for a window to show before the run is abandoned


def time_once(code: str, args: list[str], env: dict[str, str]) -> float:
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
            if line.startswith("READY"):
                elapsed = time.perf_counter() - start
                break
        else:
            raise RuntimeError(f"the window did not show within {WAIT:.0f} s")
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
            time_once(BARE, [], env)  # warm the disk cache for both
            time_once(ETABLI, [str(Path(tmp) / "warm")], env)
            bare = [time_once(BARE, [], env) for _ in range(args.runs)]
            ours = [time_once(ETABLI, [str(Path(tmp) / f"run{i}")], env) for i in range(args.runs)]
    finally:
        if xvfb is not None:
            xvfb.terminate()
            xvfb.wait()
    _common.report(
        "cold_start",
        {
            "platform": platform,
            "runs": args.runs,
            "etabli_median_s": round(_common.median(ours), 3),
            "bare_pyside6_median_s": round(_common.median(bare), 3),
            "ratio_etabli_vs_bare": round(_common.median(ours) / _common.median(bare), 2),
            "note": "first start on an empty data folder (creates and migrates the database)",
        },
        [
            _common.measure(
                "window_cold_start_vs_bare_pyside6",
                _common.median(ours),
                _common.median(bare),
                "s",
            )
        ],
        as_json=args.json,
    )


if __name__ == "__main__":
    main()
