"""The printers dialog: the preview, a test print reaching a (simulated) Zebra, a printer
that is off explained and retried, and the window kept alive while a printer is slow."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QThreadPool, QTimer
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from bench_app.domain.model import DeviceKind
from bench_app.output.printers import PrinterKind, load_printers
from bench_app.settings import Settings
from bench_app.simulators.printers import SimulatedZebra
from bench_app.station import Station
from tests.conftest import ARTIFACTS
from tests.output.labels.conftest import scan
from ui.i18n import Translations
from ui.printer_dialog import PREVIEW_WIDTH, PrinterDialog

# Looked at by people (the README's pictures are copied from here).
DOCS = ARTIFACTS / "labels"


@pytest.fixture(autouse=True)
def french(qapp: QApplication) -> Iterator[None]:
    """The dialog in French, as the workshops see it."""
    translations = Translations(qapp)
    assert translations.install("fr")
    yield
    for translator in translations._installed:
        qapp.removeTranslator(translator)


def zebra_dialog(qtbot: QtBot, folder: Path, zebra: SimulatedZebra) -> PrinterDialog:
    dialog = PrinterDialog(folder, Settings(), "fr", pool=QThreadPool())
    qtbot.addWidget(dialog)
    dialog.name.setText("Zebra atelier")
    dialog.kind.setCurrentIndex(dialog.kind.findData(PrinterKind.ZPL.value))
    dialog.address.setText(f"127.0.0.1:{zebra.port}")
    dialog.template.setCurrentIndex(dialog.template.findData("zebra-2x1"))
    return dialog


def test_preview_and_test_print(
    qtbot: QtBot, data_dir: Path, zebra: SimulatedZebra, tmp_path: Path
) -> None:
    dialog = zebra_dialog(qtbot, data_dir, zebra)
    dialog.show()
    pixmap = dialog.preview.pixmap()
    assert not pixmap.isNull() and pixmap.width() == PREVIEW_WIDTH
    # A Zebra offers only its 203 dpi labels.
    offered = [dialog.template.itemData(i) for i in range(dialog.template.count())]
    assert offered == ["zebra-2x1", "zebra-4x6"]
    assert dialog.test_button.text() == "Impression test"
    qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(zebra.received), timeout=10_000)
    qtbot.waitUntil(lambda: "Envoyé" in dialog.message.text(), timeout=10_000)
    path = tmp_path / "arrived.png"
    zebra.labels[0].save(path)
    assert scan(path) == ["TEST2223B"]
    saved = load_printers(data_dir)
    assert saved.get().name == "Zebra atelier" and saved.get().kind is PrinterKind.ZPL
    DOCS.mkdir(parents=True, exist_ok=True)
    dialog.resize(620, dialog.sizeHint().height())
    assert dialog.grab().save(str(DOCS / "printer-dialog.png"))


def test_printer_off_then_retry(qtbot: QtBot, data_dir: Path, zebra: SimulatedZebra) -> None:
    dialog = zebra_dialog(qtbot, data_dir, zebra)
    zebra.off()
    dialog.test_print()
    qtbot.waitUntil(
        lambda: dialog.retry_button.isVisible() or dialog.retry_button.isVisibleTo(dialog),
        timeout=10_000,
    )
    assert "ne répond pas" in dialog.message.text()
    assert "Réessayer" in dialog.message.text()
    assert dialog.retry_button.text() == "Réessayer" and zebra.received == []
    zebra.on()
    qtbot.mouseClick(dialog.retry_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(zebra.received), timeout=10_000)
    qtbot.waitUntil(lambda: not dialog.retry_button.isVisibleTo(dialog), timeout=10_000)


def test_paper_out_is_explained(qtbot: QtBot, data_dir: Path, zebra: SimulatedZebra) -> None:
    dialog = zebra_dialog(qtbot, data_dir, zebra)
    zebra.paper_out = True
    dialog.test_print()
    qtbot.waitUntil(lambda: "étiquettes" in dialog.message.text(), timeout=10_000)
    assert "rouleau" in dialog.message.text() and dialog.retry_button.isVisibleTo(dialog)


def test_gui_thread_runs_while_the_printer_is_busy(
    qtbot: QtBot, data_dir: Path, zebra: SimulatedZebra
) -> None:
    dialog = zebra_dialog(qtbot, data_dir, zebra)
    zebra.answering.clear()  # the printer holds its status answer until told
    dialog.test_print()  # returns at once: the printing waits on a worker thread
    assert not dialog.test_button.isEnabled()
    assert zebra.waiting.wait(10)
    ticks: list[int] = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(threading.get_ident()))
    timer.start(5)
    qtbot.waitUntil(lambda: len(ticks) >= 5, timeout=10_000)  # the event loop keeps turning
    assert zebra.received == [] and set(ticks) == {threading.get_ident()}
    timer.stop()
    zebra.answering.set()
    qtbot.waitUntil(lambda: bool(zebra.received), timeout=10_000)
    qtbot.waitUntil(lambda: dialog.test_button.isEnabled(), timeout=10_000)


def test_device_label_from_the_panel(qtbot: QtBot, station: Station, tmp_path: Path) -> None:
    device = station.register_device(
        DeviceKind.PHONE,
        brand="Fairphone",
        model="FP4",
        serial="FP4SERIAL",
        identity={"marketing_name": "Fairphone 4", "storage_gb": 128, "ram_mb": 6000},
    )
    dialog = PrinterDialog.for_device(station, device.id, "fr")
    qtbot.addWidget(dialog)
    assert dialog.contents[0].code == device.asset_code
    assert dialog.contents[0].specs == "128 Go · 6 Go RAM"
    assert (
        dialog.print_button.isVisibleTo(dialog)
        and dialog.print_button.text() == "Imprimer l’étiquette"
    )
    out = tmp_path / "files"
    dialog.address.setText(str(out))  # the file printer: PNG files in a folder
    dialog.print_contents()
    qtbot.waitUntil(lambda: (out / f"{device.asset_code}.png").exists(), timeout=10_000)
    assert scan(out / f"{device.asset_code}.png") == [device.asset_code.replace("-", "")]
