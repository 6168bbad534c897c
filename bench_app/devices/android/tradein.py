"""Android 16 trade-in mode: what `tradeinmode getstatus` answers, read field by field.

A factory-reset phone at its setup screen (Android 16 or later, user build, no network, no
account) runs a restricted adbd: no "Allow USB debugging?" dialog, and the only command it
accepts is `tradeinmode` with simple arguments. `tradeinmode getstatus` prints one JSON
object (battery, storage, locks, product, IMEIs, serial...); `tradeinmode evaluate` leaves
the setup screen for an evaluation mode with a full shell, and forces a factory reset at the
next boot. Fields differ between makers and versions: every field here may be missing, and
a field of the wrong type is set aside (named in `problems`), never guessed. Only an answer
that holds no JSON object at all is refused (AndroidParseError)."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bench_app.devices.android.parsers import AndroidParseError
from bench_app.domain.imei import is_valid_imei, normalise_imei

# BatteryManager's health constants, which `battery.state` carries.
BATTERY_STATES = {
    1: "unknown",
    2: "good",
    3: "overheat",
    4: "dead",
    5: "over_voltage",
    6: "unspecified_failure",
    7: "cold",
}
# The words newer builds may print instead of the number.
_STATE_WORDS = frozenset(BATTERY_STATES.values()) | {"fair", "not_available", "inconsistent"}
# Dates before this are a phone's "unknown" (0, 1970...), not a real day.
_EARLIEST_DATE = datetime(2005, 1, 1, tzinfo=UTC).timestamp()
_LATEST_DATE = datetime(2100, 1, 1, tzinfo=UTC).timestamp()


@dataclass(frozen=True)
class TradeInStatus:
    """One `tradeinmode getstatus` answer. None: the phone did not say (or said nonsense,
    then the field's name is in `problems`)."""

    battery_cycle_count: int | None = None
    battery_health_percent: int | None = None  # state of health, 0..100
    battery_state: str | None = None  # good, overheat, dead... (BATTERY_STATES)
    battery_manufacturing_date: str | None = None  # ISO date (YYYY-MM-DD)
    battery_first_usage_date: str | None = None
    storage_lifetime_remaining_percent: int | None = None  # useful lifetime left, 0..100
    storage_capacity_bytes: int | None = None
    launch_level: int | None = None  # the API level the phone shipped with
    frp_locked: bool | None = None  # factory reset protection: locked to an account
    brand: str | None = None
    manufacturer: str | None = None
    model: str | None = None
    device: str | None = None
    name: str | None = None
    imeis: tuple[str, ...] = ()
    serial: str | None = None
    problems: tuple[str, ...] = field(default=())  # fields present but not understood

    @property
    def imei(self) -> str | None:
        """The first valid IMEI (the one a label carries)."""
        return self.imeis[0] if self.imeis else None


def parse_getstatus(text: str) -> TradeInStatus:
    """Reads a `tradeinmode getstatus` answer. Text before the JSON object (a warning the
    tool printed) is skipped. AndroidParseError when no JSON object can be read."""
    start = text.find("{")
    if start < 0:
        raise AndroidParseError("no JSON object in the trade-in status")
    try:
        data, _ = json.JSONDecoder().raw_decode(text, start)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise AndroidParseError(f"trade-in status is not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise AndroidParseError("trade-in status is not a JSON object")
    problems: list[str] = []
    battery = _section(data, "battery", problems)
    storage = _section(data, "storage", problems)
    locks = _section(data, "locks", problems)
    product = _section(data, "product", problems)
    state = battery.get("state")
    return TradeInStatus(
        battery_cycle_count=_count(battery, "cycle_count", "battery.cycle_count", problems),
        battery_health_percent=_percent(battery, "health", "battery.health", problems),
        battery_state=_battery_state(state, problems) if state is not None else None,
        battery_manufacturing_date=_date(
            battery, "manufacturing_date", "battery.manufacturing_date", problems
        ),
        battery_first_usage_date=_date(
            battery, "first_usage_date", "battery.first_usage_date", problems
        ),
        storage_lifetime_remaining_percent=_percent(
            storage, "useful_lifetime_remaining", "storage.useful_lifetime_remaining", problems
        ),
        storage_capacity_bytes=_count(
            storage, "capacity_bytes", "storage.capacity_bytes", problems
        ),
        launch_level=_count(data, "launch_level", "launch_level", problems),
        frp_locked=_flag(locks, "factory_reset_protection", problems),
        brand=_text(product, "brand", problems),
        manufacturer=_text(product, "manufacturer", problems),
        model=_text(product, "model", problems),
        device=_text(product, "device", problems),
        name=_text(product, "name", problems),
        imeis=_imeis(data.get("imeis"), problems),
        serial=_text(data, "serial", problems, where=""),
        problems=tuple(problems),
    )


def _section(data: dict[str, Any], key: str, problems: list[str]) -> dict[str, Any]:
    value = data.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        problems.append(key)
        return {}
    return value


def _integer(value: Any) -> int | None:
    """A whole number given as a JSON number or a decimal string ("128000000000")."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        return int(value.strip())
    return None


def _count(section: dict[str, Any], key: str, name: str, problems: list[str]) -> int | None:
    if section.get(key) is None:
        return None
    value = _integer(section[key])
    if value is None or value < 0:
        problems.append(name)
        return None
    return value


def _percent(section: dict[str, Any], key: str, name: str, problems: list[str]) -> int | None:
    value = _count(section, key, name, problems)
    if value is not None and value > 100:
        problems.append(name)
        return None
    return value


def _battery_state(value: Any, problems: list[str]) -> str | None:
    number = _integer(value)
    if number is not None and number in BATTERY_STATES:
        return BATTERY_STATES[number]
    if isinstance(value, str) and value.strip().lower() in _STATE_WORDS:
        return value.strip().lower()
    problems.append("battery.state")
    return None


def _date(section: dict[str, Any], key: str, name: str, problems: list[str]) -> str | None:
    """Seconds since 1970 as an ISO date; 0 (the phone does not know) is None."""
    if section.get(key) is None:
        return None
    seconds = _integer(section[key])
    if seconds is None or seconds < 0:
        problems.append(name)
        return None
    if seconds == 0:
        return None
    if not _EARLIEST_DATE <= seconds < _LATEST_DATE:
        problems.append(name)
        return None
    return datetime.fromtimestamp(seconds, UTC).date().isoformat()


def _flag(section: dict[str, Any], key: str, problems: list[str]) -> bool | None:
    value = section.get(key)
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    problems.append(f"locks.{key}")
    return None


def _text(
    section: dict[str, Any], key: str, problems: list[str], where: str = "product."
) -> str | None:
    value = section.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.isprintable() or len(value) > 200:
        problems.append(f"{where}{key}")
        return None
    return value.strip() or None


def _imeis(value: Any, problems: list[str]) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        problems.append("imeis")
        return ()
    found: list[str] = []
    for item in value:
        if isinstance(item, str) and is_valid_imei(item):
            imei = normalise_imei(item)
            if imei not in found:
                found.append(imei)
        elif item not in ("", None):  # an empty slot is normal on a single-SIM phone
            problems.append("imeis")
    return tuple(found)


def readings(status: TradeInStatus) -> dict[str, Any]:
    """The status in the words the phone check's readings use (battery, storage, locks)."""
    return {
        "battery": {
            "cycle_count": status.battery_cycle_count,
            "capacity_ratio": (
                status.battery_health_percent / 100
                if status.battery_health_percent is not None
                else None
            ),
            "capacity_source": "tradeinmode battery.health"
            if status.battery_health_percent is not None
            else None,
            "health": status.battery_state,
            "manufacturing_date": status.battery_manufacturing_date,
            "first_usage_date": status.battery_first_usage_date,
        },
        "storage": {
            "capacity_bytes": status.storage_capacity_bytes,
            "useful_lifetime_remaining": status.storage_lifetime_remaining_percent,
        },
        "frp_locked": status.frp_locked,
    }
