"""hdparm's answers about SATA drives: identity and security, sanitize status, the Host
Protected Area and the Device Configuration Overlay."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from bench_app.devices.drives import ata
from bench_app.devices.drives.ata import AtaCommandError, AtaParseError
from bench_app.jobs.process import ProcessResult
from bench_app.simulators.drive_firmware import SimulatedAtaDrive
from tests.drives.recorded import load


def text(name: str) -> str:
    data = load(f"hdparm/{name}")
    assert isinstance(data, str)
    return data


@pytest.fixture
def image(tmp_path: Path) -> Path:
    path = tmp_path / "disk.img"
    path.write_bytes(bytes(8192))
    return path


# ---------------------------------------------------------------------------------------------
# hdparm -I


def test_ssd_with_sanitize_not_frozen() -> None:
    caps = ata.parse_identify(text("identify_ssd_sanitize.txt"))
    assert (caps.model, caps.serial, caps.firmware) == ("CT500MX500SSD1", "2117E59A3C1D", "M3CR046")
    assert caps.sectors == 976773168
    assert (caps.logical_sector_size, caps.physical_sector_size) == (512, 4096)
    assert caps.capacity_bytes == 976773168 * 512
    assert caps.rotation_rate == 0 and caps.solid_state
    assert caps.trim
    assert caps.security_supported
    assert not (caps.security_enabled or caps.security_locked or caps.security_frozen)
    assert not caps.security_count_expired
    assert caps.enhanced_erase_supported
    assert (caps.erase_minutes, caps.enhanced_erase_minutes) == (2, 2)
    assert caps.sanitize_supported and caps.sanitize_crypto and caps.sanitize_block
    assert not caps.sanitize_overwrite


def test_frozen_ssd_without_sanitize() -> None:
    caps = ata.parse_identify(text("identify_ssd_frozen.txt"))
    assert caps.model == "Samsung SSD 860 EVO 500GB"
    assert caps.security_frozen
    assert not caps.security_enabled
    assert caps.enhanced_erase_supported
    assert (caps.erase_minutes, caps.enhanced_erase_minutes) == (2, 8)
    assert not (caps.sanitize_supported or caps.sanitize_crypto or caps.sanitize_block)
    assert caps.physical_sector_size == 512


def test_laptop_hdd_with_security_erase_only() -> None:
    caps = ata.parse_identify(text("identify_hdd_security.txt"))
    assert caps.model == "WDC WD5000LPCX-24C6HT0"
    assert caps.rotation_rate == 5400 and not caps.solid_state
    assert not caps.trim
    assert caps.security_supported and not caps.security_frozen
    assert not caps.enhanced_erase_supported
    assert (caps.erase_minutes, caps.enhanced_erase_minutes) == (100, None)
    assert not caps.sanitize_supported


def test_identify_of_a_loop_device_is_refused() -> None:
    with pytest.raises(AtaParseError):
        ata.parse_identify(text("identify_loop.txt"))


def test_security_section_variants() -> None:
    section = (
        "\tModel Number:       ST2000LM015-2E8174\n"
        "Security: \n"
        "\t(?)\tsupported\n"
        "\t\tenabled\n"
        "\t\tlocked\n"
        "\tnot\tfrozen\n"
        "\t\texpired: security count\n"
        "\t\tsupported: enhanced erase\n"
        "\tSecurity level high\n"
        "\tmore than 508min for SECURITY ERASE UNIT. more than 508min for ENHANCED SECURITY ERASE UNIT.\n"
        "Checksum: correct\n"
    )
    caps = ata.parse_identify(section)
    assert not caps.security_supported
    assert caps.security_enabled and caps.security_locked and caps.security_count_expired
    assert not caps.security_frozen
    assert (caps.erase_minutes, caps.enhanced_erase_minutes) == (508, 508)
    assert caps.sectors is None


def test_read_identify_asks_hdparm(image: Path) -> None:
    drive = SimulatedAtaDrive(image, frozen=True)
    caps = ata.read_identify("/dev/sda", drive)
    assert caps.security_frozen
    assert drive.calls == [["hdparm", "-I", "/dev/sda"]]


# ---------------------------------------------------------------------------------------------
# hdparm --sanitize-status


def test_sanitize_status_in_progress() -> None:
    status = ata.parse_sanitize_status(text("sanitize_status_running.txt"))
    assert status.state == "in_progress"
    assert status.progress == pytest.approx(0.3, abs=0.01)


def test_sanitize_status_done() -> None:
    status = ata.parse_sanitize_status(text("sanitize_status_done.txt"))
    assert (status.state, status.last_succeeded) == ("idle", True)


def test_sanitize_status_failed() -> None:
    assert ata.parse_sanitize_status(text("sanitize_status_failed.txt")).state == "failed"


def test_sanitize_status_frozen() -> None:
    status = ata.parse_sanitize_status("Sanitize status:\n    State:    SD1 Sanitize Frozen\n")
    assert status.state == "frozen"


def test_sanitize_status_without_an_answer_is_refused() -> None:
    with pytest.raises(AtaParseError):
        ata.parse_sanitize_status("\n/dev/loop0:\n")


# ---------------------------------------------------------------------------------------------
# Host Protected Area


def test_hpa_enabled() -> None:
    area = ata.parse_hpa(text("hpa_enabled.txt"))
    assert (area.visible_sectors, area.native_sectors, area.enabled) == (976771055, 976773168, True)
    assert area.hidden_sectors == 2113


def test_hpa_disabled() -> None:
    area = ata.parse_hpa(text("hpa_disabled.txt"))
    assert not area.enabled and area.hidden_sectors == 0


def test_accessible_max_address_is_read_like_an_hpa() -> None:
    area = ata.parse_hpa(text("hpa_accessible_max.txt"))
    assert area.enabled and area.hidden_sectors == 2113


def test_hpa_of_a_loop_device_is_refused() -> None:
    with pytest.raises(AtaParseError):
        ata.parse_hpa("\n/dev/loop0:\n")


def test_remove_hpa_reveals_the_whole_drive(image: Path) -> None:
    drive = SimulatedAtaDrive(image, visible_sectors=976771055)
    assert ata.read_hpa("/dev/sda", drive).hidden_sectors == 2113
    area = ata.remove_hpa("/dev/sda", 976773168, drive)
    assert area.hidden_sectors == 0 and not area.enabled
    assert drive.calls[1] == [
        "hdparm",
        "--yes-i-know-what-i-am-doing",
        "-N",
        "p976773168",
        "/dev/sda",
    ]
    assert drive.calls[2] == ["hdparm", "-N", "/dev/sda"]


def test_a_second_permanent_change_before_a_power_cycle_is_refused(image: Path) -> None:
    drive = SimulatedAtaDrive(image, visible_sectors=976771055)
    ata.remove_hpa("/dev/sda", 976773168, drive)
    drive.visible_sectors = 976771055  # something hid sectors again
    with pytest.raises(AtaCommandError) as caught:
        ata.remove_hpa("/dev/sda", 976773168, drive)
    assert "refusé" in caught.value.reason.fr
    assert "SET_MAX_ADDRESS_EXT" in caught.value.detail


def test_a_drive_that_still_hides_sectors_is_reported() -> None:
    def run(argv: Sequence[str]) -> ProcessResult:
        return ProcessResult(tuple(argv), 0, text("hpa_enabled.txt"), "")

    with pytest.raises(AtaCommandError) as caught:
        ata.remove_hpa("/dev/sda", 976773168, run)
    assert caught.value.reason.fr.startswith("La zone cachée (HPA) est toujours là")
    assert caught.value.detail == "976771055/976773168"


# ---------------------------------------------------------------------------------------------
# Device Configuration Overlay


def test_dco_identify() -> None:
    dco = ata.parse_dco(text("dco_identify.txt"), native_max_sectors=976773168)
    assert dco.real_max_sectors == 976773168
    assert not dco.restricted
    assert dco.transfer_modes[:3] == ("mdma0", "mdma1", "mdma2")
    assert "udma6" in dco.transfer_modes
    assert {"SMART", "security", "HPA", "48_bit", "write_read_verify", "WRITE_UNC_EXT"} <= set(
        dco.ata_features
    )
    assert dco.sata_features == ("NCQ", "interface_power_management", "SSP")


def test_dco_larger_than_the_native_size_is_a_restriction() -> None:
    dco = ata.parse_dco(text("dco_identify.txt"), native_max_sectors=625142448)
    assert dco.restricted


def test_dco_without_a_native_size_is_not_called_restricted() -> None:
    assert not ata.parse_dco(text("dco_identify.txt")).restricted


def test_dco_of_a_loop_device_is_refused() -> None:
    with pytest.raises(AtaParseError):
        ata.parse_dco(text("dco_loop.txt"))


def test_read_dco_from_a_drive_its_maker_shrank(image: Path) -> None:
    drive = SimulatedAtaDrive(image, native_sectors=625142448, dco_real_sectors=976773168)
    native = ata.read_hpa("/dev/sda", drive).native_sectors
    dco = ata.read_dco("/dev/sda", drive, native)
    assert dco.restricted and dco.real_max_sectors == 976773168
    assert drive.calls[-1] == ["hdparm", "--dco-identify", "/dev/sda"]
