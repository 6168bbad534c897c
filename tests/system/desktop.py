"""A real X desktop for walk-through tests: Xvfb at a chosen size, `etabli` started as its own
process on it, clicks and keys sent with xdotool, screenshots read from the X server, and the
window's widget map (ui/widget_map.py) to find where things are."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from PIL import ImageGrab

CLI = [sys.executable, "-m", "bench_app.commands.main"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


class Desktop:
    """One Xvfb server, stopped when the test ends."""

    def __init__(self, width: int, height: int) -> None:
        for tool in ("Xvfb", "xdotool"):
            if shutil.which(tool) is None:
                pytest.fail(f"{tool} is missing: run the README's test command, it installs it")
        self.width, self.height = width, height
        read, write = os.pipe()
        self.server = subprocess.Popen(
            [
                "Xvfb",
                "-displayfd",
                str(write),
                "-screen",
                "0",
                f"{width}x{height}x24",
                "-nolisten",
                "tcp",
            ],
            pass_fds=(write,),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(write)
        with os.fdopen(read) as answer:
            number = answer.readline().strip()
        if not number:
            self.server.kill()
            pytest.fail("Xvfb did not start")
        self.display = f":{number}"

    def env(self) -> dict[str, str]:
        return {**os.environ, "DISPLAY": self.display, "QT_QPA_PLATFORM": "xcb"}

    def xdotool(self, *argv: str) -> str:
        done = subprocess.run(
            ["xdotool", *argv], env=self.env(), capture_output=True, text=True, timeout=30
        )
        if done.returncode != 0:
            raise AssertionError(f"xdotool {' '.join(argv)}: {done.stderr.strip()}")
        return done.stdout

    def click(self, x: int, y: int) -> None:
        # A hand on a mouse is never still: it comes to the place, then clicks.
        self.xdotool("mousemove", "--sync", str(x + 3), str(y + 2))
        self.xdotool("mousemove", "--sync", str(x), str(y), "click", "1")

    def type(self, text: str) -> None:
        self.xdotool("type", "--delay", "20", text)

    def key(self, *names: str) -> None:
        self.xdotool("key", *names)

    def screenshot(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        ImageGrab.grab(xdisplay=self.display).save(path)
        return path

    def stop(self) -> None:
        self.server.terminate()
        try:
            self.server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.server.kill()


@dataclass(frozen=True)
class Widget:
    cls: str
    name: str
    text: str
    rect: tuple[int, int, int, int]
    enabled: bool
    window: str
    window_class: str
    raw: dict[str, Any]

    @property
    def centre(self) -> tuple[int, int]:
        x, y, w, h = self.rect
        return x + w // 2, y + h // 2


class App:
    """`etabli ARGV` on the desktop, with its widget map and its log."""

    def __init__(
        self, desktop: Desktop, folder: Path, argv: list[str], env: dict[str, str]
    ) -> None:
        self.desktop = desktop
        self.map_file = folder / "ui-map.json"
        self.log_file = folder / "etabli.log"
        folder.mkdir(parents=True, exist_ok=True)
        self.log = self.log_file.open("w", encoding="utf-8")
        self.process = subprocess.Popen(
            [*CLI, *argv],
            env={**desktop.env(), **env, "ETABLI_UI_MAP": str(self.map_file)},
            stdout=self.log,
            stderr=subprocess.STDOUT,
            text=True,
        )

    def snapshot(self) -> list[dict[str, Any]]:
        try:
            windows = json.loads(self.map_file.read_text(encoding="utf-8"))["windows"]
        except (FileNotFoundError, json.JSONDecodeError):
            return []
        return list(windows)

    def widgets(self) -> list[Widget]:
        found = []
        for window in self.snapshot():
            title = window.get("title", "")
            kind = window.get("class", "")
            for w in window["widgets"]:
                found.append(
                    Widget(
                        w["class"],
                        w["name"],
                        w["text"],
                        tuple(w["rect"]),
                        w["enabled"],
                        title,
                        kind,
                        w,
                    )
                )
            for a in window.get("actions", []):
                found.append(
                    Widget("QAction", "", a["text"], tuple(a["rect"]), a["enabled"], title, kind, a)
                )
        return found

    def wait(self, what: str, found: Callable[[list[Widget]], Any], timeout: float = 60) -> Any:
        """Waits until `found(widgets)` answers something true (the map is written on change)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(
                    f"etabli stopped (exit {self.process.returncode}) waiting for {what}:\n{self.log_text()[-3000:]}"
                )
            answer = found(self.widgets())
            if answer:
                return answer
            time.sleep(0.1)
        texts = sorted({w.text for w in self.widgets() if w.text})
        raise AssertionError(f"never saw {what}; visible texts: {texts}")

    def find(
        self,
        text: str | None = None,
        *,
        name: str | None = None,
        cls: str | None = None,
        timeout: float = 60,
        enabled: bool = True,
    ) -> Widget:
        def match(widgets: list[Widget]) -> Widget | None:
            for w in widgets:
                if text is not None and w.text.replace("&", "") != text:
                    continue
                if name is not None and w.name != name:
                    continue
                if cls is not None and w.cls != cls:
                    continue
                if enabled and not w.enabled:
                    continue
                return w
            return None

        return self.wait(f"{cls or ''} {name or ''} «{text or ''}»", match, timeout)

    def find_starting(self, prefix: str, timeout: float = 60) -> Widget:
        """The first enabled widget whose text starts with `prefix`."""

        def match(widgets: list[Widget]) -> Widget | None:
            return next((w for w in widgets if w.text.startswith(prefix) and w.enabled), None)

        found: Widget = self.wait(f"«{prefix}…»", match, timeout)
        return found

    def settle(self, quiet: float = 0.4, timeout: float = 15) -> None:
        """Waits until the screen has stopped changing for `quiet` seconds (a person's eye
        does the same before a click): the map is rewritten on every change."""
        deadline = time.monotonic() + timeout
        last = self._stamp()
        since = time.monotonic()
        while time.monotonic() < deadline:
            time.sleep(0.05)
            now = self._stamp()
            if now != last:
                last, since = now, time.monotonic()
            elif time.monotonic() - since >= quiet:
                return

    def _stamp(self) -> int:
        try:
            return self.map_file.stat().st_mtime_ns
        except FileNotFoundError:
            return 0

    def click(self, widget: Widget) -> None:
        """Clicks the middle of `widget` once the screen is still, where it is then."""
        self.settle()
        same = [
            w
            for w in self.widgets()
            if (w.cls, w.name, w.text, w.window_class)
            == (widget.cls, widget.name, widget.text, widget.window_class)
        ]
        # Where it is now: the same control nearest to where it was seen (cards move).
        x, y = widget.centre
        now = min(
            same,
            key=lambda w: (w.centre[0] - x) ** 2 + (w.centre[1] - y) ** 2,
            default=widget,
        )
        self.desktop.click(*now.centre)

    def log_text(self) -> str:
        if not self.log.closed:
            self.log.flush()
        return self.log_file.read_text(encoding="utf-8", errors="replace")

    def close(self, timeout: float = 30) -> int:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()
        return self.process.returncode
