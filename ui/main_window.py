"""The main window: a grid of device cards, the device panel, intake and code search."""

from __future__ import annotations

import logging
import time
from functools import partial

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QKeyEvent, QKeySequence, QResizeEvent, QShortcut
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTextEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from bench_app.class_seeds import seed_scenario
from bench_app.devices.android.driver import AdbTarget, PhoneState
from bench_app.devices.android.keys import station_signer
from bench_app.devices.android.network import reach_phone, wifi_address
from bench_app.devices.android.tcp_source import TcpPhoneSource
from bench_app.devices.ios.models import marketing_name
from bench_app.diagnostics.blocks import what_blocks
from bench_app.diagnostics.health import end_of_life
from bench_app.disk_links import COMPUTER_KINDS, disks_of, host_of
from bench_app.domain.brands import brand_name
from bench_app.domain.model import Device, DeviceKind, Job, JobState
from bench_app.errors import BenchError
from bench_app.jobs.prompt import Prompt
from bench_app.jobs.steps import Purpose
from bench_app.laptop_erasure import PIPELINE as ERASE_PIPELINE
from bench_app.operators import TRAINEE
from bench_app.selfcheck import SCREEN_TITLE
from bench_app.settings import Settings
from bench_app.simulators.adb_phone import list_models, load_persona
from bench_app.simulators.classroom import Classroom, donated_laptops
from bench_app.simulators.docked_drive import DRIVE_PERSONAS, DriveBehaviour, training_drive_folder
from bench_app.simulators.iphone.persona import list_personas as list_iphone_personas
from bench_app.simulators.iphone.persona import load_persona as load_iphone_persona
from bench_app.simulators.mode import SimulationMode
from bench_app.simulators.scenarios import Scenario, load_scenarios
from bench_app.simulators.source import SimulatedSource
from bench_app.station import Station
from bench_app.store import queries
from bench_app.text import Text
from bench_app.workshop import needs_setup
from ui import accessibility
from ui.batch_bar import BatchBar
from ui.bridge import StationBridge
from ui.device_card import DeviceCard
from ui.device_page import DevicePage
from ui.device_panel import DevicePanel
from ui.device_view import Action, DeviceView, failure_texts
from ui.flow_layout import FlowLayout
from ui.handset_panel import HandsetPanel
from ui.help_dialog import HelpDialog, ask_to_stop, block_help, plug_help
from ui.icons import app_icon, device_icon
from ui.intake_dialog import IntakeDialog
from ui.journey_actions import JourneyActions, Other
from ui.language_box import LanguageBox
from ui.laptop_agents import ADD_BY_ADDRESS, LaptopAgents
from ui.network_dialog import NetworkPhoneDialog
from ui.operator_chooser import OperatorChooser
from ui.pending_card import PendingCard
from ui.printed_labels import PrintedLabelsDialog
from ui.search_results import SEARCH_HINT, SEARCH_TIP, SearchResults, show_results
from ui.this_station_dialog import ThisStationDialog
from ui.window_fit import alive, fit_to_screen, wrap_message
from ui.workshop_menu import WorkshopMenu
from ui.workshop_setup import SettingsDialog, SetupAssistant

log = logging.getLogger(__name__)
SEARCH_ERROR_SECONDS = 15  # long enough to read twice; then the screen is clean again
PRINTERS = Text("Imprimantes", "Printers")
SETTINGS = Text("Réglages", "Settings")
READ_EVERY_S = 1.0  # a running device's records are re-read at most this often
# Stale devices read from the database in one redraw (a click or a plug reads them all): jobs
# started together fall due together, and reading them all in one redraw paused the window
# 50-80 ms during a start of 16 phones (benchmarks/bench_ui_latency.py).
READS_PER_FLUSH = 2


class MainWindow(QMainWindow):
    def __init__(
        self,
        station: Station,
        *,
        lang: str = "fr",
        simulator: SimulatedSource | None = None,
        switch_language: object = None,
    ) -> None:
        super().__init__()
        self.station = station
        self.lang = lang
        self.simulator = simulator
        # The station's ADB key, for simulated ADB phones when training is switched on.
        self.adb_signer = simulator.adb_signer if simulator is not None else None
        self.handset_panels: dict[str, HandsetPanel] = {}  # simulated handsets' screens, by key
        # The trainer's scenarios, reset and label printer (training only).
        self.classroom: Classroom | None = Classroom(simulator) if simulator is not None else None
        if self.classroom is not None:  # a scenario's records, set up before its devices
            self.classroom.seeder = partial(seed_scenario, station)
        self.labels_dialog: PrintedLabelsDialog | None = None
        self._labels_seen = 0
        # What the search field opened: its list of results, and device pages by device.
        self.search_results: SearchResults | None = None
        self.device_pages: dict[str, DevicePage] = {}
        # Classroom devices taken away by a scenario change: their unplug brings no card back.
        self._retired: set[str] = set()
        self._class_laptops: set[str] = set()  # the scenario's donated laptops (their cards)
        self.tcp_source: TcpPhoneSource | None = None
        # The last dialogs opened, kept alive while open (and reachable by tests).
        self.network_dialog: NetworkPhoneDialog | None = None
        self.help_dialog: HelpDialog | None = None
        self.stop_question: QMessageBox | None = None
        self._switch_language = switch_language
        self._shut_down = False
        self.views: dict[str, DeviceView] = {}
        # A docked disk's computer (disk id -> computer id): its jobs show on both cards.
        self._host_of: dict[str, str] = {}
        self.cards: dict[str, DeviceCard] = {}
        self.pending_cards: dict[str, PendingCard] = {}
        self.selected: str | None = None
        # Arrival order of the cards (device ids and handle keys): it never changes after.
        self._arrival: dict[str, int] = {}
        self.bridge = StationBridge(station, self)
        # The journey's stages and the panel's other actions (their dialogs live there).
        self.journey = JourneyActions(station, self)
        self.journey.show_device.connect(self.select_device_card)
        # Laptops started from the Établi stick: their pending cards, pairing and erasure.
        self.laptop_agents = LaptopAgents(self)
        self.setWindowIcon(app_icon())

        central = QWidget()
        self.setCentralWidget(central)
        outer = QVBoxLayout(central)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)

        self.banner = QLabel()
        self.banner.setObjectName("TrainingBanner")
        self.banner.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.banner.setVisible(station.training)
        outer.addWidget(self.banner)

        top = QWidget()
        top.setObjectName("TopBar")
        bar = QHBoxLayout(top)
        bar.setContentsMargins(12, 8, 12, 8)
        self.app_title = QLabel("Établi")
        self.app_title.setObjectName("AppTitle")
        bar.addWidget(self.app_title)
        bar.addSpacing(8)
        # Who works now (every fact recorded carries this name); its menu changes it.
        self.operator_button = QToolButton()
        self.operator_button.setObjectName("OperatorName")
        self.operator_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        operator_menu = QMenu(self.operator_button)
        self.change_operator = operator_menu.addAction("")
        self.change_operator.triggered.connect(lambda: self.ask_operator(required=False))
        # "Réglages": the workshop, this station, its operators, printer, system, hub.
        self.settings_action = operator_menu.addAction("")
        self.settings_action.triggered.connect(lambda: self.open_settings())
        self.setup_dialog: SetupAssistant | SettingsDialog | None = None
        # "Ce poste": what this station has and lacks to work (ui/this_station_dialog.py).
        self.this_station_action = operator_menu.addAction("")
        self.this_station_action.triggered.connect(lambda: self.open_this_station())
        self.operator_button.setMenu(operator_menu)
        bar.addWidget(self.operator_button)
        self.operator_dialog: OperatorChooser | None = None
        bar.addSpacing(8)
        self.search = QLineEdit()
        self.search.setObjectName("CodeSearch")
        self.search.setProperty("place", "toolbar")  # narrower minimum: the bar fits 1366 px
        self.search.setClearButtonEnabled(True)
        self.search.returnPressed.connect(self._on_search)
        # The message goes on its own full-width line under the bar, and wraps there.
        self.search_error = QLabel()
        self.search_error.setObjectName("SearchError")
        self.search_error.setProperty("place", "line")
        wrap_message(self.search_error)
        self.search_error.setVisible(False)
        bar.addWidget(self.search, 1)
        self.intake_button = QPushButton()
        self.intake_button.setObjectName("BigAction")
        self.intake_button.clicked.connect(self.open_intake)
        bar.addWidget(self.intake_button)
        # An action, so that a menu or a shortcut can offer it too; clicked(bool) must not
        # reach add_network_phone, hence the lambda.
        self.network_action = QAction(self)
        self.network_action.triggered.connect(lambda _checked=False: self.add_network_phone())
        self.addAction(self.network_action)
        self.network_button = QPushButton()
        self.network_button.setIcon(device_icon(DeviceKind.PHONE))  # a phone, reached by Wi-Fi
        self.network_button.setObjectName("NetworkButton")
        self.network_button.clicked.connect(self.network_action.trigger)
        self.network_button.setVisible(False)  # shown once a TCP source is given
        bar.addWidget(self.network_button)
        # "Atelier": lots, loans, beneficiaries, the dashboard (ui/workshop_menu.py), then
        # the printers, "Réglages" and "Ce poste" (also in the operator's menu).
        self.workshop_menu = WorkshopMenu(self)
        self.printers_action = self.workshop_menu.add_action(PRINTERS, self.open_printers)
        self.workshop_menu.add_action(SETTINGS, lambda: self.open_settings())
        self.workshop_menu.add_action(SCREEN_TITLE, lambda: self.open_this_station())
        self.workshop_menu.add_action(ADD_BY_ADDRESS, lambda: self.laptop_agents.add_by_address())
        bar.addWidget(self.workshop_menu)
        self.training_toggle = QPushButton()
        self.training_toggle.setObjectName("TrainingToggle")
        self.training_toggle.setCheckable(True)
        self.training_toggle.setChecked(station.training)
        self.training_toggle.toggled.connect(self.set_training)
        bar.addWidget(self.training_toggle)
        self.sim_button = QToolButton()
        self.sim_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.sim_button.setVisible(simulator is not None)
        bar.addWidget(self.sim_button)
        self.language = LanguageBox(lang)
        self.language.activated.connect(self._on_language)
        bar.addWidget(self.language)
        outer.addWidget(top)
        self.top_bar = top
        # The message floats over the top of the cards and the panel, under the bar: it never
        # moves what is below (an answer button must stay where the operator's hand is).
        self.search_error.setParent(central)
        self.search.textEdited.connect(lambda _text: self.search_error.setVisible(False))
        # It says why one code was not found: it goes by itself after a while, and follows the
        # bar when the banner above it comes or goes.
        self._search_error_timer = QTimer(self)
        self._search_error_timer.setSingleShot(True)
        self._search_error_timer.setInterval(SEARCH_ERROR_SECONDS * 1000)
        self._search_error_timer.timeout.connect(lambda: self.search_error.setVisible(False))
        top.installEventFilter(self)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(12, 12, 12, 12)
        self.empty_hint = QLabel()
        self.empty_hint.setObjectName("EmptyHint")
        self.empty_hint.setWordWrap(True)
        self.empty_hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        left_layout.addWidget(self.empty_hint)
        self.batch_bar = BatchBar(self)  # shown once 2+ phones of one model are here
        left_layout.addWidget(self.batch_bar)
        self.grid_host = QWidget()
        self.grid = FlowLayout(self.grid_host)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.grid_host)
        self.card_scroll = scroll
        left_layout.addWidget(scroll, 1)
        splitter.addWidget(left)
        self.panel = DevicePanel(station)
        splitter.addWidget(self.panel)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        outer.addWidget(splitter, 1)
        self.status = QLabel()
        wrap_message(self.status, wrap=False)  # one line: the status bar does not grow
        self.statusBar().addWidget(self.status, 1)

        # Queued even from the main thread: the window never runs inside a core callback.
        queued = Qt.ConnectionType.QueuedConnection
        # These two the bridge already delivers from the event loop, coalesced: direct.
        self.bridge.device_changed.connect(self._on_device_changed)
        self.bridge.presence_changed.connect(self._on_presence, queued)
        self.bridge.job_state.connect(self._on_job_state, queued)
        self.bridge.job_progress.connect(self._on_job_progress)
        self.bridge.job_prompt.connect(self._on_job_prompt, queued)
        self.bridge.pending_changed.connect(self._on_pending, queued)
        # A computer's card follows the jobs of its docked disks.
        self.bridge.job_state.connect(self._mirror_job_state, queued)
        self.bridge.job_progress.connect(self._mirror_job_progress, queued)
        self.bridge.job_prompt.connect(self._mirror_job_prompt, queued)
        self.panel.action.connect(self.do_action)
        self.panel.answer.connect(self._on_answer)
        self.panel.cancel_requested.connect(self._on_cancel)
        self.panel.abandon_requested.connect(self._on_abandon)
        self.panel.lot_chosen.connect(self._on_lot_chosen)

        QShortcut(QKeySequence("Ctrl+L"), self, self.focus_search)
        QShortcut(QKeySequence("F2"), self, self.focus_search)
        QShortcut(QKeySequence("Ctrl+N"), self, self.open_intake)
        self._scanner = ScannerRedirect(self)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            accessibility.route_keys(app, self._scanner)

        # Progress arrives often; redraw at most ~12 times a second.
        self._dirty: set[str] = set()
        self._full_dirty: set[str] = set()
        self._stale: set[str] = set()  # devices whose records changed since the last redraw
        self._progress_dirty: set[str] = set()  # only their bar and step line moved
        self._read_now: set[str] = set()  # stale and not to be held (their job just ended)
        self._read_at: dict[str, float] = {}  # when each device's records were last read
        self._clock = time.monotonic  # a test may give its own
        self._redraw_timer = QTimer(self)
        self._redraw_timer.setInterval(80)
        self._redraw_timer.timeout.connect(self._flush)
        self._redraw_timer.start()
        # The class printer prints on its own thread: a new label opens the viewer.
        self._labels_timer = QTimer(self)
        self._labels_timer.setInterval(300)
        self._labels_timer.timeout.connect(self._watch_class_printer)
        self._labels_timer.start()

        self._build_sim_menu()
        self.retranslate()
        fit_to_screen(self)  # the whole screen it opens on, a 1366×768 laptop included
        for device_id in station.connected_device_ids():
            self._on_presence(device_id, True)
        self.focus_search()

    # -- texts -------------------------------------------------------------------------------

    def retranslate(self) -> None:
        if hasattr(self, "search_error"):
            self.search_error.setVisible(False)  # said in the other language: not redrawn
        name = self.station.settings.station_name.strip()  # the station by its name, not its id
        self.setWindowTitle(
            self.tr("Établi — refurbishing bench")
            + (f" — {name}" if name else "")
            + (" — " + self.tr("TRAINING") if self.station.training else "")
        )
        self.banner.setText(
            self.tr("TRAINING MODE — simulated devices, nothing here is real or sent anywhere")
        )
        self.search.setPlaceholderText(SEARCH_HINT.get(self.lang))
        self.search.setToolTip(SEARCH_TIP.get(self.lang))
        self.search.setAccessibleName(SEARCH_TIP.get(self.lang))
        self.intake_button.setText(self.tr("Intake of a donation"))
        self.change_operator.setText(self.tr("Change operator"))
        self.settings_action.setText(self.tr("Settings…"))
        self.this_station_action.setText(SCREEN_TITLE.get(self.lang) + "…")
        self._show_operator()
        self.sim_button.setText(self.tr("Simulated devices"))
        self.training_toggle.setText(self.tr("Training mode"))
        # Short on the bar so it fits a 1366-pixel screen; the phone icon and tip say the rest.
        self.network_button.setText(self.tr("Wi-Fi…"))
        self.network_button.setToolTip(self.tr("Phone over Wi-Fi…"))
        self.network_action.setText(self.tr("Phone over Wi-Fi…"))
        self.network_action.setEnabled(self.tcp_source is not None)
        self.workshop_menu.retranslate(self.lang)
        opened: list[SearchResults | DevicePage | None] = [self.search_results]
        for widget in [*opened, *self.device_pages.values()]:
            if widget is not None and alive(widget):
                widget.retranslate(self.lang)
        self.network_button.setVisible(self.tcp_source is not None)
        self.training_toggle.setToolTip(
            self.tr("Simulated devices for a demonstration; their records are marked as training")
        )
        self.empty_hint.setText(
            self.tr("Plug in a phone or a drive to begin.\nIt will appear here.")
        )
        self._build_sim_menu()
        for card in self.laptop_agents.pending.values():
            card.retranslate(self.lang)
        for device_id in self.views:
            self._dirty.add(device_id)
        self._flush(full=True)
        self._update_status()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange and not self._shut_down:
            self.retranslate()
        super().changeEvent(event)

    # -- who works ---------------------------------------------------------------------------

    def start_session(self, operator: str | None = None, *, first_run: bool = False) -> None:
        """Who records facts from now on: `operator` when given (tests, a kiosk), the
        trainee in training mode, else the operator is asked "Who is working?". With
        `first_run` (the app's start), a real station whose workshop has no name first
        shows the set-up assistant; the question follows it."""
        if first_run and needs_setup(self.station.settings, training=self.station.training):
            QTimer.singleShot(0, self, lambda: self._first_run(operator))
            return
        if operator:
            self.station.operator = operator
        elif self.station.training:
            self.station.use_trainee()
        else:
            # Once the window is up, so the question sits on it.
            QTimer.singleShot(0, self, lambda: self.ask_operator(required=True))
        self._show_operator()

    def ask_operator(self, *, required: bool) -> OperatorChooser:
        """Opens the chooser (window-modal); the toolbar follows the choice."""
        dialog = OperatorChooser(self.station, self.lang, required=required, parent=self)
        dialog.accepted.connect(self._show_operator)
        self.operator_dialog = dialog
        dialog.open()
        return dialog

    def _show_operator(self) -> None:
        name = self.station.operator
        # A long name is cut, so the toolbar still fits a 1366-pixel screen; the tip has it all.
        metrics = self.operator_button.fontMetrics()
        self.operator_button.setText(metrics.elidedText(name, Qt.TextElideMode.ElideRight, 120))
        self.operator_button.setToolTip(self.tr("Who is working: %1").replace("%1", name))

    def _first_run(self, operator: str | None) -> None:
        dialog = self.open_settings(first_run=True)
        dialog.finished.connect(lambda _result: self.start_session(operator))

    def open_settings(self, *, first_run: bool = False) -> SetupAssistant | SettingsDialog:
        """The set-up assistant (first run) or "Réglages" (window-modal); on save, the
        title, the status and the language follow."""
        kind = SetupAssistant if first_run else SettingsDialog
        dialog = kind(self.station, self.lang, self, on_saved=self._settings_saved)
        self.setup_dialog = dialog
        dialog.open()
        return dialog

    def _settings_saved(self, settings: Settings) -> None:
        if settings.language != self.lang:
            self.language.setCurrentIndex(max(self.language.findData(settings.language), 0))
            self._on_language(self.language.currentIndex())
        self.retranslate()

    def open_this_station(self) -> ThisStationDialog:
        dialog = ThisStationDialog(self.station.folder, self.lang, self)
        dialog.open()
        return dialog

    def open_printers(self) -> None:
        from ui.printer_dialog import PrinterDialog  # reportlab and Pillow load on first use

        PrinterDialog(self.station.folder, self.station.settings, self.lang, self).open()

    def _on_language(self, index: int) -> None:
        lang = str(self.language.itemData(index))
        if lang == self.lang:
            return
        self.lang = lang
        if callable(self._switch_language):
            self._switch_language(lang)  # installs the translator; LanguageChange follows
        else:
            self.retranslate()

    # -- devices -----------------------------------------------------------------------------

    def _view(self, device_id: str) -> DeviceView | None:
        view = self.views.get(device_id)
        device = self.station.device(device_id)
        if device is None:
            return None
        if view is None:
            view = DeviceView(device)
            self.views[device_id] = view
        view.device = device
        self._read_at[device_id] = self._clock()
        self._stale.discard(device_id)  # this read answers any change seen so far
        targets = self._job_devices(device)  # the device, or a computer's linked disks
        view.connected = any(self.station.handle(t) is not None for t in targets)
        view.connected = view.connected or self.laptop_agents.is_paired(device_id)
        view.network_address = wifi_address(self.station.presence.last_handle(device_id))
        sim_key = self._sim_key(device_id)
        view.can_replug = sim_key is not None
        view.caption = self.simulator.caption(sim_key) if sim_key and self.simulator else None
        if device.kind is DeviceKind.DRIVE:
            self._show_host(view)
        elif device.kind in COMPUTER_KINDS and targets:
            # Its card says which docked disks are its own (their cards say the same back).
            codes = ", ".join(d.asset_code for d in disks_of(self.station.store, device.id))
            many = len(targets) > 1
            view.caption = Text(
                f"{'Disques' if many else 'Disque'} {codes}",
                f"{'Disks' if many else 'Disk'} {codes}",
            )
        view.job = self._latest_job(device_id)
        running = next(
            (j for t in targets if (j := self.station.engine.job_for_device(t)) is not None), None
        )
        if running is not None and running.state.active and view.live_state is None:
            # Started, its first record not yet written (the worker writes it): the latest
            # recorded job is the one before, whose end must not speak for this one.
            view.live_state = running.state
        if running is None:
            view.live_state = None
            view.prompt = None
            if view.job is not None and view.job.state is JobState.FAILED:
                texts = failure_texts(self.station.store, view.job)  # the card's short form
                view.message = texts[0] if texts else None
        # The core's verdicts on the latest job, never guessed here.
        results = queries.step_results(self.station.store, view.job.id) if view.job else []
        view.end_of_life = end_of_life(results)
        view.block = what_blocks(results)
        view.grade = queries.latest_grade(self.station.store, device_id)
        if running is None or view.journey is None or not running.state.active:
            # Not while a job runs: every checkpoint of a long erasure would re-read all its
            # facts; the job's end marks the device stale and the journey is read again then.
            view.journey = self.station.journey(device_id)
        pipeline = self.station.pipelines.get(view.job.pipeline) if view.job else None
        if running is not None and running.state.active:
            pipeline = running.spec.pipeline  # the job under way, even before it is recorded
        view.purpose = pipeline.purpose if pipeline is not None else None
        if view.job is not None and view.job.pipeline == ERASE_PIPELINE:
            view.purpose = Purpose.ERASES  # a laptop's disk erased through its agent
        if view.job is None or view.job.state is not JobState.BLOCKED:
            view.replugged_after_block = False
        return view

    def _job_devices(self, device: Device) -> list[str]:
        """Where the device's jobs run: itself, or a computer's linked disks (docked)."""
        if device.kind not in COMPUTER_KINDS:
            return [device.id]
        disks = [d.id for d in disks_of(self.station.store, device.id)]
        for known in [k for k, h in self._host_of.items() if h == device.id]:
            self._host_of.pop(known)
        self._host_of.update(dict.fromkeys(disks, device.id))
        return disks

    def _latest_job(self, device_id: str) -> Job | None:
        """The device's latest job; a computer's: the latest of its linked disks'."""
        device = self.station.device(device_id)
        if device is None or device.kind not in COMPUTER_KINDS:
            return self.station.latest_job(device_id)
        jobs = [j for d in self._job_devices(device) if (j := self.station.latest_job(d))]
        return max(jobs, key=lambda j: j.id) if jobs else None  # uuid7: creation order

    def _show_host(self, view: DeviceView) -> None:
        """A disk's card says which computer it was taken out of."""
        host = host_of(self.station.store, view.device.id)
        view.host_code = host.asset_code if host is not None else ""
        if host is None:
            self._host_of.pop(view.device.id, None)
            return
        self._host_of[view.device.id] = host.id
        if host.kind is DeviceKind.LAPTOP:
            view.caption = Text(
                f"Disque du portable {host.asset_code}", f"Disk of laptop {host.asset_code}"
            )
        else:
            view.caption = Text(
                f"Disque de l’ordinateur {host.asset_code}", f"Disk of computer {host.asset_code}"
            )

    def _host_shown(self, device_id: str) -> str | None:
        """The computer of this disk, when its card or panel is on screen."""
        host = self._host_of.get(device_id)
        return host if host is not None and host in self.views else None

    def _mirror_job_state(self, job_id: str, device_id: str, state: str) -> None:
        host = self._host_shown(device_id)
        if host is not None:
            self._on_job_state(job_id, host, state)

    def _mirror_job_progress(self, job_id: str, device_id: str, fraction: float) -> None:
        host = self._host_shown(device_id)
        if host is not None:
            self._on_job_progress(job_id, host, fraction)

    def _mirror_job_prompt(self, job_id: str, device_id: str, waiting: bool) -> None:
        host = self._host_shown(device_id)
        if host is not None:
            self._on_job_prompt(job_id, host, waiting)

    def _on_presence(self, device_id: str, plugged: bool) -> None:
        if self._shut_down:  # late queued signals after the station closed
            return
        host = self._host_shown(device_id)
        if host is not None:  # its disk docked or taken away: the computer's button follows
            self._stale.add(host)
            self._mark(host, full=True)
        before = self.views.get(device_id)
        was_away = before is None or not before.connected or device_id not in self.cards
        view = self._view(device_id)
        if view is None:
            return
        view.connected = plugged
        if not plugged and view.device.training and not self.station.training:
            return  # the classroom set unplugged as training was switched off: no card back
        if not plugged and device_id in self._retired:
            return  # taken away by a scenario change or a reset: no card back
        if plugged:
            self._retired.discard(device_id)
        if plugged and was_away and view.state is JobState.BLOCKED:
            view.replugged_after_block = True  # the block was likely lifted meanwhile
        if device_id not in self.cards:
            if not plugged and not self._keeps_card(view):
                return  # gone before its card was drawn, with nothing left to resume
            self._add_card(view)
            if plugged:
                # Just plugged in: show its card, and open it unless another is in hand.
                if not self._busy_with_selected():
                    self.select(device_id)
                self._reveal(device_id)
            elif self.selected is None:
                self.select(device_id)
        elif not plugged and not self._keeps_card(view):
            self._remove_card(device_id)
            return
        self._dirty.add(device_id)
        self._update_status()

    def _on_pending(self, key: str, state: str) -> None:
        if self._shut_down:
            return
        card = self.pending_cards.get(key)
        if not state:
            if card is not None:
                del self.pending_cards[key]
                self.grid.removeWidget(card)
                card.deleteLater()
                if self.selected == key:
                    self.selected = None
                    self.panel.show_view(None, self.lang)
            self._update_status()
            return
        pending = self.station.pending.get(key)
        brand = str(getattr(pending.handle, "brand_hint", "") or "") if pending else ""
        if card is None:
            card = PendingCard(key, state, brand)
            card.selected.connect(self.select_pending)
            self.pending_cards[key] = card
            self._place_card(key, card)
            if not self._busy_with_selected():
                self.select_pending(key)
            self._reveal(key)
        else:
            card.set_state(state)
        if self.selected == key:
            self.panel.show_pending(state, brand, self.lang)
        self._update_status()

    def select_pending(self, key: str) -> None:
        card = self.pending_cards.get(key)
        if card is None:
            return
        previous = self.cards.get(self.selected or "")
        if previous is not None:
            previous.set_selected(False)
        self.selected = key
        self.panel.show_pending(card.current, card.brand, self.lang)

    def _add_card(self, view: DeviceView) -> None:
        card = self.laptop_agents.new_card(view, self.lang)  # a paired laptop's: its disks
        card.selected.connect(self.select)
        card.action.connect(self.do_action)
        self.cards[view.device.id] = card
        handle = self.station.handle(view.device.id)
        key = handle.key if handle is not None else self.laptop_agents.place_key(view.device.id)
        self._place_card(view.device.id, card, key)

    def _place_card(self, key: str, card: QWidget, handle_key: str | None = None) -> None:
        """Puts a card at its arrival place, so cards never reshuffle. A device's card takes
        the place of the card its phone had while pending (same handle key), and a device
        plugged back in gets its place back."""
        rank = self._arrival.get(key)
        if rank is None and handle_key is not None:
            rank = self._arrival.get(handle_key)
        if rank is None:
            rank = len(set(self._arrival.values()))
        self._arrival[key] = rank
        if handle_key is not None:
            self._arrival[handle_key] = rank
        card.setProperty("arrival", rank)
        index = 0
        for i in range(self.grid.count()):
            item = self.grid.itemAt(i)
            other = item.widget() if item is not None else None
            if other is not None and int(other.property("arrival")) < rank:
                index = i + 1
        self.grid.insertWidget(index, card)

    def _busy_with_selected(self) -> bool:
        """The operator has a device in hand: a phone being set up, or a check under way."""
        if self.selected is None:
            return False
        if self.selected in self.pending_cards:
            return True
        view = self.views.get(self.selected)
        state = view.state if view is not None else None
        return bool(state and state.active)

    def _reveal(self, key: str) -> None:
        """Scrolls the card list so this card is in sight, once the grid has placed it."""
        QTimer.singleShot(0, self, partial(self._scroll_to_card, key))

    def _scroll_to_card(self, key: str) -> None:
        card = self.cards.get(key) or self.pending_cards.get(key)
        if card is None or self._shut_down:
            return
        # Lay the grid out now, so the card's place is known.
        for _ in range(3):
            QApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
        self.card_scroll.ensureWidgetVisible(card, 12, 12)

    def _keeps_card(self, view: DeviceView) -> bool:
        """An unplugged device keeps its card while its job needs it back (to resume)."""
        state = view.state
        return bool(state and (state.active or state.resumable))

    def _remove_card(self, device_id: str) -> None:
        card = self.cards.pop(device_id)
        self.laptop_agents.card_gone(device_id)  # a laptop on the stick: its link closes
        self.grid.removeWidget(card)
        card.hide()  # off the screen now, not when the event loop deletes it
        card.deleteLater()
        if self.selected == device_id:
            self.selected = None
            self.panel.show_view(None, self.lang)
        self._update_status()

    def _on_device_changed(self, device_id: str) -> None:
        if self._shut_down:  # late queued signals after the station closed
            return
        if device_id in self.cards or device_id == self.selected:
            # Re-read at the next redraw, once, however many facts arrived meanwhile: a burst
            # of queued signals must stay cheap or it holds the event loop.
            self._stale.add(device_id)  # redrawn with the read, when its turn comes
            self._full_dirty.add(device_id)
        host = self._host_shown(device_id)
        if host is not None and (host in self.cards or host == self.selected):
            self._stale.add(host)  # its disk's facts move the computer's journey
            self._full_dirty.add(host)

    def _mark(self, device_id: str, *, full: bool = False) -> None:
        """Schedules a redraw; `full` also reloads the panel's results and history."""
        self._dirty.add(device_id)
        if full:
            self._full_dirty.add(device_id)

    def _held(self, device_id: str, now: float) -> bool:
        """A device whose job runs records facts in bursts (every step, every checkpoint):
        its records are read again at most once per READ_EVERY_S, and at once when it ends."""
        view = self.views.get(device_id)
        return (
            view is not None
            and view.live_state is not None
            and device_id not in self._read_now
            and now - self._read_at.get(device_id, 0.0) < READ_EVERY_S
            and self.station.engine.job_for_device(device_id) is not None  # not ended meanwhile
        )

    def _flush(self, full: bool = False) -> None:
        if self._shut_down:  # late queued signals after the station closed
            return
        now = self._clock()
        # Held devices keep their stale mark (and their panel's reload) for their turn; a
        # question or a state change still redraws them now, from what the window holds.
        held = {d for d in self._stale if self._held(d, now)}
        if not full:
            held |= self._deferred(self._stale - held)
        stale, self._stale = self._stale - held, held
        progressed, self._progress_dirty = self._progress_dirty, set()
        dirty, self._dirty = self._dirty | stale, set()
        full_ids, self._full_dirty = self._full_dirty - held, self._full_dirty & held
        self._read_now &= held  # a deferred end keeps its priority for the next redraw
        for device_id in progressed - dirty:
            self._show_progress(device_id)
        if not dirty:
            return
        for device_id in dirty:
            view = self._view(device_id) if device_id in stale else self.views.get(device_id)
            if view is None:
                continue
            card = self.cards.get(device_id)
            if card is not None:
                card.show_view(view, self.lang)
            if device_id == self.selected:
                self.panel.show_view(view, self.lang, full=full or device_id in full_ids)
        self._update_status()

    def _deferred(self, due: set[str]) -> set[str]:
        """The stale devices left for the next redraws, so that one reads READS_PER_FLUSH:
        ended jobs and the selected device first, then the longest unread."""
        if len(due) <= READS_PER_FLUSH:
            return set()
        order = sorted(
            due,
            key=lambda d: (
                d not in self._read_now,
                d != self.selected,
                self._read_at.get(d, 0.0),
                d,
            ),
        )
        return set(order[READS_PER_FLUSH:])

    def _show_progress(self, device_id: str) -> None:
        """Progress alone: the card's bar and step line, and the panel's if shown."""
        view = self.views.get(device_id)
        if view is None:
            return
        card = self.cards.get(device_id)
        if card is not None:
            card.show_progress(view, self.lang)
        if device_id == self.selected:
            self.panel.show_progress(view, self.lang)

    def select(self, device_id: str) -> None:
        previous = self.cards.get(self.selected or "")
        if previous is not None:
            previous.set_selected(False)
        self.selected = device_id
        view = self._view(device_id)
        card = self.cards.get(device_id)
        if card is not None:
            card.set_selected(True)
        self.panel.show_view(view, self.lang, full=True)

    # -- jobs --------------------------------------------------------------------------------

    def do_action(self, device_id: str, action: str) -> None:
        self.select(device_id)
        view = self.views.get(device_id)
        if view is None:
            return
        if self.laptop_agents.take_action(view, action):
            return  # a laptop on the stick: its erasure goes through its agent
        try:
            if action in (Action.START, Action.RESTART) and view.device.kind in COMPUTER_KINDS:
                view.replugged_after_block = False
                self.journey.run_stage(view, self.lang)  # its jobs run on its docked disks
            elif action in (Action.START, Action.RESTART):
                view.replugged_after_block = False
                self.journey.start_job(device_id, self.lang)  # a regrade asks an approval
            elif action == Action.RESUME and view.job is not None:
                self.station.resume_job(view.job.id)
            elif action == Action.HELP:
                message = view.job.message if view.job else None
                self._open_help(block_help(view.block, message, self.lang, self))
            elif action == Action.PLUG_HELP:
                help_dialog = plug_help(
                    view.device.kind, self.lang, self, address=view.network_address
                )
                self._open_help(help_dialog)
            elif action == Action.REPLUG:
                self._sim_replug(device_id)
            elif action == Action.STAGE:
                self.journey.run_stage(view, self.lang)
            elif action in tuple(Other):
                self.journey.run_other(view, action, self.lang)
        except BenchError as exc:
            self._show_error(exc)
        self._view(device_id)
        self._mark(device_id, full=True)
        self._flush(full=True)
        if action == Action.SHOW:
            self.panel.reveal_results()
        elif action in (Action.WATCH, Action.ANSWER):
            self.panel.reveal_step()

    def _open_help(self, dialog: HelpDialog) -> None:
        self.help_dialog = dialog
        dialog.open()

    def _on_job_state(self, job_id: str, device_id: str, state: str) -> None:
        if self._shut_down:  # late queued signals after the station closed
            return
        view = self.views.get(device_id) or self._view(device_id)
        if view is None:
            return
        job_state = JobState(state)
        current = self.station.engine.job_for_device(device_id)
        if not job_state.active and current is not None and current.id != job_id:
            return  # a late word of an earlier job: the device's running job speaks for it
        running = self.station.engine.job(job_id)
        view.live_state = job_state if job_state.active else None
        view.message = running.message if running is not None else None
        if running is not None and job_state.active:
            view.purpose = running.spec.pipeline.purpose  # its words: "Installation…", not a check
        if not job_state.active:
            view.prompt = None
            view.step = None
            view.job = self._latest_job(device_id)
            if job_state is JobState.FAILED and view.job is not None:
                texts = failure_texts(self.station.store, view.job)  # the card's short form
                view.message = texts[0] if texts else view.message
            self._stale.add(device_id)  # its journey moved on: re-read at the next redraw
            self._read_now.add(device_id)
            computer = view.device.kind in COMPUTER_KINDS  # its card stays: it is never plugged
            if (
                not computer
                and not view.connected
                and not self._keeps_card(view)
                and device_id in self.cards
            ):
                self._remove_card(device_id)
                return
        self._mark(device_id, full=not job_state.active)

    def _on_job_progress(self, job_id: str, device_id: str, fraction: float) -> None:
        if self._shut_down:  # late queued signals after the station closed
            return
        view = self.views.get(device_id)
        running = self.station.engine.job(job_id)
        if view is None or running is None:
            return
        view.fraction = running.fraction
        view.step = running.step_title
        view.message = running.message
        self._progress_dirty.add(device_id)

    def _on_job_prompt(self, job_id: str, device_id: str, waiting: bool) -> None:
        if self._shut_down:  # late queued signals after the station closed
            return
        view = self.views.get(device_id)
        if view is None:
            return
        running = self.station.engine.job(job_id)
        view.prompt = running.prompt if running is not None and waiting else None
        self._dirty.add(device_id)
        if view.prompt is not None and self.selected is None:
            self.select(device_id)

    def shutdown(self) -> None:
        """Stops every job (recorded as interrupted, so resumable) while events still flow,
        then detaches from the station. Safe to call twice."""
        if self._shut_down:
            return
        self._shut_down = True
        self._redraw_timer.stop()
        self._labels_timer.stop()
        self.batch_bar.halt()  # no batch starts an installation on a closing station
        # The windows opened from it go with the station: none stays reading a closed one.
        self.workshop_menu.close_views()
        for widget in [self.search_results, *self.device_pages.values()]:
            if widget is not None and alive(widget):
                widget.close()
        self.station.engine.shutdown()
        self.laptop_agents.close()  # links with laptops on the stick, their workers
        self.batch_bar.wait()
        self._close_classroom()
        self.bridge.detach()
        app = QApplication.instance()
        if isinstance(app, QApplication):
            accessibility.unroute_keys(app, self._scanner)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.shutdown()
        super().closeEvent(event)

    def _on_answer(self, prompt: Prompt, key: str) -> None:
        if not prompt.answered:
            prompt.answer(key)

    def _on_cancel(self, job_id: str) -> None:
        def cancel() -> None:
            self.station.cancel_job(job_id)

        self.stop_question = ask_to_stop(self, self.tr("You can resume it later."), cancel)

    def _on_abandon(self, job_id: str) -> None:
        def abandon() -> None:
            try:
                self.station.abandon_job(job_id)
            except BenchError as exc:
                self._show_error(exc)

        self.stop_question = ask_to_stop(self, self.tr("It can no longer be resumed."), abandon)

    def _on_lot_chosen(self, device_id: str, lot_id: str) -> None:
        self.station.attach_to_lot(device_id, lot_id)

    # -- intake and search --------------------------------------------------------------------

    def open_intake(self) -> None:
        dialog = IntakeDialog(self.station, self.lang, self)
        dialog.exec()
        if dialog.registered:
            self.select_device_card(dialog.registered[-1].id)

    def select_device_card(self, device_id: str) -> None:
        """Shows a device even when it is not plugged in (a card for it appears)."""
        view = self._view(device_id)
        if view is None:
            return
        if device_id not in self.cards:
            self._add_card(view)
        self.select(device_id)
        self._dirty.add(device_id)
        self._update_status()

    def set_tcp_source(self, source: TcpPhoneSource | None) -> None:
        """Phones over Wi-Fi are offered once their source is there."""
        self.tcp_source = source
        self.retranslate()

    def add_network_phone(self) -> NetworkPhoneDialog | None:
        """Opens the dialog that asks a phone's Wi-Fi debugging address (HOST:PORT), tries
        it, and watches the phone once it answered."""
        if self.tcp_source is None or self.adb_signer is None:
            return None
        signer = self.adb_signer

        def reach(target: AdbTarget) -> PhoneState:
            return reach_phone(target, signer)

        dialog = NetworkPhoneDialog(reach, self.lang, self)
        dialog.accepted.connect(partial(self._watch_network_phone, dialog))
        self.network_dialog = dialog
        dialog.open()
        return dialog

    def _watch_network_phone(self, dialog: NetworkPhoneDialog) -> None:
        if dialog.target is not None and self.tcp_source is not None:
            self.tcp_source.add(dialog.target.host, dialog.target.port)

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def _on_search(self) -> None:
        text = self.search.text().strip()
        if not text:
            return
        try:
            results = self.station.search(text)  # code, label address, serial, IMEI, words
        except BenchError as exc:
            self.show_search_error(exc)
            self.search.selectAll()
            return
        self.search_error.setVisible(False)
        self.search.clear()
        show_results(self, results, text)

    def show_search_error(self, exc: BenchError) -> None:
        """Says why a typed code found nothing, on a line floating under the bar, wrapped;
        it goes when the operator types again."""
        self.search_error.setText(exc.short.get(self.lang))
        self._place_search_error()
        self.search_error.setVisible(True)
        self.search_error.raise_()
        self._search_error_timer.start()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is getattr(self, "top_bar", None) and event.type() in (
            QEvent.Type.Move,
            QEvent.Type.Resize,
        ):
            self._place_search_error()
        return super().eventFilter(watched, event)

    def _place_search_error(self) -> None:
        if not hasattr(self, "top_bar"):
            return  # a resize while the window is still being built
        central = self.centralWidget()
        if central is None:
            return
        width = central.width()
        height = self.search_error.heightForWidth(width)
        top = self.top_bar.geometry().bottom() + 1
        self.search_error.setGeometry(0, top, width, max(height, 0))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._place_search_error()

    # -- training ----------------------------------------------------------------------------

    def _build_sim_menu(self) -> None:
        if self.simulator is None:
            return
        menu = QMenu(self)
        self._add_scenario_menu(menu)
        phones = menu.addMenu(self.tr("Plug in a phone"))
        cases = {
            "frp-locked": self.tr("locked by a Google account"),
            "mdm-enrolled": self.tr("managed by a company (MDM)"),
            "worn-battery": self.tr("worn battery"),
            "rooted": self.tr("rooted, bootloader unlocked"),
            "unauthorized": self.tr("never allows this station"),
            "unplugged-mid-command": self.tr("unplugged during a command"),
            "slow": self.tr("very slow"),
            "garbage": self.tr("answers nonsense"),
            "silent": self.tr("does not answer"),
        }
        for name in list_models():
            props = load_persona(name).props
            brand = brand_name(props.get("ro.product.brand", ""))
            label = f"{brand} {props.get('ro.product.model', '')} · Android {props.get('ro.build.version.release', '?')}"
            phones.addAction(label, partial(self._sim_add_adb_phone, name))
        special = phones.addMenu(self.tr("Hard cases"))
        for name, label in cases.items():
            special.addAction(label, partial(self._sim_add_adb_phone, name))
        menu.addAction(self.tr("Complete phone (installation)"), self._sim_add_handset)
        iphones = menu.addMenu(self.tr("Plug in an iPhone"))
        for name in list_iphone_personas():
            iphone = load_iphone_persona(name)
            label = f"{marketing_name(iphone.product_type)} · iOS {iphone.values['ProductVersion']}"
            if iphone.caption is not None:
                label += f" — {iphone.caption.get(self.lang)}"
            iphones.addAction(label, partial(self._sim_add_iphone, name))
        drives = menu.addMenu(self.tr("Plug in a drive"))
        for drive_behaviour, label in (
            (DriveBehaviour.HEALTHY, self.tr("healthy")),
            (DriveBehaviour.FAILING, self.tr("failing")),
            (DriveBehaviour.END_OF_LIFE, self.tr("at the end of its life (SMART failed)")),
            (DriveBehaviour.SLOW, self.tr("slow")),
            (DriveBehaviour.UNPLUGGED_MID_ERASURE, self.tr("unplugged during the erasure")),
        ):
            sub = drives.addMenu(label)
            for drive in DRIVE_PERSONAS:
                sub.addAction(
                    f"{drive.brand} {drive.model}",
                    partial(self._sim_add_drive, drive.name, drive_behaviour),
                )
        menu.addSeparator()
        menu.addAction(self.tr("Unplug the selected device"), self._sim_unplug)
        menu.addAction(self.tr("Plug the selected device back in"), self._sim_replug)
        menu.addAction(self.tr("Show the simulated phone"), self._sim_show_handset)
        self.sim_button.setMenu(menu)
        self._sim_menu = menu

    def _sim_add_adb_phone(self, persona: str) -> None:
        if self.simulator is not None:
            self.simulator.add_adb_phone(persona)

    def _sim_add_iphone(self, persona: str) -> None:
        if self.simulator is not None:
            try:
                self.simulator.add_iphone(persona)
            except ValueError:  # that one is plugged in already
                return

    def _sim_add_handset(self) -> None:
        """A whole phone (Android, bootloader, recovery) whose keys the trainee presses."""
        if self.simulator is not None:
            phone = self.simulator.add_handset("fairphone-4", operator="person")
            self.show_handset(phone.key)

    def _sim_show_handset(self) -> None:
        key = self._sim_key(self.selected)
        if key is not None:
            self.show_handset(key)

    def show_handset(self, key: str) -> HandsetPanel | None:
        """Opens (or brings forward) the screen and keys of the simulated handset `key`."""
        handset = self.simulator.handset(key) if self.simulator is not None else None
        if handset is None:
            return None
        panel = self.handset_panels.get(key)
        if panel is None or not panel.isVisible():
            panel = HandsetPanel(handset, self)
            self.handset_panels[key] = panel
            panel.place_beside(self.panel)
        panel.show()
        panel.raise_()
        return panel

    def set_training(self, on: bool) -> None:
        """Switches training mode: simulated devices come (or go) and the banner follows."""
        if on == (self.simulator is not None and self.station.training):
            return
        self.search_error.setVisible(False)  # about the class's codes: not the real screen's
        if on:
            self.station.training = True
            # Training phones are simulated ADB phones: they need the station's key.
            if self.adb_signer is None:
                self.adb_signer = station_signer(self.station.folder)
            self.simulator = SimulatedSource(
                SimulationMode.TRAINING,
                adb_signer=self.adb_signer,
                drive_folder=training_drive_folder(self.station.folder),
            )
            self.station.attach_source(self.simulator)
            self.classroom = Classroom(self.simulator)
            self.classroom.seeder = partial(seed_scenario, self.station)
            self.play_scenario("decouverte")
        else:
            for panel in self.handset_panels.values():
                panel.close()
            self.handset_panels.clear()
            self._close_classroom()
            # The class's jobs stop now, recorded as interrupted (resumable), rather than
            # when each one finds its simulated phone gone.
            for device_id in [d for d, v in self.views.items() if v.device.training]:
                job = self.station.engine.job_for_device(device_id)
                if job is not None:
                    job.cancel(station_stopping=True)
            if self.simulator is not None:
                self.station.detach_source(self.simulator)
            self.simulator = None
            self.station.training = False
            # Their cards go now; late presence signals of these devices are ignored.
            for device_id in [d for d, v in self.views.items() if v.device.training]:
                self.views[device_id].can_replug = False
                if device_id in self.cards:
                    self._remove_card(device_id)
        self.banner.setVisible(on)
        self.sim_button.setVisible(on)
        self.training_toggle.blockSignals(True)
        self.training_toggle.setChecked(on)
        self.training_toggle.blockSignals(False)
        self.retranslate()
        if not on and self.station.operator == TRAINEE:
            self.ask_operator(required=True)  # real facts are not signed by the trainee

    def _add_scenario_menu(self, menu: QMenu) -> None:
        """« Scénarios »: one entry per classroom set, the one playing ticked; the reset; the
        printed labels."""
        scenarios_menu = menu.addMenu(self.tr("Scenarios"))
        self._scenario_menu = scenarios_menu
        try:
            scenarios = load_scenarios()
        except BenchError as exc:  # a broken scenario file: said in the menu, none played
            broken = scenarios_menu.addAction(exc.message.get(self.lang))
            broken.setEnabled(False)
            scenarios = []
        playing = self.classroom.scenario if self.classroom is not None else None
        for scenario in scenarios:
            action = scenarios_menu.addAction(
                scenario.title.get(self.lang), partial(self.play_scenario, scenario)
            )
            action.setToolTip(scenario.summary.get(self.lang))
            action.setCheckable(True)
            action.setChecked(playing is not None and playing.name == scenario.name)
        scenarios_menu.setToolTipsVisible(True)
        menu.addAction(self.tr("Reset the class"), self.reset_class)
        menu.addAction(self.tr("Printed labels"), self.open_printed_labels)
        menu.addSeparator()

    def play_scenario(self, scenario: Scenario | str) -> None:
        """Takes the classroom devices away (their cards go) and plugs in those of
        `scenario` (or its name); the class printer becomes the station's printer."""
        if self.classroom is None:
            return
        self._retire_classroom_cards()
        try:
            self.classroom.play(scenario)
        except BenchError as exc:
            self._show_error(exc)
        self._take_in_laptops()
        self._class_printer_ready()

    def reset_class(self) -> None:
        """« Remettre la classe à zéro »: the same scenario again, with fresh devices (new
        serials, drives full of the donor's data); nothing recorded is deleted."""
        if self.classroom is None:
            return
        self._retire_classroom_cards()
        try:
            self.classroom.reset()
        except BenchError as exc:
            self._show_error(exc)
        self._take_in_laptops()
        self._class_printer_ready()

    def _take_in_laptops(self) -> None:
        """The scenario's donated laptops, taken in as at intake (once: the same serial is
        the same laptop); their cards come, their disks are docked."""
        if self.classroom is None or self.classroom.scenario is None:
            return
        self.laptop_agents.show_class_laptops(self.classroom.stick_laptops)
        for laptop in donated_laptops(self.classroom.scenario, self.classroom.round):
            try:
                device = self.station.intake_device(
                    DeviceKind.LAPTOP,
                    brand=laptop.brand,
                    model=laptop.model,
                    serial=laptop.serial,
                    same_device=True,
                )
            except BenchError as exc:
                self._show_error(exc)
                continue
            self._class_laptops.add(device.id)
            view = self._view(device.id)
            if view is not None and device.id not in self.cards:
                self._add_card(view)
        self._update_status()

    def _retire_classroom_cards(self) -> None:
        """The cards of the classroom devices go now; their running checks are cancelled."""
        known = {d.key for d in self.simulator.known()} if self.simulator is not None else set()
        keys = self.station.known_keys()
        for key, device_id in keys.items():
            if key not in known:
                continue
            self._retired.add(device_id)
            running = self.station.engine.job_for_device(device_id)
            if running is not None:
                self.station.cancel_job(running.id)
            if device_id in self.cards:
                self._remove_card(device_id)
        for device_id in self._class_laptops:
            if device_id in self.cards:
                self._remove_card(device_id)
        self._class_laptops.clear()
        self.laptop_agents.retire_class()  # the class's laptops on the stick

    def _class_printer_ready(self) -> None:
        if self.classroom is not None:
            self.classroom.install_printer(self.station.folder)
        self._build_sim_menu()

    def _close_classroom(self) -> None:
        classroom, self.classroom = self.classroom, None
        self.laptop_agents.retire_class()
        if classroom is not None:
            classroom.close()
            classroom.remove_printer(self.station.folder)
        if self.labels_dialog is not None:
            self.labels_dialog.close()

    def open_printed_labels(self) -> PrintedLabelsDialog | None:
        """Opens (or brings forward) the pictures of the labels the class printer printed."""
        if self.classroom is None:
            return None
        dialog = self.labels_dialog
        if dialog is None:
            dialog = PrintedLabelsDialog(self.classroom.labels, self)
            self.labels_dialog = dialog
        dialog.refresh()
        dialog.show()
        dialog.raise_()
        return dialog

    def _watch_class_printer(self) -> None:
        if self.classroom is None or self._shut_down:
            return
        if QApplication.activeModalWidget() is not None:
            # The print dialog is still open (and modal): a picture over it could be neither
            # closed nor moved, and would hide its buttons. It comes once that dialog closes.
            return
        count = len(self.classroom.labels())
        if count > self._labels_seen:
            self._labels_seen = count
            self.open_printed_labels()

    def _sim_add_drive(self, persona: str, behaviour: DriveBehaviour) -> None:
        if self.simulator is not None:
            self.simulator.add_drive(persona, behaviour)

    def _sim_key(self, device_id: str | None) -> str | None:
        """The key of the simulated device that carries this record (plugged in or not)."""
        if self.simulator is None or device_id is None:
            return None
        simulated = {d.key for d in self.simulator.known()}
        handle = self.station.handle(device_id)
        if handle is not None:
            return handle.key if handle.key in simulated else None
        # Unplugged: find the simulated device that carried this record.
        for key, known_id in self.station.known_keys().items():
            if known_id == device_id and key in simulated:
                return key
        return None

    def _sim_unplug(self) -> None:
        key = self._sim_key(self.selected)
        if key is not None and self.simulator is not None:
            self.simulator.unplug(key)

    def _sim_replug(self, device_id: str | None = None) -> None:
        """Plugs a simulated device back in: the one of `device_id` (its card's button), else
        the selected one (the menu)."""
        key = self._sim_key(device_id or self.selected)
        if key is not None and self.simulator is not None:
            self.simulator.replug(key)

    # -- status ------------------------------------------------------------------------------

    def _update_status(self) -> None:
        agents = self.laptop_agents.pending
        self.empty_hint.setVisible(not self.cards and not self.pending_cards and not agents)
        plugged = len(self.station.connected_device_ids())
        purposes = [job.spec.pipeline.purpose for job in self.station.engine.active()]
        erasing = purposes.count(Purpose.ERASES)
        installing = purposes.count(Purpose.INSTALLS)
        checking = len(purposes) - erasing - installing
        waiting = sum(1 for v in self.views.values() if v.prompt is not None)
        name = self.station.settings.station_name.strip()
        text = f"{name} · " if name else ""
        text += self.tr("%n device(s) plugged in", "", plugged)
        # Each job under way named by what it does: an installation is not "un contrôle".
        if checking or not purposes:
            text += " · " + self.tr("%n check(s) running", "", checking)
        if erasing:
            text += " · " + self.tr("%n erasure(s) running", "", erasing)
        if installing:
            text += " · " + self.tr("%n installation(s) running", "", installing)
        if waiting:
            text += " · " + self.tr("%n answer(s) awaited", "", waiting)
        self.status.setText(text)

    def _show_error(self, exc: BenchError) -> None:
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle(self.tr("Not possible"))
        box.setText(exc.short.get(self.lang))
        box.addButton(QMessageBox.StandardButton.Ok)
        more = box.addButton(self.tr("Learn more"), QMessageBox.ButtonRole.HelpRole)
        more.clicked.connect(partial(self._explain, exc))
        box.open()

    def _explain(self, exc: BenchError) -> None:
        """The full message and what to do, behind "Learn more"."""
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Information)
        box.setWindowTitle(self.tr("Not possible"))
        box.setText(exc.message.get(self.lang))
        box.setInformativeText(exc.action.get(self.lang))
        box.open()


class ScannerRedirect(QObject):
    """A barcode scanner types like a keyboard: keystrokes that land outside a text field
    go to the code search instead, so scanning works whatever has the focus."""

    _TEXT_WIDGETS = (QLineEdit, QTextEdit, QAbstractSpinBox, QComboBox)

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.KeyPress or not isinstance(event, QKeyEvent):
            return False
        if QApplication.activeModalWidget() is not None:
            return False
        # The key goes to `watched` (the focused widget): leave typing in fields alone.
        if not isinstance(watched, QWidget) or isinstance(watched, self._TEXT_WIDGETS):
            return False
        if watched.window() is not self.window:
            return False
        text = event.text()
        if (
            not text
            or not text.isprintable()
            or event.modifiers()
            & (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier)
        ):
            return False
        self.window.search.setFocus()
        self.window.search.setText(self.window.search.text() + text)
        return True
