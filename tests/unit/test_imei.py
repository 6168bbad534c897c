"""IMEIs typed at intake are checked with their Luhn digit."""

from __future__ import annotations

import pytest

from bench_app.domain.imei import is_valid_imei, luhn_digit
from bench_app.domain.model import DeviceKind
from bench_app.errors import BenchError
from bench_app.station import Station

# Published example IMEIs (3GPP TS 23.003 annex B and a real handset's label).
VALID = ["490154203237518", "356938035643809", "35-209900-176148-1"]


@pytest.mark.parametrize("imei", VALID)
def test_valid_imeis(imei: str) -> None:
    assert is_valid_imei(imei)


def test_every_single_digit_error_is_caught() -> None:
    for imei in VALID:
        digits = imei.replace("-", "")
        for i in range(15):
            for d in "0123456789":
                if d != digits[i]:
                    assert not is_valid_imei(digits[:i] + d + digits[i + 1 :])


def test_wrong_lengths_and_letters_are_refused() -> None:
    assert not is_valid_imei("49015420323751")
    assert not is_valid_imei("4901542032375180")
    assert not is_valid_imei("49015420323751A")
    assert luhn_digit("49015420323751") == "8"


def test_station_refuses_a_bad_imei_and_records_nothing(station: Station) -> None:
    with pytest.raises(BenchError) as err:
        station.register_device(DeviceKind.PHONE, brand="Fairphone", imei="490154203237519")
    assert err.value.code == "IMEI_INVALID"
    assert "*#06#" in err.value.text("fr")
    assert station.store.query("SELECT count(*) FROM events") == [(0,)]
    device = station.register_device(DeviceKind.PHONE, imei="49015 4203237518")
    assert device.imei == "490154203237518"
