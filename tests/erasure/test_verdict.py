"""The one verdict that ends a drive's erasure, a phone's, and a laptop's image install: the
facts it records and the words it shows, for each, exactly as the three steps wrote them
when each had its own copy."""

from __future__ import annotations

import threading
from typing import Any, cast

from bench_app.domain.model import StepStatus
from bench_app.erasure.drive_erase import DriveResultStep
from bench_app.erasure.phone_wipe import PhoneWipeResultStep
from bench_app.erasure.verdict import ErasureResultStep
from bench_app.install.laptop_image import ImageResultStep
from bench_app.jobs.steps import StepContext, StepOutcome
from bench_app.text import Text


def _run(step: ErasureResultStep, facts: dict[str, list[dict[str, Any]]], **results: Any) -> Any:
    ctx = StepContext(
        "job-1",
        cast(Any, None),  # the verdict reads the job's facts, never the device
        lambda fraction, message: None,
        lambda prompt: "",
        threading.Event(),
        {k: StepOutcome(StepStatus.PASSED, Text("", ""), v) for k, v in results.items()},
        recall=lambda kind: facts.get(kind, []),
    )
    return step.run(ctx)


def _pass(erasure_id: str, *, completed: bool = True, errors: int = 0) -> dict[str, Any]:
    return {
        "erasure_id": erasure_id,
        "completed": completed,
        "errors": [{"first_sector": i, "last_sector": i, "kind": "write"} for i in range(errors)],
    }


def _facts(passes: list[dict[str, Any]], verified: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "erasure.started": [{"erasure_id": "old"}, {"erasure_id": "e1"}],
        "erasure.pass_finished": passes,
        "erasure.verified": verified,
    }


HIDDEN_NONE = {"hidden_areas": {"state": "none"}}


def test_a_drive_erased_and_verified_is_erased() -> None:
    out = _run(
        DriveResultStep(),
        _facts([_pass("e1")], [{"erasure_id": "e1", "ok": True}]),
        hidden_areas=HIDDEN_NONE,
    )
    fact = {"erasure_id": "e1", "result": "erased", "reasons": []}
    assert out.status is StepStatus.PASSED and not out.blocking
    assert out.summary == Text("Disque effacé et vérifié.", "Drive erased and verified.")
    assert out.evidence == {"erasure": fact}
    assert out.facts == [("erasure.finished", fact)]


def test_a_drive_with_bad_ranges_a_failed_check_and_a_kept_hidden_area_says_all_three() -> None:
    out = _run(
        DriveResultStep(),
        # The other erasure's failed pass and verification are not this one's.
        _facts(
            [_pass("old", completed=False), _pass("e1", errors=2)],
            [{"erasure_id": "e1", "ok": True}, {"erasure_id": "e1", "ok": False}],
        ),
        hidden_areas={"hidden_areas": {"state": "hpa_kept"}},
    )
    assert out.status is StepStatus.FAILED and out.blocking
    assert out.summary == Text(
        "NON EFFACÉ : 2 zones n’ont pas pu être écrites. La vérification a échoué. "
        "Une zone cachée n’a pas été effacée.",
        "NOT ERASED: 2 ranges could not be written. The verification failed. "
        "A hidden area was not erased.",
    )
    assert out.facts == [("erasure.finished", out.evidence["erasure"])]
    assert out.evidence["erasure"]["result"] == "not_erased"
    assert [r["en"] for r in out.evidence["erasure"]["reasons"]] == [
        "2 ranges could not be written.",
        "The verification failed.",
        "A hidden area was not erased.",
    ]


def test_a_drive_pass_cut_short_and_never_verified() -> None:
    out = _run(
        DriveResultStep(),
        _facts([_pass("e1", completed=False, errors=1)], []),
        hidden_areas={"hidden_areas": {"state": "dco_kept"}},
    )
    assert out.summary.fr == (
        "NON EFFACÉ : Un passage n’est pas allé au bout. 1 zone n’a pas pu être écrite. "
        "La vérification n’a pas été faite. Une zone cachée n’a pas été effacée."
    )
    assert out.summary.en == (
        "NOT ERASED: A pass did not finish. 1 range could not be written. "
        "The verification was not done. A hidden area was not erased."
    )


def _precheck(state: str) -> dict[str, Any]:
    return {"encryption": {"state": state, "type": "file"}}


def test_a_phone_erased_says_whether_it_was_a_cryptographic_erase() -> None:
    facts = _facts([_pass("e1")], [{"erasure_id": "e1", "ok": True, "checks": []}])
    encrypted = _run(PhoneWipeResultStep(), facts, precheck=_precheck("encrypted"))
    plain = _run(PhoneWipeResultStep(), facts, precheck=_precheck("unencrypted"))
    assert encrypted.status is StepStatus.PASSED and plain.status is StepStatus.PASSED
    assert encrypted.summary == Text(
        "Téléphone effacé (effacement cryptographique) et vérifié.",
        "Phone erased (cryptographic erase) and verified.",
    )
    assert plain.summary == Text(
        "Téléphone réinitialisé et vérifié, sans chiffrement : pas un Purge.",
        "Phone reset and verified, without encryption: not a Purge.",
    )
    assert plain.facts == [
        ("erasure.finished", {"erasure_id": "e1", "result": "erased", "reasons": []})
    ]


def test_a_phone_whose_checks_failed_names_the_required_ones() -> None:
    checks = [
        {"check": "setup_wizard_not_complete", "ok": True, "required": True},
        {"check": "device_not_provisioned", "ok": False, "required": False},
        {"check": "no_accounts", "ok": False, "required": True},
        {"check": "markers_gone", "ok": False, "required": True},
    ]
    out = _run(
        PhoneWipeResultStep(),
        _facts([_pass("e1")], [{"erasure_id": "e1", "ok": False, "checks": checks}]),
        precheck=_precheck("encrypted"),
    )
    assert out.status is StepStatus.FAILED and out.blocking
    assert out.summary == Text(
        "NON EFFACÉ : La vérification a échoué (aucun compte, fichiers témoins disparus).",
        "NOT ERASED: The verification failed (no account, marker files gone).",
    )


def test_a_phone_never_reset_says_the_reset_was_not_done() -> None:
    out = _run(PhoneWipeResultStep(), _facts([], []), precheck=_precheck("encrypted"))
    assert out.summary == Text(
        "NON EFFACÉ : La réinitialisation n’a pas été faite. La vérification n’a pas été faite.",
        "NOT ERASED: The reset was not done. The verification was not done.",
    )
    assert out.evidence["erasure"] == {
        "erasure_id": "e1",
        "result": "not_erased",
        "reasons": [
            {"fr": "La réinitialisation n’a pas été faite.", "en": "The reset was not done."},
            {
                "fr": "La vérification n’a pas été faite.",
                "en": "The verification was not done.",
            },
        ],
    }


def _image_step(completed: bool, ok: bool) -> Any:
    started = {
        "write_id": "w1",
        "image": "debian.img.xz",
        "checksum": "ab" * 32,
        "target": {"path": "/dev/loop7"},
        "mapped_bytes": 3 << 20,
        "image_size": 32 << 20,
    }
    write = {"completed": completed, "bytes": 1 << 20, "milliseconds": 1500}
    verification = {"ok": ok, "milliseconds": 250}
    ctx = StepContext(
        "job-1",
        cast(Any, None),
        lambda fraction, message: None,
        lambda prompt: "",
        threading.Event(),
        {
            "write": StepOutcome(StepStatus.PASSED, Text("", ""), {"write": write}),
            "verify": StepOutcome(StepStatus.PASSED, Text("", ""), {"verification": verification}),
        },
        recall=lambda kind: [started] if kind == "image.write_started" else [],
    )
    return ImageResultStep().run(ctx)


def test_an_image_install_is_judged_with_the_same_verdict_in_its_own_words() -> None:
    out = _image_step(completed=True, ok=False)
    assert out.status is StepStatus.FAILED and out.blocking
    assert out.summary == Text(
        "NON INSTALLÉ : La vérification a échoué.", "NOT INSTALLED: The verification failed."
    )
    fact = {
        "write_id": "w1",
        "image": "debian.img.xz",
        "checksum": "ab" * 32,
        "target": {"path": "/dev/loop7"},
        "mapped_bytes": 3 << 20,
        "image_size": 32 << 20,
        "bytes": 3 << 20,
        "milliseconds": 1500,
        "verify_milliseconds": 250,
        "verified": False,
        "result": "not_installed",
        "reasons": [{"fr": "La vérification a échoué.", "en": "The verification failed."}],
    }
    assert out.evidence == {"install": fact} and list(out.evidence["install"]) == list(fact)
    assert out.facts == [("image.written", fact)]


def test_an_image_written_and_verified_is_installed() -> None:
    out = _image_step(completed=True, ok=True)
    assert out.status is StepStatus.PASSED and not out.blocking
    assert out.summary == Text("Image écrite et vérifiée.", "Image written and verified.")
    assert out.facts[0][1]["result"] == "installed" and out.facts[0][1]["reasons"] == []
    cut = _image_step(completed=False, ok=True)  # a write cut short is never installed
    assert cut.facts[0][1]["result"] == "not_installed" and cut.facts[0][1]["bytes"] == 1 << 20
