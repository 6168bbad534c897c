"""A person walking through the window on the walk-through desktop (tests/system/desktop.py):
cards and their big buttons, the device panel, the guided questions answered by clicking the
place where "yes" was the first time, screenshots numbered in the order they were taken."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.system.desktop import App, Desktop, Widget

WIDTH, HEIGHT = 1366, 768  # the workshop laptop's screen


# What is typed in the panel's entry box for a prompt (its question and answers).
Typed = Callable[[tuple[str, ...]], str]


class Walk:
    """The walk's state: the app, where "yes" was first seen, what was answered.

    A device is named by its card's title or its asset code; `None` names the device shown
    in the panel on the right (its card may be scrolled out of sight)."""

    def __init__(self, app: App, desktop: Desktop, shots: Path, typed: Typed) -> None:
        self.app = app
        self.desktop = desktop
        self.shots_dir = shots
        self.typed = typed
        self.yes_at: tuple[int, int] | None = None
        self.shots = 0
        self.answered_yes = 0
        self.clicked_yes: list[str] = []  # the questions answered by a click where yes was
        self.third_shown = False
        self.choices_shown = False
        # Called with each prompt before it is answered: a hand on the phone's keys.
        self.before_answer: Callable[[tuple[str, ...]], None] = lambda prompt: None
        # Called while the panel asks nothing: an eye on the phone's own screen.
        self.meanwhile: Callable[[], None] = lambda: None

    def shot(self, name: str) -> Path:
        self.shots += 1
        return self.desktop.screenshot(self.shots_dir / f"{self.shots:02d}-{name}.png")

    def main_window(self) -> dict[str, Any]:
        windows = [w for w in self.app.snapshot() if w["class"] == "MainWindow"]
        assert windows, "the main window is not on screen"
        return windows[0]

    def assert_fits(self, where: str) -> None:
        x, y, w, h = (int(v) for v in self.main_window()["rect"])
        assert x >= 0 and y >= 0 and x + w <= WIDTH and y + h <= HEIGHT, (
            f"{where}: the window reaches {x + w}×{y + h}, past the {WIDTH}×{HEIGHT} screen"
        )
        for widget in self.app.widgets():
            if widget.name in ("CodeSearch", "BigAction") and widget.window_class == "MainWindow":
                wx, wy, ww, wh = widget.rect
                assert wx + ww <= WIDTH + 2 and wy + wh <= HEIGHT + 2, (
                    f"{where}: «{widget.text}» ({widget.name}) is off-screen at {widget.rect}"
                )

    def title(self) -> str:
        return str(self.main_window()["title"])

    def card(self, title: str) -> tuple[Widget, Widget]:
        """The card whose title (or asset code) is `title`, and its big button."""

        def found(widgets: list[Widget]) -> tuple[Widget, Widget] | None:
            names = [w for w in widgets if w.name in ("CardTitle", "CardCode") and w.text == title]
            for name in names:
                for card in (w for w in widgets if w.name == "DeviceCard"):
                    if _inside(name.rect, card.rect):
                        for button in widgets:
                            if button.name == "BigAction" and _inside(button.rect, card.rect):
                                return card, button
            return None

        result: tuple[Widget, Widget] = self.app.wait(f"the card of {title}", found)
        return result

    def in_panel(self, widgets: list[Widget]) -> list[Widget]:
        """The device panel's widgets (the right-hand side of the main window)."""
        return [w for w in widgets if w.window_class == "MainWindow" and w.rect[0] > WIDTH // 2]

    def panel_code(self) -> str:
        return next((w.text for w in self.app.widgets() if w.name == "PanelCode"), "")

    def button(self, title: str | None) -> Widget:
        """The big button of `title`'s card, or of the panel."""
        if title is not None:
            return self.card(title)[1]
        found: Widget = self.app.wait(
            "the panel's big button",
            lambda ws: next((w for w in self.in_panel(ws) if w.name == "BigAction"), None),
        )
        return found

    def wait_button(self, title: str | None, text: str, timeout: float = 60) -> Widget:
        """Waits until the big button of `title`'s card (or of the panel) reads `text`."""

        def ready(_: list[Widget]) -> Widget | None:
            button = self.button(title)
            return button if button.text == text and button.enabled else None

        where = title or "the panel"
        found: Widget = self.app.wait(f"«{text}» on {where}", ready, timeout)
        return found

    def print_label(self, title: str | None, name: str) -> None:
        """The big button prints the device's label on the class printer; the printed label
        opens as a picture, then is closed (screenshots named after `name`)."""
        self.app.click(self.wait_button(title, "Imprimer l’étiquette"))
        printer = self.app.find("Imprimer l’étiquette", name="BigAction", timeout=60)
        if printer.window_class == "MainWindow":  # the card's button again: look for the dialog
            printer = self.app.wait(
                "the label dialog",
                lambda ws: next(
                    (
                        w
                        for w in ws
                        if w.name == "BigAction"
                        and w.text == "Imprimer l’étiquette"
                        and w.window_class != "MainWindow"
                    ),
                    None,
                ),
            )
        self.shot(f"{name}-label")
        self.app.click(printer)
        self.app.find_starting("Envoyé")  # the dialog says the label went to the printer
        self.app.click(
            self.app.wait(
                "the printer dialog's Fermer",
                lambda ws: next(
                    (w for w in ws if w.text == "Fermer" and w.window_class == "PrinterDialog"),
                    None,
                ),
            )
        )
        # The class printer's prints open as pictures once the print dialog is closed.
        close = self.app.wait(
            "the printed label's picture",
            lambda ws: next(
                (w for w in ws if w.text == "Fermer" and w.window_class == "PrintedLabelsDialog"),
                None,
            ),
        )
        self.shot(f"{name}-label-printed")
        self.app.click(close)

    def card_text(self, title: str | None, name: str) -> str:
        if title is None:
            return next((w.text for w in self.in_panel(self.app.widgets()) if w.name == name), "")
        card, _ = self.card(title)
        for w in self.app.widgets():
            if w.name == name and _inside(w.rect, card.rect):
                return w.text
        return ""

    def answer_until_done(self, title: str | None, *, done: tuple[str, ...]) -> str:
        """Answers every question the panel asks about the device `title` until its card's
        (or the panel's) state is one of `done`; returns that state."""
        deadline = time.monotonic() + 240
        state = ""
        while time.monotonic() < deadline:
            state = self.card_text(title, "CardState")
            if any(state.startswith(d) for d in done):
                return state
            prompt = self.prompt()
            if prompt is None:
                self.meanwhile()
                time.sleep(0.2)
                continue
            self.answer(prompt)
        self.shot("stuck")
        raise AssertionError(f"{title or 'the panel'}: never reached {done}; last state «{state}»")

    def prompt(self) -> tuple[str, ...] | None:
        """What the panel asks now (its question and answers), or None."""
        widgets = [w for w in self.app.widgets() if w.window_class == "MainWindow"]
        answers = tuple(w.text for w in widgets if w.cls == "AnswerButton")
        entry = tuple(w.text for w in widgets if w.name == "CodeSearch" and w.rect[0] > WIDTH // 2)
        if not answers and not entry:
            return None
        question = tuple(w.text for w in widgets if w.name == "Question")
        return question + answers + entry

    def answer(self, prompt: tuple[str, ...]) -> None:
        self.app.settle()
        if self.prompt() != prompt:
            return  # it changed while the eye settled: look again
        self.before_answer(prompt)
        widgets = [w for w in self.app.widgets() if w.window_class == "MainWindow"]
        answers = [w for w in widgets if w.cls == "AnswerButton"]
        mains = [w for w in answers if w.raw.get("answer") == "main"]
        entry = [w for w in widgets if w.name == "CodeSearch" and w.rect[0] > WIDTH // 2]
        if len(mains) == 2:
            yes = next(w for w in mains if w.raw.get("tone") == "good")
            if self.yes_at is None:
                self.yes_at = yes.centre
                self.shot("first-question")
            elif yes.centre != self.yes_at:
                self.shot("yes-moved")
                # Fixed places: "yes" is where it was the first time, for every question.
                assert abs(yes.centre[0] - self.yes_at[0]) <= 1, (prompt, yes.rect)
                assert abs(yes.centre[1] - self.yes_at[1]) <= 1, (prompt, yes.rect)
            if any(w.raw.get("answer") == "other" for w in answers) and not self.third_shown:
                self.third_shown = True
                self.shot("question-with-a-third-answer")
            self.desktop.click(*self.yes_at)
            self.answered_yes += 1
            self.clicked_yes.append(prompt[0] if prompt else "")
        elif entry:
            self.app.click(entry[0])
            self.desktop.type(self.typed(prompt))
            self.desktop.key("Return")
        else:
            if not self.choices_shown:
                self.choices_shown = True
                self.shot("question-with-choices")
            self.app.click(answers[0])  # the first choice (the best cosmetic grade)
        self.app.wait("the next question", lambda _: self.prompt() != prompt, timeout=60)


def luhn(body: str) -> str:
    """`body` with its Luhn check digit (an IMEI's last digit)."""
    total = 0
    for i, digit in enumerate(reversed(body)):
        n = int(digit) * (2 if i % 2 == 0 else 1)
        total += n - 9 if n > 9 else n
    return body + str((10 - total % 10) % 10)


def _inside(inner: tuple[int, int, int, int], outer: tuple[int, int, int, int]) -> bool:
    ix, iy, iw, ih = inner
    ox, oy, ow, oh = outer
    return ox <= ix and oy <= iy and ix + iw <= ox + ow and iy + ih <= oy + oh
