"""Words the reports print for kinds, outcomes, erasure results and step verdicts, in French
and English, shared by the lot report, the handover sheet and the activity export."""

from __future__ import annotations

from bench_app.domain.model import DeviceKind, DonorKind, OutcomeKind, StepStatus
from bench_app.output.certificates.references import certificate_reference
from bench_app.text import Text

KIND_LABELS: dict[DeviceKind, Text] = {
    DeviceKind.PHONE: Text("Smartphone", "Smartphone"),
    DeviceKind.TABLET: Text("Tablette", "Tablet"),
    DeviceKind.LAPTOP: Text("Ordinateur portable", "Laptop"),
    DeviceKind.DESKTOP: Text("Ordinateur fixe", "Desktop"),
    DeviceKind.DRIVE: Text("Disque", "Drive"),
}

DONOR_KIND_LABELS: dict[DonorKind, Text] = {
    DonorKind.COMPANY: Text("Entreprise", "Company"),
    DonorKind.PUBLIC_BODY: Text("Organisme public", "Public body"),
    DonorKind.ASSOCIATION: Text("Association", "Association"),
    DonorKind.PRIVATE_PERSON: Text("Particulier", "Private person"),
}

OUTCOME_LABELS: dict[OutcomeKind, Text] = {
    OutcomeKind.REUSE: Text("Réemploi par l’atelier", "Reused by the workshop"),
    OutcomeKind.DONATION: Text("Don", "Donation"),
    OutcomeKind.LOAN: Text("Prêt", "Loan"),
    OutcomeKind.RENTAL: Text("Location", "Rental"),
    OutcomeKind.SALE: Text("Vente solidaire", "Solidarity sale"),
    OutcomeKind.SPARE_PARTS: Text("Pièces détachées", "Spare parts"),
    OutcomeKind.RECYCLING: Text("Recyclage (éco-organisme)", "Recycling (eco-organism)"),
}
NO_OUTCOME = Text("Sans issue encore", "No outcome yet")

STEP_STATUS_LABELS: dict[StepStatus, Text] = {
    StepStatus.PASSED: Text("OK", "Passed"),
    StepStatus.WARNING: Text("À surveiller", "To watch"),
    StepStatus.FAILED: Text("Défaillant", "Failed"),
    StepStatus.NOT_PRESENT: Text("Absent", "Not present"),
    StepStatus.SKIPPED: Text("Non testé", "Not tested"),
}


def erasure_text(result: str | None) -> Text:
    """What an erasure result means, said plainly: only "erased" is a success."""
    if result == "erased":
        return Text("Effacé et vérifié", "Erased and verified")
    if result is None:
        return Text("Aucun effacement enregistré", "No erasure recorded")
    if result == "in_progress":
        return Text("NON EFFACÉ (inachevé)", "NOT ERASED (unfinished)")
    return Text("NON EFFACÉ", "NOT ERASED")


def certificate_for(erasure_id: str | None, result: str | None) -> str:
    """The certificate reference, for a successful erasure only; never for a failed one."""
    return certificate_reference(erasure_id) if erasure_id and result == "erased" else ""
