"""The "Dons" view: opened from the bar's "Atelier" menu, it lists the donations with their
devices counted by stage (a drawn bar with its words), opens a lot's page listing each
device's stage, grade, outcome and blocker, attaches scanned labels at once with a line
saying what happened, and saves the lot's report, certificate (a real signed PDF that the
verification accepts, recorded as given out) and activity CSV where the operator chooses."""

from __future__ import annotations

import csv
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTableWidget
from pytestqt.qtbot import QtBot

from bench_app import lots as lots_module
from bench_app.domain.model import DeviceKind, DonorKind
from bench_app.output.certificates.verify import read_certificate, verify_pdf
from bench_app.signing import Keyring
from bench_app.store import queries
from tests.lots.conftest import Bench as Facts
from tests.ui.conftest import Bench
from tests.ui.screens import screenshot
from tests.ui.test_certificate_issued import issued, wiped_phone
from tests.ui.test_french_screens import Checker, texts_of
from ui.lots_view import POSITIONS_ROLE, LotsView


def _lot(bench: Bench) -> Facts:
    """A training donation with five phones at five positions."""
    station = bench.station
    donor = station.register_donor("Caisse de retraite", DonorKind.PUBLIC_BODY)
    lot_id = station.register_lot(donor, agreement_ref="CONV-2026-11", expected_count=6)
    facts = Facts(station, lot_id)
    facts.add("neuf", DeviceKind.PHONE)
    facts.checked(facts.add("controle", DeviceKind.PHONE))
    locked = facts.add("verrouille", DeviceKind.PHONE)
    facts.checked(locked, locks={"reading": {"google_accounts": ["a@b.c"]}})
    wiped = wiped_phone(station, ok=True, lot_id=lot_id)
    facts.devices["efface"] = wiped
    facts.checked(wiped)
    done = facts.add("fini", DeviceKind.PHONE)
    facts.checked(done)
    facts.erased(done)
    facts.fact(done, "device.os_installed", os="eos", name="/e/OS", version="2.0")
    facts.fact(done, "grade.assigned", functional="A", cosmetic=1, workshop_grade="B", reasons=[])
    facts.fact(done, "label.printed", template="brother-62")
    facts.fact(done, "outcome.recorded", kind="spare_parts", reference="", note="")
    return facts


def _open(bench: Bench, qtbot: QtBot) -> LotsView:
    bench.window.workshop_menu.actions_["lots"].trigger()
    view = bench.window.workshop_menu.opened["lots"]
    assert isinstance(view, LotsView) and view.isVisible()
    qtbot.waitUntil(lambda: view.loads >= 1 and not view.tasks)
    return view


def _cell(table: QTableWidget, row: int, column: int) -> str:
    item = table.item(row, column)
    assert item is not None, (row, column)
    return item.text()


def _page(view: LotsView) -> dict[str, list[str]]:
    rows = {}
    for r in range(view.devices.rowCount()):
        cells = [_cell(view.devices, r, c) for c in range(view.devices.columnCount())]
        rows[cells[1].split()[-1]] = cells
    return rows


def test_the_view_counts_lists_and_attaches_scanned_labels(
    make_bench: Callable[..., Bench], qtbot: QtBot, artifacts_dir: Path
) -> None:
    bench = make_bench(lang="fr")
    facts = _lot(bench)
    outside = facts.add("dehors", DeviceKind.PHONE, lot=False)
    view = _open(bench, qtbot)
    view.resize(1280, 600)

    assert view.windowTitle() == "Dons"
    assert view.table.rowCount() == 1
    cells = [_cell(view.table, 0, c) for c in range(5)]
    assert cells == ["Caisse de retraite", "CONV-2026-11", cells[2], "6", "5"]
    bar = view.table.item(0, 5)
    assert bar is not None
    assert bar.data(POSITIONS_ROLE) == {
        "blocked": 1, "check": 1, "wipe": 1, "install": 1, "done": 1,
    }  # fmt: skip
    assert bar.data(Qt.ItemDataRole.AccessibleTextRole) == (
        "Bloqué 1 · Contrôle 1 · Effacement des données 1 · Installation du système 1 · Terminé 1"
    )
    assert view.table.itemDelegateForColumn(5) is view.bar_delegate
    assert _cell(view.table, 0, 6) == "1"  # the locked phone
    screenshot(view, artifacts_dir / "lots-overview.png")

    view.table.setFocus()  # by keyboard alone: Enter on the selected lot opens its page
    qtbot.keyClick(view.table, Qt.Key.Key_Return)
    assert view.stack.currentIndex() == 1
    qtbot.waitUntil(lambda: view.lot_page is not None)
    rows = _page(view)
    assert set(rows) == {"neuf", "controle", "verrouille", "FP4", "fini"}
    assert rows["fini"][2:5] == ["Terminé", "B", "pièces détachées"]
    assert rows["verrouille"][2] == "Bloqué"
    assert "compte Google" in rows["verrouille"][5]
    assert rows["neuf"][2:] == ["Contrôle", "—", "—", "—"]
    assert rows["FP4"][2] == "Installation du système"
    assert view.page_counts.text() == "5 reçu(s) sur 6 attendu(s)"

    # Labels scanned one after the other: each attached at once, each with its line.
    view.add_button.click()
    assert view.scan_field.isVisible()
    qtbot.keyClicks(view.scan_field, f"https://verif.exemple.org/{outside.asset_code}")
    qtbot.keyClick(view.scan_field, "\r")
    qtbot.waitUntil(lambda: "dehors" in _page(view))
    moved = queries.device(bench.station.store, outside.id)
    assert moved is not None and moved.lot_id == facts.lot_id
    for code in (outside.asset_code, facts.devices["neuf"].asset_code, "ZZZZ-2345-" + "X"):
        qtbot.keyClicks(view.scan_field, code)
        qtbot.keyClick(view.scan_field, "\r")
    lines = [view.scan_log.item(i).text() for i in range(view.scan_log.count())]
    assert lines[3] == f"✓  {outside.asset_code} : ajouté à ce don."
    assert lines[2] == f"=  {outside.asset_code} : déjà dans ce don."
    assert lines[1] == f"=  {facts.devices['neuf'].asset_code} : déjà dans ce don."
    assert lines[0].startswith("✗  ")
    qtbot.waitUntil(lambda: not view.tasks)
    assert view.page_counts.text() == "6 reçu(s) sur 6 attendu(s)"
    screenshot(view, artifacts_dir / "lots-page.png")

    checker = Checker()
    checker.add("lots page", texts_of(view))
    checker.add("lots table", [_cell(view.devices, r, c) for r in range(6) for c in range(6)])
    assert checker.report() == []

    view.back_button.click()
    qtbot.waitUntil(lambda: view.stack.currentIndex() == 0 and not view.tasks)
    assert _cell(view.table, 0, 4) == "6"
    # A device attached from its panel meanwhile: "Actualiser" counts it.
    later = facts.add("plus-tard", DeviceKind.PHONE, lot=False)
    bench.window.panel.lot_chosen.emit(later.id, facts.lot_id)
    view.refresh_button.click()
    qtbot.waitUntil(lambda: not view.tasks and _cell(view.table, 0, 4) == "7")


def test_the_page_saves_the_report_certificate_and_activity(
    make_bench: Callable[..., Bench], qtbot: QtBot, tmp_path: Path, data_dir: Path
) -> None:
    bench = make_bench(lang="fr")
    facts = _lot(bench)
    view = _open(bench, qtbot)
    view.open_lot(0)
    qtbot.waitUntil(lambda: view.lot_page is not None)
    stick = tmp_path / "cle"
    stick.mkdir()

    view.report_button.click()
    assert view.chooser is not None
    view.chooser.fileSelected.emit(str(stick))
    view.chooser.close()
    report = stick / f"rapport-don-{facts.lot_id[:8]}.pdf"
    assert report.read_bytes()[:5] == b"%PDF-"

    before = len(issued(bench.station))
    view.certificate_button.click()
    view.chooser.fileSelected.emit(str(stick))
    view.chooser.close()
    certificate = stick / f"certificat-don-{facts.lot_id[:8]}.pdf"
    check = verify_pdf(read_certificate(certificate), Keyring.for_station(data_dir), "certificate")
    assert check.lot is not None, check
    assert check.lot["lot"]["id"] == facts.lot_id
    assert check.lot["lot"]["agreement_ref"] == "CONV-2026-11"
    assert check.lot["counts"] == {"certified": 1, "devices": 5, "not_certified": 4}
    assert [d["device"]["asset_code"] for d in check.devices] == [
        facts.devices["efface"].asset_code
    ]
    saved = issued(bench.station)[before:]
    assert [f.payload["delivery"] for f in saved] == ["saved"]
    assert saved[0].payload["lot_id"] == facts.lot_id

    view.activity_button.click()
    view.chooser.fileSelected.emit(str(stick))
    view.chooser.close()
    activity = stick / f"activite-don-{facts.lot_id[:8]}.csv"
    with activity.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f, delimiter=";"))
    codes = sorted(r[0] for r in rows[1:])
    assert codes == sorted(d.asset_code for d in facts.devices.values())
    assert view.message is not None and "Enregistré" in view.message.text()


def test_the_view_speaks_english(
    make_bench: Callable[..., Bench], qtbot: QtBot, artifacts_dir: Path
) -> None:
    bench = make_bench(lang="en")
    _lot(bench)
    view = _open(bench, qtbot)
    assert view.windowTitle() == "Donations"
    bar = view.table.item(0, 5)
    assert bar is not None
    assert str(bar.data(Qt.ItemDataRole.AccessibleTextRole)).startswith("Blocked 1 · Check 1")
    view.open_lot(0)
    qtbot.waitUntil(lambda: view.lot_page is not None)
    assert _page(view)["fini"][2:5] == ["Done", "B", "spare parts"]
    assert view.add_button.text() == "Add devices"
    screenshot(view, artifacts_dir / "lots-page-en.png")


def test_a_page_read_ending_late_never_covers_a_newer_one(
    make_bench: Callable[..., Bench], qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each scan starts a page read; they run side by side and may end in any order. A read
    started before the last scan, ending after the newer one, must not be what is shown."""
    bench = make_bench(lang="fr")
    facts = _lot(bench)
    view = _open(bench, qtbot)
    view.open_lot(0)
    qtbot.waitUntil(lambda: view.lot_page is not None and not view.tasks)
    real_page = lots_module.page
    release = threading.Event()
    calls: list[int] = []

    def page(*args: Any, **kwargs: Any) -> Any:
        calls.append(len(calls))
        result = real_page(*args, **kwargs)  # read now: before the next device is added
        if len(calls) == 1:
            release.wait(30)  # ... and handed over last
        return result

    monkeypatch.setattr(lots_module, "page", page)
    assert view.lot is not None
    view._read_page(view.lot)  # the older read: five devices, held back
    qtbot.waitUntil(lambda: len(calls) == 1)
    facts.add("nouveau", DeviceKind.PHONE)
    view._read_page(view.lot)  # the newer read: six devices, ends first
    qtbot.waitUntil(lambda: len(view.tasks) == 1)
    assert view.page_counts.text() == "6 reçu(s) sur 6 attendu(s)"
    release.set()
    qtbot.waitUntil(lambda: not view.tasks)
    assert view.page_counts.text() == "6 reçu(s) sur 6 attendu(s)"
    assert "nouveau" in _page(view)
