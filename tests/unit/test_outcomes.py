"""An outcome closes a device's journey; the latest one is its current outcome. Every
public way to record one applies the journey's rules: a refused outcome records nothing."""

from __future__ import annotations

from typing import Any

import pytest

from bench_app.domain.model import DeviceKind, DeviceStage, OutcomeKind
from bench_app.errors import BenchError
from bench_app.station import Station
from bench_app.store import queries


def _outcomes(station: Station, device_id: str) -> list[str]:
    return [
        e.payload["kind"]
        for e in queries.events(station.store, device_id)
        if e.type == "outcome.recorded"
    ]


def test_outcome_is_recorded_and_the_latest_wins(station: Station) -> None:
    device = station.register_device(DeviceKind.LAPTOP, brand="HP", model="EliteBook 840 G5")
    assert queries.latest_outcome(station.store, device.id) is None
    station.record_outcome(device.id, OutcomeKind.SPARE_PARTS, note="écran gardé")
    station.record_outcome(device.id, OutcomeKind.RECYCLING, reference="ECO-2026-031")
    outcome = queries.latest_outcome(station.store, device.id)
    assert outcome is not None and outcome.kind is OutcomeKind.RECYCLING
    assert outcome.reference == "ECO-2026-031"
    assert station.device(device.id).stage is DeviceStage.DONE  # type: ignore[union-attr]
    assert _outcomes(station, device.id) == ["spare_parts", "recycling"]


@pytest.mark.parametrize(
    ("kind", "fields", "code"),
    [
        (OutcomeKind.DONATION, {"beneficiary": "B-12"}, "OUTCOME_NEEDS_VERIFIED_ERASURE"),
        (OutcomeKind.REUSE, {}, "OUTCOME_NEEDS_VERIFIED_ERASURE"),
        (OutcomeKind.SALE, {"price": "45"}, "OUTCOME_NEEDS_VERIFIED_ERASURE"),
        (
            OutcomeKind.LOAN,
            {"beneficiary": "B-12", "due_on": "2099-01-01"},
            "OUTCOME_NEEDS_VERIFIED_ERASURE",
        ),
        (OutcomeKind.RECYCLING, {}, "OUTCOME_RECYCLING_REFERENCE"),
        (OutcomeKind.SPARE_PARTS, {"price": "douze"}, "OUTCOME_PRICE_INVALID"),
    ],
)
def test_record_outcome_refuses_what_the_journey_refuses_and_records_nothing(
    station: Station, kind: OutcomeKind, fields: dict[str, Any], code: str
) -> None:
    """The path that once recorded without the journey's checks: a device never erased
    goes to nobody, recycling names its slip, a price is an amount."""
    device = station.register_device(DeviceKind.PHONE, brand="Fairphone", serial="FP3-NOWIPE")
    before = len(queries.events(station.store))
    with pytest.raises(BenchError) as refused:
        station.record_outcome(device.id, kind, **fields)
    assert refused.value.code == code
    assert len(queries.events(station.store)) == before
    assert queries.latest_outcome(station.store, device.id) is None
    assert _outcomes(station, device.id) == []
