"""Turn the text Android commands print into facts.

Pure functions and frozen dataclasses: no I/O, no Qt. Every parser either returns a result or
raises `AndroidParseError` when the text is unusable for it; no other exception escapes, for
any input. A field the phone does not expose is None, never guessed.

The formats were learned from real outputs of about 25 phones (Android 6 to 16; Samsung,
Xiaomi, Huawei, OPPO, OnePlus, Motorola, LG, Google, Fairphone, Nokia, Lenovo). Where a value
needs interpreting (units, vendor counters), the docstring says how and why.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from bench_app.domain.imei import is_valid_imei


class AndroidParseError(ValueError):
    """The command's output cannot be read by this parser (wrong command, error text...)."""


# ---------------------------------------------------------------------------------------------
# Small helpers. Conversions never raise: a value that is not a plain ASCII number is None.

_INT_RE = re.compile(r"[+-]?[0-9]{1,30}")
_NUM_RE = re.compile(r"[+-]?[0-9]{1,30}(?:\.[0-9]{1,30})?")


def _int(text: str | None) -> int | None:
    """An ASCII integer (optionally signed), else None. "12" -> 12, "1.5", "١٢", "" -> None."""
    if text is None:
        return None
    text = text.strip()
    if not _INT_RE.fullmatch(text):
        return None
    return int(text)


def _lines(text: str) -> list[str]:
    """Lines split on LF, CRLF or CR only (not on the exotic separators str.splitlines knows)."""
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def _bool(text: str | None) -> bool | None:
    if text is None:
        return None
    value = text.strip().lower()
    if value in ("true", "1", "yes", "on"):
        return True
    if value in ("false", "0", "no", "off"):
        return False
    return None


def _first(props: Mapping[str, str], *keys: str) -> str | None:
    """The first non-blank value among `keys`, stripped."""
    for key in keys:
        value = props.get(key)
        if value is not None and value.strip():
            return value.strip()
    return None


# ---------------------------------------------------------------------------------------------
# getprop / build.prop

_PROP_START = re.compile(r"^(?P<junk>[^\[]*)\[(?P<key>[^\[\]\s]+)\]: \[(?P<rest>.*)$")


def parse_getprop(text: str) -> dict[str, str]:
    """`adb shell getprop`: `[key]: [value]` lines -> {key: value}.

    Tolerates CRLF, junk before the first bracket (the OPPO A5s dump starts with a stray
    `000`), lines that are not properties, empty values, values spanning several lines
    (`persist.sys.boot.reason.history`, or a value ending with a newline as in
    `[persist.vendor.sys.pq.picmode]: [0` / `]`), and duplicated keys (the last one wins).
    """
    props: dict[str, str] = {}
    key: str | None = None
    parts: list[str] = []
    for line in _lines(text):
        if key is not None:
            # Inside a multi-line value; a line that starts a new property ends it early.
            match = _PROP_START.match(line)
            if match and not match.group("junk"):
                props[key] = "\n".join(parts)
                key = None
            else:
                stripped = line.rstrip()
                if stripped.endswith("]"):
                    parts.append(stripped[:-1])
                    props[key] = "\n".join(parts)
                    key = None
                else:
                    parts.append(line)
                continue
        match = _PROP_START.match(line)
        if not match:
            continue
        rest = match.group("rest").rstrip()
        if rest.endswith("]"):
            props[match.group("key")] = rest[:-1]
        else:
            key = match.group("key")
            parts = [match.group("rest")]
    if key is not None:  # output cut in the middle of a value: keep what came
        props[key] = "\n".join(parts)
    if not props:
        raise AndroidParseError("getprop output holds no `[key]: [value]` property")
    return props


_BUILD_PROP_KEY = re.compile(r"[A-Za-z0-9_.\-:@/]+")


def parse_build_prop(text: str) -> dict[str, str]:
    """A `build.prop` / `default.prop` file: `key=value` lines, `#` comments, `import` lines.

    Spaces around `=` are dropped; a value may itself contain `=`; the last duplicate wins.
    """
    props: dict[str, str] = {}
    for raw in _lines(text):
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        key = key.strip()
        if not _BUILD_PROP_KEY.fullmatch(key):
            continue
        props[key] = value.strip()
    if not props:
        raise AndroidParseError("build.prop text holds no `key=value` property")
    return props


def parse_single_prop(text: str) -> str | None:
    """`adb shell getprop KEY` prints only the value (or an empty line): stripped, or None."""
    value = text.strip()
    return value or None


# ---------------------------------------------------------------------------------------------
# Identity


@dataclass(frozen=True, slots=True)
class PhoneIdentity:
    brand: str | None
    manufacturer: str | None
    model: str | None
    marketing_name: str | None
    codename: str | None
    product_name: str | None
    serial: str | None
    hardware_serial: str | None
    imei: str | None
    imeis: tuple[str, ...]
    android_version: str | None
    sdk: int | None
    security_patch: str | None
    fingerprint: str | None
    display_id: str | None
    build_type: str | None
    abis: tuple[str, ...]
    platform: str | None
    hardware: str | None
    os_flavour: str | None
    os_version: str | None

    @property
    def custom_rom(self) -> bool:
        """True for community ROMs the bench installs or may meet (LineageOS, /e/OS...)."""
        return self.os_flavour in CUSTOM_ROMS


CUSTOM_ROMS = frozenset({"LineageOS", "/e/OS", "crDroid", "CyanogenMod", "CalyxOS", "GrapheneOS"})

_PARTITIONS = ("", "system.", "vendor.", "odm.", "product.", "system_ext.", "bootimage.")


def _product(props: Mapping[str, str], name: str) -> str | None:
    """ro.product.NAME, then the per-partition copies (build.prop files only have those)."""
    keys = [f"ro.product.{p}{name}" for p in _PARTITIONS] + [f"ro.vendor.product.{name}"]
    return _first(props, *keys)


_MARKETING_KEYS = (
    "ro.product.marketname",  # Xiaomi / Redmi / POCO (MIUI 12+)
    "ro.product.vendor.marketname",
    "ro.product.odm.marketname",
    "ro.product.system.marketname",
    "ro.config.marketing_name",  # Huawei / Honor
    "ro.vendor.oplus.market.name",  # OPPO / realme / OnePlus (ColorOS 11+)
    "ro.oppo.market.name",  # OPPO (older ColorOS)
    "ro.display.series",  # OnePlus
    "ro.vendor.product.display",  # Motorola
    "ro.product.display",  # Motorola (older)
    "ro.zuk.product.market",  # Motorola/Lenovo ZUI
    "ro.boot.vendor.lge.petname",  # LG
    "ro.product.nickname",  # Nokia (HMD)
    "ro.vendor.product.nickname",
)

# Slot 1 first, then slot 2; several ROMs repeat the same IMEI under many keys.
_IMEI_KEYS = (
    "ro.ril.miui.imei0",
    "ro.ril.oem.imei1",
    "ro.ril.oem.imei",
    "persist.radio.imei",
    "persist.radio.imei1",
    "persist.vendor.radio.imei",
    "persist.vendor.radio.imei1",
    "ro.vendor.oem.imei",
    "ro.vendor.oem.imei1",
    "vendor.oem.device.imeicache0",
    "ril.imei",
    "ro.ril.miui.imei1",
    "ro.ril.oem.imei2",
    "persist.radio.imei2",
    "persist.vendor.radio.imei2",
    "ro.vendor.oem.imei2",
    "vendor.oem.device.imeicache1",
)

_PLACEHOLDERS = frozenset({"unknown", "unknow", "null", "none", "0", "n/a"})
_PATCH_RE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")


def _security_patch(value: str | None) -> str | None:
    """YYYY-MM-DD when the value is a real date, else None."""
    if value is None:
        return None
    match = _PATCH_RE.fullmatch(value.strip())
    if not match:
        return None
    try:
        date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None
    return match.group(0)


def _one_ui(code: str) -> str | None:
    """ro.build.version.oneui `60101` -> `6.1.1`, `50100` -> `5.1`."""
    number = _int(code)
    if number is None or number <= 0:
        return None
    major, minor, patch = number // 10000, (number // 100) % 100, number % 100
    return f"{major}.{minor}.{patch}" if patch else f"{major}.{minor}"


def os_flavour(props: Mapping[str, str]) -> tuple[str | None, str | None]:
    """(flavour, version) of the OS on top of Android, or (None, None) for plain/unknown.

    Community ROMs are looked for first: they keep vendor properties of the stock firmware
    (and often the stock `ro.build.fingerprint`, to pass integrity checks).
    """
    p = props
    version = _first(p, "ro.eos.version", "ro.eos.build.version")
    display = _first(p, "ro.build.display.id", "ro.modversion") or ""
    if version or display.lower().startswith(("e_", "e-")):
        return "/e/OS", version or display
    version = _first(p, "ro.calyxos.version")
    if version:
        return "CalyxOS", version
    version = _first(p, "ro.grapheneos.version")
    if version:
        return "GrapheneOS", version
    version = _first(p, "ro.crdroid.build.version", "ro.crdroid.version")
    if version:
        return "crDroid", version
    version = _first(p, "ro.lineage.build.version", "ro.lineage.version")
    if version:
        return "LineageOS", version.split("-")[0]
    version = _first(p, "ro.cm.version")
    if version:
        return "CyanogenMod", version.split("-")[0]
    version = _first(p, "ro.mi.os.version.incremental", "ro.mi.os.version.name")
    if version:
        return "HyperOS", version
    name = _first(p, "ro.miui.ui.version.name")
    if name:
        incremental = _first(p, "ro.build.version.incremental") or ""
        return "MIUI", incremental if re.match(r"V[0-9]", incremental) else name
    code = _first(p, "ro.build.version.oneui")
    if code:
        return "One UI", _one_ui(code) or code
    emui = _first(p, "ro.build.version.emui")
    harmony = _first(p, "hw_sc.build.platform.version")
    if harmony:
        return "HarmonyOS", harmony
    if emui:
        flavour, _, number = emui.partition("_")
        if flavour.lower().startswith("magic"):
            return "Magic UI", number or emui
        return "EMUI", number or emui
    version = _first(p, "ro.build.version.magic")
    if version:
        return "Magic UI", version.partition("_")[2] or version
    ota = _first(p, "ro.build.ota.versionname", "ro.build.version.ota") or ""
    version = _first(p, "ro.oxygen.version")
    if version or "oxygen" in ota.lower():
        return "OxygenOS", version or _first(p, "ro.rom.version") or ota
    if "hydrogen" in ota.lower():
        return "HydrogenOS", _first(p, "ro.rom.version") or ota
    version = _first(p, "ro.build.version.realmeui")
    if version:
        return "realme UI", version.lstrip("Vv")
    version = _first(p, "ro.build.version.oplusrom", "ro.build.version.opporom")
    if version:
        return "ColorOS", version.lstrip("Vv")
    version = _first(p, "ro.com.zui.version")
    if version:
        return "ZUI", version
    return None, None


def imeis_from_props(props: Mapping[str, str]) -> tuple[str, ...]:
    """Luhn-valid IMEIs some ROMs (mostly Xiaomi) expose as properties, slot 1 first."""
    found: list[str] = []
    for key in _IMEI_KEYS:
        value = (props.get(key) or "").strip()
        if value.isascii() and value.isdigit() and is_valid_imei(value) and value not in found:
            found.append(value)
    return tuple(found)


def identity_from_props(props: Mapping[str, str]) -> PhoneIdentity:
    """Who the phone is, from `getprop` (or, failing that, build.prop) properties."""
    abilist = _first(
        props,
        "ro.product.cpu.abilist",
        "ro.system.product.cpu.abilist",
        "ro.vendor.product.cpu.abilist",
    )
    if abilist:
        abis = tuple(a.strip() for a in abilist.split(",") if a.strip())
    else:
        abis = tuple(
            v
            for v in (_first(props, "ro.product.cpu.abi"), _first(props, "ro.product.cpu.abi2"))
            if v
        )
    hardware_serial = _first(props, "ril.serialnumber", "ro.ril.oem.sno")
    if hardware_serial and hardware_serial.lower() in _PLACEHOLDERS:
        hardware_serial = None
    serial = _first(props, "ro.serialno", "ro.boot.serialno", "ro.vendor.serialno")
    if serial and serial.lower() in _PLACEHOLDERS:
        serial = None
    imeis = imeis_from_props(props)
    flavour, flavour_version = os_flavour(props)
    return PhoneIdentity(
        brand=_product(props, "brand"),
        manufacturer=_product(props, "manufacturer"),
        model=_product(props, "model"),
        marketing_name=_first(props, *_MARKETING_KEYS),
        codename=_product(props, "device"),
        product_name=_product(props, "name"),
        serial=serial,
        hardware_serial=hardware_serial,
        imei=imeis[0] if imeis else None,
        imeis=imeis,
        android_version=_first(
            props,
            "ro.build.version.release",
            "ro.build.version.release_or_codename",
            "ro.system.build.version.release",
        ),
        sdk=_int(_first(props, "ro.build.version.sdk", "ro.system.build.version.sdk")),
        security_patch=_security_patch(
            _first(props, "ro.build.version.security_patch", "ro.system.build.security_patch")
        ),
        fingerprint=_first(props, "ro.build.fingerprint", "ro.system.build.fingerprint"),
        display_id=_first(props, "ro.build.display.id"),
        build_type=_first(props, "ro.build.type", "ro.system.build.type"),
        abis=abis,
        platform=_first(props, "ro.board.platform", "ro.boot.hardware.platform"),
        hardware=_first(props, "ro.hardware", "ro.boot.hardware"),
        os_flavour=flavour,
        os_version=flavour_version,
    )


# ---------------------------------------------------------------------------------------------
# Security state


@dataclass(frozen=True, slots=True)
class SecurityState:
    encryption: str | None  # "encrypted", "unencrypted", "unsupported" (ro.crypto.state)
    encryption_type: str | None  # "file" or "block" (ro.crypto.type)
    bootloader_locked: bool | None
    bootloader_evidence: tuple[str, ...]  # the `key=value` properties the verdict rests on
    verified_boot_state: str | None  # green / yellow / orange / red
    vbmeta_device_state: str | None  # locked / unlocked
    knox_warranty_void: bool | None  # Samsung warranty bit (1: Knox tripped)
    debuggable: bool | None
    secure: bool | None
    adb_secure: bool | None
    selinux: str | None  # enforcing / permissive, when the phone says
    build_type: str | None  # user / userdebug / eng
    lock_state_suspect: bool  # custom ROM claiming a green/locked boot: likely spoofed props

    @property
    def encrypted(self) -> bool | None:
        if self.encryption is None:
            return None
        return self.encryption == "encrypted"


_UNLOCK_WORDS = {"unlocked": False, "locked": True}


def security_from_props(props: Mapping[str, str]) -> SecurityState:
    """Encryption, bootloader and verified-boot state from properties; None where unsaid.

    The bootloader is unlocked as soon as one property says so (`ro.boot.flash.locked=0`,
    `ro.boot.vbmeta.device_state=unlocked`, Xiaomi `ro.secureboot.lockstate=unlocked`, or an
    orange verified-boot state); locked when one says locked and none says unlocked.
    """
    evidence: list[str] = []
    verdicts: list[bool] = []

    def note(key: str, verdict: bool | None) -> None:
        if verdict is not None:
            evidence.append(f"{key}={props[key].strip()}")
            verdicts.append(verdict)

    if "ro.boot.flash.locked" in props:
        note(
            "ro.boot.flash.locked",
            {"1": True, "0": False}.get(props["ro.boot.flash.locked"].strip()),
        )
    for key in (
        "ro.boot.vbmeta.device_state",
        "vendor.boot.vbmeta.device_state",
        "ro.secureboot.lockstate",
    ):
        if key in props:
            note(key, _UNLOCK_WORDS.get(props[key].strip().lower()))
    vbs_key = next(
        (k for k in ("ro.boot.verifiedbootstate", "vendor.boot.verifiedbootstate") if props.get(k)),
        None,
    )
    verified = props[vbs_key].strip().lower() if vbs_key else None
    if vbs_key and verified in ("green", "yellow", "orange"):
        note(vbs_key, verified != "orange")
    locked: bool | None = None
    if verdicts:
        locked = all(verdicts)

    state = _first(props, "ro.crypto.state")
    crypto_type = _first(props, "ro.crypto.type")
    vbmeta = _first(props, "ro.boot.vbmeta.device_state", "vendor.boot.vbmeta.device_state")
    selinux = _first(props, "ro.boot.selinux", "vendor.boot.selinux")
    custom = any(
        props.get(k, "").strip()
        for k in ("ro.lineage.version", "ro.crdroid.version", "ro.eos.version", "ro.cm.version")
    ) or (props.get("ro.build.display.id", "").startswith("lineage_"))
    return SecurityState(
        encryption=state.lower() if state else None,
        encryption_type=crypto_type.lower() if crypto_type else None,
        bootloader_locked=locked,
        bootloader_evidence=tuple(evidence),
        verified_boot_state=verified or None,
        vbmeta_device_state=vbmeta.lower() if vbmeta else None,
        knox_warranty_void=_bool(_first(props, "ro.boot.warranty_bit", "ro.warranty_bit")),
        debuggable=_bool(props.get("ro.debuggable")),
        secure=_bool(props.get("ro.secure")),
        adb_secure=_bool(props.get("ro.adb.secure")),
        selinux=selinux.lower() if selinux else None,
        build_type=_first(props, "ro.build.type"),
        lock_state_suspect=custom and (locked is True or verified == "green"),
    )


# ---------------------------------------------------------------------------------------------
# dumpsys battery

STATUS_NAMES = {1: "unknown", 2: "charging", 3: "discharging", 4: "not_charging", 5: "full"}
HEALTH_NAMES = {
    1: "unknown",
    2: "good",
    3: "overheat",
    4: "dead",
    5: "over_voltage",
    6: "unspecified_failure",
    7: "cold",
}
_PLUG_FLAGS = (
    ("ac powered", "ac"),
    ("usb powered", "usb"),
    ("wireless powered", "wireless"),
    ("dock powered", "dock"),
)
_PLUG_BITS = ((1, "ac"), (2, "usb"), (4, "wireless"), (8, "dock"))


@dataclass(frozen=True, slots=True)
class BatteryReading:
    level: int
    scale: int | None
    percent: float | None
    present: bool | None
    status_code: int | None
    status: str | None  # charging, discharging, not_charging, full, unknown
    health_code: int | None
    health: str | None  # good, overheat, dead, over_voltage, unspecified_failure, cold...
    plugged: tuple[str, ...] | None  # ("ac",), ("usb",)...; () on battery; None if unsaid
    voltage_mv: int | None
    temperature_c: float | None
    technology: str | None
    charge_counter_uah: int | None
    current_now_ma: int | None
    max_charging_current_ua: int | None
    max_charging_voltage_uv: int | None
    cycle_count: int | None
    cycle_count_source: str | None  # the key it came from (and how)
    full_capacity_mah: int | None
    design_capacity_mah: int | None
    capacity_ratio: float | None  # 0..1 (full / design, or the vendor's health percentage)
    capacity_source: str | None
    raw: Mapping[str, str] = field(
        default_factory=dict, hash=False
    )  # every `key: value` line, lower keys


_KV_RE = re.compile(r"^\s*(?P<key>[^:=\[\]]{1,80}?)\s*[:=]\s*(?P<value>.*?)\s*$")


def _key_values(text: str) -> dict[str, str]:
    """`key: value` / `key=value` lines -> {lowercased key: value}; the first one wins.

    Values printed as `[96]` (Samsung dumpstate logs) lose their brackets.
    """
    found: dict[str, str] = {}
    for line in _lines(text):
        match = _KV_RE.match(line)
        if not match:
            continue
        key = " ".join(match.group("key").lower().split())
        value = match.group("value")
        if len(value) >= 2 and value.startswith("[") and value.endswith("]"):
            value = value[1:-1].strip()
        if key and key not in found:
            found[key] = value
    return found


def _norm(key: str) -> str:
    return re.sub(r"[^a-z0-9]", "", key.lower())


def _lookup(kv: Mapping[str, str], names: Iterable[str]) -> tuple[str, int] | None:
    """The first key (compared without case/spaces/underscores) holding an integer."""
    by_norm: dict[str, tuple[str, str]] = {}
    for key, value in kv.items():
        by_norm.setdefault(_norm(key), (key, value))
    for name in names:
        hit = by_norm.get(_norm(name))
        if hit is not None:
            number = _int(hit[1].split()[0] if hit[1].split() else "")
            if number is not None:
                return hit[0], number
    return None


def _mah(value: int) -> int | None:
    """A capacity in mAh; values over 100 000 are taken as µAh (no phone has 100 Ah)."""
    if value <= 0:
        return None
    return value // 1000 if value > 100_000 else value


_CYCLE_KEYS = (
    "cycle count",
    "cycle_count",
    "battery cycle count",
    "battery cycle",
    "battery_cycle",
    "mBatteryCycleCount",
    "mSavedBatteryCycle",
    "charge cycles",
)
_FULL_KEYS = (
    "full charge capacity",
    "full capacity",
    "battery_full_capacity",
    "charge_full",
    "mSavedFullCapacity",
    "Full charge",
)
_DESIGN_KEYS = (
    "design capacity",
    "battery design capacity",
    "battery_design_capacity",
    "charge_full_design",
    "mSavedDesignCapacity",
    "battery_capacity",
)


def parse_battery(text: str) -> BatteryReading:
    """`adb shell dumpsys battery` -> BatteryReading.

    Units: voltage in mV (values above 100 000 are taken as µV), temperature in tenths of °C,
    charge counter in µAh. A charge counter of 0 means "not measured" (Pixel C, old Samsung)
    and gives None; a counter too small to be µAh for the level shown (Xiaomi HyperOS prints
    `Charge counter: 4274` at 80 %) is taken as mAh.

    Samsung extras: `mSavedBatteryAsoc` (percentage of design capacity the battery still
    holds; -1 = not measured) gives `capacity_ratio`; `mSavedBatteryUsage` counts charge in
    hundredths of a cycle, so `cycle_count = mSavedBatteryUsage // 100` (an interpretation
    used by Samsung tooling, named in `cycle_count_source`). Explicit cycle/capacity keys
    (`cycle count`, `charge_full`, `charge_full_design`...) win over those.
    """
    kv = _key_values(text)
    level = _int(kv.get("level"))
    if level is None:
        raise AndroidParseError("dumpsys battery output has no `level:` line")
    scale = _int(kv.get("scale"))
    percent = round(level * 100 / scale, 1) if scale and scale > 0 else None

    flags = [(name, _bool(kv.get(key))) for key, name in _PLUG_FLAGS]
    plugged: tuple[str, ...] | None
    if any(value is not None for _, value in flags):
        plugged = tuple(name for name, value in flags if value)
    else:
        bits = _int(kv.get("plugged"))
        plugged = None if bits is None else tuple(n for bit, n in _PLUG_BITS if bits & bit)

    status_code = _int(kv.get("status"))
    health_code = _int(kv.get("health"))

    voltage = _int(kv.get("voltage"))
    if voltage is not None and abs(voltage) > 100_000:
        voltage //= 1000
    temperature = _int(kv.get("temperature"))

    counter = _int(kv.get("charge counter"))
    if counter is not None and counter <= 0:
        counter = None
    if counter is not None and level > 0 and counter * 100 / level < 500_000:
        counter *= 1000  # would mean a battery under 500 mAh: the phone printed mAh

    cycles: int | None = None
    cycle_source: str | None = None
    hit = _lookup(kv, _CYCLE_KEYS)
    if hit is not None and hit[1] >= 0:
        cycle_source, cycles = hit
    else:
        usage = _int(kv.get("msavedbatteryusage"))
        if usage is not None and usage >= 0:
            cycles, cycle_source = usage // 100, "mSavedBatteryUsage/100"

    full_hit = _lookup(kv, _FULL_KEYS)
    design_hit = _lookup(kv, _DESIGN_KEYS)
    full = _mah(full_hit[1]) if full_hit else None
    design = _mah(design_hit[1]) if design_hit else None
    ratio: float | None = None
    ratio_source: str | None = None
    if full and design:
        ratio, ratio_source = round(full / design, 3), "full/design"
    else:
        for key, label in (
            ("msavedbatteryasoc", "mSavedBatteryAsoc"),
            ("msavedbatterybsoh", "mSavedBatteryBsoh"),
        ):
            value = _int(kv.get(key))
            if value is not None and 0 < value <= 150:
                ratio, ratio_source = value / 100, label
                break

    technology = (kv.get("technology") or "").strip() or None
    return BatteryReading(
        level=level,
        scale=scale,
        percent=percent,
        present=_bool(kv.get("present")),
        status_code=status_code,
        status=STATUS_NAMES.get(status_code) if status_code is not None else None,
        health_code=health_code,
        health=HEALTH_NAMES.get(health_code) if health_code is not None else None,
        plugged=plugged,
        voltage_mv=voltage,
        temperature_c=temperature / 10 if temperature is not None else None,
        technology=technology,
        charge_counter_uah=counter,
        current_now_ma=_int(kv.get("current now")),
        max_charging_current_ua=_int(kv.get("max charging current")),
        max_charging_voltage_uv=_int(kv.get("max charging voltage")),
        cycle_count=cycles,
        cycle_count_source=cycle_source,
        full_capacity_mah=full,
        design_capacity_mah=design,
        capacity_ratio=ratio,
        capacity_source=ratio_source,
        raw=kv,
    )


# ---------------------------------------------------------------------------------------------
# dumpsys account


@dataclass(frozen=True, slots=True)
class Account:
    type: str
    name: str
    user_id: int | None = None  # the Android user the account lives in, when printed


_USER_RE = re.compile(r"^\s*User\s+UserInfo\{(?P<id>-?[0-9]{1,9}):")
_ACCOUNT_RE = re.compile(r"Account\s*\{name=(?P<name>.*), type=(?P<type>[^,}]*)[^}]*\}")
_COUNT_RE = re.compile(r"^\s*Accounts:\s*[0-9]{1,9}\s*$")


def parse_accounts(text: str) -> list[Account]:
    """`dumpsys account` -> every `Account {name=..., type=...}` line, in order.

    Multi-user dumps (`User UserInfo{0:Owner:c13}:` headers) tag each account with its user.
    `Accounts: 0` gives an empty list; text with neither a count nor an account raises.
    """
    accounts: list[Account] = []
    user: int | None = None
    seen_count = False
    for line in _lines(text):
        user_match = _USER_RE.match(line)
        if user_match:
            user = _int(user_match.group("id"))
            continue
        if _COUNT_RE.match(line):
            seen_count = True
            continue
        match = _ACCOUNT_RE.search(line)
        if match:
            accounts.append(Account(match.group("type").strip(), match.group("name"), user))
    if not accounts and not seen_count:
        raise AndroidParseError("dumpsys account output has no `Accounts:` section")
    return accounts


def google_accounts(accounts: Iterable[Account]) -> list[Account]:
    """The Google accounts (type `com.google`): each one means Factory Reset Protection."""
    return [a for a in accounts if a.type == "com.google"]


# ---------------------------------------------------------------------------------------------
# dumpsys device_policy


@dataclass(frozen=True, slots=True)
class ProfileOwner:
    user_id: int | None
    component: str | None
    package: str | None
    name: str | None


@dataclass(frozen=True, slots=True)
class DevicePolicy:
    device_owner: str | None  # component, e.g. "com.hmdm.launcher/com.hmdm.launcher.AdminReceiver"
    device_owner_package: str | None
    device_owner_name: str | None
    device_owner_user: int | None
    organization_owned: bool | None
    organization_name: str | None
    profile_owners: tuple[ProfileOwner, ...]
    active_admins: tuple[str, ...]  # components listed under "Enabled Device Admins"

    @property
    def has_device_owner(self) -> bool:
        return self.device_owner is not None or self.device_owner_package is not None

    @property
    def has_profile_owner(self) -> bool:
        return bool(self.profile_owners)

    @property
    def has_owner(self) -> bool:
        """A device owner (MDM-managed phone) or a profile owner (work profile)."""
        return self.has_device_owner or self.has_profile_owner


_COMPONENT_RE = re.compile(r"ComponentInfo\{(?P<c>[^}]*)\}")
_PROFILE_RE = re.compile(r"^\s*Profile Owner \(User (?P<user>-?[0-9]{1,9})\)")
_ADMINS_RE = re.compile(r"^\s*Enabled Device Admins \(User (?P<user>-?[0-9]{1,9})")
_ADMIN_ITEM_RE = re.compile(r"^\s+(?P<c>[A-Za-z0-9_.]+/[A-Za-z0-9_.$]+):\s*$")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _block(lines: list[str], start: int) -> dict[str, str]:
    """The `key=value` / `Key: value` lines indented under lines[start]."""
    base = _indent(lines[start])
    found: dict[str, str] = {}
    for line in lines[start + 1 :]:
        if not line.strip():
            break
        if _indent(line) <= base:
            break
        stripped = line.strip()
        if "=" in stripped:
            key, _, value = stripped.partition("=")
        elif ":" in stripped:
            key, _, value = stripped.partition(":")
        else:
            continue
        found.setdefault(key.strip(), value.strip())
    return found


def parse_device_policy(text: str) -> DevicePolicy:
    """`dumpsys device_policy` -> device owner, profile owners, active admins.

    Android 7-16 print the owner as an indented block under `Device Owner:`
    (`admin=ComponentInfo{pkg/cls}`, `name=`, `package=`, `User ID:`, and since Android 11
    `isOrganizationOwnedDevice=`); profile owners under `Profile Owner (User N):`.
    """
    lines = _lines(text)
    markers = ("Device Policy Manager", "Device Owner", "Profile Owner", "Enabled Device Admins")
    if not any(m in text for m in markers):
        raise AndroidParseError("dumpsys device_policy output has no policy section")
    owner: dict[str, str] = {}
    profiles: list[ProfileOwner] = []
    admins: list[str] = []
    organisation: str | None = None
    admins_indent: int | None = None  # indent of the "Enabled Device Admins" header
    item_indent: int | None = None  # indent of its items
    for i, line in enumerate(lines):
        stripped = line.strip()
        if stripped.startswith("Device Owner:") and not owner:
            owner = _block(lines, i)
            continue
        profile = _PROFILE_RE.match(line)
        if profile:
            block = _block(lines, i)
            component = _COMPONENT_RE.search(block.get("admin", ""))
            profiles.append(
                ProfileOwner(
                    user_id=_int(profile.group("user")),
                    component=component.group("c") if component else None,
                    package=block.get("package") or None,
                    name=block.get("name") or None,
                )
            )
            continue
        if _ADMINS_RE.match(line):
            admins_indent, item_indent = _indent(line), None
            continue
        if admins_indent is not None and stripped:
            if _indent(line) <= admins_indent:
                admins_indent = None
            else:
                if item_indent is None:
                    item_indent = _indent(line)
                item = _ADMIN_ITEM_RE.match(line)
                if item and _indent(line) == item_indent and item.group("c") not in admins:
                    admins.append(item.group("c"))
        if organisation is None and stripped.startswith(
            ("organizationName=", "mOrganizationName=")
        ):
            value = stripped.partition("=")[2].strip()
            if value and value != "null":
                organisation = value
    component = _COMPONENT_RE.search(owner.get("admin", ""))
    user = _int(owner.get("User ID")) if owner.get("User ID") else None
    return DevicePolicy(
        device_owner=component.group("c") if component else None,
        device_owner_package=owner.get("package") or None,
        device_owner_name=owner.get("name") or None,
        device_owner_user=user,
        organization_owned=_bool(owner.get("isOrganizationOwnedDevice")),
        organization_name=organisation,
        profile_owners=tuple(profiles),
        active_admins=tuple(admins),
    )


# ---------------------------------------------------------------------------------------------
# df


@dataclass(frozen=True, slots=True)
class Mount:
    filesystem: str
    size_bytes: int
    used_bytes: int
    available_bytes: int
    mount_point: str


_UNITS = {"": 1, "B": 1, "K": 1024, "M": 1024**2, "G": 1024**3, "T": 1024**4, "P": 1024**5}
_SIZE_RE = re.compile(r"(?P<n>[0-9]{1,20}(?:\.[0-9]{1,10})?)(?P<u>[BKMGTP]?)(?:i?B)?", re.I)


def _size(token: str, block: int) -> int | None:
    """`1771636` (blocks of `block` bytes) or a human size `1.2G`, `976M`, `4.0K` -> bytes."""
    match = _SIZE_RE.fullmatch(token)
    if not match:
        return None
    unit = match.group("u").upper()
    number = match.group("n")
    if not unit:
        if "." in number:
            return None
        return int(number) * block
    return int(float(number) * _UNITS[unit])


def parse_df(text: str) -> list[Mount]:
    """`df`, `df -k`, `df -h` (toybox/busybox) and the old toolbox `df` (Android <= 6) -> mounts.

    Toybox/busybox: `Filesystem 1K-blocks Used Available Use% Mounted on` (or `Size Used
    Avail` with `1.2G` suffixes for -h). Toolbox: `Filesystem Size Used Free Blksize`, where the
    first column is the mount point. A filesystem name too long for its column may sit alone
    on the previous line. Error lines (`df: /x: Permission denied`) are skipped.
    """
    lines = [line for line in _lines(text) if line.strip()]
    header_index = next(
        (i for i, line in enumerate(lines) if line.lstrip().startswith("Filesystem")), None
    )
    if header_index is None:
        raise AndroidParseError("df output has no `Filesystem` header")
    header = lines[header_index].split()
    toolbox = len(header) >= 2 and header[-1] == "Blksize"
    block = 1024
    if len(header) > 1 and header[1].lower() == "size":
        block = 1  # df -h: a bare number is in bytes
    elif len(header) > 1:
        match = re.fullmatch(r"([0-9]{1,7})([Kk]?)-blocks", header[1])
        if match:
            block = int(match.group(1)) * (1024 if match.group(2) else 1)
    mounts: list[Mount] = []
    pending = ""
    for line in lines[header_index + 1 :]:
        parts = line.split()
        if line.startswith("df:") or (parts and parts[0].endswith(":") and len(parts) < 4):
            pending = ""
            continue
        if len(parts) == 1:
            pending = parts[0]
            continue
        if pending and line[:1].isspace():
            parts = [pending, *parts]
        pending = ""
        if toolbox:
            if len(parts) < 4:
                continue
            sizes = [_size(p, 1) for p in parts[1:4]]
            if any(s is None for s in sizes):
                continue
            size, used, free = (s or 0 for s in sizes)
            mounts.append(Mount(parts[0], size, used, free, parts[0]))
            continue
        if len(parts) < 6:
            continue
        sizes = [_size(p, block) for p in parts[1:4]]
        if any(s is None for s in sizes) or not parts[4].endswith("%"):
            continue
        size, used, free = (s or 0 for s in sizes)
        mounts.append(Mount(parts[0], size, used, free, " ".join(parts[5:])))
    if not mounts and len(lines) > header_index + 1:
        raise AndroidParseError("df output has a header but no readable line")
    return mounts


_DATA_MOUNTS = ("/data", "/data/media", "/storage/emulated/0", "/storage/emulated", "/sdcard")


def data_partition(mounts: Iterable[Mount]) -> Mount | None:
    """The user-data partition: `/data`, else the views of it (`/storage/emulated`...)."""
    by_point = {m.mount_point.rstrip("/") or "/": m for m in mounts}
    for point in _DATA_MOUNTS:
        if point in by_point:
            return by_point[point]
    return None


# ---------------------------------------------------------------------------------------------
# memory, features


_MEMTOTAL_RE = re.compile(r"^\s*MemTotal:\s*([0-9]{1,15})\s*(kB|KB|k|K|mB|MB|B)?\s*$")
_TOTAL_RAM_RE = re.compile(r"^\s*Total RAM:\s*([0-9][0-9,]{0,20})\s*K\b")


def parse_meminfo(text: str) -> int | None:
    """`cat /proc/meminfo` (`MemTotal: 3681628 kB`) or `dumpsys meminfo` (`Total RAM:
    3,681,628K`) -> total RAM in bytes; None when the text has no total."""
    for line in _lines(text):
        match = _MEMTOTAL_RE.match(line)
        if match:
            unit = (match.group(2) or "kB").lower()
            factor = {"kb": 1024, "k": 1024, "mb": 1024**2, "b": 1}[unit]
            return int(match.group(1)) * factor
        match = _TOTAL_RAM_RE.match(line)
        if match:
            return int(match.group(1).replace(",", "")) * 1024
    return None


_FEATURE_RE = re.compile(r"^\s*feature:(?P<name>[^=\s]+)(?:=(?P<version>\S*))?\s*$")


def parse_feature_versions(text: str) -> dict[str, str]:
    """`pm list features` -> {name: version} for the features printed as `name=version`."""
    return {
        m.group("name"): m.group("version")
        for m in map(_FEATURE_RE.match, _lines(text))
        if m and m.group("version")
    }


def parse_features(text: str) -> frozenset[str]:
    """`pm list features` -> the feature names (`android.hardware.nfc`; versions dropped:
    `feature:reqGlEsVersion=0x30002` gives `reqGlEsVersion`, see parse_feature_versions)."""
    names = frozenset(m.group("name") for m in map(_FEATURE_RE.match, _lines(text)) if m)
    if not names:
        raise AndroidParseError("pm list features output has no `feature:` line")
    return names


def gles_version(versions: Mapping[str, str]) -> str | None:
    """The OpenGL ES version from `reqGlEsVersion` (`0x30002` -> `3.2`)."""
    raw = versions.get("reqGlEsVersion", "")
    match = re.fullmatch(r"0x([0-9a-fA-F]{1,8})", raw.strip())
    if not match:
        return None
    value = int(match.group(1), 16)
    return f"{value >> 16}.{value & 0xFFFF}"


# ---------------------------------------------------------------------------------------------
# service call iphonesubinfo

_OFFSET_RE = re.compile(r"0x[0-9a-fA-F]{1,16}:")
_WORD_RE = re.compile(r"(?<![0-9a-fA-Fx])[0-9a-fA-F]{8}(?![0-9a-fA-F])")


def parse_service_call_imei(text: str) -> str | None:
    """`service call iphonesubinfo N` -> the IMEI, or None.

    The reply is a Parcel dump: `Result: Parcel(0x00000000: 00000000 0000000f 00350033 ...
    '....3.5.')`, possibly over several lines. Word 0 is the status (non-zero: an exception,
    e.g. a permission refusal), word 1 the string length, then UTF-16 code units two per
    word, low half first. Only 15 digits with a valid Luhn check are returned.
    """
    if "Parcel" not in text:
        return None
    words: list[int] = []
    for line in _lines(text):
        if "'" in line:
            line = line[: line.index("'")]
        line = _OFFSET_RE.sub(" ", line)
        words.extend(int(w, 16) for w in _WORD_RE.findall(line))
    if len(words) < 3 or words[0] != 0:
        return None
    length = words[1]
    if length == 0xFFFFFFFF or length > 64:
        return None
    units: list[int] = []
    for word in words[2:]:
        units.extend((word & 0xFFFF, word >> 16))
    chars = "".join(chr(u) for u in units[:length])
    digits = chars.strip()
    if len(digits) != 15 or not (digits.isascii() and digits.isdigit()):
        return None
    return digits if is_valid_imei(digits) else None


# ---------------------------------------------------------------------------------------------
# dumpsys sensorservice


@dataclass(frozen=True, slots=True)
class SensorInfo:
    handle: str
    name: str
    vendor: str | None
    type: str | None  # e.g. "android.sensor.accelerometer"


_SENSOR_RE = re.compile(
    r"^\s*(?P<handle>(?:0x)?[0-9a-fA-F]{1,16})\)\s*(?P<name>[^|]*?)\s*\|(?P<rest>.*)$"
)
_TYPE_RE = re.compile(r"type:\s*(?P<t>[^|(\s]+)")
_SECTION_ENDS = ("Fusion States:", "Recent Sensor events:", "Active sensors:", "Socket Buffer")


def parse_sensor_list(text: str) -> list[SensorInfo]:
    """The `Sensor List:` section of `dumpsys sensorservice` (best effort, never raises).

    Lines look like `0x0000000b) BMI160 Accelerometer | Bosch | ver: 1 | type:
    android.sensor.accelerometer(1) | ...` (Android 8+) or `... | version=1 |
    android.sensor.accelerometer | ...` (older). Without a `Sensor List:` header, any such
    line is taken. Duplicated handles are kept once.
    """
    lines = _lines(text)
    start = next((i for i, ln in enumerate(lines) if ln.strip() == "Sensor List:"), None)
    body = lines if start is None else lines[start + 1 :]
    sensors: list[SensorInfo] = []
    seen: set[str] = set()
    for line in body:
        stripped = line.strip()
        if start is not None and stripped.startswith(_SECTION_ENDS):
            break
        match = _SENSOR_RE.match(line)
        if not match or not match.group("name"):
            continue
        fields = [f.strip() for f in match.group("rest").split("|")]
        type_match = _TYPE_RE.search(match.group("rest"))
        sensor_type = type_match.group("t") if type_match else None
        if sensor_type is None:
            sensor_type = next((f for f in fields if f.startswith("android.sensor.")), None)
        if sensor_type is None and not any(f.startswith(("ver", "version")) for f in fields):
            continue  # an "active-count" or client line, not a sensor
        handle = match.group("handle").lower()
        if handle in seen:
            continue
        seen.add(handle)
        sensors.append(
            SensorInfo(
                handle, match.group("name"), (fields[0] or None) if fields else None, sensor_type
            )
        )
    return sensors


def parse_sensors(text: str) -> list[str]:
    """Sensor names from `dumpsys sensorservice` (best effort: [] when none is found)."""
    return [s.name for s in parse_sensor_list(text)]


# ---------------------------------------------------------------------------------------------
# adb devices -l


@dataclass(frozen=True, slots=True)
class AdbDeviceLine:
    serial: str
    state: str  # device, unauthorized, offline, recovery, sideload, bootloader, no permissions...
    product: str | None = None
    model: str | None = None  # as adb prints it: spaces and dashes become "_" (SM_J600G)
    device: str | None = None
    transport_id: int | None = None
    usb: str | None = None
    detail: str | None = None  # adb's explanation, e.g. after "no permissions"


_ADB_INFO_RE = re.compile(r"^(?P<k>product|model|device|transport_id|usb|features):(?P<v>\S*)$")
_ADB_STATES = (
    "device",
    "unauthorized",
    "offline",
    "recovery",
    "sideload",
    "bootloader",
    "rescue",
    "host",
    "authorizing",
    "connecting",
    "unknown",
    "detached",
    "no permissions",
    "no device",
)


def parse_adb_devices(text: str) -> list[AdbDeviceLine]:
    """`adb devices [-l]` -> one entry per device line (daemon `*` lines skipped)."""
    result: list[AdbDeviceLine] = []
    seen_header = False
    for raw in _lines(text):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("List of devices attached"):
            seen_header = True
            continue
        if line.startswith(("*", "adb server", "adb: ", "error:")):
            continue
        parts = line.split()
        if len(parts) < 2:
            continue
        serial, rest = parts[0], parts[1:]
        joined = " ".join(rest)
        state = next((s for s in _ADB_STATES if joined == s or joined.startswith(s + " ")), None)
        if state is None:
            continue
        tokens = joined[len(state) :].split()
        info: dict[str, str] = {}
        detail: list[str] = []
        for token in tokens:
            match = _ADB_INFO_RE.match(token)
            if match:
                info.setdefault(match.group("k"), match.group("v"))
            elif not info:
                detail.append(token)
        result.append(
            AdbDeviceLine(
                serial=serial,
                state=state,
                product=info.get("product") or None,
                model=info.get("model") or None,
                device=info.get("device") or None,
                transport_id=_int(info.get("transport_id")),
                usb=info.get("usb") or None,
                detail=" ".join(detail) or None,
            )
        )
    if not result and not seen_header:
        raise AndroidParseError("not an `adb devices` listing (no header, no device line)")
    return result
