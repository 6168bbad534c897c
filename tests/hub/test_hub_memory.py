"""The hub's memory under hostile input, measured on real processes: `etabli hub` (uvicorn
on a loopback port) answers every endpoint's worst inputs (bombs, deep JSON, bodies at and
past the cap, numbers past any integer) with a 4xx and a code, and its peak resident memory
(VmHWM) stays under 300 MiB; `etabli hub import-bundle` of a 1 GiB bomb too."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from bench_app.signing import StationKey
from bench_app.station import Station
from bench_app.wire import request_signing
from hub import protocol
from hub.db import HubDB
from hub.service import count_rows, create_enrolment_code
from tests.hub.conftest import b64
from tests.rss_probe import run_measured, vm_hwm_kib
from tests.sync_bundles.support import hostile_header, write_bomb

CEILING_KIB = 300 * 1024
MIB = 1024 * 1024


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class _Station:
    """A real station's identity (its own folder and key), enrolled over the hub's API."""

    def __init__(self, folder: Path) -> None:
        station = Station(folder, operator="Camille")
        self.station_id = station.store.station_id
        self.prefix = station.store.station_prefix
        station.close()
        self.key = StationKey.load_or_create(folder)

    def enrol(self, base: str, code: str) -> None:
        with httpx.Client(base_url=base) as client:
            self.enrol_with(client, code)

    def enrol_with(self, client: Any, code: str) -> None:
        """The two enrolment requests through `client` (httpx or Starlette's TestClient)."""
        challenge = client.post("/v1/enrol/challenge", json={"code": code}).json()
        public = b64(self.key.public.public_bytes_raw())
        message = request_signing.enrol_message(
            challenge["challenge"], self.station_id, public, self.prefix
        )
        body = {
            "code": code,
            "station_id": self.station_id,
            "public_key": public,
            "prefix": self.prefix,
            "challenge": challenge["challenge"],
            "signature": b64(self.key.sign(message)),
        }
        answer = client.post("/v1/enrol", json=body)
        assert answer.status_code == 201, answer.text

    def headers(
        self, method: str, target: str, body: bytes = b"", extra: dict[str, str] | None = None
    ) -> dict[str, str]:
        signed = request_signing.signed_headers(self.key, self.station_id, method, target, body)
        return {**signed, "Content-Type": "application/json", **(extra or {})}


@pytest.fixture
def hub_process(tmp_path: Path) -> Iterator[tuple[str, int, str]]:
    """`etabli hub` on an SQLite file, as its own process; (base URL, pid, database URL)."""
    url = f"sqlite://{tmp_path / 'hub.sqlite3'}"
    HubDB(url).close()
    port = _free_port()
    log = (tmp_path / "hub.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "bench_app.commands.main", "hub", "--db", url,
         "--listen", f"127.0.0.1:{port}"],
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True, env=dict(os.environ),
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(400):  # until it listens (or dies)
            if proc.poll() is not None:
                raise AssertionError((tmp_path / "hub.log").read_text())
            try:
                if httpx.get(f"{base}/v1/health").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.05)
        yield base, proc.pid, url
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()


def _deflate_bomb(inflated_mib: int) -> bytes:
    """One gzip stream that would inflate to `inflated_mib` MiB of zeros (about 1 KB per
    MiB): each MiB compresses to the same bytes after a full flush, so they are repeated
    rather than compressed one by one. It has no trailer: no reader gets that far."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    zeros = bytes(MIB)
    first = packer.compress(zeros) + packer.flush(zlib.Z_FULL_FLUSH)
    unit = packer.compress(zeros) + packer.flush(zlib.Z_FULL_FLUSH)
    return first + unit * (inflated_mib - 1)


def _raw_exchange(port: int, head: bytes, body: Iterator[bytes] | None = None) -> bytes:
    """Sends a hand-written request (a lying Content-Length, an endless chunked body) and
    returns what came back: b"" when the hub closed the connection first."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        try:
            s.sendall(head)
            for chunk in body or ():
                s.sendall(chunk)
        except OSError:  # the hub refused and closed while we were still sending
            pass
        return _read_answer(s)


def _read_answer(s: socket.socket) -> bytes:
    """One whole HTTP answer (head and its Content-Length of body), or what came before the
    connection closed."""
    data = b""
    try:
        while True:
            head, sep, body = data.partition(b"\r\n\r\n")
            if sep:
                length = next(
                    (int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                     if line.lower().startswith(b"content-length:")),
                    0,
                )  # fmt: skip
                if len(body) >= length:
                    return data
            piece = s.recv(65536)
            if not piece:
                return data
            data += piece
    except OSError:
        return data


def _chunked(total: int, piece: int = MIB) -> Iterator[bytes]:
    sent = 0
    while sent < total:
        yield f"{piece:x}\r\n".encode() + b"x" * piece + b"\r\n"
        sent += piece
    yield b"0\r\n\r\n"


def _status(response: httpx.Response) -> tuple[int, str]:
    return response.status_code, response.json().get("error", "")


def test_every_endpoint_stays_under_300_mib_with_hostile_input(
    hub_process: tuple[str, int, str], tmp_path: Path
) -> None:
    base, pid, url = hub_process
    port = int(base.rsplit(":", 1)[1])
    db = HubDB(url)
    try:
        station = _Station(tmp_path / "station")
        station.enrol(base, create_enrolment_code(db, "Atelier")[0])
    finally:
        db.close()
    idle_kib = vm_hwm_kib(pid)
    http = httpx.Client(base_url=base, timeout=120)

    def post(target: str, body: bytes, *, signed: bool = True, gzip: bool = False) -> Any:
        extra = {"Content-Encoding": "gzip"} if gzip else {}
        headers = station.headers("POST", target, body, extra) if signed else extra
        return http.post(target, content=body, headers=headers)

    def get(target: str, extra: dict[str, str] | None = None) -> Any:
        return http.get(target, headers=station.headers("GET", target, extra=extra))

    deep = b"[" * 100_000 + b"]" * 100_000
    cap = protocol.MAX_BODY_BYTES
    strings = b'{"events": [' + b",".join([b'"ab"'] * ((cap - 20) // 5)) + b"]}"
    floats = b'{"events": [' + b",".join([b"0.5"] * ((cap - 20) // 4)) + b"]}"
    crowd = b'{"events": [' + b",".join([b'{"":{}}'] * ((cap - 20) // 8)) + b"]}"
    padded = b'{"events": [], "pad": "' + b"x" * (cap - 40) + b'"}'
    assert max(len(strings), len(floats), len(crowd), len(padded)) <= cap
    bomb = _deflate_bomb(1024)
    assert len(bomb) < 2 * MIB

    answers = {
        "challenge, deep": _status(post("/v1/enrol/challenge", deep, signed=False)),
        "enrol, deep": _status(post("/v1/enrol", deep, signed=False)),
        "enrol, deep but small": _status(
            post("/v1/enrol", b"[" * 5000 + b"]" * 5000, signed=False)
        ),
        "enrol, gzip bomb": _status(post("/v1/enrol", bomb, signed=False, gzip=True)),
        "push, deep": _status(post("/v1/events", deep)),
        "push, gzip bomb of 1 GiB": _status(post("/v1/events", bomb, gzip=True)),
        "push, 8 MiB of short strings": _status(post("/v1/events", strings)),
        "push, 8 MiB of floats": _status(post("/v1/events", floats)),
        "push, 8 MiB of objects": _status(post("/v1/events", crowd)),
        "push, 5000 digits": _status(post("/v1/events", b'{"events": [' + b"7" * 5000 + b"]}")),
        "prefix, deep": _status(post("/v1/station/prefix", b"[" * 1000 + b"]" * 1000)),
        "pull, huge cursor": _status(get("/v1/events?after=99999999999999999999999")),
        "pull, huge limit": _status(get("/v1/events?after=0&limit=" + "9" * 4000)),
        "pull, huge timestamp": _status(
            get("/v1/events?after=0", {request_signing.HEADER_TIMESTAMP: "9" * 4000})
        ),
    }
    assert answers == {
        "challenge, deep": (413, "too_large"),
        "enrol, deep": (413, "too_large"),
        "enrol, deep but small": (400, "too_deep"),
        "enrol, gzip bomb": (413, "too_large"),
        "push, deep": (400, "too_deep"),
        "push, gzip bomb of 1 GiB": (413, "too_large"),
        "push, 8 MiB of short strings": (413, "too_many_events"),
        "push, 8 MiB of floats": (413, "too_many_events"),
        "push, 8 MiB of objects": (413, "too_complex"),
        "push, 5000 digits": (400, "bad_json"),
        "prefix, deep": (400, "too_deep"),
        "pull, huge cursor": (400, "out_of_range"),
        "pull, huge limit": (400, "out_of_range"),
        "pull, huge timestamp": (401, "bad_timestamp"),
    }
    # A body exactly at the cap is read and parsed whole; the hub stores nothing of it.
    assert post("/v1/events", padded).json()["accepted"] == []
    lookup = get("/v1/devices/lookup?serial=" + "S" * 6000)
    assert lookup.status_code == 200 and lookup.json()["history"] == []

    # Lies and endless bodies, by hand: refused without reading them.
    lying = _raw_exchange(
        port,
        b"POST /v1/enrol HTTP/1.1\r\nHost: hub\r\nContent-Type: application/json\r\n"
        b"Content-Length: 1073741824\r\n\r\n",
    )
    assert lying.startswith(b"HTTP/1.1 413") and b"too_large" in lying
    endless = _raw_exchange(
        port,
        b"POST /v1/events HTTP/1.1\r\nHost: hub\r\nTransfer-Encoding: chunked\r\n\r\n",
        _chunked(64 * MIB),
    )
    assert endless == b"" or endless.startswith(b"HTTP/1.1 413")  # a reset loses the answer

    assert http.get("/v1/health").json()["status"] == "ok"  # it still serves
    http.close()
    peak = vm_hwm_kib(pid)
    assert peak < CEILING_KIB, f"peak RSS {peak // 1024} MiB (idle {idle_kib // 1024} MiB)"


def test_hub_import_bundle_stays_under_300_mib_on_a_1_gib_bomb(tmp_path: Path) -> None:
    url = f"sqlite://{tmp_path / 'hub.sqlite3'}"
    db = HubDB(url)
    try:
        station = _Station(tmp_path / "station")
        _enrol_in_process(db, station)
        bomb = tmp_path / "bomb.etabli-bundle"
        write_bomb(bomb, hostile_header(station.key, station.station_id), 1024)
        argv = [sys.executable, "-m", "bench_app.commands.main", "hub", "import-bundle", str(bomb)]
        rc, peak_kib, err = run_measured([*argv, "--db", url, "--lang", "en"], tmp_path)
        assert rc == 2
        assert "larger than 128 MiB" in err and "Nothing was imported" in err
        assert "Traceback" not in err
        assert peak_kib < CEILING_KIB, f"peak RSS {peak_kib // 1024} MiB"
        assert count_rows(db, "events") == 0
    finally:
        db.close()


def _enrol_in_process(db: HubDB, station: _Station) -> None:
    """Enrols through the hub's own web application, in this process."""
    from starlette.testclient import TestClient

    from hub.app import create_app

    with TestClient(create_app(db)) as client:
        station.enrol_with(client, create_enrolment_code(db, "Atelier")[0])
