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


def test_a_phone_away_says_how_to_plug_it_in_or_reach_it_again_over_wifi() -> None:
    cabled = phone(CHECKED, JobState.SUCCEEDED, connected=False)
    assert next_action(cabled) == (Action.PLUG_HELP, "Comment le brancher", True)
    wifi = phone(CHECKED, JobState.SUCCEEDED, connected=False)
    wifi.network_address = "192.168.1.23:37015"
    assert next_action(wifi) == (Action.PLUG_HELP, "Comment le reconnecter", True)
    no_journey = DeviceView(Device("d2", "TEST-2224-C", DeviceKind.PHONE), connected=False)
    assert next_action(no_journey)[1] == "Comment le brancher"
    no_journey.network_address = "192.168.1.23:37015"
    assert next_action(no_journey)[1] == "Comment le reconnecter"


def test_the_plug_help_fits_the_connection(qapp: QApplication) -> None:
    from bench_app.devices.android.driver import AdbTarget, AndroidPhone
    from bench_app.devices.android.network import wifi_address
    from ui.help_dialog import plug_help

    cable = plug_help(DeviceKind.PHONE, "fr", None)  # type: ignore[arg-type]
    assert "câble USB" in cable.texts[0]
    wifi = plug_help(DeviceKind.PHONE, "fr", None, address="192.168.1.23:37015")  # type: ignore[arg-type]
    assert "même Wi-Fi" in wifi.texts[0] and "Débogage sans fil" in wifi.texts[1]
    assert not any("USB" in t or "câble" in t for t in wifi.texts)
    assert wifi.texts[-1] == "Dernière adresse : 192.168.1.23:37015"
    english = plug_help(DeviceKind.PHONE, "en", None, address="10.0.0.5:5555")  # type: ignore[arg-type]
    assert english.texts[0] == "1. Put the phone on the same Wi-Fi as the station."
    # Which phones count as reached over Wi-Fi: a TCP address, never USB nor the simulator.
    signer = None
    over_tcp = AndroidPhone(AdbTarget(host="192.168.1.23", port=37015), signer)
    on_usb = AndroidPhone(AdbTarget(usb_serial="FP4A1B2C3"), signer)
    in_class = AndroidPhone(AdbTarget(host="127.0.0.1", port=5037), signer, simulated=True)
    assert wifi_address(over_tcp) == "192.168.1.23:37015"
    assert wifi_address(on_usb) == "" and wifi_address(in_class) == "" and wifi_address(None) == ""
    for dialog in (cable, wifi, english):
        dialog.deleteLater()
