"""A real PostgreSQL server on loopback for the session, and every hub test run twice:
on an SQLite file and on a fresh PostgreSQL database."""

from __future__ import annotations

import base64
import gzip
import itertools
import json
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from bench_app.domain.model import DeviceKind
from bench_app.signing import StationKey, public_raw_base64
from bench_app.station import Station
from bench_app.store.events import iter_events
from bench_app.wire import request_signing
from bench_app.wire.events import Event
from hub.app import create_app
from hub.db import HubDB
from hub.service import create_enrolment_code


def _pg_bindir() -> Path:
    found = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True, check=False)
    candidates = [Path(found.stdout.strip())] if found.returncode == 0 else []
    candidates += sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
    for folder in candidates:
        if (folder / "initdb").exists() and (folder / "pg_ctl").exists():
            return folder
    raise RuntimeError("PostgreSQL server programs (initdb, pg_ctl) are not installed")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class PostgresServer:
    port: int
    folder: Path
    _names: Iterator[int]

    def new_database(self) -> str:
        """A fresh empty database on the server; its URL."""
        import psycopg

        name = f"hub_test_{next(self._names)}"
        with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        return self.url(name)

    def url(self, database: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """initdb + pg_ctl start on 127.0.0.1 (as the postgres user when run as root)."""
    bindir = _pg_bindir()
    folder = Path(tempfile.mkdtemp(prefix="etabli-hub-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    data = folder / "data"
    subprocess.run(
        [*as_user, str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust",
         "--no-sync", "-E", "UTF8", "--locale=C"],
        check=True, capture_output=True,
    )  # fmt: skip
    port = _free_port()
    options = f"-k {folder} -p {port} -c listen_addresses=127.0.0.1 -c fsync=off"
    subprocess.run(
        [*as_user, str(bindir / "pg_ctl"), "-D", str(data), "-o", options,
         "-l", str(folder / "server.log"), "-w", "start"],
        check=True, capture_output=True,
    )  # fmt: skip
    try:
        yield PostgresServer(port, folder, itertools.count(1))
    finally:
        subprocess.run(
            [*as_user, str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"],
            check=False, capture_output=True,
        )  # fmt: skip
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(params=["sqlite", "postgresql"])
def hub_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite://{tmp_path / 'hub.sqlite3'}"
    server: PostgresServer = request.getfixturevalue("postgres_server")
    return server.new_database()


@pytest.fixture
def hub_db(hub_url: str) -> Iterator[HubDB]:
    db = HubDB(hub_url)
    yield db
    db.close()


@pytest.fixture
def client(hub_db: HubDB) -> Iterator[TestClient]:
    with TestClient(create_app(hub_db)) as c:
        yield c


class BenchStation:
    """A real bench station (its own data folder, key and event log) talking to the hub."""

    def __init__(self, folder: Path) -> None:
        self.station = Station(folder, operator="Camille")
        self.key = StationKey.load_or_create(folder)
        self.station_id = self.station.store.station_id

    def close(self) -> None:
        self.station.close()

    def events(self) -> list[Event]:
        with self.station.store.transaction() as conn:
            return [e for _, e in iter_events(conn, "WHERE station_id = ?", (self.station_id,))]

    def register_phone(self, serial: str, imei: str = "") -> str:
        return self.station.register_device(
            DeviceKind.PHONE, brand="Fairphone", model="FP3", serial=serial, imei=imei
        ).id

    def enrol_body(self, challenge: str, code: str, prefix: str | None = None) -> dict[str, str]:
        """What `etabli enrol` sends: the station's id, key and prefix, signed over the
        hub's challenge."""
        prefix = self.station.store.station_prefix if prefix is None else prefix
        public = public_raw_base64(self.key.public)
        message = request_signing.enrol_message(challenge, self.station_id, public, prefix)
        return {
            "code": code,
            "station_id": self.station_id,
            "public_key": public,
            "prefix": prefix,
            "challenge": challenge,
            "signature": b64(self.key.sign(message)),
        }

    def enrol(self, client: TestClient, code: str, prefix: str | None = None) -> Any:
        """Asks a challenge for the code, then enrols with the signed answer."""
        asked = client.post("/v1/enrol/challenge", json={"code": code})
        if asked.status_code != 201:
            return asked
        return client.post(
            "/v1/enrol", json=self.enrol_body(asked.json()["challenge"], code, prefix)
        )

    def signed(
        self,
        client: TestClient,
        method: str,
        target: str,
        body: bytes = b"",
        *,
        gzip_body: bool = False,
        headers: dict[str, str] | None = None,
    ) -> Any:
        if gzip_body:
            body = gzip.compress(body)
        sent = request_signing.signed_headers(self.key, self.station_id, method, target, body)
        if gzip_body:
            sent["Content-Encoding"] = "gzip"
        sent["Content-Type"] = "application/json"
        sent.update(headers or {})
        return client.request(method, target, content=body, headers=sent)

    def push(self, client: TestClient, events: list[dict[str, Any]], **kw: Any) -> Any:
        body = json.dumps({"events": events}).encode()
        return self.signed(client, "POST", "/v1/events", body, **kw)

    def pull(self, client: TestClient, after: int, limit: int) -> Any:
        return self.signed(client, "GET", f"/v1/events?after={after}&limit={limit}")


def enrolled(client: TestClient, db: HubDB, folder: Path, workshop: str) -> BenchStation:
    bench = BenchStation(folder)
    code, _ = create_enrolment_code(db, workshop)
    response = bench.enrol(client, code)
    assert response.status_code == 201, response.text
    return bench


@pytest.fixture
def workshop_a(client: TestClient, hub_db: HubDB, tmp_path: Path) -> Iterator[BenchStation]:
    bench = enrolled(client, hub_db, tmp_path / "station-a", "Atelier A")
    yield bench
    bench.close()


@pytest.fixture
def workshop_b(client: TestClient, hub_db: HubDB, tmp_path: Path) -> Iterator[BenchStation]:
    bench = enrolled(client, hub_db, tmp_path / "station-b", "Atelier B")
    yield bench
    bench.close()


def as_json(events: list[Event]) -> list[dict[str, Any]]:
    return [e.to_json() for e in events]


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
