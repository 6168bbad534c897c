"""`etabli hub import-bundle`: a station's offline bundle stored at the hub through the same
checks as a push, whole or not at all, and only once; on SQLite and on PostgreSQL."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from bench_app.commands.main import main
from bench_app.errors import BenchError
from bench_app.signing import StationKey
from bench_app.sync.bundle import encode, export_bundle
from hub.db import HubDB
from hub.service import RELAYED_REASON, count_rows, import_bundle
from tests.hub.conftest import BenchStation, enrolled


def _export(bench: BenchStation, path: Path, *, all_stations: bool = False) -> Path:
    export_bundle(bench.station.store, bench.key, path, all_stations=all_stations)
    return path


def _hub_ids(db: HubDB) -> list[str]:
    with db.transaction() as tx:
        return sorted(str(r[0]) for r in tx.all("SELECT id FROM events"))


def _run(hub_url: str, path: Path) -> int:
    return main(["hub", "import-bundle", str(path), "--db", hub_url, "--lang", "en"])


def test_a_bundle_is_stored_once_and_a_second_import_changes_nothing(
    workshop_a: BenchStation,
    hub_db: HubDB,
    hub_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    workshop_a.register_phone("SER-1", "490154203237518")
    workshop_a.register_phone("SER-2")
    path = _export(workshop_a, tmp_path / "a.etabli")
    own = sorted(e.id for e in workshop_a.events())

    assert _run(hub_url, path) == 0
    out = capsys.readouterr().out
    assert f"imported: {len(own)}" in out and "refused: 0" in out
    assert _hub_ids(hub_db) == own
    assert count_rows(hub_db, "device_identities") == 3  # two serials, one IMEI

    assert _run(hub_url, path) == 0
    out = capsys.readouterr().out
    assert "imported: 0" in out and f"already here: {len(own)}" in out
    assert _hub_ids(hub_db) == own
    assert count_rows(hub_db, "device_identities") == 3


def test_a_later_bundle_adds_only_the_new_events(
    workshop_a: BenchStation, hub_db: HubDB, tmp_path: Path
) -> None:
    workshop_a.register_phone("SER-1")
    first = import_bundle(hub_db, _export(workshop_a, tmp_path / "1.etabli")).result
    workshop_a.register_phone("SER-2")
    second = import_bundle(hub_db, _export(workshop_a, tmp_path / "2.etabli")).result
    assert second.duplicates == first.accepted
    assert second.accepted and not second.rejected
    assert _hub_ids(hub_db) == sorted(e.id for e in workshop_a.events())
    assert second.acked_up_to == workshop_a.events()[-1].seq


def _refused_whole(hub_url: str, db: HubDB, path: Path, code: str, capsys: pytest.CaptureFixture[str]) -> str:  # fmt: skip
    with pytest.raises(BenchError) as caught:
        import_bundle(db, path)
    assert caught.value.code == code
    assert _run(hub_url, path) == 2
    err = capsys.readouterr().err
    assert "Nothing was imported" in err
    assert count_rows(db, "events") == 0
    return err


def test_a_truncated_bundle_is_refused_whole(
    workshop_a: BenchStation,
    hub_db: HubDB,
    hub_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for n in range(5):
        workshop_a.register_phone(f"SER-{n}")
    data = _export(workshop_a, tmp_path / "a.etabli").read_bytes()
    cut = tmp_path / "cut.etabli"
    cut.write_bytes(data[: len(data) * 2 // 3])
    err = _refused_whole(hub_url, hub_db, cut, "BUNDLE_UNREADABLE", capsys)
    assert "cut short" in err


def test_a_flipped_byte_is_refused_whole(
    workshop_a: BenchStation,
    hub_db: HubDB,
    hub_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    workshop_a.register_phone("SER-1")
    data = bytearray(_export(workshop_a, tmp_path / "a.etabli").read_bytes())
    data[len(data) // 2] ^= 0x01
    flipped = tmp_path / "flipped.etabli"
    flipped.write_bytes(bytes(data))
    _refused_whole(hub_url, hub_db, flipped, "BUNDLE_UNREADABLE", capsys)


def test_an_altered_event_is_refused_by_the_signature(
    workshop_a: BenchStation,
    hub_db: HubDB,
    hub_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    workshop_a.register_phone("SER-1")
    raw = gzip.decompress(_export(workshop_a, tmp_path / "a.etabli").read_bytes())
    assert b"SER-1" in raw
    altered = tmp_path / "altered.etabli"  # recompressed, so only the signature can tell
    altered.write_bytes(gzip.compress(raw.replace(b"SER-1", b"SER-9")))
    err = _refused_whole(hub_url, hub_db, altered, "BUNDLE_SIGNATURE_INVALID", capsys)
    assert workshop_a.key.key_id in err


def test_a_bundle_from_an_unknown_station_is_refused_whole(
    client: TestClient,
    hub_db: HubDB,
    hub_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    stranger = BenchStation(tmp_path / "stranger")
    try:
        stranger.register_phone("SER-1")
        path = _export(stranger, tmp_path / "s.etabli")
        err = _refused_whole(hub_url, hub_db, path, "HUB_BUNDLE_STATION_UNKNOWN", capsys)
        assert stranger.station_id in err
    finally:
        stranger.close()


def test_a_bundle_signed_by_another_key_than_the_enrolled_one_is_refused_whole(
    workshop_a: BenchStation,
    hub_db: HubDB,
    hub_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    workshop_a.register_phone("SER-1")
    other = StationKey.load_or_create(tmp_path / "other-key")
    forged = tmp_path / "forged.etabli"
    forged.write_bytes(encode(workshop_a.events(), other, workshop_a.station_id, "Atelier A"))
    err = _refused_whole(hub_url, hub_db, forged, "HUB_BUNDLE_KEY_MISMATCH", capsys)
    assert other.key_id in err and workshop_a.key.key_id in err


def test_relayed_events_are_refused_and_the_station_s_own_are_stored(
    client: TestClient,
    workshop_a: BenchStation,
    hub_db: HubDB,
    hub_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    neighbour = enrolled(client, hub_db, tmp_path / "neighbour", "Atelier A")
    try:
        neighbour.register_phone("SER-N")
        relayed = neighbour.events()
        assert not workshop_a.station.store.import_events(relayed).rejected
        workshop_a.register_phone("SER-A")
        path = _export(workshop_a, tmp_path / "a.etabli", all_stations=True)

        assert _run(hub_url, path) == 1
        out = capsys.readouterr().out
        assert out.count(RELAYED_REASON) == len(relayed)
        assert _hub_ids(hub_db) == sorted(e.id for e in workshop_a.events())

        again = import_bundle(hub_db, path).result
        assert not again.accepted
        assert again.duplicates == [e.id for e in workshop_a.events()]
        assert again.rejected == [
            {"id": e.id, "reason": RELAYED_REASON, "code": "relayed"} for e in relayed
        ]
        assert _hub_ids(hub_db) == sorted(e.id for e in workshop_a.events())
    finally:
        neighbour.close()


def test_an_empty_bundle_stores_nothing(
    workshop_a: BenchStation,
    hub_db: HubDB,
    hub_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = _export(workshop_a, tmp_path / "empty.etabli")
    assert _run(hub_url, path) == 0
    assert "imported: 0" in capsys.readouterr().out
    assert count_rows(hub_db, "events") == 0
