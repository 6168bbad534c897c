"""Events told as short sentences for the device's history."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QCoreApplication

from bench_app.text import Text
from bench_app.wire.events import Event


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
        title = step_titles.get(str(p.get("step_id", "")))
        return title.get(lang) if title else str(p.get("step_id", ""))

    def text_of(key: str) -> str:
        value = p.get(key)
        return Text.from_json(value).get(lang) if value else ""

    kind = event.type
    if kind == "device.registered":
        return tr("Registered with code %1").replace("%1", str(p.get("asset_code", "")))
    if kind == "device.identified":
        return tr("Identified")
    if kind == "device.presorted":
        return tr("Pre-sorted: %1").replace("%1", str(p.get("presort", "")))
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
    if kind == "install.skipped":
        return tr("Installation skipped: %1").replace("%1", str(p.get("reason", "")))
    return kind
