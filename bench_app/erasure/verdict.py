"""The verdict that ends an erasure, drive or phone: "erased" only when no reason says
otherwise, else "not erased" with every reason, a summary that starts with NON EFFACÉ, and
a blocked job, so that nothing after it (a certificate, an install) takes it for a success.

One step for both (`ErasureResultStep`), one list of reasons (`erasure_reasons`), and one
function that turns reasons into the step's outcome and fact (`verdict`), which the laptop
image install uses for its own "installed or not".
"""

from __future__ import annotations

from abc import abstractmethod
from dataclasses import dataclass
from typing import Any

from bench_app.domain.model import StepStatus
from bench_app.erasure.wording import checks_words
from bench_app.jobs.steps import Step, StepContext, StepOutcome
from bench_app.text import Text

PASS_UNFINISHED = Text("Un passage n’est pas allé au bout.", "A pass did not finish.")


@dataclass(frozen=True, slots=True)
class Words:
    """How a verdict is written: the fact's `result` either way, and the first words of a
    summary that says the work was not done."""

    done: str
    not_done: str
    failed: Text


ERASED = Words("erased", "not_erased", Text("NON EFFACÉ", "NOT ERASED"))


def verdict(
    reasons: list[Text],
    success: Text,
    fact: dict[str, Any],
    *,
    key: str = "erasure",
    fact_type: str = "erasure.finished",
    words: Words = ERASED,
) -> StepOutcome:
    """The outcome of a job's last step: passed with `success` when `reasons` is empty,
    else failed and blocking, its summary `words.failed` followed by every reason. `fact`
    gets `result` and `reasons` added and is recorded as `fact_type` (and kept as the
    evidence under `key`)."""
    done = not reasons
    fact = {
        **fact,
        "result": words.done if done else words.not_done,
        "reasons": [r.to_json() for r in reasons],
    }
    summary = (
        success
        if done
        else Text(
            f"{words.failed.fr} : " + " ".join(r.fr for r in reasons),
            f"{words.failed.en}: " + " ".join(r.en for r in reasons),
        )
    )
    return StepOutcome(
        StepStatus.PASSED if done else StepStatus.FAILED,
        summary,
        {key: fact},
        blocking=not done,
        facts=[(fact_type, fact)],
    )


def erasure_reasons(
    passes: list[dict[str, Any]],
    verified: list[dict[str, Any]],
    hidden: dict[str, Any],
    *,
    unfinished: Text = PASS_UNFINISHED,
) -> list[Text]:
    """Why an erasure is not complete; empty when it is. `unfinished` is the reason given
    when no pass finished (a phone's says its reset was not done); a failed verification
    names the required checks that failed, when it had checks."""
    reasons: list[Text] = []
    if not passes or not all(p["completed"] for p in passes):
        reasons.append(unfinished)
    bad = sum(len(p["errors"]) for p in passes)
    if bad:
        reasons.append(
            Text("1 zone n’a pas pu être écrite.", "1 range could not be written.")
            if bad == 1
            else Text(
                f"{bad} zones n’ont pas pu être écrites.", f"{bad} ranges could not be written."
            )
        )
    if not verified:
        reasons.append(Text("La vérification n’a pas été faite.", "The verification was not done."))
    elif not verified[-1]["ok"]:
        failed = [
            c["check"] for c in verified[-1].get("checks", []) if c["required"] and not c["ok"]
        ]
        said = checks_words(failed)
        reasons.append(
            Text(
                "La vérification a échoué (" + said.fr + ").",
                "The verification failed (" + said.en + ").",
            )
            if failed
            else Text("La vérification a échoué.", "The verification failed.")
        )
    if hidden.get("state") in ("hpa_kept", "dco_kept"):
        reasons.append(
            Text("Une zone cachée n’a pas été effacée.", "A hidden area was not erased.")
        )
    return reasons


class ErasureResultStep(Step):
    """The last step of an erasure: the verdict on the job's passes, its verification and
    (for a drive) its hidden areas, recorded as `erasure.finished`. A subclass says only
    what an erased device's summary reads, and the reason given for an unfinished pass."""

    id = "result"
    title = Text("Résultat", "Result")
    weight = 0.1
    unfinished = PASS_UNFINISHED

    @abstractmethod
    def erased_summary(self, ctx: StepContext) -> Text:
        """What the summary of an erased device says."""

    def run(self, ctx: StepContext) -> StepOutcome:
        erasure_id = str(ctx.recall("erasure.started")[-1]["erasure_id"])
        passes = [p for p in ctx.recall("erasure.pass_finished") if p["erasure_id"] == erasure_id]
        verified = [v for v in ctx.recall("erasure.verified") if v["erasure_id"] == erasure_id]
        hidden_step = ctx.results.get("hidden_areas")
        hidden = hidden_step.evidence.get("hidden_areas", {}) if hidden_step else {}
        reasons = erasure_reasons(passes, verified, hidden, unfinished=self.unfinished)
        return verdict(reasons, self.erased_summary(ctx), {"erasure_id": erasure_id})
