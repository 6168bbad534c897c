"""A computer as an eReuse Workbench snapshot, for workshops that keep their stock in Devicehub.

Two formats, both built from the event log alone (pure functions, no program is run here):

- current (`workbench-script`, read by Devicehub's evidence parser): `{type: "Snapshot", uuid,
  software, version, operator_id, timestamp, data: {smartctl, dmidecode, inxi}, erase: [...]}`.
  `data.smartctl` is a JSON text holding the list of smartctl answers, one per disk;
  `data.dmidecode` is dmidecode's text; `data.inxi` stays "" (the station does not run inxi,
  and an empty output is what the Workbench itself writes when a program gives nothing).
- legacy (`schema_api` "1.0.0", for older Devicehubs): `{type, uuid, sid, software, version,
  schema_api, settings_version, timestamp, data: {dmidecode, hwinfo, smart, lshw, lspci}}`;
  `smart` is the list of smartctl answers, `lshw` the parsed `lshw -json` object, `hwinfo`
  and `lspci` stay "" (not run). Devicehub validates this one strictly: it has no `erase`
  and no other key.

The raw outputs come from the computer's `device.inventoried` fact (`raw_outputs`, kept by
`bench_app.drives.machine`); they are carried unchanged. The snapshot's uuid is a UUIDv5 of
that fact's id: re-exporting the same inventory gives the same uuid, so Devicehub's 409
(duplicate uuid) on upload means "already uploaded"; a new inventory gives a new uuid.

`erase` lists every erasure of the computer's disks (disks are devices of their own, found by
the serials the inventory lists), with its real result: only "erased" is a success.

Identity hash: sha3-256 (hex) of manufacturer + model + chassis + serial + MAC, concatenated
without separator, where the chassis is SMBIOS's chassis type in Devicehub's vocabulary and
the MAC is the first network interface by bus address.

Facts used (read, not copied): github.com/eReuse/workbench-script `workbench-script.py`
(snapshot keys, `smartctl` as a JSON text, the legacy conversion: `sid`, `schema_api`,
`settings_version`, "T" in the timestamp, no erase); github.com/eReuse/devicehub-teal
`ereuse_devicehub/parser/schemas.py` (`Snapshot_lite`: required legacy keys and their types,
`lshw` a dict, `smart` a list of dicts); github.com/eReuse/devicehub-django `evidence/parse.py`
(a snapshot with `data.lshw` is read as legacy, `software` "workbench-script" as current),
`evidence/legacy_parse.py` and `utils/constants.py` (manufacturer, model, chassis and serial
from dmidecode, `CHASSIS_DH` chassis names, MAC of the first network node by bus info).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import datetime
from typing import Any

from bench_app import __version__
from bench_app.domain.model import Device, DeviceKind
from bench_app.drives.records import erasure_records
from bench_app.store import queries
from bench_app.store.database import Store
from bench_app.store.events import Event

SOFTWARE = "workbench-script"  # the name Devicehub reads a current snapshot by
VERSION = f"etabli-{__version__}"
LEGACY_SCHEMA_API = "1.0.0"
SNAPSHOT_NAMESPACE = uuid.UUID("5b0f7f0e-8a43-5d1c-9a57-3e7c2f1d6a10")
"""Namespace of the snapshot uuids (UUIDv5 of the inventory fact's id); never change it, or
every computer would be uploaded again."""

COMPUTER_KINDS = frozenset({DeviceKind.LAPTOP, DeviceKind.DESKTOP})

CHASSIS_NAMES: dict[str, tuple[str, ...]] = {
    "Tower": ("desktop", "low-profile", "tower", "server"),
    "Docking": ("docking",),
    "AllInOne": ("all-in-one",),
    "Microtower": ("mini-tower", "space-saving", "mini"),
    "PizzaBox": ("pizzabox",),
    "Lunchbox": ("lunchbox",),
    "Stick": ("stick",),
    "Netbook": ("notebook", "sub-notebook"),
    "Handheld": ("handheld",),
    "Laptop": ("portable", "laptop"),
    "Convertible": ("convertible",),
    "Detachable": ("detachable",),
    "Tablet": ("tablet",),
}
"""SMBIOS chassis types (lower case) under Devicehub's chassis names."""

_STEP_TYPES = {"zeros": "StepZero", "aes-256-ctr": "StepRandom"}


def latest_inventory(store: Store, device_id: str) -> Event | None:
    """The computer's most recent `device.inventoried` fact, or None."""
    facts = [e for e in queries.events(store, device_id) if e.type == "device.inventoried"]
    return facts[-1] if facts else None


def snapshot_uuid(inventory_event_id: str) -> str:
    """The snapshot's uuid: the same for the same inventory fact, new for a new one."""
    return str(uuid.uuid5(SNAPSHOT_NAMESPACE, inventory_event_id))


def devicehub_chassis(chassis_type: str) -> str:
    """SMBIOS's chassis type ("Notebook") in Devicehub's words ("Netbook"); "" if unknown."""
    lower = chassis_type.strip().lower()
    return next((name for name, types in CHASSIS_NAMES.items() if lower in types), "")


def first_mac(inventory: dict[str, Any]) -> str:
    """The MAC of the first network interface by bus address ("" without any)."""
    interfaces = sorted(inventory.get("network") or [], key=lambda n: n.get("bus_info") or "")
    return str(interfaces[0].get("mac") or "") if interfaces else ""


def identity_hash(inventory: dict[str, Any]) -> str:
    """sha3-256 (hex) of manufacturer + model + chassis + serial + MAC of an inventory."""
    system = inventory.get("system") or {}
    parts = (
        system.get("manufacturer") or "",
        system.get("model") or "",
        devicehub_chassis(system.get("chassis_type") or ""),
        system.get("serial") or "",
        first_mac(inventory),
    )
    return hashlib.sha3_256("".join(parts).encode("utf-8")).hexdigest()


def _time(ts: str, *, legacy: bool) -> str:
    """An event time ("2026-05-04T09:30:12.345Z") as the Workbench writes it: local-free
    "YYYY-MM-DD HH:MM:SS.ffffff" (current) or with a "T" (legacy); the station keeps UTC."""
    moment = datetime.fromisoformat(ts.replace("Z", "+00:00")).replace(tzinfo=None)
    return moment.isoformat(sep="T" if legacy else " ", timespec="microseconds")


def _lshw_object(text: str) -> dict[str, Any]:
    """`lshw -json` parsed: recent lshw prints a one-element list, older ones the object."""
    try:
        data = json.loads(text) if text.strip() else {}
    except ValueError:
        return {}
    if isinstance(data, list):
        data = data[0] if data and isinstance(data[0], dict) else {}
    return data if isinstance(data, dict) else {}


def _drives(store: Store, inventory: dict[str, Any]) -> list[Device]:
    """The disks the inventory lists, as devices of their own (those the station knows)."""
    found: list[Device] = []
    for row in inventory.get("drives") or []:
        serial = str(row.get("serial") or "")
        drive = queries.device_by_identity(store, DeviceKind.DRIVE.value, serial, "")
        if serial and drive is not None and drive not in found:
            found.append(drive)
    return found


def erase_entry(record: dict[str, Any]) -> dict[str, Any]:
    """One erasure record (bench_app.drives.records) as an entry of the snapshot's `erase`."""
    target = record["target"]
    success = record["result"] == "erased"
    steps = [
        {
            "type": _STEP_TYPES.get(p["pattern"], p["pattern"]),
            "pass_no": p["pass_no"],
            "pattern": p["pattern"],
            "start_time": p["started_at"],
            "end_time": p["finished_at"],
            "bytes": p["bytes"],
            "completed": p["completed"],
            "errors": len(p["errors"]),
        }
        for p in record["passes"]
    ]
    verification = record["verification"]
    return {
        "erasure_id": record["erasure_id"],
        "device": {
            "serial": target.get("serial", ""),
            "model": target.get("model", ""),
            "size_bytes": target.get("size_bytes"),
            "transport": target.get("transport", ""),
        },
        "method": record["method"],
        "technique": record["technique"],
        "standard": record["standard"],
        "start_time": record["started_at"],
        "end_time": record["finished_at"],
        "duration_seconds": record["duration_seconds"],
        "steps": steps,
        "verification": (
            {"mode": verification.get("mode"), "ok": bool(verification.get("ok"))}
            if verification
            else None
        ),
        "result": record["result"],
        "success": success,
        "severity": "Info" if success else "Error",
        "reasons": [r["en"] for r in record["reasons"]],
        "station_id": record["station_id"],
        "operators": record["operators"],
    }


def snapshot(store: Store, device_id: str, *, legacy: bool) -> dict[str, Any]:
    """The computer's latest inventory (and, current format only, its disks' erasures) as a
    Workbench snapshot. Raises LookupError when the device has no inventory."""
    fact = latest_inventory(store, device_id)
    if fact is None:
        raise LookupError(f"device {device_id} was never inventoried")
    inventory: dict[str, Any] = fact.payload["inventory"]
    raw: dict[str, Any] = inventory.get("raw_outputs") or {}
    smart = [s for s in raw.get("smartctl") or [] if isinstance(s, dict)]
    dmidecode = str(raw.get("dmidecode") or "")
    snap_uuid = snapshot_uuid(fact.id)
    if legacy:
        return {
            "type": "Snapshot",
            "uuid": snap_uuid,
            "sid": snap_uuid.split("-")[1],
            "software": SOFTWARE,
            "version": VERSION,
            "schema_api": LEGACY_SCHEMA_API,
            "settings_version": "No Settings Version (NaN)",
            "timestamp": _time(fact.ts, legacy=True),
            "data": {
                "dmidecode": dmidecode,
                "hwinfo": "",
                "smart": smart,
                "lshw": _lshw_object(str(raw.get("lshw") or "")),
                "lspci": "",
            },
        }
    erase = [
        erase_entry(record)
        for drive in _drives(store, inventory)
        for record in erasure_records(store, drive.id)
    ]
    return {
        "type": "Snapshot",
        "uuid": snap_uuid,
        "software": SOFTWARE,
        "version": VERSION,
        "operator_id": fact.operator,
        "timestamp": _time(fact.ts, legacy=False),
        "data": {"smartctl": json.dumps(smart), "dmidecode": dmidecode, "inxi": ""},
        "erase": erase,
    }
