"""What the bench reads from a phone over ADB: each function runs the commands, keeps the
raw output as evidence, and returns the parsed facts. Every reading tolerates a phone that
does not expose a field (older Android, a vendor that hides it): the field is then None."""

from __future__ import annotations

import dataclasses
from typing import Any

from bench_app.devices.android import parsers, tradein
from bench_app.devices.android.driver import AndroidPhone, TradeIn
from bench_app.devices.source import DeviceNoAnswer
from bench_app.domain.facts import wire_form

# `service call iphonesubinfo` codes for getDeviceId / getImeiForSubscriber differ by version;
# recent Android refuses them to the shell, and the operator then types the IMEI.
_IMEI_CALLS = (
    "service call iphonesubinfo 1",
    "service call iphonesubinfo 1 s16 com.android.shell",
    "service call iphonesubinfo 4 i32 0 s16 com.android.shell",
)


def as_json(value: Any) -> Any:
    """Dataclasses, sets and enums turned into plain JSON for the evidence; a fraction (a
    percentage, a temperature) becomes a decimal string, as facts carry it (domain/facts)."""
    if isinstance(value, float):
        return wire_form(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {k: as_json(v) for k, v in dataclasses.asdict(value).items()}
    if isinstance(value, dict):
        return {str(k): as_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [as_json(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted(as_json(v) for v in value)
    if hasattr(value, "value") and not isinstance(value, int | float | str | bool):
        return as_json(value.value)
    return value


def _parse(parser: Any, text: str, what: str) -> Any:
    try:
        return parser(text)
    except parsers.AndroidParseError as exc:
        raise DeviceNoAnswer(f"{what}: {exc}") from exc


RAW_KEPT = 64 * 1024  # a status is ~1 KiB; a babbling phone's answer is kept this far


def trade_in(phone: AndroidPhone) -> dict[str, Any]:
    """`tradeinmode getstatus`, read and kept: `status` (TradeInStatus as JSON, None when the
    answer holds no JSON object: `error` then says why), `problems` (fields present but not
    understood) and `raw`, the phone's own words."""
    raw = phone.trade_in_status()
    try:
        status = tradein.parse_getstatus(raw)
    except parsers.AndroidParseError as exc:
        return {"status": None, "error": str(exc), "problems": [], "raw": raw[:RAW_KEPT]}
    return {
        "status": as_json(status),
        "readings": as_json(tradein.readings(status)),
        "error": None,
        "problems": list(status.problems),
        "raw": raw[:RAW_KEPT],
    }


def _trade_in_identity(phone: AndroidPhone) -> dict[str, Any]:
    evidence = trade_in(phone)
    status = evidence["status"] or {}
    found = {
        "brand": status.get("brand"),
        "manufacturer": status.get("manufacturer"),
        "model": status.get("model"),
        "codename": status.get("device"),
        "product_name": status.get("name"),
        "imeis": status.get("imeis") or None,
        "launch_level": status.get("launch_level"),
        "trade_in": phone.trade_in.value,
    }
    result = {k: v for k, v in found.items() if v not in (None, "", [])}
    result["serial"] = status.get("serial") or ""
    result["imei"] = (status.get("imeis") or [""])[0]
    if evidence["error"]:
        result["trade_in_error"] = evidence["error"]
    return result


def identity(phone: AndroidPhone) -> dict[str, Any]:
    if phone.trade_in_mode() is TradeIn.FOYER:  # at the setup screen only the status answers
        return _trade_in_identity(phone)
    props = phone.props()
    ident = parsers.identity_from_props(props)
    result = as_json(ident)
    if not result.get("imei"):
        result["imei"] = read_imei(phone) or ""
    result["serial"] = result.get("serial") or ""
    return {k: v for k, v in result.items() if v not in (None, "", [], {})} | {
        "imei": result["imei"],
        "serial": result["serial"],
    }


def read_imei(phone: AndroidPhone) -> str | None:
    for command in _IMEI_CALLS:
        try:
            imei = parsers.parse_service_call_imei(phone.shell(command, timeout_s=5))
        except DeviceNoAnswer:
            continue
        if imei:
            return imei
    return None


def battery(phone: AndroidPhone) -> dict[str, Any]:
    if phone.trade_in_mode() is not TradeIn.NONE:
        evidence = trade_in(phone)
        reading = (evidence.get("readings") or {}).get("battery")
        return {"reading": reading, "source": "tradeinmode"} | _kept(evidence)
    raw = phone.shell("dumpsys battery")
    reading = _parse(parsers.parse_battery, raw, "dumpsys battery")
    return {"reading": as_json(reading), "raw": raw}


def _kept(evidence: dict[str, Any]) -> dict[str, Any]:
    """What every reading taken from the trade-in status keeps as evidence."""
    return {k: evidence[k] for k in ("raw", "error", "problems")}


def accounts(phone: AndroidPhone) -> dict[str, Any]:
    if phone.trade_in_mode() is not TradeIn.NONE:
        # A reset phone has no account left; the status says whether FRP still holds it.
        evidence = trade_in(phone)
        readings = evidence.get("readings") or {}
        return {
            "google_accounts": 0,
            "accounts": [],
            "device_owner": None,
            "work_profile": False,
            "frp_locked": readings.get("frp_locked"),
            "source": "tradeinmode",
        } | _kept(evidence)
    raw_accounts = phone.shell("dumpsys account")
    found = _parse(parsers.parse_accounts, raw_accounts, "dumpsys account")
    raw_policy = phone.shell("dumpsys device_policy")
    policy = _parse(parsers.parse_device_policy, raw_policy, "dumpsys device_policy")
    google = parsers.google_accounts(found)
    return {
        "google_accounts": len(google),
        "accounts": [a.type for a in found],  # account names are personal: types only
        # A work profile is wiped by a reset; only a device owner (MDM) keeps its hold.
        "device_owner": policy.device_owner if policy.has_device_owner else None,
        "work_profile": policy.has_profile_owner,
        "policy": as_json(policy),
        "raw_policy": raw_policy[:20000],
    }


def storage(phone: AndroidPhone) -> dict[str, Any]:
    if phone.trade_in_mode() is TradeIn.FOYER:
        evidence = trade_in(phone)
        told = (evidence.get("readings") or {}).get("storage") or {}
        return {
            "total_bytes": told.get("capacity_bytes"),
            "free_bytes": None,
            "ram_bytes": None,
            # Android 16 phones all encrypt their data (file-based encryption is mandatory
            # since Android 10), but the status does not say it: not claimed here.
            "encrypted": None,
            "useful_lifetime_remaining": told.get("useful_lifetime_remaining"),
            "source": "tradeinmode",
        } | _kept(evidence)
    raw = phone.shell("df -k /data")
    mounts = _parse(parsers.parse_df, raw, "df")
    data = parsers.data_partition(mounts)
    security = parsers.security_from_props(phone.props())
    memory_raw = phone.shell("cat /proc/meminfo")
    found: dict[str, Any] = {}
    if phone.trade_in_mode() is TradeIn.EVALUATION:  # the storage's wear only the status gives
        status = trade_in(phone)
        lifetime = ((status.get("readings") or {}).get("storage") or {}).get(
            "useful_lifetime_remaining"
        )
        found = {"useful_lifetime_remaining": lifetime, "raw_tradein": status["raw"]}
    return found | {
        "data": as_json(data),
        "total_bytes": data.size_bytes if data else None,
        "free_bytes": data.available_bytes if data else None,
        "ram_bytes": parsers.parse_meminfo(memory_raw),
        "encrypted": _encrypted(security),
        "security": as_json(security),
        "raw_df": raw,
    }


def _encrypted(security: Any) -> bool | None:
    state = getattr(security, "encryption", None)
    if state is None:
        return None
    return str(getattr(state, "value", state)) == "encrypted"


def security(phone: AndroidPhone) -> dict[str, Any]:
    props = phone.props()
    state = parsers.security_from_props(props)
    su = phone.shell("which su", timeout_s=5).strip()
    return {
        "security": as_json(state),
        "su_binary": su if su.startswith("/") else None,
        "props": {
            k: v
            for k, v in props.items()
            if k.startswith(("ro.boot.", "ro.crypto.", "ro.secure", "ro.debuggable"))
        },
    }


def hardware(phone: AndroidPhone) -> dict[str, Any]:
    features = _parse(parsers.parse_features, phone.shell("pm list features"), "pm list features")
    sensors = parsers.parse_sensors(phone.shell("dumpsys sensorservice", timeout_s=10))
    return {"features": sorted(features), "sensors": sensors}


def network(phone: AndroidPhone) -> dict[str, Any]:
    props = phone.props()
    keys = (
        "gsm.sim.state",
        "gsm.operator.alpha",
        "gsm.network.type",
        "gsm.sim.operator.alpha",
        "gsm.version.baseband",
    )
    return {k: props[k] for k in keys if k in props}
