"""A device's journey from its facts: every kind, any sequence of facts.

Two sources of facts: the journeys every fact test uses (tests/facts/journeys.py: any fact
type, any values), and moves that matter to the journey (checks that find a Google account
or a company's management, SMART verdicts, erasures verified or not, installations,
grades, labels, outcomes) in any order."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from bench_app.domain.model import DeviceKind, OutcomeKind
from bench_app.errors import CATALOG
from bench_app.jobs.pipelines import default_pipelines
from bench_app.journey import (
    END_OF_LIFE_OUTCOMES,
    JOURNEYS,
    REUSE_OUTCOMES,
    SEE_WHAT_TO_DO,
    Journey,
    JourneyPolicy,
    NextStep,
    OutcomeChoice,
    Stage,
    journey_of,
    outcome_refusal,
    pipeline_purposes,
    price_text,
)
from bench_app.station import Station
from bench_app.store import queries
from tests.facts.journeys import Journey as FactJourney
from tests.facts.journeys import journeys

PURPOSES = pipeline_purposes(default_pipelines().all())
TODAY = date(2026, 12, 4)


@dataclass
class F:
    """A fact as the journey reads it."""

    type: str
    payload: dict[str, Any]


def _job(pipeline: str, state: str, steps: list[tuple[str, str, dict[str, Any]]]) -> list[F]:
    job = f"job-{pipeline}-{len(steps)}-{state}"
    facts = [F("job.created", {"job_id": job, "pipeline": pipeline})]
    for step, status, evidence in steps:
        facts.append(
            F(
                "step.finished",
                {"job_id": job, "step_id": step, "status": status, "evidence": evidence},
            )
        )
    return [*facts, F("job.finished", {"job_id": job, "state": state})]


LOCKS = st.sampled_from(
    [
        {"google_accounts": [], "device_owner": None},
        {"google_accounts": ["donor@gmail.com"], "device_owner": None},
        {"google_accounts": [], "device_owner": "com.airwatch.androidagent"},
    ]
)


@st.composite
def _move(draw: Any) -> list[F]:
    """One thing that happens to a device, as the facts the station records for it."""
    which = draw(
        st.sampled_from(
            [
                "check",
                "quick_check",
                "wipe_precheck",
                "health",
                "erasure",
                "installed",
                "install_skipped",
                "image",
                "grade",
                "label",
                "outcome",
            ]
        )
    )
    if which == "check":
        reading = draw(LOCKS)
        blocked = bool(reading["google_accounts"] or reading["device_owner"])
        return _job(
            "phone.check",
            draw(st.sampled_from(["succeeded", "blocked"] if blocked else ["succeeded"])),
            [("locks", "failed" if blocked else "passed", reading)],
        )
    if which == "quick_check":
        return _job(
            "phone.quick_check", "succeeded", [("accounts", "passed", {"reading": draw(LOCKS)})]
        )
    if which == "wipe_precheck":
        return _job("phone.wipe", "blocked", [("precheck", "failed", draw(LOCKS))])
    if which == "health":
        status = draw(st.sampled_from(["passed", "warning", "failed"]))
        return _job("drive.erase", "failed", [("health", status, {"smart": {"verdict": status}})])
    if which == "erasure":
        erasure = f"e{draw(st.integers(0, 3))}"
        facts = [F("erasure.started", {"erasure_id": erasure})]
        if draw(st.booleans()):
            facts.append(F("erasure.verified", {"erasure_id": erasure, "ok": draw(st.booleans())}))
        if draw(st.booleans()):
            result = draw(st.sampled_from(["erased", "not_erased"]))
            facts.append(F("erasure.finished", {"erasure_id": erasure, "result": result}))
        return facts
    if which == "installed":
        return [F("device.os_installed", {"os": "eos", "name": "/e/OS", "version": "2.0"})]
    if which == "install_skipped":
        return [F("install.skipped", {"reason": "système d’origine à jour"})]
    if which == "image":
        return [F("image.written", {"verified": draw(st.booleans())})]
    if which == "grade":
        return [F("grade.assigned", {"functional": "A", "cosmetic": 2, "workshop_grade": "A"})]
    if which == "label":
        return [F("label.printed", {"template": "brother-62"})]
    return [F("outcome.recorded", {"kind": draw(st.sampled_from([k.value for k in OutcomeKind]))})]


MOVES = st.lists(_move(), max_size=12).map(lambda moves: [f for m in moves for f in m])
KINDS = st.sampled_from(list(DeviceKind))
POLICIES = st.builds(JourneyPolicy, st.sampled_from(["/e/OS", "LineageOS", ""]))


def _verified_erasure(facts: list[F]) -> bool:
    """Told apart from the journey's own reading: some erasure finished as erased, and
    its last verification was ok."""
    last_ok: dict[str, bool] = {}
    result: dict[str, str] = {}
    for f in facts:
        if f.type == "erasure.verified":
            last_ok[f.payload["erasure_id"]] = f.payload["ok"] is True
        if f.type == "erasure.finished":
            result[f.payload["erasure_id"]] = f.payload["result"]
    return any(r == "erased" and last_ok.get(e, False) for e, r in result.items())


def _last_lock(facts: list[F]) -> str:
    state = ""
    for f in facts:
        if f.type == "step.finished" and f.payload["step_id"] in ("locks", "accounts", "precheck"):
            reading = f.payload["evidence"].get("reading", f.payload["evidence"])
            state = (
                "frp" if reading["google_accounts"] else "mdm" if reading["device_owner"] else ""
            )
    return state


def _holds_every_rule(journey: Journey, kind: DeviceKind) -> None:
    assert journey.stages == JOURNEYS[kind]
    assert set(journey.done) <= set(journey.stages)
    assert set(journey.skipped) <= set(journey.done)
    if journey.next is not None and journey.next.stage is not None:
        assert journey.next.stage not in journey.done
        assert journey.next.stage is not Stage.INSTALL or journey.erasure_verified
    stopping = [b for b in journey.blockers if b.stops]
    if stopping:
        assert journey.next == _see_what_to_do()
    else:
        assert (journey.next is None) == (set(journey.done) == set(journey.stages))
    reuse = journey.allowed_outcomes & REUSE_OUTCOMES
    assert not reuse or journey.erasure_verified
    assert journey.allowed_outcomes >= END_OF_LIFE_OUTCOMES
    if journey.blocker("JOURNEY_DISK_FAILING") or stopping:
        assert not reuse
    for b in journey.blockers:
        assert b.code in CATALOG
        # One short sentence each, French and English.
        for text in (b.reason.fr, b.reason.en):
            assert len(re.findall(r"[.!?](\s|$)", text)) == 1 and len(text) < 110, text
    for kind_asked in REUSE_OUTCOMES:
        choice = OutcomeChoice(
            kind_asked,
            beneficiary="B-17",
            due_on=str(TODAY + timedelta(days=30)),
            price="40",
            receipt="R-2026-001",
            months="3",
        )
        refusal = outcome_refusal(journey, choice, TODAY)
        assert (refusal is None) == (kind_asked in journey.allowed_outcomes)
        if not journey.erasure_verified:
            assert refusal is not None


def _see_what_to_do() -> NextStep:
    return NextStep(None, SEE_WHAT_TO_DO)


@given(KINDS, MOVES, POLICIES)
@settings(max_examples=400, deadline=None)
def test_any_sequence_of_moves_keeps_the_rules(
    kind: DeviceKind, facts: list[F], policy: JourneyPolicy
) -> None:
    journey = journey_of(kind, facts, purposes=PURPOSES, policy=policy)
    _holds_every_rule(journey, kind)
    assert journey.erasure_verified == _verified_erasure(facts)
    phone = kind in (DeviceKind.PHONE, DeviceKind.TABLET)
    lock = _last_lock(facts) if phone else ""
    if lock:
        assert journey.next == _see_what_to_do()
        assert journey.allowed_outcomes == END_OF_LIFE_OUTCOMES
        assert journey.blocker("JOURNEY_FRP_LOCK" if lock == "frp" else "JOURNEY_MDM_LOCK")
    if phone and not policy.phone_system:
        assert Stage.INSTALL in journey.done
    if journey.erasure_verified and not lock and not journey.blocker("JOURNEY_DISK_FAILING"):
        assert journey.allowed_outcomes >= REUSE_OUTCOMES


@given(journeys())
@settings(max_examples=60, deadline=None)
def test_any_recorded_journey_keeps_the_rules(fact_journey: FactJourney) -> None:
    """Facts of every type with any values, as tests/facts records them."""
    by_device: dict[str, list[Any]] = {}
    kinds: dict[str, DeviceKind] = {}
    for chapter in fact_journey.chapters:
        for fact in chapter:
            if fact.device_id is None:
                continue
            if fact.type == "device.registered":
                kinds[fact.device_id] = DeviceKind(fact.payload["kind"])
            by_device.setdefault(fact.device_id, []).append(fact)
    for device_id, facts in by_device.items():
        _holds_every_rule(journey_of(kinds[device_id], facts, purposes=PURPOSES), kinds[device_id])


def _erased() -> list[F]:
    return [
        F("erasure.started", {"erasure_id": "e1"}),
        F("erasure.verified", {"erasure_id": "e1", "ok": True}),
        F("erasure.finished", {"erasure_id": "e1", "result": "erased"}),
    ]


def test_a_phone_goes_from_check_to_outcome_with_the_buttons_it_needs() -> None:
    facts: list[F] = []
    seen = []
    policy = JourneyPolicy("/e/OS")
    steps = [
        _job("phone.check", "succeeded", [("locks", "passed", {"google_accounts": []})]),
        _erased(),
        [F("device.os_installed", {"os": "eos"})],
        [F("grade.assigned", {})],
        [F("label.printed", {"template": "brother-62"})],
        [F("outcome.recorded", {"kind": "donation", "beneficiary": "B-1"})],
    ]
    for step in steps:
        j = journey_of(DeviceKind.PHONE, facts, purposes=PURPOSES, policy=policy)
        assert j.next is not None and j.next.stage is not None
        seen.append((j.next.stage, j.next.label.fr))
        facts += step
    assert seen == [
        (Stage.CHECK, "Contrôler l’appareil"),
        (Stage.WIPE, "Effacer les données"),
        (Stage.INSTALL, "Installer /e/OS"),
        (Stage.GRADE, "Noter l’appareil"),
        (Stage.LABEL, "Imprimer l’étiquette"),
        (Stage.OUTCOME, "Choisir la destination"),
    ]
    end = journey_of(DeviceKind.PHONE, facts, purposes=PURPOSES, policy=policy)
    assert end.next is None and end.outcome is OutcomeKind.DONATION
    assert end.outcome_details == {"beneficiary": "B-1"}


def test_an_unverified_or_failed_erasure_is_not_done_and_says_so() -> None:
    facts = [
        F("erasure.started", {"erasure_id": "e1"}),
        F("erasure.verified", {"erasure_id": "e1", "ok": False}),
        F("erasure.finished", {"erasure_id": "e1", "result": "not_erased"}),
    ]
    j = journey_of(DeviceKind.DRIVE, facts, purposes=PURPOSES)
    assert Stage.ERASE not in j.done and not j.erasure_verified
    assert j.blocker("JOURNEY_ERASURE_FAILED") is not None
    refusal = outcome_refusal(j, OutcomeChoice(OutcomeKind.SALE, price="10"), TODAY)
    assert refusal is not None and refusal.code == "OUTCOME_NEEDS_VERIFIED_ERASURE"
    assert "vente" in refusal.message.fr


def test_a_failing_disk_goes_to_parts_or_recycling_only() -> None:
    facts = [
        *_job("drive.erase", "succeeded", [("health", "failed", {"smart": {"verdict": "fail"}})]),
        *_erased(),
    ]
    j = journey_of(DeviceKind.LAPTOP, facts, purposes=PURPOSES)
    assert j.allowed_outcomes == END_OF_LIFE_OUTCOMES
    assert set(j.skipped) == {Stage.SYSTEM_IMAGE, Stage.GRADE}
    assert j.next is not None and j.next.stage is Stage.LABEL
    refusal = outcome_refusal(j, OutcomeChoice(OutcomeKind.DONATION, beneficiary="B"), TODAY)
    assert refusal is not None and refusal.code == "OUTCOME_DISK_FAILING"
    assert outcome_refusal(j, OutcomeChoice(OutcomeKind.SPARE_PARTS), TODAY) is None


def test_a_lock_found_then_removed_frees_the_phone() -> None:
    locked = _job("phone.check", "blocked", [("locks", "failed", {"google_accounts": ["a@b"]})])
    j = journey_of(DeviceKind.PHONE, locked, purposes=PURPOSES)
    assert j.next == _see_what_to_do()
    assert j.next is not None and j.next.label.fr == "Voir quoi faire"
    freed = locked + _job(
        "phone.check", "succeeded", [("locks", "passed", {"google_accounts": []})]
    )
    j = journey_of(DeviceKind.PHONE, freed, purposes=PURPOSES)
    assert j.next is not None and j.next.stage is Stage.WIPE and not j.blockers


def test_outcome_rules_each_refuse_with_their_code() -> None:
    ok = journey_of(DeviceKind.DRIVE, _erased(), purposes=PURPOSES)
    tomorrow = str(TODAY + timedelta(days=1))
    cases = [
        (OutcomeChoice(OutcomeKind.RECYCLING), "OUTCOME_RECYCLING_REFERENCE"),
        (OutcomeChoice(OutcomeKind.RECYCLING, reference="  "), "OUTCOME_RECYCLING_REFERENCE"),
        (OutcomeChoice(OutcomeKind.LOAN, beneficiary="B"), "OUTCOME_DUE_DATE_MISSING"),
        (
            OutcomeChoice(OutcomeKind.LOAN, beneficiary="B", due_on=str(TODAY)),
            "OUTCOME_DUE_DATE_INVALID",
        ),
        (
            OutcomeChoice(OutcomeKind.LOAN, beneficiary="B", due_on="31/12/2026"),
            "OUTCOME_DUE_DATE_INVALID",
        ),
        (OutcomeChoice(OutcomeKind.LOAN, due_on=tomorrow), "OUTCOME_BENEFICIARY_MISSING"),
        (OutcomeChoice(OutcomeKind.DONATION), "OUTCOME_BENEFICIARY_MISSING"),
        (OutcomeChoice(OutcomeKind.SALE), "OUTCOME_PRICE_MISSING"),
        (OutcomeChoice(OutcomeKind.SALE, price="-1"), "OUTCOME_PRICE_INVALID"),
        (OutcomeChoice(OutcomeKind.SALE, price="12.345"), "OUTCOME_PRICE_INVALID"),
        (OutcomeChoice(OutcomeKind.SALE, price="nan"), "OUTCOME_PRICE_INVALID"),
        (OutcomeChoice(OutcomeKind.SALE, price="45"), "OUTCOME_RECEIPT_MISSING"),
        (OutcomeChoice(OutcomeKind.SALE, price="45", receipt=" "), "OUTCOME_RECEIPT_MISSING"),
        (OutcomeChoice(OutcomeKind.RENTAL, beneficiary="B"), "OUTCOME_RENTAL_TERM_INVALID"),
        *(
            (
                OutcomeChoice(OutcomeKind.RENTAL, beneficiary="B", months=m),
                "OUTCOME_RENTAL_TERM_INVALID",
            )
            for m in ("0", "61", "-1", "1.5", "douze", "١٢")
        ),
        (OutcomeChoice(OutcomeKind.SPARE_PARTS, part="écran"), "OUTCOME_PART_INCOMPLETE"),
        (OutcomeChoice(OutcomeKind.SPARE_PARTS, receiver="ABCD"), "OUTCOME_PART_INCOMPLETE"),
        *(
            (
                OutcomeChoice(OutcomeKind.RECYCLING, reference="ECO-1", weight=w),
                "OUTCOME_WEIGHT_INVALID",
            )
            for w in ("0", "-2", "lourd", "1,2345", "nan", "inf", "100000")
        ),
    ]
    for choice, code in cases:
        refusal = outcome_refusal(ok, choice, TODAY)
        assert refusal is not None and refusal.code == code, (choice, refusal)
    for choice in (
        OutcomeChoice(OutcomeKind.LOAN, beneficiary="B", due_on=tomorrow),
        OutcomeChoice(OutcomeKind.SALE, price="0", receipt="R-1"),
        OutcomeChoice(OutcomeKind.RECYCLING, reference="ECO-1"),
        OutcomeChoice(OutcomeKind.RECYCLING, reference="ECO-1", weight="12,5"),
        OutcomeChoice(OutcomeKind.RENTAL, beneficiary="B", months="12"),
        OutcomeChoice(OutcomeKind.SPARE_PARTS, part="écran", receiver="ABCD-2345-X"),
    ):
        assert outcome_refusal(ok, choice, TODAY) is None


@given(st.integers(0, 10**7 - 1))
def test_a_price_in_cents_reads_back_the_same(cents: int) -> None:
    euros, rest = divmod(cents, 100)
    assert price_text(f"{euros},{rest:02d}") == f"{euros}.{rest:02d}"
    assert price_text(f"{euros}.{rest:02d} €") == f"{euros}.{rest:02d}"


def test_the_current_outcome_is_the_clocks_not_the_arrivals(station: Station) -> None:
    """An outcome chosen earlier at another station arrives last: the device's current
    outcome stays the one with the later stamp, as in its history and reports."""
    from bench_app.store.database import NewEvent
    from bench_app.store.hlc import Hlc

    drive = station.register_device(DeviceKind.DRIVE, brand="Seagate", serial="ZZ1")
    station.record_outcome(drive.id, OutcomeKind.SPARE_PARTS)
    earlier = Hlc(1_600_000_000_000, 0, "another-station")
    station.store.record(
        [
            NewEvent(
                "outcome.recorded",
                {
                    "device_id": drive.id,
                    "kind": "recycling",
                    "reference": "ECO-9",
                    "hlc": str(earlier),
                },
                drive.id,
            )
        ],
        operator="import",
        training=False,
    )
    journey = station.journey(drive.id)
    assert journey.outcome is OutcomeKind.SPARE_PARTS and journey.outcome_details == {}
    # The facts alone, in arrival order, would have said recycling.
    events = queries.events(station.store, drive.id)
    assert journey_of(DeviceKind.DRIVE, events, purposes=PURPOSES).outcome is OutcomeKind.RECYCLING
