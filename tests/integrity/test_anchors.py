"""The signed head's life outside tampering: a database from before signed heads, a bench
that keeps working after its log was tampered with (it never signs over the damage), the
station key gone, and the hub's acknowledgement kept as received."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from bench_app.domain.model import DonorKind
from bench_app.signing import KEYS_DIR, STATION_KEY_NAME
from bench_app.station import Station
from bench_app.store.anchors import HEAD_FILE, HUB_ACK_FILE, SINCE_META, read_hub_ack
from bench_app.store.database import DB_NAME, Store
from tests.integrity import tampering as t
from tests.integrity.conftest import Session, db_check

DUMP_V2 = Path(__file__).resolve().parent.parent / "data" / "databases" / "v2.sql"


def _codes(folder: Path) -> list[str]:
    with Store(folder / DB_NAME, sign_head=False) as store:
        return [p.code for p in store.check().problems]


def test_a_database_from_before_signed_heads_is_signed_when_the_bench_opens_it(
    data_dir: Path,
) -> None:
    data_dir.mkdir(parents=True)
    conn = sqlite3.connect(data_dir / DB_NAME)
    conn.executescript(DUMP_V2.read_text(encoding="utf-8"))
    conn.close()

    # The check alone signs nothing: it says the log was never signed.
    proc = db_check(data_dir)
    assert proc.returncode == 1
    assert "This station’s log was never signed" in proc.stdout
    assert not (data_dir / HEAD_FILE).exists()

    Station(data_dir, operator="amina").close()  # the bench signs the log as it stands
    assert (data_dir / HEAD_FILE).exists()
    proc = db_check(data_dir)
    assert proc.returncode == 0, proc.stdout
    # From then on, a missing head file is not "never signed" but "gone".
    t.delete_head(data_dir)
    assert _codes(data_dir) == ["DB_HEAD_MISSING"]


def test_a_bench_never_signs_over_a_tampered_log(recorded_session: Session, tmp_path: Path) -> None:
    """After the last fact was deleted, the bench keeps working but leaves the signed head as
    it was: the new fact takes the deleted one's number with another hash, and the check
    says so instead of the deletion being covered by a fresh signature."""
    folder = recorded_session.copy(tmp_path / "copy")
    head_before = (folder / HEAD_FILE).read_bytes()
    last = t.own_events_of(folder)[-1].seq
    t.delete_last(folder, 1)
    station = Station(folder, operator="amina")
    try:
        station.register_donor("Après la suppression", DonorKind.COMPANY)
    finally:
        station.close()
    assert (folder / HEAD_FILE).read_bytes() == head_before
    assert t.own_events_of(folder)[-1].seq == last
    proc = db_check(folder)
    assert proc.returncode == 1
    assert f"Fact #{last} is not the one signed at" in proc.stdout


def test_a_head_file_removed_stays_reported_while_the_bench_works(
    recorded_session: Session, tmp_path: Path
) -> None:
    folder = recorded_session.copy(tmp_path / "copy")
    t.delete_head(folder)
    station = Station(folder, operator="amina")
    try:
        station.register_donor("Sans tête", DonorKind.COMPANY)
    finally:
        station.close()
    assert not (folder / HEAD_FILE).exists()
    assert "DB_HEAD_MISSING" in _codes(folder)
    # Removing the "since" mark too makes it look never signed: still not a pass.
    t.execute(folder, "DELETE FROM meta WHERE key = ?", (SINCE_META,))
    assert "DB_HEAD_NEVER_SIGNED" in _codes(folder)


def test_the_station_key_gone_is_reported(recorded_session: Session, tmp_path: Path) -> None:
    folder = recorded_session.copy(tmp_path / "copy")
    (folder / KEYS_DIR / STATION_KEY_NAME).unlink()
    proc = db_check(folder)
    assert proc.returncode == 1
    assert "the station key (keys/station-ed25519.pem) is gone" in proc.stdout
    assert not (folder / KEYS_DIR / STATION_KEY_NAME).exists()  # the check makes none


def test_the_hub_ack_never_moves_back_and_a_garbled_one_is_reported(
    recorded_session: Session, tmp_path: Path
) -> None:
    folder = recorded_session.copy(tmp_path / "copy")
    events = t.own_events_of(folder)
    with Store(folder / DB_NAME) as store:
        assert store.record_hub_ack("https://hub.example", 5, events[4].hash)
        assert not store.record_hub_ack("https://hub.example", 3, events[2].hash)
        assert not store.record_hub_ack("https://hub.example", 5, events[4].hash)
        kept = read_hub_ack(folder)
        assert kept is not None and (kept.seq, kept.hash) == (5, events[4].hash)
        assert store.check().ok
    raw = json.loads((folder / HUB_ACK_FILE).read_text())
    assert raw["hub"] == "https://hub.example"

    (folder / HUB_ACK_FILE).write_text('{"hub": "https://hub.example", "seq": "five"}')
    proc = db_check(folder)
    assert proc.returncode == 1
    assert "The collective’s acknowledgement" in proc.stdout
