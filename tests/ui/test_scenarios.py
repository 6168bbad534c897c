"""Training scenarios in the window: every scenario's devices reach their cards with the case
they show, choosing another scenario replaces the cards, « Remettre la classe à zéro » brings
fresh devices, and a label printed in class appears as a picture whose QR code scans."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from bench_app.domain.asset_code import AssetCode
from bench_app.output.printers import load_printers
from bench_app.simulators.adb_phone.persona import load_persona
from bench_app.simulators.classroom import CLASS_PRINTER_NAME, donated_laptops
from bench_app.simulators.docked_drive import DriveBehaviour
from bench_app.simulators.iphone import load_persona as load_iphone
from bench_app.simulators.scenarios import (
    Scenario,
    ScenarioDevice,
    load_scenario,
    scenario_files,
)
from bench_app.simulators.source import DRIVE_CAPTIONS
from tests.output.labels.conftest import scan
from tests.ui.conftest import Bench
from tests.ui.screens import SCREEN, screenshot
from ui.printer_dialog import PrinterDialog


def expected_captions(scenario: Scenario) -> list[str]:
    """The case each device of `scenario` shows on its card, in French."""
    captions = []
    for device in scenario.devices:
        if waits_for_trust(device):
            continue  # no card of its own: a pending card waits for « Faire confiance »
        if device.kind == "stick_laptop":
            continue  # a pending card waits for the code its screen shows
        if device.caption is not None:
            caption = device.caption
        elif device.kind == "drive":
            caption = DRIVE_CAPTIONS[DriveBehaviour(device.behaviour)]
        elif device.kind == "iphone":
            caption = load_iphone(device.persona).caption  # type: ignore[assignment]
        else:
            caption = load_persona(device.persona).caption  # type: ignore[assignment]
        captions.append(caption.fr if caption is not None else "")
    # A donated laptop whose disk is docked: its own card, with no case.
    captions += ["" for _ in donated_laptops(scenario)]
    return sorted(captions)


def waits_for_trust(device: ScenarioDevice) -> bool:
    """An iPhone whose owner never taps « Faire confiance » in class."""
    return device.kind == "iphone" and load_iphone(device.persona).behaviour.trust_after_asks < 0


def action(menu_owner: object, text: str) -> QAction:
    actions = menu_owner.actions()  # type: ignore[attr-defined]
    return next(a for a in actions if a.text() == text)


@pytest.mark.parametrize("path", scenario_files(), ids=lambda p: p.stem)
def test_every_device_of_every_scenario_reaches_its_card(
    make_bench: Callable[..., Bench], qtbot: QtBot, path: Path, artifacts_dir: Path
) -> None:
    scenario = load_scenario(path)
    bench = make_bench(training=True)
    window = bench.window
    window.play_scenario(scenario)
    waiting = sum(1 for d in scenario.devices if waits_for_trust(d))
    on_stick = sum(1 for d in scenario.devices if d.kind == "stick_laptop")
    count = len(scenario.devices) - waiting - on_stick + len(donated_laptops(scenario))
    qtbot.waitUntil(lambda: len(window.cards) == count, timeout=30_000)
    qtbot.waitUntil(lambda: len(window.pending_cards) == waiting, timeout=30_000)
    # A laptop started from the stick: its agent runs, its card waits for its code.
    assert len(window.laptop_agents.pending) == on_stick
    window._flush(full=True)
    cards = list(window.cards.values())
    assert sorted(c.case.text() for c in cards) == expected_captions(scenario)
    assert all(c.training_tag.isVisibleTo(c) for c in cards)
    # The menu ticks the scenario playing, and the class printer is the station's printer.
    ticked = [a.text() for a in window._scenario_menu.actions() if a.isChecked()]
    assert ticked == [scenario.title.fr]
    setup = load_printers(bench.station.folder)
    assert setup.default == CLASS_PRINTER_NAME
    kind = setup.get().kind.value
    assert kind == ("zpl" if scenario.printer == "zebra" else "brother")
    if scenario.name == "tout":
        window.resize(*SCREEN)
        qtbot.waitUntil(lambda: window.width() == SCREEN[0], timeout=5_000)
        screenshot(window, artifacts_dir / "scenario-tout-1366x768.png")


def test_choosing_a_scenario_replaces_the_cards(
    make_bench: Callable[..., Bench], qtbot: QtBot
) -> None:
    bench = make_bench(training=True)
    window = bench.window
    window.play_scenario("decouverte")
    qtbot.waitUntil(lambda: len(window.cards) == 5, timeout=30_000)
    before = set(window.cards)

    action(window._scenario_menu, "Effacement des disques").trigger()
    qtbot.waitUntil(
        lambda: len(window.cards) == 4 and all(window.views[d].connected for d in window.cards),
        timeout=30_000,
    )
    window._flush(full=True)
    assert {c.case.text() for c in window.cards.values()} == {
        "Disque sain",
        "Secteurs défectueux",
        "Débranché pendant l’effacement",
        "Disque usé : SMART en échec",
    }
    # The healthy drive is the same drive (same serial) in both sets: it keeps its record.
    assert len(before & set(window.cards)) == 1
    # The phones of the first set are gone: their simulators no longer answer.
    assert len(bench.simulator.known()) == 4
    qtbot.wait(300)  # late unplug signals of the first set bring no card back
    assert len(window.cards) == 4


def test_reset_brings_fresh_devices_with_the_donors_data(
    make_bench: Callable[..., Bench], qtbot: QtBot
) -> None:
    bench = make_bench(training=True)
    window = bench.window
    window.play_scenario("effacement-des-disques")
    qtbot.waitUntil(lambda: len(window.cards) == 4, timeout=30_000)
    first = set(window.cards)
    drives = list(bench.simulator.known())
    for drive in drives:
        drive.image.write_bytes(bytes(drive.size))  # type: ignore[attr-defined]

    action(window._sim_menu, "Remettre la classe à zéro").trigger()
    qtbot.waitUntil(
        lambda: len(window.cards) == 4 and not set(window.cards) & first, timeout=30_000
    )
    fresh = list(bench.simulator.known())
    assert {d.serial for d in fresh} == {d.serial + "R1" for d in drives}  # type: ignore[attr-defined]
    for drive in fresh:
        assert drive.image.read_bytes() != bytes(drive.size)  # type: ignore[attr-defined]
    # The first round's records are still in the training store, untouched.
    for device_id in first:
        assert bench.station.device(device_id) is not None


def test_a_label_printed_in_class_is_shown_as_a_picture_that_scans(
    make_bench: Callable[..., Bench], qtbot: QtBot, tmp_path: Path, artifacts_dir: Path
) -> None:
    bench = make_bench(training=True)
    window = bench.window
    window.play_scenario("decouverte")
    qtbot.waitUntil(lambda: len(window.cards) == 5, timeout=30_000)
    device_id = next(d for d, v in window.views.items() if v.device.serial == "SIMD0005HDD")
    window.select(device_id)
    window._flush(full=True)

    # "Autres actions" → print the label, as the trainer shows it.
    window.panel.fill_other_menu()
    (print_label,) = [a for a in window.panel.other_menu.actions() if a.data() == "print_label"]
    print_label.trigger()
    dialog = next(w for w in window.findChildren(PrinterDialog) if w.isVisible())
    assert dialog.printer_combo.currentText() == CLASS_PRINTER_NAME
    qtbot.mouseClick(dialog.print_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(window.classroom and window.classroom.labels()), timeout=30_000)
    # Not over the print dialog, still open and modal: the picture waits until it is closed.
    if dialog.isModal():
        qtbot.wait(700)  # two turns of the window's watch on the class printer
        assert window.labels_dialog is None or not window.labels_dialog.isVisible()
    qtbot.mouseClick(dialog.close_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: window.labels_dialog is not None and len(window.labels_dialog.pictures) == 1,
        timeout=30_000,
    )
    viewer = window.labels_dialog
    assert viewer is not None and viewer.isVisible()
    assert viewer.windowTitle() == "Étiquettes imprimées"
    # The picture on screen is the label as printed: its QR code holds the device's code.
    shown = tmp_path / "shown.png"
    assert viewer.pictures[0].pixmap().save(str(shown))
    code = bench.station.device(device_id).asset_code  # type: ignore[union-attr]
    assert scan(shown) == [AssetCode.parse(code).compact]
    QApplication.processEvents()
    screenshot(viewer, artifacts_dir / "printed-labels.png")
    dialog.close()
