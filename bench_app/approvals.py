"""What an operator must not do alone, and the approval that lets it be done.

Four actions are guarded: going on after a failed check, changing a grade once the label
was printed, recycling a device that passed its checks, and forgetting a beneficiary. Each
needs a supervisor (in training mode a trainer, the person who runs the class, or a
supervisor) who chooses their name, types their PIN and says why. The guarded action is
then recorded with an `approval.granted` fact naming both people (the operator at work and
the one approving), the action, the device and the reason, in the same transaction.

A station that lists nobody who may approve works as before roles: everyone does everything
alone (as an empty list of operators lets anyone work), except what exists only through an
approval (overriding a failed check), which it refuses, saying to name a supervisor. Once a
supervisor is listed, removing them is itself a change that needs one (`CHANGE_ROLES`).

A supervisor at work who does a guarded action themself needs no second person, but still
types their own PIN and a reason: the fact then names them twice (operator == supervisor).
The PIN proves that the supervisor is at the station now, not only that their name was
chosen when the session began (the command line never checks the operator's PIN).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from bench_app.domain.model import OutcomeKind
from bench_app.errors import BenchError
from bench_app.journey import CHECK_OVERRIDE, Journey, Stage
from bench_app.operators import SUPERVISOR, TRAINER, Operator, clean_name, find, pin_matches
from bench_app.text import Text

REASON_MAX = 300


class Guarded(StrEnum):
    """An action an operator must not do alone (the value travels in the fact)."""

    OVERRIDE_CHECK = CHECK_OVERRIDE
    REGRADE_AFTER_LABEL = "regrade_after_label"
    RECYCLE_PASSED = "recycle_passed"
    FORGET_BENEFICIARY = "forget_beneficiary"
    # Who may approve changes (a supervisor or trainer added, removed or given a new PIN):
    # else an operator could make themself a supervisor in the settings.
    CHANGE_ROLES = "change_roles"


ACTION_NAMES: dict[Guarded, Text] = {
    Guarded.OVERRIDE_CHECK: Text("Passer outre le contrôle échoué", "Override the failed check"),
    Guarded.REGRADE_AFTER_LABEL: Text(
        "Changer la note après l’étiquette", "Change the grade after the label"
    ),
    Guarded.RECYCLE_PASSED: Text("Recycler un appareil en bon état", "Recycle a sound device"),
    Guarded.FORGET_BENEFICIARY: Text("Effacer un bénéficiaire", "Delete a beneficiary"),
    Guarded.CHANGE_ROLES: Text("Changer les responsables", "Change the supervisors"),
}


@dataclass(frozen=True)
class ApprovalRequest:
    """What the person approving gives: their name, their PIN and why."""

    supervisor: str
    pin: str
    reason: str


@dataclass(frozen=True)
class Approval:
    """A granted approval, as the fact records it."""

    action: Guarded
    device_id: str | None
    operator: str  # who is at work (the author of the guarded action)
    supervisor: str  # who approved (the same name when a supervisor acts alone)
    role: str  # the approver's role: supervisor, or trainer (training mode)
    reason: str

    def payload(self) -> dict[str, Any]:
        """The `approval.granted` fact."""
        return {
            "action": self.action.value,
            "device_id": self.device_id,
            "operator": self.operator,
            "supervisor": self.supervisor,
            "role": self.role,
            "reason": self.reason,
        }


# What exists only through an approval: without anyone to approve, nobody may do it.
APPROVAL_ONLY = frozenset({Guarded.OVERRIDE_CHECK})


def approval_required(operators: list[Operator], action: Guarded, *, training: bool) -> bool:
    """Whether `action` needs an approval at this station: always for what exists only by
    approval; otherwise once the station lists someone who may approve."""
    return action in APPROVAL_ONLY or bool(approvers(operators, training=training))


def approvers(operators: list[Operator], *, training: bool) -> list[Operator]:
    """Who may approve: the supervisors, and in training mode the trainers too."""
    roles = (SUPERVISOR, TRAINER) if training else (SUPERVISOR,)
    return [o for o in operators if o.role in roles and o.has_pin]


def grant(
    operators: list[Operator],
    request: ApprovalRequest | None,
    *,
    action: Guarded,
    device_id: str | None,
    operator: str,
    training: bool,
) -> Approval:
    """The approval of `action` on `device_id` for `operator`, once the request names a
    supervisor (a trainer too in training) whose PIN matches and gives a reason; BenchError
    otherwise (no supervisor listed, APPROVAL_NEEDED without a request, then not one, no
    reason, wrong PIN)."""
    allowed = approvers(operators, training=training)
    if not allowed:
        raise BenchError("APPROVAL_NO_SUPERVISOR")
    if request is None:
        raise BenchError("APPROVAL_NEEDED", action=ACTION_NAMES[action])
    chosen = find(allowed, request.supervisor)
    if chosen is None:
        raise BenchError("APPROVAL_NOT_SUPERVISOR", name=clean_name(request.supervisor) or "?")
    reason = clean_reason(request.reason)
    if not reason or len(reason) > REASON_MAX:
        raise BenchError("APPROVAL_REASON_MISSING")
    if not pin_matches(request.pin.strip(), chosen.pin_hash):
        raise BenchError("APPROVAL_PIN_WRONG", name=chosen.name)
    return Approval(action, device_id, operator, chosen.name, chosen.role, reason)


def clean_reason(text: str) -> str:
    """The reason as recorded: one line, control characters as spaces, spaces folded."""
    return " ".join("".join(c if c.isprintable() else " " for c in text).split())


# -- when an action needs an approval ------------------------------------------------------


def outcome_needs_approval(journey: Journey, kind: OutcomeKind) -> Guarded | None:
    """Recycling a device whose check passed needs an approval (it could serve someone)."""
    if kind is OutcomeKind.RECYCLING and journey.check_passed:
        return Guarded.RECYCLE_PASSED
    return None


def regrade_needs_approval(journey: Journey) -> bool:
    """A grade given and its label printed: a new grade would contradict the label."""
    graded = Stage.GRADE in journey.done and Stage.GRADE not in journey.skipped
    return graded and Stage.LABEL in journey.done


def roles_change_needs_approval(before: list[Operator], after: list[Operator]) -> bool:
    """Once a station has a supervisor, changing who may approve (a supervisor or trainer
    added, removed, renamed or given another PIN) needs one of the current supervisors."""

    def holders(people: list[Operator]) -> set[tuple[str, str, str]]:
        return {(o.name.casefold(), o.role, o.pin_hash) for o in people if o.role != "operator"}

    has_supervisor = any(o.is_supervisor for o in before)
    return has_supervisor and holders(before) != holders(after)


def can_override(journey: Journey) -> bool:
    """The latest check failed and nothing else counts as the check yet."""
    return journey.blocker("JOURNEY_CHECK_FAILED") is not None


def approval_summary(payload: dict[str, Any]) -> Text:
    """One line for a device's history: "Accord de Nadia (pour Sam) : recycler… — raison"."""
    kinds = {g.value: g for g in Guarded}
    action = kinds.get(str(payload.get("action")))
    raw = str(payload.get("action"))
    words = ACTION_NAMES[action] if action else Text(raw, raw)
    who, by = str(payload.get("supervisor", "")), str(payload.get("operator", ""))
    why = str(payload.get("reason", ""))
    alone = who == by
    return Text(
        f"Accord de {who}{'' if alone else f' (pour {by})'} : {words.fr} — {why}",
        f"Approved by {who}{'' if alone else f' (for {by})'}: {words.en} — {why}",
    )
