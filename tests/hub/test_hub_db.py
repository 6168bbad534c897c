"""The hub's schema on both databases: numbered migrations, and the indexes the pull and
the shared device lookup rely on."""

from __future__ import annotations

import pytest

from bench_app.errors import BenchError
from hub.db import HubDB
from hub.migrations import LATEST_VERSION


def test_a_new_database_is_migrated_once_to_the_latest_version(hub_url: str) -> None:
    first = HubDB(hub_url)
    try:
        assert first.schema_version() == LATEST_VERSION
        with first.transaction() as tx:
            tx.execute(
                "INSERT INTO workshops (id, name, created_at) VALUES (?, ?, ?)",
                ("w1", "Atelier", "2026-01-01T00:00:00.000Z"),
            )
    finally:
        first.close()
    again = HubDB(hub_url)  # reopening migrates nothing and loses nothing
    try:
        with again.transaction() as tx:
            assert tx.all("SELECT count(*) FROM schema_version") == [(1,)]
            assert tx.all("SELECT name FROM workshops") == [("Atelier",)]
    finally:
        again.close()


def test_a_database_from_a_newer_hub_is_refused(hub_url: str) -> None:
    db = HubDB(hub_url)
    with db.transaction() as tx:
        tx.execute("UPDATE schema_version SET version = ?", (LATEST_VERSION + 1,))
    db.close()
    with pytest.raises(BenchError) as caught:
        HubDB(hub_url)
    assert caught.value.code == "DB_NEWER"


def test_a_failed_transaction_leaves_nothing(hub_db: HubDB) -> None:
    with pytest.raises(RuntimeError), hub_db.transaction() as tx:
        tx.execute(
            "INSERT INTO workshops (id, name, created_at) VALUES (?, ?, ?)",
            ("w1", "Atelier", "2026-01-01T00:00:00.000Z"),
        )
        raise RuntimeError("stop")
    with hub_db.transaction() as tx:
        assert tx.all("SELECT count(*) FROM workshops") == [(0,)]


def test_pull_and_lookup_use_their_indexes(hub_db: HubDB) -> None:
    pull = "SELECT cursor FROM events WHERE workshop_id = ? AND cursor > ? ORDER BY cursor LIMIT 10"
    lookup = "SELECT device_id FROM device_identities WHERE kind = ? AND value = ?"
    with hub_db.transaction() as tx:
        if tx.dialect == "sqlite":
            plan = " ".join(str(r) for r in tx.all("EXPLAIN QUERY PLAN " + pull, ("w", 0)))
            assert "events_workshop_cursor" in plan
            plan = " ".join(str(r) for r in tx.all("EXPLAIN QUERY PLAN " + lookup, ("s", "x")))
            assert "sqlite_autoindex_device_identities" in plan
        else:
            tx.execute("SET LOCAL enable_seqscan = off")  # an empty table would be scanned
            plan = " ".join(r[0] for r in tx.all("EXPLAIN " + pull, ("w", 0)))
            assert "events_workshop_cursor" in plan
            plan = " ".join(r[0] for r in tx.all("EXPLAIN " + lookup, ("s", "x")))
            assert "device_identities_pkey" in plan


def test_an_unreachable_postgresql_is_reported_plainly() -> None:
    with pytest.raises(BenchError) as caught:
        HubDB("postgresql://nobody:secret@127.0.0.1:1/none")
    assert caught.value.code == "HUB_DB_UNREACHABLE"
    assert "secret" not in caught.value.message.en
