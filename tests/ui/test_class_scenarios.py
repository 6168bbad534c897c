"""The class scenarios about the workshop's records, each played through the real window
and core as a trainer shows it: a loan and its return (the phone back goes to its check
and wipe), a donation from its intake to its report (labels scanned into it, a drive
really erased, the report naming every device), and the trainer's approval of a failed
check with the scenario's PIN. What a scenario sets up goes to the training data only, and
a station not in training refuses it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from bench_app.class_seeds import (
    CLASS_AGREEMENT,
    CLASS_FILE,
    CLASS_TRAINER,
    CLASS_TRAINER_PIN,
    SEED_AUTHOR,
    seed_scenario,
)
from bench_app.domain.model import JobState, OutcomeKind
from bench_app.errors import BenchError
from bench_app.journey import Stage
from bench_app.simulators.scenarios import find_scenario
from bench_app.station import Station
from bench_app.store import queries
from tests.output.reports.support import pdf_text
from tests.ui.conftest import Bench, save_with_dialog
from tests.ui.screens import SCREEN, screenshot
from tests.ui.test_journey_window import answer_until_over, big_button, click, other_menu
from ui.approval_dialog import ApprovalDialog
from ui.journey_actions import Other
from ui.loans_view import LoansView
from ui.lots_view import LotsView
from ui.outcome_dialog import OutcomeDialog
from ui.return_dialog import ReturnDialog
from ui.timeline import describe

WAIT = 60_000


def _play(bench: Bench, qtbot: QtBot, name: str) -> dict[str, str]:
    """Plays the scenario from the trainer's menu; its devices' ids by serial, once every
    card is there."""
    scenario = find_scenario(name)
    (entry,) = [a for a in bench.window._scenario_menu.actions() if a.text() == scenario.title.fr]
    entry.trigger()
    qtbot.waitUntil(lambda: len(bench.window.cards) == len(scenario.devices), timeout=WAIT)
    devices = [bench.station.device(d) for d in bench.window.cards]
    return {d.serial: d.id for d in devices if d is not None}


def _all_training(station: Station) -> bool:
    rows = station.store.query("SELECT count(*), sum(training) FROM events")
    return rows[0][0] == rows[0][1]


def test_a_loan_and_its_return(
    make_bench: Callable[..., Bench], qtbot: QtBot, artifacts_dir: Path
) -> None:
    bench = make_bench(lang="fr", training=True)
    window = bench.window
    window.resize(*SCREEN)
    ids = _play(bench, qtbot, "pret-et-retour")
    lend, back = ids["SIMP0031PRET"], ids["SIMP0032RET"]
    # Ready to go: its outcome is next; the other one is out with the class's file.
    assert big_button(bench, lend).text() == "Choisir la destination"
    (out,) = bench.station.open_loans()
    assert (out.device_id, out.beneficiary, out.signed) == (back, CLASS_FILE, True)
    screenshot(window, artifacts_dir / "scenario-loan-start.png")

    # The trainee lends the first phone: the file number, the handover sheet signed.
    click(qtbot, big_button(bench, lend))
    dialog = window.journey.dialog
    assert isinstance(dialog, OutcomeDialog)
    click(qtbot, dialog.buttons[OutcomeKind.LOAN])
    dialog.beneficiary.setText(CLASS_FILE)
    dialog.handover.signed.setChecked(True)
    save_with_dialog(window, dialog, artifacts_dir / "scenario-loan-lend.png")
    click(qtbot, dialog.record_button)
    assert dialog.result() == dialog.DialogCode.Accepted, dialog.refusal.text()
    assert {x.device_id for x in bench.station.open_loans()} == {lend, back}

    # The second phone comes back: « Prêts et locations » > « Retour », its condition.
    window.workshop_menu.actions_["loans"].trigger()
    view = window.workshop_menu.opened["loans"]
    assert isinstance(view, LoansView)
    qtbot.addWidget(view)
    qtbot.waitUntil(lambda: view.loads > 0 and not view.tasks, timeout=WAIT)  # read, shown
    back_code = bench.station.device(back).asset_code  # type: ignore[union-attr]
    first = [view.table.model().index(0, c).data() for c in (0, 1)]
    # Due back soonest, so listed first, with its reminder.
    assert first == ["Retour bientôt", back_code]
    click(qtbot, view.return_button(back_code))
    returning = view.dialog
    assert isinstance(returning, ReturnDialog)
    click(qtbot, returning.states["damaged"])
    returning.condition.setText("Écran rayé")
    save_with_dialog(view, returning, artifacts_dir / "scenario-loan-return.png")
    click(qtbot, returning.record_button)
    assert returning.result() == returning.DialogCode.Accepted

    # Back into the bench's flow: its check, then its wipe, are to be done again.
    assert [x.device_id for x in bench.station.open_loans()] == [lend]
    journey = bench.station.journey(back)
    assert journey.returned and not journey.erasure_verified
    assert journey.next is not None and journey.next.stage is Stage.CHECK
    assert window.selected == back
    button = big_button(bench, back)
    assert button.text() == "Lancer le contrôle"
    assert window.cards[back].state.text() == "De retour : à contrôler"
    QApplication.processEvents()
    screenshot(window, artifacts_dir / "scenario-loan-back.png")
    # The history says what the scenario set up and what the class did.
    authors = {e.operator for e in queries.events(bench.station.store, back)}
    assert SEED_AUTHOR in authors and "test" in authors
    assert _all_training(bench.station)

    # Played again in the same round: nothing set up twice.
    window.play_scenario("decouverte")
    window.play_scenario("pret-et-retour")
    qtbot.waitUntil(lambda: len(window.cards) == 2, timeout=WAIT)
    serials = [d.serial for d in queries.devices(bench.station.store)]
    assert sorted(serials) == sorted(set(serials)) and "SIMP0031PRET" in serials
    assert [x.device_id for x in bench.station.open_loans()] == [lend]


def test_a_donation_from_its_intake_to_its_report(
    make_bench: Callable[..., Bench], qtbot: QtBot, tmp_path: Path, artifacts_dir: Path
) -> None:
    bench = make_bench(lang="fr", training=True)
    window = bench.window
    ids = _play(bench, qtbot, "don-au-rapport")
    codes = {serial: bench.station.device(i).asset_code for serial, i in ids.items()}  # type: ignore[union-attr]

    # « Dons »: the town hall's donation, three expected, none received yet.
    window.workshop_menu.actions_["lots"].trigger()
    view = window.workshop_menu.opened["lots"]
    assert isinstance(view, LotsView)
    qtbot.waitUntil(lambda: view.loads >= 1 and not view.tasks, timeout=WAIT)
    rows = [view.table.item(r, 1).text() for r in range(view.table.rowCount())]  # type: ignore[union-attr]
    assert rows == [CLASS_AGREEMENT]
    assert [view.table.item(0, c).text() for c in (3, 4)] == ["3", "0"]  # type: ignore[union-attr]
    view.open_lot(0)
    qtbot.waitUntil(lambda: view.lot_page is not None, timeout=WAIT)

    # Each label scanned, one after the other (one as the label's address).
    view.add_button.click()
    for n, code in enumerate(codes.values()):
        text = f"https://verif.exemple.org/{code}" if n == 0 else code
        qtbot.keyClicks(view.scan_field, text)
        qtbot.keyClick(view.scan_field, Qt.Key.Key_Return)
    lines = [view.scan_log.item(i).text() for i in range(view.scan_log.count())]
    assert all(line.startswith("✓") for line in lines), lines
    qtbot.waitUntil(lambda: not view.tasks and view.devices.rowCount() == 3, timeout=WAIT)
    assert view.page_counts.text() == "3 reçu(s) sur 3 attendu(s)"

    # A drive taken through: checked and erased for real, its outcome chosen.
    drive = ids["SIMD0041DON"]
    window.select(drive)
    simulated = next(
        d for d in bench.simulator.known() if getattr(d, "serial", "") == "SIMD0041DON"
    )
    button = big_button(bench, drive)
    assert button.text() == "Lancer le contrôle"
    before = bench.station.latest_job(drive)
    click(qtbot, button)
    qtbot.waitUntil(lambda: window.views[drive].prompt is not None, timeout=WAIT)
    window._flush(full=True)
    zeros = {b.text(): b for b in window.panel.answer_buttons()}
    click(qtbot, zeros["Réécrire avec des zéros — conseillé"])
    state = answer_until_over(
        qtbot, bench, drive, before.id if before else None, typed="SIMD0041DON"[-4:]
    )
    assert state is JobState.SUCCEEDED
    assert not simulated.image.read_bytes().strip(b"\0")  # type: ignore[attr-defined]
    bench.station.label_printed(drive, "brother-62")
    click(qtbot, big_button(bench, drive))
    outcome = window.journey.dialog
    assert isinstance(outcome, OutcomeDialog)
    click(qtbot, outcome.buttons[OutcomeKind.SPARE_PARTS])
    click(qtbot, outcome.record_button)
    assert outcome.result() == outcome.DialogCode.Accepted, outcome.refusal.text()

    # The donation's report, saved on a stick, names every device and the agreement.
    view.refresh()
    qtbot.waitUntil(lambda: not view.tasks and view.lot_page is not None, timeout=WAIT)
    shown = {view.devices.item(r, 0).text(): view.devices.item(r, 2).text()  # type: ignore[union-attr]
             for r in range(3)}  # fmt: skip
    assert shown[codes["SIMD0041DON"]] == "Terminé"
    screenshot(view, artifacts_dir / "scenario-lot-page.png")
    stick = tmp_path / "cle"
    stick.mkdir()
    view.report_button.click()
    assert view.chooser is not None
    view.chooser.fileSelected.emit(str(stick))
    view.chooser.close()
    (report,) = stick.glob("rapport-don-*.pdf")
    text = pdf_text(report)
    assert CLASS_AGREEMENT in text
    for code in codes.values():
        assert code in text
    assert _all_training(bench.station)


def test_the_trainer_approves_a_failed_check(
    make_bench: Callable[..., Bench], qtbot: QtBot, artifacts_dir: Path
) -> None:
    bench = make_bench(lang="fr", training=True, operator=None)  # the trainee works
    window = bench.window
    window.resize(*SCREEN)
    ids = _play(bench, qtbot, "accord-du-formateur")
    phone = ids["SIMP0051ACC"]
    window.select(phone)
    big_button(bench, phone)
    assert "Le contrôle a échoué." in window.panel.journey.text()

    action = other_menu(bench)[Other.OVERRIDE_CHECK]
    assert action.isEnabled()
    action.trigger()
    asked = window.journey.dialog
    assert isinstance(asked, ApprovalDialog)
    assert [b.text() for b in asked.people.values()] == [f"{CLASS_TRAINER} (formateur)"]
    asked.people[CLASS_TRAINER].click()
    asked.pin.setText("0000")
    asked.reason.setText("Batterie changée, lecture impossible")
    assert not asked.approve()
    assert asked.refusal.text() == f"Code faux pour {CLASS_TRAINER}."
    asked.pin.setText(CLASS_TRAINER_PIN)
    save_with_dialog(window, asked, artifacts_dir / "scenario-approval-dialog.png")
    assert asked.approve()

    journey = bench.station.journey(phone)
    assert Stage.CHECK in journey.skipped
    assert journey.next is not None and journey.next.stage is Stage.WIPE
    (granted,) = [
        e for e in queries.events(bench.station.store, phone) if e.type == "approval.granted"
    ]
    assert describe(granted, "fr", {}).startswith(
        f"Accord de {CLASS_TRAINER} (pour Stagiaire) : Passer outre le contrôle échoué"
    )
    assert granted.training
    assert big_button(bench, phone).text() == "Effacer les données"
    screenshot(window, artifacts_dir / "scenario-approval-done.png")
    # The class's trainer is never saved with the station's people, nor approves once the
    # class is over.
    assert CLASS_TRAINER not in [o.name for o in bench.station.operators()]
    window.set_training(False)
    assert CLASS_TRAINER not in [o.name for o in bench.station.approving_people()]


@pytest.mark.parametrize("name", ["pret-et-retour", "don-au-rapport", "accord-du-formateur"])
def test_a_station_not_in_training_refuses_a_seed(tmp_path: Path, name: str) -> None:
    station = Station(tmp_path / "data", training=False, operator="S")
    try:
        with pytest.raises(BenchError) as refused:
            seed_scenario(station, find_scenario(name))
        assert refused.value.code == "SCENARIO_WITHOUT_TRAINING"
        assert station.store.query("SELECT count(*) FROM events")[0][0] == 0
    finally:
        station.close()
