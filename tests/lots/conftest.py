"""A station with a donation whose devices stand at chosen stages, their facts recorded as
the station records them (the journey reads them back)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from bench_app.domain.model import Device, DeviceKind, DonorKind
from bench_app.station import Station
from bench_app.store.database import NewEvent


@dataclass
class Bench:
    station: Station
    lot_id: str
    devices: dict[str, Device] = field(default_factory=dict)

    def fact(self, device: Device, fact_type: str, **payload: Any) -> None:
        self.station.store.record(
            [NewEvent(fact_type, {"device_id": device.id, **payload}, device.id)],
            operator="S",
            training=device.training,
        )

    def checked(self, device: Device, pipeline: str = "phone.check", **steps: Any) -> None:
        job = str(uuid.uuid4())
        self.fact(device, "job.created", job_id=job, pipeline=pipeline, steps=[])
        for step_id, evidence in steps.items():
            self.fact(
                device,
                "step.finished",
                job_id=job,
                step_id=step_id,
                status=evidence.pop("status", "passed"),
                summary={"fr": "", "en": ""},
                evidence=evidence,
            )
        self.fact(device, "job.finished", job_id=job, state="succeeded")

    def erased(self, device: Device, ok: bool = True) -> None:
        job, erasure = str(uuid.uuid4()), str(uuid.uuid4())
        self.fact(device, "erasure.verified", job_id=job, erasure_id=erasure, mode="full", ok=ok)
        self.fact(
            device,
            "erasure.finished",
            job_id=job,
            erasure_id=erasure,
            result="erased" if ok else "not_erased",
            reasons=[],
        )

    def add(self, name: str, kind: DeviceKind, *, lot: bool = True) -> Device:
        device = self.station.register_device(
            kind, brand="Marque", model=name, lot_id=self.lot_id if lot else None
        )
        self.devices[name] = device
        return device


@pytest.fixture
def bench(tmp_path: Path) -> Iterator[Bench]:
    station = Station(tmp_path / "data", operator="S")
    donor = station.register_donor("Département du Nord", DonorKind.COMPANY)
    lot_id = station.register_lot(donor, agreement_ref="CONV-2026-07", expected_count=8)
    try:
        yield Bench(station, lot_id)
    finally:
        station.close()
