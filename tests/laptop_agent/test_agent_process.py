"""`etabli agent` and the station as two real processes on loopback: the station finds the
agent by DNS-SD (`etabli laptops`), a wrong code is refused and records nothing, the right
code records the laptop under its serial with its inventory and disks (found again on a
second pairing), and an answer changed on the way is refused whole.

The laptop's firmware is a recorded one: `dmidecode` on the agent's PATH prints what a
Lenovo Yoga 720 printed (tests/this_machine/data); lshw and inxi fail as without root."""

from __future__ import annotations

import json
import os
import queue
import signal
import socket
import struct
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.cli_bad_input.conftest import CLI, child_env

RECORDED = Path(__file__).resolve().parents[1] / "this_machine/data/machine/dmidecode"
CODE = "246810"


@dataclass
class Agent:
    process: subprocess.Popen[str]
    lines: _Lines
    agent_id: str
    address: str
    disks: list[Path]


def _fake_programs(bin_dir: Path) -> None:
    bin_dir.mkdir()
    recorded = RECORDED / "lenovo-yoga-720-13ikb.txt"
    (bin_dir / "dmidecode").write_text(f"#!/bin/sh\nexec cat '{recorded}'\n")
    for name in ("lshw", "inxi", "smartctl", "upower"):
        (bin_dir / name).write_text("#!/bin/sh\necho 'must be run as root' >&2\nexit 1\n")
    for p in bin_dir.iterdir():
        p.chmod(0o755)


def _env(tmp_path: Path, data: Path) -> dict[str, str]:
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    env = child_env(data, home)
    env["PATH"] = f"{tmp_path / 'bin'}{os.pathsep}{env['PATH']}"
    return env


class _Lines:
    """The agent's stdout, line by line, read by a thread (a pipe's buffered text cannot be
    waited on with select)."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.queue: queue.Queue[str | None] = queue.Queue()
        self.thread = threading.Thread(target=self._read, args=(process,))
        self.thread.start()

    def _read(self, process: subprocess.Popen[str]) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            self.queue.put(line)
        self.queue.put(None)

    def until(self, prefix: str, timeout: float = 60) -> str:
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = self.queue.get(timeout=left)
            except queue.Empty:
                break
            if line is None:
                break
            if line.startswith(prefix):
                return line
        raise AssertionError(f"the agent never said {prefix!r}")


@pytest.fixture
def agent(tmp_path: Path) -> Iterator[Agent]:
    _fake_programs(tmp_path / "bin")
    disks = []
    for serial in ("LAPA1", "LAPB2"):
        image = tmp_path / f"disk-{serial}.img"
        image.write_bytes(b"old data of the donor " * 50_000)
        disks.append(image)
    argv = [*CLI, "agent", "--data-dir", str(tmp_path / "agent-data"), "--pair-code", CODE]
    for d in disks:
        argv += ["--disk", str(d)]
    process = subprocess.Popen(
        [*argv, "--listen", "127.0.0.1:0"],
        env=_env(tmp_path, tmp_path / "agent-data"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines = _Lines(process)
    try:
        _, agent_id, address = lines.until("Agent ").split()
        yield Agent(process, lines, agent_id, address, disks)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(30)
        lines.thread.join(30)
    assert process.returncode == 0, process.stderr.read() if process.stderr else ""


def _etabli(tmp_path: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    data = tmp_path / "station-data"
    return subprocess.run(
        [*CLI, *argv], env=_env(tmp_path, data), capture_output=True, text=True, timeout=120
    )


def _laptops_until(tmp_path: Path, check: object) -> list[dict[str, object]]:
    """`etabli laptops --json` again until `check(rows)` holds (DNS-SD answers come when
    they come); 60 s at most."""
    deadline = time.monotonic() + 60
    rows: list[dict[str, object]] = []
    while time.monotonic() < deadline:
        done = _etabli(tmp_path, "laptops", "--json", "--interface", "127.0.0.1", "--wait", "3")
        assert done.returncode == 0, done.stderr
        rows = json.loads(done.stdout)
        if check(rows):  # type: ignore[operator]
            return rows
    raise AssertionError(f"not seen: {rows}")


def _devices(tmp_path: Path) -> list[dict[str, object]]:
    done = _etabli(tmp_path, "devices", "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_the_station_finds_the_agent_on_the_network(tmp_path: Path, agent: Agent) -> None:
    rows = _laptops_until(tmp_path, lambda rows: any(r["agent_id"] == agent.agent_id for r in rows))
    mine = next(r for r in rows if r["agent_id"] == agent.agent_id)
    assert mine == {
        "agent_id": agent.agent_id,
        "address": agent.address,
        "brand": "Lenovo",
        "model": "YOGA 720-13IKB",
        "asset_code": None,  # not paired yet
    }


def test_a_wrong_code_records_nothing_and_the_right_one_records_the_laptop(
    tmp_path: Path, agent: Agent
) -> None:
    wrong = _etabli(tmp_path, "pair", agent.address, "135790", "--lang", "en")
    assert wrong.returncode == 2
    assert "Wrong pairing code" in wrong.stderr and "Traceback" not in wrong.stderr
    assert _devices(tmp_path) == []

    done = _etabli(tmp_path, "pair", agent.address, CODE, "--json")
    assert done.returncode == 0, done.stderr
    record = json.loads(done.stdout)
    assert record["agent_id"] == agent.agent_id
    assert record["identity"] == {
        "brand": "Lenovo",
        "model": "YOGA 720-13IKB",
        "serial": "MP1CHKDC",
        "kind": "laptop",
    }
    assert [(d["serial"], d["size_bytes"], d["refusals"]) for d in record["disks"]] == [
        ("disk-LAPA1", 1_100_000, []),
        ("disk-LAPB2", 1_100_000, []),
    ]
    (laptop,) = _devices(tmp_path)
    assert (laptop["kind"], laptop["serial"], laptop["asset_code"]) == (
        "laptop",
        "MP1CHKDC",
        record["asset_code"],
    )
    events = _etabli(tmp_path, "events", "--device", record["asset_code"], "--json")
    facts = [json.loads(line) for line in events.stdout.splitlines()]
    (inventoried,) = [f for f in facts if f["type"] == "device.inventoried"]
    inventory = inventoried["payload"]["inventory"]
    assert inventory["system"]["serial"] == "MP1CHKDC"
    assert inventory["agent"] == {"id": agent.agent_id, "address": agent.address}
    assert [d["path"] for d in inventory["drives"]] == [str(d) for d in agent.disks]
    assert agent.lines.until("Code erroné") and agent.lines.until("Poste appairé")

    again = _etabli(tmp_path, "pair", agent.address, CODE, "--json")
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["asset_code"] == record["asset_code"]  # found by serial
    assert len(_devices(tmp_path)) == 1
    rows = _laptops_until(
        tmp_path,
        lambda rows: any(r["agent_id"] == agent.agent_id and r["asset_code"] for r in rows),
    )
    assert {r["agent_id"]: r["asset_code"] for r in rows}[agent.agent_id] == record["asset_code"]


class _TamperingProxy:
    """A TCP relay between station and agent that flips one byte of the agent's first
    sealed frame (its second frame: the first is its half of the handshake)."""

    def __init__(self, agent_address: str) -> None:
        host, port = agent_address.rsplit(":", 1)
        self.agent = (host, int(port))
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.address = f"127.0.0.1:{self.listener.getsockname()[1]}"
        self.threads: list[threading.Thread] = []
        accept = threading.Thread(target=self._accept)
        accept.start()
        self.threads.append(accept)

    def _accept(self) -> None:
        station, _ = self.listener.accept()
        agent = socket.create_connection(self.agent, timeout=30)
        up = threading.Thread(target=self._pipe, args=(station, agent))
        up.start()
        self.threads.append(up)
        self._frames(agent, station)

    @staticmethod
    def _pipe(src: socket.socket, dst: socket.socket) -> None:
        while chunk := src.recv(65536):
            dst.sendall(chunk)
        dst.shutdown(socket.SHUT_WR)

    @staticmethod
    def _frames(src: socket.socket, dst: socket.socket) -> None:
        from bench_app.devices.laptop.channel import ChannelClosed, recv_frame

        n = 0
        try:
            while True:
                body = bytearray(recv_frame(src))
                n += 1
                if n == 2:
                    body[len(body) // 2] ^= 0x40
                dst.sendall(struct.pack(">I", len(body)) + bytes(body))
        except (ChannelClosed, OSError):
            dst.close()

    def close(self) -> None:
        self.listener.close()
        for t in self.threads:
            t.join(30)


def test_an_answer_changed_on_the_way_is_refused_whole(tmp_path: Path, agent: Agent) -> None:
    proxy = _TamperingProxy(agent.address)
    try:
        done = _etabli(tmp_path, "pair", proxy.address, CODE, "--lang", "en")
    finally:
        proxy.close()
    assert done.returncode == 2
    assert "tampered with" in done.stderr and "Traceback" not in done.stderr
    assert _devices(tmp_path) == []


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["--disk", "/nonexistent/disk.img"], "/nonexistent/disk.img"),
        (["--pair-code", "12"], "6 digits"),
        (["--listen", "127.0.0.1"], "cannot listen"),
    ],
)
def test_the_agent_refuses_before_listening(tmp_path: Path, argv: list[str], said: str) -> None:
    _fake_programs(tmp_path / "bin")
    done = _etabli(tmp_path, "agent", "--lang", "en", *argv)
    assert done.returncode == 2
    assert said in done.stderr and "Traceback" not in done.stderr
    assert done.stdout == ""
