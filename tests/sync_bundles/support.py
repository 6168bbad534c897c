"""Real stations (each its own data folder, database and key) for the bundle tests."""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench_app.domain.model import DeviceKind, DonorKind, OutcomeKind
from bench_app.signing import Keyring, StationKey, public_pem, trust_key_file
from bench_app.station import Station
from bench_app.store import queries
from bench_app.store.database import NewEvent
from bench_app.wire.canonical import canonical_json
from tests.unit.support import outcome_in_log


@dataclass
class Bench:
    """One station with its folder and key."""

    name: str
    folder: Path
    station: Station
    key: StationKey

    @property
    def store(self) -> Any:
        return self.station.store

    def keyring(self) -> Keyring:
        return Keyring.for_station(self.folder)

    def trust(self, other: Bench) -> None:
        pub = self.folder.parent / f"{other.name}.pub"
        pub.write_text(public_pem(other.key.public), encoding="ascii")
        trust_key_file(self.folder, pub)

    def event_count(self) -> int:
        row = self.store.query_one("SELECT count(*) FROM events")
        assert row is not None
        return int(row[0])

    def snapshot(self) -> dict[str, list[tuple[Any, ...]]]:
        return queries.projection_snapshot(self.store)


def open_bench(root: Path, name: str) -> Bench:
    folder = root / name
    station = Station(folder, training=False, operator=f"operator-{name}")
    return Bench(name, folder, station, StationKey.load_or_create(folder))


def grade(
    bench: Bench, device_id: str, functional: str, cosmetic: int, *, training: bool = False
) -> None:
    """A grade recorded as the grading step records it (through the station's store)."""
    bench.store.record(
        [
            NewEvent(
                "grade.assigned",
                {
                    "device_id": device_id,
                    "functional": functional,
                    "cosmetic": cosmetic,
                    "workshop_grade": f"{functional}{cosmetic}",
                    "reasons": [],
                },
                device_id,
            )
        ],
        operator=bench.station.operator,
        training=training,
    )


def intake(bench: Bench, devices: int = 2) -> dict[str, Any]:
    """A donor, a lot and `devices` phones, the first graded and given an outcome."""
    station = bench.station
    donor = station.register_donor(f"Donateur {bench.name}", DonorKind.COMPANY, "a@b.example")
    lot = station.register_lot(donor, agreement_ref=f"CONV-{bench.name}", expected_count=devices)
    ids = [
        station.register_device(
            DeviceKind.PHONE, brand="Fairphone", model="4", serial=f"{bench.name}-{n}", lot_id=lot
        ).id
        for n in range(devices)
    ]
    station.identify(ids[0], {"storage_gb": 128})
    grade(bench, ids[0], "B", 7)
    outcome_in_log(station, ids[0], OutcomeKind.DONATION, note="association")
    return {"donor": donor, "lot": lot, "devices": ids}


def unpack(data: bytes) -> list[bytes]:
    """A bundle's lines (header, events, signature), each with its newline."""
    return gzip.decompress(data).splitlines(keepends=True)


def repack(lines: list[bytes]) -> bytes:
    return gzip.compress(b"".join(lines), mtime=0)


def hostile_header(key: StationKey, station_id: str, events: int = 10**9) -> bytes:
    """A real bundle header line (naming `key`, so it passes the trust check) that announces
    `events` events: what a forged file shows before its body."""
    header = {
        "format": "etabli.bundle",
        "version": 1,
        "station_id": station_id,
        "workshop": None,
        "key_id": key.key_id,
        "created": "2026-01-01T00:00:00.000Z",
        "events": events,
        "body_sha256": "0" * 64,
    }
    return canonical_json(header) + b"\n"


def write_bomb(path: Path, head: bytes, mib: int, *, fill: bytes = b"\0") -> int:
    """A gzip file of `head` then `mib` MiB of `fill`, made of one member per MiB (as gzip
    allows): about 1 KB per MiB, so 1 GiB weighs about 1 MB. Returns the file's size."""
    unit = gzip.compress(fill * (1024 * 1024 // len(fill)), compresslevel=9, mtime=0)
    with path.open("wb") as f:
        f.write(gzip.compress(head, mtime=0))
        for _ in range(mib):
            f.write(unit)
    return path.stat().st_size
