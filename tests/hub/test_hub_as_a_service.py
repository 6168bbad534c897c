"""The hub as systemd runs it: `/health` answers 200 while the database answers and 503 when
it does not (on a real PostgreSQL); `etabli hub init` creates the schema and a first code the
enrolment accepts; `etabli hub --workers 2` serves one database from two worker processes,
and two stations push through it; `etabli hub health` is the unit's check."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg
import pytest
from starlette.testclient import TestClient

from bench_app.wire import request_signing
from hub.app import create_app
from hub.db import HubDB
from hub.migrations import LATEST_VERSION
from hub.service import count_rows, create_enrolment_code
from tests.hub.conftest import BenchStation, PostgresServer, as_json

CLI = [sys.executable, "-m", "bench_app.commands.main"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _database_name(url: str) -> str:
    return url.rsplit("/", 1)[1]


def test_health_is_200_with_the_database_and_503_without_it(
    postgres_server: PostgresServer,
) -> None:
    url = postgres_server.new_database()
    name = _database_name(url)
    db = HubDB(url)
    admin = psycopg.connect(postgres_server.url("postgres"), autocommit=True)
    try:
        with TestClient(create_app(db)) as client:
            ok = client.get("/health")
            assert ok.status_code == 200
            assert ok.json() == {
                "status": "ok",
                "database": "ok",
                "schema": LATEST_VERSION,
                "pid": os.getpid(),
            }
            # The database goes away: its connections cut, new ones refused.
            admin.execute(f"ALTER DATABASE {name} ALLOW_CONNECTIONS false")
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                (name,),
            )
            for _ in range(2):  # the broken pooled connection, then a refused new one
                down = client.get("/health")
                assert down.status_code == 503, down.text
                assert down.json()["status"] == "unavailable"
                assert down.json()["database"]
            admin.execute(f"ALTER DATABASE {name} ALLOW_CONNECTIONS true")
            assert client.get("/health").status_code == 200  # back without a restart
    finally:
        admin.execute(f"ALTER DATABASE {name} ALLOW_CONNECTIONS true")
        admin.close()
        db.close()


def test_init_creates_the_schema_and_a_code_the_enrolment_accepts(
    postgres_server: PostgresServer, tmp_path: Path
) -> None:
    url = postgres_server.new_database()
    with psycopg.connect(url) as conn:  # nothing there yet
        tables = conn.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
        ).fetchone()
        assert tables is not None and tables[0] == 0
    done = subprocess.run(
        [*CLI, "hub", "init", "Ressourcerie du Port", "--db", url, "--lang", "en"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert f"(schema {LATEST_VERSION})" in lines[0]
    assert "Ressourcerie du Port" in lines[1]
    code = lines[-1]
    db = HubDB(url)
    bench = BenchStation(tmp_path / "station")
    try:
        assert db.schema_version() == LATEST_VERSION
        with TestClient(create_app(db)) as client:
            enrolled = bench.enrol(client, code)
            assert enrolled.status_code == 201, enrolled.text
            assert enrolled.json()["workshop"] == "Ressourcerie du Port"
            assert bench.enrol(client, code).status_code == 403  # one use only
    finally:
        bench.close()
        db.close()
    again = subprocess.run(
        [*CLI, "hub", "init", "Atelier 2", "--db", url, "--lang", "fr"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert again.returncode == 0 and "Base du hub prête" in again.stdout  # run twice: no harm


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


@pytest.fixture
def two_worker_hub(postgres_server: PostgresServer, tmp_path: Path) -> Iterator[tuple[str, str]]:
    url = postgres_server.new_database()
    port = _free_port()
    log = (tmp_path / "hub.log").open("wb")
    proc = subprocess.Popen(
        [*CLI, "hub", "--db", url, "--listen", f"127.0.0.1:{port}", "--workers", "2"],
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True, env=dict(os.environ),
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        waited = subprocess.run(
            [*CLI, "hub", "health", "--url", f"{base}/health", "--wait", "120"],
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert waited.returncode == 0, waited.stderr + (tmp_path / "hub.log").read_text()
        assert json.loads(waited.stdout)["status"] == "ok"
        yield base, url
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
        log.close()


def _push(base: str, bench: BenchStation, code: str) -> httpx.Response:
    challenge = httpx.post(f"{base}/v1/enrol/challenge", json={"code": code})
    assert challenge.status_code == 201, challenge.text
    enrolled = httpx.post(
        f"{base}/v1/enrol", json=bench.enrol_body(challenge.json()["challenge"], code)
    )
    assert enrolled.status_code == 201, enrolled.text
    body = json.dumps({"events": as_json(bench.events())}).encode()
    headers = request_signing.signed_headers(
        bench.key, bench.station_id, "POST", "/v1/events", body
    )
    headers["Content-Type"] = "application/json"
    return httpx.post(f"{base}/v1/events", content=body, headers=headers, timeout=60)


def test_two_workers_serve_one_database_and_two_stations_push(
    two_worker_hub: tuple[str, str], tmp_path: Path
) -> None:
    base, url = two_worker_hub
    [server] = [p for p in _children(os.getpid()) if _children(p)]
    # uvicorn's supervisor, and under it two worker processes (each its own connections).
    workers = [p for p in _children(server) if "spawn_main" in _cmdline(p)]
    assert len(workers) == 2, [_cmdline(p) for p in _children(server)]
    db = HubDB(url)
    a = BenchStation(tmp_path / "a")
    b = BenchStation(tmp_path / "b")
    try:
        code_a, _ = create_enrolment_code(db, "Atelier A")
        code_b, _ = create_enrolment_code(db, "Atelier B")
        for n in range(5):
            a.register_phone(f"AA{n}")
        for n in range(7):
            b.register_phone(f"BB{n}")
        pushed_a = _push(base, a, code_a)
        pushed_b = _push(base, b, code_b)
        assert pushed_a.status_code == 200 and pushed_a.json()["acked_up_to"] == 5
        assert pushed_b.status_code == 200 and pushed_b.json()["acked_up_to"] == 7
        assert pushed_a.json()["rejected"] == [] and pushed_b.json()["rejected"] == []
        assert count_rows(db, "events") == 12
        # Both workers answer health from the same database.
        pids = {httpx.get(f"{base}/health").json()["pid"] for _ in range(4)}
        assert pids <= set(workers)
    finally:
        a.close()
        b.close()
        db.close()


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def test_health_command_says_when_no_hub_answers(tmp_path: Path) -> None:
    port = _free_port()
    done = subprocess.run(
        [*CLI, "hub", "health", "--url", f"http://127.0.0.1:{port}/health", "--lang", "en"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert "The hub does not answer well" in done.stderr and "Traceback" not in done.stderr
