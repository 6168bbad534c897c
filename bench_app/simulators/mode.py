"""Where simulators may run: in training mode, or under the test suite. Nowhere else."""

from __future__ import annotations

import os
from enum import StrEnum

from bench_app.errors import BenchError

TEST_ENV = "ETABLI_TESTING"

# Who presses a simulated handset's keys (handset_screen.py): the simulator, as a person
# would, or a person at the terminal. Named here, a light module, so that the `etabli`
# command offers the choice without loading the simulators.
AUTO, PERSON = "auto", "person"
OPERATORS = (AUTO, PERSON)


class SimulationMode(StrEnum):
    TRAINING = "training"
    TEST = "test"


def require_simulation_allowed(mode: SimulationMode) -> None:
    """Simulated devices exist only in training mode or under the test suite."""
    if mode is SimulationMode.TEST and os.environ.get(TEST_ENV) != "1":
        raise BenchError("SIMULATION_REFUSED")
    if mode not in (SimulationMode.TRAINING, SimulationMode.TEST):  # pragma: no cover
        raise BenchError("SIMULATION_REFUSED")
