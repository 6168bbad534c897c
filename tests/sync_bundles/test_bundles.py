"""Offline bundles between two real stations: what arrives, what is refused, and that a
refused file leaves the station exactly as it was."""

from __future__ import annotations

import base64
import gzip
import json
import zlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench_app.domain.model import DeviceKind, DonorKind
from bench_app.errors import BenchError
from bench_app.signing import StationKey
from bench_app.store import queries
from bench_app.store.events import training_chain
from bench_app.sync import bundle
from bench_app.wire.canonical import canonical_json
from bench_app.wire.events import Event, event_hash
from bench_app.wire.refusals import Refusal
from tests.sync_bundles.support import Bench, grade, intake, open_bench, repack, unpack


def _export(bench: Bench, path: Path, **options: bool) -> bytes:
    bundle.export_bundle(bench.store, bench.key, path, **options)
    return path.read_bytes()


def test_a_bundle_from_a_shows_its_donors_lots_and_devices_at_b(
    benches: tuple[Bench, Bench], tmp_path: Path
) -> None:
    a, b = benches
    made = intake(a)
    path = tmp_path / "stick" / "a.etabli-bundle"
    path.parent.mkdir()
    _export(a, path)
    b.trust(a)

    loaded, result = bundle.import_bundle(b.store, path, b.keyring())

    assert loaded.header.station_id == a.store.station_id
    assert loaded.header.key_id == a.key.key_id
    assert len(result.accepted) == a.event_count() == b.event_count()
    assert result.duplicates == [] and result.rejected == []
    assert {d.id for d in queries.devices(b.store)} == set(made["devices"])
    assert [lot.id for lot in queries.lots(b.store)] == [made["lot"]]
    assert [d.name for d in queries.donors(b.store)] == ["Donateur A"]
    assert queries.latest_grade(b.store, made["devices"][0]) == queries.latest_grade(
        a.store, made["devices"][0]
    )
    assert b.snapshot() == a.snapshot()
    assert b.store.check().ok


def test_both_stations_show_each_others_devices_after_exchanging(
    benches: tuple[Bench, Bench], tmp_path: Path
) -> None:
    a, b = benches
    from_a, from_b = intake(a), intake(b)
    a.trust(b)
    b.trust(a)
    bundle.import_bundle(b.store, _path(a, tmp_path), b.keyring())
    bundle.import_bundle(a.store, _path(b, tmp_path), a.keyring())

    devices = set(from_a["devices"]) | set(from_b["devices"])
    assert {d.id for d in queries.devices(a.store)} == devices
    assert {d.id for d in queries.devices(b.store)} == devices
    assert {lot.id for lot in queries.lots(a.store)} == {from_a["lot"], from_b["lot"]}
    assert a.snapshot() == b.snapshot()
    assert a.event_count() == b.event_count()
    # The asset codes keep their station's prefix: no two devices share one.
    codes = [d.asset_code for d in queries.devices(a.store)]
    assert len(set(codes)) == len(codes) == 4


def _path(bench: Bench, tmp_path: Path) -> Path:
    path = tmp_path / f"{bench.name}-{bench.event_count()}.etabli-bundle"
    _export(bench, path)
    return path


def test_importing_the_same_bundle_twice_changes_nothing(
    benches: tuple[Bench, Bench], tmp_path: Path
) -> None:
    a, b = benches
    intake(a)
    path = _path(a, tmp_path)
    b.trust(a)
    bundle.import_bundle(b.store, path, b.keyring())
    before, count = b.snapshot(), b.event_count()

    _, again = bundle.import_bundle(b.store, path, b.keyring())

    assert again.accepted == [] and again.rejected == []
    assert len(again.duplicates) == count
    assert b.snapshot() == before
    assert b.event_count() == count


def test_a_station_importing_its_own_bundle_finds_only_duplicates(
    benches: tuple[Bench, Bench], tmp_path: Path
) -> None:
    a, _ = benches
    intake(a)
    before, count = a.snapshot(), a.event_count()
    _, result = bundle.import_bundle(a.store, _path(a, tmp_path), a.keyring())
    assert len(result.duplicates) == count and not result.accepted and not result.rejected
    assert a.snapshot() == before


def _refused(b: Bench, path: Path) -> BenchError:
    before, count = b.snapshot(), b.event_count()
    with pytest.raises(BenchError) as caught:
        bundle.import_bundle(b.store, path, b.keyring())
    assert b.event_count() == count
    assert b.snapshot() == before
    return caught.value


def test_a_truncated_bundle_is_refused_and_nothing_is_imported(
    benches: tuple[Bench, Bench], tmp_path: Path
) -> None:
    a, b = benches
    intake(a)
    data = _export(a, tmp_path / "whole")
    b.trust(a)
    for cut in (len(data) // 2, len(data) - 1, 20):
        path = tmp_path / f"cut-{cut}"
        path.write_bytes(data[:cut])
        error = _refused(b, path)
        assert error.code == "BUNDLE_UNREADABLE"
        assert "truncated" in error.message.en
        assert "Rien n’a été importé" in error.message.fr


def test_a_bundle_cut_after_a_whole_line_is_refused(
    benches: tuple[Bench, Bench], tmp_path: Path
) -> None:
    a, b = benches
    intake(a)
    lines = unpack(_export(a, tmp_path / "whole"))
    b.trust(a)
    path = tmp_path / "short"
    path.write_bytes(repack(lines[:-3]))  # a well-formed gzip of fewer lines
    error = _refused(b, path)
    assert error.code in ("BUNDLE_UNREADABLE", "BUNDLE_SIGNATURE_INVALID")


def test_an_altered_event_is_refused_by_the_signature(
    benches: tuple[Bench, Bench], tmp_path: Path
) -> None:
    a, b = benches
    intake(a)
    lines = unpack(_export(a, tmp_path / "whole"))
    event = json.loads(lines[1])
    event["operator"] = "someone-else"
    lines[1] = canonical_json(event) + b"\n"
    path = tmp_path / "altered"
    path.write_bytes(repack(lines))
    b.trust(a)
    error = _refused(b, path)
    assert error.code == "BUNDLE_SIGNATURE_INVALID"
    assert a.key.key_id in error.message.en


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(position=st.floats(min_value=0.0, max_value=1.0), bit=st.integers(0, 7))
def test_a_flipped_bit_anywhere_in_the_data_is_refused(
    benches: tuple[Bench, Bench], tmp_path: Path, position: float, bit: int
) -> None:
    a, b = benches
    if a.event_count() == 0:
        intake(a)
        b.trust(a)
    whole = _export(a, tmp_path / "whole")
    data = bytearray(whole)
    # Bytes 4..9 of a gzip header (time, flags, system) do not carry the content.
    index = 10 + int(position * (len(data) - 11))
    data[index] ^= 1 << bit
    path = tmp_path / "flipped"
    path.write_bytes(bytes(data))
    original = gzip.decompress(whole)
    try:
        same = gzip.decompress(bytes(data)) == original
    except (OSError, EOFError, zlib.error):
        same = False
    if same:
        # The bit was one of the unused padding bits that end a deflate stream: the bundle's
        # content is untouched, so it imports as the original would.
        bundle.import_bundle(b.store, path, b.keyring())
        return
    error = _refused(b, path)
    assert error.code in ("BUNDLE_UNREADABLE", "BUNDLE_SIGNATURE_INVALID")


def test_a_bundle_signed_with_another_key_is_refused(
    benches: tuple[Bench, Bench], tmp_path: Path
) -> None:
    a, b = benches
    intake(a)
    lines = unpack(_export(a, tmp_path / "whole"))
    impostor = StationKey.load_or_create(tmp_path / "impostor")
    forged = impostor.sign(b"".join(lines[:-1]))
    lines[-1] = canonical_json({"signature": base64.b64encode(forged).decode()}) + b"\n"
    path = tmp_path / "forged"
    path.write_bytes(repack(lines))
    b.trust(a)
    error = _refused(b, path)
    assert error.code == "BUNDLE_SIGNATURE_INVALID"


def test_a_bundle_from_an_untrusted_station_is_refused_naming_its_key(
    benches: tuple[Bench, Bench], tmp_path: Path
) -> None:
    a, b = benches
    intake(a)
    path = _path(a, tmp_path)
    error = _refused(b, path)
    assert error.code == "BUNDLE_KEY_UNKNOWN"
    assert a.key.key_id in error.message.en and a.key.key_id in error.message.fr
    assert "etabli keys trust" in error.action.en
    b.trust(a)  # once trusted, the same file goes in
    _, result = bundle.import_bundle(b.store, path, b.keyring())
    assert len(result.accepted) == a.event_count()


def test_a_gap_rejects_that_stations_later_events_and_others_still_go_in(
    benches: tuple[Bench, Bench], tmp_path: Path
) -> None:
    a, b = benches
    c = open_bench(tmp_path, "C")
    try:
        intake(a)
        c.station.register_donor("Donateur C", DonorKind.ASSOCIATION)
        a_events = a.store.events_since()
        c_events = c.store.events_since()
        holed = [e for e in a_events if e.seq != 3] + c_events
        path = tmp_path / "holed"
        bundle.write_atomically(path, bundle.encode(holed, a.key, a.store.station_id, None))
        b.trust(a)
        _, result = bundle.import_bundle(b.store, path, b.keyring())

        station = a.store.station_id
        assert result.accepted == [e.id for e in a_events[:2]] + [e.id for e in c_events]
        assert [r.seq for r in result.rejected] == [e.seq for e in a_events[3:]]
        assert {r.reason for r in result.rejected} == {f"missing events 3..3 of station {station}"}
        assert b.store.station_heads() == {station: 2, c.store.station_id: 1}
        assert b.store.check().ok

        # The whole bundle later fills the gap: the rest goes in, the first two are known.
        _, rest = bundle.import_bundle(b.store, _path(a, tmp_path), b.keyring())
        assert len(rest.duplicates) == 2 and not rest.rejected
        assert len(rest.accepted) == len(a_events) - 2
        assert b.store.station_heads()[station] == len(a_events)
    finally:
        c.station.close()


def test_an_event_whose_content_was_changed_is_rejected_on_import(
    benches: tuple[Bench, Bench],
) -> None:
    a, b = benches
    intake(a)
    events = a.store.events_since()
    changed = Event(**{**events[1].to_json(), "operator": "x"})
    result = b.store.import_events([events[0], changed, *events[2:]])
    assert result.accepted == [events[0].id]
    assert result.rejected[0].reason == "content does not match its hash"
    assert all("missing events 2..2" in r.reason for r in result.rejected[1:])
    assert b.event_count() == 1


def test_since_ack_exports_only_what_the_hub_has_not_acknowledged(
    benches: tuple[Bench, Bench], tmp_path: Path
) -> None:
    a, _ = benches
    intake(a)
    total = a.event_count()
    assert bundle.mark_acknowledged(a.store, 3) == 3
    assert bundle.mark_acknowledged(a.store, 2) == 3  # an acknowledgement never moves back
    with pytest.raises(ValueError):
        bundle.mark_acknowledged(a.store, total + 1)
    lines = unpack(_export(a, tmp_path / "since", since_ack=True))
    seqs = [json.loads(line)["seq"] for line in lines[1:-1]]
    assert seqs == list(range(4, total + 1))
    assert json.loads(lines[0])["events"] == total - 3


def test_export_is_written_whole_or_not_at_all(
    benches: tuple[Bench, Bench], tmp_path: Path
) -> None:
    a, _ = benches
    intake(a)
    with pytest.raises(BenchError) as caught:
        _export(a, tmp_path / "no-such-folder" / "x.bundle")
    assert caught.value.code == "EXPORT_WRITE_FAILED"
    assert list(tmp_path.glob("**/.x.bundle*")) == []


def test_training_facts_never_go_in_a_bundle(benches: tuple[Bench, Bench], tmp_path: Path) -> None:
    """A station with real and training facts: its bundle (even --all-stations) carries the
    real ones only, and the other station imports them whole, with no gap in the chain."""
    a, b = benches
    made = intake(a, devices=1)
    practice = a.station.register_device(DeviceKind.PHONE, serial="t-a", training=True)
    grade(a, practice.id, "C", 2, training=True)
    grade(a, made["devices"][0], "B", 5)  # a real fact after the training ones
    own = b.station.register_device(DeviceKind.PHONE, serial="t-b", training=True)
    assert own.asset_code == practice.asset_code  # both stations number TEST codes alike
    b.trust(a)
    training_ids = {r[0] for r in a.store.query("SELECT id FROM events WHERE training = 1")}
    assert len(training_ids) >= 2
    for all_stations in (False, True):
        sent = bundle.events_to_send(a.store, all_stations=all_stations)
        assert not {e.id for e in sent} & training_ids
        assert [e.seq for e in sent] == list(range(1, len(sent) + 1))

    _, result = bundle.import_bundle(b.store, _path(a, tmp_path), b.keyring())

    assert result.rejected == []
    assert len(result.accepted) == a.event_count() - len(training_ids)
    from_a = (a.store.station_id, training_chain(a.store.station_id))
    assert b.store.query(
        "SELECT count(*) FROM events WHERE station_id IN (?, ?) AND training = 1", from_a
    ) == [(0,)]
    assert {d.id for d in queries.devices(b.store)} == {made["devices"][0], own.id}
    assert b.store.check().ok
    before = b.snapshot()
    b.store.rebuild_projections()
    assert b.snapshot() == before


def test_a_fact_about_a_device_registered_elsewhere_waits_for_its_registration(
    benches: tuple[Bench, Bench], tmp_path: Path
) -> None:
    a, b = benches
    c = open_bench(tmp_path, "C")
    try:
        made = intake(a, devices=1)
        c.store.import_events(a.store.events_since())
        grade(c, made["devices"][0], "A", 8)
        c_events = c.store.events_since()

        alone = b.store.import_events(c_events)
        assert alone.accepted == [] and b.event_count() == 0
        assert f"device {made['devices'][0]} is not known here" in alone.rejected[0].reason

        # C's grade first, A's registration after, in one batch: both go in.
        both = b.store.import_events([*c_events, *a.store.events_since()])
        assert both.rejected == [] and b.event_count() == a.event_count() + 1
        current = queries.latest_grade(b.store, made["devices"][0])
        assert current is not None and current.workshop_grade == "A8"
    finally:
        c.station.close()


def test_a_different_event_under_a_seq_already_held_is_rejected(
    benches: tuple[Bench, Bench],
) -> None:
    a, b = benches
    intake(a, devices=1)
    events = a.store.events_since()
    b.store.import_events(events)
    first = events[0]
    fields = {**first.to_json(), "id": "01a20000-0000-7000-8000-000000000001"}
    fields.pop("hash")
    forked = Event(**fields, hash=event_hash(fields))
    result = b.store.import_events([forked])
    assert result.accepted == []
    assert result.rejected[0].reason.startswith(
        f"station {first.station_id} already has a different event numbered 1"
    )


def _rehashed(event: Event, **changes: object) -> Event:
    """The event with some fields changed and its hash recomputed over them: well hashed,
    and wrong in some other way."""
    fields = {**event.to_json(), **changes}
    fields.pop("hash")
    return Event(**fields, hash=event_hash(fields))


def test_each_refusal_on_import_carries_its_stable_code_beside_its_reason(
    benches: tuple[Bench, Bench], tmp_path: Path
) -> None:
    """Programs (the sync client) decide on the code; the sentence is for people."""
    a, b = benches
    c = open_bench(tmp_path, "C")
    try:
        device = intake(a, devices=1)["devices"][0]
        events = a.store.events_since()
        held, rest = events[:2], events[2:]  # b holds a's donor and lot, not its phone
        assert not b.store.import_events(held).rejected
        c.store.import_events(events)
        grade(c, device, "A", 8)
        grade(c, device, "B", 6)
        graded_at_c = c.store.events_since()
        other_id = "01a20000-0000-7000-8000-000000000001"

        def refused(batch: list[Event]) -> list[tuple[Refusal, str]]:
            result = b.store.import_events(batch)
            assert not result.accepted and not result.duplicates
            return [(r.code, r.reason) for r in result.rejected]

        cases: list[tuple[list[Event], list[Refusal]]] = [
            ([_rehashed(held[0], operator="x")], [Refusal.ID_TAKEN]),
            ([Event(**{**held[0].to_json(), "operator": "x"})], [Refusal.ALTERED]),
            ([Event(**{**rest[0].to_json(), "operator": "x"})], [Refusal.ALTERED]),
            ([_rehashed(rest[0], station_id=b.store.station_id)], [Refusal.OWN_EVENT]),
            ([_rehashed(rest[0], seq=0)], [Refusal.MALFORMED]),
            ([_rehashed(rest[0], type="device.teleported")], [Refusal.INVALID_FACT]),
            ([_rehashed(held[0], id=other_id)], [Refusal.SEQ_TAKEN]),
            (rest[1:], [Refusal.MISSING_EVENTS] * len(rest[1:])),
            ([_rehashed(rest[0], prev_hash="f" * 64)], [Refusal.BROKEN_LINK]),
            (graded_at_c, [Refusal.DEVICE_UNKNOWN, Refusal.FOLLOWS_REFUSED]),
        ]
        for batch, codes in cases:
            got = refused(batch)
            assert [code for code, _ in got] == codes, got
            assert all(reason for _, reason in got)  # the sentence is still there for people
        assert b.event_count() == len(held)

        # Two events under one number in one batch: the first goes in, the second is refused.
        twin = _rehashed(rest[0], id=other_id)
        result = b.store.import_events([rest[0], twin])
        assert result.accepted == [rest[0].id]
        assert [(r.event_id, r.code) for r in result.rejected] == [(twin.id, Refusal.SEQ_TAKEN)]
    finally:
        c.station.close()


@pytest.mark.parametrize(
    ("bad", "code"),
    [
        ("FP\x003", Refusal.INVALID_FACT),
        ("\ud800", Refusal.MALFORMED),  # not even hashable: no UTF-8 for it
        (float("inf"), Refusal.INVALID_FACT),
        (float("nan"), Refusal.INVALID_FACT),
        ({1: "key"}, Refusal.INVALID_FACT),
    ],
    ids=["nul", "lone-surrogate", "infinity", "nan", "integer-key"],
)
def test_a_payload_that_cannot_travel_is_refused_among_good_ones(
    benches: tuple[Bench, Bench], bad: object, code: Refusal
) -> None:
    """The import checks all payloads at once and walks them one by one only when unsure:
    one bad value among good events is still found, and only its event is refused."""
    a, b = benches
    intake(a, devices=2)
    events = a.store.events_since()
    at = next(i for i, e in enumerate(events) if e.type == "device.registered" and i > 2)
    payload = {**events[at].payload, "extra": [{"v": bad}]}
    try:
        spoilt = _rehashed(events[at], payload=payload)
    except UnicodeEncodeError:
        spoilt = Event(**{**events[at].to_json(), "payload": payload})
    result = b.store.import_events([*events[:at], spoilt])
    assert result.accepted == [e.id for e in events[:at]]
    assert [(r.event_id, r.code) for r in result.rejected] == [(spoilt.id, code)]
    assert b.event_count() == at
