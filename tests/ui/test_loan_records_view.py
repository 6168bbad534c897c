"""The loans view's "Signer" and "Paiement": a handover sheet signed after the handover (on
screen, or ticked for paper and its picture added later), recorded as a fact naming who and
when; the unsigned ones listed as such; a rental's months paid against due, a late payment
shown like a late return, and a payment recorded from the view."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from bench_app.domain.model import OutcomeKind
from bench_app.journey import OutcomeChoice
from bench_app.loans import picture_path
from bench_app.store import queries
from tests.ui.conftest import Bench, save_with_dialog
from tests.ui.test_french_screens import Checker, texts_of, words
from tests.ui.test_loans_view import _drive, _lend, _rows, _ui_english_only, loaded, sign
from ui.loan_sign_dialog import LoanSignDialog
from ui.loans_view import LoansView
from ui.payment_dialog import PaymentDialog

TODAY = date.today()


def _french(texts: list[str]) -> None:
    checker = Checker()
    assert not [t for t in texts if checker.problems(t)], [checker.problems(t) for t in texts]
    assert not {w for t in texts for w in words(t)} & _ui_english_only()


def _buttons(view: LoansView, code: str) -> list[str]:
    """The buttons the action bar shows once this device's row is chosen."""
    return view.actions_for(code)


def test_a_sheet_is_signed_later_on_screen_or_ticked_then_pictured(
    qtbot: QtBot, make_bench: Callable[..., Bench], data_dir: Path, artifacts_dir: Path
) -> None:
    bench = make_bench(lang="fr")
    station = bench.station
    on_screen = _lend(station, "SCREEN", 20)
    on_paper = _lend(station, "PAPER", 30)
    signed = _lend(station, "SIGNED", 40, signed=True)
    view = LoansView(station, "fr")
    qtbot.addWidget(view)
    view.show()
    loaded(qtbot, view)
    assert [r[5] for r in _rows(view.table)] == ["Non signée", "Non signée", "Signée"]
    qtbot.mouseClick(view.filter_buttons[3], Qt.MouseButton.LeftButton)
    assert view.filter_buttons[3].text() == "Non signées (2)"
    assert [r[1] for r in _rows(view.table)] == [on_screen.asset_code, on_paper.asset_code]
    view.grab().save(str(artifacts_dir / "loans-unsigned.png"))

    # Signed on screen when the beneficiary comes back: the picture kept by its hash.
    qtbot.mouseClick(view.row_button(on_screen.asset_code, "LoanSign"), Qt.MouseButton.LeftButton)
    dialog = view.dialog
    assert isinstance(dialog, LoanSignDialog) and dialog.isVisible()
    sign(dialog.sheet.pad)
    _french(texts_of(dialog))
    save_with_dialog(view, dialog, artifacts_dir / "loans-sign-dialog.png")
    reads = view.loads
    qtbot.mouseClick(dialog.record_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == dialog.DialogCode.Accepted, dialog.refusal.text()
    loaded(qtbot, view, reads)
    fact = queries.events(station.store, on_screen.id)[-1]
    assert fact.type == "loan.signed" and fact.operator == station.operator
    digest = fact.payload["signature_sha256"]
    assert hashlib.sha256(picture_path(data_dir, digest).read_bytes()).hexdigest() == digest
    assert [r[1] for r in _rows(view.table)] == [on_paper.asset_code]  # still unsigned
    assert view.filter_buttons[3].text() == "Non signées (1)"

    # The paper sheet: ticked first (no picture), its photo added later.
    qtbot.mouseClick(view.row_button(on_paper.asset_code, "LoanSign"), Qt.MouseButton.LeftButton)
    dialog = view.dialog
    assert isinstance(dialog, LoanSignDialog)
    qtbot.mouseClick(dialog.record_button, Qt.MouseButton.LeftButton)  # nothing said yet
    assert dialog.refusal.isVisible()
    assert dialog.refusal.text() == "Cochez « Signée » ou faites signer ici."
    dialog.sheet.signed.setChecked(True)
    reads = view.loads
    qtbot.mouseClick(dialog.record_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == dialog.DialogCode.Accepted
    loaded(qtbot, view, reads)
    qtbot.mouseClick(view.filter_buttons[0], Qt.MouseButton.LeftButton)
    day = TODAY.strftime("%d/%m/%Y")
    who = station.operator
    rows = {r[1]: r[5] for r in _rows(view.table)}
    assert rows == {
        on_screen.asset_code: f"Signée le {day} ({who})",
        on_paper.asset_code: f"Signée le {day} ({who}), sans image",
        signed.asset_code: "Signée",
    }
    assert "LoanSign" not in _buttons(view, on_screen.asset_code)
    assert "LoanSign" in _buttons(view, on_paper.asset_code)  # its picture may come later
    qtbot.mouseClick(view.row_button(on_paper.asset_code, "LoanSign"), Qt.MouseButton.LeftButton)
    dialog = view.dialog
    assert isinstance(dialog, LoanSignDialog)
    assert dialog.sheet.signed.isChecked() and not dialog.sheet.signed.isEnabled()
    qtbot.mouseClick(dialog.record_button, Qt.MouseButton.LeftButton)  # no picture: refused
    assert dialog.refusal.text().endswith("est déjà signée.")
    sign(dialog.sheet.pad)
    reads = view.loads
    qtbot.mouseClick(dialog.record_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == dialog.DialogCode.Accepted
    loaded(qtbot, view, reads)
    assert "LoanSign" not in _buttons(view, on_paper.asset_code)  # signed, pictured
    (loan,) = [x for x in station.open_loans() if x.device_id == on_paper.id]
    assert loan.signed and loan.signature_sha256
    assert [e.type for e in queries.events(station.store, on_paper.id)][-2:] == [
        "loan.signed",
        "loan.signed",
    ]
    view.grab().save(str(artifacts_dir / "loans-signed-later.png"))


def test_a_rentals_payments_against_its_months_and_a_payment_recorded(
    qtbot: QtBot, make_bench: Callable[..., Bench], artifacts_dir: Path
) -> None:
    bench = make_bench(lang="fr")
    station = bench.station
    rented = _drive(station, "RENT")
    choice = OutcomeChoice(OutcomeKind.RENTAL, beneficiary="DOS-R", months="6", signed=True)
    station.choose_outcome(rented.id, choice, TODAY - timedelta(days=75))
    lent = _lend(station, "LENT", 50, signed=True)
    view = LoansView(station, "fr")
    qtbot.addWidget(view)
    view.show()
    loaded(qtbot, view)
    rows = {r[1]: r for r in _rows(view.table)}
    assert rows[rented.asset_code][0] == "En retard"  # its payments, not its return
    assert rows[rented.asset_code][6] == "Retard : 0/6 mois payés (2 dus)"
    assert rows[lent.asset_code][6] == "—" and "LoanPay" not in _buttons(view, lent.asset_code)
    qtbot.mouseClick(view.filter_buttons[2], Qt.MouseButton.LeftButton)
    assert [r[1] for r in _rows(view.table)] == [rented.asset_code]
    view.grab().save(str(artifacts_dir / "loans-payment-late.png"))

    qtbot.mouseClick(view.row_button(rented.asset_code, "LoanPay"), Qt.MouseButton.LeftButton)
    dialog = view.dialog
    assert isinstance(dialog, PaymentDialog) and dialog.isVisible()
    assert dialog.paid.text() == "0 mois payés sur 6 ; 2 dus à ce jour."
    assert dialog.months.maximum() == 6
    dialog.receipt.setText("R-9")
    qtbot.mouseClick(dialog.record_button, Qt.MouseButton.LeftButton)  # no amount
    assert dialog.refusal.isVisible() and dialog.refusal.text().startswith("Montant")
    dialog.amount.setText("25,00")
    dialog.months.setValue(2)
    _french(texts_of(dialog))
    save_with_dialog(view, dialog, artifacts_dir / "loans-payment-dialog.png")
    reads = view.loads
    qtbot.mouseClick(dialog.record_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == dialog.DialogCode.Accepted, dialog.refusal.text()
    loaded(qtbot, view, reads)
    fact = queries.events(station.store, rented.id)[-1]
    assert fact.type == "loan.paid"
    assert (fact.payload["amount_eur"], fact.payload["receipt"], fact.payload["months"]) == (
        "25.00",
        "R-9",
        2,
    )
    assert fact.payload["paid_on"] == TODAY.isoformat()
    assert _rows(view.table) == []  # no longer late
    qtbot.mouseClick(view.filter_buttons[0], Qt.MouseButton.LeftButton)
    rows = {r[1]: r for r in _rows(view.table)}
    assert rows[rented.asset_code][0] == "En cours"
    assert rows[rented.asset_code][6] == "2/6 mois payés (2 dus)"
    view.retranslate("en")
    rows = {r[1]: r for r in _rows(view.table)}
    assert rows[rented.asset_code][6] == "2/6 months paid (2 due)"
    view.grab().save(str(artifacts_dir / "loans-paid-en.png"))
