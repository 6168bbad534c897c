"""The hub over HTTP, on SQLite and on a real PostgreSQL server: enrolment, signed requests,
push and pull of real station events, and every kind of bad input refused with a reason."""

from __future__ import annotations

import dataclasses
import gzip
import json
import time
from pathlib import Path

from starlette.testclient import TestClient

from bench_app.domain.model import DonorKind
from bench_app.wire import request_signing
from bench_app.wire.events import event_hash
from hub import protocol
from hub.db import HubDB
from hub.service import count_rows, create_enrolment_code
from tests.hub.conftest import BenchStation, as_json


def _rows(db: HubDB) -> dict[str, int]:
    return {t: count_rows(db, t) for t in ("stations", "events", "device_identities")}


# -- enrolment ---------------------------------------------------------------------------------


def test_a_code_enrols_one_station_once(client: TestClient, hub_db: HubDB, tmp_path: Path) -> None:
    code, _ = create_enrolment_code(hub_db, "Atelier de Lyon")
    first = BenchStation(tmp_path / "one")
    second = BenchStation(tmp_path / "two")
    try:
        ok = first.enrol(client, code.lower().replace("-", " "))  # as typed by hand
        assert ok.status_code == 201
        assert ok.json()["workshop"] == "Atelier de Lyon"
        assert ok.json()["key_id"] == first.key.key_id
        again = second.enrol(client, code)
        assert again.status_code == 403
        assert again.json()["error"] == "code_used"
        second_code, _ = create_enrolment_code(hub_db, "Atelier de Lyon")
        twice = first.enrol(client, second_code)  # the same station again
        assert twice.status_code == 409
        bad_key = client.post(
            "/v1/enrol",
            json={"code": second_code, "station_id": second.station_id, "public_key": "AAAA"},
        )
        assert bad_key.json()["error"] == "bad_key"
        assert count_rows(hub_db, "stations") == 1
        assert second.enrol(client, second_code).status_code == 201  # refusals spent nothing
    finally:
        first.close()
        second.close()


def test_an_expired_or_unknown_code_is_refused(
    client: TestClient, hub_db: HubDB, tmp_path: Path
) -> None:
    code, _ = create_enrolment_code(hub_db, "Atelier de Lyon")
    with hub_db.transaction() as tx:
        tx.execute("UPDATE enrolment_codes SET expires_at = ?", ("2020-01-01T00:00:00.000Z",))
    bench = BenchStation(tmp_path / "one")
    try:
        expired = bench.enrol(client, code)
        assert expired.status_code == 403
        assert expired.json()["error"] == "code_expired"
        unknown = bench.enrol(client, "AAAA-BBBB-CCCC-DDDD")
        assert unknown.json()["error"] == "code_unknown"
        assert count_rows(hub_db, "stations") == 0
    finally:
        bench.close()


# -- push and pull -----------------------------------------------------------------------------


def test_push_then_pull_in_batches_keeps_the_real_chain(
    client: TestClient, hub_db: HubDB, workshop_a: BenchStation
) -> None:
    donor = workshop_a.station.register_donor("Mairie", DonorKind.PUBLIC_BODY)
    workshop_a.station.register_lot(donor)
    for n in range(7):
        workshop_a.register_phone(f"SER{n}")
    events = as_json(workshop_a.events())
    assert len(events) == 9
    first = workshop_a.push(client, events[:5], gzip_body=True)
    assert first.status_code == 200, first.text
    assert first.json()["accepted"] == [e["id"] for e in events[:5]]
    assert first.json()["acked_up_to"] == 5
    # The head the hub now holds for the station: the station keeps it as a second anchor.
    assert first.json()["head"] == {"seq": 5, "hash": events[4]["hash"]}
    second = workshop_a.push(client, events[5:])
    assert second.json()["acked_up_to"] == 9
    assert second.json()["head"] == {"seq": 9, "hash": events[8]["hash"]}
    assert second.json()["rejected"] == []

    pulled: list[dict[str, object]] = []
    cursor = 0
    while True:
        page = workshop_a.pull(client, cursor, 4).json()
        pulled += page["events"]
        if not page["events"]:
            break
        assert len(page["events"]) <= 4
        cursor = page["next_cursor"]
    assert pulled == events  # same bytes-worth of facts, in the station's order
    for e in pulled:
        fields = {k: v for k, v in e.items() if k != "hash"}
        assert event_hash(fields) == e["hash"]


def test_replaying_a_batch_changes_nothing(
    client: TestClient, hub_db: HubDB, workshop_a: BenchStation
) -> None:
    workshop_a.register_phone("R1")
    workshop_a.register_phone("R2")
    events = as_json(workshop_a.events())
    workshop_a.push(client, events)
    before = _rows(hub_db)
    replay = workshop_a.push(client, events).json()
    assert replay["accepted"] == []
    assert replay["duplicates"] == [e["id"] for e in events]
    assert replay["acked_up_to"] == 2
    assert replay["head"] == {"seq": 2, "hash": events[1]["hash"]}
    assert _rows(hub_db) == before


def test_a_batch_sent_out_of_order_is_taken_in_chain_order(
    client: TestClient, hub_db: HubDB, workshop_a: BenchStation
) -> None:
    for n in range(3):
        workshop_a.register_phone(f"O{n}")
    events = as_json(workshop_a.events())
    result = workshop_a.push(client, events[::-1]).json()
    assert result["accepted"] == [e["id"] for e in events]
    assert result["acked_up_to"] == 3


def test_one_bad_event_is_refused_and_the_rest_stored(
    client: TestClient,
    hub_db: HubDB,
    workshop_a: BenchStation,
    workshop_b: BenchStation,
) -> None:
    for n in range(4):
        workshop_a.register_phone(f"A{n}")
    workshop_b.register_phone("B0")
    a = as_json(workshop_a.events())
    b = as_json(workshop_b.events())
    altered = json.loads(json.dumps(a[2]))
    altered["payload"]["serial"] = "FORGED"
    unknown = dict(b[0], type="device.teleported")  # B's event, relayed by A
    batch = [a[0], a[1], altered, a[3], unknown]
    result = workshop_a.push(client, batch).json()
    assert result["accepted"] == [a[0]["id"], a[1]["id"]]
    reasons = {r["id"]: r["reason"] for r in result["rejected"]}
    assert reasons[a[2]["id"]] == "content does not match its hash"
    assert reasons[a[3]["id"]] == f"follows the refused event {a[2]['id']}"
    assert "another station" in reasons[b[0]["id"]]
    codes = {r["id"]: r["code"] for r in result["rejected"]}
    assert codes == {a[2]["id"]: "altered", a[3]["id"]: "follows_refused", b[0]["id"]: "relayed"}
    assert result["acked_up_to"] == 2
    assert result["head"] == {"seq": 2, "hash": a[1]["hash"]}  # not the refused events'
    assert count_rows(hub_db, "events") == 2

    gap = workshop_a.push(client, [a[3]]).json()  # seq 4 while the hub holds 1..2
    assert gap["rejected"] == [
        {"id": a[3]["id"], "reason": "missing events 3..3", "code": "missing_events"}
    ]
    assert workshop_a.push(client, [a[2], a[3]]).json()["acked_up_to"] == 4


def test_an_unknown_type_is_refused_by_the_facts_schema(
    client: TestClient, hub_db: HubDB, workshop_a: BenchStation
) -> None:
    workshop_a.register_phone("U1")
    good = workshop_a.events()[0]
    fields = dataclasses.replace(good, type="device.teleported").hashed_fields()
    forged = dict(fields, hash=event_hash(fields))  # a well-hashed event of no known type
    result = workshop_a.push(client, [forged]).json()
    assert result["rejected"] == [
        {
            "id": good.id,
            "reason": "not a valid device.teleported: unknown type",
            "code": "invalid_fact",
        }
    ]
    assert count_rows(hub_db, "events") == 0


# -- requests refused as a whole ---------------------------------------------------------------


def test_bad_requests_are_refused_with_a_reason_and_nothing_stored(
    client: TestClient, hub_db: HubDB, workshop_a: BenchStation
) -> None:
    workshop_a.register_phone("X1")
    events = as_json(workshop_a.events())
    body = json.dumps({"events": events}).encode()
    before = _rows(hub_db)

    malformed = workshop_a.signed(client, "POST", "/v1/events", b'{"events": [')
    assert malformed.status_code == 400
    assert malformed.json()["error"] == "bad_json"

    headers = request_signing.signed_headers(
        workshop_a.key, workshop_a.station_id, "POST", "/v1/events", body
    )
    tampered = body.replace(b"X1", b"X2")
    wrong = client.post("/v1/events", content=tampered, headers=headers)
    assert wrong.status_code == 401
    assert wrong.json()["error"] == "bad_signature"

    stale = request_signing.signed_headers(
        workshop_a.key, workshop_a.station_id, "POST", "/v1/events", body,
        timestamp=int(time.time()) - 3600,
    )  # fmt: skip
    assert client.post("/v1/events", content=body, headers=stale).json()["error"] == (
        "stale_timestamp"
    )

    unknown = dict(
        headers, **{request_signing.HEADER_STATION: "0190f0f0-0000-7000-8000-000000000000"}
    )
    refused = client.post("/v1/events", content=body, headers=unknown)
    assert refused.status_code == 401
    assert refused.json()["error"] == "unknown_station"

    unsigned = client.post("/v1/events", content=body)
    assert unsigned.json()["error"] == "unauthenticated"
    assert _rows(hub_db) == before

    accepted = client.post("/v1/events", content=body, headers=headers)
    assert accepted.json()["accepted"] == [events[0]["id"]]
    replayed = client.post("/v1/events", content=body, headers=headers)
    assert replayed.status_code == 401
    assert replayed.json()["error"] == "replayed"


def test_oversized_bodies_and_gzip_bombs_are_refused(
    client: TestClient, hub_db: HubDB, workshop_a: BenchStation
) -> None:
    big = b'{"events": [], "pad": "' + b"x" * protocol.MAX_BODY_BYTES + b'"}'
    plain = workshop_a.signed(client, "POST", "/v1/events", big)
    assert plain.status_code == 413
    assert plain.json()["error"] == "too_large"
    bomb = gzip.compress(b" " * (protocol.MAX_BODY_BYTES * 4))  # 32 MiB of blanks
    assert len(bomb) < protocol.MAX_BODY_BYTES
    headers = request_signing.signed_headers(
        workshop_a.key, workshop_a.station_id, "POST", "/v1/events", bomb
    )
    headers["Content-Encoding"] = "gzip"
    exploded = client.post("/v1/events", content=bomb, headers=headers)
    assert exploded.status_code == 413
    assert "decompressed" in exploded.json()["reason"]
    assert count_rows(hub_db, "events") == 0


# -- between workshops -------------------------------------------------------------------------


def test_a_workshop_pulls_only_its_own_but_looks_up_shared_device_history(
    client: TestClient,
    hub_db: HubDB,
    workshop_a: BenchStation,
    workshop_b: BenchStation,
) -> None:
    workshop_a.register_phone("A-ONLY")
    donor = workshop_b.station.register_donor("Jeanne Martin", DonorKind.PRIVATE_PERSON)
    lot = workshop_b.station.register_lot(donor)
    device = workshop_b.register_phone("SN-42", imei="490154203237518")
    workshop_b.station.attach_to_lot(device, lot)
    assert workshop_a.push(client, as_json(workshop_a.events())).json()["rejected"] == []
    assert workshop_b.push(client, as_json(workshop_b.events())).json()["rejected"] == []

    pulled = workshop_a.pull(client, 0, 100).json()["events"]
    assert {e["station_id"] for e in pulled} == {workshop_a.station_id}
    assert workshop_b.station_id not in json.dumps(pulled)

    by_serial = workshop_a.signed(client, "GET", "/v1/devices/lookup?serial=sn-42")
    assert by_serial.status_code == 200
    history = by_serial.json()["history"]
    assert [h["type"] for h in history] == ["device.registered", "device.attached_to_lot"]
    assert {h["workshop"] for h in history} == {"Atelier B"}
    text = by_serial.text
    for private in ("Jeanne", "Martin", "Camille", donor, lot, device):
        assert private not in text
    by_imei = workshop_a.signed(client, "GET", "/v1/devices/lookup?imei=490154203237518")
    assert by_imei.json()["history"] == history
    nobody = workshop_a.signed(client, "GET", "/v1/devices/lookup?serial=NOPE")
    assert nobody.json()["history"] == []
    both = workshop_a.signed(client, "GET", "/v1/devices/lookup?serial=SN-42&imei=1")
    assert both.status_code == 400
    bad_limit = workshop_a.signed(client, "GET", "/v1/events?after=0&limit=many")
    assert bad_limit.json() == {"error": "bad_request", "reason": "limit must be a whole number"}


def test_texts_no_database_can_keep_are_refused_alone(
    client: TestClient, hub_db: HubDB, workshop_a: BenchStation
) -> None:
    workshop_a.register_phone("N1")
    good = workshop_a.events()[0]
    fields = dataclasses.replace(good, operator="Cam\x00ille").hashed_fields()
    nul = dict(fields, hash=event_hash(fields))
    result = workshop_a.push(client, [nul]).json()
    assert result["rejected"] == [
        {"id": good.id, "reason": "a text contains the NUL character", "code": "malformed"}
    ]
    assert workshop_a.push(client, [good.to_json()]).json()["accepted"] == [good.id]

    nan = b'{"events": [{"seq": NaN}]}'
    refused = workshop_a.signed(client, "POST", "/v1/events", nan)
    assert refused.status_code == 400
    assert "NaN" in refused.json()["reason"]
    assert count_rows(hub_db, "events") == 1
