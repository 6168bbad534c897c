"""Hostile requests answered with a clean 4xx and a stable code, never a 500: deep JSON
(enrolment is unsigned), too many arrays and objects, numbers no database holds, a
timestamp no float holds; and an altered copy of a stored event refused, not a duplicate.
On SQLite and on a real PostgreSQL."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from starlette.testclient import TestClient

from bench_app.sync.jsonguard import measure
from bench_app.wire import request_signing
from bench_app.wire.events import event_hash
from hub import protocol
from hub.db import HubDB
from hub.service import count_rows, create_enrolment_code
from tests.hub.conftest import BenchStation, as_json

DEEP = b"[" * 100_000 + b"]" * 100_000


def _code(response: object) -> tuple[int, str]:
    assert response.headers["content-type"] == "application/json"  # type: ignore[attr-defined]
    return response.status_code, response.json()["error"]  # type: ignore[attr-defined]


def test_deep_json_is_refused_before_parsing_signed_or_not(
    client: TestClient, hub_db: HubDB, workshop_a: BenchStation
) -> None:
    for path in ("/v1/enrol", "/v1/enrol/challenge"):
        assert _code(client.post(path, content=DEEP)) == (413, "too_large")  # past 16 KiB
        small_deep = b"[" * 5000 + b"]" * 5000
        assert _code(client.post(path, content=small_deep)) == (400, "too_deep")
    pushed = workshop_a.signed(client, "POST", "/v1/events", DEEP)
    assert _code(pushed) == (400, "too_deep")
    in_events = b'{"events": [' + DEEP + b"]}"
    assert _code(workshop_a.signed(client, "POST", "/v1/events", in_events)) == (400, "too_deep")
    claimed = workshop_a.signed(client, "POST", "/v1/station/prefix", b"[" * 200 + b"]" * 200)
    assert _code(claimed) == (400, "too_deep")
    assert count_rows(hub_db, "events") == 0


def test_a_body_of_too_many_arrays_and_objects_is_refused(
    client: TestClient, workshop_a: BenchStation
) -> None:
    crowd = b'{"events": [' + b",".join([b'{"":{}}'] * 150_000) + b"]}"
    assert measure(crowd).containers > protocol.MAX_JSON_CONTAINERS
    assert _code(workshop_a.signed(client, "POST", "/v1/events", crowd)) == (413, "too_complex")


def test_numbers_past_what_the_database_holds_are_refused(
    client: TestClient, hub_db: HubDB, workshop_a: BenchStation
) -> None:
    for target in (
        "/v1/events?after=99999999999999999999999",
        "/v1/events?after=0&limit=99999999999999999999999",
        f"/v1/events?after={2**63}",
    ):
        assert _code(workshop_a.signed(client, "GET", target)) == (400, "out_of_range"), target
    edge = workshop_a.signed(client, "GET", f"/v1/events?after={2**63 - 1}")
    assert edge.status_code == 200 and edge.json()["events"] == []
    padded = workshop_a.signed(client, "GET", "/v1/events?after=" + "0" * 40 + "1")
    assert padded.status_code == 200
    negative = workshop_a.signed(client, "GET", "/v1/events?after=-1")
    assert _code(negative) == (400, "bad_request")

    digits = b'{"events": [' + b"9" * 5000 + b"]}"  # past Python's 4300-digit limit
    assert _code(workshop_a.signed(client, "POST", "/v1/events", digits)) == (400, "bad_json")

    workshop_a.register_phone("N1")
    event = as_json(workshop_a.events())[0]
    too_far = workshop_a.push(client, [dict(event, seq=10**30)]).json()
    assert too_far["rejected"][0]["code"] == "malformed"
    assert "seq must be between" in too_far["rejected"][0]["reason"]
    # 1e999 is past a float: it reads as infinity, which PostgreSQL's JSON cannot hold, even
    # in an event whose hash was computed over it.
    good = workshop_a.events()[0]
    fields = dataclasses.replace(good, payload=dict(good.payload, n=float("inf"))).hashed_fields()
    text = json.dumps({"events": [dict(fields, hash=event_hash(fields))]})
    overflow = text.replace("Infinity", "1e999").encode()
    result = workshop_a.signed(client, "POST", "/v1/events", overflow).json()
    assert result["rejected"] == [
        {"id": good.id, "reason": "a number is too large for JSON", "code": "malformed"}
    ]
    infinity = workshop_a.push(client, [dict(event, payload={"n": float("inf")})])
    assert _code(infinity) == (400, "bad_json") and "Infinity" in infinity.json()["reason"]
    assert count_rows(hub_db, "events") == 0


def test_a_timestamp_no_clock_can_hold_is_refused_as_such(
    client: TestClient, workshop_a: BenchStation
) -> None:
    headers = {request_signing.HEADER_TIMESTAMP: "9" * 400}
    answer = workshop_a.signed(client, "GET", "/v1/events?after=0", headers=headers)
    assert _code(answer) == (401, "bad_timestamp")


def test_a_payload_nested_past_the_facts_depth_is_refused_alone(
    client: TestClient, hub_db: HubDB, workshop_a: BenchStation
) -> None:
    workshop_a.register_phone("D1")
    good = as_json(workshop_a.events())[0]
    nested: object = {}
    for _ in range(40):  # within the request's 64 levels, past a fact's 32
        nested = {"n": nested}
    deep = dict(good, payload=dict(good["payload"], extra=nested))
    result = workshop_a.push(client, [deep]).json()
    assert result["rejected"][0]["code"] == "malformed"
    assert "deeper than 32" in result["rejected"][0]["reason"]
    assert workshop_a.push(client, [good]).json()["accepted"] == [good["id"]]


def test_an_altered_copy_of_a_stored_event_is_refused_not_called_duplicate(
    client: TestClient, hub_db: HubDB, workshop_a: BenchStation
) -> None:
    workshop_a.register_phone("SN-1")
    workshop_a.register_phone("SN-2")
    first, second = as_json(workshop_a.events())
    assert workshop_a.push(client, [first]).json()["accepted"] == [first["id"]]

    altered = json.loads(json.dumps(first))
    altered["payload"]["serial"] = "SN-FORGED"  # same id, same hash, other content
    result = workshop_a.push(client, [altered, second]).json()
    assert result["duplicates"] == []
    assert result["rejected"] == [
        {"id": first["id"], "reason": "content does not match its hash", "code": "altered"}
    ]
    assert result["accepted"] == [second["id"]]  # the stored original still holds the chain
    again = workshop_a.push(client, [first]).json()
    assert again["duplicates"] == [first["id"]] and again["rejected"] == []
    with hub_db.transaction() as tx:
        stored = tx.one("SELECT payload FROM events WHERE id = ?", (first["id"],))
    assert stored is not None and "SN-FORGED" not in str(stored[0])


def test_enrolment_bodies_stay_small_and_nothing_half_enrols(
    client: TestClient, hub_db: HubDB, tmp_path: Path
) -> None:
    code, _ = create_enrolment_code(hub_db, "Atelier")
    padded = {"code": code, "pad": "x" * protocol.MAX_ENROL_BODY_BYTES}
    assert _code(client.post("/v1/enrol/challenge", json=padded)) == (413, "too_large")
    lying = client.post(
        "/v1/enrol", content=b"{}", headers={"Content-Length": "99999999999999999999999"}
    )
    assert lying.status_code in (400, 413)
    bench = BenchStation(tmp_path / "s")
    try:
        assert bench.enrol(client, code).status_code == 201
    finally:
        bench.close()
