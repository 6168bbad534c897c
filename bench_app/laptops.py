"""Laptops at the bench through their agent: pairing with the code shown on the laptop,
reading its inventory and disks over the sealed channel, and recording the laptop as a
device of this station (found again by its serial), the same card as a docked drive's.

The agent's facts are recorded by the station, as its own operator's; an answer that does
not have the expected shape is refused whole (AGENT_ANSWER_INVALID)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bench_app.devices.laptop.client import LaptopSession
from bench_app.domain.model import Device, DeviceKind
from bench_app.errors import BenchError
from bench_app.station import Station
from bench_app.store import queries
from bench_app.store.database import NewEvent, Store
from bench_app.workshop import station_label

_IDENTITY_KEYS = ("brand", "model", "serial", "kind")


def _checked(description: dict[str, Any]) -> tuple[dict[str, str], dict[str, Any], list[Any]]:
    """(identity, inventory, disks) from the agent's description; AGENT_ANSWER_INVALID when
    a part is missing or of the wrong type."""
    identity = description.get("identity")
    inventory = description.get("inventory")
    disks = description.get("disks")
    agent_id = description.get("agent_id")
    ok = (
        isinstance(identity, dict)
        and all(
            isinstance(identity.get(k), str) and len(identity[k]) <= 200 for k in _IDENTITY_KEYS
        )
        and isinstance(inventory, dict)
        and isinstance(disks, list)
        and all(isinstance(d, dict) and isinstance(d.get("path"), str) for d in disks)
        and isinstance(agent_id, str)
        and agent_id.isalnum()
    )
    if not ok:
        raise BenchError("AGENT_ANSWER_INVALID")
    assert isinstance(identity, dict) and isinstance(inventory, dict) and isinstance(disks, list)
    return {k: identity[k] for k in _IDENTITY_KEYS}, inventory, disks


def pair_laptop(
    folder: Path, address: str, code: str, *, operator: str, training: bool = False
) -> dict[str, Any]:
    """Pairs with the agent at `address` (telling it this station's name), reads its
    inventory and disks, records the laptop (registered on first sight, found by its serial
    after) and has the laptop show its asset code. Returns the record:
    {"asset_code", "agent_id", "address", "identity", "disks"}."""
    station = Station(folder, operator=operator, training=training)
    try:
        with LaptopSession.pair(address, code) as session:
            name = station_label(station.settings, station.store.station_id)
            description = session.ask("describe", station=name)
            record = record_described(station, description, address, operator)
            show_asset(session, record["asset_code"])
            return record
    finally:
        station.close()


def record_described(
    station: Station, description: dict[str, Any], address: str, operator: str
) -> dict[str, Any]:
    """Records the laptop a paired agent described (its answer to "describe") on `station`
    (the window keeps its session open and records here). Returns the record:
    {"asset_code", "device_id", "agent_id", "address", "identity", "disks"}."""
    identity, _inventory, disks = _checked(description)
    device = _record_laptop(station, description, address, operator)
    return {
        "asset_code": device.asset_code,
        "device_id": device.id,
        "agent_id": description["agent_id"],
        "address": address,
        "identity": identity,
        "disks": disks,
    }


def show_asset(session: LaptopSession, asset_code: str) -> None:
    """Has the laptop show its asset code big, to be written on it (op "show_asset"); an
    agent of an older version that does not know it is let be."""
    try:
        session.ask("show_asset", asset_code=asset_code)
    except BenchError as exc:
        if exc.code != "AGENT_REFUSED":
            raise


def record_facts(
    station: Station, device: Device, operator: str, facts: list[tuple[str, dict[str, Any]]]
) -> None:
    """Records (type, payload) facts about `device` in one transaction, each payload given
    the device's id; training devices' facts go to the training chain."""
    station.store.record(
        [NewEvent(t, {"device_id": device.id, **p}, device.id) for t, p in facts],
        operator=operator,
        training=device.training,
    )


def _record_laptop(
    station: Station, description: dict[str, Any], address: str, operator: str
) -> Device:
    """The laptop the agent describes, registered on first sight (found by its serial after),
    with its inventory recorded as `device.inventoried`."""
    identity, inventory, disks = _checked(description)
    agent = {"id": description["agent_id"], "address": address}
    # A resume offer (a pass's stream and checkpoint) belongs to the erasure, not the inventory.
    drives = [{k: v for k, v in d.items() if k != "resume"} for d in disks]
    data = {**inventory, "drives": drives, "agent": agent}
    kind = DeviceKind.LAPTOP if identity["kind"] == "laptop" else DeviceKind.DESKTOP
    device = (
        queries.device_by_identity(station.store, kind.value, identity["serial"], "")
        if identity["serial"]
        else None
    )
    if device is None:
        device = station.register_device(
            kind, brand=identity["brand"], model=identity["model"], serial=identity["serial"]
        )
    station.store.record(
        [NewEvent("device.inventoried", {"device_id": device.id, "inventory": data}, device.id)],
        operator=operator,
        training=device.training,
    )
    return device


def paired_agents(store: Store) -> dict[str, str]:
    """{agent id: asset code} of every agent this station has paired with and recorded."""
    found: dict[str, str] = {}
    for device in queries.devices(store):
        if device.kind not in (DeviceKind.LAPTOP, DeviceKind.DESKTOP):
            continue
        for event in queries.events(store, device.id):
            agent = (
                event.payload.get("inventory", {}).get("agent")
                if event.type == "device.inventoried"
                else None
            )
            if isinstance(agent, dict) and isinstance(agent.get("id"), str):
                found[agent["id"]] = device.asset_code
    return found
