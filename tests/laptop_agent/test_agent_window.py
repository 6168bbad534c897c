"""The laptop's own screen, offscreen: the pairing code shown huge with the laptop's model and
serial, one sentence per state (waiting, paired with the station's name, erasing with one bar
per disk, locked after wrong codes), the asset code once the station gives it, and the guided
tests: the keyboard drawn lighting each key as it is pressed, answered on the laptop (Non
sends the keys that never lit) or closed by the station's answer."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from bench_app.diagnostics.laptop_guided import KEYBOARD_KEYS
from bench_app.erasure import overwrite as io
from bench_app.laptop_agent import AgentState, agent_disks, erase, station_answer
from ui.agent_window import COLOURS, AgentWindow

IDENTITY = {"brand": "Lenovo", "model": "ThinkPad T480", "serial": "PF1ABC23", "kind": "laptop"}


def _state() -> AgentState:
    return AgentState("a1b2c3d4", "482913", {"identity": IDENTITY, "inventory": {}, "disks": []})


@pytest.fixture
def window(qtbot: QtBot) -> Iterator[AgentWindow]:
    state = _state()
    shown = AgentWindow(state, "fr")
    state.on_event = shown.changed.emit  # as screen_runner does: queued to Qt's thread
    qtbot.addWidget(shown)
    shown.resize(1366, 768)
    shown.show()
    yield shown
    state.desk.cancel()


class _Running:
    """`desk.run` on a thread of its own, as the agent's connection runs a test."""

    def __init__(self, window: AgentWindow, test: str) -> None:
        self.frames: list[dict[str, Any]] = []
        self.last: dict[str, Any] = {}
        self.thread = threading.Thread(
            target=lambda: self.last.update(
                window.state.desk.run({"op": "test", "test": test}, self.frames.append)
            )
        )
        self.thread.start()

    def join(self) -> dict[str, Any]:
        self.thread.join(30)
        assert not self.thread.is_alive()
        return self.last


def test_the_pairing_screen_shows_the_code_the_laptop_and_what_happens(
    window: AgentWindow, qtbot: QtBot
) -> None:
    assert window.code.text() == "482 913"
    assert window.code.font().pixelSize() >= 140  # a fifth of the screen's height
    assert "ThinkPad T480" in window.machine.text() and "PF1ABC23" in window.machine.text()
    assert window.status.text().startswith("En attente du poste")
    assert not window.asset.isVisible() and window.wrong.text() == ""

    window.state.failed = 2
    window.state.on_event("wrong-code")
    qtbot.waitUntil(lambda: window.wrong.text() == "Codes erronés reçus : 2 sur 5.")
    window.state.station = "Poste 3"
    window.state.on_event("station")
    qtbot.waitUntil(lambda: "Appairé avec le poste « Poste 3 »" in window.status.text())

    window.state.progress = {"/dev/loop7": 0.5, "/tmp/disk-B.img": 0.25}
    window.state.on_event("progress")
    qtbot.waitUntil(lambda: len(window.bars) == 2)
    assert [b.value() for b in window.bars.values()] == [500, 250]
    assert all(b.isVisible() for b in window.bars.values())
    assert window.status.text().startswith("Effacement des disques en cours")

    window.state.asset_code = "ETB-00042-K"
    window.state.on_event("asset")
    qtbot.waitUntil(lambda: window.asset.isVisible())
    assert window.asset.text() == "ETB-00042-K"
    assert window.asset.font().pixelSize() > window.code.font().pixelSize()

    window.state.failed = 5
    window.state.on_event("wrong-code")
    qtbot.waitUntil(lambda: window.wrong.text().startswith("Verrouillé : 5 codes erronés"))


def test_english_when_the_agent_speaks_english(qtbot: QtBot) -> None:
    shown = AgentWindow(_state(), "en")
    qtbot.addWidget(shown)
    assert shown.code_title.text() == "Pairing code"
    assert shown.status.text().startswith("Waiting for the station")
    assert "serial number PF1ABC23" in shown.machine.text()


def _press(window: AgentWindow, key: Qt.Key, modifiers: Qt.KeyboardModifier | None = None) -> None:
    QTest.keyClick(window, key, modifiers or Qt.KeyboardModifier.NoModifier)


def test_the_keyboard_test_lights_each_key_and_non_sends_the_keys_that_never_lit(
    window: AgentWindow, qtbot: QtBot
) -> None:
    running = _Running(window, "keyboard")
    qtbot.waitUntil(lambda: window.running == "keyboard" and window.keyboard.isVisible())
    assert window.test_title.text() == "Clavier"
    assert window.keyboard.lit() == []
    for key in (Qt.Key.Key_A, Qt.Key.Key_Z, Qt.Key.Key_Eacute, Qt.Key.Key_Tab, Qt.Key.Key_Space):
        _press(window, key)
    assert window.keyboard.lit() == ["Eacute", "Tab", "A", "Z", "Space"]
    # N and Échap are keys under test here, never an answer.
    _press(window, Qt.Key.Key_N)
    _press(window, Qt.Key.Key_Escape)
    assert window.running == "keyboard"
    qtbot.mouseClick(window.no, Qt.MouseButton.LeftButton)
    last = running.join()
    assert last["answer"] == "ko" and last["by"] == "laptop"
    readings = last["readings"]
    assert readings["keys_pressed"] == 7
    assert readings["keys_total"] == len(KEYBOARD_KEYS)
    assert "Q" in readings["keys_missing"] and "A" not in readings["keys_missing"]
    assert len(readings["keys_missing"]) == len(KEYBOARD_KEYS) - 7
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.home)
    assert window.status.text().startswith("Test terminé")


def test_every_key_lit_answers_yes_on_its_own(window: AgentWindow, qtbot: QtBot) -> None:
    running = _Running(window, "keyboard")
    qtbot.waitUntil(lambda: window.running == "keyboard")
    app = QApplication.instance()
    assert app is not None
    for name in KEYBOARD_KEYS:
        key = getattr(Qt.Key, f"Key_{name}")
        app.sendEvent(
            window, QKeyEvent(QKeyEvent.Type.KeyPress, key, Qt.KeyboardModifier.NoModifier)
        )
    last = running.join()
    assert (last["answer"], last["by"]) == ("ok", "laptop")
    assert last["readings"]["keys_missing"] == []


def test_oui_by_keyboard_and_the_colour_plates_of_the_screen_test(
    window: AgentWindow, qtbot: QtBot
) -> None:
    running = _Running(window, "screen")
    qtbot.waitUntil(lambda: window.running == "screen" and window.extra.isVisible())
    qtbot.mouseClick(window.extra, Qt.MouseButton.LeftButton)
    assert window.stack.currentWidget() is window.plates
    for _ in COLOURS:
        qtbot.mouseClick(window.plates, Qt.MouseButton.LeftButton)
    assert window.stack.currentWidget() is window.test_page
    _press(window, Qt.Key.Key_O)
    last = running.join()
    assert (last["answer"], last["by"]) == ("ok", "laptop")
    assert last["readings"]["colours_shown"] == len(COLOURS)


def test_the_touchpad_area_draws_the_trail_and_counts_clicks(
    window: AgentWindow, qtbot: QtBot
) -> None:
    running = _Running(window, "touchpad")
    qtbot.waitUntil(lambda: window.running == "touchpad" and window.trail.isVisible())
    for x in range(20, 200, 20):
        QTest.mouseMove(window.trail, window.trail.rect().topLeft() + _point(x, 40))
    qtbot.mouseClick(window.trail, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(window.trail, Qt.MouseButton.RightButton)
    qtbot.mouseClick(window.trail, Qt.MouseButton.RightButton)
    qtbot.mouseClick(window.yes, Qt.MouseButton.LeftButton)
    readings = running.join()["readings"]
    assert readings["left_clicks"] == 1 and readings["right_clicks"] == 2
    assert readings["trail_points"] >= 5


def _point(x: int, y: int) -> Any:
    from PySide6.QtCore import QPoint

    return QPoint(x, y)


def test_the_station_answer_closes_the_test_on_the_laptop(
    window: AgentWindow, qtbot: QtBot
) -> None:
    running = _Running(window, "keyboard")
    qtbot.waitUntil(lambda: window.running == "keyboard")
    _press(window, Qt.Key.Key_A)
    assert not station_answer({"test": "screen", "answer": "ok"}, window.state)  # not running
    assert station_answer({"test": "keyboard", "answer": "skipped"}, window.state)
    last = running.join()
    assert (last["answer"], last["by"]) == ("skipped", "station")
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.home)
    # The test is closed: the laptop's late answer changes nothing.
    assert window.answer("ok") is False
    assert window.state.desk.last is not None and window.state.desk.last.answer == "skipped"


def test_an_erasure_after_a_test_says_it_finished_with_each_disk_full(
    window: AgentWindow, qtbot: QtBot, tmp_path: Path
) -> None:
    """Seen on the stick: after a guided test, the erasure's end still said « Test terminé »
    and a disk's bar stayed where the last progress frame left it."""
    running = _Running(window, "screen")
    qtbot.waitUntil(lambda: window.running == "screen")
    assert station_answer({"test": "screen", "answer": "ok"}, window.state)
    running.join()
    qtbot.waitUntil(lambda: window.status.text().startswith("Test terminé"))
    disk = tmp_path / "disk-W1N2.img"
    disk.write_bytes(b"donor data " * 100_000)
    state = window.state
    state.data_dir = tmp_path / "agent"
    state.description["disks"] = agent_disks([str(disk)], state.data_dir)
    serial = str(state.description["disks"][0]["serial"])
    zeros = io.Stream.new(io.Pattern.ZEROS).to_json()
    order = {"disks": [{"path": str(disk), "confirm_serial": serial[-4:], "stream": zeros}]}
    answer = erase(order, state, lambda _frame: None)
    assert answer["ok"] and "verification" in answer["disks"][0]
    qtbot.waitUntil(lambda: window.status.text().startswith("Effacement terminé"))
    assert [b.value() for b in window.bars.values()] == [1000]


def test_the_webcam_test_says_none_found_without_a_camera(
    window: AgentWindow, qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import bench_app.diagnostics.laptop_guided as guided

    monkeypatch.setattr(guided, "cameras", lambda: [])
    running = _Running(window, "webcam")
    qtbot.waitUntil(lambda: window.detail.text() == "Aucune caméra trouvée.")
    assert running.frames == [{"ok": True, "test": "webcam", "readings": {"cameras": []}}]
    _press(window, Qt.Key.Key_N)
    assert running.join()["answer"] == "ko"


def test_the_history_names_a_laptop_test_in_words() -> None:
    from bench_app.wire.events import Event
    from ui.timeline import describe

    payload = {
        "job_id": "j1",
        "step_id": "usb_ports",
        "status": "passed",
        "summary": {"fr": "Testé : fonctionne.", "en": "Tested: works."},
    }
    step = Event("e1", "s1", 1, "Camille", "2026-12-05T05:00:00Z", "step.finished", "d1",
                 payload, False, "", "")  # fmt: skip
    assert describe(step, "fr", {}) == "Prises USB — Testé : fonctionne."
    assert describe(step, "en", {}) == "USB ports — Tested: works."


def test_a_key_is_lit_by_its_place_when_the_platform_says_it() -> None:
    from bench_app.diagnostics.laptop_guided import KEY_POSITIONS
    from ui.agent_window import key_position

    def pressed(key: Qt.Key, scan: int) -> QKeyEvent:
        return QKeyEvent(QKeyEvent.Type.KeyPress, key, Qt.KeyboardModifier.NoModifier, scan, 0, 0)

    # A framebuffer left with a US keymap: the AZERTY "A" (Linux KEY_Q, 16) reads as "Q";
    # Qt's evdev keyboard gives it as 16 + 8 (seen on the stick: KEY_Q lit "O", 24, before).
    assert key_position(pressed(Qt.Key.Key_Q, 16 + 8), "linuxfb") == "A"
    assert key_position(pressed(Qt.Key.Key_Q, 16 + 8), "eglfs") == "A"
    assert key_position(pressed(Qt.Key.Key_Q, 16 + 8), "xcb") == "A"
    assert key_position(pressed(Qt.Key.Key_M, 39 + 8), "wayland") == "M"
    # No place given (offscreen, a test): by Qt's name.
    assert key_position(pressed(Qt.Key.Key_Q, 0), "offscreen") == "Q"
    assert set(KEY_POSITIONS) == set(KEYBOARD_KEYS)
    assert len(set(KEY_POSITIONS.values())) == len(KEY_POSITIONS)  # one place per key


def test_the_microphone_level_and_the_wifi_networks_are_shown_and_sent(
    window: AgentWindow, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    import bench_app.agent_tests as desk_module

    read = {
        "microphone": {"recorder": "arecord", "level": 0.42},
        "wifi": {"interfaces": ["wlp2s0"], "networks": {"wlp2s0": ["Atelier", "Livebox-12AB"]}},
    }
    monkeypatch.setattr(desk_module, "automated_readings", lambda test_id: read[test_id])
    running = _Running(window, "microphone")
    qtbot.waitUntil(lambda: window.level.value() == 42)
    assert window.detail.text() == "Niveau enregistré : 42 %."
    qtbot.mouseClick(window.yes, Qt.MouseButton.LeftButton)
    assert running.join()["readings"] == read["microphone"]
    assert running.frames[0]["readings"] == read["microphone"]

    running = _Running(window, "wifi")
    qtbot.waitUntil(lambda: window.detail.text().startswith("Carte Wi-Fi : wlp2s0."))
    assert window.detail.text().endswith("Réseaux vus : 2 (Atelier, Livebox-12AB).")
    _press(window, Qt.Key.Key_Return)
    assert running.join()["readings"]["networks"] == {"wlp2s0": ["Atelier", "Livebox-12AB"]}


def test_alone_the_tests_are_answered_on_the_laptops_window(
    tmp_path: Path, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`etabli agent --bundle-dir` with a window: the journey runs on a thread of its own and
    each guided test is shown and answered on the window, recorded in the stick's log."""
    from bench_app.laptop_offline import desk_tester, prepare_offline, prepare_stick, run_offline
    from bench_app.laptop_tests import chosen_tests
    from tests.laptop_agent.test_agent_process import _fake_programs

    _fake_programs(tmp_path / "bin")
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    stick = tmp_path / "stick"
    prepare_stick(tmp_path / "station", stick)
    disk = tmp_path / "disk-LAPA1.img"
    disk.write_bytes(b"donor " * 100_000)
    prepared = prepare_offline(stick, [str(disk)])
    state = AgentState(prepared[2]["agent_id"], "", prepared[2], data_dir=prepared[0])
    window = AgentWindow(state, "fr")
    state.on_event = window.changed.emit
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    assert window.status.text().startswith("Le portable fait son parcours seul")
    assert not window.code.isVisible()

    outcome: dict[str, Any] = {}

    def asset(code: str) -> None:
        state.asset_code = code
        state.on_event("asset")

    worker = threading.Thread(
        daemon=True,
        target=lambda: outcome.update(
            run_offline(
                stick, [str(disk)], method="clear-zero", confirms=[], operator="Camille",
                say=lambda _t: None, ask=lambda _t: None,
                tests=chosen_tests(["keyboard", "screen"]),
                tester=desk_tester(state.desk), prepared=prepared, on_asset=asset,
            )
        )
    )  # fmt: skip
    worker.start()
    try:
        qtbot.waitUntil(lambda: window.running == "keyboard" and window.keyboard.isVisible())
        assert window.asset.text() == state.asset_code != ""  # the home page's big code
        qtbot.mouseClick(window.no, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: window.running == "screen")
        qtbot.mouseClick(window.yes, Qt.MouseButton.LeftButton)
    finally:
        while worker.is_alive():  # a failure above: every test left ends skipped
            state.desk.cancel()
            worker.join(0.2)
    answers = [(t["test"], t["answer"], t["by"]) for t in outcome["tests"]]
    assert answers == [("keyboard", "ko", "laptop"), ("screen", "ok", "laptop")]
    assert outcome["asset_code"] == window.asset.text()
    assert b"donor" in disk.read_bytes()  # no disk confirmed: nothing erased
