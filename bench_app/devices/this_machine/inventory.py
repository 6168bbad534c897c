"""Inventory of the machine the station itself runs on (a laptop or desktop booted from the
live USB stick): the device record to register, and its components.

The facts come from what the firmware and the kernel publish: `dmidecode` (SMBIOS tables),
`lshw -json`, /proc (cpuinfo, meminfo) and /sys (DMI ids, CPU topology, batteries, screen
EDIDs, network interfaces). `inxi` is run too, only to keep its JSON answer for eReuse
snapshots (the current Devicehub builds a computer's identity and components from it). Every source is optional: a missing program or missing root
rights gives a partial inventory and a note (French first, then English) that says what is
missing and how to get it. When several sources know the same fact, dmidecode wins over
/sys, which wins over lshw. Values the firmware fills with placeholders ("To Be Filled By
O.E.M.", "Default string", "00000000"...) become empty strings; a number nobody knows is None.

Disks are not listed here: `bench_app.devices.drives.blockdev` lists them.
"""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, fields, is_dataclass
from pathlib import Path
from typing import Any, Literal

from bench_app.devices.drives.smart import read_smart
from bench_app.domain.facts import wire_form
from bench_app.jobs.process import ProcessResult
from bench_app.text import Text

Run = Callable[[Sequence[str]], ProcessResult]
"""Runs a program (argv) to its end; returncode 127 means the program is not installed."""

ChassisKind = Literal["laptop", "desktop", "other"]
Verdict = Literal["pass", "warning", "fail"]
NetworkKind = Literal["wireless", "ethernet", "other"]

# Every SMBIOS record, as eReuse's workbench-script runs it: Devicehub reads the processors
# and port connectors from the output kept for snapshots, not only what is parsed here.
DMIDECODE_ARGV = ("dmidecode",)
LSHW_ARGV = ("lshw", "-json", "-quiet")
# workbench-script's own inxi command line (github.com/eReuse/workbench-script, get_data):
# -Z keeps serials and MACs, -x 3 adds the chassis, JSON printed on stdout.
INXI_ARGV = (
    *("inxi", "--tty", "-Z", "-afmnGEMABD", "-x", "3", "--edid"),
    *("--output", "json", "--output-file", "print"),
)


def run_program(argv: Sequence[str], timeout: float = 120.0) -> ProcessResult:
    """Runs one inventory program in the C locale and waits for it (lshw may take a while).

    A program that is not installed gives returncode 127, one that cannot be started 126 and
    one still running after `timeout` seconds 124, each with the reason in stderr.
    """
    env = {**os.environ, "LC_ALL": "C"}
    try:
        done = subprocess.run(
            list(argv),
            capture_output=True,
            text=True,
            errors="replace",
            timeout=timeout,
            env=env,
            check=False,
        )
    except FileNotFoundError:
        return ProcessResult(tuple(argv), 127, "", f"{argv[0]}: command not found")
    except subprocess.TimeoutExpired:
        return ProcessResult(tuple(argv), 124, "", f"{argv[0]}: still running after {timeout:g} s")
    except OSError as exc:
        return ProcessResult(tuple(argv), 126, "", f"{argv[0]}: {exc}")
    return ProcessResult(tuple(argv), done.returncode, done.stdout, done.stderr)


# ---------------------------------------------------------------------------------------------
# The inventory


@dataclass(frozen=True, slots=True)
class SystemInfo:
    """Who the machine is, as its firmware names it (SMBIOS "System" and "Chassis")."""

    manufacturer: str = ""
    model: str = ""  # SMBIOS product name: "HP ProBook 430 G4"; Lenovo puts a type here
    version: str = ""  # Lenovo puts the model name here: "ThinkPad T580"
    serial: str = ""
    uuid: str = ""
    sku: str = ""
    family: str = ""
    chassis_type: str = ""  # as SMBIOS names it: "Notebook", "Convertible", "Desktop"...
    chassis_kind: ChassisKind = "other"


@dataclass(frozen=True, slots=True)
class Firmware:
    vendor: str = ""
    version: str = ""
    date: str = ""  # as the firmware writes it, usually MM/DD/YYYY


@dataclass(frozen=True, slots=True)
class Baseboard:
    manufacturer: str = ""
    model: str = ""
    version: str = ""
    serial: str = ""


@dataclass(frozen=True, slots=True)
class Cpu:
    model: str = ""
    vendor: str = ""
    sockets: int | None = None
    cores: int | None = None  # physical cores, all sockets together
    threads: int | None = None  # logical CPUs the kernel runs
    max_mhz: int | None = None
    flags: tuple[str, ...] = ()  # the NOTABLE_CPU_FLAGS the processor has


NOTABLE_CPU_FLAGS = (
    "lm",
    "nx",
    "pae",
    "popcnt",
    "sse4_2",
    "aes",
    "avx",
    "avx2",
    "avx512f",
    "vmx",
    "svm",
)
"""Flags that decide what the machine can run: lm = 64-bit; popcnt and sse4_2 are required by
recent Windows releases; aes = hardware encryption; avx/avx2 are required by some current
software; vmx (Intel) or svm (AMD) = hardware virtualisation."""


@dataclass(frozen=True, slots=True)
class MemoryModule:
    slot: str  # "ChannelA-DIMM0", "Bottom-Slot 1(top)"
    size_bytes: int
    bank: str = ""
    type: str = ""  # "DDR4", "LPDDR3"...
    form_factor: str = ""  # "SODIMM", "DIMM"
    speed_mts: int | None = None  # rated speed, MT/s
    configured_speed_mts: int | None = None
    manufacturer: str = ""
    part_number: str = ""
    serial: str = ""


@dataclass(frozen=True, slots=True)
class Ram:
    total_bytes: int | None = None  # usable memory as the kernel counts it (MemTotal)
    installed_bytes: int | None = None  # the modules added up (what the stickers say)
    slots: int | None = None  # memory slots, empty ones included
    modules: tuple[MemoryModule, ...] = ()


HEALTH_PASS_PERCENT = 80.0
HEALTH_WARNING_PERCENT = 60.0
"""Battery wear verdict on health = full charge capacity / design capacity: pass at 80 % or
more (a lithium cell is commonly called worn below 80 %), warning from 60 % up to 80 %
(usable, say so to the buyer), fail below 60 %."""


def battery_verdict(health_percent: float | None) -> Verdict | None:
    """The wear verdict for a health percentage (see HEALTH_PASS_PERCENT); None if unknown."""
    if health_percent is None:
        return None
    if health_percent >= HEALTH_PASS_PERCENT:
        return "pass"
    if health_percent >= HEALTH_WARNING_PERCENT:
        return "warning"
    return "fail"


@dataclass(frozen=True, slots=True)
class Battery:
    name: str  # the kernel's name: "BAT0"
    manufacturer: str = ""
    model: str = ""
    serial: str = ""
    technology: str = ""  # "Li-ion", "Li-poly"...
    status: str = ""  # "Charging", "Discharging", "Full", "Not charging"
    charge_percent: int | None = None  # current charge level
    cycle_count: int | None = None  # as reported; many firmwares report 0 when they do not count
    full: int | None = None  # capacity when fully charged today, in `unit`
    full_design: int | None = None  # capacity when new, in `unit`
    unit: Literal["uWh", "uAh", ""] = ""  # energy (µWh) or charge (µAh), as the firmware counts

    @property
    def health_percent(self) -> float | None:
        """Full charge capacity / design capacity, in percent rounded to 0.1 (may exceed 100)."""
        if not self.full or not self.full_design:
            return None
        return round(100 * self.full / self.full_design, 1)

    @property
    def verdict(self) -> Verdict | None:
        return battery_verdict(self.health_percent)

    def to_json(self) -> dict[str, object]:
        return {
            **_fields_json(self),
            "health_percent": _json(self.health_percent),
            "verdict": self.verdict,
        }


@dataclass(frozen=True, slots=True)
class Screen:
    """A screen the graphics driver sees, described by its EDID."""

    connector: str  # "eDP-1", "HDMI-A-1"
    internal: bool  # the built-in panel (eDP, LVDS, DSI)
    manufacturer: str  # PNP id: "SHP", "AUO", "BOE", "LGD"...
    product_code: int
    serial_number: int | None = None  # the EDID's 32-bit number, when set
    serial: str = ""  # the serial number descriptor (0xFF), when present
    name: str = ""  # the monitor name descriptor (0xFC)
    texts: tuple[str, ...] = ()  # unspecified text descriptors (0xFE): panel part numbers...
    week: int | None = None
    year: int | None = None  # year of manufacture (or model year when week is None)
    edid_version: str = ""
    width_cm: int | None = None
    height_cm: int | None = None
    width_mm: int | None = None  # image size of the preferred timing, more precise than cm
    height_mm: int | None = None
    diagonal_inches: float | None = None
    width_px: int | None = None  # preferred resolution (first detailed timing)
    height_px: int | None = None
    refresh_hz: float | None = None


@dataclass(frozen=True, slots=True)
class Device:
    """A component lshw found: graphics, sound, camera, Bluetooth, storage controller."""

    description: str
    vendor: str = ""
    product: str = ""
    bus_info: str = ""  # "pci@0000:00:02.0", "usb@1:6"
    driver: str = ""


@dataclass(frozen=True, slots=True)
class NetworkInterface:
    name: str  # "wlp2s0"
    mac: str
    kind: NetworkKind
    vendor: str = ""
    product: str = ""
    bus_info: str = ""
    driver: str = ""
    max_speed_bps: int | None = None


@dataclass(frozen=True, slots=True)
class MachineInventory:
    """What the station knows of the machine it runs on; `notes` say what it could not know."""

    system: SystemInfo
    bios: Firmware
    baseboard: Baseboard
    cpu: Cpu
    ram: Ram
    batteries: tuple[Battery, ...]
    screens: tuple[Screen, ...]  # the built-in panel first
    gpus: tuple[Device, ...]
    network: tuple[NetworkInterface, ...]
    sound: tuple[Device, ...]
    cameras: tuple[Device, ...]
    bluetooth: tuple[Device, ...]
    storage_controllers: tuple[Device, ...]
    notes: tuple[Text, ...]
    # The programs' own answers, unchanged, for exports that carry them (eReuse snapshots):
    # "dmidecode" (text), "lshw" (its JSON text), "inxi" (its JSON text, absent when inxi is
    # missing or printed no JSON list), "smartctl" (one `smartctl -j -a` per drive).
    raw_outputs: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def battery(self) -> Battery | None:
        """The first battery (most laptops have one), or None."""
        return self.batteries[0] if self.batteries else None

    def to_json(self, *, include_raw: bool = False) -> dict[str, object]:
        """Every field as JSON-ready values (dicts, lists, str, int, float, bool, None); the
        programs' raw outputs are {} unless asked for (they are large, and name the disks)."""
        data = _fields_json(self)
        if not include_raw:
            data["raw_outputs"] = {}
        return data

    def identity(self) -> dict[str, str]:
        """{"brand", "model", "serial", "kind"} to register the device.

        Placeholders are already empty strings. The serial is the UUID when the firmware has
        no serial number. The kind is "laptop" for portable chassis, and for an unknown chassis
        that has a battery; "desktop" otherwise.
        """
        brand = _brand(self.system.manufacturer)
        laptop = self.system.chassis_kind == "laptop" or (
            self.system.chassis_kind == "other" and bool(self.batteries)
        )
        return {
            "brand": brand,
            "model": _model_name(self.system, brand),
            "serial": self.system.serial or self.system.uuid,
            "kind": "laptop" if laptop else "desktop",
        }


def _fields_json(obj: Any) -> dict[str, object]:
    return {f.name: _json(getattr(obj, f.name)) for f in fields(obj)}


def _json(value: object) -> object:
    if isinstance(value, float):  # a fraction travels as a decimal string (domain/facts)
        return wire_form(value, 2)
    if isinstance(value, Text | Battery):
        return value.to_json()
    if is_dataclass(value):
        return _fields_json(value)
    if isinstance(value, tuple | list):
        return [_json(v) for v in value]
    return value


_BRANDS = {
    "acer": "Acer",
    "apple inc.": "Apple",
    "asustek computer inc.": "ASUS",
    "dell inc.": "Dell",
    "fujitsu": "Fujitsu",
    "hewlett-packard": "HP",
    "hp": "HP",
    "lenovo": "Lenovo",
    "micro-star international co., ltd.": "MSI",
    "microsoft corporation": "Microsoft",
    "samsung electronics co., ltd.": "Samsung",
    "toshiba": "Toshiba",
}


def _brand(manufacturer: str) -> str:
    """One spelling per brand for the register ("LENOVO", "Dell Inc." -> "Lenovo", "Dell")."""
    return _BRANDS.get(manufacturer.lower(), manufacturer)


def _model_name(system: SystemInfo, brand: str) -> str:
    """The name a person reads on the machine, without the brand in front.

    Lenovo stores a machine type in the product name ("20L9CTO1WW") and the model name in
    the version ("ThinkPad T580").
    """
    model = system.model
    if brand == "Lenovo" and system.version and system.version.lower() != "lenovo":
        model = system.version
    if brand and model.lower().startswith(brand.lower() + " "):
        model = model[len(brand) + 1 :].strip()
    return model


# ---------------------------------------------------------------------------------------------
# Notes


NOTE_DMIDECODE_MISSING = Text(
    "dmidecode est absent : installez le paquet dmidecode.",
    "dmidecode is missing: install the dmidecode package.",
)
NOTE_DMIDECODE_ROOT = Text(
    "dmidecode a besoin des droits root : numéro de série et barrettes mémoire inconnus.",
    "dmidecode needs root: serial number and memory modules unknown.",
)
NOTE_NO_SMBIOS = Text(
    "Le micrologiciel ne publie pas de table SMBIOS (machine virtuelle ?).",
    "The firmware publishes no SMBIOS table (virtual machine?).",
)
NOTE_LSHW_MISSING = Text(
    "lshw est absent : installez le paquet lshw.",
    "lshw is missing: install the lshw package.",
)
NOTE_LSHW_ROOT = Text(
    "lshw a tourné sans droits root : liste des composants incomplète.",
    "lshw ran without root: the component list is incomplete.",
)
NOTE_LSHW_UNREADABLE = Text(
    "La sortie de lshw est illisible : composants inconnus.",
    "The output of lshw is unreadable: components unknown.",
)
NOTE_INXI_MISSING = Text(
    "inxi est absent : installez le paquet inxi, sinon Devicehub ne reconnaîtra pas "
    "l’ordinateur dans l’export eReuse.",
    "inxi is missing: install the inxi package, or Devicehub will not recognise the computer "
    "in the eReuse export.",
)
NOTE_INXI_ROOT = Text(
    "inxi a tourné sans droits root : numéros de série absents de l’export eReuse.",
    "inxi ran without root: serial numbers missing from the eReuse export.",
)
NOTE_INXI_UNREADABLE = Text(
    "La sortie d’inxi est illisible : elle ne sera pas dans l’export eReuse.",
    "The output of inxi is unreadable: it will not be in the eReuse export.",
)
NOTE_NO_MEMINFO = Text(
    "/proc/meminfo est illisible : quantité de mémoire inconnue.",
    "/proc/meminfo is unreadable: amount of memory unknown.",
)
NOTE_NO_CPUINFO = Text(
    "/proc/cpuinfo est illisible : processeur mal connu.",
    "/proc/cpuinfo is unreadable: little is known about the processor.",
)
NOTE_NO_BATTERY = Text(
    "Aucune batterie détectée : vérifiez qu’elle est présente et branchée.",
    "No battery found: check that it is present and connected.",
)
NOTE_BATTERY_UNKNOWN = Text(
    "Usure de la batterie {name} inconnue : sa capacité d’origine n’est pas publiée.",
    "Wear of battery {name} unknown: its design capacity is not published.",
)
NOTE_UPOWER_MISSING = Text(
    "upower est absent : installez le paquet upower pour mesurer l’usure de la batterie.",
    "upower is missing: install the upower package to measure battery wear.",
)
NOTE_BAD_EDID = Text(
    "L’EDID de l’écran {connector} est illisible ({reason}) : écran ignoré.",
    "The EDID of screen {connector} is unreadable ({reason}): screen ignored.",
)


# ---------------------------------------------------------------------------------------------
# Small helpers. Values the firmware fills with placeholders become "".

_PLACEHOLDERS = frozenset(
    {
        "",
        "0",
        "<bad index>",
        "<out of spec>",
        "chassis manufacture",
        "default string",
        "invalid",
        "n/a",
        "no asset tag",
        "none",
        "not applicable",
        "not available",
        "not provided",
        "not specified",
        "o.e.m.",
        "oem",
        "sku",
        "sku number",
        "system manufacturer",
        "system product name",
        "system serial number",
        "system version",
        "to be filled by o.e.m.",
        "to be filled by oem",
        "type1productconfigid",
        "unknown",
        "0123456789",
        "123456789",
        "1234567890",
    }
)
# "Manufacturer0", "SerNum2", "A1_PartNum0": the numbered names of unfilled SMBIOS templates;
# and one character repeated ("00000000", "......", "FFFFFFFF").
_TEMPLATE_RE = re.compile(
    r"(?:[a-z][0-9]_)?(?:manufacturer|sernum|serialnum|assettagnum|partnum)[0-9]*|(.)\1{2,}",
    re.IGNORECASE,
)
_PLACEHOLDER_UUIDS = frozenset(
    {"03000200-0400-0500-0006-000700080009", "00020003-0004-0005-0006-000700080009"}
)


def _clean(value: object) -> str:
    """The value as a stripped string without dot padding ("ERC410M......"), or "" for a
    placeholder."""
    text = str(value).strip() if isinstance(value, str | int) else ""
    text = re.sub(r"\.{3,}$", "", text) or text
    if text.lower() in _PLACEHOLDERS or _TEMPLATE_RE.fullmatch(text):
        return ""
    return text


def _clean_uuid(value: str) -> str:
    uuid = _clean(value)
    if uuid.lower() in _PLACEHOLDER_UUIDS or len(set(uuid.replace("-", "").lower())) <= 1:
        return ""
    return uuid


def _first(*values: str) -> str:
    return next((v for v in values if v), "")


def _int(text: str | None) -> int | None:
    """A plain decimal integer, else None."""
    text = (text or "").strip()
    return int(text) if re.fullmatch(r"-?[0-9]{1,30}", text) else None


def _read(path: Path) -> str:
    """A sysfs/procfs text file, stripped; "" when absent or unreadable (root-only files)."""
    try:
        return path.read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return ""


# ---------------------------------------------------------------------------------------------
# Chassis

_SMBIOS_CHASSIS = {
    1: "Other",
    2: "Unknown",
    3: "Desktop",
    4: "Low Profile Desktop",
    5: "Pizza Box",
    6: "Mini Tower",
    7: "Tower",
    8: "Portable",
    9: "Laptop",
    10: "Notebook",
    11: "Hand Held",
    12: "Docking Station",
    13: "All In One",
    14: "Sub Notebook",
    15: "Space-saving",
    16: "Lunch Box",
    17: "Main Server Chassis",
    23: "Rack Mount Chassis",
    24: "Sealed-case PC",
    30: "Tablet",
    31: "Convertible",
    32: "Detachable",
    34: "Embedded PC",
    35: "Mini PC",
    36: "Stick PC",
}
"""SMBIOS chassis type codes (/sys/class/dmi/id/chassis_type) and the names dmidecode prints."""

# Letters only, lower case: covers dmidecode's names and lshw's ("sub-notebook", "lowprofile").
_LAPTOP_CHASSIS = frozenset(
    {"portable", "laptop", "notebook", "handheld", "subnotebook", "tablet", "convertible"}
    | {"detachable"}
)
_DESKTOP_CHASSIS = frozenset(
    {"desktop", "lowprofiledesktop", "lowprofile", "pizzabox", "minitower", "tower"}
    | {"spacesaving", "allinone", "lunchbox", "sealedcasepc", "sealed", "minipc", "mini"}
    | {"stickpc", "stick", "embeddedpc", "embedded"}
)


def chassis_kind(chassis_type: str) -> ChassisKind:
    """The kind of a chassis type as dmidecode or lshw names it: laptop, desktop or other."""
    key = re.sub(r"[^a-z]", "", chassis_type.lower())
    if key in _LAPTOP_CHASSIS:
        return "laptop"
    if key in _DESKTOP_CHASSIS:
        return "desktop"
    return "other"


# ---------------------------------------------------------------------------------------------
# dmidecode


@dataclass(frozen=True, slots=True)
class _DmiRecord:
    title: str  # "System Information", "Memory Device"...
    props: dict[str, str]  # first-level "Key: Value" lines; list items are left out


def _dmi_records(text: str) -> list[_DmiRecord]:
    """dmidecode's text output (with or without -q) -> its records.

    A record is a title at the start of a line, then indented `Key: Value` lines; more deeply
    indented lines (lists such as "Characteristics:") are left out. "Handle" lines and
    comments are skipped; the preamble ("SMBIOS 3.0.0 present.") makes records nobody asks for.
    """
    records: list[_DmiRecord] = []
    props: dict[str, str] = {}
    indent: int | None = None
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith(("#", "Handle 0x")):
            continue
        depth = len(line) - len(line.lstrip())
        if depth == 0:
            props, indent = {}, None
            records.append(_DmiRecord(stripped, props))
        elif records:
            indent = depth if indent is None else indent
            key, colon, value = stripped.partition(":")
            if depth == indent and colon:
                props[key.strip()] = value.strip()
    return records


def _dmi(records: Sequence[_DmiRecord], title: str) -> dict[str, str]:
    """The cleaned properties of the first record with that title ({} if none)."""
    for record in records:
        if record.title == title:
            return {key: _clean(value) for key, value in record.props.items()}
    return {}


_SIZE_RE = re.compile(r"([0-9]+)\s*([kKMGT])B\b")
_UNITS = {"k": 1 << 10, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}


def _dmi_size(text: str) -> int | None:
    """A module size ("16 GB", "4096 MB") in bytes, SMBIOS units being binary; None for an
    empty slot ("No Module Installed")."""
    match = _SIZE_RE.match(text.strip())
    if not match or int(match.group(1)) == 0:
        return None
    return int(match.group(1)) * _UNITS[match.group(2)]


def _dmi_speed(text: str) -> int | None:
    """A module speed ("2400 MT/s", "2400 MHz" in older dmidecode) in MT/s; None if unknown."""
    match = re.match(r"([0-9]+)\s*(?:MT/s|MHz)", text.strip())
    return int(match.group(1)) if match else None


def _dmi_modules(records: Sequence[_DmiRecord]) -> tuple[int, tuple[MemoryModule, ...]]:
    """(slot count, installed modules) from the "Memory Device" records."""
    devices = [r.props for r in records if r.title == "Memory Device"]
    modules = []
    for raw in devices:
        size = _dmi_size(raw.get("Size", ""))
        if size is None:
            continue
        props = {key: _clean(value) for key, value in raw.items()}
        modules.append(
            MemoryModule(
                slot=props.get("Locator", ""),
                size_bytes=size,
                bank=props.get("Bank Locator", ""),
                type=props.get("Type", ""),
                form_factor=props.get("Form Factor", ""),
                speed_mts=_dmi_speed(props.get("Speed", "")),
                configured_speed_mts=_dmi_speed(
                    props.get("Configured Memory Speed") or props.get("Configured Clock Speed", "")
                ),
                manufacturer=props.get("Manufacturer", ""),
                part_number=props.get("Part Number", ""),
                serial=props.get("Serial Number", ""),
            )
        )
    return len(devices), tuple(modules)


def _denied(result: ProcessResult) -> bool:
    return "Permission denied" in result.stderr or "Operation not permitted" in result.stderr


def _dmidecode(run: Run, notes: list[Text]) -> list[_DmiRecord]:
    """dmidecode's records, or [] with a note saying why there are none."""
    result = run(DMIDECODE_ARGV)
    if result.returncode == 127:
        notes.append(NOTE_DMIDECODE_MISSING)
        return []
    records = _dmi_records(result.stdout)
    wanted = ("System Information", "BIOS Information", "Memory Device")
    if any(r.title in wanted for r in records):
        return records
    notes.append(NOTE_DMIDECODE_ROOT if _denied(result) else NOTE_NO_SMBIOS)
    return []


# ---------------------------------------------------------------------------------------------
# lshw

_Node = dict[str, Any]


@dataclass(frozen=True, slots=True)
class _Lshw:
    root: _Node
    nodes: tuple[_Node, ...]  # the whole tree, depth first

    def of_class(self, cls: str) -> list[_Node]:
        return [n for n in self.nodes if n.get("class") == cls and not n.get("disabled")]


_NO_LSHW = _Lshw({}, ())


def _walk(node: _Node) -> Iterator[_Node]:
    yield node
    children = node.get("children")
    for child in children if isinstance(children, list) else ():
        if isinstance(child, dict):
            yield from _walk(child)


def parse_lshw(text: str) -> _Node:
    """`lshw -json` -> its top node. lshw prints one object, or (newer versions) a list.

    Raises ValueError when the text is not such JSON.
    """
    data = json.loads(text)
    if isinstance(data, list):
        data = next((n for n in data if isinstance(n, dict)), None)
    if not isinstance(data, dict):
        raise ValueError("lshw output holds no object")
    return data


def _lshw(run: Run, notes: list[Text]) -> _Lshw:
    """lshw's tree, or an empty one with a note saying why."""
    result = run(LSHW_ARGV)
    if result.returncode == 127:
        notes.append(NOTE_LSHW_MISSING)
        return _NO_LSHW
    try:
        root = parse_lshw(result.stdout)
    except ValueError:
        notes.append(NOTE_LSHW_UNREADABLE)
        return _NO_LSHW
    if "super-user" in result.stderr:
        notes.append(NOTE_LSHW_ROOT)
    return _Lshw(root, tuple(_walk(root)))


def _text(node: _Node, key: str) -> str:
    """A node's string value, cleaned; the first one when lshw gives a list."""
    value = node.get(key)
    if isinstance(value, list):
        value = value[0] if value else ""
    return _clean(value)


def _config(node: _Node, key: str) -> str:
    config = node.get("configuration")
    return _clean(config.get(key)) if isinstance(config, dict) else ""


def _number(node: _Node, key: str) -> int | None:
    value = node.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def _capabilities(node: _Node) -> dict[str, Any]:
    caps = node.get("capabilities")
    return caps if isinstance(caps, dict) else {}


def _node(lshw: _Lshw, node_id: str) -> _Node:
    return next((n for n in lshw.nodes if n.get("id") == node_id), {})


# ---------------------------------------------------------------------------------------------
# System, firmware, baseboard

_DMI_ID_FILES = (
    "sys_vendor",
    "product_name",
    "product_version",
    "product_serial",
    "product_uuid",
    "product_sku",
    "product_family",
    "chassis_type",
    "bios_vendor",
    "bios_version",
    "bios_date",
    "board_vendor",
    "board_name",
    "board_version",
    "board_serial",
)


def _dmi_id(sys_root: Path) -> dict[str, str]:
    """/sys/class/dmi/id: the kernel's copy of the SMBIOS ids (serials are root-only files)."""
    return {name: _clean(_read(sys_root / "class/dmi/id" / name)) for name in _DMI_ID_FILES}


def _system(records: Sequence[_DmiRecord], ids: dict[str, str], lshw: _Lshw) -> SystemInfo:
    dmi = _dmi(records, "System Information")
    root = lshw.root
    sku = _first(dmi.get("SKU Number", ""), ids["product_sku"], _config(root, "sku"))
    product = _text(root, "product")
    if sku and product.endswith(f" ({sku})"):  # lshw adds the SKU to the product name
        product = product[: -len(sku) - 3]
    chassis = _first(
        _dmi(records, "Chassis Information").get("Type", ""),
        _SMBIOS_CHASSIS.get(_int(ids["chassis_type"]) or 0, ""),
        _config(root, "chassis"),
    )
    return SystemInfo(
        manufacturer=_first(dmi.get("Manufacturer", ""), ids["sys_vendor"], _text(root, "vendor")),
        model=_first(dmi.get("Product Name", ""), ids["product_name"], product),
        version=_first(dmi.get("Version", ""), ids["product_version"], _text(root, "version")),
        serial=_first(dmi.get("Serial Number", ""), ids["product_serial"], _text(root, "serial")),
        uuid=_clean_uuid(_first(dmi.get("UUID", ""), ids["product_uuid"], _config(root, "uuid"))),
        sku=sku,
        family=_first(dmi.get("Family", ""), ids["product_family"], _config(root, "family")),
        chassis_type=chassis,
        chassis_kind=chassis_kind(chassis),
    )


def _bios(records: Sequence[_DmiRecord], ids: dict[str, str], lshw: _Lshw) -> Firmware:
    dmi = _dmi(records, "BIOS Information")
    node = _node(lshw, "firmware")
    return Firmware(
        vendor=_first(dmi.get("Vendor", ""), ids["bios_vendor"], _text(node, "vendor")),
        version=_first(dmi.get("Version", ""), ids["bios_version"], _text(node, "version")),
        date=_first(dmi.get("Release Date", ""), ids["bios_date"], _text(node, "date")),
    )


def _baseboard(records: Sequence[_DmiRecord], ids: dict[str, str], lshw: _Lshw) -> Baseboard:
    dmi = _dmi(records, "Base Board Information")
    node = _node(lshw, "core")
    return Baseboard(
        manufacturer=_first(
            dmi.get("Manufacturer", ""), ids["board_vendor"], _text(node, "vendor")
        ),
        model=_first(dmi.get("Product Name", ""), ids["board_name"], _text(node, "product")),
        version=_first(dmi.get("Version", ""), ids["board_version"], _text(node, "version")),
        serial=_first(dmi.get("Serial Number", ""), ids["board_serial"], _text(node, "serial")),
    )


# ---------------------------------------------------------------------------------------------
# CPU


def _cpuinfo(text: str) -> list[dict[str, str]]:
    """/proc/cpuinfo -> one {field: value} per logical CPU (blocks split by blank lines)."""
    blocks = []
    for chunk in re.split(r"\n\s*\n", text):
        pairs = (line.partition(":") for line in chunk.splitlines())
        block = {key.strip(): value.strip() for key, colon, value in pairs if colon}
        if "processor" in block:
            blocks.append(block)
    return blocks


def _cpu_list(text: str) -> int | None:
    """How many CPUs a kernel list such as "0-3,6" names."""
    count = 0
    for part in text.split(","):
        low, _, high = part.partition("-")
        first, last = _int(low), _int(high or low)
        if first is None or last is None:
            return None
        count += last - first + 1
    return count or None


def _sysfs_topology(sys_root: Path) -> tuple[int | None, int | None]:
    """(sockets, physical cores) from /sys/devices/system/cpu/cpuN/topology."""
    pairs = set()
    for cpu in (sys_root / "devices/system/cpu").glob("cpu[0-9]*"):
        package = _read(cpu / "topology/physical_package_id")
        core = _read(cpu / "topology/core_id")
        if package and core:
            pairs.add((package, core))
    if not pairs:
        return None, None
    return len({p for p, _ in pairs}), len(pairs)


def _cpu(proc_root: Path, sys_root: Path, lshw: _Lshw, notes: list[Text]) -> Cpu:
    """/proc/cpuinfo first; /sys for what it lacks (topology on ARM, top frequency); lshw last."""
    blocks = _cpuinfo(_read(proc_root / "cpuinfo"))
    first = blocks[0] if blocks else {}
    pairs = {(b.get("physical id", "0"), b["core id"]) for b in blocks if "core id" in b}
    sockets, cores = _sysfs_topology(sys_root)
    if pairs:
        sockets, cores = len({p for p, _ in pairs}), len(pairs)
    nodes = lshw.of_class("processor")
    node = nodes[0] if nodes else {}
    lshw_cores = sum(_int(_config(n, "cores")) or 0 for n in nodes) or None
    lshw_threads = sum(_int(_config(n, "threads")) or 0 for n in nodes) or None
    online = _cpu_list(_read(sys_root / "devices/system/cpu/online"))
    max_khz = _int(_read(sys_root / "devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq"))
    lshw_mhz = (_number(node, "capacity") or 0) // 1_000_000
    flags = set(first.get("flags", "").split())
    if not blocks and not node:
        notes.append(NOTE_NO_CPUINFO)
    return Cpu(
        model=_first(_clean(first.get("model name", "")), _text(node, "product")),
        vendor=_first(_clean(first.get("vendor_id", "")), _text(node, "vendor")),
        sockets=sockets or len(nodes) or None,
        cores=cores or lshw_cores,
        threads=len(blocks) or online or lshw_threads,
        max_mhz=(max_khz or 0) // 1000 or lshw_mhz or None,
        flags=tuple(f for f in NOTABLE_CPU_FLAGS if f in flags),
    )


# ---------------------------------------------------------------------------------------------
# Memory


def _mem_total(proc_root: Path) -> int | None:
    match = re.search(r"^MemTotal:\s*([0-9]+)\s*kB", _read(proc_root / "meminfo"), re.MULTILINE)
    return int(match.group(1)) * 1024 if match else None


_LSHW_FORM_FACTORS = ("SODIMM", "DIMM", "SIMM", "RIMM", "FB-DIMM", "Chip")


def _lshw_module(bank: _Node) -> MemoryModule | None:
    """A memory bank node ("SODIMM DDR4 Synchronous 2133 MHz (0,5 ns)"), None when empty."""
    size = _number(bank, "size")
    if size is None:
        return None
    words = _text(bank, "description").split()
    clock = _number(bank, "clock")
    return MemoryModule(
        slot=_text(bank, "slot"),
        size_bytes=size,
        type=next((w for w in words if re.fullmatch(r"(?:LP)?DDR[0-9]*X?|SDRAM", w)), ""),
        form_factor=next((w for w in words if w in _LSHW_FORM_FACTORS), ""),
        speed_mts=clock // 1_000_000 if clock else None,
        manufacturer=_text(bank, "vendor"),
        part_number=_text(bank, "product"),
        serial=_text(bank, "serial"),
    )


def _lshw_modules(lshw: _Lshw) -> tuple[int, tuple[MemoryModule, ...]]:
    banks = [n for n in lshw.of_class("memory") if str(n.get("id", "")).startswith("bank")]
    modules = (_lshw_module(bank) for bank in banks)
    return len(banks), tuple(m for m in modules if m is not None)


def _lshw_system_memory(lshw: _Lshw) -> int | None:
    """The memory size lshw found when it could not list the modules (a virtual machine)."""
    for node in lshw.of_class("memory"):
        if _text(node, "description").lower() == "system memory":
            return _number(node, "size")
    return None


def _ram(records: Sequence[_DmiRecord], lshw: _Lshw, proc_root: Path, notes: list[Text]) -> Ram:
    slots, modules = _dmi_modules(records)
    if not slots:
        slots, modules = _lshw_modules(lshw)
    total = _mem_total(proc_root)
    if total is None:
        notes.append(NOTE_NO_MEMINFO)
    return Ram(
        total_bytes=total,
        installed_bytes=sum(m.size_bytes for m in modules) or _lshw_system_memory(lshw),
        slots=slots or None,
        modules=modules,
    )


# ---------------------------------------------------------------------------------------------
# Batteries


def _is_battery(supply: Path) -> bool:
    """A laptop battery in its bay; not the mains adapter, an empty bay (present = 0), nor the
    battery of a wireless mouse (scope "Device")."""
    kind = _read(supply / "type")
    if _read(supply / "scope") == "Device" or _read(supply / "present") == "0":
        return False
    return kind == "Battery" or (not kind and supply.name.startswith("BAT"))


def _sysfs_battery(supply: Path) -> Battery:
    energy_full = _int(_read(supply / "energy_full"))
    energy_design = _int(_read(supply / "energy_full_design"))
    energy = bool(energy_full and energy_design)
    full = energy_full if energy else _int(_read(supply / "charge_full"))
    design = energy_design if energy else _int(_read(supply / "charge_full_design"))
    unit: Literal["uWh", "uAh", ""] = "uWh" if energy else ("uAh" if full and design else "")
    return Battery(
        name=supply.name,
        manufacturer=_clean(_read(supply / "manufacturer")),
        model=_clean(_read(supply / "model_name")),
        serial=_clean(_read(supply / "serial_number")),
        technology=_clean(_read(supply / "technology")),
        status=_clean(_read(supply / "status")),
        charge_percent=_int(_read(supply / "capacity")),
        cycle_count=_int(_read(supply / "cycle_count")),
        full=full if unit else None,
        full_design=design if unit else None,
        unit=unit,
    )


def _upower_props(text: str) -> dict[str, str]:
    props: dict[str, str] = {}
    for line in text.splitlines():
        key, colon, value = line.partition(":")
        if colon and value.strip():
            props.setdefault(key.strip(), value.strip())
    return props


def _watt_hours(text: str) -> int | None:
    """upower's "28.79 Wh" -> 28790000 µWh."""
    match = re.fullmatch(r"([0-9]+(?:\.[0-9]+)?)\s*Wh", text.strip())
    return round(float(match.group(1)) * 1_000_000) if match else None


def _known(value: int | None, fallback: int | None) -> int | None:
    return value if value is not None else fallback


def _with_upower(battery: Battery, run: Run, notes: list[Text]) -> Battery:
    """Fills what sysfs lacks from `upower -i` (upower may know more from its own drivers)."""
    result = run(("upower", "-i", f"/org/freedesktop/UPower/devices/battery_{battery.name}"))
    if result.returncode == 127:
        notes.append(NOTE_UPOWER_MISSING)
        return battery
    props = _upower_props(result.stdout) if result.returncode == 0 else {}
    full = _watt_hours(props.get("energy-full", ""))
    design = _watt_hours(props.get("energy-full-design", ""))
    if not (full and design):
        return battery
    return Battery(
        name=battery.name,
        manufacturer=battery.manufacturer or _clean(props.get("vendor", "")),
        model=battery.model or _clean(props.get("model", "")),
        serial=battery.serial or _clean(props.get("serial", "")),
        technology=battery.technology or _clean(props.get("technology", "")),
        status=battery.status or _clean(props.get("state", "")),
        charge_percent=_known(
            battery.charge_percent, _int(props.get("percentage", "").rstrip("%"))
        ),
        cycle_count=_known(battery.cycle_count, _int(props.get("charge-cycles"))),
        full=full,
        full_design=design,
        unit="uWh",
    )


def _batteries(sys_root: Path, run: Run, notes: list[Text]) -> tuple[Battery, ...]:
    supplies = sorted((sys_root / "class/power_supply").glob("*"))
    batteries = []
    for supply in filter(_is_battery, supplies):
        battery = _sysfs_battery(supply)
        if battery.health_percent is None:
            battery = _with_upower(battery, run, notes)
        if battery.health_percent is None:
            notes.append(NOTE_BATTERY_UNKNOWN.format(name=battery.name))
        batteries.append(battery)
    return tuple(batteries)


# ---------------------------------------------------------------------------------------------
# Screens: EDID (VESA E-EDID 1.4 base block)

EDID_HEADER = bytes((0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x00))
_INTERNAL_CONNECTORS = ("eDP", "LVDS", "DSI")
_SERIAL_TAG, _TEXT_TAG, _NAME_TAG = 0xFF, 0xFE, 0xFC  # display descriptors holding text
_TEXT_TAGS = (_SERIAL_TAG, _TEXT_TAG, _NAME_TAG)


class EdidError(ValueError):
    """The bytes are not a usable EDID (too short, wrong header, bad checksum)."""

    def __init__(self, reason: Text) -> None:
        super().__init__(reason.en)
        self.reason = reason


def _pnp_id(high: int, low: int) -> str:
    """Bytes 8-9: three letters of 5 bits each, 1 = "A"."""
    word = high << 8 | low
    return "".join(chr(64 + (word >> shift & 0x1F)) for shift in (10, 5, 0))


def _descriptor_text(payload: bytes) -> str:
    """A 13-byte text descriptor: ends at LF, padded with spaces; other non-printable bytes
    become spaces (some panels put a marker byte between two strings)."""
    text = payload.split(b"\n")[0]
    return " ".join("".join(chr(b) if 0x20 <= b < 0x7F else " " for b in text).split())


@dataclass(frozen=True, slots=True)
class _Timing:
    width_px: int
    height_px: int
    width_mm: int
    height_mm: int
    refresh_hz: float


def _detailed_timing(d: bytes) -> _Timing:
    """An 18-byte detailed timing descriptor (pixel clock in 10 kHz units)."""
    clock_hz = (d[0] | d[1] << 8) * 10_000
    h_active, h_blank = d[2] | (d[4] & 0xF0) << 4, d[3] | (d[4] & 0x0F) << 8
    v_active, v_blank = d[5] | (d[7] & 0xF0) << 4, d[6] | (d[7] & 0x0F) << 8
    total = (h_active + h_blank) * (v_active + v_blank)
    return _Timing(
        width_px=h_active,
        height_px=v_active,
        width_mm=d[12] | (d[14] & 0xF0) << 4,
        height_mm=d[13] | (d[14] & 0x0F) << 8,
        refresh_hz=round(clock_hz / total, 2) if total else 0.0,
    )


def _image_size_mm(
    timing: _Timing | None, width_cm: int | None, height_cm: int | None
) -> tuple[int, int] | None:
    """The timing's size in mm when it agrees with the cm fields (within 1 cm), else the cm
    fields; None when the EDID gives no size (projectors, some TVs)."""
    if timing and timing.width_mm and timing.height_mm:
        mm = (timing.width_mm, timing.height_mm)
        if width_cm is None or height_cm is None:
            return mm
        if abs(mm[0] - 10 * width_cm) <= 10 and abs(mm[1] - 10 * height_cm) <= 10:
            return mm
    if width_cm and height_cm:
        return 10 * width_cm, 10 * height_cm
    return None


def parse_edid(data: bytes, connector: str = "") -> Screen:
    """An EDID (the base block; extension blocks are ignored) -> Screen.

    Raises EdidError when the bytes are shorter than 128, lack the fixed header or fail the
    checksum (the 128 bytes must add up to 0 modulo 256).
    """
    if len(data) < 128:
        raise EdidError(Text("moins de 128 octets", "shorter than 128 bytes"))
    block = data[:128]
    if block[:8] != EDID_HEADER:
        raise EdidError(Text("pas d’en-tête EDID", "no EDID header"))
    if sum(block) % 256:
        raise EdidError(Text("somme de contrôle fausse", "bad checksum"))
    descriptors = [block[54 + 18 * i : 72 + 18 * i] for i in range(4)]
    timings = [_detailed_timing(d) for d in descriptors if d[0] or d[1]]
    texts: dict[int, list[str]] = {}
    for d in descriptors:
        if not (d[0] or d[1]) and d[3] in _TEXT_TAGS and (text := _descriptor_text(d[5:18])):
            texts.setdefault(d[3], []).append(text)
    timing = timings[0] if timings else None
    width_cm = block[21] if block[21] and block[22] else None
    height_cm = block[22] if block[21] and block[22] else None
    size = _image_size_mm(timing, width_cm, height_cm)
    week = block[16] if 1 <= block[16] <= 54 else None
    return Screen(
        connector=connector,
        internal=connector.startswith(_INTERNAL_CONNECTORS),
        manufacturer=_pnp_id(block[8], block[9]),
        product_code=block[10] | block[11] << 8,
        serial_number=int.from_bytes(block[12:16], "little") or None,
        serial=" ".join(texts.get(_SERIAL_TAG, [])),
        name=" ".join(texts.get(_NAME_TAG, [])),
        texts=tuple(texts.get(_TEXT_TAG, [])),
        week=week,
        year=1990 + block[17] if block[17] else None,
        edid_version=f"{block[18]}.{block[19]}",
        width_cm=width_cm,
        height_cm=height_cm,
        width_mm=timing.width_mm if timing and timing.width_mm else None,
        height_mm=timing.height_mm if timing and timing.height_mm else None,
        diagonal_inches=round(math.hypot(*size) / 25.4, 1) if size else None,
        width_px=timing.width_px if timing else None,
        height_px=timing.height_px if timing else None,
        refresh_hz=timing.refresh_hz if timing and timing.refresh_hz else None,
    )


def _screens(sys_root: Path, notes: list[Text]) -> tuple[Screen, ...]:
    """Screens with an EDID under /sys/class/drm/cardN-CONNECTOR (an empty EDID: nothing
    plugged in); the built-in panel first."""
    screens = []
    for output in sorted((sys_root / "class/drm").glob("card*-*")):
        connector = output.name.partition("-")[2]
        try:
            data = (output / "edid").read_bytes()
        except OSError:
            continue
        if not data:
            continue
        try:
            screens.append(parse_edid(data, connector))
        except EdidError as exc:
            fr = NOTE_BAD_EDID.fr.format(connector=connector, reason=exc.reason.fr)
            notes.append(
                Text(fr, NOTE_BAD_EDID.en.format(connector=connector, reason=exc.reason.en))
            )
    return tuple(sorted(screens, key=lambda s: not s.internal))


# ---------------------------------------------------------------------------------------------
# Network


def _interface(node: _Node, name: str, mac: str, wireless: bool, ether: bool) -> NetworkInterface:
    """An interface, with what lshw's node (may be {}) says of its hardware."""
    caps = _capabilities(node)
    kind: NetworkKind = "other"
    if wireless or "wireless" in caps:
        kind = "wireless"
    elif ether or "ethernet" in caps:
        kind = "ethernet"
    return NetworkInterface(
        name=name,
        mac=mac,
        kind=kind,
        vendor=_text(node, "vendor"),
        product=_text(node, "product"),
        bus_info=_text(node, "businfo"),
        driver=_config(node, "driver"),
        max_speed_bps=_number(node, "capacity"),
    )


def _network(sys_root: Path, lshw: _Lshw) -> tuple[NetworkInterface, ...]:
    """Physical interfaces from /sys/class/net (virtual ones have no `device` link), with
    what lshw knows about their hardware; lshw alone when /sys lists none."""
    nodes = lshw.of_class("network")
    by_name = {_text(n, "logicalname"): n for n in nodes}
    by_mac = {_text(n, "serial").lower(): n for n in nodes}
    interfaces = []
    for iface in sorted((sys_root / "class/net").glob("*")):
        mac = _read(iface / "address").lower()
        if not (iface / "device").exists() or not mac.strip("0:"):
            continue
        wireless = (iface / "wireless").exists() or (iface / "phy80211").exists()
        ether = _read(iface / "type") == "1"  # ARPHRD_ETHER
        node = by_name.get(iface.name) or by_mac.get(mac) or {}
        interfaces.append(_interface(node, iface.name, mac, wireless, ether))
    if interfaces:
        return tuple(interfaces)
    physical = [n for n in nodes if _text(n, "businfo") and _text(n, "serial")]
    return tuple(
        _interface(n, _text(n, "logicalname"), _text(n, "serial").lower(), False, False)
        for n in physical
    )


# ---------------------------------------------------------------------------------------------
# Other components (lshw)


def _device(node: _Node) -> Device:
    return Device(
        description=_text(node, "description"),
        vendor=_text(node, "vendor"),
        product=_text(node, "product"),
        bus_info=_text(node, "businfo"),
        driver=_config(node, "driver"),
    )


def _is_camera(node: _Node) -> bool:
    words = f"{_text(node, 'description')} {_text(node, 'product')}".lower()
    return _config(node, "driver") == "uvcvideo" or "camera" in words or "webcam" in words


def _devices(nodes: Iterable[_Node]) -> tuple[Device, ...]:
    return tuple(_device(n) for n in nodes)


def _bluetooth(lshw: _Lshw) -> tuple[Device, ...]:
    return _devices(n for n in lshw.of_class("communication") if "bluetooth" in _capabilities(n))


def _storage_controllers(lshw: _Lshw) -> tuple[Device, ...]:
    """The controllers on the board: not USB sticks nor the kernel's emulated SCSI hosts."""
    return _devices(n for n in lshw.of_class("storage") if _text(n, "businfo").startswith("pci@"))


# ---------------------------------------------------------------------------------------------
# inxi (kept, not parsed here)


def _inxi(run: Run, notes: list[Text]) -> str | None:
    """inxi's JSON text when it printed a JSON list, else None with a note saying why."""
    result = run(INXI_ARGV)
    if result.returncode == 127:
        notes.append(NOTE_INXI_MISSING)
        return None
    try:
        answer = json.loads(result.stdout)
    except ValueError:
        answer = None
    if not isinstance(answer, list):
        notes.append(NOTE_INXI_UNREADABLE)
        return None
    if "superuser required" in result.stdout:  # inxi's stand-in for serials it cannot read
        notes.append(NOTE_INXI_ROOT)
    return result.stdout


# ---------------------------------------------------------------------------------------------


def inventory_this_machine(
    run: Run,
    *,
    sys_root: Path = Path("/sys"),
    proc_root: Path = Path("/proc"),
    drives: Sequence[tuple[str, str]] = (),
) -> MachineInventory:
    """Inventories the machine the station runs on. Never raises for missing sources: what
    cannot be known is empty or None, and `notes` says why.

    `drives` are (path, transport) of the machine's disks: each one's `smartctl -j -a` answer
    is kept in `raw_outputs["smartctl"]`, next to dmidecode's, lshw's and inxi's outputs.
    """
    notes: list[Text] = []
    raw: dict[str, Any] = {}

    def keeping(argv: Sequence[str]) -> ProcessResult:
        result = run(argv)
        if argv[0] in ("dmidecode", "lshw") and result.returncode != 127:
            raw[argv[0]] = result.stdout
        return result

    records = _dmidecode(keeping, notes)
    lshw = _lshw(keeping, notes)
    inxi = _inxi(run, notes)
    if inxi is not None:
        raw["inxi"] = inxi
    answers = [read_smart(path, run, transport=transport).raw for path, transport in drives]
    raw["smartctl"] = [a for a in answers if a]
    ids = _dmi_id(sys_root)
    system = _system(records, ids, lshw)
    batteries = _batteries(sys_root, run, notes)
    if system.chassis_kind == "laptop" and not batteries:
        notes.append(NOTE_NO_BATTERY)
    return MachineInventory(
        system=system,
        bios=_bios(records, ids, lshw),
        baseboard=_baseboard(records, ids, lshw),
        cpu=_cpu(proc_root, sys_root, lshw, notes),
        ram=_ram(records, lshw, proc_root, notes),
        batteries=batteries,
        screens=_screens(sys_root, notes),
        gpus=_devices(lshw.of_class("display")),
        network=_network(sys_root, lshw),
        sound=_devices(n for n in lshw.of_class("multimedia") if not _is_camera(n)),
        cameras=_devices(n for n in lshw.of_class("multimedia") if _is_camera(n)),
        bluetooth=_bluetooth(lshw),
        storage_controllers=_storage_controllers(lshw),
        notes=tuple(notes),
        raw_outputs=raw,
    )
