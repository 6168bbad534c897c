"""Grades and suggested outcomes follow the (editable) policy."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench_app.domain.model import StepStatus
from bench_app.errors import BenchError
from bench_app.grading.grade import SuggestedOutcome, grade
from bench_app.grading.policy import POLICY_NAME, GradingPolicy, default_policy_path
from bench_app.jobs.steps import StepOutcome
from bench_app.text import Text

ALL_TESTS = [
    "screen",
    "touch",
    "multitouch",
    "buttons",
    "loudspeaker",
    "earpiece",
    "microphone",
    "camera_back",
    "camera_front",
    "flash",
    "vibration",
    "charging_port",
    "headphone_jack",
    "wifi",
    "bluetooth",
    "gps",
    "nfc",
    "fingerprint",
    "battery",
    "storage",
    "security",
    "hardware",
    "locks",
]


def results(**statuses: StepStatus) -> dict[str, StepOutcome]:
    out = {name: StepOutcome(StepStatus.PASSED, Text("ok", "ok")) for name in ALL_TESTS}
    for name, status in statuses.items():
        out[name] = StepOutcome(status, Text("x", "x"))
    return out


@pytest.fixture
def policy() -> GradingPolicy:
    return GradingPolicy.load(None)


def test_default_policy_loads(policy: GradingPolicy) -> None:
    assert policy.source == default_policy_path()
    assert "screen" in policy.essential and "battery" in policy.important
    assert policy.cosmetic_scale["like_new"] == 9


def test_all_working_and_like_new_is_a(policy: GradingPolicy) -> None:
    g = grade(results(), 9, policy)
    assert (g.functional, g.workshop_grade, g.outcome) == ("A", "A", SuggestedOutcome.REUSE)
    assert g.reasons[0].fr == "Tout fonctionne."


def test_cosmetic_lowers_the_workshop_grade(policy: GradingPolicy) -> None:
    assert grade(results(), 3, policy).workshop_grade == "B"


def test_minor_failure_or_warning_gives_b(policy: GradingPolicy) -> None:
    g = grade(results(nfc=StepStatus.FAILED), 9, policy)
    assert g.functional == "B" and "nfc" in g.reasons[0].fr
    assert grade(results(battery=StepStatus.WARNING), 9, policy).functional == "B"


def test_not_present_is_not_a_failure(policy: GradingPolicy) -> None:
    assert (
        grade(
            results(nfc=StepStatus.NOT_PRESENT, flash=StepStatus.NOT_PRESENT), 9, policy
        ).functional
        == "A"
    )


def test_important_failure_gives_c(policy: GradingPolicy) -> None:
    g = grade(results(battery=StepStatus.FAILED), 9, policy)
    assert (g.functional, g.workshop_grade, g.outcome) == ("C", "C", SuggestedOutcome.REUSE)


def test_broken_screen_with_working_parts_goes_to_spare_parts(policy: GradingPolicy) -> None:
    g = grade(results(screen=StepStatus.FAILED), 5, policy)
    assert (g.functional, g.workshop_grade, g.outcome) == ("D", "D", SuggestedOutcome.SPARE_PARTS)
    assert any("pièces" in r.fr.lower() for r in g.reasons)


def test_dead_phone_goes_to_recycling(policy: GradingPolicy) -> None:
    broken = {name: StepStatus.FAILED for name in policy.essential}
    g = grade(results(**broken), 1, policy)
    assert g.outcome is SuggestedOutcome.RECYCLING
    assert "recyclage" in g.reasons[-1].fr


def test_workshop_policy_overrides_the_default(tmp_path: Path) -> None:
    text = default_policy_path().read_text(encoding="utf-8")
    custom = text.replace('essential = ["screen",', 'essential = ["nfc", "screen",')
    (tmp_path / POLICY_NAME).write_text(custom, encoding="utf-8")
    policy = GradingPolicy.load(tmp_path)
    assert policy.source == tmp_path / POLICY_NAME
    assert grade(results(nfc=StepStatus.FAILED), 9, policy).functional == "D"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda t: t.replace("like_new = 9", "like_new = 12"), "from 0 to 9"),
        (
            lambda t: t.replace(
                'functional = "A"\ncosmetic_min = 7', 'functional = "E"\ncosmetic_min = 7'
            ),
            "A, B, C or D",
        ),
        (lambda t: t.replace("[outcome]", "[outcomes]"), "missing entry"),
        (lambda t: t + "\n[[[broken", "line"),
    ],
)
def test_a_broken_policy_file_says_what_is_wrong(
    tmp_path: Path, change: object, expected: str
) -> None:
    text = default_policy_path().read_text(encoding="utf-8")
    (tmp_path / POLICY_NAME).write_text(change(text), encoding="utf-8")  # type: ignore[operator]
    with pytest.raises(BenchError) as err:
        GradingPolicy.load(tmp_path)
    assert err.value.code == "SETTINGS_INVALID"
    assert str(tmp_path / POLICY_NAME) in err.value.text("en")
    assert expected in err.value.text("en")
