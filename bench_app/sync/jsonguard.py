"""How deep and how many arrays and objects a JSON text holds, measured before parsing it.

Python's parser recurses once per nesting level (a 100,000-deep array raises RecursionError)
and an array of empty objects costs about 30 times its text in memory; the hub and the
bundle reader measure what comes from outside with `measure` and refuse it past their
bounds, so parsing and every walk over the parsed value stay small and shallow. Strings
are skipped (a bracket inside a string is not nesting); C-level regular expressions and
`itertools.accumulate` keep this fast on megabytes."""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import accumulate

_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_STEP = [0] * 256
_STEP[ord("[")] = _STEP[ord("{")] = 1
_STEP[ord("]")] = _STEP[ord("}")] = -1


@dataclass(frozen=True, slots=True)
class Shape:
    depth: int  # deepest nesting of arrays and objects (0 for a bare number or string)
    containers: int  # how many arrays and objects


def measure(text: bytes | bytearray | memoryview, *, max_containers: int | None = None) -> Shape:
    """The nesting depth and container count of a JSON text. With `max_containers`, a text
    holding more stops being measured: its depth is then reported as 0 (refuse it anyway).
    Malformed text gets an estimate that is never below the truth for the well-formed part."""
    brackets = _STRING.sub(b"", bytes(text)).translate(None, _NOT_BRACKETS)
    opens = brackets.count(b"[") + brackets.count(b"{")
    if not opens or (max_containers is not None and opens > max_containers):
        return Shape(0, opens)
    return Shape(max(accumulate(map(_STEP.__getitem__, brackets))), opens)


def depth_exceeds(value: object, limit: int) -> bool:
    """Whether a parsed JSON value nests deeper than `limit` (walked without recursion)."""
    stack: list[tuple[object, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: list[object] = list(item.values())
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth + 1 > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False
