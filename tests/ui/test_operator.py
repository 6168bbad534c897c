"""Who works: the window asks "Qui travaille ?" at start, shows the name in the toolbar, and
every fact recorded afterwards carries it, until the operator changes."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QPoint, Qt
from pytestqt.qtbot import QtBot

from bench_app.domain.model import JobState
from bench_app.operators import TRAINEE, hash_pin, pin_matches
from bench_app.settings import SETTINGS_NAME, Settings
from bench_app.store import queries
from tests.ui.conftest import Bench, save_with_dialog
from tests.ui.test_main_window import WAIT, answer_all_prompts
from ui.operator_chooser import OperatorChooser


def _settings() -> Settings:
    return Settings(operators=[{"name": "Aïcha"}, {"name": "Marc", "pin_hash": hash_pin("2468")}])


def _chooser(qtbot: QtBot, bench: Bench) -> OperatorChooser:
    qtbot.waitUntil(
        lambda: (
            bench.window.operator_dialog is not None and bench.window.operator_dialog.isVisible()
        ),
        timeout=WAIT,
    )
    dialog = bench.window.operator_dialog
    assert dialog is not None
    return dialog


def _check_a_new_phone(qtbot: QtBot, bench: Bench, persona: str) -> str:
    """Plugs a simulated phone and runs its check through the window's buttons."""
    before = set(bench.window.cards)
    bench.simulator.add_adb_phone(persona)
    qtbot.waitUntil(lambda: len(set(bench.window.cards) - before) == 1, timeout=WAIT)
    device_id = next(iter(set(bench.window.cards) - before))
    bench.window.select(device_id)
    qtbot.mouseClick(bench.window.cards[device_id].button, Qt.MouseButton.LeftButton)
    answer_all_prompts(qtbot, bench, device_id)
    job = bench.station.latest_job(device_id)
    assert job is not None and job.state is JobState.SUCCEEDED
    return device_id


def test_the_chosen_operator_signs_every_fact_and_a_change_signs_later_ones_only(
    make_bench: Callable[..., Bench], qtbot: QtBot, artifacts_dir: Path
) -> None:
    bench = make_bench(training=False, operator=None, settings=_settings())
    window = bench.window
    window.resize(1366, 768)
    chooser = _chooser(qtbot, bench)
    assert chooser.heading.text() == "Qui travaille ?"
    assert set(chooser.name_buttons) == {"Aïcha", "Marc"}
    assert chooser.add_button.text() == "Ajouter"
    # At the start a name is needed: Escape does not get past the question.
    assert not chooser.cancel_button.isVisibleTo(chooser)
    qtbot.keyClick(chooser, Qt.Key.Key_Escape)
    assert chooser.isVisible()
    chooser.move(window.mapToGlobal(QPoint((1366 - chooser.width()) // 2, 160)))
    save_with_dialog(window, chooser, artifacts_dir / "operator-chooser.png")

    qtbot.mouseClick(chooser.name_buttons["Aïcha"], Qt.MouseButton.LeftButton)
    assert not chooser.isVisible()
    assert window.operator_button.text() == "Aïcha"
    assert window.change_operator.text() == "Changer d’opérateur"
    first = _check_a_new_phone(qtbot, bench, "google-pixel-6")
    events = queries.events(bench.station.store)
    assert {e.type for e in events} >= {"device.registered", "job.created", "step.finished"}
    assert {e.operator for e in events} == {"Aïcha"}
    done_by_aicha = len(events)

    # Marc takes over; his PIN is asked, and a wrong one changes nothing.
    window.change_operator.trigger()  # the toolbar name's menu: "Changer d’opérateur"
    chooser = _chooser(qtbot, bench)
    assert chooser.cancel_button.isVisibleTo(chooser)
    qtbot.mouseClick(chooser.name_buttons["Marc"], Qt.MouseButton.LeftButton)
    assert chooser.pin.isVisibleTo(chooser) and "Marc" in chooser.pin_caption.text()
    qtbot.keyClicks(chooser.pin, "1357")
    qtbot.mouseClick(chooser.pin_ok, Qt.MouseButton.LeftButton)
    assert chooser.isVisible() and "Code faux pour Marc" in chooser.error.text()
    assert bench.station.operator == "Aïcha" and window.operator_button.text() == "Aïcha"
    qtbot.keyClicks(chooser.pin, "2468")
    qtbot.keyClick(chooser.pin, Qt.Key.Key_Return)
    assert not chooser.isVisible()
    assert window.operator_button.text() == "Marc"
    second = _check_a_new_phone(qtbot, bench, "fairphone-4")

    events = queries.events(bench.station.store)
    assert {e.operator for e in events[:done_by_aicha]} == {"Aïcha"}
    assert {e.operator for e in events[done_by_aicha:]} == {"Marc"}
    assert {e.device_id for e in events[done_by_aicha:]} == {second}
    assert all(e.operator == "Aïcha" for e in queries.events(bench.station.store, first))


def test_a_first_operator_adds_themself_with_a_pin(
    make_bench: Callable[..., Bench], qtbot: QtBot, data_dir: Path
) -> None:
    bench = make_bench(training=False, operator=None)
    chooser = _chooser(qtbot, bench)
    # Nobody on the list yet: the chooser opens on "your first name".
    assert chooser.name_buttons == {} and chooser.new_name.isVisibleTo(chooser)
    qtbot.keyClicks(chooser.new_pin, "12")
    chooser.new_name.setText("Léa")  # keyClicks types ASCII only
    qtbot.mouseClick(chooser.save_new, Qt.MouseButton.LeftButton)
    assert "4 à 8 chiffres" in chooser.error.text() and chooser.isVisible()
    assert bench.station.operators() == []
    chooser.new_pin.clear()
    qtbot.keyClicks(chooser.new_pin, "1357")
    qtbot.mouseClick(chooser.save_new, Qt.MouseButton.LeftButton)
    assert not chooser.isVisible() and bench.station.operator == "Léa"
    saved = json.loads((data_dir / SETTINGS_NAME).read_text(encoding="utf-8"))
    (lea,) = saved["operators"]
    # The PIN is kept only as its salted hash (whose hex digits may hold "1357" by chance).
    assert lea["name"] == "Léa" and pin_matches("1357", lea["pin_hash"])
    assert "1357" not in json.dumps({k: v for k, v in lea.items() if k != "pin_hash"})
    assert "1357" not in json.dumps({k: v for k, v in saved.items() if k != "operators"})
    assert [o.name for o in Settings.load(data_dir).operator_list()] == ["Léa"]


def test_training_starts_with_the_trainee_without_asking(
    make_bench: Callable[..., Bench], qtbot: QtBot
) -> None:
    bench = make_bench(training=True, operator=None)
    QCoreApplication.processEvents()  # the question would come on this turn of the loop
    assert bench.window.operator_dialog is None
    assert bench.station.operator == TRAINEE
    assert bench.window.operator_button.text() == "Stagiaire"
    device_id = _check_a_new_phone(qtbot, bench, "google-pixel-6")
    assert {e.operator for e in queries.events(bench.station.store, device_id)} == {TRAINEE}
    # Out of training, real facts need a real name: the question comes, and must be answered.
    bench.window.set_training(False)
    chooser = _chooser(qtbot, bench)
    assert not chooser.cancel_button.isVisibleTo(chooser)
    chooser.new_name.setText("Inès")
    qtbot.mouseClick(chooser.save_new, Qt.MouseButton.LeftButton)
    assert bench.station.operator == "Inès" and bench.window.operator_button.text() == "Inès"
