"""A whole workshop's database, for the benchmarks that need a large one (search, the
dashboard): donors, lots, devices with their identifiers, and outcomes with beneficiary
references, all recorded through the real store (hash-chained, validated facts folded into
the current state), in batches of about 2,000 facts per transaction.

    build_workshop(folder, devices)      # a station data folder holding that database
    cached_workshop(devices)             # the same, built once per size and kept

The cache lives in benchmarks/results/cache/ (not committed), keyed by the number of devices,
the schema version and BUILDER_VERSION, so a change of either builds it again."""

from __future__ import annotations

import random
import shutil
import time
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import _common

from bench_app.domain.asset_code import ALPHABET, MAX_NUMBER, AssetCode
from bench_app.domain.imei import luhn_digit
from bench_app.store.database import DB_NAME, NewEvent, Store
from bench_app.store.migrations import LATEST_VERSION

BUILDER_VERSION = 4  # bump when the data drawn, or what the projections keep, changes
CACHE = _common.RESULTS / "cache"
SEED = 20261204
DEVICES_PER_LOT = 250
BATCH = 2000  # facts per transaction
OPERATOR = "bench"
FIRST_MS = 1_704_700_800_000  # 2024-01-08

PHONES = [
    ("Samsung", "Galaxy S9"), ("Samsung", "Galaxy A52"), ("Samsung", "Galaxy S10e"),
    ("Samsung", "Galaxy A40"), ("Apple", "iPhone 8"), ("Apple", "iPhone SE 2020"),
    ("Apple", "iPhone XR"), ("Fairphone", "FP3"), ("Fairphone", "FP4"), ("Google", "Pixel 4a"),
    ("Google", "Pixel 7a"), ("Xiaomi", "Redmi Note 8"), ("Xiaomi", "Redmi 9"),
    ("Huawei", "P20 Lite"), ("Motorola", "Moto G7"), ("OnePlus", "6T"), ("Sony", "Xperia XZ2"),
    ("Nokia", "7.2"), ("Oppo", "A53"), ("Crosscall", "Core X4"),
]  # fmt: skip
LAPTOPS = [
    ("Lenovo", "ThinkPad T480"), ("Lenovo", "ThinkPad X270"), ("Dell", "Latitude E7470"),
    ("Dell", "Latitude 5490"), ("HP", "EliteBook 840 G5"), ("HP", "ProBook 450 G6"),
    ("Fujitsu", "Lifebook E548"), ("Acer", "TravelMate P259"),
]  # fmt: skip
DRIVES = [
    ("Seagate", "ST500LM021"), ("Western Digital", "WD5000LPVX"), ("Samsung", "SSD 860 EVO"),
    ("Crucial", "MX500"), ("Toshiba", "MQ01ABD100"),
]  # fmt: skip
PLACES = [
    "Rhône", "Isère", "Loire", "Ain", "Savoie", "Drôme", "Ardèche", "Gironde", "Nord", "Var",
    "Hérault", "Gard", "Aude", "Tarn", "Lot", "Cantal", "Allier", "Marne", "Oise", "Somme",
]  # fmt: skip
BODIES = ["Département", "Mairie", "Caisse de retraite", "Hôpital", "Lycée", "Préfecture"]
COMPANIES = ["La Poste", "Orange", "SNCF", "Crédit Agricole", "EDF", "Decathlon", "Renault"]


@dataclass(frozen=True, slots=True)
class Workshop:
    """A built workshop: its data folder, its size, and how long it took to build."""

    folder: Path
    devices: int
    facts: int
    build_seconds: float

    @property
    def db(self) -> Path:
        return self.folder / DB_NAME


def _donor_names() -> list[tuple[str, str]]:
    names = [(f"{body} {place}", "public_body") for body in BODIES for place in PLACES]
    names += [(f"{company} {place}", "company") for company in COMPANIES for place in PLACES]
    return names


def _serial(rng: random.Random) -> str:
    return "".join(
        rng.choice("0123456789ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(rng.randint(8, 12))
    )


def _imei(rng: random.Random) -> str:
    body = "35" + "".join(rng.choice("0123456789") for _ in range(12))
    return body + luhn_digit(body)


def _device_id(n: int) -> str:
    """The n-th device's id: a UUIDv7 as a station makes it, registered 40 s after the
    previous device (two years of a busy collective for a million)."""
    ms = FIRST_MS + n * 40_000
    value = ms << 80 | 0x7 << 76 | (n >> 62 & 0xFFF) << 64 | 0b10 << 62 | (n & ((1 << 62) - 1))
    return str(uuid.UUID(int=value))


def _code(n: int) -> str:
    """The n-th device's asset code (from 0): a million devices need more than one station's
    prefix (31^4 - 1 codes each), as a collective's database would have."""
    prefix = "BN" + ALPHABET[n // MAX_NUMBER // len(ALPHABET)] + ALPHABET[n // MAX_NUMBER % 31]
    return str(AssetCode.make(prefix, n % MAX_NUMBER + 1))


def workshop_facts(devices: int) -> Any:
    """Every fact of the workshop, in order: donors, then each lot before its devices; about
    a third of the devices handed out (donation, loan, rental) with a beneficiary reference."""
    rng = random.Random(SEED)
    donors = _donor_names()
    donor_ids = [f"donor-{i:05d}" for i in range(len(donors))]
    for donor_id, (name, kind) in zip(donor_ids, donors, strict=True):
        yield NewEvent("donor.registered", {"donor_id": donor_id, "name": name, "kind": kind})
    first_day = date(2024, 1, 8)
    lot_id = ""
    for n in range(devices):
        if n % DEVICES_PER_LOT == 0:
            lot_no = n // DEVICES_PER_LOT
            lot_id = f"lot-{lot_no:06d}"
            yield NewEvent(
                "lot.registered",
                {
                    "lot_id": lot_id,
                    "donor_id": rng.choice(donor_ids),
                    "received_on": (first_day + timedelta(days=lot_no % 900)).isoformat(),
                    "agreement_ref": f"CONV-{2024 + lot_no % 3}-{lot_no:05d}",
                    "expected_count": DEVICES_PER_LOT,
                },
            )
        device_id = _device_id(n)
        draw = rng.random()
        kind, models = (
            ("phone", PHONES)
            if draw < 0.7
            else ("laptop", LAPTOPS)
            if draw < 0.9
            else ("drive", DRIVES)
        )
        brand, model = rng.choice(models)
        yield NewEvent(
            "device.registered",
            {
                "device_id": device_id,
                "asset_code": _code(n),
                "kind": kind,
                "brand": brand,
                "model": model,
                "serial": _serial(rng),
                "imei": _imei(rng) if kind == "phone" else "",
                "lot_id": lot_id,
            },
            device_id,
        )
        if rng.random() < 0.33:
            outcome = rng.choice(("donation", "loan", "rental"))
            yield NewEvent(
                "outcome.recorded",
                {
                    "device_id": device_id,
                    "kind": outcome,
                    "beneficiary": f"BEN-{2024 + n % 3}-{n:07d}",
                },
                device_id,
            )


def build_workshop(path: Path, devices: int) -> Workshop:
    """Records a workshop of `devices` devices into a new station data folder at `path`
    through the real store, and returns it (built in Workshop.build_seconds)."""
    path.mkdir(parents=True, exist_ok=True)
    store = Store(path / DB_NAME)
    facts = 0
    start = time.perf_counter()
    try:
        pending: list[NewEvent] = []

        def flush() -> None:
            with store.transaction() as conn:
                for event in pending:
                    store.append(conn, event, operator=OPERATOR, training=False)
            pending.clear()

        for event in workshop_facts(devices):
            pending.append(event)
            facts += 1
            if len(pending) >= BATCH:
                flush()
        if pending:
            flush()
    finally:
        store.close()
    return Workshop(path, devices, facts, time.perf_counter() - start)


def cached_workshop(devices: int) -> Workshop:
    """The workshop of this size from the cache, built (and kept) the first time."""
    folder = CACHE / f"workshop-{devices}-v{LATEST_VERSION}-b{BUILDER_VERSION}"
    done = folder / "built.txt"
    if done.is_file():
        facts, seconds = done.read_text().split()
        return Workshop(folder, devices, int(facts), float(seconds))
    shutil.rmtree(folder, ignore_errors=True)  # a build cut short is started again
    built = build_workshop(folder, devices)
    done.write_text(f"{built.facts} {built.build_seconds:.1f}\n")
    return built
