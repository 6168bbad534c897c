"""Events told as short sentences for the device's history."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QCoreApplication

from bench_app.approvals import approval_summary
from bench_app.diagnostics.laptop_guided import TESTS_BY_ID as LAPTOP_TESTS
from bench_app.domain.model import PreSort
from bench_app.parts import GAVE
from bench_app.text import Text
from bench_app.wire.events import Event

RETURNED = Text("Retour de prêt : %1", "Back from loan: %1")
SIGNED_LATER = Text("Fiche de remise signée", "Handover sheet signed")
SIGNED_PICTURE = Text("Fiche de remise signée, image gardée", "Handover sheet signed, picture kept")
PAID = Text("Location payée : %1 € (reçu %2, %3 mois)", "Rental paid: €%1 (receipt %2, %3 months)")


def tr(text: str) -> str:
    return QCoreApplication.translate("", text)  # lupdate files module-level tr() under ""


def local_time(ts: str) -> str:
    try:
        moment = datetime.fromisoformat(ts.replace("Z", "+00:00")).astimezone()
    except ValueError:
        return ts
    return moment.strftime("%d/%m %H:%M:%S")


def describe(event: Event, lang: str, step_titles: dict[str, Text]) -> str:
    """One line for the timeline, in the operator's language."""
    p = event.payload

    def step_name() -> str:
        step = str(p.get("step_id", ""))
        # A test run on the laptop's own screen has no pipeline here: the list names it.
        title = step_titles.get(step) or (
            LAPTOP_TESTS[step].title if step in LAPTOP_TESTS else None
        )
        return title.get(lang) if title else str(p.get("step_id", ""))

    def text_of(key: str) -> str:
        if key == "message" and p.get("short"):  # the operator's short form, when recorded
            key = "short"
        value = p.get(key)
        return Text.from_json(value).get(lang) if value else ""

    kind = event.type
    if kind == "device.registered":
        return tr("Registered with code %1").replace("%1", str(p.get("asset_code", "")))
    if kind == "device.identified":
        return tr("Identified")
    if kind == "device.presorted":
        return tr("Pre-sorted: %1").replace("%1", presort_label(str(p.get("presort", ""))))
    if kind == "device.attached_to_lot":
        return tr("Attached to a donation")
    if kind == "job.created":
        return tr("Check started")
    if kind == "job.started":
        return tr("Work began")
    if kind == "step.started":
        return tr("Step started: %1").replace("%1", step_name())
    if kind == "step.finished":
        return f"{step_name()} — {text_of('summary')}"
    if kind == "step.failed":
        return tr("Step failed: %1").replace("%1", step_name()) + f" — {text_of('message')}"
    if kind == "job.finished":
        if p.get("state") == "blocked":
            return tr("Check blocked")
        return tr("Check finished")
    if kind == "job.failed":
        return tr("Check failed") + f" — {text_of('message')}"
    if kind == "job.cancelled":
        return tr("Check cancelled")
    if kind == "job.interrupted":
        return tr("Check interrupted") + (f" — {text_of('message')}" if p.get("message") else "")
    if kind == "job.resumed":
        return tr("Check resumed")
    if kind == "job.abandoned":
        return tr("Check abandoned")
    if kind == "grade.assigned":
        return tr("Graded %1").replace("%1", str(p.get("workshop_grade", "")))
    if kind == "outcome.recorded":
        from ui.journey_view import outcome_line  # ui.journey_view imports ui.device_view

        return tr("Outcome: %1").replace("%1", outcome_line(p, str(p.get("kind", "")), lang))
    if kind == "label.printed":
        return tr("Label printed")
    if kind == "loan.returned":
        return RETURNED.get(lang).replace("%1", str(p.get("condition", "")))
    if kind == "loan.signed":
        return (SIGNED_PICTURE if p.get("signature_sha256") else SIGNED_LATER).get(lang)
    if kind == "loan.paid":
        amount = str(p.get("amount_eur", ""))
        amount = amount.replace(".", ",") if lang == "fr" else amount
        return (
            PAID.get(lang)
            .replace("%1", amount)
            .replace("%2", str(p.get("receipt", "")))
            .replace("%3", str(p.get("months", "")))
        )
    if kind == "part.given":
        return (
            GAVE.get(lang)
            .replace("{code}", str(p.get("receiver_asset", "")))
            .replace("{part}", str(p.get("part", "")))
        )
    if kind == "certificate.issued":
        return _certificate(p)
    if kind == "disk.linked":
        if p.get("host_asset"):
            return tr("Disk of computer %1").replace("%1", str(p.get("host_asset", "")))
        return tr("Link to its computer removed")
    if kind == "install.skipped":
        return tr("Installation skipped: %1").replace("%1", str(p.get("reason", "")))
    if kind == "approval.granted":
        return approval_summary(p).get(lang)  # both people, the action and why
    if kind.startswith("erasure."):
        return _erasure(kind, p)
    if kind == "install.action_done":
        return tr("Installation step done")
    if kind == "device.os_installed":
        return tr("System installed: %1").replace("%1", str(p.get("name", "")))
    if kind.startswith("image."):
        return tr("Disk image written") if kind == "image.written" else tr("Writing a disk image")
    if kind == "device.inventoried":
        return tr("Hardware inventory taken")
    return tr("Fact recorded")  # a fact from a newer version: never its raw code


def _certificate(p: dict[str, object]) -> str:
    """A certificate given out: which one, its reference, and how it left the station."""
    reference = str(p.get("reference", ""))
    if p.get("document") == "lot_certificate":
        title = tr("Donation's certificate %1").replace("%1", reference)
    elif p.get("certified") is False:  # a report of an erasure that did not end well
        title = tr("Erasure report %1").replace("%1", reference)
    else:
        title = tr("Erasure certificate %1").replace("%1", reference)
    how = {
        "opened": tr("opened"),
        "printed": tr("printed"),
        "saved": tr("saved to a folder or a USB stick"),
        "file": tr("written to a file"),
    }.get(str(p.get("delivery", "")), tr("issued"))
    return f"{title} — {how}"


def _erasure(kind: str, p: dict[str, object]) -> str:
    if kind == "erasure.started":
        return tr("Erasure started")
    if kind in ("erasure.pass_started", "erasure.pass_finished"):
        number = str(p.get("pass_no", ""))
        text = tr("Pass %1 started") if kind.endswith("started") else tr("Pass %1 finished")
        return text.replace("%1", number)
    if kind == "erasure.checkpoint":
        return tr("Erasure progress saved")
    if kind == "erasure.verified":
        return tr("Erasure verified") if p.get("ok") else tr("Erasure verification failed")
    if kind == "erasure.finished":
        return tr("Erasure finished")
    if kind == "erasure.purge_cancelled":
        return tr("Drive's own erasure cancelled")
    return tr("Erasure")


def presort_label(value: str) -> str:
    """The first look at intake, in the operator's words."""
    labels = {
        PreSort.REUSE: tr("Reuse"),
        PreSort.SPARE_PARTS: tr("Spare parts"),
        PreSort.E_WASTE: tr("E-waste"),
    }
    return labels.get(value, tr("unknown"))  # type: ignore[call-overload]
