"""A phone's whole journey, played on a real X server at the workshop laptop's 1366×768:
`etabli --training` as its own process, every click and key sent by xdotool, a screenshot of
each stage in test-artifacts/walkthrough-phone/.

The trainee plugs a complete simulated phone from the "Appareils simulés" menu (Android,
recovery and bootloader, whose keys are pressed in the "Téléphone simulé" window), then by
the panel's big button only: check (the guided questions answered by clicking "yes"), data
wipe (the recovery's menu driven with the phone's keys), /e/OS installation (its images
imported from a USB stick through the window's chooser, the bootloader unlock confirmed on
the phone), label (the class printer's print appears), outcome (a donation), and the
erasure certificate opened from "Certificats et fiches". Then, from the data folder alone:
every stage done, the outcome and the label recorded, /e/OS installed, the certificate
intact."""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import zipfile
from pathlib import Path
from urllib.parse import unquote, urlparse

from bench_app.simulators.adb_phone.persona import imei_for
from bench_app.store.database import DB_NAME
from tests.system.desktop import ARTIFACTS, CLI, App, Desktop, Widget
from tests.system.walk import WIDTH, Walk

SHOTS = ARTIFACTS / "walkthrough-phone"
BENEFICIARY = "DOS-2026-0117"  # the beneficiary's file number (never a name)
EOS_BUILD = "Fairphone/e_FP4/FP4:13/TQ3A.230901.001/eng.build.20241217:user/release-keys"
# The phone's confirmation screens, and the item a trainee picks on each.
CONFIRMATIONS = {
    "Wipe all user data?": "Factory data reset",
    "Format data?": "Format data",
    "Unlock the bootloader?": "Unlock the bootloader",
}


def eos_stick(folder: Path) -> Path:
    """A USB stick as a workshop prepares it from /e/OS's download page: the FP4's recovery
    and update package, with their SHA256SUMS."""
    images = folder / "eos" / "FP4"
    images.mkdir(parents=True)
    (images / "recovery-e-2.6-t-20241217-FP4.img").write_bytes(os.urandom(1 << 20))
    package = io.BytesIO()
    with zipfile.ZipFile(package, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr(
            "META-INF/com/android/metadata",
            f"ota-type=BLOCK\npost-build={EOS_BUILD}\npost-sdk-level=33\n"
            "post-security-patch-level=2024-12-05\npre-device=FP4\n",
        )
        archive.writestr("payload.bin", os.urandom(1 << 20))
    (images / "e-2.6-t-20241217-FP4.zip").write_bytes(package.getvalue())
    (images / "SHA256SUMS").write_text(
        "".join(
            f"{hashlib.sha256(p.read_bytes()).hexdigest()}  {p.name}\n"
            for p in sorted(images.iterdir())
        ),
        encoding="utf-8",
    )
    return folder


def pdf_viewer(folder: Path) -> tuple[Path, Path]:
    """The desktop's PDF viewer (a double of the outside world): `xdg-open`, first on the
    app's PATH, writes down what it was asked to open. Returns (its folder, its notes)."""
    folder.mkdir(parents=True)
    notes = folder / "opened.txt"
    viewer = folder / "xdg-open"
    viewer.write_text(f'#!/bin/sh\nprintf "%s\\n" "$1" >> "{notes}"\n', encoding="utf-8")
    viewer.chmod(0o755)
    return folder, notes


class PhoneHand:
    """The trainee's hand on the simulated phone: reads its screen (the widget map carries
    what the drawn screen shows) and presses the keys of the "Téléphone simulé" window."""

    def __init__(self, walk: Walk) -> None:
        self.walk = walk
        self.app = walk.app
        self.seen: set[str] = set()  # the confirmation screens already photographed

    def screen(self) -> str:
        return next(
            (
                str(w.raw.get("description", ""))
                for w in self.app.widgets()
                if w.name == "PhoneScreen"
            ),
            "",
        )

    def menu(self) -> tuple[str, list[str], int | None]:
        """The screen's title, its menu items, and the highlighted one."""
        lines = self.screen().splitlines()
        title = lines[0].removeprefix("┌─ ") if lines else ""
        items: list[str] = []
        highlight = None
        for line in lines[1:]:
            found = re.match(r"^│ ([> ]) (\S.*)$", line)
            if found and not line.startswith("│ ("):
                if found.group(1) == ">":
                    highlight = len(items)
                items.append(found.group(2))
        return title, items, highlight

    def press(self, key: str) -> None:
        """Presses a key and waits until the phone's screen answers."""
        before = self.screen()
        button = self.app.find(key, cls="QPushButton")
        assert button.window_class == "HandsetPanel", button
        self.app.click(button)
        self.app.wait(f"the phone's screen after «{key}»", lambda _: self.screen() != before, 30)

    def choose(self, label: str) -> None:
        """Volume down until `label` is highlighted, then Power."""
        _, items, highlight = self.menu()
        target = [_plain(i) for i in items].index(_plain(label))
        for _ in range(len(items)):
            if highlight == target:
                break
            self.press("Volume −")
            _, items, highlight = self.menu()
        assert highlight == target, (label, self.screen())
        self.press("Marche/Arrêt")

    def confirm(self) -> bool:
        """On a confirmation screen, picks what the station's instruction asked for."""
        title, _, _ = self.menu()
        if title not in CONFIRMATIONS:
            return False
        if title not in self.seen:
            self.seen.add(title)
            self.walk.shot("phone-asks-" + _plain(title).strip("?").replace("/", "-"))
        self.choose(CONFIRMATIONS[title])
        return True

    def follow(self, prompt: tuple[str, ...]) -> None:
        """Before answering the station: does on the phone what its instruction says, the
        items named in quotes, in their order, when the phone shows them."""
        panel = self.walk.in_panel(self.app.widgets())
        said = " ".join(
            w.text for w in panel if w.name in ("Question", "Instruction", "SearchError")
        )
        labels = re.findall(r"[«“]\s*([^»”]+?)\s*[»”]", said)
        if labels:
            self.walk.shot("station-asks-for-the-phone-keys")
        for label in labels:
            while self.confirm():
                pass
            _, items, _ = self.menu()
            if _plain(label) in [_plain(i) for i in items]:
                self.choose(label)
        while self.confirm():
            pass

    def meanwhile(self) -> None:
        """While the station works: a question on the phone's own screen is answered."""
        self.confirm()


def _plain(text: str) -> str:
    return re.sub(r"\s+", "", text).casefold()


def panel_value(app: App, label: str) -> str:
    """The value beside `label` in the panel's identity rows."""

    def found(widgets: list[Widget]) -> str | None:
        key = next((w for w in widgets if w.text == label and w.rect[0] > WIDTH // 2), None)
        if key is None:
            return None
        return next(
            (w.text for w in widgets if w.rect[1] == key.rect[1] and w.rect[0] > key.rect[0]),
            None,
        )

    value: str = app.wait(f"«{label}» in the panel", found)
    return value


def test_a_trainee_takes_a_phone_through_its_whole_journey(
    desktop: Desktop, tmp_path: Path
) -> None:
    folder = tmp_path / "formation"
    stick = eos_stick(tmp_path / "cle-usb")
    viewer_dir, opened = pdf_viewer(tmp_path / "viewer")
    shutil.rmtree(SHOTS, ignore_errors=True)
    app = App(
        desktop,
        tmp_path / "run",
        ["--data-dir", str(folder), "--training", "--lang", "fr"],
        {"ETABLI_TESTING": "1", "PATH": f"{viewer_dir}{os.pathsep}{os.environ['PATH']}"},
    )
    imei = {"value": ""}
    walk = Walk(app, desktop, SHOTS, lambda prompt: imei["value"])
    hand = PhoneHand(walk)
    walk.before_answer = hand.follow
    walk.meanwhile = hand.meanwhile
    try:
        app.find(name="CodeSearch", cls="QLineEdit", timeout=120)
        walk.card("Fairphone FP4")
        classroom = {w.text for w in app.widgets() if w.name == "CardCode"}
        walk.shot("start-in-training")

        # A complete phone from the training menu: its card, its screen and keys.
        app.click(app.find("Appareils simulés"))
        app.click(app.find("Téléphone complet (installation)", cls="QAction"))
        app.find("Marche/Arrêt", cls="QPushButton")
        code: str = app.wait(
            "the new phone in the panel",
            lambda ws: next(
                (w.text for w in ws if w.name == "PanelCode" and w.text not in classroom), None
            ),
        )
        serial = panel_value(app, "Numéro de série :")
        imei["value"] = imei_for(serial)  # what *#06# shows on this simulated phone
        walk.shot("phone-plugged")
        walk.assert_fits("phone plugged")

        # Check (with its grade): the guided questions answered "yes".
        app.click(walk.wait_button(None, "Lancer le contrôle"))
        walk.answer_until_done(None, done=("Contrôle terminé",))
        assert walk.panel_code() == code
        assert walk.answered_yes >= 10
        walk.shot("checked-and-graded")

        # Data wipe: the recovery's menu, with the phone's keys.
        walk.yes_at = None  # "yes" keeps its place within a stage
        app.click(walk.wait_button(None, "Effacer les données"))
        walk.answer_until_done(None, done=("Données effacées",))
        assert walk.panel_code() == code
        walk.shot("data-wiped")

        # /e/OS: its images are not in the library yet; they come from the USB stick.
        walk.yes_at = None
        app.click(walk.wait_button(None, "Installer /e/OS"))
        app.find_starting("Il manque le système /e/OS")
        walk.shot("install-images-missing")
        app.click(app.find("Importer depuis une clé USB"))
        place = app.find(name="fileNameEdit", cls="QLineEdit")
        walk.shot("install-choose-the-stick")
        app.click(place)
        # Typed as a user would; the dialog's completer may rewrite what is typed while it
        # lists a folder's entries (seen on a loaded machine): typed again until it reads so.
        for _ in range(3):
            desktop.key("ctrl+a")
            desktop.type(str(stick))
            try:
                app.find(str(stick), name="fileNameEdit", cls="QLineEdit", timeout=5)
                break
            except AssertionError:  # a click on the field closes the completer's list
                app.click(app.find(name="fileNameEdit", cls="QLineEdit"))
        desktop.key("Return")
        app.find("Images prêtes et vérifiées.", timeout=120)
        walk.shot("install-images-ready")
        install = app.wait(
            "the dialog's Installer",
            lambda ws: next(
                (
                    w
                    for w in ws
                    if w.text == "Installer" and w.window_class == "InstallDialog" and w.enabled
                ),
                None,
            ),
        )
        app.click(install)
        walk.answer_until_done(None, done=("Système installé",))
        assert walk.panel_code() == code
        walk.shot("system-installed")

        # Label: the class printer's print appears.
        walk.print_label(None, "phone")

        # Outcome: a donation to a beneficiary, by file number.
        app.click(walk.wait_button(None, "Choisir la destination"))
        app.click(app.find("Don à un bénéficiaire"))
        app.click(app.find("Numéro de dossier, jamais un nom", cls="QLineEdit"))
        desktop.type(BENEFICIARY)
        walk.shot("outcome")
        app.click(app.find("Enregistrer", name="BigAction"))
        app.wait(
            "the outcome recorded",
            lambda ws: any(w.name == "JourneyLine" and BENEFICIARY in w.text for w in ws),
        )
        walk.shot("journey-done")
        walk.assert_fits("journey done")

        # The erasure certificate, from the documents menu.
        app.click(app.find(name="DocumentsButton"))
        app.click(app.find("Certificat d’effacement", cls="QAction"))
        app.click(app.find("Ouvrir", cls="QAction"))
        app.wait("the certificate opened", lambda _: opened.exists())
        walk.shot("certificate-opened")
    finally:
        code_exit = app.close()
    log = app.log_text()
    assert "Traceback" not in log, log[-4000:]
    assert code_exit == 0, log[-2000:]

    # What the data folder says, read by `etabli` itself once the window is closed.
    base = [*CLI, "--data-dir", str(folder), "--training", "--lang", "fr"]
    done = subprocess.run(
        [*base, "journey", code, "--json"], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    journey = json.loads(done.stdout)
    states = {s["stage"]: s["state"] for s in journey["stages"]}
    assert states == dict.fromkeys(
        ("check", "wipe", "install", "grade", "label", "outcome"), "done"
    ), states
    assert journey["next"] is None and journey["blockers"] == []
    assert journey["erasure_verified"] is True
    assert journey["outcome"] == "donation"
    assert journey["outcome_details"] == {"beneficiary": BENEFICIARY}

    db = sqlite3.connect(folder / DB_NAME)
    try:
        device_id = json.loads(
            db.execute("SELECT payload FROM events WHERE type = 'outcome.recorded'").fetchone()[0]
        )["device_id"]
        facts = [
            (kind, json.loads(payload))
            for kind, payload in db.execute(
                "SELECT type, payload FROM events WHERE device_id = ? ORDER BY seq", (device_id,)
            )
        ]
    finally:
        db.close()
    printed = [p for kind, p in facts if kind == "label.printed"]
    assert len(printed) == 1 and printed[0]["printer"] == "Imprimante de la classe", printed
    (system,) = [p for kind, p in facts if kind == "device.os_installed"]
    assert (system["name"], system["fingerprint"], system["verified"]) == ("/e/OS", EOS_BUILD, True)

    # The certificate the viewer was given is this phone's, and intact.
    target = opened.read_text(encoding="utf-8").split()[0]
    pdf = Path(unquote(urlparse(target).path)) if target.startswith("file:") else Path(target)
    assert pdf.name == f"certificat-effacement-{code}.pdf", pdf
    checked = subprocess.run(
        [*base, "verify-certificate", str(pdf)], capture_output=True, text=True, timeout=120
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    if shutil.which("pdftoppm"):  # the certificate's first page, to look at beside the shots
        subprocess.run(
            ["pdftoppm", "-png", "-r", "60", "-singlefile", str(pdf), str(SHOTS / "certificate")],
            check=True,
            timeout=60,
        )
