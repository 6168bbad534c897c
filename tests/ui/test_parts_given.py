"""Spare parts in the window: a device kept for its parts has "Donner une pièce" on its
page; several parts go to several devices, one after the other; each shows in the donor's
history and in the history of the device that received it. A loan's sheet signed later and
a rental's payment are told in words in a device's history too."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from bench_app.domain.model import DeviceKind, OutcomeKind
from bench_app.journey import OutcomeChoice
from bench_app.store import queries
from tests.ui.conftest import Bench, save_with_dialog
from tests.ui.test_french_screens import Checker, texts_of
from tests.ui.test_search_window import _french, _rows
from tests.unit.test_loans import _erased
from ui.device_page import DevicePage
from ui.part_dialog import PartDialog
from ui.timeline import describe


def test_one_donor_gives_parts_to_two_devices_shown_on_every_page(
    qtbot: QtBot, make_bench: Callable[..., Bench], artifacts_dir: Path
) -> None:
    bench = make_bench(lang="fr")
    station = bench.station
    donor = station.register_device(DeviceKind.PHONE, brand="Fairphone", serial="DON-1")
    first = station.register_device(DeviceKind.PHONE, brand="Fairphone", serial="REC-1")
    second = station.register_device(DeviceKind.PHONE, brand="Fairphone", serial="REC-2")
    station.choose_outcome(donor.id, OutcomeChoice(OutcomeKind.SPARE_PARTS))

    other = DevicePage(bench.window, first.id)
    qtbot.addWidget(other)
    assert not other.part_button.isVisibleTo(other)  # not kept for parts: no button
    page = DevicePage(bench.window, donor.id)
    qtbot.addWidget(page)
    page.show()
    assert page.part_button.isVisible() and page.part_button.text() == "Donner une pièce"
    qtbot.mouseClick(page.part_button, Qt.MouseButton.LeftButton)
    dialog = page.part_dialog
    assert isinstance(dialog, PartDialog) and dialog.isVisible()
    assert [dialog.given.item(i).text() for i in range(dialog.given.count())] == [
        "Aucune pièce donnée pour l’instant."
    ]
    dialog.part.setText("écran")
    dialog.receiver.setText("ABCD-2345-X")
    qtbot.mouseClick(dialog.record_button, Qt.MouseButton.LeftButton)
    assert dialog.refusal.isVisible() and "ABCD-2345-X" in dialog.refusal.text()
    dialog.receiver.setText(first.asset_code)
    qtbot.mouseClick(dialog.record_button, Qt.MouseButton.LeftButton)
    assert not dialog.refusal.isVisible() and dialog.part.text() == ""  # ready for the next
    dialog.part.setText("batterie")
    dialog.receiver.setText(second.asset_code.lower())  # typed as it comes
    qtbot.keyClick(dialog.receiver, Qt.Key.Key_Return)  # a scanner ends with Enter
    listed = [dialog.given.item(i).text() for i in range(dialog.given.count())]
    assert listed == [
        f"Pièce donnée à {first.asset_code} : écran",
        f"Pièce donnée à {second.asset_code} : batterie",
    ]
    checker = Checker()
    assert not [t for t in texts_of(dialog) if checker.problems(t)]
    save_with_dialog(page, dialog, artifacts_dir / "parts-given-dialog.png")
    qtbot.mouseClick(dialog.close_button, Qt.MouseButton.LeftButton)

    history = [r[3] for r in _rows(page.history)]
    assert history[:2] == [
        f"Pièce donnée à {second.asset_code} : batterie",
        f"Pièce donnée à {first.asset_code} : écran",
    ]
    assert _french(page, page.history) == []
    page.grab().save(str(artifacts_dir / "parts-donor-page.png"))
    other.retranslate("fr")
    received = [r[3] for r in _rows(other.history)]
    assert received[0] == f"Pièce reçue de {donor.asset_code} : écran"
    assert len(received) == len(queries.events(station.store, first.id)) + 1
    other.retranslate("en")
    assert _rows(other.history)[0][3] == f"Part received from {donor.asset_code}: écran"
    other.grab().save(str(artifacts_dir / "parts-receiver-page-en.png"))


def test_a_sheet_signed_later_and_a_payment_are_told_in_the_history(
    make_bench: Callable[..., Bench],
) -> None:
    bench = make_bench(lang="fr")
    station = bench.station
    drive = station.register_device(DeviceKind.DRIVE, brand="WD", serial="HIST-1")
    _erased(station, drive)
    choice = OutcomeChoice(OutcomeKind.RENTAL, beneficiary="DOS-H", months="3")
    station.choose_outcome(drive.id, choice, date.today() - timedelta(days=5))
    station.sign_handover(drive.id)
    station.record_payment(drive.id, "12,5", "R-7", months=1)
    signed, paid = queries.events(station.store, drive.id)[-2:]
    assert describe(signed, "fr", {}) == "Fiche de remise signée"
    assert describe(paid, "fr", {}) == "Location payée : 12,50 € (reçu R-7, 1 mois)"
    assert describe(paid, "en", {}) == "Rental paid: €12.50 (receipt R-7, 1 months)"
