"""A simulated drive on the dock, for training and tests: an image file for its platters, the
simulated firmware (drive_firmware) for its electronics, and the faults a trainer shows (bad
sectors, a cable pulled out during the erasure, a slow disk).

The bench drives it through its real drive handle and erasure, exactly as `etabli erase
IMAGE` does: the image file is really overwritten and verified, the safety rules for image
files apply (never one in the station's data folder), and the drive's identity and SMART come
from its firmware through the bench's own smartctl parser. Being an image file, it has no
Purge (no firmware erase reaches a file). Drives are small (tens of MiB) and throttled to a
believable pace, so that a class sees the progress bar move without waiting an hour.
"""

from __future__ import annotations

import copy
import dataclasses
import errno
import hashlib
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import platformdirs

from bench_app.devices.drives import smart
from bench_app.devices.drives.handle import DriveHandle
from bench_app.devices.drives.system_view import EraseTarget
from bench_app.devices.source import DeviceGone
from bench_app.erasure.overwrite import BlockIO
from bench_app.simulators.drive_firmware import SimulatedAtaDrive, SimulatedNvmeDrive, load_answer
from bench_app.simulators.mode import SimulationMode, require_simulation_allowed

MiB = 1 << 20
DEFAULT_SIZE = 32 * MiB
SECTOR = 512


class DriveBehaviour(StrEnum):
    """What a trainer can show with a drive."""

    HEALTHY = "healthy"
    # SMART says it is dying, and a few sectors can no longer be written nor read.
    FAILING = "failing"
    SLOW = "slow"
    # At the end of its life: SMART says FAILED, yet every sector can still be overwritten.
    END_OF_LIFE = "end_of_life"
    # The cable comes out part-way through the first erasure pass (once).
    UNPLUGGED_MID_ERASURE = "unplugged_mid_erasure"


@dataclass(frozen=True)
class DrivePersona:
    name: str
    brand: str
    model: str  # as the firmware says it (smartctl's model_name)
    transport: str  # "sata" or "nvme"
    rotational: bool
    firmware: str
    healthy_answer: str  # smartctl -j -a, under drive_firmware/answers/
    failing_answer: str
    mib_per_second: float  # the pace of reads and writes, at Timing scale 1
    end_of_life_answer: str = "smartctl/sata_hdd_failing.json"  # SMART overall-health FAILED


DRIVE_PERSONAS: tuple[DrivePersona, ...] = (
    DrivePersona(
        "ssd-sata-256",
        "Samsung",
        "Samsung SSD 860 EVO 250GB",
        "sata",
        False,
        "RVT04B6Q",
        "smartctl/sata_ssd_healthy.json",
        "smartctl/sata_hdd_bad_sectors.json",
        16.0,
    ),
    DrivePersona(
        "hdd-sata-500",
        "Seagate",
        "ST500LM021-1KJ152",
        "sata",
        True,
        "0002LIM1",
        "smartctl/sata_hdd_healthy.json",
        "smartctl/sata_hdd_bad_sectors.json",
        8.0,
    ),
    DrivePersona(
        "nvme-256",
        "KIOXIA",
        "KBG40ZNS256G NVMe KIOXIA 256GB",
        "nvme",
        False,
        "10410104",
        "smartctl/nvme_healthy.json",
        "smartctl/nvme_worn.json",
        32.0,
        "smartctl/nvme_failing.json",
    ),
)


def drive_persona(name: str) -> DrivePersona:
    """The persona called `name`; KeyError when there is none."""
    for persona in DRIVE_PERSONAS:
        if persona.name == name:
            return persona
    raise KeyError(f"unknown drive persona {name!r}")


def training_drive_folder(data_folder: Path) -> Path:
    """Where the training drives of the station using `data_folder` keep their image files:
    in the user's cache, never inside the data folder (the erasure refuses any file there)."""
    tag = hashlib.sha256(str(Path(data_folder).resolve()).encode()).hexdigest()[:12]
    return Path(platformdirs.user_cache_dir("etabli", appauthor=False)) / "training-drives" / tag


def make_image(path: Path, size: int) -> None:
    """A drive image full of the donor's "data" (random bytes, the same for the same name)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = random.Random(path.name)
    partial = path.with_name(path.name + ".part")
    with partial.open("wb") as out:
        left = size
        while left:
            n = min(left, 4 * MiB)
            out.write(rng.randbytes(n))
            left -= n
    partial.replace(path)


class SimulatedDockedDrive(DriveHandle):
    """A drive handle over an image file with a simulated firmware; see the module's docstring.

    `scale` multiplies the time each read and write takes (tests shrink it);
    `on_self_unplug` is told when the drive pulls its own cable."""

    def __init__(
        self,
        image: Path,
        persona: DrivePersona,
        behaviour: DriveBehaviour = DriveBehaviour.HEALTHY,
        *,
        mode: SimulationMode = SimulationMode.TEST,
        scale: float = 1.0,
    ) -> None:
        require_simulation_allowed(mode)
        self._plugged = threading.Event()
        self._plugged.set()
        self.persona = persona
        self.behaviour = behaviour
        self.scale = scale
        self.image = Path(image)
        size = self.image.stat().st_size
        self.size = size
        serial = self.image.stem
        answer = load_answer(
            {
                DriveBehaviour.FAILING: persona.failing_answer,
                DriveBehaviour.END_OF_LIFE: persona.end_of_life_answer,
            }.get(behaviour, persona.healthy_answer)
        )
        said = _firmware_answer(answer, persona, serial, str(self.image), size)
        firmware: SimulatedAtaDrive | SimulatedNvmeDrive
        if persona.transport == "nvme":
            id_ctrl = load_answer("nvme/id_ctrl_sanitize.json") | {
                "sn": f"{serial:<20}",
                "mn": f"{persona.model:<40}",
                "fr": persona.firmware,
            }
            firmware = SimulatedNvmeDrive(
                self.image, device=str(self.image), id_ctrl=id_ctrl, smart=said
            )
        else:
            firmware = SimulatedAtaDrive(
                self.image,
                device=str(self.image),
                model=persona.model,
                serial=serial,
                firmware=persona.firmware,
                rotation_rate=5400 if persona.rotational else 0,
                sanitize=(),
                native_sectors=size // SECTOR,
                smart=said,
            )
        super().__init__(str(self.image), firmware=firmware, simulated=True)
        self.drive_firmware = firmware
        # What the firmware says it is, read once through the bench's own parser.
        self.report = smart.read_smart(self.path, firmware, transport=persona.transport)
        # Bad sectors of a failing drive: 16 of them, three fifths of the way in.
        first = size * 3 // 5 // 4096 * 4096
        self.bad = [(first, first + 16 * SECTOR)] if behaviour is DriveBehaviour.FAILING else []
        self.on_self_unplug: list[Callable[[SimulatedDockedDrive], None]] = []
        self._will_unplug = behaviour is DriveBehaviour.UNPLUGGED_MID_ERASURE
        self._lock = threading.Lock()

    # -- what the bench sees -------------------------------------------------------------

    @property
    def serial(self) -> str:
        """The serial on the drive's label (the image file is named after it)."""
        return self.image.stem

    def target(self) -> EraseTarget:
        """The image file as the erasure sees it, with the drive's model and connection as its
        firmware says them. Still an image file: the image file safety rules apply."""
        if not self._plugged.is_set():
            raise DeviceGone(self.key)
        return dataclasses.replace(
            super().target(),
            model=self.report.model or self.persona.model,
            transport=self.persona.transport,
            media="hdd" if self.persona.rotational else "ssd",
        )

    def identity(self) -> dict[str, Any]:
        if not self._plugged.is_set():
            raise DeviceGone(self.key)
        report = smart.read_smart(self.path, self.drive_firmware, transport=self.persona.transport)
        identity = super().identity()
        model = report.model or self.persona.model
        brand = self.persona.brand
        if model.startswith(brand + " "):
            model = model[len(brand) + 1 :]
        target = self.target()
        identity.update(
            brand=brand,
            model=model,
            serial=report.serial or identity["serial"],
            firmware=report.firmware or "",
            transport=target.transport,
            media=target.media,
        )
        return identity

    @property
    def connected(self) -> bool:
        return self._plugged.is_set() and super().connected

    def open_io(self, *, write: bool) -> BlockIO:
        return _DriveIO(self, write=write)

    # -- the trainer's hands -------------------------------------------------------------

    def unplug(self) -> None:
        self._plugged.clear()

    def replug(self) -> None:
        # A replugged drive behaves: the trainer has shown the unplug once.
        self._will_unplug = False
        self._plugged.set()

    def before_io(self, offset: int, length: int, *, write: bool) -> None:
        """What the disk does before moving `length` bytes at `offset`: it may be gone, or
        fail on a bad sector; raises OSError as the kernel would."""
        if not self._plugged.is_set():
            raise OSError(errno.ENODEV, "No such device")
        # The cable comes out as the first pass reaches two fifths of the disk.
        if write and self._will_unplug and offset + length > self.size * 2 // 5:
            with self._lock:
                pulled, self._will_unplug = self._will_unplug, False
            if pulled:
                self._plugged.clear()
                for callback in list(self.on_self_unplug):
                    callback(self)
                raise OSError(errno.ENODEV, "No such device")
        for start, end in self.bad:
            if offset < end and start < offset + length:
                raise OSError(errno.EIO, "Input/output error")

    def after_io(self, length: int) -> None:
        """The time the disk takes to move `length` bytes."""
        pace = self.persona.mib_per_second * MiB
        seconds = length / pace * self.scale * (6.0 if self.behaviour is DriveBehaviour.SLOW else 1)
        if seconds >= 0.001:  # a single sector is not worth a sleep
            time.sleep(seconds)


class _DriveIO(BlockIO):
    """The image file opened for the erasure, with the drive's faults and pace."""

    def __init__(self, drive: SimulatedDockedDrive, *, write: bool) -> None:
        if not drive.connected:
            raise DeviceGone(drive.key)
        super().__init__(drive.path, write=write)
        self.drive = drive

    def pwrite(self, buf: memoryview, offset: int) -> int:
        self.drive.before_io(offset, len(buf), write=True)
        done = super().pwrite(buf, offset)
        self.drive.after_io(done)
        return done

    def preadinto(self, buf: memoryview, offset: int) -> int:
        self.drive.before_io(offset, len(buf), write=False)
        done = super().preadinto(buf, offset)
        self.drive.after_io(done)
        return done


def _firmware_answer(
    answer: dict[str, Any], persona: DrivePersona, serial: str, path: str, size: int
) -> dict[str, Any]:
    """A recorded `smartctl -j -a` answer made to speak for this drive: its name, model,
    serial, firmware, capacity and rotation."""
    said = copy.deepcopy(answer)
    nvme = persona.transport == "nvme"
    said["device"] = {
        "name": path,
        "info_name": path if nvme else f"{path} [SAT]",
        "type": "nvme" if nvme else "sat",
        "protocol": "NVMe" if nvme else "ATA",
    }
    said["model_name"] = persona.model
    said["serial_number"] = serial
    said["firmware_version"] = persona.firmware
    said["user_capacity"] = {"blocks": size // SECTOR, "bytes": size}
    if nvme:
        said["nvme_total_capacity"] = size
    else:
        said["rotation_rate"] = 5400 if persona.rotational else 0
    return said
