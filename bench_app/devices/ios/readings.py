"""What the bench reads from an iPhone: each function keeps lockdownd's or the service's raw
answer as evidence next to the parsed facts. Fractions travel as decimal strings, as facts
carry them."""

from __future__ import annotations

import plistlib
from typing import Any

from bench_app.devices.ios.driver import MCINSTALL, IPhone
from bench_app.devices.ios.wire import WireError
from bench_app.devices.source import DeviceNoAnswer
from bench_app.domain.facts import wire_form
from bench_app.text import Text

FMIP_DOMAIN = "com.apple.fmip"
BATTERY_DOMAIN = "com.apple.mobile.battery"
DISK_DOMAIN = "com.apple.disk_usage"
DIAGNOSTICS_RELAY = "com.apple.mobile.diagnostics_relay"
BATTERY_ENTRY = "AppleSmartBattery"

# What unblocks a phone held by Activation Lock: only the account's owner, or Apple itself.
ACTIVATION_LOCK_STEPS = (
    Text(
        "Le donateur se connecte à son compte Apple (iCloud.com > Localiser > Tous les "
        "appareils), choisit cet iPhone et le supprime du compte.",
        "The donor signs in to their Apple Account (iCloud.com > Find Devices > All "
        "Devices), picks this iPhone and removes it from the account.",
    ),
    Text(
        "Ou, sur l’iPhone, le donateur désactive Localiser (Réglages > son nom > Localiser) "
        "avec le mot de passe de son compte Apple.",
        "Or, on the iPhone, the donor turns Find My off (Settings > their name > Find My) "
        "with their Apple Account password.",
    ),
    Text(
        "Sans le donateur : demande de retrait du verrouillage d’activation à Apple, avec "
        "la preuve d’achat (facture au nom du donateur).",
        "Without the donor: an Activation Lock removal request to Apple, with the proof of "
        "purchase (invoice in the donor’s name).",
    ),
)


def _evidence(value: Any) -> Any:
    """Raw answers as JSON-safe evidence (bytes as text when they are, else their size)."""
    if isinstance(value, dict):
        return {str(k): _evidence(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_evidence(v) for v in value]
    if isinstance(value, bytes):
        try:
            return value.decode("ascii")
        except UnicodeDecodeError:
            return f"<{len(value)} bytes>"
    if isinstance(value, float):
        return wire_form(value)
    return value


def identity(phone: IPhone) -> dict[str, Any]:
    """The phone's identity, its storage, and lockdownd's own domain as evidence."""
    result = phone.identity()
    disk = phone.values(DISK_DOMAIN)
    total = disk.get("TotalDiskCapacity")
    result["storage_bytes"] = int(total) if isinstance(total, int) else None
    result["raw"] = _evidence({k: v for k, v in phone.values().items() if k != "DevicePublicKey"})
    return result


def locks(phone: IPhone) -> dict[str, Any]:
    """Activation Lock (Find My on) and activation state; `blocking` with what to do."""
    fmip = phone.values(FMIP_DOMAIN)
    values = phone.values()
    associated = fmip.get("IsAssociated")
    if not isinstance(associated, bool):
        raise DeviceNoAnswer(f"{FMIP_DOMAIN} gave no IsAssociated: {fmip!r}")
    state = str(values.get("ActivationState", ""))
    return {
        "find_my": associated,
        "activation_lock": associated,
        "activation_state": state,
        "blocking": associated,
        "what_to_do": [{"fr": s.fr, "en": s.en} for s in ACTIVATION_LOCK_STEPS]
        if associated
        else [],
        "raw": _evidence({FMIP_DOMAIN: fmip, "ActivationState": state}),
    }


def _mcinstall(phone: IPhone, request_type: str) -> dict[str, Any]:
    try:
        reply = phone.service_request(MCINSTALL, {"RequestType": request_type})
    except WireError as exc:
        raise DeviceNoAnswer(f"MCInstall: {exc}") from exc
    if reply.get("Status") != "Acknowledged":
        raise DeviceNoAnswer(f"MCInstall {request_type} answered {reply!r}")
    return reply


def management(phone: IPhone) -> dict[str, Any]:
    """Whether a company still holds the phone: MCInstall's cloud configuration says if it is
    supervised or enrolled by its organisation's server (which takes it back at setup after
    an erase); the installed profiles are kept as evidence. `blocking` when either holds."""
    cloud = _mcinstall(phone, "GetCloudConfiguration").get("CloudConfiguration")
    config = cloud if isinstance(cloud, dict) else {}
    listed = _mcinstall(phone, "GetProfileList")
    metadata = listed.get("ProfileMetadata")
    profiles = metadata if isinstance(metadata, dict) else {}
    supervised = config.get("IsSupervised") is True
    enrolled = config.get("IsMandatory") is True or config.get("IsMDMUnremovable") is True
    return {
        "supervised": supervised,
        "enrolled": enrolled,
        "organisation": str(config.get("OrganizationName") or ""),
        "profiles": [
            str(p.get("PayloadDisplayName") or ident) if isinstance(p, dict) else str(ident)
            for ident, p in profiles.items()
        ],
        "blocking": supervised or enrolled,
        "raw": _evidence({"CloudConfiguration": cloud, "ProfileMetadata": profiles}),
    }


def storage(phone: IPhone) -> dict[str, Any]:
    """Capacity and the data space used, from the disk usage domain (kept as evidence)."""
    disk = phone.values(DISK_DOMAIN)
    total, capacity, free = (disk.get(k) for k in ("TotalDiskCapacity", "TotalDataCapacity",
                                                   "TotalDataAvailable"))  # fmt: skip
    ints = [v if isinstance(v, int) and not isinstance(v, bool) else None
            for v in (total, capacity, free)]  # fmt: skip
    return {
        "total_bytes": ints[0],
        "data_capacity_bytes": ints[1],
        "data_free_bytes": ints[2],
        "raw": _evidence(disk),
    }


def _as_int(entry: dict[str, Any], key: str) -> int | None:
    value = entry.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def battery(phone: IPhone) -> dict[str, Any]:
    """Charge, cycle count, design and full-charge capacity (mAh), health as a fraction of
    design; the IORegistry entry and the battery domain kept as evidence."""
    domain = phone.values(BATTERY_DOMAIN)
    try:
        reply = phone.service_request(
            DIAGNOSTICS_RELAY, {"Request": "IORegistry", "EntryClass": BATTERY_ENTRY}
        )
    except WireError as exc:
        raise DeviceNoAnswer(f"diagnostics_relay: {exc}") from exc
    if reply.get("Status") != "Success":
        raise DeviceNoAnswer(f"diagnostics_relay answered {reply.get('Status')!r}")
    entry = reply.get("Diagnostics", {}).get("IORegistry", {})
    if not isinstance(entry, dict):
        raise DeviceNoAnswer("diagnostics_relay: no IORegistry entry")
    design = _as_int(entry, "DesignCapacity")
    # NominalChargeCapacity is what Settings > Battery Health shows against the design;
    # older iOS only has AppleRawMaxCapacity.
    full = _as_int(entry, "NominalChargeCapacity") or _as_int(entry, "AppleRawMaxCapacity")
    health = full / design if full and design else None
    percent = domain.get("BatteryCurrentCapacity", entry.get("CurrentCapacity"))
    reading = {
        "percent": wire_form(float(percent)) if isinstance(percent, int) else None,
        "cycle_count": _as_int(entry, "CycleCount"),
        "design_capacity_mah": design,
        "full_charge_capacity_mah": full,
        "health_percent": wire_form(round(health * 100, 1)) if health is not None else None,
        "capacity_ratio": wire_form(round(health, 3)) if health is not None else None,
        "charging": bool(entry.get("IsCharging", domain.get("BatteryIsCharging", False))),
        "temperature_c": (
            wire_form(entry["Temperature"] / 100) if _as_int(entry, "Temperature") else None
        ),
    }
    raw = plistlib.dumps(entry, fmt=plistlib.FMT_XML).decode("utf-8")
    return {"reading": reading, "raw": raw, "raw_domain": _evidence(domain)}


PURPLEBUDDY_DOMAIN = "com.apple.purplebuddy"
ERASED_FREE_SHARE = 0.9  # an erased phone has at least this share of its data space free


def erasure_check(phone: IPhone, before: dict[str, Any] | None = None) -> dict[str, Any]:
    """What says an iPhone was erased, read once it is back: it forgot this computer's
    pairing (the record held `before` the erase, when given), setup starts over, no passcode,
    not activated, its data space is free again. `erased` only when every check holds;
    Activation Lock is told apart (it survives an erase)."""
    values = phone.values(refresh=True)
    forgotten = phone.refuses_record(before) if before is not None else phone.pairing_forgotten
    setup = phone.values(PURPLEBUDDY_DOMAIN)
    disk = phone.values(DISK_DOMAIN)
    fmip = phone.values(FMIP_DOMAIN)
    capacity, free = disk.get("TotalDataCapacity"), disk.get("TotalDataAvailable")
    share = (
        free / capacity
        if isinstance(free, int) and isinstance(capacity, int) and capacity
        else None
    )
    checks = {
        "pairing_forgotten": forgotten,
        "setup_starts_over": setup.get("SetupDone") is False,
        "no_passcode": values.get("PasswordProtected") is False,
        "not_activated": values.get("ActivationState") == "Unactivated",
        "data_space_free": share is not None and share >= ERASED_FREE_SHARE,
    }
    return {
        "erased": all(checks.values()),
        "checks": checks,
        "free_share": wire_form(round(share, 3)) if share is not None else None,
        "activation_lock": fmip.get("IsAssociated") is True,
        "raw": _evidence({"ActivationState": values.get("ActivationState"),
                          "PasswordProtected": values.get("PasswordProtected"),
                          PURPLEBUDDY_DOMAIN: setup, DISK_DOMAIN: disk, FMIP_DOMAIN: fmip}),
    }  # fmt: skip
