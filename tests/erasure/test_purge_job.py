"""Purge and hidden areas as the station runs them, on a loop device the test made, with the
drive's firmware (hdparm, nvme, smartctl) simulated: the real purge logic and the real
verification read run against it."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bench_app.devices.drives.handle import DriveHandle, Run
from bench_app.devices.drives.system_view import EraseTarget
from bench_app.domain.model import DeviceStage, JobState
from bench_app.erasure import purge
from bench_app.erasure.records import latest_erasure
from bench_app.simulators.drive_firmware import (
    CRYPTO_PATTERN,
    SimulatedAtaDrive,
    SimulatedNvmeDrive,
)
from bench_app.station import Station
from bench_app.store import queries
from tests.unit.support import finish

MiB = 1 << 20
SIZE = 32 * MiB


@pytest.fixture(autouse=True)
def quick_status_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    """The simulated drive ends its sanitize after a number of status reads, not of seconds:
    the station reads its status every 50 ms here instead of every 5 s."""
    monkeypatch.setattr(purge, "POLL_SECONDS", 0.05)


class Docked(DriveHandle):
    """A loop device standing for a drive docked on SATA, NVMe or a USB adapter."""

    def __init__(self, dev: str, firmware: Run, transport: str, media: str = "ssd") -> None:
        super().__init__(dev, firmware=firmware)
        self.as_transport, self.as_media = transport, media

    def target(self) -> EraseTarget:
        return dataclasses.replace(
            super().target(), transport=self.as_transport, media=self.as_media
        )


def _backing(dev: str) -> Path:
    return Path(Path(f"/sys/block/{Path(dev).name}/loop/backing_file").read_text().strip())


def _options(dev: str, **kw: Any) -> dict[str, Any]:
    return {"verify": "full", "confirm_serial": _backing(dev).stem[-4:], **kw}


def test_a_sata_ssd_is_purged_by_sanitize_and_the_markers_are_gone(
    loop_device: Callable[..., str], station: Station
) -> None:
    dev = loop_device("SATA-MX500-3C1D.img", size=SIZE)
    firmware = SimulatedAtaDrive(_backing(dev), device=dev, sanitize=("crypto", "block"))
    device = station.device_connected(Docked(dev, firmware, "sata"))
    job = station.start_job(device.id, "drive.erase", _options(dev, method="purge"))
    assert finish(job) is JobState.SUCCEEDED, job.message
    record = latest_erasure(station.store, device.id)
    assert record is not None
    assert record["result"] == "erased", record["reasons"]
    assert record["technique"] == "Purge" and "IEEE 2883" in record["standard"]
    [p] = record["passes"]
    assert (
        p["pattern"].startswith("firmware:")
        and "sanitize" in p["pattern"]
        and "crypto" in p["pattern"]
    )
    assert p["purge"]["ok"] and all("Etabli" not in " ".join(c) for c in p["purge"]["commands"])
    v = record["verification"]
    assert v["ok"] and v["markers_left"] == 0 and v["bytes_checked"] == SIZE
    assert _backing(dev).read_bytes() == CRYPTO_PATTERN * SIZE
    assert any(c[:2] == ["hdparm", "--yes-i-know-what-i-am-doing"] for c in firmware.calls)
    assert (station.device(device.id) or device).stage is DeviceStage.ERASED


def test_an_nvme_drive_is_purged_by_its_own_sanitize(
    loop_device: Callable[..., str], station: Station
) -> None:
    dev = loop_device("NVME-KBG40-77AB.img", size=SIZE)
    firmware = SimulatedNvmeDrive(_backing(dev), device=dev)
    device = station.device_connected(Docked(dev, firmware, "nvme"))
    job = station.start_job(device.id, "drive.erase", _options(dev, method="purge"))
    assert finish(job) is JobState.SUCCEEDED, job.message
    record = latest_erasure(station.store, device.id)
    assert record is not None and record["result"] == "erased"
    assert record["passes"][0]["pattern"].startswith("firmware:nvme-")
    assert any(c[:2] == ["nvme", "sanitize"] for c in firmware.calls)
    results = {r.step_id: r for r in queries.step_results(station.store, job.id)}
    assert results["hidden_areas"].evidence["hidden_areas"]["state"] == "not_applicable"
    assert results["health"].evidence["smart"]["verdict"] in ("pass", "warning", "fail")


def test_a_purge_that_leaves_the_data_is_not_erased(
    loop_device: Callable[..., str], station: Station
) -> None:
    """A drive that reports success but did nothing: the marker blocks are still there."""
    dev = loop_device("LIAR-0000-9Q9Q.img", size=SIZE)

    class Liar(SimulatedAtaDrive):
        def fill(self, pattern: bytes) -> None:
            pass  # reports the sanitize done, writes nothing

    firmware = Liar(_backing(dev), device=dev, sanitize=("block",))
    device = station.device_connected(Docked(dev, firmware, "sata"))
    job = station.start_job(device.id, "drive.erase", _options(dev, method="purge"))
    assert finish(job) is JobState.BLOCKED
    record = latest_erasure(station.store, device.id)
    assert record is not None and record["result"] == "not_erased"
    assert record["verification"]["markers_left"] == 10
    assert "verification failed" in " ".join(r["en"] for r in record["reasons"])


def test_no_firmware_command_through_a_usb_adapter(
    loop_device: Callable[..., str], station: Station
) -> None:
    dev = loop_device("USB-BRIDGE-5E6F.img", size=SIZE)
    before = _backing(dev).read_bytes()
    firmware = SimulatedAtaDrive(_backing(dev), device=dev)
    device = station.device_connected(Docked(dev, firmware, "usb"))
    job = station.start_job(device.id, "drive.erase", _options(dev, method="purge"))
    assert finish(job) is JobState.FAILED
    assert job.message is not None and "USB" in job.message.en
    assert not [c for c in firmware.calls if c[0] in ("hdparm", "nvme")]
    assert _backing(dev).read_bytes() == before
    results = {r.step_id: r for r in queries.step_results(station.store, job.id)}
    assert results["hidden_areas"].evidence["hidden_areas"]["state"] == "not_checked"


def test_a_frozen_drive_without_sanitize_says_how_to_unfreeze(
    loop_device: Callable[..., str], station: Station
) -> None:
    dev = loop_device("FROZEN-1B2C.img", size=SIZE)
    firmware = SimulatedAtaDrive(_backing(dev), device=dev, sanitize=(), frozen=True)
    device = station.device_connected(Docked(dev, firmware, "sata"))
    job = station.start_job(device.id, "drive.erase", _options(dev, method="purge"))
    assert finish(job) is JobState.FAILED
    assert job.message is not None and "frozen" in job.message.en.lower()
    assert "systemctl suspend" in job.message.en and "systemctl suspend" in job.message.fr
    assert not [c for c in firmware.calls if "--security-erase" in c or "--security-set-pass" in c]


def test_a_hidden_area_kept_makes_the_erasure_incomplete_and_removed_makes_it_whole(
    loop_device: Callable[..., str], station: Station
) -> None:
    kept_dev = loop_device("HPA-KEPT-4D4D.img", size=SIZE)
    firmware = SimulatedAtaDrive(
        _backing(kept_dev),
        device=kept_dev,
        rotation_rate=5400,
        native_sectors=976773168,
        visible_sectors=976771055,
    )
    device = station.device_connected(Docked(kept_dev, firmware, "sata", media="hdd"))
    job = station.start_job(
        device.id, "drive.erase", _options(kept_dev, method="clear-zero", remove_hidden_areas=False)
    )
    assert finish(job) is JobState.BLOCKED
    record = latest_erasure(station.store, device.id)
    assert record is not None and record["result"] == "not_erased"
    assert record["hidden_areas"]["state"] == "hpa_kept"
    assert "hidden area was not erased" in " ".join(r["en"] for r in record["reasons"])
    assert record["passes"][0]["completed"] and record["verification"]["ok"]

    removed_dev = loop_device("HPA-GONE-5E5E.img", size=SIZE)
    firmware = SimulatedAtaDrive(
        _backing(removed_dev),
        device=removed_dev,
        rotation_rate=5400,
        native_sectors=976773168,
        visible_sectors=976771055,
    )
    device = station.device_connected(Docked(removed_dev, firmware, "sata", media="hdd"))
    job = station.start_job(
        device.id,
        "drive.erase",
        _options(removed_dev, method="clear-zero", remove_hidden_areas=True),
    )
    assert finish(job) is JobState.SUCCEEDED
    record = latest_erasure(station.store, device.id)
    assert record is not None and record["result"] == "erased"
    assert record["hidden_areas"]["state"] == "hpa_removed"
    assert record["hidden_areas"]["hpa"]["visible_sectors"] == 976771055
    assert [
        "hdparm",
        "--yes-i-know-what-i-am-doing",
        "-N",
        "p976773168",
        removed_dev,
    ] in firmware.calls
    assert record["limitation"] is None  # a hard disk: Clear is what NIST SP 800-88 asks
