"""Phones in the window: guidance while a phone is not usable yet, typed IMEI, grading."""

from __future__ import annotations

import socket
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from bench_app.devices.android.driver import AndroidPhone, PhoneState
from bench_app.devices.android.tcp_source import TcpPhoneSource
from bench_app.devices.android.usb import UsbMode, UsbPhoneInfo
from bench_app.devices.android.usb_handles import WaitingPhone, brand_of
from bench_app.devices.source import DeviceSource, SourceAction
from bench_app.domain.model import JobState
from bench_app.simulators.adb_phone import AdbSimulator
from tests.ui.conftest import Bench
from tests.ui.screens import SCREEN, screenshot

WAIT = 30_000


class UsbStandIn(DeviceSource):
    """Stands in for USB discovery: what it would report for a phone in charging mode."""

    def start(self) -> None:
        pass

    def stop(self) -> None:
        pass

    def plug(self, handle: WaitingPhone) -> None:
        self._emit(SourceAction.ADDED, handle)


def test_phone_without_debugging_gets_the_brand_guide(
    make_bench: Callable[..., Bench], qtbot: QtBot
) -> None:
    bench = make_bench()
    usb = UsbStandIn()
    bench.station.attach_source(usb)
    info = UsbPhoneInfo("8c3a1f0e", "2717", "ff48", UsbMode.NO_DEBUGGING, "/sys/x", 1, 5)
    usb.plug(WaitingPhone(info, PhoneState.NO_DEBUGGING, brand_of(info)))
    window = bench.window
    qtbot.waitUntil(lambda: len(window.pending_cards) == 1, timeout=WAIT)
    card = next(iter(window.pending_cards.values()))
    assert card.title.text() == "Xiaomi branché"
    assert card.state.text() == "Le débogage USB est désactivé"
    qtbot.mouseClick(card.button, Qt.MouseButton.LeftButton)
    guide = window.panel.guide
    assert guide.isVisibleTo(window.panel)
    assert any("Version MIUI" in t for t in guide.texts)
    assert any("Débogage USB" in t for t in guide.texts)
    assert window.cards == {}


def test_unauthorized_phone_asks_to_allow_the_station(
    make_bench: Callable[..., Bench], qtbot: QtBot
) -> None:
    bench = make_bench()
    bench.simulator.add_adb_phone("unauthorized")
    window = bench.window
    qtbot.waitUntil(
        lambda: any(c.current == "unauthorized" for c in window.pending_cards.values()),
        timeout=WAIT,
    )
    card = next(iter(window.pending_cards.values()))
    assert card.state.text() == "En attente : autorisez ce poste sur le téléphone"
    window.select_pending(card.key)
    assert any("Autoriser" in t for t in window.panel.guide.texts)


def test_a_phone_checked_and_graded_through_the_window(
    make_bench: Callable[..., Bench], qtbot: QtBot, artifacts_dir: Path
) -> None:
    bench = make_bench()
    bench.simulator.add_adb_phone("fairphone-4")
    window = bench.window
    qtbot.waitUntil(lambda: len(window.cards) == 1, timeout=WAIT)
    assert window.pending_cards == {}
    device_id = next(iter(window.cards))
    card = window.cards[device_id]
    assert card.title.text() == "Fairphone FP4"
    qtbot.mouseClick(card.button, Qt.MouseButton.LeftButton)
    panel = window.panel

    def prompt_shown() -> bool:
        view = window.views[device_id]
        window._flush(full=True)
        return view.prompt is not None and panel._shown_prompt is view.prompt

    # Android 13 keeps its IMEI: the operator types it from *#06#; a typo is caught.
    qtbot.waitUntil(prompt_shown, timeout=WAIT)
    assert panel.entry.isVisibleTo(panel) and "*#06#" in panel.question.text()
    panel.entry.setText("490154203237519")
    qtbot.mouseClick(panel.entry_ok, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: prompt_shown() and panel.prompt_error.isVisibleTo(panel), timeout=WAIT)
    assert "n’est pas un IMEI valide" in panel.prompt_error.text()
    panel.entry.setText("490154203237518")
    qtbot.keyClick(panel.entry, Qt.Key.Key_Return)

    answered = 0
    while True:
        record = bench.station.latest_job(device_id)
        if (
            record is not None
            and not record.state.active
            and bench.station.engine.job_for_device(device_id) is None
        ):
            break
        current = window.views[device_id].prompt
        if (
            prompt_shown()
            and current is not None
            and not current.answered
            and current.entry is None
        ):
            buttons = {b.text(): b for b in panel.answer_buttons()}
            choice = buttons.get("Très bon état") or buttons.get("Ça marche")
            assert choice is not None, list(buttons)
            if "Très bon état" in buttons:
                assert len(buttons) == 5  # the outside look: five choices, in a grid
            qtbot.mouseClick(choice, Qt.MouseButton.LeftButton)
            answered += 1
        qtbot.wait(20)
    record = bench.station.latest_job(device_id)
    assert record is not None
    assert record.state is JobState.SUCCEEDED, record.message
    assert answered >= 15
    qtbot.waitUntil(lambda: card.state.text() == "Contrôle terminé", timeout=WAIT)
    window._flush(full=True)
    results = [panel.results.item(i).text() for i in range(panel.results.count())]
    assert any("Note atelier A" in r for r in results), results
    assert bench.station.device(device_id).imei == "490154203237518"  # type: ignore[union-attr]
    # The grade is shown big on the card and the panel: its letter, colour and name.
    assert card.grade.isVisibleTo(card)
    assert card.grade.letter.text() == "A" and card.grade.name.text() == "Très bon état"
    assert "#2e7d32" in card.grade.letter.styleSheet()
    assert panel.grade.isVisibleTo(panel)
    assert panel.grade.name.text() == "Note A — Très bon état"
    window.resize(*SCREEN)
    screenshot(window, artifacts_dir / "graded-phone-card.png")


def _closed_port() -> int:
    """A local port nobody listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_phone_added_over_wifi_through_the_menu_action(
    make_bench: Callable[..., Bench], qtbot: QtBot, artifacts_dir: Path
) -> None:
    """The real action opens a French dialog; a wrong or silent address is said in it; a
    simulated phone listening on a local port is reached by the ADB driver and gets its card."""
    bench = make_bench()
    signer = bench.simulator.adb_signer
    assert signer is not None
    tcp = TcpPhoneSource(lambda target: AndroidPhone(target, signer, simulated=True), poll_s=0.1)
    bench.station.attach_source(tcp)
    window = bench.window
    window.resize(*SCREEN)
    window.set_tcp_source(tcp)
    assert window.network_button.isVisibleTo(window)
    # Short on the toolbar (it fits 1366 px), with a phone icon; the tip says it whole.
    assert window.network_button.text() == "Wi-Fi…"
    assert window.network_button.toolTip() == "Téléphone par Wi-Fi…"
    assert not window.network_button.icon().isNull()
    assert window.network_action.text() == "Téléphone par Wi-Fi…"
    sim = AdbSimulator("google-pixel-6")
    port = sim.start()
    try:
        # The button (clicked(bool)) opens the dialog too; Cancel closes it, nothing added.
        qtbot.mouseClick(window.network_button, Qt.MouseButton.LeftButton)
        first = window.network_dialog
        assert first is not None and first.isVisible()
        qtbot.mouseClick(first.cancel_button, Qt.MouseButton.LeftButton)
        assert not first.isVisible() and first.target is None

        window.network_action.trigger()
        dialog = window.network_dialog
        assert dialog is not None and dialog is not first and dialog.isVisible()
        assert dialog.windowTitle() == "Téléphone par Wi-Fi"
        assert dialog.question.text() == "Tapez l’adresse affichée sur le téléphone."
        assert not dialog.more.isVisibleTo(dialog)
        qtbot.mouseClick(dialog.more_button, Qt.MouseButton.LeftButton)
        assert dialog.more.isVisibleTo(dialog)
        assert not dialog.picture.pixmap().isNull()
        assert "Débogage sans fil" in dialog.explanation.text()

        dialog.address.setText("pas une adresse")
        qtbot.mouseClick(dialog.connect_button, Qt.MouseButton.LeftButton)
        assert dialog.error.isVisibleTo(dialog) and not dialog.busy()
        assert dialog.error.text().startswith("Adresse incorrecte")
        qtbot.waitUntil(
            lambda: dialog.error.height() >= dialog.error.heightForWidth(dialog.error.width())
        )
        assert dialog.isVisible()

        dialog.address.setText(f"127.0.0.1:{_closed_port()}")
        qtbot.mouseClick(dialog.connect_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: not dialog.busy(), timeout=WAIT)
        assert dialog.error.text().startswith("Aucun téléphone ne répond")
        assert dialog.isVisible() and dialog.target is None
        screenshot(window, artifacts_dir / "wifi-dialog.png", dialog)

        dialog.address.setText(f" 127.0.0.1:{port} ")
        qtbot.keyClick(dialog.address, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=WAIT)
        assert dialog.target is not None and dialog.target.port == port
        qtbot.waitUntil(lambda: len(window.cards) == 1, timeout=WAIT)
        card = next(iter(window.cards.values()))
        assert card.title.text() == "Google Pixel 6"
        sim.stop()  # the phone leaves the network: its idle card goes
        qtbot.waitUntil(lambda: len(window.cards) == 0, timeout=WAIT)
    finally:
        tcp.stop()
        sim.close()
