"""The window's sync status: the worker starts only for an enrolled station, and the status
bar says in a short French sentence when the hub cannot be reached, then when the station last synced."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from pytestqt.qtbot import QtBot

from bench_app.domain.model import DeviceKind
from bench_app.sync.client import enrol_station
from tests.sync.conftest import LiveHub
from tests.sync.fault_proxy import FaultProxy
from tests.ui.conftest import Bench, make_bench  # noqa: F401  (fixture)
from ui.app import start_sync
from ui.sync_status import SyncStatusLabel


def test_no_worker_and_no_label_for_a_station_not_enrolled(
    make_bench: Callable[..., Bench],  # noqa: F811
) -> None:
    bench = make_bench(training=False)
    assert start_sync(bench.station, bench.window) is None
    assert bench.window.findChild(SyncStatusLabel) is None


def test_the_status_bar_tells_why_sync_fails_then_when_it_last_synced(
    make_bench: Callable[..., Bench],  # noqa: F811
    live_hub: LiveHub,
    data_dir: Path,
    qtbot: QtBot,
) -> None:
    bench = make_bench(training=False, lang="fr")
    proxy = FaultProxy(live_hub.port)
    try:
        enrol_station(data_dir, bench.station.store, proxy.url, live_hub.code("Atelier UI"))
        bench.station.register_device(DeviceKind.PHONE, brand="Fairphone", model="FP5", serial="U1")
        proxy.partition()
        worker = start_sync(bench.station, bench.window)
        assert worker is not None
        try:
            label = bench.window.findChild(SyncStatusLabel)
            assert label is not None
            qtbot.waitUntil(lambda: worker.status().rounds >= 1, timeout=20000)
            label.refresh()
            # A short sentence; the hub's own words only behind "En savoir plus".
            assert label.text() == "Serveur injoignable, nouvel essai dans 1 min"
            assert "ne répond pas" in label.explain().text()
            assert worker.status().waiting == 1
            proxy.heal()
            worker.poke()
            qtbot.waitUntil(lambda: worker.status().error is None, timeout=20000)
            label.refresh()
            assert label.text() == "Synchronisé il y a 0 min · 0 en attente"
        finally:
            worker.stop()
    finally:
        proxy.close()
