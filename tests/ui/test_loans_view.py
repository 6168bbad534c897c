"""The "Prêts" view, the return dialog, the signature pad and the outcome dialog's new
fields: a loan signed on screen keeps its picture by its hash; the view lists loans out,
due soon and late (a word and an icon each); "Retour" closes the loan and the main window
shows the device with its check as the next action."""

from __future__ import annotations

import ast
import hashlib
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, QModelIndex, QPoint, QPointF, Qt
from PySide6.QtGui import QIcon, QImage, QMouseEvent
from PySide6.QtWidgets import QApplication, QPushButton, QTableView, QWidget
from pytestqt.qtbot import QtBot

from bench_app.domain.model import Device, DeviceKind, OutcomeKind
from bench_app.journey import OutcomeChoice, Stage
from bench_app.loans import LoanStatus, picture_path
from bench_app.station import Station
from bench_app.store import queries
from tests.ui.conftest import Bench, save_with_dialog
from tests.ui.test_french_screens import Checker, texts_of, words
from tests.unit.test_loans import _erased
from ui import loans_view
from ui.accessibility import names_missing
from ui.loans_view import LoansView
from ui.outcome_dialog import OutcomeDialog
from ui.return_dialog import ReturnDialog
from ui.signature_pad import SignaturePad

TODAY = date.today()
ROOT = Path(__file__).resolve().parents[2]
OUR_MODULES = (
    "loans_view.py",
    "return_dialog.py",
    "handover_sheet.py",
    "outcome_dialog.py",
    "loan_sign_dialog.py",
    "payment_dialog.py",
)


def _mouse(widget: QWidget, kind: QEvent.Type, at: QPoint, buttons: Qt.MouseButton) -> None:
    point = QPointF(at)
    event = QMouseEvent(
        kind,
        point,
        QPointF(widget.mapToGlobal(at)),
        Qt.MouseButton.LeftButton,
        buttons,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(widget, event)


def sign(pad: SignaturePad) -> None:
    """A zigzag drawn with the left button held, as a hand does."""
    h = pad.height()
    points = [QPoint(30 + 20 * i, h // 2 + (25 if i % 2 else -25)) for i in range(12)]
    held = Qt.MouseButton.LeftButton
    _mouse(pad, QEvent.Type.MouseButtonPress, points[0], held)
    for p in points[1:]:
        _mouse(pad, QEvent.Type.MouseMove, p, held)
    _mouse(pad, QEvent.Type.MouseButtonRelease, points[-1], Qt.MouseButton.NoButton)


def _dark_pixels(image: QImage) -> int:
    return sum(
        1
        for x in range(0, image.width(), 2)
        for y in range(0, image.height(), 2)
        if image.pixelColor(x, y).lightness() < 80
    )


def test_the_signature_pad_draws_with_the_mouse_and_saves_a_png(
    qtbot: QtBot, artifacts_dir: Path
) -> None:
    pad = SignaturePad()
    qtbot.addWidget(pad)
    pad.resize(480, 150)
    pad.show()
    assert pad.is_empty() and _dark_pixels(pad.image()) == 0
    with qtbot.waitSignal(pad.changed):
        sign(pad)
    assert not pad.is_empty()
    data = pad.png_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    image = QImage.fromData(data)
    assert (image.width(), image.height()) == (480, 150)
    assert _dark_pixels(image) > 40  # the ink is in the picture
    assert image.pixelColor(5, 5).lightness() > 240  # on white paper
    pad.grab().save(str(artifacts_dir / "signature-pad.png"))
    pad.clear()
    assert pad.is_empty() and _dark_pixels(pad.image()) == 0


def _drive(station: Station, serial: str) -> Device:
    drive = station.register_device(DeviceKind.DRIVE, brand="Seagate", serial=serial)
    _erased(station, drive)
    return drive


def test_a_loan_signed_on_screen_keeps_its_picture_by_its_hash(
    qtbot: QtBot, make_bench: Callable[..., Bench], data_dir: Path, artifacts_dir: Path
) -> None:
    bench = make_bench(lang="fr")
    drive = _drive(bench.station, "PAD-1")
    dialog = OutcomeDialog(bench.station, drive.id, "fr", bench.window)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.mouseClick(dialog.buttons[OutcomeKind.LOAN], Qt.MouseButton.LeftButton)
    sheet = dialog.handover
    assert sheet.isVisible() and dialog.due.isVisible() and not dialog.months.isVisible()
    assert not sheet.signed.isChecked()
    dialog.beneficiary.setText("DOS-0042")
    sign(sheet.pad)
    assert sheet.signed.isChecked()  # signed on screen: the sheet is signed
    # The whole dialog, pad included, fits the workshop laptop's 768 pixels.
    assert dialog.sizeHint().height() <= 720, dialog.sizeHint()
    save_with_dialog(bench.window, dialog, artifacts_dir / "outcome-loan-signed.png")
    qtbot.mouseClick(dialog.record_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == dialog.DialogCode.Accepted, dialog.refusal.text()
    (loan,) = bench.station.open_loans()
    assert loan.signed and loan.beneficiary == "DOS-0042"
    kept = picture_path(data_dir, loan.signature_sha256).read_bytes()
    assert hashlib.sha256(kept).hexdigest() == loan.signature_sha256
    assert _dark_pixels(QImage.fromData(kept)) > 40


def test_the_outcome_dialog_asks_each_outcome_its_own_fields(
    qtbot: QtBot, make_bench: Callable[..., Bench], tmp_path: Path, artifacts_dir: Path
) -> None:
    bench = make_bench(lang="fr")
    drive = _drive(bench.station, "FIELDS-1")
    other = bench.station.register_device(DeviceKind.LAPTOP, brand="HP", serial="RECV")
    dialog = OutcomeDialog(bench.station, drive.id, "fr", bench.window)
    qtbot.addWidget(dialog)
    dialog.show()

    def choose(kind: OutcomeKind) -> None:
        qtbot.mouseClick(dialog.buttons[kind], Qt.MouseButton.LeftButton)

    def refused() -> str:
        qtbot.mouseClick(dialog.record_button, Qt.MouseButton.LeftButton)
        assert dialog.result() != dialog.DialogCode.Accepted
        assert dialog.refusal.isVisible()
        return dialog.refusal.text()

    choose(OutcomeKind.RENTAL)
    assert dialog.months.isVisible() and not dialog.due.isVisible()
    assert dialog.handover.isVisible()
    choose(OutcomeKind.SALE)
    assert dialog.receipt.isVisible() and dialog.price.isVisible()
    dialog.price.setText("25")
    assert refused() == "Une vente solidaire porte son numéro de reçu."
    choose(OutcomeKind.SPARE_PARTS)
    assert dialog.part.isVisible() and dialog.receiver.isVisible()
    assert not dialog.handover.isVisible() and not dialog.receipt.isVisible()
    dialog.part.setText("écran")
    assert refused() == "Une pièce donnée nomme la pièce et l’appareil qui la reçoit."
    dialog.receiver.setText("ABCD-2345-X")
    assert refused() == "Aucun appareil enregistré sous le code ABCD-2345-X."
    choose(OutcomeKind.RECYCLING)
    assert dialog.weight.isVisible() and not dialog.part.isVisible()
    dialog.reference.setText("ECO-1")
    dialog.weight.setText("lourd")
    assert refused().startswith("Poids « lourd » incorrect")
    # A photo that is no picture: refused before anything is kept.
    choose(OutcomeKind.LOAN)
    dialog.beneficiary.setText("DOS-9")
    fake = tmp_path / "fiche.png"
    fake.write_bytes(b"not a picture")
    dialog.handover.use_photo(fake)
    assert dialog.handover.signed.isChecked() and dialog.handover.photo_label.text() == "fiche.png"
    assert refused() == "L’image de la signature n’est pas une image PNG ou JPEG lisible."
    assert bench.station.open_loans() == []
    save_with_dialog(bench.window, dialog, artifacts_dir / "outcome-loan-photo-refused.png")
    # The part goes to a known device: recorded.
    choose(OutcomeKind.SPARE_PARTS)
    dialog.part.setText("écran")
    dialog.receiver.setText(other.asset_code)
    qtbot.mouseClick(dialog.record_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == dialog.DialogCode.Accepted
    fact = queries.events(bench.station.store, drive.id)[-1].payload
    assert fact["receiver_id"] == other.id and fact["part"] == "écran"


def _lend(station: Station, serial: str, days: int, *, signed: bool = False) -> Device:
    drive = _drive(station, serial)
    choice = OutcomeChoice(
        OutcomeKind.LOAN,
        beneficiary=f"DOS-{serial}",
        due_on=str(TODAY + timedelta(days=days)),
        signed=signed,
    )
    station.choose_outcome(drive.id, choice, TODAY - timedelta(days=40))
    return drive


def _icon(table: QTableView, row: int, column: int) -> QIcon:
    icon = table.model().index(row, column).data(Qt.ItemDataRole.DecorationRole)
    assert isinstance(icon, QIcon)
    return icon


def _rows(table: QTableView) -> list[list[str]]:
    """Every row of the list (all handed to the table first), as its cells' words."""
    model = table.model()
    while model.canFetchMore(QModelIndex()):
        model.fetchMore(QModelIndex())
    return [
        [str(model.index(r, c).data()) for c in range(model.columnCount())]
        for r in range(model.rowCount())
    ]


def loaded(qtbot: QtBot, view: LoansView, after: int = 0) -> None:
    """Waits until the view has shown a read of the loans made after `after` reads."""
    qtbot.waitUntil(lambda: view.loads > after and not view.tasks)


def _ui_english_only() -> set[str]:
    """English words of these screens' own Text(fr, en) pairs that their French never uses."""
    fr: set[str] = set()
    en: set[str] = set()
    for name in OUR_MODULES:
        tree = ast.parse((ROOT / "ui" / name).read_text(encoding="utf-8"))
        for call in ast.walk(tree):
            if isinstance(call, ast.Call) and getattr(call.func, "id", "") == "Text":
                args = [
                    a.value
                    for a in call.args
                    if isinstance(a, ast.Constant) and isinstance(a.value, str)
                ]
                if len(args) == 2:
                    fr |= words(args[0])
                    en |= words(args[1])
    return {w for w in en - fr if len(w) > 2}


def test_the_loans_view_lists_late_and_due_soon_and_takes_a_device_back(
    qtbot: QtBot, make_bench: Callable[..., Bench], artifacts_dir: Path
) -> None:
    bench = make_bench(lang="fr")
    window = bench.window
    late = _lend(bench.station, "LATE", -3)
    soon = _lend(bench.station, "SOON", 4, signed=True)
    later = _lend(bench.station, "LATER", 50)
    window.workshop_menu.actions_["loans"].trigger()
    view = window.workshop_menu.opened["loans"]
    assert isinstance(view, LoansView) and view.isVisible()
    qtbot.addWidget(view)
    loaded(qtbot, view)
    assert view.windowTitle() == "Prêts et locations"
    rows = _rows(view.table)
    assert [r[1] for r in rows] == [late.asset_code, soon.asset_code, later.asset_code]
    assert [r[0] for r in rows] == ["En retard", "Retour bientôt", "En cours"]
    assert rows[0][4].endswith("(3 j de retard)") and rows[1][4].endswith("(dans 4 j)")
    assert [r[5] for r in rows] == ["Non signée", "Signée", "Non signée"]
    for r in range(3):  # a word and an icon on each, never a colour alone
        assert not _icon(view.table, r, 0).isNull()
    assert [b.text() for b in view.filter_buttons] == [
        "Tous (3)",
        "Retour bientôt (1)",
        "En retard (1)",
        "Non signées (2)",
    ]
    assert [r[6] for r in rows] == ["—", "—", "—"]  # loans: no monthly payment
    checker = Checker()
    texts = texts_of(view) + [t for row in rows for t in row]
    assert not [t for t in texts if checker.problems(t)], [checker.problems(t) for t in texts]
    english = _ui_english_only()
    assert not {w for t in texts for w in words(t)} & english
    view.grab().save(str(artifacts_dir / "loans-view.png"))

    # Only the late ones; then the reminder window widened to 60 days.
    qtbot.mouseClick(view.filter_buttons[2], Qt.MouseButton.LeftButton)
    assert [r[1] for r in _rows(view.table)] == [late.asset_code]
    qtbot.mouseClick(view.filter_buttons[1], Qt.MouseButton.LeftButton)
    view.remind.setValue(60)
    assert [r[1] for r in _rows(view.table)] == [soon.asset_code, later.asset_code]
    qtbot.mouseClick(view.filter_buttons[0], Qt.MouseButton.LeftButton)
    view.remind.setValue(14)

    # Space on a chosen row opens its return (Enter too): no mouse needed.
    view.choose(soon.asset_code)
    qtbot.keyClick(view.table, Qt.Key.Key_Space)
    assert isinstance(view.dialog, ReturnDialog) and view.dialog.loan.asset_code == soon.asset_code
    view.dialog.reject()
    assert len(bench.station.open_loans()) == 3  # cancelled: nothing recorded

    # "Retour" on the late one: how it is, a few words, recorded.
    button = view.return_button(late.asset_code)
    assert isinstance(button, QPushButton) and button.text() == "Retour"
    assert button.accessibleName() == f"Retour {late.asset_code}"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    dialog = view.dialog
    assert isinstance(dialog, ReturnDialog) and dialog.isVisible()
    assert not dialog.record_button.isEnabled()  # how it is, first
    qtbot.mouseClick(dialog.states["damaged"], Qt.MouseButton.LeftButton)
    assert dialog.condition.text() == "Abîmé"
    dialog.condition.setText("Écran rayé, chargeur manquant")
    texts = texts_of(dialog)
    assert not [t for t in texts if checker.problems(t)]
    assert not {w for t in texts for w in words(t)} & english
    save_with_dialog(view, dialog, artifacts_dir / "loans-return-dialog.png")
    reads = view.loads
    qtbot.mouseClick(dialog.record_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == dialog.DialogCode.Accepted

    loaded(qtbot, view, reads)
    assert [r[1] for r in _rows(view.table)] == [soon.asset_code, later.asset_code]
    returned = queries.events(bench.station.store, late.id)[-1]
    assert returned.type == "loan.returned"
    assert returned.payload["condition"] == "Écran rayé, chargeur manquant"
    assert returned.payload["state"] == "damaged"
    # The main window shows the device back, its check the next action again.
    assert window.selected == late.id and late.id in window.cards
    window._flush(full=True)
    card_view = window.views[late.id]
    assert card_view.journey is not None and card_view.journey.next is not None
    assert card_view.journey.next.stage is Stage.CHECK
    card = window.cards[late.id]
    assert card.state.text() == "De retour : à contrôler"  # not the check of before the loan
    assert "#44515e" in card.state.styleSheet()  # neutral: not the green of a check done
    panel = texts_of(window.panel)
    assert "▶ Contrôle" in " ".join(panel)
    assert any(t.endswith("Retour de prêt : Écran rayé, chargeur manquant") for t in panel)
    QApplication.processEvents()  # the card laid out before the picture
    window.grab().save(str(artifacts_dir / "loans-returned-main-window.png"))

    # The same list, in English, and on another day.
    view.retranslate("en")
    assert view.windowTitle() == "Loans and rentals"
    assert [r[0] for r in _rows(view.table)] == ["Due soon", "Out"]
    header = view.table.model().headerData(4, Qt.Orientation.Horizontal)
    assert header == "Due back"
    # One bar for every row, no widget per row: no button left from a row gone.
    assert len(view.findChildren(QPushButton, "LoanReturn")) == 1
    assert view.table.model().rowCount() == 2
    view.choose(soon.asset_code)
    view.grab().save(str(artifacts_dir / "loans-view-en.png"))
    later_day = LoansView(bench.station, "fr", today=lambda: TODAY + timedelta(days=45))
    qtbot.addWidget(later_day)
    loaded(qtbot, later_day)
    statuses = [later_day.status(x) for x in later_day.loans]
    assert statuses == [LoanStatus.OVERDUE, LoanStatus.DUE_SOON]
    assert [r[0] for r in _rows(later_day.table)] == ["En retard", "Retour bientôt"]


def test_the_loans_view_says_when_nothing_is_out(
    qtbot: QtBot, make_bench: Callable[..., Bench]
) -> None:
    bench = make_bench(lang="fr")
    view = LoansView(bench.station, "fr")
    qtbot.addWidget(view)
    view.show()
    loaded(qtbot, view)
    assert not view.table.isVisible() and view.empty.isVisible()
    assert view.empty.text() == "Aucun appareil prêté ou loué en ce moment."


def test_every_control_is_named_while_the_loans_are_still_being_read(
    qtbot: QtBot, make_bench: Callable[..., Bench]
) -> None:
    """The loans are read off the window's thread; before the first read ends, the filters
    and the bar already have their words (found by the accessibility test on a loaded
    machine: seven buttons with no spoken name)."""
    bench = make_bench(lang="fr")
    _lend(bench.station, "LATE", -3)
    view = LoansView(bench.station, "fr")
    qtbot.addWidget(view)
    view.show()  # no event handled yet: the read's answer cannot have come
    assert view.loads == 0
    assert names_missing(view) == []
    assert [b.text() for b in view.filter_buttons] == [
        "Tous", "Retour bientôt", "En retard", "Non signées",
    ]  # fmt: skip
    loaded(qtbot, view)
    assert view.filter_buttons[0].text() == "Tous (1)"
    assert names_missing(view) == []


def test_a_long_list_hands_the_most_urgent_first_and_the_search_finds_any(
    qtbot: QtBot,
    make_bench: Callable[..., Bench],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The table is handed the most urgent rows first, a batch at a time, and the search
    reaches every loan by its code, its file or its loan number."""
    monkeypatch.setattr(loans_view, "BATCH", 2)
    bench = make_bench(lang="fr")
    late = _lend(bench.station, "LATE", -3)
    later = _lend(bench.station, "LATER", 50)
    soon = _lend(bench.station, "SOON", 4)
    bench.window.workshop_menu.actions_["loans"].trigger()
    view = bench.window.workshop_menu.opened["loans"]
    assert isinstance(view, LoansView)
    qtbot.addWidget(view)
    loaded(qtbot, view)
    first = [late.asset_code, soon.asset_code, later.asset_code]
    assert [r[1] for r in _rows(view.table)] == first  # handed two at a time, in order
    assert view.filter_buttons[0].text() == "Tous (3)"
    # The one not handed to the table yet: found by its code, its file or its loan number.
    qtbot.keyClicks(view.search, later.asset_code.lower())
    assert [r[1] for r in _rows(view.table)] == [later.asset_code]
    view.search.setText("dos-later")
    assert [r[1] for r in _rows(view.table)] == [later.asset_code]
    loan = next(x for x in view.loans if x.asset_code == later.asset_code)
    view.search.setText(loan.loan_id)
    assert [r[1] for r in _rows(view.table)] == [later.asset_code]
    assert view.actions_for(later.asset_code) == ["LoanReturn", "LoanSign"]
    assert view.chosen.text() == f"Appareil choisi : {later.asset_code}"
    view.search.clear()
    qtbot.mouseClick(view.filter_buttons[2], Qt.MouseButton.LeftButton)  # the late one only
    assert [r[1] for r in _rows(view.table)] == [late.asset_code]
    view.search.setText("SOON")  # in the list of all, not among the late ones
    assert _rows(view.table) == [] and view.empty.text() == "Aucun appareil dans cette liste."
