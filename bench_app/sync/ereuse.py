"""A computer as an eReuse Workbench snapshot, for workshops that keep their stock in Devicehub.

Two formats, both built from the event log alone (pure functions, no program is run here):

- current (`workbench-script`): `{type: "Snapshot", uuid, software, version, operator_id,
  timestamp, data: {smartctl, dmidecode, inxi}, erase: [...]}`. `data.smartctl` is a JSON text
  holding the list of smartctl answers, one per disk; `data.dmidecode` is dmidecode's text;
  `data.inxi` is inxi's JSON text, run with workbench-script's own flags
  (`inxi --tty -Z -afmnGEMABD -x 3 --edid --output json --output-file print`, see
  `bench_app.devices.this_machine.inventory.INXI_ARGV`).
- legacy (`schema_api` "1.0.0", for the released Devicehub, teal): `{type, uuid, sid, software,
  version, schema_api, settings_version, timestamp, data: {dmidecode, hwinfo, smart, lshw,
  lspci}}`; `smart` is the list of smartctl answers, `lshw` the parsed `lshw -json` object,
  `hwinfo` and `lspci` stay "" (not run). teal validates it strictly: no `erase`, no other key.

The raw outputs come from the computer's `device.inventoried` fact (`raw_outputs`, kept by
`bench_app.devices.this_machine.inventory`); they are carried unchanged.

Uuids: a UUIDv5 of that fact's id, in one namespace per format. Re-exporting the same inventory
gives the same uuid, so Devicehub's 409 (duplicate uuid) on upload means "already uploaded"; a
new inventory gives a new uuid; the current and legacy exports of one inventory differ, so both
can be uploaded.

Identity, as the current Devicehub (devicehub-django) computes it, "ereuse24": sha3-256 (hex)
of manufacturer + model + chassis + serial + MAC, concatenated without separator, each missing
value as "". Which parser reads a snapshot decides where the values come from:

- a snapshot whose `data.lshw` is not empty is read as legacy: manufacturer and model
  (stripped), serial (not stripped) of dmidecode's first "System" record (type 1); chassis = the
  first "Chassis" record's (type 3) `Type`, lower-cased and looked up, exactly, in
  `CHASSIS_DH` (the names as of January 2026), "" when absent from it; MAC = the `serial` of
  the lshw node, among those whose id starts with "network" (or, when there are none, "bridge"
  nodes whose serial holds a ":") that have both `businfo` and `serial`, with the smallest
  `businfo`. dmidecode's text is read as py-dmidecode 0.1.3 reads it: records split on blank
  lines, a "Handle ..., DMI type N, S bytes" first line, `\\t(.+):\\s+(.+)$` lines.
- a `workbench-script` snapshot without lshw is read from `data.inxi` alone: in the first
  top-level section whose name holds "Machine", each entry in turn: one with a "System" key
  gives manufacturer = System, model = product, serial = serial; another fills what is still
  empty from Mobo, model, serial; chassis = the first "Type" found, as inxi printed it
  ("Laptop", "Desktop": no lookup). MAC = the `mac` of the entry right after the first entry
  of the "Network" section that has a (non-empty) `port` key. A key's name is what follows its
  last "#" ("001#1#1#System"); when an entry has a name twice, the first in the text wins.

So the two formats of one inventory give two different identities (inxi writes "Dell" where
dmidecode writes "Dell Inc."): a workshop uploads one format to a Devicehub, not both.

Erasures (current format only): `erase` holds one list per erasure of one of the computer's
disks (disks are devices of their own, found by the serials the inventory lists), each a list
of text lines, as workbench-script writes a list of command outputs per disk. Devicehub keeps
the snapshot as it came but reads no erasure result from it (README.md says so).

Facts used (read, not copied): github.com/eReuse/workbench-script `workbench-script.py`
(snapshot keys, inxi's flags, `smartctl` as a JSON text, `erase` as lists of command outputs,
the legacy conversion: `sid`, `schema_api`, `settings_version`, "T" in the timestamp, no
erase); github.com/eReuse/devicehub-teal `ereuse_devicehub/parser/schemas.py` (`Snapshot_lite`:
required legacy keys and their types, `lshw` a dict, `smart` a list of dicts);
github.com/eReuse/devicehub-django (July 2026) `evidence/parse.py` (which parser reads which
snapshot), `evidence/normal_parse.py` and `normal_parse_details.py` (identity and components
from inxi), `evidence/legacy_parse.py` (identity from dmidecode and lshw), `evidence/
mixin_parse.py` (the hash), `utils/constants.py` (`EREUSE24`, `CHASSIS_DH`), `dhub/settings.py`
(ereuse24 is the default algorithm), `api/v1/snapshot.py` (422 when the parser fails, 409 on a
known uuid); PyPI py-dmidecode 0.1.3 `dmidecode/parse.py` (how dmidecode's text is read).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
import uuid
from dataclasses import astuple, dataclass
from datetime import datetime
from typing import Any

from bench_app import __version__
from bench_app.domain.model import Device, DeviceKind
from bench_app.erasure.records import erasure_records
from bench_app.store import queries
from bench_app.store.database import Store
from bench_app.wire.events import Event

SOFTWARE = "workbench-script"  # the name Devicehub reads a current snapshot by
VERSION = f"etabli-{__version__}"
LEGACY_SCHEMA_API = "1.0.0"
SNAPSHOT_NAMESPACE = uuid.UUID("5b0f7f0e-8a43-5d1c-9a57-3e7c2f1d6a10")
"""Namespace of the current snapshots' uuids (UUIDv5 of the inventory fact's id); never change
it, or every computer would be uploaded again."""
LEGACY_SNAPSHOT_NAMESPACE = uuid.UUID("0d6d3c5e-2f4b-5a8e-b1c7-94e2a8f3c051")
"""Namespace of the legacy snapshots' uuids; never change it either."""

COMPUTER_KINDS = frozenset({DeviceKind.LAPTOP, DeviceKind.DESKTOP})

CHASSIS_DH: dict[str, frozenset[str]] = {
    "Desktop": frozenset({"tower", "desktop", "low-profile", "server", "low profile desktop"}),
    "Docking": frozenset({"docking"}),
    "AllInOne": frozenset({"all-in-one"}),
    "Microtower": frozenset({"mini-tower", "space-saving", "mini"}),
    "PizzaBox": frozenset({"pizzabox"}),
    "Lunchbox": frozenset({"lunchbox"}),
    "Stick": frozenset({"stick"}),
    "Handheld": frozenset({"handheld"}),
    "Laptop": frozenset({"portable", "laptop", "notebook", "sub-notebook", "netbook"}),
    "Convertible": frozenset({"convertible"}),
    "Detachable": frozenset({"detachable"}),
    "Tablet": frozenset({"tablet"}),
    "Virtual": frozenset({"_virtual"}),
}
"""Devicehub's chassis names and the lower-case chassis types each one stands for (devicehub-
django `utils/constants.py` since January 2026: "Notebook" became Laptop, "Desktop" and "Tower"
became Desktop). dmidecode's "Mini Tower", "All In One", "Hand Held"... are in no set."""


@dataclass(frozen=True, slots=True)
class Identity:
    """The five values Devicehub hashes into a computer's identity (ereuse24)."""

    manufacturer: str = ""
    model: str = ""
    chassis: str = ""
    serial: str = ""
    mac: str = ""

    def hash(self) -> str:
        """sha3-256 (hex) of the five values concatenated, as Devicehub signs them."""
        return hashlib.sha3_256("".join(astuple(self)).encode("utf-8")).hexdigest()

    @property
    def blank(self) -> bool:
        """Nothing tells this computer from another one (the chassis alone does not)."""
        return not (self.manufacturer or self.model or self.serial or self.mac)


def latest_inventory(store: Store, device_id: str) -> Event | None:
    """The computer's most recent `device.inventoried` fact, or None."""
    facts = [e for e in queries.events(store, device_id) if e.type == "device.inventoried"]
    return facts[-1] if facts else None


def snapshot_uuid(inventory_event_id: str, *, legacy: bool = False) -> str:
    """The snapshot's uuid: the same for the same inventory fact and format, new otherwise."""
    namespace = LEGACY_SNAPSHOT_NAMESPACE if legacy else SNAPSHOT_NAMESPACE
    return str(uuid.uuid5(namespace, inventory_event_id))


def devicehub_chassis(chassis_type: str) -> str:
    """A chassis type as dmidecode prints it ("Notebook") in Devicehub's words ("Laptop");
    "" when Devicehub has no name for it."""
    lower = chassis_type.lower()
    return next((name for name, types in CHASSIS_DH.items() if lower in types), "")


# ---------------------------------------------------------------------------------------------
# Identity of a current snapshot: inxi


def _inxi_raw(entry: dict[str, Any], name: str) -> Any:
    """The first value whose key ends with "#name" (or is "name"); "" when there is none."""
    return next((v for k, v in entry.items() if k.split("#")[-1] == name), "")


def _inxi_value(entry: dict[str, Any], name: str) -> str:
    value = _inxi_raw(entry, name)
    return value if isinstance(value, str) else str(value) if value else ""


def _inxi_section(sections: list[Any], name: str) -> list[dict[str, Any]] | None:
    for section in sections:
        if isinstance(section, dict):
            for key, value in section.items():
                if name in key:
                    return (
                        [e for e in value if isinstance(e, dict)] if isinstance(value, list) else []
                    )
    return None


def current_identity(inxi_text: str) -> Identity | None:
    """What Devicehub reads from inxi's JSON text; None when it cannot read it (no JSON list,
    no Machine section: Devicehub then refuses the snapshot or gives it an empty identity)."""
    try:
        sections = json.loads(inxi_text) if inxi_text.strip() else None
    except ValueError:
        return None
    if not isinstance(sections, list):
        return None
    machine = _inxi_section(sections, "Machine")
    if machine is None:
        return None
    manufacturer = model = serial = chassis = ""
    for entry in machine:
        system = _inxi_value(entry, "System")
        if system:
            manufacturer = system
            model = _inxi_value(entry, "product")
            serial = _inxi_value(entry, "serial")
        else:
            manufacturer = manufacturer or _inxi_value(entry, "Mobo")
            model = model or _inxi_value(entry, "model")
            serial = serial or _inxi_value(entry, "serial")
        chassis = chassis or _inxi_value(entry, "Type")
    network = _inxi_section(sections, "Network")
    if network is None:  # Devicehub fails on a snapshot without it
        return None
    mac = next(
        (
            _inxi_value(after, "mac")
            for entry, after in itertools.pairwise(network)
            if _inxi_raw(entry, "port")
        ),
        "",
    )
    return Identity(manufacturer, model, chassis, serial, mac)


# ---------------------------------------------------------------------------------------------
# Identity of a legacy snapshot: dmidecode and lshw

_HANDLE = re.compile(r"^Handle\s+(.+),\s+DMI\s+type\s+(\d+),\s+(\d+)\s+bytes$")
_BLOCK_ITEM = re.compile(r"^\t\t(.+)$")
_PAIR = re.compile(r"\t(.+):\s+(.+)$")
_BLOCK_START = re.compile(r"\t(.+):$")


def dmi_records(text: str) -> list[tuple[int, dict[str, str]]]:
    """dmidecode's text as Devicehub's reader sees it: (DMI type, first-level values) per
    record, one per handle (a repeated handle replaces the earlier record, keeping its place)."""
    records: dict[str, tuple[int, dict[str, str]]] = {}
    for block in text.split("\n\n"):
        lines = block.splitlines()
        if len(lines) < 3:
            continue
        head = _HANDLE.findall(lines[0])
        if not head:
            continue
        values: dict[str, str] = {}
        in_block = False
        for line in lines[2:]:
            if in_block and _BLOCK_ITEM.findall(line):
                continue
            in_block = False
            pair = _PAIR.findall(line)
            if pair:
                values[pair[0][0]] = pair[0][1]
            elif _BLOCK_START.findall(line):
                in_block = True
        records[head[0][0]] = (int(head[0][1]), values)
    return list(records.values())


def _lshw_nodes(node: Any, prefix: str, found: list[dict[str, Any]]) -> None:
    if not isinstance(node, dict):
        return
    if str(node.get("id", "")).split(":")[0] == prefix:
        found.append(node)
    for child in node.get("children") or []:
        _lshw_nodes(child, prefix, found)


def lshw_mac(lshw: dict[str, Any]) -> str:
    """The MAC Devicehub takes from lshw: the network node (else bridge) with the smallest bus
    address among those that have one and a serial."""
    nodes: list[dict[str, Any]] = []
    _lshw_nodes(lshw, "network", nodes)
    if not nodes:
        _lshw_nodes(lshw, "bridge", nodes)
        nodes = [n for n in nodes if n.get("businfo") and ":" in str(n.get("serial", ""))]
    nodes = [n for n in nodes if n.get("businfo") and n.get("serial")]
    nodes.sort(key=lambda n: str(n["businfo"]))
    return str(nodes[0]["serial"]) if nodes else ""


def legacy_identity(dmidecode_text: str, lshw: dict[str, Any]) -> Identity | None:
    """What Devicehub reads from dmidecode and lshw; None when dmidecode has no System or no
    Chassis record (Devicehub then refuses the snapshot)."""
    records = dmi_records(dmidecode_text)
    system = next((values for kind, values in records if kind == 1), None)
    chassis = next((values for kind, values in records if kind == 3), None)
    if system is None or chassis is None:
        return None
    return Identity(
        manufacturer=system.get("Manufacturer", "n/a").strip(),
        model=system.get("Product Name", "n/a").strip(),
        chassis=devicehub_chassis(chassis.get("Type", "_virtual")),
        serial=system.get("Serial Number", "n/a"),
        mac=lshw_mac(lshw),
    )


def devicehub_identity(snap: dict[str, Any]) -> Identity | None:
    """The identity the current Devicehub gives the computer of a snapshot built here, read by
    the parser it would choose; None when that parser cannot read it."""
    data = snap.get("data") or {}
    lshw = data.get("lshw")
    if lshw:
        return legacy_identity(str(data.get("dmidecode") or ""), lshw)
    return current_identity(str(data.get("inxi") or ""))


# ---------------------------------------------------------------------------------------------
# The snapshot


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


def erase_lines(record: dict[str, Any]) -> list[str]:
    """One erasure record (bench_app.erasure.records) as the text lines of one entry of the
    snapshot's `erase`, the way workbench-script lists a disk's command outputs."""
    target = record["target"]
    lines = [
        f"erasure {record['erasure_id']}: disk {target.get('model', '')} serial "
        f"{target.get('serial', '')}, {target.get('size_bytes')} bytes, "
        f"{target.get('transport', '')}",
        f"method {record['method']} ({record['technique']}), {record['standard']}",
        f"started {record['started_at']}, finished {record['finished_at'] or '-'}",
    ]
    for p in record["passes"]:
        lines.append(
            f"pass {p['pass_no']} {p['pattern']}: {p['bytes']} bytes, {len(p['errors'])} "
            f"error(s), {'completed' if p['completed'] else 'not completed'}"
        )
    verification = record["verification"]
    lines.append(
        f"verification {verification.get('mode')}: {'passed' if verification.get('ok') else 'failed'}"
        if verification
        else "verification: none"
    )
    lines.append(f"result: {record['result']}")
    lines.extend(f"reason: {r['en']}" for r in record["reasons"])
    lines.append(f"station {record['station_id']}, operators {', '.join(record['operators'])}")
    return lines


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
    snap_uuid = snapshot_uuid(fact.id, legacy=legacy)
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
        erase_lines(record)
        for drive in _drives(store, inventory)
        for record in erasure_records(store, drive.id)
        if not record.get("training")  # an erasure shown in class is no donor's proof
    ]
    return {
        "type": "Snapshot",
        "uuid": snap_uuid,
        "software": SOFTWARE,
        "version": VERSION,
        "operator_id": fact.operator,
        "timestamp": _time(fact.ts, legacy=False),
        "data": {
            "smartctl": json.dumps(smart),
            "dmidecode": dmidecode,
            "inxi": str(raw.get("inxi") or ""),
        },
        "erase": erase,
    }
