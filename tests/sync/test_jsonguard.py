"""`jsonguard.measure` says how deep a JSON text nests and how many arrays and objects it
holds, before anything parses it (the hub and the bundle reader refuse past their bounds).
Checked against the parsed value for any JSON text, and, for any bytes at all (malformed
included), against the plain reading it replaced: strings dropped by one regular expression,
no shortcut."""

from __future__ import annotations

import json
import re
from itertools import accumulate
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from bench_app.sync.jsonguard import Shape, measure

# Strings that make the reading work: brackets and quotes inside them, escapes, runs of
# backslashes, non-ASCII.
_TRICKY = st.text(alphabet=st.sampled_from('ab"\\[]{}:,é€\n '), max_size=12)
_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | _TRICKY,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(_TRICKY, inner, max_size=5),
    max_leaves=40,
)


def _shape(value: Any, depth: int = 0) -> tuple[int, int]:
    """(deepest nesting, containers) of a parsed value."""
    if isinstance(value, list | dict):
        children = value.values() if isinstance(value, dict) else value
        found = [_shape(c, depth + 1) for c in children]
        return max([depth + 1, *(d for d, _ in found)]), 1 + sum(n for _, n in found)
    return depth, 0


@given(_VALUES, st.booleans())
@settings(max_examples=400, deadline=None)
def test_any_json_text_measures_as_its_value_nests(value: Any, ascii_only: bool) -> None:
    text = json.dumps(value, ensure_ascii=ascii_only).encode("utf-8")
    assert measure(text) == Shape(*_shape(value))
    # Large texts are read window by window: the same text many times over in one array.
    many = b"[" + b",".join([text] * 3000) + b"]"
    depth, containers = _shape(value)
    assert measure(many) == Shape(depth + 1, 3000 * containers + 1)


_STRING = re.compile(rb'"[^"]*"')
_NOT_STRUCTURE = bytes(b for b in range(256) if b not in b'"[]{}')
_STEP = [0] * 256
_STEP[ord("[")] = _STEP[ord("{")] = 1
_STEP[ord("]")] = _STEP[ord("}")] = -1


def _plain(text: bytes) -> Shape:
    """The reading `measure` gives for any bytes: escapes out, then only quotes and brackets,
    then every string out, then the brackets counted."""
    text = text.replace(b"\\\\", b"").replace(b'\\"', b"")
    part = _STRING.sub(b"", text.translate(None, _NOT_STRUCTURE))
    opens = part.count(b"[") + part.count(b"{")
    return Shape(max(accumulate(map(_STEP.__getitem__, part), initial=0)), opens)


@given(st.binary(max_size=300) | st.text(alphabet='"\\[]{}a', max_size=300).map(str.encode))
@settings(max_examples=600, deadline=None)
def test_any_bytes_measure_as_the_plain_reading(text: bytes) -> None:
    assert measure(text) == _plain(text)
    plain = _plain(text)
    bounded = measure(text, max_containers=3)
    if plain.containers > 3:
        assert bounded.containers > 3  # refused either way
    else:
        assert bounded == plain
