"""Which computer a docked disk came from: the workshop takes a laptop's (or a desktop's)
disk out and docks it at the station, where it is erased and given a system as a drive.
A `disk.linked` fact, recorded on the disk, names its computer ("" : none, a corrected
link); a disk's latest link (by the stations' clock, store/hlc.py) is the current one, and
the earlier ones stay in its history. The computer's journey (bench_app/journey.py) then
counts the facts of its linked disks."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from bench_app.domain.model import Device, DeviceKind
from bench_app.errors import BenchError
from bench_app.store import queries
from bench_app.store.database import Store
from bench_app.store.events import EVENT_COLUMNS, row_to_event
from bench_app.store.hlc import order_key
from bench_app.wire.events import Event

LINK_FACT = "disk.linked"
COMPUTER_KINDS = frozenset({DeviceKind.LAPTOP, DeviceKind.DESKTOP})


def current_hosts(links: Iterable[Event]) -> dict[str, str]:
    """Each disk's computer, from its link facts in the clock's order (unlinked disks
    are left out)."""
    hosts: dict[str, str] = {}
    ordered = sorted(links, key=lambda e: order_key(e.payload, e.ts, e.station_id, e.seq))
    for event in ordered:
        disk, host = str(event.payload.get("device_id", "")), str(event.payload.get("host_id", ""))
        if host:
            hosts[disk] = host
        else:
            hosts.pop(disk, None)
    return hosts


def link_events(store: Store) -> list[Event]:
    """Every link fact recorded, linked or unlinked."""
    rows = store.query(f"SELECT {EVENT_COLUMNS} FROM events WHERE type = ?", (LINK_FACT,))
    return [row_to_event(r) for r in rows]


def hosts(store: Store) -> dict[str, str]:
    """disk id -> computer id, for every disk linked now."""
    return current_hosts(link_events(store))


def host_of(store: Store, disk_id: str) -> Device | None:
    """The computer this disk came from, or None."""
    host_id = hosts(store).get(disk_id)
    return queries.device(store, host_id) if host_id else None


def disks_of(store: Store, host_id: str) -> list[Device]:
    """The disks linked to this computer now, in asset-code order."""
    found = [queries.device(store, d) for d, h in hosts(store).items() if h == host_id]
    return sorted((d for d in found if d is not None), key=lambda d: d.asset_code)


def open_computers(store: Store, *, training: bool) -> list[Device]:
    """The laptops and desktops registered (training or real) whose journey has no
    outcome yet: those a docked disk may come from."""
    decided = {r[0] for r in store.query("SELECT device_id FROM outcomes")}
    return [
        d
        for d in queries.devices(store)
        if d.kind in COMPUTER_KINDS and d.training == training and d.id not in decided
    ]


def link_refusal(disk: Device, host: Device | None) -> BenchError | None:
    """Why this disk may not be linked to `host` (None: unlinking, always allowed)."""
    if disk.kind is not DeviceKind.DRIVE:
        return BenchError("LINK_NOT_A_DISK", asset=disk.asset_code)
    if host is None:
        return None
    if host.kind not in COMPUTER_KINDS:
        return BenchError("LINK_NOT_A_COMPUTER", asset=host.asset_code)
    if host.training != disk.training:
        return BenchError("LINK_TRAINING_MIX", asset=host.asset_code)
    return None


def link_payload(disk: Device, host: Device | None, reason: str = "") -> dict[str, Any]:
    """The `disk.linked` fact linking `disk` to `host` (None: to no computer)."""
    payload: dict[str, Any] = {
        "device_id": disk.id,
        "host_id": host.id if host is not None else "",
        "host_asset": host.asset_code if host is not None else "",
    }
    if reason.strip():
        payload["reason"] = reason.strip()
    return payload
