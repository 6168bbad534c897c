"""The hub's acknowledgement as a second anchor of the station's log: after a sync the station
keeps the head the hub said it holds, `etabli db check` passes, and a local history rewritten
and re-signed with the station's own key (what the signed head cannot catch) is still reported
as shorter than, or different from, what the hub acknowledged."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench_app.signing import StationKey, sign_document
from bench_app.store.anchors import HEAD_FILE, HUB_ACK_FILE, head_document, write_file
from bench_app.store.events import utc_now
from bench_app.wire.canonical import canonical_json
from tests.integrity import tampering as t
from tests.integrity.conftest import db_check
from tests.sync.conftest import LiveHub, SyncedStation


@pytest.fixture
def synced(live_hub: LiveHub, tmp_path: Path) -> Iterator[tuple[Path, LiveHub]]:
    """A station that registered a lot and four phones and synced them with the hub."""
    station = SyncedStation(tmp_path / "a", live_hub, "A")
    try:
        station.enrol(live_hub.code("Atelier de Brest"))
        station.register_lot()
        for _ in range(4):
            station.register_phone()
        result = station.sync()
        assert result.push.acked_up_to == 6
    finally:
        station.close()
    yield station.folder, live_hub


def _resign(folder: Path) -> None:
    """What someone holding the station's key can do: sign the log as it now stands."""
    with t.reader(folder) as conn:
        events = t.own_events(conn)
        station = t.station_id(conn)
    head = (events[-1].seq, events[-1].hash) if events else (0, "0" * 64)
    envelope = sign_document(
        StationKey.load_or_create(folder), head_document(station, head, None, utc_now())
    )
    write_file(folder / HEAD_FILE, canonical_json(envelope), durable=False)


def test_after_a_sync_the_hub_head_is_kept_and_the_check_passes(
    synced: tuple[Path, LiveHub],
) -> None:
    folder, hub = synced
    with t.reader(folder) as conn:
        events = t.own_events(conn)
        station = t.station_id(conn)
    ack = json.loads((folder / HUB_ACK_FILE).read_text())
    assert (ack["station_id"], ack["seq"], ack["hash"]) == (station, 6, events[-1].hash)
    assert hub.event_ids(station) == [e.id for e in events]

    proc = db_check(folder)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "that it holds the facts up to #6; the log has them" in proc.stdout


def test_deleting_and_resigning_with_the_key_is_caught_by_the_hub_ack(
    synced: tuple[Path, LiveHub],
) -> None:
    folder, _hub = synced
    t.delete_last(folder, 2)
    _resign(folder)
    proc = db_check(folder)
    assert proc.returncode == 1
    # The station's own head was re-signed: only the hub's word shows what is gone.
    assert "Signed head: the log ends at fact #4" in proc.stdout
    assert "confirmed at" in proc.stdout
    assert "holds this station’s facts up to #6, but the local log ends at #4" in proc.stdout


def test_rewriting_and_resigning_with_the_key_is_caught_by_the_hub_ack(
    synced: tuple[Path, LiveHub],
) -> None:
    folder, _hub = synced
    t.rewrite_and_rehash(folder, 3, {"payload": {"serial": "SWAPPED"}})
    _resign(folder)
    with t.attacker(folder) as conn:  # the tables too, as a careful attacker would
        conn.execute("UPDATE devices SET serial = 'SWAPPED' WHERE serial = 'A-1'")
    proc = db_check(folder)
    assert proc.returncode == 1, proc.stdout
    assert "Event chain: intact" in proc.stdout
    assert "Derived tables: identical" in proc.stdout
    assert "Fact #6 is not the one the collective" in proc.stdout
    assert "the local log was rewritten" in proc.stdout
