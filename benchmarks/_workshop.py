"""A whole workshop's database, for the benchmarks that need a large one (search, the
dashboard, the lots): two builders, one cache.

- `build_workshop`: donors, lots, devices with their identifiers, and outcomes with
  beneficiary references, all recorded through the real store (hash-chained, validated facts
  folded into the current state), in batches of about 2,000 facts per transaction.
- `build_worked_workshop`: every device through the bench's stages (registered, identified,
  a diagnosis job, an erasure, an install job for phones, a grade, an outcome for most),
  spread over two years on four stations. Recording 8 million facts one by one through the
  store would take hours, so the facts are written straight into the log (validated as the
  store validates them, hash-chained per station), then the current state is derived by
  the store's own rebuild (`projections.rebuild`, the same code that folds each fact):
  the same tables as the store would have left, which tests/benchmarks checks on a small one.

    build_workshop(folder, devices)             # a station data folder holding that database
    cached_workshop(devices)                    # the same, built once per size and kept
    cached_worked_workshop(devices)             # the worked workshop, built once per size

The cache lives in benchmarks/results/cache/ (not committed), keyed by the number of devices,
the schema version and BUILDER_VERSION, so a change of either builds it again."""

from __future__ import annotations

import random
import shutil
import sqlite3
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import _common

from bench_app.domain import facts as fact_schemas
from bench_app.domain.asset_code import ALPHABET, MAX_NUMBER, AssetCode
from bench_app.domain.imei import luhn_digit
from bench_app.store import projections
from bench_app.store.database import DB_NAME, NewEvent, Store
from bench_app.store.migrations import LATEST_VERSION
from bench_app.wire.canonical import event_json
from bench_app.wire.events import GENESIS_HASH, event_hash, hashed_fields

BUILDER_VERSION = 8  # bump when the data drawn, or what the projections keep, changes
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


# -- the worked workshop: every device through the stages -----------------------------------

WORKED_FIRST_DAY = date(2025, 1, 1)
WORKED_LAST_DAY = date(2026, 12, 31)
WORKED_DEVICES_PER_LOT = 100
WORKED_DONORS = 100
OTHER_STATIONS = [f"0190aaaa-0000-7000-8000-00000000000{n}" for n in range(2, 5)]
WORKED_KINDS = ["phone", "laptop", "tablet", "desktop", "phone"]
WORKED_OUTCOMES = [
    "donation", "loan", "rental", "sale", "reuse", "spare_parts", "recycling", "donation",
]  # fmt: skip
WORKED_GRADES = ["A", "B", "B", "C"]


def _uid(kind: int, n: int) -> str:
    h = f"{kind:04x}{n:028x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _ts(at: datetime) -> str:
    return at.isoformat(timespec="milliseconds").replace("+00:00", "Z")


Fact = tuple[datetime, str, str | None, dict[str, Any]]


def worked_facts(i: int, n: int) -> list[Fact]:
    """Device i of n: (time, type, device id, payload) of what it went through. Registered
    evenly over the two years; a diagnosis job the same day, an erasure the next (1 in 20
    fails), an install job for phones, a grade on the third day and, for 9 in 10, an outcome
    on the sixth (a quarter of them loans or rentals due 90 days later, never returned)."""
    start = datetime.combine(WORKED_FIRST_DAY, datetime.min.time()).replace(tzinfo=UTC)
    span = datetime.combine(WORKED_LAST_DAY, datetime.min.time()).replace(tzinfo=UTC) - start
    t0 = start + span * (i / n)
    device = _uid(1, i)
    kind = WORKED_KINDS[i % len(WORKED_KINDS)]
    out: list[Fact] = []
    if i % WORKED_DEVICES_PER_LOT == 0:
        lot = i // WORKED_DEVICES_PER_LOT
        out.append((t0, "lot.registered", None, {
            "lot_id": _uid(2, lot), "donor_id": _uid(6, lot % WORKED_DONORS),
            "received_on": t0.date().isoformat(), "agreement_ref": f"CONV-{lot:06d}",
            "expected_count": WORKED_DEVICES_PER_LOT,
        }))  # fmt: skip
    out.append((t0, "device.registered", device, {
        "device_id": device, "asset_code": _code(i), "kind": kind,
        "lot_id": _uid(2, i // WORKED_DEVICES_PER_LOT),
    }))  # fmt: skip
    out.append((t0 + timedelta(hours=1), "device.identified", device,
                {"device_id": device, "fields": {}}))  # fmt: skip
    diag = _uid(3, i)
    out.append((t0 + timedelta(hours=2), "job.created", device, {
        "job_id": diag, "device_id": device, "pipeline": "diagnostics", "steps": [],
        "stage_on_success": "diagnosed",
    }))  # fmt: skip
    out.append((t0 + timedelta(hours=3), "job.finished", device,
                {"job_id": diag, "state": "succeeded"}))  # fmt: skip
    erasure = _uid(4, i)
    t_erase = t0 + timedelta(days=1)
    common = {"job_id": diag, "erasure_id": erasure, "device_id": device}
    out.append((t_erase, "erasure.started", device, {
        **common, "method": "clear-zero", "technique": "Clear",
        "standard": "NIST SP 800-88 Rev. 1", "target": {"serial": "", "size_bytes": 256 * 10**9},
    }))  # fmt: skip
    result = "erased" if i % 20 else "not_erased"
    out.append((t_erase + timedelta(hours=1), "erasure.finished", device,
                {**common, "result": result, "reasons": []}))  # fmt: skip
    if kind == "phone":
        install = _uid(5, i)
        out.append((t0 + timedelta(days=1, hours=2), "job.created", device, {
            "job_id": install, "device_id": device, "pipeline": "install", "steps": [],
            "stage_on_success": "installed",
        }))  # fmt: skip
        out.append((t0 + timedelta(days=1, hours=3), "job.finished", device,
                    {"job_id": install, "state": "succeeded"}))  # fmt: skip
    out.append((t0 + timedelta(days=2), "grade.assigned", device, {
        "device_id": device, "functional": "B", "cosmetic": 6,
        "workshop_grade": WORKED_GRADES[i % len(WORKED_GRADES)],
    }))  # fmt: skip
    if i % 10:
        t_out = t0 + timedelta(days=5)
        outcome = WORKED_OUTCOMES[i % len(WORKED_OUTCOMES)]
        payload: dict[str, Any] = {"device_id": device, "kind": outcome}
        if outcome in ("loan", "rental"):
            payload["due_on"] = (t_out + timedelta(days=90)).date().isoformat()
        out.append((t_out, "outcome.recorded", device, payload))
    return out


def _print_progress(what: str) -> Callable[[int, int], None]:
    def report(done: int, total: int) -> None:
        print(f"  {what}: {done:,}/{total:,}", file=sys.stderr, flush=True)

    return report


def build_worked_workshop(
    path: Path, devices: int, progress: Callable[[int, int], None] | None = None
) -> Workshop:
    """A station data folder at `path` holding `devices` worked devices (see
    `worked_facts`), their facts on this station and three others, each chain hash-linked;
    the current state derived by the store's rebuild. `progress(done, total)`: devices
    written, then facts folded."""
    path.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    Store(path / DB_NAME, sign_head=False).close()  # the schema, by the migrations
    conn = sqlite3.connect(path / DB_NAME, isolation_level=None)
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -262144")
    conn.execute("PRAGMA foreign_keys = ON")
    own = str(conn.execute("SELECT value FROM meta WHERE key = 'station_id'").fetchone()[0])
    stations = [own, *OTHER_STATIONS]
    heads = {s: (0, GENESIS_HASH) for s in stations}
    count = 0
    conn.execute("BEGIN")
    rows: list[tuple[Any, ...]] = []

    def write(at: datetime, type_: str, device: str | None, payload: dict[str, Any],
              station: str) -> None:  # fmt: skip
        nonlocal count
        fact_schemas.validate(type_, payload)
        seq, prev = heads[station]
        seq += 1
        event_id = _uid(9, count)
        ts = _ts(at)
        fields = hashed_fields(
            event_id, station, seq, OPERATOR, ts, type_, device, payload, False, prev
        )
        digest = event_hash(fields)
        heads[station] = (seq, digest)
        rows.append((event_id, station, seq, OPERATOR, ts, type_, device, event_json(payload),
                     False, prev, digest))  # fmt: skip
        count += 1

    now = datetime.now(UTC)
    for d in range(WORKED_DONORS):
        write(now, "donor.registered",
              None, {"donor_id": _uid(6, d), "name": f"Donateur {d}", "kind": "company"}, own)  # fmt: skip
    for i in range(devices):
        station = stations[i % len(stations)]
        for at, type_, device, payload in worked_facts(i, devices):
            write(at, type_, device, payload, station)
        if len(rows) >= 20_000 or i == devices - 1:
            conn.executemany(
                "INSERT INTO events (id, station_id, seq, operator, ts, type, device_id,"
                " payload, training, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
            rows.clear()
            if progress is not None:
                progress(i + 1, devices)
    conn.execute("COMMIT")
    conn.execute("BEGIN")
    projections.rebuild(conn, progress=progress)
    conn.execute("COMMIT")
    conn.execute("ANALYZE")
    conn.close()
    return Workshop(path, devices, count, time.perf_counter() - start)


def cached_worked_workshop(devices: int, *, verbose: bool = True) -> Workshop:
    """The worked workshop of this size from the cache, built (and kept) the first time."""
    folder = CACHE / f"worked-{devices}-v{LATEST_VERSION}-b{BUILDER_VERSION}"
    done = folder / "built.txt"
    if done.is_file():
        facts, seconds = done.read_text().split()
        return Workshop(folder, devices, int(facts), float(seconds))
    shutil.rmtree(folder, ignore_errors=True)  # a build cut short is started again
    built = build_worked_workshop(
        folder, devices, _print_progress("worked workshop") if verbose else None
    )
    done.write_text(f"{built.facts} {built.build_seconds:.1f}\n")
    return built
