"""« Accord d’un responsable » in the window: the dialog itself (who, PIN, why; short French
refusals), and each place it opens from: recycling a sound device in the outcome dialog, a
computer's grade changed after its label, a labelled phone checked again, and a failed
check overridden from "Autres actions"."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QMessageBox
from pytestqt.qtbot import QtBot

from bench_app.approvals import ApprovalRequest, Guarded
from bench_app.domain.model import DeviceKind, OutcomeKind
from bench_app.journey import Stage
from bench_app.settings import Settings
from bench_app.station import Station
from bench_app.store import queries
from tests.approvals.cases import (
    LAPTOP_ANSWERS,
    OPERATOR_NAME,
    SUPERVISOR_NAME,
    SUPERVISOR_PIN,
    TRAINER_NAME,
    TRAINER_PIN,
    add_staff,
    approvals,
    check_job,
    label,
)
from tests.ui.conftest import Bench
from tests.ui.screens import screenshot
from tests.ui.test_journey_window import other_menu, refresh
from ui.approval_dialog import ApprovalDialog
from ui.device_view import next_action, status_words
from ui.journey_actions import Other
from ui.laptop_grade_dialog import LaptopGradeDialog
from ui.outcome_dialog import OutcomeDialog
from ui.timeline import describe
from ui.workshop_setup import OperatorsPage, SettingsDialog

WAIT = 30_000


def _fill(dialog: ApprovalDialog, who: str, pin: str, reason: str) -> None:
    if who:
        dialog.people[who].click()
    dialog.pin.setText(pin)
    dialog.reason.setText(reason)


def test_the_dialog_says_each_refusal_briefly_then_lets_the_action_through(
    qtbot: QtBot, station: Station, artifacts_dir: Path
) -> None:
    add_staff(station)
    done: list[ApprovalRequest | None] = []

    def attempt(request: ApprovalRequest | None) -> None:
        station.approval(Guarded.RECYCLE_PASSED, "d", request)  # the core's own check
        done.append(request)

    dialog = ApprovalDialog(station, "fr", Guarded.RECYCLE_PASSED, attempt)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.windowTitle() == "Accord d’un responsable"
    assert list(dialog.people) == [SUPERVISOR_NAME]  # the trainer approves in training only
    assert dialog.chosen() == SUPERVISOR_NAME  # the only one listed is chosen already
    dialog.group.setExclusive(False)
    dialog.people[SUPERVISOR_NAME].setChecked(False)
    dialog.group.setExclusive(True)
    assert not dialog.approve()
    assert dialog.refusal.text() == "Choisissez qui donne l’accord."
    _fill(dialog, SUPERVISOR_NAME, "0000", "écran fissuré")
    assert not dialog.approve()
    assert dialog.refusal.text() == "Code faux pour Nadia."
    assert dialog.pin.text() == ""  # typed again
    _fill(dialog, "", SUPERVISOR_PIN, "  ")
    assert not dialog.approve()
    assert dialog.refusal.text().startswith("Écrivez pourquoi")
    assert done == [] and dialog.isVisible()
    _fill(dialog, "", SUPERVISOR_PIN, "écran fissuré")
    screenshot(dialog, artifacts_dir / "approval-dialog.png")
    assert dialog.approve()
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert done == [ApprovalRequest(SUPERVISOR_NAME, SUPERVISOR_PIN, "écran fissuré")]


def test_without_a_supervisor_the_dialog_says_so_and_asks_nothing(
    qtbot: QtBot, station: Station
) -> None:
    station.add_operator(OPERATOR_NAME)
    dialog = ApprovalDialog(station, "fr", Guarded.OVERRIDE_CHECK, lambda r: None)
    qtbot.addWidget(dialog)
    assert dialog.people == {}
    assert dialog.refusal.text() == "Aucun responsable n’est inscrit sur ce poste."
    assert not dialog.approve_button.isEnabled() and not dialog.pin.isEnabled()


def test_in_training_the_trainer_is_offered_and_named(
    qtbot: QtBot, training_station: Station, artifacts_dir: Path
) -> None:
    add_staff(training_station)
    dialog = ApprovalDialog(training_station, "fr", Guarded.OVERRIDE_CHECK, lambda r: None)
    qtbot.addWidget(dialog)
    dialog.show()
    assert [b.text() for b in dialog.people.values()] == [
        "Nadia (responsable)",
        "Théo (formateur)",
    ]
    _fill(dialog, TRAINER_NAME, TRAINER_PIN, "démonstration")
    screenshot(dialog, artifacts_dir / "approval-dialog-training.png")
    english = ApprovalDialog(training_station, "en", Guarded.OVERRIDE_CHECK, lambda r: None)
    qtbot.addWidget(english)
    assert english.windowTitle() == "Supervisor's approval"
    assert english.approve_button.text() == "Approve"


def test_recycling_a_sound_device_asks_a_supervisor_from_the_outcome_dialog(
    qtbot: QtBot, station: Station
) -> None:
    add_staff(station)
    phone = station.register_device(DeviceKind.PHONE, brand="Fairphone", serial="W1")
    check_job(station, phone.id, fails=False)
    outcome = OutcomeDialog(station, phone.id, "fr")
    qtbot.addWidget(outcome)
    outcome.show()
    outcome.choose(OutcomeKind.RECYCLING)
    outcome.reference.setText("ECO-77")
    outcome.record()
    asked = outcome.approval_dialog
    assert isinstance(asked, ApprovalDialog) and asked.isVisible()
    asked.reject()  # the supervisor is not there: nothing is recorded, the choice stays open
    assert queries.latest_outcome(station.store, phone.id) is None and outcome.isVisible()
    outcome.record()
    asked = outcome.approval_dialog
    assert isinstance(asked, ApprovalDialog)
    _fill(asked, SUPERVISOR_NAME, SUPERVISOR_PIN, "batterie gonflée")
    assert asked.approve()
    recorded = queries.latest_outcome(station.store, phone.id)
    assert recorded is not None and recorded.kind is OutcomeKind.RECYCLING
    assert outcome.result() == QDialog.DialogCode.Accepted
    [fact] = approvals(station, phone.id)
    assert (fact["operator"], fact["supervisor"]) == (OPERATOR_NAME, SUPERVISOR_NAME)


def test_a_device_that_failed_is_recycled_without_asking(qtbot: QtBot, station: Station) -> None:
    add_staff(station)
    phone = station.register_device(DeviceKind.PHONE, brand="Fairphone", serial="W2")
    check_job(station, phone.id, fails=False, step_status="failed")
    outcome = OutcomeDialog(station, phone.id, "fr")
    qtbot.addWidget(outcome)
    outcome.choose(OutcomeKind.RECYCLING)
    outcome.reference.setText("ECO-78")
    outcome.record()
    assert outcome.approval_dialog is None
    assert outcome.result() == QDialog.DialogCode.Accepted
    assert approvals(station) == []


def test_a_labelled_computer_is_graded_again_with_an_approval(
    qtbot: QtBot, station: Station
) -> None:
    add_staff(station)
    laptop = station.register_device(DeviceKind.LAPTOP, brand="HP", serial="G1")
    station.grade_by_hand(laptop.id, LAPTOP_ANSWERS, "like_new")
    label(station, laptop.id)
    dialog = LaptopGradeDialog(station, laptop.id, "fr")
    qtbot.addWidget(dialog)
    for check in LAPTOP_ANSWERS:
        dialog.answers[check]["works"].click()
    dialog.chassis["damaged"].click()
    dialog.grade_button.click()
    asked = dialog.approval_dialog
    assert isinstance(asked, ApprovalDialog)
    assert asked.findChild(type(dialog.refusal), "Question") is not None
    _fill(asked, SUPERVISOR_NAME, SUPERVISOR_PIN, "rayure vue après l’étiquette")
    assert asked.approve()
    grades = [e for e in queries.events(station.store, laptop.id) if e.type == "grade.assigned"]
    assert len(grades) == 2 and dialog.result() == QDialog.DialogCode.Accepted
    [fact] = approvals(station, laptop.id)
    assert fact["action"] == "regrade_after_label"


def _plugged_phone(bench: Bench, qtbot: QtBot) -> str:
    phone = bench.simulator.add_adb_phone("fairphone-4")
    qtbot.waitUntil(lambda: phone.key in bench.station.known_keys(), timeout=WAIT)
    device_id = bench.station.known_keys()[phone.key]
    qtbot.waitUntil(lambda: device_id in bench.window.cards, timeout=WAIT)
    bench.window.select(device_id)
    return device_id


def test_a_failed_check_is_overridden_from_other_actions(
    make_bench: Callable[..., Bench], qtbot: QtBot, artifacts_dir: Path
) -> None:
    bench = make_bench(lang="fr", training=False, operator=OPERATOR_NAME)
    add_staff(bench.station)
    device_id = _plugged_phone(bench, qtbot)
    assert Other.OVERRIDE_CHECK not in other_menu(bench)  # nothing failed yet
    check_job(bench.station, device_id, fails=True)
    refresh(bench, device_id)
    assert "Le contrôle a échoué." in bench.window.panel.journey.text()
    assert bench.window.panel.abandon_button.isVisible()  # the failed check, in hand
    action = other_menu(bench)[Other.OVERRIDE_CHECK]
    assert action.isEnabled() and action.text() == "Passer outre le contrôle échoué…"
    action.trigger()
    asked = bench.window.journey.dialog
    assert isinstance(asked, ApprovalDialog)
    _fill(asked, SUPERVISOR_NAME, SUPERVISOR_PIN, "lecture batterie impossible, batterie neuve")
    screenshot(bench.window, artifacts_dir / "approval-override.png", asked)
    assert asked.approve()
    journey = bench.station.journey(device_id)
    assert Stage.CHECK in journey.skipped and journey.next is not None
    assert journey.next.stage is Stage.WIPE
    refresh(bench, device_id)
    assert Other.OVERRIDE_CHECK not in other_menu(bench)
    [granted] = [
        e for e in queries.events(bench.station.store, device_id) if e.type == "approval.granted"
    ]
    told = describe(granted, "fr", {})
    assert told.startswith("Accord de Nadia (pour Sam) : Passer outre le contrôle échoué")
    view = bench.window.views[device_id]
    assert next_action(view, "fr")[1] == "Effacer les données"  # not "Reprendre" the check
    assert status_words(view, "fr") == "Fait : Contrôle"
    assert not bench.window.panel.abandon_button.isVisible()  # nothing left to abandon
    screenshot(bench.window, artifacts_dir / "approval-override-done.png")


def test_a_labelled_phone_checked_again_asks_an_approval_first(
    make_bench: Callable[..., Bench], qtbot: QtBot
) -> None:
    bench = make_bench(lang="fr", training=False, operator=OPERATOR_NAME)
    add_staff(bench.station)
    device_id = _plugged_phone(bench, qtbot)
    check_job(bench.station, device_id, fails=False)
    label(bench.station, device_id)
    refresh(bench, device_id)
    other_menu(bench)[Other.CHECK_AGAIN].trigger()
    asked = bench.window.journey.dialog
    assert isinstance(asked, ApprovalDialog)
    assert bench.station.engine.job_for_device(device_id) is None  # not started alone
    _fill(asked, SUPERVISOR_NAME, SUPERVISOR_PIN, "écran changé")
    assert asked.approve()
    assert bench.station.engine.job_for_device(device_id) is not None
    qtbot.waitUntil(lambda: len(approvals(bench.station, device_id)) == 1, timeout=WAIT)
    [fact] = approvals(bench.station, device_id)
    assert fact["action"] == "regrade_after_label"


def test_settings_give_each_person_a_role_and_a_new_supervisor_needs_an_approval(
    make_bench: Callable[..., Bench], qtbot: QtBot, data_dir: Path, artifacts_dir: Path
) -> None:
    named = Settings(organisation="Atelier du Faubourg", station_name="Poste 1")
    named.save(data_dir)
    bench = make_bench(
        lang="fr", training=False, operator=OPERATOR_NAME, settings=Settings.load(data_dir)
    )
    add_staff(bench.station)
    bench.window.settings_action.trigger()
    dialog = bench.window.setup_dialog
    assert isinstance(dialog, SettingsDialog)
    page = dialog.page("OperatorsPage")
    assert isinstance(page, OperatorsPage)
    assert [page.names.item(i).text() for i in range(page.names.count())] == [
        "Sam (avec code PIN)",
        "Nadia (avec code PIN, responsable)",
        "Théo (avec code PIN, formateur)",
    ]
    assert [page.role.itemText(i) for i in range(page.role.count())] == [
        "Opérateur",
        "Responsable",
        "Formateur",
    ]
    page.name.setText("Karim")
    page.role.setCurrentIndex(page.role.findData("supervisor"))
    assert not page.add()  # a supervisor without a PIN
    assert page.message.text() == "Un responsable ou un formateur doit avoir un code."
    page.pin.setText("5555")
    assert page.add()
    dialog.tabs.setCurrentWidget(page)
    screenshot(bench.window, artifacts_dir / "approval-settings-roles.png", dialog)
    assert not dialog.save()  # Sam cannot make a supervisor alone
    asked = dialog.approval_dialog
    assert isinstance(asked, ApprovalDialog)
    assert list(asked.people) == [SUPERVISOR_NAME]  # Karim is not one until it is saved
    asked.reject()
    assert dialog.isVisible()
    assert "Karim" not in [o["name"] for o in Settings.load(data_dir).operators]
    assert not dialog.save()
    asked = dialog.approval_dialog
    assert isinstance(asked, ApprovalDialog)
    _fill(asked, SUPERVISOR_NAME, SUPERVISOR_PIN, "nouveau responsable d’atelier")
    assert asked.approve()
    assert dialog.saved and not dialog.isVisible()
    karim = next(o for o in Settings.load(data_dir).operator_list() if o.name == "Karim")
    assert karim.role == "supervisor"
    [fact] = approvals(bench.station)
    assert (fact["action"], fact["operator"]) == ("change_roles", OPERATOR_NAME)


def test_the_approval_dialog_reads_french_for_every_action(
    qtbot: QtBot, training_station: Station
) -> None:
    """Every guarded action's dialog, in training (the trainer named) and its refusals,
    shows French only (the French screens' own checker)."""
    from tests.ui.test_french_screens import Checker, texts_of

    add_staff(training_station)
    checker = Checker()
    for action in Guarded:
        dialog = ApprovalDialog(training_station, "fr", action, lambda r: None)
        qtbot.addWidget(dialog)
        dialog.show()
        _fill(dialog, TRAINER_NAME, "0", "x")
        dialog.attempt = partial(training_station.approval, action, None)
        assert not dialog.approve()
        assert dialog.refusal.text() == "Code faux pour Théo."
        checker.add(f"approval {action.value}", texts_of(dialog))
        dialog.close()
    report = checker.report()
    assert not report, "\n".join(report)


def test_overriding_where_nobody_may_approve_says_what_to_do(
    make_bench: Callable[..., Bench], qtbot: QtBot
) -> None:
    bench = make_bench(lang="fr", training=False, operator="test")
    device_id = _plugged_phone(bench, qtbot)
    check_job(bench.station, device_id, fails=True)
    refresh(bench, device_id)
    other_menu(bench)[Other.OVERRIDE_CHECK].trigger()
    boxes = [b for b in bench.window.findChildren(QMessageBox) if b.isVisible()]
    assert [b.text() for b in boxes] == ["Aucun responsable n’est inscrit sur ce poste."]
    assert not isinstance(bench.window.journey.dialog, ApprovalDialog)
    assert Stage.CHECK not in bench.station.journey(device_id).done
    assert approvals(bench.station) == []


def test_enter_in_a_field_approves_once(qtbot: QtBot, station: Station) -> None:
    """The keyboard alone: Enter in the reason approves, and only once; a missing reason
    keeps the PIN typed."""
    add_staff(station)
    done: list[ApprovalRequest | None] = []

    def attempt(request: ApprovalRequest | None) -> None:
        station.approval(Guarded.RECYCLE_PASSED, "d", request)
        done.append(request)

    dialog = ApprovalDialog(station, "fr", Guarded.RECYCLE_PASSED, attempt)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert dialog.pin.hasFocus() or dialog.focusWidget() is dialog.pin
    qtbot.keyClicks(dialog.pin, SUPERVISOR_PIN)
    qtbot.keyClick(dialog.pin, Qt.Key.Key_Return)
    assert dialog.refusal.text().startswith("Écrivez pourquoi")
    assert dialog.pin.text() == SUPERVISOR_PIN and done == []
    qtbot.keyClicks(dialog.reason, "vitre cassee")  # QTest types ASCII only
    qtbot.keyClick(dialog.reason, Qt.Key.Key_Return)
    assert done == [ApprovalRequest(SUPERVISOR_NAME, SUPERVISOR_PIN, "vitre cassee")]
    assert dialog.result() == QDialog.DialogCode.Accepted
