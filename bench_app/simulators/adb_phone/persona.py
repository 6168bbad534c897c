"""Personas: the phones the simulator can pretend to be, read from data files.

Each persona is a folder under `personas/` with a `persona.toml` (description, serial, IMEI,
behaviour flags, optional `base` persona it extends) and the text a real phone would print
(`getprop.txt`, `battery.txt`, `accounts.txt`...). `{serial}` and `{imei}` in those texts are
replaced by the persona's own values, so a variant of a model gets its own identity.
"""

from __future__ import annotations

import dataclasses
import hashlib
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench_app.domain.imei import luhn_digit
from bench_app.text import Text

PERSONAS_DIR = Path(__file__).resolve().parent / "personas"

# What each shell command reads: the file a persona (or its base) must provide.
TEXT_FILES = {
    "getprop": "getprop.txt",
    "battery": "battery.txt",
    "accounts": "accounts.txt",
    "device_policy": "device_policy.txt",
    "df": "df.txt",
    "meminfo": "meminfo.txt",
    "features": "features.txt",
    "sensors": "sensors.txt",
    "camera": "camera.txt",
}
# Texts only some phones have: `tradeinmode getstatus` (Android 16 and later).
OPTIONAL_TEXT_FILES = {
    "tradein_status": "tradein-status.json",
}


class PersonaError(ValueError):
    """A persona folder is missing or its files are inconsistent."""


@dataclass(frozen=True)
class Behaviour:
    """How the simulated phone (mis)behaves; every flag combines with every other."""

    require_auth: bool = True  # the phone asks the host to prove its RSA key
    unauthorized: bool = False  # the user never taps "Allow": new keys are never accepted
    accept_delay: float = 0.5  # seconds before a new key is accepted, as if the user tapped
    unplug_mid_command: bool = False  # the cable goes half-way through a shell reply
    # The cable is pulled (the daemon stops) half-way through the Nth shell command, once;
    # the trainer plugs it back with start().
    unplug_after_commands: int | None = None
    garbage: bool = False  # the phone answers the handshake with bytes that are not ADB
    silent: bool = False  # handshake works, then every OPEN goes unanswered
    slow: tuple[float, float] | None = None  # each reply waits a random time in this range
    boot_delay: float = 1.0  # seconds a reboot keeps the phone away (recovery, system...)
    # After a factory reset USB debugging stays on (userdebug builds, some vendors); on stock
    # phones it goes off, and the bench can no longer reach the phone until someone turns it on.
    adb_after_wipe: bool = False
    # The cable is pulled after the recovery has been sent this many sideload blocks.
    sideload_unplug_after_blocks: int | None = None
    # Android 16+ user build, factory reset, at its setup screen: adbd runs in trade-in mode
    # (no key to allow, only `tradeinmode` commands) until evaluation mode is entered.
    trade_in: bool = False

    @classmethod
    def from_mapping(cls, values: dict[str, Any], base: Behaviour | None = None) -> Behaviour:
        """Builds behaviour flags from a TOML table, on top of `base`; unknown keys fail."""
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = set(values) - known
        if unknown:
            raise PersonaError(f"unknown behaviour flags: {sorted(unknown)}")
        changes = dict(values)
        if "slow" in changes:
            slow = changes["slow"]
            if slow is True:
                changes["slow"] = (1.0, 3.0)
            elif slow is False:
                changes["slow"] = None
            else:
                low, high = (float(x) for x in slow)
                changes["slow"] = (low, high)
        return dataclasses.replace(base or cls(), **changes)

    def with_flags(self, **changes: Any) -> Behaviour:
        """A copy with some flags changed (tests turn faults on for any persona)."""
        return Behaviour.from_mapping(changes, self)


@dataclass(frozen=True)
class Persona:
    """A phone model and its state: properties, command outputs, settings and behaviour."""

    name: str
    description: str
    serial: str
    imei: str
    props: dict[str, str]
    texts: dict[str, str]
    settings: dict[str, dict[str, str]] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)
    screen_size: str = "1080x2340"
    rooted: bool = False
    behaviour: Behaviour = field(default_factory=Behaviour)
    # The case a trainer shows with it, in a few words (`[caption]` fr/en): on its card.
    caption: Text | None = None

    @property
    def brand(self) -> str:
        return self.props.get("ro.product.brand", "")

    @property
    def model(self) -> str:
        return self.props.get("ro.product.model", "")

    @property
    def device(self) -> str:
        return self.props.get("ro.product.device", "")

    @property
    def product_name(self) -> str:
        return self.props.get("ro.product.name", "")

    @property
    def android_release(self) -> str:
        return self.props.get("ro.build.version.release", "")

    @property
    def sdk(self) -> int:
        return int(self.props.get("ro.build.version.sdk", "0") or 0)

    def getprop_text(self) -> str:
        """What `getprop` prints: every property as `[key]: [value]`, sorted like Android."""
        return "".join(f"[{k}]: [{v}]\n" for k, v in sorted(self.props.items()))

    def with_behaviour(self, **flags: Any) -> Persona:
        """The same phone with some behaviour flags changed."""
        return dataclasses.replace(self, behaviour=self.behaviour.with_flags(**flags))


def parse_getprop(text: str) -> dict[str, str]:
    """Parses `[key]: [value]` lines (one per line, as `getprop` prints them)."""
    props: dict[str, str] = {}
    for line in text.splitlines():
        line = line.strip()
        if not line.startswith("[") or "]: [" not in line or not line.endswith("]"):
            continue
        key, value = line[1:-1].split("]: [", 1)
        props[key] = value
    return props


def imei_for(serial: str) -> str:
    """A stable, Luhn-valid IMEI for a simulated phone's serial."""
    body = f"35{int(hashlib.sha256(serial.encode()).hexdigest(), 16) % 10**12:012d}"
    return body + luhn_digit(body)


def list_personas() -> list[str]:
    """The names of every persona shipped with the simulator, sorted."""
    return sorted(p.parent.name for p in PERSONAS_DIR.glob("*/persona.toml"))


def list_models() -> list[str]:
    """The personas that are plain phone models; the others build a hard case on one."""
    return [
        name
        for name in list_personas()
        if "base" not in tomllib.loads((PERSONAS_DIR / name / "persona.toml").read_text("utf-8"))
    ]


def load_persona(name: str, serial: str | None = None, imei: str | None = None) -> Persona:
    """Loads a persona by folder name, following its `base`; raises PersonaError if unknown.
    `serial`/`imei` make another phone of the same model (a donation of identical phones)."""
    raw = _raw(name, seen=())
    missing = [TEXT_FILES[k] for k in TEXT_FILES if k not in raw["texts"]]
    if missing:
        raise PersonaError(f"persona {name!r} lacks {', '.join(missing)}")
    serial = serial or str(raw.get("serial", ""))
    imei = imei or str(raw.get("imei", ""))
    if not serial or not imei:
        raise PersonaError(f"persona {name!r} needs a serial and an IMEI")

    def fill(text: str) -> str:
        return text.replace("{serial}", serial).replace("{imei}", imei)

    texts = {k: fill(v) for k, v in raw["texts"].items()}
    props = parse_getprop(texts.pop("getprop"))
    props.update({k: fill(v) for k, v in raw["props"].items()})
    return Persona(
        name=name,
        description=str(raw.get("description", "")),
        serial=serial,
        imei=imei,
        props=props,
        texts=texts,
        settings=raw["settings"],
        files={k: fill(v) for k, v in raw["files"].items()},
        screen_size=str(raw.get("screen_size", "1080x2340")),
        rooted=bool(raw.get("rooted", False)),
        behaviour=Behaviour.from_mapping(raw["behaviour"]),
        caption=_caption(raw.get("caption")),
    )


def _caption(value: Any) -> Text | None:
    """A persona's `[caption]` table (fr and en) as a Text; None when it has none."""
    if value is None:
        return None
    if not isinstance(value, dict) or not all(isinstance(value.get(k), str) for k in ("fr", "en")):
        raise PersonaError("a caption needs a French and an English text (fr, en)")
    return Text(value["fr"], value["en"])


def _raw(name: str, seen: tuple[str, ...]) -> dict[str, Any]:
    """A persona's data merged over its base chain, before `{serial}`/`{imei}` are filled."""
    folder = PERSONAS_DIR / name
    toml_path = folder / "persona.toml"
    if name in seen:
        raise PersonaError(f"persona {name!r} extends itself through {seen}")
    if name not in list_personas():  # never a path: only the shipped personas' names
        raise PersonaError(f"unknown persona {name!r}; known: {', '.join(list_personas())}")
    with toml_path.open("rb") as f:
        data = tomllib.load(f)
    base_name = data.get("base")
    if base_name:
        raw = _raw(str(base_name), (*seen, name))
        raw.pop("description", None)
        raw.pop("caption", None)  # the case is the persona's own, never its base's
    else:
        raw = {"texts": {}, "props": {}, "settings": {}, "files": {}, "behaviour": {}}
    for key in ("description", "serial", "imei", "screen_size", "rooted", "caption"):
        if key in data:
            raw[key] = data[key]
    for key, filename in (TEXT_FILES | OPTIONAL_TEXT_FILES).items():
        path = folder / filename
        if path.is_file():
            raw["texts"][key] = path.read_text(encoding="utf-8")
            if key == "getprop":
                raw["props"] = {}  # a persona's own getprop.txt replaces its base's overrides
    raw["props"].update({str(k): str(v) for k, v in data.get("props", {}).items()})
    for ns, values in data.get("settings", {}).items():
        raw["settings"].setdefault(str(ns), {}).update({str(k): str(v) for k, v in values.items()})
    raw["files"].update({str(k): str(v) for k, v in data.get("files", {}).items()})
    raw["behaviour"].update(data.get("behaviour", {}))
    return raw
