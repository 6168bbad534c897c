"""A certificate given out from the window is recorded once, with the hash of the very
bytes that left (`certificate.issued`), and told in the device's history; a certificate
refused (no verified erasure) records nothing."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from bench_app.domain.model import Device, DeviceKind, DonorKind
from bench_app.erasure.records import latest_erasure
from bench_app.output.certificates.references import certificate_reference
from bench_app.output.printers import PrinterConfig, PrinterKind, PrinterSetup, save_printers
from bench_app.simulators.printers import SimulatedZebra
from bench_app.station import Station
from bench_app.store import queries
from bench_app.store.database import NewEvent
from bench_app.store.uuid7 import uuid7_str
from bench_app.wire.events import Event
from tests.output.labels import conftest as labels
from tests.ui.conftest import Bench
from tests.ui.screens import screenshot
from tests.ui.test_journey_window import OpenedFiles, menu_items, submenu
from ui.documents import Document

cups = labels.cups  # a real cupsd of its own, for the station's document printer


@pytest.fixture
def viewer() -> Iterator[OpenedFiles]:
    from PySide6.QtGui import QDesktopServices

    opened = OpenedFiles()
    QDesktopServices.setUrlHandler("file", opened, "open")  # type: ignore[arg-type]
    yield opened
    QDesktopServices.unsetUrlHandler("file")


def wiped_phone(station: Station, *, ok: bool, lot_id: str | None = None) -> Device:
    """A phone whose data wipe is recorded with the phone pipeline's erasure facts: verified
    (`ok`) or not, through the real event log."""
    device = station.register_device(
        DeviceKind.PHONE, brand="Fairphone", model="FP4", serial=uuid7_str()[-10:], lot_id=lot_id
    )
    ids = {"job_id": uuid7_str(), "erasure_id": uuid7_str(), "device_id": device.id}
    size = 128_000_000_000
    target = {"kind": "phone", "brand": "Fairphone", "model": "FP4", "storage_bytes": size}
    facts: list[tuple[str, dict[str, Any]]] = [
        (
            "erasure.started",
            {
                **ids,
                "method": "factory reset",
                "technique": "cryptographic erase",
                "standard": "NIST SP 800-88 Rev. 1; IEEE 2883-2022",
                "target": target,
            },
        ),
        (
            "erasure.pass_started",
            {**ids, "pass_no": 1, "pattern": "factory reset", "start_byte": 0, "end_byte": size},
        ),
        (
            "erasure.pass_finished",
            {
                **ids,
                "pass_no": 1,
                "bytes": size,
                "milliseconds": 41_500,
                "errors": [],
                "completed": True,
            },
        ),
        ("erasure.verified", {**ids, "mode": "post-reset check", "ok": ok}),
        (
            "erasure.finished",
            {
                **ids,
                "result": "erased" if ok else "not_erased",
                "reasons": [] if ok else [{"fr": "Pas vierge.", "en": "Not blank."}],
            },
        ),
    ]
    station.store.record(
        [NewEvent(t, p, device.id) for t, p in facts], operator="test", training=True
    )
    return device


def issued(station: Station, device_id: str | None = None) -> list[Event]:
    """The `certificate.issued` facts: a device's, or every one of the station."""
    events = queries.events(station.store, device_id)
    return [e for e in events if e.type == "certificate.issued"]


def history(bench: Bench) -> list[str]:
    panel = bench.window.panel
    return [panel.history.item(i).text() for i in range(panel.history.count())]


def refresh(bench: Bench, device_id: str) -> None:
    bench.window._stale.add(device_id)
    bench.window._mark(device_id, full=True)
    bench.window._flush(full=True)


def test_a_certificate_opened_then_saved_is_recorded_each_time_with_its_hash(
    make_bench: Callable[..., Bench],
    qtbot: QtBot,
    viewer: OpenedFiles,
    tmp_path: Path,
    artifacts_dir: Path,
) -> None:
    bench = make_bench(lang="fr")
    phone = wiped_phone(bench.station, ok=True)
    bench.window.select(phone.id)
    record = latest_erasure(bench.station.store, phone.id)
    assert record is not None
    reference = certificate_reference(record["erasure_id"])
    assert issued(bench.station, phone.id) == []

    certificate = submenu(menu_items(bench.window.panel.documents_menu)[Document.CERTIFICATE])
    certificate.actions()[0].trigger()  # Ouvrir
    (opened,) = issued(bench.station, phone.id)
    pdf = viewer.paths[-1].read_bytes()
    assert opened.payload["sha256"] == hashlib.sha256(pdf).hexdigest()
    assert opened.payload["document"] == "erasure_certificate"
    assert opened.payload["reference"] == reference
    assert opened.payload["erasure_id"] == record["erasure_id"]
    assert opened.payload["delivery"] == "opened"
    assert opened.payload["lang"] == "fr"
    assert opened.payload["lot_id"] is None
    assert opened.operator == "test" and opened.training

    stick = tmp_path / "stick"
    stick.mkdir()
    certificate.actions()[2].trigger()  # Enregistrer sur une clé USB…
    chooser = bench.window.panel.documents.chooser
    assert chooser is not None
    assert len(issued(bench.station, phone.id)) == 1  # nothing given out until it is copied
    chooser.fileSelected.emit(str(stick))
    chooser.close()
    first, saved = issued(bench.station, phone.id)
    assert first.id == opened.id
    copy = stick / viewer.paths[-1].name
    assert saved.payload["sha256"] == hashlib.sha256(copy.read_bytes()).hexdigest()
    assert saved.payload["delivery"] == "saved"
    assert saved.payload["file_name"] == str(copy)

    refresh(bench, phone.id)
    lines = history(bench)
    assert any(f"Certificat d’effacement {reference} — ouvert" in line for line in lines), lines
    assert any(f"Certificat d’effacement {reference} — enregistré" in line for line in lines)
    screenshot(bench.window, artifacts_dir / "certificate-issued-history.png")


def test_the_history_tells_a_certificate_in_english(
    make_bench: Callable[..., Bench], viewer: OpenedFiles
) -> None:
    bench = make_bench(lang="en")
    phone = wiped_phone(bench.station, ok=True)
    bench.window.select(phone.id)
    certificate = submenu(menu_items(bench.window.panel.documents_menu)[Document.CERTIFICATE])
    certificate.actions()[0].trigger()
    (fact,) = issued(bench.station, phone.id)
    assert fact.payload["lang"] == "en"
    refresh(bench, phone.id)
    wanted = f"Erasure certificate {fact.payload['reference']} — opened"
    assert any(wanted in line for line in history(bench)), history(bench)


def test_a_lot_certificate_is_recorded_with_its_lot(
    make_bench: Callable[..., Bench], viewer: OpenedFiles
) -> None:
    bench = make_bench(lang="fr")
    donor = bench.station.register_donor("Mairie", DonorKind.PUBLIC_BODY)
    lot_id = bench.station.register_lot(donor)
    phone = wiped_phone(bench.station, ok=True, lot_id=lot_id)
    bench.window.select(phone.id)
    lot_menu = menu_items(bench.window.panel.lot_documents_menu)
    submenu(lot_menu[Document.LOT_CERTIFICATE]).actions()[0].trigger()
    (fact,) = issued(bench.station)
    assert fact.device_id is None and fact.training
    payload = fact.payload
    assert payload["document"] == "lot_certificate" and payload["lot_id"] == lot_id
    assert payload["device_id"] is None and payload["delivery"] == "opened"
    assert payload["sha256"] == hashlib.sha256(viewer.paths[-1].read_bytes()).hexdigest()
    assert payload["counts"]["certified"] == 1
    assert issued(bench.station, phone.id) == []  # a lot's certificate, not the phone's


@pytest.mark.parametrize("erasure", ["failed", "none"])
def test_a_refused_certificate_records_nothing(
    make_bench: Callable[..., Bench], viewer: OpenedFiles, erasure: str
) -> None:
    bench = make_bench(lang="fr")
    if erasure == "failed":
        phone = wiped_phone(bench.station, ok=False)
    else:
        phone = bench.station.register_device(DeviceKind.PHONE, serial="NEVER-ERASED")
    bench.window.select(phone.id)
    item = menu_items(bench.window.panel.documents_menu)[Document.CERTIFICATE]
    assert not item.isEnabled() and item.menu() is None  # the menu says why, offers nothing
    # Asked all the same (a menu filled before the erasure failed): refused, said, not recorded.
    documents = bench.window.panel.documents
    documents.open(Document.CERTIFICATE, device=phone)
    assert documents.message is not None and documents.message.text()
    assert viewer.paths == []
    assert issued(bench.station) == []


def test_a_certificate_printed_is_recorded_once_it_reached_the_printer(
    make_bench: Callable[..., Bench], qtbot: QtBot, data_dir: Path, cups: labels.Cups
) -> None:
    """No document printer: said, not recorded. A CUPS queue: the very bytes the printer
    received are those whose hash is recorded."""
    office = SimulatedZebra()  # a raw socket printer behind the CUPS queue: keeps what comes
    try:
        bench = make_bench(lang="fr")
        phone = wiped_phone(bench.station, ok=True)
        bench.window.select(phone.id)
        documents = bench.window.panel.documents
        certificate = submenu(menu_items(bench.window.panel.documents_menu)[Document.CERTIFICATE])
        certificate.actions()[1].trigger()  # Imprimer
        qtbot.waitUntil(lambda: documents.message is not None, timeout=30_000)
        assert documents.message is not None and "Aucune imprimante" in documents.message.text()
        assert issued(bench.station) == []
        documents.message.close()
        documents.message = None

        cups.add_raw_queue("office", f"socket://127.0.0.1:{office.port}")
        printer = PrinterConfig("Bureau", PrinterKind.CUPS, "a4-24", "office", server=cups.server)
        save_printers(data_dir, PrinterSetup([printer], "Bureau"))
        certificate = submenu(menu_items(bench.window.panel.documents_menu)[Document.CERTIFICATE])
        certificate.actions()[1].trigger()
        qtbot.waitUntil(lambda: bool(office.raw), timeout=30_000)
        qtbot.waitUntil(lambda: bool(issued(bench.station)), timeout=30_000)
        (fact,) = issued(bench.station, phone.id)
        assert fact.payload["delivery"] == "printed"
        assert fact.payload["sha256"] == hashlib.sha256(b"".join(office.raw)).hexdigest()
    finally:
        office.off()
