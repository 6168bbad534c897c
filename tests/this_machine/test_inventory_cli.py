"""`etabli inventory --this-machine` on this very machine: its hardware into a device record,
and its drives listed with the system disk protected."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from bench_app.store import queries
from bench_app.store.database import DB_NAME, Store


def test_this_machine_is_inventoried_into_a_device_record(data_dir: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench_app.commands.main",
            "inventory",
            "--this-machine",
            "--json",
            "--data-dir",
            str(data_dir),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["cpu"]["threads"] == os.cpu_count()
    assert data["ram"]["total_bytes"] == os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    root = [d for d in data["drives"] if "ERASE_SYSTEM_DISK" in d["refusals"]]
    assert root and not root[0]["erasable"]
    with Store.open_for_reading(data_dir / DB_NAME) as store:
        device = queries.device_by_code(store, data["asset_code"])
        assert device is not None and device.kind.value in ("laptop", "desktop")
        [fact] = [e for e in queries.events(store, device.id) if e.type == "device.inventoried"]
    assert fact.payload["inventory"]["cpu"] == data["cpu"]
    assert fact.payload["inventory"]["drives"] == data["drives"]
