#!/usr/bin/env python3
"""Certificate generation beside a bare reportlab PDF of the same text, in one run:

1. one device: `device_certificate` (document, Ed25519 signatures, QR code, PDF/A-3b with
   the attachment, whole-file signature) vs a bare reportlab one-page PDF of the same
   paragraphs and tables, with no QR, no signing and no PDF/A; medians of N, alternating;
2. verification of that certificate (`verify_pdf`: file signature, attachment signature,
   page text through pdftotext) vs a bare `pdftotext` of the same file;
3. a 100-device lot certificate (summary plus 100 sections), and its verification.

The erasures are real `drive.erase` jobs on small image files in a temporary folder.

    .venv/bin/python benchmarks/bench_certificate.py [--runs 15] [--lot 100]
"""

from __future__ import annotations

import argparse
import io
import os
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import _common

os.environ["ETABLI_TESTING"] = "1"

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import SimpleDocTemplate

from bench_app.devices.drives.handle import DriveHandle
from bench_app.domain.model import DonorKind
from bench_app.output.certificates import assemble, layout
from bench_app.output.certificates.document import Issuer, erasure_document, now_utc
from bench_app.output.certificates.verify import verify_pdf
from bench_app.output.pdf_style import FONT, FONT_BOLD
from bench_app.settings import Settings
from bench_app.signing import Keyring, sign_document
from bench_app.station import Station
from bench_app.store import queries

MiB = 1 << 20


def _erase(station: Station, folder: Path, name: str, lot: str) -> Any:
    path = folder / name
    with open(path, "wb") as f:
        f.write(os.urandom(MiB))
    device = station.device_connected(DriveHandle(str(path)))
    station.attach_to_lot(device.id, lot)
    job = station.start_job(
        device.id,
        "drive.erase",
        {"method": "clear-zero", "verify": "full", "confirm_serial": path.stem[-4:]},
    )
    assert job.thread is not None
    job.thread.join(60)
    return station.device(device.id) or device


def _bare(document: dict[str, Any], footer: str) -> bytes:
    """The same page with reportlab alone, written as plainly as reportlab's own examples: the
    same paragraphs and tables (the signature's sentences too), the organisation above and
    the footer below on the same margins, but no QR code, no signature and no PDF/A."""
    envelope = {"document": document, "signature": {}}
    flowables = layout.device_flowables(document, envelope, "fr")
    for flowable in flowables:
        for row in getattr(flowable, "_cellvalues", None) or []:
            row[:] = ["" if isinstance(c, layout.QrCode) else c for c in row]
    organisation = document["organisation"]["name"]

    def frame(canvas: Any, doc: Any) -> None:
        width, height = A4
        canvas.saveState()
        canvas.setFont(FONT_BOLD, 9)
        canvas.drawString(15 * mm, height - 12 * mm, organisation)
        canvas.line(15 * mm, height - 14 * mm, width - 15 * mm, height - 14 * mm)
        canvas.setFont(FONT, 7)
        canvas.drawString(15 * mm, 9 * mm, footer)
        canvas.drawRightString(width - 15 * mm, 9 * mm, str(canvas.getPageNumber()))
        canvas.restoreState()

    buf = io.BytesIO()
    SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=18 * mm,
        bottomMargin=15 * mm,
        initialFontName=FONT,
    ).build(flowables, onFirstPage=frame, onLaterPages=frame)
    return buf.getvalue()


def _bare_body(document: dict[str, Any]) -> bytes:
    """The reference before 2026-12-05: the body alone, without the page's header and footer
    lines and without the table that holds the QR code and the signature's sentences."""
    envelope = {"document": document, "signature": {}}
    flowables = [f for f in layout.device_flowables(document, envelope, "fr") if not _has_qr(f)]
    buf = io.BytesIO()
    SimpleDocTemplate(
        buf, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, initialFontName=FONT
    ).build(flowables)
    return buf.getvalue()


def _has_qr(flowable: Any) -> bool:
    cells = getattr(flowable, "_cellvalues", None) or []
    return any(isinstance(c, layout.QrCode) for row in cells for c in row)


def _median_time(fn: Any, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return _common.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--lot", type=int, default=100)
    _common.add_json_flag(parser)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "data"
        folder.mkdir()
        Settings(organisation="Atelier Solidaire", station_name="Poste 1").save(folder)
        station = Station(folder, operator="bench")
        donor = station.register_donor("Donateur", DonorKind.COMPANY)
        lot = station.register_lot(donor)
        big_lot = station.register_lot(donor)
        images = Path(tmp)
        device = _erase(station, images, "BENCH-0001.img", lot)
        issuer = Issuer.for_folder(folder)
        store = station.store
        record = assemble._device_records(store, device)
        assert record is not None
        document = erasure_document(store, device, record, issuer, now_utc())
        sign_document(issuer.key, document)
        footer = f"Certificat {document['reference']} — {device.asset_code}"
        times: dict[str, list[float]] = {"ours": [], "bare": [], "body": []}
        # The process's CPU time beside the wall time: on a machine shared with other work
        # it is the steadier measure of single-threaded work like this.
        cpu: dict[str, list[float]] = {"ours": [], "bare": [], "body": []}
        jobs = {
            "ours": lambda: assemble.device_certificate(store, issuer, device),
            "bare": lambda: _bare(document, footer),
            "body": lambda: _bare_body(document),
        }
        names = list(jobs)
        for i in range(args.runs):
            for name in names[i % 3 :] + names[: i % 3]:  # each goes first in turn
                start, start_cpu = time.perf_counter(), time.process_time()
                jobs[name]()
                times[name].append(time.perf_counter() - start)
                cpu[name].append(time.process_time() - start_cpu)
        ours, bare = times["ours"], times["bare"]
        data, _ = assemble.device_certificate(store, issuer, device)
        pdf_path = Path(tmp) / "one.pdf"
        pdf_path.write_bytes(data)
        ring = Keyring.for_station(folder)
        verify = _median_time(lambda: verify_pdf(data, ring, "one.pdf"), args.runs)
        pdftotext = _median_time(
            lambda: subprocess.run(
                ["pdftotext", str(pdf_path), "-"], capture_output=True, check=True
            ),
            args.runs,
        )
        for n in range(args.lot):
            _erase(station, images, f"LOT-{n:04d}.img", big_lot)
        lot_obj = next(x for x in queries.lots(store) if x.id == big_lot)
        start, start_cpu = time.perf_counter(), time.process_time()
        lot_data, _ = assemble.lot_certificate(store, issuer, lot_obj)
        lot_seconds = time.perf_counter() - start
        lot_cpu = time.process_time() - start_cpu
        start = time.perf_counter()
        checked = verify_pdf(lot_data, ring, "lot.pdf")
        lot_verify = time.perf_counter() - start
        assert len(checked.devices) == args.lot
        import pikepdf

        with pikepdf.open(io.BytesIO(lot_data)) as pdf:
            lot_pages = len(pdf.pages)
        station.close()
    m_ours, m_bare = _common.median(ours), _common.median(bare)
    measures = [
        _common.measure("certificate_vs_reportlab", m_ours, m_bare, "s"),
        _common.measure(
            "certificate_vs_reportlab_cpu",
            _common.median(cpu["ours"]),
            _common.median(cpu["bare"]),
            "CPU-s",
        ),
        _common.measure("certificate_verify_vs_pdftotext", verify, pdftotext, "s"),
        # per device of the lot, beside one bare reportlab page of one device's text
        _common.measure("lot_certificate_per_device", lot_seconds / args.lot, m_bare, "s"),
    ]
    _common.report(
        "certificate",
        {
            "runs": args.runs,
            "device_certificate_s": round(m_ours, 4),
            "bare_reportlab_same_text_s": round(m_bare, 4),
            "ratio_ours_over_bare": round(m_ours / m_bare, 2),
            # The reference of the runs before 2026-12-05 (no header, footer, signature text).
            "bare_body_only_s": round(_common.median(times["body"]), 4),
            "ratio_ours_over_body_only": round(m_ours / _common.median(times["body"]), 2),
            "device_certificate_bytes": len(data),
            "verify_s": round(verify, 4),
            "pdftotext_same_file_s": round(pdftotext, 4),
            "ratio_verify_over_pdftotext": round(verify / pdftotext, 2),
            "lot_devices": args.lot,
            "lot_pages": lot_pages,
            "lot_certificate_s": round(lot_seconds, 3),
            "lot_certificate_cpu_s": round(lot_cpu, 3),
            "lot_certificate_cpu_per_device_s": round(lot_cpu / args.lot, 4),
            "lot_certificate_bytes": len(lot_data),
            "lot_verify_s": round(lot_verify, 3),
        },
        measures,
        as_json=args.json,
    )


if __name__ == "__main__":
    main()
