"""The quick routes of reading and importing a bundle refuse exactly what the line by line,
event by event routes refuse, and leave the station in the same state."""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench_app.domain.model import DonorKind
from bench_app.errors import BenchError
from bench_app.signing import Keyring, StationKey, TrustedKey
from bench_app.store import database, queries
from bench_app.store.database import ImportResult, NewEvent, Store
from bench_app.sync import bundle
from bench_app.wire.canonical import canonical_json
from bench_app.wire.events import Event
from bench_app.wire.refusals import Refusal
from bench_app.wire.values import surely_travels
from tests.sync_bundles.support import Bench, intake, open_bench


def _signed(key: StationKey, lines: list[bytes]) -> bytes:
    """A bundle whose body is these lines as given (each gets its newline), signed by `key`:
    only its content can be wrong, never its signature nor its count of lines."""
    body = b"".join(line + b"\n" for line in lines)
    header = {
        "format": bundle.FORMAT,
        "version": bundle.VERSION,
        "station_id": "s",
        "workshop": None,
        "key_id": key.key_id,
        "created": "2026-01-01T00:00:00.000Z",
        "events": len(lines),
        "body_sha256": hashlib.sha256(body).hexdigest(),
    }
    head = canonical_json(header) + b"\n"
    signature = base64.b64encode(key.sign(head + body)).decode("ascii")
    return bundle.gzip.compress(head + body + canonical_json({"signature": signature}) + b"\n")


def _outcome(read: Callable[[], bundle.Bundle]) -> tuple[str, Any]:
    try:
        got = read()
    except BenchError as exc:
        return exc.code, exc.message.en
    if got.payloads_travel:  # a certainty, never a guess
        assert surely_travels([e.payload for e in got.events], floats=True)
    return "read", got.events


def _both_ways(
    key: StationKey, lines: list[bytes], monkeypatch: pytest.MonkeyPatch
) -> tuple[tuple[str, Any], tuple[str, Any]]:
    """The same bundle read by the quick route, then with it turned off."""
    data = _signed(key, lines)
    keyring = Keyring([TrustedKey(key.key_id, key.public, "test")])

    def read() -> bundle.Bundle:
        return bundle.decode(data, keyring, source="b")

    quick = _outcome(read)
    with monkeypatch.context() as m:
        m.setattr(bundle, "_events_at_once", lambda body, count: None)
        slow = _outcome(read)
    return quick, slow


def _event_json(**changes: Any) -> dict[str, Any]:
    value: dict[str, Any] = {
        "id": "01a20000-0000-7000-8000-000000000001",
        "station_id": "s",
        "seq": 1,
        "operator": "op",
        "ts": "2026-01-01T00:00:00.000Z",
        "type": "job.started",
        "device_id": None,
        "payload": {"job_id": "j"},
        "training": False,
        "prev_hash": "0" * 64,
        "hash": "1" * 64,
    }
    value.update(changes)
    return value


GOOD = json.dumps(_event_json()).encode()
DEEP = json.dumps(_event_json(payload={"x": json.loads("[" * 70 + "]" * 70)})).encode()
NOT_DEEP = json.dumps(_event_json(payload={"x": json.loads("[" * 60 + "]" * 60)})).encode()
# Lines that read well but whose payload cannot travel: the import refuses them.
UNTRAVELLED = {
    "nan": GOOD.replace(b'"j"}', b'"j", "x": NaN}'),
    "infinity": GOOD.replace(b'"j"}', b'"j", "x": -Infinity}'),
    "overflow": GOOD.replace(b'"j"}', b'"j", "x": 1e400}'),
    "nul": GOOD.replace(b'"j"}', b'"j\\u0000"}'),
    "surrogate": GOOD.replace(b'"j"}', b'"j\\ud800"}'),
    "fraction": GOOD.replace(b'"j"}', b'"j", "x": 0.5}'),
}
BAD_LINES = {
    "seq-float": json.dumps(_event_json(seq=1.0)).encode(),
    "seq-bool": json.dumps(_event_json(seq=True)).encode(),
    "training-int": json.dumps(_event_json(training=1)).encode(),
    "device-int": json.dumps(_event_json(device_id=3)).encode(),
    "payload-list": json.dumps(_event_json(payload=[])).encode(),
    "missing-field": json.dumps({k: v for k, v in _event_json().items() if k != "ts"}).encode(),
    "extra-field": json.dumps(_event_json(more=1)).encode(),
    "not-json": b"{not json",
    "two-on-a-line": GOOD + b"," + GOOD,
    "trailing-comma": GOOD + b",",
    "array-closed-early": GOOD + b"]",
    "a-list": b"[" + GOOD + b"]",
    "null": b"null",
    "empty-line": b"",
    "spaces": b"   ",
    "deep": DEEP,
    "brackets-in-strings": json.dumps(_event_json(operator="[{" * 40)).encode(),
    "not-utf8": GOOD.replace(b'"op"', b'"o\xffp"'),
}


@pytest.fixture
def key(tmp_path: Path) -> StationKey:
    return StationKey.load_or_create(tmp_path)


@pytest.mark.parametrize("place", [0, 1, 2])
@pytest.mark.parametrize("name", sorted(BAD_LINES))
def test_a_bad_line_is_refused_the_same_way_by_both_routes(
    key: StationKey, monkeypatch: pytest.MonkeyPatch, name: str, place: int
) -> None:
    lines = [GOOD, NOT_DEEP]
    lines.insert(place, BAD_LINES[name])
    quick, slow = _both_ways(key, lines, monkeypatch)
    assert quick == slow
    if name != "brackets-in-strings":  # the one that is a good event after all
        assert quick[0] == "BUNDLE_UNREADABLE", quick


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    lines=st.lists(
        st.one_of(
            st.sampled_from([GOOD, NOT_DEEP, *BAD_LINES.values(), *UNTRAVELLED.values()]),
            st.binary(max_size=40),
            st.builds(
                lambda base, cut: base[:cut],
                st.sampled_from([GOOD, NOT_DEEP]),
                st.integers(0, 200),
            ),
        ).map(lambda line: line.replace(b"\n", b" ")),
        min_size=1,
        max_size=5,
    )
)
def test_any_body_reads_the_same_by_both_routes(
    key: StationKey, monkeypatch: pytest.MonkeyPatch, lines: list[bytes]
) -> None:
    quick, slow = _both_ways(key, lines, monkeypatch)
    assert quick == slow


def test_a_good_body_is_read_by_the_quick_route(
    key: StationKey, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = [GOOD, NOT_DEEP, GOOD]
    body = memoryview(b"".join(line + b"\n" for line in lines))
    quick_route = bundle._events_at_once(body, 3)
    assert quick_route is not None
    events, travel = quick_route
    assert travel and [e.payload for e in events] == [
        {"job_id": "j"},
        json.loads(NOT_DEEP)["payload"],
        {"job_id": "j"},
    ]
    quick, slow = _both_ways(key, lines, monkeypatch)
    assert quick == slow and quick[0] == "read"
    assert all(isinstance(e, Event) for e in quick[1])


@pytest.mark.parametrize("name", sorted(UNTRAVELLED))
def test_a_payload_that_may_not_travel_is_read_and_left_to_the_import_to_judge(
    key: StationKey, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    quick, slow = _both_ways(key, [GOOD, UNTRAVELLED[name]], monkeypatch)
    assert quick[0] == slow[0] == "read"
    assert repr(quick[1]) == repr(slow[1])  # NaN is not equal to itself: compared as text
    data = _signed(key, [GOOD, UNTRAVELLED[name]])
    keyring = Keyring([TrustedKey(key.key_id, key.public, "test")])
    read = bundle.decode(data, keyring, source="b")
    assert read.payloads_travel is (name == "fraction")


# -- importing ---------------------------------------------------------------------------------


def _guarded_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every imported event in its own savepoint, as before the quick route."""
    original = Store._import_one

    def one(self: Store, conn: Any, event: Event, devices: set[str], **kw: Any) -> Any:
        return original(self, conn, event, devices, guarded=True, count=kw.get("count", True))

    monkeypatch.setattr(Store, "_import_one", one)


def _summary(result: ImportResult) -> tuple[Any, ...]:
    return (
        result.accepted,
        result.duplicates,
        [(r.event_id, r.code, r.reason) for r in result.rejected],
    )


def _twin_benches(tmp_path: Path, setup: Callable[[Bench], object]) -> tuple[Bench, Bench]:
    """Two copies of one station's folder, after `setup` ran on it."""
    b = open_bench(tmp_path, "B")
    setup(b)
    b.station.close()
    shutil.copytree(tmp_path / "B", tmp_path / "B2")
    return open_bench(tmp_path, "B"), open_bench(tmp_path, "B2")


def test_an_event_that_cannot_be_applied_is_refused_as_event_by_event(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A's phone registration takes an asset code B gave one of its own: it cannot be
    applied at B; the quick route then does it all again event by event, same outcome."""
    a = open_bench(tmp_path, "A")
    made = intake(a, devices=2)
    events = a.store.events_since()
    registration = next(e for e in events if e.type == "device.registered")
    a.station.close()

    def setup(b: Bench) -> None:
        donor = b.station.register_donor("Donateur B", DonorKind.COMPANY, "b@b.example")
        lot = b.station.register_lot(donor, agreement_ref="CONV-B", expected_count=1)
        payload = {**registration.payload, "device_id": "01a20000-0000-7000-8000-0000000000ff"}
        payload.update(serial="B-own", lot_id=lot)
        b.store.record(
            [NewEvent("device.registered", payload, payload["device_id"])],
            operator="b",
            training=False,
        )

    b, b2 = _twin_benches(tmp_path, setup)
    try:
        quick = b.store.import_events(events)
        with monkeypatch.context() as m:
            _guarded_only(m)
            slow = b2.store.import_events(events)
        assert _summary(quick) == _summary(slow)
        codes = {r.code for r in quick.rejected}
        assert Refusal.NOT_APPLICABLE in codes, codes
        assert quick.accepted  # the donor and the lot still went in
        assert made["devices"][0] not in quick.accepted
        assert queries.projection_snapshot(b.store) == queries.projection_snapshot(b2.store)
        assert b.store.check().ok
    finally:
        b.station.close()
        b2.station.close()


def test_counting_once_at_the_end_gives_the_counters_of_counting_each_event(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a = open_bench(tmp_path, "A")
    intake(a, devices=6)
    events = a.store.events_since()
    a.station.close()
    b, b2 = _twin_benches(tmp_path, lambda b: intake(b, devices=2))
    try:
        with monkeypatch.context() as m:
            m.setattr(database, "BULK_COUNT_MIN", 1)  # counted once at the end
            calls: list[int] = []
            original = database.projections.count_all

            def count_all(conn: Any) -> None:
                calls.append(1)
                original(conn)

            m.setattr(database.projections, "count_all", count_all)
            bulk = b.store.import_events(events)
            assert calls == [1]
        with monkeypatch.context() as m:
            m.setattr(database, "BULK_COUNT_MIN", 10**9)  # each event moves the counters
            each = b2.store.import_events(events)
        assert _summary(bulk) == _summary(each) and len(bulk.accepted) == len(events)
        assert queries.projection_snapshot(b.store) == queries.projection_snapshot(b2.store)
        assert b.store.check().ok
    finally:
        b.station.close()
        b2.station.close()
