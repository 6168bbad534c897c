"""The journey's stages recorded from the command line, as real processes: a printed label
(on a printer that writes files), an installation skipped with its reason."""

from __future__ import annotations

import json
from pathlib import Path

from bench_app.domain.model import DeviceKind
from bench_app.output.printers import PrinterConfig, PrinterKind, PrinterSetup, save_printers
from bench_app.station import Station
from tests.journey.test_phone_commands import run


def test_a_printed_label_is_recorded_and_counts_in_the_journey(
    data_dir: Path, tmp_path: Path
) -> None:
    station = Station(data_dir, operator="test")
    try:
        drive = station.register_device(DeviceKind.DRIVE, brand="Seagate", serial="ZA9")
    finally:
        station.close()
    setup = PrinterSetup()
    setup.put(PrinterConfig("Dossier", PrinterKind.FILE, "brother-62", str(tmp_path / "out")))
    save_printers(data_dir, setup)
    before = json.loads(run(data_dir, "journey", drive.asset_code, "--json").stdout)
    assert "label" not in before["done"]

    printed = run(data_dir, "print-label", drive.asset_code)
    assert printed.returncode == 0, printed.stderr
    assert list((tmp_path / "out").iterdir())  # the label is there
    after = json.loads(run(data_dir, "journey", drive.asset_code, "--json").stdout)
    assert after["done"] == ["label"]
    events = run(data_dir, "events", "--device", drive.asset_code, "--json").stdout.splitlines()
    (fact,) = [json.loads(e) for e in events if '"label.printed"' in e]
    assert fact["payload"]["template"] == "brother-62"
    assert fact["payload"]["printer"] == "Dossier"


def test_an_installation_skipped_with_a_reason_counts_as_done(data_dir: Path) -> None:
    station = Station(data_dir, operator="test")
    try:
        phone = station.register_device(DeviceKind.PHONE, brand="Fairphone", serial="FP4X")
    finally:
        station.close()
    refused = run(data_dir, "install", phone.asset_code, "--skip", "  ")
    assert refused.returncode == 2 and "raison" in refused.stderr
    skipped = run(data_dir, "install", phone.asset_code, "--skip", "système d’origine à jour")
    assert skipped.returncode == 0, skipped.stderr
    journey = json.loads(run(data_dir, "journey", phone.asset_code, "--json").stdout)
    (install,) = [s for s in journey["stages"] if s["stage"] == "install"]
    assert install["state"] == "skipped"
    assert install["why"]["fr"] == "système d’origine à jour"
    assert journey["next"]["stage"] == "check"


def test_a_laptops_text_journey_lists_its_linked_disks(data_dir: Path) -> None:
    station = Station(data_dir, operator="test")
    try:
        laptop = station.register_device(DeviceKind.LAPTOP, brand="Lenovo", serial="PF1")
        lone = station.register_device(DeviceKind.LAPTOP, brand="Dell", serial="PF2")
        disks = [station.register_device(DeviceKind.DRIVE, serial=s) for s in ("WD-1", "WD-2")]
        for disk in disks:
            station.link_disk(disk.id, laptop.id)
    finally:
        station.close()
    said = run(data_dir, "journey", laptop.asset_code, "--lang", "fr")
    assert said.returncode == 0, said.stderr
    line = next(x for x in said.stdout.splitlines() if x.startswith("Disques : "))
    assert line == "Disques : " + " · ".join(f"{d.asset_code} pas encore effacé" for d in disks)
    english = run(data_dir, "journey", laptop.asset_code, "--lang", "en").stdout
    assert f"Disks: {disks[0].asset_code} not erased yet" in english
    alone = run(data_dir, "journey", lone.asset_code, "--lang", "fr").stdout
    assert "Disques : aucun relié" in alone.splitlines()
    # The JSON has said the same all along.
    data = json.loads(run(data_dir, "journey", laptop.asset_code, "--json").stdout)
    assert [d["asset_code"] for d in data["disks"]] == [d.asset_code for d in disks]
