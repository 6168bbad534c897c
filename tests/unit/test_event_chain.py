"""The hash chain: an intact log verifies; every way of tampering with the file is caught at
the first bad event, by `Store.check()` and by `etabli db check`."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from bench_app.commands.main import main
from bench_app.errors import BenchError
from bench_app.store import queries
from bench_app.store.database import DB_NAME, NewEvent, Store
from bench_app.wire.canonical import event_json
from bench_app.wire.events import Event, event_hash

N_EVENTS = 12


def _fill(folder: Path, n: int = N_EVENTS) -> list[Event]:
    with Store(folder / DB_NAME) as store:
        for i in range(n):
            store.record(
                [
                    NewEvent(
                        "donor.registered",
                        {"donor_id": f"donor-{i}", "name": f"Donateur {i}", "kind": "company"},
                    )
                ],
                operator=f"op{i % 3}",
                training=False,  # training facts have a chain of their own (see below)
            )
        assert store.check().ok
        return queries.events(store)


def _attacker(folder: Path) -> sqlite3.Connection:
    """A raw connection by someone who knows SQL: the append-only triggers go first."""
    conn = sqlite3.connect(folder / DB_NAME, isolation_level=None)
    conn.execute("DROP TRIGGER events_no_update")
    conn.execute("DROP TRIGGER events_no_delete")
    return conn


def _check(folder: Path) -> tuple[bool, str, int, str]:
    with Store(folder / DB_NAME) as store:
        report = store.check()
    problem = report.chain_problem
    if problem is None:
        return report.ok, "", 0, ""
    return report.ok, problem.event_id, problem.seq, problem.reason


def _edit_payload(conn: sqlite3.Connection, events: list[Event]) -> Event:
    target = events[4]
    conn.execute(
        "UPDATE events SET payload = ? WHERE id = ?",
        (event_json({**target.payload, "name": "Quelqu’un d’autre"}), target.id),
    )
    return target


def _edit_and_rehash(conn: sqlite3.Connection, events: list[Event]) -> Event:
    """A careful attacker recomputes the edited event's hash: its successor's link breaks."""
    target = events[4]
    payload = {**target.payload, "name": "Quelqu’un d’autre"}
    fields = target.hashed_fields() | {"payload": payload}
    conn.execute(
        "UPDATE events SET payload = ?, hash = ? WHERE id = ?",
        (event_json(payload), event_hash(fields), target.id),
    )
    return events[5]


def _change_hash(conn: sqlite3.Connection, events: list[Event]) -> Event:
    target = events[6]
    conn.execute("UPDATE events SET hash = ? WHERE id = ?", ("f" * 64, target.id))
    return target


def _flip_training(conn: sqlite3.Connection, events: list[Event]) -> Event:
    target = events[3]
    conn.execute("UPDATE events SET training = 1 - training WHERE id = ?", (target.id,))
    return target


def _change_operator(conn: sqlite3.Connection, events: list[Event]) -> Event:
    target = events[7]
    conn.execute("UPDATE events SET operator = 'mallory' WHERE id = ?", (target.id,))
    return target


def _delete_middle(conn: sqlite3.Connection, events: list[Event]) -> Event:
    conn.execute("DELETE FROM events WHERE id = ?", (events[5].id,))
    return events[6]


def _delete_first(conn: sqlite3.Connection, events: list[Event]) -> Event:
    conn.execute("DELETE FROM events WHERE id = ?", (events[0].id,))
    return events[1]


def _swap_seq(conn: sqlite3.Connection, events: list[Event]) -> Event:
    a, b = events[3], events[4]
    conn.execute("UPDATE events SET seq = -1 WHERE id = ?", (a.id,))
    conn.execute("UPDATE events SET seq = ? WHERE id = ?", (a.seq, b.id))
    conn.execute("UPDATE events SET seq = ? WHERE id = ?", (b.seq, a.id))
    return a


def _reorder_rows(conn: sqlite3.Connection, events: list[Event]) -> Event:
    """Two events' places in the file swapped, each keeping its own seq and hash."""
    a, b = events[8], events[9]
    ra = conn.execute("SELECT * FROM events WHERE id = ?", (a.id,)).fetchone()
    rb = conn.execute("SELECT * FROM events WHERE id = ?", (b.id,)).fetchone()
    conn.execute("DELETE FROM events WHERE id IN (?, ?)", (a.id, b.id))
    marks = ", ".join("?" * len(ra))
    conn.execute(f"INSERT INTO events VALUES ({marks})", (ra[0], *rb[1:]))
    conn.execute(f"INSERT INTO events VALUES ({marks})", (rb[0], *ra[1:]))
    return b


def _not_json(conn: sqlite3.Connection, events: list[Event]) -> Event:
    conn.execute("UPDATE events SET payload = 'rm -rf /' WHERE id = ?", (events[2].id,))
    return events[2]


def _insert_forged(conn: sqlite3.Connection, events: list[Event]) -> Event:
    """A forged event appended at the end, chained to nothing."""
    last = events[-1]
    forged = Event(
        "forged-id",
        last.station_id,
        last.seq + 1,
        "mallory",
        last.ts,
        "donor.registered",
        None,
        {"donor_id": "x", "name": "x", "kind": "company"},
        False,
        "0" * 64,
        "",
    )
    conn.execute(
        "INSERT INTO events (id, station_id, seq, operator, ts, type, device_id, payload,"
        " training, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            forged.id,
            forged.station_id,
            forged.seq,
            forged.operator,
            forged.ts,
            forged.type,
            None,
            event_json(forged.payload),
            0,
            forged.prev_hash,
            event_hash(forged.hashed_fields()),
        ),
    )
    return forged


TAMPERINGS: dict[str, tuple[Callable[[sqlite3.Connection, list[Event]], Event], str]] = {
    "payload edited": (_edit_payload, "content"),
    "payload edited and rehashed": (_edit_and_rehash, "link"),
    "hash changed": (_change_hash, "content"),
    "training flag flipped": (_flip_training, "content"),
    "operator changed": (_change_operator, "content"),
    "middle event deleted": (_delete_middle, "sequence"),
    "first event deleted": (_delete_first, "sequence"),
    "seq numbers swapped": (_swap_seq, "sequence"),
    "rows reordered": (_reorder_rows, "sequence"),
    "payload not json": (_not_json, "unreadable"),
    "forged event appended": (_insert_forged, "link"),
}


@pytest.mark.parametrize("name", list(TAMPERINGS))
def test_tampering_is_caught_at_the_first_bad_event(
    data_dir: Path, name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    tamper, reason_word = TAMPERINGS[name]
    events = _fill(data_dir)
    conn = _attacker(data_dir)
    try:
        first_bad = tamper(conn, events)
    finally:
        conn.close()

    ok, event_id, seq, reason = _check(data_dir)
    assert not ok
    assert event_id == first_bad.id
    assert seq == (first_bad.seq + 1 if name == "seq numbers swapped" else first_bad.seq)
    assert reason_word in reason.lower()

    capsys.readouterr()
    rc = main(["db", "check", "--data-dir", str(data_dir)])
    out = capsys.readouterr().out
    assert rc == 1
    assert first_bad.id in out
    assert "ROMPUE" in out


def test_intact_log_checks_ok(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    events = _fill(data_dir)
    ok, event_id, _, _ = _check(data_dir)
    assert ok and event_id == ""
    rc = main(["db", "check", "--data-dir", str(data_dir), "--lang", "en"])
    out = capsys.readouterr().out
    assert rc == 0
    assert f"intact ({len(events)} events)" in out
    assert "SQLite integrity: ok" in out


def test_chain_is_per_station(data_dir: Path) -> None:
    """Events copied in from another station (as a hub would) keep their own chain."""
    _fill(data_dir, 3)
    other = data_dir.parent / "other-station"
    foreign = _fill(other, 3)
    conn = sqlite3.connect(data_dir / DB_NAME, isolation_level=None)
    try:
        for e in foreign:
            conn.execute(
                "INSERT INTO events (id, station_id, seq, operator, ts, type, device_id, payload,"
                " training, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    e.id,
                    e.station_id,
                    e.seq,
                    e.operator,
                    e.ts,
                    e.type,
                    e.device_id,
                    event_json(e.payload),
                    e.training,
                    e.prev_hash,
                    e.hash,
                ),
            )
    finally:
        conn.close()
    with Store(data_dir / DB_NAME) as store:
        report = store.check()
        # Rows copied behind the store's back: the chains hold, the derived tables lag.
        assert report.chain_problem is None
        # (both stations registered donors with the same ids: the later one's rows win)
        assert [p.code for p in report.problems] == ["DB_PROJECTION_DIFFERS"]
        assert report.problems[0].values["table"] == "donors"
        store.rebuild_projections()
    ok, _, _, _ = _check(data_dir)
    assert ok
    # The local station keeps appending after its own last event, not the foreign one.
    with Store(data_dir / DB_NAME) as store:
        store.record(
            [NewEvent("donor.registered", {"donor_id": "z", "name": "z", "kind": "company"})],
            operator="t",
            training=False,
        )
        assert store.check().ok
        assert queries.events(store)[-1].seq == 4


def _cli(*args: str, console_script: bool = False) -> subprocess.CompletedProcess[str]:
    if console_script:
        script = Path(sys.executable).parent / "etabli"
        if not script.exists():
            found = shutil.which("etabli")
            if found is None:
                pytest.skip("the etabli console script is not installed")
            script = Path(found)
        argv = [str(script), *args]
    else:
        argv = [sys.executable, "-m", "bench_app.commands.main", *args]
    env = {**os.environ, "ETABLI_TESTING": "1"}
    return subprocess.run(argv, capture_output=True, text=True, timeout=120, env=env)


def test_db_check_in_a_real_process(data_dir: Path) -> None:
    events = _fill(data_dir)
    intact = _cli("db", "check", "--data-dir", str(data_dir), console_script=True)
    assert intact.returncode == 0, intact.stderr
    assert "intacte" in intact.stdout

    conn = _attacker(data_dir)
    try:
        first_bad = _edit_payload(conn, events)
    finally:
        conn.close()
    broken = _cli("db", "check", "--data-dir", str(data_dir))
    assert broken.returncode == 1
    assert first_bad.id in broken.stdout
    assert "Traceback" not in broken.stderr


def _damage_page(path: Path, page: int) -> None:
    """Overwrites one whole page of a closed database file with noise."""
    data = bytearray(path.read_bytes())
    page_size = int.from_bytes(data[16:18], "big")
    start = (page - 1) * page_size
    assert start + page_size <= len(data)
    data[start : start + page_size] = bytes((i * 151 + 17) % 256 for i in range(page_size))
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("where", ["meta", "events", "middle", "last"])
def test_a_damaged_page_is_reported_not_a_crash(
    data_dir: Path, where: str, capsys: pytest.CaptureFixture[str]
) -> None:
    _fill(data_dir, 400)
    path = data_dir / DB_NAME
    assert not Path(str(path) + "-wal").exists() or Path(str(path) + "-wal").stat().st_size == 0
    raw = sqlite3.connect(path)
    roots = dict(raw.execute("SELECT name, rootpage FROM sqlite_master WHERE rootpage > 0"))
    pages = raw.execute("PRAGMA page_count").fetchone()[0]
    raw.close()
    page = {
        "meta": roots["meta"],
        "events": roots["events"],
        "middle": pages // 2,
        "last": pages,
    }[where]
    _damage_page(path, page)

    try:
        with Store(path) as store:
            report = store.check()
        assert not report.ok
        assert report.integrity != "ok" or report.chain_problem is not None
    except BenchError as exc:
        assert exc.code == "DB_CORRUPT"

    capsys.readouterr()
    rc = main(["db", "check", "--data-dir", str(data_dir)])
    captured = capsys.readouterr()
    assert rc in (1, 2)
    assert "Intégrité SQLite : ok" not in captured.out or "ROMPUE" in captured.out

    proc = _cli("db", "check", "--data-dir", str(data_dir))
    assert proc.returncode in (1, 2)
    assert "Traceback" not in proc.stderr
