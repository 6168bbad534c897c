"""A real hub (uvicorn on a loopback port, in a thread) on SQLite and on the real PostgreSQL
of tests/hub, and bench stations that enrol with it and sync through their own fault proxy."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import uvicorn

from bench_app.domain.model import DeviceKind, DonorKind, OutcomeKind
from bench_app.station import Station
from bench_app.store import queries
from bench_app.sync.client import HubClient, RoundResult, client_for, enrol_station, sync_round
from bench_app.sync.worker import SyncStatus, SyncWorker
from hub.app import create_app
from hub.db import HubDB
from hub.service import create_enrolment_code
from tests.hub.conftest import hub_db, hub_url, postgres_server  # noqa: F401  (fixtures)
from tests.sync.fault_proxy import FaultProxy
from tests.unit.support import outcome_in_log


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LiveHub:
    """The hub's real web application served by uvicorn on 127.0.0.1."""

    def __init__(self, db: HubDB) -> None:
        self.db = db
        self.port = _free_port()
        config = uvicorn.Config(
            create_app(db), host="127.0.0.1", port=self.port, log_level="warning", lifespan="off"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        for _ in range(400):
            if self.server.started:
                break
            time.sleep(0.025)
        assert self.server.started, "the hub did not start"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def code(self, workshop: str) -> str:
        return create_enrolment_code(self.db, workshop)[0]

    def event_ids(self, *stations: str) -> list[str]:
        """The ids of these stations' events at the hub, one per row (a duplicate would show
        twice)."""
        ids: list[str] = []
        with self.db.transaction() as tx:
            for station in stations:
                rows = tx.all("SELECT id FROM events WHERE station_id = ?", (station,))
                ids += [str(r[0]) for r in rows]
        return ids

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=20)


@pytest.fixture
def live_hub(hub_db: HubDB) -> Iterator[LiveHub]:  # noqa: F811
    hub = LiveHub(hub_db)
    yield hub
    hub.stop()


class SyncedStation:
    """A real bench station with its own data folder, behind its own fault proxy."""

    def __init__(self, folder: Path, hub: LiveHub, name: str) -> None:
        self.folder = folder
        self.name = name
        self.station = Station(folder, operator=name)
        self.store = self.station.store
        self.proxy = FaultProxy(hub.port)
        self._serials = 0

    def enrol(self, code: str) -> None:
        enrol_station(self.folder, self.store, self.proxy.url, code)

    def client(self) -> HubClient:
        client = client_for(self.folder, self.store)
        client.timeout = 10.0
        return client

    def sync(self) -> RoundResult:
        return sync_round(self.folder, self.store, self.client())

    def worker(
        self, interval: float = 60.0, on_round: Callable[[SyncStatus], None] | None = None
    ) -> SyncWorker:
        return SyncWorker(
            self.folder, self.store, client=self.client(), interval=interval, on_round=on_round
        )

    def register_phone(self) -> str:
        self._serials += 1
        return self.station.register_device(
            DeviceKind.PHONE, brand="Fairphone", model="FP4", serial=f"{self.name}-{self._serials}"
        ).id

    def register_lot(self) -> str:
        donor = self.station.register_donor(f"Donateur {self.name}", DonorKind.COMPANY)
        return self.station.register_lot(donor, agreement_ref=f"Lot {self.name}")

    def grade(self, device_id: str, grade: str) -> None:
        from bench_app.store.database import NewEvent

        self.station._record(
            [
                NewEvent(
                    "grade.assigned",
                    {
                        "device_id": device_id,
                        "functional": grade,
                        "cosmetic": 5,
                        "workshop_grade": grade,
                        "reasons": [],
                    },
                    device_id,
                )
            ]
        )

    def outcome(self, device_id: str, kind: OutcomeKind) -> None:
        outcome_in_log(self.station, device_id, kind)

    def event_ids(self) -> list[str]:
        return [str(r[0]) for r in self.store.query("SELECT id FROM events")]

    def current(self) -> dict[str, tuple[object, object]]:
        """Each device's current grade and outcome as this station sees them."""
        out: dict[str, tuple[object, object]] = {}
        for d in queries.devices(self.store):
            g = queries.latest_grade(self.store, d.id)
            o = queries.latest_outcome(self.store, d.id)
            out[d.id] = (g.workshop_grade if g else None, o.kind if o else None)
        return out

    def close(self) -> None:
        self.proxy.close()
        self.station.close()
