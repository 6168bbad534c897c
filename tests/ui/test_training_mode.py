"""Training mode is explicit, visible on every screen, and never mistaken for real work."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import cast

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMenu
from pytestqt.qtbot import QtBot

from bench_app.devices.android.driver import AndroidPhone
from bench_app.diagnostics.android import phone_steps
from bench_app.domain.model import DeviceKind, DeviceStage, DonorKind, JobState, PreSort
from bench_app.simulators.docked_drive import SimulatedDockedDrive
from bench_app.station import Station
from bench_app.store import queries
from bench_app.store.database import NewEvent
from tests.ui.conftest import Bench
from ui.intake_dialog import IntakeDialog


def test_banner_and_simulator_menu_only_in_training(
    make_bench: Callable[..., Bench], qtbot: QtBot, data_dir: Path
) -> None:
    bench = make_bench(training=True)
    window = bench.window
    assert window.banner.isVisibleTo(window) and "FORMATION" in window.banner.text()
    assert "FORMATION" in window.windowTitle()
    assert window.sim_button.isVisibleTo(window)
    menu_titles = [a.text() for a in window._sim_menu.actions()]
    assert "Brancher un téléphone" in menu_titles and "Brancher un disque" in menu_titles
    # The menu really plugs in a simulated ADB phone with the chosen behaviour.
    phone_menu = next(
        cast(QMenu, a.menu())
        for a in window._sim_menu.actions()
        if a.text() == "Brancher un téléphone"
    )
    hard_cases = next(
        cast(QMenu, a.menu()) for a in phone_menu.actions() if a.text() == "Cas difficiles"
    )
    locked = next(a for a in hard_cases.actions() if a.text() == "bloqué par un compte Google")
    locked.trigger()
    qtbot.waitUntil(lambda: len(window.cards) == 1, timeout=10_000)
    sim = bench.simulator.known()[0]
    assert isinstance(sim, AndroidPhone)
    assert bench.simulator.simulator(sim.key).persona.name == "frp-locked"
    # Every record made in training is marked as such, intake included.
    dialog = IntakeDialog(bench.station, "fr", window)
    qtbot.addWidget(dialog)
    dialog.donor_name.setText("Donateur de démonstration")
    dialog.serial.setText("DEMO-0001")  # intake needs a serial or an IMEI
    dialog.register()
    assert dialog.code.text().startswith("TEST-")
    rows = bench.station.store.query("SELECT DISTINCT training FROM events")
    assert rows == [(1,)]
    assert all(d.training for d in queries.devices(bench.station.store))
    assert queries.devices(bench.station.store, include_training=False) == []


def test_real_mode_has_no_banner_and_no_simulator(make_bench: Callable[..., Bench]) -> None:
    bench = make_bench(training=False)
    assert bench.window.banner.isHidden()
    assert not bench.window.sim_button.isVisibleTo(bench.window)
    assert "FORMATION" not in bench.window.windowTitle()


def test_restart_after_a_crash_shows_the_job_interrupted(
    make_bench: Callable[..., Bench], qtbot: QtBot, data_dir: Path
) -> None:
    # A first session leaves a job running in the log (as a killed process would).
    first = Station(data_dir, training=True, operator="test")
    device = first.register_device(
        DeviceKind.PHONE,
        brand="Fairphone",
        model="FP4",
        serial="SIMFP40001",
        training=True,
    )
    first._record(
        [
            NewEvent(
                "job.created",
                {
                    "job_id": "j-1",
                    "device_id": device.id,
                    "pipeline": "phone.check",
                    "steps": [step.id for step in phone_steps()],
                    "stage_on_success": "graded",
                },
                device.id,
            )
        ]
    )
    first._record([NewEvent("job.started", {"job_id": "j-1"}, device.id)])
    first._record([NewEvent("step.started", {"job_id": "j-1", "step_id": "identity"}, device.id)])
    first._record(
        [
            NewEvent(
                "step.finished",
                {
                    "job_id": "j-1",
                    "step_id": "identity",
                    "status": "passed",
                    "summary": {"fr": "ok", "en": "ok"},
                },
                device.id,
            )
        ]
    )
    first.store.close()  # no shutdown: like a kill -9, the job stays "running"

    bench = make_bench(training=True)
    assert bench.station.interrupted_on_open == ["j-1"]
    bench.simulator.add_adb_phone("fairphone-4", serial="SIMFP40001")
    qtbot.waitUntil(lambda: device.id in bench.window.cards, timeout=10_000)
    card = bench.window.cards[device.id]
    bench.window._flush(full=True)
    assert card.state.text() == "Interrompu"
    assert card.button.text() == "Reprendre"
    qtbot.mouseClick(card.button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bench.window.views[device.id].prompt is not None, timeout=10_000)
    started = [
        e.payload["step_id"]
        for e in queries.events(bench.station.store, device.id)
        if e.type == "step.started"
    ]
    assert started.count("identity") == 1  # the finished step was not run again
    resumed = bench.station.latest_job(device.id)
    assert resumed is not None and resumed.state.active


def test_training_toggle_switches_modes_without_mixing_data(
    make_bench: Callable[..., Bench], qtbot: QtBot
) -> None:
    bench = make_bench(training=False)
    window = bench.window
    real = bench.station.register_device(DeviceKind.LAPTOP, brand="Dell", model="Latitude 5490")
    window.select_device_card(real.id)
    assert (
        window.training_toggle.text() == "Mode formation" and not window.training_toggle.isChecked()
    )

    window.training_toggle.setChecked(True)
    qtbot.waitUntil(lambda: len(window.cards) == 6, timeout=10_000)
    assert window.banner.isVisibleTo(window) and window.sim_button.isVisibleTo(window)
    training_ids = [d for d, v in window.views.items() if v.device.training]
    assert len(training_ids) == 5
    assert all(window.views[d].device.asset_code.startswith("TEST-") for d in training_ids)
    # A real device's facts stay real while training mode is on.
    donor = bench.station.register_donor("Vrai donateur", DonorKind.COMPANY)
    bench.station.attach_to_lot(real.id, bench.station.register_lot(donor))
    bench.station.presort(real.id, PreSort.REUSE)
    flags = bench.station.store.query(
        "SELECT DISTINCT training FROM events WHERE device_id = ?", (real.id,)
    )
    assert flags == [(0,)]

    window.training_toggle.setChecked(False)
    qtbot.waitUntil(lambda: len(window.cards) == 1, timeout=10_000)
    assert real.id in window.cards
    assert window.banner.isHidden() and not window.sim_button.isVisibleTo(window)
    assert bench.station.connected_device_ids() == []


def test_a_trainee_erases_the_classroom_drive_through_the_window(
    make_bench: Callable[..., Bench], qtbot: QtBot
) -> None:
    """The classroom's drive is an image file the real erasure overwrites: chosen method,
    serial typed from the label, every byte zero afterwards."""
    bench = make_bench(training=True)
    window = bench.window
    bench.simulator.add_training_set()
    qtbot.waitUntil(lambda: len(window.cards) == 5, timeout=20_000)
    drive = next(h for h in bench.simulator.known() if isinstance(h, SimulatedDockedDrive))
    device_id = bench.station.known_keys()[drive.key]
    assert window.cards[device_id].title.text() == "Seagate ST500LM021-1KJ152"
    assert drive.image.read_bytes() != bytes(drive.size)
    window.select(device_id)
    qtbot.mouseClick(window.cards[device_id].button, Qt.MouseButton.LeftButton)

    qtbot.waitUntil(lambda: window.views[device_id].prompt is not None, timeout=20_000)
    window._flush(full=True)
    buttons = {b.text(): b for b in window.panel.answer_buttons()}
    qtbot.mouseClick(buttons["Réécrire avec des zéros — conseillé"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: (p := window.views[device_id].prompt) is not None and p.entry is not None,
        timeout=20_000,
    )
    window._flush(full=True)
    window.panel.entry.setText("5HDD")  # the end of the serial on the drive's label
    qtbot.mouseClick(window.panel.entry_ok, Qt.MouseButton.LeftButton)

    def over() -> bool:
        job = bench.station.latest_job(device_id)
        return job is not None and not job.state.active

    qtbot.waitUntil(over, timeout=60_000)
    job = bench.station.latest_job(device_id)
    assert job is not None
    assert job.state is JobState.SUCCEEDED, job.message
    assert drive.image.read_bytes() == bytes(drive.size)
    device = bench.station.device(device_id)
    assert device is not None and device.training and device.stage is DeviceStage.ERASED
