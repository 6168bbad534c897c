"""Canonical JSON: the byte forms that get signed and hashed.

One encoding with two entry points. `canonical_json` is the signed form (certificates,
bundles, anchors): it refuses floats and anything else a verifier in another language could
not reproduce byte for byte. `event_json` is the same encoding for events, which an event's
hash is computed over: it also writes the floats that earlier versions put in their facts,
as Python writes them, since their stored hashes were computed over exactly that.
"""

from __future__ import annotations

import json
import json.encoder
from json.encoder import encode_basestring
from typing import Any

from bench_app.wire.values import value_problem


def _check_canonical(value: Any, where: str) -> None:
    # The wire's rule for values, with any text accepted: a signature covers what was
    # recorded, and an earlier version let a NUL into a serial.
    found = value_problem(value, where, texts=False)
    if found is None:
        return
    if found.kind == "float":
        raise ValueError(f"{found.where}: a float ({found.value!r}); write it as a decimal string")
    if found.kind == "key":
        raise ValueError(f"{found.where}: a key that is not a string ({found.value!r})")
    raise ValueError(f"{found.where}: {type(found.value).__name__} is not JSON")


def canonical_json(value: Any) -> bytes:
    """The one byte form of a JSON value that gets signed.

    The rule: UTF-8; object keys sorted by code point; no whitespace at all (`,` and `:`
    only); characters other than `"`, `\\` and controls written as themselves, not escaped;
    numbers are integers only. A fractional quantity (seconds, a ratio) is carried as a
    decimal string such as "12.345", because float printing differs between languages and
    a verifier must reproduce the exact bytes. Anything else raises ValueError."""
    _check_canonical(value, "$")
    return json.dumps(
        value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False
    ).encode("utf-8")


def event_json(value: Any) -> str:
    """The event encoding: deterministic JSON (sorted keys, no spaces, UTF-8 kept as is).

    An event's hash is computed over it, the store keeps payloads in it, bundles carry events
    in it and the hub stores them in it: one encoding everywhere. For the values new facts
    may hold (no floats, see `bench_app.domain.facts`) it is byte for byte the signed form
    of `canonical_json`; the floats of earlier versions' facts are written as Python writes
    them (shortest round trip), which is what their hash was computed over."""
    if _C_ENCODER is None:  # an interpreter without the C accelerator
        return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    # What json.dumps does underneath, without building an encoder object per call (half
    # the cost of a small payload; the hub and bundle import write one per event). The
    # arguments are json.dumps's for these options; a fresh `markers` keeps its check of
    # circular values.
    encode = _C_ENCODER({}, _DEFAULT, encode_basestring, None, ":", ",", True, False, True)
    return "".join(encode(value, 0))


_DEFAULT = json.JSONEncoder().default  # raises json.dumps's TypeError for a non-JSON value
# json's own C encoder (what json.dumps builds for each call); typeshed does not name it.
_C_ENCODER: Any = getattr(json.encoder, "c_make_encoder", None)


def decimal(value: float, places: int = 3) -> str:
    """A float as the decimal string canonical JSON carries ("12.5", "0.001", "3")."""
    text = f"{value:.{places}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
