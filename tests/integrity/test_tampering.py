"""Every way found of shortening or rewriting the log, or its derived tables, without the
station's key is caught by `etabli db check` run as a process of its own, which names what is
wrong and exits 1; the untouched session passes. A property test applies random tamperings
of the same kinds to real stores."""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench_app.store.anchors import HEAD_FILE
from bench_app.store.database import DB_NAME, Store
from bench_app.store.migrations import PROJECTION_TABLES
from tests.integrity import tampering as t
from tests.integrity.conftest import Session, db_check


def _last_seq(folder: Path) -> int:
    return t.own_events_of(folder)[-1].seq


def test_the_untouched_session_passes(recorded_session: Session, tmp_path: Path) -> None:
    folder = recorded_session.copy(tmp_path / "copy")
    last = _last_seq(folder)
    proc = db_check(folder, lang="fr")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Chaîne des faits : intacte" in proc.stdout
    assert f"le journal s’arrête au fait n° {last}, signé le" in proc.stdout
    assert "Tables dérivées : identiques" in proc.stdout
    assert "PROBLÈME" not in proc.stdout
    # Checking writes nothing: the head file is the one the bench signed.
    assert (folder / HEAD_FILE).read_bytes() == (recorded_session.folder / HEAD_FILE).read_bytes()


Tamper = Callable[[Path, Session], list[str]]


def _delete_last_1(folder: Path, session: Session) -> list[str]:
    last = _last_seq(folder)
    t.delete_last(folder, 1)
    return [f"The log ends at fact #{last - 1}", f"goes up to #{last}: 1 fact(s) were removed"]


def _delete_last_10(folder: Path, session: Session) -> list[str]:
    last = _last_seq(folder)
    t.delete_last(folder, 10)
    return [f"The log ends at fact #{last - 10}", f"#{last}: 10 fact(s) were removed"]


def _delete_all(folder: Path, session: Session) -> list[str]:
    last = _last_seq(folder)
    t.delete_last(folder, None)
    # The chain of nothing is intact; the head and the tables say what is gone.
    return [
        "Event chain: intact (0 events)",
        "The log ends at fact #0, but the head signed at",
        f"{last} fact(s) were removed",
        "The table erasures holds a row no fact of the log accounts for",
    ]


def _rehash_after_edit(folder: Path, session: Session) -> list[str]:
    failed = t.failed_erasure(folder)
    seq = t.seq_of(folder, "erasure.finished", erasure_id=failed["erasure_id"])
    t.rewrite_and_rehash(folder, seq, {"payload": {"result": "erased", "reasons": []}})
    last = _last_seq(folder)
    return [
        "Event chain: intact",
        f"Fact #{last} is not the one signed at",
        "the log was rewritten there or before it",
        f"The table erasures no longer matches the log: row {failed['erasure_id']}, "
        'column result: "not_erased" stored, "erased" from the log',
    ]


def _forge_appended(folder: Path, session: Session) -> list[str]:
    failed = t.failed_erasure(folder)
    last = _last_seq(folder)
    payload = {**failed, "result": "erased", "reasons": []}
    t.forge_appended(folder, [("erasure.finished", payload, failed["device_id"])])
    return [
        "Event chain: intact",
        f"Facts #{last + 1} to #{last + 1} are covered by no signed head",
        f"stops at #{last}",
    ]


def _stage_erased(folder: Path, session: Session) -> list[str]:
    with t.reader(folder) as conn:
        device_id, asset, stage = conn.execute(
            "SELECT id, asset_code, stage FROM devices WHERE serial = 'FP4-CHECKED'"
        ).fetchone()
    assert stage != "erased"
    t.execute(folder, "UPDATE devices SET stage = 'erased' WHERE id = ?", (device_id,))
    return [
        f"The table devices no longer matches the log: row {device_id} ({asset}), column "
        f'stage: "erased" stored, "{stage}" from the log'
    ]


def _erasure_result(folder: Path, session: Session) -> list[str]:
    failed = t.failed_erasure(folder)
    t.execute(folder, "UPDATE erasures SET result = 'erased' WHERE id = ?", (failed["erasure_id"],))
    return [
        f"The table erasures no longer matches the log: row {failed['erasure_id']}, column "
        'result: "erased" stored, "not_erased" from the log'
    ]


def _head_deleted(folder: Path, session: Session) -> list[str]:
    t.delete_head(folder)
    return [f"The signed head of the log ({folder / HEAD_FILE}) is gone"]


def _older_head(folder: Path, session: Session) -> list[str]:
    t.put_head(folder, session.older_heads[1])
    return ["are covered by no signed head", "an older head was put in place of the right one"]


TAMPERINGS: dict[str, Tamper] = {
    "last event deleted": _delete_last_1,
    "last ten events deleted": _delete_last_10,
    "every event deleted": _delete_all,
    "an edit, every hash recomputed": _rehash_after_edit,
    "a forged event appended with a valid link": _forge_appended,
    "devices.stage set to erased": _stage_erased,
    "erasures.result changed": _erasure_result,
    "head file deleted": _head_deleted,
    "an older signed head put back": _older_head,
}


@pytest.mark.parametrize("name", list(TAMPERINGS))
def test_each_tampering_is_named_by_db_check_in_a_real_process(
    recorded_session: Session, tmp_path: Path, name: str
) -> None:
    folder = recorded_session.copy(tmp_path / "copy")
    expected = TAMPERINGS[name](folder, recorded_session)
    proc = db_check(folder)
    assert proc.returncode == 1, proc.stdout
    assert "Traceback" not in proc.stderr
    for text in expected:
        assert text in proc.stdout, f"{text!r} not in:\n{proc.stdout}"
    assert "PROBLEM: " in proc.stdout


def test_the_french_message_names_the_deleted_facts(
    recorded_session: Session, tmp_path: Path
) -> None:
    folder = recorded_session.copy(tmp_path / "copy")
    last = _last_seq(folder)
    t.delete_last(folder, 1)
    proc = db_check(folder, lang="fr")
    assert proc.returncode == 1
    assert f"Le journal s’arrête au fait n° {last - 1}" in proc.stdout
    assert "1 fait(s) ont été supprimés à la fin du journal" in proc.stdout
    assert "appelez votre encadrant" in proc.stdout


# -- the same kinds of tampering, drawn at random, on real stores -----------------------------


def _codes(folder: Path) -> set[str]:
    with Store(folder / DB_NAME, sign_head=False) as store:
        report = store.check()
    assert not report.ok
    return {p.code for p in report.problems}


@st.composite
def tamperings(draw: st.DrawFn) -> tuple[str, Callable[[Path, Session], None], str]:
    """(what, how, the error code that must be among those `db check` reports)."""
    kind = draw(
        st.sampled_from(
            ["delete", "rehash", "forge", "table-update", "table-delete", "head-gone",
             "head-older", "head-garbled"]
        )
    )  # fmt: skip
    if kind == "delete":
        count = draw(st.integers(1, 40) | st.none())

        def delete(folder: Path, _s: Session) -> None:
            t.delete_last(folder, count)

        return f"delete last {count or 'all'}", delete, "DB_LOG_SHORTER_THAN_HEAD"
    if kind == "rehash":
        where = draw(st.floats(0, 1))
        field = draw(st.sampled_from(["payload", "operator", "ts", "training"]))

        def rehash(folder: Path, _s: Session) -> None:
            last = _last_seq(folder)
            seq = 1 + int(where * (last - 1))
            event = t.own_events_of(folder)[seq - 1]
            value = {
                "payload": {"tampered": True},
                "operator": event.operator + "x",
                "ts": event.ts.replace("Z", "1Z"),
                "training": not event.training,
            }[field]
            t.rewrite_and_rehash(folder, seq, {field: value})

        return f"rehash after editing {field} at {where:.2f}", rehash, "DB_LOG_DIVERGES_FROM_HEAD"
    if kind == "forge":
        names = draw(st.lists(st.text(min_size=1, max_size=20), min_size=1, max_size=3))

        def forge(folder: Path, _s: Session) -> None:
            donors = [
                (
                    "donor.registered",
                    {"donor_id": f"forged-{i}", "name": n, "kind": "company"},
                    None,
                )
                for i, n in enumerate(names)
            ]
            t.forge_appended(folder, donors)

        return f"forge {len(names)}", forge, "DB_LOG_PAST_HEAD"
    if kind in ("table-update", "table-delete"):
        table = draw(st.sampled_from(PROJECTION_TABLES))
        where = draw(st.floats(0, 1))
        column_at = draw(st.floats(0, 1))

        def edit_table(folder: Path, _s: Session) -> None:
            with t.attacker(folder) as conn:
                rowids = [r[0] for r in conn.execute(f"SELECT rowid FROM {table} ORDER BY rowid")]
                assert rowids, f"the session left {table} empty"
                rowid = rowids[int(where * (len(rowids) - 1))]
                if kind == "table-delete":
                    conn.execute(f"DELETE FROM {table} WHERE rowid = ?", (rowid,))
                    return
                columns = [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]
                column = columns[int(column_at * (len(columns) - 1))]
                (value,) = conn.execute(
                    f"SELECT {column} FROM {table} WHERE rowid = ?", (rowid,)
                ).fetchone()
                new = t.changed(value)
                if (
                    isinstance(value, int)
                    and conn.execute(f"SELECT 1 FROM {table} WHERE {column} = ?", (new,)).fetchone()
                ):  # a unique number (device_search.id) is moved past the last one
                    (new,) = conn.execute(f"SELECT max({column}) + 1 FROM {table}").fetchone()
                conn.execute(f"UPDATE {table} SET {column} = ? WHERE rowid = ?", (new, rowid))

        return f"{kind} {table} at {where:.2f}/{column_at:.2f}", edit_table, "DB_PROJECTION_"
    if kind == "head-gone":
        return "head deleted", lambda folder, _s: t.delete_head(folder), "DB_HEAD_MISSING"
    if kind == "head-older":
        which = draw(st.integers(0, 2))

        def older(folder: Path, session: Session) -> None:
            t.put_head(folder, session.older_heads[which])

        return f"older head {which}", older, "DB_LOG_PAST_HEAD"
    at = draw(st.floats(0, 1))
    byte = draw(st.integers(1, 255))

    def garble(folder: Path, _s: Session) -> None:
        data = bytearray((folder / HEAD_FILE).read_bytes())
        i = int(at * (len(data) - 1))
        data[i] ^= byte
        t.put_head(folder, bytes(data))

    return f"head byte {at:.2f} ^ {byte}", garble, "DB_HEAD_INVALID"


@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(tampering=tamperings())
def test_any_tampering_drawn_is_detected(
    recorded_session: Session, tampering: tuple[str, Callable[[Path, Session], None], str]
) -> None:
    what, apply, code = tampering
    with tempfile.TemporaryDirectory(prefix="etabli-tamper-") as tmp:
        folder = recorded_session.copy(Path(tmp) / "copy")
        apply(folder, recorded_session)
        codes = _codes(folder)
    assert any(c.startswith(code) for c in codes), (what, codes)


def test_every_table_of_the_session_has_rows(recorded_session: Session, tmp_path: Path) -> None:
    """The property above edits rows of every derived table: the session must fill them."""
    with t.reader(recorded_session.copy(tmp_path / "copy")) as conn:
        empty = [
            table
            for table in PROJECTION_TABLES
            if conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 0
        ]
    assert empty == []
    assert len(recorded_session.older_heads) == 3
    assert re.fullmatch(rb"\{.*\}", recorded_session.older_heads[0])
