"""The source of simulated devices for training mode and tests: the classroom set, and the
devices a trainer plugs in from the menu. Phones are simulated ADB phones (simulators/adb_phone)
or, for the engine's own tests, lighter in-process phones; drives are simulated docked drives
(simulators/docked_drive): image files erased by the real erasure.

They stand in for the outside world only: the bench's own steps and job engine run against
them unchanged. They refuse to exist outside training mode or a test run.
"""

from __future__ import annotations

import hashlib
import itertools
import threading
import time
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from bench_app.devices.source import (
    DeviceGone,
    DeviceHandle,
    DeviceNoAnswer,
    DeviceSource,
    SourceAction,
)
from bench_app.domain.imei import luhn_digit
from bench_app.domain.model import DeviceKind
from bench_app.settings import data_dir
from bench_app.simulators.docked_drive import (
    DEFAULT_SIZE,
    DriveBehaviour,
    DrivePersona,
    SimulatedDockedDrive,
    drive_persona,
    make_image,
    training_drive_folder,
)
from bench_app.simulators.mode import SimulationMode, require_simulation_allowed
from bench_app.text import Text


class Behaviour(StrEnum):
    """Scripted behaviours of an in-process phone."""

    HEALTHY = "healthy"
    FAILING_BATTERY = "failing_battery"
    LOCKED = "locked"  # a Google account (factory reset protection) is still on the phone
    UNPLUGGED_MID_STEP = "unplugged_mid_step"
    SLOW = "slow"


@dataclass(frozen=True)
class PhonePersona:
    name: str
    brand: str
    model: str
    codename: str
    android: str
    security_patch: str
    storage_gb: int
    ram_mb: int
    battery_design_mah: int


PHONE_PERSONAS: tuple[PhonePersona, ...] = (
    PhonePersona("fairphone-4", "Fairphone", "FP4", "FP4", "13", "2024-05-05", 128, 6144, 3905),
    PhonePersona("pixel-6", "Google", "Pixel 6", "oriole", "14", "2024-09-05", 128, 8192, 4614),
    PhonePersona("galaxy-s9", "samsung", "SM-G960F", "starlte", "10", "2022-03-01", 64, 4096, 3000),
    PhonePersona(
        "redmi-note-7", "Xiaomi", "Redmi Note 7", "lavender", "10", "2021-01-01", 64, 4096, 4000
    ),
    PhonePersona(
        "moto-e5-plus", "motorola", "moto e5 plus", "hannah", "8.0.0", "2019-02-01", 32, 3072, 5000
    ),
)


@dataclass
class Timing:
    """How long simulated operations take, in seconds (tests shrink it)."""

    scale: float = 1.0

    def seconds(self, nominal: float, behaviour: Behaviour) -> float:
        factor = 6.0 if behaviour is Behaviour.SLOW else 1.0
        return nominal * factor * self.scale


class SimulatedDevice(DeviceHandle):
    simulated = True

    def __init__(
        self, key: str, kind: DeviceKind, behaviour: Behaviour, serial: str, timing: Timing
    ) -> None:
        self.key = key
        self.kind = kind
        self.behaviour = behaviour
        self.serial = serial
        self.timing = timing
        self._connected = threading.Event()
        self._connected.set()
        self._calls = 0
        self.unplug_after_calls = 3 if behaviour is Behaviour.UNPLUGGED_MID_STEP else None
        self.on_self_unplug: list[Any] = []

    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    def unplug(self) -> None:
        self._connected.clear()

    def replug(self) -> None:
        # A replugged device behaves: the trainer has shown the unplug once.
        self.unplug_after_calls = None
        self._connected.set()

    def _operation(self, nominal_seconds: float) -> None:
        """Takes the time a real device would; notices an unplug while it waits."""
        if not self.connected:
            raise DeviceGone(self.key)
        self._calls += 1
        deadline = time.monotonic() + self.timing.seconds(nominal_seconds, self.behaviour)
        if self.unplug_after_calls is not None and self._calls >= self.unplug_after_calls:
            # Pulled out half-way through this operation.
            half = (deadline - time.monotonic()) / 2
            time.sleep(max(half, 0))
            self.unplug()
            for callback in self.on_self_unplug:
                callback(self)
            raise DeviceGone(self.key)
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            time.sleep(min(left, 0.05))
            if not self.connected:
                raise DeviceGone(self.key)


class SimulatedPhone(SimulatedDevice):
    def __init__(
        self,
        key: str,
        persona: PhonePersona,
        behaviour: Behaviour,
        serial: str,
        imei: str,
        timing: Timing,
    ) -> None:
        super().__init__(key, DeviceKind.PHONE, behaviour, serial, timing)
        self.persona = persona
        self.imei = imei

    def identity(self) -> dict[str, Any]:
        self._operation(0.1)
        p = self.persona
        return {
            "brand": p.brand,
            "model": p.model,
            "serial": self.serial,
            "imei": self.imei,
            "codename": p.codename,
            "android_version": p.android,
            "security_patch": p.security_patch,
            "storage_gb": p.storage_gb,
            "ram_mb": p.ram_mb,
        }

    def battery(self) -> dict[str, Any]:
        self._operation(0.8)
        design = self.persona.battery_design_mah
        if self.behaviour is Behaviour.FAILING_BATTERY:
            return {
                "level": 41,
                "health": "dead",
                "temperature_c": 38.5,
                "voltage_mv": 3610,
                "full_charge_mah": int(design * 0.58),
                "design_mah": design,
                "cycle_count": 1137,
            }
        return {
            "level": 87,
            "health": "good",
            "temperature_c": 27.3,
            "voltage_mv": 4172,
            "full_charge_mah": int(design * 0.91),
            "design_mah": design,
            "cycle_count": 312,
        }

    def accounts(self) -> dict[str, Any]:
        self._operation(0.5)
        locked = self.behaviour is Behaviour.LOCKED
        return {
            "google_accounts": 1 if locked else 0,
            "device_owner": None,
        }

    def storage(self) -> dict[str, Any]:
        self._operation(0.4)
        total = self.persona.storage_gb * 1_000_000_000
        return {"total_bytes": total, "free_bytes": int(total * 0.62), "encrypted": True}


class SimulatedSource(DeviceSource):
    """Creates simulated devices on demand and reports them like a real source would.

    Phones added with `add_adb_phone` are simulated ADB daemons on loopback, reached by the
    real ADB driver (with the station's key `adb_signer`); `add_phone` makes a lighter
    in-process phone for the engine's own tests. Drives added with `add_drive` are image
    files in `drive_folder` that the real erasure overwrites (simulators/docked_drive.py)."""

    def __init__(
        self,
        mode: SimulationMode = SimulationMode.TRAINING,
        timing: Timing | None = None,
        adb_signer: Any = None,
        drive_folder: Path | None = None,
    ) -> None:
        require_simulation_allowed(mode)
        super().__init__()
        self.mode = mode
        self.timing = timing or Timing()
        self.adb_signer = adb_signer
        # Where the simulated drives keep their image files (never in the data folder).
        self.drive_folder = drive_folder or training_drive_folder(data_dir())
        self._adb: dict[str, Any] = {}  # handle key -> AdbSimulator
        self._handsets: dict[str, Any] = {}  # handle key -> SimulatedHandset
        self._numbers = itertools.count(1)
        self._all: dict[str, DeviceHandle] = {}
        self._captions: dict[str, Text] = {}  # handle key -> the case it shows in class
        # The thread watching the cables, and the event that ends it (one pair per start).
        self._watcher: tuple[threading.Thread, threading.Event] | None = None

    def start(self) -> None:
        with self._lock:
            if self._watcher is not None:
                return
            stopping = threading.Event()
            watcher = threading.Thread(
                target=self._watch_cables, args=(stopping,), name="sim-cables", daemon=True
            )
            watcher.start()
            self._watcher = (watcher, stopping)

    def _watch_cables(self, stopping: threading.Event) -> None:
        """A simulated phone may pull its own cable (its behaviour says when): report it."""
        while not stopping.wait(0.1):
            for key, simulator in list(self._adb.items()):
                handle = self._all.get(key)
                if handle is None:
                    continue
                listening = simulator.listening
                if not listening and key in self._present:
                    handle.mark_gone()  # type: ignore[attr-defined]
                    self._emit(SourceAction.REMOVED, handle)
                elif listening and key not in self._present:
                    # Back from a reboot (recovery, new system) or plugged in again; a job
                    # may already have reconnected, and keeps its connection.
                    handle.came_back()  # type: ignore[attr-defined]
                    self._emit(SourceAction.ADDED, handle)

    def stop(self) -> None:
        with self._lock:
            running, self._watcher = self._watcher, None
        if running is not None:
            watcher, stopping = running
            stopping.set()
            if watcher is not threading.current_thread():
                watcher.join(timeout=10)
        for key, simulator in list(self._adb.items()):
            handset = self._handsets.pop(key, None)
            if handset is not None:
                handset.stop()
            else:
                simulator.close()
            del self._adb[key]

    def add_adb_phone(self, persona: str, **behaviour: Any) -> Any:
        """Starts a simulated phone (persona, with extra behaviour flags) on loopback and
        plugs it in; returns the AndroidPhone handle the station will talk to."""
        from bench_app.devices.android.driver import AdbTarget, AndroidPhone
        from bench_app.simulators.adb_phone import AdbSimulator, load_persona
        from bench_app.simulators.adb_phone.persona import imei_for

        if self.adb_signer is None:
            raise ValueError("simulated ADB phones need the station's ADB key (adb_signer)")
        loaded = load_persona(persona)
        in_use = {sim.persona.serial for sim in self._adb.values()}
        if loaded.serial in in_use:
            # Another phone of the same model: its own serial and IMEI, stable per copy.
            n = sum(1 for sim in self._adb.values() if sim.persona.name == persona) + 1
            serial = f"{loaded.serial[:-3]}{n:03d}"
            loaded = load_persona(persona, serial=serial, imei=imei_for(serial))
        simulator = AdbSimulator(
            loaded, behaviour=loaded.behaviour.with_flags(**behaviour), mode=self.mode
        )
        port = simulator.start()
        phone = AndroidPhone(
            AdbTarget(host="127.0.0.1", port=port), self.adb_signer, simulated=True
        )
        phone.brand_hint = loaded.props.get("ro.product.brand", "")
        if loaded.caption is not None:
            self._captions[phone.key] = loaded.caption
        self._adb[phone.key] = simulator
        self._all[phone.key] = phone
        self._emit(SourceAction.ADDED, phone)
        return phone

    def add_handset(self, persona: str, finder: Any = None, **options: Any) -> Any:
        """Starts a whole simulated phone (Android, recovery and its bootloader; see
        bench_app/simulators/handset.py), plugs it in over ADB and tells `finder` (the
        station's FastbootFinder by default) where its bootloader answers. Returns the
        AndroidPhone handle; `handset(key)` gives the SimulatedHandset."""
        from bench_app.devices.android.driver import AdbTarget, AndroidPhone
        from bench_app.devices.fastboot.finder import FINDER
        from bench_app.simulators.handset import SimulatedHandset

        if self.adb_signer is None:
            raise ValueError("simulated ADB phones need the station's ADB key (adb_signer)")
        handset = SimulatedHandset(persona, simulation=self.mode, **options)
        handset.start()
        (finder or FINDER).add_tcp(handset.serial, "127.0.0.1", handset.fastboot_port)
        phone = AndroidPhone(
            AdbTarget(host="127.0.0.1", port=handset.adb_port), self.adb_signer, simulated=True
        )
        phone.brand_hint = handset.persona.props.get("ro.product.brand", "")
        if handset.persona.caption is not None:
            self._captions[phone.key] = handset.persona.caption
        self._adb[phone.key] = handset.adb
        self._handsets[phone.key] = handset
        self._all[phone.key] = phone
        self._emit(SourceAction.ADDED, phone)
        return phone

    def handset(self, key: str) -> Any:
        """The SimulatedHandset behind a handle made by `add_handset`."""
        return self._handsets.get(key)

    def simulator(self, key: str) -> Any:
        """The simulated daemon behind an ADB phone handle (None for in-process devices)."""
        return self._adb.get(key)

    def add_phone(
        self,
        persona: str | PhonePersona = "fairphone-4",
        behaviour: Behaviour = Behaviour.HEALTHY,
        serial: str | None = None,
    ) -> SimulatedPhone:
        p = persona if isinstance(persona, PhonePersona) else _phone_persona(persona)
        n = next(self._numbers)
        serial = serial or f"SIM{p.codename.upper()[:5]}{n:04d}"
        digest = int(hashlib.sha256(serial.encode()).hexdigest(), 16)
        imei = _luhn_complete(f"35{digest % 10**12:012d}")
        phone = SimulatedPhone(f"sim:{serial}", p, behaviour, serial, imei, self.timing)
        self._plug(phone)
        return phone

    def add_drive(
        self,
        persona: str | DrivePersona = "ssd-sata-256",
        behaviour: DriveBehaviour = DriveBehaviour.HEALTHY,
        serial: str | None = None,
        size: int = DEFAULT_SIZE,
    ) -> SimulatedDockedDrive:
        """Docks a simulated drive whose platters are the image file `SERIAL.img` in
        `drive_folder`: the same serial finds the same image again, as it was left (erased or
        not); a new one is filled with the donor's data. Without a serial, a new drive."""
        p = persona if isinstance(persona, DrivePersona) else drive_persona(persona)
        if serial is None:
            # A drive never seen at this station: the first number with no image yet.
            serial = next(
                candidate
                for candidate in (f"SIMD{n:04d}{p.name[:3].upper()}" for n in self._numbers)
                if not (self.drive_folder / f"{candidate}.img").exists()
            )
        image = self.drive_folder / f"{serial}.img"
        if not image.exists():
            make_image(image, size)
        drive = SimulatedDockedDrive(image, p, behaviour, mode=self.mode, scale=self.timing.scale)
        self._all[drive.key] = drive
        self._captions[drive.key] = DRIVE_CAPTIONS[behaviour]
        drive.on_self_unplug.append(lambda d: self._emit(SourceAction.REMOVED, d))
        self._emit(SourceAction.ADDED, drive)
        return drive

    def _plug(self, device: SimulatedDevice) -> None:
        self._all[device.key] = device
        device.on_self_unplug.append(lambda d: self._emit(SourceAction.REMOVED, d))
        self._emit(SourceAction.ADDED, device)

    def unplug(self, key: str) -> None:
        device = self._all[key]
        simulator = self._adb.get(key)
        if simulator is not None:
            simulator.stop()
            device.mark_gone()  # type: ignore[attr-defined]
        elif isinstance(device, SimulatedDevice | SimulatedDockedDrive):
            device.unplug()
        self._emit(SourceAction.REMOVED, device)

    def replug(self, key: str) -> None:
        device = self._all[key]
        simulator = self._adb.get(key)
        if simulator is not None:
            simulator.start()
            device.forget_connection()  # type: ignore[attr-defined]
        elif isinstance(device, SimulatedDevice | SimulatedDockedDrive):
            device.replug()
        self._emit(SourceAction.ADDED, device)

    def caption(self, key: str) -> Text | None:
        """The case a simulated device shows in class ("Batterie usée"...), from its persona
        (a drive: from its behaviour); None for a device with no particular case."""
        return self._captions.get(key)

    def known(self) -> list[DeviceHandle]:
        """Every simulated device made so far, plugged in or not."""
        return list(self._all.values())

    def add_training_set(self) -> list[DeviceHandle]:
        """The classroom set: one device for each case a trainer shows. With the station's
        ADB key the phones are simulated ADB phones, reached by the real driver."""
        if self.adb_signer is not None:
            return [
                self.add_adb_phone("fairphone-4"),
                self.add_adb_phone("frp-locked"),
                self.add_adb_phone("worn-battery"),
                # A Redmi 5A whose cable comes out during its check, as a trainer shows.
                self.add_adb_phone("cable-pulled"),
                self.add_drive("hdd-sata-500", DriveBehaviour.HEALTHY, serial="SIMD0005HDD"),
            ]
        return [
            self.add_phone("fairphone-4", Behaviour.HEALTHY, serial="SIMFP40001"),
            self.add_phone("galaxy-s9", Behaviour.LOCKED, serial="SIMSTAR0002"),
            self.add_phone("redmi-note-7", Behaviour.FAILING_BATTERY, serial="SIMLAVE0003"),
            self.add_phone("pixel-6", Behaviour.UNPLUGGED_MID_STEP, serial="SIMORIO0004"),
            self.add_drive("hdd-sata-500", DriveBehaviour.HEALTHY, serial="SIMD0005HDD"),
        ]


# What each simulated drive behaviour shows in class, on its card.
DRIVE_CAPTIONS: dict[DriveBehaviour, Text] = {
    DriveBehaviour.HEALTHY: Text("Disque sain", "Healthy drive"),
    DriveBehaviour.FAILING: Text("Disque en fin de vie (SMART)", "Failing drive (SMART)"),
    DriveBehaviour.SLOW: Text("Disque très lent", "Very slow drive"),
    DriveBehaviour.UNPLUGGED_MID_ERASURE: Text(
        "Débranché pendant l’effacement", "Unplugged during the erasure"
    ),
}


def _phone_persona(name: str) -> PhonePersona:
    for p in PHONE_PERSONAS:
        if p.name == name:
            return p
    raise DeviceNoAnswer(f"unknown phone persona {name!r}")


def _luhn_complete(body: str) -> str:
    """Appends the Luhn check digit (IMEIs carry one)."""
    return body + luhn_digit(body)
