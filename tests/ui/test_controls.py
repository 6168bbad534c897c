"""Every control a card or the panel offers does something the operator sees: a dialog, the
panel moving to what was asked, or a job starting. A blocked phone says what to do and can be
checked again; stopping a job asks first."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton, QWidget
from pytestqt.qtbot import QtBot

from bench_app.devices.android.driver import AndroidPhone
from bench_app.devices.android.tcp_source import TcpPhoneSource
from bench_app.domain.model import JobState
from bench_app.simulators.adb_phone import AdbSimulator
from tests.ui.conftest import Bench
from tests.ui.screens import SCREEN, screenshot
from tests.ui.test_main_window import answer_all_prompts

WAIT = 20_000


def dialogs(window: QWidget) -> list[QWidget]:
    """The windows open over the main window."""
    return [w for w in QApplication.topLevelWidgets() if w.isVisible() and w is not window]


def close_dialogs(window: QWidget) -> None:
    """Closes what a click opened; a stop question is answered No, so nothing is stopped."""
    for widget in dialogs(window):
        if isinstance(widget, QMessageBox):
            no = next(b for b in widget.buttons() if b.text() == "Non")
            no.click()
        else:
            widget.close()


def seen(bench: Bench, device_id: str) -> tuple[object, ...]:
    """What the operator can see change after a click."""
    window = bench.window
    job = bench.station.latest_job(device_id)
    return (
        tuple(sorted(type(w).__name__ for w in dialogs(window))),
        job.id if job else None,
        bench.station.engine.job_for_device(device_id) is not None,
        window.focusWidget(),  # where the keyboard goes in the window
        window.panel.verticalScrollBar().value(),
        window.panel.results.currentRow(),
    )


def offered(bench: Bench, device_id: str) -> dict[str, QPushButton]:
    """Every enabled button the card and the panel show for this device, by place and text."""
    window = bench.window
    window._flush(full=True)
    panel = window.panel
    buttons = {"card: " + window.cards[device_id].button.text(): window.cards[device_id].button}
    for button in (
        panel.next_button,
        panel.help_button,
        panel.restart_button,
        panel.cancel_button,
        panel.abandon_button,
    ):
        if button.isVisibleTo(panel) and button.isEnabled():
            buttons["panel: " + button.text()] = button
    return {k: b for k, b in buttons.items() if b.isEnabled() and b.isVisibleTo(window)}


def click_every_control(qtbot: QtBot, bench: Bench, device_id: str) -> list[str]:
    """Clicks each control offered for the device as it stands; each must change what is
    seen. Those that open a dialog are closed again; stops at the first that starts work."""
    window = bench.window
    clicked: list[str] = []
    while True:
        window.select(device_id)
        todo = {k: b for k, b in offered(bench, device_id).items() if k not in clicked}
        if not todo:
            return clicked
        name, button = next(iter(todo.items()))
        window.focus_search()  # a neutral place to start from
        before = seen(bench, device_id)
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda b=before: seen(bench, device_id) != b, timeout=WAIT)  # type: ignore[misc]
        clicked.append(name)
        opened = dialogs(window)
        close_dialogs(window)
        if not opened and seen(bench, device_id)[1:3] != before[1:3]:
            return clicked  # work started: the device is in another state now


def first_card(bench: Bench, qtbot: QtBot) -> str:
    """The only card, once it is on screen (a layout shows a new card at the next turn)."""
    cards = bench.window.cards
    qtbot.waitUntil(
        lambda: len(cards) == 1 and next(iter(cards.values())).isVisible(), timeout=WAIT
    )
    return next(iter(cards))


def wait_state(qtbot: QtBot, bench: Bench, device_id: str, state: JobState) -> None:
    def reached() -> bool:
        job = bench.station.latest_job(device_id)
        return (
            job is not None
            and job.state is state
            and bench.station.engine.job_for_device(device_id) is None
        )

    qtbot.waitUntil(reached, timeout=WAIT)
    bench.window._stale.add(device_id)  # re-read now, not at the next queued signal
    bench.window._mark(device_id, full=True)
    bench.window._flush(full=True)


def test_every_control_of_a_phone_does_something_visible_in_each_state(
    make_bench: Callable[..., Bench], qtbot: QtBot
) -> None:
    bench = make_bench()
    bench.simulator.add_adb_phone("fairphone-4")
    device_id = first_card(bench, qtbot)
    # Ready: starting the check starts a job.
    assert click_every_control(qtbot, bench, device_id) == ["card: Lancer le contrôle"]
    # A question awaits: the card brings it forward; the panel prints a label, stops (asks).
    qtbot.waitUntil(lambda: bench.window.views[device_id].prompt is not None, timeout=WAIT)
    clicked = click_every_control(qtbot, bench, device_id)
    assert clicked == ["card: Répondre à la question", "panel: Annuler"]
    assert bench.station.engine.job_for_device(device_id) is not None  # "Non" kept it going
    answer_all_prompts(qtbot, bench, device_id)
    wait_state(qtbot, bench, device_id, JobState.SUCCEEDED)
    # Checked: the journey's next stage, the data wipe, starts from the card.
    assert click_every_control(qtbot, bench, device_id) == ["card: Effacer les données"]
    # The job's worker records its creation (engine.submit): wait for that record.
    qtbot.waitUntil(
        lambda: getattr(bench.station.latest_job(device_id), "pipeline", "") == "phone.wipe",
        timeout=WAIT,
    )


def wifi_phone(bench: Bench, persona: str) -> tuple[TcpPhoneSource, AdbSimulator]:
    """A phone outside the simulator source, reached as the window reaches a phone over
    Wi-Fi: the station cannot plug it back in itself. Stop both when done."""
    signer = bench.simulator.adb_signer
    assert signer is not None
    tcp = TcpPhoneSource(lambda target: AndroidPhone(target, signer), poll_s=0.1)
    bench.station.attach_source(tcp)
    bench.window.set_tcp_source(tcp)
    phone = AdbSimulator(persona)
    tcp.add("127.0.0.1", phone.start())
    return tcp, phone


def test_a_simulated_device_unplugged_is_plugged_back_from_its_card(
    make_bench: Callable[..., Bench], qtbot: QtBot
) -> None:
    bench = make_bench()
    drive = bench.simulator.add_drive("ssd-sata-256")
    device_id = first_card(bench, qtbot)
    bench.simulator.unplug(drive.key)
    qtbot.waitUntil(lambda: not bench.window.cards, timeout=WAIT)
    bench.window.select_device_card(device_id)  # found again by its code
    bench.window._flush(full=True)
    card = bench.window.cards[device_id]
    qtbot.waitUntil(card.isVisible, timeout=WAIT)
    assert card.button.text() == "Rebrancher" and card.button.isEnabled()
    assert bench.station.handle(device_id) is None
    qtbot.mouseClick(card.button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bench.station.handle(device_id) is not None, timeout=WAIT)
    qtbot.waitUntil(lambda: card.button.text() == "Lancer le contrôle", timeout=WAIT)
    assert bench.window.help_dialog is None  # plugged back, nothing to explain


def test_a_phone_gone_from_wifi_says_how_to_reach_it_again_over_wifi(
    make_bench: Callable[..., Bench], qtbot: QtBot, artifacts_dir: Path
) -> None:
    bench = make_bench()
    tcp, phone = wifi_phone(bench, "google-pixel-6")
    port = phone.port
    try:
        device_id = first_card(bench, qtbot)
        phone.stop()  # the phone leaves: its idle card goes
        qtbot.waitUntil(lambda: not bench.window.cards, timeout=WAIT)
        bench.window.select_device_card(device_id)  # found again by its code
        bench.window._flush(full=True)
        card = bench.window.cards[device_id]
        qtbot.waitUntil(card.isVisible, timeout=WAIT)
        assert card.button.text() == "Comment le reconnecter"
        assert click_every_control(qtbot, bench, device_id) == [
            "card: Comment le reconnecter",
            "panel: Comment le reconnecter",
        ]
        qtbot.mouseClick(card.button, Qt.MouseButton.LeftButton)
        help_dialog = bench.window.help_dialog
        assert help_dialog is not None and help_dialog.isVisible()
        assert help_dialog.windowTitle() == "Reconnecter le téléphone par Wi-Fi"
        assert "même Wi-Fi" in help_dialog.texts[0]
        assert not any("câble" in text or "USB" in text for text in help_dialog.texts)
        assert help_dialog.texts[-1] == f"Dernière adresse : 127.0.0.1:{port}"
        assert all(not p.pixmap().isNull() for p in help_dialog.pictures)
        screenshot(bench.window, artifacts_dir / "plug-help-phone.png", help_dialog)
        help_dialog.close()
        assert bench.station.handle(device_id) is None  # nothing was plugged back
    finally:
        tcp.stop()
        phone.close()


def test_an_interrupted_check_can_be_resumed_or_abandoned_after_a_question(
    make_bench: Callable[..., Bench], qtbot: QtBot
) -> None:
    bench = make_bench()
    # The cable comes out during the battery reading, as in the classroom set.
    bench.simulator.add_adb_phone("xiaomi-redmi-5a", unplug_after_commands=6)
    device_id = first_card(bench, qtbot)
    bench.station.start_job(device_id)
    wait_state(qtbot, bench, device_id, JobState.INTERRUPTED)
    card = bench.window.cards[device_id]
    # The cut ends the job at once; the unplug reaches the window with the next cable event.
    qtbot.waitUntil(lambda: card.state.text() == "Interrompu · débranché", timeout=WAIT)
    # A simulated phone: the station plugs it back in itself.
    assert card.button.text() == "Rebrancher" and card.button.isEnabled()
    window = bench.window
    window.select(device_id)
    ask_abandon_and_say_no(qtbot, bench, device_id)
    qtbot.mouseClick(card.button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: card.button.text() == "Reprendre", timeout=WAIT)
    assert click_every_control(qtbot, bench, device_id) == ["card: Reprendre"]
    answer_all_prompts(qtbot, bench, device_id)
    assert bench.station.latest_job(device_id).state is JobState.SUCCEEDED  # type: ignore[union-attr]


def test_an_interrupted_check_of_a_real_phone_waits_for_its_cable(
    make_bench: Callable[..., Bench], qtbot: QtBot
) -> None:
    bench = make_bench()
    # Its cable comes out during the battery reading; only a person can plug it back in.
    tcp, phone = wifi_phone(bench, "cable-pulled")
    try:
        device_id = first_card(bench, qtbot)
        bench.station.start_job(device_id)
        wait_state(qtbot, bench, device_id, JobState.INTERRUPTED)
        card = bench.window.cards[device_id]
        qtbot.waitUntil(lambda: card.state.text() == "Interrompu · débranché", timeout=WAIT)
        assert card.button.text() == "Rebranchez l’appareil"
        assert not card.button.isEnabled()  # nothing to click until it is back
        bench.window.select(device_id)
        ask_abandon_and_say_no(qtbot, bench, device_id)
        phone.start()  # a person plugs the cable back in
        qtbot.waitUntil(lambda: card.button.text() == "Reprendre", timeout=WAIT)
        assert card.button.isEnabled()
    finally:
        tcp.stop()
        phone.close()


def ask_abandon_and_say_no(qtbot: QtBot, bench: Bench, device_id: str) -> None:
    """Abandon asks first; "Non" leaves the job resumable."""
    window = bench.window
    qtbot.mouseClick(window.panel.abandon_button, Qt.MouseButton.LeftButton)
    question = window.stop_question
    assert question is not None and question.isVisible()
    assert question.text() == "Arrêter ce travail ?"
    assert [b.text() for b in question.buttons()] == ["Oui", "Non"]
    next(b for b in question.buttons() if b.text() == "Non").click()
    assert bench.station.latest_job(device_id).state is JobState.INTERRUPTED  # type: ignore[union-attr]


def test_cancel_and_abandon_ask_before_acting(
    make_bench: Callable[..., Bench], qtbot: QtBot
) -> None:
    bench = make_bench()
    bench.simulator.add_adb_phone("fairphone-4")
    device_id = first_card(bench, qtbot)
    window = bench.window
    bench.station.start_job(device_id)
    qtbot.waitUntil(lambda: window.views[device_id].prompt is not None, timeout=WAIT)
    window.select(device_id)
    window._flush(full=True)
    qtbot.mouseClick(window.panel.cancel_button, Qt.MouseButton.LeftButton)
    question = window.stop_question
    assert question is not None and question.isVisible()
    assert question.text() == "Arrêter ce travail ?"
    assert question.informativeText() == "Vous pourrez le reprendre plus tard."
    # Nothing is stopped while the question is open.
    assert bench.station.engine.job_for_device(device_id) is not None
    next(b for b in question.buttons() if b.text() == "Oui").click()
    wait_state(qtbot, bench, device_id, JobState.CANCELLED)
    assert window.panel.abandon_button.isVisibleTo(window.panel)
    qtbot.mouseClick(window.panel.abandon_button, Qt.MouseButton.LeftButton)
    question = window.stop_question
    assert question is not None and question.informativeText() == "Il ne pourra plus être repris."
    next(b for b in question.buttons() if b.text() == "Oui").click()
    wait_state(qtbot, bench, device_id, JobState.ABANDONED)


def test_a_blocked_phone_says_what_to_do_and_checks_again(
    make_bench: Callable[..., Bench], qtbot: QtBot, artifacts_dir: Path
) -> None:
    bench = make_bench()
    window = bench.window
    window.resize(*SCREEN)
    sim = bench.simulator.add_adb_phone("frp-locked")
    device_id = first_card(bench, qtbot)
    bench.station.start_job(device_id)
    answer_all_prompts(qtbot, bench, device_id)  # Android 14 keeps its IMEI: none at hand
    wait_state(qtbot, bench, device_id, JobState.BLOCKED)
    first_job = bench.station.latest_job(device_id)
    card = window.cards[device_id]
    window.select(device_id)
    window._flush(full=True)
    panel = window.panel
    assert card.state.text() == "Bloqué"
    assert card.button.text() == "Voir quoi faire"
    assert panel.next_button.text() == "Voir quoi faire"
    assert panel.restart_button.isVisibleTo(panel)
    assert panel.restart_button.text() == "Relancer le contrôle"
    # "See what to do": how to remove the Google account, with pictures.
    qtbot.mouseClick(card.button, Qt.MouseButton.LeftButton)
    help_dialog = window.help_dialog
    assert help_dialog is not None and help_dialog.isVisible()
    assert help_dialog.title.text() == "Retirer le compte Google"
    assert any("Supprimer le compte" in t for t in help_dialog.texts)
    assert all(not p.pixmap().isNull() for p in help_dialog.pictures)
    screenshot(window, artifacts_dir / "blocked-phone-help.png", help_dialog)
    qtbot.mouseClick(help_dialog.ok_button, Qt.MouseButton.LeftButton)
    assert not help_dialog.isVisible()
    screenshot(window, artifacts_dir / "blocked-phone-panel.png")
    # Every control offered does something; "Relancer le contrôle" starts a new check.
    clicked = click_every_control(qtbot, bench, device_id)
    assert clicked[-1] == "panel: Relancer le contrôle", clicked
    assert "card: Voir quoi faire" in clicked
    assert first_job is not None
    qtbot.waitUntil(
        lambda: (j := bench.station.latest_job(device_id)) is not None and j.id != first_job.id,
        timeout=WAIT,
    )
    second_job = bench.station.latest_job(device_id)
    assert second_job is not None
    answer_all_prompts(qtbot, bench, device_id)
    wait_state(qtbot, bench, device_id, JobState.BLOCKED)  # the account is still there
    # Unplugged and plugged back (the account removed meanwhile): checking again comes first.
    bench.simulator.unplug(sim.key)
    qtbot.waitUntil(lambda: device_id not in window.cards, timeout=WAIT)
    bench.simulator.replug(sim.key)
    qtbot.waitUntil(
        lambda: device_id in window.cards and window.cards[device_id].isVisible(), timeout=WAIT
    )
    window._flush(full=True)
    card = window.cards[device_id]
    assert card.button.text() == "Relancer le contrôle"
    window.select(device_id)
    assert window.panel.help_button.isVisibleTo(window.panel)  # what to do stays at hand
    qtbot.mouseClick(card.button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: (j := bench.station.latest_job(device_id)) is not None and j.id != second_job.id,
        timeout=WAIT,
    )
