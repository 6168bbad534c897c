"""Stations enrolling with a real hub (uvicorn; SQLite and PostgreSQL) prove their key and
take the asset-code prefix the hub gives: unique in the collective, kept across restarts,
old codes still found. Refusals reach the operator by their stable codes."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from bench_app.commands.main import main
from bench_app.domain.asset_code import TRAINING_PREFIX, AssetCode
from bench_app.domain.model import DeviceKind
from bench_app.errors import BenchError
from bench_app.signing import StationKey
from bench_app.station import Station
from bench_app.store import queries
from bench_app.store.database import DB_NAME, Store
from bench_app.sync.client import HubClient, SyncConfig
from hub import protocol
from hub.service import station_prefix
from tests.sync.conftest import LiveHub, SyncedStation


def _with_prefix(folder: Path, prefix: str) -> None:
    """A new station whose random draw gave `prefix` (as two stations' draws can collide)."""
    with Store(folder / DB_NAME) as store, store.transaction() as conn:
        conn.execute("UPDATE meta SET value = ? WHERE key = 'station_prefix'", (prefix,))


def _register(station: Station, serial: str) -> str:
    return station.register_device(DeviceKind.PHONE, brand="Fairphone", serial=serial).asset_code


def test_two_stations_drawing_the_same_prefix_end_up_with_two(
    live_hub: LiveHub, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("a", "b"):
        _with_prefix(tmp_path / name, "QRST")
    a = SyncedStation(tmp_path / "a", live_hub, "A")
    b = Station(tmp_path / "b", operator="B")
    try:
        assert a.store.station_prefix == b.store.station_prefix == "QRST"
        old_code = _register(b, "B-OLD")  # B was used offline before enrolling
        assert old_code.startswith("QRST-")
        b.close()

        a.enrol(live_hub.code("Atelier de Brest"))
        assert a.store.station_prefix == "QRST" and a.store.prefix_from_hub()

        argv = ["enrol", a.proxy.url, live_hub.code("Atelier de Brest"), "--lang", "en"]
        assert main([*argv, "--data-dir", str(tmp_path / "b")]) == 0
        out = capsys.readouterr().out
        b = Station(tmp_path / "b", operator="B")  # the command's change survived it
        new = b.store.station_prefix
        assert new not in ("QRST", TRAINING_PREFIX) and b.store.prefix_from_hub()
        assert f"New asset codes start with {new}" in out and "QRST stay valid" in out
        assert station_prefix(live_hub.db, b.store.station_id) == new

        found = queries.device_by_code(b.store, old_code)  # the old label still opens
        assert found is not None and found.serial == "B-OLD"
        next_code = _register(b, "B-NEW")
        assert next_code == str(AssetCode.make(new, 1))
        b.close()
        b = Station(tmp_path / "b", operator="B")  # a restart keeps the prefix
        assert b.store.station_prefix == new
        assert _register(b, "B-NEXT") == str(AssetCode.make(new, 2))
    finally:
        a.close()
        b.close()


def test_a_station_enrolled_before_prefixes_gets_its_own_on_its_next_sync(
    live_hub: LiveHub, tmp_path: Path
) -> None:
    a = SyncedStation(tmp_path / "a", live_hub, "A")
    b = SyncedStation(tmp_path / "b", live_hub, "B")
    try:
        a.enrol(live_hub.code("Atelier"))
        b.enrol(live_hub.code("Atelier"))
        kept, clashing = a.store.station_prefix, b.store.station_prefix
        # As a hub and stations of before: no prefix given, and B's random draw hit A's.
        with live_hub.db.transaction() as tx:
            tx.execute("UPDATE stations SET station_prefix = NULL")
        for s, prefix in ((a, kept), (b, kept)):
            with s.store.transaction() as conn:
                conn.execute("DELETE FROM meta WHERE key = 'station_prefix_source'")
                conn.execute("UPDATE meta SET value = ? WHERE key = 'station_prefix'", (prefix,))
            s.store.station_prefix = prefix
        assert not a.store.prefix_from_hub()

        a.sync()
        assert a.store.station_prefix == kept and a.store.prefix_from_hub()
        a_code = a.station.register_device(DeviceKind.PHONE, serial="A1").asset_code
        b.sync()
        assert b.store.station_prefix not in (kept, clashing, TRAINING_PREFIX)
        assert b.store.prefix_from_hub()
        b_code = b.station.register_device(DeviceKind.PHONE, serial="B1").asset_code
        assert a_code[:4] != b_code[:4]
        b.sync()
        a.sync()  # the two codes meet at A without clashing
        assert {d.asset_code for d in queries.devices(a.store)} >= {a_code, b_code}
        assert SyncConfig.load(b.folder).rejected == []
    finally:
        a.close()
        b.close()


@dataclass(frozen=True)
class _WrongKey:
    """A station key file replaced by another key while the public half stayed: what a
    copied public key without its private key looks like to the hub."""

    public: object
    other: StationKey

    def sign(self, message: bytes) -> bytes:
        return self.other.sign(message)


def test_enrolment_refusals_are_told_by_their_codes(
    live_hub: LiveHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    station = SyncedStation(tmp_path / "s", live_hub, "S")
    try:
        real = StationKey.load_or_create(station.folder)
        wrong = _WrongKey(real.public, StationKey.load_or_create(tmp_path / "other"))
        client = HubClient(station.proxy.url, station.store.station_id, wrong)  # type: ignore[arg-type]
        code = live_hub.code("Atelier")
        with pytest.raises(BenchError) as caught:
            client.enrol(code)
        assert caught.value.code == "SYNC_ENROL_PROOF_REFUSED"
        assert "does not verify" in caught.value.message.en
        assert "clé du poste" in caught.value.action.fr

        # Every challenge expires before it is answered: asked twice, then told plainly.
        monkeypatch.setattr(protocol, "CHALLENGE_SECONDS", -1)
        with pytest.raises(BenchError) as caught:
            station.enrol(code)
        assert caught.value.code == "SYNC_ENROL_CHALLENGE_REFUSED"
        assert "same code" in caught.value.action.en
        monkeypatch.setattr(protocol, "CHALLENGE_SECONDS", 120)
        station.enrol(code)  # none of the refusals spent the code
        assert SyncConfig.load(station.folder).enrolled
    finally:
        station.close()
