"""The "Tableau de bord" window: opened from the "Atelier" menu, it shows the core's figures
for the station's facts, saves each chart as a real PNG picture and its data as the core's
CSV through the folder chooser, and computes off the window's thread (the window answers
while a computation is under way; a filter changed meanwhile gets its own result)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtGui import QImage
from pytestqt.qtbot import QtBot

from bench_app import dashboard
from bench_app.domain.model import DeviceKind, DonorKind, OutcomeKind
from bench_app.output.reports.environment import load_factors
from bench_app.station import Station
from bench_app.store.database import NewEvent
from tests.ui.conftest import Bench
from ui.dashboard_view import DashboardView

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
WAIT = 30_000


def _facts(station: Station) -> None:
    """A few devices of this (training) station with outcomes, grades and erasures."""
    donor = station.register_donor("Mairie de Lille", DonorKind.PUBLIC_BODY)
    lot = station.register_lot(donor, None, "CONV-2026-12", 6)
    kinds = [DeviceKind.PHONE, DeviceKind.PHONE, DeviceKind.LAPTOP, DeviceKind.TABLET]
    outcomes = [OutcomeKind.DONATION, OutcomeKind.LOAN, OutcomeKind.SALE, OutcomeKind.RECYCLING]
    for i, (kind, outcome) in enumerate(zip(kinds, outcomes, strict=True)):
        device = station.register_device(kind, brand="Fairphone", serial=f"DASH{i}", lot_id=lot).id
        payload: dict[str, Any] = {"device_id": device, "kind": outcome.value}
        if outcome is OutcomeKind.LOAN:
            payload["due_on"] = "2020-01-01"  # long overdue
        station.store.record(
            [
                NewEvent(
                    "grade.assigned",
                    {"device_id": device, "functional": "A", "cosmetic": 8,
                     "workshop_grade": "AB"[i % 2]},
                    device,
                ),
                NewEvent("outcome.recorded", payload, device),
            ],
            operator="test",
            training=station.training,
        )  # fmt: skip


def _open(bench: Bench, qtbot: QtBot) -> DashboardView:
    bench.window.workshop_menu.actions_["dashboard"].trigger()
    view = bench.window.workshop_menu.opened["dashboard"]
    assert isinstance(view, DashboardView)
    qtbot.addWidget(view)
    qtbot.waitUntil(lambda: view.board is not None and not view.computing(), timeout=WAIT)
    return view


def _expected(view: DashboardView) -> dashboard.Dashboard:
    return dashboard.compute(
        view.station.store,
        view.filters(),
        load_factors(view.station.folder),
        today=view.today,
        station_names=view.station_names(),
    )


def test_the_dashboard_opens_from_the_menu_and_shows_the_figures(
    qtbot: QtBot, make_bench: Callable[..., Bench]
) -> None:
    bench = make_bench(lang="fr")
    _facts(bench.station)
    menu = bench.window.workshop_menu
    assert menu.actions_["dashboard"].text() == "Tableau de bord…"
    view = _open(bench, qtbot)
    try:
        assert view.windowTitle().startswith("Tableau de bord")
        assert view.board is not None
        expected = _expected(view)
        for figure in expected.figures:
            shown = view.cards[figure.key].chart.figure
            assert shown is not None and shown.series == figure.series, figure.key
        outcomes = dict(
            zip(view.board.figure("outcomes").categories,
                view.board.figure("outcomes").series[0].values, strict=True)
        )  # fmt: skip
        assert outcomes["donation"] >= 1 and outcomes["loan"] >= 1
        loans = view.board.figure("loans")
        assert loans.series[0].values[loans.categories.index("overdue")] >= 1
        # the factors' sources are shown as text under the environmental chart
        for source in load_factors().sources():
            assert source.url in view.cards["environment"].notes.text()
        assert view.cards["environment"].notes.isVisibleTo(view)
        assert not view.cards["outcomes"].notes.isVisibleTo(view)
        # the values are written for screen readers too, not only drawn
        described = view.cards["outcomes"].chart.accessibleDescription()
        assert "Don : " in described and "Prêt" in described
        ARTIFACTS.mkdir(exist_ok=True)
        view.resize(1366, 768)
        qtbot.waitExposed(view)
        assert view.grab().save(str(ARTIFACTS / "dashboard-fr.png"))
        for key in ("loans", "environment", "erasure_throughput"):
            assert view.cards[key].grab().save(str(ARTIFACTS / f"dashboard-card-{key}-fr.png"))
        view.cards["environment"].chart.image().save(
            str(ARTIFACTS / "dashboard-environment-fr.png")
        )
        view.cards["stages"].chart.image().save(str(ARTIFACTS / "dashboard-stages-fr.png"))
        # chosen dates: two date fields appear, and the window still fits a 1366 px screen
        view.period.setCurrentIndex(view.period.findData("custom"))
        assert view.first.isVisibleTo(view) and view.last.isVisibleTo(view)
        assert view.minimumSizeHint().width() <= 1366
        qtbot.waitUntil(lambda: not view.computing(), timeout=WAIT)
        assert view.grab().save(str(ARTIFACTS / "dashboard-dates-fr.png"))
        view.period.setCurrentIndex(view.period.findData(dashboard.Preset.WEEK))
        qtbot.waitUntil(lambda: not view.computing(), timeout=WAIT)
        # the lot filter narrows every figure to the lot's devices
        lot_index = view.lot.findText("CONV-2026-12", Qt.MatchFlag.MatchStartsWith)
        assert lot_index > 0
        view.lot.setCurrentIndex(lot_index)
        qtbot.waitUntil(
            lambda: view.board is not None and view.board.filters.lot_id is not None
            and not view.computing(),
            timeout=WAIT,
        )  # fmt: skip
        assert view.board.figure("outcomes").series[0].values == [
            0.0, 1.0, 1.0, 0.0, 1.0, 0.0, 1.0,
        ]  # fmt: skip
        menu.window_.language.setCurrentIndex(menu.window_.language.findData("en"))
        menu.window_.language.activated.emit(menu.window_.language.currentIndex())
        qtbot.waitUntil(lambda: view.refresh_button.text() == "Refresh", timeout=WAIT)
        assert view.windowTitle().startswith("Dashboard")
        assert view.lot.itemText(0) == "All lots"
        assert view.grab().save(str(ARTIFACTS / "dashboard-en.png"))
    finally:
        view.shutdown()
        view.close()


def test_each_chart_saves_a_png_and_its_csv_through_the_chooser(
    qtbot: QtBot, make_bench: Callable[..., Bench], tmp_path: Path
) -> None:
    bench = make_bench(lang="fr")
    _facts(bench.station)
    view = _open(bench, qtbot)
    try:
        expected = _expected(view)
        for key in ("outcomes", "environment"):
            view.cards[key].png.click()
            assert view.chooser is not None and view.chooser.isVisible()
            view.chooser.fileSelected.emit(str(tmp_path))
            png = tmp_path / view.file_name(key, "png")
            data = png.read_bytes()
            assert data.startswith(b"\x89PNG\r\n\x1a\n")
            picture = QImage(str(png))
            assert picture.size() == QSize(1200, 700)
            colours = {picture.pixelColor(x, y).rgb() for x in range(0, 1200, 7)
                       for y in range(0, 700, 7)}  # fmt: skip
            assert len(colours) > 5  # drawn: bars, text and axes, not a blank page
            view.chooser.close()
            view.cards[key].csv.click()
            view.chooser.fileSelected.emit(str(tmp_path))
            csv_path = tmp_path / view.file_name(key, "csv")
            assert csv_path.read_bytes().decode("utf-8") == expected.figure(key).csv("fr")
            assert view.saved == csv_path and csv_path.name in view.status.text()
            view.chooser.close()
        # a folder that cannot be written: said plainly on the status line, nothing else
        view.save("grades", "csv", tmp_path / "missing" / "deeper")
        assert "Impossible d’écrire" in view.status.text()
    finally:
        view.shutdown()
        view.close()


def test_the_window_answers_while_the_figures_are_computed(
    qtbot: QtBot, make_bench: Callable[..., Bench], monkeypatch: pytest.MonkeyPatch
) -> None:
    bench = make_bench(lang="fr")
    _facts(bench.station)
    release = threading.Event()
    calls: list[tuple[int, str]] = []
    real = dashboard.compute

    def held(store: Any, filters: dashboard.Filters, *args: Any, **kwargs: Any) -> Any:
        calls.append((threading.get_ident(), filters.period.first.isoformat()))
        if not release.wait(timeout=WAIT / 1000):
            raise RuntimeError("the test never released the computation")
        return real(store, filters, *args, **kwargs)

    monkeypatch.setattr(dashboard, "compute", held)
    bench.window.workshop_menu.actions_["dashboard"].trigger()
    view = bench.window.workshop_menu.opened["dashboard"]
    assert isinstance(view, DashboardView)
    qtbot.addWidget(view)
    try:
        qtbot.waitUntil(lambda: len(calls) == 1, timeout=WAIT)
        assert calls[0][0] != threading.get_ident()  # not the window's thread
        assert view.computing() and view.status.text() == "Calcul…"
        ticked: list[bool] = []
        QTimer.singleShot(0, lambda: ticked.append(True))
        qtbot.waitUntil(lambda: bool(ticked), timeout=WAIT)  # the event loop runs
        # a filter changed meanwhile: its own computation follows, and its result is shown
        view.period.setCurrentIndex(view.period.findData(dashboard.Preset.YEAR))
        assert view.period.currentData() == dashboard.Preset.YEAR
        assert view.board is None and len(calls) == 1
        release.set()
        qtbot.waitUntil(lambda: view.board is not None and not view.computing(), timeout=WAIT)
        assert len(calls) == 2
        board = view.board
        assert board is not None
        assert board.filters.period.first == view.today.replace(month=1, day=1)
        assert view.status.text().startswith("Du ")
    finally:
        release.set()
        view.shutdown()
        view.close()


def test_the_french_dashboard_shows_french(qtbot: QtBot, make_bench: Callable[..., Bench]) -> None:
    """Every text of the window and of its charts (titles, axes, categories, series, notes)
    passes the French screens' checks: no English word, no code, no raw value."""
    from tests.ui.test_french_screens import Checker, texts_of

    bench = make_bench(lang="fr")
    _facts(bench.station)
    view = _open(bench, qtbot)
    try:
        checker = Checker()
        checker.add("dashboard window", texts_of(view))
        assert view.board is not None
        for figure in view.board.figures:
            drawn = [figure.title.fr, figure.x_label.fr, figure.y_label.fr]
            drawn += [c.fr for c in figure.category_labels] + [s.name.fr for s in figure.series]
            drawn += [n.fr for n in figure.notes]
            drawn.append(view.cards[figure.key].chart.accessibleDescription())
            checker.add(f"chart {figure.key}", drawn)
        assert "Tableau de bord — Établi" in checker.seen
        assert checker.report() == []
    finally:
        view.shutdown()
        view.close()
