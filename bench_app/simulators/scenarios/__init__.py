"""Classroom scenarios: a named set of simulated devices a trainer plugs in at once, each
showing one hard case of a device's journey (a drive with bad sectors, a phone locked by a
Google account, a cable pulled during a flash...).

Each scenario is a TOML file in this folder (the file's name, without `.toml`, is the
scenario's name). It is checked field by field when loaded: a wrong file is refused whole
with BenchError(SCENARIO_INVALID) naming the file and the field, never half-plugged.

    order = 1                                   # place in the menu
    printer = "brother"                         # the class's label printer: brother or zebra
    [title]   fr = "Découverte"   en = "Discovery"
    [summary] fr = "…"            en = "…"
    [[device]]
    kind = "phone"        # phone: a simulated ADB phone; handset: a whole phone with its
                          # bootloader (installation); drive: a docked drive (image file);
                          # iphone: a simulated iPhone behind the class's own usbmuxd;
                          # stick_laptop: a laptop started from the Établi stick (its agent
                          # on loopback, simulators/stick_laptop.py; persona "thinkpad-t470")
    persona = "frp-locked"
    serial = "…"          # optional; a drive's image file is named after it
    behaviour = "failing" # drives only: healthy, failing, slow, end_of_life, unplugged_mid_erasure
    [device.flags]        # phones only: behaviour flags of the ADB simulator
    [device.faults]       # handsets only: bootloader faults (BootloaderFaults' fields)
    [device.caption]      # optional: the case shown on the card (else the persona's)
    [device.laptop]       # drives only, optional: the donated laptop it was taken out of,
                          # registered at the station (brand, model, serial)

A scenario about the workshop's records rather than one device names a seed (`seed =
"loan"`, one of SEEDS): what it needs besides its devices — a donation, a beneficiary, a
device already lent, a failed check, the class's trainer — recorded in the training data
when it is played (bench_app/class_seeds.py), never in the real workshop's.
"""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from bench_app.errors import BenchError
from bench_app.text import Text

SCENARIOS_DIR = Path(str(resources.files(__package__)))
KINDS = ("phone", "handset", "drive", "iphone", "stick_laptop")
STICK_LAPTOP_PERSONAS = ("thinkpad-t470",)  # simulators/stick_laptop.py's laptop
PRINTERS = ("brother", "zebra")
_TOP_KEYS = {"title", "summary", "order", "printer", "device", "seed"}
# The records a scenario may have set up when played (bench_app/class_seeds.py does it):
# a loan to take back and a device to lend; a donation whose labels are scanned; a failed
# check a trainer overrides.
SEEDS = ("loan", "lot", "approval")
_DEVICE_KEYS = {"kind", "persona", "serial", "behaviour", "flags", "faults", "caption", "laptop"}
_LAPTOP_KEYS = ("brand", "model", "serial")


@dataclass(frozen=True)
class ScenarioLaptop:
    """A donated laptop whose disk is a scenario's docked drive (the trainee links them)."""

    brand: str
    model: str
    serial: str


@dataclass(frozen=True)
class ScenarioDevice:
    """One device of a scenario, as its file describes it."""

    kind: str
    persona: str
    serial: str | None = None
    behaviour: str = "healthy"  # a drive's DriveBehaviour
    flags: dict[str, Any] = field(default_factory=dict)  # a phone's behaviour flags
    faults: dict[str, Any] = field(default_factory=dict)  # a handset's bootloader faults
    caption: Text | None = None
    laptop: ScenarioLaptop | None = None  # a drive taken out of this donated laptop


@dataclass(frozen=True)
class Scenario:
    """A named classroom set: what the trainer picks in the « Scénarios » menu."""

    name: str
    title: Text
    summary: Text
    devices: tuple[ScenarioDevice, ...]
    order: int = 100
    printer: str = "brother"
    path: Path | None = None
    seed: str = ""  # one of SEEDS: the records it sets up in the training data


def scenario_files(folder: Path = SCENARIOS_DIR) -> list[Path]:
    """Every scenario file of `folder`, by name."""
    return sorted(folder.glob("*.toml"))


def load_scenarios(folder: Path = SCENARIOS_DIR) -> list[Scenario]:
    """Every scenario of `folder`, in menu order; BenchError(SCENARIO_INVALID) on the first
    wrong file."""
    return sorted(
        (load_scenario(path) for path in scenario_files(folder)), key=lambda s: (s.order, s.name)
    )


def find_scenario(name: str, folder: Path = SCENARIOS_DIR) -> Scenario:
    """The scenario called `name` (its file name, or its title in either language, in any
    case); BenchError(SCENARIO_UNKNOWN) listing the known ones."""
    wanted = name.strip().casefold()
    scenarios = load_scenarios(folder)
    for scenario in scenarios:
        if wanted in (
            scenario.name.casefold(),
            scenario.title.fr.casefold(),
            scenario.title.en.casefold(),
        ):
            return scenario
    raise BenchError(
        "SCENARIO_UNKNOWN", name=name, known=", ".join(s.name for s in scenarios) or "—"
    )


class _Invalid(Exception):
    def __init__(self, field_name: str, detail: str) -> None:
        super().__init__(detail)
        self.field = field_name
        self.detail = detail


def load_scenario(path: Path) -> Scenario:
    """The scenario in the TOML file `path`, checked field by field (personas, behaviours,
    flags and faults must exist); BenchError(SCENARIO_INVALID) names the file and field."""
    try:
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            raise _Invalid("—", str(exc)) from exc
        except tomllib.TOMLDecodeError as exc:
            raise _Invalid("—", f"not TOML: {exc}") from exc
        return _scenario(path, raw)
    except _Invalid as exc:
        raise BenchError(
            "SCENARIO_INVALID", path=str(path), field=exc.field, detail=exc.detail
        ) from exc


def _scenario(path: Path, raw: dict[str, Any]) -> Scenario:
    unknown = sorted(set(raw) - _TOP_KEYS)
    if unknown:
        raise _Invalid(unknown[0], "unknown field")
    order = raw.get("order", 100)
    if not isinstance(order, int) or isinstance(order, bool):
        raise _Invalid("order", "must be a whole number")
    printer = raw.get("printer", "brother")
    if printer not in PRINTERS:
        raise _Invalid("printer", f"must be one of {', '.join(PRINTERS)}")
    seed = raw.get("seed", "")
    if seed not in ("", *SEEDS):
        raise _Invalid("seed", f"must be one of {', '.join(SEEDS)}")
    devices = raw.get("device")
    if not isinstance(devices, list) or not devices:
        raise _Invalid("device", "a scenario needs at least one [[device]]")
    return Scenario(
        name=path.stem,
        title=_text(raw.get("title"), "title", required=True),
        summary=_text(raw.get("summary"), "summary", required=True),
        devices=tuple(_device(entry, f"device[{i + 1}]") for i, entry in enumerate(devices)),
        order=order,
        printer=printer,
        path=path,
        seed=seed,
    )


def _text(value: Any, where: str, *, required: bool = False) -> Text:
    if value is None and not required:
        return Text("", "")
    if not isinstance(value, dict):
        raise _Invalid(where, "needs a French and an English text (fr, en)")
    for lang in ("fr", "en"):
        text = value.get(lang)
        if not isinstance(text, str) or not text.strip():
            raise _Invalid(f"{where}.{lang}", "missing or empty")
    extra = sorted(set(value) - {"fr", "en"})
    if extra:
        raise _Invalid(f"{where}.{extra[0]}", "unknown field")
    return Text(value["fr"], value["en"])


def _device(entry: Any, where: str) -> ScenarioDevice:
    from bench_app.simulators.adb_phone.persona import Behaviour, PersonaError, load_persona
    from bench_app.simulators.bootloader.bootloader import BootloaderFaults
    from bench_app.simulators.docked_drive import DriveBehaviour, drive_persona

    if not isinstance(entry, dict):
        raise _Invalid(where, "must be a table")
    unknown = sorted(set(entry) - _DEVICE_KEYS)
    if unknown:
        raise _Invalid(f"{where}.{unknown[0]}", "unknown field")
    kind = entry.get("kind")
    if kind not in KINDS:
        raise _Invalid(f"{where}.kind", f"must be one of {', '.join(KINDS)}")
    persona = entry.get("persona")
    if not isinstance(persona, str) or not persona:
        raise _Invalid(f"{where}.persona", "missing")
    serial = entry.get("serial")
    if serial is not None and (not isinstance(serial, str) or not serial.isalnum()):
        raise _Invalid(f"{where}.serial", "letters and digits only")
    caption = _text(entry["caption"], f"{where}.caption") if "caption" in entry else None
    laptop = _laptop(entry["laptop"], f"{where}.laptop") if "laptop" in entry else None
    for name, allowed in (
        ("behaviour", "drive"),
        ("flags", "phone"),
        ("faults", "handset"),
        ("laptop", "drive"),
    ):
        if name in entry and kind != allowed:
            raise _Invalid(f"{where}.{name}", f"only for a {allowed}")
    behaviour = entry.get("behaviour", "healthy")
    flags = entry.get("flags", {})
    faults = entry.get("faults", {})
    if kind == "drive":
        try:
            drive_persona(persona)
        except KeyError:
            raise _Invalid(f"{where}.persona", f"no drive persona {persona!r}") from None
        if behaviour not in {b.value for b in DriveBehaviour}:
            raise _Invalid(
                f"{where}.behaviour", f"must be one of {', '.join(b.value for b in DriveBehaviour)}"
            )
    elif kind == "stick_laptop":
        if persona not in STICK_LAPTOP_PERSONAS:
            raise _Invalid(f"{where}.persona", f"must be one of {', '.join(STICK_LAPTOP_PERSONAS)}")
    elif kind == "iphone":
        from bench_app.simulators.iphone import PersonaError as IPhonePersonaError
        from bench_app.simulators.iphone import load_persona as load_iphone

        try:
            load_iphone(persona)
        except IPhonePersonaError as exc:
            raise _Invalid(f"{where}.persona", str(exc)) from None
    else:
        try:
            load_persona(persona)
        except PersonaError as exc:
            raise _Invalid(f"{where}.persona", str(exc)) from None
    if not isinstance(flags, dict):
        raise _Invalid(f"{where}.flags", "must be a table")
    try:
        Behaviour.from_mapping(flags)
    except (PersonaError, TypeError, ValueError) as exc:
        raise _Invalid(f"{where}.flags", str(exc)) from None
    if not isinstance(faults, dict):
        raise _Invalid(f"{where}.faults", "must be a table")
    known_faults = {f.name: f for f in dataclasses.fields(BootloaderFaults)}
    for key, value in faults.items():
        if key not in known_faults:
            raise _Invalid(f"{where}.faults.{key}", "unknown fault")
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise _Invalid(f"{where}.faults.{key}", "must be a number or a text")
    return ScenarioDevice(
        kind=kind,
        persona=persona,
        serial=serial,
        behaviour=behaviour,
        flags=dict(flags),
        faults=dict(faults),
        caption=caption,
        laptop=laptop,
    )


def _laptop(entry: Any, where: str) -> ScenarioLaptop:
    if not isinstance(entry, dict):
        raise _Invalid(where, "must be a table")
    unknown = sorted(set(entry) - set(_LAPTOP_KEYS))
    if unknown:
        raise _Invalid(f"{where}.{unknown[0]}", "unknown field")
    for key in _LAPTOP_KEYS:
        if not isinstance(entry.get(key), str) or not entry[key].strip():
            raise _Invalid(f"{where}.{key}", "missing")
    if not entry["serial"].isalnum():
        raise _Invalid(f"{where}.serial", "letters and digits only")
    return ScenarioLaptop(entry["brand"], entry["model"], entry["serial"])
