"""`etabli export ereuse`: real computers (their recorded dmidecode, lshw, smartctl and inxi
outputs, data/SOURCES.md) inventoried by `inventory_this_machine`, exported by the real
command, and read back the way the current Devicehub reads them (devicehub_reference.py,
written from Devicehub's source): two computers, two identities, each equal to Devicehub's,
with their components. Snapshots are checked against JSON Schemas written from the published
formats (snapshot.schema.json, snapshot_legacy.schema.json; sources in their descriptions)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from bench_app.commands.drives import _record_machine
from bench_app.devices.drives.handle import DriveHandle
from bench_app.devices.this_machine import inventory as inventory_module
from bench_app.devices.this_machine.inventory import inventory_this_machine
from bench_app.domain.asset_code import AssetCode
from bench_app.domain.model import DeviceKind, JobState
from bench_app.jobs.process import ProcessResult
from bench_app.station import Station
from bench_app.store import queries
from bench_app.store.database import DB_NAME, Store
from bench_app.sync import ereuse
from tests.devices_drives.conftest import make_image
from tests.erasure.test_erase_job import FlakyDrive
from tests.ereuse.devicehub_reference import devicehub_reads, parser_for, sign
from tests.this_machine.test_inventory import Machine
from tests.unit.support import finish

HERE = Path(__file__).parent
DATA = HERE / "data"
MiB = 1 << 20
CLI = [sys.executable, "-m", "bench_app.commands.main"]

DELL, THINKPAD = "dell-latitude-e7240", "lenovo-thinkpad-x1-carbon-5th"
ACER, V330, HP_DESKTOP = "acer-aspire-a315-53", "lenovo-v330-15ikb", "hp-compaq-pro-4300-sff"


def recorded(machine: str, name: str) -> str:
    return (DATA / machine / name).read_text(encoding="utf-8")


def schema(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((HERE / name).read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(data)
    return data


class Recorded:
    """Test double for the programs the inventory runs on one recorded computer: dmidecode,
    lshw and inxi answer with its recorded output (a program without one is not installed);
    smartctl answers, for the n-th disk, the n-th recorded smartctl answer."""

    def __init__(self, machine: str, *, without: Sequence[str] = ()) -> None:
        self.outputs = {
            program: recorded(machine, file)
            for program, file in (
                ("dmidecode", "dmidecode.txt"),
                ("lshw", "lshw.json"),
                ("inxi", "inxi.json"),
            )
            if (DATA / machine / file).exists() and program not in without
        }
        smart = DATA / machine / "smartctl.json"
        answers = [] if not smart.exists() else json.loads(smart.read_text(encoding="utf-8"))
        self.smart = {f"/dev/sd{chr(ord('a') + i)}": a for i, a in enumerate(answers)}

    @property
    def drives(self) -> list[tuple[str, str]]:
        return [(path, "sata") for path in self.smart]

    def __call__(self, argv: Sequence[str]) -> ProcessResult:
        if argv[0] == "smartctl" and argv[-1] in self.smart:
            answer = self.smart[argv[-1]]
            status = int(answer.get("smartctl", {}).get("exit_status", 0))
            return ProcessResult(tuple(argv), status, json.dumps(answer), "")
        if argv[0] in self.outputs and argv[0] != "smartctl":
            return ProcessResult(tuple(argv), 0, self.outputs[argv[0]], "")
        return ProcessResult(tuple(argv), 127, "", f"{argv[0]}: command not found")


def inventory(
    data_dir: Path,
    tmp_path: Path,
    machine: str,
    *,
    without: Sequence[str] = (),
    drive_rows: list[dict[str, Any]] | None = None,
) -> str:
    """`etabli inventory --this-machine` on a recorded computer; returns its asset code."""
    root = tmp_path / f"{machine}-{len(list(tmp_path.glob(machine + '-*')))}"
    root.mkdir()
    box = Machine(root)  # empty /sys and /proc: what is checked here comes from the programs
    programs = Recorded(machine, without=without)
    found = inventory_this_machine(
        programs, sys_root=box.sys, proc_root=box.proc, drives=programs.drives
    )
    data = dict(found.to_json(include_raw=True))
    data["drives"] = drive_rows or []
    return _record_machine(data_dir, found.identity(), data)


def export(folder: Path, code: str, out: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    where = ("--data-dir", str(folder), "--lang", "en")
    return subprocess.run(
        [*CLI, "export", "ereuse", code, "-o", str(out), *extra, *where],
        capture_output=True,
        text=True,
        timeout=120,
    )


def exported(folder: Path, code: str, out: Path, *extra: str) -> tuple[dict[str, Any], str]:
    done = export(folder, code, out, *extra)
    assert done.returncode == 0, done.stderr
    return json.loads(out.read_text(encoding="utf-8")), done.stdout


def kinds(components: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [c for c in components if c.get("type") == kind]


# ---------------------------------------------------------------------------------------------
# Current format: Devicehub reads inxi


def test_two_real_laptops_get_two_identities_equal_to_devicehubs(
    data_dir: Path, tmp_path: Path
) -> None:
    expected = {
        DELL: {
            "manufacturer": "Dell",  # inxi shortens "Dell Inc."
            "model": "Latitude E7240",
            "chassis": "Laptop",  # SMBIOS 9
            "serial_number": "5CQ6VY1",
            "mac": "f0:1f:af:55:7e:18",  # eno1, after the one adapter with an I/O port
        },
        THINKPAD: {
            "manufacturer": "LENOVO",
            "model": "20HRCTO1WW",
            "chassis": "Laptop",  # SMBIOS 10, "Notebook" to dmidecode: inxi says Laptop
            "serial_number": "PF0QMY5N",
            "mac": "54:e1:ad:11:fb:b7",
        },
    }
    hashes = {}
    for machine, fields in expected.items():
        code = inventory(data_dir, tmp_path, machine)
        snap, stdout = exported(data_dir, code, tmp_path / f"{machine}.json")
        jsonschema.validate(snap, schema("snapshot.schema.json"))
        assert snap["data"]["inxi"] == recorded(machine, "inxi.json")  # unchanged
        assert snap["data"]["dmidecode"] == recorded(machine, "dmidecode.txt")
        assert parser_for(snap) == "normal"

        devicehub_hash, devicehub_fields, components = devicehub_reads(snap)
        assert devicehub_fields == fields
        assert f"identity hash sha3-256 {devicehub_hash}" in stdout
        assert devicehub_hash != sign("")  # what an empty inxi gave every computer
        assert " | ".join(fields.values()) in stdout
        hashes[machine] = devicehub_hash

        assert kinds(components, "Processor")[0]["model"]
        assert len(kinds(components, "RamModule")) == 2
        assert len(kinds(components, "NetworkAdapter")) >= 2
    assert hashes[DELL] != hashes[THINKPAD]


def test_devicehub_lists_the_components_of_the_dell_from_its_inxi(
    data_dir: Path, tmp_path: Path
) -> None:
    code = inventory(data_dir, tmp_path, DELL)
    snap, _ = exported(data_dir, code, tmp_path / "dell.json")
    _, _, components = devicehub_reads(snap)

    assert [c["model"] for c in kinds(components, "Processor")] == ["Intel Core i7-4600U"]
    assert {c["serialNumber"] for c in kinds(components, "RamModule")} == {
        "CAECB3ED",
        "FCA4B7C8",
    }
    assert {c["serialNumber"] for c in kinds(components, "Storage")} == {
        "TW0XXM305508539G1361",
        "S33HNX0J203755R",
    }
    adapters = {c["model"]: c["serialNumber"] for c in kinds(components, "NetworkAdapter")}
    assert adapters["Intel Ethernet I218-LM"] == "f0:1f:af:55:7e:18"
    assert adapters["Intel Wireless 7260"] == "0c:8b:fd:68:c8:06"
    # The smartctl answers travel too, one per disk, as the Workbench sends them.
    assert json.loads(snap["data"]["smartctl"]) == json.loads(recorded(DELL, "smartctl.json"))


def test_devicehub_lists_no_disk_when_inxi_could_not_read_smart(
    data_dir: Path, tmp_path: Path
) -> None:
    # The ThinkPad was recorded without smartctl: inxi names its NVMe disk but gives no SMART
    # data, and Devicehub lists a disk only with its SMART power cycles.
    code = inventory(data_dir, tmp_path, THINKPAD)
    snap, _ = exported(data_dir, code, tmp_path / "thinkpad.json")
    _, _, components = devicehub_reads(snap)

    assert "smartctl not installed" in snap["data"]["inxi"]
    assert kinds(components, "Storage") == []
    assert json.loads(snap["data"]["smartctl"]) == []


# ---------------------------------------------------------------------------------------------
# Legacy format: Devicehub reads dmidecode and lshw; teal validates strictly

LEGACY_CHASSIS = {DELL: "Laptop", ACER: "Laptop", V330: "Laptop", HP_DESKTOP: "Desktop"}


def test_legacy_snapshots_of_three_laptops_and_a_desktop(data_dir: Path, tmp_path: Path) -> None:
    hashes = set()
    for machine, chassis in LEGACY_CHASSIS.items():
        code = inventory(data_dir, tmp_path, machine)
        snap, stdout = exported(data_dir, code, tmp_path / f"{machine}.json", "--legacy")
        jsonschema.validate(snap, schema("snapshot_legacy.schema.json"))  # no unknown key
        assert "erase" not in snap and "inxi" not in snap["data"]
        assert snap["data"]["dmidecode"] == recorded(machine, "dmidecode.txt")
        assert snap["data"]["lshw"] == json.loads(recorded(machine, "lshw.json"))
        assert parser_for(snap) == "legacy"

        devicehub_hash, fields, components = devicehub_reads(snap)
        assert fields["chassis"] == chassis
        assert fields["manufacturer"] and fields["serial_number"] and fields["mac"]
        assert f"identity hash sha3-256 {devicehub_hash}" in stdout
        hashes.add(devicehub_hash)
        for kind in ("Processor", "RamModule", "Storage", "NetworkAdapter"):
            assert kinds(components, kind), (machine, kind)
    assert len(hashes) == len(LEGACY_CHASSIS)


def test_legacy_identity_of_the_desktop_uses_the_2026_chassis_names(
    data_dir: Path, tmp_path: Path
) -> None:
    code = inventory(data_dir, tmp_path, HP_DESKTOP)
    snap, stdout = exported(data_dir, code, tmp_path / "hp.json", "--legacy")
    devicehub_hash, fields, _ = devicehub_reads(snap)

    assert fields == {
        "manufacturer": "Hewlett-Packard",
        "model": "HP Compaq Pro 4300 SFF PC",
        "chassis": "Desktop",  # "Tower" before January 2026
        "serial_number": "MXL3451GTT",
        "mac": fields["mac"],
    }
    before = sign("Hewlett-PackardHP Compaq Pro 4300 SFF PCTowerMXL3451GTT" + fields["mac"])
    assert devicehub_hash != before
    assert before not in stdout


# Every SMBIOS chassis type (DSP0134 7.4.1), as dmidecode 3.4 names it, and the name the
# current Devicehub gives it in a legacy snapshot (utils/constants.py CHASSIS_DH, exact
# lower-case match; "" when it has none).
CHASSIS_TABLE = [
    (1, "Other", ""),
    (2, "Unknown", ""),
    (3, "Desktop", "Desktop"),
    (4, "Low Profile Desktop", "Desktop"),
    (5, "Pizza Box", ""),
    (6, "Mini Tower", ""),
    (7, "Tower", "Desktop"),
    (8, "Portable", "Laptop"),
    (9, "Laptop", "Laptop"),
    (10, "Notebook", "Laptop"),
    (11, "Hand Held", ""),
    (12, "Docking Station", ""),
    (13, "All In One", ""),
    (14, "Sub Notebook", ""),
    (15, "Space-saving", "Microtower"),
    (16, "Lunch Box", ""),
    (17, "Main Server Chassis", ""),
    (18, "Expansion Chassis", ""),
    (19, "Sub Chassis", ""),
    (20, "Bus Expansion Chassis", ""),
    (21, "Peripheral Chassis", ""),
    (22, "RAID Chassis", ""),
    (23, "Rack Mount Chassis", ""),
    (24, "Sealed-case PC", ""),
    (25, "Multi-system", ""),
    (26, "CompactPCI", ""),
    (27, "AdvancedTCA", ""),
    (28, "Blade", ""),
    (29, "Blade Enclosing", ""),
    (30, "Tablet", "Tablet"),
    (31, "Convertible", "Convertible"),
    (32, "Detachable", "Detachable"),
    (33, "IoT Gateway", ""),
    (34, "Embedded PC", ""),
    (35, "Mini PC", ""),
    (36, "Stick PC", ""),
]


def test_every_smbios_chassis_type_gets_devicehubs_name() -> None:
    assert [code for code, _, _ in CHASSIS_TABLE] == list(range(1, 37))
    for code, dmidecode_name, devicehub_name in CHASSIS_TABLE:
        assert ereuse.devicehub_chassis(dmidecode_name) == devicehub_name, (code, dmidecode_name)
        if code in inventory_module._SMBIOS_CHASSIS:  # the inventory's own table agrees
            assert inventory_module._SMBIOS_CHASSIS[code] == dmidecode_name
    # The names Devicehub itself writes map to themselves where they are also chassis types.
    assert ereuse.devicehub_chassis("_virtual") == "Virtual"
    assert ereuse.devicehub_chassis("netbook") == "Laptop"


# ---------------------------------------------------------------------------------------------
# Uuids


def test_uuids_differ_by_format_and_stay_stable_per_inventory(
    data_dir: Path, tmp_path: Path
) -> None:
    code = inventory(data_dir, tmp_path, DELL)
    first = {
        fmt: exported(data_dir, code, tmp_path / f"first{fmt}.json", *fmt.split())[0]
        for fmt in ("", "--legacy")
    }
    again = {
        fmt: exported(data_dir, code, tmp_path / f"again{fmt}.json", *fmt.split())[0]
        for fmt in ("", "--legacy")
    }
    assert first == again  # re-exported: Devicehub answers 409, "already uploaded"
    assert first[""]["uuid"] != first["--legacy"]["uuid"]  # both formats can be uploaded
    assert first["--legacy"]["sid"] == first["--legacy"]["uuid"].split("-")[1]

    assert inventory(data_dir, tmp_path, DELL) == code  # the same computer, inventoried again
    later = {
        fmt: exported(data_dir, code, tmp_path / f"later{fmt}.json", *fmt.split())[0]
        for fmt in ("", "--legacy")
    }
    assert {later[f]["uuid"] for f in later}.isdisjoint({first[f]["uuid"] for f in first})
    with Store.open_for_reading(data_dir / DB_NAME) as store:
        device = queries.device_by_code(store, code)
        assert device is not None
        fact = ereuse.latest_inventory(store, device.id)
        assert fact is not None
    assert later[""]["uuid"] == ereuse.snapshot_uuid(fact.id)
    assert later["--legacy"]["uuid"] == ereuse.snapshot_uuid(fact.id, legacy=True)


# ---------------------------------------------------------------------------------------------
# Erasures


@dataclass
class Workshop:
    folder: Path
    asset_code: str
    good_serial: str
    bad_serial: str


@pytest.fixture
def workshop(data_dir: Path, tmp_path: Path) -> Iterator[Workshop]:
    """The Dell inventoried with two disks (image files): one really erased, the other left
    "not erased" by bad sectors."""
    good = make_image(tmp_path / "DELL-SSD-7K2Q.img", 16 * MiB)
    bad = make_image(tmp_path / "DELL-HDD-3M8P.img", 16 * MiB)
    rows = [DriveHandle(str(p)).target().to_json() for p in (good, bad)]
    code = inventory(data_dir, tmp_path, DELL, drive_rows=rows)
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
    finally:
        station.close()
    yield Workshop(data_dir, code, rows[0]["serial"], rows[1]["serial"])


def test_erasures_go_where_the_workbench_writes_them(workshop: Workshop, tmp_path: Path) -> None:
    snap, stdout = exported(workshop.folder, workshop.asset_code, tmp_path / "dell.json")
    jsonschema.validate(snap, schema("snapshot.schema.json"))

    assert len(snap["erase"]) == 2  # one list of text lines per erasure, as gen_erase writes
    good, bad = sorted(snap["erase"], key=lambda lines: workshop.bad_serial in lines[0])
    assert workshop.good_serial in good[0] and workshop.bad_serial in bad[0]
    assert "method clear-zero (Clear), NIST SP 800-88 Rev. 1" in good
    assert f"pass 1 zeros: {16 * MiB} bytes, 0 error(s), completed" in good
    assert "verification full: passed" in good and "result: erased" in good
    assert "result: not_erased" in bad and "verification full: failed" in bad
    assert any(line.startswith("reason: ") and "could not be written" in line for line in bad)
    assert "2 erasure(s), 1 succeeded" in stdout
    # Devicehub reads the identity the same way with erasures in the snapshot.
    assert devicehub_reads(snap)[1]["serial_number"] == "5CQ6VY1"

    legacy, _ = exported(workshop.folder, workshop.asset_code, tmp_path / "old.json", "--legacy")
    assert "erase" not in legacy


# ---------------------------------------------------------------------------------------------
# What Devicehub would mistake, and plain errors


def test_no_export_that_devicehub_would_mistake_for_another_computer(
    data_dir: Path, tmp_path: Path
) -> None:
    # Recorded without inxi (legacy form only): the current format is refused, the legacy works.
    acer = inventory(data_dir, tmp_path, ACER)
    out = tmp_path / "acer.json"
    done = export(data_dir, acer, out)
    assert done.returncode == 2 and "has no inxi output" in done.stderr
    assert "--legacy" in done.stderr and "Traceback" not in done.stderr
    assert not out.exists()
    assert export(data_dir, acer, out, "--legacy").returncode == 0

    # Neither dmidecode nor inxi: nothing would tell this computer from another one.
    bare = inventory(data_dir, tmp_path, V330, without=("dmidecode", "inxi"))
    nothing = tmp_path / "nothing.json"
    refused = export(data_dir, bare, nothing, "--legacy")
    assert refused.returncode == 2 and "Devicehub could not recognise" in refused.stderr
    assert not nothing.exists()


def test_the_inventory_keeps_inxi_and_says_when_it_is_missing(tmp_path: Path) -> None:
    box = Machine(tmp_path)
    with_inxi = inventory_this_machine(Recorded(THINKPAD), sys_root=box.sys, proc_root=box.proc)
    without = inventory_this_machine(
        Recorded(THINKPAD, without=("inxi",)), sys_root=box.sys, proc_root=box.proc
    )

    assert with_inxi.raw_outputs["inxi"] == recorded(THINKPAD, "inxi.json")
    assert inventory_module.NOTE_INXI_MISSING not in with_inxi.notes
    assert "inxi" not in without.raw_outputs
    assert inventory_module.NOTE_INXI_MISSING in without.notes
    assert without.system == with_inxi.system  # inxi only travels; dmidecode still speaks


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
        done = export(workshop.folder, code, out)
        assert done.returncode == 2 and says in done.stderr, (code, done.stderr)
        assert "Traceback" not in done.stderr
    assert not out.exists()
    unwritable = export(workshop.folder, workshop.asset_code, tmp_path / "no" / "dell.json")
    assert unwritable.returncode == 2 and "Cannot write the file" in unwritable.stderr
    assert "Traceback" not in unwritable.stderr
