"""A drive at the end of its life ends red, "Disque à recycler", with the reasons its own
SMART check gave, on the card and the panel; a healthy drive still ends green."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from bench_app.domain.model import DeviceStage, JobState
from bench_app.simulators.docked_drive import DriveBehaviour, SimulatedDockedDrive
from tests.ui.conftest import Bench
from tests.ui.screens import SCREEN, screenshot

WAIT = 60_000


def erase_through_the_window(qtbot: QtBot, bench: Bench, drive: SimulatedDockedDrive) -> str:
    """Plugs nothing: starts the check from the drive's card, picks zeros, types the serial's
    end, and waits for the job to end. Returns the device id."""
    window = bench.window
    qtbot.waitUntil(lambda: drive.key in bench.station.known_keys(), timeout=WAIT)
    device_id = bench.station.known_keys()[drive.key]
    qtbot.waitUntil(lambda: device_id in window.cards, timeout=WAIT)
    window.select(device_id)
    qtbot.mouseClick(window.cards[device_id].button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.views[device_id].prompt is not None, timeout=WAIT)
    window._flush(full=True)
    buttons = {b.text(): b for b in window.panel.answer_buttons()}
    qtbot.mouseClick(buttons["Réécrire avec des zéros — conseillé"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: (p := window.views[device_id].prompt) is not None and p.entry is not None,
        timeout=WAIT,
    )
    window._flush(full=True)
    window.panel.entry.setText(drive.serial[-4:])
    qtbot.mouseClick(window.panel.entry_ok, Qt.MouseButton.LeftButton)

    def over() -> bool:
        job = bench.station.latest_job(device_id)
        return (
            job is not None
            and not job.state.active
            and bench.station.engine.job_for_device(device_id) is None
        )

    qtbot.waitUntil(over, timeout=WAIT)
    return device_id


def test_a_drive_at_the_end_of_its_life_ends_red_to_recycle(
    make_bench: Callable[..., Bench], qtbot: QtBot, artifacts_dir: Path
) -> None:
    bench = make_bench()
    window = bench.window
    window.resize(*SCREEN)
    drive = bench.simulator.add_drive("hdd-sata-500", DriveBehaviour.END_OF_LIFE)
    device_id = erase_through_the_window(qtbot, bench, drive)
    job = bench.station.latest_job(device_id)
    assert job is not None and job.state is JobState.SUCCEEDED  # its data is erased all the same
    assert bench.station.device(device_id).stage is DeviceStage.ERASED  # type: ignore[union-attr]
    card = window.cards[device_id]
    qtbot.waitUntil(lambda: card.state.text() == "Disque à recycler", timeout=WAIT)
    assert "#c62828" in card.state.styleSheet()  # red, not the green of a finished check
    assert card.step.text() == "SMART : échec · Secteurs défectueux : 1\u202f240"
    window._flush(full=True)
    panel = window.panel
    assert panel.state.text() == "Disque à recycler"
    assert "#c62828" in panel.state.styleSheet()
    message = panel.step_message.text().splitlines()
    assert message[:2] == ["SMART : échec", "Secteurs défectueux : 1\u202f240"]
    screenshot(window, artifacts_dir / "drive-to-recycle.png")


def test_a_healthy_drive_still_ends_green(make_bench: Callable[..., Bench], qtbot: QtBot) -> None:
    bench = make_bench()
    drive = bench.simulator.add_drive("hdd-sata-500")
    device_id = erase_through_the_window(qtbot, bench, drive)
    card = bench.window.cards[device_id]
    # Its job was its erasure: the card says so, in green.
    qtbot.waitUntil(lambda: card.state.text() == "Données effacées", timeout=WAIT)
    assert "#2e7d32" in card.state.styleSheet()
    assert "SMART" not in card.step.text()
