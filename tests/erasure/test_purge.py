"""Choosing a Purge and running it against a simulated drive firmware that really erases a
backing image: every plan choice and refusal, the ATA security erase sequence with its
password handling, sanitize polling to completion and to failure, format, and cancellation."""

from __future__ import annotations

import dataclasses
import json
import os
import threading
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from bench_app.devices.drives import ata, nvme
from bench_app.erasure import purge
from bench_app.erasure.purge import (
    POLL_SECONDS,
    REDACTED,
    TEMPORARY_PASSWORD,
    PurgePlan,
    PurgeResult,
    PurgeUnavailable,
    plan_purge,
)
from bench_app.jobs.process import ProcessResult
from bench_app.jobs.prompt import Cancelled
from bench_app.simulators.drive_firmware import (
    CRYPTO_PATTERN,
    SimulatedAtaDrive,
    SimulatedNvmeDrive,
)
from tests.drives.recorded import load

SIZE = 256 * 1024


@pytest.fixture
def image(tmp_path: Path) -> Path:
    """A drive's contents before the erase: random bytes, never all zeros."""
    path = tmp_path / "disk.img"
    path.write_bytes(os.urandom(SIZE))
    return path


def only(path: Path, pattern: bytes) -> bool:
    return path.read_bytes() == pattern * SIZE


def ata_caps(name: str, **changes: Any) -> ata.AtaCapabilities:
    text = load(f"hdparm/{name}")
    assert isinstance(text, str)
    return dataclasses.replace(ata.parse_identify(text), **changes)


def nvme_caps(name: str, **changes: Any) -> nvme.NvmeCapabilities:
    data = load(f"nvme/{name}")
    assert isinstance(data, dict)
    return dataclasses.replace(nvme.parse_id_ctrl(data), **changes)


class Sleeps:
    """Stands in for time.sleep: records the waits, waits for nothing."""

    def __init__(self, then: Callable[[], None] | None = None) -> None:
        self.waits: list[float] = []
        self.then = then

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        if self.then is not None:
            self.then()


def execute(
    plan: PurgePlan | PurgeUnavailable,
    device: str,
    run: Callable[[Sequence[str]], ProcessResult],
    *,
    cancelled: threading.Event | None = None,
    sleep: Callable[[float], None] | None = None,
    progress: list[float] | None = None,
) -> PurgeResult:
    assert isinstance(plan, PurgePlan), plan
    seen = progress if progress is not None else []
    return purge.run_purge(
        plan,
        device,
        run,
        progress=seen.append,
        cancelled=cancelled or threading.Event(),
        sleep=sleep or Sleeps(),
    )


def argvs(result: PurgeResult) -> list[list[str]]:
    return [list(argv) for argv in result.commands]


# ---------------------------------------------------------------------------------------------
# Choosing


def test_usb_bridge_is_refused_with_what_to_do() -> None:
    found = plan_purge("usb", "ssd", ata_caps("identify_ssd_sanitize.txt"), None)
    assert isinstance(found, PurgeUnavailable)
    assert "adaptateur USB" in found.reason.fr
    assert found.action is not None and "SATA ou NVMe" in found.action.fr
    assert "SATA or NVMe" in found.action.en
    assert found.retry


@pytest.mark.parametrize(
    ("changes", "method"),
    [
        ({}, "nvme-sanitize-crypto"),
        ({"sanitize_crypto": False}, "nvme-sanitize-block"),
        (
            {"sanitize_crypto": False, "sanitize_block": False, "format_crypto_erase": True},
            "nvme-format-crypto",
        ),
        ({"sanitize_crypto": False, "sanitize_block": False}, "nvme-format-user-data"),
    ],
)
def test_nvme_preference(changes: dict[str, bool], method: str) -> None:
    found = plan_purge("nvme", "ssd", None, nvme_caps("id_ctrl_sanitize.json", **changes))
    assert isinstance(found, PurgePlan)
    assert found.method == method
    assert found.technique == "Purge"
    assert found.description == purge.METHODS[method]


def test_nvme_without_sanitize_or_format_has_no_purge() -> None:
    caps = nvme_caps("id_ctrl_format_only.json", format_supported=False)
    assert plan_purge("nvme", "ssd", None, caps) is purge.NO_SUPPORT


def test_nvme_overwrite_sanitize_alone_is_not_used_on_flash() -> None:
    caps = nvme_caps("id_ctrl_format_only.json", sanitize_overwrite=True, format_supported=False)
    assert plan_purge("nvme", "ssd", None, caps) is purge.NO_SUPPORT


@pytest.mark.parametrize(
    ("kind", "changes", "method"),
    [
        ("ssd", {}, "ata-sanitize-crypto"),
        ("ssd", {"sanitize_crypto": False}, "ata-sanitize-block"),
        ("ssd", {"sanitize_supported": False}, "ata-security-erase-enhanced"),
        (
            "ssd",
            {"sanitize_supported": False, "enhanced_erase_supported": False},
            "ata-security-erase",
        ),
        (
            "ssd",
            {"sanitize_crypto": False, "sanitize_block": False, "sanitize_overwrite": True},
            "ata-security-erase-enhanced",
        ),
        (
            "hdd",
            {"sanitize_crypto": False, "sanitize_block": False, "sanitize_overwrite": True},
            "ata-sanitize-overwrite",
        ),
        (
            "hdd",
            {"sanitize_supported": False, "enhanced_erase_supported": False},
            "ata-security-erase",
        ),
    ],
)
def test_ata_preference(kind: str, changes: dict[str, bool], method: str) -> None:
    found = plan_purge("sata", kind, ata_caps("identify_ssd_sanitize.txt", **changes), None)
    assert isinstance(found, PurgePlan)
    assert found.method == method


def test_frozen_drive_without_sanitize_says_how_to_unfreeze() -> None:
    found = plan_purge("sata", "ssd", ata_caps("identify_ssd_frozen.txt"), None)
    assert found is purge.FROZEN
    assert found.action is not None
    assert "systemctl suspend" in found.action.fr
    assert "débranchez et rebranchez l’alimentation du disque" in found.action.fr
    assert "vérifiera de nouveau" in found.action.fr
    assert found.retry


def test_frozen_security_does_not_block_sanitize() -> None:
    found = plan_purge(
        "sata", "ssd", ata_caps("identify_ssd_sanitize.txt", security_frozen=True), None
    )
    assert isinstance(found, PurgePlan) and found.method == "ata-sanitize-crypto"


def test_locked_drive_is_refused() -> None:
    found = plan_purge(
        "sata", "ssd", ata_caps("identify_ssd_sanitize.txt", security_locked=True), None
    )
    assert found is purge.LOCKED
    assert "verrouillé" in found.reason.fr


def test_drive_that_refused_too_many_passwords_is_refused() -> None:
    caps = ata_caps("identify_hdd_security.txt", security_count_expired=True)
    found = plan_purge("sata", "hdd", caps, None)
    assert found is purge.COUNT_EXPIRED
    assert found.action is not None and "Éteignez et rallumez" in found.action.fr


def test_drive_without_any_erase_command() -> None:
    caps = ata_caps("identify_hdd_security.txt", security_supported=False)
    found = plan_purge("sata", "hdd", caps, None)
    assert found is purge.NO_SUPPORT
    assert "Clear" in (found.action.fr if found.action else "")


@pytest.mark.parametrize("transport", ["mmc", "virtio", "loop", "image"])
def test_other_transports_have_no_purge(transport: str) -> None:
    assert plan_purge(transport, "ssd", None, None) is purge.UNKNOWN_TRANSPORT


def test_missing_identification_is_reported() -> None:
    assert plan_purge("sata", "hdd", None, None) is purge.NO_IDENTIFY
    assert plan_purge("nvme", "ssd", None, None) is purge.NO_IDENTIFY


def test_security_erase_time_limit_comes_from_the_drives_estimate() -> None:
    found = plan_purge("sata", "hdd", ata_caps("identify_hdd_security.txt"), None)
    assert isinstance(found, PurgePlan)
    assert found.method == "ata-security-erase"
    assert found.estimate_seconds == 100 * 60
    assert found.timeout_seconds >= 2 * 100 * 60 + 3600
    assert json.loads(json.dumps(found.to_json()))["method"] == "ata-security-erase"


def test_detect_asks_the_drive(image: Path) -> None:
    sata = SimulatedAtaDrive(image)
    found = purge.detect("/dev/sda", "sata", "ssd", sata)
    assert isinstance(found, PurgePlan) and found.method == "ata-sanitize-crypto"
    assert sata.calls == [["hdparm", "-I", "/dev/sda"]]
    drive = SimulatedNvmeDrive(image)
    found = purge.detect("/dev/nvme0n1", "nvme", "ssd", drive)
    assert isinstance(found, PurgePlan) and found.method == "nvme-sanitize-crypto"


def test_detect_sends_nothing_through_a_usb_bridge(image: Path) -> None:
    drive = SimulatedAtaDrive(image, device="/dev/sdb")
    assert purge.detect("/dev/sdb", "usb", "hdd", drive) is purge.USB_BRIDGE
    assert drive.calls == []


def test_detect_on_a_device_that_does_not_answer(image: Path) -> None:
    drive = SimulatedAtaDrive(image)
    assert purge.detect("/dev/sdz", "sata", "hdd", drive) is purge.NO_IDENTIFY


# ---------------------------------------------------------------------------------------------
# ATA security erase


def security_plan(drive: SimulatedAtaDrive, kind: str = "ssd") -> PurgePlan:
    found = purge.detect(drive.device, "sata", kind, drive)
    assert isinstance(found, PurgePlan)
    assert found.method.startswith("ata-security-erase")
    drive.calls.clear()
    return found


def test_security_erase_runs_the_whole_sequence(image: Path) -> None:
    drive = SimulatedAtaDrive(image, sanitize=())
    plan = security_plan(drive)
    seen: list[float] = []
    result = execute(plan, "/dev/sda", drive, progress=seen)
    assert result.ok and not result.cancelled
    assert result.method == "ata-security-erase-enhanced"
    assert only(image, b"\x00")
    assert not drive.security_enabled
    assert argvs(result) == [
        ["hdparm", "-I", "/dev/sda"],
        ["hdparm", "--user-master", "u", "--security-set-pass", REDACTED, "/dev/sda"],
        ["hdparm", "-I", "/dev/sda"],
        ["hdparm", "--user-master", "u", "--security-erase-enhanced", REDACTED, "/dev/sda"],
        ["hdparm", "-I", "/dev/sda"],
    ]
    assert drive.calls[3][-2] == TEMPORARY_PASSWORD  # the drive got the real one
    assert TEMPORARY_PASSWORD not in json.dumps(result.to_json())
    assert "lecture de vérification" in result.detail.fr
    assert "verification read" in result.detail.en
    assert seen[0] == 0.0 and seen[-1] == 1.0
    assert datetime.fromisoformat(result.started) <= datetime.fromisoformat(result.finished)


def test_normal_security_erase_on_a_hard_disk(image: Path) -> None:
    drive = SimulatedAtaDrive(image, sanitize=(), enhanced_erase=False, rotation_rate=5400)
    result = execute(security_plan(drive, "hdd"), "/dev/sda", drive)
    assert result.ok
    assert ["hdparm", "--user-master", "u", "--security-erase", REDACTED, "/dev/sda"] in argvs(
        result
    )


def test_refused_erase_clears_the_password_and_says_so(image: Path) -> None:
    drive = SimulatedAtaDrive(image, sanitize=())
    plan = security_plan(drive)
    before = image.read_bytes()
    drive.erase_fails = True
    result = execute(plan, "/dev/sda", drive)
    assert not result.ok
    assert image.read_bytes() == before
    assert argvs(result)[-1] == [
        "hdparm",
        "--user-master",
        "u",
        "--security-disable",
        REDACTED,
        "/dev/sda",
    ]
    assert not drive.security_enabled
    assert "refusé l’effacement" in result.detail.fr
    assert "Le mot de passe provisoire a été retiré." in result.detail.fr
    assert "lecture de vérification" not in result.detail.fr


def test_password_that_cannot_be_removed_is_reported(image: Path) -> None:
    drive = SimulatedAtaDrive(image, sanitize=())
    plan = security_plan(drive)
    drive.erase_fails = True

    def run(argv: Sequence[str]) -> ProcessResult:
        if "--security-disable" in argv:
            return ProcessResult(tuple(argv), 5, "", "SECURITY_DISABLE: Input/output error\n")
        return drive(argv)

    result = execute(plan, "/dev/sda", run)
    assert not result.ok
    assert drive.security_enabled
    assert "n’a pas pu être retiré" in result.detail.fr
    assert "could not be removed" in result.detail.en


def test_drive_still_secured_after_the_erase_is_not_a_success(image: Path) -> None:
    drive = SimulatedAtaDrive(image, sanitize=())
    plan = security_plan(drive)

    def run(argv: Sequence[str]) -> ProcessResult:
        if "--security-erase-enhanced" in argv:  # answers success, erases nothing
            return ProcessResult(tuple(argv), 0, "", "")
        return drive(argv)

    result = execute(plan, "/dev/sda", run)
    assert not result.ok
    assert "sécurité toujours active" in result.detail.fr
    assert not drive.security_enabled  # the station removed its password


def test_drive_frozen_since_planning_gets_no_password(image: Path) -> None:
    drive = SimulatedAtaDrive(image, sanitize=())
    plan = security_plan(drive)
    drive.frozen = True
    result = execute(plan, "/dev/sda", drive)
    assert not result.ok
    assert argvs(result) == [["hdparm", "-I", "/dev/sda"]]
    assert "systemctl suspend" in result.detail.fr


def test_refused_password_means_nothing_was_erased(image: Path) -> None:
    drive = SimulatedAtaDrive(image, sanitize=())
    plan = security_plan(drive)

    def run(argv: Sequence[str]) -> ProcessResult:
        if "--security-set-pass" in argv:
            return ProcessResult(tuple(argv), 5, "", "SECURITY_SET_PASS: Input/output error\n")
        return drive(argv)

    result = execute(plan, "/dev/sda", run)
    assert not result.ok
    assert "rien n’a été effacé" in result.detail.fr
    assert "SECURITY_SET_PASS: Input/output error" in result.detail.en
    assert len(result.commands) == 2


def test_cancel_before_anything_is_sent(image: Path) -> None:
    drive = SimulatedAtaDrive(image, sanitize=())
    plan = security_plan(drive)
    cancelled = threading.Event()
    cancelled.set()
    result = execute(plan, "/dev/sda", drive, cancelled=cancelled)
    assert result.cancelled and not result.ok
    assert result.commands == () and drive.calls == []


def test_cancel_after_the_password_removes_it_and_erases_nothing(image: Path) -> None:
    drive = SimulatedAtaDrive(image, sanitize=())
    plan = security_plan(drive)
    before = image.read_bytes()
    cancelled = threading.Event()

    def run(argv: Sequence[str]) -> ProcessResult:
        answer = drive(argv)
        if "--security-set-pass" in argv:
            cancelled.set()
        return answer

    result = execute(plan, "/dev/sda", run, cancelled=cancelled)
    assert result.cancelled and not result.ok
    assert image.read_bytes() == before
    assert not any("--security-erase-enhanced" in argv for argv in argvs(result))
    assert argvs(result)[-1][3] == "--security-disable"
    assert not drive.security_enabled
    assert "rien n’a été effacé" in result.detail.fr


def test_cancel_during_the_erase_says_the_drive_goes_on(image: Path) -> None:
    drive = SimulatedAtaDrive(image, sanitize=())
    plan = security_plan(drive)
    cancelled = threading.Event()

    def run(argv: Sequence[str]) -> ProcessResult:
        if "--security-erase-enhanced" in argv:  # what the job's process runner does on cancel
            cancelled.set()
            raise Cancelled()
        return drive(argv)

    result = execute(plan, "/dev/sda", run, cancelled=cancelled)
    assert result.cancelled and not result.ok
    assert "poursuit l’effacement" in result.detail.fr
    assert argvs(result)[-1][3] == "--security-erase-enhanced"


def test_release_temporary_password_unlocks_a_drive_left_locked(image: Path) -> None:
    drive = SimulatedAtaDrive(image, sanitize=())
    drive(["hdparm", "--user-master", "u", "--security-set-pass", TEMPORARY_PASSWORD, "/dev/sda"])
    drive.power_cycle()
    assert ata.read_identify("/dev/sda", drive).security_locked
    assert purge.release_temporary_password("/dev/sda", drive)
    caps = ata.read_identify("/dev/sda", drive)
    assert not caps.security_locked and not caps.security_enabled


def test_release_with_someone_elses_password_fails(image: Path) -> None:
    drive = SimulatedAtaDrive(image, sanitize=())
    drive(["hdparm", "--user-master", "u", "--security-set-pass", "owner-secret", "/dev/sda"])
    drive.power_cycle()
    assert not purge.release_temporary_password("/dev/sda", drive)
    assert drive.locked


# ---------------------------------------------------------------------------------------------
# ATA sanitize


def sanitize_plan(drive: SimulatedAtaDrive, kind: str = "ssd") -> PurgePlan:
    found = purge.detect(drive.device, "sata", kind, drive)
    assert isinstance(found, PurgePlan)
    drive.calls.clear()
    return found


def test_ata_crypto_scramble_polls_to_completion(image: Path) -> None:
    drive = SimulatedAtaDrive(image, sanitize_polls=4)
    plan = sanitize_plan(drive)
    assert plan.method == "ata-sanitize-crypto"
    sleeps = Sleeps()
    seen: list[float] = []
    result = execute(plan, "/dev/sda", drive, sleep=sleeps, progress=seen)
    assert result.ok
    assert only(image, CRYPTO_PATTERN)
    assert argvs(result)[0] == [
        "hdparm",
        "--yes-i-know-what-i-am-doing",
        "--sanitize-crypto-scramble",
        "/dev/sda",
    ]
    assert argvs(result)[1:] == [["hdparm", "--sanitize-status", "/dev/sda"]] * 4
    assert sleeps.waits == [POLL_SECONDS] * 4
    assert seen == sorted(seen) and seen[-1] == 1.0
    assert 0.0 < seen[1] < 1.0


def test_ata_block_erase(image: Path) -> None:
    drive = SimulatedAtaDrive(image, sanitize=("block",))
    plan = sanitize_plan(drive)
    assert plan.method == "ata-sanitize-block"
    assert execute(plan, "/dev/sda", drive).ok
    assert only(image, b"\x00")


def test_ata_overwrite_on_a_hard_disk(image: Path) -> None:
    drive = SimulatedAtaDrive(image, sanitize=("overwrite",), rotation_rate=7200)
    plan = sanitize_plan(drive, "hdd")
    assert plan.method == "ata-sanitize-overwrite"
    result = execute(plan, "/dev/sda", drive)
    assert result.ok and only(image, b"\x00")
    assert argvs(result)[0][2:4] == ["--sanitize-overwrite", "hex:00000000"]


def test_ata_sanitize_that_fails(image: Path) -> None:
    drive = SimulatedAtaDrive(image)
    plan = sanitize_plan(drive)
    drive.sanitize_fails = True
    result = execute(plan, "/dev/sda", drive)
    assert not result.ok and not result.cancelled
    assert "signale l’échec" in result.detail.fr
    assert "reports the purge failed" in result.detail.en


def test_ata_sanitize_frozen_by_the_bios(image: Path) -> None:
    drive = SimulatedAtaDrive(image, sanitize_frozen=True)
    result = execute(sanitize_plan(drive), "/dev/sda", drive)
    assert not result.ok
    assert len(result.commands) == 1
    assert "gelées" in result.detail.fr and "systemctl suspend" in result.detail.fr


def test_ata_sanitize_refused_by_the_drive(image: Path) -> None:
    drive = SimulatedAtaDrive(image)
    plan = sanitize_plan(drive)
    drive.sanitize = {"block"}
    result = execute(plan, "/dev/sda", drive)
    assert not result.ok
    assert "Unsupported command" in result.detail.fr


def test_ata_sanitize_out_of_time(image: Path) -> None:
    drive = SimulatedAtaDrive(image, sanitize_polls=1000)
    plan = dataclasses.replace(sanitize_plan(drive), timeout_seconds=4 * POLL_SECONDS)
    result = execute(plan, "/dev/sda", drive)
    assert not result.ok
    assert "temps prévu" in result.detail.fr
    assert len(result.commands) == 1 + 4


def test_ata_sanitize_cancelled_while_polling(image: Path) -> None:
    drive = SimulatedAtaDrive(image, sanitize_polls=10)
    plan = sanitize_plan(drive)
    cancelled = threading.Event()
    sleeps = Sleeps(then=lambda: cancelled.set() if len(sleeps.waits) == 2 else None)
    result = execute(plan, "/dev/sda", drive, cancelled=cancelled, sleep=sleeps)
    assert result.cancelled and not result.ok
    assert "poursuit l’effacement" in result.detail.fr
    assert len(result.commands) == 1 + 2


def test_unreadable_status_three_times_gives_up(image: Path) -> None:
    drive = SimulatedAtaDrive(image)
    plan = sanitize_plan(drive)

    def run(argv: Sequence[str]) -> ProcessResult:
        if "--sanitize-status" in argv:
            return ProcessResult(tuple(argv), 5, "\n/dev/sda:\n", "")
        return drive(argv)

    result = execute(plan, "/dev/sda", run)
    assert not result.ok
    assert "ne répond plus" in result.detail.fr
    assert len(result.commands) == 1 + 3


# ---------------------------------------------------------------------------------------------
# NVMe


def nvme_plan(drive: SimulatedNvmeDrive) -> PurgePlan:
    found = purge.detect(drive.device, "nvme", "ssd", drive)
    assert isinstance(found, PurgePlan)
    drive.calls.clear()
    return found


def test_nvme_crypto_sanitize_polls_to_completion(image: Path) -> None:
    drive = SimulatedNvmeDrive(image, sanitize_polls=3)
    plan = nvme_plan(drive)
    seen: list[float] = []
    result = execute(plan, "/dev/nvme0n1", drive, progress=seen)
    assert result.ok
    assert only(image, CRYPTO_PATTERN)
    log = ["nvme", "sanitize-log", "/dev/nvme0n1", "-o", "json"]
    assert argvs(result) == [log, ["nvme", "sanitize", "/dev/nvme0n1", "--sanact=4"], log, log, log]
    assert seen == sorted(seen) and seen[-1] == 1.0


def test_nvme_block_sanitize(image: Path) -> None:
    data = load("nvme/id_ctrl_sanitize.json") | {"sanicap": 0b10}
    drive = SimulatedNvmeDrive(image, id_ctrl=data)
    plan = nvme_plan(drive)
    assert plan.method == "nvme-sanitize-block"
    result = execute(plan, "/dev/nvme0n1", drive)
    assert result.ok and only(image, b"\x00")
    assert ["nvme", "sanitize", "/dev/nvme0n1", "--sanact=2"] in argvs(result)


def test_nvme_sanitize_that_fails(image: Path) -> None:
    drive = SimulatedNvmeDrive(image)
    plan = nvme_plan(drive)
    before = image.read_bytes()
    drive.sanitize_fails = True
    result = execute(plan, "/dev/nvme0n1", drive)
    assert not result.ok
    assert image.read_bytes() == before
    assert "signale l’échec" in result.detail.fr


def test_nvme_sanitize_already_running_is_not_started_again(image: Path) -> None:
    drive = SimulatedNvmeDrive(image, sanitize_polls=50)
    plan = nvme_plan(drive)
    drive(["nvme", "sanitize", "/dev/nvme0n1", "--sanact=2"])
    result = execute(plan, "/dev/nvme0n1", drive)
    assert not result.ok
    assert "déjà en cours" in result.detail.fr
    assert argvs(result) == [["nvme", "sanitize-log", "/dev/nvme0n1", "-o", "json"]]


def test_nvme_sanitize_cancelled_while_polling(image: Path) -> None:
    drive = SimulatedNvmeDrive(image, sanitize_polls=10)
    plan = nvme_plan(drive)
    cancelled = threading.Event()

    def progress_then_cancel(fraction: float) -> None:
        if fraction > 0:
            cancelled.set()

    result = purge.run_purge(
        plan,
        "/dev/nvme0n1",
        drive,
        progress=progress_then_cancel,
        cancelled=cancelled,
        sleep=Sleeps(),
    )
    assert result.cancelled
    assert "poursuit l’effacement" in result.detail.fr
    assert not only(image, CRYPTO_PATTERN)


def test_progress_that_raises_cancelled_is_a_cancellation(image: Path) -> None:
    drive = SimulatedNvmeDrive(image, sanitize_polls=10)
    plan = nvme_plan(drive)

    def progress(fraction: float) -> None:  # what StepContext.progress does once cancelled
        if fraction > 0:
            raise Cancelled()

    result = purge.run_purge(
        plan, "/dev/nvme0n1", drive, progress=progress, cancelled=threading.Event(), sleep=Sleeps()
    )
    assert result.cancelled and not result.ok


@pytest.mark.parametrize(
    ("fna", "method", "ses", "pattern"),
    [
        (0b100, "nvme-format-crypto", 2, CRYPTO_PATTERN),
        (0b000, "nvme-format-user-data", 1, b"\x00"),
    ],
)
def test_nvme_format(image: Path, fna: int, method: str, ses: int, pattern: bytes) -> None:
    data = load("nvme/id_ctrl_format_only.json") | {"fna": fna}
    drive = SimulatedNvmeDrive(image, id_ctrl=data)
    plan = nvme_plan(drive)
    assert plan.method == method
    result = execute(plan, "/dev/nvme0n1", drive)
    assert result.ok and only(image, pattern)
    argv = argvs(result)[0]
    assert argv[:5] == ["nvme", "format", "/dev/nvme0n1", f"--ses={ses}", "--force"]
    assert argv[5].startswith("--timeout=")


def test_nvme_format_refused(image: Path) -> None:
    drive = SimulatedNvmeDrive(image, id_ctrl=load("nvme/id_ctrl_format_only.json"))
    plan = nvme_plan(drive)
    drive.format_fails = True
    result = execute(plan, "/dev/nvme0n1", drive)
    assert not result.ok
    assert "INVALID_FORMAT" in result.detail.en


def test_result_json_is_serialisable(image: Path) -> None:
    drive = SimulatedNvmeDrive(image)
    result = execute(nvme_plan(drive), "/dev/nvme0n1", drive)
    data = json.loads(json.dumps(result.to_json()))
    assert data["technique"] == "Purge"
    assert data["method"] == "nvme-sanitize-crypto"
    assert data["ok"] is True and data["verification_required"] is True
    assert data["description"]["en"] == "NVMe cryptographic erase (sanitize)"
    assert data["commands"][1] == ["nvme", "sanitize", "/dev/nvme0n1", "--sanact=4"]


def test_cancel_before_the_sanitize_command_erases_nothing(image: Path) -> None:
    drive = SimulatedAtaDrive(image)
    plan = sanitize_plan(drive)
    cancelled = threading.Event()

    def progress(fraction: float) -> None:
        cancelled.set()  # the operator cancels as the purge starts

    result = purge.run_purge(
        plan, "/dev/sda", drive, progress=progress, cancelled=cancelled, sleep=Sleeps()
    )
    assert result.cancelled and result.commands == ()
    assert "rien n’a été effacé" in result.detail.fr


# ---------------------------------------------------------------------------------------------
# Commands that return only when the drive is done


class Blocking:
    """Wraps a drive so its erase command blocks until released, as a real erase does."""

    def __init__(self, drive: SimulatedAtaDrive | SimulatedNvmeDrive, marker: str) -> None:
        self.drive = drive
        self.marker = marker
        self.release = threading.Event()

    def __call__(self, argv: Sequence[str]) -> ProcessResult:
        if self.marker in argv:
            self.release.wait(30)
        return self.drive(argv)


def test_progress_is_reported_while_a_blocking_erase_runs(
    image: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(purge, "_BLOCKING_TICK", 0.001)
    drive = SimulatedAtaDrive(image, sanitize=())
    plan = dataclasses.replace(security_plan(drive), estimate_seconds=0.01)
    run = Blocking(drive, "--security-erase-enhanced")
    seen: list[float] = []

    def progress(fraction: float) -> None:
        seen.append(fraction)
        if len(seen) == 20:
            run.release.set()

    result = purge.run_purge(plan, "/dev/sda", run, progress=progress, cancelled=threading.Event())
    assert result.ok and only(image, b"\x00")
    assert len(seen) >= 20
    assert seen == sorted(seen)
    assert max(seen[:-1]) <= 0.95 and seen[-1] == 1.0


def test_blocking_erase_past_its_time_limit(image: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(purge, "_BLOCKING_TICK", 0.001)
    data = load("nvme/id_ctrl_format_only.json") | {"fna": 0b100}
    drive = SimulatedNvmeDrive(image, id_ctrl=data)
    plan = dataclasses.replace(nvme_plan(drive), timeout_seconds=0.005)
    run = Blocking(drive, "format")
    try:
        result = execute(plan, "/dev/nvme0n1", run)
    finally:
        run.release.set()
    assert not result.ok and not result.cancelled
    assert "temps prévu" in result.detail.fr
    assert "poursuit l’effacement" in result.detail.fr


def test_security_erase_past_its_time_limit_sends_nothing_more(
    image: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(purge, "_BLOCKING_TICK", 0.001)
    drive = SimulatedAtaDrive(image, sanitize=())
    plan = dataclasses.replace(security_plan(drive), timeout_seconds=0.005)
    run = Blocking(drive, "--security-erase-enhanced")
    try:
        result = execute(plan, "/dev/sda", run)
    finally:
        run.release.set()
    assert not result.ok
    assert argvs(result)[-1][3] == "--security-erase-enhanced"
    assert "poursuit l’effacement" in result.detail.fr
