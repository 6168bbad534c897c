"""A simulated drive firmware: `smartctl`, `hdparm` and `nvme` answered for one SATA or NVMe
drive whose platters are an image file (firmware.py), and the recorded answers it starts
from (answers/). The drive code (devices/drives, the erasure) is not here: it runs unchanged
against these answers."""

from bench_app.simulators.drive_firmware.firmware import (
    CRYPTO_PATTERN,
    SimulatedAtaDrive,
    SimulatedNvmeDrive,
    load_answer,
)

__all__ = ["CRYPTO_PATTERN", "SimulatedAtaDrive", "SimulatedNvmeDrive", "load_answer"]
