"""The IMEI a phone hides is asked once per phone: a second check of the same phone uses
the number typed the first time."""

from __future__ import annotations

from collections.abc import Callable

from pytestqt.qtbot import QtBot

from bench_app.domain.model import JobState
from tests.ui.conftest import Bench

WAIT = 60_000


def test_the_imei_is_asked_once_per_phone(make_bench: Callable[..., Bench], qtbot: QtBot) -> None:
    bench = make_bench()
    bench.simulator.add_adb_phone("fairphone-4")  # Android 13: it does not give its IMEI
    window = bench.window
    qtbot.waitUntil(lambda: len(window.cards) == 1, timeout=WAIT)
    device_id = next(iter(window.cards))

    def first_prompt() -> str:
        job = bench.station.start_job(device_id)
        qtbot.waitUntil(lambda: job.prompt is not None, timeout=WAIT)
        assert job.prompt is not None
        return str(job.prompt.picture)

    assert first_prompt() == "imei.svg"
    running = bench.station.engine.job_for_device(device_id)
    assert running is not None and running.prompt is not None
    running.prompt.answer("490154203237518")
    qtbot.waitUntil(
        lambda: running.prompt is not None and running.prompt.picture != "imei.svg",
        timeout=WAIT,
    )
    bench.station.cancel_job(running.id)
    qtbot.waitUntil(lambda: bench.station.engine.job_for_device(device_id) is None, timeout=WAIT)
    record = bench.station.latest_job(device_id)
    assert record is not None and record.state is JobState.CANCELLED
    assert bench.station.device(device_id).imei == "490154203237518"  # type: ignore[union-attr]
    # The second check goes straight past identification to the next question.
    assert first_prompt() != "imei.svg"
    again = bench.station.engine.job_for_device(device_id)
    assert again is not None
    bench.station.cancel_job(again.id)
    qtbot.waitUntil(lambda: bench.station.engine.job_for_device(device_id) is None, timeout=WAIT)
