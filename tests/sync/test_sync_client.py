"""A station's sync with a real hub (uvicorn, SQLite and PostgreSQL) over real HTTP, through a
fault proxy: enrolment, two stations converging, cut transfers, refusals."""

from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bench_app.commands.main import main
from bench_app.domain.model import DeviceKind, OutcomeKind
from bench_app.errors import BenchError
from bench_app.station import Station
from bench_app.store import queries
from bench_app.store.database import DB_NAME, Store
from bench_app.sync.client import (
    PUSH_BATCH,
    HubClient,
    SyncConfig,
    pull_cursor,
    unacknowledged_count,
)
from bench_app.sync.worker import SyncStatus
from tests.sync.conftest import LiveHub, SyncedStation
from tests.unit.support import outcome_in_log


@pytest.fixture
def pair(live_hub: LiveHub, tmp_path: Path) -> Iterator[tuple[SyncedStation, SyncedStation]]:
    a = SyncedStation(tmp_path / "a", live_hub, "A")
    b = SyncedStation(tmp_path / "b", live_hub, "B")
    a.enrol(live_hub.code("Atelier de Brest"))
    b.enrol(live_hub.code("Atelier de Brest"))
    yield a, b
    a.close()
    b.close()


def _own(s: SyncedStation) -> list[str]:
    return [e.id for e in s.store.events_since()]


def test_enrol_saves_the_hub_and_workshop(pair: tuple[SyncedStation, SyncedStation]) -> None:
    a, _ = pair
    config = SyncConfig.load(a.folder)
    assert config.enrolled and config.workshop == "Atelier de Brest"
    assert config.hub_url == a.proxy.url
    assert json.loads((a.folder / "sync.json").read_text())["enrolled"] is True


def test_a_code_spent_twice_is_refused_in_plain_words(live_hub: LiveHub, tmp_path: Path) -> None:
    code = live_hub.code("Atelier")
    first = SyncedStation(tmp_path / "one", live_hub, "one")
    second = SyncedStation(tmp_path / "two", live_hub, "two")
    try:
        first.enrol(code)
        with pytest.raises(BenchError) as caught:
            second.enrol(code)
        assert caught.value.code == "SYNC_ENROL_REFUSED"
        assert not SyncConfig.load(second.folder).enrolled
    finally:
        first.close()
        second.close()


def test_two_stations_of_a_workshop_see_each_others_devices_and_lots(
    pair: tuple[SyncedStation, SyncedStation], live_hub: LiveHub
) -> None:
    a, b = pair
    for _ in range(3):
        a.register_phone()
    b.register_phone()
    a.register_lot()
    b.register_lot()
    for _ in range(2):  # a's events reach b on b's round; b's reach a on a's second round
        a.sync()
        b.sync()
    assert len(queries.devices(a.store)) == 4
    assert queries.devices(a.store) == queries.devices(b.store)
    assert len(queries.lots(a.store)) == 2
    assert sorted(queries.lots(a.store), key=str) == sorted(queries.lots(b.store), key=str)
    assert queries.projection_snapshot(a.store) == queries.projection_snapshot(b.store)
    assert unacknowledged_count(a.store) == unacknowledged_count(b.store) == 0
    assert sorted(live_hub.event_ids(a.store.station_id, b.store.station_id)) == sorted(
        a.event_ids()
    )


def test_many_events_go_in_batches_and_a_second_round_sends_nothing(
    pair: tuple[SyncedStation, SyncedStation], live_hub: LiveHub
) -> None:
    a, b = pair
    for _ in range(PUSH_BATCH // 2 + 5):
        a.register_phone()
    total = len(_own(a))
    first = a.sync()
    assert first.push.accepted == total > PUSH_BATCH // 2
    second = a.sync()
    assert second.push.sent == 0 and second.pull.accepted == 0
    b.sync()
    assert len(queries.devices(b.store)) == total
    assert pull_cursor(b.store) > 0


@pytest.mark.parametrize("direction", ["request", "response"])
@pytest.mark.parametrize("after", [1, 150, 600])
def test_a_push_cut_midway_is_completed_by_the_next_round(
    pair: tuple[SyncedStation, SyncedStation], live_hub: LiveHub, direction: str, after: int
) -> None:
    a, b = pair
    for _ in range(200):
        a.register_phone()
    a.proxy.cut_next(**{direction: after})
    with pytest.raises(BenchError) as caught:
        a.sync()
    assert caught.value.code == "SYNC_HUB_UNREACHABLE"
    assert a.proxy.cut_done == 1
    assert unacknowledged_count(a.store) == 200  # nothing counted as sent
    a.sync()
    b.proxy.cut_next(response=after)  # and b's pull is cut too
    with pytest.raises(BenchError):
        b.sync()
    b.sync()
    hub_ids = live_hub.event_ids(a.store.station_id)
    assert len(hub_ids) == len(set(hub_ids)) == 200
    assert set(hub_ids) == set(_own(a))
    assert unacknowledged_count(a.store) == 0
    assert sorted(b.event_ids()) == sorted(set(b.event_ids()))
    assert set(_own(a)) <= set(b.event_ids())
    assert queries.devices(a.store) == queries.devices(b.store)


def test_an_unreachable_hub_is_said_plainly_and_nothing_is_lost(
    pair: tuple[SyncedStation, SyncedStation],
) -> None:
    a, _ = pair
    a.register_phone()
    a.proxy.partition()
    worker = a.worker()
    assert worker.run_round() is None
    status = worker.status()
    assert status.error_code == "SYNC_HUB_UNREACHABLE"
    assert status.error is not None and "ne répond pas" in status.error.fr
    assert "Nothing is lost" in status.error.en
    assert status.waiting == 1  # the phone's registration
    assert status.last_success is None
    assert worker.delay() == 2.0 and worker.run_round() is None and worker.delay() == 4.0
    a.proxy.heal()
    assert worker.run_round() is not None
    after = worker.status()
    assert after.error is None and after.waiting == 0 and after.last_success is not None
    assert worker.delay() == worker.interval


def test_a_pulled_event_altered_at_the_hub_is_refused_by_its_code_and_not_waited_for(
    pair: tuple[SyncedStation, SyncedStation], live_hub: LiveHub
) -> None:
    """A pulled event the station refuses for good (its content no longer matches its hash)
    is reported as refused, not as waiting: the decision is made on the refusals' codes."""
    a, b = pair
    for _ in range(3):
        a.register_phone()
    a.sync()
    ids = _own(a)
    with live_hub.db.transaction() as tx:
        assert tx.execute("UPDATE events SET operator = ? WHERE id = ?", ("M", ids[1])) == 1
    with pytest.raises(BenchError) as caught:
        b.sync()
    assert caught.value.code == "SYNC_REJECTED"
    rejected = SyncConfig.load(b.folder).rejected
    assert [r["id"] for r in rejected] == ids[1:]
    assert [r["code"] for r in rejected] == ["altered"] + ["missing_events"] * (len(ids) - 2)
    assert rejected[0]["reason"] == "content does not match its hash"
    assert pull_cursor(b.store) == 0  # fetched again next round, still listed until fixed


def test_a_station_the_hub_does_not_know_is_told_it_is_not_enrolled(
    live_hub: LiveHub, tmp_path: Path
) -> None:
    stranger = SyncedStation(tmp_path / "stranger", live_hub, "X")
    try:
        stranger.register_phone()
        before = stranger.event_ids()
        SyncConfig(hub_url=stranger.proxy.url, workshop="?", enrolled=True).save(stranger.folder)
        worker = stranger.worker()
        assert worker.run_round() is None
        status = worker.status()
        assert status.error_code == "SYNC_REFUSED"
        assert status.error is not None
        assert "not enrolled or its key changed" in status.error.en
        assert "n’est pas inscrit" in status.error.fr
        assert stranger.event_ids() == before
        assert status.waiting == len(before)
    finally:
        stranger.close()


def test_the_worker_syncs_on_start_and_when_poked(
    pair: tuple[SyncedStation, SyncedStation],
) -> None:
    a, b = pair
    rounds: list[SyncStatus] = []
    ran = threading.Event()

    def seen(status: SyncStatus) -> None:
        rounds.append(status)
        ran.set()

    worker = a.worker(interval=3600.0, on_round=seen)
    worker.start()
    try:
        assert ran.wait(20)
        ran.clear()
        device = a.register_phone()
        worker.poke()
        assert ran.wait(20)
        assert worker.status().waiting == 0
    finally:
        worker.stop()
    assert len(rounds) >= 2 and all(r.error is None for r in rounds)
    b.sync()
    assert queries.device(b.store, device) is not None


def test_the_commands_enrol_sync_and_show_the_status(
    live_hub: LiveHub, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    station = Station(data_dir, operator="Camille")
    phone = station.register_device(DeviceKind.PHONE, brand="Fairphone", model="FP3", serial="S1")
    outcome_in_log(station, phone.id, OutcomeKind.DONATION)
    count = len(station.store.events_since())
    station.close()
    folder = ["--data-dir", str(data_dir)]
    assert main(["sync", "--once", *folder, "--lang", "en"]) == 2
    assert "not enrolled" in capsys.readouterr().err
    code = live_hub.code("Atelier de Lyon")
    assert main(["enrol", live_hub.url, code, *folder, "--lang", "fr"]) == 0
    assert "Atelier de Lyon" in capsys.readouterr().out
    assert main(["sync", "status", *folder, "--lang", "en"]) == 0
    assert f"Waiting to be sent: {count};" in capsys.readouterr().out
    assert main(["sync", "--once", *folder, "--lang", "en"]) == 0
    assert f"Sent: {count} new" in capsys.readouterr().out
    assert main(["sync", "status", *folder, "--lang", "fr"]) == 0
    assert "En attente d’envoi : 0 ;" in capsys.readouterr().out


def test_the_sync_command_runs_until_ctrl_c(live_hub: LiveHub, data_dir: Path) -> None:
    station = Station(data_dir, operator="Camille")
    station.register_device(DeviceKind.PHONE, brand="Fairphone", model="FP3", serial="S2")
    station.close()
    folder = ["--data-dir", str(data_dir)]
    assert main(["enrol", live_hub.url, live_hub.code("Atelier de Nantes"), *folder]) == 0
    proc = subprocess.Popen(
        [sys.executable, "-m", "bench_app.commands.main", "sync", *folder, "--lang", "en"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=dict(os.environ),
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert "Synced · 0 waiting" in line, line
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    with Store(data_dir / DB_NAME) as store:
        assert unacknowledged_count(store) == 0


def test_a_push_counts_nothing_past_a_refused_batch(
    pair: tuple[SyncedStation, SyncedStation], live_hub: LiveHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The third batch, sent while the second was in flight, waits at the hub for a chain
    that stopped short and is refused there: the push neither waits for it nor counts it."""
    from bench_app.sync import client as client_module
    from hub import service

    monkeypatch.setattr(client_module, "PUSH_BATCH", 3)
    monkeypatch.setattr(service, "FOLLOWS_WAIT_SECONDS", 0.2)
    a, b = pair
    for _ in range(12):
        a.register_phone()
    own = a.store.events_since()
    taken = own[4]  # the 5th event's id, already held at the hub for another station
    with live_hub.db.transaction() as tx:
        row = tx.one("SELECT workshop_id FROM stations WHERE station_id = ?", (b.store.station_id,))
        assert row is not None
        tx.execute(
            "INSERT INTO events (id, station_id, seq, workshop_id, operator, ts, type, device_id,"
            " payload, training, prev_hash, hash, received_at)"
            " VALUES (?, ?, 9999, ?, 'B', ?, 'job.started', NULL, '{}', ?, ?, ?, ?)",
            (
                taken.id, b.store.station_id, row[0], taken.ts, False, "0" * 64, "f" * 64,
                "2026-01-01T00:00:00Z",
            ),
        )  # fmt: skip
    sent = _spy_pushes(monkeypatch)
    first = a.client().push(a.store)
    assert first.accepted == 4 and first.acked_up_to == 4
    assert [r["code"] for r in first.rejected] == ["id_taken", "follows_refused"]
    assert first.sent == 6  # the third batch was read ahead, never sent
    assert set(live_hub.event_ids(a.store.station_id)) == {e.id for e in own[:4]}
    assert unacknowledged_count(a.store) == len(own) - 4
    sent.settled()  # the third batch, sent, waited at the hub and was refused: nothing stored
    # the third batch went too where the hub waits (PostgreSQL), never past it
    assert {1, 4} <= {s["first"] for s in sent} <= {1, 4, 7}
    assert set(live_hub.event_ids(a.store.station_id)) == {e.id for e in own[:4]}
    with live_hub.db.transaction() as tx:
        tx.execute("DELETE FROM events WHERE station_id = ?", (b.store.station_id,))
    second = a.client().push(a.store)
    assert second.accepted == len(own) - 4 and second.acked_up_to == own[-1].seq
    assert sorted(live_hub.event_ids(a.store.station_id)) == sorted(e.id for e in own)


class _Sent(list[dict[str, Any]]):
    """The push requests seen, and how many are on their way now."""

    flying = 0

    def settled(self, timeout: float = 30.0) -> None:
        """Returns once no push request is on its way (answered, or failed)."""
        deadline = time.monotonic() + timeout
        while self.flying and time.monotonic() < deadline:
            time.sleep(0.02)
        assert self.flying == 0, "a push request is still on its way"


def _spy_pushes(monkeypatch: pytest.MonkeyPatch) -> _Sent:
    """Each push request as sent: its `follows`, its first seq, and how many were in flight
    when it left."""
    sent = _Sent()
    guard = threading.Lock()
    real = HubClient._send

    def send(self: HubClient, method: str, target: str, body: bytes | None, **kw: Any) -> Any:
        if not (method == "POST" and target == "/v1/events" and body):
            return real(self, method, target, body, **kw)
        data = json.loads(gzip.decompress(body))
        with guard:
            sent.flying += 1
            sent.append(
                {"follows": data.get("follows"), "first": data["events"][0]["seq"],
                 "in_flight": sent.flying}
            )  # fmt: skip
        try:
            return real(self, method, target, body, **kw)
        finally:
            with guard:
                sent.flying -= 1

    monkeypatch.setattr(HubClient, "_send", send)
    return sent


def _hub_chain(hub: LiveHub, station_id: str) -> list[int]:
    with hub.db.transaction() as tx:
        rows = tx.all("SELECT seq FROM events WHERE station_id = ? ORDER BY cursor", (station_id,))
    return [int(r[0]) for r in rows]


def test_a_push_keeps_two_batches_in_flight_where_the_hub_waits_for_the_chain(
    pair: tuple[SyncedStation, SyncedStation], live_hub: LiveHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bench_app.sync import client as client_module

    monkeypatch.setattr(client_module, "PUSH_BATCH", 20)
    a, _ = pair
    for _ in range(60):
        a.register_phone()
    own = a.store.events_since()
    sent = _spy_pushes(monkeypatch)
    result = a.client().push(a.store)
    assert result.accepted == len(own) and result.rejected == []
    assert _hub_chain(live_hub, a.store.station_id) == [e.seq for e in own]
    batches = list(range(1, len(own) + 1, 20))
    # (two batches sent together may reach the spy in either order: sorted by first seq)
    sent.sort(key=lambda s: (s["first"], s["follows"] is None))
    if live_hub.db.dialect == "postgresql":
        assert [s["first"] for s in sent] == batches  # each batch sent once
        # each batch after the first says what it follows: the last seq of the one before
        assert [s["follows"] for s in sent] == [None] + [f - 1 for f in batches[1:]]
        assert max(s["in_flight"] for s in sent) == 2
    else:
        # SQLite's hub says one at a time: only the second batch went early, following the
        # first; had it overtaken the first (the hub does not wait), it went again alone
        early = [s for s in sent if s["follows"] is not None]
        assert [(s["first"], s["follows"]) for s in early] == [(21, 20)]
        alone = [s["first"] for s in sent if s["follows"] is None]
        assert alone in (batches[:1] + batches[2:], batches)


def test_a_batch_the_hub_took_before_the_one_it_follows_is_sent_again_alone(
    pair: tuple[SyncedStation, SyncedStation], live_hub: LiveHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A hub under load whose wait ran out (here: none at all, and the first batch slowed
    down) refused the second batch for a gap: not the station's refusal; sent again."""
    from bench_app.sync import client as client_module
    from hub import service

    monkeypatch.setattr(client_module, "PUSH_BATCH", 20)
    monkeypatch.setattr(service, "FOLLOWS_WAIT_SECONDS", 0.0)
    real_push = service.push

    def slow_first(db: Any, station: Any, events: list[Any], **kw: Any) -> Any:
        if events and events[0].get("seq") == 1:
            time.sleep(0.5)
        return real_push(db, station, events, **kw)

    monkeypatch.setattr(service, "push", slow_first)
    a, _ = pair
    for _ in range(30):
        a.register_phone()
    own = a.store.events_since()
    sent = _spy_pushes(monkeypatch)
    result = a.client().push(a.store)
    assert result.rejected == [] and result.accepted == len(own)
    assert _hub_chain(live_hub, a.store.station_id) == [e.seq for e in own]
    assert unacknowledged_count(a.store) == 0
    # the second batch went twice: overtaking, then alone; nothing followed after that
    # the first two went together (either may reach the spy first), the second overtook
    # the first; then it went again, alone, and nothing followed after that
    assert sorted((s["first"], s["follows"] or 0) for s in sent[:2]) == [(1, 0), (21, 20)]
    assert (sent[2]["first"], sent[2]["follows"]) == (21, None)
    assert all(s["follows"] is None for s in sent[2:])
