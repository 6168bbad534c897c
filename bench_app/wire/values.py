"""The wire's rule for values: what a value may hold to travel (be signed, bundled, pushed and
stored by the hub), in one place.

A value travels when it holds JSON's types only (objects with text keys, arrays, texts,
integers, true, false, null), no float (a fractional quantity is a decimal string, see
`canonical.decimal`), and texts without the NUL character (PostgreSQL's text and JSON refuse
it) or a lone surrogate (not UTF-8). Each caller relaxes what its values may lawfully hold
and words the problem its own way: `domain.facts.wire_problem` (a new or recorded fact),
`canonical._check_canonical` (what gets signed) and the hub's check of pushed events.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any, Literal

# nul: a text holds NUL; unicode: a text holds a lone surrogate; float: a float (any, or one
# that is not finite when floats are accepted); key: an object key that is not a text;
# type: a value of a type JSON does not have.
Kind = Literal["nul", "unicode", "float", "key", "type"]


@dataclass(frozen=True, slots=True)
class ValueProblem:
    """The first thing in a value that cannot travel: what is wrong, where (a JSON path such
    as `$.battery[0]`, or `$ key` for an object's key) and the offending value or key."""

    kind: Kind
    where: str
    value: Any


def value_problem(
    value: Any,
    where: str = "$",
    *,
    floats: bool = False,
    texts: bool = True,
    json_types: bool = True,
) -> ValueProblem | None:
    """The first problem met walking `value` depth first (an object's key before its value),
    or None when it may travel.

    `floats` accepts finite floats (earlier versions' facts, numbers a JSON parser read); a
    float that is not finite is a problem whatever. `texts` checks texts (and keys) for NUL
    and lone surrogates; without it any text passes (a signature covers what was recorded,
    even a NUL an earlier version let in). `json_types` makes a key that is not a text, and
    any type JSON does not have (a tuple counts as an array), a problem; without it they are
    left alone (what a JSON parser gave has none) and only lists and dicts are walked into.
    """
    if isinstance(value, dict | list) and _plainly_fine(value, floats=floats, texts=texts):
        return None
    return _walk(value, where, floats=floats, texts=texts, json_types=json_types)


def surely_travels(value: Any, *, floats: bool = False) -> bool:
    """True only when `value_problem(value, floats=floats)` is certainly None, decided
    without walking it (so whatever its depth); False means "ask value_problem"."""
    return isinstance(value, dict | list) and _plainly_fine(value, floats=floats, texts=True)


class _FloatSeen(Exception):
    pass


def _no_float(text: str) -> float:
    raise _FloatSeen(text)


def _plainly_fine(value: dict[Any, Any] | list[Any], *, floats: bool, texts: bool) -> bool:
    """True only when `value` certainly has no problem, decided in C: it writes as JSON
    without NaN or infinity, reads back equal (so text keys and JSON types only, no tuple),
    with no float when floats are refused, and, when texts are checked, no NUL (always
    written escaped) and no lone surrogate (not encodable). False means "walk it" (the walk
    finds the first problem, if any), never "refused"."""
    try:
        text = json.dumps(value, ensure_ascii=False, allow_nan=False)
        if texts:
            if "\\u0000" in text:
                return False
            text.encode("utf-8")
        back = json.loads(text) if floats else json.loads(text, parse_float=_no_float)
        return bool(back == value)
    except (ValueError, TypeError, RecursionError, _FloatSeen):  # UnicodeError is a ValueError
        return False


def _walk(
    value: Any,
    where: str,
    *,
    floats: bool,
    texts: bool,
    json_types: bool,
) -> ValueProblem | None:
    if value is None or isinstance(value, bool | int):
        return None
    if isinstance(value, str):
        if texts:
            if "\x00" in value:
                return ValueProblem("nul", where, value)
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                return ValueProblem("unicode", where, value)
        return None
    if isinstance(value, float):
        if floats and math.isfinite(value):
            return None
        return ValueProblem("float", where, value)
    if isinstance(value, list) or (json_types and isinstance(value, tuple)):
        for i, item in enumerate(value):
            found = _walk(item, f"{where}[{i}]", floats=floats, texts=texts, json_types=json_types)
            if found is not None:
                return found
        return None
    if isinstance(value, dict):
        for key, item in value.items():
            if json_types and not isinstance(key, str):
                return ValueProblem("key", where, key)
            found = _walk(
                key, f"{where} key", floats=floats, texts=texts, json_types=json_types
            ) or _walk(item, f"{where}.{key}", floats=floats, texts=texts, json_types=json_types)
            if found is not None:
                return found
        return None
    return ValueProblem("type", where, value) if json_types else None
