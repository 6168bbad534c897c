"""Drive health from smartctl's JSON: the recorded answers, every verdict rule, running smartctl
behind a USB bridge, and the short self-test."""

from __future__ import annotations

import copy
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from bench_app.devices.drives import smart
from bench_app.devices.drives.smart import SmartReport, parse_smartctl, read_smart
from bench_app.jobs.process import ProcessResult
from bench_app.simulators.drive_firmware import SimulatedAtaDrive
from tests.drives.recorded import load


def fixture(name: str) -> dict[str, Any]:
    data = load(f"smartctl/{name}")
    assert isinstance(data, dict)
    return data


def set_attribute(
    data: dict[str, Any], ident: int, *, raw: int | None = None, value: int | None = None
) -> None:
    for entry in data["ata_smart_attributes"]["table"]:
        if entry["id"] == ident:
            if raw is not None:
                entry["raw"] = {"value": raw, "string": str(raw)}
            if value is not None:
                entry["value"] = value
            return
    raise AssertionError(f"no attribute {ident}")


def reasons_fr(report: SmartReport) -> list[str]:
    return [reason.fr for reason in report.reasons]


# ---------------------------------------------------------------------------------------------
# Recorded answers


def test_healthy_sata_ssd_passes_with_every_field_read() -> None:
    report = parse_smartctl(fixture("sata_ssd_healthy.json"))
    assert report.verdict == "pass"
    assert report.reasons == []
    assert (report.model, report.serial, report.firmware) == (
        "CT500MX500SSD1",
        "2117E59A3C1D",
        "M3CR046",
    )
    assert report.capacity_bytes == 500107862016
    assert report.rotation_rate == 0
    assert report.power_on_hours == 4213
    # Crucial names attributes 5 and 197 its own way: they are found by id.
    assert (report.reallocated_sectors, report.pending_sectors, report.offline_uncorrectable) == (
        0,
        0,
        0,
    )
    assert report.wear_percent_used == 4  # Percent_Lifetime_Remain normalised 96
    assert report.smart_passed is True
    assert report.media_errors is None and report.critical_warning is None
    assert report.self_tests[0] == {
        "type": "Short offline",
        "status": "Completed without error",
        "passed": True,
        "lifetime_hours": 4201,
    }
    assert len(report.self_tests) == 2


def test_hdd_with_bad_sectors_and_a_failed_self_test_fails() -> None:
    report = parse_smartctl(fixture("sata_hdd_bad_sectors.json"))
    assert report.verdict == "fail"
    assert report.rotation_rate == 5400
    assert (report.reallocated_sectors, report.pending_sectors, report.offline_uncorrectable) == (
        48,
        8,
        0,
    )
    assert report.power_on_hours == 11874
    assert report.self_tests[0]["passed"] is False
    assert report.self_tests[2]["status"] == "Aborted by host"
    assert reasons_fr(report) == [
        "Le dernier autotest a échoué (erreur de lecture).",
        "48 secteurs réalloués.",
        "8 secteurs en attente de réallocation.",
    ]
    assert report.reasons[1].en == "48 reallocated sectors."


def test_hdd_whose_last_self_test_passed_is_only_a_warning() -> None:
    data = fixture("sata_hdd_bad_sectors.json")
    del data["ata_smart_self_test_log"]["standard"]["table"][0]
    report = parse_smartctl(data)
    assert report.verdict == "warning"
    assert reasons_fr(report) == [
        "48 secteurs réalloués.",
        "8 secteurs en attente de réallocation.",
    ]


def test_nvme_drive_worn_and_with_media_errors_is_a_warning() -> None:
    report = parse_smartctl(fixture("nvme_worn.json"))
    assert report.verdict == "warning"
    assert report.model == "SAMSUNG MZVLB512HBJQ-000L7"
    assert report.capacity_bytes == 512110190592
    assert report.wear_percent_used == 87
    assert report.media_errors == 3
    assert report.critical_warning == 0
    assert report.power_on_hours == 9321
    assert report.rotation_rate is None
    assert reasons_fr(report) == ["Usure à 87 %.", "3 erreurs de support."]


def test_usb_bridged_drive_read_with_sat_passes() -> None:
    report = parse_smartctl(fixture("usb_bridge_sat.json"))
    assert report.verdict == "pass"
    assert report.serial == "WD-WX41A87DJH3R"
    assert report.self_tests == []


@pytest.mark.parametrize(
    "name", ["loop_device.json", "loop_device_sat.json", "usb_unknown_bridge.json"]
)
def test_devices_without_smart_are_unknown_with_a_reason(name: str) -> None:
    report = parse_smartctl(fixture(name))
    assert report.verdict == "unknown"
    assert len(report.reasons) == 1
    assert report.smart_passed is None


def test_loop_device_reason_says_it_gives_no_smart() -> None:
    report = parse_smartctl(fixture("loop_device.json"))
    assert report.reasons[0].fr.startswith("Ce support ne donne pas d’état SMART")
    assert "no SMART data" in report.reasons[0].en


# ---------------------------------------------------------------------------------------------
# Each verdict rule


def test_smart_overall_failure_fails() -> None:
    data = fixture("sata_ssd_healthy.json")
    data["smart_status"]["passed"] = False
    report = parse_smartctl(data)
    assert report.verdict == "fail"
    assert reasons_fr(report) == ["Le disque se déclare lui-même défaillant (SMART)."]


def test_pending_plus_uncorrectable_at_the_threshold_fails() -> None:
    data = fixture("usb_bridge_sat.json")
    set_attribute(data, 197, raw=6)
    set_attribute(data, 198, raw=smart.PENDING_FAIL_AT - 6)
    report = parse_smartctl(data)
    assert report.verdict == "fail"
    assert reasons_fr(report) == [f"{smart.PENDING_FAIL_AT} secteurs illisibles."]


def test_pending_below_the_threshold_is_a_warning() -> None:
    data = fixture("usb_bridge_sat.json")
    set_attribute(data, 197, raw=smart.PENDING_FAIL_AT - 1)
    assert parse_smartctl(data).verdict == "warning"


def test_growing_pending_sectors_fail_even_below_the_threshold() -> None:
    before = fixture("usb_bridge_sat.json")
    set_attribute(before, 197, raw=2)
    now = fixture("usb_bridge_sat.json")
    set_attribute(now, 197, raw=3)
    report = parse_smartctl(now, previous=parse_smartctl(before))
    assert report.verdict == "fail"
    assert reasons_fr(report) == ["3 secteurs illisibles (en hausse)."]
    assert report.reasons[0].en == "3 unreadable sectors (growing)."


def test_stable_pending_sectors_against_an_earlier_reading_stay_a_warning() -> None:
    data = fixture("usb_bridge_sat.json")
    set_attribute(data, 197, raw=3)
    first = parse_smartctl(data)
    assert parse_smartctl(copy.deepcopy(data), previous=first).verdict == "warning"


@pytest.mark.parametrize(
    ("bits", "named"),
    [
        (0b1, "réserve de secteurs de secours épuisée"),
        (0b100, "fiabilité dégradée"),
        (0b1000, "support passé en lecture seule"),
    ],
)
def test_nvme_critical_warning_bits_fail_and_are_named(bits: int, named: str) -> None:
    data = fixture("nvme_worn.json")
    data["nvme_smart_health_information_log"]["critical_warning"] = bits
    report = parse_smartctl(data)
    assert report.verdict == "fail"
    assert report.reasons[0].fr == f"Alerte critique du disque : {named}."


def test_nvme_endurance_used_up_fails() -> None:
    data = fixture("nvme_worn.json")
    data["nvme_smart_health_information_log"]["percentage_used"] = 103
    data["nvme_smart_health_information_log"]["media_errors"] = 0
    report = parse_smartctl(data)
    assert report.verdict == "fail"
    assert reasons_fr(report) == ["Usure à 103 % : endurance épuisée."]


@pytest.mark.parametrize(
    ("name", "left", "verdict"),
    [
        ("Wear_Leveling_Count", 15, "warning"),
        ("Media_Wearout_Indicator", 0, "fail"),
        ("Percent_Lifetime_Remain", 21, "pass"),
    ],
)
def test_ata_wear_attributes_give_the_endurance_used(name: str, left: int, verdict: str) -> None:
    data = fixture("sata_ssd_healthy.json")
    table = data["ata_smart_attributes"]["table"]
    table[:] = [e for e in table if e["id"] != 202]
    table.append(
        {
            "id": 177,
            "name": name,
            "value": left,
            "worst": left,
            "thresh": 0,
            "raw": {"value": 1, "string": "1"},
        }
    )
    report = parse_smartctl(data)
    assert report.wear_percent_used == 100 - left
    assert report.verdict == verdict


def test_reallocated_sectors_alone_are_a_warning() -> None:
    data = fixture("usb_bridge_sat.json")
    set_attribute(data, 5, raw=1)
    report = parse_smartctl(data)
    assert report.verdict == "warning"
    assert reasons_fr(report) == ["1 secteurs réalloués."]


def test_very_high_power_on_hours_are_a_warning() -> None:
    data = fixture("usb_bridge_sat.json")
    data["power_on_time"]["hours"] = smart.POWER_ON_HOURS_WARN_AT
    report = parse_smartctl(data)
    assert report.verdict == "warning"
    assert reasons_fr(report) == [f"{smart.POWER_ON_HOURS_WARN_AT} heures de fonctionnement."]


def test_a_self_test_aborted_by_the_host_is_not_a_failure() -> None:
    data = fixture("usb_bridge_sat.json")
    data["ata_smart_self_test_log"]["standard"]["table"] = [
        {
            "type": {"value": 2, "string": "Extended offline"},
            "status": {"value": 1, "string": "Aborted by host"},
            "lifetime_hours": 6200,
        }
    ]
    assert parse_smartctl(data).verdict == "pass"


def test_to_json_is_serialisable_with_bilingual_reasons() -> None:
    report = parse_smartctl(fixture("sata_hdd_bad_sectors.json"))
    data = json.loads(json.dumps(report.to_json()))
    assert data["verdict"] == "fail"
    assert data["reasons"][1] == {"fr": "48 secteurs réalloués.", "en": "48 reallocated sectors."}
    assert "raw" not in data
    assert report.to_json(include_raw=True)["raw"]["model_name"] == "ST1000LM035-1RK172"


# ---------------------------------------------------------------------------------------------
# Running smartctl


class Recorder:
    """Answers smartctl with recorded JSON chosen by the -d option."""

    def __init__(self, answers: dict[str, tuple[int, str]]) -> None:
        self.answers = answers
        self.calls: list[list[str]] = []

    def __call__(self, argv: Sequence[str]) -> ProcessResult:
        self.calls.append(list(argv))
        key = "sat" if "sat" in argv else "auto"
        code, out = self.answers[key]
        return ProcessResult(tuple(argv), code, out, "")


def recorded(name: str) -> tuple[int, str]:
    data = fixture(name)
    return data["smartctl"]["exit_status"], json.dumps(data)


def test_usb_drive_is_read_with_sat_first() -> None:
    run = Recorder(
        {"sat": recorded("usb_bridge_sat.json"), "auto": recorded("usb_unknown_bridge.json")}
    )
    report = read_smart("/dev/sdb", run, transport="usb")
    assert report.verdict == "pass"
    assert run.calls == [["smartctl", "-j", "-a", "-d", "sat", "/dev/sdb"]]


def test_usb_drive_falls_back_to_smartctls_own_guess() -> None:
    run = Recorder(
        {"sat": recorded("loop_device_sat.json"), "auto": recorded("usb_bridge_sat.json")}
    )
    report = read_smart("/dev/sdb", run, transport="usb")
    assert report.verdict == "pass"
    assert [call[-3:] for call in run.calls] == [
        ["-d", "sat", "/dev/sdb"],
        ["-j", "-a", "/dev/sdb"],
    ]


def test_usb_drive_nobody_can_read_is_unknown() -> None:
    run = Recorder({"sat": recorded("loop_device_sat.json"), "auto": recorded("loop_device.json")})
    report = read_smart("/dev/loop0", run, transport="usb")
    assert report.verdict == "unknown"
    assert len(run.calls) == 2


def test_non_zero_exit_status_with_json_is_still_parsed() -> None:
    run = Recorder({"auto": recorded("sata_hdd_bad_sectors.json")})
    report = read_smart("/dev/sda", run)
    assert report.verdict == "fail"
    assert run.calls == [["smartctl", "-j", "-a", "/dev/sda"]]


def test_output_that_is_not_json_gives_unknown() -> None:
    run = Recorder({"auto": (127, "smartctl: command not found")})
    assert read_smart("/dev/sda", run).verdict == "unknown"


def test_the_simulated_drive_reports_its_recorded_health(tmp_path: Path) -> None:
    image = tmp_path / "disk.img"
    image.write_bytes(bytes(4096))
    drive = SimulatedAtaDrive(image, smart=fixture("sata_hdd_bad_sectors.json"))
    assert read_smart("/dev/sda", drive).verdict == "fail"


# ---------------------------------------------------------------------------------------------
# Short self-test


def test_running_self_test_status_from_the_recorded_answer() -> None:
    status = smart.parse_self_test_status(fixture("sata_ssd_selftest_running.json"))
    assert status.running
    assert status.remaining_percent == 90
    assert status.expected_minutes == 2


def test_short_self_test_runs_to_a_pass(tmp_path: Path) -> None:
    image = tmp_path / "disk.img"
    image.write_bytes(bytes(4096))
    drive = SimulatedAtaDrive(image)
    started = smart.start_short_self_test("/dev/sda", drive)
    assert started.running and started.expected_minutes == 2
    assert drive.calls[-1] == ["smartctl", "-j", "-t", "short", "/dev/sda"]
    states = [smart.self_test_status("/dev/sda", drive) for _ in range(3)]
    assert [s.state for s in states] == ["running", "running", "passed"]
    assert states[0].remaining_percent == 90
    assert drive.calls[-1] == ["smartctl", "-j", "-c", "-l", "selftest", "/dev/sda"]


def test_short_self_test_that_fails_says_so(tmp_path: Path) -> None:
    image = tmp_path / "disk.img"
    image.write_bytes(bytes(4096))
    drive = SimulatedAtaDrive(image)
    drive.self_test_fails = True
    smart.start_short_self_test("/dev/sda", drive)
    while (status := smart.self_test_status("/dev/sda", drive)).running:
        pass
    assert status.state == "failed"
    assert status.message is not None
    assert status.message.fr == "L’autotest a échoué (erreur de lecture)."


def test_self_test_on_a_device_without_smart_is_unsupported() -> None:
    run = Recorder({"auto": recorded("loop_device.json")})
    assert smart.self_test_status("/dev/loop0", run).state == "unsupported"
    assert smart.start_short_self_test("/dev/loop0", run).state == "unsupported"


def test_nvme_self_test_log_of_newer_smartctl() -> None:
    data = fixture("nvme_worn.json")
    entry = {"self_test_code": {"value": 1, "string": "Short"}, "power_on_hours": 9320}
    data["nvme_self_test_log"] = {
        "current_self_test_operation": {"value": 0, "string": "No self-test in progress"},
        "table": [
            entry | {"self_test_result": {"value": 7, "string": "Completed: failed segments"}},
            entry | {"self_test_result": {"value": 1, "string": "Aborted: Self-test command"}},
        ],
    }
    report = parse_smartctl(data)
    assert report.verdict == "fail"
    assert report.self_tests[0] == {
        "type": "Short",
        "status": "Completed: failed segments",
        "passed": False,
        "lifetime_hours": 9320,
    }
    assert report.self_tests[1]["passed"] is None
    assert smart.parse_self_test_status(data).state == "failed"
    data["nvme_self_test_log"]["current_self_test_operation"]["value"] = 1
    data["nvme_self_test_log"]["current_self_test_completion_percent"] = 30
    running = smart.parse_self_test_status(data)
    assert running.running and running.remaining_percent == 70
