"""An event as it travels: its fields, their JSON types, its hash and its line in a bundle.

Every event is chained by hash to its station's previous one (`prev_hash`; the first links to
GENESIS_HASH). The hash is SHA-256 over the event encoding of every field but the hash
itself: the station that writes it, a station that imports it and the hub all recompute it
with `event_hash(hashed_fields(...))`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from bench_app.wire.canonical import event_json

GENESIS_HASH = "0" * 64


# The JSON form of an event, field by field, as it travels between stations and the hub.
EVENT_FIELD_TYPES: dict[str, type | tuple[type, ...]] = {
    "id": str,
    "station_id": str,
    "seq": int,
    "operator": str,
    "ts": str,
    "type": str,
    "device_id": (str, type(None)),
    "payload": dict,
    "training": bool,
    "prev_hash": str,
    "hash": str,
}


@dataclass(frozen=True, slots=True)
class Event:
    id: str
    station_id: str
    seq: int
    operator: str
    ts: str
    type: str
    device_id: str | None
    payload: dict[str, Any]
    training: bool
    prev_hash: str
    hash: str

    def hashed_fields(self) -> dict[str, Any]:
        return hashed_fields(
            self.id,
            self.station_id,
            self.seq,
            self.operator,
            self.ts,
            self.type,
            self.device_id,
            self.payload,
            self.training,
            self.prev_hash,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "station_id": self.station_id,
            "seq": self.seq,
            "operator": self.operator,
            "ts": self.ts,
            "type": self.type,
            "device_id": self.device_id,
            "payload": self.payload,
            "training": self.training,
            "prev_hash": self.prev_hash,
            "hash": self.hash,
        }


def hashed_fields(
    event_id: str,
    station_id: str,
    seq: int,
    operator: str,
    ts: str,
    event_type: str,
    device_id: str | None,
    payload: dict[str, Any],
    training: bool,
    prev_hash: str,
) -> dict[str, Any]:
    return {
        "id": event_id,
        "station_id": station_id,
        "seq": seq,
        "operator": operator,
        "ts": ts,
        "type": event_type,
        "device_id": device_id,
        "payload": payload,
        "training": training,
        "prev_hash": prev_hash,
    }


def event_line(event: Event) -> bytes:
    """One event as it travels in a bundle: its JSON form in the event encoding."""
    return event_json(event.to_json()).encode("utf-8")


def event_hash(fields: dict[str, Any]) -> str:
    return hashlib.sha256(event_json(fields).encode("utf-8")).hexdigest()


def hashed_payload_text(text: str) -> str:
    """The payload's own event encoding, cut out of the event encoding of its hashed fields
    (what `event_hash` hashes): equal to `event_json(payload)`, without encoding it again.

    The keys are sorted: device_id, id and operator (text or null, never an object) come
    before payload, and prev_hash, seq, station_id, training, ts and type after it (none an
    object). Inside a text value every quote is escaped, so `"payload":` first appears as
    the key, and `,"prev_hash":"` last appears as the key after the payload (the payload's
    own objects may hold keys of that name, never after it)."""
    start = text.index('"payload":') + len('"payload":')
    return text[start : text.rindex(',"prev_hash":"')]
