"""iPhone personas: what a simulated iPhone answers, read from `personas/NAME.toml`.

`[values]` is lockdownd's own domain, `[domains."..."]` the other domains GetValue reads,
`[battery]` the AppleSmartBattery IORegistry entry, `[management]` what MCInstall tells of
its management (`cloud_configuration`: supervision and enrolment, `profiles`: the installed
configuration profiles by identifier), `[behaviour]` how the phone (mis)behaves.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench_app.text import Text

PERSONAS_DIR = Path(__file__).resolve().parent / "personas"
# What lockdownd tells a host it has not paired with (enough to name the phone, never who
# owns it): the rest needs a session. `ideviceinfo -s` (no pairing) shows the time zone and
# clock keys too, and no SerialNumber (libimobiledevice pull request #1505).
PUBLIC_KEYS = frozenset(
    {
        "BasebandCertId", "BasebandSerialNumber", "BasebandVersion", "BluetoothAddress",
        "BoardId", "BuildVersion", "CPUArchitecture", "ChipID", "DeviceClass", "DeviceColor",
        "DeviceName", "DevicePublicKey", "DieID", "FirmwareVersion", "HardwareModel",
        "HardwarePlatform", "HasSiDP", "HumanReadableProductVersionString",
        "PartitionType", "ProductName", "ProductType", "ProductVersion", "ProductionSOC",
        "ProtocolVersion", "TelephonyCapability", "TimeIntervalSince1970", "TimeZone",
        "TimeZoneOffsetFromUTC", "UniqueChipID", "UniqueDeviceID", "Uses24HourClock",
        "WiFiAddress",
    }
)  # fmt: skip


class PersonaError(ValueError):
    """A persona file is missing or inconsistent."""


@dataclass(frozen=True)
class Behaviour:
    """How the simulated iPhone behaves; tests change any flag with `with_flags`."""

    # Pair requests answered "PairingDialogResponsePending" before the user taps Trust;
    # -1: the user never does.
    trust_after_asks: int = 1
    # The cable is pulled once the phone has accepted "erase all content and settings":
    # the host gets no answer; the phone erases anyway and stays away until plugged back.
    unplug_during_erase: bool = False
    erase_seconds: float = 0.3  # how long erasing and restarting keep the phone away
    # "Erase all content and settings" asked from a computer is answered with an error: the
    # phone is erased only from its own Settings (`erase_from_settings`).
    refuses_remote_erase: bool = False

    def with_flags(self, **changes: Any) -> Behaviour:
        """A copy with some flags changed; unknown flags fail."""
        known = {f.name for f in dataclasses.fields(self)}
        if set(changes) - known:
            raise PersonaError(f"unknown behaviour flags: {sorted(set(changes) - known)}")
        return dataclasses.replace(self, **changes)


@dataclass(frozen=True)
class IPhonePersona:
    """One iPhone model and its state."""

    name: str
    description: str
    values: dict[str, Any]
    domains: dict[str, dict[str, Any]]
    battery: dict[str, Any]
    behaviour: Behaviour = field(default_factory=Behaviour)
    management: dict[str, Any] = field(default_factory=dict)
    caption: Text | None = None

    @property
    def udid(self) -> str:
        return str(self.values["UniqueDeviceID"])

    @property
    def serial(self) -> str:
        return str(self.values["SerialNumber"])

    @property
    def product_type(self) -> str:
        return str(self.values["ProductType"])

    def another(self, serial: str) -> IPhonePersona:
        """Another phone of this model (a class's next round): its serial, and a UDID and
        IMEI that follow from it, so the station sees a new device."""
        from bench_app.simulators.adb_phone.persona import imei_for

        digest = hashlib.sha256(serial.encode()).hexdigest().upper()
        chip = self.udid.split("-")[0]
        values = {**self.values, "SerialNumber": serial,
                  "UniqueDeviceID": f"{chip}-{digest[:16]}",
                  "InternationalMobileEquipmentIdentity": imei_for(serial)}  # fmt: skip
        values.pop("InternationalMobileEquipmentIdentity2", None)
        return dataclasses.replace(self, values=values)


REQUIRED = ("UniqueDeviceID", "SerialNumber", "ProductType", "ProductVersion", "BuildVersion",
            "DeviceClass", "ActivationState")  # fmt: skip


def list_personas() -> list[str]:
    """Every persona name, sorted."""
    return sorted(p.stem for p in PERSONAS_DIR.glob("*.toml"))


def load_persona(name: str) -> IPhonePersona:
    """Reads `personas/NAME.toml`; PersonaError if absent or incomplete."""
    path = PERSONAS_DIR / f"{name}.toml"
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", name) or not path.is_file():
        raise PersonaError(f"no iPhone persona named {name!r}")
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    values = dict(data.get("values", {}))
    missing = [key for key in REQUIRED if key not in values]
    if missing:
        raise PersonaError(f"{name}: missing values {missing}")
    behaviour = Behaviour().with_flags(**data.get("behaviour", {}))
    caption = data.get("caption")
    return IPhonePersona(
        name=name,
        description=str(data.get("description", "")),
        values=values,
        domains={str(k): dict(v) for k, v in data.get("domains", {}).items()},
        battery=dict(data.get("battery", {})),
        behaviour=behaviour,
        management=dict(data.get("management", {})),
        caption=Text(caption["fr"], caption["en"]) if caption else None,
    )
