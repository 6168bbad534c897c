"""Starting the window: application, language, station, device sources."""

from __future__ import annotations

import logging
import signal
import sys
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from bench_app.devices.android.driver import AndroidPhone
from bench_app.devices.android.keys import station_signer
from bench_app.devices.android.tcp_source import TcpPhoneSource
from bench_app.devices.android.udev_source import UsbPhoneSource
from bench_app.devices.android.usb_handles import usb_handle_factory
from bench_app.devices.drives.udev_source import BlockDeviceSource
from bench_app.devices.ios.usbmux_source import UsbmuxSource
from bench_app.errors import BenchError
from bench_app.settings import Settings
from bench_app.simulators.docked_drive import training_drive_folder
from bench_app.simulators.mode import SimulationMode
from bench_app.simulators.source import SimulatedSource
from bench_app.station import Station
from bench_app.sync.client import SyncConfig
from bench_app.sync.worker import SyncWorker
from ui import accessibility
from ui.i18n import Translations
from ui.icons import app_icon
from ui.main_window import MainWindow
from ui.startup_error import StartupErrorWindow
from ui.style import STYLESHEET, apply_style
from ui.sync_status import SyncStatusLabel
from ui.upgrade_window import open_with_progress
from ui.usb_monitor import UsbMonitor
from ui.widget_map import install_from_environment


def create_app(argv: list[str] | None = None) -> QApplication:
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    app = QApplication(argv or sys.argv[:1])
    app.setApplicationName("Établi")
    app.setOrganizationName("etabli")
    app.setDesktopFileName("etabli")
    app.setWindowIcon(app_icon())
    app.setStyleSheet(STYLESHEET)
    return app


def build_window(
    station: Station,
    app: QApplication,
    lang: str,
    simulator: SimulatedSource | None = None,
    operator: str | None = None,
    *,
    first_run: bool = False,
) -> MainWindow:
    """The main window on `station`; `operator` skips the "Who is working?" question;
    `first_run` (the app's start) shows the set-up assistant to a real, unnamed station."""
    translations = Translations(app)
    if not translations.install(lang):
        logging.getLogger(__name__).warning(
            "translations for %s are not compiled; run `python3 packaging/i18n.py`", lang
        )

    def switch(new_lang: str) -> None:
        translations.install(new_lang)
        station.settings.language = new_lang
        station.settings.save(station.folder)

    apply_style(app, station.settings.theme, station.settings.text_size)  # before any card
    window = MainWindow(station, lang=lang, simulator=simulator, switch_language=switch)
    accessibility.install(app, window)
    accessibility.keyboard_shortcuts(window)
    window._translations = translations  # type: ignore[attr-defined]  # keep it alive
    window.start_session(operator, first_run=first_run)
    return window


def open_station(folder: Path, *, training: bool = False) -> Station | BenchError:
    """The station on `folder`, or the plain error that keeps it from opening (a damaged
    database, a read-only or full disk, another window already on it...)."""
    try:
        return Station(folder, training=training, settings=Settings.load(folder))
    except BenchError as exc:
        return exc


def _saved_language(folder: Path) -> str:
    try:
        return Settings.load(folder).language
    except BenchError:
        return "fr"


def build_error_window(
    error: BenchError, folder: Path, app: QApplication, lang: str
) -> StartupErrorWindow:
    """The screen that says why the station did not open, in `lang`."""
    translations = Translations(app)
    translations.install(lang)
    window = StartupErrorWindow(error, folder, lang)
    window._translations = translations  # type: ignore[attr-defined]  # keep it alive
    return window


def run_gui(
    folder: Path, *, training: bool = False, lang: str | None = None, scenario: str | None = None
) -> int:
    """Runs the bench window until it is closed; returns the exit code. In training, the
    class starts with `scenario` (« Découverte » when None)."""
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    app = create_app()
    opened = open_with_progress(
        folder, lang or _saved_language(folder), lambda: open_station(folder, training=training)
    )
    if isinstance(opened, BenchError):
        language = lang or _saved_language(folder)
        print(opened.text(language), file=sys.stderr)
        screen = build_error_window(opened, folder, app, language)
        screen.show()
        app.exec()
        return 2
    station = opened
    language = lang or station.settings.language
    signer = station_signer(folder)
    # Real phones on USB are always watched, in training mode too.
    usb = UsbPhoneSource(usb_handle_factory(signer))
    station.attach_source(usb)
    tcp = TcpPhoneSource(lambda target: AndroidPhone(target, signer))
    station.attach_source(tcp)
    # iPhones, as usbmuxd reports them (it is quiet, and retried, where usbmuxd is absent).
    station.attach_source(UsbmuxSource())
    # Docked drives, and USB disks; never the system disk, the live medium or the data disk.
    station.attach_source(BlockDeviceSource(folder))
    simulator = None
    if training:
        simulator = SimulatedSource(
            SimulationMode.TRAINING, adb_signer=signer, drive_folder=training_drive_folder(folder)
        )
        station.attach_source(simulator)
    window = build_window(station, app, language, simulator, first_run=True)
    window.adb_signer = signer
    window.set_tcp_source(tcp)
    # Laptops started from the Établi stick, announced on the workshop's network.
    window.laptop_agents.start_discovery()
    monitor = UsbMonitor(usb)
    monitor.start()  # falls back to the source's periodic scan where udev cannot be watched
    if simulator is not None:
        window.play_scenario(scenario or "decouverte")
    app.aboutToQuit.connect(window.shutdown)
    sync = start_sync(station, window)
    window.showMaximized()  # fitted to the screen, the workshop laptop's 1366×768 included
    widget_map = install_from_environment(window)  # held by this frame while the app runs
    # Let Ctrl+C in the terminal close the window cleanly (Python sees signals between events).
    signal.signal(signal.SIGINT, lambda *_: app.quit())
    signal.signal(signal.SIGTERM, lambda *_: app.quit())
    pulse = QTimer()
    pulse.start(200)
    pulse.timeout.connect(lambda: None)
    try:
        return app.exec()
    finally:
        monitor.stop()
        del widget_map
        if sync is not None:
            sync.stop(timeout=10)
        station.close()


def start_sync(station: Station, window: MainWindow) -> SyncWorker | None:
    """When DATA/sync.json says this station is enrolled: the sync worker on its own thread,
    poked by every device change, and its status in the status bar."""
    if not SyncConfig.load(station.folder).enrolled:
        return None
    worker = SyncWorker(station.folder, station.store)
    station.on_device_changed.append(lambda _device_id: worker.poke())
    worker.start()
    label = SyncStatusLabel(worker, lambda: window.lang, window)
    window.statusBar().addPermanentWidget(label)
    window.statusBar().addPermanentWidget(label.more)
    return worker
