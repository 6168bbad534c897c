"""The window never freezes: 16 simulated checks run while a probe measures the event loop.
The figures go to test-artifacts/ and benchmarks/; nothing here asserts a duration."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QTimer
from pytestqt.qtbot import QtBot

from bench_app.domain.model import JobState
from bench_app.simulators.adb_phone import list_models
from tests.ui.conftest import Bench
from ui.latency import LatencyProbe


def test_sixteen_jobs_with_the_window_responsive(
    make_bench: Callable[..., Bench], qtbot: QtBot, artifacts_dir: Path
) -> None:
    bench = make_bench(scale=0.3, max_parallel=16)
    # Phones only: a drive's job is its erasure, whose questions are not answered "ok".
    models = list_models()
    for i in range(16):
        bench.simulator.add_adb_phone(models[i % len(models)], accept_delay=0.0)
    qtbot.waitUntil(lambda: len(bench.window.cards) == 16, timeout=20_000)
    window = bench.window
    probe = LatencyProbe(10)
    ticks_while_running: list[int] = []

    def answer_prompts() -> None:
        running = len(bench.station.engine.active())
        if running:
            ticks_while_running.append(len(probe.samples))
        for view in window.views.values():
            if view.prompt is not None and not view.prompt.answered:
                # "ok" where offered; else the first answer (no IMEI at hand, best cosmetic).
                keys = [c.key for c in view.prompt.choices]
                window._on_answer(view.prompt, "ok" if "ok" in keys else keys[0])

    probe.start()
    for device_id in list(window.cards):
        bench.station.start_job(device_id)
    assert len(bench.station.engine.active()) == 16
    helper = QTimer()
    helper.timeout.connect(answer_prompts)
    helper.start(30)
    qtbot.waitUntil(lambda: not bench.station.engine.active(), timeout=120_000)
    helper.stop()
    probe.stop()

    states = [bench.station.latest_job(d).state for d in window.cards]  # type: ignore[union-attr]
    assert states == [JobState.SUCCEEDED] * 16
    # The loop kept turning while the jobs ran: the probe ticked many times in between.
    assert len(ticks_while_running) > 5 and ticks_while_running[-1] - ticks_while_running[0] > 20
    figures = {
        "jobs": 16,
        "samples": len(probe.samples),
        "latency_ms_p50": round(probe.percentile(50), 2),
        "latency_ms_p99": round(probe.percentile(99), 2),
        "latency_ms_max": round(max(probe.samples), 2),
    }
    (artifacts_dir / "ui-latency-16-jobs.json").write_text(json.dumps(figures, indent=2))
    # The last state changes reach the cards through queued signals, a moment later.
    qtbot.waitUntil(
        lambda: all(card.state.text() == "Contrôle terminé" for card in window.cards.values()),
        timeout=20_000,
    )
