"""What a station and the hub agree on: request signing, limits, enrolment codes and the
proof of key at enrolment.

No web framework here, so the station's sync client can import it as it is.

A signed request carries four headers:
  X-Etabli-Station    the station id (the one in its events)
  X-Etabli-Timestamp  Unix seconds, within ±5 minutes of the hub's clock
  X-Etabli-Nonce      16 to 64 letters or digits, new for every request (Ed25519 signatures
                      are deterministic: the nonce lets a retry differ from a replay)
  X-Etabli-Signature  base64 Ed25519 signature, by the station key, over the UTF-8 bytes of
                      "METHOD\\nTARGET\\nTIMESTAMP\\nNONCE\\nSHA256HEX(BODY)"
TARGET is the path, then "?" and the query string exactly as sent when there is one;
BODY is the bytes as sent (gzip-compressed if Content-Encoding: gzip; empty for GET).

Enrolment proves the station holds its key: it asks `POST /v1/enrol/challenge {code}` for a
fresh single-use challenge bound to that code (valid CHALLENGE_SECONDS), then sends
`POST /v1/enrol` with the challenge and `signature`, base64 Ed25519 by the station key over
`enrol_message(challenge, station_id, public_key, prefix)`."""

from __future__ import annotations

import base64
import hashlib
import secrets
import time

from bench_app.signing import StationKey

HEADER_STATION = "X-Etabli-Station"
HEADER_TIMESTAMP = "X-Etabli-Timestamp"
HEADER_NONCE = "X-Etabli-Nonce"
HEADER_SIGNATURE = "X-Etabli-Signature"
CLOCK_SKEW_SECONDS = 300
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


def request_message(method: str, target: str, timestamp: str, nonce: str, body: bytes) -> bytes:
    """The bytes a station signs for one request."""
    digest = hashlib.sha256(body).hexdigest()
    return f"{method.upper()}\n{target}\n{timestamp}\n{nonce}\n{digest}".encode()


def signed_headers(
    key: StationKey,
    station_id: str,
    method: str,
    target: str,
    body: bytes = b"",
    *,
    timestamp: int | None = None,
) -> dict[str, str]:
    """The four authentication headers for one request by this station."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    nonce = secrets.token_hex(16)
    signature = key.sign(request_message(method, target, ts, nonce, body))
    return {
        HEADER_STATION: station_id,
        HEADER_TIMESTAMP: ts,
        HEADER_NONCE: nonce,
        HEADER_SIGNATURE: base64.b64encode(signature).decode("ascii"),
    }


def enrol_message(challenge: str, station_id: str, public_key: str, prefix: str) -> bytes:
    """The bytes a station signs to enrol: the hub's challenge, its id, its public key (raw,
    base64) and the asset-code prefix it asks to keep ("" for none)."""
    return f"ETABLI-ENROL-1\n{challenge}\n{station_id}\n{public_key}\n{prefix}".encode()


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
