"""A computer's short guided list, answered in the window when it has no check of its own
to run (its disk is checked at the station's dock): screen, keyboard, battery, hinges, each
working or not, and the chassis's look. Graded by the workshop's policy like a phone."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench_app.diagnostics.guided_tests import COSMETIC_CHOICES
from bench_app.diagnostics.laptop_guided import PIPELINE, TESTS_BY_ID
from bench_app.domain.model import StepStatus
from bench_app.errors import BenchError
from bench_app.grading.grade import GradeResult, grade
from bench_app.grading.policy import GradingPolicy
from bench_app.jobs.steps import StepOutcome
from bench_app.text import Text


@dataclass(frozen=True)
class LaptopCheck:
    """One question of the list: its step id (the grading policy's name) and words."""

    id: str
    question: Text


LAPTOP_CHECKS = (
    LaptopCheck(
        "screen", Text("L’écran s’allume, sans ligne ni tache ?", "Screen lights up, no lines?")
    ),
    LaptopCheck("keyboard", Text("Chaque touche du clavier répond ?", "Does every key respond?")),
    LaptopCheck(
        "battery", Text("La batterie tient la charge ?", "Does the battery hold a charge?")
    ),
    LaptopCheck(
        "hinges", Text("Les charnières tiennent l’écran ?", "Do the hinges hold the screen?")
    ),
)
CHASSIS = Text("Le boîtier : quel état ?", "The chassis: what state?")
WORKS, BROKEN = "works", "broken"
ANSWERS = (WORKS, BROKEN)


def tested_results(facts: Iterable[Any]) -> dict[str, StepStatus]:
    """The latest answer to each guided test run on the laptop's own screen through its
    agent (bench_app/laptop_tests.py), by test id, from the laptop's facts in log order."""
    found: dict[str, StepStatus] = {}
    jobs: set[str] = set()
    statuses = {StepStatus.PASSED.value, StepStatus.FAILED.value}
    for fact in facts:
        p = fact.payload
        if fact.type == "job.created" and p.get("pipeline") == PIPELINE:
            jobs.add(str(p.get("job_id")))
        elif fact.type == "step.finished" and p.get("job_id") in jobs:
            step = str(p.get("step_id"))
            if step in TESTS_BY_ID and p.get("status") in statuses:
                found[step] = StepStatus(str(p["status"]))
    return found


def laptop_grade(
    answers: dict[str, str],
    chassis: str,
    policy: GradingPolicy,
    tested: dict[str, StepStatus] | None = None,
) -> GradeResult:
    """The grade from the list's answers (`works` or `broken` for each check), the
    chassis's look (a key of COSMETIC_CHOICES) and the tests answered on the laptop's own
    screen (`tested`; for a check both hold, a failure in either counts); BenchError
    GRADE_ANSWERS_MISSING when one is not answered."""
    scale = policy.cosmetic_scale
    if any(answers.get(c.id) not in ANSWERS for c in LAPTOP_CHECKS) or chassis not in dict(
        COSMETIC_CHOICES
    ):
        raise BenchError("GRADE_ANSWERS_MISSING")
    results = {
        sid: StepOutcome(status, TESTS_BY_ID[sid].title) for sid, status in (tested or {}).items()
    }
    for c in LAPTOP_CHECKS:
        failed = answers[c.id] == BROKEN or (tested or {}).get(c.id) is StepStatus.FAILED
        results[c.id] = StepOutcome(StepStatus.FAILED if failed else StepStatus.PASSED, c.question)
    return grade(results, scale.get(chassis, 0), policy)


def grade_payload(
    device_id: str,
    result: GradeResult,
    answers: dict[str, str],
    chassis: str,
    policy: Path,
    tested: dict[str, StepStatus] | None = None,
) -> dict[str, Any]:
    """The `grade.assigned` fact of a graded list, with the answers it came from."""
    return {
        "device_id": device_id,
        "functional": result.functional,
        "cosmetic": result.cosmetic,
        "workshop_grade": result.workshop_grade,
        "reasons": [r.to_json() for r in result.reasons],
        "suggested_outcome": result.outcome.value,
        "policy": policy.name,
        "checks": {c.id: answers[c.id] for c in LAPTOP_CHECKS},
        "chassis": chassis,
        **({"tested": {k: v.value for k, v in tested.items()}} if tested else {}),
    }
