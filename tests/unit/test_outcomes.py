"""An outcome closes a device's journey; the latest one is its current outcome."""

from __future__ import annotations

from bench_app.domain.model import DeviceKind, DeviceStage, OutcomeKind
from bench_app.station import Station
from bench_app.store import queries


def test_outcome_is_recorded_and_the_latest_wins(station: Station) -> None:
    device = station.register_device(DeviceKind.LAPTOP, brand="HP", model="EliteBook 840 G5")
    assert queries.latest_outcome(station.store, device.id) is None
    station.record_outcome(device.id, OutcomeKind.LOAN, reference="PRET-2026-031")
    station.record_outcome(device.id, OutcomeKind.DONATION, note="loan turned into a gift")
    outcome = queries.latest_outcome(station.store, device.id)
    assert outcome is not None and outcome.kind is OutcomeKind.DONATION
    assert outcome.note == "loan turned into a gift"
    assert station.device(device.id).stage is DeviceStage.DONE  # type: ignore[union-attr]
    kinds = [
        e.payload["kind"]
        for e in queries.events(station.store, device.id)
        if e.type == "outcome.recorded"
    ]
    assert kinds == ["loan", "donation"]
