"""The set-up of a real station in the window: the first-run assistant (completed, or
cancelled with nothing written), "Réglages" changing what the window shows, and the
certificate that then names the workshop and the station. Training never shows it."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMenu
from pytestqt.qtbot import QtBot

from bench_app.devices.drives.handle import DriveHandle
from bench_app.domain.model import Device, JobState
from bench_app.operators import pin_matches
from bench_app.output.labels.templates import DEFAULT_TEMPLATE
from bench_app.output.printers import PrinterConfig, PrinterKind, PrinterSetup, save_printers
from bench_app.settings import SETTINGS_NAME, Settings
from bench_app.station import Station
from tests.devices_drives.conftest import make_image
from tests.output.certificates.pdfs import squash, text_of
from tests.ui.conftest import Bench, save_with_dialog
from tests.unit.support import finish
from ui.documents import Document, Documents, make_document
from ui.workshop_setup import (
    HubPage,
    LanguagePage,
    OperatorsPage,
    PrinterPage,
    SettingsDialog,
    SetupAssistant,
    StationPage,
    SystemPage,
    WorkshopPage,
)

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
MiB = 1 << 20
UNNAMED_FR = "Nommez d’abord l’atelier (Réglages)."


def _erased_drive(station: Station, folder: Path) -> Device:
    """A real erasure on an image file this test made (never a simulated device: those are
    training devices, whose documents carry the class's defaults)."""
    image = make_image(folder / "disk-SETUP.img", 2 * MiB)
    device = station.device_connected(DriveHandle(str(image)))
    assert not device.training
    job = station.start_job(
        device.id,
        "drive.erase",
        {"method": "clear-zero", "verify": "full", "confirm_serial": "ETUP"},
    )
    assert finish(job) is JobState.SUCCEEDED
    return station.device(device.id) or device


def _menu_texts(menu: QMenu) -> list[str]:
    return [a.text() for a in menu.actions()]


def _first_run(bench: Bench, qtbot: QtBot) -> SetupAssistant:
    bench.window.resize(1366, 768)
    bench.window.start_session(None, first_run=True)
    qtbot.waitUntil(lambda: isinstance(bench.window.setup_dialog, SetupAssistant))
    dialog = bench.window.setup_dialog
    assert isinstance(dialog, SetupAssistant)
    qtbot.waitUntil(dialog.isVisible)
    return dialog


def test_the_assistant_sets_up_the_station_and_the_certificate_names_it(
    make_bench: Callable[..., Bench], qtbot: QtBot, data_dir: Path, tmp_path: Path
) -> None:
    labels = tmp_path / "labels"
    save_printers(
        data_dir,
        PrinterSetup(
            [PrinterConfig("Étiquettes", PrinterKind.FILE, DEFAULT_TEMPLATE, address=str(labels))]
        ),
    )
    bench = make_bench(training=False, operator="test")
    station, window = bench.station, bench.window
    device = _erased_drive(station, tmp_path)
    # Before: the documents' menu says why not, and no file can be made.
    menu = QMenu()
    documents = Documents(station, window)
    documents.fill_device_menu(menu, device, "fr")
    assert any(UNNAMED_FR in t for t in _menu_texts(menu))
    assert not any(a.isEnabled() for a in menu.actions() if UNNAMED_FR in a.text())

    dialog = _first_run(bench, qtbot)
    ARTIFACTS.mkdir(exist_ok=True)
    shots = []

    def shoot(name: str) -> None:
        path = ARTIFACTS / f"setup-{name}.png"
        save_with_dialog(window, dialog, path)
        shots.append(path)

    # An empty name is refused on its page, in French.
    shoot("1-workshop")
    qtbot.mouseClick(dialog.next_button, Qt.MouseButton.LeftButton)
    assert isinstance(dialog.current(), WorkshopPage)
    assert dialog.error.text() == UNNAMED_FR
    workshop = dialog.current()
    assert isinstance(workshop, WorkshopPage)
    workshop.name.setText("Ressourcerie du Port")
    workshop.address.setText("3 quai des Lilas, 13002 Marseille")
    workshop.contact.setText("04 91 00 00 00")
    qtbot.mouseClick(dialog.next_button, Qt.MouseButton.LeftButton)
    page = dialog.current()
    assert isinstance(page, StationPage)
    shoot("2-station")
    page.name.setText("Poste du fond")
    qtbot.mouseClick(dialog.next_button, Qt.MouseButton.LeftButton)
    operators = dialog.current()
    assert isinstance(operators, OperatorsPage)
    qtbot.mouseClick(dialog.next_button, Qt.MouseButton.LeftButton)  # nobody yet: refused
    assert dialog.error.text() == "Ajoutez au moins une personne."
    operators.name.setText("Aïcha")
    operators.pin.setText("12")  # too short
    qtbot.mouseClick(operators.add_button, Qt.MouseButton.LeftButton)
    assert operators.message.text() and operators.names.count() == 0
    operators.pin.setText("2468")
    qtbot.mouseClick(operators.add_button, Qt.MouseButton.LeftButton)
    operators.name.setText("Marc")
    qtbot.mouseClick(operators.add_button, Qt.MouseButton.LeftButton)
    assert operators.names.count() == 2
    shoot("3-operators")
    qtbot.mouseClick(dialog.next_button, Qt.MouseButton.LeftButton)
    shoot("4-language")
    qtbot.mouseClick(dialog.next_button, Qt.MouseButton.LeftButton)
    printer = dialog.current()
    assert isinstance(printer, PrinterPage)
    assert printer.choice.currentText() == "Étiquettes"
    qtbot.mouseClick(printer.test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Étiquette d’essai envoyée" in printer.message.text(), timeout=20_000)
    assert list(labels.glob("*.png"))  # the test label reached the (file) printer
    shoot("5-printer")
    qtbot.mouseClick(dialog.next_button, Qt.MouseButton.LeftButton)
    system = dialog.current()
    assert isinstance(system, SystemPage)
    system.choice.setCurrentIndex(system.choice.findData("LineageOS"))
    shoot("6-system")
    qtbot.mouseClick(dialog.next_button, Qt.MouseButton.LeftButton)
    hub = dialog.current()
    assert isinstance(hub, HubPage)
    assert dialog.next_button.text() == "Terminer"
    shoot("7-hub")
    assert not (data_dir / SETTINGS_NAME).exists()  # nothing written before the end
    qtbot.mouseClick(dialog.next_button, Qt.MouseButton.LeftButton)  # the hub is skipped
    assert not dialog.isVisible()

    saved = Settings.load(data_dir)
    assert saved.organisation == "Ressourcerie du Port"
    assert saved.organisation_address == "3 quai des Lilas, 13002 Marseille"
    assert saved.organisation_contact == "04 91 00 00 00"
    assert saved.station_name == "Poste du fond"
    assert saved.phone_system == "LineageOS"
    listed = saved.operator_list()
    assert [o.name for o in listed] == ["Aïcha", "Marc"]
    assert pin_matches("2468", listed[0].pin_hash) and not listed[1].has_pin
    assert "2468" not in (data_dir / SETTINGS_NAME).read_text(encoding="utf-8")
    assert not (data_dir / "sync.json").exists()  # skipped: not enrolled
    # The window names the station, then asks who works, among the people just added.
    assert station.settings.station_name == "Poste du fond"
    assert "Poste du fond" in window.windowTitle()
    assert window.status.text().startswith("Poste du fond · ")
    assert station.store.station_id not in window.windowTitle()
    qtbot.waitUntil(
        lambda: window.operator_dialog is not None and window.operator_dialog.isVisible()
    )
    assert window.operator_dialog is not None
    assert {"Aïcha", "Marc"} <= set(window.operator_dialog.name_buttons)
    window.operator_dialog.reject()

    # The certificate now names the workshop and the station.
    documents.fill_device_menu(menu, device, "fr")
    assert not any(UNNAMED_FR in t for t in _menu_texts(menu))
    path = make_document(station, Document.CERTIFICATE, "fr", device=device).path
    text = squash(text_of(path))
    assert squash("Ressourcerie du Port") in text and squash("Poste du fond") in text
    assert squash("3 quai des Lilas, 13002 Marseille") in text
    sheet = squash(text_of(make_document(station, Document.HANDOVER, "fr", device=device).path))
    assert squash("Ressourcerie du Port") in sheet and squash("Poste du fond") in sheet
    assert len(shots) == 7 and all(p.stat().st_size > 10_000 for p in shots)


def test_cancelling_the_assistant_writes_nothing(
    make_bench: Callable[..., Bench], qtbot: QtBot, data_dir: Path
) -> None:
    Settings(max_parallel_jobs=3, operators=[{"name": "Léa"}]).save(data_dir)
    before = (data_dir / SETTINGS_NAME).read_bytes()
    bench = make_bench(training=False, operator="test", settings=Settings.load(data_dir))
    bench.station.settings.max_parallel_jobs = 3
    dialog = _first_run(bench, qtbot)
    workshop = dialog.current()
    assert isinstance(workshop, WorkshopPage)
    workshop.name.setText("Atelier à moitié")
    qtbot.mouseClick(dialog.next_button, Qt.MouseButton.LeftButton)
    station_page = dialog.current()
    assert isinstance(station_page, StationPage)
    station_page.name.setText("Poste 9")
    qtbot.mouseClick(dialog.next_button, Qt.MouseButton.LeftButton)
    operators = dialog.current()
    assert isinstance(operators, OperatorsPage)
    assert operators.names.count() == 1  # the list the station already had
    operators.name.setText("Sam")
    qtbot.mouseClick(operators.add_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    assert (data_dir / SETTINGS_NAME).read_bytes() == before
    assert not list(data_dir.glob("*.tmp"))
    assert bench.station.settings.organisation == ""
    assert [o["name"] for o in bench.station.settings.operators] == ["Léa"]
    assert "Poste 9" not in bench.window.windowTitle()
    # Still unnamed: the certificate stays refused, and the work goes on (who works?).
    qtbot.waitUntil(lambda: bench.window.operator_dialog is not None)


def test_settings_changes_take_effect(
    make_bench: Callable[..., Bench], qtbot: QtBot, data_dir: Path
) -> None:
    named = Settings(organisation="Atelier du Faubourg", station_name="Poste 1")
    named.operators = [{"name": "Léa"}]
    named.save(data_dir)
    bench = make_bench(training=False, operator="Léa", settings=Settings.load(data_dir))
    window = bench.window
    window.start_session("Léa", first_run=True)  # named: no assistant at start
    qtbot.wait(50)
    assert window.setup_dialog is None
    assert "Poste 1" in window.windowTitle()
    menu = window.operator_button.menu()
    assert menu is not None
    assert "Réglages…" in [a.text() for a in menu.actions()]
    window.settings_action.trigger()
    dialog = window.setup_dialog
    assert isinstance(dialog, SettingsDialog)
    qtbot.waitUntil(dialog.isVisible)
    assert [dialog.tabs.tabText(i) for i in range(dialog.tabs.count())] == [
        "Atelier", "Poste", "Opérateurs", "Langue, affichage", "Imprimante", "Téléphones", "Collectif",
    ]  # fmt: skip
    window.resize(1366, 768)
    ARTIFACTS.mkdir(exist_ok=True)
    save_with_dialog(window, dialog, ARTIFACTS / "settings-dialog.png")
    station_page = dialog.page("StationPage")
    assert isinstance(station_page, StationPage)
    station_page.name.setText("Poste de l’entrée")
    system = dialog.page("SystemPage")
    assert isinstance(system, SystemPage)
    system.choice.setCurrentIndex(system.choice.findData(""))
    language = dialog.page("LanguagePage")
    assert isinstance(language, LanguagePage)
    language.choice.setCurrentIndex(language.choice.findData("en"))
    workshop = dialog.page("WorkshopPage")
    assert isinstance(workshop, WorkshopPage)
    workshop.name.setText("")  # a bad page keeps everything from being saved
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and dialog.tabs.currentWidget() is workshop
    assert Settings.load(data_dir).station_name == "Poste 1"
    workshop.name.setText("Atelier du Faubourg")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    saved = json.loads((data_dir / SETTINGS_NAME).read_text(encoding="utf-8"))
    assert (saved["station_name"], saved["phone_system"], saved["language"]) == (
        "Poste de l’entrée",
        "",
        "en",
    )
    # The window follows at once: its title, its language, the journey's installation.
    assert "Poste de l’entrée" in window.windowTitle()
    assert window.lang == "en"
    assert window.settings_action.text() == "Settings…"
    assert bench.station.settings.phone_system == ""


def test_training_never_shows_the_assistant(
    make_bench: Callable[..., Bench], qtbot: QtBot, data_dir: Path
) -> None:
    bench = make_bench(training=True, operator=None)
    bench.window.start_session(None, first_run=True)
    qtbot.wait(100)
    assert bench.window.setup_dialog is None
    assert not (data_dir / SETTINGS_NAME).exists()
