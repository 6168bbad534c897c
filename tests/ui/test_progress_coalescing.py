"""Bursts of progress and recorded facts stay cheap for the window's thread: the bridge wakes
it once per burst, progress repaints only the bars, and a running device's records are read
again at most once per READ_EVERY_S; a bar is painted with the next turn, not inside the
call that moves it. Counted in calls and paints, never timed."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication, QLabel, QProgressBar, QWidget
from pytestqt.qtbot import QtBot

from bench_app.domain.model import JobState
from bench_app.store.database import Store
from tests.ui.conftest import Bench
from ui.bridge import _JobSignals
from ui.device_card import DeviceCard
from ui.device_panel import DevicePanel
from ui.main_window import READ_EVERY_S, READS_PER_FLUSH
from ui.progress_bar import set_bar

WAIT = 20_000


def tell_changed(bench: Bench, device_id: str) -> None:
    """What the station does when it records a fact about `device_id`."""
    for callback in list(bench.station.on_device_changed):
        callback(device_id)


def in_a_worker(work: Callable[[], None]) -> None:
    """Runs `work` on another thread, as the station's jobs do, and waits for its end."""
    thread = threading.Thread(target=work)
    thread.start()
    thread.join()


class Calls:
    """Counts calls to some methods, made on the window's (main) thread only."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.monkeypatch = monkeypatch
        self.counts: dict[str, int] = {}

    def count(self, owner: Any, name: str) -> None:
        real = getattr(owner, name)
        key = f"{getattr(owner, '__name__', type(owner).__name__)}.{name}"
        self.counts[key] = 0

        def counted(*args: Any, **kwargs: Any) -> Any:
            if threading.current_thread() is threading.main_thread():
                self.counts[key] += 1
            return real(*args, **kwargs)

        self.monkeypatch.setattr(owner, name, counted)

    def reset(self) -> None:
        for key in self.counts:
            self.counts[key] = 0


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[Calls]:
    yield Calls(monkeypatch)


def test_a_burst_wakes_the_window_once_with_the_latest_values(
    make_bench: Callable[..., Bench], qtbot: QtBot
) -> None:
    bench = make_bench()
    bridge = bench.window.bridge
    progress: list[tuple[str, str, float]] = []
    changed: list[str] = []
    bridge.job_progress.connect(
        lambda job, device, fraction: progress.append((job, device, fraction))
    )
    bridge.device_changed.connect(changed.append)
    signals = _JobSignals(bridge)  # what the station's jobs call

    def burst() -> None:
        for i in range(1, 1001):
            signals.job_progress("job-a", "dev-a", i / 1000, None, None)  # type: ignore[arg-type]
            signals.job_progress("job-b", "dev-b", i / 2000, None, None)  # type: ignore[arg-type]
            tell_changed(bench, "dev-a" if i % 2 else "dev-b")

    in_a_worker(burst)
    assert progress == [] and changed == []  # nothing runs on the window's thread meanwhile
    QApplication.processEvents()
    # Two thousand progress calls and a thousand facts: one delivery per job and per device.
    assert sorted(progress) == [("job-a", "dev-a", 1.0), ("job-b", "dev-b", 0.5)]
    assert sorted(changed) == ["dev-a", "dev-b"]
    QApplication.processEvents()
    assert len(progress) == 2 and len(changed) == 2  # nothing left waiting, nothing repeated

    # What comes after a delivery is delivered again: nothing is lost.
    in_a_worker(lambda: signals.job_progress("job-a", "dev-a", 0.25, None, None))  # type: ignore[arg-type]
    in_a_worker(lambda: tell_changed(bench, "dev-a"))
    qtbot.waitUntil(lambda: len(progress) == 3 and len(changed) == 3, timeout=WAIT)
    assert progress[-1] == ("job-a", "dev-a", 0.25) and changed[-1] == "dev-a"


def erasure_waiting(bench: Bench, qtbot: QtBot) -> tuple[str, str]:
    """A docked drive whose erasure job is running and waits for the operator: (device, job)."""
    bench.simulator.add_drive("ssd-sata-256")
    qtbot.waitUntil(lambda: len(bench.window.cards) == 1, timeout=WAIT)
    device_id = next(iter(bench.window.cards))
    job = bench.station.start_job(device_id, "drive.erase")
    view = bench.window.views[device_id]
    qtbot.waitUntil(lambda: view.live_state is JobState.WAITING_OPERATOR, timeout=WAIT)
    bench.window.select(device_id)
    bench.window._flush(full=True)
    return device_id, job.id


def test_progress_repaints_the_bars_only_and_never_reads_the_store(
    make_bench: Callable[..., Bench], qtbot: QtBot, calls: Calls, artifacts_dir: Path
) -> None:
    bench = make_bench()
    device_id, job_id = erasure_waiting(bench, qtbot)
    window = bench.window
    running = bench.station.engine.job(job_id)
    assert running is not None
    calls.count(Store, "query")
    calls.count(Store, "query_one")
    calls.count(DeviceCard, "show_view")
    calls.count(DeviceCard, "show_progress")
    calls.count(DevicePanel, "show_view")
    signals = _JobSignals(window.bridge)
    for turn in range(1, 6):  # five redraws, each after a burst of 200 progress calls

        def burst(turn: int = turn) -> None:
            for i in range(200):
                running.fraction = (turn * 200 + i) / 1000 * 0.5
                signals.job_progress(job_id, device_id, running.fraction, None, None)  # type: ignore[arg-type]

        in_a_worker(burst)
        QApplication.processEvents()
        window._flush()
    assert calls.counts["Store.query"] == 0 and calls.counts["Store.query_one"] == 0
    assert calls.counts["DeviceCard.show_view"] == 0
    assert calls.counts["DevicePanel.show_view"] == 0
    assert calls.counts["DeviceCard.show_progress"] == 5  # one per redraw, not per call
    card = window.cards[device_id]
    assert card.progress.value() == int(running.fraction * 1000)
    assert window.panel.progress.value() == int(running.fraction * 1000)
    window.grab().save(str(artifacts_dir / "progress-bars-only.png"))


def test_a_running_device_s_records_are_read_once_per_interval_and_at_its_end(
    make_bench: Callable[..., Bench], qtbot: QtBot, calls: Calls
) -> None:
    bench = make_bench()
    device_id, job_id = erasure_waiting(bench, qtbot)
    window = bench.window
    now = [1000.0]
    window._clock = lambda: now[0]
    window._view(device_id)  # read "now"
    views: list[str] = []
    real_view = window._view

    def counted_view(device: str) -> Any:
        views.append(device)
        return real_view(device)

    window._view = counted_view  # type: ignore[assignment]
    calls.count(Store, "query")
    calls.count(DeviceCard, "show_view")

    def facts() -> None:
        for _ in range(100):  # a burst of facts recorded for the running device
            tell_changed(bench, device_id)

    for _ in range(5):
        in_a_worker(facts)
        QApplication.processEvents()
        window._flush()
        now[0] += READ_EVERY_S / 10
    assert views == [] and calls.counts["Store.query"] == 0  # held: read less than a second ago
    assert calls.counts["DeviceCard.show_view"] == 0  # and its card not redrawn per fact
    now[0] += READ_EVERY_S
    window._flush()
    assert views == [device_id]  # its turn came: read once for all 500 facts
    assert calls.counts["DeviceCard.show_view"] == 1
    window._flush()
    assert views == [device_id]

    in_a_worker(facts)
    QApplication.processEvents()
    window._flush()
    assert views == [device_id]  # held again
    window._on_job_state(job_id, device_id, JobState.CANCELLED.value)  # its job ends
    window._flush()
    assert views == [device_id, device_id]  # read at once, without waiting for its turn
    bench.station.engine.cancel(job_id)


class Paints(QObject):
    """Counts the paint events a widget receives."""

    def __init__(self, widget: QWidget) -> None:
        super().__init__()
        self.count = 0
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.count += 1
        return False


def test_a_bar_moves_without_painting_inside_the_call(qtbot: QtBot) -> None:
    bar = QProgressBar()
    bar.setRange(0, 1000)
    bar.resize(300, 20)
    qtbot.addWidget(bar)
    bar.show()
    qtbot.waitExposed(bar)
    QApplication.processEvents()
    bar.setValue(100)
    paints = Paints(bar)
    bar.setValue(600)  # Qt's own call paints at once
    assert paints.count >= 1
    paints.count = 0
    set_bar(bar, 900)
    assert bar.value() == 900 and paints.count == 0  # painted with the next turn, not here
    qtbot.waitUntil(lambda: paints.count >= 1, timeout=WAIT)
    painted = paints.count
    set_bar(bar, 900)  # unchanged: nothing to paint
    QApplication.processEvents()
    assert paints.count == painted


def test_a_late_end_of_an_earlier_job_does_not_hide_the_running_one(
    make_bench: Callable[..., Bench], qtbot: QtBot
) -> None:
    bench = make_bench()
    device_id, job_id = erasure_waiting(bench, qtbot)
    window = bench.window
    window._flush()
    view = window.views[device_id]
    assert view.live_state is not None and view.live_state.active
    # The device's previous job (its check) says "succeeded" late, after the erasure began.
    window._on_job_state("an-earlier-job", device_id, JobState.SUCCEEDED.value)
    assert view.live_state is not None and view.live_state.active
    # The running job's own end still counts.
    window._on_job_state(job_id, device_id, JobState.CANCELLED.value)
    assert view.live_state is None


def test_devices_falling_due_together_are_read_a_few_per_redraw_ended_jobs_first(
    make_bench: Callable[..., Bench], qtbot: QtBot
) -> None:
    bench = make_bench()
    window = bench.window
    for _ in range(5):
        bench.simulator.add_drive("ssd-sata-256")
    qtbot.waitUntil(lambda: len(window.cards) == 5, timeout=WAIT)
    window._flush(full=True)
    ids = sorted(window.cards)
    views: list[str] = []
    real_view = window._view

    def counted_view(device: str) -> Any:
        views.append(device)
        return real_view(device)

    window._view = counted_view  # type: ignore[assignment]
    ended = ids[-1]
    window._stale.update(ids)  # all five changed at once (jobs started together)
    window._read_now.add(ended)  # and one of them ended
    window._flush()
    assert len(views) == READS_PER_FLUSH and ended in views  # an ended job's device first
    assert window._stale == set(ids) - set(views)  # the others wait for the next redraws
    seen = set(views)
    while window._stale:
        before = len(views)
        window._flush()
        assert 0 < len(views) - before <= READS_PER_FLUSH
        seen |= set(views[before:])
    assert seen == set(ids) and len(views) == len(ids)  # each read once, none forgotten
    window._flush()
    assert len(views) == len(ids)

    window._stale.update(ids)
    window._flush(full=True)  # a click or a plug: everything read at once
    assert len(views) == 2 * len(ids) and not window._stale


def test_a_redraw_with_nothing_new_keeps_the_card_icon_size_and_identity_lines(
    make_bench: Callable[..., Bench], qtbot: QtBot
) -> None:
    bench = make_bench()
    window = bench.window
    bench.simulator.add_drive("ssd-sata-256")
    qtbot.waitUntil(lambda: len(window.cards) == 1, timeout=WAIT)
    device_id = next(iter(window.cards))
    window.select(device_id)
    view = window.views[device_id]
    card = window.cards[device_id]
    assert not card.icon.pixmap().isNull()
    size = card.size()
    called: list[str] = []
    card.icon.setPixmap = lambda *a: called.append("icon")  # type: ignore[method-assign]
    card.setFixedSize = lambda *a: called.append("size")  # type: ignore[method-assign]
    panel = window.panel

    def lines() -> list[QWidget | None]:
        items = [panel.identity.itemAt(i) for i in range(panel.identity.count())]
        return [item.widget() if item is not None else None for item in items]

    labels = lines()
    for _ in range(3):
        card.show_view(view, "fr")
        panel.show_view(view, "fr")
    assert called == [] and card.size() == size
    assert lines() == labels
    view.connected = not view.connected  # a line changes: the lines are drawn again
    panel.show_view(view, "fr")
    texts = [w.text() for w in lines() if isinstance(w, QLabel)]
    assert ("oui" if view.connected else "non") in texts
    assert lines()[-1] not in labels
