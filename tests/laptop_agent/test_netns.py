"""The station and the agent on two machines' worth of network: each in its own network
namespace, joined by a veth pair (iproute2), as a laptop and a station on the workshop's
switch. The station finds the agent by mDNS across the link, pairs with it, and has it erase
its two disks, loop devices over image files this test made, at once: nothing of the donor
is left on them and each disk's erasure is recorded, linked to the laptop.

Skipped only when the kernel refuses to make a network namespace (the reason is printed);
the namespaces, the agent and the loop devices are removed whatever happens."""

from __future__ import annotations

import json
import secrets
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bench_app.erasure import overwrite as io
from tests import loops as loop_devices
from tests.cli_bad_input.conftest import CLI
from tests.laptop_agent.test_agent_process import CODE, _env, _fake_programs, _Lines

pytestmark = pytest.mark.slow

DONOR = b"old data of the donor "
SIZE = 4 << 20
STATION_IP, AGENT_IP = "10.231.7.1", "10.231.7.2"


def _ip(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["ip", *argv], capture_output=True, text=True, timeout=30)


def _must(done: subprocess.CompletedProcess[str]) -> None:
    assert done.returncode == 0, (done.args, done.stderr)


@dataclass
class Link:
    station: str  # the station's namespace
    agent: str  # the agent's namespace


@pytest.fixture
def link() -> Iterator[Link]:
    tag = secrets.token_hex(3)
    names = Link(f"etabli-st-{tag}", f"etabli-ag-{tag}")
    made: list[str] = []
    try:
        first = _ip("netns", "add", names.station)
        if first.returncode != 0:
            reason = first.stderr.strip() or f"exit {first.returncode}"
            print(f"network namespaces refused by the kernel: {reason}")
            pytest.skip(f"the kernel refuses a network namespace: {reason}")
        made.append(names.station)
        _must(_ip("netns", "add", names.agent))
        made.append(names.agent)
        ends = (f"vs{tag}", f"va{tag}")
        _must(_ip("link", "add", ends[0], "type", "veth", "peer", "name", ends[1]))
        for end, ns, address in zip(ends, made, (STATION_IP, AGENT_IP), strict=True):
            _must(_ip("link", "set", end, "netns", ns))
            _must(_ip("-n", ns, "addr", "add", f"{address}/24", "dev", end))
            _must(_ip("-n", ns, "link", "set", "lo", "up"))
            _must(_ip("-n", ns, "link", "set", end, "up"))
        yield names
    finally:
        for ns in made:  # the veth pair goes with its namespaces
            _ip("netns", "del", ns)


@pytest.fixture
def loops(tmp_path: Path) -> Iterator[list[tuple[str, Path]]]:
    """Two loop devices over image files holding the donor's data, detached afterwards."""
    attached: list[tuple[loop_devices.Loop, Path]] = []
    try:
        for serial in ("NSA1", "NSB2"):
            image = tmp_path / f"disk-{serial}.img"
            image.write_bytes((DONOR * (SIZE // len(DONOR) + 1))[:SIZE])
            attached.append((loop_devices.attach(image), image))
        yield [(loop.dev, image) for loop, image in attached]
    finally:
        for loop, _ in attached:
            loop_devices.release(loop)


def _in(ns: str, tmp_path: Path, data: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["ip", "netns", "exec", ns, *CLI, *argv],
        env=_env(tmp_path, data),
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_station_and_agent_in_two_namespaces_pair_and_erase_two_loop_devices(
    tmp_path: Path, link: Link, loops: list[tuple[str, Path]]
) -> None:
    _fake_programs(tmp_path / "bin")
    station_data = tmp_path / "station-data"
    argv = ["ip", "netns", "exec", link.agent, *CLI, "agent", "--pair-code", CODE]
    argv += ["--data-dir", str(tmp_path / "agent-data"), "--listen", f"{AGENT_IP}:7410"]
    for dev, _ in loops:
        argv += ["--disk", dev]
    agent = subprocess.Popen(
        argv,
        env=_env(tmp_path, tmp_path / "agent-data"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines = _Lines(agent)
    try:
        _, agent_id, address = lines.until("Agent ").split()
        assert address == f"{AGENT_IP}:7410"

        # Found by mDNS across the veth link (answers come when they come: asked again).
        deadline, rows = time.monotonic() + 60, []
        while time.monotonic() < deadline:
            seen = _in(link.station, tmp_path, station_data, "laptops", "--json",
                       "--interface", STATION_IP, "--wait", "3")  # fmt: skip
            _must(seen)
            rows = json.loads(seen.stdout)
            if any(r["agent_id"] == agent_id for r in rows):
                break
        mine = [r for r in rows if r["agent_id"] == agent_id]
        assert mine and mine[0]["address"] == address, rows

        # A wrong code is refused across the link as on loopback.
        wrong = _in(link.station, tmp_path, station_data, "pair", address, "135790", "--lang", "en")
        assert wrong.returncode == 2 and "Wrong pairing code" in wrong.stderr

        done = _in(link.station, tmp_path, station_data, "laptop-erase", address, CODE,
                   "--confirm-serial", "NSA1", "--confirm-serial", "NSB2",
                   "--method", "clear-random", "--json")  # fmt: skip
        _must(done)
        record = json.loads(done.stdout)
        assert [(d["serial"], d["result"]) for d in record["disks"]] == [
            ("disk-NSA1", "erased"),
            ("disk-NSB2", "erased"),
        ]
    finally:
        agent.send_signal(signal.SIGTERM)
        agent.wait(30)
        lines.thread.join(30)

    for disk, (dev, image) in zip(record["disks"], loops, strict=True):
        facts = _in(link.station, tmp_path, station_data, "events", "--device",
                    disk["asset_code"], "--json")  # fmt: skip
        _must(facts)
        events = [json.loads(x) for x in facts.stdout.splitlines()]
        (started,) = [e["payload"] for e in events if e["type"] == "erasure.pass_started"]
        (verified,) = [e["payload"] for e in events if e["type"] == "erasure.verified"]
        (link_fact,) = [e["payload"] for e in events if e["type"] == "disk.linked"]
        assert link_fact["host_asset"] == record["asset_code"]
        assert (verified["mode"], verified["bytes_checked"], verified["ok"]) == ("full", SIZE, True)
        # The residue scan, through the loop device and its image file: only the stream.
        with open(dev, "rb") as device:
            data = device.read()
        assert data == image.read_bytes()
        assert DONOR[:8] not in data
        expected = bytearray(SIZE)
        io.Stream.from_json(started["stream"]).fill(0, memoryview(expected))
        assert data == bytes(expected)
