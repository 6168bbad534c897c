"""A paired laptop on the Établi stick goes on through its card: its system is refused while a
disk is not erased (in the dialog, and by the engine itself); once both disks are erased, two
guided tests run on the laptop's screen, one answered at the station's small window, one on
the laptop (that window then closes by itself), each recorded with who answered; then the
workshop's system image is written through the agent and read back, which makes the
laptop's system-image stage. A link cut mid-test or mid-write says « interrompu » on the
card, records the job interrupted (never installed) and offers pairing again. The agent is
the real server on loopback (its disks image files); no network call runs on the window's
thread; every new screen reads French only."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from bench_app.install.bmap import build_from_sparse, render_bmap
from bench_app.install.images import ImageLibrary
from bench_app.journey import Stage
from bench_app.settings import Settings
from bench_app.simulators.stick_laptop import StickLaptop
from bench_app.store import queries
from tests.laptop_agent.test_laptop_image import IMAGE, _sparse_image
from tests.ui.conftest import Bench
from tests.ui.screens import SCREEN, screenshot
from tests.ui.test_accessibility import check_screen
from tests.ui.test_french_screens import Checker, texts_of
from tests.ui.test_laptop_agent_cards import (  # noqa: F401  (fixtures)
    CODE,
    WAIT,
    _CuttingRelay,
    _erase_from_card,
    _laptops,
    _pair,
    _shots,
    network_threads,
    stick,
)
from ui.laptop_agent_cards import LaptopAgentCard
from ui.laptop_agent_steps import InstallSystemDialog, StationTestWindow


def _import_image(folder: Path, into: Path) -> None:
    """The small system image and its block map, imported into the station's library."""
    image = _sparse_image(folder)
    (folder / (IMAGE + ".bmap")).write_bytes(render_bmap(build_from_sparse(image)))
    sums = "".join(
        f"{hashlib.sha256(p.read_bytes()).hexdigest()}  {p.name}\n"
        for p in (image, folder / (IMAGE + ".bmap"))
    )
    (folder / "SHA256SUMS").write_text(sums)
    report = ImageLibrary(into).import_folder(folder)
    assert report.ok and len(report.imported) == 2, report.refused


def _line(bench: Bench, device_id: str) -> str:
    """The laptop card's line about its agent (the card drawn now)."""
    card = bench.window.cards[device_id]
    assert isinstance(card, LaptopAgentCard)
    return card.agent_line.text()


def test_a_stick_laptop_is_tested_and_gets_its_system_from_its_card(
    make_bench: Callable[..., Bench],
    qtbot: QtBot,
    stick: StickLaptop,  # noqa: F811
    network_threads: list[str],  # noqa: F811
    artifacts_dir: Path,
    tmp_path: Path,
) -> None:
    bench = make_bench(training=False, settings=Settings(laptop_image=IMAGE))
    _import_image(tmp_path / "usb", bench.station.folder)
    window = bench.window
    window.resize(*SCREEN)
    agents = window.laptop_agents
    shots = _shots(artifacts_dir)
    french = Checker()

    agents.agent_seen(stick.agent_id, stick.address, "Lenovo", "ThinkPad T470")
    dialog = agents.open_pairing(stick.agent_id)
    assert dialog is not None
    _pair(qtbot, dialog, CODE)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=WAIT)
    (laptop,) = _laptops(bench)
    device_id = laptop.id  # type: ignore[attr-defined]
    card = window.cards[device_id]
    assert isinstance(card, LaptopAgentCard)
    link = agents.links[device_id]

    # Its system before its disks are erased: the dialog says so and will not start...
    qtbot.mouseClick(card.install_button, Qt.MouseButton.LeftButton)
    refused = agents.dialog
    assert isinstance(refused, InstallSystemDialog) and refused.isVisible()
    assert IMAGE in refused.image.text()
    assert "SIMLAPA1, SIMLAPB2 non effacé(s)" in refused.message.text()
    assert "Effacez d’abord ses disques" in refused.message.text()
    assert not refused.install_button.isEnabled()
    french.add("install refused", texts_of(refused))
    check_screen(refused, "install dialog, refused")
    refused.reject()
    # ... and the engine refuses too, sending nothing (a disk erased since the dialog?).
    agents._install(device_id, "LAPA1", IMAGE)
    assert link.installing
    qtbot.waitUntil(lambda: not link.installing, timeout=WAIT)
    assert link.session is not None and link.outcome == ""
    boxes = [b for b in window.findChildren(QMessageBox) if b.isVisible()]
    assert any(b.text() == "Effacez d’abord chaque disque du portable." for b in boxes)
    for box in boxes:
        box.close()
    jobs = bench.station.store.query(
        "SELECT state FROM jobs WHERE pipeline = ?", ("laptop.install_image",)
    )
    assert list(jobs) == []  # refused before anything was sent or recorded
    assert stick.disks[0].read_bytes() != bytes(stick.disks[0].stat().st_size)  # untouched

    erase = _erase_from_card(qtbot, bench, card)
    for serial in ("SIMLAPA1", "SIMLAPB2"):
        field = erase.field_for(serial)
        assert field is not None
        qtbot.keyClicks(field, serial[-4:])
    qtbot.mouseClick(erase.erase_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not link.erasing, timeout=WAIT)
    assert link.outcome == "erased"

    # Two guided tests: the keyboard answered at the station, the screen on the laptop.
    card = window.cards[device_id]
    assert isinstance(card, LaptopAgentCard) and card.test_button.isEnabled()
    agents.test_laptop(device_id, tests=("keyboard", "screen"))
    assert link.testing and not card.test_button.isEnabled()

    def asked(test_id: str) -> StationTestWindow:
        def shown() -> bool:
            w = agents.test_window
            return w is not None and w.test.id == test_id and w.isVisible()

        qtbot.waitUntil(shown, timeout=WAIT)
        assert agents.test_window is not None
        return agents.test_window

    keyboard = asked("keyboard")
    assert not keyboard.isModal()
    assert keyboard.title.text() == "Clavier"
    assert keyboard.question.text() == "Appuyez sur chaque touche. Toutes s’allument ?"
    assert keyboard.readings.text() == "Rien à mesurer : regardez l’écran du portable."
    assert [b.text() for b in (keyboard.yes, keyboard.no, keyboard.skip)] == [
        "Oui",
        "Non",
        "Passer",
    ]
    qtbot.waitUntil(lambda: _line(bench, device_id) == "Test 1 sur 2 : Clavier", timeout=WAIT)
    screenshot(window, shots / "station-test-window.png", keyboard)
    french.add("station test window", texts_of(keyboard))
    french.add("laptop card testing", texts_of(card))
    check_screen(keyboard, "station test window")
    qtbot.mouseClick(keyboard.no, Qt.MouseButton.LeftButton)
    assert not keyboard.isVisible()

    screen = asked("screen")
    qtbot.waitUntil(lambda: _line(bench, device_id) == "Test 2 sur 2 : Écran", timeout=WAIT)
    desk = stick.server.state.desk
    assert desk.current is not None and desk.current.id == "screen"
    assert desk.answer("screen", "ok", "laptop")  # the person at the laptop clicks Oui
    qtbot.waitUntil(lambda: not screen.isVisible(), timeout=WAIT)  # closed by itself
    qtbot.waitUntil(lambda: not link.testing, timeout=WAIT)
    assert link.outcome == "tested" and link.session is not None
    steps = [
        e.payload
        for e in queries.events(bench.station.store, device_id)
        if e.type == "step.finished"
    ]
    assert [(s["step_id"], s["status"], s["evidence"]["answered_on"]) for s in steps] == [
        ("keyboard", "failed", "station"),
        ("screen", "passed", "laptop"),
    ]
    job = bench.station.latest_job(device_id)
    assert job is not None and job.state.value == "succeeded"

    # The system: the first disk offered, its serial's end typed; written then read back.
    card = window.cards[device_id]
    assert isinstance(card, LaptopAgentCard)
    qtbot.mouseClick(card.install_button, Qt.MouseButton.LeftButton)
    install = agents.dialog
    assert isinstance(install, InstallSystemDialog) and install.isVisible()
    assert install.refusal is None and not install.message.isVisible()
    chosen = install.chosen_disk()
    assert chosen is not None and chosen["serial"] == "SIMLAPA1"
    qtbot.keyClicks(install.serial, "LAPB2")
    qtbot.mouseClick(install.install_button, Qt.MouseButton.LeftButton)
    assert install.isVisible()  # the other disk's serial: refused
    assert install.message.text().startswith("Ce n’est pas la fin du numéro de ce disque")
    install.serial.clear()
    qtbot.keyClicks(install.serial, "LAPA1")
    screenshot(window, shots / "install-dialog.png", install)
    french.add("install dialog", texts_of(install))
    check_screen(install, "install dialog")
    qtbot.mouseClick(install.install_button, Qt.MouseButton.LeftButton)
    assert not install.isVisible() and link.installing
    assert card.image_bar.isVisibleTo(card)
    assert card.agent_line.text() == "Écriture du système…"
    qtbot.waitUntil(lambda: not link.installing, timeout=WAIT)
    assert link.outcome == "installed", window.status.text()
    journey = bench.station.journey(device_id)
    assert Stage.SYSTEM_IMAGE in journey.done
    (disk_a,) = [d for d in journey.disks if d.imaged]
    written = [
        e.payload
        for e in queries.events(bench.station.store, disk_a.device_id)
        if e.type == "image.written"
    ]
    assert [(w["image"], w["result"], w["verified"]) for w in written] == [
        (IMAGE, "installed", True)
    ]
    card = window.cards[device_id]
    assert isinstance(card, LaptopAgentCard)
    qtbot.waitUntil(lambda: card.agent_line.text() == "Système écrit et relu", timeout=WAIT)
    assert not card.image_bar.isVisibleTo(card)
    screenshot(window, shots / "laptop-installed.png")
    french.add("laptop installed", texts_of(card))
    report = french.report()
    assert not report, "\n".join(report)

    assert network_threads
    assert threading.main_thread().name not in network_threads


def test_a_link_cut_mid_test_says_interrupted_and_offers_pairing_again(
    make_bench: Callable[..., Bench],
    qtbot: QtBot,
    stick: StickLaptop,  # noqa: F811
) -> None:
    bench = make_bench(training=False)
    window = bench.window
    agents = window.laptop_agents
    relay = _CuttingRelay(stick.address, frames=5)  # cut right after the test's order
    try:
        dialog = agents._pairing_dialog(relay.address, "Portable")
        _pair(qtbot, dialog, CODE)
        qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=WAIT)
        (laptop,) = _laptops(bench)
        device_id = laptop.id  # type: ignore[attr-defined]
        link = agents.links[device_id]
        agents.test_laptop(device_id, tests=("keyboard", "screen"))
        qtbot.waitUntil(lambda: not link.testing, timeout=WAIT)
        assert relay.cut.is_set()
    finally:
        relay.close()
    assert link.outcome == "test_interrupted" and link.session is None
    job = bench.station.latest_job(device_id)
    assert job is not None and job.state.value == "interrupted"
    steps = [e for e in queries.events(bench.station.store, device_id) if e.type == "step.finished"]
    assert steps == []
    # No question left open at the station; the card says so and pairs again.
    assert agents.test_window is None or not agents.test_window.isVisible()
    card = window.cards[device_id]
    assert isinstance(card, LaptopAgentCard)
    qtbot.waitUntil(
        lambda: card.agent_line.text() == "Tests interrompus : liaison perdue.", timeout=WAIT
    )
    assert card.erase_button.text() == "Appairer de nouveau"
    assert not card.test_button.isEnabled()
    boxes = [b for b in window.findChildren(QMessageBox) if b.isVisible()]
    assert any(b.text() == "Liaison perdue pendant les tests." for b in boxes)
    # The laptop's screen is free again: its test closed as the station went away.
    qtbot.waitUntil(lambda: stick.server.state.desk.current is None, timeout=WAIT)


def test_a_link_cut_mid_write_says_the_system_is_not_installed(
    make_bench: Callable[..., Bench],
    qtbot: QtBot,
    stick: StickLaptop,  # noqa: F811
    tmp_path: Path,
) -> None:
    bench = make_bench(training=False, settings=Settings(laptop_image=IMAGE))
    _import_image(tmp_path / "usb", bench.station.folder)
    window = bench.window
    agents = window.laptop_agents
    # Pairing 4 frames, the erasure 2, then the write's describe, order and first chunk.
    relay = _CuttingRelay(stick.address, frames=9)
    try:
        dialog = agents._pairing_dialog(relay.address, "Portable")
        _pair(qtbot, dialog, CODE)
        qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=WAIT)
        (laptop,) = _laptops(bench)
        device_id = laptop.id  # type: ignore[attr-defined]
        link = agents.links[device_id]
        card = window.cards[device_id]
        assert isinstance(card, LaptopAgentCard)
        erase = _erase_from_card(qtbot, bench, card)
        for serial in ("SIMLAPA1", "SIMLAPB2"):
            field = erase.field_for(serial)
            assert field is not None
            qtbot.keyClicks(field, serial[-4:])
        qtbot.mouseClick(erase.erase_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: not link.erasing, timeout=WAIT)
        assert link.outcome == "erased"
        install = agents.install_system(device_id)
        assert isinstance(install, InstallSystemDialog) and install.refusal is None
        qtbot.keyClicks(install.serial, "LAPA1")
        qtbot.mouseClick(install.install_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: not link.installing, timeout=WAIT)
        assert relay.cut.is_set()
    finally:
        relay.close()
    assert link.outcome == "install_interrupted" and link.session is None
    journey = bench.station.journey(device_id)
    assert Stage.SYSTEM_IMAGE not in journey.done
    assert not any(d.imaged for d in journey.disks)
    states = bench.station.store.query(
        "SELECT state FROM jobs WHERE pipeline = ?", ("laptop.install_image",)
    )
    assert [s[0] for s in states] == ["interrupted"]
    assert _line(bench, device_id) == "Interrompu : système NON INSTALLÉ"
    card = window.cards[device_id]
    assert isinstance(card, LaptopAgentCard)
    assert card.erase_button.text() == "Appairer de nouveau"
    assert not card.install_button.isEnabled() and not card.image_bar.isVisibleTo(card)
    boxes = [b for b in window.findChildren(QMessageBox) if b.isVisible()]
    assert any(b.text() == "Liaison perdue : système NON INSTALLÉ." for b in boxes)
