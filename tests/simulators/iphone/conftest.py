"""A simulated usbmuxd on a UNIX socket and TCP, with simulated iPhones plugged in on demand."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from bench_app.simulators.iphone import SimulatedIPhone, UsbmuxdSimulator, load_persona
from bench_app.simulators.mode import SimulationMode

PlugIPhone = Callable[..., SimulatedIPhone]


@pytest.fixture
def usbmuxd(tmp_path: Path) -> Iterator[UsbmuxdSimulator]:
    daemon = UsbmuxdSimulator(SimulationMode.TEST, unix_path=tmp_path / "usbmuxd", tcp_port=0)
    with daemon:
        yield daemon


@pytest.fixture
def plug_iphone(usbmuxd: UsbmuxdSimulator) -> Iterator[PlugIPhone]:
    phones: list[SimulatedIPhone] = []

    def plug(name: str, **flags: Any) -> SimulatedIPhone:
        persona = load_persona(name)
        phone = SimulatedIPhone(persona, persona.behaviour.with_flags(**flags))
        phones.append(phone)
        usbmuxd.attach(phone)
        return phone

    yield plug
    for phone in phones:
        phone.close()
