"""The source of simulated devices for training mode and tests: the classroom set, and the
devices a trainer plugs in from the menu. Phones are simulated ADB phones (simulators/adb_phone)
or whole handsets (simulators/handset.py), reached by the real ADB driver; drives are simulated
docked drives (simulators/docked_drive): image files erased by the real erasure.

They stand in for the outside world only: the bench's own steps and job engine run against
them unchanged. They refuse to exist outside training mode or a test run.
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench_app.devices.source import DeviceHandle, DeviceSource, SourceAction
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


@dataclass
class Timing:
    """How fast simulated drives work: 1.0 is a real drive's pace (tests shrink it)."""

    scale: float = 1.0


class SimulatedSource(DeviceSource):
    """Creates simulated devices on demand and reports them like a real source would.

    Phones added with `add_adb_phone` are simulated ADB daemons on loopback, reached by the
    real ADB driver with the station's key `adb_signer` (a source that only docks drives may
    go without it). Drives added with `add_drive` are image files in `drive_folder` that the
    real erasure overwrites (simulators/docked_drive.py)."""

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
        self._finders: dict[str, Any] = {}  # handle key -> where its bootloader is announced
        self._numbers = itertools.count(1)
        self._all: dict[str, DeviceHandle] = {}
        self._captions: dict[str, Text] = {}  # handle key -> the case it shows in class
        # The thread watching the cables, and the event that ends it (one pair per start).
        self._watcher: tuple[threading.Thread, threading.Event] | None = None
        # Held while a phone's cable is looked at and its event sent, by the watcher and by
        # the trainer's unplug/replug: an unplug is never followed by the watcher's stale
        # "plugged" (read before the unplug, sent after it).
        self._cables = threading.RLock()
        # Simulated iPhones sit behind one simulated usbmuxd, started with the first of them.
        self._usbmuxd: Any = None
        self._usbmuxd_folder: Path | None = None
        self._iphones: dict[str, Any] = {}  # handle key -> SimulatedIPhone

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
                with self._cables:
                    self._look_at_cable(key, simulator)

    def _look_at_cable(self, key: str, simulator: Any) -> None:
        handle = self._all.get(key)
        if handle is None:
            return
        # Counted before looking: a connection the driver opens after the look proves the
        # phone back (a restarting daemon), and an absence seen earlier must not close it.
        seen = getattr(handle, "connections", None)
        listening = simulator.listening
        if not listening and key in self._present:
            handle.mark_gone(seen)  # type: ignore[attr-defined]
            self._emit(SourceAction.REMOVED, handle)
        elif listening and key not in self._present:
            # Back from a reboot (recovery, new system) or plugged in again; a job may
            # already have reconnected, and keeps its connection.
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
        self._stop_iphones()

    # iPhones.
    def add_iphone(self, persona: str, serial: str | None = None, **behaviour: Any) -> Any:
        """Plugs in a simulated iPhone (persona, with extra behaviour flags) behind the
        source's own simulated usbmuxd; returns the IPhone handle the station talks to.
        `serial` makes another phone of that model (its UDID and IMEI follow from it).
        Its restarts (an erase) come and go as cable events."""
        from bench_app.simulators.iphone import SimulatedIPhone, load_persona

        loaded = load_persona(persona)
        if serial is not None:
            loaded = loaded.another(serial)
        sim = SimulatedIPhone(loaded, loaded.behaviour.with_flags(**behaviour))
        key = f"ios:{sim.udid}"
        if key in self._iphones:
            raise ValueError(f"{persona} is already plugged in")
        self._iphones[key] = sim
        if loaded.caption is not None:
            self._captions[key] = loaded.caption
        self._iphone_daemon().attach(sim)
        # After usbmuxd's own hook: when the phone comes back, usbmuxd lists it first.
        sim.cable_hooks.append(lambda phone, present: self._iphone_cable(key, present))
        self._iphone_cable(key, True)
        return self._all[key]

    def _iphone_daemon(self) -> Any:
        if self._usbmuxd is None:
            import tempfile

            from bench_app.simulators.iphone import UsbmuxdSimulator

            self._usbmuxd_folder = Path(tempfile.mkdtemp(prefix="etabli-usbmuxd-"))
            self._usbmuxd = UsbmuxdSimulator(
                self.mode, unix_path=self._usbmuxd_folder / "usbmuxd"
            ).start()
        return self._usbmuxd

    def _iphone_cable(self, key: str, present: bool) -> None:
        """A simulated iPhone's cable changed (plugged, restarting, unplugged)."""
        from bench_app.devices.ios.driver import IPhone
        from bench_app.devices.ios.usbmux import UsbmuxClient

        before = self._all.get(key)
        if present:
            client = UsbmuxClient(self._iphone_daemon().address)
            sim = self._iphones[key]
            listed = [d for d in client.list_devices() if d.udid == sim.udid]
            if not listed:
                return
            handle = IPhone(listed[0], client, simulated=True)
            self._all[key] = handle
            self._emit(SourceAction.ADDED, handle)
        elif before is not None and key in self._present:
            before.mark_gone()  # type: ignore[attr-defined]
            self._emit(SourceAction.REMOVED, before)

    def iphone(self, key: str) -> Any:
        """The simulated iPhone behind a handle key (tests and the trainer's menu)."""
        return self._iphones[key]

    def _stop_iphones(self) -> None:
        for sim in self._iphones.values():
            sim.cable_hooks.clear()
            sim.close()
        self._iphones.clear()
        if self._usbmuxd is not None:
            self._usbmuxd.stop()
            self._usbmuxd = None
        if self._usbmuxd_folder is not None:
            import shutil

            shutil.rmtree(self._usbmuxd_folder, ignore_errors=True)
            self._usbmuxd_folder = None

    def add_adb_phone(
        self, persona: str, serial: str | None = None, imei: str | None = None, **behaviour: Any
    ) -> Any:
        """Starts a simulated phone (persona, with extra behaviour flags) on loopback and
        plugs it in; returns the AndroidPhone handle the station will talk to. `serial` and
        `imei` give it another identity (the same phone back with a new system)."""
        from bench_app.devices.android.driver import AdbTarget, AndroidPhone
        from bench_app.simulators.adb_phone import AdbSimulator

        if self.adb_signer is None:
            raise ValueError("simulated ADB phones need the station's ADB key (adb_signer)")
        loaded = self._own_identity(persona, serial, imei)
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

    def add_handset(self, persona: Any, finder: Any = None, **options: Any) -> Any:
        """Starts a whole simulated phone (Android, recovery and its bootloader; see
        bench_app/simulators/handset.py) of `persona` (a name or a loaded Persona), plugs it
        in over ADB and tells `finder` (the
        station's FastbootFinder by default) where its bootloader answers. Returns the
        AndroidPhone handle; `handset(key)` gives the SimulatedHandset."""
        from bench_app.devices.android.driver import AdbTarget, AndroidPhone
        from bench_app.devices.fastboot.finder import FINDER
        from bench_app.simulators.handset import SimulatedHandset

        if self.adb_signer is None:
            raise ValueError("simulated ADB phones need the station's ADB key (adb_signer)")
        if isinstance(persona, str) and options.get("serial") is None:
            # Never the serial of a phone already plugged (the classroom's own Fairphone):
            # the station would take both for one device, on one card.
            persona = self._own_identity(persona, None, None)
        handset = SimulatedHandset(persona, simulation=self.mode, **options)
        handset.start()
        finder = finder or FINDER
        finder.add_tcp(handset.serial, "127.0.0.1", handset.fastboot_port)
        phone = AndroidPhone(
            AdbTarget(host="127.0.0.1", port=handset.adb_port), self.adb_signer, simulated=True
        )
        phone.brand_hint = handset.persona.props.get("ro.product.brand", "")
        if handset.persona.caption is not None:
            self._captions[phone.key] = handset.persona.caption
        self._adb[phone.key] = handset.adb
        self._handsets[phone.key] = handset
        self._finders[phone.key] = finder
        self._all[phone.key] = phone
        self._emit(SourceAction.ADDED, phone)
        return phone

    def _own_identity(self, persona: str, serial: str | None, imei: str | None) -> Any:
        """The persona loaded with `serial`/`imei`, or when none is given and its own serial
        is already plugged, with a serial and IMEI of its own (stable per copy)."""
        from bench_app.simulators.adb_phone import load_persona
        from bench_app.simulators.adb_phone.persona import imei_for

        loaded = load_persona(persona, serial=serial, imei=imei)
        in_use = {sim.persona.serial for sim in self._adb.values()}
        if serial is None and loaded.serial in in_use:
            # Another phone of the same model: its own serial and IMEI, stable per copy.
            n = sum(1 for sim in self._adb.values() if sim.persona.name == persona) + 1
            serial = f"{loaded.serial[:-3]}{n:03d}"
            loaded = load_persona(persona, serial=serial, imei=imei_for(serial))
        return loaded

    def handset(self, key: str) -> Any:
        """The SimulatedHandset behind a handle made by `add_handset`."""
        return self._handsets.get(key)

    def simulator(self, key: str) -> Any:
        """The simulated daemon behind an ADB phone handle (None for a drive)."""
        return self._adb.get(key)

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

    def unplug(self, key: str) -> None:
        if key in self._iphones:
            self._iphone_daemon().detach(self._iphones[key])
            self._iphone_cable(key, False)
            return
        device = self._all[key]
        simulator = self._adb.get(key)
        with self._cables:
            if simulator is not None:
                simulator.stop()
                device.mark_gone()  # type: ignore[attr-defined]
            elif isinstance(device, SimulatedDockedDrive):
                device.unplug()
            self._emit(SourceAction.REMOVED, device)

    def replug(self, key: str) -> None:
        if key in self._iphones:
            self._iphone_daemon().attach(self._iphones[key])
            self._iphone_cable(key, True)
            return
        device = self._all[key]
        simulator = self._adb.get(key)
        with self._cables:
            if simulator is not None:
                simulator.start()
                device.forget_connection()  # type: ignore[attr-defined]
            elif isinstance(device, SimulatedDockedDrive):
                device.replug()
            self._emit(SourceAction.ADDED, device)

    def remove(self, key: str) -> None:
        """Takes a simulated device away for good (a classroom set changed): its cable comes
        out, its simulator stops, and the source forgets it."""
        if key in self._iphones:
            sim = self._iphones.pop(key)
            sim.cable_hooks.clear()
            self._iphone_daemon().detach(sim)
            sim.close()
            gone = self._all.pop(key, None)
            self._captions.pop(key, None)
            if gone is not None:
                gone.mark_gone()  # type: ignore[attr-defined]
                self._emit(SourceAction.REMOVED, gone)
            return
        device = self._all.pop(key, None)
        if device is None:
            return
        handset = self._handsets.pop(key, None)
        simulator = self._adb.pop(key, None)
        if handset is not None:
            handset.stop()
            self._finders.pop(key).remove_tcp(handset.serial)
        elif simulator is not None:
            simulator.close()
        if simulator is not None:
            device.mark_gone()  # type: ignore[attr-defined]
        elif isinstance(device, SimulatedDockedDrive):
            device.unplug()
        self._captions.pop(key, None)
        self._emit(SourceAction.REMOVED, device)

    def set_caption(self, key: str, caption: Text) -> None:
        """The case a simulated device shows in class, when its scenario says it."""
        self._captions[key] = caption

    def caption(self, key: str) -> Text | None:
        """The case a simulated device shows in class ("Batterie usée"...), from its persona
        (a drive: from its behaviour); None for a device with no particular case."""
        return self._captions.get(key)

    def known(self) -> list[DeviceHandle]:
        """Every simulated device made so far, plugged in or not."""
        return list(self._all.values())

    def add_training_set(self) -> list[DeviceHandle]:
        """The classroom set: one device for each case a trainer shows, as the scenario
        « Découverte » lists them (simulators/scenarios/decouverte.toml). The phones are
        simulated ADB phones reached by the real driver, so the source needs the station's
        ADB key."""
        from bench_app.simulators.classroom import plug_scenario
        from bench_app.simulators.scenarios import find_scenario

        return plug_scenario(self, find_scenario("decouverte"))


# What each simulated drive behaviour shows in class, on its card.
DRIVE_CAPTIONS: dict[DriveBehaviour, Text] = {
    DriveBehaviour.HEALTHY: Text("Disque sain", "Healthy drive"),
    DriveBehaviour.FAILING: Text("Secteurs défectueux", "Bad sectors"),
    DriveBehaviour.SLOW: Text("Disque très lent", "Very slow drive"),
    DriveBehaviour.END_OF_LIFE: Text("Disque usé : SMART en échec", "Worn-out drive: SMART failed"),
    DriveBehaviour.UNPLUGGED_MID_ERASURE: Text(
        "Débranché pendant l’effacement", "Unplugged during the erasure"
    ),
}
