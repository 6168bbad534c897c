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
import tomllib
from collections import Counter
from pathlib import Path

from bench_app import simulators
from bench_app.diagnostics.guided_tests import GUIDED_TESTS
from bench_app.store.database import DB_NAME
from tests.system.desktop import ARTIFACTS, App, Desktop, Widget
from tests.system.walk import Walk, luhn

SHOTS = ARTIFACTS / "walkthrough"
ENTRY_ANSWERS = {"imei": "356938035643809"}  # a valid IMEI, typed from the phone's *#06#
SCENARIO = Path(simulators.__file__).parent / "scenarios" / "decouverte.toml"
# The classroom drive's serial, as printed on its (simulated) label.
CLASSROOM_DRIVE_SERIAL = next(
    str(d["serial"])
    for d in tomllib.loads(SCENARIO.read_text(encoding="utf-8"))["device"]
    if "serial" in d
)


def typed(prompt: tuple[str, ...]) -> str:
    """What the trainee types in the panel's box: the drive serial's end read on its label,
    else the phone's IMEI."""
    if any("4 derniers caractères" in part for part in prompt):
        return CLASSROOM_DRIVE_SERIAL[-4:]
    return ENTRY_ANSWERS["imei"]


class DriveWalk(Walk):
    """The training day's walk, with the drive taken to its end."""

    def drive_to_its_outcome(self, title: str) -> None:
        """After its erasure, the drive's big button prints its label on the class printer,
        then asks where it goes: recycling, with the eco-organism's reference."""
        self.print_label(title, "drive")
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


def test_a_new_user_walks_through_the_training_day(desktop: Desktop, tmp_path: Path) -> None:
    folder = tmp_path / "formation"
    app = App(
        desktop,
        tmp_path / "run",
        ["--data-dir", str(folder), "--training", "--lang", "fr"],
        {"ETABLI_TESTING": "1"},
    )
    walk = DriveWalk(app, desktop, SHOTS, typed)
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
                # The job says Interrompu as soon as the phone stops answering; the cable
                # watcher reports the unplug a moment later (it looks every 0.1 s).
                button = walk.wait_button(title, "Rebrancher", timeout=15)
                walk.shot("cable-pulled")
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
        desktop.type("Karim")
        app.click(app.find("Enregistrer"))
        app.wait(
            "Karim at work",
            lambda ws: any(w.name == "OperatorName" and "Karim" in w.text for w in ws),
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
