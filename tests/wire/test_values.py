"""The wire's rule for values (bench_app/wire/values.py), and how its three callers relax it:
facts, the signed form, the hub's check of pushed events."""

from __future__ import annotations

from typing import Any

import pytest

from bench_app.domain.facts import wire_problem
from bench_app.wire.canonical import canonical_json
from bench_app.wire.values import ValueProblem, value_problem
from hub.service import _text_problem


@pytest.mark.parametrize(
    ("value", "found"),
    [
        ({"a": [1, "x\x00"]}, ValueProblem("nul", "$.a[1]", "x\x00")),
        ({"b": {"c": "\ud800"}}, ValueProblem("unicode", "$.b.c", "\ud800")),
        ({"k\x00": 1}, ValueProblem("nul", "$ key", "k\x00")),
        ({"a": 1, 3: 2}, ValueProblem("key", "$", 3)),
        ([0, 2.5], ValueProblem("float", "$[1]", 2.5)),
        (("ok", b"raw"), ValueProblem("type", "$[1]", b"raw")),
        ({"first": "\x00", "second": 1.5}, ValueProblem("nul", "$.first", "\x00")),
    ],
)
def test_the_first_problem_is_named_by_its_path(value: Any, found: ValueProblem) -> None:
    assert value_problem(value) == found


def test_what_travels_has_no_problem() -> None:
    assert value_problem({"a": [1, True, None, "Rhône — ok", {"b": -3}], "c": ""}) is None


def test_floats_pass_only_when_accepted_and_finite() -> None:
    assert value_problem({"v": 1.5}, floats=True) is None
    assert value_problem({"v": float("inf")}, floats=True) == ValueProblem(
        "float", "$.v", float("inf")
    )


def test_without_texts_any_text_passes_but_floats_and_types_do_not() -> None:
    assert value_problem({"serial": "A\x00B", "k": "\ud800"}, texts=False) is None
    assert value_problem({"v": 2.5}, texts=False) == ValueProblem("float", "$.v", 2.5)


def test_without_json_types_only_what_a_parser_gives_is_walked() -> None:
    assert value_problem({3: ("x\x00",), "o": object()}, json_types=False) is None
    assert value_problem({3: "x\x00"}, json_types=False) == ValueProblem("nul", "$.3", "x\x00")


def test_a_nul_refused_in_a_new_fact_is_still_signed_as_recorded() -> None:
    payload = {"serial": "SN\x00OLD"}
    assert wire_problem(payload, "payload") == "payload.serial: a text contains the NUL character"
    assert canonical_json(payload) == b'{"serial":"SN\\u0000OLD"}'
    assert _text_problem(payload) == "a text contains the NUL character"


def test_each_caller_words_a_float_its_own_way() -> None:
    assert wire_problem({"v": 0.5}) == "$.v: a float (0.5); record integers or a decimal string"
    assert wire_problem({"v": 0.5}, floats=True) is None
    with pytest.raises(ValueError, match=r"^\$\.v: a float \(0\.5\); write it as a decimal"):
        canonical_json({"v": 0.5})
    assert _text_problem({"v": 0.5}) is None
    assert _text_problem({"v": float("inf")}) == "a number is too large for JSON"
