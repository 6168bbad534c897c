"""`etabli export ereuse`: a computer inventoried from recorded real tool outputs, one of its
disks really erased (an image file) and another left "not erased" by bad sectors, exported in
both Workbench formats and checked against JSON Schemas written from the published format
(snapshot.schema.json, snapshot_legacy.schema.json; sources in their descriptions)."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from bench_app.domain.asset_code import AssetCode
from bench_app.domain.model import DeviceKind, JobState
from bench_app.drives.cli import _record_machine
from bench_app.drives.handle import DriveHandle
from bench_app.drives.machine import inventory_this_machine
from bench_app.station import Station
from bench_app.store import queries
from bench_app.store.database import DB_NAME, Store
from bench_app.sync import ereuse
from tests.drives.conftest import make_image
from tests.drives.test_erase_job import FlakyDrive
from tests.drives.test_machine import Machine, Programs
from tests.unit.support import finish

HERE = Path(__file__).parent
DATA = HERE.parent / "drives" / "data"
MiB = 1 << 20
CLI = [sys.executable, "-m", "bench_app.cli"]
MAC = "84:ef:18:2b:cd:61"  # wlp2s0 of the recorded "tyralyn-laptop" (drives/data/machine/README)


def recorded(name: str) -> str:
    return (DATA / name).read_text(encoding="utf-8")


def schema(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((HERE / name).read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(data)
    return data


@dataclass
class Workshop:
    folder: Path
    asset_code: str
    device_id: str
    good_serial: str
    bad_serial: str
    inventory: Callable[[], str]  # records a new inventory of the computer; returns its code


def _inventory(tmp_path: Path, drive_rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The inventory `etabli inventory --this-machine` records, from recorded outputs: the
    Lenovo Yoga's dmidecode, the HP ProBook's lshw, a Crucial MX500's smartctl answer."""
    root = tmp_path / f"machine-{len(list(tmp_path.glob('machine-*')))}"
    root.mkdir()
    box = Machine(root)
    box.net("wlp2s0", MAC, wireless=True)
    programs = Programs(
        dmidecode=recorded("machine/dmidecode/lenovo-yoga-720-13ikb.txt"),
        lshw=recorded("machine/lshw/hp-probook-430-g4.json"),
        smartctl=recorded("smartctl/sata_ssd_healthy.json"),
    )
    inventory = inventory_this_machine(
        programs, sys_root=box.sys, proc_root=box.proc, drives=[("/dev/sda", "sata")]
    )
    data = dict(inventory.to_json(include_raw=True))
    data["drives"] = drive_rows
    data["identity"] = inventory.identity()
    return data


@pytest.fixture
def workshop(data_dir: Path, tmp_path: Path) -> Iterator[Workshop]:
    good = make_image(tmp_path / "YOGA-SSD-7K2Q.img", 16 * MiB)
    bad = make_image(tmp_path / "YOGA-HDD-3M8P.img", 16 * MiB)
    rows = [DriveHandle(str(p)).target().to_json() for p in (good, bad)]

    def inventory() -> str:
        data = _inventory(tmp_path, rows)
        return _record_machine(data_dir, data.pop("identity"), data)

    code = inventory()
    station = Station(data_dir, operator="test-operator")
    try:
        device = queries.device_by_code(station.store, code)
        assert device is not None and device.kind is DeviceKind.LAPTOP
        for path, handle, state in (
            (good, DriveHandle(str(good)), JobState.SUCCEEDED),
            (bad, FlakyDrive(str(bad), bad=[(5 * MiB, 5 * MiB + 4096)]), JobState.BLOCKED),
        ):
            drive = station.device_connected(handle)
            options = {"method": "clear-zero", "verify": "full", "confirm_serial": path.stem[-4:]}
            assert finish(station.start_job(drive.id, "drive.erase", options)) is state
        device_id = device.id
    finally:
        station.close()
    yield Workshop(data_dir, code, device_id, rows[0]["serial"], rows[1]["serial"], inventory)


def export(w: Workshop, out: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    where = ("--data-dir", str(w.folder), "--lang", "en")
    return subprocess.run(
        [*CLI, "export", "ereuse", w.asset_code, "-o", str(out), *extra, *where],
        capture_output=True,
        text=True,
        timeout=120,
    )


def expected_identity_hash() -> str:
    """sha3-256 of manufacturer + model + chassis + serial + MAC, read here straight from the
    recorded dmidecode text; "Convertible" is Devicehub's name for SMBIOS's "Convertible"."""
    sections: dict[str, dict[str, str]] = {}
    current: dict[str, str] = {}
    for line in recorded("machine/dmidecode/lenovo-yoga-720-13ikb.txt").splitlines():
        if line and not line.startswith(("\t", " ", "Handle", "#")):
            current = sections.setdefault(line.strip(), {})
        elif line.startswith("\t") and ": " in line:
            key, _, value = line.strip().partition(": ")
            current.setdefault(key, value)
    system, chassis = sections["System Information"], sections["Chassis Information"]
    assert chassis["Type"] == "Convertible"
    text = system["Manufacturer"] + system["Product Name"] + "Convertible"
    text += system["Serial Number"] + MAC
    return hashlib.sha3_256(text.encode()).hexdigest()


def test_current_snapshot_carries_raw_outputs_and_real_erasures(
    workshop: Workshop, tmp_path: Path
) -> None:
    out = tmp_path / "yoga.json"
    done = export(workshop, out)
    assert done.returncode == 0, done.stderr
    snap = json.loads(out.read_text(encoding="utf-8"))
    jsonschema.validate(snap, schema("snapshot.schema.json"))
    # The tools' own outputs, unchanged.
    assert snap["data"]["dmidecode"] == recorded("machine/dmidecode/lenovo-yoga-720-13ikb.txt")
    assert json.loads(snap["data"]["smartctl"]) == [
        json.loads(recorded("smartctl/sata_ssd_healthy.json"))
    ]
    # Both erasures, each with its real result: only the finished, verified one succeeds.
    by_serial = {e["device"]["serial"]: e for e in snap["erase"]}
    assert set(by_serial) == {workshop.good_serial, workshop.bad_serial}
    good, bad = by_serial[workshop.good_serial], by_serial[workshop.bad_serial]
    assert (good["result"], good["success"], good["severity"]) == ("erased", True, "Info")
    assert good["standard"] == "NIST SP 800-88 Rev. 1" and good["method"] == "clear-zero"
    assert good["verification"] == {"mode": "full", "ok": True}
    [step] = good["steps"]
    assert step["type"] == "StepZero" and step["completed"] and step["bytes"] == 16 * MiB
    assert good["device"]["size_bytes"] == 16 * MiB and good["end_time"] >= good["start_time"]
    assert (bad["result"], bad["success"], bad["severity"]) == ("not_erased", False, "Error")
    assert bad["steps"][0]["errors"] == 1 and not bad["verification"]["ok"]
    assert any("could not be written" in r for r in bad["reasons"])
    assert f"identity hash sha3-256 {expected_identity_hash()}" in done.stdout
    assert "2 erasure(s), 1 succeeded" in done.stdout


def test_legacy_snapshot_follows_the_strict_older_schema(
    workshop: Workshop, tmp_path: Path
) -> None:
    out = tmp_path / "yoga-legacy.json"
    done = export(workshop, out, "--legacy")
    assert done.returncode == 0, done.stderr
    snap = json.loads(out.read_text(encoding="utf-8"))
    jsonschema.validate(snap, schema("snapshot_legacy.schema.json"))
    data = snap["data"]
    assert data["dmidecode"] == recorded("machine/dmidecode/lenovo-yoga-720-13ikb.txt")
    assert data["lshw"] == json.loads(recorded("machine/lshw/hp-probook-430-g4.json"))
    assert data["smart"] == [json.loads(recorded("smartctl/sata_ssd_healthy.json"))]
    assert "erase" not in snap  # the older Devicehub refuses keys it does not know
    # The same inventory fact: the same uuid in both formats; sid is part of it.
    current = tmp_path / "yoga.json"
    assert export(workshop, current).returncode == 0
    assert json.loads(current.read_text())["uuid"] == snap["uuid"]
    assert snap["sid"] == snap["uuid"].split("-")[1]


def test_uuid_is_stable_per_inventory_and_new_after_a_new_inventory(
    workshop: Workshop, tmp_path: Path
) -> None:
    first, again, later = (tmp_path / f"{n}.json" for n in ("first", "again", "later"))
    assert export(workshop, first).returncode == 0
    assert export(workshop, again).returncode == 0
    assert first.read_bytes() == again.read_bytes()  # re-exported: Devicehub answers 409
    assert workshop.inventory() == workshop.asset_code  # the same computer, inventoried again
    assert export(workshop, later).returncode == 0
    old, new = json.loads(first.read_text()), json.loads(later.read_text())
    assert old["uuid"] != new["uuid"]
    with Store.open_for_reading(workshop.folder / DB_NAME) as store:
        fact = ereuse.latest_inventory(store, workshop.device_id)
        assert fact is not None and new["uuid"] == ereuse.snapshot_uuid(fact.id)
        assert ereuse.identity_hash(fact.payload["inventory"]) == expected_identity_hash()


def test_errors_are_plain_and_exit_2(workshop: Workshop, tmp_path: Path) -> None:
    station = Station(workshop.folder, operator="test-operator")
    try:
        phone = station.register_device(DeviceKind.PHONE, brand="Samsung", model="Galaxy A40")
        bare = station.register_device(DeviceKind.DESKTOP, brand="Dell", model="OptiPlex 3020")
    finally:
        station.close()
    mine = AssetCode.parse(workshop.asset_code)
    unknown = str(AssetCode.make(mine.prefix, mine.number + 777))
    out = tmp_path / "never.json"
    cases = {
        phone.asset_code: "only laptops and desktops",
        bare.asset_code: "Run etabli inventory --this-machine on it first",
        unknown: f"No device has the code {unknown}",
        "NOT-A-CODE": "is not valid",
    }
    for code, says in cases.items():
        done = export(Workshop(workshop.folder, code, "", "", "", workshop.inventory), out)
        assert done.returncode == 2 and says in done.stderr, (code, done.stderr)
        assert "Traceback" not in done.stderr
    assert not out.exists()
    unwritable = export(workshop, tmp_path / "no-such-folder" / "yoga.json")
    assert unwritable.returncode == 2 and "Cannot write the file" in unwritable.stderr
    assert "Traceback" not in unwritable.stderr


def test_devicehub_chassis_names() -> None:
    assert ereuse.devicehub_chassis("Notebook") == "Netbook"
    assert ereuse.devicehub_chassis("Desktop") == "Tower"
    assert ereuse.devicehub_chassis("Laptop") == "Laptop"
    assert ereuse.devicehub_chassis("Mini Tower".replace(" ", "-")) == "Microtower"
    assert ereuse.devicehub_chassis("Other") == ""
