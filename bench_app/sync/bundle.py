"""Offline bundles: a station's events on a USB stick, for a hub or another station.

A bundle file is gzip over UTF-8 lines:

    line 1        the header, canonical JSON: format, version, station_id, workshop, key_id,
                  created, events (the count), body_sha256 (of the body bytes)
    lines 2..n+1  the body: one event per line in the event encoding (`wire.events.event_line`)
    last line     {"signature": BASE64}: Ed25519 by the station key over header line + "\\n"
                  + body (every line of it, each ending in "\\n")

Reading streams the file: it is inflated piece by piece and checked as it comes, so a
hostile file is refused before it costs memory: the header must come first (within
MAX_HEADER_BYTES) and name a trusted key, there may be no more lines than it announces, and
the whole may not inflate past MAX_INFLATED_BYTES (a 1 MB gzip bomb of 1 GiB stops at the
cap, BUNDLE_TOO_LARGE). Then, before anything is imported: the gzip stream is whole (a
truncated copy fails there), the signature holds, the body has the announced count and
hash, and every line is an event. Only then are the events handed to `Store.import_events`,
which checks each station's hash chain and imports in one transaction. Ed25519 signs the
message whole, so the inflated bytes are held (up to the cap) until the signature is checked.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import gzip
import hashlib
import io
import itertools
import json
import math
import operator
import os
import re
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from bench_app.errors import BenchError
from bench_app.input_files import BUNDLE_MAX, open_input, too_large
from bench_app.signing import Keyring, StationKey
from bench_app.store.database import ImportResult, Store
from bench_app.store.events import is_training_chain, utc_now
from bench_app.sync.jsonguard import measure
from bench_app.wire.canonical import canonical_json
from bench_app.wire.events import EVENT_FIELD_TYPES, Event, event_line

FORMAT = "etabli.bundle"
VERSION = 1
WORKSHOP_META = "workshop"
# What a bundle may hold once decompressed (about 250,000 events). Reading holds at most this
# much, so a hostile file keeps `etabli bundle import` and the hub far from an OOM kill.
MAX_INFLATED_BYTES = 128 * 1024 * 1024
MAX_HEADER_BYTES = 64 * 1024
MAX_LINE_DEPTH = 64  # an event line nests a few levels; past this it is damaged
_READ = 64 * 1024  # compressed bytes read at a time
_PIECE = 256 * 1024  # decompressed bytes at most per step

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
    # Every payload certainly passes the wire's value rule (floats accepted), as the text
    # showed (`_events_at_once`); False: not known, `Store.import_events` walks them.
    payloads_travel: bool = False


# -- what to send ---------------------------------------------------------------------------


def mark_acknowledged(store: Store, seq: int, station_id: str | None = None) -> int:
    """Records that a hub holds this station's events (or `station_id`'s) up to `seq`, so
    that `bundle export --since-ack` leaves them out; never moves backwards."""
    return store.mark_acknowledged(seq, station_id)


def events_to_send(
    store: Store, *, since_ack: bool = False, all_stations: bool = False
) -> list[Event]:
    """This station's events (with `all_stations`, every station's held here), oldest first
    per station; with `since_ack`, only those after the seq a hub acknowledged. Never a
    training fact (see `shareable`)."""
    stations = list(store.station_heads()) if all_stations else [store.station_id]
    stations = [s for s in stations if not is_training_chain(s)]
    if store.station_id in stations:  # this station's own events first
        stations.remove(store.station_id)
        stations.insert(0, store.station_id)
    events: list[Event] = []
    for station in stations:
        after = store.acked_up_to(station) if since_ack else 0
        events.extend(shareable(store.events_since(station, after)))
    return events


def shareable(chain: Sequence[Event]) -> list[Event]:
    """The events of one chain that may leave the station: all of them up to its first
    training fact. Training facts have their own chain today; one in a station's chain was
    written by an older version, and skipping it would leave a gap no reader accepts."""
    for i, event in enumerate(chain):
        if event.training:
            return list(chain[:i])
    return list(chain)


# -- writing ------------------------------------------------------------------------------------


def encode(
    events: Sequence[Event], key: StationKey, station_id: str, workshop: str | None
) -> bytes:
    """The bundle file's bytes (compressed), signed with `key`."""
    return _encode(events, key, station_id, workshop)[1]


def _encode(
    events: Sequence[Event], key: StationKey, station_id: str, workshop: str | None
) -> tuple[BundleHeader, bytes]:
    body = b"".join(event_line(e) + b"\n" for e in events)
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
    size = len(head) + len(body) + len(tail)
    if size > MAX_INFLATED_BYTES:  # no station nor hub would read it
        raise BenchError("BUNDLE_EXPORT_TOO_LARGE", size=size >> 20, limit=MAX_INFLATED_BYTES >> 20)
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


def _header(head: bytes, source: str) -> BundleHeader:
    if len(head) > MAX_HEADER_BYTES:
        raise _unreadable(source, f"the header line is longer than {MAX_HEADER_BYTES} bytes")
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


Trust = Callable[[BundleHeader], Ed25519PublicKey]


def keyring_trust(keyring: Keyring, source: str) -> Trust:
    """The key of a bundle's header from `keyring` (BUNDLE_KEY_UNKNOWN when not there)."""

    def trust(header: BundleHeader) -> Ed25519PublicKey:
        key = keyring.get(header.key_id)
        if key is None:
            raise BenchError(
                "BUNDLE_KEY_UNKNOWN", path=source, key_id=header.key_id, station=header.station_id
            )
        return key.public

    return trust


def _inflated(stream: BinaryIO, source: str) -> Iterator[bytes]:
    """The decompressed bytes of a gzip stream, at most _PIECE at a time, as `gzip` reads
    them (several members follow each other; zero padding after the last is ignored)."""
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    while chunk := stream.read(_READ):
        while True:
            if inflater.eof:
                if not chunk.strip(b"\0"):
                    break
                inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
            try:
                out = inflater.decompress(chunk, _PIECE)
            except zlib.error as exc:
                raise _unreadable(source, f"not a readable bundle ({exc})") from exc
            if out:
                yield out
            chunk = inflater.unused_data if inflater.eof else inflater.unconsumed_tail
            # A full piece may leave output inside zlib even with no input left: ask again.
            if not chunk and (inflater.eof or len(out) < _PIECE):
                break
    if not inflater.eof:
        raise _unreadable(source, "the file is cut short (truncated copy)")


def read_stream(stream: BinaryIO, trust: Trust, *, source: str) -> Bundle:
    """A bundle read from a file object and checked whole: BenchError (BUNDLE_UNREADABLE,
    BUNDLE_TOO_LARGE, BUNDLE_SIGNATURE_INVALID, or whatever `trust` raises for the header's
    key) when any of it is wrong. Holds at most MAX_INFLATED_BYTES of it."""
    data = bytearray()
    header: BundleHeader | None = None
    public: Ed25519PublicKey | None = None
    head_end = lines = 0
    for piece in _inflated(stream, source):
        start = len(data)
        data += piece
        if len(data) > MAX_INFLATED_BYTES:
            raise BenchError("BUNDLE_TOO_LARGE", path=source, limit=MAX_INFLATED_BYTES >> 20)
        if header is None:
            end = data.find(b"\n")
            if end < 0:
                if len(data) > MAX_HEADER_BYTES:
                    raise _unreadable(source, "no bundle header at the start")
                continue
            head_end = start = end + 1
            if measure(data[:head_end]).depth > MAX_LINE_DEPTH:  # before the parser recurses
                raise _unreadable(source, "bad header (nested too deeply)")
            header = _header(bytes(data[:head_end]), source)
            public = trust(header)  # an untrusted key is refused before the body is read
        lines += data.count(b"\n", start)
        if lines > header.events + 1:  # the events, then the signature line
            raise _unreadable(source, f"more lines than the {header.events} events announced")
    if not data.endswith(b"\n"):
        raise _unreadable(source, "the file is cut short (truncated copy)")
    tail_start = data.rfind(b"\n", 0, len(data) - 1) + 1
    if header is None or public is None or tail_start < head_end:
        raise _unreadable(source, "no header or no signature")
    view = memoryview(data)
    try:
        tail = bytes(view[tail_start:-1])
        if len(tail) > 1024:
            raise ValueError("too long")
        signature_line: Any = json.loads(tail)
        signature = base64.b64decode(signature_line["signature"], validate=True)
    except (KeyError, TypeError, ValueError, UnicodeDecodeError, binascii.Error) as exc:
        raise _unreadable(source, "the signature line is missing or damaged") from exc
    try:
        public.verify(signature, view[:tail_start])
    except InvalidSignature:
        raise BenchError("BUNDLE_SIGNATURE_INVALID", path=source, key_id=header.key_id) from None
    body = view[head_end:tail_start]
    if hashlib.sha256(body).hexdigest() != header.body_sha256:  # only a signer's own bug
        raise _unreadable(source, "the body does not match the hash in its header")
    if lines - 1 != header.events:
        raise _unreadable(source, f"{lines - 1} events where the header says {header.events}")
    quick = _events_at_once(body, header.events)
    if quick is None:  # something is wrong: the line by line reading says what and where
        return Bundle(header, list(_events(data, head_end, tail_start, source)))
    return Bundle(header, *quick)


_FIELD_SET = frozenset(_EVENT_FIELDS)
_FIELD_VALUES = operator.itemgetter(*_EVENT_FIELDS)
# Every tuple of exact types json.loads may give the fields in order (never a subclass:
# True is a bool, never an int), e.g. device_id a str or None.
_EXACT_TYPES = frozenset(
    itertools.product(*(t if isinstance(t, tuple) else (t,) for t in _EVENT_FIELDS.values()))
)
# Every byte but the opening brackets and the newline: deleted to count each line's brackets.
_NOT_OPENING = bytes(b for b in range(256) if b not in b"[{\n")


# Escapes that may give NUL or half a surrogate pair (then the payloads are walked).
_UNSAFE_ESCAPE = re.compile(rb"\\u(?:0000|[dD][89abcdefABCDEF])")


class _NotFinite(Exception):
    pass


def _finite(text: str) -> float:
    """A JSON fraction or exponent as a float; _NotFinite past a float's range."""
    value = float(text)
    if not math.isfinite(value):
        raise _NotFinite(text)
    return value


def _events_at_once(body: memoryview, count: int) -> tuple[list[Event], bool] | None:
    """The body's events parsed in one call of the parser (the lines joined into one JSON
    array), or None when anything is off: a line that may nest too deeply, not JSON, not
    `count` values, a value that is not an event; then `_events` reads it again line by
    line and says what is wrong, so this route refuses exactly what that one refuses, only
    faster when all is well. A raw newline cannot occur inside a JSON value, so the lines
    are the values."""
    lines = bytes(body)
    # Only a line with more brackets than MAX_LINE_DEPTH may nest too deeply: none may come
    # here, before the parser recurses.
    if (
        count == 0
        or max(map(len, lines.translate(None, _NOT_OPENING).split(b"\n"))) > MAX_LINE_DEPTH
    ):
        return None
    text = b"[" + lines[:-1].replace(b"\n", b",") + b"]"
    # The payloads travel for sure when no number overflowed nor was NaN or infinity (read
    # again below without the check) and no escape may give NUL or a lone surrogate: a
    # parsed text holds JSON's types and text keys only, and UTF-8 holds no surrogate.
    travel = _UNSAFE_ESCAPE.search(text) is None
    try:
        values: Any = json.loads(text, parse_float=_finite, parse_constant=_not_a_number)
    except _NotFinite:
        travel = False
        try:
            values = json.loads(text)
        except (ValueError, UnicodeDecodeError, RecursionError):
            return None
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None
    if len(values) != count:
        return None
    for value in values:
        if type(value) is not dict or value.keys() != _FIELD_SET:
            return None
        if tuple(map(type, _FIELD_VALUES(value))) not in _EXACT_TYPES:
            return None
    return [Event(**value) for value in values], travel


def _not_a_number(text: str) -> float:
    raise _NotFinite(text)


def _events(data: bytearray, start: int, stop: int, source: str) -> Iterator[Event]:
    """The events of the body lines between `start` and `stop`, one line at a time."""
    number = 1
    while start < stop:
        end = data.index(b"\n", start)
        line = bytes(data[start:end])
        # Few lines have many brackets: only those are measured, before the parser recurses.
        deep = line.count(b"[") + line.count(b"{") > MAX_LINE_DEPTH
        if deep and measure(line).depth > MAX_LINE_DEPTH:
            raise _unreadable(source, f"line {number + 1}: nested too deeply")
        yield _event(line, number, source)
        start, number = end + 1, number + 1


def decode(data: bytes, keyring: Keyring, *, source: str) -> Bundle:
    """A bundle read from its bytes and checked whole (see `read_stream`)."""
    return read_stream(io.BytesIO(data), keyring_trust(keyring, source), source=source)


def read_bundle(path: Path, keyring: Keyring) -> Bundle:
    """A bundle file read as a stream and checked whole (see `read_stream`)."""
    return read_file(path, keyring_trust(keyring, str(path)))


def read_file(path: Path, trust: Trust) -> Bundle:
    """A bundle file read as a stream and checked whole, its key given by `trust`."""
    try:
        with open_input(path) as stream:  # a regular file: never a FIFO or /dev/zero
            announced = os.fstat(stream.fileno()).st_size
            if announced > BUNDLE_MAX:  # refused before reading anything
                raise too_large(path, announced, BUNDLE_MAX)
            return read_stream(stream, trust, source=str(path))
    except OSError as exc:  # no such file, or a stick pulled out while reading
        raise _unreadable(str(path), exc.strerror or str(exc)) from exc


def import_bundle(store: Store, path: Path, keyring: Keyring) -> tuple[Bundle, ImportResult]:
    """Checks the whole bundle file, then imports its events (see `Store.import_events`)."""
    bundle = read_bundle(path, keyring)
    return bundle, store.import_events(bundle.events, payloads_travel=bundle.payloads_travel)
