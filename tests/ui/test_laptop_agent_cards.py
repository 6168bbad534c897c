"""A laptop started from the Établi stick becomes a card of the window. The agent is the real
server on loopback (bench_app/simulators/stick_laptop.py: image-file disks full of the
donor's data): announced by DNS-SD, it shows as a pending card; a wrong code is refused and
records nothing; the right code turns it into the laptop's card; « Effacer les disques »
lists its disks, takes the end of each serial and has both erased at once, verified, the
card saying « Données effacées ». A link cut after the erasure order leaves the disks
interrupted, never erased. No network call runs on the window's thread. Every screen of
the way reads French only, names its controls and is reached by Tab."""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from bench_app.devices.laptop import channel as channel_module
from bench_app.devices.laptop import client as client_module
from bench_app.domain.model import DeviceKind, JobState
from bench_app.simulators.stick_laptop import StickLaptop, start_stick_laptop
from bench_app.store import queries
from bench_app.workshop import station_label
from tests.ui.conftest import Bench
from tests.ui.screens import SCREEN, screenshot
from tests.ui.test_accessibility import check_screen
from tests.ui.test_french_screens import Checker, texts_of
from ui.device_view import Action
from ui.journey_actions import Other
from ui.laptop_agent_cards import AgentPendingCard, LaptopAgentCard
from ui.laptop_agent_dialogs import AddressDialog, EraseDisksDialog, PairingDialog
from ui.laptop_agent_steps import InstallSystemDialog
from ui.laptop_grade_dialog import LaptopGradeDialog

CODE = "246810"
WAIT = 60_000


@pytest.fixture
def stick(tmp_path: Path) -> Iterator[StickLaptop]:
    laptop = start_stick_laptop(tmp_path / "stick", code=CODE, announce=True)
    yield laptop
    laptop.close()


@pytest.fixture
def network_threads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The name of every thread that connects to an agent or exchanges a frame with it."""
    seen: list[str] = []
    connect = client_module.socket.create_connection
    send, receive = channel_module.Channel.send, channel_module.Channel.receive

    def spy(real: Callable[..., object]) -> Callable[..., object]:
        def wrapper(*args: object, **kwargs: object) -> object:
            seen.append(threading.current_thread().name)
            return real(*args, **kwargs)

        return wrapper

    monkeypatch.setattr(client_module.socket, "create_connection", spy(connect))
    monkeypatch.setattr(channel_module.Channel, "send", spy(send))
    monkeypatch.setattr(channel_module.Channel, "receive", spy(receive))
    return seen


def _shots(artifacts_dir: Path) -> Path:
    shots = artifacts_dir / "laptop-agent"
    shots.mkdir(parents=True, exist_ok=True)
    return shots


def _laptops(bench: Bench) -> list[object]:
    return [d for d in queries.devices(bench.station.store) if d.kind is DeviceKind.LAPTOP]


def _pair(qtbot: QtBot, dialog: PairingDialog, code: str) -> None:
    dialog.code.clear()
    qtbot.keyClicks(dialog.code, code)
    assert dialog.pair_button.isEnabled()
    qtbot.mouseClick(dialog.pair_button, Qt.MouseButton.LeftButton)


def _erase_from_card(qtbot: QtBot, bench: Bench, card: LaptopAgentCard) -> EraseDisksDialog:
    qtbot.mouseClick(card.erase_button, Qt.MouseButton.LeftButton)
    dialog = bench.window.laptop_agents.dialog
    assert isinstance(dialog, EraseDisksDialog)
    return dialog


def test_a_stick_laptop_is_paired_and_its_disks_erased_from_its_card(
    make_bench: Callable[..., Bench],
    qtbot: QtBot,
    stick: StickLaptop,
    network_threads: list[str],
    artifacts_dir: Path,
) -> None:
    bench = make_bench(training=False)
    window = bench.window
    window.resize(*SCREEN)
    agents = window.laptop_agents
    shots = _shots(artifacts_dir)

    agents.start_discovery("127.0.0.1")
    qtbot.waitUntil(lambda: stick.agent_id in agents.pending, timeout=WAIT)
    pending = agents.pending[stick.agent_id]
    assert isinstance(pending, AgentPendingCard)
    assert pending.title.text() == "Portable sur clé Établi"
    assert pending.model.text() == "Lenovo ThinkPad T470"
    assert pending.state.text() == "Tapez le code affiché sur son écran."
    assert not window.empty_hint.isVisible()
    screenshot(window, shots / "pending-card.png")
    french = Checker()
    french.add("pending card", texts_of(window))
    check_screen(window, "pending card")

    qtbot.mouseClick(pending.button, Qt.MouseButton.LeftButton)
    dialog = agents.dialog
    assert isinstance(dialog, PairingDialog) and dialog.isVisible()
    assert dialog.address == stick.address
    screenshot(window, shots / "pairing-dialog.png", dialog)

    # A wrong code: said plainly with what to do, nothing recorded, the dialog stays.
    _pair(qtbot, dialog, "135790")
    qtbot.waitUntil(lambda: "erroné" in dialog.message.text(), timeout=WAIT)
    assert "Relisez le code" in dialog.message.text()
    assert dialog.isVisible() and dialog.code.isEnabled()
    assert _laptops(bench) == []
    assert stick.events == ["wrong-code"]
    screenshot(window, shots / "pairing-wrong-code.png", dialog)
    french.add("pairing, wrong code", texts_of(dialog))
    check_screen(dialog, "pairing dialog")

    # The right one: the pending card becomes the laptop's card, in its place.
    _pair(qtbot, dialog, CODE)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=WAIT)
    (laptop,) = _laptops(bench)
    assert laptop.serial == "SIMSTICK0001"  # type: ignore[attr-defined]
    assert stick.agent_id not in agents.pending
    card = window.cards[laptop.id]  # type: ignore[attr-defined]
    assert isinstance(card, LaptopAgentCard)
    assert agents.is_paired(laptop.id)  # type: ignore[attr-defined]
    assert card.agent_line.text() == "Relié par le réseau"
    assert card.erase_button.text() == "Effacer les disques" and card.erase_button.isEnabled()
    # Its guided tests and its system go through the agent too.
    for button, words in ((card.test_button, "Tester"), (card.install_button, "Installer")):
        assert button.text().startswith(words) and button.isEnabled()
        assert not button.toolTip()
    # The laptop's screen names this station and shows the code to write on it.
    assert stick.server.state.station == station_label(
        bench.station.settings, bench.station.store.station_id
    )
    assert stick.server.state.asset_code == laptop.asset_code  # type: ignore[attr-defined]
    # Its check is its inventory, read by the agent: the next stage is the erasure.
    journey = bench.station.journey(laptop.id)  # type: ignore[attr-defined]
    assert journey.next is not None and journey.next.stage is not None
    assert journey.next.stage.value == "erase"
    screenshot(window, shots / "laptop-card.png")
    french.add("laptop card", texts_of(window))
    check_screen(window, "laptop card")

    # The erasure dialog: each disk with its serial to type; a wrong disk's end refused.
    erase = _erase_from_card(qtbot, bench, card)
    a, b = (field for field in (erase.field_for("SIMLAPA1"), erase.field_for("SIMLAPB2")))
    assert a is not None and b is not None
    qtbot.keyClicks(a, "LAPB2")
    qtbot.mouseClick(erase.erase_button, Qt.MouseButton.LeftButton)
    assert erase.isVisible()
    assert erase.message.text().startswith("Ce n’est pas la fin du numéro de ce disque")
    french.add("erasure dialog, wrong disk", texts_of(erase))
    check_screen(erase, "erasure dialog")
    a.clear()
    qtbot.keyClicks(a, "lapa1")
    qtbot.keyClicks(b, "LAPB2")
    screenshot(window, shots / "erase-dialog.png", erase)
    qtbot.mouseClick(erase.erase_button, Qt.MouseButton.LeftButton)
    assert not erase.isVisible()
    link = agents.links[laptop.id]  # type: ignore[attr-defined]
    assert link.erasing and not card.erase_button.isEnabled()
    assert card.agent_line.text() == "Effacement des disques…"
    # A bar per disk on the card while the agent erases them.
    assert sorted(card.disk_bars) == ["SIMLAPA1", "SIMLAPB2"]
    assert all(bar.isVisibleTo(card) for bar in card.disk_bars.values())
    card.grab().save(str(shots / "laptop-card-erasing.png"))
    qtbot.waitUntil(lambda: not link.erasing, timeout=WAIT)
    assert link.outcome == "erased", window.status.text()

    # Both disks verified erased, recorded as the laptop's; the card says so.
    journey = bench.station.journey(laptop.id)  # type: ignore[attr-defined]
    assert journey.erasure_verified
    assert sorted(d.asset_code for d in journey.disks) == sorted(
        d.asset_code for d in queries.devices(bench.station.store) if d.kind is DeviceKind.DRIVE
    )
    assert len(journey.disks) == 2 and all(d.erased for d in journey.disks)
    assert all(image.read_bytes() == bytes(image.stat().st_size) for image in stick.disks)
    card = window.cards[laptop.id]  # type: ignore[attr-defined]
    assert isinstance(card, LaptopAgentCard)
    qtbot.waitUntil(lambda: card.agent_line.text() == "Données effacées", timeout=WAIT)
    assert card.state.text() == "Données effacées"
    screenshot(window, shots / "laptop-erased.png")
    french.add("laptop erased", texts_of(window))

    # « Effacer à nouveau » of the panel's other actions goes through the agent too.
    window.do_action(laptop.id, Other.ERASE_AGAIN)  # type: ignore[attr-defined]
    again = agents.dialog
    assert isinstance(again, EraseDisksDialog) and again is not erase and again.isVisible()
    again.reject()

    # Its system next, through the agent: a workshop that chose none is told so plainly.
    window.do_action(laptop.id, Action.STAGE)  # type: ignore[attr-defined]
    install = agents.dialog
    assert isinstance(install, InstallSystemDialog) and install.isVisible()
    assert "n’a pas choisi d’image système" in install.message.text()
    assert not install.install_button.isEnabled()
    french.add("system image not chosen", texts_of(install))
    install.reject()
    # Then grade, label and outcome as a docked laptop: its grade's short list opens.
    bench.station.skip_install(laptop.id, "Le bénéficiaire installe le sien")  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: card.button.isVisibleTo(card), timeout=WAIT)
    assert card.button.isEnabled() and card.button.text() == "Noter l’appareil"
    qtbot.mouseClick(card.button, Qt.MouseButton.LeftButton)
    assert isinstance(window.journey.dialog, LaptopGradeDialog)
    window.journey.dialog.reject()
    report = french.report()
    assert not report, "\n".join(report)

    # Every connection and frame went through a worker thread, never the window's.
    assert network_threads
    assert threading.main_thread().name not in network_threads


class _CuttingRelay:
    """A TCP relay to the agent that hangs up on both sides right after passing on the
    station's `frames`-th frame (the pairing takes 4 with the asset code shown, the erasure's
    describe and order 2, a guided test 1); `stall`: passes nothing more either way instead,
    the connection left open."""

    def __init__(self, agent_address: str, frames: int, *, stall: bool = False) -> None:
        self.stall = stall
        self.stalled = threading.Event()  # set by close(): the relay's threads may end
        host, port = agent_address.rsplit(":", 1)
        self.agent = (host, int(port))
        self.frames = frames
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.address = f"127.0.0.1:{self.listener.getsockname()[1]}"
        self.cut = threading.Event()
        self.threads = [threading.Thread(target=self._accept)]
        self.threads[0].start()

    def _accept(self) -> None:
        from bench_app.devices.laptop.channel import ChannelClosed, recv_frame

        try:
            station, _ = self.listener.accept()
        except OSError:
            return
        agent = socket.create_connection(self.agent, timeout=30)
        down = threading.Thread(target=self._pipe, args=(agent, station))
        down.start()
        self.threads.append(down)
        try:
            for _ in range(self.frames):
                body = recv_frame(station)
                agent.sendall(struct.pack(">I", len(body)) + body)
        except (ChannelClosed, OSError):
            pass
        self.cut.set()
        if self.stall:
            self.stalled.wait(60)  # nothing passes: the station's next frame never comes
        for side in (station, agent):
            with contextlib.suppress(OSError):
                side.shutdown(socket.SHUT_RDWR)
        station.close()

    def _pipe(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while chunk := src.recv(65536):
                if self.stall and self.cut.is_set():
                    continue  # stalled: the agent's frames go nowhere
                dst.sendall(chunk)
        except OSError:
            pass
        src.close()

    def close(self) -> None:
        self.stalled.set()
        self.listener.close()
        for t in self.threads:
            t.join(30)


def test_a_link_cut_mid_erasure_says_interrupted_never_erased(
    make_bench: Callable[..., Bench], qtbot: QtBot, stick: StickLaptop, artifacts_dir: Path
) -> None:
    bench = make_bench(training=False)
    window = bench.window
    window.resize(*SCREEN)
    agents = window.laptop_agents
    relay = _CuttingRelay(stick.address, frames=6)
    try:
        # « Ajouter un portable par adresse… » : a network where announcements do not pass.
        (entry,) = [
            a
            for a in window.workshop_menu.menu_.actions()
            if a.text() == "Ajouter un portable par adresse…"
        ]
        entry.trigger()
        added = agents.dialog
        assert isinstance(added, AddressDialog) and added.isVisible()
        qtbot.keyClicks(added.address, "pas une adresse")
        qtbot.mouseClick(added.next_button, Qt.MouseButton.LeftButton)
        assert added.isVisible() and "adresse:port" in added.message.text()
        assert "Recopiez l’adresse affichée sur l’écran du portable." in added.message.text()
        french = Checker()
        french.add("address dialog, wrong address", texts_of(added))
        check_screen(added, "address dialog")
        added.address.clear()
        qtbot.keyClicks(added.address, relay.address)
        screenshot(window, _shots(artifacts_dir) / "address-dialog.png", added)
        qtbot.mouseClick(added.next_button, Qt.MouseButton.LeftButton)
        dialog = agents.dialog
        assert isinstance(dialog, PairingDialog) and dialog.address == relay.address
        _pair(qtbot, dialog, CODE)
        qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=WAIT)
        (laptop,) = _laptops(bench)
        card = window.cards[laptop.id]  # type: ignore[attr-defined]
        assert isinstance(card, LaptopAgentCard)

        erase = _erase_from_card(qtbot, bench, card)
        for serial in ("SIMLAPA1", "SIMLAPB2"):
            field = erase.field_for(serial)
            assert field is not None
            qtbot.keyClicks(field, serial[-4:])
        qtbot.mouseClick(erase.erase_button, Qt.MouseButton.LeftButton)
        link = agents.links[laptop.id]  # type: ignore[attr-defined]
        qtbot.waitUntil(lambda: not link.erasing, timeout=WAIT)
        assert relay.cut.is_set()
    finally:
        relay.close()
    # The agent's passes stop when it can no longer report (its next progress frame).
    qtbot.waitUntil(lambda: "erased" in stick.events, timeout=WAIT)

    assert link.outcome == "interrupted" and link.session is None
    drives = [d for d in queries.devices(bench.station.store) if d.kind is DeviceKind.DRIVE]
    assert len(drives) == 2
    for drive in drives:
        job = bench.station.latest_job(drive.id)
        assert job is not None and job.state is JobState.INTERRUPTED
    journey = bench.station.journey(laptop.id)  # type: ignore[attr-defined]
    assert not journey.erasure_verified
    card = window.cards[laptop.id]  # type: ignore[attr-defined]
    assert isinstance(card, LaptopAgentCard)
    qtbot.waitUntil(
        lambda: card.agent_line.text() == "Interrompu : disques NON effacés", timeout=WAIT
    )
    assert "Effacé" not in card.state.text() and "Données effacées" not in card.state.text()
    # The link is gone: the card's button pairs again instead of erasing.
    assert card.erase_button.text() == "Appairer de nouveau"
    QApplication.processEvents()
    screenshot(window, _shots(artifacts_dir) / "interrupted.png")
    window.select(laptop.id)  # type: ignore[attr-defined]
    french.add("laptop interrupted", texts_of(window))
    for box in window.findChildren(QMessageBox):
        french.add("erasure interrupted", texts_of(box))
    assert any("NON EFFACÉS" in t for t in french.seen), french.seen
    report = french.report()
    assert not report, "\n".join(report)


def test_the_class_practises_on_a_laptop_on_the_stick(
    make_bench: Callable[..., Bench], qtbot: QtBot, artifacts_dir: Path
) -> None:
    """« Un portable sur la clé Établi » : the trainer's station starts the laptop's real
    agent; its pending card shows the code its screen would show; the class pairs and
    erases it as at the bench; a reset brings a fresh laptop and takes the old one away."""
    bench = make_bench(training=True)
    window = bench.window
    window.resize(*SCREEN)
    agents = window.laptop_agents
    window.play_scenario("portable-sur-cle")
    assert window.classroom is not None
    (laptop,) = window.classroom.stick_laptops
    # Its disks are image files of the class's drive folder, never of the data folder.
    assert all(d.parent.parent == bench.simulator.drive_folder for d in laptop.disks)
    assert not any(bench.station.folder in d.parents for d in laptop.disks)
    card = agents.pending[laptop.agent_id]
    code = f"{laptop.code[:3]} {laptop.code[3:]}"
    assert card.screen_line.isVisibleTo(card) and card.screen_line.text().endswith(code)
    screenshot(window, _shots(artifacts_dir) / "class-pending-card.png")

    qtbot.mouseClick(card.button, Qt.MouseButton.LeftButton)
    dialog = agents.dialog
    assert isinstance(dialog, PairingDialog)
    _pair(qtbot, dialog, laptop.code)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=WAIT)
    (device,) = _laptops(bench)
    assert device.training and device.serial == "SIMSTICK0001"  # type: ignore[attr-defined]
    laptop_card = window.cards[device.id]  # type: ignore[attr-defined]
    assert isinstance(laptop_card, LaptopAgentCard)
    erase = _erase_from_card(qtbot, bench, laptop_card)
    for serial in ("SIMLAPA1", "SIMLAPB2"):
        field = erase.field_for(serial)
        assert field is not None
        qtbot.keyClicks(field, serial[-4:])
    qtbot.mouseClick(erase.erase_button, Qt.MouseButton.LeftButton)
    link = agents.links[device.id]  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: not link.erasing, timeout=WAIT)
    assert link.outcome == "erased"
    assert bench.station.journey(device.id).erasure_verified  # type: ignore[attr-defined]

    # A fresh round: the old laptop's card and link go, a new laptop waits for its code.
    session = link.session
    assert session is not None and session._channel.sock.fileno() >= 0
    window.reset_class()
    assert session._channel.sock.fileno() == -1  # its card went: its session was closed
    assert device.id not in window.cards  # type: ignore[attr-defined]
    assert device.id not in agents.links  # type: ignore[attr-defined]
    (fresh,) = window.classroom.stick_laptops
    assert fresh.agent_id in agents.pending and laptop.agent_id not in agents.pending
    assert all(donor_data_left(d) for d in fresh.disks)


def donor_data_left(image: Path) -> bool:
    """The image still holds the donor's data (a fresh round's disks are full again)."""
    data = image.read_bytes()
    return len(data) > 0 and data != bytes(len(data))


def test_a_laptop_given_too_many_wrong_codes_says_it_is_locked(
    make_bench: Callable[..., Bench], qtbot: QtBot, stick: StickLaptop, artifacts_dir: Path
) -> None:
    bench = make_bench(training=False)
    window = bench.window
    window.resize(*SCREEN)
    agents = window.laptop_agents
    agents.agent_seen(stick.agent_id, stick.address, "Lenovo", "ThinkPad T470")
    dialog = agents.open_pairing(stick.agent_id)
    assert dialog is not None
    for tries in range(1, 6):
        _pair(qtbot, dialog, "135790")

        def counted(n: int = tries) -> bool:
            return stick.events.count("wrong-code") == n

        qtbot.waitUntil(counted, timeout=WAIT)
        qtbot.waitUntil(lambda: dialog.code.isEnabled(), timeout=WAIT)
    # The sixth try: the laptop takes no more codes, and the dialog says what to do.
    _pair(qtbot, dialog, CODE)
    qtbot.waitUntil(lambda: "trop de codes" in dialog.message.text(), timeout=WAIT)
    assert "Redémarrez le portable sur la clé Établi" in dialog.message.text()
    assert not dialog.code.isEnabled() and not dialog.pair_button.isEnabled()
    assert _laptops(bench) == []
    screenshot(window, _shots(artifacts_dir) / "pairing-locked.png", dialog)


def test_closing_the_window_mid_erasure_leaves_the_disks_interrupted(
    make_bench: Callable[..., Bench], qtbot: QtBot, stick: StickLaptop
) -> None:
    """The agent stops answering after the order (a stalled network): closing the window
    hangs up at once, and the erasure is recorded interrupted, never erased."""
    bench = make_bench(training=False)
    window = bench.window
    agents = window.laptop_agents
    relay = _CuttingRelay(stick.address, frames=6, stall=True)
    try:
        dialog = agents._pairing_dialog(relay.address, "Portable")
        _pair(qtbot, dialog, CODE)
        qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=WAIT)
        (laptop,) = _laptops(bench)
        card = window.cards[laptop.id]  # type: ignore[attr-defined]
        assert isinstance(card, LaptopAgentCard)
        erase = _erase_from_card(qtbot, bench, card)
        for serial in ("SIMLAPA1", "SIMLAPB2"):
            field = erase.field_for(serial)
            assert field is not None
            qtbot.keyClicks(field, serial[-4:])
        qtbot.mouseClick(erase.erase_button, Qt.MouseButton.LeftButton)
        assert relay.cut.wait(WAIT / 1000)  # the order went to the agent; nothing comes back
        drives = [d for d in queries.devices(bench.station.store) if d.kind is DeviceKind.DRIVE]
        assert len(drives) == 2
        window.shutdown()  # waits for the erasure's worker, woken by the hang-up
        for drive in drives:
            job = bench.station.latest_job(drive.id)
            assert job is not None and job.state is JobState.INTERRUPTED
        assert not any(t.is_alive() for t in agents.worker.threads)
    finally:
        relay.close()
    qtbot.waitUntil(lambda: "erased" in stick.events, timeout=WAIT)
