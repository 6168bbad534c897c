"""What a SATA drive can do and hides, read from hdparm's text.

`hdparm -I` gives the identity, the ATA security state and the sanitize feature set;
`hdparm -N` the Host Protected Area (sectors hidden at the end of the drive);
`hdparm --dco-identify` the Device Configuration Overlay (capacity and features a maker
turned off). Parsers are pure: each returns a result or raises `AtaParseError` when the text
holds no answer (a loop device, a USB bridge that does not pass ATA commands...).

The formats are hdparm 9.x's (Debian's hdparm 9.65): tab-indented sections, feature lines
"\t   *\tNAME" (enabled) or "\t    \tNAME" (supported, off), security lines "\t\tWORD" (true)
or "\tnot\tWORD" (false).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bench_app.devices.drives.smart import Run
from bench_app.text import Text


class AtaParseError(ValueError):
    """hdparm printed no usable answer for this question."""


class AtaCommandError(RuntimeError):
    """An hdparm command that changes the drive did not do what it should."""

    def __init__(self, reason: Text, detail: str = "") -> None:
        super().__init__(f"{reason.en} {detail}".strip())
        self.reason = reason
        self.detail = detail


# ---------------------------------------------------------------------------------------------
# hdparm -I


@dataclass(frozen=True, slots=True)
class AtaCapabilities:
    """The identity, security state and erase features of one ATA drive."""

    model: str | None
    serial: str | None
    firmware: str | None
    sectors: int | None  # LBA48 user addressable sectors (LBA28 ones on old drives)
    logical_sector_size: int | None
    physical_sector_size: int | None
    rotation_rate: int | None  # rpm; 0 for "Solid State Device"; None when not said
    trim: bool
    security_supported: bool
    security_enabled: bool
    security_locked: bool
    security_frozen: bool
    security_count_expired: bool
    enhanced_erase_supported: bool
    erase_minutes: int | None  # the drive's estimate for SECURITY ERASE UNIT
    enhanced_erase_minutes: int | None
    sanitize_supported: bool
    sanitize_crypto: bool
    sanitize_block: bool
    sanitize_overwrite: bool

    @property
    def solid_state(self) -> bool:
        return self.rotation_rate == 0

    @property
    def capacity_bytes(self) -> int | None:
        if self.sectors is None:
            return None
        return self.sectors * (self.logical_sector_size or 512)


def _lines(text: str) -> list[str]:
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def _field(text: str, label: str) -> str | None:
    match = re.search(rf"^\s*{re.escape(label)}:[ \t]*(.*?)\s*$", text, re.MULTILINE)
    return match.group(1) if match and match.group(1) else None


def _int_field(text: str, pattern: str) -> int | None:
    match = re.search(pattern, text, re.MULTILINE)
    return int(match.group(1)) if match else None


def _features(text: str) -> set[str]:
    """The names in the "Commands/features" and sanitize lists (supported ones)."""
    names: set[str] = set()
    for line in _lines(text):
        match = re.match(r"^\t   [* ]\t\s*(\S.*?)\s*$", line)
        if match:
            names.add(match.group(1))
    return names


def _security(text: str) -> dict[str, bool]:
    """The "Security:" section: {"supported": True, "frozen": False, ...}."""
    states: dict[str, bool] = {}
    inside = False
    for line in _lines(text):
        if line.startswith("Security:"):
            inside = True
            continue
        if not inside:
            continue
        if line and not line[0].isspace():
            break
        stripped = line.strip()
        if stripped.startswith("not") or stripped.startswith("(?)"):
            states[stripped[3:].strip()] = False
        elif stripped and "min for" not in stripped and "=" not in stripped:
            states.setdefault(stripped, True)
    return states


_ERASE_TIME = re.compile(r"(?:more than )?(\d+)min for (ENHANCED )?SECURITY ERASE UNIT")


def _erase_minutes(text: str) -> tuple[int | None, int | None]:
    normal = enhanced = None
    for match in _ERASE_TIME.finditer(text):
        if match.group(2):
            enhanced = int(match.group(1))
        else:
            normal = int(match.group(1))
    return normal, enhanced


def _rotation(text: str) -> int | None:
    value = _field(text, "Nominal Media Rotation Rate")
    if value is None:
        return None
    if "solid state" in value.lower():
        return 0
    return int(value) if value.isdigit() else None


def parse_identify(text: str) -> AtaCapabilities:
    """`hdparm -I DEVICE`. Raises AtaParseError when hdparm got no IDENTIFY answer."""
    model = _field(text, "Model Number")
    sectors = _int_field(text, r"LBA48\s+user addressable sectors:\s*(\d+)") or _int_field(
        text, r"LBA\s+user addressable sectors:\s*(\d+)"
    )
    if model is None and sectors is None:
        raise AtaParseError("hdparm -I printed no ATA IDENTIFY data")
    features = _features(text)
    security = _security(text)
    normal, enhanced = _erase_minutes(text)
    return AtaCapabilities(
        model=model,
        serial=_field(text, "Serial Number"),
        firmware=_field(text, "Firmware Revision"),
        sectors=sectors,
        logical_sector_size=_int_field(text, r"Logical\s+Sector size:\s*(\d+) bytes"),
        physical_sector_size=_int_field(text, r"Physical Sector size:\s*(\d+) bytes"),
        rotation_rate=_rotation(text),
        trim=any(name.startswith("Data Set Management TRIM supported") for name in features),
        security_supported=security.get("supported", False),
        security_enabled=security.get("enabled", False),
        security_locked=security.get("locked", False),
        security_frozen=security.get("frozen", False),
        security_count_expired=security.get("expired: security count", False),
        enhanced_erase_supported=security.get("supported: enhanced erase", False),
        erase_minutes=normal,
        enhanced_erase_minutes=enhanced,
        sanitize_supported="SANITIZE feature set" in features,
        sanitize_crypto="CRYPTO_SCRAMBLE_EXT command" in features,
        sanitize_block="BLOCK_ERASE_EXT command" in features,
        sanitize_overwrite="OVERWRITE_EXT command" in features,
    )


def read_identify(device_path: str, run: Run) -> AtaCapabilities:
    """`hdparm -I` on the drive, parsed."""
    result = run(["hdparm", "-I", device_path])
    return parse_identify(result.stdout)


# ---------------------------------------------------------------------------------------------
# hdparm --sanitize-status


@dataclass(frozen=True, slots=True)
class AtaSanitizeStatus:
    """Where an ATA sanitize operation stands."""

    state: str  # "idle" | "frozen" | "in_progress" | "failed"
    progress: float | None  # 0..1 while in progress
    last_succeeded: bool  # "Last Sanitize Operation Completed Without Error"


_PROGRESS = re.compile(r"Progress:\s*0x([0-9a-fA-F]+)")


def parse_sanitize_status(text: str) -> AtaSanitizeStatus:
    """`hdparm --sanitize-status` (stdout and stderr together: a failed sanitize makes the
    status command itself fail and print the reason on stderr)."""
    if "Sanitize Operation Failed" in text or "completed unsuccessfully" in text:
        return AtaSanitizeStatus("failed", None, False)
    last_ok = "Completed Without Error" in text
    if "SD2" in text:
        match = _PROGRESS.search(text)
        progress = min(int(match.group(1), 16) / 0xFFFF, 1.0) if match else None
        return AtaSanitizeStatus("in_progress", progress, last_ok)
    if "SD1" in text or "Device in FROZEN state" in text:
        return AtaSanitizeStatus("frozen", None, last_ok)
    if "SD0" in text or "SD4" in text:
        return AtaSanitizeStatus("idle", None, last_ok or "SD4" in text)
    raise AtaParseError("hdparm printed no sanitize status")


# ---------------------------------------------------------------------------------------------
# Host Protected Area: hdparm -N


@dataclass(frozen=True, slots=True)
class HiddenArea:
    """The drive's visible and native size, in sectors (a Host Protected Area hides the
    difference from the operating system and from any overwrite)."""

    visible_sectors: int
    native_sectors: int
    enabled: bool

    @property
    def hidden_sectors(self) -> int:
        return max(self.native_sectors - self.visible_sectors, 0)


_MAX_SECTORS = re.compile(r"max sectors\s*=\s*(\d+)/(\d+)")


def parse_hpa(text: str) -> HiddenArea:
    """`hdparm -N`: " max sectors   = 976771055/976773168, HPA is enabled". Newer drives say
    "ACCESSIBLE MAX ADDRESS enabled" for the same thing."""
    match = _MAX_SECTORS.search(text)
    if not match:
        raise AtaParseError("hdparm -N printed no max sectors line")
    visible, native = int(match.group(1)), int(match.group(2))
    return HiddenArea(visible, native, enabled=visible < native)


def read_hpa(device_path: str, run: Run) -> HiddenArea:
    """`hdparm -N` on the drive, parsed."""
    result = run(["hdparm", "-N", device_path])
    return parse_hpa(result.stdout)


def remove_hpa(device_path: str, native_sectors: int, run: Run) -> HiddenArea:
    """Makes the whole drive visible again, permanently (the "p" prefix), then reads the size
    back. Drives accept one permanent change per power cycle; raises AtaCommandError when the
    drive still hides sectors."""
    result = run(
        ["hdparm", "--yes-i-know-what-i-am-doing", "-N", f"p{native_sectors}", device_path]
    )
    if result.returncode != 0:
        raise AtaCommandError(
            Text(
                "Le disque a refusé de montrer sa zone cachée (HPA).",
                "The drive refused to reveal its hidden area (HPA).",
            ),
            result.stderr.strip(),
        )
    area = read_hpa(device_path, run)
    if area.hidden_sectors:
        raise AtaCommandError(
            Text(
                "La zone cachée (HPA) est toujours là : éteignez et rallumez le disque, puis "
                "relancez.",
                "The hidden area (HPA) is still there: power the drive off and on, then retry.",
            ),
            f"{area.visible_sectors}/{area.native_sectors}",
        )
    return area


# ---------------------------------------------------------------------------------------------
# Device Configuration Overlay: hdparm --dco-identify


@dataclass(frozen=True, slots=True)
class DcoInfo:
    """What the drive could offer before its maker restricted it through DCO."""

    real_max_sectors: int
    transfer_modes: tuple[str, ...]
    ata_features: tuple[str, ...]
    sata_features: tuple[str, ...]
    restricted: bool  # the real size is larger than the drive's current native size


def _dco_section(lines: list[str], title: str) -> tuple[str, ...]:
    """The words listed under one "\tTITLE:" heading (on the lines indented deeper)."""
    words: list[str] = []
    inside = False
    for line in lines:
        if line.startswith("\t") and not line.startswith("\t\t"):
            inside = line.strip().startswith(title)
            rest = line.strip()[len(title) :].strip(" :") if inside else ""
            words.extend(rest.split())
            continue
        if inside and line.startswith("\t\t"):
            words.extend(word for word in line.split() if word not in ("(?):",))
    return tuple(words)


def parse_dco(text: str, native_max_sectors: int | None = None) -> DcoInfo:
    """`hdparm --dco-identify`. `native_max_sectors` is the native size `hdparm -N` reports;
    a larger "Real max sectors" means DCO hides part of the drive."""
    real = _int_field(text, r"Real max sectors:\s*(\d+)")
    if real is None:
        raise AtaParseError("hdparm --dco-identify printed no DCO data")
    lines = _lines(text)
    return DcoInfo(
        real_max_sectors=real,
        transfer_modes=_dco_section(lines, "Transfer modes"),
        ata_features=_dco_section(lines, "ATA command/feature sets"),
        sata_features=_dco_section(lines, "SATA command/feature sets"),
        restricted=native_max_sectors is not None and real > native_max_sectors,
    )


def read_dco(device_path: str, run: Run, native_max_sectors: int | None = None) -> DcoInfo:
    """`hdparm --dco-identify` on the drive, parsed."""
    result = run(["hdparm", "--dco-identify", device_path])
    return parse_dco(result.stdout, native_max_sectors)
