"""No certificate and no handover sheet while the workshop has no name: every command that
writes one refuses with WORKSHOP_UNNAMED's plain message and writes nothing; once named (with
`etabli settings set`), the same commands name the workshop and the station, never its id.
All run as real processes on a real data folder with a real, verified erasure."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bench_app.devices.drives.handle import DriveHandle
from bench_app.domain.model import DonorKind, JobState
from bench_app.settings import Settings
from bench_app.station import Station
from bench_app.store.database import DB_NAME, Store
from tests.cli_bad_input.conftest import CLI, child_env
from tests.devices_drives.conftest import make_image
from tests.output.certificates.pdfs import squash, text_of
from tests.unit.support import finish

MiB = 1 << 20
UNNAMED_FR = "Nommez d’abord l’atelier (Réglages)."
UNNAMED_EN = "Name the workshop first (Settings)."


@dataclass(frozen=True)
class Erased:
    folder: Path
    home: Path
    asset: str
    lot: str
    station_id: str


@pytest.fixture
def erased(tmp_path: Path) -> Iterator[Erased]:
    """A real station (no settings file: as installed) with one drive erased and verified."""
    folder, home = tmp_path / "data", tmp_path / "home"
    home.mkdir()
    station = Station(folder, operator="amina", settings=Settings(erase_checkpoint_seconds=0.01))
    try:
        donor = station.register_donor("Mairie de Lyon", DonorKind.PUBLIC_BODY)
        lot = station.register_lot(donor, agreement_ref="CONV-2026-07", expected_count=1)
        image = make_image(tmp_path / "disk-UNNAMED.img", 2 * MiB)
        drive = station.device_connected(DriveHandle(str(image)))
        station.attach_to_lot(drive.id, lot)
        job = station.start_job(
            drive.id,
            "drive.erase",
            {"method": "clear-zero", "verify": "full", "confirm_serial": "AMED"},
        )
        assert finish(job) is JobState.SUCCEEDED
        station_id = station.store.station_id
        asset = drive.asset_code
    finally:
        station.close()
    assert not (folder / "settings.json").exists()
    yield Erased(folder, home, asset, lot, station_id)


def etabli(e: Erased, *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *argv],
        env=child_env(e.folder, e.home),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_every_document_command_refuses_while_the_workshop_is_unnamed(
    erased: Erased, tmp_path: Path
) -> None:
    commands = {
        "certificate": ["certificate", erased.asset, "-o"],
        "lot certificate": ["certificate", "--lot", erased.lot[:8], "-o"],
        "signed erasure record": ["report", "erasure", erased.asset, "-o"],
        "handover sheet": ["report", "handover", erased.asset, "-o"],
    }
    for name, argv in commands.items():
        for lang, message in (("fr", UNNAMED_FR), ("en", UNNAMED_EN)):
            out = tmp_path / f"{name.replace(' ', '-')}-{lang}.pdf"
            if "erasure" in argv:
                out = out.with_suffix(".json")
            done = etabli(erased, *argv, str(out), "--lang", lang)
            assert done.returncode == 2, (name, done.stdout, done.stderr)
            assert message in done.stderr, (name, done.stderr)
            assert "etabli settings set organisation" in done.stderr  # what to do
            assert "Traceback" not in done.stderr
            assert not out.exists(), name
    with Store.open_for_reading(erased.folder / DB_NAME) as store:  # nothing recorded
        assert not [e for e in store.query("SELECT type FROM events") if "certificate" in e[0]]


def test_named_with_settings_set_the_documents_name_the_workshop_and_station(
    erased: Erased, tmp_path: Path
) -> None:
    for key, value in (
        ("organisation", "Ressourcerie du Port"),
        ("organisation_address", "3 quai des Lilas, 13002 Marseille"),
        ("organisation_contact", "04 91 00 00 00"),
        ("station_name", "Poste du fond"),
    ):
        done = etabli(erased, "settings", "set", key, value)
        assert done.returncode == 0, done.stderr
    certificate = tmp_path / "certificat.pdf"
    done = etabli(erased, "certificate", erased.asset, "-o", str(certificate))
    assert done.returncode == 0, done.stderr
    text = squash(text_of(certificate))
    assert squash("Ressourcerie du Port") in text
    assert squash("3 quai des Lilas, 13002 Marseille") in text
    assert squash("Poste du fond") in text
    assert "l’organisationcertifie" not in text  # the workshop certifies, by its name
    # The station's id stays only where a verifier needs it (the signature line), not as
    # the station's name in the fields.
    assert squash(f"Poste{erased.station_id}") not in text
    sheet = tmp_path / "fiche.pdf"
    done = etabli(erased, "report", "handover", erased.asset, "-o", str(sheet))
    assert done.returncode == 0, done.stderr
    sheet_text = squash(text_of(sheet))
    assert squash("Ressourcerie du Port") in sheet_text
    assert squash("Poste du fond") in sheet_text
    assert erased.station_id not in sheet_text
