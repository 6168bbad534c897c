"""The hub checks a pushed batch as a whole (one query for the ids it holds, the hashed form
put together once, one COPY to write) and still refuses exactly what it refused event by
event: the same events, with the same codes; a push cut while writing leaves nothing."""

from __future__ import annotations

import json
import threading
import uuid
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from bench_app.sync.jsonguard import depth_exceeds
from bench_app.wire.canonical import event_json
from bench_app.wire.values import _walk, surely_travels, value_problem
from hub import app as hub_app
from hub import service
from hub.db import HubDB, Tx
from hub.service import StationIdentity, count_rows
from tests.hub.conftest import BenchStation, as_json

# -- the pieces of the bulk check, against what they stand for ----------------------------


@given(
    st.one_of(
        st.uuids().map(str),
        st.uuids().map(lambda u: str(u).upper()),
        st.uuids().map(lambda u: u.hex),
        st.uuids().map(lambda u: "{" + str(u) + "}"),
        st.uuids().map(lambda u: str(u) + "\n"),
        st.uuids().map(lambda u: str(u).replace("a", "\u0661")),
        st.text(max_size=40),
    )
)
def test_the_uuid_check_accepts_exactly_the_canonical_form(text: str) -> None:
    try:
        expected = str(uuid.UUID(text)) == text.lower()
    except ValueError:
        expected = False
    assert service._is_uuid(text) is expected


_texts = st.text(alphabet=st.characters(codec=None, exclude_categories=()), max_size=12)
_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    _texts,
    st.sampled_from(["a\x00b", "\ud800", "\\u0000", "Infinity", "1.5"]),
)
_values = st.recursive(
    _scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.lists(inner, max_size=3).map(tuple),
        st.dictionaries(st.one_of(_texts, st.integers(), st.just("\x00")), inner, max_size=4),
        st.sets(st.integers(), max_size=2),
    ),
    max_leaves=20,
)


@given(
    st.dictionaries(_texts, _values, max_size=5) | st.lists(_values, max_size=5),
    st.booleans(),
    st.booleans(),
    st.booleans(),
)
def test_the_quick_value_check_finds_what_the_walk_finds(
    value: Any, floats: bool, texts: bool, json_types: bool
) -> None:
    flags = {"floats": floats, "texts": texts, "json_types": json_types}
    assert value_problem(value, "$", **flags) == _walk(value, "$", **flags)
    if surely_travels(value, floats=floats):
        assert _walk(value, "$", floats=floats, texts=True, json_types=True) is None


_json_values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(),
        _texts,
        st.sampled_from(["a\x00b", "\ud800", "\udc00\ud800", "\U0001f600", "\\u0000"]),
    ),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_texts, inner, max_size=3),
    max_leaves=30,
)


@settings(max_examples=300)
@given(
    payloads=st.lists(st.dictionaries(_texts, _json_values, max_size=4), max_size=3),
    nesting=st.integers(0, 40),
    ascii=st.booleans(),
    big=st.sampled_from(["", "1e999", "-1e400", "9" * 400, "1" * 25 + ".5e99", "1.5e300"]),
)
def test_a_plain_body_holds_only_values_that_travel_nested_within_bounds(
    payloads: list[dict[str, Any]], nesting: int, ascii: bool, big: str
) -> None:
    """What the web application's look at a body's text lets through unwalked is exactly
    what the walks would have let through: no NUL, no lone surrogate, no infinity, no
    payload deeper than the bound (any number, escape or depth a client may send)."""
    nested: Any = 0
    for _ in range(nesting):
        nested = [nested]
    events = [{"payload": {**p, "deep": nested}} for p in payloads]
    text = json.dumps({"events": events}, ensure_ascii=ascii)
    if big:
        text = text.replace('"deep": ', f'"big": {big}, "deep": ', 1)
    data = text.encode("utf-8", "surrogatepass")
    try:
        body, depth, finite = hub_app._json_deep(data)
    except service.HubRefusal:
        return  # refused whole before any event is looked at
    if service.plain_body(data, depth, finite):
        assert _walk(body, "$", floats=True, texts=True, json_types=True) is None
        assert surely_travels(body, floats=True)
        for event in body["events"]:
            assert not depth_exceeds(event["payload"], service.MAX_PAYLOAD_DEPTH)


@given(st.dictionaries(_texts, _json_values, max_size=5) | _json_values)
def test_the_event_encoding_is_json_dumps_with_sorted_keys(value: Any) -> None:
    expected = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert event_json(value) == expected


def test_the_event_encoding_refuses_what_json_dumps_refuses() -> None:
    looped: dict[str, Any] = {}
    looped["self"] = looped
    for bad in ({"a": {1, 2}}, {"b": b"bytes"}, looped):
        with pytest.raises((TypeError, ValueError)) as ours:
            event_json(bad)
        with pytest.raises((TypeError, ValueError)) as theirs:
            json.dumps(bad, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        assert (type(ours.value), str(ours.value)) == (type(theirs.value), str(theirs.value))


_event_texts = st.text(max_size=16).filter(lambda t: "\x00" not in t)


@given(
    device=st.none() | _event_texts,
    operator=_event_texts,
    ts=_event_texts,
    kind=_event_texts,
    seq=st.integers(1, 2**62 - 1),
    training=st.booleans(),
    payload=st.dictionaries(_event_texts, st.integers() | _event_texts | st.none(), max_size=4),
)
def test_the_hashed_form_is_put_together_as_the_event_encoding_writes_it(
    device: str | None,
    operator: str,
    ts: str,
    kind: str,
    seq: int,
    training: bool,
    payload: dict[str, Any],
) -> None:
    raw = {
        "id": str(uuid.uuid4()), "station_id": str(uuid.uuid4()), "seq": seq,
        "operator": operator, "ts": ts, "type": kind, "device_id": device,
        "payload": payload, "training": training, "prev_hash": "0" * 64, "hash": "",
    }  # fmt: skip
    assert service._hashed_text(raw, event_json(payload)) == event_json(service._hashed(raw))


# -- whole batches: the same refusals as one event at a time ----------------------------------


def _chain(tmp_path: Path, phones: int) -> tuple[StationIdentity, list[dict[str, Any]]]:
    bench = BenchStation(tmp_path / "station")
    try:
        for n in range(phones):
            bench.register_phone(f"SER{n:04d}", imei="")
        return StationIdentity(bench.station_id, ""), as_json(bench.events())
    finally:
        bench.close()


def _fresh_hub(folder: Path, station: StationIdentity) -> tuple[HubDB, StationIdentity]:
    db = HubDB(f"sqlite:///{folder / (uuid.uuid4().hex + '.sqlite3')}")
    with db.transaction() as tx:
        workshop = service.ensure_workshop(tx, "Atelier A")
        tx.execute(
            "INSERT INTO stations (station_id, workshop_id, public_key, key_id, enrolled_at)"
            " VALUES (?, ?, 'k', ?, '2025-01-01T00:00:00Z')",
            (station.station_id, workshop, uuid.uuid4().hex),
        )
    return db, StationIdentity(station.station_id, workshop)


def _spoil(event: dict[str, Any], how: str) -> Any:
    spoilt = json.loads(json.dumps(event))
    if how == "altered":
        spoilt["payload"]["serial"] = "FORGED"
    elif how == "malformed":
        del spoilt["ts"]
    elif how == "nul":
        spoilt["operator"] = "Cam\x00ille"
    elif how == "not_a_uuid":
        spoilt["id"] = "not-a-uuid"
    elif how == "relayed":
        spoilt["station_id"] = str(uuid.uuid4())
    elif how == "training":
        spoilt["training"] = True
    elif how == "nul_in_payload":
        spoilt["payload"]["model"] = "FP\x003"
    elif how == "big_number":
        spoilt["payload"]["model"] = float("inf")  # what a parser makes of 1e999
    elif how == "deep_payload":
        nested: Any = "bottom"
        for _ in range(5000):  # past the payload depth bound, and far past recursion's
            nested = [nested]
        spoilt["payload"]["extra"] = nested
    elif how == "not_an_object":
        return [spoilt["id"]]
    return spoilt


def _as_received(batch: list[Any], *, ascii: bool) -> tuple[list[Any], bool]:
    """The batch as the hub's web application parses it from a station's request body (a
    number past a float written as 1e999, as another client could send it) and whether its
    text showed it plain; the batch itself, not plain, when the body is refused whole."""
    try:
        text = json.dumps({"events": batch}, ensure_ascii=ascii)
    except RecursionError:  # too deep to write: looked at event by event as before
        return batch, False
    data = text.replace("Infinity", "1e999").encode("utf-8", "surrogatepass")
    try:
        body, depth, finite = hub_app._json_deep(data)
    except service.HubRefusal:  # too deep, or not UTF-8: the request never reaches push
        return batch, False
    return service.parse_push(body), service.plain_body(data, depth, finite)


_SPOILS = [
    "altered", "malformed", "nul", "not_a_uuid", "relayed", "training", "not_an_object",
    "nul_in_payload", "big_number", "deep_payload",
]  # fmt: skip


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> tuple[StationIdentity, list[Any]]:
    return _chain(tmp_path_factory.mktemp("chain"), 6)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_batch_is_refused_exactly_as_its_events_one_at_a_time(
    chain: tuple[StationIdentity, list[Any]], tmp_path_factory: pytest.TempPathFactory, data: Any
) -> None:
    station, events = chain
    count = data.draw(st.integers(1, len(events)))
    batch: list[Any] = list(events[:count])
    for _ in range(data.draw(st.integers(0, 2))):
        at = data.draw(st.integers(0, len(batch) - 1))
        batch[at] = _spoil(events[at], data.draw(st.sampled_from(_SPOILS)))
    untouched = [i for i, e in enumerate(batch) if e is events[i]]
    if untouched and data.draw(st.booleans()):
        # Sent twice. (Sending the original after its spoilt copy differs by design: in one
        # batch it follows the refused copy; alone, it comes first on a chain still whole.)
        batch.append(events[data.draw(st.sampled_from(untouched))])
    folder = tmp_path_factory.mktemp("hubs")
    together_db, who = _fresh_hub(folder, station)
    alone_db, who_alone = _fresh_hub(folder, station)
    # The batch as the web application hands it over: parsed from its text, with the text's
    # verdict on its values (`plain`), unless the text is refused whole before any check.
    received, plain = _as_received(batch, ascii=data.draw(st.booleans()))
    try:
        together = service.push(together_db, who, received, plain=plain)
        # The reference: one event per push, in the order the batch is taken (chain order),
        # up to the first refused event of the station's own chain: in a batch, whatever
        # comes after it is refused too (it cannot be linked), if not for its own fault.
        ordered = sorted(batch, key=lambda e: e["seq"] if service._shape_problem(e) is None else 0)
        accepted: list[str] = []
        duplicates: list[str] = []
        refused: list[dict[str, str]] = []
        rest = 0
        for n, event in enumerate(ordered):
            alone = service.push(alone_db, who_alone, [event])
            accepted += alone.accepted
            duplicates += alone.duplicates
            refused += alone.rejected
            if (
                alone.rejected
                and isinstance(event, dict)
                and event.get("station_id") == (station.station_id)
            ):
                rest = len(ordered) - n - 1
                break
    finally:
        together_db.close()
        alone_db.close()
    assert together.accepted == accepted
    assert together.duplicates[: len(duplicates)] == duplicates
    assert together.rejected[: len(refused)] == refused  # same events, reasons and codes
    after = together.rejected[len(refused) :]
    assert len(after) + len(together.duplicates) - len(duplicates) == rest
    own_faults = {"follows_refused", "malformed", "relayed", "altered", "id_taken", "training"}
    assert {r["code"] for r in after} <= own_faults


def test_one_bad_event_in_the_middle_of_a_big_batch(
    client: TestClient, hub_db: HubDB, workshop_a: BenchStation
) -> None:
    for n in range(40):
        workshop_a.register_phone(f"M{n:03d}")
    events = as_json(workshop_a.events())
    middle = len(events) // 2
    batch = list(events)
    batch[middle] = _spoil(events[middle], "altered")
    result = workshop_a.push(client, batch).json()
    assert result["accepted"] == [e["id"] for e in events[:middle]]
    assert result["rejected"][0] == {
        "id": events[middle]["id"],
        "reason": "content does not match its hash",
        "code": "altered",
    }
    assert {r["code"] for r in result["rejected"][1:]} == {"follows_refused"}
    assert len(result["rejected"]) == len(events) - middle
    assert count_rows(hub_db, "events") == middle
    again = workshop_a.push(client, events).json()
    assert len(again["accepted"]) == len(events) - middle
    assert len(again["duplicates"]) == middle
    assert count_rows(hub_db, "events") == len(events)


def test_a_push_cut_while_writing_leaves_nothing_half_stored(
    hub_db: HubDB, workshop_a: BenchStation, monkeypatch: pytest.MonkeyPatch
) -> None:
    for n in range(5):
        workshop_a.register_phone(f"C{n}")
    events = as_json(workshop_a.events())
    with hub_db.transaction() as tx:
        row = tx.one(
            "SELECT workshop_id FROM stations WHERE station_id = ?", (events[0]["station_id"],)
        )
    assert row is not None
    who = StationIdentity(events[0]["station_id"], str(row[0]))
    real_many = Tx.many

    def cut(self: Tx, sql: str, rows: Any) -> None:
        if "device_identities" in sql:  # after the events' COPY, before the commit
            raise ConnectionResetError("the connection was cut")
        real_many(self, sql, rows)

    monkeypatch.setattr(Tx, "many", cut)
    with pytest.raises(ConnectionResetError):
        service.push(hub_db, who, events)
    assert count_rows(hub_db, "events") == 0
    assert count_rows(hub_db, "device_identities") == 0
    monkeypatch.setattr(Tx, "many", real_many)
    result = service.push(hub_db, who, events)
    assert len(result.accepted) == len(events)
    assert count_rows(hub_db, "events") == len(events)
    assert count_rows(hub_db, "device_identities") == 5


def test_stations_pushing_at_once_are_all_stored_with_cursors_in_chain_order(
    client: TestClient, hub_db: HubDB, tmp_path: Path
) -> None:
    from tests.hub.conftest import enrolled

    benches = [enrolled(client, hub_db, tmp_path / f"s{i}", "Atelier A") for i in range(3)]
    try:
        batches = []
        for i, bench in enumerate(benches):
            for n in range(6):
                bench.register_phone(f"T{i}-{n}")
            batches.append(as_json(bench.events()))
        start = threading.Barrier(len(benches))
        results: list[Any] = [None] * len(benches)

        def push(i: int) -> None:
            with hub_db.transaction() as tx:
                row = tx.one(
                    "SELECT workshop_id FROM stations WHERE station_id = ?",
                    (benches[i].station_id,),
                )
            assert row is not None
            who = StationIdentity(benches[i].station_id, str(row[0]))
            start.wait()
            half = len(batches[i]) // 2
            results[i] = [
                service.push(hub_db, who, batches[i][:half]),
                service.push(hub_db, who, batches[i][half:]),
            ]

        threads = [threading.Thread(target=push, args=(i,)) for i in range(len(benches))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for i, pair in enumerate(results):
            assert [e for r in pair for e in r.accepted] == [e["id"] for e in batches[i]]
        with hub_db.transaction() as tx:
            rows = tx.all("SELECT station_id, seq FROM events ORDER BY cursor")
        assert len(rows) == sum(len(b) for b in batches)
        for bench in benches:
            seqs = [int(seq) for sid, seq in rows if sid == bench.station_id]
            assert seqs == sorted(seqs)
    finally:
        for bench in benches:
            bench.close()
