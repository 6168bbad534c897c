#!/usr/bin/env python3
"""The lots' overview (bench_app/lots.py) on a database of many devices, beside the way it
avoids: computing every device's journey from its own facts, one by one.

The database: donations of --lot-size devices each, --devices in all; every device with the
facts real work leaves (registration, a check job, an erasure verified and finished for most,
a grade, a printed label and an outcome for some), recorded through the store in batches.
The reference is `device_journey` on a sample of devices, scaled to all of them (running it
on every device would take minutes at the larger sizes). Also timed: one lot's page (each of
its devices' journey from its facts). Medians of --reps runs; the ratio is the overview's
time over the per-device reference's (below 1: faster).

    .venv/bin/python benchmarks/bench_lots.py [--devices 100000] [--lot-size 1000] [--reps 3]
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import _common

os.environ.setdefault("ETABLI_TESTING", "1")

from bench_app import lots
from bench_app.domain.model import DeviceKind, DonorKind
from bench_app.journey import JourneyPolicy, device_journey, pipeline_purposes
from bench_app.station import Station
from bench_app.store import queries
from bench_app.store.database import NewEvent
from bench_app.store.uuid7 import uuid7_str

KINDS = [DeviceKind.PHONE, DeviceKind.PHONE, DeviceKind.DRIVE, DeviceKind.TABLET]
BATCH = 200  # devices recorded per transaction


def _facts(i: int, device_id: str, kind: DeviceKind) -> list[NewEvent]:
    """What device number i went through: the further i % 7, the further it went."""
    step = i % 7
    out: list[NewEvent] = []
    job = uuid7_str()
    pipeline = "drive.erase" if kind is DeviceKind.DRIVE else "phone.check"

    def add(kind_: str, **payload: Any) -> None:
        out.append(NewEvent(kind_, {"device_id": device_id, **payload}, device_id))

    if step >= 1:
        add("job.created", job_id=job, pipeline=pipeline, steps=[])
        add("job.finished", job_id=job, state="succeeded")
    if step >= 2:
        erasure = uuid7_str()
        add("erasure.verified", job_id=job, erasure_id=erasure, mode="full", ok=i % 11 != 0)
        add("erasure.finished", job_id=job, erasure_id=erasure, result="erased", reasons=[])
    if step >= 3 and kind is not DeviceKind.DRIVE:
        add("install.skipped", reason="système d’origine")
    if step >= 4:
        add("grade.assigned", functional="B", cosmetic=3, workshop_grade="B", reasons=[])
    if step >= 5:
        add("label.printed", template="brother-62")
    if step >= 6:
        add("outcome.recorded", kind="spare_parts", reference="", note="")
    return out


def build(folder: Path, devices: int, lot_size: int) -> list[str]:
    """The donations and their devices; returns the lots' ids."""
    station = Station(folder, operator="bench")
    store = station.store
    lot_ids: list[str] = []
    try:
        donor = station.register_donor("Conseil départemental", DonorKind.PUBLIC_BODY)
        number = 0
        while number < devices:
            lot = station.register_lot(donor, None, f"CONV-{len(lot_ids):05d}", lot_size)
            lot_ids.append(lot)
            for start in range(0, min(lot_size, devices - number), BATCH):
                events: list[NewEvent] = []
                for _ in range(min(BATCH, lot_size - start, devices - number)):
                    number += 1
                    kind = KINDS[number % len(KINDS)]
                    device_id = uuid7_str()
                    code = _code(number)
                    events.append(
                        NewEvent(
                            "device.registered",
                            {
                                "device_id": device_id,
                                "asset_code": code,
                                "kind": kind.value,
                                "lot_id": lot,
                                "serial": f"S{number:09d}",
                            },
                            device_id,
                        )
                    )
                    events += _facts(number, device_id, kind)
                store.record(events, operator="bench", training=False)
    finally:
        station.close()
    return lot_ids


def _code(number: int) -> str:
    """Device number's asset code: a prefix holds 923,520 numbers, the next ones take another."""
    from bench_app.domain.asset_code import AssetCode

    prefix, rest = divmod(number - 1, 900_000)
    return str(AssetCode.make("BNC" + "ABCDEFGH"[prefix], rest + 1))


def timed(fn: Any, reps: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(reps):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return _common.median(times), result


def measure(devices: int, lot_size: int, reps: int, work: Path) -> dict[str, Any]:
    folder = work / f"lots-{devices}"
    start = time.perf_counter()
    lot_ids = build(folder, devices, lot_size)
    built_s = time.perf_counter() - start
    station = Station(folder, operator="bench")
    try:
        store = station.store
        purposes = pipeline_purposes(station.pipelines.all())
        policy = JourneyPolicy("/e/OS")
        overview_s, found = timed(
            lambda: lots.overview(store, purposes=purposes, policy=policy), reps
        )
        assert sum(s.received for s in found) == devices
        lot = lots.find_lot(store, lot_ids[0])
        page_s, page = timed(lambda: lots.page(store, lot, purposes=purposes, policy=policy), 1)
        sample = queries.devices(store)[:: max(1, devices // 500)]
        start = time.perf_counter()
        for device in sample:
            device_journey(store, device, purposes=purposes, policy=policy)
        per_device_s = (time.perf_counter() - start) / len(sample)
    finally:
        station.close()
    return {
        "devices": devices,
        "lots": len(lot_ids),
        "build_s": round(built_s, 1),
        "overview_s": round(overview_s, 4),
        "per_device_journeys_estimate_s": round(per_device_s * devices, 2),
        "lot_page_s": round(page_s, 3),
        "lot_page_devices": len(page.devices),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--devices", type=int, default=100_000)
    parser.add_argument("--lot-size", type=int, default=1000)
    parser.add_argument("--reps", type=int, default=3)
    _common.add_json_flag(parser)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="etabli-bench-lots-"))
    try:
        r = measure(args.devices, args.lot_size, args.reps, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    n = r["devices"]
    measures = [
        _common.measure(
            f"lots_overview_{n}_devices", r["overview_s"], r["per_device_journeys_estimate_s"], "s"
        ),
        _common.measure(f"lot_page_{r['lot_page_devices']}_devices", r["lot_page_s"], None, "s"),
    ]
    _common.report("bench_lots", {"reps": args.reps, "results": r}, measures, as_json=args.json)


if __name__ == "__main__":
    main()
