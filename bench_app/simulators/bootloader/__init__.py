"""A simulated phone in fastboot mode: the bootloader's state (`SimulatedBootloader`) and a
TCP server speaking the real fastboot protocol to it (`FastbootSimulator`)."""

from bench_app.simulators.bootloader.bootloader import (
    BootloaderFaults,
    CommandFailed,
    SimulatedBootloader,
)
from bench_app.simulators.bootloader.server import FastbootSimulator

__all__ = ["BootloaderFaults", "CommandFailed", "FastbootSimulator", "SimulatedBootloader"]
