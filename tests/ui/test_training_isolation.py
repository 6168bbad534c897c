"""The classroom set in the window: switching training off takes its cards and its simulated
phones away (and on brings them back); each card says which hard case it shows; the phone
whose cable is pulled during its check keeps its card and is plugged back from it, after a
restart of the window too."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QCoreApplication
from pytestqt.qtbot import QtBot

from bench_app.devices.android.keys import station_signer
from bench_app.domain.model import DeviceKind, JobState
from bench_app.simulators.mode import SimulationMode
from bench_app.simulators.source import SimulatedSource, Timing
from bench_app.station import Station
from tests.ui.conftest import Bench
from tests.unit.support import finish, wait_for
from ui.main_window import MainWindow

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CAPTIONS = {
    "Téléphone sain",
    "Compte Google bloqué (FRP)",
    "Batterie usée",
    "Câble débranché pendant le contrôle",
    "Disque sain",
}


def _training_cards(window: MainWindow) -> list[str]:
    return [d for d in window.cards if window.views[d].device.training]


def _redmi(window: MainWindow) -> str:
    return next(d for d in window.cards if window.views[d].device.model == "Redmi 5A")


def _settle() -> None:
    """Delivers the signals already posted to the window (no waiting on time)."""
    for _ in range(3):
        QCoreApplication.processEvents()


def _pull_the_cable(window: MainWindow, qtbot: QtBot) -> str:
    """Starts the Redmi's check; its cable comes out half-way; returns its device id."""
    redmi = _redmi(window)
    window.cards[redmi].button.click()
    qtbot.waitUntil(lambda: window.views[redmi].state is JobState.INTERRUPTED, timeout=20_000)
    qtbot.waitUntil(lambda: window.cards[redmi].button.text() == "Rebrancher", timeout=10_000)
    return redmi


def test_switching_training_off_takes_the_classroom_set_away_and_on_brings_it_back(
    make_bench: Callable[..., Bench], qtbot: QtBot, data_dir: Path
) -> None:
    bench = make_bench(training=False)
    window = bench.window
    window.adb_signer = station_signer(data_dir)  # as the app gives it
    real = bench.station.register_device(DeviceKind.LAPTOP, brand="Dell", model="Latitude 5490")
    window.select_device_card(real.id)

    window.training_toggle.setChecked(True)
    qtbot.waitUntil(lambda: len(_training_cards(window)) == 5, timeout=20_000)
    classroom = set(_training_cards(window))
    assert window.simulator is not None
    phones = list(window.simulator._adb.values())
    assert len(phones) == 4 and all(p.listening for p in phones)
    _pull_the_cable(window, qtbot)
    # A check cut by the switch (its job interrupted, so resumable) must not bring its card back.
    fairphone = next(d for d in window.cards if window.views[d].device.model == "FP4")
    window.cards[fairphone].button.click()
    qtbot.waitUntil(lambda: bench.station.engine.job_for_device(fairphone) is not None)
    ARTIFACTS.mkdir(exist_ok=True)
    window.grab().save(str(ARTIFACTS / "training-classroom-set.png"))

    window.training_toggle.setChecked(False)
    qtbot.waitUntil(lambda: bench.station.engine.active() == [], timeout=20_000)
    _settle()
    cut = bench.station.latest_job(fairphone)
    assert cut is not None and cut.state is JobState.INTERRUPTED
    assert _training_cards(window) == [] and list(window.cards) == [real.id]
    assert not any(p.listening for p in phones)  # the simulated phones are stopped
    assert window.simulator is None and bench.station.connected_device_ids() == []
    assert window.banner.isHidden()
    window.grab().save(str(ARTIFACTS / "training-switched-off.png"))

    window.training_toggle.setChecked(True)
    qtbot.waitUntil(lambda: len(_training_cards(window)) == 5, timeout=20_000)
    assert set(_training_cards(window)) == classroom  # the same classroom records again


def test_each_classroom_card_says_which_case_it_shows(
    make_bench: Callable[..., Bench], qtbot: QtBot
) -> None:
    bench = make_bench(training=True)
    window = bench.window
    bench.simulator.add_training_set()
    qtbot.waitUntil(lambda: len(window.cards) == 5, timeout=20_000)
    shown = {c.case.text() for c in window.cards.values() if c.case.isVisibleTo(c)}
    assert shown == CAPTIONS
    english = {v.caption.en for v in window.views.values() if v.caption}
    assert "Google account lock (FRP)" in english and "Worn battery" in english


def test_the_cable_pulled_phone_keeps_its_card_and_is_plugged_back_from_it(
    make_bench: Callable[..., Bench], qtbot: QtBot
) -> None:
    bench = make_bench(training=True)
    window = bench.window
    bench.simulator.add_training_set()
    qtbot.waitUntil(lambda: len(window.cards) == 5, timeout=20_000)
    redmi = _pull_the_cable(window, qtbot)
    card = window.cards[redmi]
    assert not window.views[redmi].connected
    assert "débranché pendant l’étape" in card.step.toolTip()
    assert card.button.isEnabled()
    # No selection needed: another card is selected when its own button is pressed.
    window.select(next(d for d in window.cards if d != redmi))

    card.button.click()

    qtbot.waitUntil(lambda: window.views[redmi].connected, timeout=20_000)
    qtbot.waitUntil(lambda: card.button.text() == "Reprendre", timeout=10_000)
    card.button.click()

    def going_on() -> bool:  # the check goes on from its step
        resumed = bench.station.latest_job(redmi)
        return resumed is not None and resumed.state.active

    qtbot.waitUntil(going_on, timeout=10_000)


def test_plugging_back_works_after_a_restart_on_the_same_training_folder(
    make_bench: Callable[..., Bench], qtbot: QtBot, data_dir: Path
) -> None:
    # A first session: the Redmi's cable is pulled during its check, then the window closes.
    first = Station(data_dir, training=True, operator="test")
    source = SimulatedSource(
        SimulationMode.TEST, Timing(scale=0.02), adb_signer=station_signer(data_dir)
    )
    first.attach_source(source)
    try:
        redmi_key = source.add_training_set()[3].key
        wait_for(lambda: redmi_key in first.known_keys(), "the Redmi registered")
        device_id = first.known_keys()[redmi_key]
        assert finish(first.start_job(device_id)) is JobState.INTERRUPTED
    finally:
        first.close()

    # The window again, on the same folder: the classroom set is made again.
    bench = make_bench(training=True)
    window = bench.window
    bench.simulator.add_training_set()
    qtbot.waitUntil(lambda: len(window.cards) == 5, timeout=20_000)
    assert _redmi(window) == device_id
    card = window.cards[device_id]
    qtbot.waitUntil(lambda: card.button.text() == "Reprendre", timeout=10_000)
    card.button.click()  # resumed: its cable comes out again on this new simulated phone
    qtbot.waitUntil(lambda: not window.views[device_id].connected, timeout=20_000)
    qtbot.waitUntil(lambda: card.button.text() == "Rebrancher", timeout=10_000)

    card.button.click()

    qtbot.waitUntil(lambda: window.views[device_id].connected, timeout=20_000)
