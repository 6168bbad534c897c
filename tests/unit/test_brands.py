"""Brands as their makers write them, whatever the phone or the typist said."""

from __future__ import annotations

import pytest

from bench_app.domain.brands import brand_name
from bench_app.domain.model import Device, DeviceKind
from bench_app.station import display_brand


@pytest.mark.parametrize(
    ("given", "manufacturer", "shown"),
    [
        ("google", "", "Google"),
        ("fairphone", "", "Fairphone"),
        ("samsung", "samsung", "Samsung"),
        ("SAMSUNG", "", "Samsung"),
        ("oneplus", "", "OnePlus"),
        ("OnePlus", "OnePlus", "OnePlus"),
        ("hmd global", "", "HMD Global"),
        ("HMD  Global", "", "HMD Global"),
        ("xiaomi", "Xiaomi", "Xiaomi"),
        ("Xiaomi", "", "Xiaomi"),
        ("lge", "LGE", "LG"),
        ("motorola", "motorola", "Motorola"),
        ("blu", "BLU", "BLU"),  # the device's own manufacturer field says it better
        ("teracube", "", "Teracube"),
        ("Crosscall", "", "Crosscall"),  # written with a capital already: kept
        ("", "", ""),
    ],
)
def test_a_brand_is_shown_as_its_maker_writes_it(given: str, manufacturer: str, shown: str) -> None:
    assert brand_name(given, manufacturer) == shown
    assert display_brand(given, manufacturer) == shown  # what the station records


def test_a_device_recorded_with_a_lowercase_brand_is_named_properly() -> None:
    older = Device("d1", "ABCD-2345-X", DeviceKind.PHONE, brand="oneplus", model="BE2029")
    assert older.label == "OnePlus BE2029"
    pixel = Device("d2", "ABCD-2346-Y", DeviceKind.PHONE, brand="google", model="Pixel 6")
    assert pixel.label == "Google Pixel 6"
    named = Device(
        "d3",
        "ABCD-2347-Z",
        DeviceKind.PHONE,
        brand="samsung",
        model="SM-G960F",
        details={"marketing_name": "Samsung Galaxy S9"},
    )
    assert named.label == "Samsung Galaxy S9"
