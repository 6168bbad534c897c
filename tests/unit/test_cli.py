"""The headless `etabli` subcommands."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bench_app.commands.main import main
from bench_app.devices.android.keys import station_signer
from bench_app.domain.asset_code import AssetCode
from bench_app.domain.model import DeviceKind, DonorKind, JobState
from bench_app.errors import CATALOG
from bench_app.simulators.mode import SimulationMode
from bench_app.simulators.source import SimulatedSource, Timing
from bench_app.station import Station
from bench_app.store.database import DB_NAME
from tests.unit.support import Listener, device_for, finish


def _populate(folder: Path) -> dict[str, Any]:
    """A station with a real laptop at intake and a simulated phone that passed its check."""
    station = Station(folder, operator="cli-test")
    try:
        station.set_job_listener(Listener(answer="ok"))
        donor = station.register_donor("Mairie", DonorKind.PUBLIC_BODY)
        lot = station.register_lot(donor, expected_count=2)
        laptop = station.register_device(
            DeviceKind.LAPTOP, brand="Lenovo", serial="PF-1", lot_id=lot
        )
        source = SimulatedSource(
            SimulationMode.TEST, Timing(scale=0.02), adb_signer=station_signer(folder)
        )
        station.attach_source(source)
        added = source.add_adb_phone("fairphone-4", serial="SIMCLI0001", accept_delay=0.0)
        phone = device_for(station, added)
        assert finish(station.start_job(phone.id, "phone.readings")) is JobState.SUCCEEDED
        return {"laptop": laptop, "phone": phone, "prefix": station.store.station_prefix}
    finally:
        station.close()


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    rc = main(list(argv))
    out, err = capsys.readouterr()
    return rc, out, err


def test_devices_json_lists_stage_and_training(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    made = _populate(data_dir)
    rc, out, _ = _run(capsys, "devices", "--json")
    assert rc == 0
    rows = {r["asset_code"]: r for r in json.loads(out)}
    laptop, phone = rows[made["laptop"].asset_code], rows[made["phone"].asset_code]
    assert set(rows) == {made["laptop"].asset_code, made["phone"].asset_code}
    assert (laptop["kind"], laptop["stage"], laptop["training"]) == ("laptop", "intake", False)
    assert laptop["lot_id"] == made["laptop"].lot_id
    assert laptop["last_job"] is None
    assert (phone["kind"], phone["stage"], phone["training"]) == ("phone", "diagnosed", True)
    assert phone["last_job"]["state"] == "succeeded"
    assert phone["last_job"]["pipeline"] == "phone.readings"
    assert phone["serial"] == "SIMCLI0001"


def test_devices_plain_text(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    made = _populate(data_dir)
    rc, out, _ = _run(capsys, "devices")
    assert rc == 0
    lines = out.splitlines()
    assert len(lines) == 2
    phone_line = next(line for line in lines if made["phone"].asset_code in line)
    assert "[formation]" in phone_line
    assert "Diagnostiqué" in phone_line
    rc, out, _ = _run(capsys, "devices", "--lang", "en")
    assert "Diagnosed" in out


def test_events_of_one_device_as_json_lines(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    made = _populate(data_dir)
    phone = made["phone"]
    rc, out, _ = _run(capsys, "events", "--device", phone.asset_code.lower(), "--json")
    assert rc == 0
    lines = out.splitlines()
    events = [json.loads(line) for line in lines]  # every line is one JSON object
    assert {e["device_id"] for e in events} == {phone.id}
    import sqlite3

    raw = sqlite3.connect(data_dir / DB_NAME)
    try:
        expected = [
            r[0]
            for r in raw.execute(
                "SELECT id FROM events WHERE device_id = ? ORDER BY rowid", (phone.id,)
            )
        ]
        total = raw.execute("SELECT count(*) FROM events").fetchone()[0]
    finally:
        raw.close()
    assert [e["id"] for e in events] == expected
    assert len(events) < total  # the other device's events were left out
    assert events[0]["type"] == "device.registered"
    assert events[-1]["type"] == "job.finished"
    assert all(e["training"] is True for e in events)
    for e in events:
        assert set(e) >= {"id", "seq", "ts", "type", "payload", "hash", "prev_hash"}

    # Without --device: every event of the station.
    rc, out, _ = _run(capsys, "events", "--json")
    assert rc == 0 and len(out.splitlines()) == total


def test_unknown_asset_code_in_french_then_english(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    made = _populate(data_dir)
    unknown = str(AssetCode.make(made["prefix"], 999))
    rc, out, err = _run(capsys, "events", "--device", unknown)
    assert rc == 2
    assert out == ""
    kind = CATALOG["ASSET_CODE_UNKNOWN"]
    assert kind.message.format(code=unknown).fr in err
    assert kind.action.fr in err
    assert kind.message.format(code=unknown).en not in err

    rc, _, err_en = _run(capsys, "events", "--device", unknown, "--lang", "en")
    assert rc == 2
    assert kind.message.format(code=unknown).en in err_en
    assert "Aucun" not in err_en

    # A mistyped code says so (and is not looked up).
    typo = unknown[:-1] + ("Z" if unknown[-1] != "Z" else "Y")
    rc, _, err = _run(capsys, "--lang", "en", "events", "--device", typo)
    assert rc == 2
    assert "not valid" in err


@pytest.mark.parametrize("where", ["before", "after"])
def test_data_dir_before_or_after_the_subcommand(
    tmp_path: Path, where: str, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "elsewhere"
    made = _populate(folder)
    args = ["--data-dir", str(folder)]
    for command in (["devices", "--json"], ["db", "check"]):
        argv = [*args, *command] if where == "before" else [*command, *args]
        rc, out, err = _run(capsys, *argv)
        assert rc == 0, err
        if command[0] == "devices":
            codes = {r["asset_code"] for r in json.loads(out)}
            assert codes == {made["laptop"].asset_code, made["phone"].asset_code}
        else:
            assert "intacte" in out


def test_devices_works_while_the_bench_is_open(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    made = _populate(data_dir)
    bench = Station(data_dir, operator="open-bench")
    try:
        late = bench.register_device(DeviceKind.DESKTOP, serial="LATE-1")
        rc, out, err = _run(capsys, "devices", "--json", "--data-dir", str(data_dir))
        assert rc == 0, err
        codes = {r["asset_code"] for r in json.loads(out)}
        assert codes == {made["laptop"].asset_code, made["phone"].asset_code, late.asset_code}
        rc, out, _ = _run(capsys, "events", "--device", late.asset_code, "--json")
        assert rc == 0 and len(out.splitlines()) == 1
        rc, out, _ = _run(capsys, "db", "check")
        assert rc == 0 and "intacte" in out
        # The bench still writes after the reads.
        bench.register_device(DeviceKind.DESKTOP, serial="LATE-2")
        assert bench.store.check().ok
    finally:
        bench.close()


def test_db_check_without_a_database(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rc, _, err = _run(capsys, "db", "check", "--data-dir", str(tmp_path / "empty"))
    assert rc == 2
    assert "Pas de base" in err
    assert not (tmp_path / "empty" / DB_NAME).exists()
