"""`etabli hub` as a user runs it: a code made with `etabli hub enrol-code`, then the real
server (uvicorn on a free loopback port) answering a station over real HTTP."""

from __future__ import annotations

import gzip
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bench_app.commands.main import main
from bench_app.wire import request_signing
from hub import protocol
from hub.db import HubDB
from hub.service import count_rows
from tests.hub.conftest import BenchStation, as_json


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def hub_server(hub_url: str, tmp_path: Path) -> Iterator[str]:
    port = _free_port()
    log = (tmp_path / "hub.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "bench_app.commands.main", "hub", "--db", hub_url,
         "--listen", f"127.0.0.1:{port}"],
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        env=dict(os.environ),
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):  # until it listens (or dies)
            if proc.poll() is not None:
                raise AssertionError((tmp_path / "hub.log").read_text())
            try:
                if httpx.get(f"{base}/v1/health").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.05)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()


def test_the_real_server_enrols_takes_a_push_and_answers_gzipped(
    hub_url: str, hub_server: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["hub", "enrol-code", "Atelier de Brest", "--db", hub_url, "--lang", "en"]) == 0
    code = capsys.readouterr().out.strip().splitlines()[-1]
    assert len(protocol.normalise_code(code)) == 16

    bench = BenchStation(tmp_path / "station")
    try:
        for n in range(30):
            bench.register_phone(f"BR{n}")
        challenge = httpx.post(f"{hub_server}/v1/enrol/challenge", json={"code": code})
        assert challenge.status_code == 201, challenge.text
        enrolled = httpx.post(
            f"{hub_server}/v1/enrol", json=bench.enrol_body(challenge.json()["challenge"], code)
        )
        assert enrolled.status_code == 201, enrolled.text
        body = gzip.compress(json.dumps({"events": as_json(bench.events())}).encode())
        headers = request_signing.signed_headers(
            bench.key, bench.station_id, "POST", "/v1/events", body
        )
        headers["Content-Encoding"] = "gzip"
        pushed = httpx.post(f"{hub_server}/v1/events", content=body, headers=headers)
        assert pushed.json()["acked_up_to"] == 30

        target = "/v1/events?after=0&limit=1000"
        headers = request_signing.signed_headers(bench.key, bench.station_id, "GET", target)
        with httpx.stream("GET", hub_server + target, headers=headers) as pulled:
            assert pulled.headers["content-encoding"] == "gzip"
            raw = b"".join(pulled.iter_raw())
        assert len(json.loads(gzip.decompress(raw))["events"]) == 30
    finally:
        bench.close()
    db = HubDB(hub_url)
    try:
        assert count_rows(db, "events") == 30
        assert count_rows(db, "device_identities") == 30
    finally:
        db.close()


def test_enrol_code_refuses_an_empty_name_and_a_bad_url(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite://{tmp_path / 'hub.sqlite3'}"
    assert main(["hub", "enrol-code", "  ", "--db", url, "--lang", "en"]) == 2
    assert "workshop name is empty" in capsys.readouterr().err
    assert main(["hub", "enrol-code", "A", "--db", "mysql://x/y", "--lang", "fr"]) == 2
    assert "n’est pas comprise" in capsys.readouterr().err
    assert main(["hub", "--db", url, "--listen", "nowhere", "--lang", "en"]) == 2
    assert "HOST:PORT" in capsys.readouterr().err
