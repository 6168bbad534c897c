"""Two stations sync with a PostgreSQL hub through a faulty network (partitions, drops,
transfers cut both ways) while a third station of the same workshop, enrolled but never on
the network, travels by USB bundle: its bundles are imported at the hub, and the workshop's
events come back to it in a bundle another station exports. In the end the three stations
and the hub hold the same events, once each, and the stations the same state; importing
every bundle once more changes nothing."""

from __future__ import annotations

import base64
import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from bench_app.commands.main import main
from bench_app.domain.model import OutcomeKind
from bench_app.errors import BenchError
from bench_app.signing import Keyring, StationKey, public_pem, public_raw_base64, trust_key_file
from bench_app.store import queries
from bench_app.sync.bundle import import_bundle as import_at_station
from bench_app.sync.client import SyncConfig
from bench_app.wire import request_signing
from hub.db import HubDB
from hub.service import enrol, enrol_challenge, import_bundle
from tests.hub.conftest import PostgresServer
from tests.sync.conftest import LiveHub, SyncedStation

WORKSHOP = "Atelier du Rhône"


@pytest.fixture
def pg_hub(postgres_server: PostgresServer) -> Iterator[LiveHub]:
    db = HubDB(postgres_server.new_database())
    assert db.url.startswith("postgresql://")
    hub = LiveHub(db)
    yield hub
    hub.stop()
    db.close()


def _enrol_offline(hub: LiveHub, s: SyncedStation, workshop: str = WORKSHOP) -> None:
    """The hub's administrator enrols a station that has no network: the hub's challenge
    and the station's signed answer (with its public key) travel by hand, and so does the
    prefix the hub gives back."""
    code = hub.code(workshop)
    challenge = enrol_challenge(hub.db, {"code": code})["challenge"]
    public = public_raw_base64(StationKey.load_or_create(s.folder).public)
    prefix = s.store.station_prefix
    message = request_signing.enrol_message(challenge, s.store.station_id, public, prefix)
    signature = StationKey.load_or_create(s.folder).sign(message)
    answer = enrol(hub.db, {
        "code": code, "station_id": s.store.station_id, "public_key": public, "prefix": prefix,
        "challenge": challenge, "signature": base64.b64encode(signature).decode("ascii"),
    })  # fmt: skip
    s.store.set_station_prefix(answer["prefix"])


def _try_sync(s: SyncedStation) -> bool:
    """One round; False when the network failed it (the only failure allowed)."""
    try:
        s.sync()
    except BenchError as exc:
        assert exc.code == "SYNC_HUB_UNREACHABLE", exc.text("en")
        return False
    return True


def _sync_waiting(s: SyncedStation) -> str:
    """One round: "ok", "network" (the network failed it) or "waiting": a pulled event names
    a device whose registration the hub does not hold yet (C graded it after a stick from its
    station brought it, and that station has not synced since). The pull cursor stays, so
    the event comes again and goes in once the registration reaches the hub."""
    try:
        s.sync()
    except BenchError as exc:
        if exc.code == "SYNC_WAITING":
            # Said calmly: nothing for the operator to do, it goes in by itself later.
            assert "supervisor" not in exc.text("en"), exc.text("en")
            return "waiting"
        assert exc.code == "SYNC_HUB_UNREACHABLE", exc.text("en")
        return "network"
    return "ok"


def _export(s: SyncedStation, path: Path, *flags: str) -> Path:
    argv = ["bundle", "export", str(path), *flags, "--data-dir", str(s.folder), "--lang", "en"]
    assert main(argv) == 0
    return path


def _hub_import(hub: LiveHub, path: Path) -> int:
    return main(["hub", "import-bundle", str(path), "--db", hub.db.url, "--lang", "en"])


def _state(s: SyncedStation) -> tuple[list[str], object, dict[str, tuple[object, object]]]:
    return (sorted(s.event_ids()), queries.projection_snapshot(s.store), s.current())


@pytest.mark.parametrize(("cut_request", "cut_response"), [(40, 30), (700, 160)])
def test_stations_converge_through_a_faulty_network_and_a_usb_bundle(
    pg_hub: LiveHub, tmp_path: Path, cut_request: int, cut_response: int
) -> None:
    a = SyncedStation(tmp_path / "a", pg_hub, "A")
    b = SyncedStation(tmp_path / "b", pg_hub, "B")
    c = SyncedStation(tmp_path / "c", pg_hub, "C")
    stations = [a, b, c]
    bundles = tmp_path / "usb"
    bundles.mkdir()
    try:
        c.proxy.partition(True)  # C has no network, ever
        a.enrol(pg_hub.code(WORKSHOP))
        b.enrol(pg_hub.code(WORKSHOP))
        # C is enrolled by the hub's administrator, without the network.
        _enrol_offline(pg_hub, c)
        # C trusts A's key, as `etabli keys trust` after `keys export-public` on A.
        a_pub = tmp_path / "a.pub"
        a_pub.write_text(public_pem(StationKey.load_or_create(a.folder).public), "ascii")
        trust_key_file(c.folder, a_pub)

        a_dev, b_dev = a.register_phone(), b.register_phone()
        assert _try_sync(a) and _try_sync(b) and _try_sync(a)

        # The network misbehaves while A and B work on each other's devices.
        a.proxy.partition(True)
        a.grade(b_dev, "B")
        a.register_phone()
        assert not _try_sync(a)
        b.proxy.cut_next(response=cut_response)
        b.grade(a_dev, "C")
        b.outcome(b_dev, OutcomeKind.DONATION)
        _try_sync(b)  # cut on the way back: the hub may hold B's events already
        b.proxy.drop_next()
        assert not _try_sync(b)

        # C works offline and sends its events by USB.
        c_devs = [c.register_phone(), c.register_phone()]
        c.grade(c_devs[0], "A")
        c.outcome(c_devs[1], OutcomeKind.REUSE)
        c1 = _export(c, bundles / "c1.etabli", "--since-ack")
        assert _hub_import(pg_hub, c1) == 0
        assert sorted(pg_hub.event_ids(c.store.station_id)) == sorted(c.event_ids())

        a.proxy.partition(False)
        a.proxy.cut_next(request=cut_request)
        _try_sync(a)  # cut on the way out: nothing or all of the batch is stored
        for _ in range(2):
            for s in (a, b):
                assert _try_sync(s)
        for s in (a, b):
            assert set(c_devs) <= {d.id for d in queries.devices(s.store)}

        # The workshop's events go to C on A's stick; C works on them and sends more.
        a1 = _export(a, bundles / "a1.etabli", "--all-stations")
        _, got = import_at_station(c.store, a1, Keyring.for_station(c.folder))
        assert got.accepted and not got.rejected
        assert a_dev in {d.id for d in queries.devices(c.store)}
        c.grade(a_dev, "D")  # a conflict with B's grade of the same device
        c.outcome(a_dev, OutcomeKind.SALE)
        c.grade(c_devs[1], "B")
        c2 = _export(c, bundles / "c2.etabli", "--since-ack")  # C is never acknowledged
        assert _hub_import(pg_hub, c2) == 0  # c1's events again: duplicates, harmless

        b.proxy.cut_next(request=cut_request)
        b.grade(c_devs[0], "C")
        _try_sync(b)
        b.proxy.heal()
        for _ in range(2):
            for s in (a, b):
                assert _try_sync(s)
        a2 = _export(a, bundles / "a2.etabli", "--all-stations")
        _, got = import_at_station(c.store, a2, Keyring.for_station(c.folder))
        assert not got.rejected

        ids = sorted(a.event_ids())
        assert len(ids) == len(set(ids))
        station_ids = [s.store.station_id for s in stations]
        assert sorted(pg_hub.event_ids(*station_ids)) == ids
        assert len(ids) == sum(len(s.store.events_since()) for s in stations)
        reference = _state(a)
        for s in (b, c):
            assert _state(s) == reference
        assert reference[2][a_dev][1] == OutcomeKind.SALE  # recorded on C alone, by USB
        assert c.proxy.connections == 0  # C never reached the hub over the network
        assert a.proxy.cut_done == 1 and b.proxy.cut_done == 2  # every cut was exercised

        # Every bundle imported once more: nothing changes anywhere.
        for path in (c1, c2):
            again = import_bundle(pg_hub.db, path).result
            assert not again.accepted and not again.rejected
        for path in (a1, a2):
            _, got = import_at_station(c.store, path, Keyring.for_station(c.folder))
            assert not got.accepted and not got.rejected
        for s in (a, b):
            assert _try_sync(s)
        assert sorted(pg_hub.event_ids(*station_ids)) == ids
        for s in stations:
            assert _state(s) == reference
    finally:
        for s in stations:
            s.close()


def test_a_grade_carried_by_usb_before_its_device_waits_at_the_other_stations(
    pg_hub: LiveHub, tmp_path: Path
) -> None:
    """C grades a device B registered offline; C's stick reaches the hub before B syncs. The
    hub does not take B's registration from C's bundle (no relaying), so A's pull waits on
    the grade, without moving its cursor, until B syncs; then it goes in."""
    a, b, c = stations = [SyncedStation(tmp_path / n, pg_hub, n) for n in "ABC"]
    try:
        c.proxy.partition(True)
        a.enrol(pg_hub.code(WORKSHOP))
        b.enrol(pg_hub.code(WORKSHOP))
        _enrol_offline(pg_hub, c)
        b_pub = tmp_path / "b.pub"
        b_pub.write_text(public_pem(StationKey.load_or_create(b.folder).public), "ascii")
        trust_key_file(c.folder, b_pub)
        b_dev = b.register_phone()
        down = _export(b, tmp_path / "b.bundle", "--all-stations")
        assert not import_at_station(c.store, down, Keyring.for_station(c.folder))[1].rejected
        c.grade(b_dev, "A")
        assert _hub_import(pg_hub, _export(c, tmp_path / "c.bundle", "--since-ack")) == 0

        assert _sync_waiting(a) == "waiting"
        codes = [r["code"] for r in SyncConfig.load(a.folder).rejected]
        assert codes[0] == "device_unknown" and set(codes[1:]) <= {"follows_refused"}
        assert b_dev not in a.current()
        assert _sync_waiting(a) == "waiting"  # fetched again, still waiting
        assert _sync_waiting(b) == "ok"
        assert _sync_waiting(a) == "ok"
        assert a.current()[b_dev] == ("A", None)
        assert _state(a) == _state(b) == _state(c)
    finally:
        for s in stations:
            s.close()


# -- the same, with the work, the faults and the sticks drawn at random ---------------------------

_runs = itertools.count()
networked = st.integers(0, 1)  # A or B; C (2) has no network
anyone = st.integers(0, 2)
grade = st.tuples(st.just("grade"), anyone, st.integers(0, 50), st.sampled_from("ABCD"))
operation = st.one_of(
    st.tuples(st.just("register"), anyone),
    grade,
    grade,
    st.tuples(
        st.just("outcome"),
        anyone,
        st.integers(0, 50),
        st.sampled_from([OutcomeKind.DONATION, OutcomeKind.SALE, OutcomeKind.REUSE]),
    ),
    st.tuples(st.just("sync"), networked),
    st.tuples(st.just("sync"), networked),
    st.tuples(st.just("partition"), networked, st.booleans()),
    st.tuples(st.just("drop"), networked),
    st.tuples(
        st.just("cut"), networked, st.sampled_from(["request", "response"]), st.integers(1, 600)
    ),
    st.tuples(st.just("usb_up"), st.just(2)),  # C's stick to the hub
    st.tuples(st.just("usb_down"), networked),  # A's or B's stick to C
)


class _Usb:
    """The sticks carried in one example: every bundle written, to import again at the end."""

    def __init__(self, hub: LiveHub, folder: Path, c: SyncedStation) -> None:
        self.hub, self.folder, self.c = hub, folder, c
        self.to_hub: list[Path] = []
        self.to_c: list[Path] = []

    def up(self) -> None:
        path = _export(self.c, self.folder / f"up{len(self.to_hub)}", "--since-ack")
        assert _hub_import(self.hub, path) == 0
        self.to_hub.append(path)

    def down(self, source: SyncedStation) -> None:
        path = _export(source, self.folder / f"down{len(self.to_c)}", "--all-stations")
        _, got = import_at_station(self.c.store, path, Keyring.for_station(self.c.folder))
        assert not got.rejected, got.rejected
        self.to_c.append(path)


def _apply(stations: list[SyncedStation], usb: _Usb, op: tuple[Any, ...]) -> str | None:
    """Does one drawn operation; a sync's outcome (see `_sync_waiting`), else None."""
    s = stations[op[1]]
    kind = op[0]
    if kind == "register":
        s.register_phone()
    elif kind in ("grade", "outcome"):
        known = sorted(d.id for d in queries.devices(s.store))
        if known:
            device = known[op[2] % len(known)]
            s.grade(device, op[3]) if kind == "grade" else s.outcome(device, op[3])
    elif kind == "sync":
        return _sync_waiting(s)
    elif kind == "partition":
        s.proxy.partition(op[2])
    elif kind == "drop":
        s.proxy.drop_next()
    elif kind == "cut":
        s.proxy.cut_next(**{op[2]: op[3]})
    elif kind == "usb_up":
        usb.up()
    elif kind == "usb_down":
        usb.down(s)
    return None


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=st.lists(operation, min_size=10, max_size=50))
def test_random_work_faults_and_sticks_converge(
    pg_hub: LiveHub, tmp_path: Path, ops: list[tuple[Any, ...]]
) -> None:
    run = next(_runs)
    workshop = f"{WORKSHOP} {run}"
    a, b, c = stations = [
        SyncedStation(tmp_path / f"run{run}-{n}", pg_hub, f"{n}{run}") for n in "ABC"
    ]
    folder = tmp_path / f"run{run}-usb"
    folder.mkdir()
    usb = _Usb(pg_hub, folder, c)
    try:
        c.proxy.partition(True)
        for s in (a, b):
            s.enrol(pg_hub.code(workshop))
            pub = folder / f"{s.name}.pub"
            pub.write_text(public_pem(StationKey.load_or_create(s.folder).public), "ascii")
            trust_key_file(c.folder, pub)
        _enrol_offline(pg_hub, c, workshop)
        for s in stations:
            s.register_phone()
        waited = [_apply(stations, usb, op) for op in ops]

        # The network heals; C's last stick goes to the hub, then A's comes back to C.
        for s in (a, b):
            s.proxy.heal()
        usb.up()
        final = [_sync_waiting(s) for _ in range(2) for s in (a, b)]
        assert "network" not in final
        assert [_sync_waiting(s) for s in (a, b)] == ["ok", "ok"]
        usb.down(a)
        event(f"a pull waited for a registration: {'waiting' in waited + final}")

        ids = sorted(a.event_ids())
        assert len(ids) == len(set(ids))
        station_ids = [s.store.station_id for s in stations]
        assert sorted(pg_hub.event_ids(*station_ids)) == ids
        assert len(ids) == sum(len(s.store.events_since()) for s in stations)
        reference = _state(a)
        for s in (b, c):
            assert _state(s) == reference
        assert c.proxy.connections == 0
        event(f"sticks carried: {min(len(usb.to_hub) + len(usb.to_c), 4)}+")
        event(f"transfers cut: {min(a.proxy.cut_done + b.proxy.cut_done, 2)}+")

        for path in usb.to_hub:
            again = import_bundle(pg_hub.db, path).result
            assert not again.accepted and not again.rejected
        for path in usb.to_c:
            _, got = import_at_station(c.store, path, Keyring.for_station(c.folder))
            assert not got.accepted and not got.rejected
        for s in (a, b):
            assert _try_sync(s)
        assert sorted(pg_hub.event_ids(*station_ids)) == ids
        for s in stations:
            assert _state(s) == reference
    finally:
        for s in stations:
            s.close()
