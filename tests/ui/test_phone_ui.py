"""Phones in the window: guidance while a phone is not usable yet, typed IMEI, grading."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from bench_app.devices.android.driver import PhoneState
from bench_app.devices.android.usb import UsbMode, UsbPhoneInfo
from bench_app.devices.android.usb_handles import WaitingPhone, brand_of
from bench_app.devices.source import DeviceSource, SourceAction
from bench_app.domain.model import JobState
from tests.ui.conftest import Bench

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
    make_bench: Callable[..., Bench], qtbot: QtBot
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
    qtbot.waitUntil(lambda: prompt_shown() and panel.prompt_detail.isVisibleTo(panel), timeout=WAIT)
    assert "n’est pas un IMEI valide" in panel.prompt_detail.text()
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


def test_a_phone_added_by_its_network_address(
    make_bench: Callable[..., Bench], qtbot: QtBot
) -> None:
    from bench_app.devices.android.driver import AndroidPhone
    from bench_app.devices.android.keys import station_signer
    from bench_app.devices.android.tcp_source import TcpPhoneSource
    from bench_app.simulators.adb_phone import AdbSimulator

    bench = make_bench()
    signer = station_signer(bench.station.folder)
    tcp = TcpPhoneSource(lambda target: AndroidPhone(target, signer, simulated=True), poll_s=0.1)
    bench.station.attach_source(tcp)
    window = bench.window
    window.tcp_source = tcp
    window.retranslate()
    assert window.network_button.isVisibleTo(window)
    assert window.network_button.text() == "Téléphone par Wi-Fi…"
    sim = AdbSimulator("google-pixel-6")
    port = sim.start()
    try:
        assert window.add_network_phone("not an address") is False
        assert window.add_network_phone(f"127.0.0.1:{port}") is True
        qtbot.waitUntil(lambda: len(window.cards) == 1, timeout=WAIT)
        card = next(iter(window.cards.values()))
        assert card.title.text() == "Google Pixel 6"
        sim.stop()  # the phone leaves the network: its idle card goes
        qtbot.waitUntil(lambda: len(window.cards) == 0, timeout=WAIT)
    finally:
        tcp.stop()
        sim.close()
