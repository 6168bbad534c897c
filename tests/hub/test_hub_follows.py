"""Two batches of one station in flight at once: the second says which seq it follows, and the
hub (PostgreSQL) checks its events at once, then waits for the chain to reach that seq before
checking the chain, so a second batch that overtakes the first is not refused for a gap."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import pytest
from starlette.testclient import TestClient

from hub import service
from hub.db import HubDB, Tx
from hub.service import StationIdentity
from tests.hub.conftest import BenchStation, as_json


def _who(db: HubDB, bench: BenchStation) -> StationIdentity:
    with db.transaction() as tx:
        row = tx.one("SELECT workshop_id FROM stations WHERE station_id = ?", (bench.station_id,))
    assert row is not None
    return StationIdentity(bench.station_id, str(row[0]))


def _hub_seqs(db: HubDB, station_id: str) -> list[int]:
    with db.transaction() as tx:
        rows = tx.all("SELECT seq FROM events WHERE station_id = ? ORDER BY cursor", (station_id,))
    return [int(r[0]) for r in rows]


def test_a_batch_that_overtakes_the_one_it_follows_waits_for_it(
    hub_db: HubDB, workshop_a: BenchStation
) -> None:
    for n in range(8):
        workshop_a.register_phone(f"F{n}")
    events = as_json(workshop_a.events())
    first, second = events[:5], events[5:]
    who = _who(hub_db, workshop_a)
    answers: dict[str, Any] = {}

    def later() -> None:
        answers["second"] = service.push(hub_db, who, second, follows=first[-1]["seq"])

    if hub_db.dialect == "postgresql":
        overtaking = threading.Thread(target=later)
        overtaking.start()  # the second batch reaches the hub first
        time.sleep(0.3)
        answers["first"] = service.push(hub_db, who, first)
        overtaking.join()
    else:  # the hub does not wait: the second batch, first, is checked at once
        later()
        answers["first"] = service.push(hub_db, who, first)
    if hub_db.dialect == "postgresql":
        assert answers["first"].accepted == [e["id"] for e in first]
        assert answers["second"].accepted == [e["id"] for e in second]
        assert answers["second"].rejected == []
        assert answers["first"].in_flight == answers["second"].in_flight == 2
        assert _hub_seqs(hub_db, who.station_id) == [e["seq"] for e in events]
    else:  # SQLite's hub takes one batch at a time and says so: the overtaker was refused
        assert answers["first"].in_flight == 1
        assert [r["code"] for r in answers["second"].rejected][:1] == ["missing_events"]
        assert answers["second"].acked_up_to < first[-1]["seq"]


def test_a_batch_whose_chain_never_comes_is_refused_after_the_wait(
    hub_db: HubDB, workshop_a: BenchStation, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service, "FOLLOWS_WAIT_SECONDS", 0.3)
    for n in range(4):
        workshop_a.register_phone(f"G{n}")
    events = as_json(workshop_a.events())
    who = _who(hub_db, workshop_a)
    start = time.monotonic()
    result = service.push(hub_db, who, events[2:], follows=events[1]["seq"])
    waited = time.monotonic() - start
    codes = [r["code"] for r in result.rejected]
    assert codes[0] == "missing_events" and set(codes[1:]) == {"follows_refused"}
    assert result.accepted == [] and result.acked_up_to == 0
    if hub_db.dialect == "postgresql":
        assert waited >= 0.3  # it did wait before refusing
    # and what it followed, sent then, lets the same batch in
    assert service.push(hub_db, who, events[:2]).accepted == [e["id"] for e in events[:2]]
    again = service.push(hub_db, who, events[2:], follows=events[1]["seq"])
    assert again.accepted == [e["id"] for e in events[2:]]


def test_a_batch_that_follows_what_the_hub_holds_does_not_wait(
    hub_db: HubDB, workshop_a: BenchStation, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service, "FOLLOWS_WAIT_SECONDS", 60.0)
    for n in range(3):
        workshop_a.register_phone(f"H{n}")
    events = as_json(workshop_a.events())
    who = _who(hub_db, workshop_a)
    assert service.push(hub_db, who, events[:2]).rejected == []
    # follows a seq already held, or an older one: checked at once, as without `follows`
    for follows in (events[1]["seq"], 0):
        start = time.monotonic()
        result = service.push(hub_db, who, events[2:], follows=follows)
        assert time.monotonic() - start < 30
        assert result.rejected == [] and len(result.accepted + result.duplicates) == 1


@pytest.mark.parametrize(
    "follows", ["3", -1, 2**63, 1.5, True, [3], {"seq": 3}], ids=lambda v: repr(v)[:12]
)
def test_a_follows_that_is_not_a_seq_is_refused_plainly(
    client: TestClient, workshop_a: BenchStation, follows: Any
) -> None:
    workshop_a.register_phone("B0")
    events = as_json(workshop_a.events())
    body = json.dumps({"events": events, "follows": follows}).encode()
    answer = workshop_a.signed(client, "POST", "/v1/events", body)
    assert answer.status_code == 400
    assert answer.json()["error"] == "bad_request"
    assert "follows must be a whole number" in answer.json()["reason"]


def test_the_answer_says_how_many_batches_may_be_in_flight(
    client: TestClient, hub_db: HubDB, workshop_a: BenchStation
) -> None:
    workshop_a.register_phone("A0")
    events = as_json(workshop_a.events())
    body = json.dumps({"events": events, "follows": 0}).encode()
    answer = workshop_a.signed(client, "POST", "/v1/events", body, gzip_body=True)
    assert answer.status_code == 200, answer.text
    assert answer.json()["in_flight"] == (2 if hub_db.dialect == "postgresql" else 1)
    assert answer.json()["accepted"] == [e["id"] for e in events]


def test_a_batch_streams_into_a_free_write_turn_and_is_checked_whole_while_another_writes(
    hub_db: HubDB, workshop_a: BenchStation, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The rows go into the COPY as they are checked when no other batch is being written;
    while one is, the batch is checked whole meanwhile, then written in its turn (on SQLite
    the other writer holds the database: the batch waits before it starts, then streams)."""
    for n in range(6):
        workshop_a.register_phone(f"W{n}")
    events = as_json(workshop_a.events())
    who = _who(hub_db, workshop_a)
    given: list[str] = []
    real_copy = Tx.copy

    def copy(self: Tx, table: str, columns: Any, rows: Any) -> None:
        given.append(type(rows).__name__)
        real_copy(self, table, columns, rows)

    monkeypatch.setattr(Tx, "copy", copy)
    assert service.push(hub_db, who, events[:3]).rejected == []
    assert given == ["generator"]  # the turn was free: streamed
    answers: list[Any] = []
    with hub_db.transaction() as other:
        other.lock_events()  # another station's batch being written
        pushing = threading.Thread(
            target=lambda: answers.append(service.push(hub_db, who, events[3:]))
        )
        pushing.start()
        time.sleep(0.5)
        assert pushing.is_alive() and answers == []  # checked, waiting for its turn
        if hub_db.dialect == "postgresql":  # (SQLite's reader would wait for the writer too)
            assert _hub_seqs(hub_db, who.station_id) == [1, 2, 3]
    pushing.join(30)
    assert answers[0].accepted == [e["id"] for e in events[3:]]
    assert given == ["generator", "list" if hub_db.dialect == "postgresql" else "generator"]
    assert _hub_seqs(hub_db, who.station_id) == [e["seq"] for e in events]
