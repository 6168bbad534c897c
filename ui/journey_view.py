"""The journey told in the panel: each stage done (✓), skipped (–), next (▶) or to come (·),
what blocks in one sentence each, and where the device went."""

from __future__ import annotations

from typing import Any

from bench_app.domain.model import OutcomeKind
from bench_app.journey import OUTCOME_WORDS, STAGE_NAMES, Journey, more_outcome_words
from ui.device_view import tr


def outcome_line(details: dict[str, Any], kind: OutcomeKind | str | None, lang: str) -> str:
    """ "don, bénéficiaire B-12" — an outcome and what was recorded with it."""
    kinds = {k.value: k for k in OutcomeKind}
    known = kinds.get(str(kind.value if isinstance(kind, OutcomeKind) else kind))
    words = [OUTCOME_WORDS[known].get(lang) if known else str(kind or "")]
    if details.get("beneficiary"):
        words.append(tr("beneficiary %1").replace("%1", str(details["beneficiary"])))
    if details.get("due_on"):
        words.append(tr("due %1").replace("%1", str(details["due_on"])))
    if details.get("price_eur"):
        price = str(details["price_eur"])
        words.append(f"{price.replace('.', ',')} €" if lang == "fr" else f"€{price}")
    if details.get("reference"):
        words.append(tr("ref. %1").replace("%1", str(details["reference"])))
    words += [w.get(lang) for w in more_outcome_words(details)]
    return ", ".join(words)


def disks_line(journey: Journey, lang: str) -> str:
    """ "Disques : ABCD-… effacé ✓ · ABCD-… pas encore effacé" — a computer's linked disks."""
    states = []
    for disk in journey.disks:
        if disk.failing:
            state = tr("failing")
        elif disk.erased:
            state = tr("erased ✓")
        elif disk.erasure_failed:
            state = tr("erasure failed")
        else:
            state = tr("not erased yet")
        states.append(f"{disk.asset_code} {state}")
    return tr("Disks: %1").replace("%1", " · ".join(states))


def journey_text(journey: Journey, lang: str) -> str:
    """A few short lines: the stages, the blockers' reasons, the current outcome."""
    marks = []
    for stage in journey.stages:
        if stage in journey.skipped:
            mark = "–"
        elif stage in journey.done:
            mark = "✓"
        elif journey.next is not None and journey.next.stage is stage:
            mark = "▶"
        else:
            mark = "·"
        marks.append(f"{mark} {STAGE_NAMES[stage].get(lang)}")
    lines = ["  ".join(marks)]
    if journey.disks:
        lines.append(disks_line(journey, lang))
    lines += [b.reason.get(lang) for b in journey.blockers]
    if journey.outcome is not None:
        outcome = outcome_line(journey.outcome_details, journey.outcome, lang)
        lines.append(tr("Outcome: %1").replace("%1", outcome))
    elif journey.next is None:
        lines.append(tr("Journey complete."))
    return "\n".join(lines)
