"""The trainer's classroom: the scenario plugged in (simulators/scenarios), the class's
label printer, and « Remettre la classe à zéro ».

A reset gives the class a fresh set of the same devices: new serial numbers (and IMEIs),
so new records in the training store, and drives whose image files are new and full of the
donor's data again. Nothing recorded is deleted or rewritten: the log is append-only, and
the devices of the previous round keep their training records as they were, under their
own serials. The round number lives beside the drives' image files (the user's cache,
never the data folder), so a reset class stays reset when the window is opened again.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PIL import Image

from bench_app.devices.source import DeviceHandle
from bench_app.errors import BenchError
from bench_app.output.printers import (
    PrinterConfig,
    PrinterKind,
    PrinterSetup,
    load_printers,
    save_printers,
)
from bench_app.simulators.docked_drive import DriveBehaviour, SimulatedDockedDrive
from bench_app.simulators.printers import SimulatedBrotherQL, SimulatedZebra
from bench_app.simulators.scenarios import Scenario, ScenarioDevice, ScenarioLaptop, find_scenario
from bench_app.simulators.source import SimulatedSource
from bench_app.simulators.stick_laptop import StickLaptop, start_stick_laptop

log = logging.getLogger(__name__)

# The class's label printer, as printers.json of the training station names it.
CLASS_PRINTER_NAME = "Imprimante de la classe"
ROUND_FILE = "classroom.json"
FIRST_SCENARIO = "decouverte"


def round_serial(base: str, round_number: int) -> str:
    """The serial of the device whose first-round serial is `base`, in round `round_number`
    (the first round keeps the serial as it is)."""
    return base if round_number == 0 else f"{base}R{round_number}"


def plug_scenario(
    source: SimulatedSource, scenario: Scenario, round_number: int = 0
) -> list[DeviceHandle]:
    """Plugs every device of `scenario` into `source`, in the order of its file, with the
    serials of round `round_number`; returns their handles."""
    used: set[str] = set()
    return [
        _plug(source, device, round_number, used)
        for device in scenario.devices
        if device.kind != "stick_laptop"  # not plugged: its agent is started (Classroom)
    ]


def _unique(serial: str, used: set[str]) -> str:
    """Two devices of one scenario never share a serial (two Fairphones for the install)."""
    candidate, n = serial, 1
    while candidate in used:
        n += 1
        candidate = f"{serial}{n}"
    used.add(candidate)
    return candidate


def _plug(
    source: SimulatedSource, device: ScenarioDevice, round_number: int, used: set[str]
) -> DeviceHandle:
    from bench_app.simulators.adb_phone.persona import imei_for, load_persona
    from bench_app.simulators.bootloader.bootloader import BootloaderFaults

    handle: Any
    if device.kind == "iphone":
        from bench_app.simulators.iphone import load_persona as load_iphone

        model_serial = load_iphone(device.persona).serial
        numbered = _unique(round_serial(device.serial or model_serial, round_number), used)
        handle = source.add_iphone(
            device.persona, serial=None if numbered == model_serial else numbered
        )
    elif device.kind == "drive":
        serial = device.serial and _unique(round_serial(device.serial, round_number), used)
        handle = source.add_drive(device.persona, DriveBehaviour(device.behaviour), serial=serial)
    else:
        stock = load_persona(device.persona).serial
        if device.serial is None and round_number == 0 and device.kind == "phone":
            # The persona's own identity; copies of a model get theirs from the source.
            handle = source.add_adb_phone(device.persona, **device.flags)
        else:
            serial = _unique(round_serial(device.serial or stock, round_number), used)
            imei = None if serial == stock else imei_for(serial)
            if device.kind == "phone":
                handle = source.add_adb_phone(device.persona, serial, imei, **device.flags)
            else:
                persona = load_persona(device.persona, serial=serial, imei=imei)
                faults = BootloaderFaults().with_flags(**device.faults)
                handle = source.add_handset(persona, faults=faults)
    if device.caption is not None:
        source.set_caption(handle.key, device.caption)
    return handle


def donated_laptops(scenario: Scenario, round_number: int = 0) -> list[ScenarioLaptop]:
    """The laptops whose disks `scenario` docks, with the serials of round `round_number`
    (the station registers them, as if taken in at intake)."""
    return [
        ScenarioLaptop(d.laptop.brand, d.laptop.model, round_serial(d.laptop.serial, round_number))
        for d in scenario.devices
        if d.laptop is not None
    ]


class Classroom:
    """What a trainer plugs in and resets, on a SimulatedSource (training mode or tests).

    `play(scenario)` takes away every simulated device and plugs the scenario's; `reset()`
    plays the same scenario again as a fresh round (see the module's docstring). The class
    has one label printer (simulated, on loopback), whose printed labels are pictures."""

    def __init__(self, source: SimulatedSource) -> None:
        self.source = source
        self.scenario: Scenario | None = None
        self.printer: SimulatedBrotherQL | SimulatedZebra | None = None
        self._printer_kind = ""
        self._earlier_labels: list[Image.Image] = []  # from a printer of an earlier scenario
        self.round = self._read_round()
        # Sets up the records a scenario names (its seed) before its devices are plugged in:
        # given by the window (bench_app/class_seeds.py), which holds the station.
        self.seeder: Callable[[Scenario, int], object] | None = None
        # The scenario's laptops started from the stick: their agents run on loopback.
        self.stick_laptops: list[StickLaptop] = []

    # -- the round ------------------------------------------------------------------------

    @property
    def _round_file(self) -> Path:
        return self.source.drive_folder / ROUND_FILE

    def _read_round(self) -> int:
        try:
            value = json.loads(self._round_file.read_text(encoding="utf-8")).get("round", 0)
        except (OSError, ValueError, AttributeError):
            return 0
        return value if isinstance(value, int) and value >= 0 else 0

    def _write_round(self) -> None:
        self._round_file.parent.mkdir(parents=True, exist_ok=True)
        tmp = self._round_file.with_suffix(".tmp")
        tmp.write_text(json.dumps({"round": self.round}), encoding="utf-8")
        tmp.replace(self._round_file)

    # -- the devices ----------------------------------------------------------------------

    def play(self, scenario: Scenario | str) -> list[DeviceHandle]:
        """Unplugs every simulated device and plugs those of `scenario` (or its name)."""
        chosen = find_scenario(scenario) if isinstance(scenario, str) else scenario
        self.clear()
        self.scenario = chosen
        self._use_printer(chosen.printer)
        if self.seeder is not None:
            self.seeder(chosen, self.round)
        handles = plug_scenario(self.source, chosen, self.round)
        self._start_stick_laptops(chosen)
        return handles

    def _start_stick_laptops(self, scenario: Scenario) -> None:
        """The real agent of each laptop on the stick, its disks fresh image files full of
        the donor's data in the class's drive folder (never the data folder)."""
        for device in scenario.devices:
            if device.kind != "stick_laptop":
                continue
            serial = round_serial(device.serial or "SIMSTICK0001", self.round)
            self.stick_laptops.append(
                start_stick_laptop(self.source.drive_folder / f"stick-{serial}", serial=serial)
            )

    def clear(self) -> None:
        """Every simulated device of the source is taken away, every class laptop's agent
        stopped."""
        for handle in self.source.known():
            self.source.remove(handle.key)
        laptops, self.stick_laptops = self.stick_laptops, []
        for laptop in laptops:
            laptop.close()

    def reset(self) -> list[DeviceHandle]:
        """A fresh round of the current scenario: new serials, drives full of the donor's
        data again. The previous round's drive images are deleted (only image files of the
        class's drive folder); its records stay in the training store."""
        folder = self.source.drive_folder.resolve()
        images = [
            d.image
            for d in self.source.known()
            if isinstance(d, SimulatedDockedDrive)
            and d.image.suffix == ".img"
            and d.image.resolve().parent == folder
        ]
        self.clear()
        for image in images:
            image.unlink(missing_ok=True)
        self.round += 1
        self._write_round()
        return self.play(self.scenario or find_scenario(FIRST_SCENARIO))

    # -- the printer ----------------------------------------------------------------------

    def _use_printer(self, kind: str) -> None:
        if self.printer is not None and kind == self._printer_kind:
            return
        self._stop_printer()
        self.printer = SimulatedZebra() if kind == "zebra" else SimulatedBrotherQL(62)
        self._printer_kind = kind

    def _stop_printer(self) -> None:
        if self.printer is not None:
            self._earlier_labels.extend(self.printer.labels)
            self.printer.off()
            self.printer = None

    def printer_config(self) -> PrinterConfig | None:
        """The class's printer as printers.json describes it; None before a scenario."""
        if self.printer is None:
            return None
        if isinstance(self.printer, SimulatedZebra):
            return PrinterConfig(
                CLASS_PRINTER_NAME,
                PrinterKind.ZPL,
                "zebra-2x1",
                address=f"127.0.0.1:{self.printer.port}",
            )
        return PrinterConfig(
            CLASS_PRINTER_NAME,
            PrinterKind.BROTHER,
            "brother-62",
            address=f"tcp://127.0.0.1:{self.printer.port}",
            model="QL-820NWB",
        )

    def install_printer(self, folder: Path) -> bool:
        """Makes the class's printer the default one of the training station in `folder`
        (its printers.json). A printers.json that cannot be read is left alone (False)."""
        config = self.printer_config()
        if config is None:
            return False
        try:
            setup = load_printers(folder)
        except BenchError as exc:
            log.warning("class printer not set up: %s", exc.text("en"))
            return False
        setup.put(config, make_default=True)
        save_printers(folder, setup)
        return True

    def remove_printer(self, folder: Path) -> None:
        """Takes the class's printer out of printers.json again (the first other printer
        becomes the default)."""
        try:
            setup = load_printers(folder)
        except BenchError:
            return
        kept = [p for p in setup.printers if p.name != CLASS_PRINTER_NAME]
        if len(kept) == len(setup.printers):
            return
        default = setup.default if setup.default != CLASS_PRINTER_NAME else ""
        save_printers(folder, PrinterSetup(kept, default or (kept[0].name if kept else "")))

    def labels(self) -> list[Image.Image]:
        """Every label the class's printers received, decoded to pictures, oldest first."""
        current = self.printer.labels if self.printer is not None else []
        return [*self._earlier_labels, *current]

    def close(self) -> None:
        """Takes every device away and switches the printer off."""
        self.clear()
        self._stop_printer()
