"""What the hub does, without the web around it: enrol, authenticate, push, pull, look up.

Push checks every event on its own (shape, author, hash, chain, facts schema) and stores the
good ones of a batch in one transaction; a bad one is named with its reason and never costs
the others their place, except the later events of the same chain, which cannot be linked.
A station writes only its own events: relaying another station's is not accepted by this
version of the hub (each station pushes its own chain). Every refused event carries a stable
`code` (bench_app/wire/refusals.py) beside its English `reason`.

Enrolment proves the station holds its private key (a signed single-use challenge, see
bench_app/wire/request_signing.py) and gives the station its asset-code prefix: the one it
already uses when no other station holds it, else a new one. A unique index on the prefix
keeps two enrolments at the same moment from getting the same one (the loser of the race is
retried)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import itertools
import json
import re
import secrets
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from json.encoder import encode_basestring
from pathlib import Path
from typing import Any, TypeVar

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from bench_app.domain import facts
from bench_app.domain.asset_code import ALPHABET, PREFIX_LEN, TRAINING_PREFIX, new_station_prefix
from bench_app.errors import BenchError
from bench_app.signing import key_id, parse_public_key
from bench_app.store.uuid7 import uuid7_str
from bench_app.sync.jsonguard import depth_exceeds
from bench_app.wire import request_signing
from bench_app.wire.canonical import event_json
from bench_app.wire.events import EVENT_FIELD_TYPES, GENESIS_HASH, hashed_fields
from bench_app.wire.refusals import Refusal
from bench_app.wire.values import surely_travels, value_problem
from hub import protocol
from hub.db import HubDB, Tx, is_unique_violation, now

T = TypeVar("T")


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
    # The head of the station's chain the hub holds after this push: the station keeps it
    # as a second anchor of its log (bench_app/store/anchors.py).
    head_hash: str = GENESIS_HASH
    # How many batches the station may keep in flight (PostgreSQL waits for the batch a
    # batch follows; SQLite's hub takes one at a time).
    in_flight: int = 1

    def to_json(self) -> dict[str, Any]:
        return {
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "rejected": self.rejected,
            "acked_up_to": self.acked_up_to,
            "head": {"seq": self.acked_up_to, "hash": self.head_hash},
            # A station may send its next batch, with `follows`, before this answer comes.
            "in_flight": self.in_flight,
        }


_FIELD_TYPES = EVENT_FIELD_TYPES
MAX_PAYLOAD_DEPTH = 32  # facts are shallow; bundles reach push without the HTTP bounds


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


def _usable_code(tx: Tx, code: str) -> str:
    """The workshop id of an enrolment code that may still be spent; HubRefusal otherwise."""
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
    return str(workshop_id)


def enrol_challenge(db: HubDB, body: Any) -> dict[str, str]:
    """A fresh single-use challenge bound to a usable enrolment code, valid
    CHALLENGE_SECONDS: the station signs it to prove it holds its key."""
    code = body.get("code") if isinstance(body, dict) else None
    if not isinstance(code, str) or not code:
        raise HubRefusal(400, "bad_request", 'the body must be {"code": "..."}')
    challenge = secrets.token_hex(32)
    expires = _iso(datetime.now(UTC) + timedelta(seconds=protocol.CHALLENGE_SECONDS))
    with db.transaction() as tx:
        _usable_code(tx, code)
        tx.execute("DELETE FROM enrolment_challenges WHERE expires_at < ?", (now(),))
        row = tx.one(
            "SELECT count(*) FROM enrolment_challenges WHERE code_hash = ? AND used_at IS NULL",
            (protocol.code_hash(code),),
        )
        if row and int(row[0]) >= protocol.MAX_OPEN_CHALLENGES:
            raise HubRefusal(
                429, "too_many_challenges", "too many open challenges for this code; wait"
            )
        tx.execute(
            "INSERT INTO enrolment_challenges (challenge, code_hash, created_at, expires_at)"
            " VALUES (?, ?, ?, ?)",
            (challenge, protocol.code_hash(code), now(), expires),
        )
    return {"challenge": challenge, "expires_at": expires}


def enrol(db: HubDB, body: Any) -> dict[str, str]:
    """Spends an enrolment code: the station and its public key join the code's workshop,
    once it has proved it holds the key (its signature over a challenge of this code). The
    answer names the asset-code prefix the station must use from now on."""
    if not isinstance(body, dict):
        raise HubRefusal(400, "bad_request", "the body must be a JSON object")
    code, station_id, public_key = (body.get(k) for k in ("code", "station_id", "public_key"))
    if not all(isinstance(v, str) and v for v in (code, station_id, public_key)):
        raise HubRefusal(400, "bad_request", "code, station_id and public_key are required")
    assert isinstance(code, str) and isinstance(station_id, str) and isinstance(public_key, str)
    if not _is_uuid(station_id):
        raise HubRefusal(400, "bad_request", "station_id is not a UUID")
    asked = body.get("prefix", "")
    if not isinstance(asked, str):
        raise HubRefusal(400, "bad_request", "prefix must be a text")
    try:
        public = parse_public_key(public_key.encode("ascii", "replace"), "public_key")
    except BenchError:
        raise HubRefusal(400, "bad_key", "public_key is not an Ed25519 public key") from None
    raw = base64.b64encode(public.public_bytes_raw()).decode("ascii")
    kid = key_id(public)
    challenge = _proved_challenge(body, public, station_id, raw, asked)

    def spend(tx: Tx) -> dict[str, str]:
        found = tx.one(
            "SELECT code_hash, expires_at, used_at FROM enrolment_challenges WHERE challenge = ?",
            (challenge,),
        )
        if found is None or found[0] != protocol.code_hash(code):
            raise HubRefusal(403, "challenge_unknown", "this challenge was not given for this code")
        if found[2] is not None:
            raise HubRefusal(403, "challenge_used", "this challenge has already been used")
        if str(found[1]) < now():
            raise HubRefusal(403, "challenge_expired", "this challenge has expired; ask again")
        workshop_id = _usable_code(tx, code)
        if tx.one("SELECT 1 FROM stations WHERE station_id = ? OR key_id = ?", (station_id, kid)):
            raise HubRefusal(409, "already_enrolled", "this station or key is already enrolled")
        spent = tx.execute(
            "UPDATE enrolment_codes SET used_by = ?, used_at = ?"
            " WHERE code_hash = ? AND used_by IS NULL",
            (station_id, now(), protocol.code_hash(code)),
        )
        if spent != 1:  # another request spent it between our read and this write
            raise HubRefusal(403, "code_used", "this enrolment code has already been used")
        used = tx.execute(
            "UPDATE enrolment_challenges SET used_at = ? WHERE challenge = ? AND used_at IS NULL",
            (now(), challenge),
        )
        if used != 1:
            raise HubRefusal(403, "challenge_used", "this challenge has already been used")
        prefix = _free_prefix(tx, station_id, asked)
        tx.execute(
            "INSERT INTO stations (station_id, workshop_id, public_key, key_id, enrolled_at,"
            " station_prefix) VALUES (?, ?, ?, ?, ?, ?)",
            (station_id, workshop_id, raw, kid, now(), prefix),
        )
        name = tx.one("SELECT name FROM workshops WHERE id = ?", (workshop_id,))
        return {
            "workshop_id": workshop_id,
            "workshop": str(name[0]) if name else "",
            "key_id": kid,
            "prefix": prefix,
        }

    return _retried(db, spend)


def _proved_challenge(
    body: dict[str, Any], public: Ed25519PublicKey, station_id: str, raw: str, asked: str
) -> str:
    """The challenge the enrolment signed, once its signature holds (not yet its state)."""
    challenge, signature_b64 = body.get("challenge"), body.get("signature")
    if not (isinstance(challenge, str) and challenge and isinstance(signature_b64, str)):
        raise HubRefusal(
            403,
            "proof_required",
            "enrolment must prove the station holds its key: ask /v1/enrol/challenge, sign it",
        )
    try:
        signature = base64.b64decode(signature_b64, validate=True)
        public.verify(signature, request_signing.enrol_message(challenge, station_id, raw, asked))
    except (binascii.Error, ValueError, InvalidSignature):
        raise HubRefusal(
            403, "proof_invalid", "the signature over the challenge does not verify"
        ) from None
    return challenge


def claim_prefix(db: HubDB, station: StationIdentity, body: Any) -> dict[str, str]:
    """The asset-code prefix of an enrolled station: the one the hub already gave it, else
    the one it asks for when no other station holds it, else a new one (kept from now on).
    For stations enrolled before the hub gave prefixes."""
    asked = body.get("prefix") if isinstance(body, dict) else None
    if not isinstance(asked, str):
        raise HubRefusal(400, "bad_request", 'the body must be {"prefix": "..."}')

    def claim(tx: Tx) -> dict[str, str]:
        row = tx.one(
            "SELECT station_prefix FROM stations WHERE station_id = ?", (station.station_id,)
        )
        if row is not None and row[0]:
            return {"prefix": str(row[0])}
        prefix = _free_prefix(tx, station.station_id, asked)
        tx.execute(
            "UPDATE stations SET station_prefix = ? WHERE station_id = ?",
            (prefix, station.station_id),
        )
        return {"prefix": prefix}

    return _retried(db, claim)


def station_prefix(db: HubDB, station_id: str) -> str | None:
    """The asset-code prefix the hub gave this station (None before it gave one)."""
    with db.transaction() as tx:
        row = tx.one("SELECT station_prefix FROM stations WHERE station_id = ?", (station_id,))
    return str(row[0]) if row and row[0] else None


def valid_prefix(text: Any) -> str | None:
    """The prefix in canonical form when it may be given to a station (never the training
    prefix), else None."""
    if not isinstance(text, str):
        return None
    prefix = text.strip().upper()
    if len(prefix) != PREFIX_LEN or any(c not in ALPHABET for c in prefix):
        return None
    return None if prefix == TRAINING_PREFIX else prefix


def _prefix_taken(tx: Tx, prefix: str, station_id: str) -> bool:
    row = tx.one("SELECT station_id FROM stations WHERE station_prefix = ?", (prefix,))
    return row is not None and str(row[0]) != station_id


def _free_prefix(tx: Tx, station_id: str, asked: str) -> str:
    """The asked prefix when no other station holds it, else a random free one. The unique
    index decides between two transactions choosing the same one at once."""
    wanted = valid_prefix(asked)
    if wanted is not None and not _prefix_taken(tx, wanted, station_id):
        return wanted
    for _ in range(100):  # 923,520 prefixes: a free one comes at once until they run out
        candidate = new_station_prefix()
        if not _prefix_taken(tx, candidate, station_id):
            return candidate
    raise HubRefusal(503, "no_free_prefix", "no free asset-code prefix was found")


def _retried(db: HubDB, work: Callable[[Tx], T], attempts: int = 5) -> T:
    """Runs `work` in a transaction, again from the start when it lost a race on a unique
    index (another enrolment took the same prefix at the same moment)."""
    for attempt in range(attempts):
        try:
            with db.transaction() as tx:
                return work(tx)
        except Exception as exc:
            if attempt == attempts - 1 or not is_unique_violation(exc):
                raise
    raise AssertionError("unreachable")


# -- authentication -------------------------------------------------------------------------

_UNIX_SECONDS = re.compile(r"-?[0-9]{1,12}")


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
    station_id = headers.get(request_signing.HEADER_STATION.lower(), "")
    stamp = headers.get(request_signing.HEADER_TIMESTAMP.lower(), "")
    nonce = headers.get(request_signing.HEADER_NONCE.lower(), "")
    signature_b64 = headers.get(request_signing.HEADER_SIGNATURE.lower(), "")
    if not station_id or not stamp or not nonce or not signature_b64:
        raise HubRefusal(401, "unauthenticated", "the request is not signed by a station")
    current = time.time() if clock is None else clock
    if not _UNIX_SECONDS.fullmatch(stamp):  # bounded: a 400-digit number overflows a float
        raise HubRefusal(401, "bad_timestamp", "the timestamp is not Unix seconds")
    seconds = int(stamp)
    if not (16 <= len(nonce) <= 64 and nonce.isascii() and nonce.isalnum()):
        raise HubRefusal(401, "bad_nonce", "the nonce must be 16 to 64 letters or digits")
    if abs(current - seconds) > request_signing.CLOCK_SKEW_SECONDS:
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
            public.verify(
                signature, request_signing.request_message(method, target, stamp, nonce, body)
            )
        except InvalidSignature:
            raise HubRefusal(401, "bad_signature", "the signature does not verify") from None
        horizon = _iso(
            datetime.fromtimestamp(current - 2 * request_signing.CLOCK_SKEW_SECONDS, UTC)
        )
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


def parse_follows(body: Any) -> int | None:
    """The push body's `follows`: the last seq of the station's chain sent before this
    batch (in a batch still in flight, perhaps); None when the body does not say."""
    follows = body.get("follows") if isinstance(body, dict) else None
    if follows is None:
        return None
    if type(follows) is not int or not 0 <= follows <= protocol.MAX_INTEGER:
        raise HubRefusal(
            400, "bad_request", "follows must be a whole number from 0 to 2^63 - 1 (a seq)"
        )
    return follows


# How long a batch waits for the batch it follows, sent just before it and still on its way
# or being checked. Past it, the batch is checked as it is (a gap is refused as usual).
FOLLOWS_WAIT_SECONDS = 5.0


def push(
    db: HubDB,
    station: StationIdentity,
    events: list[Any],
    *,
    plain: bool = False,
    follows: int | None = None,
) -> PushResult:
    """Stores the batch's good events (one transaction) and names each refused one.

    The batch is checked as a whole against what the hub holds (one query for the ids it
    already has, the station's head once), each event still on its own (shape, author, hash,
    chain, facts schema); the good ones are written with one COPY (as they are checked when
    no other batch is being written: see the end of `_push`). Two
    pushes of one station take turns; pushes of different stations are checked at the same
    time and only take turns to write, so pull cursors still become visible in order. A
    push that lost a race on an event id to another station's is checked again from the
    start.

    `plain`: the request's text already showed that every value in it may travel and that
    no payload nests past MAX_PAYLOAD_DEPTH (`plain_body`), so neither is walked again.

    `follows` (PostgreSQL): a station keeps two batches in flight, the second sent while the
    hub still checks the first. Each event's shape and hash are checked at once; then the
    batch waits, at most FOLLOWS_WAIT_SECONDS, until the station's chain at the hub reaches
    `follows`, so a second batch that overtook the first does not find a gap."""
    # Each event's shape is checked once, before any turn is taken; the hashed form comes
    # out of the same check. The wire's value rule over the whole batch at once: when it
    # holds, no event needs it again (nor its facts' payload); else each event is walked.
    travels = plain or surely_travels(events, floats=True)
    checked = [(raw, *_inspect(raw, travels, shallow=plain)) for raw in events]
    if follows is not None and db.dialect == "postgresql":
        _wait_for_chain(db, station, follows)
    result = _retried(db, lambda tx: _push(tx, station, checked, travels))
    result.in_flight = 2 if db.dialect == "postgresql" else 1
    return result


def _wait_for_chain(db: HubDB, station: StationIdentity, follows: int) -> None:
    """Returns once the station's chain at the hub reaches `follows`, or after the wait."""
    deadline = time.monotonic() + FOLLOWS_WAIT_SECONDS
    pause = 0.001
    while True:
        with db.transaction() as tx:
            row = tx.one(
                "SELECT seq FROM events WHERE station_id = ? ORDER BY seq DESC LIMIT 1",
                (station.station_id,),
            )
        if (int(row[0]) if row else 0) >= follows or time.monotonic() >= deadline:
            return
        time.sleep(pause)
        pause = min(2 * pause, 0.02)


def plain_body(text: bytes, depth: int, finite: bool) -> bool:
    """True only when the JSON text of a push body certainly parsed into values that travel
    (`surely_travels(..., floats=True)`) with no payload deeper than MAX_PAYLOAD_DEPTH;
    False means "check the parsed values". `depth` is how deep the text nests (as
    `jsonguard.measure` found it) and `finite` whether every number read fitted a float.

    A parsed body holds JSON's types and text keys only; what could still be wrong comes
    from an escape (NUL, a lone surrogate: any `\\u0000` or `\\uD800`-`\\uDFFF` sends
    it to the walk) or a number past a float, read as infinity. A payload sits three levels
    down in {"events": [{..., "payload": {...}}]}."""
    return finite and depth <= MAX_PAYLOAD_DEPTH + 3 and _UNSAFE_ESCAPE.search(text) is None


# Escapes that may give NUL or a surrogate (a pair of them may be fine: it goes to the walk).
_UNSAFE_ESCAPE = re.compile(rb"\\u(?:0000|[dD][89abcdefABCDEF])")


Checked = tuple[Any, str | None, bytes, str]  # an event, its shape problem, hashed form, payload


def _push(tx: Tx, station: StationIdentity, checked: list[Checked], travels: bool) -> PushResult:
    result = PushResult()
    tx.lock_station(station.station_id)
    head = tx.one(
        "SELECT seq, hash FROM events WHERE station_id = ? ORDER BY seq DESC LIMIT 1",
        (station.station_id,),
    )
    # The station's chain as the hub holds it: its last sequence and hash, moved by each
    # event accepted.
    tip: dict[str, Any] = {"seq": int(head[0]), "hash": str(head[1])} if head else {
        "seq": 0, "hash": GENESIS_HASH}  # fmt: skip
    known = _stored_hashes(tx, [raw["id"] for raw, shape, _, _ in checked if shape is None])
    identities: list[tuple[str, str, str, str]] = []
    # A batch sent out of order is taken in chain order; malformed events come first.
    checked.sort(key=lambda c: c[0]["seq"] if c[1] is None else 0)
    received = now()

    def accepted_rows() -> Iterator[tuple[Any, ...]]:
        """The rows of the events that pass, in chain order, as each one is checked."""
        seq, last_hash = tip["seq"], tip["hash"]
        broken_at: str | None = None  # the first refused event of the station's chain
        for raw, shape, hashed, payload in checked:
            event_id = str(raw.get("id", "?")) if isinstance(raw, dict) else "?"
            problem = _problem(raw, station, known, shape, hashed)
            if problem is None and known.get(event_id) == raw["hash"]:
                result.duplicates.append(event_id)  # same id, same hash, content matching it
                continue
            if problem is None and raw["training"]:
                # Training facts stay on their station; a station that sends one is older.
                problem = (Refusal.TRAINING, "a training fact stays on its station")
            if problem is None and broken_at is not None:
                problem = (Refusal.FOLLOWS_REFUSED, f"follows the refused event {broken_at}")
            if problem is None and raw["seq"] <= seq:
                problem = (
                    Refusal.SEQ_TAKEN,
                    f"sequence {raw['seq']} is already taken by another event",
                )
            if problem is None and raw["seq"] > seq + 1:
                problem = (Refusal.MISSING_EVENTS, f"missing events {seq + 1}..{raw['seq'] - 1}")
            if problem is None and raw["prev_hash"] != last_hash:
                problem = (Refusal.BROKEN_LINK, "link to the previous event is broken")
            if problem is None:
                try:
                    facts.validate(raw["type"], raw["payload"], recorded=True, travels=travels)
                except BenchError as exc:
                    detail = exc.values.get("detail", exc.code)
                    problem = (Refusal.INVALID_FACT, f"not a valid {raw['type']}: {detail}")
            if problem is not None:
                code, reason = problem
                result.rejected.append({"id": event_id, "reason": reason, "code": code})
                # An altered copy of a stored event leaves the chain whole: the original holds.
                if (
                    isinstance(raw, dict)
                    and raw.get("station_id") == station.station_id
                    and broken_at is None
                    and known.get(event_id) != raw.get("hash")
                ):
                    broken_at = event_id
                continue
            identities.extend(_identities(station, raw))
            known[event_id] = raw["hash"]
            seq, last_hash = raw["seq"], raw["hash"]
            tip["seq"], tip["hash"] = seq, last_hash
            result.accepted.append(event_id)
            yield _event_row(station, raw, payload, received)

    # Writers take turns from here to the commit only (see Tx.lock_events). When the turn
    # is free, the rows are written as they are checked: PostgreSQL takes in the first ones
    # while the hub checks the rest. When another station's batch is being written, this one
    # is checked whole meanwhile, then waits for its turn (the checks' order and outcome are
    # the same either way).
    if tx.try_lock_events():
        tx.copy("events", EVENT_COLUMNS, accepted_rows())
    else:
        rows = list(accepted_rows())
        tx.lock_events()
        tx.copy("events", EVENT_COLUMNS, rows)
    tx.many(
        "INSERT INTO device_identities (kind, value, device_id, workshop_id)"
        " VALUES (?, ?, ?, ?) ON CONFLICT (kind, value, device_id) DO NOTHING",
        identities,
    )
    result.acked_up_to = tip["seq"]
    result.head_hash = tip["hash"]
    return result


EVENT_COLUMNS = (
    "id", "station_id", "seq", "workshop_id", "operator", "ts", "type", "device_id",
    "payload", "training", "prev_hash", "hash", "received_at",
)  # fmt: skip


def _problem(
    raw: Any, station: StationIdentity, known: dict[str, str], shape: str | None, hashed: bytes
) -> tuple[Refusal, str] | None:
    """(code, reason) when an event is refused whatever the chain: its shape, its author,
    its content against its hash (recomputed from the fields: a stored id and hash with a
    changed payload is an altered copy, not a duplicate), or its id taken by another event.
    `shape` and `hashed` are what `_inspect` found."""
    if shape is not None:
        return (Refusal.MALFORMED, shape)
    if raw["station_id"] != station.station_id:
        return (
            Refusal.RELAYED,
            "written by another station; each station pushes only its own events"
            " (relaying is not accepted by this hub)",
        )
    if hashlib.sha256(hashed).hexdigest() != raw["hash"]:
        return (Refusal.ALTERED, ALTERED_REASON)
    stored = known.get(raw["id"])
    if stored is not None and stored != raw["hash"]:
        return (Refusal.ID_TAKEN, "another event with this id is already stored")
    return None


ALTERED_REASON = "content does not match its hash"


def _inspect(
    raw: Any, travels: bool = False, *, shallow: bool = False
) -> tuple[str | None, bytes, str]:
    """(why the event is malformed, or None; its hashed form and its payload in the event
    encoding, both empty when malformed). `travels`: the wire's value rule already holds;
    `shallow`: the payload is known to nest no deeper than MAX_PAYLOAD_DEPTH."""
    shape = _shape_problem_before_payload(raw, travels, shallow)
    if shape is not None:
        return shape, b"", ""
    try:
        payload = event_json(raw["payload"])
    except ValueError as exc:
        return f"payload is not JSON: {exc}", b"", ""
    return None, _hashed_text(raw, payload).encode("utf-8"), payload


_text = encode_basestring  # a text as json.dumps(ensure_ascii=False) writes it


def _hashed_text(raw: dict[str, Any], payload: str) -> str:
    """`event_json(_hashed(raw))`, put together from the payload already written: the
    fields in sorted order, each written as json.dumps writes it (shape already checked)."""
    device = "null" if raw["device_id"] is None else _text(raw["device_id"])
    return (
        f'{{"device_id":{device},"id":{_text(raw["id"])},"operator":{_text(raw["operator"])},'
        f'"payload":{payload},"prev_hash":{_text(raw["prev_hash"])},"seq":{int(raw["seq"])!r},'
        f'"station_id":{_text(raw["station_id"])},'
        f'"training":{"true" if raw["training"] else "false"},"ts":{_text(raw["ts"])},'
        f'"type":{_text(raw["type"])}}}'
    )


def _shape_problem(raw: Any) -> str | None:
    return _inspect(raw)[0]


def _shape_problem_before_payload(
    raw: Any, travels: bool = False, shallow: bool = False
) -> str | None:
    if not isinstance(raw, dict):
        return "an event must be a JSON object"
    # What a JSON parser gives has these exact types: one look at all of them at once, the
    # field-by-field loop (which names the faulty field) only when that look fails.
    if tuple(map(type, map(raw.get, _FIELD_NAMES, _ABSENT))) not in _PLAIN_TYPES:
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
    # before anything recursive walks it
    if not shallow and depth_exceeds(raw["payload"], MAX_PAYLOAD_DEPTH):
        return f"payload nests deeper than {MAX_PAYLOAD_DEPTH} levels"
    return None if travels else _text_problem(raw)


_FIELD_NAMES = tuple(_FIELD_TYPES)
_ABSENT = itertools.repeat(object())  # a missing field's stand-in: of no plain type
# The fields' exact types as a parser gives them (device_id a text or null).
_PLAIN_TYPES = {
    tuple(device if name == "device_id" else types for name, types in _FIELD_TYPES.items())
    for device in (str, type(None))
}


def _text_problem(value: Any) -> str | None:
    """Why a JSON value cannot be stored as text in both databases (NUL, lone surrogates,
    a number past a float, read as infinity: PostgreSQL's JSON has no such number)."""
    found = value_problem(value, floats=True, json_types=False)
    if found is None:
        return None
    return _TEXT_PROBLEMS[found.kind]


# The kinds `value_problem` finds in what a JSON parser gave (floats accepted when finite).
_TEXT_PROBLEMS = {
    "float": "a number is too large for JSON",
    "nul": "a text contains the NUL character",
    "unicode": "a text is not valid Unicode",
}


def _hashed(raw: dict[str, Any]) -> dict[str, Any]:
    return hashed_fields(
        raw["id"], raw["station_id"], raw["seq"], raw["operator"], raw["ts"], raw["type"],
        raw["device_id"], raw["payload"], raw["training"], raw["prev_hash"],
    )  # fmt: skip


def _stored_hashes(tx: Tx, ids: list[str]) -> dict[str, str]:
    """The hashes the hub already holds for these event ids (one query per 500 ids; one
    query for all on PostgreSQL, whose array parameter needs no placeholder per id)."""
    found: dict[str, str] = {}
    if tx.dialect == "postgresql":
        if ids:
            rows = tx.all("SELECT id, hash FROM events WHERE id = ANY(?::uuid[])", (ids,))
            found.update((str(event_id), str(stored)) for event_id, stored in rows)
        return found
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ", ".join("?" * len(chunk))
        for event_id, stored in tx.all(f"SELECT id, hash FROM events WHERE id IN ({marks})", chunk):
            found[str(event_id)] = str(stored)
    return found


def _event_row(
    station: StationIdentity, raw: dict[str, Any], payload: str, received: str
) -> tuple[Any, ...]:
    return (
        raw["id"], raw["station_id"], raw["seq"], station.workshop_id, raw["operator"],
        raw["ts"], raw["type"], raw["device_id"], payload,
        raw["training"], raw["prev_hash"], raw["hash"], received,
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
    checked first (readable, no larger than the bundle cap once inflated, signed by the key
    the hub holds for the station it names) and refused whole with a BenchError otherwise,
    nothing stored. Its events then go through `push` (one transaction); other stations'
    events are refused as relayed. Importing the same bundle again stores nothing more (its
    events are duplicates)."""
    from bench_app.sync.bundle import BundleHeader, read_file

    source = str(path)
    enrolled: dict[str, str] = {}

    def trust(header: BundleHeader) -> Ed25519PublicKey:
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
        enrolled.update(workshop_id=workshop_id, key_id=enrolled_key)
        return parse_public_key(public_b64.encode("ascii"), "hub")

    bundle = read_file(Path(path), trust)  # streamed, capped, checked whole before any push
    header = bundle.header
    workshop_id, enrolled_key = enrolled["workshop_id"], enrolled["key_id"]
    station = StationIdentity(header.station_id, workshop_id)
    own = [e.to_json() for e in bundle.events if e.station_id == station.station_id]
    relayed = [e for e in bundle.events if e.station_id != station.station_id]
    result = push(db, station, own)
    result.rejected += [
        {"id": e.id, "reason": RELAYED_REASON, "code": Refusal.RELAYED} for e in relayed
    ]
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
    if table not in {
        "workshops", "enrolment_codes", "enrolment_challenges", "stations", "events",
        "device_identities",
    }:  # fmt: skip
        raise ValueError(table)
    with db.transaction() as tx:
        row = tx.one(f"SELECT count(*) FROM {table}")
    return int(row[0]) if row else 0


# A UUID written the canonical way (8-4-4-4-12 hex digits, either case): what
# `str(uuid.UUID(text)) == text.lower()` accepts, without building the object.
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def _is_uuid(text: str) -> bool:
    return _UUID.fullmatch(text) is not None


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
