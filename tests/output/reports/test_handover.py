"""The beneficiary's handover sheet: the device, its system, grade, every test with its
verdict, care, return and warranty terms, and who to call; one page."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from adb_shell.auth.sign_cryptography import CryptographySigner

from bench_app.cli import main
from bench_app.domain.model import OutcomeKind
from bench_app.erasure.records import latest_erasure
from bench_app.output.certificates.references import certificate_reference
from bench_app.settings import Settings
from bench_app.simulators.mode import SimulationMode
from bench_app.simulators.source import SimulatedSource
from bench_app.station import Station
from tests.android.test_phone_check import Operator, finish, plugged
from tests.output.reports.support import make_donation, pdf_text, watermarked

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
    station.record_outcome(device_id, OutcomeKind.LOAN, "PRET-2026-031", "à rendre en juin")
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
