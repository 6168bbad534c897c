"""A simulated iPhone behind a simulated usbmuxd, speaking the real protocols."""

from bench_app.simulators.iphone.persona import (
    Behaviour,
    IPhonePersona,
    PersonaError,
    list_personas,
    load_persona,
)
from bench_app.simulators.iphone.phone import SimulatedIPhone
from bench_app.simulators.iphone.usbmuxd import UsbmuxdSimulator, pair_record_of

__all__ = [
    "Behaviour",
    "IPhonePersona",
    "PersonaError",
    "SimulatedIPhone",
    "UsbmuxdSimulator",
    "list_personas",
    "load_persona",
    "pair_record_of",
]
