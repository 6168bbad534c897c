"""Laptops started from the Établi stick, as cards of the window: an agent announced on the
network shows as a pending card (« Portable sur clé Établi »); the operator types the code
shown on the laptop's screen; the paired laptop becomes its device card, whose disks are
erased through the agent with a bar per disk, whose guided tests run on the laptop's screen
(answered there or at the station's small window) and whose system image is written and
read back through the agent.

This is the window's controller of those laptops (the cards are in laptop_agent_cards.py,
the dialogs and words in laptop_agent_dialogs.py and laptop_agent_steps.py). Every network
exchange (discovery, pairing, erasure, tests, system) runs on a worker thread: the window
only receives ids and numbers through queued signals. One LaptopSession per paired laptop,
closed when its card goes or the window closes."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QDialog

from bench_app.devices.laptop.client import LaptopSession
from bench_app.devices.laptop.discovery import SeenAgent
from bench_app.diagnostics.laptop_guided import LaptopTest
from bench_app.errors import BenchError
from bench_app.journey import Stage
from bench_app.laptop_erasure import erase_paired
from bench_app.laptop_system_image import unerased_disks, workshop_laptop_image, write_paired
from bench_app.laptop_tests import check_paired
from bench_app.laptops import record_described, show_asset
from bench_app.simulators.stick_laptop import IDENTITY as STICK_IDENTITY
from bench_app.simulators.stick_laptop import StickLaptop
from bench_app.store import queries
from bench_app.text import Text
from bench_app.workshop import station_label
from ui.device_card import DeviceCard
from ui.device_view import Action, DeviceView
from ui.journey_actions import Other
from ui.laptop_agent_cards import AgentPendingCard, LaptopAgentCard
from ui.laptop_agent_dialogs import (
    ADD_BY_ADDRESS,
    PENDING_TITLE,
    AddressDialog,
    EraseDisksDialog,
    PairingDialog,
)
from ui.laptop_agent_steps import TESTING, InstallSystemDialog, StationTestWindow

if TYPE_CHECKING:
    from ui.main_window import MainWindow

__all__ = ["ADD_BY_ADDRESS", "AgentLink", "LaptopAgents", "pending_key"]

ERASE_METHOD = "clear-zero"  # as `etabli laptop-erase` by default; every byte read back

# -- worker threads ----------------------------------------------------------------------


class _Worker(QObject):
    """Runs a piece of network work on its own thread; its outcome (a value or a
    BenchError) is taken on the main thread when `finished` arrives with its ticket."""

    finished = Signal(int)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._lock = threading.Lock()
        self._outcomes: dict[int, tuple[object, BenchError | None]] = {}
        self._next = 0
        self.threads: list[threading.Thread] = []

    def run(self, work: Callable[[], object]) -> int:
        with self._lock:
            self._next += 1
            ticket = self._next

        def body() -> None:
            value: object = None
            error: BenchError | None = None
            try:
                value = work()
            except BenchError as exc:
                error = exc
            except Exception as exc:  # never a traceback to the operator
                error = BenchError("PAIR_FAILED", detail=f"{type(exc).__name__}: {exc}"[:200])
            with self._lock:
                self._outcomes[ticket] = (value, error)
            self.finished.emit(ticket)

        thread = threading.Thread(target=body, name=f"laptop-agent-{ticket}", daemon=True)
        self.threads = [t for t in self.threads if t.is_alive()] + [thread]
        thread.start()
        return ticket

    def take(self, ticket: int) -> tuple[object, BenchError | None]:
        with self._lock:
            return self._outcomes.pop(ticket, (None, None))

    def join(self, timeout: float = 30) -> None:
        for thread in list(self.threads):
            thread.join(timeout)


class AgentWatch(QObject):
    """Agents announced on the network (DNS-SD through python-zeroconf), on zeroconf's own
    threads; each arrival and departure is a queued signal."""

    seen = Signal(str, str, str, str)  # agent id, address, brand, model
    gone = Signal(str)  # agent id

    def __init__(self, interface: str | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        from zeroconf import ServiceBrowser, ServiceListener, Zeroconf

        from bench_app.devices.laptop.discovery import SERVICE_TYPE, _zeroconf, seen_agent

        watch = self

        class _Listener(ServiceListener):
            def add_service(self, zc: Zeroconf, type_: str, name: str) -> None:
                # The browser's thread: blocking here does not hold the window.
                info = zc.get_service_info(type_, name, timeout=3000)
                agent = seen_agent(info) if info is not None else None
                if agent is not None:
                    watch.seen.emit(agent.agent_id, agent.address, agent.brand, agent.model)

            def update_service(self, zc: Zeroconf, type_: str, name: str) -> None:
                self.add_service(zc, type_, name)

            def remove_service(self, zc: Zeroconf, type_: str, name: str) -> None:
                watch.gone.emit(name.split(".", 1)[0])

        self._zc = _zeroconf(interface)
        self._browser = ServiceBrowser(self._zc, SERVICE_TYPE, _Listener())

    def close(self) -> None:
        self._browser.cancel()
        self._zc.close()


# -- the controller ----------------------------------------------------------------------


@dataclass
class AgentLink:
    """A paired laptop: its session (None once the link is lost), where it is, its disks'
    progress while erasing and how the last erasure ended."""

    agent_id: str
    address: str
    session: LaptopSession | None
    description: dict[str, Any]
    erasing: bool = False
    fractions: dict[str, float] = field(default_factory=dict)  # disk serial -> fraction
    # "erased", "not_erased", "interrupted" (the erasure), "tested", "test_interrupted",
    # "installed", "not_installed", "install_interrupted" ("" : none yet)
    outcome: str = ""
    testing: bool = False
    installing: bool = False
    step: Text | None = None  # the test running now, « Test 3 sur 8 : Clavier »
    image: tuple[str, float] = ("write", 0.0)  # the system's phase and its fraction

    @property
    def busy(self) -> bool:
        """Its agent is erasing, testing or writing: one thing at a time."""
        return self.erasing or self.testing or self.installing


class LaptopAgents(QObject):
    """The window's laptops on the stick: pending cards for agents seen, pairing, the
    paired laptops' sessions and their erasure. The last dialog opened stays reachable
    (`dialog`) for the window and tests."""

    progress = Signal(str)  # device id: its disks' fractions moved (coalesced)
    asked = Signal(int)  # a question for the station's test window (its ticket)
    answered_elsewhere = Signal(int)  # that question closed: answered, or the laptop did

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.worker = _Worker(self)
        self.worker.finished.connect(self._finished, Qt.ConnectionType.QueuedConnection)
        self.progress.connect(self._show_progress, Qt.ConnectionType.QueuedConnection)
        self.asked.connect(self._ask, Qt.ConnectionType.QueuedConnection)
        self.answered_elsewhere.connect(self._question_closed, Qt.ConnectionType.QueuedConnection)
        self.watch: AgentWatch | None = None
        self.seen: dict[str, SeenAgent] = {}
        self.class_codes: dict[str, str] = {}  # the class's laptops: agent id -> its code
        self.pending: dict[str, AgentPendingCard] = {}
        self.links: dict[str, AgentLink] = {}  # device id -> its link
        self.dialog: QDialog | None = None
        self._waiting: dict[int, Callable[[object, BenchError | None], None]] = {}
        self._lock = threading.Lock()
        self._progress_due: set[str] = set()
        self._closed = False
        # The station's answers to running tests: ticket -> (device, test, readings, answer).
        self._questions: dict[int, tuple[str, LaptopTest, dict[str, Any], queue.Queue[str]]] = {}
        self._next_question = 0
        self.test_window: StationTestWindow | None = None
        self._test_windows: dict[int, StationTestWindow] = {}

    # -- discovery ---------------------------------------------------------------------

    def start_discovery(self, interface: str | None = None) -> None:
        """Watches the network for agents (`interface`: one IPv4 address, loopback in
        tests); a network without multicast leaves only « par adresse »."""
        if self.watch is not None:
            return
        try:
            self.watch = AgentWatch(interface, self)
        except (OSError, ValueError):
            return  # no multicast here: « Ajouter un portable par adresse » still works
        self.watch.seen.connect(self.agent_seen, Qt.ConnectionType.QueuedConnection)
        self.watch.gone.connect(self._gone, Qt.ConnectionType.QueuedConnection)

    def agent_seen(self, agent_id: str, address: str, brand: str, model: str) -> None:
        """An agent announced itself (or the class started one): its pending card, unless
        it is paired already."""
        if self._closed:
            return
        agent = SeenAgent(agent_id, address, brand, model)
        self.seen[agent_id] = agent
        if agent_id in self.pending or self._paired_device(agent_id) is not None:
            return
        card = AgentPendingCard(agent, self.window.lang, self.class_codes.get(agent_id, ""))
        card.chosen.connect(self.open_pairing)
        self.pending[agent_id] = card
        self.window._place_card(pending_key(agent_id), card)
        self.window._update_status()

    def show_class_laptops(self, laptops: list[StickLaptop]) -> None:
        """The class's laptops on the stick (training): a pending card each, showing the
        code the laptop's screen would show."""
        for laptop in laptops:
            self.class_codes[laptop.agent_id] = laptop.code
            brand, model = STICK_IDENTITY["brand"], STICK_IDENTITY["model"]
            self.agent_seen(laptop.agent_id, laptop.address, brand, model)

    def retire_class(self) -> None:
        """The class's laptops go (another scenario, a reset): their cards and links too."""
        for agent_id in list(self.class_codes):
            self._gone(agent_id)
            for device_id, link in list(self.links.items()):
                if link.agent_id == agent_id and device_id in self.window.cards:
                    self.window._remove_card(device_id)
                elif link.agent_id == agent_id:
                    self.card_gone(device_id)
        self.class_codes.clear()

    def _gone(self, agent_id: str) -> None:
        self.seen.pop(agent_id, None)
        card = self.pending.pop(agent_id, None)
        if card is not None:
            self.window.grid.removeWidget(card)
            card.hide()
            card.deleteLater()
            self.window._update_status()

    def _paired_device(self, agent_id: str) -> str | None:
        return next(
            (d for d, link in self.links.items() if link.agent_id == agent_id and link.session),
            None,
        )

    # -- pairing ------------------------------------------------------------------------

    def open_pairing(self, agent_id: str) -> PairingDialog | None:
        """The code dialog for an agent seen on the network."""
        agent = self.seen.get(agent_id)
        if agent is None:
            return None
        name = f"{agent.brand} {agent.model}".strip()
        title = PENDING_TITLE.get(self.window.lang) + (f" — {name}" if name else "")
        return self._pairing_dialog(agent.address, title)

    def add_by_address(self) -> AddressDialog:
        """« Ajouter un portable par adresse… » : its address, then its code."""
        dialog = AddressDialog(self.window.lang, self.window)

        def chosen() -> None:
            self._pairing_dialog(dialog.chosen, PENDING_TITLE.get(self.window.lang))

        dialog.accepted.connect(chosen)
        self.dialog = dialog
        dialog.open()
        return dialog

    def _pairing_dialog(self, address: str, title: str) -> PairingDialog:
        dialog = PairingDialog(address, title, self.window.lang, self.window)
        dialog.code_given.connect(lambda code: self._pair(dialog, code))
        self.dialog = dialog
        dialog.open()
        dialog.code.setFocus()
        return dialog

    def _pair(self, dialog: PairingDialog, code: str) -> None:
        station = self.window.station
        address = dialog.address
        name = station_label(station.settings, station.store.station_id)

        def work() -> tuple[LaptopSession, dict[str, Any], dict[str, Any]]:
            session = LaptopSession.pair(address, code)
            try:
                description = session.ask("describe", station=name)
                record = record_described(station, description, address, station.operator)
                show_asset(session, str(record["asset_code"]))  # to write on the laptop
            except BaseException:
                session.close()
                raise
            return session, description, record

        def done(value: object, error: BenchError | None) -> None:
            if error is not None:
                dialog.refused(error)
                return
            assert isinstance(value, tuple)
            session, description, record = value
            if self._closed:
                session.close()
                return
            self._paired(session, description, record)
            dialog.accept()

        self._run(work, done)

    def _paired(
        self, session: LaptopSession, description: dict[str, Any], record: dict[str, Any]
    ) -> None:
        device_id = str(record["device_id"])
        agent_id = str(record["agent_id"])
        window = self.window
        if device_id in window.cards:
            window._remove_card(device_id)  # its old link closed: the newer one is kept
        self.links[device_id] = AgentLink(agent_id, str(record["address"]), session, description)
        card = self.pending.pop(agent_id, None)
        if card is not None:
            window.grid.removeWidget(card)
            card.hide()
            card.deleteLater()
        view = window._view(device_id)
        if view is not None:
            window._add_card(view)
            window.select(device_id)
            window._reveal(device_id)
        window._update_status()

    # -- the card ---------------------------------------------------------------------

    def is_paired(self, device_id: str) -> bool:
        link = self.links.get(device_id)
        return link is not None and link.session is not None

    def new_card(self, view: DeviceView, lang: str) -> DeviceCard:
        """A paired laptop's card (its disks' bars, its actions), or the usual card."""
        if view.device.id not in self.links:
            return DeviceCard(view, lang)
        card = LaptopAgentCard(view, lang, self)
        card.erase_requested.connect(self.open_erasure)
        card.test_requested.connect(self.test_laptop)
        card.install_requested.connect(self.install_system)
        return card

    def place_key(self, device_id: str) -> str | None:
        """The pending card's key whose place a paired laptop's card takes."""
        link = self.links.get(device_id)
        return pending_key(link.agent_id) if link is not None else None

    def take_action(self, view: DeviceView, action: str) -> bool:
        """The big button of a paired laptop: its erasure goes through its agent. True
        when done here (the window does nothing more)."""
        link = self.links.get(view.device.id)
        if link is not None and action == Other.ERASE_AGAIN:  # the panel's « Effacer à nouveau »
            self.open_erasure(view.device.id)
            return True
        if link is None or action not in (Action.START, Action.RESTART, Action.STAGE):
            return False
        stage = view.journey.next.stage if view.journey and view.journey.next else None
        if stage in (Stage.CHECK, Stage.ERASE):
            self.open_erasure(view.device.id)
            return True
        if stage is Stage.SYSTEM_IMAGE:
            self.install_system(view.device.id)
            return True
        return False

    def card_gone(self, device_id: str) -> None:
        """Its card left the window: the link with the laptop is closed."""
        link = self.links.pop(device_id, None)
        if link is not None and link.session is not None and not link.busy:
            link.session.close()

    # -- the erasure ------------------------------------------------------------------

    def open_erasure(self, device_id: str) -> QDialog | None:
        """« Effacer les disques » : the dialog of the agent's disks; once the serials are
        typed the agent erases them all at once (a worker), a bar per disk on the card."""
        link = self.links.get(device_id)
        if link is None or link.busy:
            return None
        if link.session is None:
            return self._pairing_dialog(link.address, PENDING_TITLE.get(self.window.lang))
        disks = [d for d in link.description.get("disks", []) if isinstance(d, dict)]
        dialog = EraseDisksDialog(disks, self.window.lang, self.window)
        dialog.accepted.connect(lambda: self._erase(device_id, dialog.confirms))
        self.dialog = dialog
        dialog.open()
        return dialog

    def _erase(self, device_id: str, confirms: list[str]) -> None:
        link = self.links.get(device_id)
        if link is None or link.session is None or link.busy:
            return
        session = link.session
        serials = {str(d.get("path")): str(d.get("serial")) for d in link.description["disks"]}
        station = self.window.station
        link.erasing = True
        link.outcome = ""
        chosen = [
            str(d.get("serial"))
            for d in link.description["disks"]
            if any(str(d.get("serial", "")).upper().endswith(c.upper()) for c in confirms)
        ]
        with self._lock:
            link.fractions = dict.fromkeys(chosen, 0.0)

        def moved(fractions: dict[str, float]) -> None:
            # The agent's thread of frames: keep the numbers, one delivery at a time.
            with self._lock:
                for path, fraction in fractions.items():
                    link.fractions[serials.get(path, path)] = float(fraction)
                post = device_id not in self._progress_due
                self._progress_due.add(device_id)
            if post:
                self.progress.emit(device_id)

        def work() -> dict[str, Any]:
            return erase_paired(
                station,
                session,
                link.address,
                method=ERASE_METHOD,
                confirms=confirms,
                operator=station.operator,
                on_progress=moved,
            )

        def done(value: object, error: BenchError | None) -> None:
            link.erasing = False
            if error is not None:
                if error.code in ("LAPTOP_ERASE_INTERRUPTED", "PAIR_FAILED"):
                    link.outcome = "interrupted" if error.code != "PAIR_FAILED" else ""
                    session.close()
                    link.session = None  # the channel is broken: a new pairing is needed
                self.window._show_error(error)
            else:
                assert isinstance(value, dict)
                results = [d.get("result") for d in value.get("disks", [])]
                ok = bool(results) and all(r == "erased" for r in results)
                link.outcome = "erased" if ok else "not_erased"
                with self._lock:
                    for serial in link.fractions:
                        link.fractions[serial] = 1.0 if ok else link.fractions[serial]
            self._refresh(device_id)

        self._refresh(device_id)
        self._run(work, done)

    def _show_progress(self, device_id: str) -> None:
        with self._lock:
            self._progress_due.discard(device_id)
        card = self.window.cards.get(device_id)
        link = self.links.get(device_id)
        if isinstance(card, LaptopAgentCard) and link is not None:
            card.show_live(self.window.lang)

    def live(self, device_id: str) -> tuple[Text | None, tuple[str, float]]:
        """The test running now (its words) and the system's phase and fraction, as the
        worker last set them."""
        link = self.links.get(device_id)
        with self._lock:
            return (link.step, link.image) if link is not None else (None, ("write", 0.0))

    def fractions(self, device_id: str) -> dict[str, float]:
        """Its disks' progress (disk serial -> fraction), as the agent last reported it."""
        link = self.links.get(device_id)
        with self._lock:  # the agent's frames write them on a worker
            return dict(link.fractions) if link is not None else {}

    def _refresh(self, device_id: str) -> None:
        """The laptop's card and its disks' cards drawn again from the records."""
        window = self.window
        window._stale.add(device_id)
        window._mark(device_id, full=True)
        window._flush(full=True)

    # -- the guided tests ---------------------------------------------------------------

    def test_laptop(self, device_id: str, tests: Sequence[str] = ()) -> None:
        """« Tester le portable » : the guided tests shown on the laptop's own screen, one
        after the other (`tests`: a few of them, default all), on a worker; each can be
        answered at the station's small window or on the laptop, and is recorded."""
        link = self.links.get(device_id)
        if link is None or link.busy:
            return
        if link.session is None:
            self._pairing_dialog(link.address, PENDING_TITLE.get(self.window.lang))
            return
        session = link.session
        station = self.window.station
        laptop = queries.device(station.store, device_id)
        if laptop is None:
            return
        link.testing = True
        link.outcome = ""

        def started(index: int, count: int, test: LaptopTest) -> None:
            # The worker's thread: the words are kept, the card redrawn on the window's.
            with self._lock:
                link.step = Text(
                    TESTING.fr.format(index=index, count=count, title=test.title.fr),
                    TESTING.en.format(index=index, count=count, title=test.title.en),
                )
            self.progress.emit(device_id)

        def work() -> dict[str, Any]:
            return check_paired(
                station,
                session,
                laptop,
                operator=station.operator,
                tests=tests,
                answer_here=lambda t, r, c: self._answer_here(device_id, t, r, c),
                on_start=started,
            )

        def done(_value: object, error: BenchError | None) -> None:
            link.testing = False
            with self._lock:
                link.step = None
            link.outcome = "tested" if error is None else ""
            if error is not None:
                self._broken(link, session, error, "test_interrupted")
                self.window._show_error(error)
            self._refresh(device_id)

        self._refresh(device_id)
        self._run(work, done)

    def _answer_here(
        self, device_id: str, test: LaptopTest, readings: dict[str, Any], closed: threading.Event
    ) -> str | None:
        """The Answerer of `check_paired`, on its helper thread: asks the window (a queued
        signal) and waits for the operator's answer, or for the laptop's (`closed`), checked
        every tenth of a second; the window's question is closed either way."""
        given: queue.Queue[str] = queue.Queue(maxsize=1)
        with self._lock:
            self._next_question += 1
            ticket = self._next_question
            self._questions[ticket] = (device_id, test, dict(readings), given)
        self.asked.emit(ticket)
        try:
            while not closed.is_set():
                try:
                    return given.get(timeout=0.1)
                except queue.Empty:
                    continue
            return None
        finally:
            with self._lock:
                self._questions.pop(ticket, None)
            self.answered_elsewhere.emit(ticket)

    def _ask(self, ticket: int) -> None:
        with self._lock:
            question = self._questions.get(ticket)
        if question is None or self._closed:
            return  # answered on the laptop before the window could ask
        device_id, test, readings, given = question
        view = self.window._view(device_id)
        name = f"{view.device.brand} {view.device.model}".strip() if view else ""
        window = StationTestWindow(test, readings, name, self.window.lang, self.window)
        window.answered.connect(lambda answer: given.put_nowait(answer) if given.empty() else None)
        window.finished.connect(lambda _r: self._test_windows.pop(ticket, None))
        self._test_windows[ticket] = window
        last = self.test_window
        if last is not None and not last.isVisible():
            last.deleteLater()  # answered and closed: only the newest one is kept
        self.test_window = window
        window.show()
        window.raise_()

    def _question_closed(self, ticket: int) -> None:
        window = self._test_windows.pop(ticket, None)
        if window is not None and window.isVisible():
            window.close_answered()

    # -- the system image ---------------------------------------------------------------

    def install_system(self, device_id: str) -> QDialog | None:
        """« Installer le système » : the dialog choosing the disk (its serial's end typed)
        and naming the workshop's image; then the agent writes it and reads it back (a
        worker), a bar on the card. Refused in the dialog while a disk is not erased."""
        link = self.links.get(device_id)
        if link is None or link.busy:
            return None
        if link.session is None:
            return self._pairing_dialog(link.address, PENDING_TITLE.get(self.window.lang))
        station = self.window.station
        disks = [d for d in link.description.get("disks", []) if isinstance(d, dict)]
        refusal: BenchError | None = None
        image = ""
        try:
            # The window's settings (as saved), else the classroom's image in training.
            image = station.settings.laptop_image.strip() or workshop_laptop_image(
                station.folder, training=station.training
            )
        except BenchError as exc:
            refusal = exc
        laptop = queries.device(station.store, device_id)
        missing = unerased_disks(station, laptop, disks) if laptop is not None else []
        if missing:
            refusal = BenchError("LAPTOP_IMAGE_NOT_ERASED", disks=", ".join(missing))
        dialog = InstallSystemDialog(disks, image, refusal, self.window.lang, self.window)
        dialog.accepted.connect(lambda: self._install(device_id, dialog.confirm, image))
        self.dialog = dialog
        dialog.open()
        return dialog

    def _install(self, device_id: str, confirm: str, image: str) -> None:
        link = self.links.get(device_id)
        if link is None or link.session is None or link.busy:
            return
        session = link.session
        station = self.window.station
        link.installing = True
        link.outcome = ""
        link.image = ("write", 0.0)

        def moved(phase: str, done_bytes: int, total: int) -> None:
            with self._lock:
                link.image = (phase, done_bytes / total if total else 1.0)
                post = device_id not in self._progress_due
                self._progress_due.add(device_id)
            if post:
                self.progress.emit(device_id)

        def work() -> dict[str, Any]:
            return write_paired(
                station,
                session,
                link.address,
                confirm=confirm,
                image=image or None,
                operator=station.operator,
                on_progress=moved,
            )

        def done(value: object, error: BenchError | None) -> None:
            link.installing = False
            if error is not None:
                link.outcome = ""
                self._broken(link, session, error, "install_interrupted")
                self.window._show_error(error)
            else:
                assert isinstance(value, dict)
                installed = value.get("result") == "installed"
                link.outcome = "installed" if installed else "not_installed"
            self._refresh(device_id)

        self._refresh(device_id)
        self._run(work, done)

    def _broken(
        self, link: AgentLink, session: LaptopSession, error: BenchError, outcome: str
    ) -> None:
        """A lost link: the card says what was interrupted and offers pairing again."""
        lost = error.code in ("PAIR_FAILED", "LAPTOP_CHECK_INTERRUPTED", "LAPTOP_IMAGE_INTERRUPTED")
        if lost:
            link.outcome = outcome
            session.close()
            link.session = None  # the channel is broken: a new pairing is needed

    # -- plumbing ---------------------------------------------------------------------

    def _run(
        self, work: Callable[[], object], done: Callable[[object, BenchError | None], None]
    ) -> None:
        ticket = self.worker.run(work)
        self._waiting[ticket] = done

    def _finished(self, ticket: int) -> None:
        done = self._waiting.pop(ticket, None)
        value, error = self.worker.take(ticket)
        if done is not None and not self._closed:
            done(value, error)
        elif isinstance(value, tuple) and value and isinstance(value[0], LaptopSession):
            value[0].close()

    def close(self) -> None:
        """The window closes: discovery stops, every link is closed, workers end."""
        self._closed = True
        if self.watch is not None:
            self.watch.close()
            self.watch = None
        for link in self.links.values():
            if link.session is not None:
                link.session.close()
        self.worker.join()


def pending_key(agent_id: str) -> str:
    return f"agent:{agent_id}"
