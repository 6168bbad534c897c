"""A simulated Android phone: an ADB daemon over TCP that speaks the real wire protocol.

It stands in for a phone in training mode and in the tests; Debian's `adb` and the
`adb-shell` library talk to it as to a real phone.
"""

from bench_app.simulators.adb_phone.persona import (
    Behaviour,
    Persona,
    PersonaError,
    list_models,
    list_personas,
    load_persona,
)
from bench_app.simulators.adb_phone.server import AdbSimulator

__all__ = [
    "AdbSimulator",
    "Behaviour",
    "Persona",
    "PersonaError",
    "list_models",
    "list_personas",
    "load_persona",
]
