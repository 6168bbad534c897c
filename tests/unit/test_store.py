"""The station database: WAL, one writer per folder, the append-only log, atomic writes,
refusing what it cannot read, and the schema of every fact."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from bench_app.domain import facts
from bench_app.errors import BenchError
from bench_app.store import projections, queries
from bench_app.store.database import DB_NAME, LOCK_NAME, NewEvent, Store
from bench_app.store.migrations import LATEST_VERSION
from bench_app.wire.events import Event


def _donor(n: int) -> NewEvent:
    return NewEvent(
        "donor.registered", {"donor_id": f"donor-{n}", "name": f"D{n}", "kind": "company"}
    )


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def db_path(data_dir: Path) -> Path:
    return data_dir / DB_NAME


def test_wal_mode_and_foreign_keys_are_on(db_path: Path) -> None:
    with Store(db_path) as store:
        assert store.query_one("PRAGMA journal_mode") == ("wal",)
        assert store.query_one("PRAGMA foreign_keys") == (1,)
        # Foreign keys really are enforced: a lot for a donor that does not exist is refused.
        with pytest.raises(sqlite3.IntegrityError):
            store.record(
                [
                    NewEvent(
                        "lot.registered",
                        {
                            "lot_id": "lot-1",
                            "donor_id": "nobody",
                            "received_on": "2026-01-01",
                            "expected_count": None,
                        },
                    )
                ],
                operator="t",
                training=False,
            )
        assert store.query_one("SELECT count(*) FROM events") == (0,)
    # WAL is a property of the file, seen by any other connection.
    raw = sqlite3.connect(db_path)
    try:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        raw.close()


def test_station_identity_persists_across_reopen(db_path: Path) -> None:
    with Store(db_path) as store:
        station_id, prefix = store.station_id, store.station_prefix
        store.record([_donor(1)], operator="t", training=False)
    assert len(station_id) == 36
    assert len(prefix) == 4
    with Store(db_path) as again:
        assert (again.station_id, again.station_prefix) == (station_id, prefix)
        assert again.schema_version() == LATEST_VERSION
        event = queries.events(again)[0]
        assert event.station_id == station_id
    # A different folder is a different station.
    with Store(db_path.parent.parent / "other" / DB_NAME) as other:
        assert other.station_id != station_id


def test_second_writer_is_refused_and_reader_falls_back_to_read_only(db_path: Path) -> None:
    writer = Store(db_path)
    try:
        writer.record([_donor(1)], operator="t", training=False)
        with pytest.raises(BenchError) as info:
            Store(db_path)
        assert info.value.code == "DB_LOCKED"
        assert str(db_path.parent) in info.value.message.fr

        reader = Store.open_for_reading(db_path)
        try:
            assert reader.writer is False
            assert reader.station_id == writer.station_id
            assert reader.query_one("SELECT count(*) FROM events") == (1,)
            with pytest.raises(BenchError) as refused:
                reader.record([_donor(2)], operator="t", training=False)
            assert refused.value.code == "DB_LOCKED"
            # What the writer records next is visible to the reader.
            writer.record([_donor(3)], operator="t", training=False)
            assert reader.query_one("SELECT count(*) FROM events") == (2,)
        finally:
            reader.close()
        assert writer.query_one("SELECT count(*) FROM events") == (2,)
    finally:
        writer.close()
    # Once the writer is gone, the next opener is the writer.
    with Store.open_for_reading(db_path) as next_one:
        assert next_one.writer is True
        assert (db_path.parent / LOCK_NAME).exists()


def test_events_cannot_be_updated_or_deleted(db_path: Path) -> None:
    with Store(db_path) as store:
        store.record([_donor(1), _donor(2)], operator="t", training=False)
        before = store.query("SELECT * FROM events ORDER BY rowid")
        for sql in (
            "UPDATE events SET operator = 'mallory'",
            "UPDATE events SET payload = '{}' WHERE seq = 1",
            "DELETE FROM events WHERE seq = 2",
            "DELETE FROM events",
        ):
            with (
                pytest.raises(sqlite3.IntegrityError, match="append-only"),
                store.transaction() as conn,
            ):
                conn.execute(sql)
        assert store.query("SELECT * FROM events ORDER BY rowid") == before
        assert store.check().ok


def test_a_failed_write_leaves_neither_the_event_nor_its_effect(db_path: Path) -> None:
    with Store(db_path) as store:
        store.record([_donor(1)], operator="t", training=False)
        events_before = store.query("SELECT * FROM events")
        donors_before = store.query("SELECT * FROM donors")

        # 1. The second fact of a batch is invalid: the first is not kept either.
        with pytest.raises(BenchError):
            store.record(
                [_donor(2), NewEvent("donor.registered", {"donor_id": "x"})],
                operator="t",
                training=False,
            )
        # 2. The projection of an appended event fails (lot for an unknown donor).
        with pytest.raises(sqlite3.IntegrityError):
            store.record(
                [
                    _donor(3),
                    NewEvent(
                        "lot.registered",
                        {
                            "lot_id": "l",
                            "donor_id": "ghost",
                            "received_on": "2026-01-01",
                            "expected_count": 1,
                        },
                    ),
                ],
                operator="t",
                training=False,
            )
        # 3. The caller fails after appending, inside the transaction.
        with pytest.raises(RuntimeError), store.transaction() as conn:
            store.append(conn, _donor(4), operator="t", training=False)
            assert conn.execute("SELECT count(*) FROM donors").fetchone() == (2,)
            raise RuntimeError("power cut")

        assert store.query("SELECT * FROM events") == events_before
        assert store.query("SELECT * FROM donors") == donors_before
        # The chain goes on from the last kept event, without a gap.
        store.record([_donor(5)], operator="t", training=False)
        assert [e.seq for e in queries.events(store)] == [1, 2]
        assert store.check().ok
        assert {r[0] for r in store.query("SELECT id FROM donors")} == {"donor-1", "donor-5"}


def _make_newer(path: Path, *, wal: bool) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = sqlite3.connect(path)
    try:
        if wal:
            raw.execute("PRAGMA journal_mode = WAL")
        raw.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        raw.execute(
            "INSERT INTO meta VALUES ('schema_version', ?), ('station_id', 'future')",
            (str(LATEST_VERSION + 1),),
        )
        raw.execute("CREATE TABLE events (rowid INTEGER PRIMARY KEY, id TEXT)")
        raw.commit()
    finally:
        raw.close()


@pytest.mark.parametrize("wal", [False, True], ids=["rollback-journal", "wal"])
def test_a_newer_database_is_refused_and_left_untouched(db_path: Path, wal: bool) -> None:
    _make_newer(db_path, wal=wal)
    before = _sha(db_path)
    files_before = sorted(p.name for p in db_path.parent.iterdir())
    for opener in (Store, Store.open_for_reading):
        with pytest.raises(BenchError) as info:
            opener(db_path)
        assert info.value.code == "DB_NEWER"
        assert info.value.values["found"] == LATEST_VERSION + 1
        assert info.value.values["known"] == LATEST_VERSION
        assert str(LATEST_VERSION + 1) in info.value.message.fr
        assert "Établi" in info.value.text("fr")
    assert _sha(db_path) == before
    assert not db_path.with_name(f"{DB_NAME}.v{LATEST_VERSION + 1}.bak").exists()
    files_after = sorted(p.name for p in db_path.parent.iterdir() if p.name != LOCK_NAME)
    assert files_after == files_before
    # The lock was released: nothing stops the operator from trying again.
    with pytest.raises(BenchError, match="DB_NEWER"):
        Store(db_path)


def test_a_garbage_file_is_reported_as_corrupt(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    db_path.write_bytes(b"this is a spreadsheet, not a database\n" * 200)
    before = _sha(db_path)
    for opener in (Store, Store.open_for_reading):
        with pytest.raises(BenchError) as info:
            opener(db_path)
        assert info.value.code == "DB_CORRUPT"
        assert str(db_path) in info.value.message.en
    assert _sha(db_path) == before


def test_read_only_view_of_an_old_schema_asks_for_an_upgrade(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    raw = sqlite3.connect(db_path)
    raw.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    raw.execute("INSERT INTO meta VALUES ('schema_version', '1')")
    raw.commit()
    raw.close()
    with pytest.raises(BenchError) as info:
        Store(db_path, writer=False)
    assert info.value.code == "DB_CORRUPT"
    assert "upgrad" in str(info.value.values["detail"])


def test_reader_without_a_database_is_refused(db_path: Path) -> None:
    with pytest.raises(BenchError) as info:
        Store(db_path, writer=False)
    assert info.value.code == "DB_CORRUPT"
    assert not db_path.exists()


def test_apply_and_rebuild_ignore_unknown_event_types(db_path: Path) -> None:
    with Store(db_path) as store, store.transaction() as conn:
        event = Event("x", store.station_id, 1, "t", "ts", "future.type", None, {}, False, "", "")
        projections.apply(conn, event)  # no handler: no effect, no error
        assert conn.execute("SELECT count(*) FROM donors").fetchone() == (0,)


# -- the schema of every fact ------------------------------------------------------------

VALID: dict[str, dict[str, Any]] = {
    "donor.registered": {"donor_id": "d", "name": "n", "kind": "company"},
    "lot.registered": {
        "lot_id": "l",
        "donor_id": "d",
        "received_on": "2026-01-01",
        "expected_count": 3,
    },
    "grade.assigned": {"device_id": "x", "functional": "A", "cosmetic": 7, "workshop_grade": "B"},
    "job.interrupted": {"job_id": "j", "reason": "R", "last_finished_step": None},
}


@pytest.mark.parametrize("event_type", sorted(VALID))
def test_valid_payloads_pass(event_type: str) -> None:
    facts.validate(event_type, VALID[event_type])
    facts.validate(event_type, {**VALID[event_type], "extra": [1, 2]})  # extra fields are kept


def _invalid(event_type: str, payload: dict[str, Any]) -> str:
    with pytest.raises(BenchError) as info:
        facts.validate(event_type, payload)
    assert info.value.code == "EVENT_INVALID"
    return str(info.value.values["detail"])


def test_unknown_event_type_is_refused() -> None:
    assert "unknown" in _invalid("device.teleported", {"device_id": "x"})


@pytest.mark.parametrize("event_type", sorted(facts.SCHEMAS))
def test_every_required_field_is_required(event_type: str) -> None:
    for name in facts.SCHEMAS[event_type]:
        payload = {k: _sample(t) for k, t in facts.SCHEMAS[event_type].items() if k != name}
        assert name in _invalid(event_type, payload)


@pytest.mark.parametrize(
    ("event_type", "field", "value"),
    [
        ("donor.registered", "name", 42),
        ("donor.registered", "kind", None),
        ("lot.registered", "expected_count", "3"),
        ("lot.registered", "expected_count", 2.5),
        ("lot.registered", "expected_count", True),  # a bool is not a count
        ("grade.assigned", "cosmetic", True),
        ("grade.assigned", "cosmetic", "7"),
        ("grade.assigned", "functional", ["A"]),
        ("job.interrupted", "last_finished_step", 3),
        ("step.finished", "summary", "ok"),
        ("job.created", "steps", "identity,battery"),
        ("erasure.pass_finished", "completed", 1),  # a flag is a bool, not a number
        ("erasure.pass_finished", "bytes", True),
        ("erasure.verified", "ok", "yes"),
    ],
)
def test_wrong_types_are_refused(event_type: str, field: str, value: object) -> None:
    payload = {k: _sample(t) for k, t in facts.SCHEMAS[event_type].items()}
    facts.validate(event_type, payload)
    payload[field] = value
    assert field in _invalid(event_type, payload)


def test_invalid_fact_is_not_recorded(db_path: Path) -> None:
    with Store(db_path) as store:
        with pytest.raises(BenchError):
            store.record(
                [NewEvent("grade.assigned", {**VALID["grade.assigned"], "cosmetic": False})],
                operator="t",
                training=False,
            )
        assert store.query_one("SELECT count(*) FROM events") == (0,)


def _sample(types: object) -> object:
    """A value of the first accepted type."""
    first = types[0] if isinstance(types, tuple) else types
    return {str: "x", int: 1, dict: {}, list: [], bool: True}[first]  # type: ignore[index]
