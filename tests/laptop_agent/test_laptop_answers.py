"""The laptop's answers reach the station: the agent's server on a thread (loopback) with its
window in this process, the station running `check_laptop` on another thread with nobody
answering at the station; the person at the laptop presses keys and clicks Oui / Non, and
the station records what the laptop measured (the keys that never lit, the clicks) with
each answer, as answered on the laptop."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from bench_app.laptop_agent import AgentServer, AgentState
from bench_app.laptop_tests import check_laptop
from bench_app.station import Station
from bench_app.store import queries
from ui.agent_window import AgentWindow

CODE = "482913"
IDENTITY = {"brand": "Dell", "model": "Latitude 5490", "serial": "7XK2Q12", "kind": "laptop"}


@pytest.fixture
def served(qtbot: QtBot) -> Iterator[tuple[AgentWindow, str]]:
    state = AgentState("c0ffee01", CODE, {"identity": IDENTITY, "inventory": {}, "disks": []})
    window = AgentWindow(state, "fr")
    state.on_event = window.changed.emit
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    server = AgentServer(("127.0.0.1", 0), state)
    serving = threading.Thread(target=server.serve_forever)
    serving.start()
    try:
        yield window, f"127.0.0.1:{server.server_address[1]}"
    finally:
        state.desk.cancel()
        server.shutdown()
        serving.join()
        server.server_close()


def test_the_answers_given_on_the_laptop_are_recorded_at_the_station(
    served: tuple[AgentWindow, str], qtbot: QtBot, tmp_path: Path
) -> None:
    window, address = served
    folder = tmp_path / "station"
    outcome: dict[str, Any] = {}

    def station() -> None:
        try:
            outcome["record"] = check_laptop(
                folder, address, CODE, operator="Camille", tests=["keyboard", "touchpad"]
            )
        except BaseException as exc:  # said by the test below
            outcome["error"] = exc

    running = threading.Thread(target=station)
    running.start()
    try:
        qtbot.waitUntil(lambda: window.running == "keyboard", timeout=30_000)
        assert not window.asset.isHidden() and window.asset.text()  # given before the tests
        for key in (Qt.Key.Key_Q, Qt.Key.Key_S, Qt.Key.Key_D):
            QTest.keyClick(window, key)
        qtbot.mouseClick(window.no, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: window.running == "touchpad", timeout=30_000)
        qtbot.mouseClick(window.trail, Qt.MouseButton.RightButton)
        QTest.keyClick(window, Qt.Key.Key_Return)  # Entrée says Oui
    finally:
        running.join(60)
    assert not running.is_alive() and "error" not in outcome, outcome.get("error")
    record = outcome["record"]
    assert record["asset_code"] == window.asset.text()
    keyboard, touchpad = record["results"]
    assert (keyboard["answer"], keyboard["by"]) == ("ko", "laptop")
    assert keyboard["readings"]["keys_pressed"] == 3
    assert "Q" not in keyboard["readings"]["keys_missing"]
    assert "A" in keyboard["readings"]["keys_missing"]
    assert (touchpad["answer"], touchpad["by"]) == ("ok", "laptop")
    assert touchpad["readings"]["right_clicks"] == 1

    kept = Station(folder, operator="Camille")
    try:
        device = queries.device_by_identity(kept.store, "laptop", "7XK2Q12", "")
        assert device is not None and device.asset_code == record["asset_code"]
        steps = [
            e.payload for e in queries.events(kept.store, device.id) if e.type == "step.finished"
        ]
    finally:
        kept.close()
    assert [(s["step_id"], s["status"], s["evidence"]["answered_on"]) for s in steps] == [
        ("keyboard", "failed", "laptop"),
        ("touchpad", "passed", "laptop"),
    ]
    assert steps[0]["evidence"]["readings"]["keys_missing"] == keyboard["readings"]["keys_missing"]


def test_a_station_that_hangs_up_mid_test_frees_the_laptops_screen(
    served: tuple[AgentWindow, str], qtbot: QtBot
) -> None:
    from bench_app.devices.laptop.client import LaptopSession

    window, address = served
    session = LaptopSession.pair(address, CODE)
    session.tell("test", test="keyboard")
    qtbot.waitUntil(lambda: window.running == "keyboard", timeout=30_000)
    session.close()
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.home, timeout=30_000)
    last = window.state.desk.last
    assert last is not None and (last.id, last.answer, last.by) == (
        "keyboard",
        "skipped",
        "cancelled",
    )
    assert window.state.desk.current is None
