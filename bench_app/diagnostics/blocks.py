"""What blocks a job, and what to do about it: a Google account (factory reset protection),
a company's device management, or a drive that could not be erased. Each comes with short
steps and a picture, read from the blocking step's own evidence."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Any

from bench_app.devices.android.guidance import GuideStep
from bench_app.domain.model import StepResult
from bench_app.text import Text


class Block(StrEnum):
    GOOGLE_ACCOUNT = "google_account"  # factory reset protection (FRP)
    MANAGED = "managed"  # a company's device management (MDM)
    NOT_ERASED = "not_erased"
    OTHER = "other"


def _readings(evidence: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The evidence and the readings nested one level in it (steps keep them either way)."""
    return [evidence, *(v for v in evidence.values() if isinstance(v, Mapping))]


def what_blocks(results: Iterable[StepResult]) -> Block | None:
    """The kind of block among a job's results; None when no step blocked."""
    for result in results:
        if not result.blocking:
            continue
        readings = _readings(result.evidence)
        if any(r.get("google_accounts") for r in readings):
            return Block.GOOGLE_ACCOUNT
        if any(r.get("device_owner") for r in readings):
            return Block.MANAGED
        if any(r.get("result") == "not_erased" for r in readings):
            return Block.NOT_ERASED
        return Block.OTHER
    return None


HELP: dict[Block, list[GuideStep]] = {
    Block.GOOGLE_ACCOUNT: [
        GuideStep(
            Text(
                "Sur le téléphone : Paramètres > Comptes > Google.",
                "On the phone: Settings > Accounts > Google.",
            ),
            "remove-google-account.svg",
        ),
        GuideStep(
            Text(
                "Touchez « Supprimer le compte ». Pas de code ? Demandez au donateur.",
                "Tap “Remove account”. No code? Ask the donor.",
            ),
            "remove-google-account.svg",
        ),
        GuideStep(
            Text("Puis touchez « Relancer le contrôle ».", "Then tap “Check again”."),
            "replug.svg",
        ),
    ],
    Block.MANAGED: [
        GuideStep(
            Text(
                "Une entreprise gère ce téléphone. Appelez le donateur.",
                "A company manages this phone. Call the donor.",
            ),
            "remove-google-account.svg",
        ),
        GuideStep(
            Text(
                "Il le retire de sa console, puis relancez le contrôle.",
                "They release it from their console, then check again.",
            ),
            "replug.svg",
        ),
    ],
    Block.NOT_ERASED: [
        GuideStep(
            Text(
                "Ce disque n’a pas pu être effacé. Ne le donnez pas.",
                "This drive could not be erased. Do not give it away.",
            ),
            "drive-erase.svg",
        ),
        GuideStep(
            Text(
                "Rangez-le dans le bac « à détruire » et prévenez le responsable.",
                "Put it in the “to destroy” bin and tell the supervisor.",
            ),
            "drive-erase.svg",
        ),
    ],
    Block.OTHER: [],
}
