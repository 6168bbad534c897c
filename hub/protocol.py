"""What the hub holds a station to beyond signatures: body and batch limits, pull page
sizes, enrolment codes and their challenges.

How a station signs its requests and proves its key at enrolment is the wire's
(bench_app/wire/request_signing.py), shared with the station's sync client; the enrolment
challenge asked for with a code is valid CHALLENGE_SECONDS.
"""

from __future__ import annotations

import hashlib
import secrets

MAX_BODY_BYTES = 8 * 1024 * 1024  # after decompression; the same cap applies to what is sent
MAX_PULL_LIMIT = 1000
DEFAULT_PULL_LIMIT = 500
MAX_PUSH_EVENTS = 5000
MAX_INTEGER = 2**63 - 1  # what a database integer (and so a pull cursor) can hold
MAX_ENROL_BODY_BYTES = 16 * 1024  # enrolment is unsigned: its bodies stay tiny
# Parsed JSON costs up to ~30 times its text in memory when it is all arrays and objects:
# bodies are measured before parsing and refused past these bounds.
MAX_JSON_DEPTH = 64
MAX_JSON_CONTAINERS = 200_000
CHALLENGE_SECONDS = 120
MAX_OPEN_CHALLENGES = 20  # per enrolment code, so unsigned callers cannot fill the table

# No 0/O, 1/I/L, so a code read aloud or copied by hand survives.
_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def new_enrolment_code() -> str:
    """A one-time code such as K7QF-M2XD-9PRT-HW4C (about 80 bits)."""
    chars = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(16))
    return "-".join(chars[i : i + 4] for i in range(0, 16, 4))


def normalise_code(code: str) -> str:
    """The code as compared: upper case, without spaces or dashes."""
    return "".join(c for c in code.upper() if c.isalnum())


def code_hash(code: str) -> str:
    """What the hub keeps of an enrolment code: never the code itself."""
    return hashlib.sha256(normalise_code(code).encode("ascii", "replace")).hexdigest()
