#!/usr/bin/env python3
"""Makes the README's screenshots: the main window in training mode with four simulated
devices at work, in French and in English (docs/screenshots/)."""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QCoreApplication  # noqa: E402

from bench_app.devices.android.keys import station_signer  # noqa: E402
from bench_app.devices.drives.handle import DriveHandle  # noqa: E402
from bench_app.simulators.docked_drive import DriveBehaviour  # noqa: E402
from bench_app.simulators.mode import SimulationMode  # noqa: E402
from bench_app.simulators.source import SimulatedSource, Timing  # noqa: E402
from bench_app.station import Station  # noqa: E402
from ui.app import build_window, create_app  # noqa: E402


def spin(seconds: float) -> None:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        QCoreApplication.processEvents()
        time.sleep(0.005)


def shoot(lang: str, target: Path, guide_target: Path | None = None) -> None:
    app = create_app()
    with tempfile.TemporaryDirectory() as tmp, tempfile.TemporaryDirectory() as drives:
        station = Station(Path(tmp), training=True)
        simulator = SimulatedSource(
            SimulationMode.TRAINING,
            Timing(scale=0.5),
            adb_signer=station_signer(Path(tmp)),
            drive_folder=Path(drives),  # the simulated drive's image, outside the data folder
        )
        station.attach_source(simulator)
        window = build_window(station, app, lang, simulator)
        window.resize(1280, 800)
        window.show()
        simulator.add_adb_phone("fairphone-4")
        simulator.add_adb_phone("frp-locked")
        simulator.add_adb_phone("worn-battery")
        simulator.add_drive("hdd-sata-500", DriveBehaviour.HEALTHY, serial="SIMD0005HDD")
        spin(2.0)
        first = next(d for d, v in window.views.items() if v.device.model == "FP4")
        for device_id in list(window.cards)[:3]:
            station.start_job(device_id)
        # Answer until the Fairphone reaches the touch test, as an operator would.
        for _ in range(400):
            view = window.views.get(first)
            prompt = view.prompt if view else None
            if prompt is not None and not prompt.answered:
                if prompt.picture == "touch.svg":
                    break
                prompt.answer("490154203237518" if prompt.entry is not None else "ok")
            for other in window.views.values():  # the others wait at their IMEI question
                if (
                    other.prompt is not None
                    and other.device.id != first
                    and not other.prompt.answered
                    and other.prompt.entry is None
                ):
                    other.prompt.answer("ok")
            spin(0.05)
        window.select(first)
        spin(0.5)
        target.parent.mkdir(parents=True, exist_ok=True)
        window.grab().save(str(target))
        print(target)
        if guide_target is not None:
            simulator.add_adb_phone("unauthorized")
            spin(3.0)
            key = next(iter(window.pending_cards), None)
            if key is not None:
                window.select_pending(key)
                spin(0.3)
                window.grab().save(str(guide_target))
                print(guide_target)
        window.shutdown()
        station.close()


def shoot_drives(lang: str, target: Path) -> None:
    """Two docked drives: one erasing, one asking for the end of its serial."""
    app = create_app()
    with tempfile.TemporaryDirectory() as tmp:
        station = Station(Path(tmp) / "data", training=False, operator="camille")
        window = build_window(station, app, lang, None)
        window.resize(1280, 800)
        window.show()
        images = []
        for name, size in (("WD-WX61AC7K2ZL1.img", 1536 << 20), ("S3Z9NB0K512345T.img", 64 << 20)):
            path = Path(tmp) / name
            with open(path, "wb") as f:
                f.truncate(size)
            images.append(path)
        busy = station.device_connected(DriveHandle(str(images[0])))
        asking = station.device_connected(DriveHandle(str(images[1])))
        station.start_job(
            busy.id, "drive.erase", {"method": "clear-random", "confirm_serial": "2ZL1"}
        )
        station.start_job(asking.id, "drive.erase")
        for _ in range(400):
            view = window.views.get(asking.id)
            prompt = view.prompt if view else None
            if prompt is not None and not prompt.answered:
                if prompt.entry is not None:
                    break
                prompt.answer("clear-zero")
            spin(0.02)
        window.select(asking.id)
        spin(0.4)
        target.parent.mkdir(parents=True, exist_ok=True)
        window.grab().save(str(target))
        print(target)
        window.shutdown()
        station.close()


if __name__ == "__main__":
    shoot_drives("fr", ROOT / "docs" / "screenshots" / "drive-erasure.png")
    shoot(
        "fr",
        ROOT / "docs" / "screenshots" / "main-window.png",
        ROOT / "docs" / "screenshots" / "allow-station.png",
    )
    shoot("en", ROOT / "docs" / "screenshots" / "main-window-en.png")
