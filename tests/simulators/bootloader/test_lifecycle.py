"""The simulated bootloader's start and stop from different threads: a stop never waits for
a serving thread a concurrent start has not started yet, a restart never leaves two threads
serving, and once stopped nothing of it runs. The interleavings are forced with a probe in
place of the simulator's `threading` (see tests/threading_probe.py)."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable, Iterator

import pytest

from bench_app.devices.fastboot.client import FastbootClient
from bench_app.devices.fastboot.tcp import TcpTransport
from bench_app.simulators.bootloader import FastbootSimulator, SimulatedBootloader, server
from tests.threading_probe import WAIT, Hand, ThreadingProbe

SERVING_THREAD = "fastboot-sim-FP4"


@pytest.fixture
def probe(monkeypatch: pytest.MonkeyPatch) -> ThreadingProbe:
    found = ThreadingProbe()
    monkeypatch.setattr(server, "threading", found)
    return found


@pytest.fixture
def sim(probe: ThreadingProbe) -> Iterator[FastbootSimulator]:
    bootloader = SimulatedBootloader("FP4", serial="SIMFP4001")
    simulator = FastbootSimulator(bootloader)
    yield simulator
    probe.let_go()
    simulator.stop()
    bootloader.close()


def _product(sim: FastbootSimulator) -> str:
    with FastbootClient(TcpTransport(sim.host, sim.port)) as client:
        return client.getvar("product")


def _refused(sim: FastbootSimulator) -> bool:
    try:
        socket.create_connection((sim.host, sim.port), timeout=5).close()
    except OSError:
        return True
    return False


def test_a_stop_while_the_bootloader_starts_waits_for_it(
    probe: ThreadingProbe, sim: FastbootSimulator
) -> None:
    starting = Hand(probe, sim.start)
    probe.hold(lambda t: t.name == SERVING_THREAD)
    starting.start()
    assert probe.reached.wait(WAIT)

    stopping = probe.hand(sim.stop)
    probe.let_go()
    starting.join(WAIT)
    stopping.join(WAIT)

    assert starting.error is None and stopping.error is None, (starting.error, stopping.error)
    assert _refused(sim)
    assert probe.alive() == []
    sim.start()
    assert _product(sim) == "FP4"


def test_starts_and_stops_from_many_threads_at_once(
    probe: ThreadingProbe, sim: FastbootSimulator
) -> None:
    """Two hands starting and stopping it and a host asking for the product, released
    together round after round: no call fails, and after the last stop no thread is left."""
    rounds = 200
    barrier = threading.Barrier(3)
    sim.start()

    def ask() -> None:
        with contextlib.suppress(Exception):  # stopped under it, as with a pulled cable
            _product(sim)

    def hand(*actions: Callable[[], object]) -> Callable[[], None]:
        def run() -> None:
            for n in range(rounds):
                barrier.wait(WAIT)
                actions[n % len(actions)]()

        return run

    hands = [
        Hand(probe, hand(sim.stop, sim.start)),
        Hand(probe, hand(sim.start, sim.stop)),
        Hand(probe, hand(ask)),
    ]
    for h in hands:
        h.start()
    for h in hands:
        h.join(WAIT)
    assert [h.error for h in hands] == [None] * len(hands)

    sim.stop()
    assert _refused(sim) and probe.alive() == []
    sim.start()
    assert _product(sim) == "FP4"
