"""A station's real work travels, every command a real process.

Station A erases a drive (an image file), checks a simulated phone over ADB and writes a
laptop image; it then exports a USB bundle that station B imports, and pushes to a hub on
PostgreSQL with no refusal. This is the first week of a workshop: before facts were
checked at the source, the bundle export died on the erasure's float seconds.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from hub.db import HubDB
from tests.android.test_diagnose_cli import diagnose, simulated_phone  # noqa: F401  (fixture)
from tests.hub.conftest import PostgresServer, postgres_server  # noqa: F401  (fixture)
from tests.laptop_image.conftest import make_ext4_image
from tests.sync.conftest import LiveHub

CLI = [sys.executable, "-m", "bench_app.commands.main"]
MiB = 1024 * 1024


def etabli(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [*CLI, *args, "--data-dir", str(data_dir), "--lang", "en"],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "ETABLI_TESTING": "1"},
    )
    assert "Traceback" not in done.stderr, done.stderr
    return done


@pytest.fixture
def postgres_hub(postgres_server: PostgresServer) -> Iterator[LiveHub]:  # noqa: F811
    db = HubDB(postgres_server.new_database())
    hub = LiveHub(db)
    yield hub
    hub.stop()
    db.close()


def events_of(data_dir: Path, station_id: str) -> list[dict[str, object]]:
    done = etabli(data_dir, "events", "--json")
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    return sorted((r for r in rows if r["station_id"] == station_id), key=lambda r: r["seq"])


def test_erase_check_and_install_then_bundle_and_hub(
    tmp_path: Path,
    simulated_phone,  # noqa: F811
    postgres_hub: LiveHub,
) -> None:
    a, b = tmp_path / "station-a", tmp_path / "station-b"

    disk = tmp_path / "DONOR-DISK-8R3M.img"
    donor_data = os.urandom(8 * MiB)
    disk.write_bytes(donor_data)
    erased = etabli(a, "erase", str(disk), "--method", "clear-random", "--confirm-serial", "8r3m")
    assert erased.returncode == 0, erased.stderr
    assert disk.read_bytes()[: 64 * 1024] != donor_data[: 64 * 1024]

    phone = simulated_phone("fairphone-4")
    checked = diagnose(a, phone, "--json")
    assert checked.returncode == 0, checked.stderr

    image = make_ext4_image(tmp_path / "debian-laptop.img", size=16 * MiB, data=2 * MiB)
    target = tmp_path / "LAPTOP-SN-5T2W.img"
    target.write_bytes(bytes(24 * MiB))
    written = etabli(a, "write-image", str(image), str(target), "--confirm-serial", "5t2w")
    assert written.returncode == 0, written.stderr

    assert len(json.loads(etabli(a, "devices", "--json").stdout)) == 3

    # The USB stick.
    stick = tmp_path / "stick.etabli"
    exported = etabli(a, "bundle", "export", str(stick))
    assert exported.returncode == 0, exported.stderr
    pub = tmp_path / "a.pub"
    assert etabli(a, "keys", "export-public", "-o", str(pub)).returncode == 0
    assert etabli(b, "keys", "trust", str(pub)).returncode == 0
    imported = etabli(b, "bundle", "import", str(stick))
    assert imported.returncode == 0, imported.stderr + imported.stdout

    # The collective's hub, on PostgreSQL.
    code = postgres_hub.code(f"Atelier {uuid.uuid4()}")
    enrolled = etabli(a, "enrol", postgres_hub.url, code)
    assert enrolled.returncode == 0, enrolled.stderr
    synced = etabli(a, "sync", "--once")
    assert synced.returncode == 0, synced.stderr + synced.stdout

    station_id = _station_id(a)
    ours = events_of(a, station_id)
    assert {e["type"] for e in ours} >= {
        "erasure.pass_finished",
        "erasure.finished",
        "step.finished",
        "image.written",
    }
    assert events_of(b, station_id) == ours
    assert sorted(postgres_hub.event_ids(station_id)) == sorted(str(e["id"]) for e in ours)


def _station_id(data_dir: Path) -> str:
    """The station's own id: its log starts with its own first fact."""
    first = etabli(data_dir, "events", "--json").stdout.splitlines()[0]
    return str(json.loads(first)["station_id"])
