"""Offline bundles: a station's events on a USB stick, for a hub or another station.

A bundle file is gzip over UTF-8 lines:

    line 1        the header, canonical JSON: format, version, station_id, workshop, key_id,
                  created, events (the count), body_sha256 (of the body bytes)
    lines 2..n+1  the body: one event per line, canonical JSON (`Event.to_json`)
    last line     {"signature": BASE64}: Ed25519 by the station key over header line + "\\n"
                  + body (every line of it, each ending in "\\n")

Reading checks, before anything is imported: the gzip stream is whole (a truncated copy
fails there), the signature's key is trusted here, the signature holds, the body has the
announced count and hash, and every line is an event. Only then are the events handed to
`Store.import_events`, which checks each station's hash chain and imports in one transaction.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import gzip
import hashlib
import json
import os
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature

from bench_app.errors import BenchError
from bench_app.input_files import BUNDLE_MAX, read_input
from bench_app.signing import Keyring, StationKey, canonical_json
from bench_app.store.database import ImportResult, Store
from bench_app.store.events import EVENT_FIELD_TYPES, Event, utc_now
from bench_app.store.events import canonical_json as event_json

FORMAT = "etabli.bundle"
VERSION = 1
WORKSHOP_META = "workshop"
HEADER_MAX = 64 * 1024  # a real header line is about 300 bytes

_EVENT_FIELDS = EVENT_FIELD_TYPES


@dataclass(frozen=True, slots=True)
class BundleHeader:
    station_id: str
    workshop: str | None
    key_id: str
    created: str
    events: int
    body_sha256: str


@dataclass(frozen=True, slots=True)
class Bundle:
    header: BundleHeader
    events: list[Event]


# -- what to send ---------------------------------------------------------------------------


def mark_acknowledged(store: Store, seq: int, station_id: str | None = None) -> int:
    """Records that a hub holds this station's events (or `station_id`'s) up to `seq`, so
    that `bundle export --since-ack` leaves them out; never moves backwards."""
    return store.mark_acknowledged(seq, station_id)


def events_to_send(
    store: Store, *, since_ack: bool = False, all_stations: bool = False
) -> list[Event]:
    """This station's events (with `all_stations`, every station's held here), oldest first
    per station; with `since_ack`, only those after the seq a hub acknowledged."""
    stations = list(store.station_heads()) if all_stations else [store.station_id]
    if store.station_id in stations:  # this station's own events first
        stations.remove(store.station_id)
        stations.insert(0, store.station_id)
    events: list[Event] = []
    for station in stations:
        after = store.acked_up_to(station) if since_ack else 0
        events.extend(store.events_since(station, after))
    return events


# -- writing ------------------------------------------------------------------------------------


def encode(
    events: Sequence[Event], key: StationKey, station_id: str, workshop: str | None
) -> bytes:
    """The bundle file's bytes (compressed), signed with `key`."""
    return _encode(events, key, station_id, workshop)[1]


def _encode(
    events: Sequence[Event], key: StationKey, station_id: str, workshop: str | None
) -> tuple[BundleHeader, bytes]:
    # Events keep the event log's own JSON (fractional seconds of an erasure included):
    # the signature covers these bytes, and each event's hash is checked on import.
    body = b"".join(event_json(e.to_json()).encode("utf-8") + b"\n" for e in events)
    header = {
        "format": FORMAT,
        "version": VERSION,
        "station_id": station_id,
        "workshop": workshop,
        "key_id": key.key_id,
        "created": utc_now(),
        "events": len(events),
        "body_sha256": hashlib.sha256(body).hexdigest(),
    }
    head = canonical_json(header) + b"\n"
    signature = base64.b64encode(key.sign(head + body)).decode("ascii")
    tail = canonical_json({"signature": signature}) + b"\n"
    # mtime=0: the same events and header give the same file.
    data = gzip.compress(head + body + tail, compresslevel=6, mtime=0)
    return _header(head, "bundle"), data


def write_atomically(path: Path, data: bytes) -> None:
    """Writes `data` to a temporary file beside `path`, syncs it and renames it over
    `path`: a stick pulled out mid-way leaves the old file or none, never half a bundle."""
    path = Path(path)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temporary, path)
        with contextlib.suppress(OSError):  # the rename itself reaches the stick
            dir_fd = os.open(path.parent, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
    except OSError as exc:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise BenchError(
            "EXPORT_WRITE_FAILED", path=str(path), detail=exc.strerror or str(exc)
        ) from exc


def export_bundle(
    store: Store,
    key: StationKey,
    path: Path,
    *,
    since_ack: bool = False,
    all_stations: bool = False,
) -> BundleHeader:
    """Writes the events to send (see `events_to_send`) as a signed bundle at `path`."""
    events = events_to_send(store, since_ack=since_ack, all_stations=all_stations)
    header, data = _encode(events, key, store.station_id, store.meta(WORKSHOP_META))
    write_atomically(path, data)
    return header


# -- reading ------------------------------------------------------------------------------------


def _unreadable(source: str, detail: str) -> BenchError:
    return BenchError("BUNDLE_UNREADABLE", path=source, detail=detail)


def _split(data: bytes, source: str) -> tuple[bytes, bytes, bytes]:
    """(header line, body, signature line) of a bundle file's bytes."""
    try:
        raw = gzip.decompress(data)
    except EOFError as exc:
        raise _unreadable(source, "the file is cut short (truncated copy)") from exc
    except (OSError, zlib.error) as exc:
        raise _unreadable(source, f"not a readable bundle ({exc})") from exc
    if not raw.endswith(b"\n"):
        raise _unreadable(source, "the file is cut short (truncated copy)")
    lines = raw.split(b"\n")[:-1]
    if len(lines) < 2:
        raise _unreadable(source, "no header or no signature")
    head = lines[0] + b"\n"
    body = b"".join(line + b"\n" for line in lines[1:-1])
    return head, body, lines[-1]


def _header(head: bytes, source: str) -> BundleHeader:
    if len(head) > HEADER_MAX:
        raise _unreadable(source, f"the header line is longer than {HEADER_MAX} bytes")
    try:
        value: Any = json.loads(head)
        if not isinstance(value, dict) or value.get("format") != FORMAT:
            raise ValueError("not an Établi bundle")
        if value.get("version") != VERSION:
            raise ValueError(
                f"bundle version {value.get('version')!r}; this Établi reads version {VERSION}"
            )
        header = BundleHeader(
            station_id=str(value["station_id"]),
            workshop=None if value.get("workshop") is None else str(value["workshop"]),
            key_id=str(value["key_id"]),
            created=str(value["created"]),
            events=int(value["events"]),
            body_sha256=str(value["body_sha256"]),
        )
    except (KeyError, TypeError, ValueError, UnicodeDecodeError) as exc:
        raise _unreadable(source, f"bad header ({exc})") from exc
    return header


def _event(line: bytes, number: int, source: str) -> Event:
    try:
        value: Any = json.loads(line)
        if not isinstance(value, dict) or set(value) != set(_EVENT_FIELDS):
            raise ValueError("not an event")
        for name, types in _EVENT_FIELDS.items():
            item = value[name]
            if isinstance(item, bool) and types is not bool:
                raise ValueError(f"{name} has the wrong type")
            if not isinstance(item, types):
                raise ValueError(f"{name} has the wrong type")
        return Event(**value)
    except (TypeError, ValueError, UnicodeDecodeError) as exc:
        raise _unreadable(source, f"line {number + 1}: {exc}") from exc


def read_header(data: bytes, source: str) -> BundleHeader:
    """The header of a bundle file's bytes, not yet verified: says which station and key to
    check it against (BUNDLE_UNREADABLE when the file is not a whole bundle)."""
    return _header(_split(data, source)[0], source)


def decode(data: bytes, keyring: Keyring, *, source: str) -> Bundle:
    """A bundle read from its bytes and checked whole: BenchError (BUNDLE_UNREADABLE,
    BUNDLE_KEY_UNKNOWN or BUNDLE_SIGNATURE_INVALID) when any of it is wrong."""
    head, body, tail = _split(data, source)
    header = _header(head, source)
    key = keyring.get(header.key_id)
    if key is None:
        raise BenchError(
            "BUNDLE_KEY_UNKNOWN", path=source, key_id=header.key_id, station=header.station_id
        )
    try:
        signature_line: Any = json.loads(tail)
        signature = base64.b64decode(signature_line["signature"], validate=True)
    except (KeyError, TypeError, ValueError, UnicodeDecodeError, binascii.Error) as exc:
        raise _unreadable(source, "the signature line is missing or damaged") from exc
    try:
        key.public.verify(signature, head + body)
    except InvalidSignature:
        raise BenchError("BUNDLE_SIGNATURE_INVALID", path=source, key_id=header.key_id) from None
    if hashlib.sha256(body).hexdigest() != header.body_sha256:  # only a signer's own bug
        raise _unreadable(source, "the body does not match the hash in its header")
    lines = body.split(b"\n")[:-1] if body else []
    if len(lines) != header.events:
        raise _unreadable(source, f"{len(lines)} events where the header says {header.events}")
    return Bundle(header, [_event(line, i + 1, source) for i, line in enumerate(lines)])


def read_bundle(path: Path, keyring: Keyring) -> Bundle:
    try:
        data = read_input(path, limit=BUNDLE_MAX)
    except OSError as exc:
        raise _unreadable(str(path), exc.strerror or str(exc)) from exc
    return decode(data, keyring, source=str(path))


def import_bundle(store: Store, path: Path, keyring: Keyring) -> tuple[Bundle, ImportResult]:
    """Checks the whole bundle file, then imports its events (see `Store.import_events`)."""
    bundle = read_bundle(path, keyring)
    return bundle, store.import_events(bundle.events)
