"""`tradeinmode getstatus` read field by field: drawn statuses come back whole, a missing
field is None, a field of the wrong type is named and never guessed, and only text with
no JSON object at all is refused."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bench_app.devices.android.parsers import AndroidParseError
from bench_app.devices.android.tradein import BATTERY_STATES, parse_getstatus, readings
from bench_app.domain.imei import luhn_digit

# The example Android's documentation gives for a Pixel 7 (its shape; the values are ours).
DOCUMENTED_SHAPE = """{
  "battery": {"cycle_count": 16, "health": 100, "state": 2,
              "manufacturing_date": 1653004800, "first_usage_date": 0},
  "storage": {"useful_lifetime_remaining": 99, "capacity_bytes": "128000000000"},
  "launch_level": 33,
  "locks": {"factory_reset_protection": false},
  "product": {"brand": "google", "device": "panther", "manufacturer": "Google",
              "model": "Pixel 7", "name": "panther"},
  "imeis": ["353644930127905", "353644930127913"],
  "serial": "26061FDH2000AP"
}"""

imei_bodies = st.text("0123456789", min_size=14, max_size=14)
imeis = imei_bodies.map(lambda body: body + luhn_digit(body))
# Dates the phone may know: from 2005 to 2099, in whole seconds.
days = st.integers(
    int(datetime(2005, 1, 1, tzinfo=UTC).timestamp()),
    int(datetime(2099, 12, 31, tzinfo=UTC).timestamp()),
)
words = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=30).map(
    str.strip
)

statuses = st.fixed_dictionaries(
    {},
    optional={
        "battery": st.fixed_dictionaries(
            {},
            optional={
                "cycle_count": st.integers(0, 5000),
                "health": st.integers(0, 100),
                "state": st.sampled_from(sorted(BATTERY_STATES)),
                "manufacturing_date": days,
                "first_usage_date": days | st.just(0),
            },
        ),
        "storage": st.fixed_dictionaries(
            {},
            optional={
                "useful_lifetime_remaining": st.integers(0, 100),
                "capacity_bytes": st.integers(0, 2**50).map(str),
            },
        ),
        "launch_level": st.integers(21, 40),
        "locks": st.fixed_dictionaries({}, optional={"factory_reset_protection": st.booleans()}),
        "product": st.fixed_dictionaries(
            {},
            optional={k: words for k in ("brand", "device", "manufacturer", "model", "name")},
        ),
        "imeis": st.lists(imeis, max_size=3, unique=True),
        "serial": words,
    },
)


def _day(seconds: int) -> str | None:
    return datetime.fromtimestamp(seconds, UTC).date().isoformat() if seconds else None


def test_the_documented_shape_is_read_whole() -> None:
    status = parse_getstatus(DOCUMENTED_SHAPE)
    assert status.battery_cycle_count == 16
    assert status.battery_health_percent == 100
    assert status.battery_state == "good"
    assert status.battery_manufacturing_date == "2022-05-20"
    assert status.battery_first_usage_date is None  # 0: the phone does not know
    assert status.storage_lifetime_remaining_percent == 99
    assert status.storage_capacity_bytes == 128_000_000_000
    assert status.frp_locked is False
    assert (status.brand, status.model, status.device) == ("google", "Pixel 7", "panther")
    assert status.imeis == ("353644930127905", "353644930127913")
    assert status.imei == "353644930127905"
    assert status.serial == "26061FDH2000AP"
    assert status.problems == ()


@settings(max_examples=150, deadline=None)
@given(statuses, st.sampled_from(["", "WARNING: slow services\n", "\n\n"]))
def test_a_drawn_status_comes_back_field_by_field(data: dict[str, Any], before: str) -> None:
    status = parse_getstatus(before + json.dumps(data, indent=2))
    battery = data.get("battery", {})
    storage = data.get("storage", {})
    product = data.get("product", {})
    assert status.problems == ()
    assert status.battery_cycle_count == battery.get("cycle_count")
    assert status.battery_health_percent == battery.get("health")
    assert status.battery_state == (
        BATTERY_STATES[battery["state"]] if "state" in battery else None
    )
    assert status.battery_manufacturing_date == (
        _day(battery["manufacturing_date"]) if "manufacturing_date" in battery else None
    )
    assert status.battery_first_usage_date == (
        _day(battery["first_usage_date"]) if "first_usage_date" in battery else None
    )
    assert status.storage_lifetime_remaining_percent == storage.get("useful_lifetime_remaining")
    assert status.storage_capacity_bytes == (
        int(storage["capacity_bytes"]) if "capacity_bytes" in storage else None
    )
    assert status.launch_level == data.get("launch_level")
    assert status.frp_locked == data.get("locks", {}).get("factory_reset_protection")
    for key in ("brand", "device", "manufacturer", "model", "name"):
        assert getattr(status, key) == (product.get(key) or None)
    assert status.imeis == tuple(data.get("imeis", []))
    assert status.serial == (data.get("serial") or None)
    # What the check's readings take from it: the health percentage as the capacity ratio.
    told = readings(status)
    health = battery.get("health")
    assert told["battery"]["capacity_ratio"] == (health / 100 if health is not None else None)
    assert told["frp_locked"] == status.frp_locked


STATE_WORDS = set(BATTERY_STATES.values()) | {"fair", "not_available", "inconsistent"}
wrong_values = st.one_of(
    st.text(max_size=5).filter(
        lambda t: not t.strip().isdigit() and t.strip().lower() not in STATE_WORDS
    ),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    st.integers(-(2**40), -1),
    st.floats(allow_nan=False).filter(lambda f: not f.is_integer()),
)
# Where a wrong value goes in, and the name the parser gives it.
PLACES = [
    (("battery", "cycle_count"), "battery.cycle_count"),
    (("battery", "health"), "battery.health"),
    (("battery", "state"), "battery.state"),
    (("battery", "manufacturing_date"), "battery.manufacturing_date"),
    (("storage", "useful_lifetime_remaining"), "storage.useful_lifetime_remaining"),
    (("storage", "capacity_bytes"), "storage.capacity_bytes"),
    (("launch_level",), "launch_level"),
]


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(PLACES), wrong_values)
def test_a_field_of_the_wrong_type_is_named_and_the_rest_kept(
    place: tuple[tuple[str, ...], str], value: Any
) -> None:
    path, name = place
    data = json.loads(DOCUMENTED_SHAPE)
    holder = data
    for key in path[:-1]:
        holder = holder[key]
    holder[path[-1]] = value
    status = parse_getstatus(json.dumps(data))
    assert name in status.problems
    # Nothing else is lost: the identity and the lock are still read.
    assert status.serial == "26061FDH2000AP" and status.frp_locked is False
    assert status.imeis == ("353644930127905", "353644930127913")


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"locks": {"factory_reset_protection": "yes"}}, "locks.factory_reset_protection"),
        ({"locks": []}, "locks"),
        ({"battery": "good"}, "battery"),
        ({"imeis": "353644930127905"}, "imeis"),
        ({"imeis": ["353644930127906"]}, "imeis"),  # fails its check digit
        ({"battery": {"health": 140}}, "battery.health"),  # a percentage above 100
        ({"battery": {"manufacturing_date": 86400}}, "battery.manufacturing_date"),  # 1970
        ({"serial": 12345}, "serial"),
    ],
)
def test_nonsense_is_named_never_guessed(change: dict[str, Any], problem: str) -> None:
    data = json.loads(DOCUMENTED_SHAPE) | change
    status = parse_getstatus(json.dumps(data))
    assert problem in status.problems


def test_an_unsure_lock_stays_unknown() -> None:
    """FRP said neither true nor false: None, never "unlocked"."""
    data = json.loads(DOCUMENTED_SHAPE)
    data["locks"] = {"factory_reset_protection": "maybe"}
    assert parse_getstatus(json.dumps(data)).frp_locked is None
    del data["locks"]
    assert parse_getstatus(json.dumps(data)).frp_locked is None


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200).filter(lambda t: "{" not in t))
def test_text_without_an_object_is_refused(text: str) -> None:
    with pytest.raises(AndroidParseError):
        parse_getstatus(text)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300) | st.binary(max_size=300).map(lambda b: b.decode("latin-1")))
def test_garbage_never_crashes(text: str) -> None:
    """Any answer at all: a status (maybe empty) or AndroidParseError, nothing else."""
    try:
        status = parse_getstatus(text)
    except AndroidParseError:
        return
    assert isinstance(status.problems, tuple)


@pytest.mark.parametrize(
    "text",
    [
        '{"battery": {"cycle_count": 1',  # cut in the middle
        "[1, 2, 3]",
        "/system/bin/sh: tradeinmode: not found\n",
        "{" * 5000 + "}" * 5000,  # nesting beyond what a status has
    ],
)
def test_cut_or_foreign_answers_are_refused(text: str) -> None:
    with pytest.raises(AndroidParseError):
        parse_getstatus(text)
