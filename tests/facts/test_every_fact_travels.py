"""Every fact the station can record travels everywhere facts go.

Any valid journey (tests/facts/journeys.py: every fact type, any values of the right kind,
extra fields of any wire value) is recorded through the real store at station A, then:
bundle export -> import at station B; push from A to a real hub (uvicorn, on SQLite and on
PostgreSQL) -> pull at station C; and at C, each device's certificate or failure report
(signed PDF, verified) and the lot's report (PDF and CSV). Every step must succeed and hold
exactly A's events, byte for byte in the event encoding.
"""

from __future__ import annotations

import json
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench_app.domain import facts
from bench_app.domain.asset_code import AssetCode
from bench_app.errors import BenchError
from bench_app.output.certificates.assemble import device_certificate
from bench_app.output.certificates.document import Issuer, is_success
from bench_app.output.certificates.verify import verify_pdf
from bench_app.output.reports.environment import load_factors
from bench_app.output.reports.lot_report import find_lot, gather_lot, lot_csv, lot_pdf
from bench_app.signing import Keyring, StationKey, public_pem, trust_key_file
from bench_app.station import Station
from bench_app.store import queries
from bench_app.store.database import NewEvent, Store
from bench_app.store.events import iter_events
from bench_app.sync import bundle
from bench_app.sync.client import client_for, enrol_station, sync_round
from bench_app.wire.events import event_line
from hub.db import HubDB
from tests.facts.journeys import BUILDERS, Journey, journeys
from tests.hub.conftest import hub_db, hub_url, postgres_server  # noqa: F401  (fixtures)
from tests.sync.conftest import LiveHub


def test_every_defined_fact_type_has_a_builder() -> None:
    """A fact type added to the definitions without a way to generate it fails here."""
    assert set(BUILDERS) == set(facts.SCHEMAS)


@given(journeys(every_chapter=True))
@settings(max_examples=5, deadline=None)
def test_a_journey_through_every_chapter_holds_every_fact_type(journey: Journey) -> None:
    assert journey.types() == set(facts.SCHEMAS)


@pytest.fixture
def live_hub(hub_db: HubDB) -> Iterator[LiveHub]:  # noqa: F811
    hub = LiveHub(hub_db)
    yield hub
    hub.stop()


def _record(store: Store, journey: Journey) -> None:
    """Records the journey at the station; asset codes take the station's own prefix."""
    for chapter in journey.chapters:
        for f in chapter:
            if f.type == "device.registered":
                number = AssetCode.parse(f.payload["asset_code"]).number
                f.payload["asset_code"] = str(AssetCode.make(store.station_prefix, number))
        store.record(
            [NewEvent(f.type, f.payload, f.device_id) for f in chapter],
            operator=journey.operator,
            training=False,
        )


def _events(store: Store, station_id: str) -> list[bytes]:
    with store.transaction() as conn:
        found = [e for _, e in iter_events(conn, "WHERE station_id = ?", (station_id,))]
    return [event_line(e) for e in sorted(found, key=lambda e: e.seq)]


def _documents(folder: Path, store: Store, lot_id: str) -> dict[str, Any]:
    """The signed document of each device's latest erasure (verified), and the lot report."""
    issuer = Issuer.for_folder(folder)
    keyring = Keyring.for_station(folder)
    out: dict[str, Any] = {}
    for device in queries.devices(store):
        try:
            pdf, envelope = device_certificate(store, issuer, device, "fr")
        except BenchError as exc:  # a device never erased has no certificate
            assert exc.code == "CERT_NO_ERASURE", exc
            continue
        check = verify_pdf(pdf, keyring, device.asset_code)
        assert check.devices == [envelope["document"]]
        document = dict(envelope["document"])
        document.pop("issued_at", None)
        out[device.id] = (document, is_success(envelope["document"]))
    lot = find_lot(store, lot_id)
    report = gather_lot(store, lot, load_factors(folder))
    assert lot_pdf(report).startswith(b"%PDF-")
    out["lot.csv"] = lot_csv(report)
    return out


@given(journey=st.one_of(journeys(), journeys(every_chapter=True)))
@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_any_journey_travels_by_bundle_and_hub(live_hub: LiveHub, journey: Journey) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        a = Station(root / "a", operator="A")
        b = Station(root / "b", operator="B")
        c = Station(root / "c", operator="C")
        try:
            _record(a.store, journey)
            sent = _events(a.store, a.store.station_id)
            assert len(sent) == sum(len(ch) for ch in journey.chapters)

            # A USB stick: export at A, import at B.
            key_a = StationKey.load_or_create(root / "a")
            pub = root / "a.pub"
            pub.write_text(public_pem(key_a.public), encoding="ascii")
            trust_key_file(root / "b", pub)
            stick = root / "stick.etabli"
            bundle.export_bundle(a.store, key_a, stick)
            _, imported = bundle.import_bundle(b.store, stick, Keyring.for_station(root / "b"))
            assert not imported.rejected, imported.rejected
            assert _events(b.store, a.store.station_id) == sent

            # The collective's hub: A pushes, C (same workshop) pulls.
            workshop = f"Atelier {uuid.uuid4()}"
            enrol_station(root / "a", a.store, live_hub.url, live_hub.code(workshop))
            pushed = sync_round(root / "a", a.store, client_for(root / "a", a.store))
            assert not pushed.push.rejected, pushed.push.rejected
            assert sorted(live_hub.event_ids(a.store.station_id)) == sorted(
                json.loads(line)["id"] for line in sent
            )
            enrol_station(root / "c", c.store, live_hub.url, live_hub.code(workshop))
            sync_round(root / "c", c.store, client_for(root / "c", c.store))
            assert _events(c.store, a.store.station_id) == sent

            # Documents: the same facts give the same signed documents at A and at C.
            trust_key_file(root / "c", pub)
            at_a = _documents(root / "a", a.store, journey.lot_id)
            at_c = _documents(root / "c", c.store, journey.lot_id)
            assert at_a.keys() == at_c.keys()
            for name in at_a:
                if name != "lot.csv":
                    doc_a, ok_a = at_a[name]
                    doc_c, ok_c = at_c[name]
                    assert ok_a == ok_c
                    assert doc_a["erasure"] == doc_c["erasure"]
        finally:
            for station in (a, b, c):
                station.close()


@given(st.data())
@settings(max_examples=30, deadline=None)
def test_a_fact_that_could_not_travel_is_refused_at_the_source(data: st.DataObject) -> None:
    """A float, a NUL or a lone surrogate anywhere in any fact's payload is refused by
    `Store.append` with the fact and the field named, and nothing is recorded."""
    journey = data.draw(journeys())
    chapter = data.draw(st.sampled_from(journey.chapters[1:]))
    victim = data.draw(st.sampled_from(chapter))
    poison = data.draw(st.sampled_from([0.017, float("nan"), "a\x00b", "\ud800"]))
    with tempfile.TemporaryDirectory() as tmp:
        station = Station(Path(tmp) / "s", operator="S")
        try:
            for before in journey.chapters[: journey.chapters.index(chapter)]:
                station.store.record(
                    [NewEvent(f.type, f.payload, f.device_id) for f in before],
                    operator=journey.operator,
                    training=False,
                )
            count = len(_events(station.store, station.store.station_id))
            victim.payload = {**victim.payload, "x_poison": {"deep": [poison]}}
            with pytest.raises(BenchError) as refused:
                station.store.record(
                    [NewEvent(f.type, f.payload, f.device_id) for f in chapter],
                    operator=journey.operator,
                    training=False,
                )
            assert refused.value.code == "FACT_MALFORMED"
            assert victim.type in refused.value.message.en
            assert "payload.x_poison.deep[0]" in refused.value.message.en
            assert len(_events(station.store, station.store.station_id)) == count
        finally:
            station.close()
