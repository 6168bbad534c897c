"""A beneficiary's personal data never leaves the station: with a person on record and
devices given and lent to them, their name, referring structure and contact are in no event
pushed to a real hub (SQLite and PostgreSQL), no bundle, no eReuse export, no activity CSV,
no lot report (CSV and PDF), no handover sheet. With `share_beneficiary_data` on, the
activity CSV names them and their structure, never their contact, and sync and bundles
still carry nothing of it."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from bench_app.domain.model import DonorKind, OutcomeKind
from bench_app.settings import Settings
from bench_app.station import Station
from bench_app.store import queries
from bench_app.store.database import NewEvent
from bench_app.sync.client import client_for, enrol_station, sync_round
from hub.db import HubDB
from tests.beneficiaries.support import CONTACT, NAME, REF, STRUCTURE, give, register
from tests.ereuse.test_ereuse_export import DELL, inventory
from tests.hub.conftest import hub_db, hub_url, postgres_server  # noqa: F401  (fixtures)
from tests.output.reports.support import pdf_text
from tests.sync.conftest import LiveHub

CLI = [sys.executable, "-m", "bench_app.commands.main"]
PERSONAL = (NAME, STRUCTURE, CONTACT)
LOT = "CONV-2026-9"


def _run(folder: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [*CLI, *argv, "--data-dir", str(folder), "--lang", "fr"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done


def _leaks(text: str) -> list[str]:
    return [p for p in PERSONAL if p in text]


@pytest.fixture
def laptop(data_dir: Path, tmp_path: Path) -> str:
    """A real inventoried laptop in a lot, given to the person on record; a phone lent to
    them. Returns the laptop's asset code."""
    code = inventory(data_dir, tmp_path, DELL)
    station = Station(data_dir, operator="camille")
    try:
        register(station)
        device = queries.device_by_code(station.store, code)
        assert device is not None
        donor = station.register_donor("Mairie de Lyon", DonorKind.PUBLIC_BODY)
        lot = station.register_lot(donor, date.today(), LOT, 2)
        station.attach_to_lot(device.id, lot)
        payload = {"device_id": device.id, "kind": "donation", "beneficiary": REF}
        station.store.record(
            [NewEvent("outcome.recorded", payload, device.id)], operator="camille", training=False
        )
        phone = give(station, OutcomeKind.LOAN, due_on="2027-06-30")
        found = queries.device_by_code(station.store, phone)
        assert found is not None
        station.attach_to_lot(found.id, lot)
    finally:
        station.close()
    return code


def _outputs(folder: Path, code: str, out: Path) -> dict[str, str]:
    """Every file the station writes for someone else, by real `etabli` processes."""
    today = date.today().isoformat()
    out.mkdir(exist_ok=True)
    _run(folder, "bundle", "export", str(out / "all.etabli"))
    _run(folder, "export", "ereuse", code, "-o", str(out / "snapshot.json"))
    _run(folder, "report", "activity", "--from", today, "--to", today, "-o", str(out / "a.csv"))
    _run(folder, "report", "lot", LOT, "-o", str(out / "lot.csv"))
    _run(folder, "report", "lot", LOT, "-o", str(out / "lot.pdf"))
    _run(folder, "report", "handover", code, "-o", str(out / "handover.pdf"))
    return {
        "bundle": gzip.decompress((out / "all.etabli").read_bytes()).decode("utf-8"),
        "ereuse": (out / "snapshot.json").read_text(encoding="utf-8"),
        "activity": (out / "a.csv").read_text(encoding="utf-8-sig"),
        "lot csv": (out / "lot.csv").read_text(encoding="utf-8-sig"),
        "lot pdf": pdf_text(out / "lot.pdf"),
        "handover": pdf_text(out / "handover.pdf"),
    }


def _named_workshop(folder: Path, **extra: object) -> None:
    # Documents need the workshop's name (certificates, handover sheets).
    Settings(organisation="Ressourcerie du Rhône", **extra).save(folder)  # type: ignore[arg-type]


def test_no_output_of_the_station_holds_personal_data(
    data_dir: Path, laptop: str, tmp_path: Path
) -> None:
    _named_workshop(data_dir)
    outputs = _outputs(data_dir, laptop, tmp_path / "out")
    # The outputs are real: the devices are in them (the reference travels in the facts).
    assert REF in outputs["bundle"]
    assert laptop in outputs["activity"] and laptop in outputs["lot csv"]
    assert json.loads(outputs["ereuse"])["data"]
    for name, text in outputs.items():
        assert _leaks(text) == [], name


@pytest.fixture
def live_hub(hub_db: HubDB) -> Iterator[LiveHub]:  # noqa: F811
    hub = LiveHub(hub_db)
    yield hub
    hub.stop()


def test_no_event_pushed_to_the_hub_holds_personal_data(
    data_dir: Path, laptop: str, live_hub: LiveHub
) -> None:
    station = Station(data_dir, operator="camille")
    try:
        enrol_station(data_dir, station.store, live_hub.url, live_hub.code("Atelier de Lyon"))
        client = client_for(data_dir, station.store)
        client.timeout = 10.0
        sync_round(data_dir, station.store, client)
        station_id = station.store.station_id
        sent = len(queries.events(station.store))
    finally:
        station.close()
    with live_hub.db.transaction() as tx:
        rows = tx.all("SELECT * FROM events WHERE station_id = ?", (station_id,))
    assert len(rows) == sent  # every fact went, the person's registration among them
    text = "\n".join(str(r) for r in rows)
    assert "beneficiary.registered" in text and REF in text
    assert _leaks(text) == []


def test_sharing_names_the_person_in_the_activity_csv_only(
    data_dir: Path, laptop: str, tmp_path: Path
) -> None:
    _named_workshop(data_dir, share_beneficiary_data=True)
    outputs = _outputs(data_dir, laptop, tmp_path / "out")
    activity = outputs["activity"]
    header, *rows = activity.splitlines()
    assert header.endswith("Bénéficiaire;Structure d’orientation")
    laptop_row = next(r for r in rows if r.startswith(laptop))
    assert laptop_row.endswith(f"{NAME};{STRUCTURE}")
    assert CONTACT not in activity
    for name, text in outputs.items():
        if name != "activity":
            assert _leaks(text) == [], name
