"""`etabli certificate` (a real process) records each certificate it writes
(`certificate.issued`, with the SHA-256 of the file's bytes); a refused one records
nothing; with the window open on the folder the file is written and the command says it
was not recorded."""

from __future__ import annotations

import hashlib
from pathlib import Path

from bench_app.domain.model import DeviceKind
from bench_app.erasure.records import latest_erasure
from bench_app.output.certificates.references import certificate_reference
from bench_app.store import queries
from bench_app.store.database import DB_NAME, Store
from bench_app.wire.events import Event
from tests.journey.test_phone_commands import run
from tests.output.certificates.conftest import Bench


def issued(folder: Path) -> list[Event]:
    with Store.open_for_reading(folder / DB_NAME) as store:
        return [e for e in queries.events(store) if e.type == "certificate.issued"]


def test_a_certificate_written_by_the_command_is_recorded_with_its_hash(
    bench: Bench, tmp_path: Path
) -> None:
    phone = bench.phone_wipe()
    failed = bench.phone_wipe(ok=False)
    never = bench.station.register_device(DeviceKind.PHONE, serial="NEVER-WIPED")
    record = latest_erasure(bench.station.store, phone.id)
    assert record is not None
    bench.station.close()  # the window is closed: the command may record

    out = tmp_path / "certificat.pdf"
    done = run(bench.folder, "certificate", phone.asset_code, "-o", str(out), "--lang", "en")
    assert done.returncode == 0, done.stderr
    (fact,) = issued(bench.folder)
    assert fact.device_id == phone.id and fact.operator == "atelier-test"
    assert fact.payload["sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()
    assert fact.payload["document"] == "erasure_certificate"
    assert fact.payload["reference"] == certificate_reference(record["erasure_id"])
    assert fact.payload["erasure_id"] == record["erasure_id"]
    assert fact.payload["delivery"] == "file" and fact.payload["lang"] == "en"
    assert fact.payload["file_name"] == str(out) and fact.payload["certified"] is True

    # Refused (never erased): exit 2, no file, nothing recorded.
    refused = run(bench.folder, "certificate", never.asset_code, "-o", str(tmp_path / "x.pdf"))
    assert refused.returncode == 2 and not (tmp_path / "x.pdf").exists()
    assert len(issued(bench.folder)) == 1

    # A failed wipe gets a report saying NOT ERASED: recorded as such, never as certified.
    report = tmp_path / "rapport.pdf"
    assert run(bench.folder, "certificate", failed.asset_code, "-o", str(report)).returncode == 0
    _, bad = issued(bench.folder)
    assert bad.device_id == failed.id and bad.payload["certified"] is False
    assert bad.payload["result"] == "not_erased"
    assert bad.payload["sha256"] == hashlib.sha256(report.read_bytes()).hexdigest()

    # The lot's certificate: a fact of the lot, naming the device certificates it binds.
    lot_pdf = tmp_path / "lot.pdf"
    done = run(bench.folder, "certificate", "--lot", bench.lot_id, "-o", str(lot_pdf))
    assert done.returncode == 0, done.stderr
    *_, lot = issued(bench.folder)
    assert lot.device_id is None and lot.payload["document"] == "lot_certificate"
    assert lot.payload["lot_id"] == bench.lot_id and lot.payload["erasure_id"] is None
    assert lot.payload["sha256"] == hashlib.sha256(lot_pdf.read_bytes()).hexdigest()
    assert lot.payload["counts"] == {"devices": 2, "certified": 1, "not_certified": 1}
    assert fact.payload["reference"] in lot.payload["references"]


def test_with_the_window_open_the_file_is_written_and_said_not_recorded(
    bench: Bench, tmp_path: Path
) -> None:
    phone = bench.phone_wipe()
    out = tmp_path / "c.pdf"
    done = run(bench.folder, "certificate", phone.asset_code, "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert out.read_bytes()[:5] == b"%PDF-"
    assert "pas noté : Établi est ouvert sur ce dossier" in done.stderr
    assert [e for e in queries.events(bench.station.store) if e.type == "certificate.issued"] == []
    bench.station.close()
    assert issued(bench.folder) == []
    # Once the window is closed, the same command records it.
    assert run(bench.folder, "certificate", phone.asset_code, "-o", str(out)).returncode == 0
    assert len(issued(bench.folder)) == 1
