"""An iPhone at the bench window: plugged in, its card waits for "Faire confiance" with the
steps to follow; once the user taps it, the card becomes the device's own card."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import cast

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMenu
from pytestqt.qtbot import QtBot

from bench_app.devices.ios.usbmux import UsbmuxClient
from bench_app.devices.ios.usbmux_source import UsbmuxSource
from bench_app.domain.model import JobState
from bench_app.simulators.iphone import SimulatedIPhone, UsbmuxdSimulator, load_persona
from bench_app.simulators.mode import SimulationMode
from tests.ui.conftest import Bench
from tests.ui.screens import screenshot

WAIT = 30_000


@pytest.fixture
def usbmuxd(tmp_path: Path) -> Iterator[UsbmuxdSimulator]:
    with UsbmuxdSimulator(SimulationMode.TEST, unix_path=tmp_path / "usbmuxd") as daemon:
        yield daemon


def test_iphone_waits_for_trust_then_gets_its_card(
    make_bench: Callable[..., Bench], qtbot: QtBot, usbmuxd: UsbmuxdSimulator, tmp_path: Path
) -> None:
    bench = make_bench(lang="fr", training=False)
    source = UsbmuxSource(UsbmuxClient(usbmuxd.address), retry_s=0.05)
    bench.station.attach_source(source)
    persona = load_persona("iphone-13")
    # The user answers after the bench asked three times (a second or two at the bench).
    phone = SimulatedIPhone(persona, persona.behaviour.with_flags(trust_after_asks=3))
    try:
        usbmuxd.attach(phone)
        key = f"ios:{phone.udid}"
        qtbot.waitUntil(lambda: key in bench.window.pending_cards, timeout=WAIT)
        card = bench.window.pending_cards[key]
        assert card.title.text() == "Apple branché"
        assert card.state.text() == "En attente : touchez « Faire confiance » sur l’iPhone"
        assert not card.button.isHidden()  # "Montrez-moi comment"
        bench.window.select_pending(key)
        guide = bench.window.panel.guide
        qtbot.waitUntil(lambda: bool(guide.texts), timeout=WAIT)
        assert any("Faire confiance" in text for text in guide.texts)
        screenshot(bench.window, tmp_path / "iphone-pending-trust.png")
        # Trusted: the pending card goes, the device's card comes with its marketing name.
        qtbot.waitUntil(lambda: key not in bench.window.pending_cards, timeout=WAIT)
        qtbot.waitUntil(lambda: len(bench.station.connected_device_ids()) == 1, timeout=WAIT)
        (device_id,) = bench.station.connected_device_ids()
        bench.window._flush(full=True)
        qtbot.waitUntil(lambda: device_id in bench.window.cards, timeout=WAIT)
        assert bench.window.cards[device_id].title.text() == "Apple iPhone 13"
    finally:
        bench.station.presence.detach_source(source)
        phone.close()


def test_training_menu_plugs_in_an_iphone_that_erases_and_comes_back(
    make_bench: Callable[..., Bench], qtbot: QtBot
) -> None:
    bench = make_bench(lang="fr", training=True)
    window = bench.window
    iphones = next(
        cast(QMenu, a.menu())
        for a in window._sim_menu.actions()
        if a.text() == "Brancher un iPhone"
    )
    labels = [a.text() for a in iphones.actions()]
    assert "iPhone 13 · iOS 17.5.1 — iPhone en bon état" in labels and len(labels) == 6
    next(a for a in iphones.actions() if a.text().startswith("iPhone 13 ")).trigger()
    qtbot.waitUntil(lambda: len(bench.station.connected_device_ids()) == 1, timeout=WAIT)
    (device_id,) = bench.station.connected_device_ids()
    window._flush(full=True)
    qtbot.waitUntil(lambda: device_id in window.cards, timeout=WAIT)
    assert window.cards[device_id].title.text() == "Apple iPhone 13"
    device = bench.station.device(device_id)
    assert device is not None and device.training  # a simulated phone makes training records
    # Erased in class: the simulated iPhone restarts, comes back, and is checked.
    bench.station.start_job(device_id, "iphone.erase")
    qtbot.waitUntil(lambda: bench.station.engine.job_for_device(device_id) is None, timeout=60_000)
    job = bench.station.latest_job(device_id)
    assert job is not None
    assert job.state is JobState.SUCCEEDED, job.message
    sim = bench.simulator.iphone(f"ios:{load_persona('iphone-13').udid}")
    assert sim.erase_count == 1
    qtbot.waitUntil(lambda: bench.station.connected_device_ids() == [device_id], timeout=WAIT)


def test_the_cards_button_checks_an_iphone_to_its_grade(
    make_bench: Callable[..., Bench], qtbot: QtBot
) -> None:
    bench = make_bench(lang="fr")
    bench.simulator.add_iphone("iphone-13", trust_after_asks=0)
    window = bench.window
    qtbot.waitUntil(lambda: len(window.cards) == 1, timeout=WAIT)
    device_id = next(iter(window.cards))
    card = window.cards[device_id]
    assert card.title.text() == "Apple iPhone 13"
    qtbot.mouseClick(card.button, Qt.MouseButton.LeftButton)
    panel = window.panel

    def prompt_shown() -> bool:
        view = window.views[device_id]
        window._flush(full=True)
        return view.prompt is not None and panel._shown_prompt is view.prompt

    questions: list[str] = []
    while True:
        record = bench.station.latest_job(device_id)
        if (
            record is not None
            and not record.state.active
            and bench.station.engine.job_for_device(device_id) is None
        ):
            break
        current = window.views[device_id].prompt
        if prompt_shown() and current is not None and not current.answered:
            buttons = {b.text(): b for b in panel.answer_buttons()}
            choice = buttons.get("Très bon état") or buttons.get("Ça marche")
            assert choice is not None, list(buttons)
            questions.append(panel.question.text())
            qtbot.mouseClick(choice, Qt.MouseButton.LeftButton)
        qtbot.wait(20)
    record = bench.station.latest_job(device_id)
    assert record is not None and record.pipeline == "iphone.check"
    assert record.state is JobState.SUCCEEDED, record.message
    assert any("Face ID" in q for q in questions) and len(questions) == 17  # 16 tests, the look
    qtbot.waitUntil(lambda: card.state.text() == "Contrôle terminé", timeout=WAIT)
    window._flush(full=True)
    results = [panel.results.item(i).text() for i in range(panel.results.count())]
    assert any("Note atelier A" in r for r in results), results
    assert card.grade.letter.text() == "A"
