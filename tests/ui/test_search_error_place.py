"""A code typed with a typo while a question waits: the message floats under the bar and the
answer buttons stay exactly where the operator's hand is (a layout that moved them once let a
click meant for "yes" land elsewhere)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from bench_app.diagnostics.guided_tests import GUIDED_TESTS
from tests.ui.conftest import Bench
from tests.ui.test_answer_grid import (
    SIZES,
    GuidedRun,
    by_key,
    global_rect,
    open_bench,
    settle,
    show_prompt,
)


@pytest.mark.parametrize("size", SIZES)
def test_a_search_message_never_moves_the_answers(
    make_bench: Callable[..., Bench], qtbot: QtBot, size: tuple[int, int]
) -> None:
    bench, device_id = open_bench(make_bench, qtbot, size)
    window = bench.window
    run = GuidedRun(bench, device_id, GUIDED_TESTS[0])
    show_prompt(bench, device_id, run.prompt)
    before = {key: global_rect(button) for key, button in by_key(bench).items()}
    window.search.setFocus()
    qtbot.keyClicks(window.search, "ABCD-2345-Z")
    qtbot.keyClick(window.search, Qt.Key.Key_Return)
    settle()
    error = window.search_error
    assert error.isVisible() and error.text()
    assert {key: global_rect(button) for key, button in by_key(bench).items()} == before
    shown = global_rect(error)
    assert shown.top() >= global_rect(window.search).bottom()  # under the bar
    central = window.centralWidget()
    assert central is not None and shown.width() == central.width()  # whole, in the window
    assert all(not shown.intersects(rect) for rect in before.values())
    # Typing again takes the message away.
    qtbot.keyClick(window.search, Qt.Key.Key_Backspace)
    assert not error.isVisible()
    run.prompt.answer("ok")
    run.finish()


@pytest.mark.parametrize("size", SIZES)
def test_answers_keep_their_place_whatever_the_device_name(
    make_bench: Callable[..., Bench], qtbot: QtBot, size: tuple[int, int]
) -> None:
    """A drive's long model name ("Seagate ST500LM021-1KJ152") once took two lines in the
    panel and moved "yes" 25 px down from where it was for a phone."""
    bench, phone_id = open_bench(make_bench, qtbot, size)
    bench.simulator.add_drive("hdd-sata-500", size=4 << 20)
    qtbot.waitUntil(lambda: len(bench.window.cards) == 2, timeout=20_000)
    drive_id = next(d for d in bench.window.cards if d != phone_id)
    places = {}
    for device_id in (phone_id, drive_id):
        bench.window.select(device_id)
        run = GuidedRun(bench, device_id, GUIDED_TESTS[0])
        show_prompt(bench, device_id, run.prompt)
        places[device_id] = {key: global_rect(button) for key, button in by_key(bench).items()}
        run.prompt.answer("ok")
        run.finish()
    assert bench.window.panel.title.toolTip() == "Seagate ST500LM021-1KJ152"
    assert places[phone_id] == places[drive_id]


def test_a_search_message_follows_the_bar_and_goes_by_itself(
    make_bench: Callable[..., Bench], qtbot: QtBot
) -> None:
    bench, _ = open_bench(make_bench, qtbot, SIZES[0])
    window = bench.window
    window.search.setFocus()
    qtbot.keyClicks(window.search, "ABCD-2345-Z")
    qtbot.keyClick(window.search, Qt.Key.Key_Return)
    settle()
    error = window.search_error
    assert error.isVisible()
    # The training banner goes: the bar moves up, the message with it.
    window.banner.setVisible(not window.banner.isVisible())
    settle()
    assert global_rect(error).top() == global_rect(window.top_bar).bottom() + 1
    # It goes by itself once read.
    assert window._search_error_timer.isActive()
    assert window._search_error_timer.interval() == 15_000
    window._search_error_timer.timeout.emit()
    assert not error.isVisible()
