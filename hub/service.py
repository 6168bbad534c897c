"""What the hub does, without the web around it: enrol, authenticate, push, pull, look up.

Push checks every event on its own (shape, author, hash, chain, facts schema) and stores the
good ones of a batch in one transaction; a bad one is named with its reason and never costs
the others their place, except the later events of the same chain, which cannot be linked.
A station writes only its own events: relaying another station's is not accepted by this
version of the hub (each station pushes its own chain)."""

from __future__ import annotations

import base64
import binascii
import json
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature

from bench_app.domain import facts
from bench_app.errors import BenchError
from bench_app.signing import key_id, parse_public_key
from bench_app.store.events import (
    EVENT_FIELD_TYPES,
    GENESIS_HASH,
    canonical_json,
    event_hash,
    hashed_fields,
)
from bench_app.store.uuid7 import uuid7_str
from hub import protocol
from hub.db import HubDB, Tx, now


class HubRefusal(Exception):
    """A request refused as a whole: nothing it carried is stored."""

    def __init__(self, status: int, code: str, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.code = code
        self.reason = reason


@dataclass(frozen=True)
class StationIdentity:
    station_id: str
    workshop_id: str


@dataclass
class PushResult:
    accepted: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    rejected: list[dict[str, str]] = field(default_factory=list)
    acked_up_to: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "rejected": self.rejected,
            "acked_up_to": self.acked_up_to,
        }


_FIELD_TYPES = EVENT_FIELD_TYPES


# -- workshops and enrolment --------------------------------------------------------------


def ensure_workshop(tx: Tx, name: str) -> str:
    """The id of the workshop of this name, made the first time."""
    name = name.strip()
    if not name:
        raise BenchError("HUB_WORKSHOP_NAME_EMPTY")
    row = tx.one("SELECT id FROM workshops WHERE name = ?", (name,))
    if row:
        return str(row[0])
    workshop_id = uuid7_str()
    tx.execute(
        "INSERT INTO workshops (id, name, created_at) VALUES (?, ?, ?)",
        (workshop_id, name, now()),
    )
    return workshop_id


def create_enrolment_code(db: HubDB, workshop: str, *, valid_days: int = 7) -> tuple[str, str]:
    """A one-time enrolment code for the workshop (made if new); returns (code, expiry).
    Only the code's hash is kept."""
    code = protocol.new_enrolment_code()
    expires = _iso(datetime.now(UTC) + timedelta(days=valid_days))
    with db.transaction() as tx:
        workshop_id = ensure_workshop(tx, workshop)
        tx.execute(
            "INSERT INTO enrolment_codes (code_hash, workshop_id, created_at, expires_at)"
            " VALUES (?, ?, ?, ?)",
            (protocol.code_hash(code), workshop_id, now(), expires),
        )
    return code, expires


def enrol(db: HubDB, body: Any) -> dict[str, str]:
    """Spends an enrolment code: the station and its public key join the code's workshop."""
    if not isinstance(body, dict):
        raise HubRefusal(400, "bad_request", "the body must be a JSON object")
    code, station_id, public_key = (body.get(k) for k in ("code", "station_id", "public_key"))
    if not all(isinstance(v, str) and v for v in (code, station_id, public_key)):
        raise HubRefusal(400, "bad_request", "code, station_id and public_key are required")
    assert isinstance(code, str) and isinstance(station_id, str) and isinstance(public_key, str)
    if not _is_uuid(station_id):
        raise HubRefusal(400, "bad_request", "station_id is not a UUID")
    try:
        public = parse_public_key(public_key.encode("ascii", "replace"), "public_key")
    except BenchError:
        raise HubRefusal(400, "bad_key", "public_key is not an Ed25519 public key") from None
    raw = base64.b64encode(public.public_bytes_raw()).decode("ascii")
    kid = key_id(public)
    with db.transaction() as tx:
        row = tx.one(
            "SELECT workshop_id, expires_at, used_by FROM enrolment_codes WHERE code_hash = ?",
            (protocol.code_hash(code),),
        )
        if row is None:
            raise HubRefusal(403, "code_unknown", "unknown enrolment code")
        workshop_id, expires_at, used_by = row
        if used_by is not None:
            raise HubRefusal(403, "code_used", "this enrolment code has already been used")
        if str(expires_at) < now():
            raise HubRefusal(403, "code_expired", f"this enrolment code expired on {expires_at}")
        if tx.one("SELECT 1 FROM stations WHERE station_id = ? OR key_id = ?", (station_id, kid)):
            raise HubRefusal(409, "already_enrolled", "this station or key is already enrolled")
        changed = tx.execute(
            "UPDATE enrolment_codes SET used_by = ?, used_at = ?"
            " WHERE code_hash = ? AND used_by IS NULL",
            (station_id, now(), protocol.code_hash(code)),
        )
        if changed != 1:  # another request spent it between our read and this write
            raise HubRefusal(403, "code_used", "this enrolment code has already been used")
        tx.execute(
            "INSERT INTO stations (station_id, workshop_id, public_key, key_id, enrolled_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (station_id, workshop_id, raw, kid, now()),
        )
        name = tx.one("SELECT name FROM workshops WHERE id = ?", (workshop_id,))
    return {
        "workshop_id": str(workshop_id),
        "workshop": str(name[0]) if name else "",
        "key_id": kid,
    }


# -- authentication -------------------------------------------------------------------------


def authenticate(
    db: HubDB,
    method: str,
    target: str,
    headers: dict[str, str],
    body: bytes,
    *,
    clock: float | None = None,
) -> StationIdentity:
    """The enrolled station that signed this request; HubRefusal(401) with the reason
    otherwise (unknown station, bad or stale timestamp, wrong or replayed signature)."""
    station_id = headers.get(protocol.HEADER_STATION.lower(), "")
    stamp = headers.get(protocol.HEADER_TIMESTAMP.lower(), "")
    nonce = headers.get(protocol.HEADER_NONCE.lower(), "")
    signature_b64 = headers.get(protocol.HEADER_SIGNATURE.lower(), "")
    if not station_id or not stamp or not nonce or not signature_b64:
        raise HubRefusal(401, "unauthenticated", "the request is not signed by a station")
    current = time.time() if clock is None else clock
    try:
        seconds = int(stamp)
    except ValueError:
        raise HubRefusal(401, "bad_timestamp", "the timestamp is not Unix seconds") from None
    if not (16 <= len(nonce) <= 64 and nonce.isascii() and nonce.isalnum()):
        raise HubRefusal(401, "bad_nonce", "the nonce must be 16 to 64 letters or digits")
    if abs(current - seconds) > protocol.CLOCK_SKEW_SECONDS:
        raise HubRefusal(
            401, "stale_timestamp", "the timestamp is more than 5 minutes from the hub's clock"
        )
    try:
        signature = base64.b64decode(signature_b64, validate=True)
    except (binascii.Error, ValueError):
        raise HubRefusal(401, "bad_signature", "the signature is not base64") from None
    with db.transaction() as tx:
        row = tx.one(
            "SELECT workshop_id, public_key FROM stations WHERE station_id = ?", (station_id,)
        )
        if row is None:
            raise HubRefusal(401, "unknown_station", "this station is not enrolled at the hub")
        public = parse_public_key(str(row[1]).encode("ascii"), "hub")
        try:
            public.verify(signature, protocol.request_message(method, target, stamp, nonce, body))
        except InvalidSignature:
            raise HubRefusal(401, "bad_signature", "the signature does not verify") from None
        horizon = _iso(datetime.fromtimestamp(current - 2 * protocol.CLOCK_SKEW_SECONDS, UTC))
        tx.execute("DELETE FROM seen_signatures WHERE seen_at < ?", (horizon,))
        seen = tx.execute(
            "INSERT INTO seen_signatures (signature, seen_at) VALUES (?, ?)"
            " ON CONFLICT (signature) DO NOTHING",
            (signature_b64, now()),
        )
        if seen != 1:
            raise HubRefusal(401, "replayed", "this signed request was already received")
    return StationIdentity(station_id, str(row[0]))


# -- push --------------------------------------------------------------------------------------


def parse_push(body: Any) -> list[Any]:
    if not isinstance(body, dict) or not isinstance(body.get("events"), list):
        raise HubRefusal(400, "bad_request", 'the body must be {"events": [...]}')
    events: list[Any] = body["events"]
    if len(events) > protocol.MAX_PUSH_EVENTS:
        raise HubRefusal(
            413, "too_many_events", f"at most {protocol.MAX_PUSH_EVENTS} events per batch"
        )
    return events


def push(db: HubDB, station: StationIdentity, events: list[Any]) -> PushResult:
    """Stores the batch's good events (one transaction) and names each refused one."""
    result = PushResult()
    with db.transaction() as tx:
        tx.lock_events()
        head = tx.one(
            "SELECT seq, hash FROM events WHERE station_id = ? ORDER BY seq DESC LIMIT 1",
            (station.station_id,),
        )
        seq, last_hash = (int(head[0]), str(head[1])) if head else (0, GENESIS_HASH)
        broken_at: str | None = None  # the first refused event of the station's chain
        known = _stored_hashes(tx, [e["id"] for e in events if _shape_problem(e) is None])
        rows: list[tuple[Any, ...]] = []
        identities: list[tuple[str, str, str, str]] = []
        # A batch sent out of order is taken in chain order; malformed events come first.
        ordered = sorted(events, key=lambda e: e["seq"] if _shape_problem(e) is None else 0)
        for raw in ordered:
            event_id = str(raw.get("id", "?")) if isinstance(raw, dict) else "?"
            reason = _shape_problem(raw)
            if reason is None and raw["station_id"] != station.station_id:
                reason = (
                    "written by another station; each station pushes only its own events"
                    " (relaying is not accepted by this hub)"
                )
            if reason is None:
                stored = known.get(event_id)
                if stored is not None:
                    if stored == raw["hash"]:
                        result.duplicates.append(event_id)
                        continue
                    reason = "another event with this id is already stored"
            if reason is None:
                computed = event_hash(_hashed(raw))
                if computed != raw["hash"]:
                    reason = "content does not match its hash"
            if reason is None and broken_at is not None:
                reason = f"follows the refused event {broken_at}"
            if reason is None and raw["seq"] <= seq:
                reason = f"sequence {raw['seq']} is already taken by another event"
            if reason is None and raw["seq"] > seq + 1:
                reason = f"missing events {seq + 1}..{raw['seq'] - 1}"
            if reason is None and raw["prev_hash"] != last_hash:
                reason = "link to the previous event is broken"
            if reason is None:
                try:
                    facts.validate(raw["type"], raw["payload"])
                except BenchError as exc:
                    reason = f"not a valid {raw['type']}: {exc.values.get('detail', exc.code)}"
            if reason is not None:
                result.rejected.append({"id": event_id, "reason": reason})
                if (
                    isinstance(raw, dict)
                    and raw.get("station_id") == station.station_id
                    and broken_at is None
                ):
                    broken_at = event_id
                continue
            rows.append(_event_row(station, raw))
            identities += _identities(station, raw)
            known[event_id] = raw["hash"]
            seq, last_hash = raw["seq"], raw["hash"]
            result.accepted.append(event_id)
        tx.many(
            "INSERT INTO events (id, station_id, seq, workshop_id, operator, ts, type, device_id,"
            " payload, training, prev_hash, hash, received_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        tx.many(
            "INSERT INTO device_identities (kind, value, device_id, workshop_id)"
            " VALUES (?, ?, ?, ?) ON CONFLICT (kind, value, device_id) DO NOTHING",
            identities,
        )
        result.acked_up_to = seq
    return result


def _shape_problem(raw: Any) -> str | None:
    if not isinstance(raw, dict):
        return "an event must be a JSON object"
    for name, types in _FIELD_TYPES.items():
        if name not in raw:
            return f"field {name} is missing"
        value = raw[name]
        if (isinstance(value, bool) and types is not bool) or not isinstance(value, types):
            return f"field {name} has the wrong type"
    if not _is_uuid(raw["id"]):
        return "id is not a UUID"
    if not 1 <= raw["seq"] < 2**62:
        return "seq must be between 1 and 2^62"
    text = _text_problem(raw)
    if text is not None:
        return text
    try:
        canonical_json(raw["payload"])
    except ValueError as exc:
        return f"payload is not JSON: {exc}"
    return None


def _text_problem(value: Any) -> str | None:
    """Why a JSON value cannot be stored as text in both databases (NUL, lone surrogates)."""
    if isinstance(value, str):
        if "\x00" in value:
            return "a text contains the NUL character"
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return "a text is not valid Unicode"
    elif isinstance(value, dict):
        for key, item in value.items():
            problem = _text_problem(key) or _text_problem(item)
            if problem:
                return problem
    elif isinstance(value, list):
        for item in value:
            problem = _text_problem(item)
            if problem:
                return problem
    return None


def _hashed(raw: dict[str, Any]) -> dict[str, Any]:
    return hashed_fields(
        raw["id"], raw["station_id"], raw["seq"], raw["operator"], raw["ts"], raw["type"],
        raw["device_id"], raw["payload"], raw["training"], raw["prev_hash"],
    )  # fmt: skip


def _stored_hashes(tx: Tx, ids: list[str]) -> dict[str, str]:
    """The hashes the hub already holds for these event ids (one query per 500 ids)."""
    found: dict[str, str] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ", ".join("?" * len(chunk))
        for event_id, stored in tx.all(f"SELECT id, hash FROM events WHERE id IN ({marks})", chunk):
            found[str(event_id)] = str(stored)
    return found


def _event_row(station: StationIdentity, raw: dict[str, Any]) -> tuple[Any, ...]:
    return (
        raw["id"], raw["station_id"], raw["seq"], station.workshop_id, raw["operator"],
        raw["ts"], raw["type"], raw["device_id"], canonical_json(raw["payload"]),
        raw["training"], raw["prev_hash"], raw["hash"], now(),
    )  # fmt: skip


def _identities(station: StationIdentity, raw: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """The serial and IMEI a device event names, for the collective's lookup."""
    if raw["training"]:
        return []  # training devices are not the collective's business
    payload = raw["payload"]
    found: Any = {}
    if raw["type"] == "device.registered":
        found = payload
    elif raw["type"] == "device.identified":
        found = payload.get("fields")
    if not isinstance(found, dict):
        return []
    out = []
    for kind in ("serial", "imei"):
        value = found.get(kind)
        if isinstance(value, str) and value.strip():
            out.append((kind, value.strip().upper(), payload["device_id"], station.workshop_id))
    return out


# -- offline bundles -----------------------------------------------------------------------------

RELAYED_REASON = "relayed events are not accepted at the hub"


@dataclass
class BundleImport:
    """What importing one bundle file did: whose bundle it was, and the push's answer."""

    station_id: str
    key_id: str
    result: PushResult


def import_bundle(db: HubDB, path: Path) -> BundleImport:
    """Stores a station's offline bundle as if that station had pushed it: the whole file is
    checked first (readable, signed by the key the hub holds for the station it names) and
    refused whole with a BenchError otherwise, nothing stored. Its events then go through
    `push` (one transaction); other stations' events are refused as relayed. Importing the
    same bundle again stores nothing more (its events are duplicates)."""
    from bench_app.input_files import BUNDLE_MAX, read_input
    from bench_app.signing import Keyring, TrustedKey
    from bench_app.sync.bundle import decode, read_header

    source = str(path)
    try:
        data = read_input(path, limit=BUNDLE_MAX)
    except OSError as exc:
        raise BenchError("BUNDLE_UNREADABLE", path=source, detail=exc.strerror or "") from exc
    header = read_header(data, source)
    with db.transaction() as tx:
        row = tx.one(
            "SELECT workshop_id, public_key, key_id FROM stations WHERE station_id = ?",
            (header.station_id,),
        )
    if row is None:
        raise BenchError("HUB_BUNDLE_STATION_UNKNOWN", path=source, station=header.station_id)
    workshop_id, public_b64, enrolled_key = (str(v) for v in row)
    if enrolled_key != header.key_id:
        raise BenchError(
            "HUB_BUNDLE_KEY_MISMATCH",
            path=source,
            station=header.station_id,
            key_id=header.key_id,
            enrolled=enrolled_key,
        )
    public = parse_public_key(public_b64.encode("ascii"), "hub")
    bundle = decode(data, Keyring([TrustedKey(enrolled_key, public, "hub")]), source=source)
    station = StationIdentity(header.station_id, workshop_id)
    own = [e.to_json() for e in bundle.events if e.station_id == station.station_id]
    relayed = [e for e in bundle.events if e.station_id != station.station_id]
    result = push(db, station, own)
    result.rejected += [{"id": e.id, "reason": RELAYED_REASON} for e in relayed]
    return BundleImport(station.station_id, enrolled_key, result)


# -- pull and lookup ----------------------------------------------------------------------------


def pull(db: HubDB, station: StationIdentity, after: int, limit: int) -> dict[str, Any]:
    """The station's workshop's events after the cursor, in cursor order, up to limit."""
    limit = max(1, min(limit, protocol.MAX_PULL_LIMIT))
    with db.transaction() as tx:
        rows = tx.all(
            "SELECT cursor, id, station_id, seq, operator, ts, type, device_id, payload,"
            " training, prev_hash, hash FROM events"
            " WHERE workshop_id = ? AND cursor > ? ORDER BY cursor LIMIT ?",
            (station.workshop_id, after, limit),
        )
    events = []
    for r in rows:
        payload = json.loads(r[8]) if isinstance(r[8], str) else r[8]
        events.append(
            {
                "id": str(r[1]), "station_id": r[2], "seq": int(r[3]), "operator": r[4],
                "ts": r[5], "type": r[6], "device_id": r[7], "payload": payload,
                "training": bool(r[9]), "prev_hash": r[10], "hash": r[11],
            }
        )  # fmt: skip
    next_cursor = int(rows[-1][0]) if rows else after
    return {"events": events, "next_cursor": next_cursor, "more": len(rows) == limit}


def lookup_device(db: HubDB, kind: str, value: str) -> dict[str, Any]:
    """A device's history across the collective: per workshop, the types and dates of its
    events. Nothing else leaves its workshop (no names, no operators, no payloads)."""
    key = value.strip().upper()
    with db.transaction() as tx:
        # Two short steps, so each is one index lookup whatever the planner's statistics.
        devices = [
            str(r[0])
            for r in tx.all(
                "SELECT device_id FROM device_identities WHERE kind = ? AND value = ? LIMIT 100",
                (kind, key),
            )
        ]
        rows = (
            tx.all(
                "SELECT w.name, e.type, e.ts FROM events e"
                " JOIN workshops w ON w.id = e.workshop_id"
                f" WHERE e.device_id IN ({', '.join('?' * len(devices))}) AND e.training = ?"
                " ORDER BY e.ts, e.cursor",
                (*devices, False),
            )
            if devices
            else []
        )
    return {
        "query": {kind: key},
        "history": [{"workshop": r[0], "type": r[1], "date": str(r[2])[:10]} for r in rows],
    }


def count_rows(db: HubDB, table: str) -> int:
    """Rows in one of the hub's tables (for checks and tests)."""
    if table not in {"workshops", "enrolment_codes", "stations", "events", "device_identities"}:
        raise ValueError(table)
    with db.transaction() as tx:
        row = tx.one(f"SELECT count(*) FROM {table}")
    return int(row[0]) if row else 0


def _is_uuid(text: str) -> bool:
    try:
        return str(uuid.UUID(text)) == text.lower()
    except ValueError:
        return False


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
