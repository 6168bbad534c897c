#!/usr/bin/env python3
"""Lot reports at 1,000 and 10,000 devices, beside a reference doing the same work, in one run:

- CSV: `etabli`'s lot CSV (gathering + writing) vs the `sqlite3` command-line tool exporting
  the same rows (`.mode csv`, one SELECT joining devices, erasures, grades and outcomes);
- PDF: `etabli`'s whole lot PDF (summary, benefit, one table row per device) vs a bare
  reportlab table of the same rows (plain strings, built-in font, no styling);
- the per-device alternative the report avoids: rebuilding each device's latest erasure from
  the event log (`drives.records.latest_erasure`) vs the one projection query.

The data are made through the station (donor, lot, devices, grades, outcomes); the erasure
facts are recorded through the store as the erasure pipeline records them (started, finished),
without writing any drive. Medians of --reps runs; ratios are Établi's time over the
reference's (below 1: Établi is faster).

    .venv/bin/python benchmarks/bench_reports.py [--sizes 1000 10000] [--reps 3]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from datetime import date
from io import BytesIO
from pathlib import Path
from typing import Any

import _common

os.environ.setdefault("ETABLI_TESTING", "1")

from reportlab.lib.pagesizes import A4
from reportlab.platypus import LongTable, SimpleDocTemplate

from bench_app.domain.model import DeviceKind, DonorKind, OutcomeKind
from bench_app.erasure.records import latest_erasure
from bench_app.output.reports.environment import load_factors
from bench_app.output.reports.lot_report import find_lot, gather_lot, lot_csv, lot_pdf
from bench_app.station import Station
from bench_app.store.database import DB_NAME, NewEvent, Store
from bench_app.store.uuid7 import uuid7_str

KINDS = [DeviceKind.PHONE, DeviceKind.LAPTOP, DeviceKind.TABLET, DeviceKind.DESKTOP]
OUTCOMES = [OutcomeKind.DONATION, OutcomeKind.LOAN, OutcomeKind.SALE, OutcomeKind.REUSE]

SQLITE_SQL = """
SELECT d.asset_code, d.kind, d.brand, d.model, d.serial, d.imei, d.stage,
       e.result, e.method, e.id, g.workshop_grade, o.kind, o.reference, o.at
FROM devices d
LEFT JOIN (SELECT device_id, result, method, id, ROW_NUMBER() OVER
           (PARTITION BY device_id ORDER BY started_at DESC, rowid DESC) n FROM erasures) e
       ON e.device_id = d.id AND e.n = 1
LEFT JOIN (SELECT device_id, workshop_grade, ROW_NUMBER() OVER
           (PARTITION BY device_id ORDER BY at DESC, rowid DESC) n FROM grades) g
       ON g.device_id = d.id AND g.n = 1
LEFT JOIN (SELECT device_id, kind, reference, at, ROW_NUMBER() OVER
           (PARTITION BY device_id ORDER BY at DESC, rowid DESC) n FROM outcomes) o
       ON o.device_id = d.id AND o.n = 1
WHERE d.lot_id = '{lot}' ORDER BY d.asset_code;
"""


def build(folder: Path, n: int) -> str:
    """A lot of n devices: 1 in 10 not erased, 1 in 20 recycled, the rest given or lent."""
    station = Station(folder, operator="bench")
    try:
        donor = station.register_donor("Conseil départemental", DonorKind.PUBLIC_BODY)
        lot = station.register_lot(donor, date(2026, 10, 1), f"CONV-BENCH-{n}", n)
        for i in range(n):
            kind = KINDS[i % len(KINDS)]
            device = station.register_device(
                kind,
                brand="Lenovo",
                model=f"ThinkPad T{400 + i % 90}",
                serial=f"PF{i:08d}",
                lot_id=lot,
            )
            erasure_id, job_id = uuid7_str(), uuid7_str()
            ok = i % 10 != 0
            station.store.record(
                [
                    NewEvent(
                        "erasure.started",
                        {
                            "job_id": job_id,
                            "erasure_id": erasure_id,
                            "device_id": device.id,
                            "method": "clear-random",
                            "technique": "Clear",
                            "standard": "NIST SP 800-88 Rev. 1",
                            "target": {"serial": f"S{i:08d}", "size_bytes": 256 * 10**9},
                        },
                        device.id,
                    ),
                    NewEvent(
                        "erasure.finished",
                        {
                            "job_id": job_id,
                            "erasure_id": erasure_id,
                            "device_id": device.id,
                            "result": "erased" if ok else "not_erased",
                            "reasons": []
                            if ok
                            else [{"fr": "secteurs illisibles", "en": "bad sectors"}],
                        },
                        device.id,
                    ),
                    NewEvent(
                        "grade.assigned",
                        {
                            "device_id": device.id,
                            "functional": "B",
                            "cosmetic": 6,
                            "workshop_grade": "B",
                            "reasons": [],
                        },
                        device.id,
                    ),
                ],
                operator="bench",
                training=False,
            )
            # Written as history, like the grades: the journey's rules are not measured here.
            outcome = OutcomeKind.RECYCLING if i % 20 == 0 else OUTCOMES[i % len(OUTCOMES)]
            reference = f"ECO-{i:06d}" if outcome is OutcomeKind.RECYCLING else ""
            station.store.record(
                [
                    NewEvent(
                        "outcome.recorded",
                        {"device_id": device.id, "kind": outcome.value, "reference": reference},
                        device.id,
                    )
                ],
                operator="bench",
                training=False,
            )
        return lot
    finally:
        station.close()


def timed(fn: Callable[[], Any], reps: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(reps):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return _common.median(times), result


def measure(n: int, reps: int, work: Path) -> dict[str, Any]:
    folder = work / f"lot-{n}"
    start = time.perf_counter()
    lot_id = build(folder, n)
    built = time.perf_counter() - start
    db = folder / DB_NAME
    factors = load_factors()
    with Store.open_for_reading(db) as store:
        lot = find_lot(store, lot_id)

        def etabli_csv() -> int:
            data = lot_csv(gather_lot(store, lot, factors)).encode("utf-8")
            (work / "lot.csv").write_bytes(data)
            return len(data)

        def etabli_pdf() -> int:
            data = lot_pdf(gather_lot(store, lot, factors))
            (work / "lot.pdf").write_bytes(data)
            return len(data)

        def sqlite_csv() -> int:
            out = subprocess.run(
                ["sqlite3", "-readonly", "-csv", "-header", str(db), SQLITE_SQL.format(lot=lot_id)],
                check=True,
                capture_output=True,
            ).stdout
            (work / "ref.csv").write_bytes(out)
            return len(out)

        def bare_pdf() -> int:
            rows = [
                [str(c) if c is not None else "" for c in r]
                for r in store.query(SQLITE_SQL.replace("'{lot}'", "?"), (lot_id,))
            ]
            keep = [
                [r[0], f"{r[2]} {r[3]}", r[4], r[9] or r[7] or "", r[10] or "", r[11] or ""]
                for r in rows
            ]
            out = BytesIO()
            table = LongTable(
                [["code", "device", "serial", "erasure", "grade", "outcome"], *keep], repeatRows=1
            )
            SimpleDocTemplate(out, pagesize=A4).build([table])
            (work / "ref.pdf").write_bytes(out.getvalue())
            return len(out.getvalue())

        ids = [r[0] for r in store.query("SELECT id FROM devices WHERE lot_id = ?", (lot_id,))]
        sample = ids[: min(len(ids), 200)]

        def per_device_records() -> int:
            return sum(1 for i in sample if latest_erasure(store, i) is not None)

        def one_query() -> int:
            return len(store.query(SQLITE_SQL.replace("'{lot}'", "?"), (lot_id,)))

        csv_s, csv_bytes = timed(etabli_csv, reps)
        ref_csv_s, ref_csv_bytes = timed(sqlite_csv, reps)
        pdf_s, pdf_bytes = timed(etabli_pdf, reps)
        ref_pdf_s, ref_pdf_bytes = timed(bare_pdf, reps)
        rec_s, _ = timed(per_device_records, 1)
        query_s, _ = timed(one_query, reps)
    pages = subprocess.run(
        ["pdfinfo", str(work / "lot.pdf")], capture_output=True, text=True
    ).stdout
    page_count = next(
        (int(line.split()[-1]) for line in pages.splitlines() if line.startswith("Pages:")), 0
    )
    return {
        "devices": n,
        "build_seconds": round(built, 1),
        "csv": {
            "etabli_s": round(csv_s, 3),
            "sqlite3_cli_s": round(ref_csv_s, 3),
            "ratio": round(csv_s / ref_csv_s, 2),
            "bytes": csv_bytes,
            "ref_bytes": ref_csv_bytes,
        },
        "pdf": {
            "etabli_s": round(pdf_s, 3),
            "bare_reportlab_s": round(ref_pdf_s, 3),
            "ratio": round(pdf_s / ref_pdf_s, 2),
            "bytes": pdf_bytes,
            "ref_bytes": ref_pdf_bytes,
            "pages": page_count,
        },
        "latest_erasure": {
            "per_device_from_events_s_per_device": round(rec_s / len(sample), 5),
            "projection_query_all_devices_s": round(query_s, 4),
            "per_device_estimate_for_lot_s": round(rec_s / len(sample) * n, 2),
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--reps", type=int, default=3)
    _common.add_json_flag(parser)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="etabli-bench-reports-"))
    try:
        results = [measure(n, args.reps, work) for n in args.sizes]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    measures = []
    for r in results:
        n = r["devices"]
        for kind, ref in (("csv", "sqlite3_cli_s"), ("pdf", "bare_reportlab_s")):
            part = r[kind]
            measures.append(
                _common.measure(f"lot_{kind}_{n}_devices", part["etabli_s"], part[ref], "s")
            )
    _common.report(
        "bench_reports", {"reps": args.reps, "results": results}, measures, as_json=args.json
    )


if __name__ == "__main__":
    main()
