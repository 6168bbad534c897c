"""Drive health from smartctl's JSON output (`smartctl -j`), as one verdict an operator acts on.

Verdict rules. Every rule that matches adds a reason; the worst group that matched wins.

fail
  - the drive's own SMART overall-health check failed;
  - pending + offline-uncorrectable sectors reach `PENDING_FAIL_AT`, or grew since an earlier
    reading of the same drive (`previous`);
  - an NVMe critical-warning bit is set (spare space low, temperature, reliability degraded,
    read-only media, volatile backup failed, persistent memory read-only);
  - the drive says it has used 100 % or more of its rated endurance;
  - the most recent self-test failed (a test aborted or interrupted by the host is not a
    failure).
warning
  - reallocated sectors > 0;
  - pending or offline-uncorrectable sectors > 0, below `PENDING_FAIL_AT` and not growing;
  - endurance used >= `WEAR_WARN_AT` %;
  - power-on hours >= `POWER_ON_HOURS_WARN_AT`;
  - NVMe media and data-integrity errors > 0.
pass
  - SMART answered and nothing above matched.
unknown
  - the device gives no SMART at all (a loop device, an image file, a bridge smartctl cannot
    see through): smartctl says "Unable to detect device type", or answers without health
    data. The reason says so.

smartctl's exit status is a bit mask: bits 0-1 mean the command line or the device open
failed; the other bits are health findings (failing status, attributes past threshold, error
log entries...). A non-zero status with a valid JSON answer is therefore still parsed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from bench_app.jobs.process import ProcessResult
from bench_app.text import Text

Run = Callable[[Sequence[str]], ProcessResult]
"""Runs one program (argv) and returns what it printed; `ProcessRunner.run` in production."""

PENDING_FAIL_AT = 10
WEAR_WARN_AT = 80
POWER_ON_HOURS_WARN_AT = 30_000  # about 3.5 years powered on: far past a laptop's design life

_EXIT_COMMAND_FAILED = 0b11  # bit 0: command line did not parse; bit 1: device open failed

# ATA attributes whose normalised value is the endurance left, in percent.
_WEAR_ATTRIBUTES = (
    "Percent_Lifetime_Remain",  # Crucial / Micron
    "Wear_Leveling_Count",  # Samsung
    "Media_Wearout_Indicator",  # Intel
    "SSD_Life_Left",  # Kingston, SandForce-based drives
)

_CRITICAL_WARNING_BITS = (
    (0, Text("réserve de secteurs de secours épuisée", "spare space below threshold")),
    (1, Text("température hors limites", "temperature out of range")),
    (2, Text("fiabilité dégradée", "reliability degraded")),
    (3, Text("support passé en lecture seule", "media placed in read-only mode")),
    (4, Text("sauvegarde de la mémoire volatile en échec", "volatile memory backup failed")),
    (5, Text("mémoire persistante en lecture seule", "persistent memory read-only")),
)

_NO_DEVICE_MESSAGES = ("unable to detect device type", "unknown usb bridge", "please specify")


class SmartParseError(ValueError):
    """smartctl printed something that is not its JSON answer."""


@dataclass(frozen=True, slots=True)
class SmartReport:
    """What a drive says about its own health, and the bench's verdict on it."""

    verdict: str  # "pass" | "warning" | "fail" | "unknown"
    reasons: list[Text]
    power_on_hours: int | None = None
    reallocated_sectors: int | None = None
    pending_sectors: int | None = None
    offline_uncorrectable: int | None = None
    wear_percent_used: int | None = None
    media_errors: int | None = None
    critical_warning: int | None = None
    smart_passed: bool | None = None
    self_tests: list[dict[str, Any]] = field(default_factory=list)
    model: str | None = None
    serial: str | None = None
    firmware: str | None = None
    capacity_bytes: int | None = None
    rotation_rate: int | None = None  # rpm; 0 for a solid-state drive; None when not said
    raw: dict[str, Any] = field(default_factory=dict)

    def to_json(self, *, include_raw: bool = False) -> dict[str, Any]:
        """A JSON-serialisable record for the event log (smartctl's own answer on request)."""
        data: dict[str, Any] = {
            "verdict": self.verdict,
            "reasons": [reason.to_json() for reason in self.reasons],
            "power_on_hours": self.power_on_hours,
            "reallocated_sectors": self.reallocated_sectors,
            "pending_sectors": self.pending_sectors,
            "offline_uncorrectable": self.offline_uncorrectable,
            "wear_percent_used": self.wear_percent_used,
            "media_errors": self.media_errors,
            "critical_warning": self.critical_warning,
            "smart_passed": self.smart_passed,
            "self_tests": [dict(test) for test in self.self_tests],
            "model": self.model,
            "serial": self.serial,
            "firmware": self.firmware,
            "capacity_bytes": self.capacity_bytes,
            "rotation_rate": self.rotation_rate,
        }
        if include_raw:
            data["raw"] = self.raw
        return data


# ---------------------------------------------------------------------------------------------
# Small readers of smartctl's JSON. They never raise: a missing or odd value is None.


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    return None


def _str(value: object) -> str | None:
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


_LEADING_INT = re.compile(r"\s*([0-9]+)")


def _raw_count(attribute: Mapping[str, Any]) -> int | None:
    """An attribute's raw count as smartctl decodes it ("12" or "12 (Min/Max...)"), else the
    raw value. Some vendors pack several counters into the 48-bit raw value; the decoded
    string holds only the first one."""
    raw = _dict(attribute.get("raw"))
    text = raw.get("string")
    if isinstance(text, str):
        match = _LEADING_INT.match(text)
        if match:
            return int(match.group(1))
    return _int(raw.get("value"))


def _attributes(data: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """ATA attributes by name (and by "#id" for the ones vendors name differently)."""
    table = _dict(data.get("ata_smart_attributes")).get("table")
    found: dict[str, dict[str, Any]] = {}
    if not isinstance(table, list):
        return found
    for entry in table:
        if not isinstance(entry, dict):
            continue
        name = entry.get("name")
        if isinstance(name, str):
            found.setdefault(name, entry)
        ident = _int(entry.get("id"))
        if ident is not None:
            found.setdefault(f"#{ident}", entry)
    return found


def _attribute_count(attrs: Mapping[str, dict[str, Any]], name: str, ident: int) -> int | None:
    entry = attrs.get(name) or attrs.get(f"#{ident}")
    return _raw_count(entry) if entry is not None else None


def _ata_wear_used(attrs: Mapping[str, dict[str, Any]]) -> int | None:
    for name in _WEAR_ATTRIBUTES:
        entry = attrs.get(name)
        if entry is None:
            continue
        left = _int(entry.get("value"))
        if left is not None and 0 <= left <= 100:
            return 100 - left
    return None


def _self_tests(data: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Self-test log entries, most recent first: type, status, passed, lifetime_hours."""
    tests: list[dict[str, Any]] = []
    ata_log = _dict(data.get("ata_smart_self_test_log"))
    table = _dict(ata_log.get("extended")).get("table") or _dict(ata_log.get("standard")).get(
        "table"
    )
    if isinstance(table, list):
        for entry in table:
            if not isinstance(entry, dict):
                continue
            status = _dict(entry.get("status"))
            text = _str(status.get("string")) or ""
            passed = status.get("passed")
            tests.append(
                {
                    "type": _str(_dict(entry.get("type")).get("string")),
                    "status": text,
                    "passed": passed if isinstance(passed, bool) else _status_passed(text),
                    "lifetime_hours": _int(entry.get("lifetime_hours")),
                }
            )
        return tests
    nvme_table = _dict(data.get("nvme_self_test_log")).get("table")
    if isinstance(nvme_table, list):
        for entry in nvme_table:
            if not isinstance(entry, dict):
                continue
            result = _dict(entry.get("self_test_result"))
            code = _int(result.get("value"))
            tests.append(
                {
                    "type": _str(_dict(entry.get("self_test_code")).get("string")),
                    "status": _str(result.get("string")) or "",
                    "passed": _nvme_test_passed(code),
                    "lifetime_hours": _int(entry.get("power_on_hours")),
                }
            )
    return tests


def _nvme_test_passed(code: int | None) -> bool | None:
    """NVMe self-test result: 0 completed without error, 1-2 aborted by the host (neither
    passed nor failed), 3 and above failures."""
    if code is None or code in (1, 2):
        return None
    return code == 0


def _status_passed(text: str) -> bool | None:
    """Pass/fail from a self-test status sentence when smartctl gives no `passed` flag."""
    lowered = text.lower()
    if "without error" in lowered:
        return True
    if lowered.startswith(("aborted", "interrupted", "self-test routine in progress")):
        return None
    if "fail" in lowered or "error" in lowered:
        return False
    return None


def _test_failed(test: Mapping[str, Any]) -> bool:
    status = str(test.get("status") or "").lower()
    if status.startswith(("aborted", "interrupted")):
        return False
    return test.get("passed") is False


def _messages(data: Mapping[str, Any]) -> list[str]:
    messages = _dict(data.get("smartctl")).get("messages")
    if not isinstance(messages, list):
        return []
    return [
        m["string"] for m in messages if isinstance(m, dict) and isinstance(m.get("string"), str)
    ]


def _exit_status(data: Mapping[str, Any]) -> int:
    return _int(_dict(data.get("smartctl")).get("exit_status")) or 0


def _has_health_data(data: Mapping[str, Any]) -> bool:
    """Whether smartctl's answer carries any health data at all."""
    return bool(
        "passed" in _dict(data.get("smart_status"))
        or _attributes(data)
        or _dict(data.get("nvme_smart_health_information_log"))
    )


# ---------------------------------------------------------------------------------------------
# The verdict


def parse_smartctl(data: dict[str, Any], *, previous: SmartReport | None = None) -> SmartReport:
    """The report for one `smartctl -j -a` answer. `previous` is an earlier report of the same
    drive, when there is one, so growing pending sectors can be told from old ones."""
    capacity = _int(_dict(data.get("user_capacity")).get("bytes"))
    report = SmartReport(
        verdict="unknown",
        reasons=[],
        model=_str(data.get("model_name")),
        serial=_str(data.get("serial_number")),
        firmware=_str(data.get("firmware_version")),
        capacity_bytes=capacity if capacity is not None else _int(data.get("nvme_total_capacity")),
        rotation_rate=_int(data.get("rotation_rate")),
        raw=data,
    )
    if not _has_health_data(data):
        return replace(report, reasons=[_no_smart_reason(data)])
    attrs = _attributes(data)
    nvme = _dict(data.get("nvme_smart_health_information_log"))
    passed = _dict(data.get("smart_status")).get("passed")
    hours = _int(_dict(data.get("power_on_time")).get("hours"))
    report = replace(
        report,
        power_on_hours=hours if hours is not None else _int(nvme.get("power_on_hours")),
        reallocated_sectors=_attribute_count(attrs, "Reallocated_Sector_Ct", 5),
        pending_sectors=_attribute_count(attrs, "Current_Pending_Sector", 197),
        offline_uncorrectable=_attribute_count(attrs, "Offline_Uncorrectable", 198),
        wear_percent_used=_int(nvme.get("percentage_used"))
        if "percentage_used" in nvme
        else _ata_wear_used(attrs),
        media_errors=_int(nvme.get("media_errors")),
        critical_warning=_int(nvme.get("critical_warning")),
        smart_passed=passed if isinstance(passed, bool) else None,
        self_tests=_self_tests(data),
    )
    failures = _fail_reasons(report, previous)
    warnings = _warning_reasons(report, previous)
    verdict = "fail" if failures else "warning" if warnings else "pass"
    return replace(report, verdict=verdict, reasons=failures + warnings)


def _no_smart_reason(data: Mapping[str, Any]) -> Text:
    messages = " ".join(_messages(data)).lower()
    if any(marker in messages for marker in _NO_DEVICE_MESSAGES):
        return Text(
            "Ce support ne donne pas d’état SMART (image, disque virtuel ou adaptateur inconnu).",
            "This device gives no SMART data (image, virtual disk or unknown adapter).",
        )
    return Text("Le disque n’a pas donné son état SMART.", "The drive did not give its SMART data.")


def _bad_sectors(report: SmartReport) -> int:
    return (report.pending_sectors or 0) + (report.offline_uncorrectable or 0)


def _fail_reasons(report: SmartReport, previous: SmartReport | None) -> list[Text]:
    reasons: list[Text] = []
    if report.smart_passed is False:
        reasons.append(
            Text(
                "Le disque se déclare lui-même défaillant (SMART).",
                "The drive reports itself as failing (SMART).",
            )
        )
    bad = _bad_sectors(report)
    grew = previous is not None and bad > _bad_sectors(previous)
    if bad >= PENDING_FAIL_AT or (bad > 0 and grew):
        reasons.append(
            Text(
                f"{bad} secteurs illisibles{' (en hausse)' if grew else ''}.",
                f"{bad} unreadable sectors{' (growing)' if grew else ''}.",
            )
        )
    if report.critical_warning:
        fr = ", ".join(
            t.fr for bit, t in _CRITICAL_WARNING_BITS if report.critical_warning >> bit & 1
        )
        en = ", ".join(
            t.en for bit, t in _CRITICAL_WARNING_BITS if report.critical_warning >> bit & 1
        )
        reasons.append(
            Text(
                f"Alerte critique du disque : {fr or 'code inconnu'}.",
                f"Drive critical warning: {en or 'unknown code'}.",
            )
        )
    if report.wear_percent_used is not None and report.wear_percent_used >= 100:
        reasons.append(
            Text(
                f"Usure à {report.wear_percent_used} % : endurance épuisée.",
                f"Wear at {report.wear_percent_used} %: endurance used up.",
            )
        )
    if report.self_tests and _test_failed(report.self_tests[0]):
        said = self_test_failure(str(report.self_tests[0].get("status") or ""))
        reasons.append(
            Text(
                f"Le dernier autotest a échoué ({said.fr}).",
                f"The last self-test failed ({said.en}).",
            )
        )
    return reasons


def self_test_failure(status: str) -> Text:
    """The kind of failure a self-test reported (smartctl's English words), in plain words;
    the raw status stays in the evidence."""
    low = status.lower()
    for words, text in (
        ("read", Text("erreur de lecture", "read failure")),
        ("electrical", Text("panne électrique", "electrical failure")),
        ("servo", Text("panne mécanique", "mechanical failure")),
        ("seek", Text("panne mécanique", "mechanical failure")),
        ("handling", Text("dommage physique", "handling damage")),
    ):
        if words in low:
            return text
    return Text("cause inconnue", "unknown cause")


def _warning_reasons(report: SmartReport, previous: SmartReport | None) -> list[Text]:
    reasons: list[Text] = []
    if report.reallocated_sectors:
        n = report.reallocated_sectors
        reasons.append(Text(f"{n} secteurs réalloués.", f"{n} reallocated sectors."))
    bad = _bad_sectors(report)
    grew = previous is not None and bad > _bad_sectors(previous)
    if 0 < bad < PENDING_FAIL_AT and not grew:
        reasons.append(
            Text(
                f"{bad} secteurs en attente de réallocation.",
                f"{bad} sectors pending reallocation.",
            )
        )
    wear = report.wear_percent_used
    if wear is not None and WEAR_WARN_AT <= wear < 100:
        reasons.append(Text(f"Usure à {wear} %.", f"Wear at {wear} %."))
    hours = report.power_on_hours
    if hours is not None and hours >= POWER_ON_HOURS_WARN_AT:
        reasons.append(Text(f"{hours} heures de fonctionnement.", f"{hours} power-on hours."))
    if report.media_errors:
        n = report.media_errors
        reasons.append(Text(f"{n} erreurs de support.", f"{n} media errors."))
    return reasons


# ---------------------------------------------------------------------------------------------
# Running smartctl


def load_json(result: ProcessResult) -> dict[str, Any]:
    """smartctl's (or nvme-cli's) JSON answer; raises SmartParseError when there is none."""
    try:
        data = json.loads(result.stdout)
    except ValueError as exc:
        raise SmartParseError(f"{result.argv[0]} printed no JSON: {result.stderr.strip()}") from exc
    if not isinstance(data, dict):
        raise SmartParseError(f"{result.argv[0]} printed JSON that is not an object")
    return data


def _device_options(transport: str | None) -> list[list[str]]:
    """smartctl -d options to try in turn. Behind a USB bridge, SCSI-to-ATA translation is
    what most bridges speak; smartctl's own guess comes second."""
    return [["-d", "sat"], []] if transport == "usb" else [[]]


def _smartctl(
    run: Run, device_path: str, options: Sequence[str], transport: str | None
) -> dict[str, Any]:
    """The first usable answer among the -d options for `transport` (or the last answer)."""
    last: dict[str, Any] = {}
    for device_option in _device_options(transport):
        result = run(["smartctl", "-j", *options, *device_option, device_path])
        try:
            data = load_json(result)
        except SmartParseError:
            continue
        last = data
        if not _exit_status(data) & _EXIT_COMMAND_FAILED:
            return data
    return last


def read_smart(
    device_path: str,
    run: Run,
    *,
    transport: str | None = None,
    previous: SmartReport | None = None,
) -> SmartReport:
    """`smartctl -j -a` on the drive, read into a report (verdict "unknown" when there is no
    SMART to read). `transport` is "usb" for a drive behind a USB bridge."""
    return parse_smartctl(_smartctl(run, device_path, ["-a"], transport), previous=previous)


# ---------------------------------------------------------------------------------------------
# Short self-test on request


@dataclass(frozen=True, slots=True)
class SelfTestStatus:
    """Where the drive's self-test stands."""

    state: str  # "running" | "passed" | "failed" | "aborted" | "none" | "unsupported"
    remaining_percent: int | None = None
    expected_minutes: int | None = None  # the drive's own estimate for a short test
    message: Text | None = None

    @property
    def running(self) -> bool:
        return self.state == "running"


def parse_self_test_status(data: dict[str, Any]) -> SelfTestStatus:
    """The self-test state from `smartctl -j -c -l selftest` (ATA), or from the NVMe
    self-test log that smartctl 7.4 and later print."""
    nvme_log = _dict(data.get("nvme_self_test_log"))
    if nvme_log:
        return _nvme_self_test_status(nvme_log, data)
    self_test = _dict(_dict(data.get("ata_smart_data")).get("self_test"))
    status = _dict(self_test.get("status"))
    expected = _int(_dict(self_test.get("polling_minutes")).get("short"))
    value = _int(status.get("value"))
    if value is None:
        return SelfTestStatus(
            "unsupported",
            message=Text("Ce disque ne permet pas d’autotest.", "This drive offers no self-test."),
        )
    if value >> 4 == 0xF:
        remaining = _int(status.get("remaining_percent"))
        return SelfTestStatus(
            "running", remaining if remaining is not None else (value & 0xF) * 10, expected
        )
    tests = _self_tests(data)
    if not tests:
        return SelfTestStatus("none", expected_minutes=expected)
    return _finished(tests[0], expected)


def _nvme_self_test_status(log: dict[str, Any], data: dict[str, Any]) -> SelfTestStatus:
    current = _int(_dict(log.get("current_self_test_operation")).get("value")) or 0
    if current:
        done = _int(log.get("current_self_test_completion_percent"))
        return SelfTestStatus("running", None if done is None else 100 - done)
    tests = _self_tests(data)
    return _finished(tests[0], None) if tests else SelfTestStatus("none")


def _finished(test: Mapping[str, Any], expected: int | None) -> SelfTestStatus:
    status = str(test.get("status") or "")
    if status.lower().startswith(("aborted", "interrupted")):
        return SelfTestStatus(
            "aborted",
            expected_minutes=expected,
            message=Text("L’autotest a été interrompu.", "The self-test was interrupted."),
        )
    if _test_failed(test):
        return SelfTestStatus(
            "failed",
            expected_minutes=expected,
            message=Text(
                f"L’autotest a échoué ({self_test_failure(status).fr}).",
                f"The self-test failed ({self_test_failure(status).en}).",
            ),
        )
    return SelfTestStatus("passed", expected_minutes=expected)


def start_short_self_test(
    device_path: str, run: Run, transport: str | None = None
) -> SelfTestStatus:
    """Asks the drive to start its short self-test (a few minutes, in the background)."""
    data = _smartctl(run, device_path, ["-t", "short"], transport)
    if not data or _exit_status(data) & _EXIT_COMMAND_FAILED or _exit_status(data) & 0b100:
        return SelfTestStatus(
            "unsupported",
            message=Text(
                "Le disque a refusé de lancer l’autotest.",
                "The drive refused to start the self-test.",
            ),
        )
    self_test = _dict(_dict(data.get("ata_smart_data")).get("self_test"))
    return SelfTestStatus(
        "running", 100, _int(_dict(self_test.get("polling_minutes")).get("short"))
    )


def self_test_status(device_path: str, run: Run, transport: str | None = None) -> SelfTestStatus:
    """Polls the drive's self-test state (capabilities and self-test log)."""
    data = _smartctl(run, device_path, ["-c", "-l", "selftest"], transport)
    if not data or _exit_status(data) & _EXIT_COMMAND_FAILED:
        return SelfTestStatus(
            "unsupported",
            message=Text("Le disque ne répond pas.", "The drive does not answer."),
        )
    return parse_self_test_status(data)
