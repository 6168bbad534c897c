"""The beneficiary's handover sheet: the device, its system, grade, every test with its
verdict, care, return and warranty terms, and who to call; one page."""

from __future__ import annotations

import re
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from adb_shell.auth.sign_cryptography import CryptographySigner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench_app.commands.main import main
from bench_app.domain.model import DeviceKind, OutcomeKind, StepStatus
from bench_app.erasure.records import latest_erasure
from bench_app.jobs.pipelines import default_pipelines
from bench_app.jobs.steps import Pipeline, Purpose
from bench_app.output.certificates.references import certificate_reference
from bench_app.output.reports.handover import gather_handover
from bench_app.settings import Settings
from bench_app.simulators.mode import SimulationMode
from bench_app.simulators.source import SimulatedSource
from bench_app.station import Station
from bench_app.store.database import NewEvent
from bench_app.store.uuid7 import uuid7_str
from tests.android.test_phone_check import Operator, finish, plugged
from tests.output.reports.support import make_donation, pdf_text, watermarked
from tests.unit.support import outcome_in_log

ORG = Settings(
    organisation="Atelier Solidaire du Faubourg",
    organisation_address="12 rue des Ateliers, 69003 Lyon",
    organisation_contact="04 78 00 00 00",
    warranty_months=6,
)


@pytest.fixture
def signer(tmp_path_factory: pytest.TempPathFactory) -> CryptographySigner:
    from bench_app.devices.android.keys import station_signer

    return station_signer(tmp_path_factory.mktemp("station-key"))


@pytest.fixture
def bench(data_dir: Path, signer: CryptographySigner) -> Iterator[tuple[Station, SimulatedSource]]:
    ORG.save(data_dir)
    station = Station(data_dir, operator="test")
    source = SimulatedSource(SimulationMode.TEST, adb_signer=signer)
    station.attach_source(source)
    yield station, source
    station.close()


def test_a_checked_phone_lent_to_a_beneficiary(
    bench: tuple[Station, SimulatedSource], tmp_path: Path
) -> None:
    station, source = bench
    station.set_job_listener(Operator({"contactless": "not_ok"}))
    source.add_adb_phone("xiaomi-redmi-5a")
    device_id = plugged(station)
    station.start_job(device_id)
    finish(station, device_id)
    outcome_in_log(station, device_id, OutcomeKind.LOAN, "PRET-2026-031", "à rendre en juin")
    device = station.device(device_id)
    assert device is not None
    out = tmp_path / "remise.pdf"
    assert main(["report", "handover", device.asset_code, "-o", str(out)]) == 0
    text = pdf_text(out)
    assert device.asset_code in text and device.imei in text and "Xiaomi Redmi 5A" in text
    assert "Android 7.1.2" in text  # the system the phone reported
    assert "Écran · Screen" in text and "OK · Passed" in text
    assert "NFC (sans contact)" in text and "Absent · Not present" in text
    assert "Stockage et chiffrement" in text and "À surveiller · To watch" in text
    assert "Cet appareil vous est prêté (réf. PRET-2026-031)" in text
    assert "Retour : à rendre en juin" in text
    assert "Garantie : 6 mois, jusqu’au" in text
    assert "Chargez-le avec un chargeur en bon état." in text
    assert "12 rue des Ateliers, 69003 Lyon" in text and "04 78 00 00 00" in text
    assert "Aucun effacement enregistré" in text
    # A simulated phone is a training device: its sheet carries the watermark.
    assert device.training and watermarked(out)
    pages = subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True, check=True)
    assert re.search(r"^Pages:\s+1$", pages.stdout, re.MULTILINE)


def test_an_erased_drive_names_its_certificate_and_no_test(
    station: Station, tmp_path: Path
) -> None:
    gift = make_donation(station, tmp_path)
    device = station.device(gift.erased)
    record = latest_erasure(station.store, gift.erased)
    assert device is not None and record is not None
    out = tmp_path / "remise.pdf"
    ORG.save(station.folder)  # a sheet names its workshop: none is made for an unnamed one
    assert main(["report", "handover", device.asset_code, "-o", str(out)]) == 0
    text = pdf_text(out)
    assert certificate_reference(record["erasure_id"]) in text
    assert "Aucun test enregistré pour cet appareil." in text  # erasure steps are not tests
    assert "Cet appareil est à vous (réf. BON-0042)." in text
    assert "Évitez les chocs" in text and not watermarked(out)
    failed = station.device(gift.failed)
    assert failed is not None
    assert main(["report", "handover", failed.asset_code, "-o", str(out)]) == 0
    text = pdf_text(out)
    assert "NON EFFACÉ" in text and "CERT-" not in text
    assert main(["report", "handover", device.asset_code, "-o", str(tmp_path / "x.csv")]) == 2


def _catalogue() -> list[Pipeline]:
    registry = default_pipelines()
    found = {p.name: p for kind in DeviceKind for p in registry.for_kind(kind)}
    return list(found.values())


def _ran(station: Station, device_id: str, pipeline: Pipeline, status: StepStatus) -> None:
    """Records a job of this pipeline whose every step ended with `status`, as the engine does."""
    job_id = uuid7_str()
    steps = [s.id for s in pipeline.steps()]
    events = [
        NewEvent(
            "job.created",
            {"job_id": job_id, "device_id": device_id, "pipeline": pipeline.name, "steps": steps},
            device_id,
        ),
        NewEvent("job.started", {"job_id": job_id}, device_id),
    ]
    for step_id in steps:
        summary = {"fr": step_id, "en": step_id}
        payload = {"job_id": job_id, "step_id": step_id, "status": status, "summary": summary}
        events.append(NewEvent("step.finished", payload, device_id))
    events.append(NewEvent("job.finished", {"job_id": job_id, "state": "succeeded"}, device_id))
    station.store.record(events, operator="test", training=False)


def test_every_pipeline_says_what_it_does() -> None:
    purposes = {p.name: p.purpose for p in _catalogue()}
    assert all(isinstance(purpose, Purpose) for purpose in purposes.values())
    assert purposes["phone.wipe"] is Purpose.ERASES and purposes["drive.erase"] is Purpose.ERASES
    assert purposes["phone.check"] is Purpose.TESTS
    assert purposes["phone.install"] is Purpose.INSTALLS


def test_a_checked_and_wiped_phone_lists_its_tests_only(station: Station) -> None:
    catalogue = {p.name: p for p in _catalogue()}
    phone = station.register_device(DeviceKind.PHONE, brand="Fairphone", model="FP4")
    _ran(station, phone.id, catalogue["phone.check"], StepStatus.PASSED)
    # The wipe ends last and fails everywhere: were its steps taken for tests, they would show.
    _ran(station, phone.id, catalogue["phone.wipe"], StepStatus.FAILED)
    sheet = gather_handover(station.store, phone, Settings())
    check_titles = [s.title for s in catalogue["phone.check"].steps()]
    assert [t.title for t in sheet.tests] == check_titles
    assert all(t.status is StepStatus.PASSED for t in sheet.tests)
    wipe_only = {s.title for s in catalogue["phone.wipe"].steps()} - set(check_titles)
    assert wipe_only and not wipe_only & {t.title for t in sheet.tests}


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(order=st.permutations(sorted(p.name for p in _catalogue())))
def test_the_handover_lists_exactly_the_steps_of_the_testing_pipelines(order: list[str]) -> None:
    """Whatever pipelines ran on a device, in any order, the sheet lists the steps of those
    that test and nothing of those that erase or install."""
    catalogue = {p.name: p for p in _catalogue()}
    with tempfile.TemporaryDirectory() as folder:
        station = Station(Path(folder), operator="test")
        try:
            device = station.register_device(DeviceKind.PHONE, brand="Fairphone", model="FP4")
            for name in order:
                _ran(station, device.id, catalogue[name], StepStatus.PASSED)
            sheet = gather_handover(station.store, device, Settings())
        finally:
            station.close()
    testing = [catalogue[n] for n in order if catalogue[n].purpose is Purpose.TESTS]
    expected = {s.id: s.title for p in testing for s in p.steps()}
    assert sorted(t.title.en for t in sheet.tests) == sorted(t.en for t in expected.values())
