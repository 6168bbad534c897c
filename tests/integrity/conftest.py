"""One real bench session recorded once (a donor's lot, a phone checked on a simulated phone, a
drive image erased by the real `drive.erase` job, a phone wipe that failed, a grade and an
outcome), kept untouched; each test works on its own copy of the data folder.

Along the way the session keeps copies of the signed head as it stood after some commits,
for the tampering "an older signed head put back"."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from bench_app.devices.android.keys import station_signer
from bench_app.devices.drives.handle import DriveHandle
from bench_app.domain.model import DeviceKind, DonorKind, JobState, OutcomeKind
from bench_app.journey import OutcomeChoice, outcome_payload
from bench_app.settings import Settings
from bench_app.simulators.mode import SimulationMode
from bench_app.simulators.source import SimulatedSource, Timing
from bench_app.station import Station
from bench_app.store.anchors import HEAD_FILE
from bench_app.store.database import NewEvent
from bench_app.store.uuid7 import uuid7_str
from tests.devices_drives.conftest import make_image
from tests.unit.support import Listener, device_for, finish, outcome_in_log

MiB = 1 << 20


@dataclass
class Session:
    """The recorded session's data folder (never modified) and older signed heads."""

    folder: Path
    older_heads: list[bytes] = field(default_factory=list)

    def copy(self, target: Path) -> Path:
        shutil.copytree(self.folder, target)
        return target


def _keep_head(station: Station, session: Session) -> None:
    session.older_heads.append((station.folder / HEAD_FILE).read_bytes())


def _failed_phone_wipe(station: Station, lot_id: str) -> None:
    """A phone wipe whose post-reset check failed, through the same facts the phone
    pipeline records."""
    device = station.register_device(
        DeviceKind.PHONE, brand="Samsung", model="Galaxy S9", serial="S9-FAILED", lot_id=lot_id
    )
    ids = {"job_id": uuid7_str(), "erasure_id": uuid7_str(), "device_id": device.id}
    facts: list[tuple[str, dict[str, Any]]] = [
        (
            "erasure.started",
            {
                **ids,
                "method": "factory reset",
                "technique": "cryptographic erase",
                "standard": "NIST SP 800-88 Rev. 1",
                "target": {"kind": "phone", "serial": "S9-FAILED", "storage_bytes": 64 * 10**9},
                "verify": "post-reset check",
            },
        ),
        ("erasure.verified", {**ids, "mode": "post-reset check", "ok": False}),
        (
            "erasure.finished",
            {
                **ids,
                "result": "not_erased",
                "reasons": [{"fr": "Pas redémarré vierge.", "en": "Did not restart blank."}],
            },
        ),
    ]
    station.store.record(
        [NewEvent(t, p, device.id) for t, p in facts], operator=station.operator, training=False
    )


@pytest.fixture(scope="session")
def recorded_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Session]:
    root = tmp_path_factory.mktemp("recorded-session")
    folder = root / "station-data"
    folder.mkdir()
    Settings(erase_checkpoint_seconds=0.05).save(folder)
    session = Session(folder)
    station = Station(folder, operator="amina")
    try:
        donor = station.register_donor("Caisse de retraite Sud-Est", DonorKind.PUBLIC_BODY)
        lot_id = station.register_lot(donor, agreement_ref="CONV-2026-014")
        _keep_head(station, session)

        station.set_job_listener(Listener(answer="ok"))
        source = SimulatedSource(
            SimulationMode.TEST, Timing(scale=0.02), adb_signer=station_signer(folder)
        )
        station.attach_source(source)
        added = source.add_adb_phone("fairphone-4", serial="FP4-CHECKED", accept_delay=0.0)
        phone = device_for(station, added)
        assert finish(station.start_job(phone.id, "phone.readings")) is JobState.SUCCEEDED
        _keep_head(station, session)

        image = make_image(root / "donor-disk-7F3A.img", 4 * MiB)
        drive = station.device_connected(DriveHandle(str(image)))
        station.attach_to_lot(drive.id, lot_id)
        options = {"method": "clear-zero", "verify": "full", "confirm_serial": "7F3A"}
        job = station.start_job(drive.id, "drive.erase", options)
        assert finish(job) is JobState.SUCCEEDED
        _keep_head(station, session)

        _failed_phone_wipe(station, lot_id)
        station.store.record(
            [
                NewEvent(
                    "grade.assigned",
                    {
                        "device_id": phone.id,
                        "functional": "B",
                        "cosmetic": 6,
                        "workshop_grade": "B",
                        "reasons": ["rayure"],
                    },
                    phone.id,
                )
            ],
            operator=station.operator,
            training=False,
        )
        # Graded again (a corrected grade): the dashboard reads such devices from their rows.
        station.store.record(
            [
                NewEvent(
                    "grade.assigned",
                    {
                        "device_id": phone.id,
                        "functional": "A",
                        "cosmetic": 8,
                        "workshop_grade": "A",
                        "reasons": [],
                    },
                    phone.id,
                )
            ],
            operator=station.operator,
            training=False,
        )
        outcome_in_log(station, phone.id, OutcomeKind.DONATION, reference="Emmaüs 42")
        # A loan with its own record (loans) still out (is_out), as the window writes it.
        lent = OutcomeChoice(OutcomeKind.LOAN, beneficiary="DOS-0042", due_on="2099-01-31")
        loan = outcome_payload(drive.id, lent, loan_id=uuid7_str())
        station.store.record(
            [NewEvent("outcome.recorded", loan, drive.id)],
            operator=station.operator,
            training=False,
        )
        # A device kept for its parts gives one to the phone.
        spare = station.register_device(DeviceKind.LAPTOP, brand="HP", serial="PIECES-1")
        outcome_in_log(station, spare.id, OutcomeKind.SPARE_PARTS)
        station.give_part(spare.id, "batterie", phone.asset_code)
        assert station.store.check().ok, station.store.check()
    finally:
        station.close()
    yield session


def db_check(folder: Path, *, lang: str = "en") -> subprocess.CompletedProcess[str]:
    """`etabli db check` on a data folder, as a process of its own."""
    env = {**os.environ, "ETABLI_TESTING": "1"}
    argv = ["db", "check", "--data-dir", str(folder), "--lang", lang]
    return subprocess.run(
        [sys.executable, "-m", "bench_app.commands.main", *argv],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
