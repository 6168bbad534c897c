"""Real erasures to certify: the station's own `drive.erase` job run on image files and loop
devices the tests create (a success, bad sectors, an unplug left unresumed), inside a donor's
lot, with the organisation's settings filled in."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bench_app.devices.drives.handle import DriveHandle
from bench_app.domain.model import Device, DeviceKind, DonorKind, JobState
from bench_app.erasure.phone_wipe import METHODS, PURGE_STANDARD, RECOVERY
from bench_app.settings import Settings
from bench_app.station import Station
from bench_app.store.database import NewEvent
from bench_app.store.uuid7 import uuid7_str
from tests import loops
from tests.devices_drives.conftest import make_image
from tests.erasure.test_erase_job import FlakyDrive
from tests.unit.support import finish

MiB = 1 << 20
ORGANISATION = "Atelier Solidaire du Rhône"


@dataclass
class Bench:
    """A station with a donor's lot and a way to erase image files into it."""

    station: Station
    folder: Path
    images: Path
    lot_id: str

    def erase(
        self,
        name: str,
        *,
        size: int = 8 * MiB,
        bad: list[tuple[int, int]] | None = None,
        gone_after: int | None = None,
        method: str = "clear-random",
        expect: JobState = JobState.SUCCEEDED,
        in_lot: bool = True,
    ) -> Device:
        path = make_image(self.images / name, size)
        handle: DriveHandle = (
            FlakyDrive(str(path), bad=bad, gone_after=gone_after)
            if bad or gone_after is not None
            else DriveHandle(str(path))
        )
        device = self.station.device_connected(handle)
        if in_lot:
            self.station.attach_to_lot(device.id, self.lot_id)
        options = {"method": method, "verify": "full", "confirm_serial": path.stem[-4:]}
        job = self.station.start_job(device.id, "drive.erase", options)
        assert finish(job) is expect
        return self.station.device(device.id) or device

    def erase_device_path(self, dev: str, serial_end: str) -> Device:
        device = self.station.device_connected(DriveHandle(dev))
        self.station.attach_to_lot(device.id, self.lot_id)
        options = {"method": "clear-zero", "verify": "full", "confirm_serial": serial_end}
        job = self.station.start_job(device.id, "drive.erase", options)
        assert finish(job) is JobState.SUCCEEDED
        return self.station.device(device.id) or device

    def phone_wipe(self, *, ok: bool = True) -> Device:
        """A phone data wipe recorded with the same erasure facts the phone pipeline uses
        (target kind "phone", a factory reset on an encrypted phone), through the real
        event log."""
        device = self.station.register_device(
            DeviceKind.PHONE,
            brand="Fairphone",
            model="FP4",
            serial="FP4-A1B2C3",
            imei="356938035643809",
            lot_id=self.lot_id,
        )
        job_id, erasure_id = uuid7_str(), uuid7_str()
        target = {
            "kind": "phone",
            "brand": "Fairphone",
            "model": "FP4",
            "serial": "FP4-A1B2C3",
            "imei": "356938035643809",
            "storage_bytes": 128_000_000_000,
            "encryption": {"state": "encrypted", "type": "file"},
            "android_version": "13",
        }
        ids = {"job_id": job_id, "erasure_id": erasure_id, "device_id": device.id}
        # The checks the real wipe makes after the phone restarts (phone_wipe.py).
        checks = [
            {
                "check": "setup_wizard_not_complete",
                "ok": ok,
                "value": "0" if ok else "1",
                "required": True,
            },
            {"check": "device_not_provisioned", "ok": False, "value": "1", "required": False},
            {"check": "no_accounts", "ok": True, "value": [], "required": True},
            {"check": "no_device_owner", "ok": True, "value": None, "required": True},
            {"check": "markers_gone", "ok": True, "value": [], "required": True},
            {"check": "android_id_changed", "ok": True, "value": "9f3c", "required": False},
        ]
        events: list[tuple[str, dict[str, Any]]] = [
            (
                "erasure.started",
                {
                    **ids,
                    "method": METHODS[RECOVERY],
                    "technique": "cryptographic erase",
                    "standard": PURGE_STANDARD,
                    "target": target,
                    "route": RECOVERY,
                    "verify": "post-boot checks",
                },
            ),
            (
                "erasure.pass_started",
                {
                    **ids,
                    "pass_no": 1,
                    "pattern": f"factory-reset:{RECOVERY}",
                    "start_byte": 0,
                    "end_byte": 128_000_000_000,
                },
            ),
            (
                "erasure.pass_finished",
                {
                    **ids,
                    "pass_no": 1,
                    "bytes": 128_000_000_000,
                    "milliseconds": 41_500,
                    "errors": [],
                    "completed": True,
                },
            ),
            (
                "erasure.verified",
                {**ids, "mode": "post-boot checks", "ok": ok, "checks": checks},
            ),
            (
                "erasure.finished",
                {
                    **ids,
                    "result": "erased" if ok else "not_erased",
                    "reasons": []
                    if ok
                    else [
                        {
                            "fr": "Le téléphone n’a pas redémarré vierge.",
                            "en": "The phone did not restart blank.",
                        }
                    ],
                },
            ),
        ]
        self.station.store.record(
            [NewEvent(t, p, device.id) for t, p in events],
            operator=self.station.operator,
            training=False,
        )
        return device


@pytest.fixture
def bench(data_dir: Path, tmp_path: Path) -> Iterator[Bench]:
    data_dir.mkdir(parents=True, exist_ok=True)
    Settings(
        organisation=ORGANISATION,
        organisation_address="12 rue des Tanneurs, 69001 Lyon",
        organisation_contact="04 72 00 00 00 · contact@atelier.example",
        station_name="Poste 3",
        erase_checkpoint_seconds=0.01,
    ).save(data_dir)
    station = Station(data_dir, operator="amina")
    donor = station.register_donor("Caisse de retraite Sud-Est", DonorKind.PUBLIC_BODY)
    lot_id = station.register_lot(donor, agreement_ref="CONV-2026-014", expected_count=3)
    images = tmp_path / "images"
    images.mkdir()
    yield Bench(station, data_dir, images, lot_id)
    station.close()


@pytest.fixture
def loop_over(tmp_path: Path) -> Iterator[Callable[[str, int], str]]:
    """A loop device over an image file this test made; detached afterwards."""
    attached: list[loops.Loop] = []

    def attach(name: str, size: int) -> str:
        backing = make_image(tmp_path / name, size)
        attached.append(loops.attach(backing))
        return attached[-1].dev

    yield attach
    for loop in attached:
        loops.release(loop)
