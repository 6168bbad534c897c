"""A whole simulated phone: its Android/recovery side (the ADB simulator) and its bootloader
(the fastboot simulator) joined, so that it moves between modes as a real phone does.

`adb reboot bootloader` makes the ADB side go quiet and the fastboot side answer;
`fastboot reboot recovery` brings the ADB side back in recovery mode, and so on. A package
sideloaded in recovery is "installed" when the phone next boots Android: its OTA metadata
(`META-INF/com/android/metadata`, as in every real update zip) gives the new build
fingerprint, SDK level and security patch, which `getprop` then reports. A package built for
another device (`pre-device`), or one sideloaded while the phone still has its stock
recovery, leaves the phone's system as it was, as a real recovery would.

Its screen and keys (simulators/handset_screen.py) gate what needs a hand: the recovery
serves a sideload only once "Apply from ADB" is chosen, a recovery factory reset happens only
when chosen on its menu, and an unlock waits for its confirmation on the screen. The
`operator` says who presses: `auto` (a person following the station, the default) or
`person` (training: the keys are pressed from the window or a terminal).

Used by tests and training mode only (both simulators refuse to run elsewhere).
"""

from __future__ import annotations

import io
import logging
import threading
import zipfile
from dataclasses import dataclass, field
from typing import Any

from bench_app.simulators.adb_phone.persona import Persona, load_persona
from bench_app.simulators.adb_phone.server import (
    ANDROID,
    BOOTLOADER,
    RECOVERY,
    AdbSimulator,
)
from bench_app.simulators.bootloader.bootloader import (
    COMMON_PARTITIONS,
    LEGACY_EXTRA,
    SLOTTED_PARTITIONS,
    BootloaderFaults,
    SimulatedBootloader,
)
from bench_app.simulators.bootloader.server import FastbootSimulator
from bench_app.simulators.handset_screen import AUTO, HandsetFace
from bench_app.simulators.mode import SimulationMode

log = logging.getLogger(__name__)

METADATA_ENTRY = "META-INF/com/android/metadata"


def read_ota_metadata(package: bytes) -> dict[str, str]:
    """The `key=value` lines of an update zip's metadata entry; {} when there is none."""
    try:
        with zipfile.ZipFile(io.BytesIO(package)) as archive:
            text = archive.read(METADATA_ENTRY).decode("utf-8", "replace")
    except (KeyError, zipfile.BadZipFile, ValueError, OSError):
        return {}
    values: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep:
            values[key.strip()] = value.strip()
    return values


def handset_partitions(slots: int) -> dict[str, tuple[int, str]]:
    """The partitions of the simulated phone: an A/B phone has each system partition once per
    slot, and a recovery partition per slot as well (many A/B phones since Android 11 keep
    one); an older phone has one of each, plus recovery and cache."""
    layout: dict[str, tuple[int, str]] = {}
    if slots > 1:
        slotted = {**SLOTTED_PARTITIONS, "recovery": LEGACY_EXTRA["recovery"]}
        for name, spec in slotted.items():
            for index in range(slots):
                layout[f"{name}_{chr(ord('a') + index)}"] = spec
    else:
        layout.update(SLOTTED_PARTITIONS)
        layout.update(LEGACY_EXTRA)
    layout.update(COMMON_PARTITIONS)
    return layout


@dataclass
class InstalledSystem:
    """What the simulated phone runs after an update was applied."""

    fingerprint: str
    package_sha256: str
    metadata: dict[str, str] = field(default_factory=dict)


class SimulatedHandset:
    """One phone with both faces. `start()` powers it on in Android; `adb_port` and
    `fastboot_port` are where the station reaches it (only one answers at a time)."""

    def __init__(
        self,
        persona: Persona | str,
        *,
        serial: str | None = None,
        unlocked: bool = False,
        slot_count: int | None = None,
        faults: BootloaderFaults | None = None,
        simulation: SimulationMode = SimulationMode.TEST,
        boot_delay: float | None = None,
        adb_after_wipe: bool = True,
        operator: str = AUTO,
        auto_delay: float = 0.5,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        if isinstance(persona, str):
            persona = load_persona(persona, serial=serial)
        flags: dict[str, Any] = {"adb_after_wipe": adb_after_wipe}
        if boot_delay is not None:
            flags["boot_delay"] = boot_delay
        self.persona = persona.with_behaviour(**flags)
        self.codename = self.persona.props.get("ro.product.device", "")
        ab = self.persona.props.get("ro.build.ab_update", "") == "true"
        slots = slot_count if slot_count is not None else (2 if ab else 1)
        # ADB on `port`, the bootloader on the next one (any free ports when 0).
        self.adb = AdbSimulator(self.persona, host, port, mode=simulation)
        faults = faults or BootloaderFaults()
        self.bootloader = SimulatedBootloader(
            product=self.codename,
            serial=self.persona.serial,
            slot_count=slots,
            partition_sizes=handset_partitions(slots),
            unlocked=unlocked,
            # The unlock screen waits for the handset's keys; `faults.operator` says what
            # the auto hand answers there.
            faults=faults.with_flags(operator="nothing"),
            simulation=simulation,
        )
        self.bootloader.enter("android")
        self.fastboot = FastbootSimulator(self.bootloader, host, port + 1 if port else 0)
        self.installed: InstalledSystem | None = None
        self.refused_packages: list[str] = []  # why a sideloaded package was not applied
        self._applied = 0  # sideload records already considered
        self._commands_seen = 0  # bootloader commands already looked at
        self.flashed: set[str] = set()  # partitions flashed (without their slot suffix)
        self._lock = threading.Lock()
        self.adb.on_reboot.append(self._adb_rebooted)
        self.bootloader.on_reboot.append(self._bootloader_rebooted)
        self.face = HandsetFace(
            self,
            operator,
            unlock_answer=faults.operator,
            unlock_delay=faults.operator_delay,
            auto_delay=auto_delay,
        )

    # ---- lifecycle -----------------------------------------------------------------------
    def start(self) -> None:
        self.fastboot.start()
        self.adb.start()

    def stop(self) -> None:
        """Puts the phone away: nothing of it runs or listens any more once this returns."""
        self.face.close()  # first: no hand presses a key of a phone being put away
        self.fastboot.stop()  # first: its thread is the one that boots the ADB side
        self.adb.close()
        self.bootloader.close()

    def __enter__(self) -> SimulatedHandset:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def serial(self) -> str:
        return self.persona.serial

    @property
    def adb_port(self) -> int:
        return self.adb.port

    @property
    def fastboot_port(self) -> int:
        return self.fastboot.port

    @property
    def mode(self) -> str:
        """android, recovery, sideload or bootloader (fastbootd counts as bootloader)."""
        return BOOTLOADER if self.bootloader.reachable else self.adb.mode

    def unplug(self) -> None:
        """The cable comes out, whatever the phone is doing."""
        self.adb.stop()
        self.fastboot.pull_cable()

    # ---- what the keys do ------------------------------------------------------------------
    def restart(self, target: str) -> None:
        """The phone restarts into `target` (android, recovery or bootloader) from whatever
        it was doing, as a key combo or a menu item does: a host connection drops."""
        if self.bootloader.reachable:
            self.fastboot.pull_cable()  # the bootloader's host session ends with the restart
            self.bootloader.rebooted(None if target == ANDROID else target)
        else:
            self.adb.reboot({ANDROID: "", RECOVERY: "recovery"}.get(target, "bootloader"))

    def format_data(self) -> None:
        """The recovery's "Format data": userdata and metadata are new file systems."""
        self.adb.wipe_userdata()
        log.info("handset %s: data formatted from the recovery menu", self.serial)

    def custom_recovery(self) -> bool:
        """Whether the recovery is one flashed here (LineageOS's) rather than the stock one."""
        return self._recovery_flashed()

    def sideload_result(self) -> str:
        """The line the recovery shows after the last sideload."""
        if not self.adb.sideloads:
            return ""
        record = self.adb.sideloads[-1]
        if not record.ok:
            return f"Installation aborted ({record.reason})."
        refusal = self._refusal(read_ota_metadata(record.data))
        return "Install completed with status 0." if refusal is None else "Installation aborted."

    # ---- mode changes --------------------------------------------------------------------
    def _adb_rebooted(self, mode: str) -> None:
        if mode == BOOTLOADER:
            self.bootloader.enter("bootloader")
        else:
            self.bootloader.enter(mode)
            if mode == ANDROID:
                self._apply_updates()

    def _bootloader_rebooted(self, target: str | None) -> None:
        if target in ("bootloader", "fastboot"):
            return
        if target == "recovery":
            self.adb.boot(RECOVERY)
            return
        self._apply_updates()
        if self._userdata_erased():
            self.adb.wipe_userdata()
        self.adb.boot(ANDROID)

    def _new_commands(self) -> list[str]:
        with self.bootloader.lock:
            commands = self.bootloader.commands[self._commands_seen :]
            self._commands_seen = len(self.bootloader.commands)
        for command in commands:
            if command.startswith("flash:"):
                name = command.removeprefix("flash:")
                self.flashed.add(name.removesuffix("_a").removesuffix("_b"))
        return commands

    def _userdata_erased(self) -> bool:
        """`fastboot erase userdata` (or the format that flashes an empty file system)."""
        return any(c in ("erase:userdata", "flash:userdata") for c in self._new_commands())

    def _recovery_flashed(self) -> bool:
        """True when a recovery other than the stock one is on the phone (a flashed
        recovery or boot partition)."""
        self._new_commands()
        return bool(self.flashed & {"recovery", "boot", "vendor_boot"})

    def _apply_updates(self) -> None:
        with self._lock:
            records = self.adb.sideloads[self._applied :]
            self._applied = len(self.adb.sideloads)
        for record in records:
            if not record.ok:
                continue
            metadata = read_ota_metadata(record.data)
            refusal = self._refusal(metadata)
            if refusal is not None:
                self.refused_packages.append(refusal)
                continue
            self._install(metadata, record.sha256)

    def _refusal(self, metadata: dict[str, str]) -> str | None:
        """Why the recovery would not apply a package with this metadata (None: it does)."""
        devices = [d for d in metadata.get("pre-device", "").split(",") if d]
        if devices and self.codename not in devices:
            return f"package for {','.join(devices)}, this phone is {self.codename}"
        if not self._recovery_flashed():
            return "signature verification failed (stock recovery)"
        return None

    def _install(self, metadata: dict[str, str], sha256: str) -> None:
        props = self.persona.props
        fingerprint = metadata.get("post-build", "")
        if fingerprint:
            props["ro.build.fingerprint"] = fingerprint
            props["ro.build.display.id"] = fingerprint.split("/")[3] if "/" in fingerprint else ""
            release = fingerprint.split(":")[1].split("/")[0] if ":" in fingerprint else ""
            if release:
                props["ro.build.version.release"] = release
        if "post-sdk-level" in metadata:
            props["ro.build.version.sdk"] = metadata["post-sdk-level"]
        if "post-security-patch-level" in metadata:
            props["ro.build.version.security_patch"] = metadata["post-security-patch-level"]
        for key, value in metadata.items():
            if key.startswith("post-prop."):  # extra properties a test package sets
                props[key.removeprefix("post-prop.")] = value
        self.installed = InstalledSystem(fingerprint, sha256, metadata)
        log.info("handset %s: system updated to %s", self.serial, fingerprint)
