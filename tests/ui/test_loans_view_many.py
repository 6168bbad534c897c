"""A workshop with 5,000 loans out: the « Prêts et locations » window opens on its most
urgent rows without drawing them all, the search finds a loan due in 60 days (far below
any first page), and its return is recorded with the keyboard alone."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from bench_app.domain.asset_code import AssetCode
from bench_app.store import queries
from bench_app.store.database import DB_NAME, NewEvent, Store
from tests.ui.conftest import Bench, save_with_dialog
from tests.ui.test_loans_view import _rows, loaded
from ui.loans_view import BATCH, LoansView
from ui.return_dialog import ReturnDialog

TODAY = date.today()
LOANS = 5000
FAR = 4321  # the one loan due in 60 days; the others are due within 40
WAIT = 60_000


def seed_loans(folder: Path) -> tuple[str, str]:
    """Records LOANS devices, each lent, through the real store (hash chain, projections);
    returns the asset code and device id of the one due in 60 days."""
    store = Store(folder / DB_NAME)
    try:
        prefix = store.station_prefix
        facts = [
            NewEvent("donor.registered", {"donor_id": "donor-0", "name": "Mairie de Lens",
                                          "kind": "public_body"}),
            NewEvent("lot.registered", {"lot_id": "lot-0", "donor_id": "donor-0",
                                        "received_on": "2025-06-02", "agreement_ref": "CONV-1",
                                        "expected_count": LOANS}),
        ]  # fmt: skip
        far, far_id = "", ""
        for n in range(LOANS):
            device_id = str(uuid.UUID(int=0x9 << 120 | n + 1))
            code = str(AssetCode.make(prefix, n + 1))
            days = 60 if n == FAR else n % 45 - 5  # some late, some due soon, most later
            if n == FAR:
                far, far_id = code, device_id
            facts.append(
                NewEvent("device.registered", {
                    "device_id": device_id, "asset_code": code, "kind": "phone",
                    "brand": "Samsung", "model": "Galaxy A40", "serial": f"MANY{n:06d}",
                    "imei": "", "lot_id": "lot-0"}, device_id)
            )  # fmt: skip
            facts.append(
                NewEvent("outcome.recorded", {
                    "device_id": device_id, "kind": "loan", "beneficiary": f"DOS-{n:05d}",
                    "loan_id": f"loan-{n:05d}", "start_on": "2025-06-02",
                    "due_on": (TODAY + timedelta(days=days)).isoformat(), "signed": True},
                    device_id)
            )  # fmt: skip
        for first in range(0, len(facts), 2000):
            with store.transaction() as conn:
                for event in facts[first : first + 2000]:
                    store.append(conn, event, operator="Camille", training=False)
    finally:
        store.close()
    return far, far_id


def test_five_thousand_loans_open_and_one_due_in_60_days_is_returned_by_keyboard(
    qtbot: QtBot, make_bench: Callable[..., Bench], data_dir: Path, artifacts_dir: Path
) -> None:
    far, far_id = seed_loans(data_dir)
    bench = make_bench(lang="fr", training=False)
    bench.window.workshop_menu.actions_["loans"].trigger()
    view = bench.window.workshop_menu.opened["loans"]
    assert isinstance(view, LoansView)
    qtbot.addWidget(view)
    qtbot.waitUntil(lambda: view.loads > 0 and not view.tasks, timeout=WAIT)
    model = view.table.model()
    # Every loan counted, the first rows shown, the table not handed all 5,000 at once.
    assert view.filter_buttons[0].text() == f"Tous ({LOANS})"
    assert 0 < model.rowCount() < LOANS and model.canFetchMore(QModelIndex())
    assert model.rowCount() <= 2 * BATCH
    assert model.index(0, 0).data() == "En retard"
    assert far not in [model.index(r, 1).data() for r in range(model.rowCount())]
    view.grab().save(str(artifacts_dir / "loans-many-fr.png"))

    # Found by its code, typed in the search.
    view.activateWindow()
    qtbot.waitUntil(view.isActiveWindow)
    view.search.setFocus()
    qtbot.keyClicks(view.search, far)
    rows = _rows(view.table)
    assert [r[1] for r in rows] == [far]
    assert rows[0][0] == "En cours" and rows[0][4].endswith("(dans 60 j)")
    # Tab to the list, Enter on its row: the return dialog, for this device.
    qtbot.keyClick(view.search, Qt.Key.Key_Tab)
    assert view.table.hasFocus()
    assert view.table.currentIndex().row() == 0  # the list's first row, chosen on arrival
    assert view.chosen.text() == f"Appareil choisi : {far}"
    qtbot.keyClick(view.table, Qt.Key.Key_Return)
    dialog = view.dialog
    assert isinstance(dialog, ReturnDialog) and dialog.isVisible()
    assert dialog.loan.asset_code == far
    # Its state and its recording, pressed with the space bar.
    dialog.states["good"].setFocus()
    qtbot.keyClick(dialog.states["good"], Qt.Key.Key_Space)
    assert dialog.record_button.isEnabled()
    save_with_dialog(view, dialog, artifacts_dir / "loans-many-return.png")
    reads = view.loads
    qtbot.keyClick(dialog.record_button, Qt.Key.Key_Space)
    assert dialog.result() == dialog.DialogCode.Accepted
    loaded(qtbot, view, reads)
    assert _rows(view.table) == [] and view.empty.text() == "Aucun appareil dans cette liste."
    assert view.filter_buttons[0].text() == f"Tous ({LOANS - 1})"
    assert far not in {x.asset_code for x in bench.station.open_loans()}
    returned = queries.events(bench.station.store, far_id)[-1]
    assert returned.type == "loan.returned" and returned.payload["state"] == "good"

    # The same window in English.
    view.search.clear()
    view.retranslate("en")
    assert view.filter_buttons[0].text() == f"All ({LOANS - 1})"
    assert model.index(0, 0).data() == "Overdue"
    QApplication.processEvents()  # the layout told the list came back, before the picture
    view.grab().save(str(artifacts_dir / "loans-many-en.png"))
