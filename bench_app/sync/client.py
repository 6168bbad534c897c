"""The station's sync with its hub over HTTP: enrolment, push of its own events, pull of its
workshop's events. Standard library only (urllib), so a station needs no web dependency.

Enrolment signs the hub's challenge with the station key and takes the asset-code prefix
the hub gives (kept in the store's meta); a station enrolled before hubs gave prefixes asks
for its own on its next sync round. Hub refusals are told apart by their stable `error`
code, never by their English wording.

Signing comes from `bench_app.wire.request_signing`, which the hub checks with too: one
definition of the signed message for both ends is safer than two copies that could drift
apart.

Resuming: the push restarts after the hub's `acked_up_to`, stored only once the hub has
answered; the pull cursor is stored only after the pulled events' import has committed. A
transfer cut at any point is therefore replayed, and replays are idempotent at both ends.
"""

from __future__ import annotations

import base64
import contextlib
import gzip
import http.client
import json
import logging
import os
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import zlib
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from bench_app.errors import BenchError
from bench_app.input_files import CONFIG_MAX, parse_json, read_input_text
from bench_app.signing import StationKey, public_raw_base64
from bench_app.store.database import Store
from bench_app.wire import request_signing
from bench_app.wire.events import Event
from bench_app.wire.refusals import Refusal

log = logging.getLogger(__name__)

SYNC_CONFIG_NAME = "sync.json"
PUSH_BATCH = 2000
# Level 1 is 7 times faster than gzip's default 9 for 20 % more bytes on event batches.
GZIP_LEVEL = 1
PULL_LIMIT = 1000
CURSOR_META = "sync.pull_cursor"
DEFAULT_TIMEOUT = 30.0


# -- the station's sync configuration (DATA/sync.json) -------------------------------------


@dataclass
class SyncConfig:
    """Where this station syncs, and the events the hub refused (kept until they go in)."""

    hub_url: str = ""
    workshop: str = ""
    enrolled: bool = False
    rejected: list[dict[str, str]] = field(default_factory=list)

    @classmethod
    def load(cls, folder: Path) -> SyncConfig:
        """The saved configuration, or an empty one when there is none or it is unreadable."""
        path = Path(folder) / SYNC_CONFIG_NAME
        try:
            data = parse_json(read_input_text(path, limit=CONFIG_MAX))
        except (OSError, ValueError, BenchError):
            return cls()
        if not isinstance(data, dict):
            return cls()
        rejected = data.get("rejected")
        return cls(
            hub_url=str(data.get("hub_url", "")),
            workshop=str(data.get("workshop", "")),
            enrolled=bool(data.get("enrolled", False)),
            rejected=[dict(r) for r in rejected if isinstance(r, dict)]
            if isinstance(rejected, list)
            else [],
        )

    def save(self, folder: Path) -> None:
        """Written atomically: a crash leaves the old file or the new one, never half."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".sync-", suffix=".json", dir=folder)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(asdict(self), f, ensure_ascii=False, indent=2)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, folder / SYNC_CONFIG_NAME)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise


# -- the pull cursor, kept in the store's meta table ----------------------------------------


def pull_cursor(store: Store) -> int:
    """The hub cursor after which the next pull starts (0 before the first one)."""
    value = store.meta(CURSOR_META)
    return int(value) if value else 0


def set_pull_cursor(store: Store, cursor: int) -> int:
    """Stores the pull cursor; never moves backwards. Returns the cursor now stored."""
    with store.transaction() as conn:
        row = conn.execute("SELECT value FROM meta WHERE key = ?", (CURSOR_META,)).fetchone()
        value = max(int(row[0]) if row else 0, int(cursor))
        conn.execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (CURSOR_META, str(value))
        )
    return value


def unacknowledged_count(store: Store) -> int:
    """This station's events the hub has not confirmed yet."""
    row = store.query_one(
        "SELECT count(*) FROM events WHERE station_id = ? AND seq > ?",
        (store.station_id, store.acked_up_to()),
    )
    return int(row[0]) if row else 0


# -- results -----------------------------------------------------------------------------


@dataclass
class PushResult:
    sent: int = 0
    accepted: int = 0
    duplicates: int = 0
    rejected: list[dict[str, str]] = field(default_factory=list)
    acked_up_to: int = 0


@dataclass
class PullResult:
    received: int = 0
    accepted: int = 0
    duplicates: int = 0
    rejected: list[dict[str, str]] = field(default_factory=list)
    cursor: int = 0


def rejected_error(rejected: list[dict[str, str]]) -> BenchError:
    """The refused events as one error a person can read (the first few reasons)."""
    reasons = "; ".join(f"{r.get('id', '?')}: {r.get('reason', '?')}" for r in rejected[:3])
    if len(rejected) > 3:
        reasons += " …"
    return BenchError("SYNC_REJECTED", count=len(rejected), reasons=reasons)


# -- the client --------------------------------------------------------------------------


class HubClient:
    """Talks to one hub as one station. Every method raises BenchError (SYNC_*) on failure
    and leaves the store as it was after the last step that completed."""

    def __init__(
        self,
        base_url: str,
        station_id: str,
        key: StationKey,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.station_id = station_id
        self.key = key
        self.timeout = timeout

    # -- HTTP ------------------------------------------------------------------------------

    def _request(
        self, method: str, target: str, payload: Any = None, *, signed: bool = True
    ) -> tuple[int, Any]:
        body = None if payload is None else _encoded(payload)
        return self._send(method, target, body, signed=signed)

    def _send(
        self, method: str, target: str, body: bytes | None, *, signed: bool = True
    ) -> tuple[int, Any]:
        """Sends a body already encoded (`_encoded`), or none; (status, parsed answer)."""
        headers = {"Accept-Encoding": "gzip", "Accept": "application/json"}
        payload = body
        if body is not None:
            headers["Content-Type"] = "application/json"
            headers["Content-Encoding"] = "gzip"
        else:
            body = b""
        if signed:
            headers.update(
                request_signing.signed_headers(self.key, self.station_id, method, target, body)
            )
        request = urllib.request.Request(
            self.base_url + target, data=body if payload is not None else None, method=method
        )
        for name, value in headers.items():
            request.add_header(name, value)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                status = int(response.status)
                raw = response.read()
                encoding = response.headers.get("Content-Encoding", "")
        except urllib.error.HTTPError as exc:
            status = int(exc.code)
            try:
                raw = exc.read()
            except (OSError, http.client.HTTPException):
                raw = b""
            encoding = exc.headers.get("Content-Encoding", "") if exc.headers else ""
        except (OSError, http.client.HTTPException, ValueError) as exc:
            # Refused, reset, timed out, cut mid-answer: all mean "try again later".
            raise self._unreachable(exc) from exc
        try:
            if encoding == "gzip":
                raw = gzip.decompress(raw)
            data = json.loads(raw) if raw else None
        except (OSError, EOFError, zlib.error, ValueError) as exc:
            raise self._unreachable(exc, "incomplete or unreadable answer") from exc
        return status, data

    def _unreachable(self, exc: BaseException, detail: str = "") -> BenchError:
        text = detail or str(getattr(exc, "reason", None) or exc) or type(exc).__name__
        return BenchError("SYNC_HUB_UNREACHABLE", url=self.base_url, detail=text)

    def _error(self, status: int, data: Any) -> BenchError:
        reason = str(data.get("reason", "")) if isinstance(data, dict) else ""
        if status == 401:
            return BenchError("SYNC_REFUSED", reason=reason or "401")
        return BenchError("SYNC_HUB_ERROR", status=status, reason=reason or "no answer")

    def _checked(self, status: int, data: Any) -> dict[str, Any]:
        if status >= 400:
            raise self._error(status, data)
        if not isinstance(data, dict):  # a success without its body: the answer was cut
            raise BenchError(
                "SYNC_HUB_UNREACHABLE", url=self.base_url, detail="incomplete or unreadable answer"
            )
        return data

    # -- the operations ---------------------------------------------------------------------

    def enrol(self, code: str, prefix: str = "") -> dict[str, Any]:
        """Spends an enrolment code, proving the station holds its key by signing the hub's
        challenge, and asking to keep `prefix`. Returns the hub's answer {workshop_id,
        workshop, key_id, prefix}: `prefix` is the asset-code prefix to use from now on."""
        for attempt in range(2):  # a challenge that expired on the way is asked for again
            status, data = self._request(
                "POST", "/v1/enrol/challenge", {"code": code}, signed=False
            )
            challenge = data.get("challenge") if isinstance(data, dict) else None
            if status >= 400 or not isinstance(challenge, str):
                raise self._enrol_refusal(status, data)
            public = public_raw_base64(self.key.public)
            message = request_signing.enrol_message(challenge, self.station_id, public, prefix)
            status, data = self._request(
                "POST",
                "/v1/enrol",
                {
                    "code": code,
                    "station_id": self.station_id,
                    "public_key": public,
                    "prefix": prefix,
                    "challenge": challenge,
                    "signature": base64.b64encode(self.key.sign(message)).decode("ascii"),
                },
                signed=False,
            )
            if status < 400:
                return self._checked(status, data)
            if attempt == 0 and refusal_code(data) == "challenge_expired":
                continue
            raise self._enrol_refusal(status, data)
        raise AssertionError("unreachable")

    def _enrol_refusal(self, status: int, data: Any) -> BenchError:
        reason = str(data.get("reason", "")) if isinstance(data, dict) else ""
        code = refusal_code(data)
        if code in ("proof_required", "proof_invalid"):
            return BenchError("SYNC_ENROL_PROOF_REFUSED", reason=reason or code)
        if code in ("challenge_unknown", "challenge_used", "challenge_expired"):
            return BenchError("SYNC_ENROL_CHALLENGE_REFUSED", reason=reason or code)
        if status in (403, 409, 429):
            return BenchError("SYNC_ENROL_REFUSED", reason=reason or str(status))
        return self._error(status, data)

    def claim_prefix(self, prefix: str) -> str | None:
        """The asset-code prefix the hub gives this station (keeping `prefix` when it is
        free there); None when the hub is too old to give prefixes."""
        status, data = self._request("POST", "/v1/station/prefix", {"prefix": prefix})
        if status in (404, 405):
            return None
        answer = self._checked(status, data).get("prefix")
        if not isinstance(answer, str) or not answer:
            raise BenchError("SYNC_HUB_ERROR", status=status, reason="no prefix in the answer")
        return answer

    def push(self, store: Store) -> PushResult:
        """Sends this station's events the hub has not acknowledged, in batches, each batch
        resuming after the hub's `acked_up_to`. Refused events are returned, never dropped:
        they stay unacknowledged and are sent again next time. A training fact is never
        sent: training facts have a chain of their own, and one written into the station's
        chain by an older version stops the push there (returned as refused, code
        "training")."""
        result = PushResult(acked_up_to=store.acked_up_to())
        # While the hub checks one batch, the next is read, encoded and sent, marked as
        # following the one in flight: the hub checks each event's shape and hash at once,
        # then waits for the chain to reach it. A hub that does not say it waits (SQLite's,
        # or older) gets one batch at a time after its first answer; a batch it took before
        # the one it follows is sent again.
        window, overtaken = 2, False
        flying: deque[tuple[Batch, Future[tuple[int, Any]], int | None]] = deque()
        sender = ThreadPoolExecutor(2, thread_name_prefix="etabli-push")
        try:
            ahead: Batch | None = _next_batch(store, result.acked_up_to)
            while True:
                while ahead is not None and len(flying) < window:
                    batch, ahead = ahead, None
                    if len(batch.sendable) < len(batch.unsent):
                        kept = batch.unsent[len(batch.sendable)]
                        result.rejected.append(
                            {"id": kept.id, "reason": "a training fact stays on its station",
                             "code": Refusal.TRAINING.value}
                        )  # fmt: skip
                    if not batch.sendable:
                        break
                    follows = flying[-1][0].sendable[-1].seq if flying else None
                    body = batch.body(follows)
                    flying.append(
                        (batch, sender.submit(self._send, "POST", _EVENTS, body), follows)
                    )
                    if len(batch.sendable) == len(batch.unsent):
                        ahead = _next_batch(store, batch.sendable[-1].seq)
                if not flying:
                    return result
                batch, answer, follows = flying.popleft()
                data = self._checked(*answer.result())
                if follows is not None and _int(data.get("acked_up_to")) < follows:
                    # The hub's wait ran out before the batch this one follows went in (a
                    # hub under load): not a refusal of the station's; sent again alone.
                    window, overtaken = 1, True
                    _settle(flying)
                    ahead = _next_batch(store, result.acked_up_to)
                    continue
                if not self._pushed(store, batch, data, result):
                    return result
                window = 2 if _int(data.get("in_flight")) >= 2 and not overtaken else 1
                if result.acked_up_to != batch.sendable[-1].seq:  # not what was read ahead from
                    _settle(flying)
                    ahead = _next_batch(store, result.acked_up_to)
        finally:
            # After a refusal or an error, a batch still in flight may wait at the hub for a
            # chain that stopped short, then be refused too: its answer is not waited for.
            sender.shutdown(wait=False, cancel_futures=True)

    def _pushed(self, store: Store, sent: Batch, data: dict[str, Any], result: PushResult) -> bool:
        """Takes in the hub's answer to one batch; whether to go on with the next."""
        batch, unsent = sent.sendable, sent.unsent
        result.sent += len(batch)
        result.accepted += len(data.get("accepted", []))
        result.duplicates += len(data.get("duplicates", []))
        for r in data.get("rejected", []):
            if isinstance(r, dict):
                refused = {"id": str(r.get("id", "")), "reason": str(r.get("reason", ""))}
                if isinstance(r.get("code"), str):  # the stable code, from newer hubs
                    refused["code"] = r["code"]
                result.rejected.append(refused)
        head = batch[-1].seq
        acked = min(int(data.get("acked_up_to", 0)), head)
        before = result.acked_up_to
        self._keep_hub_head(store, data.get("head"))
        if acked > before:
            result.acked_up_to = store.mark_acknowledged(acked)
        # The hub stopped short (refused events): no point going on.
        return not (result.acked_up_to < head or len(batch) < len(unsent))

    def _keep_hub_head(self, store: Store, head: Any) -> None:
        """The head of this station's chain the hub says it holds, kept as received (a
        second anchor of the log; an older hub sends none)."""
        if not isinstance(head, dict) or head.get("seq") == 0:
            return
        try:
            store.record_hub_ack(self.base_url, head.get("seq"), head.get("hash"))
        except (OSError, ValueError) as exc:  # the push itself went through; said in the log
            log.warning("could not keep the hub's acknowledged head %r: %s", head, exc)

    def pull(self, store: Store) -> PullResult:
        """Imports the workshop's events page by page from the stored cursor; the cursor
        moves only after a page is imported whole. A page with refused events stops the pull
        without moving the cursor, so they are fetched again and stay visible."""
        result = PullResult(cursor=pull_cursor(store))
        while True:
            target = f"/v1/events?after={result.cursor}&limit={PULL_LIMIT}"
            data = self._checked(*self._request("GET", target))
            raw_events = data.get("events", [])
            if not raw_events:
                return result
            try:
                events = [Event(**e) for e in raw_events]
            except TypeError as exc:
                raise BenchError("SYNC_HUB_ERROR", status=200, reason=str(exc)) from exc
            imported = store.import_events(events)
            result.received += len(events)
            result.accepted += len(imported.accepted)
            result.duplicates += len(imported.duplicates)
            if imported.rejected:
                result.rejected += [
                    {"id": r.event_id, "code": r.code, "reason": r.reason}
                    for r in imported.rejected
                ]
                return result
            result.cursor = set_pull_cursor(store, int(data.get("next_cursor", result.cursor)))
            if not data.get("more"):
                return result


def client_for(folder: Path, store: Store, config: SyncConfig | None = None) -> HubClient:
    """The client of the station in `folder`, from its sync.json and its key."""
    config = config or SyncConfig.load(folder)
    if not config.enrolled or not config.hub_url:
        raise BenchError("SYNC_NOT_ENROLLED")
    return HubClient(config.hub_url, store.station_id, StationKey.load_or_create(folder))


def refusal_code(data: Any) -> str:
    """The stable code of a hub's refusal ("" when the answer has none)."""
    code = data.get("error") if isinstance(data, dict) else None
    return code if isinstance(code, str) else ""


def enrol_station(folder: Path, store: Store, url: str, code: str) -> SyncConfig:
    """Enrols the station in `folder` with the hub at `url`, takes the asset-code prefix
    the hub gives it, and saves DATA/sync.json. SYNC_URL_INVALID, before any connection,
    for anything but an http(s)://HOST address."""
    parsed = urllib.parse.urlsplit(url.strip())
    try:
        port_ok = parsed.port is None or parsed.port > 0
    except ValueError:  # a port that is not a number, or above 65535
        port_ok = False
    if parsed.scheme not in ("http", "https") or not parsed.hostname or not port_ok:
        raise BenchError("SYNC_URL_INVALID", url=url)
    url = url.strip()
    client = HubClient(url, store.station_id, StationKey.load_or_create(folder))
    answer = client.enrol(code, prefix=store.station_prefix)
    prefix = answer.get("prefix")
    if isinstance(prefix, str) and prefix:  # a hub too old to give prefixes gives none
        store.set_station_prefix(prefix)
    config = SyncConfig(hub_url=client.base_url, workshop=str(answer.get("workshop", "")))
    config.enrolled = True
    config.save(folder)
    return config


@dataclass
class RoundResult:
    push: PushResult
    pull: PullResult


def ensure_prefix(store: Store, client: HubClient) -> None:
    """Until a hub has given this station its asset-code prefix (stations enrolled before
    hubs gave them), asks for it: the one in use when free at the hub, else a new one."""
    if store.prefix_from_hub():
        return
    prefix = client.claim_prefix(store.station_prefix)
    if prefix is not None:
        store.set_station_prefix(prefix)


def sync_round(folder: Path, store: Store, client: HubClient) -> RoundResult:
    """The prefix first (see `ensure_prefix`), then one push and one pull. Refused events
    are saved in sync.json (listed until they go in) and raised after both directions have
    run: as SYNC_WAITING when every one is a pulled event that goes in by itself later
    (decided on the refusals' codes), else as SYNC_REJECTED."""
    ensure_prefix(store, client)
    pushed = client.push(store)
    pulled = client.pull(store)
    config = SyncConfig.load(folder)
    rejected = pushed.rejected + pulled.rejected
    if config.rejected != rejected and config.enrolled:
        config.rejected = rejected
        config.save(folder)
    if rejected and not pushed.rejected and all(_waits(r) for r in pulled.rejected):
        raise BenchError("SYNC_WAITING", count=len(rejected))
    if rejected:
        raise rejected_error(rejected)
    return RoundResult(pushed, pulled)


# A pulled fact about a device whose registration has not reached the hub yet (it travelled
# on a USB stick), and the facts of the same station after it: they go in by themselves once
# that registration arrives, since the pull cursor does not move past them.
WAITING_CODES = frozenset({Refusal.DEVICE_UNKNOWN, Refusal.FOLLOWS_REFUSED})


def _waits(rejected: dict[str, str]) -> bool:
    """Whether a pulled event refused here will go in by itself later (decided on its code)."""
    return rejected.get("code") in WAITING_CODES


def _encoded(payload: Any) -> bytes:
    """A request body as sent: compact JSON, gzipped."""
    text = json.dumps(payload, separators=(",", ":")).encode("utf-8")
    return gzip.compress(text, compresslevel=GZIP_LEVEL)


class Unsent(NamedTuple):
    """One event read for a push: what the push needs of it once it is in the body."""

    id: str
    seq: int


class Batch(NamedTuple):
    """The next events read for a push, as far as the first training fact."""

    unsent: list[Unsent]  # every event read
    sendable: list[Unsent]  # those that may be sent
    events: str  # the sendable events as a JSON array

    def body(self, follows: int | None = None) -> bytes:
        """The request's body, gzipped as `_encoded` does; with `follows`, the last seq of
        the batch sent just before, still in flight."""
        tail = "}" if follows is None else f',"follows":{int(follows)}}}'
        text = '{"events":' + self.events + tail
        return gzip.compress(text.encode("utf-8"), compresslevel=GZIP_LEVEL)


def _next_batch(store: Store, after: int) -> Batch:
    """The next events after seq `after`, those of them that may be sent (as far as the
    first training fact, see `bundle.shareable`) and their JSON."""
    rows = store.event_rows_since(after_seq=after, limit=PUSH_BATCH)
    unsent = [Unsent(row[0], row[2]) for row in rows]
    sendable = next((i for i, row in enumerate(rows) if row[8]), len(rows))
    return Batch(unsent, unsent[:sendable], _events_json(rows[:sendable]))


def _settle(flying: deque[tuple[Batch, Future[tuple[int, Any]], int | None]]) -> None:
    """Waits for the batches still in flight and forgets their answers: they follow one the
    hub did not take whole, so they were refused too, and are read and sent again."""
    while flying:
        with contextlib.suppress(BenchError):
            flying.popleft()[1].result()


def _int(value: Any) -> int:
    """A whole number from a hub's answer (0 when it is not one)."""
    return value if type(value) is int else 0


_EVENTS = "/v1/events"
_text = json.encoder.encode_basestring_ascii  # a text as json.dumps writes it


def _events_json(rows: list[tuple[Any, ...]]) -> str:
    """The JSON array of stored rows (EVENT_COLUMNS): each event as `Event.to_json()` would
    be written, its payload the stored text as it is (the event encoding, already JSON), so
    no payload is parsed and written again."""
    parts = []
    for id_, station, seq, operator, ts, type_, device, payload, training, prev, hash_ in rows:
        parts.append(
            f'{{"id":{_text(id_)},"station_id":{_text(station)},"seq":{int(seq)},'
            f'"operator":{_text(operator)},"ts":{_text(ts)},"type":{_text(type_)},'
            f'"device_id":{"null" if device is None else _text(device)},'
            f'"payload":{payload},"training":{"true" if training else "false"},'
            f'"prev_hash":{_text(prev)},"hash":{_text(hash_)}}}'
        )
    return "[" + ",".join(parts) + "]"
