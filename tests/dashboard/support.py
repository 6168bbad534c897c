"""A station database filled with known facts at chosen times, for the dashboard's tests."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import pytest

from bench_app.domain.model import DeviceKind, DonorKind, OutcomeKind
from bench_app.station import Station
from bench_app.store import database
from bench_app.store.database import NewEvent
from bench_app.store.uuid7 import uuid7_str


class Workshop:
    """Records facts through the real store, each at the local noon of a chosen day (the
    clock is the store's own `utc_now`, set by the test): days must be given in order."""

    def __init__(self, folder: Path, monkeypatch: pytest.MonkeyPatch, *, training: bool = False):
        self.now = datetime(2026, 1, 5, 12, tzinfo=UTC)
        self._tick = itertools.count()
        monkeypatch.setattr(database, "utc_now", self._clock)
        self.station = Station(folder, training=training, operator="test")
        self.store = self.station.store
        self.training = training

    def _clock(self) -> str:
        ms = next(self._tick)  # distinct times for facts of the same day, in order
        stamp = self.now.timestamp() * 1000 + ms
        at = datetime.fromtimestamp(stamp / 1000, UTC)
        return at.isoformat(timespec="milliseconds").replace("+00:00", "Z")

    def on(self, day: date) -> Workshop:
        local_noon = datetime.combine(day, time(12)).astimezone()
        self.now = local_noon.astimezone(UTC)
        return self

    def record(self, *events: NewEvent) -> None:
        self.store.record(list(events), operator="test", training=self.training)

    def donor(self, name: str) -> str:
        return self.station.register_donor(name, DonorKind.COMPANY)

    def lot(self, donor: str, ref: str) -> str:
        return self.station.register_lot(donor, date(2026, 1, 1), ref, 10)

    def device(self, kind: DeviceKind = DeviceKind.PHONE, lot: str | None = None) -> str:
        return self.station.register_device(kind, brand="Fairphone", lot_id=lot).id

    def identify(self, device: str) -> None:
        self.record(NewEvent("device.identified", {"device_id": device, "fields": {}}, device))

    def job(self, device: str, stage: str, state: str = "succeeded") -> None:
        job = uuid7_str()
        self.record(
            NewEvent(
                "job.created",
                {
                    "job_id": job,
                    "device_id": device,
                    "pipeline": "p",
                    "steps": [],
                    "stage_on_success": stage,
                },
                device,
            ),
            NewEvent("job.finished", {"job_id": job, "state": state}, device),
        )

    def erase(self, device: str, ok: bool = True) -> None:
        job, erasure = uuid7_str(), uuid7_str()
        common: dict[str, Any] = {"job_id": job, "erasure_id": erasure, "device_id": device}
        self.record(
            NewEvent(
                "erasure.started",
                {
                    **common,
                    "method": "clear-zero",
                    "technique": "Clear",
                    "standard": "NIST SP 800-88 Rev. 1",
                    "target": {"serial": "S1", "size_bytes": 10**9},
                },
                device,
            ),
            NewEvent(
                "erasure.finished",
                {**common, "result": "erased" if ok else "not_erased", "reasons": []},
                device,
            ),
        )

    def grade(self, device: str, grade: str) -> None:
        self.record(
            NewEvent(
                "grade.assigned",
                {"device_id": device, "functional": "A", "cosmetic": 8, "workshop_grade": grade},
                device,
            )
        )

    def outcome(self, device: str, kind: OutcomeKind, due_on: str = "") -> None:
        payload: dict[str, Any] = {"device_id": device, "kind": kind.value}
        if due_on:
            payload["due_on"] = due_on
        self.record(NewEvent("outcome.recorded", payload, device))

    def close(self) -> None:
        self.station.close()
