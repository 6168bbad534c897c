"""How deep and how many arrays and objects a JSON text holds, measured before parsing it.

Python's parser recurses once per nesting level (a 100,000-deep array raises RecursionError)
and an array of empty objects costs about 30 times its text in memory; the hub and the
bundle reader measure what comes from outside with `measure` and refuse it past their
bounds, so parsing and every walk over the parsed value stay small and shallow. Strings
are skipped (a bracket inside a string is not nesting); C-level byte operations, one
regular expression and `itertools.accumulate` keep this fast and small on megabytes."""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import accumulate

# A string once its escapes are gone and only quotes and brackets are left of the text.
_REDUCED_STRING = re.compile(rb'"[^"]*"')
_NOT_STRUCTURE = bytes(b for b in range(256) if b not in b'"[]{}')
_WINDOW = 256 * 1024
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
    # Escaped backslashes first, then escaped quotes: every quote left opens or closes a
    # string. Then only quotes and brackets are kept, and the strings are dropped window by
    # window (a window ends after a closing quote), so re.sub's pieces stay few.
    text = bytes(text).replace(b"\\\\", b"").replace(b'\\"', b"")
    reduced = text.translate(None, _NOT_STRUCTURE)
    del text
    # Where every quote has its pair, two quotes side by side once all else but brackets is
    # gone are an empty string, or the end of a string and the start of the next with no
    # bracket between: dropping them keeps the quotes paired and drops no bracket outside a
    # string. Most strings go this way, in C; the regular expression below is left with those
    # holding a bracket. (A text with a quote unpaired is read as before, quote by quote.)
    if not reduced.count(b'"') % 2:
        reduced = reduced.replace(b'""', b"")
    level = deepest = opens = start = 0
    while start < len(reduced):
        end = min(start + _WINDOW, len(reduced))
        if reduced.count(b'"', start, end) % 2:  # a string runs past the window's end
            close = reduced.find(b'"', end)
            end = len(reduced) if close < 0 else close + 1
        part = _REDUCED_STRING.sub(b"", reduced[start:end])
        start = end
        here = part.count(b"[") + part.count(b"{")
        opens += here
        if max_containers is not None and opens > max_containers:
            return Shape(0, opens)
        if part:
            deepest = max(deepest, max(accumulate(map(_STEP.__getitem__, part), initial=level)))
            level += 2 * here - len(part)  # opens minus closes
    return Shape(deepest, opens)


def depth_exceeds(value: object, limit: int) -> bool:
    """Whether a parsed JSON value nests deeper than `limit` (walked without recursion;
    only arrays and objects are stacked, never the scalars they hold)."""
    stack: list[tuple[object, int]] = [(value, 1)] if isinstance(value, (dict, list)) else []
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return True
        children = item.values() if isinstance(item, dict) else item
        assert isinstance(children, (list, type({}.values())))
        stack.extend((c, depth + 1) for c in children if isinstance(c, (dict, list)))
    return False
