"""A device's documents from the panel (the erasure certificate, the handover sheet, the
label) and a lot's (the donation report, the lot certificate): made by the generators of
bench_app/output, then opened in the system's viewer, printed on the station's document
printer (CUPS), or saved to a USB stick. A certificate is offered only once the erasure
is verified; otherwise its menu item says why. A certificate opened, printed or saved is
recorded (`certificate.issued`, with the SHA-256 of the bytes given out)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QFileDialog, QMenu, QMessageBox, QWidget

from bench_app.domain.model import Device, Lot
from bench_app.errors import CATALOG, BenchError
from bench_app.output.certificates.issued import Delivery, IssuedCertificate
from bench_app.output.printers import PrinterKind, load_printers
from bench_app.output.printers.cups import run_lp
from bench_app.signing import StationKey
from bench_app.station import Station
from bench_app.text import Text
from bench_app.workshop import document_settings, is_named
from ui.device_view import tr
from ui.file_chooser import folder_chooser
from ui.printer_dialog import PrinterDialog

DOCUMENTS_FOLDER = "documents"  # DATA/documents/: the PDFs the window made


class Document(StrEnum):
    CERTIFICATE = "certificate"
    HANDOVER = "handover"
    LOT_REPORT = "lot_report"
    LOT_CERTIFICATE = "lot_certificate"


FILE_NAMES = {
    Document.CERTIFICATE: "certificat-effacement-{}.pdf",
    Document.HANDOVER: "fiche-remise-{}.pdf",
    Document.LOT_REPORT: "rapport-don-{}.pdf",
    Document.LOT_CERTIFICATE: "certificat-don-{}.pdf",
}
NO_DOCUMENT_PRINTER = Text(
    "Aucune imprimante de documents : ajoutez l’imprimante du système (CUPS).",
    "No document printer: add the system's printer (CUPS).",
)


def label_dialog(station: Station, device_id: str, lang: str, parent: QWidget) -> PrinterDialog:
    """The printer dialog ready to print the device's label; a label that went to the
    printer is recorded (`label.printed`, the journey's label stage), a test print is not."""
    dialog = PrinterDialog.for_device(station, device_id, lang, parent)
    wanted = {"device": False}  # the last print started: the device's label, or a test

    def started(device: bool) -> None:
        wanted["device"] = device

    def printed(_where: str) -> None:
        if wanted["device"]:
            config = dialog.config()
            station.label_printed(device_id, config.template, config.name)

    dialog.print_button.clicked.connect(lambda: started(True))
    dialog.test_button.clicked.connect(lambda: started(False))
    dialog.printed.connect(printed)
    return dialog


def certificate_refusal(station: Station, device: Device, lang: str) -> str:
    """Why the device has no erasure certificate ("" : it has one to give)."""
    unnamed = unnamed_refusal(station, lang, training=device.training)
    if unnamed:
        return unnamed
    journey = station.journey(device.id)
    if journey.erasure_verified:
        return ""
    if journey.blocker("JOURNEY_ERASURE_FAILED") is not None:
        return CATALOG["JOURNEY_ERASURE_FAILED"].message.get(lang)
    return BenchError("CERT_NO_ERASURE", asset=device.asset_code).message.get(lang)


def unnamed_refusal(station: Station, lang: str, *, training: bool) -> str:
    """Why no certificate or sheet while the workshop has no name ("" once it has one, and
    for a training device or lot, whose documents carry the class defaults)."""
    if training or is_named(station.settings):
        return ""
    return BenchError("WORKSHOP_UNNAMED").message.get(lang)


@dataclass(frozen=True)
class Made:
    """A document made: what, where, and for a certificate what its fact will say."""

    kind: Document
    path: Path
    issued: IssuedCertificate | None = None


def computer_disks(station: Station, device: Device) -> list[Device]:
    """A computer's linked disks (none for any other device)."""
    from bench_app.disk_links import COMPUTER_KINDS, disks_of

    return disks_of(station.store, device.id) if device.kind in COMPUTER_KINDS else []


def make_document(
    station: Station,
    kind: Document,
    lang: str,
    *,
    device: Device | None = None,
    lot: Lot | None = None,
) -> Made:
    """Writes the document with the core's generator into DATA/documents/ and says where;
    BenchError (the generator's refusal) when it cannot be made. Making records nothing:
    a certificate is recorded once it is given out (`Documents.issued`)."""
    from bench_app.output.certificates.document import Issuer
    from bench_app.output.certificates.issued import (
        issue_device_certificate,
        issue_lot_certificate,
    )
    from bench_app.output.reports.spreadsheet import write_atomically

    folder = station.folder / DOCUMENTS_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    training = device.training if device is not None else lot is not None and lot.training
    settings = station.settings
    if kind is not Document.LOT_REPORT:  # a certificate or a sheet names its workshop
        settings = document_settings(settings, training=training, lang=lang)
    issuer = Issuer(settings, StationKey.load_or_create(station.folder))
    if kind in (Document.CERTIFICATE, Document.HANDOVER):
        assert device is not None
        path = folder / FILE_NAMES[kind].format(device.asset_code)
        if kind is Document.CERTIFICATE:
            # Never a certificate before a verified erasure: the generator refuses a device
            # never erased; one whose erasure did not end well gets no document either.
            if station.journey(device.id).blocker("JOURNEY_ERASURE_FAILED"):
                raise BenchError("JOURNEY_ERASURE_FAILED")
            disks = computer_disks(station, device)
            if disks:  # a computer's erasure is its docked disks': one certificate each
                paths = [path] + [
                    folder / FILE_NAMES[kind].format(f"{device.asset_code}-{d.asset_code}")
                    for d in disks[1:]
                ]
                made = [issue_device_certificate(station.store, issuer, d, lang) for d in disks]
                for issued, disk_path in zip(made, paths, strict=True):
                    write_atomically(disk_path, issued.data)
                return Made(kind, path, made[0])  # the first opens; each is its disk's
            issued = issue_device_certificate(station.store, issuer, device, lang)
            write_atomically(path, issued.data)
            return Made(kind, path, issued)
        from bench_app.output.reports.handover import gather_handover, write_handover

        sheet = gather_handover(station.store, device, settings, station.folder)
        write_handover(sheet, path)
        return Made(kind, path)
    assert lot is not None
    path = folder / FILE_NAMES[kind].format(lot.id[:8])
    if kind is Document.LOT_CERTIFICATE:
        issued = issue_lot_certificate(station.store, issuer, lot, lang)
        write_atomically(path, issued.data)
        return Made(kind, path, issued)
    from bench_app.output.reports.environment import load_factors
    from bench_app.output.reports.lot_report import gather_lot, write_lot_report

    report = gather_lot(station.store, lot, load_factors(station.folder), settings=station.settings)
    write_lot_report(report, path, lang)
    return Made(kind, path)


class _PrintSignals(QObject):
    done = Signal(str)
    failed = Signal(str)


class DocumentPrint(QRunnable):
    """Sends a PDF to the station's document printer (a CUPS queue), off the GUI thread."""

    def __init__(self, station: Station, path: Path, lang: str) -> None:
        super().__init__()
        self.station = station
        self.path = path
        self.lang = lang
        self.signals = _PrintSignals()

    def run(self) -> None:
        try:
            setup = load_printers(self.station.folder)
            cups = [p for p in setup.printers if p.kind is PrinterKind.CUPS]
            if not cups:
                self.signals.failed.emit(NO_DOCUMENT_PRINTER.get(self.lang))
                return
            printer = cups[0]
            answer = run_lp(printer.name, printer.address, self.path, server=printer.server)
        except BenchError as exc:
            self.signals.failed.emit(exc.message.get(self.lang))
            return
        self.signals.done.emit(answer or printer.name)


class Documents(QObject):
    """The documents' menus and what their items do. `last` is the last document made;
    `message` the last message shown; `chooser` the last folder chooser (tests fill them)."""

    def __init__(self, station: Station, parent: QWidget) -> None:
        super().__init__(parent)
        self.station = station
        self.parent_widget = parent
        self.lang = "fr"
        self.last: Made | None = None
        self.message: QMessageBox | None = None
        self.chooser: QFileDialog | None = None
        self.task: DocumentPrint | None = None
        self.pool = QThreadPool.globalInstance()

    # -- menus --------------------------------------------------------------------------

    def fill_device_menu(self, menu: QMenu, device: Device, lang: str) -> None:
        """The device's documents: its certificate (or why not), its handover sheet."""
        self.lang = lang
        menu.clear()
        refusal = certificate_refusal(self.station, device, lang)
        self._document_menu(
            menu, tr("Erasure certificate"), Document.CERTIFICATE, refusal, device=device
        )
        unnamed = unnamed_refusal(self.station, lang, training=device.training)
        self._document_menu(menu, tr("Handover sheet"), Document.HANDOVER, unnamed, device=device)

    def fill_lot_menu(self, menu: QMenu, lot: Lot | None, lang: str) -> None:
        """The donation's documents: its report for the donor and its certificate."""
        self.lang = lang
        menu.clear()
        reason = "" if lot is not None else tr("Attach the device to a donation first.")
        self._document_menu(menu, tr("Donation report"), Document.LOT_REPORT, reason, lot=lot)
        reason = reason or unnamed_refusal(self.station, lang, training=bool(lot and lot.training))
        self._document_menu(
            menu, tr("Donation's erasure certificate"), Document.LOT_CERTIFICATE, reason, lot=lot
        )

    def _document_menu(
        self,
        menu: QMenu,
        title: str,
        kind: Document,
        refusal: str,
        *,
        device: Device | None = None,
        lot: Lot | None = None,
    ) -> None:
        if refusal:
            item = menu.addAction(f"{title} — {refusal}")
            item.setEnabled(False)
            item.setToolTip(refusal)
            item.setData(kind.value)
            return
        sub = menu.addMenu(title)
        sub.menuAction().setData(kind.value)
        for text, do in (
            (tr("Open"), self.open),
            (tr("Print"), self.print),
            (tr("Save to a USB stick…"), self.save),
        ):
            action = sub.addAction(text)
            action.triggered.connect(lambda _c=False, d=do, k=kind: d(k, device=device, lot=lot))

    # -- what the items do --------------------------------------------------------------

    def make(self, kind: Document, *, device: Device | None = None, lot: Lot | None = None) -> Made:
        """Makes the document (BenchError: the generator's refusal)."""
        made = make_document(self.station, kind, self.lang, device=device, lot=lot)
        self.last = made
        return made

    def issued(self, made: Made, delivery: Delivery, where: str = "") -> None:
        """Records a certificate that left the station (`certificate.issued`); the other
        documents are not recorded."""
        if made.issued is None:
            return
        payload = made.issued.payload(delivery, where or made.path.name)
        try:
            self.station.certificate_issued(payload, training=made.issued.training)
        except BenchError as exc:  # a full disk: the document is out, the operator is told
            self._tell(exc.message.get(self.lang))

    def open(self, kind: Document, **whose: object) -> None:
        """Makes the document and opens it in the system's PDF viewer."""
        self._safely(lambda: self._open(self.make(kind, **whose)))  # type: ignore[arg-type]

    def _open(self, made: Made) -> None:
        path = made.path
        if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(path))):
            self._tell(tr("No program opens PDF files here: %1").replace("%1", str(path)))
            return
        self.issued(made, Delivery.OPENED)

    def print(self, kind: Document, **whose: object) -> None:
        """Makes the document and sends it to the document printer."""

        def start() -> None:
            made = self.make(kind, **whose)  # type: ignore[arg-type]
            task = DocumentPrint(self.station, made.path, self.lang)
            queued = Qt.ConnectionType.QueuedConnection
            task.signals.done.connect(lambda where: self._printed(made, where), queued)
            task.signals.failed.connect(self._tell, queued)
            self.task = task
            self.pool.start(task)

        self._safely(start)

    def _printed(self, made: Made, where: str) -> None:
        self.issued(made, Delivery.PRINTED, where)
        self._tell(tr("Sent to the printer: %1").replace("%1", where))

    def save(self, kind: Document, **whose: object) -> None:
        """Makes the document, then asks where to copy it (a USB stick, any folder)."""

        def ask() -> None:
            made = self.make(kind, **whose)  # type: ignore[arg-type]
            chooser = folder_chooser(self.parent_widget, tr("Where to save the document?"))
            chooser.fileSelected.connect(lambda folder: self._copy(made, Path(folder)))
            self.chooser = chooser
            chooser.open()

        self._safely(ask)

    def _copy(self, made: Made, folder: Path) -> None:
        path = made.path
        try:
            shutil.copyfile(path, folder / path.name)
        except OSError as exc:
            error = BenchError(
                "CERT_WRITE_FAILED", path=str(folder / path.name), detail=exc.strerror or ""
            )
            self._tell(error.message.get(self.lang))
            return
        self.issued(made, Delivery.SAVED, str(folder / path.name))
        self._tell(tr("Saved: %1").replace("%1", str(folder / path.name)))

    def _safely(self, do: Callable[[], None]) -> None:
        try:
            do()
        except BenchError as exc:
            self._tell(exc.message.get(self.lang))

    def _tell(self, text: str) -> None:
        box = QMessageBox(self.parent_widget)
        box.setWindowTitle(tr("Certificates and sheets"))
        box.setText(text)
        self.message = box
        box.open()
