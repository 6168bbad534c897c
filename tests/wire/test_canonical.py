"""Canonical JSON, the byte form that gets signed, and the event encoding beside it
(bench_app/wire/canonical.py)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bench_app.wire.canonical import canonical_json, decimal, event_json
from bench_app.wire.events import hashed_fields, hashed_payload_text


def test_canonical_json_sorts_keys_drops_whitespace_and_keeps_utf8() -> None:
    value = {"b": [1, True, None], "a": "Rhône \u2014 «ok»", "c": {"z": 0, "y": -3}}
    assert canonical_json(value) == (
        '{"a":"Rhône — «ok»","b":[1,true,null],"c":{"y":-3,"z":0}}'.encode()
    )


@pytest.mark.parametrize("bad", [1.5, {"x": float("nan")}, {1: "a"}, {"a": {1, 2}}, b"x"])
def test_canonical_json_refuses_what_it_could_not_reproduce(bad: Any) -> None:
    with pytest.raises(ValueError):
        canonical_json(bad)


def test_decimal_strings_carry_fractions() -> None:
    assert [decimal(x) for x in (12.5, 0.0014, 3.0, 41.25)] == ["12.5", "0.001", "3", "41.25"]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@given(json_values)
def test_canonical_json_is_a_fixed_point_of_parsing(value: Any) -> None:
    once = canonical_json(value)
    assert canonical_json(json.loads(once)) == once


def test_the_event_encoding_is_the_signed_form_for_new_facts() -> None:
    """For values new facts may hold, the event encoding is byte for byte the signed form:
    one encoding, whichever of the two functions a module calls."""
    value = {"é": ["a\u2028b", 2**63, -1, None, True], "B": {"z": "", "a": '\\"'}}
    assert event_json(value).encode("utf-8") == canonical_json(value)
    assert json.loads(event_json({"s": 0.017})) == {"s": 0.017}


# Texts that look like the keys the cut looks for, quotes and backslashes included.
_tricky = st.sampled_from(
    ['"payload":', ',"prev_hash":"', '"', "\\", '\\"', "payload", "prev_hash", "}", "{", ","]
)
_texts = st.lists(_tricky | st.text(max_size=4), max_size=5).map("".join)
_payloads = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63) | _texts,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            _texts | st.sampled_from(["payload", "prev_hash", "seq"]), inner, max_size=4
        )
    ),
    max_leaves=20,
)


@given(
    payload=st.dictionaries(_texts | st.just("prev_hash"), _payloads, max_size=5),
    device_id=st.none() | _texts,
    ident=_texts,
    operator=_texts,
    station=_texts,
    ts=_texts,
    event_type=_texts,
    training=st.booleans(),
    seq=st.integers(1, 2**40),
)
def test_the_payload_cut_from_the_hashed_text_is_its_own_encoding(
    payload: dict[str, Any],
    device_id: str | None,
    ident: str,
    operator: str,
    station: str,
    ts: str,
    event_type: str,
    training: bool,
    seq: int,
) -> None:
    """Whatever the payload and the other fields hold (keys named payload or prev_hash at any
    depth, quotes, backslashes, the very texts the cut looks for): the payload cut from the
    encoding of the hashed fields is the payload's own event encoding."""
    fields = hashed_fields(
        ident, station, seq, operator, ts, event_type, device_id, payload, training, "0" * 64
    )
    assert hashed_payload_text(event_json(fields)) == event_json(payload)
