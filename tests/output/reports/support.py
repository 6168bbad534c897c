"""Real data for the report tests, made through the station: a donor, a lot, devices, real
erasures of image files (one clean, one with a bad sector), grades and outcomes."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from bench_app.devices.drives.handle import DriveHandle
from bench_app.domain.model import DeviceKind, DonorKind, JobState, OutcomeKind
from bench_app.station import Station
from bench_app.store.database import NewEvent
from tests.devices_drives.conftest import make_image
from tests.erasure.test_erase_job import FlakyDrive
from tests.unit.support import finish, outcome_in_log

MiB = 1 << 20
ECO_REF = "ECOSYSTEM-BSD-2026-0042"


def grade(station: Station, device_id: str, functional: str, cosmetic: int) -> None:
    """Records a grade the way the phone check's grading step does (a grade.assigned fact)."""
    station.store.record(
        [
            NewEvent(
                "grade.assigned",
                {
                    "device_id": device_id,
                    "functional": functional,
                    "cosmetic": cosmetic,
                    "workshop_grade": functional,
                    "reasons": [],
                },
                device_id,
            )
        ],
        operator=station.operator,
        training=False,
    )


@dataclass
class Donation:
    lot_id: str
    erased: str  # a drive erased and verified, donated
    failed: str  # a drive with a bad sector: not erased, recycled
    phone: str  # a phone with no erasure, lent
    laptop: str  # a laptop with no outcome yet
    training: str  # a training device slipped into the lot


def make_donation(station: Station, folder: Path) -> Donation:
    donor = station.register_donor("Caisse de retraite Rhône-Alpes", DonorKind.PUBLIC_BODY)
    lot = station.register_lot(donor, date(2026, 10, 3), "CONV-2026-117", 6)
    good = make_image(folder / "GOOD-SN-7Q2W.img", 8 * MiB)
    erased = station.device_connected(DriveHandle(str(good)))
    job = station.start_job(
        erased.id, "drive.erase", {"method": "clear-zero", "confirm_serial": "7Q2W"}
    )
    assert finish(job) is JobState.SUCCEEDED
    bad = make_image(folder / "BADSEC-2P7L.img", 8 * MiB)
    failed = station.device_connected(FlakyDrive(str(bad), bad=[(3 * MiB, 3 * MiB + 4096)]))
    job = station.start_job(
        failed.id, "drive.erase", {"method": "clear-zero", "confirm_serial": "2P7L"}
    )
    assert finish(job) is JobState.BLOCKED
    phone = station.register_device(
        DeviceKind.PHONE, brand="Samsung", model="SM-G960F", imei="490154203237518"
    )
    laptop = station.register_device(
        DeviceKind.LAPTOP, brand="HP", model="EliteBook 840 G5", serial="5CG8123XYZ"
    )
    training = station.register_device(
        DeviceKind.PHONE, brand="Fairphone", model="FP4", training=True
    )
    for device in (erased, failed, phone, laptop, training):
        station.attach_to_lot(device.id, lot)
    grade(station, erased.id, "A", 8)
    grade(station, phone.id, "B", 6)
    outcome_in_log(station, erased.id, OutcomeKind.DONATION, "BON-0042")
    outcome_in_log(station, failed.id, OutcomeKind.RECYCLING, ECO_REF)
    outcome_in_log(station, phone.id, OutcomeKind.LOAN, "PRET-2026-031", "à rendre en juin")
    outcome_in_log(station, training.id, OutcomeKind.DONATION)
    return Donation(lot, erased.id, failed.id, phone.id, laptop.id, training.id)


def pdf_text(path: Path) -> str:
    """The PDF's text as poppler lays it out, without the diagonal watermark."""
    return subprocess.run(
        ["pdftotext", "-nodiag", "-layout", str(path), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def watermarked(path: Path) -> bool:
    """Whether the diagonal "FORMATION / TRAINING" mark is on the pages (poppler reads the
    rotated line in pieces, so spaces and line ends are dropped before looking)."""
    raw = subprocess.run(
        ["pdftotext", "-raw", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    return "FORMATION/TRAINING" in "".join(raw.split())
