"""What an NVMe drive can do to erase itself, from nvme-cli's JSON (`-o json`).

Field meanings are the NVMe Base Specification's (Identify Controller data structure and
Sanitize Status log page 81h); the JSON key names are nvme-cli 2.x's:

- `sanicap` (Sanitize Capabilities): bit 0 crypto erase, bit 1 block erase, bit 2 overwrite;
  bit 29 "No-Deallocate Inhibited".
- `fna` (Format NVM Attributes): bit 0 a format applies to all namespaces, bit 1 a secure
  erase applies to all namespaces, bit 2 cryptographic erase is supported as part of format.
- `oacs` (Optional Admin Command Support): bit 1 Format NVM.
- sanitize log: `sprog` is the fraction done over 65536 (65535 once complete); `sstat` holds
  the status in bits 2:0 (0 never sanitized, 1 completed, 2 in progress, 3 failed,
  4 completed without deallocation), the overwrite passes done in bits 7:3, and bit 8
  "global data erased". nvme-cli prints it as an object:
  {"global_erased": 1, "no_cmplted_passes": 0, "status": "(1) Most Recent Sanitize Command
  Completed Successfully."}. Estimated times are seconds, 0xFFFFFFFF when not reported.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bench_app.devices.drives.smart import Run, SmartParseError, load_json
from bench_app.jobs.process import ProcessResult


class NvmeParseError(ValueError):
    """nvme-cli printed no usable answer for this question."""


def _int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        text = value.strip().lower()
        try:
            return int(text, 16) if text.startswith("0x") else int(text)
        except ValueError:
            return None
    return None


def _str(value: object) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _json(result: ProcessResult) -> dict[str, Any]:
    if result.returncode != 0:
        raise NvmeParseError(f"{' '.join(result.argv[:2])} failed: {result.stderr.strip()}")
    try:
        return load_json(result)
    except SmartParseError as exc:
        raise NvmeParseError(str(exc)) from exc


# ---------------------------------------------------------------------------------------------
# nvme id-ctrl


@dataclass(frozen=True, slots=True)
class NvmeCapabilities:
    """The identity and erase features of one NVMe controller."""

    model: str | None
    serial: str | None
    firmware: str | None
    sanitize_crypto: bool
    sanitize_block: bool
    sanitize_overwrite: bool
    no_deallocate_inhibited: bool
    format_supported: bool
    format_all_namespaces: bool
    secure_erase_all_namespaces: bool
    format_crypto_erase: bool
    namespaces: int | None
    total_capacity_bytes: int | None

    @property
    def sanitize_supported(self) -> bool:
        return self.sanitize_crypto or self.sanitize_block or self.sanitize_overwrite


def parse_id_ctrl(data: dict[str, Any]) -> NvmeCapabilities:
    """`nvme id-ctrl DEVICE -o json`. Raises NvmeParseError when it is not that answer."""
    if not any(key in data for key in ("mn", "sn", "oacs")):
        raise NvmeParseError("nvme id-ctrl JSON has no identify controller fields")
    sanicap = _int(data.get("sanicap")) or 0
    fna = _int(data.get("fna")) or 0
    oacs = _int(data.get("oacs")) or 0
    return NvmeCapabilities(
        model=_str(data.get("mn")),
        serial=_str(data.get("sn")),
        firmware=_str(data.get("fr")),
        sanitize_crypto=bool(sanicap & 1),
        sanitize_block=bool(sanicap >> 1 & 1),
        sanitize_overwrite=bool(sanicap >> 2 & 1),
        no_deallocate_inhibited=bool(sanicap >> 29 & 1),
        format_supported=bool(oacs >> 1 & 1),
        format_all_namespaces=bool(fna & 1),
        secure_erase_all_namespaces=bool(fna >> 1 & 1),
        format_crypto_erase=bool(fna >> 2 & 1),
        namespaces=_int(data.get("nn")),
        total_capacity_bytes=_int(data.get("tnvmcap")) or None,
    )


def read_id_ctrl(device_path: str, run: Run) -> NvmeCapabilities:
    """`nvme id-ctrl -o json` on the drive, parsed."""
    return parse_id_ctrl(_json(run(["nvme", "id-ctrl", device_path, "-o", "json"])))


# ---------------------------------------------------------------------------------------------
# nvme sanitize-log

_STATUSES = {
    0: "never",
    1: "completed",
    2: "in_progress",
    3: "failed",
    4: "completed_no_deallocate",
}
_NOT_REPORTED = 0xFFFFFFFF
_STATUS_TEXT = re.compile(r"^\((\d+)\)")


@dataclass(frozen=True, slots=True)
class SanitizeLog:
    """Where the drive's most recent sanitize stands."""

    status: str  # "never" | "completed" | "in_progress" | "failed" | "completed_no_deallocate"
    progress: float  # 0..1 of the operation in progress (1.0 once complete)
    global_erased: bool | None
    passes: int | None
    last_action: int | None  # SANACT of the most recent sanitize command (bits 2:0 of CDW10)
    estimate_overwrite_s: int | None
    estimate_block_erase_s: int | None
    estimate_crypto_erase_s: int | None

    @property
    def done(self) -> bool:
        return self.status in ("completed", "completed_no_deallocate")

    @property
    def failed(self) -> bool:
        return self.status == "failed"


def _unwrap(data: Mapping[str, Any]) -> Mapping[str, Any]:
    """nvme-cli 2.x puts the log under the device name: {"nvme0n1": {...}}."""
    if "sprog" in data or "sstat" in data:
        return data
    values = [value for value in data.values() if isinstance(value, dict)]
    if len(values) == 1:
        return values[0]
    raise NvmeParseError("nvme sanitize-log JSON has no sanitize status")


def _status_code(sstat: object) -> tuple[int | None, bool | None, int | None]:
    """(status, global erased, passes) from `sstat`, as an object or as the raw register."""
    raw = _int(sstat)
    if raw is not None:
        return raw & 0x7, bool(raw >> 8 & 1), raw >> 3 & 0x1F
    if not isinstance(sstat, dict):
        return None, None, None
    code = None
    for key, value in sstat.items():
        # The status text is "(N) ..."; some nvme-cli versions used the text itself as key.
        for candidate in (value, key):
            match = _STATUS_TEXT.match(candidate) if isinstance(candidate, str) else None
            if match and code is None:
                code = int(match.group(1))
    erased = _int(sstat.get("global_erased"))
    return code, None if erased is None else bool(erased), _int(sstat.get("no_cmplted_passes"))


def _seconds(value: object) -> int | None:
    number = _int(value)
    return None if number is None or number == _NOT_REPORTED else number


def parse_sanitize_log(data: dict[str, Any]) -> SanitizeLog:
    """`nvme sanitize-log DEVICE -o json`."""
    body = _unwrap(data)
    code, erased, passes = _status_code(body.get("sstat"))
    if code is None:
        raise NvmeParseError("nvme sanitize-log JSON has no readable status")
    sprog = _int(body.get("sprog"))
    status = _STATUSES.get(code, "unknown")
    if status in ("completed", "completed_no_deallocate"):
        progress = 1.0
    else:
        progress = min((sprog or 0) / 65536, 1.0)
    cdw10 = _int(body.get("cdw10_info"))
    return SanitizeLog(
        status=status,
        progress=progress,
        global_erased=erased,
        passes=passes,
        last_action=None if cdw10 is None else cdw10 & 0x7,
        estimate_overwrite_s=_seconds(body.get("time_over_write")),
        estimate_block_erase_s=_seconds(body.get("time_block_erase")),
        estimate_crypto_erase_s=_seconds(body.get("time_crypto_erase")),
    )


def read_sanitize_log(device_path: str, run: Run) -> SanitizeLog:
    """`nvme sanitize-log -o json` on the drive, parsed."""
    return parse_sanitize_log(_json(run(["nvme", "sanitize-log", device_path, "-o", "json"])))
