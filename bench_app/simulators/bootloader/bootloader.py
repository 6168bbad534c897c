"""The simulated bootloader's state and what it does with each fastboot command.

No sockets here: `server.FastbootSimulator` speaks FB01 over TCP and hands commands and
downloads to a `SimulatedBootloader`. A future "simulated handset" can hold one of these next
to the ADB simulator and switch the phone between Android, recovery and the bootloader through
`on_reboot` and `enter()`.

Partitions are sparse files in a temporary folder (a 1 GiB system partition costs nothing
until written); flashed sparse images are expanded into them, so a test can compare a
partition byte for byte with the original raw image.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from bench_app.devices.fastboot.sparse import (
    Source,
    SparseFormatError,
    SparseImage,
    is_sparse,
)
from bench_app.simulators.mode import SimulationMode, require_simulation_allowed

MiB = 1 << 20
GiB = 1 << 30
LOCKED_MESSAGE = "Flashing is not allowed in Lock State"
CONFIRM_PROMPT = "Unlock the bootloader? Volume keys to choose, power key to confirm"

# name → (size, type). A/B phones get each slotted one twice (_a, _b).
SLOTTED_PARTITIONS: dict[str, tuple[int, str]] = {
    "boot": (64 * MiB, "raw"),
    "dtbo": (8 * MiB, "raw"),
    "vbmeta": (64 * 1024, "raw"),
    "system": (1 * GiB, "ext4"),
    "vendor": (256 * MiB, "ext4"),
}
COMMON_PARTITIONS: dict[str, tuple[int, str]] = {
    "misc": (1 * MiB, "raw"),
    "metadata": (16 * MiB, "ext4"),
    "userdata": (4 * GiB, "ext4"),
}
LEGACY_EXTRA: dict[str, tuple[int, str]] = {
    "recovery": (64 * MiB, "raw"),
    "cache": (256 * MiB, "ext4"),
}


class CommandFailed(Exception):
    """The bootloader answers FAIL with this message."""


@dataclass(frozen=True)
class BootloaderFaults:
    """Misbehaviours a test (or a trainer) asks for. Each fires once, then the phone behaves:
    reconnecting and redoing the step works, as with a real phone."""

    drop_download_after: int | None = None  # bytes of a download after which the cable "comes out"
    fail_flash: str | None = None  # FAIL message for the next flash
    garbage_reply_to: str | None = None  # answer nonsense to the next command starting so
    operator: str = "accept"  # what the operator does when asked: accept / refuse / nothing
    operator_delay: float = 0.0  # seconds before the operator presses the keys
    info_interval: float = 1.0  # seconds between INFO reminders while the phone waits
    unlock_code: str | None = None  # `oem unlock CODE` wants this code

    def with_flags(self, **flags: object) -> BootloaderFaults:
        return replace(self, **flags)  # type: ignore[arg-type]


@dataclass
class Partition:
    name: str
    size: int
    fs_type: str
    path: Path


Say = Callable[[bytes], None]


@dataclass
class SimulatedBootloader:
    """A phone's bootloader: variables, partitions, slots, lock state and mode.

    `mode` is "bootloader" or "fastbootd" while fastboot is reachable, "android", "recovery"
    after a reboot there. `on_reboot` callbacks get the target (None, "bootloader",
    "recovery", "fastboot") after the reboot is answered.
    """

    product: str
    serial: str = ""
    slot_count: int = 2
    max_download_size: int = 256 * MiB
    unlocked: bool = False
    secure: bool = True
    faults: BootloaderFaults = field(default_factory=BootloaderFaults)
    folder: Path | None = None
    simulation: SimulationMode = SimulationMode.TEST
    partition_sizes: dict[str, tuple[int, str]] | None = None

    def __post_init__(self) -> None:
        require_simulation_allowed(self.simulation)
        self.serial = self.serial or f"SIM{abs(hash(self.product)) % 10**8:08d}"
        self._own_folder = self.folder is None
        self.folder = Path(self.folder or tempfile.mkdtemp(prefix=f"fastboot-{self.product}-"))
        self.mode = "bootloader"
        self.critical_unlocked = False
        self.current_slot = "a" if self.slot_count > 1 else ""
        self.on_reboot: list[Callable[[str | None], None]] = []
        # Called with True when the phone's screen starts asking to confirm an unlock, with
        # False once it was answered (a handset's screen shows the question meanwhile).
        self.on_confirm: list[Callable[[bool], None]] = []
        self.lock = threading.RLock()
        self.commands: list[str] = []  # every command received, for tests
        self._operator_answer: bool | None = None
        self._operator_event = threading.Event()
        self.partitions: dict[str, Partition] = {}
        for name, (size, fs_type) in self._layout().items():
            path = self.folder / f"{name}.img"
            with open(path, "wb") as f:
                f.truncate(size)
            self.partitions[name] = Partition(name, size, fs_type, path)

    def _layout(self) -> dict[str, tuple[int, str]]:
        if self.partition_sizes is not None:
            return dict(self.partition_sizes)
        layout: dict[str, tuple[int, str]] = {}
        if self.slot_count > 1:
            for name, spec in SLOTTED_PARTITIONS.items():
                for index in range(self.slot_count):
                    layout[f"{name}_{chr(ord('a') + index)}"] = spec
        else:
            layout.update(SLOTTED_PARTITIONS)
            layout.update(LEGACY_EXTRA)
        layout.update(COMMON_PARTITIONS)
        return layout

    def close(self) -> None:
        """Removes the partition files (when the folder was made here)."""
        if self._own_folder and self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)

    # ---- what tests and the outer handset use ---------------------------------------------
    def read_partition(self, name: str, length: int | None = None) -> bytes:
        """The content of a partition (its first `length` bytes, or all of it)."""
        with open(self.partitions[name].path, "rb") as f:
            return f.read(self.partitions[name].size if length is None else length)

    def write_partition(self, name: str, data: bytes, offset: int = 0) -> None:
        """Puts bytes in a partition (a test's "old content"), keeping its size."""
        with open(self.partitions[name].path, "r+b") as f:
            f.seek(offset)
            f.write(data)

    def press_keys(self, accept: bool) -> None:
        """The operator answers the phone's unlock screen (volume keys, then power)."""
        self._operator_answer = accept
        self._operator_event.set()

    def enter(self, mode: str) -> None:
        """Puts the phone in `mode` (e.g. back to "bootloader" when the handset asks)."""
        self.mode = mode

    @property
    def reachable(self) -> bool:
        """Whether fastboot answers (the phone is in the bootloader or in fastbootd)."""
        return self.mode in ("bootloader", "fastbootd")

    # ---- variables ------------------------------------------------------------------------
    def variables(self) -> dict[str, str]:
        """Every variable `getvar:all` lists."""
        values = {
            "version": "0.4",
            "version-bootloader": f"{self.product}-sim-1.0",
            "product": self.product,
            "serialno": self.serial,
            "secure": "yes" if self.secure else "no",
            "unlocked": "yes" if self.unlocked else "no",
            "max-download-size": f"0x{self.max_download_size:x}",
            "is-userspace": "yes" if self.mode == "fastbootd" else "no",
            "slot-count": str(self.slot_count),
        }
        if self.slot_count > 1:
            values["current-slot"] = self.current_slot
        for part in self.partitions.values():
            values[f"partition-size:{part.name}"] = f"0x{part.size:x}"
            values[f"partition-type:{part.name}"] = part.fs_type
        if self.slot_count > 1:
            for base in SLOTTED_PARTITIONS:
                values[f"has-slot:{base}"] = "yes"
            for base in COMMON_PARTITIONS:
                values[f"has-slot:{base}"] = "no"
        return values

    def getvar(self, name: str) -> str:
        values = self.variables()
        if name in values:
            return values[name]
        for prefix in ("partition-size:", "partition-type:", "is-logical:", "has-slot:"):
            if name.startswith(prefix):
                part = self._partition(name[len(prefix) :], must_exist=False)
                if part is not None:
                    return {
                        "partition-size:": f"0x{part.size:x}",
                        "partition-type:": part.fs_type,
                        "is-logical:": "no",
                        "has-slot:": "no",
                    }[prefix]
        raise CommandFailed("GetVar Variable Not found")

    def _partition(self, name: str, *, must_exist: bool = True) -> Partition | None:
        part = self.partitions.get(name) or self.partitions.get(f"{name}_{self.current_slot}")
        if part is None and must_exist:
            raise CommandFailed(f"Partition {name} not found")
        return part

    # ---- commands -------------------------------------------------------------------------
    def execute(self, command: str, download: memoryview | None, say: Say) -> str | None:
        """Runs one command (not `download`), answering through `say` (whole fastboot
        messages). Returns the reboot target when the command was a reboot."""
        with self.lock:
            self.commands.append(command)
            try:
                return self._execute(command, download, say)
            except CommandFailed as exc:
                say(b"FAIL" + str(exc).encode())
                return None

    def _execute(self, command: str, download: memoryview | None, say: Say) -> str | None:
        verb, _, argument = command.partition(":")
        if verb == "getvar":
            if argument == "all":
                for name, value in self.variables().items():
                    say(f"INFO{name}: {value}".encode())
                say(b"OKAY")
            else:
                say(b"OKAY" + self.getvar(argument).encode())
        elif verb == "flash":
            self._require_unlocked()
            self._flash(argument, download)
            say(b"OKAY")
        elif verb == "erase":
            self._require_unlocked()
            self._erase(self._partition(argument))
            say(b"OKAY")
        elif verb == "set_active":
            self._require_unlocked()
            slot = argument.removeprefix("_")
            if self.slot_count < 2 or slot not in [
                chr(ord("a") + i) for i in range(self.slot_count)
            ]:
                raise CommandFailed(f"Invalid slot {argument}")
            self.current_slot = slot
            say(b"OKAY")
        elif command in ("reboot", "reboot-bootloader", "reboot-recovery", "reboot-fastboot"):
            say(b"OKAY")
            return {"reboot": "", "reboot-bootloader": "bootloader"}.get(
                command, command.removeprefix("reboot-")
            )
        elif command in ("flashing unlock", "oem unlock") or command.startswith("oem unlock "):
            self._unlock(command, say)
        elif command == "flashing unlock_critical":
            # Phones with critical partitions (bootloader, radio) unlock them apart, again
            # confirmed on the phone's screen.
            if not self.critical_unlocked:
                if not self._wait_for_operator(say):
                    raise CommandFailed("Unlock cancelled by the user")
                self.critical_unlocked = True
            say(b"OKAY")
        elif command in ("flashing lock", "oem lock"):
            self.unlocked = False
            say(b"OKAY")
        elif command == "flashing get_unlock_ability":
            say(b"INFOget_unlock_ability: 1")
            say(b"OKAY")
        else:
            raise CommandFailed("unknown command")
        return None

    def _require_unlocked(self) -> None:
        if not self.unlocked:
            raise CommandFailed(LOCKED_MESSAGE)

    def _flash(self, name: str, download: memoryview | None) -> None:
        part = self._partition(name)
        assert part is not None
        if download is None or not len(download):
            raise CommandFailed("no data downloaded")
        if self.faults.fail_flash is not None:
            message = self.faults.fail_flash
            self.faults = replace(self.faults, fail_flash=None)
            raise CommandFailed(message)
        fd = os.open(part.path, os.O_WRONLY)
        try:
            if is_sparse(download[:4]):
                try:
                    image = SparseImage.parse(Source(download))
                except SparseFormatError as exc:
                    raise CommandFailed(f"invalid sparse image: {exc}") from None
                if image.expanded_size > part.size:
                    raise CommandFailed("size too large")
                image.apply(fd)
            else:
                if len(download) > part.size:
                    raise CommandFailed("size too large")
                view = download
                offset = 0
                while view:
                    written = os.pwrite(fd, view, offset)
                    view, offset = view[written:], offset + written
        finally:
            os.close(fd)

    def _erase(self, part: Partition | None) -> None:
        assert part is not None
        # Erased flash reads back as zeros on today's phones (discard), so: a new hole.
        with open(part.path, "r+b") as f:
            f.truncate(0)
            f.truncate(part.size)

    def _unlock(self, command: str, say: Say) -> None:
        if command.startswith("oem unlock ") or self.faults.unlock_code is not None:
            code = command.removeprefix("oem unlock").strip()
            if code != (self.faults.unlock_code or ""):
                raise CommandFailed("Wrong unlock code")
        if self.unlocked:
            say(b"INFOAlready unlocked")
            say(b"OKAY")
            return
        answer = self._wait_for_operator(say)
        if not answer:
            raise CommandFailed("Unlock cancelled by the user")
        say(b"INFOErasing userdata")
        if "userdata" in self.partitions:
            self._erase(self.partitions["userdata"])
        self.unlocked = True
        say(b"OKAY")

    def _wait_for_operator(self, say: Say) -> bool | None:
        say(f"INFO{CONFIRM_PROMPT}".encode())
        self._operator_event.clear()
        self._operator_answer = None
        faults = self.faults
        timer: threading.Timer | None = None
        if faults.operator in ("accept", "refuse"):
            answer = faults.operator == "accept"
            timer = threading.Timer(faults.operator_delay, self.press_keys, args=(answer,))
            timer.daemon = True
            timer.start()
        for hook in list(self.on_confirm):
            hook(True)
        try:
            while not self._operator_event.wait(faults.info_interval):
                say(b"INFOWaiting for confirmation on the device")
            return self._operator_answer
        finally:
            for hook in list(self.on_confirm):
                hook(False)
            if timer is not None:  # the session may end first: no press left for a later prompt
                timer.cancel()
                timer.join()

    # ---- faults the server applies --------------------------------------------------------
    def take_garbage_fault(self, command: str) -> bool:
        """Whether this command is to be answered with nonsense (once)."""
        prefix = self.faults.garbage_reply_to
        if prefix is not None and command.startswith(prefix):
            self.faults = replace(self.faults, garbage_reply_to=None)
            return True
        return False

    def take_drop_fault(self) -> int | None:
        """After how many bytes of this download the cable comes out (once)."""
        after = self.faults.drop_download_after
        if after is not None:
            self.faults = replace(self.faults, drop_download_after=None)
        return after

    def rebooted(self, target: str | None) -> None:
        """Called by the server once a reboot was answered: changes mode, tells the hooks."""
        self.mode = {
            None: "android",
            "bootloader": "bootloader",
            "fastboot": "fastbootd",
            "recovery": "recovery",
        }.get(target, "android")
        for hook in list(self.on_reboot):
            hook(target)
