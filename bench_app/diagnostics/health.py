"""A device's health verdict from its own check: a drive whose SMART check failed is at the
end of its life and goes to recycling, whatever became of the rest of the job (its data is
still erased first). The window, the CLI and reports read the verdict here, never guess it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bench_app.domain.model import StepResult, StepStatus
from bench_app.store import queries
from bench_app.store.database import Store
from bench_app.text import Text

SMART_FAILED = Text("SMART : échec", "SMART: failed")


@dataclass(frozen=True)
class EndOfLife:
    """A device its check found worn out: to recycle, for these short reasons."""

    reasons: list[Text] = field(default_factory=list)


def _count(n: int, lang: str) -> str:
    """1240 as "1 240" in French (narrow no-break space), "1,240" in English."""
    return f"{n:,}".replace(",", "\u202f") if lang == "fr" else f"{n:,}"


def _int(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def drive_reasons(smart: Mapping[str, Any]) -> list[Text]:
    """Short reasons for a failing drive, from the SMART record a health step kept."""
    reasons: list[Text] = []
    if smart.get("smart_passed") is False:
        reasons.append(SMART_FAILED)
    bad = sum(
        _int(smart.get(k))
        for k in ("reallocated_sectors", "pending_sectors", "offline_uncorrectable")
    )
    if bad:
        reasons.append(
            Text(
                f"Secteurs défectueux : {_count(bad, 'fr')}",
                f"Bad sectors: {_count(bad, 'en')}",
            )
        )
    wear = _int(smart.get("wear_percent_used"))
    if wear >= 100:
        reasons.append(Text(f"Usure : {wear} %", f"Wear: {wear} %"))
    if _int(smart.get("critical_warning")):
        reasons.append(Text("Alerte critique du disque", "Drive critical warning"))
    tests = smart.get("self_tests") or []
    if tests and isinstance(tests[0], Mapping) and tests[0].get("passed") is False:
        reasons.append(Text("Autotest : échec", "Self-test: failed"))
    if not reasons:  # a failure this list does not name: the parser's own words
        reasons = [Text.from_json(r) for r in smart.get("reasons") or []] or [SMART_FAILED]
    return reasons


def end_of_life(results: Iterable[StepResult]) -> EndOfLife | None:
    """The end-of-life verdict of one job's results, or None when its health checks passed
    (or did not run)."""
    for result in results:
        smart = result.evidence.get("smart")
        if (
            result.status is StepStatus.FAILED
            and isinstance(smart, Mapping)
            and smart.get("verdict") == "fail"
        ):
            return EndOfLife(drive_reasons(smart))
    return None


def job_end_of_life(store: Store, job_id: str) -> EndOfLife | None:
    """The end-of-life verdict recorded by the job `job_id`'s own steps."""
    return end_of_life(queries.step_results(store, job_id))
