"""Training facts never leave their station: a station holding real and training facts
pushes the real ones to a real hub (uvicorn, SQLite and PostgreSQL) and never a training
one; the hub refuses a training fact if one arrives (code "training")."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bench_app.domain.model import DeviceKind
from bench_app.errors import BenchError
from bench_app.store.database import Store, _insert_event
from bench_app.store.events import training_chain, utc_now
from bench_app.store.uuid7 import uuid7_str
from bench_app.sync.client import SyncConfig
from bench_app.wire.events import Event, event_hash, hashed_fields
from bench_app.wire.refusals import Refusal
from tests.sync.conftest import LiveHub, SyncedStation


@pytest.fixture
def pair(live_hub: LiveHub, tmp_path: Path) -> Iterator[tuple[SyncedStation, SyncedStation]]:
    a = SyncedStation(tmp_path / "a", live_hub, "A")
    b = SyncedStation(tmp_path / "b", live_hub, "B")
    a.enrol(live_hub.code("Lycée pro de Quimper"))
    b.enrol(live_hub.code("Lycée pro de Quimper"))
    yield a, b
    a.close()
    b.close()


def _training_ids(store: Store) -> set[str]:
    return {str(r[0]) for r in store.query("SELECT id FROM events WHERE training = 1")}


def _mixed(a: SyncedStation) -> tuple[str, str]:
    """A real phone graded, a training phone graded, then the real phone graded again."""
    real = a.register_phone()
    a.grade(real, "B")
    practice = a.station.register_device(DeviceKind.PHONE, serial="class-1", training=True)
    a.grade(practice.id, "C")
    a.grade(real, "A")  # a real fact written after the training ones
    return real, practice.id


def test_real_facts_reach_the_hub_and_the_other_station_training_facts_never_do(
    pair: tuple[SyncedStation, SyncedStation], live_hub: LiveHub
) -> None:
    a, b = pair
    real, practice = _mixed(a)
    training = _training_ids(a.store)
    assert len(training) >= 2
    # The station's own chain holds no training fact; its training chain holds them all.
    assert not {e.id for e in a.store.events_since()} & training
    assert {e.id for e in a.store.events_since(training_chain(a.store.station_id))} == training

    pushed = a.sync().push
    assert pushed.rejected == []
    at_hub = set(live_hub.event_ids(a.store.station_id, training_chain(a.store.station_id)))
    assert at_hub == {e.id for e in a.store.events_since()}
    assert not at_hub & training
    with live_hub.db.transaction() as tx:
        row = tx.one("SELECT count(*) FROM events WHERE training = ?", (True,))
    assert row is not None and row[0] == 0

    b.sync()
    assert real in b.current() and b.current()[real][0] == "A"
    assert practice not in b.current()
    assert not set(b.event_ids()) & training


def test_the_hub_refuses_a_training_fact_with_its_code(
    pair: tuple[SyncedStation, SyncedStation], live_hub: LiveHub
) -> None:
    """An older station that sends a training fact in its chain: the hub stores nothing of
    it nor of what follows, and says why with the stable code."""
    a, _ = pair
    a.register_phone()
    head = a.store.events_since()[-1]
    fields = hashed_fields(
        uuid7_str(), a.store.station_id, head.seq + 1, "A", utc_now(), "donor.registered",
        None, {"donor_id": "d-class", "name": "Donateur fictif", "kind": "company"},
        True, head.hash,
    )  # fmt: skip
    legacy = Event(**fields, hash=event_hash(fields))
    status, answer = a.client()._request(
        "POST", "/v1/events", {"events": [e.to_json() for e in (*a.store.events_since(), legacy)]}
    )
    assert status == 200
    assert [r["code"] for r in answer["rejected"]] == [Refusal.TRAINING.value]
    assert answer["rejected"][0]["id"] == legacy.id
    assert legacy.id not in live_hub.event_ids(a.store.station_id)
    assert answer["acked_up_to"] == head.seq


def test_a_training_fact_left_in_the_chain_by_an_older_version_is_never_sent(
    pair: tuple[SyncedStation, SyncedStation], live_hub: LiveHub
) -> None:
    """A training fact written into the station's own chain (as older versions did): the
    push sends what comes before it, never it nor what follows, and names it (code
    "training") instead of leaving a gap the hub would refuse."""
    a, _ = pair
    a.register_phone()
    store = a.store
    with store.transaction() as conn:
        seq, prev = store._chain_head(conn)
        fields = hashed_fields(
            uuid7_str(), store.station_id, seq + 1, "A", utc_now(), "donor.registered", None,
            {"donor_id": "d-old", "name": "Exercice", "kind": "company"}, True, prev,
        )  # fmt: skip
        legacy = Event(**fields, hash=event_hash(fields))
        _insert_event(conn, legacy)
        store._last = (legacy.seq, legacy.hash)
    a.register_phone()  # real facts after it
    assert store.events_since()[-1].seq > legacy.seq

    with pytest.raises(BenchError) as refused:
        a.sync()
    assert refused.value.code == "SYNC_REJECTED"
    kept = SyncConfig.load(a.folder).rejected
    assert kept == [
        {"id": legacy.id, "reason": "a training fact stays on its station", "code": "training"}
    ]
    at_hub = set(live_hub.event_ids(store.station_id))
    assert at_hub == {e.id for e in store.events_since() if e.seq < legacy.seq}
