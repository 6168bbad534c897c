"""What an operator must not do alone: every guarded action is refused without a valid
approval (nothing recorded), accepted with one, and recorded with a fact naming both people,
the action, the device and the reason, in the same transaction as the action."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench_app.approvals import (
    ApprovalRequest,
    Guarded,
    approvers,
    grant,
    outcome_needs_approval,
)
from bench_app.domain.model import DeviceKind, OutcomeKind
from bench_app.errors import BenchError
from bench_app.journey import Stage
from bench_app.operators import SUPERVISOR, Operator, hash_pin, new_operator, parse_operators
from bench_app.settings import Settings
from bench_app.station import Station
from bench_app.store import queries
from tests.approvals.cases import (
    DEVICE_ACTIONS,
    OPERATOR_NAME,
    OPERATOR_PIN,
    PERSON_ACTIONS,
    SUPERVISOR_NAME,
    SUPERVISOR_PIN,
    TRAINER_NAME,
    TRAINER_PIN,
    add_staff,
    approvals,
    check_job,
    make_case,
)

GOOD = ApprovalRequest(SUPERVISOR_NAME, SUPERVISOR_PIN, "écran fissuré sous la coque")

# Each way a request can be wrong, and the refusal it gets (None: no request at all).
REFUSALS: list[tuple[ApprovalRequest | None, str]] = [
    (None, "APPROVAL_NEEDED"),
    (ApprovalRequest(SUPERVISOR_NAME, "0000", "raison"), "APPROVAL_PIN_WRONG"),
    (ApprovalRequest(SUPERVISOR_NAME, "", "raison"), "APPROVAL_PIN_WRONG"),
    (ApprovalRequest(OPERATOR_NAME, OPERATOR_PIN, "raison"), "APPROVAL_NOT_SUPERVISOR"),
    (ApprovalRequest(TRAINER_NAME, TRAINER_PIN, "raison"), "APPROVAL_NOT_SUPERVISOR"),
    (ApprovalRequest("Inconnu", "4321", "raison"), "APPROVAL_NOT_SUPERVISOR"),
    (ApprovalRequest(SUPERVISOR_NAME, SUPERVISOR_PIN, "   "), "APPROVAL_REASON_MISSING"),
    (ApprovalRequest(SUPERVISOR_NAME, SUPERVISOR_PIN, "x" * 301), "APPROVAL_REASON_MISSING"),
]


@pytest.mark.parametrize("action", PERSON_ACTIONS)
@pytest.mark.parametrize(("request_", "code"), REFUSALS)
def test_a_guarded_action_is_refused_without_a_valid_approval(
    station: Station, action: Guarded, request_: ApprovalRequest | None, code: str
) -> None:
    add_staff(station)
    case = make_case(station, action)
    before = len(queries.events(station.store))
    with pytest.raises(BenchError) as refused:
        case.perform(request_)
    assert refused.value.code == code
    assert len(queries.events(station.store)) == before  # neither the approval nor the action
    assert not case.done()


@pytest.mark.parametrize("action", DEVICE_ACTIONS)
def test_a_guarded_action_with_an_approval_is_recorded_with_both_names(
    station: Station, action: Guarded
) -> None:
    add_staff(station)
    case = make_case(station, action)
    case.perform(GOOD)
    assert case.done()
    [fact] = approvals(station, case.device_id)
    assert fact == {
        "action": action.value,
        "device_id": case.device_id,
        "operator": OPERATOR_NAME,
        "supervisor": SUPERVISOR_NAME,
        "role": SUPERVISOR,
        "reason": "écran fissuré sous la coque",
    }
    events = queries.events(station.store, case.device_id)
    granted = next(e for e in events if e.type == "approval.granted")
    assert granted.operator == OPERATOR_NAME  # the fact's author is the one at work
    if action is not Guarded.OVERRIDE_CHECK:  # the action's own fact, in the same transaction
        following = events[events.index(granted) + 1]
        assert following.type in ("outcome.recorded", "grade.assigned")
        assert following.seq == granted.seq + 1


@pytest.mark.parametrize("action", DEVICE_ACTIONS)
def test_a_supervisor_at_work_approves_alone_and_is_named_twice(
    station: Station, action: Guarded
) -> None:
    add_staff(station)
    station.operator = SUPERVISOR_NAME
    case = make_case(station, action)
    with pytest.raises(BenchError) as refused:
        case.perform(None)  # a supervisor's own PIN is still asked
    assert refused.value.code == "APPROVAL_NEEDED"
    case.perform(GOOD)
    [fact] = approvals(station, case.device_id)
    assert fact["operator"] == fact["supervisor"] == SUPERVISOR_NAME


@pytest.mark.parametrize("action", DEVICE_ACTIONS)
def test_in_training_the_trainer_approves(training_station: Station, action: Guarded) -> None:
    add_staff(training_station)
    case = make_case(training_station, action)
    case.perform(ApprovalRequest(TRAINER_NAME, TRAINER_PIN, "démonstration"))
    assert case.done()
    [fact] = approvals(training_station, case.device_id)
    assert (fact["supervisor"], fact["role"]) == (TRAINER_NAME, "trainer")
    assert all(e.training for e in queries.events(training_station.store, case.device_id))


@pytest.mark.parametrize("action", DEVICE_ACTIONS)
def test_a_station_without_a_supervisor_works_as_before_roles_but_overrides_nothing(
    station: Station, action: Guarded
) -> None:
    """Nobody listed may approve: what was allowed before roles still is, with no approval
    recorded; overriding a failed check, which exists only by approval, is refused."""
    station.add_operator(OPERATOR_NAME)
    station.operator = OPERATOR_NAME
    case = make_case(station, action)
    if action is Guarded.OVERRIDE_CHECK:
        with pytest.raises(BenchError) as refused:
            case.perform(None)
        assert refused.value.code == "APPROVAL_NO_SUPERVISOR"
        assert not case.done()
    else:
        case.perform(None)
        assert case.done()
    assert approvals(station) == []


def test_in_training_a_station_with_only_a_trainer_asks_the_trainer(
    training_station: Station,
) -> None:
    training_station.add_operator("Théo", "9876", "trainer")
    case = make_case(training_station, Guarded.RECYCLE_PASSED)
    with pytest.raises(BenchError) as refused:
        case.perform(None)
    assert refused.value.code == "APPROVAL_NEEDED"
    case.perform(ApprovalRequest("Théo", "9876", "démonstration"))
    assert case.done()


# One station per drawn example: made here, since a test's fixtures last for all examples.
_PINS = {SUPERVISOR_NAME: SUPERVISOR_PIN, TRAINER_NAME: TRAINER_PIN, OPERATOR_NAME: OPERATOR_PIN}


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    action=st.sampled_from(PERSON_ACTIONS),
    training=st.booleans(),
    who=st.sampled_from([SUPERVISOR_NAME, TRAINER_NAME, OPERATOR_NAME, "Personne"]),
    pin_right=st.booleans(),
    wrong_pin=st.text("0123456789", min_size=0, max_size=8),
    reason=st.text(max_size=40),
)
def test_any_request_is_granted_exactly_when_valid_and_recorded_when_granted(
    action: Guarded, training: bool, who: str, pin_right: bool, wrong_pin: str, reason: str
) -> None:
    """Over every guarded action kind: granted iff the person may approve here (a supervisor;
    a trainer too in training), the PIN is theirs and a reason is given; then the action and
    one fact naming both people are recorded; otherwise nothing is."""
    right = _PINS.get(who, "")
    pin = right if pin_right else wrong_pin
    cleaned = " ".join("".join(c if c.isprintable() else " " for c in reason).split())
    may = who == SUPERVISOR_NAME or (who == TRAINER_NAME and training)
    valid = may and pin == right and bool(cleaned)
    with tempfile.TemporaryDirectory() as folder:
        station = Station(Path(folder), training=training, operator="x")
        try:
            add_staff(station)
            case = make_case(station, action)
            before = len(queries.events(station.store))
            request = ApprovalRequest(who, pin, reason)
            if valid:
                case.perform(request)
                assert case.done()
                [fact] = approvals(station, case.device_id)
                assert (fact["operator"], fact["supervisor"]) == (OPERATOR_NAME, who)
                assert (fact["action"], fact["reason"]) == (action.value, cleaned)
            else:
                with pytest.raises(BenchError) as refused:
                    case.perform(request)
                assert refused.value.code.startswith("APPROVAL_")
                assert len(queries.events(station.store)) == before
                assert not case.done()
        finally:
            station.close()


def test_the_generic_approval_serves_an_action_of_no_device(station: Station) -> None:
    """A beneficiary's forgetting (built by the beneficiaries' part) records its approval
    with device None through the same check."""
    add_staff(station)
    with pytest.raises(BenchError):
        station.approval_events(Guarded.FORGET_BENEFICIARY, None, None)
    [event] = station.approval_events(Guarded.FORGET_BENEFICIARY, None, GOOD)
    assert event.device_id is None
    assert event.payload["action"] == "forget_beneficiary"
    assert event.payload["operator"] == OPERATOR_NAME


def test_forgetting_a_person_names_the_approver_in_its_own_fact(station: Station) -> None:
    """The approval and the erasure in one transaction, the supervisor named in both."""
    add_staff(station)
    case = make_case(station, Guarded.FORGET_BENEFICIARY)
    case.perform(GOOD)
    assert case.done()
    facts = [e for e in queries.events(station.store) if e.device_id is None]
    granted = next(e for e in facts if e.type == "approval.granted")
    forgotten = next(e for e in facts if e.type == "beneficiary.forgotten")
    assert forgotten.seq == granted.seq + 1
    assert granted.payload["action"] == "forget_beneficiary"
    assert forgotten.payload["approved_by"] == SUPERVISOR_NAME


# -- what needs an approval, and what does not ---------------------------------------------


def test_what_an_operator_still_does_alone(station: Station) -> None:
    add_staff(station)
    failed = station.register_device(DeviceKind.PHONE, brand="Fairphone", serial="F1")
    check_job(station, failed.id, fails=True)
    station.record_outcome(failed.id, OutcomeKind.RECYCLING, reference="ECO-1")  # not passed
    flawed = station.register_device(DeviceKind.PHONE, brand="Fairphone", serial="F2")
    check_job(station, flawed.id, fails=False, step_status="failed")  # a test failed
    assert not station.journey(flawed.id).check_passed
    station.record_outcome(flawed.id, OutcomeKind.RECYCLING, reference="ECO-2")
    passed = station.register_device(DeviceKind.PHONE, brand="Fairphone", serial="F3")
    check_job(station, passed.id, fails=False)
    station.record_outcome(passed.id, OutcomeKind.SPARE_PARTS)  # parts are not recycling
    laptop = station.register_device(DeviceKind.LAPTOP, brand="HP", serial="L9")
    station.grade_by_hand(
        laptop.id, {k: "works" for k in ("screen", "keyboard", "battery", "hinges")}, "good"
    )
    station.grade_by_hand(
        laptop.id, {k: "works" for k in ("screen", "keyboard", "battery", "hinges")}, "damaged"
    )  # no label yet
    assert approvals(station) == []
    assert outcome_needs_approval(station.journey(passed.id), OutcomeKind.RECYCLING) is (
        Guarded.RECYCLE_PASSED
    )


def test_a_failed_check_blocks_until_checked_again_or_overridden(station: Station) -> None:
    add_staff(station)
    phone = station.register_device(DeviceKind.PHONE, brand="Fairphone", serial="F4")
    check_job(station, phone.id, fails=True)
    journey = station.journey(phone.id)
    assert journey.blocker("JOURNEY_CHECK_FAILED") is not None
    assert journey.next is not None and journey.next.stage is Stage.CHECK
    station.override_check(phone.id, GOOD)
    journey = station.journey(phone.id)
    assert journey.blocker("JOURNEY_CHECK_FAILED") is None
    assert journey.next is not None and journey.next.stage is Stage.WIPE
    why = journey.skipped[Stage.CHECK].fr
    assert SUPERVISOR_NAME in why and "écran fissuré" in why
    assert not journey.check_passed  # an overridden check is not a passed one
    with pytest.raises(BenchError) as refused:
        station.override_check(phone.id, GOOD)  # nothing failed any more
    assert refused.value.code == "APPROVAL_NOTHING_TO_OVERRIDE"
    check_job(station, phone.id, fails=False)  # checked again, and it passed
    journey = station.journey(phone.id)
    assert Stage.CHECK not in journey.skipped and journey.check_passed


def test_nothing_to_override_on_a_device_whose_check_did_not_fail(station: Station) -> None:
    add_staff(station)
    phone = station.register_device(DeviceKind.PHONE, brand="Fairphone", serial="F5")
    with pytest.raises(BenchError) as refused:
        station.override_check(phone.id, GOOD)
    assert refused.value.code == "APPROVAL_NOTHING_TO_OVERRIDE"
    assert approvals(station) == []


# -- roles in the settings -----------------------------------------------------------------


def test_roles_are_kept_and_a_supervisor_or_trainer_needs_a_pin(data_dir: Path) -> None:
    with pytest.raises(BenchError) as refused:
        new_operator([], "Nadia", "", SUPERVISOR)
    assert refused.value.code == "OPERATOR_ROLE_NEEDS_PIN"
    with pytest.raises(ValueError, match="needs a PIN"):
        parse_operators([{"name": "Nadia", "role": "trainer"}])
    with pytest.raises(ValueError, match="role"):
        parse_operators([{"name": "Nadia", "role": "chef", "pin_hash": hash_pin("1234")}])
    settings = Settings()
    settings.add_operator(new_operator([], "Sam"))
    settings.add_operator(new_operator([], "Nadia", "4321", SUPERVISOR))
    settings.save(data_dir)
    assert settings.operators[0] == {"name": "Sam"}  # a plain operator's entry as before roles
    loaded = Settings.load(data_dir).operator_list()
    assert [(o.name, o.role) for o in loaded] == [("Sam", "operator"), ("Nadia", "supervisor")]


def test_only_supervisors_approve_and_trainers_only_in_training() -> None:
    people = [
        Operator("Sam", hash_pin("1111")),
        Operator("Nadia", hash_pin("4321"), "supervisor"),
        Operator("Théo", hash_pin("9876"), "trainer"),
    ]
    assert [o.name for o in approvers(people, training=False)] == ["Nadia"]
    assert [o.name for o in approvers(people, training=True)] == ["Nadia", "Théo"]
    approval = grant(
        people,
        ApprovalRequest(" nadia ", "4321", " une\traison "),
        action=Guarded.RECYCLE_PASSED,
        device_id="d",
        operator="Sam",
        training=False,
    )
    assert (approval.supervisor, approval.reason) == ("Nadia", "une raison")


def test_changing_who_may_approve_needs_a_current_supervisor(station: Station) -> None:
    station.add_operator(OPERATOR_NAME)
    station.operator = OPERATOR_NAME
    first = new_operator(station.operators(), SUPERVISOR_NAME, SUPERVISOR_PIN, SUPERVISOR)
    station.approve_roles([*station.operators(), first], None)  # the first one: set freely
    station.settings.add_operator(first)
    sam = station.operators()[0]
    promoted = Operator(sam.name, hash_pin("2222"), SUPERVISOR)  # Sam makes himself one
    after = [promoted, first]
    with pytest.raises(BenchError) as refused:
        station.approve_roles(after, None)
    assert refused.value.code == "APPROVAL_NEEDED"
    with pytest.raises(BenchError) as refused:  # not yet a supervisor: cannot approve it
        station.approve_roles(after, ApprovalRequest(OPERATOR_NAME, "2222", "promu"))
    assert refused.value.code == "APPROVAL_NOT_SUPERVISOR"
    assert approvals(station) == []
    newcomer = new_operator(station.operators(), "Karim")
    station.approve_roles([*station.operators(), newcomer], None)  # a plain operator: free
    station.approve_roles(after, ApprovalRequest(SUPERVISOR_NAME, SUPERVISOR_PIN, "promu"))
    [fact] = approvals(station)
    assert fact["action"] == "change_roles" and fact["device_id"] is None
    assert (fact["operator"], fact["supervisor"]) == (OPERATOR_NAME, SUPERVISOR_NAME)
