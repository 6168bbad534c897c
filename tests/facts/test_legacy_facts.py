"""Facts recorded by earlier versions are immutable history, and still travel.

Before facts were checked for the wire at the source, an erasure recorded its durations as
float seconds. A station holding such a log must still export it on a USB stick, push it to
the hub, and another station must import or pull it and issue the same certificate, with
the durations read from the old field. New facts in the old form are refused.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bench_app.domain.model import DeviceKind
from bench_app.errors import BenchError
from bench_app.output.certificates.assemble import device_certificate
from bench_app.output.certificates.document import Issuer
from bench_app.output.certificates.verify import verify_pdf
from bench_app.signing import Keyring, StationKey, public_pem, trust_key_file
from bench_app.station import Station
from bench_app.store import projections, queries
from bench_app.store.database import NewEvent, Store, _insert_event
from bench_app.store.events import utc_now
from bench_app.store.uuid7 import uuid7_str
from bench_app.sync import bundle
from bench_app.sync.client import client_for, enrol_station, sync_round
from bench_app.wire.events import Event, event_hash, event_line, hashed_fields
from hub.db import HubDB
from tests.hub.conftest import hub_db, hub_url, postgres_server  # noqa: F401  (fixtures)
from tests.sync.conftest import LiveHub


@pytest.fixture
def live_hub(hub_db: HubDB) -> Iterator[LiveHub]:  # noqa: F811
    hub = LiveHub(hub_db)
    yield hub
    hub.stop()


def _as_an_earlier_version(store: Store, facts: list[tuple[str, dict[str, Any]]], device: str):
    """Appends facts the way versions before the source check did: hashed and chained in
    the event encoding, with no check of their values (floats included)."""
    with store.transaction() as conn:
        seq, prev = store._chain_head(conn)
        for event_type, payload in facts:
            seq += 1
            fields = hashed_fields(
                uuid7_str(), store.station_id, seq, "Camille", utc_now(), event_type, device,
                payload, False, prev,
            )  # fmt: skip
            event = Event(**fields, hash=event_hash(fields))
            _insert_event(conn, event)
            projections.apply(conn, event)
            prev = event.hash
        store._last = (seq, prev)


def _old_erasure(device_id: str) -> list[tuple[str, dict[str, Any]]]:
    ids = {"device_id": device_id, "job_id": str(uuid.uuid4()), "erasure_id": str(uuid.uuid4())}
    size = 64 * 1024 * 1024
    target = {"path": "/dev/sdz", "serial": "OLD-7Q2K", "model": "Disque", "size_bytes": size}
    return [
        (
            "erasure.started",
            {
                **ids,
                "method": "clear-zero",
                "technique": "overwrite",
                "standard": "NIST SP 800-88 Rev. 1 Clear",
                "target": target,
            },
        ),
        (
            "erasure.pass_started",
            {**ids, "pass_no": 1, "pattern": "zeros", "start_byte": 0, "end_byte": size},
        ),
        (
            "erasure.pass_finished",
            {
                **ids,
                "pass_no": 1,
                "bytes": size,
                "seconds": 0.017,
                "throughput_bps": 3947580235,
                "errors": [],
                "completed": True,
            },
        ),
        (
            "erasure.verified",
            {**ids, "mode": "full", "ok": True, "bytes_checked": size, "seconds": 2.5},
        ),
        ("erasure.finished", {**ids, "result": "erased", "reasons": []}),
    ]


def test_an_earlier_versions_floats_travel_and_certify(live_hub: LiveHub, tmp_path: Path) -> None:
    a = Station(tmp_path / "a", operator="A")
    b = Station(tmp_path / "b", operator="B")
    c = Station(tmp_path / "c", operator="C")
    try:
        device = a.register_device(DeviceKind.DRIVE, brand="", model="Disque", serial="OLD-7Q2K")
        _as_an_earlier_version(a.store, _old_erasure(device.id), device.id)
        with a.store.transaction() as conn:
            rows = conn.execute("SELECT payload FROM events WHERE type LIKE 'erasure.%'")
            assert '"seconds":0.017' in "".join(r[0] for r in rows)
        assert a.store.check().ok

        # USB stick: the bundle carries the old events as they were hashed.
        key = StationKey.load_or_create(tmp_path / "a")
        pub = tmp_path / "a.pub"
        pub.write_text(public_pem(key.public), encoding="ascii")
        trust_key_file(tmp_path / "b", pub)
        stick = tmp_path / "stick.etabli"
        bundle.export_bundle(a.store, key, stick)
        _, imported = bundle.import_bundle(b.store, stick, Keyring.for_station(tmp_path / "b"))
        assert not imported.rejected and len(imported.accepted) == 6

        # The hub takes them, and a third station pulls them.
        workshop = f"Atelier {uuid.uuid4()}"
        enrol_station(tmp_path / "a", a.store, live_hub.url, live_hub.code(workshop))
        pushed = sync_round(tmp_path / "a", a.store, client_for(tmp_path / "a", a.store))
        assert not pushed.push.rejected and pushed.push.accepted == 6
        enrol_station(tmp_path / "c", c.store, live_hub.url, live_hub.code(workshop))
        sync_round(tmp_path / "c", c.store, client_for(tmp_path / "c", c.store))
        lines = {
            station: sorted(
                event_line(e)
                for e in queries.events(station.store)
                if e.station_id == a.store.station_id
            )
            for station in (a, b, c)
        }
        assert lines[a] == lines[b] == lines[c]

        # The same certificate everywhere, with the old durations read in milliseconds.
        documents = []
        for station, folder in ((a, "a"), (b, "b"), (c, "c")):
            found = queries.device_by_code(station.store, device.asset_code)
            assert found is not None
            pdf, envelope = device_certificate(
                station.store, Issuer.for_folder(tmp_path / folder), found
            )
            verify_pdf(pdf, Keyring.for_station(tmp_path / folder), device.asset_code)
            erasure = envelope["document"]["erasure"]
            documents.append(erasure)
        assert documents[0] == documents[1] == documents[2]
        [p] = documents[0]["passes"]
        assert p["seconds"] == "0.017" and documents[0]["verification"]["seconds"] == "2.5"
        assert documents[0]["throughput_bps"] == round(64 * 1024 * 1024 / 0.017)
        assert documents[0]["result"] == "erased"
    finally:
        for station in (a, b, c):
            station.close()


def test_a_new_fact_in_the_old_form_is_refused(tmp_path: Path) -> None:
    station = Station(tmp_path / "s", operator="S")
    try:
        device = station.register_device(DeviceKind.DRIVE, brand="", model="D", serial="N-1")
        facts = _old_erasure(device.id)
        with pytest.raises(BenchError) as refused:
            station.store.record(
                [NewEvent(t, p, device.id) for t, p in facts], operator="S", training=False
            )
        assert refused.value.code == "EVENT_INVALID"
        assert "erasure.pass_finished" in refused.value.message.en
        assert "milliseconds" in refused.value.message.en
        assert not [e for e in queries.events(station.store) if e.type.startswith("erasure.")]
    finally:
        station.close()


def test_a_float_in_a_new_fact_names_the_fact_and_the_field(tmp_path: Path) -> None:
    station = Station(tmp_path / "s", operator="S")
    try:
        device = station.register_device(DeviceKind.DRIVE, brand="", model="D", serial="N-2")
        facts = _old_erasure(device.id)
        started = dict(facts[0][1], target={**facts[0][1]["target"], "temperature": 41.5})
        with pytest.raises(BenchError) as refused:
            station.store.record(
                [NewEvent("erasure.started", started, device.id)], operator="S", training=False
            )
        assert refused.value.code == "FACT_MALFORMED"
        message = refused.value.message.en
        assert "erasure.started" in message and "payload.target.temperature" in message
        assert "41.5" in message
    finally:
        station.close()
