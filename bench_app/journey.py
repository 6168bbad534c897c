"""A device's journey: the stages its kind goes through, the ones done, the next one, and
what blocks it, derived from its facts alone (no table, no clock), so the window, the
command line and the reports all say the same thing.

phone (and tablet): check → data wipe → system installation (when the workshop installs
one; skipped with a reason counts as done) → grade → label → outcome
drive: check → erasure → label → outcome
laptop (and desktop): check → erasure → system image → grade → label → outcome

A computer's disk is taken out and docked at the station, where it is checked, erased and
given a system as a drive; linked to its computer (bench_app/disk_links.py), its facts count
for the computer: the check once every linked disk's health was read, the erasure once
every linked disk is verified erased (one that is not keeps it open, saying which), the
system image once one of them received it after its erasure.

A loan or rental that comes back (`loan.returned`) sends the device back into the flow:
its check, its erasure (or wipe), its grade and its outcome are to be done again (the
borrower's data and wear); its installed system and its label stay; its history is intact.

Rules: the installation comes after a verified wipe (the stage order, and `etabli install`
refuses otherwise); no reuse, donation, loan, rental or sale without a verified erasure;
a phone held by a Google account (FRP) or a company (MDM) has one next step, "see what to
do"; a failing disk sends the device to spare parts or recycling only.

A failed check (the latest checking job failed) keeps the check open; a supervisor's
approval to go on (`approval.granted` for `CHECK_OVERRIDE`, bench_app/approvals.py) counts
as the check, shown skipped with the approval's reason.

`outcome_refusal` holds the rules an outcome must meet before it is recorded.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol

from bench_app.domain.facts import OUTCOME_DETAILS
from bench_app.domain.model import Device, DeviceKind, OutcomeKind
from bench_app.errors import CATALOG, BenchError
from bench_app.jobs.steps import Purpose
from bench_app.text import Text

if TYPE_CHECKING:
    from bench_app.store.database import Store


class Stage(StrEnum):
    CHECK = "check"
    WIPE = "wipe"  # a phone's data wipe (factory reset, verified)
    INSTALL = "install"  # a phone's new system
    ERASE = "erase"  # a drive's erasure (NIST Clear or Purge, verified)
    SYSTEM_IMAGE = "system_image"  # a laptop's system written and verified
    GRADE = "grade"
    LABEL = "label"
    OUTCOME = "outcome"


_PHONE = (Stage.CHECK, Stage.WIPE, Stage.INSTALL, Stage.GRADE, Stage.LABEL, Stage.OUTCOME)
_COMPUTER = (
    Stage.CHECK,
    Stage.ERASE,
    Stage.SYSTEM_IMAGE,
    Stage.GRADE,
    Stage.LABEL,
    Stage.OUTCOME,
)
JOURNEYS: dict[DeviceKind, tuple[Stage, ...]] = {
    DeviceKind.PHONE: _PHONE,
    DeviceKind.TABLET: _PHONE,
    DeviceKind.DRIVE: (Stage.CHECK, Stage.ERASE, Stage.LABEL, Stage.OUTCOME),
    DeviceKind.LAPTOP: _COMPUTER,
    DeviceKind.DESKTOP: _COMPUTER,
}

STAGE_NAMES: dict[Stage, Text] = {
    Stage.CHECK: Text("Contrôle", "Check"),
    Stage.WIPE: Text("Effacement des données", "Data wipe"),
    Stage.INSTALL: Text("Installation du système", "System installation"),
    Stage.ERASE: Text("Effacement du disque", "Disk erasure"),
    Stage.SYSTEM_IMAGE: Text("Système", "System image"),
    Stage.GRADE: Text("Note", "Grade"),
    Stage.LABEL: Text("Étiquette", "Label"),
    Stage.OUTCOME: Text("Destination", "Outcome"),
}

# The big button's words for each stage (the installation's names the workshop's system).
ACTIONS: dict[Stage, Text] = {
    Stage.CHECK: Text("Contrôler l’appareil", "Check the device"),
    Stage.WIPE: Text("Effacer les données", "Erase the data"),
    Stage.INSTALL: Text("Installer le système", "Install the system"),
    Stage.ERASE: Text("Effacer le disque", "Erase the disk"),
    Stage.SYSTEM_IMAGE: Text("Installer le système", "Install the system"),
    Stage.GRADE: Text("Noter l’appareil", "Grade the device"),
    Stage.LABEL: Text("Imprimer l’étiquette", "Print the label"),
    Stage.OUTCOME: Text("Choisir la destination", "Choose the outcome"),
}
SEE_WHAT_TO_DO = Text("Voir quoi faire", "See what to do")

# Outcomes where the device goes to someone: each needs a verified erasure first.
REUSE_OUTCOMES = frozenset(
    {
        OutcomeKind.REUSE,
        OutcomeKind.DONATION,
        OutcomeKind.LOAN,
        OutcomeKind.RENTAL,
        OutcomeKind.SALE,
    }
)
# Outcomes where the device is taken apart or destroyed.
END_OF_LIFE_OUTCOMES = frozenset({OutcomeKind.SPARE_PARTS, OutcomeKind.RECYCLING})

# Blockers under which a device goes to no one (parts and recycling stay open).
HOLD_BACK_REUSE = frozenset({"JOURNEY_FRP_LOCK", "JOURNEY_MDM_LOCK", "JOURNEY_DISK_FAILING"})
# Steps that read a phone's locks, in the check (`locks`, `accounts`) and the wipe (`precheck`).
LOCK_STEPS = frozenset({"locks", "accounts", "precheck"})
HEALTH_STEP = "health"  # a drive's SMART verdict, read before its erasure
# The approved action that lets a failed check count as done (bench_app/approvals.py).
CHECK_OVERRIDE = "override_check"

COMPUTER_KINDS = frozenset({DeviceKind.LAPTOP, DeviceKind.DESKTOP})
# A computer whose disk is not linked yet: its check starts by linking the docked disk.
LINK_DISK = Text("Relier son disque", "Link its disk")

NOT_INSTALLED_BY_WORKSHOP = Text(
    "L’atelier n’installe pas de système sur les téléphones.",
    "The workshop does not install systems on phones.",
)
FAILING_DISK_SKIP = Text(
    "Disque défaillant : pièces détachées ou recyclage seulement.",
    "Failing disk: spare parts or recycling only.",
)


class FactLike(Protocol):
    """A recorded fact: an event of the log, or one built by a test."""

    @property
    def type(self) -> str: ...

    @property
    def payload(self) -> dict[str, Any]: ...


@dataclass(frozen=True)
class JourneyPolicy:
    """What the workshop decided: the phones' system ("" when it installs none)."""

    phone_system: str = "/e/OS"


@dataclass(frozen=True)
class Blocker:
    """Something in the way: a stable code (bench_app/errors.py) with its one-sentence
    reason. `stops`: nothing else may be done until it is solved."""

    code: str
    stops: bool
    values: tuple[tuple[str, str], ...] = ()  # what the sentence names (a disk's code)

    @property
    def reason(self) -> Text:
        if self.values:
            return BenchError(self.code, **dict(self.values)).message
        return CATALOG[self.code].message

    @property
    def action(self) -> Text:
        if self.values:
            return BenchError(self.code, **dict(self.values)).action
        return CATALOG[self.code].action


@dataclass(frozen=True)
class LinkedDisk:
    """A disk taken out of a computer and docked at the station, with its own facts."""

    device_id: str
    asset_code: str
    facts: Sequence[FactLike]


@dataclass(frozen=True)
class DiskState:
    """Where a computer's linked disk is on its way."""

    device_id: str
    asset_code: str
    checked: bool  # its health (SMART) was read
    failing: bool
    erased: bool  # verified erased
    erasure_failed: bool  # its last erasure did not succeed
    imaged: bool  # given the system image (verified) after its last erasure

    def to_json(self) -> dict[str, Any]:
        return {
            "device_id": self.device_id,
            "asset_code": self.asset_code,
            "checked": self.checked,
            "failing": self.failing,
            "erased": self.erased,
            "erasure_failed": self.erasure_failed,
            "imaged": self.imaged,
        }


@dataclass(frozen=True)
class NextStep:
    """What the big button does: a stage, or (stage None) "see what to do" for a blocker."""

    stage: Stage | None
    label: Text


@dataclass(frozen=True)
class Journey:
    kind: DeviceKind
    stages: tuple[Stage, ...]
    done: tuple[Stage, ...]  # in journey order; a skipped stage with a reason counts
    skipped: dict[Stage, Text]  # done stages that were skipped, and why
    next: NextStep | None  # None: every stage is done
    blockers: tuple[Blocker, ...]
    erasure_verified: bool
    allowed_outcomes: frozenset[OutcomeKind]
    outcome: OutcomeKind | None = None  # the latest one recorded
    outcome_details: dict[str, Any] = field(default_factory=dict)
    disks: tuple[DiskState, ...] = ()  # a computer's linked disks
    returned: bool = False  # back from a loan or rental, not placed again yet
    # The check was done and found nothing wrong: every step passed, no lock, a sound disk,
    # a grade that does not send it to recycling (not an overridden check).
    check_passed: bool = False

    def blocker(self, code: str) -> Blocker | None:
        return next((b for b in self.blockers if b.code == code), None)

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "stages": [
                {
                    "stage": s.value,
                    "name": STAGE_NAMES[s].to_json(),
                    "state": "skipped"
                    if s in self.skipped
                    else "done"
                    if s in self.done
                    else "todo",
                    **({"why": self.skipped[s].to_json()} if s in self.skipped else {}),
                }
                for s in self.stages
            ],
            "done": [s.value for s in self.done],
            "next": None
            if self.next is None
            else {
                "stage": self.next.stage.value if self.next.stage else None,
                "label": self.next.label.to_json(),
            },
            "blockers": [
                {
                    "code": b.code,
                    "stops": b.stops,
                    "reason": b.reason.to_json(),
                    "action": b.action.to_json(),
                }
                for b in self.blockers
            ],
            "erasure_verified": self.erasure_verified,
            "allowed_outcomes": sorted(k.value for k in self.allowed_outcomes),
            "outcome": self.outcome.value if self.outcome else None,
            "outcome_details": self.outcome_details,
            "disks": [d.to_json() for d in self.disks],
            "returned": self.returned,
            "check_passed": self.check_passed,
        }


@dataclass
class _Reading:
    """What the facts say, folded in log order."""

    pipelines: dict[str, str] = field(default_factory=dict)  # job id -> pipeline name
    checked: bool = False
    identified: bool = False  # registered or identified: its identity is known
    frp: bool = False
    mdm: bool = False
    disk_failing: bool = False
    verified: dict[str, bool] = field(default_factory=dict)  # erasure id -> last verification
    erased: set[str] = field(default_factory=set)  # erasure ids finished as "erased"
    last_erasure_failed: bool = False
    installed: bool = False
    install_skipped: str | None = None
    imaged: bool = False
    graded: bool = False
    labelled: bool = False
    outcome_recorded: bool = False
    outcome: OutcomeKind | None = None
    outcome_details: dict[str, Any] = field(default_factory=dict)
    returned: bool = False  # back from a loan or rental since its last outcome
    check_job: str = ""  # the latest checking job
    check_failed: bool = False  # that job failed (not interrupted, not blocked)
    check_flawed: bool = False  # a step of it failed, or it was blocked
    overridden: Text | None = None  # the approval that let a failed check count, and why
    suggested: str = ""  # the latest grade's suggested outcome


def _read(kind: DeviceKind, facts: Iterable[FactLike], purposes: Mapping[str, Purpose]) -> _Reading:
    r = _Reading()
    for fact in facts:
        t, p = fact.type, fact.payload
        if t == "job.created":
            r.pipelines[str(p.get("job_id"))] = str(p.get("pipeline"))
            if purposes.get(str(p.get("pipeline"))) is Purpose.TESTS:
                r.check_job = str(p.get("job_id"))
                r.check_failed = r.check_flawed = False
        elif t == "job.finished":
            pipeline = r.pipelines.get(str(p.get("job_id")), "")
            # A blocked check was done: it found what blocks (read from its steps below).
            if purposes.get(pipeline) is Purpose.TESTS and p.get("state") in (
                "succeeded",
                "blocked",
            ):
                r.checked = True
                r.check_flawed = r.check_flawed or p.get("state") == "blocked"
                r.overridden = None  # a check done after an override is the check
        elif t == "job.failed" and p.get("job_id") == r.check_job:
            r.check_failed = True
        elif t == "approval.granted" and p.get("action") == CHECK_OVERRIDE:
            r.checked = True
            who, why = str(p.get("supervisor", "")), str(p.get("reason", ""))
            r.overridden = Text(
                f"contrôle échoué, accord de {who} : {why}", f"check failed, {who} approved: {why}"
            )
        elif t == "device.inventoried" and kind in COMPUTER_KINDS:
            r.checked = True
        elif t in ("device.registered", "device.identified"):
            r.identified = True
        elif t == "step.finished":
            _read_step(r, kind, p)
        elif t == "erasure.verified":
            r.verified[str(p.get("erasure_id"))] = p.get("ok") is True
        elif t == "erasure.finished":
            erasure_id = str(p.get("erasure_id"))
            r.imaged = False  # an erasure takes away a system written before it
            if p.get("result") == "erased":
                r.erased.add(erasure_id)
                r.last_erasure_failed = False
            else:
                r.erased.discard(erasure_id)
                r.last_erasure_failed = True
        elif t == "device.os_installed":
            r.installed = True
        elif t == "install.skipped":
            r.install_skipped = str(p.get("reason") or "")
        elif t == "image.written":
            if p.get("verified") is True and p.get("result", "installed") == "installed":
                r.imaged = True
        elif t == "grade.assigned":
            r.graded = True
            r.suggested = str(p.get("suggested_outcome") or "")
        elif t == "label.printed":
            r.labelled = True
        elif t == "outcome.recorded":
            r.outcome_recorded = True
            r.outcome_details = {k: p[k] for k in OUTCOME_DETAILS if p.get(k)}
            kinds = {k.value: k for k in OutcomeKind}
            # A kind a newer version knows: the stage is done all the same.
            r.outcome = kinds.get(str(p.get("kind")))
            r.returned = False
        elif t == "job.created":
            r.returned = False  # worked on since its return
        elif t == "loan.returned":
            # Back from a borrower: checked, erased, graded and placed again, from now on.
            r.checked = False
            r.verified.clear()
            r.erased.clear()
            r.last_erasure_failed = False
            r.graded = False
            r.outcome_recorded = False
            r.outcome = None
            r.outcome_details = {}
            r.returned = True
    return r


def _read_step(r: _Reading, kind: DeviceKind, p: dict[str, Any]) -> None:
    step = p.get("step_id")
    if p.get("job_id") == r.check_job and p.get("status") == "failed":
        r.check_flawed = True
    evidence = p.get("evidence")
    if not isinstance(evidence, dict):
        return
    if step in LOCK_STEPS:
        reading = evidence.get("reading", evidence)
        if isinstance(reading, dict) and (
            "google_accounts" in reading or "device_owner" in reading
        ):
            # The latest reading of the locks says how the phone is now.
            r.frp = bool(reading.get("google_accounts"))
            r.mdm = not r.frp and bool(reading.get("device_owner"))
    elif step == HEALTH_STEP and kind is not DeviceKind.PHONE and kind is not DeviceKind.TABLET:
        r.checked = True  # the SMART reading is a drive's check
        r.disk_failing = p.get("status") == "failed"


def disk_state(disk: LinkedDisk, purposes: Mapping[str, Purpose]) -> DiskState:
    """What a linked disk's own facts say of it."""
    r = _read(DeviceKind.DRIVE, disk.facts, purposes)
    erased = any(r.verified.get(e, False) for e in r.erased)
    return DiskState(
        disk.device_id,
        disk.asset_code,
        checked=r.checked,
        failing=r.disk_failing,
        erased=erased,
        erasure_failed=r.last_erasure_failed and not erased,
        imaged=r.imaged,
    )


def journey_of(
    kind: DeviceKind,
    facts: Iterable[FactLike],
    *,
    purposes: Mapping[str, Purpose],
    policy: JourneyPolicy | None = None,
    disks: Sequence[LinkedDisk] = (),
    host_code: str = "",
) -> Journey:
    """The journey of a device of `kind` whose facts (in log order) are `facts`.
    `purposes` gives each pipeline name's purpose (`pipeline_purposes`). The next stage is
    never a done one; reuse outcomes are allowed only after a verified erasure. A computer's
    `disks` (linked, each with its own facts) make its check, erasure and system image:
    its erasure is verified only when every linked disk's is. A drive linked to the
    computer `host_code` goes back into it: its label and outcome are the computer's."""
    policy = policy or JourneyPolicy()
    r = _read(kind, facts, purposes)
    stages = JOURNEYS[kind]
    verified = any(r.verified.get(e, False) for e in r.erased)
    states = tuple(disk_state(d, purposes) for d in disks) if kind in COMPUTER_KINDS else ()
    unerased = [d.asset_code for d in states if not d.erased]
    if states:
        # The disks hold the computer's data: each one must be verified erased.
        verified = not unerased
        r.checked = r.checked or (r.identified and all(d.checked for d in states))
        r.imaged = r.imaged or any(d.imaged and d.erased for d in states)
        r.disk_failing = r.disk_failing or any(d.failing for d in states)
        r.last_erasure_failed = any(d.erasure_failed for d in states)
    done: set[Stage] = set()
    skipped: dict[Stage, Text] = {}

    def skip(stage: Stage, why: Text) -> None:
        done.add(stage)
        skipped[stage] = why

    if r.overridden is not None and Stage.CHECK in stages:
        skip(Stage.CHECK, r.overridden)
    elif r.checked:
        done.add(Stage.CHECK)
    if verified:
        done.update({Stage.WIPE, Stage.ERASE})
    if r.installed:
        done.add(Stage.INSTALL)
    elif r.install_skipped is not None:
        skip(Stage.INSTALL, Text(r.install_skipped, r.install_skipped))
    elif not policy.phone_system:
        skip(Stage.INSTALL, NOT_INSTALLED_BY_WORKSHOP)
    if r.imaged:
        done.add(Stage.SYSTEM_IMAGE)
    elif r.install_skipped is not None and Stage.SYSTEM_IMAGE in stages:
        # A computer gets no system from the workshop (the beneficiary installs their own).
        skip(Stage.SYSTEM_IMAGE, Text(r.install_skipped, r.install_skipped))
    if r.graded:
        done.add(Stage.GRADE)
    if r.labelled:
        done.add(Stage.LABEL)
    if r.outcome_recorded:
        done.add(Stage.OUTCOME)
    if host_code and kind is DeviceKind.DRIVE:
        goes_with = Text(f"Suit l’ordinateur {host_code}.", f"Goes with computer {host_code}.")
        for stage in (Stage.LABEL, Stage.OUTCOME):
            if stage not in done:
                skip(stage, goes_with)

    blockers: list[Blocker] = []
    phone = Stage.WIPE in stages
    if phone and r.frp:
        blockers.append(Blocker("JOURNEY_FRP_LOCK", stops=True))
    if phone and r.mdm:
        blockers.append(Blocker("JOURNEY_MDM_LOCK", stops=True))
    if r.disk_failing and not phone:
        blockers.append(Blocker("JOURNEY_DISK_FAILING", stops=False))
        for stage in (Stage.SYSTEM_IMAGE, Stage.GRADE):
            if stage in stages and stage not in done:
                skip(stage, FAILING_DISK_SKIP)
    if r.check_failed and Stage.CHECK not in done:
        blockers.append(Blocker("JOURNEY_CHECK_FAILED", stops=False))
    if r.last_erasure_failed and not verified:
        blockers.append(Blocker("JOURNEY_ERASURE_FAILED", stops=False))
    no_disk = kind in COMPUTER_KINDS and not states and not r.checked and not verified
    if no_disk:
        blockers.append(Blocker("JOURNEY_NO_DISK_LINKED", stops=False))
    # Said once the disks are checked, or as soon as one of them is erased (or failed).
    started = any(d.erased or d.erasure_failed for d in states)
    if unerased and (Stage.CHECK in done or started):
        blockers.append(
            Blocker(
                "JOURNEY_DISK_NOT_ERASED", stops=False, values=(("disks", ", ".join(unerased)),)
            )
        )

    allowed = set(END_OF_LIFE_OUTCOMES)
    if verified and not any(b.code in HOLD_BACK_REUSE for b in blockers):
        allowed |= REUSE_OUTCOMES

    ordered_done = tuple(s for s in stages if s in done)
    todo = [s for s in stages if s not in done]
    next_step: NextStep | None
    if any(b.stops for b in blockers):
        next_step = NextStep(None, SEE_WHAT_TO_DO)
    elif todo and no_disk and todo[0] is Stage.CHECK:
        next_step = NextStep(Stage.CHECK, LINK_DISK)
    elif todo:
        next_step = NextStep(todo[0], action_label(todo[0], policy))
    else:
        next_step = None
    return Journey(
        kind=kind,
        stages=stages,
        done=ordered_done,
        skipped={s: skipped[s] for s in stages if s in skipped},
        next=next_step,
        blockers=tuple(blockers),
        erasure_verified=verified,
        allowed_outcomes=frozenset(allowed),
        outcome=r.outcome,
        outcome_details=r.outcome_details,
        disks=states,
        returned=r.returned,
        check_passed=Stage.CHECK in done
        and Stage.CHECK not in skipped
        and not r.check_flawed
        and not r.disk_failing
        and not any(b.code in HOLD_BACK_REUSE for b in blockers)
        and r.suggested != OutcomeKind.RECYCLING.value,
    )


def device_journey(
    store: Store, device: Device, *, purposes: Mapping[str, Purpose], policy: JourneyPolicy
) -> Journey:
    """The journey of a recorded device, from every fact of it in the store. Its current
    outcome is the projection's: when two stations chose differently, the clock decides
    (store/hlc.py), not the order the facts arrived in."""
    from bench_app.disk_links import disks_of, host_of
    from bench_app.store import queries

    facts = queries.events(store, device.id)
    disks = (
        [
            LinkedDisk(d.id, d.asset_code, _disk_facts(store, d.id, device.id))
            for d in disks_of(store, device.id)
        ]
        if device.kind in COMPUTER_KINDS
        else []
    )
    host = host_of(store, device.id) if device.kind is DeviceKind.DRIVE else None
    journey = journey_of(
        device.kind,
        facts,
        purposes=purposes,
        policy=policy,
        disks=disks,
        host_code=host.asset_code if host is not None else "",
    )
    if Stage.OUTCOME not in journey.done or journey.outcome is None:
        return journey  # none yet, or back from a loan: no current outcome
    latest = queries.latest_outcome(store, device.id)
    if latest is None:
        return journey
    details = {k: v for k, v in latest.details.items() if v}
    if latest.reference:
        details["reference"] = latest.reference
    return replace(journey, outcome=latest.kind, outcome_details=details)


def _disk_facts(store: Store, disk_id: str, host_id: str) -> list[Any]:
    """A linked disk's facts; once its computer came back from a loan, only those after
    the return in the log (its check and erasure before the loan prove nothing now)."""
    from bench_app.store import queries

    facts = queries.events(store, disk_id)
    row = store.query_one(
        "SELECT max(rowid) FROM events WHERE device_id = ? AND type = 'loan.returned'",
        (host_id,),
    )
    if row is None or row[0] is None:
        return facts
    later = {
        r[0]
        for r in store.query(
            "SELECT id FROM events WHERE device_id = ? AND rowid > ?", (disk_id, row[0])
        )
    }
    return [e for e in facts if e.id in later]


# Stages recorded without a job on the device: once done, the last job's words are stale.
RECORDED_STAGES = (Stage.OUTCOME, Stage.LABEL)


def done_line(journey: Journey) -> Text | None:
    """The last stage done ("Fait : Destination"): the outcome once chosen, else the done
    stage just before the next one in the journey's order (a grade given during the check
    does not hide that the wipe comes next); None before the first."""
    if not journey.done:
        return None
    last = journey.done[-1]
    step = journey.next
    if Stage.OUTCOME not in journey.done and step is not None and step.stage is not None:
        before = journey.stages[: journey.stages.index(step.stage)]
        earlier = [s for s in before if s in journey.done]
        if earlier:
            last = earlier[-1]
    name = STAGE_NAMES[last]
    return Text(f"Fait : {name.fr}", f"Done: {name.en}")


def stage_line(journey: Journey) -> Text:
    """Where the device is on its way, in one line: the last stage done and the next one
    ("Fait : Effacement des données · Ensuite : Installation du système")."""
    done = done_line(journey)
    parts: list[Text] = [done] if done is not None else []
    step = journey.next
    if step is None:
        parts.append(Text("Parcours terminé", "Journey complete"))
    elif step.stage is None:  # a lock stops everything
        parts.append(Text("Ensuite : voir quoi faire", "Next: see what to do"))
    else:
        following = STAGE_NAMES[step.stage]
        parts.append(Text(f"Ensuite : {following.fr}", f"Next: {following.en}"))
    return Text(" · ".join(t.fr for t in parts), " · ".join(t.en for t in parts))


def action_label(stage: Stage, policy: JourneyPolicy | None = None) -> Text:
    """The big button's words for `stage` ("Installer /e/OS" for the workshop's system)."""
    system = (policy or JourneyPolicy()).phone_system
    if stage is Stage.INSTALL and system:
        return Text(f"Installer {system}", f"Install {system}")
    return ACTIONS[stage]


def pipeline_purposes(pipelines: Iterable[Any]) -> dict[str, Purpose]:
    """Each pipeline's name and purpose (e.g. from `PipelineRegistry.all()`)."""
    return {p.name: p.purpose for p in pipelines}


# -- outcomes ------------------------------------------------------------------------------

OUTCOME_WORDS: dict[OutcomeKind, Text] = {
    OutcomeKind.REUSE: Text("réemploi", "reuse"),
    OutcomeKind.DONATION: Text("don", "donation"),
    OutcomeKind.LOAN: Text("prêt", "loan"),
    OutcomeKind.RENTAL: Text("location", "rental"),
    OutcomeKind.SALE: Text("vente", "sale"),
    OutcomeKind.SPARE_PARTS: Text("pièces détachées", "spare parts"),
    OutcomeKind.RECYCLING: Text("recyclage", "recycling"),
}
# Outcomes that hand the device to a person, known by a reference (never their name).
NEEDS_BENEFICIARY = frozenset({OutcomeKind.DONATION, OutcomeKind.LOAN, OutcomeKind.RENTAL})
# Outcomes where the device comes back: each is a loan of its own (bench_app/loans.py).
LOAN_KINDS = frozenset({OutcomeKind.LOAN, OutcomeKind.RENTAL})
MAX_PRICE = Decimal("100000")
MAX_WEIGHT_KG = Decimal("100000")
MAX_RENTAL_MONTHS = 60


@dataclass(frozen=True)
class OutcomeChoice:
    """An outcome as asked for, before the rules are checked."""

    kind: OutcomeKind
    beneficiary: str = ""
    due_on: str = ""  # YYYY-MM-DD as typed
    price: str = ""  # euros as typed: "45", "45,50", "45.5"
    reference: str = ""
    note: str = ""
    receipt: str = ""  # a sale's receipt number
    months: str = ""  # a rental's term in months, as typed
    part: str = ""  # spare parts: the part given...
    receiver: str = ""  # ...to the device with this asset code, as typed
    weight: str = ""  # recycling: kilograms as typed: "12,5"
    signed: bool = False  # loan, rental: the handover sheet is signed (screen or paper)
    signature: str = ""  # the SHA-256 of the signature's picture kept in the data folder


def price_text(typed: str) -> str | None:
    """The price as facts carry it ("45.50"), or None when it is not an amount in euros
    of zero or more with at most two decimals."""
    text = typed.strip().replace(",", ".").replace("€", "").strip()
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    if not value.is_finite() or value < 0 or value >= MAX_PRICE:
        return None
    exponent = value.as_tuple().exponent
    if not isinstance(exponent, int) or exponent < -2:
        return None
    return f"{value:.2f}"


def more_outcome_words(details: Mapping[str, Any]) -> list[Text]:
    """What else an outcome recorded, in words: a sale's receipt, a rental's months, the
    weight recycled, the part given and to which device, a signed handover sheet."""
    words: list[Text] = []
    if details.get("receipt"):
        receipt = str(details["receipt"])
        words.append(Text(f"reçu {receipt}", f"receipt {receipt}"))
    if details.get("term_months"):
        months = str(details["term_months"])
        words.append(Text(f"{months} mois", f"{months} months"))
    if details.get("weight_kg"):
        weight = str(details["weight_kg"])
        words.append(Text(f"{weight.replace('.', ',')} kg", f"{weight} kg"))
    if details.get("part"):
        given = f"{details['part']} → {details.get('receiver_asset', '')}"
        words.append(Text(given, given))
    if details.get("signed") is True:
        words.append(Text("fiche signée", "sheet signed"))
    return words


# A device back from a loan or rental, not worked on since: the last job's words are stale.
RETURNED_WORDS = Text("De retour : à contrôler", "Back: to check again")


def weight_text(typed: str) -> str | None:
    """The weight as facts carry it ("12.5", kilograms), or None when it is not a number of
    kilograms above zero with at most three decimals."""
    text = typed.strip().replace(",", ".").lower().removesuffix("kg").strip()
    if not re.fullmatch(r"[0-9]{1,6}(\.[0-9]{1,3})?", text):
        return None  # digits only: no sign, no exponent, no "nan"
    value = Decimal(text)
    if value <= 0 or value >= MAX_WEIGHT_KG:
        return None
    return format(value.normalize(), "f")


def rental_months(typed: str) -> int | None:
    """A rental's term as typed, in whole months from 1 to 60; None otherwise."""
    text = typed.strip()
    if not text.isdecimal() or not text.isascii():
        return None
    months = int(text)
    return months if 1 <= months <= MAX_RENTAL_MONTHS else None


def outcome_refusal(journey: Journey, choice: OutcomeChoice, today: date) -> BenchError | None:
    """Why this outcome may not be recorded for the device on this journey (None: it may).
    A device goes to a person only when verified erased, unlocked and with a sound disk;
    recycling names the eco-organism's slip; a loan has a return date to come; a sale a
    price; a donation, loan or rental the beneficiary's reference."""
    kind = choice.kind
    words = OUTCOME_WORDS[kind]
    if kind in REUSE_OUTCOMES:
        if journey.blocker("JOURNEY_FRP_LOCK") or journey.blocker("JOURNEY_MDM_LOCK"):
            return BenchError("OUTCOME_DEVICE_LOCKED", outcome=words)
        if journey.blocker("JOURNEY_DISK_FAILING"):
            return BenchError("OUTCOME_DISK_FAILING", outcome=words)
        unerased = [d.asset_code for d in journey.disks if not d.erased]
        if unerased:
            return BenchError("OUTCOME_DISK_NOT_ERASED", outcome=words, disks=", ".join(unerased))
        if not journey.erasure_verified:
            return BenchError("OUTCOME_NEEDS_VERIFIED_ERASURE", outcome=words)
    if kind is OutcomeKind.RECYCLING and not choice.reference.strip():
        return BenchError("OUTCOME_RECYCLING_REFERENCE")
    if kind in NEEDS_BENEFICIARY and not choice.beneficiary.strip():
        return BenchError("OUTCOME_BENEFICIARY_MISSING", outcome=words)
    if kind is OutcomeKind.LOAN and not choice.due_on.strip():
        return BenchError("OUTCOME_DUE_DATE_MISSING")
    if choice.due_on.strip():
        try:
            due = date.fromisoformat(choice.due_on.strip())
        except ValueError:
            due = None
        if due is None or due <= today:
            return BenchError("OUTCOME_DUE_DATE_INVALID", due=choice.due_on)
    if kind is OutcomeKind.RENTAL and rental_months(choice.months) is None:
        return BenchError("OUTCOME_RENTAL_TERM_INVALID", months=choice.months)
    if kind is OutcomeKind.SALE and not choice.price.strip():
        return BenchError("OUTCOME_PRICE_MISSING")
    if choice.price.strip() and price_text(choice.price) is None:
        return BenchError("OUTCOME_PRICE_INVALID", price=choice.price)
    if kind is OutcomeKind.SALE and not choice.receipt.strip():
        return BenchError("OUTCOME_RECEIPT_MISSING")
    if kind is OutcomeKind.SPARE_PARTS and bool(choice.part.strip()) != bool(
        choice.receiver.strip()
    ):
        return BenchError("OUTCOME_PART_INCOMPLETE")
    weighed = kind is OutcomeKind.RECYCLING and choice.weight.strip()
    if weighed and weight_text(choice.weight) is None:
        return BenchError("OUTCOME_WEIGHT_INVALID", weight=choice.weight)
    return None


def outcome_payload(
    device_id: str,
    choice: OutcomeChoice,
    *,
    today: date | None = None,
    loan_id: str = "",
    receiver_id: str = "",
) -> dict[str, Any]:
    """The `outcome.recorded` fact of an accepted choice (no float: the price and weight are
    strings). A loan or rental is a loan of its own: its `loan_id`, its start (`today`),
    its return date or monthly term, and its handover sheet (signed, the picture's hash).
    Spare parts name the part and the receiving device (`receiver_id`, its asset code)."""
    kind = choice.kind
    payload: dict[str, Any] = {
        "device_id": device_id,
        "kind": kind.value,
        "reference": choice.reference.strip(),
        "note": choice.note,
    }
    if choice.beneficiary.strip():
        payload["beneficiary"] = choice.beneficiary.strip()
    if choice.due_on.strip() and kind is not OutcomeKind.RENTAL:
        payload["due_on"] = date.fromisoformat(choice.due_on.strip()).isoformat()
    if choice.price.strip():
        price = price_text(choice.price)
        if price is not None:
            payload["price_eur"] = price
    if kind is OutcomeKind.SALE:
        payload["receipt"] = choice.receipt.strip()
    if kind in LOAN_KINDS:
        payload["loan_id"] = loan_id
        payload["start_on"] = (today or date.today()).isoformat()
        payload["signed"] = choice.signed or bool(choice.signature)
        if choice.signature:
            payload["signature_sha256"] = choice.signature
    if kind is OutcomeKind.RENTAL:
        payload["term_months"] = rental_months(choice.months)
    if kind is OutcomeKind.SPARE_PARTS and choice.part.strip():
        payload["part"] = choice.part.strip()
        payload["receiver_id"] = receiver_id
        payload["receiver_asset"] = choice.receiver.strip().upper()
    if kind is OutcomeKind.RECYCLING and choice.weight.strip():
        weight = weight_text(choice.weight)
        if weight is not None:
            payload["weight_kg"] = weight
    return payload
