"""The bench's records: what a donor gave, what each device is, what was done to it."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from bench_app.domain.brands import brand_name
from bench_app.text import Text


class DeviceKind(StrEnum):
    PHONE = "phone"
    TABLET = "tablet"
    LAPTOP = "laptop"
    DESKTOP = "desktop"
    DRIVE = "drive"


class DonorKind(StrEnum):
    COMPANY = "company"
    PUBLIC_BODY = "public_body"
    ASSOCIATION = "association"
    PRIVATE_PERSON = "private_person"


class PreSort(StrEnum):
    """Visual pre-sort at intake."""

    REUSE = "reuse"
    SPARE_PARTS = "spare_parts"
    E_WASTE = "e_waste"


class DeviceStage(StrEnum):
    """Where a device is on its journey; derived from its events."""

    INTAKE = "intake"
    IDENTIFIED = "identified"
    DIAGNOSED = "diagnosed"
    ERASED = "erased"
    INSTALLED = "installed"
    GRADED = "graded"
    DONE = "done"


class JobState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    WAITING_OPERATOR = "waiting_operator"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    BLOCKED = "blocked"
    CANCELLED = "cancelled"
    INTERRUPTED = "interrupted"
    ABANDONED = "abandoned"

    @property
    def active(self) -> bool:
        return self in (JobState.QUEUED, JobState.RUNNING, JobState.WAITING_OPERATOR)

    @property
    def resumable(self) -> bool:
        return self in (JobState.INTERRUPTED, JobState.FAILED, JobState.CANCELLED)


class StepStatus(StrEnum):
    """The verdict of one finished step."""

    PASSED = "passed"
    WARNING = "warning"
    FAILED = "failed"
    NOT_PRESENT = "not_present"
    SKIPPED = "skipped"


class OutcomeKind(StrEnum):
    REUSE = "reuse"  # kept and used by the workshop itself
    DONATION = "donation"
    LOAN = "loan"
    RENTAL = "rental"
    SALE = "sale"
    SPARE_PARTS = "spare_parts"
    RECYCLING = "recycling"  # through an eco-organism: its reference is required


# How a lent or rented device comes back: the short choice list; the words say the rest.
# Here rather than in loans.py, so that the `etabli return` command offers them without
# loading the loans.
RETURN_STATES: dict[str, Text] = {
    "good": Text("Bon état", "Good condition"),
    "worn": Text("Usé", "Worn"),
    "damaged": Text("Abîmé", "Damaged"),
    "incomplete": Text("Incomplet", "Incomplete"),
}

STAGE_LABELS: dict[DeviceStage, Text] = {
    DeviceStage.INTAKE: Text("Accueil", "Intake"),
    DeviceStage.IDENTIFIED: Text("Identifié", "Identified"),
    DeviceStage.DIAGNOSED: Text("Diagnostiqué", "Diagnosed"),
    DeviceStage.ERASED: Text("Effacé", "Erased"),
    DeviceStage.INSTALLED: Text("Système installé", "OS installed"),
    DeviceStage.GRADED: Text("Noté", "Graded"),
    DeviceStage.DONE: Text("Terminé", "Done"),
}

JOB_STATE_LABELS: dict[JobState, Text] = {
    JobState.QUEUED: Text("En attente", "Queued"),
    JobState.RUNNING: Text("En cours", "Running"),
    JobState.WAITING_OPERATOR: Text("Attend votre réponse", "Waiting for you"),
    JobState.SUCCEEDED: Text("Terminé", "Finished"),
    JobState.FAILED: Text("Échec", "Failed"),
    JobState.BLOCKED: Text("Bloqué", "Blocked"),
    JobState.CANCELLED: Text("Annulé", "Cancelled"),
    JobState.INTERRUPTED: Text("Interrompu", "Interrupted"),
    JobState.ABANDONED: Text("Abandonné", "Abandoned"),
}


@dataclass(slots=True)
class Donor:
    id: str
    name: str
    kind: DonorKind
    contact: str = ""
    training: bool = False


@dataclass(slots=True)
class Lot:
    """A donation: what one donor gave on one day."""

    id: str
    donor_id: str
    received_on: str
    agreement_ref: str = ""
    expected_count: int | None = None
    training: bool = False


@dataclass(slots=True)
class Device:
    id: str
    asset_code: str
    kind: DeviceKind
    brand: str = ""
    model: str = ""
    serial: str = ""
    imei: str = ""
    lot_id: str | None = None
    stage: DeviceStage = DeviceStage.INTAKE
    presort: PreSort | None = None
    training: bool = False
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """How people call it: "Samsung Galaxy S9" rather than "samsung SM-G960F" when the
        device gave its marketing name."""
        marketing = str(self.details.get("marketing_name") or "")
        brand = brand_name(self.brand)  # as its maker writes it, even on an older record
        if marketing and marketing.lower().startswith(self.brand.lower()):
            return marketing
        name = " ".join(p for p in (brand, marketing or self.model) if p)
        return name or self.kind.value


@dataclass(slots=True)
class StepResult:
    job_id: str
    step_id: str
    status: StepStatus
    summary: Text
    evidence: dict[str, Any] = field(default_factory=dict)
    blocking: bool = False


@dataclass(slots=True)
class Job:
    id: str
    device_id: str
    pipeline: str
    state: JobState
    current_step: str | None = None
    last_finished_step: str | None = None
    message: Text | None = None
    steps: list[str] = field(default_factory=list)
    training: bool = False


@dataclass(slots=True)
class Grade:
    """Functional (A–D) and cosmetic (0–9) grades, mapped to the workshop's own scale."""

    device_id: str
    functional: str
    cosmetic: int
    workshop_grade: str
    reasons: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Outcome:
    device_id: str
    kind: OutcomeKind
    reference: str = ""
    note: str = ""
    # The fact's other fields: beneficiary, due_on, price_eur (see domain/facts.py).
    details: dict[str, Any] = field(default_factory=dict)
