"""The whole window on the workshop laptop's 1366×768 screen, in training, as an operator
meets it mid-work: every toolbar button and the operator's name in sight, one phone graded
with its badge, another at a question with three answers, through the real phone check."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from bench_app.devices.android.driver import AndroidPhone
from bench_app.devices.android.tcp_source import TcpPhoneSource
from bench_app.domain.model import JobState
from bench_app.jobs.prompt import NOT_OK, NOT_PRESENT, OK, Prompt
from tests.ui.conftest import Bench
from tests.ui.screens import SCREEN, screenshot
from tests.ui.test_main_window import WAIT, answer_all_prompts

LONG_NAME = "Marie-Christine Dupont-Lefebvre"


def in_window(window: QWidget, widget: QWidget) -> QRect:
    rect = QRect(widget.mapTo(window, QPoint(0, 0)), widget.size())
    assert widget.isVisible() and window.rect().contains(rect), (widget, rect)
    return rect


def answer_until_three_choices(qtbot: QtBot, bench: Bench, device_id: str) -> Prompt:
    """Answers "it works" (or the first answer) to each question the panel shows, until one
    offers three answers; returns that one, unanswered."""
    window = bench.window
    panel = window.panel

    def asking() -> Prompt | None:
        window._flush(full=True)
        prompt = window.views[device_id].prompt
        shown = prompt is not None and panel._shown_prompt is prompt and not prompt.answered
        return prompt if shown else None

    while True:
        qtbot.waitUntil(lambda: asking() is not None, timeout=WAIT)
        prompt = asking()
        assert prompt is not None
        if prompt.entry is None and len(prompt.choices) == 3:
            return prompt
        buttons = {b.text(): b for b in panel.answer_buttons()}
        label = OK.label.get(window.lang)
        qtbot.mouseClick(
            buttons.get(label) or next(iter(buttons.values())), Qt.MouseButton.LeftButton
        )
        assert prompt.answered


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_window_mid_work_at_1366x768(
    make_bench: Callable[..., Bench], qtbot: QtBot, artifacts_dir: Path, lang: str
) -> None:
    bench = make_bench(lang=lang, operator=LONG_NAME)
    window = bench.window
    signer = bench.simulator.adb_signer
    assert signer is not None
    tcp = TcpPhoneSource(lambda target: AndroidPhone(target, signer, simulated=True), poll_s=0.1)
    bench.station.attach_source(tcp)
    window.set_tcp_source(tcp)  # every toolbar button, as in the app
    window.resize(*SCREEN)
    # A first phone checked to the end: its card shows its grade.
    bench.simulator.add_adb_phone("xiaomi-redmi-5a")
    qtbot.waitUntil(lambda: len(window.cards) == 1, timeout=WAIT)
    graded = next(iter(window.cards))
    qtbot.mouseClick(window.cards[graded].button, Qt.MouseButton.LeftButton)
    answer_all_prompts(qtbot, bench, graded)
    assert bench.station.latest_job(graded).state is JobState.SUCCEEDED  # type: ignore[union-attr]
    badge = window.cards[graded].grade
    qtbot.waitUntil(lambda: badge.isVisibleTo(window.cards[graded]), timeout=WAIT)
    # The graded phone's panel, with its grade in the header, stays inside its area.
    window.select(graded)
    window._flush(full=True)
    qtbot.waitUntil(window.panel.grade.isVisible, timeout=WAIT)
    body = window.panel.widget()
    assert body is not None and body.width() <= window.panel.viewport().width()
    assert window.size().toTuple() == SCREEN
    # A second phone opens itself; its check is run to a question with three answers.
    bench.simulator.add_adb_phone("xiaomi-redmi-5a")
    qtbot.waitUntil(lambda: len(window.cards) == 2, timeout=WAIT)
    asked = next(i for i in window.cards if i != graded)
    qtbot.waitUntil(lambda: window.selected == asked, timeout=WAIT)
    qtbot.mouseClick(window.cards[asked].button, Qt.MouseButton.LeftButton)
    prompt = answer_until_three_choices(qtbot, bench, asked)
    window.panel.reveal_step()
    image = screenshot(window, artifacts_dir / f"workshop-{lang}-1366x768.png")
    assert (image.width(), image.height()) == SCREEN
    assert window.size().toTuple() == SCREEN

    # The toolbar: every button whole on screen, none on another, the name cut with a tip.
    bar = [window.operator_button, window.search, window.intake_button, window.network_button]
    bar += [window.workshop_menu, window.training_toggle, window.sim_button, window.language]
    rects = [in_window(window, w) for w in bar]
    for i, rect in enumerate(rects):
        assert all(not rect.intersects(other) for other in rects[i + 1 :]), bar[i]
    assert window.operator_button.text().endswith("…")
    assert LONG_NAME in window.operator_button.toolTip()
    for button in bar[2:7]:
        assert button.width() >= button.minimumSizeHint().width(), button  # text not cut
    # The graded phone's badge and the three answers, all in sight.
    in_window(window, badge)
    assert badge.letter.text() in {"A", "B", "C", "D"}
    buttons = {window.panel.answers.keys[b]: b for b in window.panel.answer_buttons()}
    assert set(buttons) == {OK.key, NOT_OK.key, NOT_PRESENT.key}
    assert {c.key for c in prompt.choices} == set(buttons)
    viewport = window.panel.viewport()
    for button in buttons.values():
        in_window(window, button)
        at = QRect(button.mapTo(viewport, QPoint(0, 0)), button.size())
        assert viewport.rect().contains(at), button.text()
    qtbot.mouseClick(buttons[OK.key], Qt.MouseButton.LeftButton)
    assert prompt.answered
    bench.station.detach_source(tcp)
