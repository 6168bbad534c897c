"""Who works at the station: the list in its settings, PINs kept only as salted hashes, and
the name every fact recorded carries."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench_app.domain.model import DeviceKind, DonorKind
from bench_app.errors import BenchError
from bench_app.operators import hash_pin, pin_matches
from bench_app.settings import SETTINGS_NAME, Settings
from bench_app.station import Station
from bench_app.store import queries


def test_a_pin_is_kept_as_a_salted_hash_only(data_dir: Path) -> None:
    one, two = hash_pin("4821"), hash_pin("4821")
    assert one != two  # a salt of its own each time
    assert pin_matches("4821", one) and pin_matches("4821", two)
    assert not pin_matches("4822", one) and not pin_matches("4821", "scrypt$broken")
    station = Station(data_dir, operator="x")
    try:
        station.add_operator("Aïcha", "4821")
        station.add_operator("Marc")
    finally:
        station.close()
    saved = (data_dir / SETTINGS_NAME).read_text(encoding="utf-8")
    assert "4821" not in saved
    entries = json.loads(saved)["operators"]
    assert [e["name"] for e in entries] == ["Aïcha", "Marc"]
    assert "pin_hash" not in entries[1]
    listed = Settings.load(data_dir).operator_list()
    assert [o.has_pin for o in listed] == [True, False]


def test_choosing_checks_the_list_and_the_pin(station: Station) -> None:
    station.add_operator("Aïcha", "4821")
    station.add_operator("Marc")
    with pytest.raises(BenchError) as wrong:
        station.choose_operator("Aïcha", "1111")
    assert wrong.value.code == "OPERATOR_PIN_WRONG"
    with pytest.raises(BenchError) as missing:
        station.choose_operator("Aïcha")
    assert missing.value.code == "OPERATOR_PIN_WRONG"
    with pytest.raises(BenchError) as unknown:
        station.choose_operator("Zoé")
    assert unknown.value.code == "OPERATOR_UNKNOWN"
    assert station.operator == "test-operator"  # nothing changed on a refusal
    assert station.choose_operator("aïcha ", "4821") == "Aïcha"
    assert station.choose_operator("Marc") == "Marc"


@pytest.mark.parametrize(
    ("name", "pin", "code"),
    [
        ("", "", "OPERATOR_NAME_INVALID"),
        ("x" * 61, "", "OPERATOR_NAME_INVALID"),
        ("MARC", "", "OPERATOR_EXISTS"),
        ("Léa", "12", "OPERATOR_PIN_FORMAT"),
        ("Léa", "12ab", "OPERATOR_PIN_FORMAT"),
    ],
)
def test_adding_refuses_bad_names_and_pins(
    station: Station, name: str, pin: str, code: str
) -> None:
    station.add_operator("Marc")
    with pytest.raises(BenchError) as caught:
        station.add_operator(name, pin)
    assert caught.value.code == code
    assert [o.name for o in station.operators()] == ["Marc"]


@pytest.mark.parametrize(
    "operators",
    [
        "Marc",
        [{"name": ""}],
        [{"name": "Marc"}, {"name": "marc"}],
        [{"name": "Marc", "pin_hash": "1234"}],  # a PIN in clear is not a hash
    ],
)
def test_a_broken_operator_list_is_a_plain_settings_error(
    data_dir: Path, operators: object
) -> None:
    data_dir.mkdir(parents=True)
    (data_dir / SETTINGS_NAME).write_text(json.dumps({"operators": operators}), "utf-8")
    with pytest.raises(BenchError) as caught:
        Settings.load(data_dir)
    assert caught.value.code == "SETTINGS_INVALID"


def test_a_change_of_operator_marks_later_facts_only(station: Station) -> None:
    station.add_operator("Aïcha")
    station.add_operator("Marc")
    station.choose_operator("Aïcha")
    lot = station.register_lot(station.register_donor("Mairie", DonorKind.PUBLIC_BODY))
    first = station.intake_device(DeviceKind.LAPTOP, serial="PF-1", lot_id=lot)
    station.choose_operator("Marc")
    second = station.intake_device(DeviceKind.LAPTOP, serial="PF-2", lot_id=lot)
    events = queries.events(station.store)
    by_device = {e.device_id: e.operator for e in events if e.type == "device.registered"}
    assert by_device == {first.id: "Aïcha", second.id: "Marc"}
    assert [e.operator for e in events if e.type in ("donor.registered", "lot.registered")] == [
        "Aïcha",
        "Aïcha",
    ]
