"""How a station signs its requests to the hub, and the proof of key at enrolment.

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
fresh single-use challenge bound to that code, then sends `POST /v1/enrol` with the
challenge and `signature`, base64 Ed25519 by the station key over
`enrol_message(challenge, station_id, public_key, prefix)`.

The station's sync client signs with these and the hub checks with these: one definition of
the signed message for both ends is safer than two copies that could drift apart.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from typing import Protocol


class Signer(Protocol):
    """What signs a request: the station's key (`bench_app.signing.StationKey`), which lives
    with the station, above the wire."""

    def sign(self, message: bytes) -> bytes: ...


HEADER_STATION = "X-Etabli-Station"
HEADER_TIMESTAMP = "X-Etabli-Timestamp"
HEADER_NONCE = "X-Etabli-Nonce"
HEADER_SIGNATURE = "X-Etabli-Signature"
CLOCK_SKEW_SECONDS = 300


def request_message(method: str, target: str, timestamp: str, nonce: str, body: bytes) -> bytes:
    """The bytes a station signs for one request."""
    digest = hashlib.sha256(body).hexdigest()
    return f"{method.upper()}\n{target}\n{timestamp}\n{nonce}\n{digest}".encode()


def signed_headers(
    key: Signer,
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
