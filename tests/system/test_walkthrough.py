"""A new user's walk-through, played on a real X server at the workshop laptop's 1366×768:
`etabli --training` as its own process, every click and key sent by xdotool at places on the
screen, a screenshot of each screen in test-artifacts/walkthrough/.

Start in training, take in a donation of three devices, bring every classroom device to its
end, type a code with a typo, try the Wi-Fi button, switch to English and back, switch
training off. Then: no traceback in the log, the window never grew past the screen, and the
answers recorded are exactly the ones clicked — every yes/no question answered by clicking the
place where "yes" was the first time, never by looking for the button again."""

from __future__ import annotations

import json
import sqlite3
import time
import tomllib
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bench_app import simulators
from bench_app.diagnostics.guided_tests import GUIDED_TESTS
from bench_app.store.database import DB_NAME
from tests.system.desktop import ARTIFACTS, App, Desktop, Widget

WIDTH, HEIGHT = 1366, 768
SHOTS = ARTIFACTS / "walkthrough"
ENTRY_ANSWERS = {"imei": "356938035643809"}  # a valid IMEI, typed from the phone's *#06#
SCENARIO = Path(simulators.__file__).parent / "scenarios" / "decouverte.toml"
# The classroom drive's serial, as printed on its (simulated) label.
CLASSROOM_DRIVE_SERIAL = next(
    str(d["serial"])
    for d in tomllib.loads(SCENARIO.read_text(encoding="utf-8"))["device"]
    if "serial" in d
)


@pytest.fixture
def desktop() -> Iterator[Desktop]:
    screen = Desktop(WIDTH, HEIGHT)
    try:
        yield screen
    finally:
        screen.stop()


class Walk:
    """The walk's state: the app, where "yes" was first seen, what was answered."""

    def __init__(self, app: App, desktop: Desktop) -> None:
        self.app = app
        self.desktop = desktop
        self.yes_at: tuple[int, int] | None = None
        self.shots = 0
        self.answered_yes = 0
        self.clicked_yes: list[str] = []  # the questions answered by a click where yes was
        self.third_shown = False
        self.choices_shown = False

    def shot(self, name: str) -> None:
        self.shots += 1
        self.desktop.screenshot(SHOTS / f"{self.shots:02d}-{name}.png")

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
        """The card whose title is `title`, and its big button."""

        def found(widgets: list[Widget]) -> tuple[Widget, Widget] | None:
            names = [w for w in widgets if w.name == "CardTitle" and w.text == title]
            for name in names:
                for card in (w for w in widgets if w.name == "DeviceCard"):
                    if _inside(name.rect, card.rect):
                        for button in widgets:
                            if button.name == "BigAction" and _inside(button.rect, card.rect):
                                return card, button
            return None

        result: tuple[Widget, Widget] = self.app.wait(f"the card of {title}", found)
        return result

    def drive_to_its_outcome(self, title: str) -> None:
        """After its erasure, the drive's big button prints its label on the class printer,
        then asks where it goes: recycling, with the eco-organism's reference."""
        self.wait_button(title, "Imprimer l’étiquette")
        self.app.click(self.card(title)[1])
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
        self.shot("drive-label")
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
        self.shot("drive-label-printed")
        self.app.click(close)
        self.wait_button(title, "Choisir la destination")
        self.app.click(self.card(title)[1])
        self.app.click(self.app.find("Recyclage"))
        reference = self.app.find(
            "Numéro du bordereau de l’éco-organisme", cls="QLineEdit", timeout=30
        )
        self.app.click(reference)
        self.desktop.type("ECO-2026-0142")
        self.shot("drive-outcome")
        self.app.click(self.app.find("Enregistrer"))
        self.app.wait(
            "the outcome recorded",
            lambda ws: (
                not any(w.text == "Recyclage" and w.window_class != "MainWindow" for w in ws)
            ),
        )
        self.shot("drive-at-its-end")

    def wait_button(self, title: str, text: str) -> None:
        """Waits until the big button of `title`'s card reads `text`."""
        self.app.wait(f"«{text}» on {title}", lambda _: self.card(title)[1].text == text)

    def card_text(self, title: str, name: str) -> str:
        card, _ = self.card(title)
        for w in self.app.widgets():
            if w.name == name and _inside(w.rect, card.rect):
                return w.text
        return ""

    def answer_until_done(self, title: str, *, done: tuple[str, ...]) -> str:
        """Answers every question the panel asks about the device `title` until its card's
        state is one of `done`; returns that state."""
        deadline = time.monotonic() + 240
        state = ""
        while time.monotonic() < deadline:
            state = self.card_text(title, "CardState")
            if any(state.startswith(d) for d in done):
                return state
            prompt = self.prompt()
            if prompt is None:
                time.sleep(0.2)
                continue
            self.answer(prompt)
        self.shot("stuck")
        raise AssertionError(f"{title}: never reached {done}; last state «{state}»")

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
            if any("4 derniers caractères" in part for part in prompt):
                self.desktop.type(CLASSROOM_DRIVE_SERIAL[-4:])  # read on the drive's label
            else:
                self.desktop.type(ENTRY_ANSWERS["imei"])
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


def test_a_new_user_walks_through_the_training_day(desktop: Desktop, tmp_path: Path) -> None:
    folder = tmp_path / "formation"
    app = App(
        desktop,
        tmp_path / "run",
        ["--data-dir", str(folder), "--training", "--lang", "fr"],
        {"ETABLI_TESTING": "1"},
    )
    walk = Walk(app, desktop)
    try:
        app.find(name="CodeSearch", cls="QLineEdit", timeout=120)
        walk.card("Fairphone FP4")
        walk.shot("start-in-training")
        walk.assert_fits("start")

        # Intake of a donation with three devices.
        app.click(app.find("Accueil d’un don"))
        donor = app.find("Nom de l’entreprise, de l’organisme ou de la personne", cls="QLineEdit")
        app.click(donor)
        desktop.type("Mairie de Pantin")
        devices = [
            # kind (Down presses from "Téléphone"), brand, model, serial, IMEI
            (2, "Lenovo", "ThinkPad T480", "PF1ABC01", ""),
            (0, "Samsung", "Galaxy A40", "R58M12345", luhn("35432110123456")),
            (0, "Apple", "iPhone 8", "F17VX0ABJC68", luhn("35391108765432")),
        ]
        for n, (downs, brand, model, serial, imei) in enumerate(devices):
            kind = app.wait(
                "the device kind",
                lambda ws: [w for w in ws if w.cls == "QComboBox" and w.rect[1] > 330],
            )[0]
            app.click(kind)
            desktop.key(*(["Home"] + ["Down"] * downs + ["Return"]))
            fields = [w for w in app.widgets() if w.cls == "QLineEdit" and w.rect[1] > 360]
            brand_box, model_box, serial_box, imei_box = fields[:4]
            for box, text in ((brand_box, brand), (model_box, model), (serial_box, serial)):
                app.click(box)
                desktop.type(text)
            if imei:
                app.click(imei_box)
                desktop.type(imei)
            if n == 0:
                walk.shot("intake-first-device")
            app.click(app.find_starting("Enregistrer l’appareil"))

            def cleared(widgets: list[Widget], typed: str = serial) -> bool:
                return not any(w.text == typed for w in widgets if w.cls == "QLineEdit")

            app.wait("the code box cleared for the next device", cleared)
        walk.shot("intake-three-devices")
        app.click(app.find("Terminer"))
        app.wait("the intake closed", lambda ws: not any(w.text == "Terminer" for w in ws))
        walk.assert_fits("after intake")

        # Every classroom device to its end, by its big button only (and the answers).
        _, button = walk.card("Fairphone FP4")
        app.click(button)
        walk.answer_until_done("Fairphone FP4", done=("Contrôle terminé", "Terminé"))
        walk.shot("fairphone-checked")

        _, button = walk.card("Samsung SM-G960F")  # the worn battery
        app.click(button)
        walk.answer_until_done("Samsung SM-G960F", done=("Contrôle terminé", "Terminé"))

        for title in [
            w.text for w in app.widgets() if w.name == "CardTitle" and "Samsung" not in w.text
        ]:
            case = walk.card_text(title, "CardCase")
            if "FRP" in case:
                _, button = walk.card(title)
                app.click(button)
                walk.answer_until_done(title, done=("Bloqué",))
                _, button = walk.card(title)
                assert button.text == "Voir quoi faire"
                app.click(button)
                help_close = app.find("Compris")
                walk.shot("blocked-phone-what-to-do")
                app.click(help_close)
            elif "Câble" in case:
                _, button = walk.card(title)
                app.click(button)
                walk.answer_until_done(title, done=("Interrompu",))
                walk.shot("cable-pulled")
                _, button = walk.card(title)
                assert button.text == "Rebrancher", button.text
                app.click(button)
                walk.wait_button(title, "Reprendre")
                app.click(walk.card(title)[1])
                walk.answer_until_done(title, done=("Contrôle terminé", "Terminé"))
            elif "Disque" in case:
                _, button = walk.card(title)
                app.click(button)
                walk.answer_until_done(title, done=("Données effacées",))
                walk.shot("drive-erased")
                walk.drive_to_its_outcome(title)
        walk.assert_fits("after every classroom device")

        # A typo in the search box: a message, and the window keeps its size.
        size = walk.main_window()["rect"]
        app.click(app.find(name="CodeSearch", cls="QLineEdit"))
        desktop.type("TEST-2223-X")
        desktop.key("Return")
        app.find(name="SearchError")
        walk.shot("search-typo")
        assert walk.main_window()["rect"] == size
        walk.assert_fits("after a typo")

        # The Wi-Fi button opens its dialog; a wrong address is told plainly.
        app.click(app.find(name="NetworkButton"))
        address = app.wait(
            "the Wi-Fi dialog's address box",
            lambda ws: [w for w in ws if w.cls == "QLineEdit" and w.window_class != "MainWindow"],
        )[0]
        app.click(address)
        desktop.type("pas-une-adresse")
        app.click(app.find("Connecter"))
        app.find_starting("Adresse incorrecte")
        walk.shot("wifi-wrong-address")
        app.click(app.find("Annuler"))

        # English and back.
        app.click(app.find("Français", cls="LanguageBox"))
        desktop.key("Down", "Return")
        app.find("English", cls="LanguageBox")
        walk.shot("in-english")
        walk.assert_fits("in English")
        app.click(app.find("English", cls="LanguageBox"))
        desktop.key("Up", "Return")
        app.find("Français", cls="LanguageBox")

        # Training off: the classroom cards go; the window asks who works for real.
        app.click(app.find(name="TrainingToggle"))
        app.wait(
            "the classroom cards gone",
            lambda ws: not any(w.name == "CardCase" for w in ws),
        )
        app.find("Qui travaille ?")
        walk.shot("training-off-who-works")
        name_box = app.wait(
            "the first name box",
            lambda ws: [w for w in ws if w.cls == "QLineEdit" and w.window_class != "MainWindow"],
        )[0]
        app.click(name_box)
        desktop.type("Aïcha")
        app.click(app.find("Enregistrer"))
        app.wait(
            "Aïcha at work",
            lambda ws: any(w.name == "OperatorName" and "Aïcha" in w.text for w in ws),
        )
        assert not any(w.name == "TrainingBanner" for w in app.widgets())
        walk.shot("training-off")
        walk.assert_fits("training off")
    finally:
        code = app.close()
    log = app.log_text()
    assert "Traceback" not in log, log[-4000:]
    assert code == 0, log[-2000:]

    # What was recorded is what was clicked: every guided question answered by a click where
    # "yes" was is recorded as "works", once per click, and nothing else was answered.
    assert walk.answered_yes >= 10
    db = sqlite3.connect(folder / DB_NAME)
    try:
        finished = [
            json.loads(payload)
            for (payload,) in db.execute(
                "SELECT payload FROM events WHERE type = 'step.finished' ORDER BY ts"
            )
        ]
    finally:
        db.close()
    guided_ids = {test.id for test in GUIDED_TESTS}
    questions = {test.question.fr for test in GUIDED_TESTS}
    answered = [
        (p["evidence"]["question"]["fr"], p["evidence"]["answer"], p["status"])
        for p in finished
        if p["step_id"] in guided_ids and "answer" in p.get("evidence", {})
    ]
    wrong = [(q, a, status) for q, a, status in answered if (a, status) != ("ok", "passed")]
    assert not wrong, f"recorded otherwise although «yes» was clicked: {wrong}"
    clicked = Counter(q for q in walk.clicked_yes if q in questions)
    assert Counter(q for q, _, _ in answered) == clicked
