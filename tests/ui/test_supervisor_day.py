"""A supervisor's day through the real window, on a workshop database of a few thousand
devices: she follows a donation from its intake to its report (« Dons » → the donation's
page → the report PDF naming its devices), takes a lent phone back into the bench's flow
(« Prêts et locations » → « Retour » → the phone back to its check), finds a device by
scanning its label's address in the search field (its page opens with its history), and
reads the week's work on the dashboard (the figures shown are the week's facts).

What is asserted is what the screens show. The window must not freeze: a probe measures
how late the event loop answered during the whole walk; the longest stall is printed and
written to test-artifacts/, never asserted (benchmarks are not timed tests); what is
asserted is behaviour: the loop kept turning while the dashboard's figures were computed
(the computation held back until the test lets it go)."""

from __future__ import annotations

import itertools
import json
import re
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QDate, QModelIndex, Qt, QTimer
from PySide6.QtWidgets import QApplication, QTableView, QTableWidget
from pytestqt.qtbot import QtBot

from bench_app import dashboard
from bench_app.domain.asset_code import AssetCode
from bench_app.domain.imei import luhn_digit
from bench_app.domain.model import Device, DeviceKind, DonorKind, OutcomeKind
from bench_app.journey import OutcomeChoice, Stage
from bench_app.settings import Settings
from bench_app.station import Station
from bench_app.store import database, queries
from bench_app.store.database import DB_NAME, NewEvent, Store
from bench_app.store.uuid7 import uuid7_str
from tests.output.reports.support import pdf_text
from tests.ui.conftest import Bench, save_with_dialog
from tests.ui.screens import SCREEN, screenshot
from ui.dashboard_view import DashboardView
from ui.device_page import DevicePage
from ui.latency import LatencyProbe
from ui.loans_view import LoansView
from ui.lots_view import LotsView
from ui.outcome_dialog import OutcomeDialog
from ui.return_dialog import ReturnDialog

WAIT = 60_000
VERIFY = "https://verif.exemple.org"
SUPERVISOR, OPERATOR = "Nadia", "Sam"
AGREEMENT = "CONV-2026-DEMO"
TODAY = date.today()

# The workshop before today: devices taken in a year ago, a third given, some lent.
SEEDED = 3000
DEVICES_PER_LOT = 250
LOAN_EVERY = 10  # one device in ten is out on loan
OVERDUE = 12  # of those, the first ones were due back long ago
DUE_SOON = 5  # the next ones are due back within the week


@dataclass
class Workshop:
    """What the seeded database holds, as the test knows it (not as the app reads it)."""

    codes: list[str] = field(default_factory=list)
    loans_out: int = 0
    overdue: int = 0
    due_soon: int = 0


def seed_workshop(folder: Path, monkeypatch: pytest.MonkeyPatch) -> Workshop:
    """Records SEEDED devices through the real store (hash chain, projections), dated a
    year ago, in batches of one transaction each."""
    known = Workshop()
    start = datetime(2025, 6, 2, 9, tzinfo=UTC)
    tick = itertools.count()

    def clock() -> str:
        at = start + timedelta(milliseconds=40_000 * next(tick))
        return at.isoformat(timespec="milliseconds").replace("+00:00", "Z")

    with monkeypatch.context() as patched:
        patched.setattr(database, "utc_now", clock)
        store = Store(folder / DB_NAME)
        try:
            prefix = store.station_prefix
            facts: list[NewEvent] = []
            donors = [f"donor-{i}" for i in range(5)]
            names = ["Département du Nord", "La Poste Lille", "Mairie de Roubaix",
                     "Caisse de retraite", "Hôpital de Lens"]  # fmt: skip
            for donor_id, name in zip(donors, names, strict=True):
                facts.append(
                    NewEvent("donor.registered", {"donor_id": donor_id, "name": name,
                                                  "kind": "public_body"})
                )  # fmt: skip
            lot_id = ""
            lent = 0
            for n in range(SEEDED):
                if n % DEVICES_PER_LOT == 0:
                    lot_id = f"lot-{n // DEVICES_PER_LOT:04d}"
                    facts.append(
                        NewEvent("lot.registered", {
                            "lot_id": lot_id, "donor_id": donors[n // DEVICES_PER_LOT % 5],
                            "received_on": "2025-06-02", "agreement_ref": f"CONV-2025-{n:05d}",
                            "expected_count": DEVICES_PER_LOT})
                    )  # fmt: skip
                device_id = str(uuid.UUID(int=(n + 1) << 64 | 0x7 << 76))
                code = str(AssetCode.make(prefix, n + 1))
                known.codes.append(code)
                phone = n % 4 != 3
                imei = "35" + f"{n:012d}"
                facts.append(
                    NewEvent("device.registered", {
                        "device_id": device_id, "asset_code": code,
                        "kind": "phone" if phone else "laptop",
                        "brand": "Samsung" if phone else "Lenovo",
                        "model": "Galaxy A40" if phone else "ThinkPad T480",
                        "serial": f"SEED{n:06d}",
                        "imei": imei + luhn_digit(imei) if phone else "",
                        "lot_id": lot_id}, device_id)
                )  # fmt: skip
                if n % LOAN_EVERY == 1:
                    if lent < OVERDUE:
                        due = date(2025, 9, 1)
                        known.overdue += 1
                    elif lent < OVERDUE + DUE_SOON:
                        due = TODAY + timedelta(days=3)
                        known.due_soon += 1
                    else:
                        due = TODAY + timedelta(days=90)
                    lent += 1
                    facts.append(
                        NewEvent("outcome.recorded", {
                            "device_id": device_id, "kind": "loan", "beneficiary": f"DOS-{n:05d}",
                            "loan_id": f"loan-{n:05d}", "start_on": "2025-06-02",
                            "due_on": due.isoformat(), "signed": True}, device_id)
                    )  # fmt: skip
                elif n % 3 == 0:
                    facts.append(
                        NewEvent("outcome.recorded", {
                            "device_id": device_id, "kind": "donation",
                            "beneficiary": f"DOS-{n:05d}"}, device_id)
                    )  # fmt: skip
            known.loans_out = lent
            for first in range(0, len(facts), 2000):
                with store.transaction() as conn:
                    for event in facts[first : first + 2000]:
                        store.append(conn, event, operator="Camille", training=False)
        finally:
            store.close()
    return known


def bench_work(station: Station, device: Device, *, erased: bool) -> None:
    """An operator's work on a device of the donation, as the engine records it: its check
    (passed, graded), and when `erased` its erasure (verified), its system kept, its label."""
    job = uuid7_str()
    facts: list[tuple[str, dict[str, Any]]] = [
        ("job.created", {"job_id": job, "pipeline": "phone.check", "steps": []}),
        ("job.started", {"job_id": job}),
        ("step.finished", {"job_id": job, "step_id": "battery", "status": "passed",
                           "summary": {"fr": "Batterie 91 %.", "en": "Battery 91%."},
                           "evidence": {}}),
        ("grade.assigned", {"job_id": job, "functional": "A", "cosmetic": 2,
                            "workshop_grade": "A", "suggested_outcome": "reuse"}),
        ("job.finished", {"job_id": job, "state": "succeeded"}),
    ]  # fmt: skip
    if erased:
        ids = {"job_id": uuid7_str(), "erasure_id": uuid7_str()}
        size = 64_000_000_000
        target = {"kind": "phone", "brand": device.brand, "model": device.model,
                  "storage_bytes": size}  # fmt: skip
        facts += [
            ("erasure.started", {**ids, "method": "factory reset",
                                 "technique": "cryptographic erase",
                                 "standard": "NIST SP 800-88 Rev. 1", "target": target}),
            ("erasure.verified", {**ids, "mode": "post-reset check", "ok": True}),
            ("erasure.finished", {**ids, "result": "erased", "reasons": []}),
            ("install.skipped", {"reason": "Système d’origine gardé."}),
            ("label.printed", {"template": "brother-62", "printer": ""}),
        ]  # fmt: skip
    station.store.record(
        [NewEvent(kind, {"device_id": device.id, **p}, device.id) for kind, p in facts],
        operator=OPERATOR,
        training=False,
    )


def cells(table: QTableWidget, row: int) -> list[str]:
    return [
        item.text() if (item := table.item(row, c)) is not None else ""
        for c in range(table.columnCount())
    ]


def loan_rows(table: QTableView) -> list[list[str]]:
    """Every row of the loans' list (all handed to the table first), as its cells' words."""
    model = table.model()
    while model.canFetchMore(QModelIndex()):
        model.fetchMore(QModelIndex())
    return [
        [str(model.index(r, c).data()) for c in range(model.columnCount())]
        for r in range(model.rowCount())
    ]


def shown_values(description: str) -> dict[str, float]:
    """A chart as screen readers get it ("Don : Appareils 1; …"): each category's value."""
    values = {}
    for part in description.split("; "):
        label, _, said = part.partition(" : ")
        number = re.findall(r"[\d\u202f\xa0 ]+(?:,\d+)?", said)[-1]
        values[label] = float(re.sub(r"[\u202f\xa0 ]", "", number).replace(",", "."))
    return values


class Walk:
    """Plays each of the supervisor's actions from inside the event loop (as a click is
    delivered) and measures, while it runs and until what it asked for is on screen, how
    late the loop answered: the stall a person would feel. The test's own checks between
    actions are not measured."""

    def __init__(self, qtbot: QtBot) -> None:
        self.qtbot = qtbot
        self.probe = LatencyProbe(10)
        self.samples: list[float] = []
        self.longest: dict[str, float] = {}

    def act(
        self, name: str, do: Callable[[], object], until: Callable[[], bool] = lambda: True
    ) -> None:
        outcome: list[BaseException | None] = []

        def run() -> None:
            try:
                do()
            except BaseException as exc:  # said after the loop, not lost in a slot
                outcome.append(exc)
            else:
                outcome.append(None)

        self.probe.start()
        QTimer.singleShot(0, run)
        self.qtbot.waitUntil(lambda: bool(outcome) and (outcome[0] is not None or until()),
                             timeout=WAIT)  # fmt: skip
        self.qtbot.wait(30)  # a few more turns: what the action queued is drawn
        self.probe.stop()
        if outcome[0] is not None:
            raise outcome[0]
        self.samples += self.probe.samples
        self.longest[name] = round(max(self.probe.samples, default=0.0), 1)


def test_a_supervisors_day(
    make_bench: Callable[..., Bench],
    qtbot: QtBot,
    data_dir: Path,
    tmp_path: Path,
    artifacts_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    Settings(
        organisation="Atelier du Faubourg", station_name="Poste 1", verification_url=VERIFY
    ).save(data_dir)
    workshop = seed_workshop(data_dir, monkeypatch)
    bench = make_bench(
        lang="fr", training=False, operator=SUPERVISOR, settings=Settings.load(data_dir)
    )
    station, window = bench.station, bench.window
    window.resize(*SCREEN)
    shots = artifacts_dir / "supervisor-day"
    shots.mkdir(exist_ok=True)
    walk = Walk(qtbot)
    menu = window.workshop_menu

    # -- A donation, from its intake to its report ---------------------------------------
    donor = station.register_donor("Mairie de Pantin", DonorKind.PUBLIC_BODY)
    lot_id = station.register_lot(donor, TODAY, AGREEMENT, 3)
    given, lent, recycled = (
        station.register_device(DeviceKind.PHONE, brand="Fairphone", model=model,
                                serial=f"DEMO{i}", lot_id=lot_id)
        for i, model in enumerate(("FP4", "FP3", "Pixel 4a"))
    )  # fmt: skip
    bench_work(station, given, erased=True)
    bench_work(station, lent, erased=True)
    bench_work(station, recycled, erased=False)
    station.choose_outcome(given.id, OutcomeChoice(OutcomeKind.DONATION, beneficiary="DOS-7001"))
    station.choose_outcome(
        recycled.id, OutcomeChoice(OutcomeKind.RECYCLING, reference="ECO-2026-0142")
    )

    def lots_read() -> bool:
        view = menu.opened.get("lots")
        return isinstance(view, LotsView) and view.loads >= 1 and not view.tasks

    walk.act("Dons", menu.actions_["lots"].trigger, lots_read)
    lots_view = menu.opened["lots"]
    assert isinstance(lots_view, LotsView)
    table = lots_view.table
    assert table.rowCount() == SEEDED // DEVICES_PER_LOT + 1
    (row,) = [r for r in range(table.rowCount()) if cells(table, r)[1] == AGREEMENT]
    assert cells(table, row)[:2] == ["Mairie de Pantin", AGREEMENT]
    assert cells(table, row)[3:5] == ["3", "3"]
    screenshot(lots_view, shots / "1-dons.png")
    table.selectRow(row)
    table.setFocus()
    walk.act(
        "page du don",
        lambda: qtbot.keyClick(table, Qt.Key.Key_Return),
        lambda: lots_view.lot_page is not None,
    )
    page = {cells(lots_view.devices, r)[0]: cells(lots_view.devices, r)
            for r in range(lots_view.devices.rowCount())}  # fmt: skip
    assert set(page) == {given.asset_code, lent.asset_code, recycled.asset_code}
    assert page[given.asset_code][2:5] == ["Terminé", "A", "don"]
    assert page[recycled.asset_code][4].startswith("recyclage")
    assert page[lent.asset_code][2] == "Destination"
    screenshot(lots_view, shots / "2-don-page.png")
    stick = tmp_path / "cle"
    stick.mkdir()
    report = stick / f"rapport-don-{lot_id[:8]}.pdf"

    def save_report() -> None:
        lots_view.report_button.click()
        assert lots_view.chooser is not None
        lots_view.chooser.fileSelected.emit(str(stick))
        lots_view.chooser.close()

    walk.act("rapport du don", save_report, report.exists)
    text = pdf_text(report)
    assert AGREEMENT in text and "Mairie de Pantin" in text
    for device in (given, lent, recycled):
        assert device.asset_code in text and device.model in text
    lots_view.close()

    # -- A loan, and the phone taken back into the bench's flow --------------------------
    outcome = OutcomeDialog(station, lent.id, "fr", window)
    qtbot.addWidget(outcome)
    outcome.show()
    qtbot.mouseClick(outcome.buttons[OutcomeKind.LOAN], Qt.MouseButton.LeftButton)
    outcome.beneficiary.setText("DOS-7002")
    back_on = TODAY + timedelta(days=10)  # within the reminder's fortnight
    outcome.due.setDate(QDate(back_on.year, back_on.month, back_on.day))
    outcome.handover.signed.setChecked(True)
    walk.act(
        "prêt",
        lambda: qtbot.mouseClick(outcome.record_button, Qt.MouseButton.LeftButton),
        lambda: not outcome.isVisible(),
    )
    assert outcome.result() == outcome.DialogCode.Accepted, outcome.refusal.text()

    def loans_read() -> bool:  # the list read (off the window's thread) and shown
        view = menu.opened.get("loans")
        return isinstance(view, LoansView) and view.loads > 0 and not view.tasks

    walk.act("Prêts et locations", menu.actions_["loans"].trigger, loans_read)
    loans_view = menu.opened["loans"]
    assert isinstance(loans_view, LoansView)
    qtbot.addWidget(loans_view)
    loan_list = loan_rows(loans_view.table)
    late_first = [row[0] for row in loan_list[: workshop.overdue]]
    assert late_first == ["En retard"] * workshop.overdue
    assert loans_view.filter_buttons[0].text() == f"Tous ({workshop.loans_out + 1})"
    assert loans_view.filter_buttons[2].text() == f"En retard ({workshop.overdue})"
    (ours,) = [row for row in loan_list if row[1] == lent.asset_code]
    assert ours[0] == "Retour bientôt" and ours[2:4] == ["Prêt", "DOS-7002"]
    assert ours[4] == f"{back_on:%d/%m/%Y} (dans 10 j)" and ours[5] == "Signée"
    screenshot(loans_view, shots / "3-prets.png")
    walk.act(
        "retour",
        lambda: qtbot.mouseClick(
            loans_view.return_button(lent.asset_code), Qt.MouseButton.LeftButton
        ),
        lambda: isinstance(loans_view.dialog, ReturnDialog) and loans_view.dialog.isVisible(),
    )
    returning = loans_view.dialog
    assert isinstance(returning, ReturnDialog)
    qtbot.mouseClick(returning.states["worn"], Qt.MouseButton.LeftButton)
    returning.condition.setText("Coque rayée, chargeur rendu")
    save_with_dialog(loans_view, returning, shots / "4-retour.png")
    reads = loans_view.loads
    walk.act(
        "retour enregistré",
        lambda: qtbot.mouseClick(returning.record_button, Qt.MouseButton.LeftButton),
        lambda: not returning.isVisible() and loans_view.loads > reads and not loans_view.tasks,
    )
    assert returning.result() == returning.DialogCode.Accepted
    assert lent.asset_code not in [row[1] for row in loan_rows(loans_view.table)]
    # Back on the bench: its card, its check to be done again.
    assert window.selected == lent.id and lent.id in window.cards
    window._flush(full=True)
    assert window.cards[lent.id].state.text() == "De retour : à contrôler"
    journey = station.journey(lent.id)
    assert journey.next is not None and journey.next.stage is Stage.CHECK
    assert not journey.erasure_verified
    loans_view.close()
    QApplication.processEvents()
    screenshot(window, shots / "5-de-retour.png")

    # -- A device found by scanning its label ---------------------------------------------
    def scan(code: str) -> None:
        window.focus_search()
        qtbot.keyClicks(window.search, f"{VERIFY}/{code}")  # a scanner types, then Enter
        qtbot.keyClick(window.search, Qt.Key.Key_Return)

    walk.act("étiquette scannée", lambda: scan(given.asset_code))
    found = window.device_pages.get(given.id)
    assert isinstance(found, DevicePage) and found.isVisible()
    assert found.code.text() == given.asset_code
    assert found.values["donation"].text().startswith(f"Mairie de Pantin — {AGREEMENT}")
    history = [
        [found.history.topLevelItem(i).text(c) for c in range(4)]  # type: ignore[union-attr]
        for i in range(found.history.topLevelItemCount())
    ]
    assert len(history) >= 8  # registered, checked, erased, labelled, given…
    assert {h[1] for h in history} == {SUPERVISOR, OPERATOR}
    assert {h[2] for h in history} == {"Poste 1"}
    assert any("DOS-7001" in h[3] for h in history)
    screenshot(found, shots / "6-appareil.png")
    # An old device, given a year ago, found the same way among thousands.
    old = workshop.codes[SEEDED // 2]
    walk.act("étiquette d’un ancien appareil", lambda: scan(old))
    old_page = next(p for p in window.device_pages.values() if p.code.text() == old)
    assert old_page.isVisible() and old_page.history.topLevelItemCount() >= 1
    found.close()
    old_page.close()

    # -- The week's work on the dashboard ---------------------------------------------------
    def computed() -> bool:
        view = menu.opened.get("dashboard")
        return isinstance(view, DashboardView) and view.board is not None and not view.computing()

    walk.act("Tableau de bord", menu.actions_["dashboard"].trigger, computed)
    board = menu.opened["dashboard"]
    assert isinstance(board, DashboardView)
    qtbot.addWidget(board)
    assert board.period.currentData() == "week"  # it opens on this week
    # « Actualiser » while the computation is held back: the window keeps answering.
    release = threading.Event()
    real = dashboard.compute

    def held(*args: Any, **kwargs: Any) -> Any:
        if not release.wait(timeout=WAIT / 1000):
            raise RuntimeError("the test never let the computation go")
        return real(*args, **kwargs)

    monkeypatch.setattr(dashboard, "compute", held)
    walk.act(
        "actualiser (calcul retenu)",
        board.refresh_button.click,
        lambda: board.computing() and len(walk.probe.samples) >= 10,
    )
    assert board.status.text() == "Calcul…"
    walk.act("actualiser", release.set, computed)
    assert board.board is not None and board.board.filters.period.first <= TODAY
    assert board.status.text().startswith("Du ")
    outcomes = shown_values(board.cards["outcomes"].chart.accessibleDescription())
    # This week's outcomes are the donation's three phones (the year-old ones are not):
    # one given, one lent (back since), one recycled.
    assert {k: v for k, v in outcomes.items() if v} == {
        "Don": 1, "Prêt": 1, "Recyclage (éco-organisme)": 1,
    }  # fmt: skip
    loans = shown_values(board.cards["loans"].chart.accessibleDescription())
    assert loans["Prêtés"] == workshop.loans_out  # ours came back
    assert loans["En retard"] == workshop.overdue
    assert loans["À rendre sous 7 jours"] == workshop.due_soon
    board.resize(*SCREEN)
    QApplication.processEvents()
    screenshot(board, shots / "7-tableau-de-bord.png")
    board.shutdown()

    stall = max(walk.samples)
    figures = {
        "devices": len(queries.devices(station.store)),
        "samples": len(walk.samples),
        "stall_ms_max": round(stall, 1),
        "stall_ms_p99": round(sorted(walk.samples)[int(0.99 * (len(walk.samples) - 1))], 1),
        "stall_ms_by_action": walk.longest,
    }
    (artifacts_dir / "supervisor-day-stalls.json").write_text(
        json.dumps(figures, indent=2, ensure_ascii=False)
    )
    print(f"\nsupervisor's day: longest event-loop stall {stall:.0f} ms; {figures}")
