"""The intake rules, as the window and the command line get them from the station: a serial
or an IMEI for each device, and a known one taken only as that same device."""

from __future__ import annotations

import pytest

from bench_app.domain.model import DeviceKind, DonorKind, PreSort
from bench_app.errors import CATALOG, BenchError
from bench_app.station import Station
from bench_app.store import queries

IMEI_A = "490154203237518"
IMEI_B = "356938035643809"


def _lot(station: Station, name: str = "Mairie") -> str:
    return station.register_lot(station.register_donor(name, DonorKind.PUBLIC_BODY))


def _event_count(station: Station) -> int:
    return len(queries.events(station.store))


def _refused(station: Station, code: str, **kwargs: object) -> BenchError:
    """Asserts the intake is refused with `code` and records nothing at all."""
    before, devices = _event_count(station), queries.devices(station.store)
    with pytest.raises(BenchError) as caught:
        station.intake_device(DeviceKind.PHONE, **kwargs)  # type: ignore[arg-type]
    assert caught.value.code == code
    assert _event_count(station) == before
    assert queries.devices(station.store) == devices
    return caught.value


def test_a_device_needs_a_serial_or_an_imei(station: Station) -> None:
    lot = _lot(station)
    _refused(station, "INTAKE_NO_IDENTIFIER", brand="Fairphone", lot_id=lot)
    _refused(station, "INTAKE_NO_IDENTIFIER", serial="   ", imei=" ", lot_id=lot)
    assert station.intake_device(DeviceKind.PHONE, imei=IMEI_A, lot_id=lot).imei == IMEI_A
    assert station.intake_device(DeviceKind.LAPTOP, serial="PF1X", lot_id=lot).serial == "PF1X"


def test_a_known_serial_or_imei_is_refused_and_says_which_device(station: Station) -> None:
    first_lot, second_lot = _lot(station, "Mairie"), _lot(station, "La Poste")
    known = station.intake_device(
        DeviceKind.PHONE, serial="R58M12AB", imei=IMEI_A, lot_id=first_lot
    )
    # Typed in another case, with spaces: still the same serial.
    error = _refused(station, "INTAKE_SERIAL_KNOWN", serial=" r58m12ab ", lot_id=second_lot)
    assert known.asset_code in error.message.fr and known.asset_code in error.message.en
    error = _refused(station, "INTAKE_IMEI_KNOWN", imei="49015 4203237518", lot_id=second_lot)
    assert known.asset_code in error.message.fr
    # Twice in the same donation is said as such.
    error = _refused(station, "INTAKE_TWICE_IN_DONATION", imei=IMEI_A, lot_id=first_lot)
    assert "ce don" in error.message.fr and known.asset_code in error.message.fr


def test_confirmed_same_device_uses_the_existing_record(station: Station) -> None:
    plugged = station.register_device(DeviceKind.PHONE, brand="Fairphone", imei=IMEI_A)
    lot = _lot(station)
    same = station.intake_device(
        DeviceKind.PHONE, imei=IMEI_A, lot_id=lot, presort=PreSort.SPARE_PARTS, same_device=True
    )
    assert same.id == plugged.id and same.asset_code == plugged.asset_code
    assert [d.id for d in queries.devices(station.store)] == [plugged.id]
    assert same.lot_id == lot and same.presort is PreSort.SPARE_PARTS
    types = [e.type for e in queries.events(station.store, plugged.id)]
    assert types.count("device.registered") == 1
    # Confirmed again in the same donation: still one record, nothing new to say.
    before = _event_count(station)
    again = station.intake_device(
        DeviceKind.PHONE, imei=IMEI_A, lot_id=lot, presort=PreSort.SPARE_PARTS, same_device=True
    )
    assert again.id == plugged.id and _event_count(station) == before


def test_serial_and_imei_of_two_devices_are_refused_even_confirmed(station: Station) -> None:
    lot = _lot(station)
    one = station.intake_device(DeviceKind.PHONE, serial="SER-1", lot_id=lot)
    two = station.intake_device(DeviceKind.PHONE, imei=IMEI_B, lot_id=lot)
    error = _refused(
        station, "INTAKE_IDENTIFIERS_CONFLICT", serial="SER-1", imei=IMEI_B, same_device=True
    )
    assert one.asset_code in error.action.fr and two.asset_code in error.action.fr


def test_a_mistyped_imei_is_refused_before_anything(station: Station) -> None:
    _refused(station, "IMEI_INVALID", imei="490154203237519", lot_id=_lot(station))


def test_training_devices_do_not_collide_with_real_ones(station: Station) -> None:
    station.register_device(DeviceKind.PHONE, imei=IMEI_A, training=True)
    real = station.intake_device(DeviceKind.PHONE, imei=IMEI_A, lot_id=_lot(station))
    assert not real.training and len(queries.devices(station.store)) == 2


@pytest.mark.parametrize(
    "code",
    [
        "INTAKE_NO_IDENTIFIER",
        "INTAKE_SERIAL_KNOWN",
        "INTAKE_IMEI_KNOWN",
        "INTAKE_TWICE_IN_DONATION",
        "INTAKE_IDENTIFIERS_CONFLICT",
        "OPERATOR_UNKNOWN",
        "OPERATOR_PIN_WRONG",
        "OPERATOR_NAME_INVALID",
        "OPERATOR_EXISTS",
        "OPERATOR_PIN_FORMAT",
    ],
)
def test_refusals_are_short_in_french_and_english(code: str) -> None:
    kind = CATALOG[code]
    for text in (kind.message.fr, kind.action.fr):
        assert 0 < len(text.split()) <= 12, text
    assert kind.message.en and kind.action.en and kind.message.en != kind.message.fr
