"""Intake: a donor, a donation, its devices, each with an asset code shown large."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QPoint, Qt
from pytestqt.qtbot import QtBot

from bench_app.domain.asset_code import AssetCode
from bench_app.domain.model import DeviceKind, DonorKind, PreSort
from bench_app.store import queries
from tests.ui.conftest import Bench, save_with_dialog
from ui.intake_dialog import IntakeDialog


def test_intake_registers_donor_lot_and_devices(
    make_bench: Callable[..., Bench], qtbot: QtBot
) -> None:
    bench = make_bench(training=False)
    station = bench.station
    dialog = IntakeDialog(station, "fr", bench.window)
    qtbot.addWidget(dialog)
    # Nothing is registered without a donor name, and the dialog says why.
    qtbot.mouseClick(dialog.save, Qt.MouseButton.LeftButton)
    assert "nom du donateur" in dialog.error.text()
    assert queries.donors(station.store) == []

    qtbot.keyClicks(dialog.donor_name, "Caisse de retraite du Nord")
    dialog.donor_kind.setCurrentIndex(dialog.donor_kind.findData("public_body"))
    qtbot.keyClicks(dialog.agreement, "CONV-2026-014")
    dialog.expected.setValue(40)
    dialog.kind.setCurrentIndex(dialog.kind.findData("laptop"))
    qtbot.keyClicks(dialog.brand, "Lenovo")
    qtbot.keyClicks(dialog.model, "ThinkPad T480")
    qtbot.keyClicks(dialog.serial, "PF1ABCDE")
    qtbot.mouseClick(dialog.save, Qt.MouseButton.LeftButton)
    assert dialog.error.text() == ""
    assert dialog.code.isVisibleTo(dialog)
    first = AssetCode.parse(dialog.code.text())
    assert first.prefix == station.store.station_prefix

    # The next device joins the same donation and gets the next code; the first code goes
    # as soon as the next device is typed, so it is never written on the wrong device.
    dialog.kind.setCurrentIndex(dialog.kind.findData("phone"))
    qtbot.keyClicks(dialog.brand, "Fairphone")
    assert dialog.code.text() == "" and not dialog.code.isVisibleTo(dialog)
    assert not dialog.code_caption.isVisibleTo(dialog)
    qtbot.keyClicks(dialog.model, "FP3")
    qtbot.keyClicks(dialog.imei, "490154203237518")
    dialog.presort.button(2).setChecked(True)  # e-waste
    qtbot.mouseClick(dialog.save, Qt.MouseButton.LeftButton)
    second = AssetCode.parse(dialog.code.text())
    assert second.number == first.number + 1

    donors = queries.donors(station.store)
    lots = queries.lots(station.store)
    assert [d.name for d in donors] == ["Caisse de retraite du Nord"]
    assert (
        len(lots) == 1 and lots[0].agreement_ref == "CONV-2026-014" and lots[0].expected_count == 40
    )
    devices = {d.asset_code: d for d in queries.devices(station.store)}
    laptop, phone = devices[str(first)], devices[str(second)]
    assert laptop.kind is DeviceKind.LAPTOP and laptop.model == "ThinkPad T480"
    assert laptop.lot_id == phone.lot_id == lots[0].id
    assert laptop.presort is PreSort.REUSE and phone.presort is PreSort.E_WASTE
    assert not laptop.training

    dialog.accept()
    # Back in the window, the device can be opened by its code though nothing is plugged in.
    bench.window.search.setText(str(second))
    qtbot.keyClick(bench.window.search, Qt.Key.Key_Return)
    assert bench.window.selected == phone.id
    assert bench.window.panel.code.text() == str(second)


def test_a_device_can_be_attached_to_a_lot_from_the_panel(
    make_bench: Callable[..., Bench], qtbot: QtBot
) -> None:
    bench = make_bench()
    station = bench.station
    donor = station.register_donor("Mairie", DonorKind.PUBLIC_BODY)
    lot = station.register_lot(donor, agreement_ref="L-7")
    bench.simulator.add_adb_phone("fairphone-4")
    qtbot.waitUntil(lambda: len(bench.window.cards) == 1, timeout=10_000)
    device_id = next(iter(bench.window.cards))
    bench.window.select(device_id)
    combo = bench.window.panel.lot_combo
    index = combo.findData(lot)
    assert index > 0 and "Mairie" in combo.itemText(index)
    combo.setCurrentIndex(index)
    combo.activated.emit(index)
    qtbot.waitUntil(lambda: station.device(device_id).lot_id == lot, timeout=10_000)  # type: ignore[union-attr]


def test_intake_refuses_a_mistyped_imei(make_bench: Callable[..., Bench], qtbot: QtBot) -> None:
    bench = make_bench(training=False)
    dialog = IntakeDialog(bench.station, "fr", bench.window)
    qtbot.addWidget(dialog)
    dialog.donor_name.setText("Association du quartier")
    dialog.kind.setCurrentIndex(dialog.kind.findData("phone"))
    dialog.imei.setText("490154203237519")  # last digit wrong
    qtbot.mouseClick(dialog.save, Qt.MouseButton.LeftButton)
    assert "IMEI" in dialog.error.text() and "*#06#" in dialog.error.text()
    assert queries.devices(bench.station.store) == []
    assert not dialog.code.isVisibleTo(dialog)
    dialog.imei.setText("490154203237518")
    qtbot.mouseClick(dialog.save, Qt.MouseButton.LeftButton)
    assert [d.imei for d in queries.devices(bench.station.store)] == ["490154203237518"]


def _count(bench: Bench) -> tuple[int, int, int]:
    store = bench.station.store
    return (
        len(queries.events(store)),
        len(queries.devices(store)),
        len(queries.lots(store)),
    )


def test_intake_refuses_a_device_with_no_serial_nor_imei(
    make_bench: Callable[..., Bench], qtbot: QtBot
) -> None:
    bench = make_bench(training=False)
    dialog = IntakeDialog(bench.station, "fr", bench.window)
    qtbot.addWidget(dialog)
    qtbot.keyClicks(dialog.donor_name, "Association du quartier")
    qtbot.keyClicks(dialog.brand, "Fairphone")
    qtbot.mouseClick(dialog.save, Qt.MouseButton.LeftButton)
    assert "numéro de série ou un IMEI" in dialog.error.text()
    # Not even the donor nor the donation: a refusal records nothing.
    assert _count(bench) == (0, 0, 0) and queries.donors(bench.station.store) == []
    assert not dialog.code.isVisibleTo(dialog)
    assert not dialog.same_question.isVisibleTo(dialog)


def test_a_known_imei_asks_if_it_is_the_same_device(
    make_bench: Callable[..., Bench], qtbot: QtBot, artifacts_dir: Path
) -> None:
    bench = make_bench(training=False)
    bench.window.resize(1366, 768)
    station = bench.station
    dialog = IntakeDialog(station, "fr", bench.window)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.donor_name, "Caisse de retraite du Nord")
    qtbot.keyClicks(dialog.imei, "490154203237518")
    qtbot.mouseClick(dialog.save, Qt.MouseButton.LeftButton)
    first = AssetCode.parse(dialog.code.text())

    # The same IMEI typed again in this donation: refused, and the question is asked.
    qtbot.keyClicks(dialog.brand, "Fairphone")
    qtbot.keyClicks(dialog.imei, "490154203237518")
    before = _count(bench)
    qtbot.mouseClick(dialog.save, Qt.MouseButton.LeftButton)
    assert "déjà dans ce don" in dialog.error.text() and str(first) in dialog.error.text()
    assert dialog.same_question.isVisibleTo(dialog)
    assert dialog.same_label.text() == f"Est-ce le même appareil que {first} ?"
    assert [dialog.same_yes.text(), dialog.same_no.text()] == [
        "Oui, le même appareil",
        "Non, je corrige",
    ]
    assert _count(bench) == before
    assert not dialog.code.isVisibleTo(dialog)  # the previous code is not left on show
    dialog.move(bench.window.mapToGlobal(QPoint((1366 - dialog.width()) // 2, 0)))
    save_with_dialog(bench.window, dialog, artifacts_dir / "intake-refusal.png")

    # "No": nothing recorded, the operator corrects the number.
    qtbot.mouseClick(dialog.same_no, Qt.MouseButton.LeftButton)
    assert not dialog.same_question.isVisibleTo(dialog) and _count(bench) == before
    # Asked again, "Yes": the known device's record is used, not a second one.
    qtbot.mouseClick(dialog.save, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(dialog.same_yes, Qt.MouseButton.LeftButton)
    assert dialog.code.text() == str(first)
    devices = queries.devices(station.store)
    assert [d.asset_code for d in devices] == [str(first)]
    assert len(dialog.registered) == 1

    # A serial known on a device of another donation: refused, nothing recorded.
    station.register_device(DeviceKind.LAPTOP, serial="PF1ABCDE")
    qtbot.keyClicks(dialog.serial, "pf1abcde")
    before = _count(bench)
    qtbot.mouseClick(dialog.save, Qt.MouseButton.LeftButton)
    assert "numéro de série est déjà celui de" in dialog.error.text()
    assert dialog.same_question.isVisibleTo(dialog) and _count(bench) == before
    # Typing again takes the question away: it was about the number as it was.
    qtbot.keyClicks(dialog.serial, "X")
    assert not dialog.same_question.isVisibleTo(dialog) and _count(bench) == before
