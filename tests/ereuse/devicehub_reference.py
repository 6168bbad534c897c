"""What the current Devicehub (github.com/eReuse/devicehub-django, July 2026) reads from an
uploaded snapshot: the parser it picks, the computer's identity hash ("ereuse24") and the
components it lists. Written for the tests, independently of bench_app.sync.ereuse, from
Devicehub's published source; every rule names the file it comes from. No code is copied.

- evidence/parse.py `Build`: a snapshot with a non-empty `data.lshw` goes to the legacy parser;
  otherwise a `software` of "workbench-script" goes to the normal (inxi) parser.
- evidence/mixin_parse.py `get_hid`: sha3-256 hex of the fields of utils/constants.py
  `EREUSE24` (manufacturer, model, chassis, serial_number, mac) joined with nothing, a missing
  value counting as "".
- evidence/normal_parse.py + normal_parse_details.py: identity and components from inxi.
- evidence/legacy_parse.py + legacy_parse_details.py: identity from dmidecode (read as PyPI
  py-dmidecode 0.1.3 `DMIParse` reads it) and lshw; components from dmidecode, smart, lshw.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

# utils/constants.py CHASSIS_DH, as of commit 46aa59c (2026-01-19).
CHASSIS_DH = {
    "Desktop": ["tower", "desktop", "low-profile", "tower", "server", "low profile desktop"],
    "Docking": ["docking"],
    "AllInOne": ["all-in-one"],
    "Microtower": ["mini-tower", "space-saving", "mini"],
    "PizzaBox": ["pizzabox"],
    "Lunchbox": ["lunchbox"],
    "Stick": ["stick"],
    "Handheld": ["handheld"],
    "Laptop": ["portable", "laptop", "notebook", "sub-notebook", "netbook"],
    "Convertible": ["convertible"],
    "Detachable": ["detachable"],
    "Tablet": ["tablet"],
    "Virtual": ["_virtual"],
}


def sign(text: str) -> str:
    return hashlib.sha3_256(text.encode()).hexdigest()


def parser_for(snapshot: dict[str, Any]) -> str:
    if snapshot.get("data", {}).get("lshw"):
        return "legacy"
    if snapshot.get("software") != "workbench-script":
        return "old"
    return "normal"


# ---------------------------------------------------------------------------------------------
# The normal parser: inxi


def inxi_section(inxi: list[dict[str, Any]], name: str) -> Any:
    """normal_parse_details.get_inxi_key: the value of the first top-level key holding name."""
    for part in inxi:
        for key in part:
            if name in key:
                return part[key]
    return None


def inxi_get(entry: dict[str, Any], name: str) -> Any:
    """normal_parse_details.get_inxi: the first key whose last "#"-part is name, else ""."""
    for key in entry:
        if key.split("#")[-1] == name:
            return entry[key]
    return ""


def normal_identity(snapshot: dict[str, Any]) -> dict[str, str]:
    """normal_parse.Build.get_details, then the EREUSE24 fields."""
    inxi = snapshot["data"]["inxi"]
    if isinstance(inxi, str):
        inxi = json.loads(inxi)  # Devicehub logs and keeps every field empty when this fails
    found = {"manufacturer": "", "model": "", "serial_number": "", "type": ""}
    for m in inxi_section(inxi, "Machine"):
        if inxi_get(m, "System"):
            found["manufacturer"] = inxi_get(m, "System")
            found["model"] = inxi_get(m, "product")
            found["serial_number"] = inxi_get(m, "serial")
        else:
            found["manufacturer"] = found["manufacturer"] or inxi_get(m, "Mobo")
            found["model"] = found["model"] or inxi_get(m, "model")
            found["serial_number"] = found["serial_number"] or inxi_get(m, "serial")
        found["type"] = found["type"] or inxi_get(m, "Type")
    nets = inxi_section(inxi, "Network")
    mac = None
    for i in range(len(nets) - 1):  # normal_parse.get_mac
        if inxi_get(nets[i], "port"):
            mac = inxi_get(nets[i + 1], "mac")
            break
    return {
        "manufacturer": found["manufacturer"],
        "model": found["model"],
        "chassis": found["type"],
        "serial_number": found["serial_number"],
        "mac": mac or "",
    }


def normal_components(snapshot: dict[str, Any]) -> list[dict[str, Any]]:
    """normal_parse_details.ParseSnapshot: the components the tests look at (processor, RAM
    modules, storage, network adapters), with the fields that identify them."""
    inxi = json.loads(snapshot["data"]["inxi"])
    found: list[dict[str, Any]] = []
    cpu = {"type": "Processor"}
    for c in inxi_section(inxi, "CPU") or []:
        if inxi_get(c, "model"):
            cpu["model"] = inxi_get(c, "model")
    found.append(cpu)
    for m in inxi_section(inxi, "Memory") or []:
        if inxi_get(m, "Device"):
            # get_ram keeps a module when any value is set: its "type" always is.
            found.append(
                {
                    "type": "RamModule",
                    "manufacturer": inxi_get(m, "manufacturer"),
                    "model": inxi_get(m, "part-no"),
                    "serialNumber": inxi_get(m, "serial"),
                    "size": inxi_get(m, "size"),
                }
            )
    # get_data_storage: a drive entry with a serial starts a disk; it is listed only when the
    # next entries bring SMART "cycles"; USB drives are left out.
    disk: dict[str, Any] = {}
    for d in inxi_section(inxi, "Drives") or []:
        if inxi_get(d, "type") == "USB":
            continue
        if inxi_get(d, "serial"):
            disk = {
                "type": "Storage",
                "model": inxi_get(d, "model"),
                "serialNumber": inxi_get(d, "serial"),
                "size": inxi_get(d, "size"),
            }
            continue
        if inxi_get(d, "cycles"):
            disk["cycles"] = inxi_get(d, "cycles")
            found.append(disk)
            continue
        disk = {}
    nets = inxi_section(inxi, "Network") or []
    for i in range(len(nets) - 1):
        if inxi_get(nets[i], "Device"):
            found.append(
                {
                    "type": "NetworkAdapter",
                    "model": inxi_get(nets[i], "Device"),
                    "serialNumber": inxi_get(nets[i + 1], "mac"),
                }
            )
    return found


# ---------------------------------------------------------------------------------------------
# The legacy parser: dmidecode (as py-dmidecode 0.1.3 reads it) and lshw

HANDLE_LINE = re.compile(r"^Handle\s+(.+),\s+DMI\s+type\s+(\d+),\s+(\d+)\s+bytes$")
LIST_ITEM = re.compile(r"^\t\t(.+)$")
KEY_VALUE = re.compile(r"\t(.+):\s+(.+)$")
LIST_START = re.compile(r"\t(.+):$")


def dmi_parse(text: str) -> dict[str, dict[str, Any]]:
    """py-dmidecode DMIParse.dmidecode_parse: handle -> {DMIType, key: value or [items]}."""
    records: dict[str, dict[str, Any]] = {}
    for chunk in text.split("\n\n"):
        lines = chunk.splitlines()
        if len(lines) < 3:
            continue
        head = HANDLE_LINE.findall(lines[0])
        if not head:
            continue
        record: dict[str, Any] = {"DMIType": int(head[0][1]), "DMIName": lines[1]}
        records[head[0][0]] = record
        open_list = ""
        items: list[str] = []  # one list per record: DMIParse never empties it between lists
        for line in lines[2:]:
            if open_list:
                item = LIST_ITEM.findall(line)
                if item:
                    items.append(item[0])
                    record[open_list] = items
                    continue
                open_list = ""
            pair = KEY_VALUE.findall(line)
            if pair:
                record[pair[0][0]] = pair[0][1]
                continue
            start = LIST_START.findall(line)
            if start:
                open_list = start[0]
    return records


def dmi_of_type(records: dict[str, dict[str, Any]], dmi_type: int) -> list[dict[str, Any]]:
    return [r for r in records.values() if r["DMIType"] == dmi_type]


def lshw_children(node: dict[str, Any], prefix: str) -> list[dict[str, Any]]:
    """legacy_parse_details.get_lshw_child: the node and its descendants whose id, before any
    ":", is prefix."""
    out = [node] if node.get("id", "").split(":")[0] == prefix else []
    for child in node.get("children", []) or []:
        out += lshw_children(child, prefix)
    return out


def legacy_identity(snapshot: dict[str, Any]) -> dict[str, str]:
    """legacy_parse.Build.get_details, then the EREUSE24 fields."""
    data = snapshot["data"]
    dmi = dmi_parse(data["dmidecode"])
    system = dmi_of_type(dmi, 1)[0]
    chassis_type = dmi_of_type(dmi, 3)[0].get("Type", "_virtual").lower()
    chassis = next((name for name, kinds in CHASSIS_DH.items() if chassis_type in kinds), "")
    lshw = data["lshw"] if isinstance(data["lshw"], dict) else json.loads(data["lshw"])
    nets = lshw_children(lshw, "network")
    if not nets:
        nets = [b for b in lshw_children(lshw, "bridge") if ":" in b.get("serial", "")]
    nets = sorted(
        (n for n in nets if n.get("businfo") and n.get("serial")), key=lambda n: n["businfo"]
    )
    return {
        "manufacturer": system.get("Manufacturer", "n/a").strip(),
        "model": system.get("Product Name", "n/a").strip(),
        "chassis": chassis,
        "serial_number": system.get("Serial Number", "n/a"),
        "mac": nets[0]["serial"] if nets else "",
    }


def legacy_components(snapshot: dict[str, Any]) -> list[dict[str, Any]]:
    """legacy_parse_details.ParseSnapshot: processors and RAM modules from dmidecode, disks
    from smart, network adapters from lshw."""
    data = snapshot["data"]
    dmi = dmi_parse(data["dmidecode"])
    found: list[dict[str, Any]] = [
        {"type": "Processor", "model": cpu.get("Version")} for cpu in dmi_of_type(dmi, 4)
    ]
    found += [
        {"type": "RamModule", "model": ram.get("Part Number", "n/a"), "size": ram.get("Size")}
        for ram in dmi_of_type(dmi, 17)
        if ram.get("Speed")  # get_ram skips modules without a speed
    ]
    found += [  # Devicehub types them HardDrive or SolidStateDrive; "Storage" here
        {"type": "Storage", "serialNumber": sm.get("serial_number"), "model": sm.get("model_name")}
        for sm in data["smart"]
        if sm.get("smartctl", {}).get("exit_status") != 1
    ]
    found += [
        {"type": "NetworkAdapter", "model": n.get("product"), "serialNumber": n.get("serial")}
        for n in lshw_children(data["lshw"], "network")
    ]
    return found


# ---------------------------------------------------------------------------------------------


def devicehub_reads(snapshot: dict[str, Any]) -> tuple[str, dict[str, str], list[dict[str, Any]]]:
    """(identity hash, the EREUSE24 fields, components) as Devicehub computes them."""
    kind = parser_for(snapshot)
    assert kind in ("normal", "legacy"), kind
    if kind == "legacy":
        fields, components = legacy_identity(snapshot), legacy_components(snapshot)
    else:
        fields, components = normal_identity(snapshot), normal_components(snapshot)
    order = ("manufacturer", "model", "chassis", "serial_number", "mac")
    return sign("".join(fields[k] or "" for k in order)), fields, components
