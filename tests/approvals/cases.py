"""A station's staff with roles, and a device ready for each guarded action: the facts a
real check, grade and label leave, recorded through the store as the engine records them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bench_app import beneficiaries
from bench_app.approvals import ApprovalRequest, Guarded
from bench_app.domain.model import DeviceKind, OutcomeKind
from bench_app.operators import OPERATOR, SUPERVISOR, TRAINER
from bench_app.station import Station
from bench_app.store import queries
from bench_app.store.database import NewEvent
from bench_app.store.uuid7 import uuid7_str

OPERATOR_NAME, SUPERVISOR_NAME, TRAINER_NAME = "Sam", "Nadia", "Théo"
SUPERVISOR_PIN, TRAINER_PIN, OPERATOR_PIN = "4321", "9876", "1111"
LAPTOP_ANSWERS = {"screen": "works", "keyboard": "works", "battery": "works", "hinges": "works"}
# The guarded actions with a device of their own; with forgetting a person's data, every
# action a supervisor approves (changing roles is tested with the settings).
DEVICE_ACTIONS = (Guarded.OVERRIDE_CHECK, Guarded.REGRADE_AFTER_LABEL, Guarded.RECYCLE_PASSED)
PERSON_ACTIONS = (*DEVICE_ACTIONS, Guarded.FORGET_BENEFICIARY)
PERSON = "DOS-2026-0042"


def add_staff(station: Station) -> None:
    """Sam works, Nadia supervises, Théo runs the classes; Sam is at work."""
    station.add_operator(OPERATOR_NAME, OPERATOR_PIN, OPERATOR)
    station.add_operator(SUPERVISOR_NAME, SUPERVISOR_PIN, SUPERVISOR)
    station.add_operator(TRAINER_NAME, TRAINER_PIN, TRAINER)
    station.operator = OPERATOR_NAME


def _record(station: Station, device_id: str, facts: list[tuple[str, dict[str, object]]]) -> None:
    station.store.record(
        [NewEvent(t, p, device_id) for t, p in facts],
        operator=station.operator,
        training=station.training,
    )


def check_job(
    station: Station, device_id: str, *, fails: bool, step_status: str = "passed"
) -> None:
    """A phone's full check (phone.check): it failed on a step that could not read, or it
    succeeded with its steps and the grade it gave."""
    job = uuid7_str()
    facts: list[tuple[str, dict[str, object]]] = [
        (
            "job.created",
            {"job_id": job, "device_id": device_id, "pipeline": "phone.check", "steps": []},
        ),
        ("job.started", {"job_id": job}),
    ]
    if fails:
        message = {"fr": "Batterie illisible.", "en": "Battery unreadable."}
        facts += [
            ("step.failed", {"job_id": job, "step_id": "battery", "code": "X", "message": message}),
            ("job.failed", {"job_id": job, "code": "X", "message": message}),
        ]
    else:
        summary = {"fr": "ok", "en": "ok"}
        facts += [
            (
                "step.finished",
                {
                    "job_id": job,
                    "step_id": "battery",
                    "status": step_status,
                    "summary": summary,
                    "evidence": {},
                },
            ),
            (
                "grade.assigned",
                {
                    "device_id": device_id,
                    "job_id": job,
                    "functional": "A",
                    "cosmetic": 1,
                    "workshop_grade": "A",
                    "suggested_outcome": "reuse",
                },
            ),
            ("job.finished", {"job_id": job, "state": "succeeded"}),
        ]
    _record(station, device_id, facts)


def label(station: Station, device_id: str) -> None:
    station.label_printed(device_id, "brother-62")


@dataclass
class Case:
    """A device ready for `action`: `perform` tries it with an approval (or None), `done`
    says whether the action's own effect is recorded."""

    action: Guarded
    device_id: str
    perform: Callable[[ApprovalRequest | None], object]
    done: Callable[[], bool]


def make_case(station: Station, action: Guarded, serial: str = "") -> Case:
    """A new device (or a person on record) in the state where `action` needs an approval."""
    if action is Guarded.FORGET_BENEFICIARY:
        reference = f"{PERSON}{serial}"
        beneficiaries.add(
            station.store,
            reference,
            name="Léa Martin",
            operator=station.operator,
            training=station.training,
        )

        def forgotten() -> bool:
            return beneficiaries.get(station.store, reference) is None

        def forget(request: ApprovalRequest | None) -> None:
            station.forget_beneficiary(reference, approval=request)

        return Case(action, "", forget, forgotten)
    if action is Guarded.REGRADE_AFTER_LABEL:
        laptop = station.register_device(DeviceKind.LAPTOP, brand="HP", serial=serial or "L1")
        station.grade_by_hand(laptop.id, LAPTOP_ANSWERS, "like_new")
        label(station, laptop.id)

        def grades() -> int:
            return sum(
                1 for e in queries.events(station.store, laptop.id) if e.type == "grade.assigned"
            )

        def regrade(request: ApprovalRequest | None) -> None:
            station.grade_by_hand(laptop.id, LAPTOP_ANSWERS, "visible_marks", approval=request)

        return Case(action, laptop.id, regrade, lambda: grades() == 2)
    phone = station.register_device(DeviceKind.PHONE, brand="Fairphone", serial=serial or "FP1")
    if action is Guarded.OVERRIDE_CHECK:
        check_job(station, phone.id, fails=True)

        def overridden() -> bool:
            return "check" in [s.value for s in station.journey(phone.id).done]

        return Case(action, phone.id, lambda r: station.override_check(phone.id, r), overridden)
    assert action is Guarded.RECYCLE_PASSED
    check_job(station, phone.id, fails=False)

    def recycle(request: ApprovalRequest | None) -> None:
        station.record_outcome(phone.id, OutcomeKind.RECYCLING, reference="ECO-7", approval=request)

    def recycled() -> bool:
        outcome = queries.latest_outcome(station.store, phone.id)
        return outcome is not None and outcome.kind is OutcomeKind.RECYCLING

    return Case(action, phone.id, recycle, recycled)


def approvals(station: Station, device_id: str | None = None) -> list[dict[str, object]]:
    """The approvals recorded about `device_id` (about no device: "" or None, every one)."""
    return [
        e.payload
        for e in queries.events(station.store, device_id or None)
        if e.type == "approval.granted"
    ]
