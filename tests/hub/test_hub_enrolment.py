"""Enrolment proves the station holds its key, and the hub gives each station an asset-code
prefix no other station of the collective holds, on SQLite and on a real PostgreSQL."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

import hub.db
from bench_app.domain.asset_code import TRAINING_PREFIX
from bench_app.signing import StationKey
from bench_app.store.uuid7 import uuid7_str
from bench_app.wire import request_signing
from hub import migrations, protocol, service
from hub.db import HubDB, is_unique_violation
from hub.service import (
    StationIdentity,
    claim_prefix,
    count_rows,
    create_enrolment_code,
    enrol,
    enrol_challenge,
    station_prefix,
)
from tests.hub.conftest import BenchStation, b64


def _challenge(client: TestClient, code: str) -> str:
    answer = client.post("/v1/enrol/challenge", json={"code": code})
    assert answer.status_code == 201, answer.text
    return str(answer.json()["challenge"])


def _refusal(response: Any) -> tuple[int, str]:
    return response.status_code, response.json()["error"]


# -- proof of key -------------------------------------------------------------------------------


def test_enrolment_without_a_valid_proof_is_refused_and_spends_nothing(
    client: TestClient, hub_db: HubDB, tmp_path: Path
) -> None:
    code, _ = create_enrolment_code(hub_db, "Atelier de Lyon")
    bench = BenchStation(tmp_path / "one")
    thief = StationKey.load_or_create(tmp_path / "thief")
    try:
        body = bench.enrol_body(_challenge(client, code), code)

        unproved = {k: body[k] for k in ("code", "station_id", "public_key")}  # as before
        assert _refusal(client.post("/v1/enrol", json=unproved)) == (403, "proof_required")

        # Someone who copied the public key but holds another private key.
        message = request_signing.enrol_message(
            body["challenge"], body["station_id"], body["public_key"], body["prefix"]
        )
        forged = dict(body, signature=b64(thief.sign(message)))
        assert _refusal(client.post("/v1/enrol", json=forged)) == (403, "proof_invalid")

        # The real signature does not cover another station id, prefix or challenge.
        other_id = dict(body, station_id=uuid7_str())
        assert _refusal(client.post("/v1/enrol", json=other_id)) == (403, "proof_invalid")
        other_prefix = dict(body, prefix="ZZZZ")
        assert _refusal(client.post("/v1/enrol", json=other_prefix)) == (403, "proof_invalid")
        garbage = dict(body, signature="not base64!")
        assert _refusal(client.post("/v1/enrol", json=garbage)) == (403, "proof_invalid")

        # A challenge made up by the station, or one given for another code.
        made_up = bench.enrol_body("00" * 32, code)
        assert _refusal(client.post("/v1/enrol", json=made_up)) == (403, "challenge_unknown")
        other_code, _ = create_enrolment_code(hub_db, "Atelier de Lyon")
        crossed = bench.enrol_body(_challenge(client, other_code), code)
        assert _refusal(client.post("/v1/enrol", json=crossed)) == (403, "challenge_unknown")

        assert count_rows(hub_db, "stations") == 0
        ok = client.post("/v1/enrol", json=body)  # the code and challenge were not spent
        assert ok.status_code == 201, ok.text
        assert ok.json()["key_id"] == bench.key.key_id
    finally:
        bench.close()


def test_a_used_challenge_is_refused_on_replay(
    client: TestClient, hub_db: HubDB, tmp_path: Path
) -> None:
    code, _ = create_enrolment_code(hub_db, "Atelier de Lyon")
    bench = BenchStation(tmp_path / "one")
    try:
        body = bench.enrol_body(_challenge(client, code), code)
        assert client.post("/v1/enrol", json=body).status_code == 201
        replay = client.post("/v1/enrol", json=body)
        assert _refusal(replay) == (403, "challenge_used")
        assert count_rows(hub_db, "stations") == 1
    finally:
        bench.close()


def test_an_expired_challenge_is_refused(client: TestClient, hub_db: HubDB, tmp_path: Path) -> None:
    code, _ = create_enrolment_code(hub_db, "Atelier de Lyon")
    bench = BenchStation(tmp_path / "one")
    try:
        answer = client.post("/v1/enrol/challenge", json={"code": code}).json()
        assert answer["expires_at"] > service.now()
        body = bench.enrol_body(answer["challenge"], code)
        with hub_db.transaction() as tx:
            tx.execute(
                "UPDATE enrolment_challenges SET expires_at = ?", ("2020-01-01T00:00:00.000Z",)
            )
        assert _refusal(client.post("/v1/enrol", json=body)) == (403, "challenge_expired")
        assert count_rows(hub_db, "stations") == 0
        _challenge(client, code)  # asking again clears the expired one away
        assert count_rows(hub_db, "enrolment_challenges") == 1
    finally:
        bench.close()


def test_challenges_are_given_only_for_usable_codes_and_in_small_numbers(
    client: TestClient, hub_db: HubDB
) -> None:
    unknown = client.post("/v1/enrol/challenge", json={"code": "AAAA-BBBB-CCCC-DDDD"})
    assert _refusal(unknown) == (403, "code_unknown")
    assert _refusal(client.post("/v1/enrol/challenge", json=[])) == (400, "bad_request")
    code, _ = create_enrolment_code(hub_db, "Atelier de Lyon")
    for _ in range(protocol.MAX_OPEN_CHALLENGES):
        _challenge(client, code)
    too_many = client.post("/v1/enrol/challenge", json={"code": code})
    assert _refusal(too_many) == (429, "too_many_challenges")
    assert count_rows(hub_db, "enrolment_challenges") == protocol.MAX_OPEN_CHALLENGES
    with hub_db.transaction() as tx:
        tx.execute("UPDATE enrolment_codes SET expires_at = ?", ("2020-01-01T00:00:00.000Z",))
    expired = client.post("/v1/enrol/challenge", json={"code": code})
    assert _refusal(expired) == (403, "code_expired")


# -- asset-code prefixes ------------------------------------------------------------------------


def test_a_station_keeps_its_prefix_when_free_and_the_second_one_gets_another(
    client: TestClient, hub_db: HubDB, tmp_path: Path
) -> None:
    first, second = BenchStation(tmp_path / "one"), BenchStation(tmp_path / "two")
    try:
        code_1, _ = create_enrolment_code(hub_db, "Atelier A")
        code_2, _ = create_enrolment_code(hub_db, "Atelier B")
        kept = first.enrol(client, code_1, prefix="QRST")
        assert kept.json()["prefix"] == "QRST"
        other = second.enrol(client, code_2, prefix="qrst")  # the same, as typed
        assert other.status_code == 201
        assert other.json()["prefix"] not in ("QRST", TRAINING_PREFIX)
        assert station_prefix(hub_db, second.station_id) == other.json()["prefix"]
    finally:
        first.close()
        second.close()


@pytest.mark.parametrize("asked", [TRAINING_PREFIX, "", "AB", "O0I1", "ABCDE"])
def test_the_training_prefix_and_malformed_ones_are_never_given(
    client: TestClient, hub_db: HubDB, tmp_path: Path, asked: str
) -> None:
    bench = BenchStation(tmp_path / "one")
    try:
        code, _ = create_enrolment_code(hub_db, "Atelier A")
        given = bench.enrol(client, code, prefix=asked).json()["prefix"]
        assert given != TRAINING_PREFIX and given != asked.upper()
        assert service.valid_prefix(given) == given
    finally:
        bench.close()


def test_the_prefix_column_is_unique_in_the_database(hub_db: HubDB) -> None:
    workshop = _workshop(hub_db)
    _station(hub_db, workshop, "ABCD")
    with pytest.raises(Exception) as caught:
        _station(hub_db, workshop, "ABCD")
    assert is_unique_violation(caught.value)
    _station(hub_db, workshop, None)  # stations without a prefix yet are many
    _station(hub_db, workshop, None)


def test_losing_the_race_for_a_prefix_retries_with_another(
    hub_db: HubDB, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two enrolments that both saw the prefix free: the unique index refuses the second
    insert, and the whole enrolment is retried (as happens between two PostgreSQL
    transactions; here the check is made to miss once, deterministically)."""
    _station(hub_db, _workshop(hub_db), "QRST")  # the winner of the race
    checked: list[str] = []
    real = service._prefix_taken

    def stale(tx: Any, prefix: str, station_id: str) -> bool:
        checked.append(prefix)
        return False if len(checked) == 1 else real(tx, prefix, station_id)

    monkeypatch.setattr(service, "_prefix_taken", stale)
    answer = _enrol_directly(hub_db, tmp_path / "late", "QRST")
    assert checked[0] == "QRST" and answer["prefix"] != "QRST"
    assert count_rows(hub_db, "stations") == 2


def test_concurrent_enrolments_never_share_a_prefix(hub_db: HubDB, tmp_path: Path) -> None:
    bodies = [_signed_enrolment(hub_db, tmp_path / f"s{n}", "WXYZ") for n in range(8)]
    start = threading.Barrier(len(bodies))
    answers: list[dict[str, str]] = []
    errors: list[BaseException] = []

    def run(body: dict[str, str]) -> None:
        start.wait()
        try:
            answers.append(enrol(hub_db, body))
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(b,)) for b in bodies]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    prefixes = [a["prefix"] for a in answers]
    assert len(prefixes) == 8 and len(set(prefixes)) == 8
    assert prefixes.count("WXYZ") == 1


def test_a_station_enrolled_before_prefixes_claims_its_own(hub_db: HubDB, tmp_path: Path) -> None:
    workshop = _workshop(hub_db)
    early, late = _station(hub_db, workshop, None), _station(hub_db, workshop, None)
    assert claim_prefix(hub_db, StationIdentity(early, workshop), {"prefix": "MNPQ"}) == {
        "prefix": "MNPQ"
    }
    # Asked again, even for another one: the prefix given stays.
    again = claim_prefix(hub_db, StationIdentity(early, workshop), {"prefix": "RSTV"})
    assert again == {"prefix": "MNPQ"}
    taken = claim_prefix(hub_db, StationIdentity(late, workshop), {"prefix": "MNPQ"})
    assert taken["prefix"] != "MNPQ" and station_prefix(hub_db, late) == taken["prefix"]


def test_upgrading_a_hub_reserves_the_prefixes_its_stations_already_print(
    hub_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A hub of schema 1 (no prefixes): each station's latest real asset code tells its
    prefix; the first enrolled keeps a prefix two of them used, training codes count for
    nothing, and every event stays where it was."""
    _schema_1(hub_url, monkeypatch)
    db = HubDB(hub_url)  # migrates to the latest schema
    try:
        assert db.schema_version() == migrations.LATEST_VERSION
        assert station_prefix(db, _IDS["first"]) == "KLMN"
        assert station_prefix(db, _IDS["second"]) is None  # KLMN was taken first
        assert station_prefix(db, _IDS["training"]) is None
        assert station_prefix(db, _IDS["other"]) == "PQRS"
        assert count_rows(db, "events") == 5
        moved = claim_prefix(db, StationIdentity(_IDS["second"], "w1"), {"prefix": "KLMN"})
        assert moved["prefix"] not in ("KLMN", "PQRS")
    finally:
        db.close()


# -- helpers -------------------------------------------------------------------------------------

_IDS = {name: uuid7_str() for name in ("first", "second", "training", "other")}


def _schema_1(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The database as hub schema 1 left it, with four stations' device registrations."""
    with monkeypatch.context() as patch:  # a hub that knows only the first migration
        patch.setattr(hub.db, "MIGRATIONS", migrations.MIGRATIONS[:1])
        patch.setattr(hub.db, "LATEST_VERSION", 1)
        db = HubDB(url)
    try:
        with db.transaction() as tx:
            assert tx.all("SELECT max(version) FROM schema_version") == [(1,)]
            tx.execute("INSERT INTO workshops (id, name, created_at) VALUES ('w1', 'A', '1')")
            rows = [
                ("first", "2026-01-01", "KLMN-2223-X", False),
                ("second", "2026-01-02", "KLMN-2222-X", False),
                ("training", "2026-01-03", "TEST-2222-X", True),
                ("other", "2026-01-04", "PQRS-2222-X", False),
            ]
            for name, day, asset_code, training in rows:
                sid = _IDS[name]
                tx.execute(
                    "INSERT INTO stations (station_id, workshop_id, public_key, key_id,"
                    " enrolled_at) VALUES (?, 'w1', 'k', ?, ?)",
                    (sid, f"key-{name}", day),
                )
                tx.execute(
                    "INSERT INTO events (id, station_id, seq, workshop_id, operator, ts, type,"
                    " device_id, payload, training, prev_hash, hash, received_at)"
                    " VALUES (?, ?, 1, 'w1', 'o', ?, 'device.registered', 'd', ?, ?, 'p', 'h', ?)",
                    (uuid7_str(), sid, day, f'{{"asset_code": "{asset_code}"}}', training, day),
                )
            tx.execute(  # a later non-registration event does not hide the registration
                "INSERT INTO events (id, station_id, seq, workshop_id, operator, ts, type,"
                " device_id, payload, training, prev_hash, hash, received_at)"
                " VALUES (?, ?, 2, 'w1', 'o', 'x', 'grade.assigned', 'd', '{}', ?, 'p', 'h', '2026-01-05')",
                (uuid7_str(), _IDS["first"], False),
            )
    finally:
        db.close()


def _workshop(db: HubDB) -> str:
    with db.transaction() as tx:
        return service.ensure_workshop(tx, "Atelier")


def _station(db: HubDB, workshop: str, prefix: str | None) -> str:
    station_id = uuid7_str()
    with db.transaction() as tx:
        tx.execute(
            "INSERT INTO stations (station_id, workshop_id, public_key, key_id, enrolled_at,"
            " station_prefix) VALUES (?, ?, 'k', ?, ?, ?)",
            (station_id, workshop, f"key-{station_id}", service.now(), prefix),
        )
    return station_id


def _signed_enrolment(db: HubDB, folder: Path, prefix: str) -> dict[str, str]:
    """A station's whole enrolment request: its own key, id and the hub's challenge."""
    key = StationKey.load_or_create(folder)
    code, _ = create_enrolment_code(db, "Atelier")
    challenge = enrol_challenge(db, {"code": code})["challenge"]
    station_id = uuid7_str()
    public = b64(key.public.public_bytes_raw())
    message = request_signing.enrol_message(challenge, station_id, public, prefix)
    return {
        "code": code,
        "station_id": station_id,
        "public_key": public,
        "prefix": prefix,
        "challenge": challenge,
        "signature": b64(key.sign(message)),
    }


def _enrol_directly(db: HubDB, folder: Path, prefix: str) -> dict[str, str]:
    return enrol(db, _signed_enrolment(db, folder, prefix))
