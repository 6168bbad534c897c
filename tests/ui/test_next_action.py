"""The big button: a job in hand (its question, its progress, its resume, its block) comes
before the journey's next stage; a stage done with the device in hand needs it plugged in,
the label and the outcome do not; a lock stops everything with "see what to do"."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication

from bench_app.domain.model import Device, DeviceKind, Job, JobState
from bench_app.jobs.steps import Purpose
from bench_app.journey import JourneyPolicy, journey_of
from ui.device_view import Action, DeviceView, next_action
from ui.i18n import Translations


@dataclass(frozen=True)
class Fact:
    type: str
    payload: dict[str, Any] = field(default_factory=dict)


PURPOSES = {"phone.check": Purpose.TESTS, "phone.wipe": Purpose.ERASES}
CHECKED = [
    Fact("job.created", {"job_id": "j1", "pipeline": "phone.check"}),
    Fact("job.finished", {"job_id": "j1", "state": "succeeded"}),
    Fact("grade.assigned", {}),
]
WIPED = [
    Fact("erasure.verified", {"erasure_id": "e1", "ok": True}),
    Fact("erasure.finished", {"erasure_id": "e1", "result": "erased"}),
]
LOCKED = [
    Fact(
        "step.finished",
        {"step_id": "locks", "evidence": {"reading": {"google_accounts": ["a@b.c"]}}},
    )
]


@pytest.fixture(autouse=True)
def french(qapp: QApplication) -> Iterator[None]:
    translations = Translations(qapp)
    assert translations.install("fr")
    yield
    for translator in translations._installed:
        qapp.removeTranslator(translator)


def phone(facts: list[Fact], state: JobState | None, *, connected: bool = True) -> DeviceView:
    device = Device("d1", "TEST-2223-B", DeviceKind.PHONE)
    view = DeviceView(device, connected=connected)
    if state is not None:
        view.job = Job("j9", "d1", "phone.wipe", state)
    view.journey = journey_of(
        DeviceKind.PHONE, facts, purposes=PURPOSES, policy=JourneyPolicy("/e/OS")
    )
    return view


def test_the_job_in_hand_comes_before_the_next_stage() -> None:
    assert next_action(phone(CHECKED, JobState.WAITING_OPERATOR))[0] is Action.ANSWER
    assert next_action(phone(CHECKED, JobState.RUNNING))[0] is Action.WATCH
    assert next_action(phone(CHECKED, JobState.INTERRUPTED))[:2] == (Action.RESUME, "Reprendre")
    assert next_action(phone(CHECKED, JobState.BLOCKED))[:2] == (Action.HELP, "Voir quoi faire")
    # Once the job is over, the journey speaks: the wipe, then the workshop's system.
    assert next_action(phone(CHECKED, JobState.SUCCEEDED)) == (
        Action.STAGE,
        "Effacer les données",
        True,
    )
    assert next_action(phone(CHECKED, JobState.SUCCEEDED), "en")[1] == "Erase the data"
    assert next_action(phone(CHECKED + WIPED, JobState.SUCCEEDED))[1] == "Installer /e/OS"
    assert next_action(phone([], None)) == (Action.START, "Lancer le contrôle", True)


def test_hands_on_stages_need_the_device_the_label_and_outcome_do_not() -> None:
    unplugged = phone(CHECKED, JobState.SUCCEEDED, connected=False)
    assert next_action(unplugged)[0] is Action.PLUG_HELP
    skipped = [*CHECKED, *WIPED, Fact("install.skipped", {"reason": "à jour"})]
    assert next_action(phone(skipped, JobState.SUCCEEDED, connected=False))[:2] == (
        Action.STAGE,
        "Imprimer l’étiquette",
    )
    done = [*skipped, Fact("label.printed", {}), Fact("outcome.recorded", {"kind": "donation"})]
    assert next_action(phone(done, JobState.SUCCEEDED))[:2] == (
        Action.SHOW,
        "Voir les résultats",
    )


def test_a_lock_stops_everything_with_what_to_do() -> None:
    view = phone(CHECKED + LOCKED, JobState.SUCCEEDED)
    assert view.journey is not None and view.journey.next is not None
    assert view.journey.next.stage is None
    assert next_action(view)[:2] == (Action.HELP, "Voir quoi faire")
