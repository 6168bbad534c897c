"""A station with people on record and devices given to them, for the beneficiary tests."""

from __future__ import annotations

from pathlib import Path

from bench_app import beneficiaries
from bench_app.domain.model import DeviceKind, OutcomeKind
from bench_app.station import Station
from bench_app.store.database import NewEvent

# A person no output of the station may ever show (unless the workshop shares it).
NAME = "Zéphyrine Quattrocchi"
STRUCTURE = "CCAS de Vénissieux-Zénith"
CONTACT = "06 71 93 28 45 zephyrine.q@exemple.org"
REF = "DOS-2026-0117"


def register(station: Station, ref: str = REF, now: str | None = None) -> None:
    beneficiaries.add(
        station.store,
        ref,
        name=NAME,
        structure=STRUCTURE,
        contact=CONTACT,
        operator=station.operator,
        training=station.training,
        now=now,
    )


def give(station: Station, kind: OutcomeKind, ref: str = REF, **extra: str) -> str:
    """A device registered and given (donation, loan, rental) to `ref`, as
    `Station.record_outcome` records it (written through the store: the journey's rules
    about erasure are not what these tests are about)."""
    device = station.register_device(
        DeviceKind.PHONE, brand="Fairphone", model="FP3", serial="FP3-SN-0042"
    )
    payload = {"device_id": device.id, "kind": kind.value, "beneficiary": ref, **extra}
    station.store.record(
        [NewEvent("outcome.recorded", payload, device.id)],
        operator=station.operator,
        training=False,
    )
    return device.asset_code


def files_holding(folder: Path, text: str) -> list[str]:
    """Every file under `folder` whose bytes hold `text` (UTF-8)."""
    needle = text.encode("utf-8")
    return sorted(
        str(p.relative_to(folder))
        for p in folder.rglob("*")
        if p.is_file() and needle in p.read_bytes()
    )
