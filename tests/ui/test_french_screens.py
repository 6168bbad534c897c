"""Every screen of the window, in French, shows French: the walker drives the classroom set
through every state it reaches in training (checked, blocked, unplugged, failed), opens each
device's panel, every prompt, every dialog and menu, and reads every visible text. No text may
hold an English word of the product's own English side, a snake_case code, a raw enum value,
a raw reading of the phone, or a raw exception."""

from __future__ import annotations

import ast
import html
import re
from collections.abc import Callable, Iterable
from enum import StrEnum
from pathlib import Path

from PySide6.QtWidgets import (
    QAbstractButton,
    QComboBox,
    QDialog,
    QGroupBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QMenu,
    QMessageBox,
    QWidget,
)
from pytestqt.qtbot import QtBot

from bench_app.devices.android import parsers
from bench_app.domain import model
from bench_app.domain.imei import luhn_digit
from bench_app.errors import BenchError
from bench_app.jobs.prompt import Prompt
from bench_app.jobs.steps import Pipeline, Purpose, Step, StepContext, StepOutcome
from bench_app.simulators.docked_drive import DriveBehaviour
from bench_app.text import Text
from tests.ui.conftest import Bench
from ui.i18n import I18N_DIR
from ui.intake_dialog import IntakeDialog
from ui.startup_error import StartupErrorWindow

ROOT = Path(__file__).resolve().parents[2]
WAIT = 60_000

# Names and technical tokens that are the same in every language.
ALLOWED = {
    "établi", "fairphone", "imei", "usb", "wi-fi", "adb", "/e/os", "lineageos", "smart", "frp",
    "nist", "qr", "pdf", "android", "google", "mdm", "sata", "nvme", "hdd", "ssd", "sp",
    "fastboot", "recovery", "sideload", "ok", "brother", "zebra", "cups", "deee", "ram",
    "apple", "iphone", "ios", "pixel",  # names: Google Pixel beside the screen test's pixels
}  # fmt: skip
# Raw words a phone or a drive answers with, never to be shown as they are.
RAW_READINGS = (
    set(parsers.HEALTH_NAMES.values())
    | set(parsers.STATUS_NAMES.values())
    | {"green", "yellow", "red", "locked", "unlocked", "enforcing", "permissive", "encrypted"}
)
WORD = re.compile(r"[^\W\d_]+(?:[’'-][^\W\d_]+)*")
SNAKE = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b")
PATH = re.compile(r"(?<![\w>])/[^\s\"]+")  # a file's path is the same in any language
CODE_LIKE = re.compile(r"\b[A-Z0-9]+(?:[-/][A-Z0-9]+)*\b")  # asset codes, serials, models


def _strings(node: ast.expr) -> str:
    """The literal text of a string or f-string node (its placeholders left out)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return " ".join(_strings(v) for v in node.values)
    if isinstance(node, ast.BinOp):
        return _strings(node.left) + " " + _strings(node.right)
    if isinstance(node, ast.IfExp):
        return _strings(node.body) + " " + _strings(node.orelse)
    return ""


def bilingual_sources() -> tuple[list[str], list[str]]:
    """Every French and English sentence of the product: the core's `Text(fr, en)` (and the
    catalogue's pairs), and the window's .ts translations."""
    french: list[str] = []
    english: list[str] = []
    for path in (ROOT / "bench_app").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for call in ast.walk(tree):
            if not isinstance(call, ast.Call):
                continue
            name = getattr(call.func, "id", getattr(call.func, "attr", ""))
            args = call.args
            if name in ("Text", "T") and len(args) >= 2:
                french.append(_strings(args[0]))
                english.append(_strings(args[1]))
            elif name == "_kind" and len(args) == 5:
                french += [_strings(args[1]), _strings(args[3])]
                english += [_strings(args[2]), _strings(args[4])]
    for lang, sink in (("fr", french), ("en", english)):
        text = (I18N_DIR / f"etabli_{lang}.ts").read_text(encoding="utf-8")
        for block in re.findall(r"<message[^>]*>.*?</message>", text, re.S):
            forms = re.findall(r"<(?:numerusform|translation)>(.*?)</", block, re.S)
            sink.extend(html.unescape(f) for f in forms)
            if lang == "en":  # the sources are the English side too
                sink.extend(html.unescape(s) for s in re.findall(r"<source>(.*?)</", block, re.S))
    return french, english


def words(text: str) -> set[str]:
    return {w.lower() for w in WORD.findall(text)}


def english_only_words() -> set[str]:
    """Words of the product's English side that its French side never uses."""
    french, english = bilingual_sources()
    fr_words: set[str] = set().union(*(words(t) for t in french))
    en_words: set[str] = set().union(*(words(t) for t in english))
    return {w for w in en_words - fr_words - ALLOWED if len(w) > 2}


def raw_enum_values() -> set[str]:
    """The raw values of the records' enums (they are codes, shown only through labels)."""
    values: set[str] = set()
    for item in vars(model).values():
        if isinstance(item, type) and issubclass(item, StrEnum) and item is not StrEnum:
            values |= {str(member.value) for member in item}
    return values


class Checker:
    def __init__(self) -> None:
        french, _ = bilingual_sources()
        self.fr_words: set[str] = set().union(*(words(t) for t in french))
        self.english = english_only_words()
        self.enums = {v for v in raw_enum_values() if v.lower() not in self.fr_words}
        self.raw = RAW_READINGS - self.fr_words
        self.seen: dict[str, str] = {}  # text -> where it was seen
        self.behind_more: list[str] = []  # the longer explanations, raw detail allowed

    def add_detail(self, texts: Iterable[str]) -> None:
        """Texts behind "En savoir plus": the raw detail may be there, and only there."""
        self.behind_more += [t for t in texts if t.strip()]

    def add(self, where: str, texts: Iterable[str]) -> None:
        for text in texts:
            if text.strip():
                self.seen.setdefault(text, where)

    def problems(self, text: str) -> list[str]:
        found: list[str] = []
        text = PATH.sub(" ", text)
        if "errno" in text.lower() or "Traceback" in text or "Exception" in text:
            found.append("raw exception")
        for token in SNAKE.findall(text):
            found.append(f"code {token}")
        plain = CODE_LIKE.sub(" ", text)
        for word in words(plain):
            if word in ALLOWED:
                continue
            if word in self.english:
                found.append(f"English {word!r}")
            elif word in self.enums:
                found.append(f"raw value {word!r}")
            elif word in self.raw:
                found.append(f"raw reading {word!r}")
        return found

    def report(self) -> list[str]:
        return [
            f"{where}: {text!r} -> {', '.join(p)}"
            for text, where in sorted(self.seen.items(), key=lambda kv: kv[1])
            if (p := self.problems(text))
        ]


def texts_of(root: QWidget) -> list[str]:
    """Every text a person sees in `root`: labels, buttons, placeholders, list and combo
    items, group titles, tooltips, the window title, and the entries of its menus."""
    out = [root.windowTitle()]
    for widget in [root, *root.findChildren(QWidget)]:
        if widget is not root and not widget.isVisibleTo(root):
            continue
        out.append(widget.toolTip())
        if isinstance(widget, QLabel):
            out.append(widget.text())
        elif isinstance(widget, QAbstractButton):
            out.append(widget.text())
            menu = getattr(widget, "menu", lambda: None)()
            if isinstance(menu, QMenu):
                out += menu_texts(menu)
        elif isinstance(widget, QLineEdit):
            out += [widget.placeholderText(), widget.text()]
        elif isinstance(widget, QComboBox):
            out += [widget.itemText(i) for i in range(widget.count())]
        elif isinstance(widget, QGroupBox):
            out.append(widget.title())
        elif isinstance(widget, QListWidget):
            out += [widget.item(i).text() for i in range(widget.count())]
            out += [widget.item(i).toolTip() for i in range(widget.count())]
        if isinstance(widget, QMessageBox):
            out += [widget.text(), widget.informativeText()]
    return [t for t in out if t and t.strip()]


def menu_texts(menu: QMenu) -> list[str]:
    out = [menu.title()]
    for action in menu.actions():
        out += [action.text(), action.toolTip() if action.toolTip() != action.text() else ""]
        if action.menu() is not None:
            out += menu_texts(action.menu())  # type: ignore[arg-type]
    return [t for t in out if t]


def _valid_imei(body: str) -> str:
    return body + luhn_digit(body)


def _answer(bench: Bench, device_id: str, prompt: Prompt, typed: dict[str, int]) -> None:
    """Answers as a trainee would: a mistake first where a number is typed, then right."""
    if prompt.entry is not None:
        device = bench.station.device(device_id)
        assert device is not None
        tries = typed.get(device_id, 0)
        typed[device_id] = tries + 1
        if prompt.picture == "imei.svg":
            text = "12345" if tries == 0 else _valid_imei("35693803564380")
        else:  # the end of a drive's serial number
            text = "ZZZZ" if tries == 0 else device.serial[-4:]
        bench.window.panel.entry.setText(text)
        bench.window.panel.entry_ok.click()
        return
    buttons = bench.window.panel.answer_buttons()
    good = [b for b in buttons if b.property("tone") == "good"] or buttons
    good[0].click()


def walk_devices(bench: Bench, qtbot: QtBot, checker: Checker) -> None:
    """Runs every device's check to its end, reading the window at each prompt."""
    window = bench.window
    for device_id in list(window.cards):
        window.select(device_id)
        checker.add("panel before the check", texts_of(window))
        if bench.station.handle(device_id) is not None:
            bench.station.start_job(device_id)
    typed: dict[str, int] = {}

    def all_done() -> bool:
        window._flush(full=True)
        return all(bench.station.engine.job_for_device(d) is None for d in window.cards)

    while not all_done():
        for device_id, view in list(window.views.items()):
            prompt = view.prompt
            if prompt is None or prompt.answered:
                continue
            window.select(device_id)
            window._flush(full=True)
            if window.panel._shown_prompt is not prompt:
                continue
            checker.add(f"prompt of {view.device.label}", texts_of(window))
            _answer(bench, device_id, prompt, typed)
        qtbot.wait(20)


def test_every_french_screen_shows_french_only(
    make_bench: Callable[..., Bench], qtbot: QtBot, tmp_path: Path
) -> None:
    checker = Checker()
    # The deny list is built from the product itself and is not empty.
    assert {"laptop", "drive", "unplugged"} <= checker.english
    bench = make_bench(lang="fr")
    window = bench.window
    window.resize(1366, 768)
    checker.add("empty window", texts_of(window))
    bench.simulator.add_training_set()
    bench.simulator.add_adb_phone("garbage")
    bench.simulator.add_adb_phone("unauthorized")
    bench.simulator.add_adb_phone("silent")
    bench.simulator.add_adb_phone("unplugged-mid-command")
    bench.simulator.add_drive("hdd-sata-500", DriveBehaviour.FAILING, serial="SIMD0006BAD")
    qtbot.waitUntil(lambda: len(window.cards) >= 6 and bool(window.pending_cards), timeout=WAIT)
    for key in list(window.pending_cards):
        window.select_pending(key)
        checker.add("phone to allow", texts_of(window))
    walk_devices(bench, qtbot, checker)
    window._flush(full=True)
    states = set()
    labels: dict[str, str] = {}
    for device_id in list(window.cards):
        window.select(device_id)
        window._flush(full=True)
        view = window.views[device_id]
        states.add((view.state, view.connected))
        labels[view.device.label + " " + view.device.serial] = str(view.state)
        where = f"panel of {view.device.label} ({view.state})"
        checker.add(where, texts_of(window))
        if window.panel.more_button.isVisibleTo(window):
            window.panel.more_button.click()  # the longer explanation, in French too
            checker.add(where + ", learn more", texts_of(window))
            window.panel.grab().save(str(ROOT / "test-artifacts" / "fr-blocked-panel.png"))
    shot = ROOT / "test-artifacts"
    shot.mkdir(exist_ok=True)
    window.grab().save(str(shot / "fr-main-window.png"))
    reached = {s for s, _ in states}
    assert {model.JobState.SUCCEEDED, model.JobState.BLOCKED} <= reached, states
    # The classroom set ends checked, blocked (Google account, dying drive) and interrupted
    # by an unplugged cable; none of its cases ends in a failed job.
    assert model.JobState.INTERRUPTED in reached, labels
    assert any(not connected for _, connected in states), states

    # A mistyped code in the search box.
    window.search.setText("ABCD-2345-Y")
    window._on_search()
    checker.add("code search, mistyped", texts_of(window))

    # Dialogs: intake (empty, a mistyped IMEI, a device registered), printers, errors.
    intake = IntakeDialog(bench.station, "fr", window)
    qtbot.addWidget(intake)
    checker.add("intake", texts_of(intake))
    intake.donor_name.setText("Mairie de Lyon")
    intake.imei.setText("490154203237519")
    intake.register()
    checker.add("intake, wrong IMEI", texts_of(intake))
    intake.error_more.click()
    checker.add("intake, wrong IMEI, learn more", texts_of(intake))
    intake.grab().save(str(shot / "fr-intake-wrong-imei.png"))
    intake.imei.setText("")
    intake.register()
    checker.add("intake, registered", texts_of(intake))
    # Devices with neither brand nor model, pre-sorted for parts: their cards and history.
    intake.kind.setCurrentIndex(intake.kind.findData(model.DeviceKind.LAPTOP.value))
    next(b for b in intake.presort.buttons() if b.property("presort") == "spare_parts").click()
    intake.register()
    for device in intake.registered:
        window.select_device_card(device.id)
        window._flush(full=True)
        checker.add("registered device", texts_of(window))
    intake.grab().save(str(shot / "fr-intake.png"))
    from ui.printer_dialog import PrinterDialog

    printers = PrinterDialog.for_device(bench.station, next(iter(window.cards)), "fr", window)
    qtbot.addWidget(printers)
    checker.add("printers", texts_of(printers))
    window._show_error(BenchError("DEVICE_NO_ANSWER", detail="[Errno 111] Connection refused"))
    for box in window.findChildren(QMessageBox):
        checker.add("error box", texts_of(box))
        more = next(b for b in box.buttons() if b.text() == "En savoir plus")
        more.click()
    details = [t for b in window.findChildren(QMessageBox) if b.isVisible() for t in texts_of(b)]
    checker.add_detail(details)
    assert any("[Errno 111]" in t for t in checker.behind_more), details
    startup = StartupErrorWindow(
        BenchError(
            "DB_CORRUPT", path=str(tmp_path / "etabli.sqlite3"), detail="file is not a database"
        ),
        tmp_path,
        "fr",
    )
    qtbot.addWidget(startup)
    checker.add("startup error", texts_of(startup))
    startup.more.click()
    checker.add_detail([startup.details.text()])
    for dialog in window.findChildren(QDialog):
        dialog.close()
    # The walk did read the menus, the prompts and the dialogs.
    assert {"Brancher un téléphone", "Accueil d’un don", "Réemploi"} <= set(checker.seen)
    report = checker.report()
    assert not report, "\n".join(report)


def test_the_sync_status_is_french_in_every_state(
    make_bench: Callable[..., Bench], qtbot: QtBot, data_dir: Path, tmp_path: Path
) -> None:
    """Not synced yet, server unreachable (a real refused connection), synced: each a short
    French sentence; the refused connection's raw words only behind "En savoir plus"."""
    from bench_app.sync.client import enrol_station
    from hub.db import HubDB
    from tests.sync.conftest import LiveHub
    from tests.sync.fault_proxy import FaultProxy
    from ui.app import start_sync
    from ui.sync_status import SyncStatusLabel

    checker = Checker()
    bench = make_bench(training=False, lang="fr")
    hub = LiveHub(HubDB(f"sqlite://{tmp_path / 'hub.sqlite3'}"))
    proxy = FaultProxy(hub.port)
    worker = None
    try:
        enrol_station(data_dir, bench.station.store, proxy.url, hub.code("Atelier Lyon"))
        bench.station.register_device(model.DeviceKind.PHONE, brand="Fairphone", serial="S1")
        proxy.partition()  # the workshop's network is down: connections are refused
        worker = start_sync(bench.station, bench.window)
        assert worker is not None
        label = bench.window.findChild(SyncStatusLabel)
        assert label is not None
        qtbot.waitUntil(lambda: worker.status().rounds >= 1, timeout=20_000)
        label.refresh()
        assert label.text() == "Serveur injoignable, nouvel essai dans 1 min"
        assert label.more.isVisibleTo(bench.window) and label.more.text() == "En savoir plus"
        checker.add("sync status, unreachable", texts_of(bench.window))
        bench.window.resize(1366, 768)
        bench.window.grab().save(str(ROOT / "test-artifacts" / "fr-sync-unreachable.png"))
        box = label.explain()
        checker.add_detail(texts_of(box))
        assert "ne répond pas" in box.text()
        box.close()
        proxy.heal()
        worker.poke()
        qtbot.waitUntil(lambda: worker.status().error is None, timeout=20_000)
        label.refresh()
        assert label.text() == "Synchronisé il y a 0 min · 0 en attente"
        assert not label.more.isVisibleTo(bench.window)
        checker.add("sync status, synced", texts_of(bench.window))
    finally:
        if worker is not None:
            worker.stop()
        proxy.close()
        hub.stop()
    report = checker.report()
    assert not report, "\n".join(report)


class _SideloadFails(Step):
    """A step that fails the way a real one does: a catalogue error carrying the raw words
    of the operating system."""

    id = "send"
    title = Text("Envoi du système", "Sending the system")

    def run(self, ctx: StepContext) -> StepOutcome:
        raise BenchError("SIDELOAD_FAILED", detail="[Errno 32] Broken pipe")


def test_a_failed_check_says_it_short_in_french(
    make_bench: Callable[..., Bench], qtbot: QtBot
) -> None:
    checker = Checker()
    bench = make_bench(lang="fr")
    bench.station.pipelines.register(
        Pipeline(
            "test.sideload",
            Text("Essai", "Trial"),
            frozenset({model.DeviceKind.PHONE}),
            lambda: [_SideloadFails()],
            purpose=Purpose.TESTS,
        )
    )
    bench.simulator.add_adb_phone("fairphone-4")
    window = bench.window
    qtbot.waitUntil(lambda: len(window.cards) == 1, timeout=WAIT)
    device_id = next(iter(window.cards))
    bench.station.start_job(device_id, "test.sideload")
    qtbot.waitUntil(lambda: bench.station.engine.job_for_device(device_id) is None, timeout=WAIT)
    window.select(device_id)
    window._flush(full=True)
    panel = window.panel
    assert window.views[device_id].state is model.JobState.FAILED
    assert panel.step_message.text() == "L’envoi du système au téléphone a échoué."
    assert panel.more_button.isVisibleTo(window) and not panel.more_text.isVisibleTo(window)
    checker.add("failed check", texts_of(window))
    panel.more_button.click()
    assert "[Errno 32]" in panel.more_text.text()  # the raw words, only when asked for
    checker.add_detail([panel.more_text.text()])
    report = checker.report()
    assert not report, "\n".join(report)


def test_an_image_file_drive_and_the_folder_chooser_read_french(
    make_bench: Callable[..., Bench], qtbot: QtBot, tmp_path: Path
) -> None:
    """A drive that is an image file is "Fichier image" on its card and panel; Qt's own
    folder chooser (USB import, saving a document) has French labels, Qt's own included."""
    from bench_app.devices.drives.handle import DriveHandle
    from tests.devices_drives.conftest import make_image
    from ui.file_chooser import folder_chooser

    checker = Checker()
    bench = make_bench(lang="fr")
    window = bench.window
    image = make_image(tmp_path / "DISQUE-7Q2W.img", 1 << 20, random=False)
    device = bench.station.device_connected(DriveHandle(str(image)))
    qtbot.waitUntil(lambda: device.id in window.cards, timeout=WAIT)
    window.select(device.id)
    window._flush(full=True)
    assert window.panel.title.text() == "Fichier image"
    assert window.cards[device.id].title.text() == "Fichier image"
    seen = texts_of(window)
    assert not [t for t in seen if "Image file" in t], seen
    checker.add("panel of an image file", seen)
    chooser = folder_chooser(window, "Choisissez la clé USB ou son dossier")
    qtbot.addWidget(chooser)
    chooser.show()
    said = texts_of(chooser)
    chooser.grab().save(str(ROOT / "test-artifacts" / "fr-folder-chooser.png"))
    assert not [t for t in said if "Look in" in t or "Files of type" in t], said
    assert {"Voir dans\u00a0:", "Fichiers de type\u00a0:", "Annuler"} <= set(said), said
    checker.add("folder chooser", said)
    chooser.close()
    report = checker.report()
    assert not report, "\n".join(report)
