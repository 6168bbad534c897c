"""From a check's results to grades and a suggested outcome, with the reasons."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from bench_app.diagnostics.guided_tests import GUIDED_TESTS, IPHONE_GUIDED_TESTS
from bench_app.diagnostics.laptop_guided import TESTS_BY_ID as LAPTOP_TESTS_BY_ID
from bench_app.domain.model import StepStatus
from bench_app.grading.policy import GradingPolicy
from bench_app.jobs.steps import StepOutcome
from bench_app.text import Text


class SuggestedOutcome(StrEnum):
    REUSE = "reuse"
    SPARE_PARTS = "spare_parts"
    RECYCLING = "recycling"


SUGGESTED_LABELS = {
    SuggestedOutcome.REUSE: Text("réemploi", "reuse"),
    SuggestedOutcome.SPARE_PARTS: Text("pièces détachées", "spare parts"),
    SuggestedOutcome.RECYCLING: Text("recyclage (DEEE)", "recycling (e-waste)"),
}

# The workshop grades as people say them; never "état neuf" and the like (décret 2022-190).
WORKSHOP_GRADE_NAMES = {
    "A": Text("Très bon état", "Very good condition"),
    "B": Text("Bon état", "Good condition"),
    "C": Text("État correct", "Fair condition"),
    "D": Text("Ne fonctionne pas", "Not working"),
}


def workshop_grade_name(grade: str) -> Text | None:
    """The name of a workshop grade; None for a letter a workshop's own policy added."""
    return WORKSHOP_GRADE_NAMES.get(grade.strip().upper())


@dataclass(frozen=True)
class GradeResult:
    functional: str  # A–D
    cosmetic: int  # 0–9
    workshop_grade: str  # the workshop's own scale; "D" when not sold as working
    outcome: SuggestedOutcome
    reasons: list[Text] = field(default_factory=list)


def grade(results: dict[str, StepOutcome], cosmetic: int, policy: GradingPolicy) -> GradeResult:
    """Grades a device from its step results (by step id) and the cosmetic grade."""
    failed = {sid for sid, r in results.items() if r.status is StepStatus.FAILED}
    warned = {sid for sid, r in results.items() if r.status is StepStatus.WARNING}
    reasons: list[Text] = []
    essential_failed = sorted(failed & policy.essential)
    important_failed = sorted(failed & policy.important)
    other_failed = sorted(failed - policy.essential - policy.important)
    if essential_failed:
        functional = "D"
        reasons.append(
            _list("Ne fonctionne pas (essentiel)", "Not working (essential)", essential_failed)
        )
    elif important_failed:
        functional = "C"
        reasons.append(_list("Ne fonctionne pas", "Not working", important_failed))
    elif other_failed or warned:
        functional = "B"
        if other_failed:
            reasons.append(
                _list("Ne fonctionne pas (secondaire)", "Not working (minor)", other_failed)
            )
        if warned:
            reasons.append(_list("À surveiller", "To watch", sorted(warned)))
    else:
        functional = "A"
        reasons.append(Text("Tout fonctionne.", "Everything works."))
    if important_failed and essential_failed:
        reasons.append(_list("Ne fonctionne pas", "Not working", important_failed))

    workshop = next(
        (
            r.grade
            for r in policy.workshop
            if r.functional == functional and cosmetic >= r.cosmetic_min
        ),
        "D",
    )
    if functional != "D":
        outcome = SuggestedOutcome.REUSE
    else:
        tested_essential = policy.essential & set(results)
        working = sorted(
            sid for sid in tested_essential if results[sid].status is StepStatus.PASSED
        )
        if len(working) >= policy.spare_parts_min_working:
            outcome = SuggestedOutcome.SPARE_PARTS
            reasons.append(_list("Pièces réutilisables", "Reusable parts", working))
        else:
            outcome = SuggestedOutcome.RECYCLING
    reasons.append(
        Text(
            f"Suggestion : {SUGGESTED_LABELS[outcome].fr}.",
            f"Suggested: {SUGGESTED_LABELS[outcome].en}.",
        )
    )
    return GradeResult(functional, cosmetic, workshop, outcome, reasons)


# The automatic steps a grade can name, in the operator's words (guided tests carry their own
# titles); a step id never shows on a French screen.
STEP_NAMES: dict[str, Text] = {
    "battery": Text("batterie", "battery"),
    "storage": Text("stockage", "storage"),
    "identity": Text("identité", "identity"),
    "locks": Text("verrous", "locks"),
    "hardware": Text("matériel", "hardware"),
    "health": Text("état du disque", "drive health"),
    "security": Text("sécurité", "security"),
    "hidden_areas": Text("zones cachées du disque", "hidden drive areas"),
    "cosmetic": Text("aspect extérieur", "outside look"),
    "keyboard": Text("clavier", "keyboard"),  # a laptop's guided list
    "hinges": Text("charnières", "hinges"),
    "management": Text("gestion à distance", "remote management"),  # an iPhone's check
}


# Guided tests carry their titles (an Android phone's first where an iPhone's shares the id).
GUIDED_BY_ID = {test.id: test for test in (*IPHONE_GUIDED_TESTS, *GUIDED_TESTS)}


def step_name(step_id: str) -> Text:
    """A step's name for people: a guided test's title, or an automatic step's name."""
    test = GUIDED_BY_ID.get(step_id) or LAPTOP_TESTS_BY_ID.get(step_id)
    if test is not None:
        return Text(test.title.fr.lower(), test.title.en.lower())
    return STEP_NAMES.get(step_id, Text("un autre contrôle", "another check"))


def _list(fr: str, en: str, items: list[str]) -> Text:
    names = [step_name(item) for item in items]
    return Text(
        f"{fr} : {', '.join(n.fr for n in names)}.", f"{en}: {', '.join(n.en for n in names)}."
    )
