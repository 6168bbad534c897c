"""The main window as an operator meets it: cards, the panel, guided steps, search."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from pytestqt.qtbot import QtBot

from bench_app.domain.model import DeviceStage, JobState
from bench_app.store import queries
from tests.ui.conftest import Bench
from ui.device_view import Action, DeviceView, next_action

WAIT = 20_000  # ms; generous for a loaded CI machine


def answer_all_prompts(qtbot: QtBot, bench: Bench, device_id: str, choice: str = "ok") -> None:
    """Clicks the panel's answer buttons, as an operator would, until the job ends: `choice`
    where it is offered, else the first answer (no IMEI at hand, the best cosmetic grade)."""
    window = bench.window

    def job_over() -> bool:
        job = bench.station.latest_job(device_id)
        return (
            job is not None
            and not job.state.active
            and bench.station.engine.job_for_device(device_id) is None
        )

    while not job_over():
        view = window.views.get(device_id)
        if view is not None and view.prompt is not None and window.selected == device_id:
            window._flush(full=True)
            buttons = {b.text(): b for b in window.panel.answer_buttons()}
            labels = {c.key: c.label.get(window.lang) for c in view.prompt.choices}
            label = labels.get(choice, next(iter(labels.values())))
            if label in buttons:
                qtbot.mouseClick(buttons[label], Qt.MouseButton.LeftButton)
        qtbot.wait(20)
        qtbot.waitUntil(lambda: True, timeout=100)
        if qtbot is None:  # pragma: no cover
            break


def test_cards_follow_devices_plugged_in_and_out(
    make_bench: Callable[..., Bench], qtbot: QtBot
) -> None:
    bench = make_bench()
    phone = bench.simulator.add_adb_phone("fairphone-4")
    drive = bench.simulator.add_drive("ssd-sata-256")
    qtbot.waitUntil(lambda: len(bench.window.cards) == 2, timeout=WAIT)
    phone_id = bench.station.known_keys()[phone.key]
    card = bench.window.cards[phone_id]
    assert card.code.text() == bench.station.device(phone_id).asset_code  # type: ignore[union-attr]
    assert card.title.text() == "Fairphone FP4"
    assert card.button.text() == "Lancer le contrôle"
    assert card.training_tag.isVisibleTo(card)
    # An idle device that is unplugged takes its card with it.
    bench.simulator.unplug(drive.key)
    qtbot.waitUntil(lambda: len(bench.window.cards) == 1, timeout=WAIT)
    assert phone_id in bench.window.cards
    assert bench.window.empty_hint.isHidden()


def test_a_check_runs_to_the_end_through_the_buttons(
    make_bench: Callable[..., Bench], qtbot: QtBot
) -> None:
    bench = make_bench()
    bench.simulator.add_adb_phone("xiaomi-redmi-5a")  # gives its IMEI: no question before
    qtbot.waitUntil(lambda: len(bench.window.cards) == 1, timeout=WAIT)
    device_id = next(iter(bench.window.cards))
    card = bench.window.cards[device_id]
    # Before any question: no answer field, no stray button.
    bench.window.select(device_id)
    assert not bench.window.panel.entry.isVisibleTo(bench.window.panel)
    assert not bench.window.panel.entry_ok.isVisibleTo(bench.window.panel)
    qtbot.mouseClick(card.button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bench.window.views[device_id].prompt is not None, timeout=WAIT)
    bench.window._flush(full=True)
    # The guided step shows a question, a picture and big answer buttons.
    panel = bench.window.panel
    assert "écran" in panel.question.text()
    assert not panel.picture.pixmap().isNull()
    assert [b.text() for b in panel.answer_buttons()] == ["Ça marche", "Ça ne marche pas"]
    answer_all_prompts(qtbot, bench, device_id)
    job = bench.station.latest_job(device_id)
    assert job is not None and job.state is JobState.SUCCEEDED
    qtbot.waitUntil(lambda: card.state.text() == "Contrôle terminé", timeout=WAIT)
    assert bench.station.device(device_id).stage is DeviceStage.GRADED  # type: ignore[union-attr]
    results = [panel.results.item(i).text() for i in range(panel.results.count())]
    assert any("Batterie" in r for r in results) and any("Écran" in r for r in results)
    history = [panel.history.item(i).text() for i in range(panel.history.count())]
    assert any("Contrôle terminé" in h for h in history)


def test_unplugged_mid_step_shows_interrupted_and_resumes(
    make_bench: Callable[..., Bench], qtbot: QtBot
) -> None:
    bench = make_bench()
    # The cable comes out during the battery reading, as in the classroom set.
    sim = bench.simulator.add_adb_phone("xiaomi-redmi-5a", unplug_after_commands=6)
    qtbot.waitUntil(lambda: len(bench.window.cards) == 1, timeout=WAIT)
    device_id = next(iter(bench.window.cards))
    card = bench.window.cards[device_id]
    qtbot.mouseClick(card.button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: card.state.text() == "Interrompu · débranché", timeout=WAIT)
    # A simulated device is plugged back from its card; a real one waits for the operator.
    assert card.button.text() == "Rebrancher" and card.button.isEnabled()
    real_view = dataclasses.replace(bench.window.views[device_id], can_replug=False)
    assert next_action(real_view) == (Action.REPLUG, "Rebranchez l’appareil", False)
    assert "débranché" in card.step.text()
    # The panel shows how to plug it back in, with a picture.
    bench.window._flush(full=True)
    assert bench.window.panel.picture.isVisibleTo(bench.window.panel)
    assert not bench.window.panel.picture.pixmap().isNull()
    bench.simulator.replug(sim.key)
    qtbot.waitUntil(
        lambda: card.button.text() == "Reprendre" and card.button.isEnabled(), timeout=WAIT
    )
    qtbot.mouseClick(card.button, Qt.MouseButton.LeftButton)
    answer_all_prompts(qtbot, bench, device_id)
    assert bench.station.latest_job(device_id).state is JobState.SUCCEEDED  # type: ignore[union-attr]


def test_frp_locked_phone_is_blocked_with_the_reason(
    make_bench: Callable[..., Bench], qtbot: QtBot
) -> None:
    bench = make_bench()
    bench.simulator.add_adb_phone("frp-locked")
    qtbot.waitUntil(lambda: len(bench.window.cards) == 1, timeout=WAIT)
    device_id = next(iter(bench.window.cards))
    card = bench.window.cards[device_id]
    qtbot.mouseClick(card.button, Qt.MouseButton.LeftButton)
    answer_all_prompts(qtbot, bench, device_id)  # Android 14 keeps its IMEI: none at hand
    qtbot.waitUntil(lambda: card.state.text() == "Bloqué", timeout=WAIT)
    assert card.button.text() == "Voir quoi faire"
    bench.window._flush(full=True)
    assert "compte google" in bench.window.panel.step_message.text().lower()


def test_typing_or_scanning_a_code_opens_the_device(
    make_bench: Callable[..., Bench], qtbot: QtBot
) -> None:
    bench = make_bench()
    bench.simulator.add_adb_phone("fairphone-4")
    bench.simulator.add_adb_phone("xiaomi-redmi-5a")
    qtbot.waitUntil(lambda: len(bench.window.cards) == 2, timeout=WAIT)
    target = queries.devices(bench.station.store)[1]
    window = bench.window
    window.select(next(i for i in window.cards if i != target.id))  # on the other phone
    assert window.selected != target.id
    # A scanner types the code and Enter, whatever has the focus (here: a card's button).
    window.cards[target.id].button.setFocus()
    qtbot.keyClicks(window.cards[target.id].button, target.asset_code.lower().replace("-", ""))
    qtbot.keyClick(window.search, Qt.Key.Key_Return)
    assert window.selected == target.id
    assert window.panel.code.text() == target.asset_code
    # A typo is caught by the check character and said plainly.
    code = target.asset_code
    typo = code[:-1] + ("Z" if code[-1] != "Z" else "Y")
    window.search.setText(typo)
    qtbot.keyClick(window.search, Qt.Key.Key_Return)
    assert window.search_error.isVisible()
    assert "faute de frappe" in window.search_error.text()
    assert window.selected == target.id


def test_screenshot_with_four_devices(
    make_bench: Callable[..., Bench], qtbot: QtBot, artifacts_dir: Path
) -> None:
    bench = make_bench(scale=0.5)
    for persona in ("fairphone-4", "frp-locked", "worn-battery"):
        bench.simulator.add_adb_phone(persona)
    bench.simulator.add_drive("hdd-sata-500")
    qtbot.waitUntil(lambda: len(bench.window.cards) == 4, timeout=WAIT)
    for device_id in list(bench.window.cards)[:3]:
        bench.station.start_job(device_id)
    qtbot.waitUntil(
        lambda: sum(1 for v in bench.window.views.values() if v.state is not None) >= 3,
        timeout=WAIT,
    )

    def under_way(v: DeviceView) -> bool:  # something to see on its card: progress or a question
        return (
            v.fraction > 0 or v.prompt is not None or (v.state is not None and not v.state.active)
        )

    qtbot.waitUntil(
        lambda: sum(1 for v in bench.window.views.values() if under_way(v)) >= 3, timeout=WAIT
    )
    bench.window._flush(full=True)
    path = artifacts_dir / "main-window.png"
    assert bench.window.grab().save(str(path))
    image = QImage(str(path))
    assert image.width() >= 1000 and image.height() >= 700
    # Not blank: many distinct colours, and the orange training banner across the top.
    colours = {
        image.pixel(x, y) for x in range(0, image.width(), 7) for y in range(0, image.height(), 7)
    }
    assert len(colours) > 50
    banner = image.pixelColor(image.width() // 2 - 300, 4)
    assert banner.red() > 200 and 100 < banner.green() < 200 and banner.blue() < 80
