"""The main window: a grid of device cards, the device panel, intake and code search."""

from __future__ import annotations

import logging
from functools import partial

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QCloseEvent, QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QHBoxLayout,
    QInputDialog,
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

from bench_app.devices.android.tcp_source import TcpPhoneSource
from bench_app.domain.model import JobState
from bench_app.errors import BenchError
from bench_app.jobs.prompt import Prompt
from bench_app.simulators.adb_phone import list_models, load_persona
from bench_app.simulators.docked_drive import DRIVE_PERSONAS, DriveBehaviour, training_drive_folder
from bench_app.simulators.mode import SimulationMode
from bench_app.simulators.source import PHONE_PERSONAS, Behaviour, SimulatedSource
from bench_app.station import Station
from ui.bridge import StationBridge
from ui.device_card import DeviceCard
from ui.device_panel import DevicePanel
from ui.device_view import Action, DeviceView, failure_texts
from ui.flow_layout import FlowLayout
from ui.icons import app_icon
from ui.intake_dialog import IntakeDialog
from ui.pending_card import PendingCard

log = logging.getLogger(__name__)


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
        self.tcp_source: TcpPhoneSource | None = None
        self._switch_language = switch_language
        self._shut_down = False
        self.views: dict[str, DeviceView] = {}
        self.cards: dict[str, DeviceCard] = {}
        self.pending_cards: dict[str, PendingCard] = {}
        self.selected: str | None = None
        self.bridge = StationBridge(station, self)
        self.setWindowIcon(app_icon())
        self.resize(1280, 800)

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
        bar.setContentsMargins(16, 8, 16, 8)
        self.app_title = QLabel("Établi")
        self.app_title.setObjectName("AppTitle")
        bar.addWidget(self.app_title)
        bar.addSpacing(24)
        search_box = QVBoxLayout()
        search_box.setSpacing(2)
        self.search = QLineEdit()
        self.search.setObjectName("CodeSearch")
        self.search.setClearButtonEnabled(True)
        self.search.returnPressed.connect(self._on_search)
        self.search_error = QLabel()
        self.search_error.setObjectName("SearchError")
        self.search_error.setVisible(False)
        search_box.addWidget(self.search)
        search_box.addWidget(self.search_error)
        bar.addLayout(search_box, 1)
        self.intake_button = QPushButton()
        self.intake_button.setObjectName("BigAction")
        self.intake_button.clicked.connect(self.open_intake)
        bar.addWidget(self.intake_button)
        self.network_button = QPushButton()
        self.network_button.clicked.connect(self.add_network_phone)
        self.network_button.setVisible(False)  # shown once a TCP source is given
        bar.addWidget(self.network_button)
        self.printers_button = QPushButton()
        self.printers_button.clicked.connect(self.open_printers)
        bar.addWidget(self.printers_button)
        self.training_toggle = QPushButton()
        self.training_toggle.setCheckable(True)
        self.training_toggle.setChecked(station.training)
        self.training_toggle.toggled.connect(self.set_training)
        bar.addWidget(self.training_toggle)
        self.sim_button = QToolButton()
        self.sim_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.sim_button.setVisible(simulator is not None)
        bar.addWidget(self.sim_button)
        self.language = QComboBox()
        self.language.addItem("Français", "fr")
        self.language.addItem("English", "en")
        self.language.setCurrentIndex(0 if lang == "fr" else 1)
        self.language.activated.connect(self._on_language)
        bar.addWidget(self.language)
        outer.addWidget(top)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(12, 12, 12, 12)
        self.empty_hint = QLabel()
        self.empty_hint.setObjectName("EmptyHint")
        self.empty_hint.setWordWrap(True)
        self.empty_hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        left_layout.addWidget(self.empty_hint)
        self.grid_host = QWidget()
        self.grid = FlowLayout(self.grid_host)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.grid_host)
        left_layout.addWidget(scroll, 1)
        splitter.addWidget(left)
        self.panel = DevicePanel(station)
        splitter.addWidget(self.panel)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        outer.addWidget(splitter, 1)
        self.status = QLabel()
        self.statusBar().addWidget(self.status, 1)

        # Queued even from the main thread: the window never runs inside a core callback.
        queued = Qt.ConnectionType.QueuedConnection
        self.bridge.device_changed.connect(self._on_device_changed, queued)
        self.bridge.presence_changed.connect(self._on_presence, queued)
        self.bridge.job_state.connect(self._on_job_state, queued)
        self.bridge.job_progress.connect(self._on_job_progress, queued)
        self.bridge.job_prompt.connect(self._on_job_prompt, queued)
        self.bridge.pending_changed.connect(self._on_pending, queued)
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
        if app is not None:
            app.installEventFilter(self._scanner)

        # Progress arrives often; redraw at most ~12 times a second.
        self._dirty: set[str] = set()
        self._full_dirty: set[str] = set()
        self._stale: set[str] = set()  # devices whose records changed since the last redraw
        self._redraw_timer = QTimer(self)
        self._redraw_timer.setInterval(80)
        self._redraw_timer.timeout.connect(self._flush)
        self._redraw_timer.start()

        self._build_sim_menu()
        self.retranslate()
        for device_id in station.connected_device_ids():
            self._on_presence(device_id, True)
        self.focus_search()

    # -- texts -------------------------------------------------------------------------------

    def retranslate(self) -> None:
        self.setWindowTitle(
            self.tr("Établi — refurbishing bench")
            + (" — " + self.tr("TRAINING") if self.station.training else "")
        )
        self.banner.setText(
            self.tr("TRAINING MODE — simulated devices, nothing here is real or sent anywhere")
        )
        self.search.setPlaceholderText(self.tr("Scan or type a device code (e.g. ABCD-2345-X)"))
        self.intake_button.setText(self.tr("Intake of a donation"))
        self.sim_button.setText(self.tr("Simulated devices"))
        self.training_toggle.setText(self.tr("Training mode"))
        self.network_button.setText(self.tr("Phone over Wi-Fi…"))
        self.printers_button.setText(self.tr("Printers…"))
        self.network_button.setVisible(self.tcp_source is not None)
        self.training_toggle.setToolTip(
            self.tr("Simulated devices for a demonstration; their records are marked as training")
        )
        self.empty_hint.setText(
            self.tr("Plug in a phone or a drive to begin.\nIt will appear here.")
        )
        self._build_sim_menu()
        for device_id in self.views:
            self._dirty.add(device_id)
        self._flush(full=True)
        self._update_status()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange and not self._shut_down:
            self.retranslate()
        super().changeEvent(event)

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
        view.connected = self.station.handle(device_id) is not None
        view.job = self.station.latest_job(device_id)
        running = self.station.engine.job_for_device(device_id)
        if running is None:
            view.live_state = None
            view.prompt = None
            if view.job is not None and view.job.state is JobState.FAILED:
                texts = failure_texts(self.station.store, view.job)  # the card's short form
                view.message = texts[0] if texts else None
        return view

    def _on_presence(self, device_id: str, plugged: bool) -> None:
        if self._shut_down:  # late queued signals after the station closed
            return
        view = self._view(device_id)
        if view is None:
            return
        view.connected = plugged
        if device_id not in self.cards:
            self._add_card(view)
            if self.selected is None:
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
            self.grid.addWidget(card)
            if self.selected is None:
                self.select_pending(key)
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
        card = DeviceCard(view, self.lang)
        card.selected.connect(self.select)
        card.action.connect(self.do_action)
        self.cards[view.device.id] = card
        self.grid.addWidget(card)

    def _keeps_card(self, view: DeviceView) -> bool:
        """An unplugged device keeps its card while its job needs it back (to resume)."""
        state = view.state
        return bool(state and (state.active or state.resumable))

    def _remove_card(self, device_id: str) -> None:
        card = self.cards.pop(device_id)
        self.grid.removeWidget(card)
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
            self._stale.add(device_id)
            self._mark(device_id, full=True)

    def _mark(self, device_id: str, *, full: bool = False) -> None:
        """Schedules a redraw; `full` also reloads the panel's results and history."""
        self._dirty.add(device_id)
        if full:
            self._full_dirty.add(device_id)

    def _flush(self, full: bool = False) -> None:
        if self._shut_down:  # late queued signals after the station closed
            return
        if not self._dirty:
            return
        dirty, self._dirty = self._dirty, set()
        full_ids, self._full_dirty = self._full_dirty, set()
        stale, self._stale = self._stale, set()
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
        try:
            if action == Action.START:
                self.station.start_job(device_id)
            elif action == Action.RESUME and view.job is not None:
                self.station.resume_job(view.job.id)
        except BenchError as exc:
            self._show_error(exc)
        self._view(device_id)
        self._mark(device_id, full=True)

    def _on_job_state(self, job_id: str, device_id: str, state: str) -> None:
        if self._shut_down:  # late queued signals after the station closed
            return
        view = self.views.get(device_id) or self._view(device_id)
        if view is None:
            return
        job_state = JobState(state)
        running = self.station.engine.job(job_id)
        view.live_state = job_state if job_state.active else None
        view.message = running.message if running is not None else None
        if not job_state.active:
            view.prompt = None
            view.step = None
            view.job = self.station.latest_job(device_id)
            if job_state is JobState.FAILED and view.job is not None:
                texts = failure_texts(self.station.store, view.job)  # the card's short form
                view.message = texts[0] if texts else view.message
            if not view.connected and not self._keeps_card(view) and device_id in self.cards:
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
        self._dirty.add(device_id)

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
        self.station.engine.shutdown()
        self.bridge.detach()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self._scanner)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.shutdown()
        super().closeEvent(event)

    def _on_answer(self, prompt: Prompt, key: str) -> None:
        if not prompt.answered:
            prompt.answer(key)

    def _on_cancel(self, job_id: str) -> None:
        self.station.cancel_job(job_id)

    def _on_abandon(self, job_id: str) -> None:
        try:
            self.station.abandon_job(job_id)
        except BenchError as exc:
            self._show_error(exc)

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

    def add_network_phone(self, address: str | None = None) -> bool:
        """Asks for a phone's address (Wi-Fi debugging: HOST:PORT) and watches it."""
        if self.tcp_source is None:
            return False
        if address is None:
            address, ok = QInputDialog.getText(
                self,
                self.tr("Phone over Wi-Fi"),
                self.tr(
                    "The phone's address, as shown in its Wireless debugging settings (e.g. 192.168.1.20:5555):"
                ),
            )
            if not ok:
                return False
        host, _, port = address.strip().rpartition(":")
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            self._show_error(BenchError("DEVICE_NO_ANSWER", detail=f"{address}: HOST:PORT"))
            return False
        self.tcp_source.add(host, int(port))
        return True

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def _on_search(self) -> None:
        text = self.search.text().strip()
        if not text:
            return
        try:
            device = self.station.find_by_code(text)
        except BenchError as exc:
            self.search_error.setText(exc.short.get(self.lang))
            self.search_error.setVisible(True)
            self.search.selectAll()
            return
        self.search_error.setVisible(False)
        self.search.clear()
        self.select_device_card(device.id)

    # -- training ----------------------------------------------------------------------------

    def _build_sim_menu(self) -> None:
        if self.simulator is None:
            return
        menu = QMenu(self)
        phones = menu.addMenu(self.tr("Plug in a phone"))
        if self.simulator.adb_signer is not None:
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
                label = f"{props.get('ro.product.brand', '')} {props.get('ro.product.model', '')} · Android {props.get('ro.build.version.release', '?')}"
                phones.addAction(label, partial(self._sim_add_adb_phone, name))
            special = phones.addMenu(self.tr("Hard cases"))
            for name, label in cases.items():
                special.addAction(label, partial(self._sim_add_adb_phone, name))
        else:
            behaviours = {
                Behaviour.HEALTHY: self.tr("healthy"),
                Behaviour.FAILING_BATTERY: self.tr("failing battery"),
                Behaviour.LOCKED: self.tr("locked by a Google account"),
                Behaviour.UNPLUGGED_MID_STEP: self.tr("unplugged during a step"),
                Behaviour.SLOW: self.tr("slow"),
            }
            for behaviour, label in behaviours.items():
                sub = phones.addMenu(label)
                for persona in PHONE_PERSONAS:
                    sub.addAction(
                        f"{persona.brand} {persona.model}",
                        partial(self._sim_add_phone, persona.name, behaviour),
                    )
        drives = menu.addMenu(self.tr("Plug in a drive"))
        for drive_behaviour, label in (
            (DriveBehaviour.HEALTHY, self.tr("healthy")),
            (DriveBehaviour.FAILING, self.tr("failing")),
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
        self.sim_button.setMenu(menu)
        self._sim_menu = menu

    def _sim_add_adb_phone(self, persona: str) -> None:
        if self.simulator is not None:
            self.simulator.add_adb_phone(persona)

    def set_training(self, on: bool) -> None:
        """Switches training mode: simulated devices come (or go) and the banner follows."""
        if on == (self.simulator is not None and self.station.training):
            return
        if on:
            self.station.training = True
            self.simulator = SimulatedSource(
                SimulationMode.TRAINING,
                adb_signer=self.adb_signer,
                drive_folder=training_drive_folder(self.station.folder),
            )
            self.station.attach_source(self.simulator)
            self.simulator.add_training_set()
        else:
            if self.simulator is not None:
                self.station.detach_source(self.simulator)
            self.simulator = None
            self.station.training = False
            for device_id in [d for d, v in self.views.items() if v.device.training]:
                if device_id in self.cards:
                    self._remove_card(device_id)
        self.banner.setVisible(on)
        self.sim_button.setVisible(on)
        self.training_toggle.blockSignals(True)
        self.training_toggle.setChecked(on)
        self.training_toggle.blockSignals(False)
        self.retranslate()

    def _sim_add_phone(self, persona: str, behaviour: Behaviour) -> None:
        if self.simulator is not None:
            self.simulator.add_phone(persona, behaviour)

    def _sim_add_drive(self, persona: str, behaviour: DriveBehaviour) -> None:
        if self.simulator is not None:
            self.simulator.add_drive(persona, behaviour)

    def _selected_sim_key(self) -> str | None:
        if self.simulator is None or self.selected is None:
            return None
        handle = self.station.handle(self.selected)
        if handle is not None:
            return handle.key if handle.key in {d.key for d in self.simulator.known()} else None
        # Unplugged: find the simulated device that carried this record.
        for key, device_id in self.station.known_keys().items():
            if device_id == self.selected and key in {d.key for d in self.simulator.known()}:
                return key
        return None

    def _sim_unplug(self) -> None:
        key = self._selected_sim_key()
        if key is not None and self.simulator is not None:
            self.simulator.unplug(key)

    def _sim_replug(self) -> None:
        key = self._selected_sim_key()
        if key is not None and self.simulator is not None:
            self.simulator.replug(key)

    # -- status ------------------------------------------------------------------------------

    def _update_status(self) -> None:
        self.empty_hint.setVisible(not self.cards and not self.pending_cards)
        plugged = len(self.station.connected_device_ids())
        running = len(self.station.engine.active())
        waiting = sum(1 for v in self.views.values() if v.prompt is not None)
        text = self.tr("%n device(s) plugged in", "", plugged)
        text += " · " + self.tr("%n check(s) running", "", running)
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
