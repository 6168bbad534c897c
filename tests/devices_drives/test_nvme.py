"""nvme-cli's JSON answers: controller capabilities and the sanitize status log."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from bench_app.devices.drives import nvme
from bench_app.devices.drives.nvme import NvmeParseError
from bench_app.jobs.process import ProcessResult
from bench_app.simulators.drive_firmware import SimulatedNvmeDrive
from tests.drives.recorded import load


def fixture(name: str) -> dict[str, Any]:
    data = load(f"nvme/{name}")
    assert isinstance(data, dict)
    return data


# ---------------------------------------------------------------------------------------------
# nvme id-ctrl


def test_controller_with_sanitize() -> None:
    caps = nvme.parse_id_ctrl(fixture("id_ctrl_sanitize.json"))
    assert (caps.model, caps.serial, caps.firmware) == (
        "SAMSUNG MZVL2512HCJQ-00B00",
        "S676NF0R908123",
        "GXA7801Q",
    )
    assert caps.sanitize_crypto and caps.sanitize_block and not caps.sanitize_overwrite
    assert caps.sanitize_supported
    assert caps.format_supported  # oacs 0x5f, bit 1
    assert not (
        caps.format_all_namespaces or caps.secure_erase_all_namespaces or caps.format_crypto_erase
    )
    assert caps.namespaces == 1
    assert caps.total_capacity_bytes == 512110190592


def test_controller_with_format_only() -> None:
    caps = nvme.parse_id_ctrl(fixture("id_ctrl_format_only.json"))
    assert caps.model == "SAMSUNG MZVLW256HEHP-000L7"
    assert not caps.sanitize_supported
    assert caps.format_supported and not caps.format_crypto_erase


@pytest.mark.parametrize(
    ("fna", "expected"),
    [(0b001, (True, False, False)), (0b010, (False, True, False)), (0b100, (False, False, True))],
)
def test_format_attribute_bits(fna: int, expected: tuple[bool, bool, bool]) -> None:
    data = fixture("id_ctrl_format_only.json") | {"fna": fna}
    caps = nvme.parse_id_ctrl(data)
    assert (
        caps.format_all_namespaces,
        caps.secure_erase_all_namespaces,
        caps.format_crypto_erase,
    ) == expected


def test_sanitize_capability_bits_overwrite_and_no_deallocate() -> None:
    caps = nvme.parse_id_ctrl(fixture("id_ctrl_format_only.json") | {"sanicap": (1 << 29) | 0b100})
    assert caps.sanitize_overwrite and caps.no_deallocate_inhibited
    assert not (caps.sanitize_crypto or caps.sanitize_block)


def test_capabilities_printed_as_hex_strings_are_read() -> None:
    caps = nvme.parse_id_ctrl(
        fixture("id_ctrl_format_only.json") | {"sanicap": "0x1", "oacs": "0x6"}
    )
    assert caps.sanitize_crypto and caps.format_supported


def test_json_that_is_not_id_ctrl_is_refused() -> None:
    with pytest.raises(NvmeParseError):
        nvme.parse_id_ctrl({"error": "identify controller: Invalid argument"})


def test_read_id_ctrl_from_a_drive(tmp_path: Path) -> None:
    image = tmp_path / "disk.img"
    image.write_bytes(bytes(4096))
    drive = SimulatedNvmeDrive(image)
    assert nvme.read_id_ctrl("/dev/nvme0n1", drive).sanitize_crypto
    assert drive.calls == [["nvme", "id-ctrl", "/dev/nvme0n1", "-o", "json"]]


def test_a_device_that_is_not_nvme_is_refused() -> None:
    def run(argv: Sequence[str]) -> ProcessResult:  # what nvme-cli says about a loop device
        return ProcessResult(tuple(argv), 1, "", "identify controller: Invalid argument\n")

    with pytest.raises(NvmeParseError, match="Invalid argument"):
        nvme.read_id_ctrl("/dev/loop0", run)


# ---------------------------------------------------------------------------------------------
# nvme sanitize-log


def test_never_sanitized() -> None:
    log = nvme.parse_sanitize_log(fixture("sanitize_log_never.json"))
    assert log.status == "never"
    assert not log.done and not log.failed
    assert (log.estimate_block_erase_s, log.estimate_crypto_erase_s, log.estimate_overwrite_s) == (
        22,
        10,
        None,
    )


def test_sanitize_in_progress() -> None:
    log = nvme.parse_sanitize_log(fixture("sanitize_log_in_progress.json"))
    assert log.status == "in_progress"
    assert log.progress == pytest.approx(21845 / 65536)
    assert log.last_action == 4


def test_sanitize_completed() -> None:
    log = nvme.parse_sanitize_log(fixture("sanitize_log_completed.json"))
    assert log.done and log.progress == 1.0
    assert log.global_erased is True
    assert log.passes == 0


def test_sanitize_failed() -> None:
    log = nvme.parse_sanitize_log(fixture("sanitize_log_failed.json"))
    assert log.failed and not log.done
    assert log.last_action == 2


def test_completed_without_deallocation_counts_as_done() -> None:
    data = fixture("sanitize_log_completed.json")
    data["nvme0n1"]["sstat"]["status"] = (
        "(4) Most Recent Sanitize Command (No-Deallocate After Sanitize) Completed Successfully."
    )
    log = nvme.parse_sanitize_log(data)
    assert log.status == "completed_no_deallocate" and log.done


def test_status_register_given_as_a_number() -> None:
    log = nvme.parse_sanitize_log({"sprog": 32768, "sstat": 0x102, "cdw10_info": 2})
    assert log.status == "in_progress"
    assert log.global_erased is True
    assert log.progress == 0.5


def test_status_text_used_as_key_is_read_too() -> None:
    # Some nvme-cli releases wrote the status sentence as the key of the "(N) ..." value.
    body = {
        "sprog": 100,
        "sstat": {"global_erased": 0, "Sanitize in Progress.": "(2) Sanitize in Progress."},
    }
    assert nvme.parse_sanitize_log({"nvme0": body}).status == "in_progress"


def test_sanitize_log_without_a_status_is_refused() -> None:
    with pytest.raises(NvmeParseError):
        nvme.parse_sanitize_log({"nvme0": {"sprog": 1}, "nvme1": {"sprog": 2}})
    with pytest.raises(NvmeParseError):
        nvme.parse_sanitize_log({"sprog": 1, "sstat": {"global_erased": 0}})


def test_read_sanitize_log_follows_a_running_sanitize(tmp_path: Path) -> None:
    image = tmp_path / "disk.img"
    image.write_bytes(bytes(4096))
    drive = SimulatedNvmeDrive(image, sanitize_polls=3)
    assert nvme.read_sanitize_log("/dev/nvme0n1", drive).status == "never"
    drive(["nvme", "sanitize", "/dev/nvme0n1", "--sanact=2"])
    states = [nvme.read_sanitize_log("/dev/nvme0n1", drive) for _ in range(3)]
    assert [s.status for s in states] == ["in_progress", "in_progress", "completed"]
    assert states[0].progress < states[1].progress < states[2].progress
    assert drive.calls[-1] == ["nvme", "sanitize-log", "/dev/nvme0n1", "-o", "json"]
