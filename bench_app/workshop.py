"""The workshop's identity: its name, address and contact, the station's own name, and the
rule that ties them to documents (no certificate or handover sheet from an unnamed workshop).

A real station is set up once, in the window's first-run set-up or with `etabli settings`;
a training station gets class defaults so a class can issue its (watermarked) documents
without anybody filling the set-up in."""

from __future__ import annotations

from dataclasses import replace

from bench_app.errors import BenchError
from bench_app.settings import Settings
from bench_app.text import Text

# What a training station is called when nobody named it (never written to the real folder).
TRAINING_WORKSHOP = Text("Atelier de formation", "Training workshop")
TRAINING_STATION = Text("Poste de formation", "Training station")


def is_named(settings: Settings) -> bool:
    """Whether the workshop has a name (the one thing a certificate cannot go without)."""
    return bool(settings.organisation.strip())


def needs_setup(settings: Settings, *, training: bool) -> bool:
    """Whether the first-run set-up is due: a real station whose workshop has no name yet
    (training never asks: it keeps its class defaults)."""
    return not training and not is_named(settings)


def require_named(settings: Settings) -> None:
    """BenchError(WORKSHOP_UNNAMED) unless the workshop has a name: every path that issues a
    certificate or a handover sheet calls this first."""
    if not is_named(settings):
        raise BenchError("WORKSHOP_UNNAMED")


def with_training_defaults(settings: Settings, lang: str = "fr") -> Settings:
    """`settings` with the class's workshop and station names where they are empty."""
    return replace(
        settings,
        organisation=settings.organisation.strip() or TRAINING_WORKSHOP.get(lang),
        station_name=settings.station_name.strip() or TRAINING_STATION.get(lang),
    )


def document_settings(settings: Settings, *, training: bool, lang: str = "fr") -> Settings:
    """The settings a certificate or a handover sheet is made with: a training document gets
    the class defaults; a real one needs a named workshop (BenchError WORKSHOP_UNNAMED)."""
    if training:
        return with_training_defaults(settings, lang)
    require_named(settings)
    return settings


def station_label(settings: Settings, station_id: str) -> str:
    """How the station is shown to people: its name, or its id until it has one."""
    return settings.station_name.strip() or station_id
