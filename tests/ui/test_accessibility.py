"""The window for screen readers, the keyboard alone, low vision: every control of every
screen reachable in training has a spoken name and a Tab stop; Tab from the search field
reaches the first card's button and Enter presses it; the contrast theme reaches WCAG AA;
a larger text size makes the text larger, still fitting the workshop laptop."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import QApplication, QDialog, QWidget
from pytestqt.qtbot import QtBot

from bench_app.devices.android.driver import AdbTarget, PhoneState
from bench_app.devices.fastboot.finder import FastbootFinder
from bench_app.diagnostics.laptop_guided import TESTS_BY_ID
from bench_app.domain.model import DeviceKind, JobState
from bench_app.errors import BenchError
from bench_app.jobs.prompt import Choice, Prompt
from bench_app.settings import Settings
from bench_app.text import Text
from tests.ui.conftest import Bench
from tests.ui.screens import screenshot
from ui import accessibility, workshop_menu
from ui.accessibility import focus_order, names_missing, not_focusable
from ui.device_view import state_label
from ui.documents import label_dialog
from ui.grade_badge import CONTRAST_GRADE_COLOURS
from ui.help_dialog import plug_help
from ui.install_dialog import InstallDialog
from ui.intake_dialog import IntakeDialog
from ui.laptop_agent_dialogs import AddressDialog, EraseDisksDialog, PairingDialog
from ui.laptop_agent_steps import InstallSystemDialog, StationTestWindow
from ui.link_dialog import LinkDialog
from ui.network_dialog import NetworkPhoneDialog
from ui.outcome_dialog import OutcomeDialog
from ui.printer_dialog import PrinterDialog
from ui.style import (
    CONTRAST_STATE_COLOURS,
    STANDARD_STATE_COLOURS,
    STATE_COLOURS,
    apply_style,
    stylesheet,
)
from ui.window_fit import SMALLEST_SCREEN
from ui.workshop_setup import SetupAssistant

WAIT = 20_000
# A laptop on the stick's disks as its agent lists them: one to erase, one refused.
STICK_DISKS = [
    {"path": "/dev/sda", "serial": "S3Z9NB0K123456", "model": "Samsung SSD 860", "size_bytes": 250_059_350_016, "refusals": []},
    {"path": "/dev/sdb", "serial": "4C530001", "model": "SanDisk Cruzer", "size_bytes": 16_008_609_792, "refusals": ["ERASE_MOUNTED"]},
]  # fmt: skip


def settle() -> None:
    for _ in range(4):
        QApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
        QApplication.processEvents()


@pytest.fixture(autouse=True)
def standard_look_after(qapp: QApplication) -> Iterator[None]:
    yield
    apply_style(qapp)  # the next test starts with the standard look


def phone_on_bench(bench: Bench, qtbot: QtBot) -> str:
    """A simulated phone plugged in, its card drawn; its device id."""
    handle = bench.simulator.add_adb_phone("fairphone-4")
    qtbot.waitUntil(lambda: handle.key in bench.station.known_keys(), timeout=WAIT)
    device_id = bench.station.known_keys()[handle.key]
    qtbot.waitUntil(lambda: device_id in bench.window.cards, timeout=WAIT)
    return device_id


def a_question(bench: Bench, device_id: str) -> None:
    """The panel shows a question with answers and a typed answer, as during a check."""
    choices = (
        Choice("ok", Text("Oui, ça marche", "Yes, it works"), "good"),
        Choice("ko", Text("Non", "No"), "bad"),
        Choice("skip", Text("Passer", "Skip"), "neutral"),
    )
    window = bench.window
    window.select(device_id)
    view = window.views[device_id]
    view.live_state = JobState.WAITING_OPERATOR
    view.prompt = Prompt(Text("L’écran s’allume ?", "Does the screen light up?"), choices)
    window._mark(device_id)
    window._flush()
    settle()


def check_screen(screen: QWidget, where: str) -> None:
    settle()
    unnamed = [f"{type(w).__name__} {w.objectName()!r}" for w in names_missing(screen)]
    assert unnamed == [], f"{where}: controls without a spoken name: {unnamed}"
    unreachable = [f"{type(w).__name__} {w.objectName()!r}" for w in not_focusable(screen)]
    assert unreachable == [], f"{where}: controls Tab cannot reach: {unreachable}"


def unreachable(target: AdbTarget) -> PhoneState:
    raise BenchError("ADB_TARGET_INVALID", target=str(target))  # never asked here


def shown(screen: QWidget | None) -> QWidget:
    assert screen is not None
    return screen


def every_page(screen: QWidget) -> Iterator[str]:
    """Shows each page of a screen made of tabs or steps in turn (once for a plain one)."""
    tabs = getattr(screen, "tabs", None)
    if isinstance(screen, SetupAssistant):
        for page in screen.pages:
            screen.show_page(page)
            yield page.objectName()
    elif tabs is not None and hasattr(tabs, "count"):
        for index in range(tabs.count()):
            tabs.setCurrentIndex(index)
            yield tabs.tabText(index)
    else:
        yield ""


def test_every_screen_names_its_controls_and_tab_reaches_them(
    make_bench: Callable[..., Bench], qtbot: QtBot, qapp: QApplication
) -> None:
    bench = make_bench(operator=None)
    window = bench.window
    device_id = phone_on_bench(bench, qtbot)
    drive = bench.simulator.add_drive("ssd-sata-256")
    handset = bench.simulator.add_handset(
        "fairphone-4", finder=FastbootFinder(usb=None), boot_delay=0.1, operator="person"
    )
    qtbot.waitUntil(lambda: len(window.cards) == 3, timeout=WAIT)
    drive_id = bench.station.known_keys()[drive.key]
    a_question(bench, device_id)
    # A laptop on the Établi stick seen on the network: its pending card.
    window.laptop_agents.agent_seen("ab12cd34", "127.0.0.1:7410", "Lenovo", "ThinkPad T470")
    window.resize(SMALLEST_SCREEN)
    check_screen(window, "main window")
    assert window.panel.answers.buttons, "the question's answers are shown"
    openers: dict[str, Callable[[], QWidget]] = {
        "intake": lambda: IntakeDialog(bench.station, "fr", window),
        "outcome": lambda: OutcomeDialog(bench.station, device_id, "fr", window),
        "install": lambda: InstallDialog(bench.station, device_id, "fr", window),
        "settings": lambda: window.open_settings(),
        "set-up assistant": lambda: window.open_settings(first_run=True),
        "this station": lambda: window.open_this_station(),
        "printers": lambda: PrinterDialog(
            bench.station.folder, bench.station.settings, "fr", window
        ),
        "help": lambda: plug_help(DeviceKind.PHONE, "fr", window),
        "operator chooser": lambda: window.ask_operator(required=False),
        "phone over wi-fi": lambda: NetworkPhoneDialog(unreachable, "fr", window),
        "label": lambda: label_dialog(bench.station, device_id, "fr", window),
        "printed labels": lambda: shown(window.open_printed_labels()),
        "disk link": lambda: LinkDialog(bench.station, "fr", window, disk_id=drive_id),
        "skip reason": lambda: window.journey.ask_skip_reason(device_id, "fr"),
        "simulated phone": lambda: shown(window.show_handset(handset.key)),
        "laptop pairing": lambda: PairingDialog("127.0.0.1:7410", "Portable", "fr", window),
        "laptop by address": lambda: AddressDialog("fr", window),
        "laptop disks": lambda: EraseDisksDialog(STICK_DISKS, "fr", window),
        "laptop test at the station": lambda: StationTestWindow(
            TESTS_BY_ID["usb_ports"], {"ports": 4, "devices": []}, "Lenovo T470", "fr", window
        ),
        "laptop system": lambda: InstallSystemDialog(
            STICK_DISKS, "systeme-atelier.img", None, "fr", window
        ),
    }
    for view in workshop_menu.VIEWS:  # every view of the "Atelier" menu, present or future
        openers[f"view {view.key}"] = partial(window.workshop_menu.open, view.key)
    for name, open_screen in openers.items():
        screen = open_screen()
        if not screen.testAttribute(Qt.WidgetAttribute.WA_DeleteOnClose):
            qtbot.addWidget(screen)  # one that deletes itself once closed is not kept
        screen.show()
        for page in every_page(screen):
            check_screen(screen, f"{name} {page}".strip())
        if isinstance(screen, QDialog):
            screen.reject()
        screen.close()
        settle()
    panel = window.show_handset(handset.key)
    assert panel is not None
    spoken = accessibility.spoken_name
    assert spoken(panel.volume_down) == "Touche volume moins"  # not "Volume −"
    assert spoken(panel.hold_recovery) == "Tenir marche et volume plus"
    assert spoken(window.language) == "Langue de l’écran"  # not its current value
    assert spoken(window.operator_button).endswith(bench.station.operator)  # whole, not cut


def test_names_come_from_labels_placeholders_and_tips(qtbot: QtBot, qapp: QApplication) -> None:
    """The central naming: a field by its form label or placeholder, an icon button by its
    tip, a list by its label (not its current choice); a name the screen gave is kept."""
    from PySide6.QtWidgets import QComboBox, QFormLayout, QLineEdit, QPushButton

    accessibility.install(qapp)
    form_host = QWidget()
    form = QFormLayout(form_host)
    labelled, placeholder, combo = QLineEdit(), QLineEdit(), QComboBox()
    placeholder.setPlaceholderText("Code du lot")
    combo.addItems(["Français", "English"])
    icon_button, named = QPushButton("✕"), QPushButton()
    icon_button.setToolTip("Fermer la fiche")
    named.setAccessibleName("Nom choisi")
    form.addRow("Donateur :", labelled)
    form.addRow(placeholder)
    form.addRow("Langue", combo)
    form.addRow(icon_button)
    form.addRow(named)
    qtbot.addWidget(form_host)
    form_host.show()
    spoken = accessibility.spoken_name
    assert spoken(labelled) == "Donateur"
    assert spoken(placeholder) == "Code du lot"
    assert spoken(combo) == "Langue"
    assert spoken(icon_button) == "Fermer la fiche"
    assert spoken(named) == "Nom choisi"
    icon_button.setToolTip("Retirer")  # the name follows its source
    assert spoken(icon_button) == "Retirer"
    short = QPushButton("Wi-Fi…")
    short.setToolTip("Téléphone en Wi-Fi…")
    form.addRow(short)
    short.show()
    assert spoken(short) == "Téléphone en Wi-Fi…"
    assert names_missing(form_host) == []


def test_tab_from_the_search_reaches_the_first_card_button_and_enter_starts_it(
    make_bench: Callable[..., Bench], qtbot: QtBot, artifacts_dir: Path
) -> None:
    bench = make_bench()
    window = bench.window
    device_id = phone_on_bench(bench, qtbot)
    bench.simulator.add_drive("ssd-sata-256")
    qtbot.waitUntil(lambda: len(window.cards) == 2, timeout=WAIT)
    settle()
    window.activateWindow()
    window.focus_search()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.search)
    card = window.cards[device_id]
    visited: list[QWidget] = []
    for _ in range(8):
        focused = QApplication.focusWidget()
        assert focused is not None
        qtbot.keyClick(focused, Qt.Key.Key_Tab)
        visited.append(QApplication.focusWidget())  # type: ignore[arg-type]
        if visited[-1] is card.button:
            break
    assert visited[:3] == [window.intake_button, card, card.button], visited
    card.setFocus(Qt.FocusReason.TabFocusReason)  # how the keyboard's place looks on a card
    screenshot(window, artifacts_dir / "keyboard-focus-on-a-card.png")
    card.button.setFocus(Qt.FocusReason.TabFocusReason)
    order = focus_order(window)
    assert order.index(card.button) < order.index(window.panel.next_button)
    assert order.index(window.search) == 0
    qtbot.keyClick(card.button, Qt.Key.Key_Tab)  # on to the next card, then the panel
    assert QApplication.focusWidget() is not card.button
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab, Qt.KeyboardModifier.ShiftModifier)
    assert QApplication.focusWidget() is card.button
    assert bench.station.latest_job(device_id) is None
    qtbot.keyClick(card.button, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: bench.station.latest_job(device_id) is not None, timeout=WAIT)
    assert window.selected == device_id
    # The operator's menu without opening it: its key is shown beside it, and works.
    assert window.settings_action.shortcut().toString() == "Ctrl+,"
    assert window.setup_dialog is None
    qtbot.keyClick(
        QApplication.focusWidget(), Qt.Key.Key_Comma, Qt.KeyboardModifier.ControlModifier
    )
    qtbot.waitUntil(lambda: window.setup_dialog is not None)
    assert window.setup_dialog is not None
    qtbot.addWidget(window.setup_dialog)
    window.setup_dialog.reject()


def test_answers_are_reached_by_tab_and_pressed_by_space(
    make_bench: Callable[..., Bench], qtbot: QtBot
) -> None:
    bench = make_bench()
    window = bench.window
    device_id = phone_on_bench(bench, qtbot)
    answered: list[str] = []
    window.panel.answer.disconnect()
    window.panel.answer.connect(lambda _prompt, key: answered.append(key))
    a_question(bench, device_id)
    settle()
    order = focus_order(window)
    big, answers = window.panel.next_button, window.panel.answers.buttons
    if big.isVisible() and big.isEnabled():
        assert order.index(big) < order.index(answers[0])
    assert [order.index(b) for b in answers] == sorted(order.index(b) for b in answers)
    window.activateWindow()
    focused = accessibility.focus_panel(window)  # F6: to the question in hand
    assert focused is answers[0]
    qtbot.keyClick(answers[0], Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is answers[1]
    qtbot.keyClick(answers[1], Qt.Key.Key_Space)
    assert answered == ["ko"]


def _luminance(colour: str) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(one: str, two: str) -> float:
    light, dark = sorted((_luminance(one), _luminance(two)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def rules(sheet: str) -> dict[str, dict[str, str]]:
    """Selector -> {property: value}, later rules overriding earlier ones, as Qt does."""
    found: dict[str, dict[str, str]] = {}
    for selectors, body in re.findall(r"([^{}]+)\{([^{}]*)\}", re.sub(r"/\*.*?\*/", "", sheet)):
        declarations = {}
        for part in body.split(";"):
            if ":" in part:
                key, value = part.split(":", 1)
                declarations[key.strip()] = value.strip()
        for selector in selectors.split(","):
            found.setdefault(" ".join(selector.split()), {}).update(declarations)
    return found


def colour(found: dict[str, dict[str, str]], selector: str, key: str) -> str:
    value = found[selector][key]
    match = re.search(r"#[0-9a-fA-F]{6}", value)
    assert match, (selector, key, value)
    return match.group(0)


def test_the_contrast_theme_reaches_wcag_aa_for_the_main_roles() -> None:
    sheet = rules(stylesheet("contrast"))
    text = colour(sheet, "QWidget", "color")
    window = colour(sheet, "QMainWindow", "background")
    card = colour(sheet, "#DeviceCard", "background")
    pairs = {
        "text on the window": (text, window),
        "text on a card": (text, card),
        "text on the bar": (text, colour(sheet, "#TopBar", "background")),
        "text on a button": (text, colour(sheet, "QPushButton", "background")),
        "a typed code": (text, colour(sheet, "#CodeSearch", "background")),
        "big button": (
            colour(sheet, "QPushButton#BigAction", "color"),
            colour(sheet, "QPushButton#BigAction", "background"),
        ),
        "big button, not yet possible": (
            colour(sheet, "QPushButton#BigAction:disabled", "color"),
            colour(sheet, "QPushButton#BigAction:disabled", "background"),
        ),
        "button, not yet possible": (
            colour(sheet, "QPushButton:disabled", "color"),
            colour(sheet, "QPushButton:disabled", "background"),
        ),
        "yes answer": (
            colour(sheet, 'QPushButton[tone="good"]', "color"),
            colour(sheet, 'QPushButton[tone="good"]', "background"),
        ),
        "no answer": (
            colour(sheet, 'QPushButton[tone="bad"]', "color"),
            colour(sheet, 'QPushButton[tone="bad"]', "background"),
        ),
        "other answer": (
            colour(sheet, 'QPushButton[answer="other"] QLabel#AnswerText', "color"),
            colour(sheet, 'QPushButton[answer="other"]', "background"),
        ),
        "training banner": (
            colour(sheet, "#TrainingBanner", "color"),
            colour(sheet, "#TrainingBanner", "background"),
        ),
        "error under the bar": (
            colour(sheet, "#SearchError", "color"),
            colour(sheet, '#SearchError[place="line"]', "background"),
        ),
        "error in a dialog": (colour(sheet, "#SearchError", "color"), window),
        "hint": (colour(sheet, "#EmptyHint", "color"), window),
        "card's step": (colour(sheet, "#CardStep", "color"), card),
        "card's case": (colour(sheet, "#CardCase", "color"), card),
        "device code": (colour(sheet, "#CardCode", "color"), card),
    }
    for state, state_colour in CONTRAST_STATE_COLOURS.items():
        pairs[f"state {state}"] = (state_colour, card)
    for letter, grade_colour in CONTRAST_GRADE_COLOURS.items():
        pairs[f"grade {letter}"] = ("#ffffff", grade_colour)  # the white letter on its colour
        pairs[f"grade {letter} name"] = (grade_colour, card)
    low = {role: round(contrast(*pair), 2) for role, pair in pairs.items() if contrast(*pair) < 4.5}
    assert low == {}, low
    # The standard theme has pairs below AA (orange on white): the theme really changes them.
    standard = rules(stylesheet())
    assert contrast(STANDARD_STATE_COLOURS[JobState.WAITING_OPERATOR], "#ffffff") < 4.5
    assert colour(standard, "QWidget", "color") != text


# At 100 %: the stylesheet's sizes (points) and the card's height (pixels).
BASE_SIZES = {"text": 11.0, "search": 14.0, "card button": 13.0, "answer": 14.0, "card": 200}


# 150 % on a real station: training's extra buttons (simulated devices) do not fit beside.
@pytest.mark.parametrize(("size", "training"), [(100, True), (125, True), (150, False)])
def test_larger_text_makes_the_window_text_larger_and_it_still_fits(
    make_bench: Callable[..., Bench], qtbot: QtBot, artifacts_dir: Path, size: int, training: bool
) -> None:
    bench = make_bench(settings=Settings(text_size=size), training=training)
    window = bench.window
    device_id = phone_on_bench(bench, qtbot)
    a_question(bench, device_id)
    settle()
    card = window.cards[device_id]
    measured = {
        "text": window.status.font().pointSizeF(),
        "search": window.search.font().pointSizeF(),
        "card button": card.button.font().pointSizeF(),
        "answer": window.panel.answers.buttons[0].label.font().pointSizeF(),
        "card": card.height(),
    }
    expected = {what: base * size / 100 for what, base in BASE_SIZES.items()}
    assert measured == pytest.approx(expected, abs=0.6)
    minimum = window.minimumSizeHint()  # the workshop laptop: the whole window still fits
    assert minimum.width() <= SMALLEST_SCREEN.width() - 24, minimum
    assert minimum.height() <= SMALLEST_SCREEN.height() - 80, minimum
    window.resize(SMALLEST_SCREEN)
    settle()
    screenshot(window, artifacts_dir / f"text-{size}.png")


def test_the_look_changes_live_from_the_settings(
    make_bench: Callable[..., Bench], qtbot: QtBot, qapp: QApplication, artifacts_dir: Path
) -> None:
    named = Settings(organisation="Atelier du Port", station_name="Poste 1")
    named.operators = [{"name": "Marie"}]
    bench = make_bench(settings=named)
    window = bench.window
    device_id = phone_on_bench(bench, qtbot)
    before = window.search.font().pointSizeF()
    dialog = window.open_settings()
    qtbot.addWidget(dialog)
    page = dialog.page("LanguagePage")
    look = page.look  # type: ignore[attr-defined]
    assert accessibility.spoken_name(look.theme) == "Contraste"
    look.theme.setCurrentIndex(look.theme.findData("contrast"))
    look.text_size.setCurrentIndex(look.text_size.findData(125))
    dialog.show_page(page)
    screenshot(window, artifacts_dir / "settings-display.png", dialog)
    assert dialog.save(), dialog.error.text()
    settle()
    assert Settings.load(bench.station.folder).theme == "contrast"
    assert Settings.load(bench.station.folder).text_size == 125
    assert qapp.styleSheet() == stylesheet("contrast", 125)
    assert window.search.font().pointSizeF() == pytest.approx(before * 1.25, rel=0.05)
    assert STATE_COLOURS == CONTRAST_STATE_COLOURS  # the cards' states redraw with them
    a_question(bench, device_id)
    window.resize(SMALLEST_SCREEN)
    screenshot(window, artifacts_dir / "contrast-theme.png")


def test_no_state_is_told_by_colour_alone(make_bench: Callable[..., Bench], qtbot: QtBot) -> None:
    """Each state has its own words; a card says them to a screen reader too; a pressed
    toggle has a frame, not only a colour."""
    words = {state: state_label(state, True) for state in JobState}
    assert len(set(words.values())) == len(words), words
    bench = make_bench()
    device_id = phone_on_bench(bench, qtbot)
    card = bench.window.cards[device_id]
    assert card.state.text() and card.state.text() in card.accessibleDescription()
    assert card.code.text() in card.accessibleName()
    assert card.accessibleName() in card.button.accessibleDescription()
    checked = rules(stylesheet())["QPushButton:checked"]
    assert "border" in checked and "3px" in checked["border"]
