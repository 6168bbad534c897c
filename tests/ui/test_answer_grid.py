"""Answer buttons in a fixed grid: for every guided test, at the workshop laptop's 1366×768
and at 1920×1080, "yes" is at the same place on the left, "no" at the same place on the
right, any other answer below; all are in sight and the panel never scrolls sideways."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, QPoint, QRect, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from bench_app.diagnostics.guided_tests import GUIDED_TESTS, GuidedTest, GuidedTestStep
from bench_app.domain.model import JobState, StepStatus
from bench_app.jobs.prompt import NOT_OK, NOT_PRESENT, OK, Prompt
from bench_app.jobs.steps import StepContext, StepOutcome
from tests.ui.conftest import Bench
from ui.answer_grid import AnswerButton

WAIT = 20_000
SIZES = [(1366, 768), (1920, 1080)]


def settle() -> None:
    """Runs the pending layout passes, so geometries are final (no waiting on a clock)."""
    for _ in range(6):
        QApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
        QApplication.processEvents()


class GuidedRun:
    """Runs one real guided test step on a worker thread, as the engine does; its question
    comes out through `prompt`, its outcome through `outcome` once answered."""

    def __init__(self, bench: Bench, device_id: str, test: GuidedTest) -> None:
        self._asked: queue.Queue[Prompt] = queue.Queue()
        self.outcome: StepOutcome | None = None
        cancelled = threading.Event()
        handle = bench.station.handle(device_id)
        assert handle is not None

        def ask(prompt: Prompt) -> str:
            self._asked.put(prompt)
            return prompt.wait(cancelled)

        ctx = StepContext("job-test", handle, lambda fraction, message: None, ask, cancelled, {})
        step = GuidedTestStep(test)

        def work() -> None:
            self.outcome = step.run(ctx)

        self._thread = threading.Thread(target=work, name=f"guided-{test.id}", daemon=True)
        self._thread.start()
        self.prompt = self._asked.get(timeout=WAIT / 1000)

    def finish(self) -> StepOutcome:
        self._thread.join(WAIT / 1000)
        assert not self._thread.is_alive() and self.outcome is not None
        return self.outcome


def open_bench(
    make_bench: Callable[..., Bench], qtbot: QtBot, size: tuple[int, int], lang: str = "fr"
) -> tuple[Bench, str]:
    bench = make_bench(lang=lang)
    bench.window.resize(*size)
    bench.simulator.add_adb_phone("fairphone-4")
    qtbot.waitUntil(lambda: len(bench.window.cards) == 1, timeout=WAIT)
    device_id = next(iter(bench.window.cards))
    bench.window.select(device_id)
    settle()
    assert bench.window.size().width() == size[0] and bench.window.size().height() == size[1]
    return bench, device_id


def show_prompt(bench: Bench, device_id: str, prompt: Prompt) -> None:
    """What the window does when the device's job waits for this answer."""
    window = bench.window
    view = window.views[device_id]
    view.live_state = JobState.WAITING_OPERATOR
    view.prompt = prompt
    window._mark(device_id)
    window._flush()
    settle()


def global_rect(widget: QWidget) -> QRect:
    return QRect(widget.mapToGlobal(QPoint(0, 0)), widget.size())


def by_key(bench: Bench) -> dict[str, AnswerButton]:
    grid = bench.window.panel.answers
    return {grid.keys[b]: b for b in bench.window.panel.answer_buttons()}


def assert_in_sight(bench: Bench, button: AnswerButton) -> None:
    """Fully inside the window and inside the panel's visible area, its text not cut."""
    window, panel = bench.window, bench.window.panel
    assert button.isVisible()
    in_window = QRect(button.mapTo(window, QPoint(0, 0)), button.size())
    assert window.rect().contains(in_window), (button.text(), in_window, window.rect())
    in_viewport = QRect(button.mapTo(panel.viewport(), QPoint(0, 0)), button.size())
    assert panel.viewport().rect().contains(in_viewport), (button.text(), in_viewport)
    label = button.label
    assert label.heightForWidth(label.width()) <= label.height(), button.text()


def assert_no_sideways_scroll(bench: Bench, size: tuple[int, int]) -> None:
    panel = bench.window.panel
    assert not panel.horizontalScrollBar().isVisible()
    assert panel.horizontalScrollBar().value() == 0
    body = panel.widget()
    assert body is not None and body.width() <= panel.viewport().width()
    assert (bench.window.width(), bench.window.height()) == size


def click_at(bench: Bench, point: QPoint) -> None:
    """A real click at a place on the screen, delivered to whatever widget is there."""
    window = bench.window
    handle = window.windowHandle()
    assert handle is not None
    QTest.mouseClick(handle, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, point)


@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize("size", SIZES, ids=["1366x768", "1920x1080"])
def test_every_guided_test_has_yes_left_no_right_at_one_place(
    make_bench: Callable[..., Bench], qtbot: QtBot, size: tuple[int, int], lang: str
) -> None:
    bench, device_id = open_bench(make_bench, qtbot, size, lang)
    yes_rects: set[tuple[int, int, int, int]] = set()
    no_rects: set[tuple[int, int, int, int]] = set()
    third_seen = 0
    for test in GUIDED_TESTS:
        run = GuidedRun(bench, device_id, test)
        show_prompt(bench, device_id, run.prompt)
        buttons = by_key(bench)
        expected = {OK.key, NOT_OK.key} | ({NOT_PRESENT.key} if test.optional else set())
        assert set(buttons) == expected, test.id
        yes, no = buttons[OK.key], buttons[NOT_OK.key]
        assert yes.text() == OK.label.get(lang) and no.text() == NOT_OK.label.get(lang)
        yes_rect, no_rect = global_rect(yes), global_rect(no)
        yes_rects.add((yes_rect.x(), yes_rect.y(), yes_rect.width(), yes_rect.height()))
        no_rects.add((no_rect.x(), no_rect.y(), no_rect.width(), no_rect.height()))
        assert yes_rect.right() < no_rect.left(), test.id  # yes left, no right
        assert yes_rect.top() == no_rect.top() and yes_rect.height() == no_rect.height()
        assert abs(yes_rect.width() - no_rect.width()) <= 1  # an odd width splits unevenly
        for button in buttons.values():
            assert_in_sight(bench, button)
        assert_no_sideways_scroll(bench, size)
        # Nothing lies on the buttons: the question and picture end above them.
        panel = bench.window.panel
        assert global_rect(panel.picture).bottom() < yes_rect.top()
        assert global_rect(panel.question).bottom() < global_rect(panel.picture).top()
        if test.optional:
            third_seen += 1
            third = buttons[NOT_PRESENT.key]
            third_rect = global_rect(third)
            assert third_rect.top() > yes_rect.bottom(), test.id  # below, never beside
            assert third.property("answer") == "other" and yes.property("answer") == "main"
            assert third.height() < yes.height()  # it looks different: smaller, outlined
            # Answered through its own place on the screen: recorded as not on this model.
            click_at(bench, third.mapTo(bench.window, third.rect().center()))
            outcome = run.finish()
            assert outcome.status is StepStatus.NOT_PRESENT, test.id
        else:
            click_at(bench, no.mapTo(bench.window, no.rect().center()))
            outcome = run.finish()
            assert outcome.status is StepStatus.FAILED and outcome.evidence["answer"] == "not_ok"
    # Same place and size for every question, with or without a third answer.
    assert len(yes_rects) == 1 and len(no_rects) == 1, (yes_rects, no_rects)
    assert third_seen == sum(1 for t in GUIDED_TESTS if t.optional) > 0


@pytest.mark.parametrize("size", SIZES, ids=["1366x768", "1920x1080"])
def test_a_click_where_yes_was_records_works_for_every_question(
    make_bench: Callable[..., Bench], qtbot: QtBot, size: tuple[int, int]
) -> None:
    bench, device_id = open_bench(make_bench, qtbot, size)
    fixed: QPoint | None = None
    for test in GUIDED_TESTS:
        run = GuidedRun(bench, device_id, test)
        show_prompt(bench, device_id, run.prompt)
        if fixed is None:
            # Where "yes" sits for the first question; the operator's hand goes there after.
            yes = by_key(bench)[OK.key]
            fixed = yes.mapTo(bench.window, yes.rect().center())
        click_at(bench, fixed)
        outcome = run.finish()
        assert outcome.evidence["answer"] == "ok", test.id
        assert outcome.status is StepStatus.PASSED
        assert outcome.summary.fr == "Testé : fonctionne."


def test_screenshot_three_answers_at_1366x768(
    make_bench: Callable[..., Bench], qtbot: QtBot, artifacts_dir: Path
) -> None:
    bench, device_id = open_bench(make_bench, qtbot, (1366, 768))
    nfc = next(t for t in GUIDED_TESTS if t.id == "nfc")
    run = GuidedRun(bench, device_id, nfc)
    show_prompt(bench, device_id, run.prompt)
    path = artifacts_dir / "answer-grid-1366x768.png"
    assert bench.window.grab().save(str(path))
    buttons = by_key(bench)
    assert len(buttons) == 3
    click_at(bench, buttons[OK.key].mapTo(bench.window, buttons[OK.key].rect().center()))
    assert run.finish().status is StepStatus.PASSED
