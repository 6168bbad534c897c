"""Simulated bootloaders on TCP, and image files, for the fastboot tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from bench_app.simulators.bootloader import (
    BootloaderFaults,
    FastbootSimulator,
    SimulatedBootloader,
)

StartSim = Callable[..., FastbootSimulator]
MAX_DOWNLOAD = 1 << 20  # small, so that a 3 MiB image must be split as on a real phone


@pytest.fixture
def start_sim() -> Iterator[StartSim]:
    """Starts simulated bootloaders (keyword arguments go to SimulatedBootloader; `faults`
    as keyword flags); stops them and removes their partitions after the test."""
    running: list[FastbootSimulator] = []

    def start(
        product: str = "FP4", faults: dict[str, object] | None = None, **kw: object
    ) -> FastbootSimulator:
        kw.setdefault("max_download_size", MAX_DOWNLOAD)
        kw.setdefault("serial", "SIMFP4001")
        flags = {"info_interval": 0.05, **(faults or {})}
        bootloader = SimulatedBootloader(
            product,
            faults=BootloaderFaults().with_flags(**flags),
            **kw,  # type: ignore[arg-type]
        )
        sim = FastbootSimulator(bootloader)
        sim.start()
        running.append(sim)
        return sim

    yield start
    for sim in running:
        sim.stop()
        sim.bootloader.close()
