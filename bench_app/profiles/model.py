"""What a device profile says, as plain frozen dataclasses (built from a validated YAML file)."""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench_app.text import Text

# Action names a step may carry; the install pipeline executes them in order.
ACTIONS = (
    "adb:reboot",
    "adb:wait",
    "adb:sideload",
    "fastboot:wait",
    "fastboot:assert_var",
    "fastboot:flash",
    "fastboot:erase",
    "fastboot:format",
    "fastboot:set_active",
    "fastboot:reboot",
    "fastboot:flashing_unlock",
    "fastboot:oem_unlock",
    "image:verify",
    "operator:action",
    "phone:wipe",
)


@dataclass(frozen=True)
class UsbId:
    """A USB vendor (and product) id the phone shows in one mode (adb, fastboot, download...)."""

    vendor: str  # four lower-case hex digits
    product: str | None  # None: any product of that vendor
    mode: str
    note: str = ""

    def matches(self, vendor: str, product: str) -> bool:
        return self.vendor == vendor.lower() and self.product in (None, product.lower())


@dataclass(frozen=True)
class UnlockInfo:
    """How the bootloader of this model is unlocked, and what the workshop needs for it."""

    method: str  # fastboot-flashing-unlock, fastboot-oem-unlock, mi-unlock, motorola-unlock-code...
    command: str = ""
    needs_code: bool = False  # an unlock code from the manufacturer
    code_source: str = ""
    waiting_period_days: int | None = None  # days between asking and being allowed (Xiaomi)
    operator_confirms_on_phone: bool = True
    note: Text | None = None


@dataclass(frozen=True)
class ImageRef:
    """An image a profile needs: `name` is how steps refer to it, `file` its file name (may
    hold * and ? for build dates), `sha256` the published checksum or None when the imported
    manifest is the source of truth."""

    name: str
    file: str
    sha256: str | None
    kind: str
    source: str = ""

    def matches_file(self, file_name: str) -> bool:
        """True when `file_name` is this image's file (exactly, or through its wildcards)."""
        return file_name == self.file or fnmatch.fnmatchcase(file_name, self.file)

    @property
    def is_pattern(self) -> bool:
        return any(c in self.file for c in "*?[")


@dataclass(frozen=True)
class Condition:
    """Run the step only when the option `option` equals `equals`."""

    option: str
    equals: bool | str

    def holds(self, options: dict[str, bool | str]) -> bool:
        return options.get(self.option) == self.equals


@dataclass(frozen=True)
class Step:
    """One declarative action (`fastboot:flash`...) with its arguments (`partition`, `image`...),
    an optional condition on the chosen options, and steps to try instead when it fails."""

    action: str
    args: dict[str, Any]
    condition: Condition | None = None
    fallback: tuple[Step, ...] = ()
    note: Text | None = None
    line: int = 0  # where the step starts in its YAML file, for messages

    def applies(self, options: dict[str, bool | str]) -> bool:
        return self.condition is None or self.condition.holds(options)

    def text(self) -> Text | None:
        """The operator's sentence of an operator:action or guided phone:wipe step."""
        raw = self.args.get("text")
        return Text(raw["fr"], raw["en"]) if isinstance(raw, dict) else None


@dataclass(frozen=True)
class OsOption:
    """One operating system the model can take (e.g. id "lineageos-21"): its images, the
    operator's choices (`options`, with defaults) and the ordered steps."""

    id: str
    name: str
    version: str
    images: tuple[ImageRef, ...]
    steps: tuple[Step, ...]
    options: dict[str, bool] = field(default_factory=dict)  # option id -> default
    option_labels: dict[str, Text] = field(default_factory=dict)
    notes: tuple[Text, ...] = ()

    def image(self, name: str) -> ImageRef:
        """The image steps call `name` (a loaded profile always has it)."""
        for ref in self.images:
            if ref.name == name:
                return ref
        raise KeyError(name)

    def steps_for(self, chosen: dict[str, bool | str] | None = None) -> list[Step]:
        """The steps that apply with these options (defaults for any not given)."""
        options: dict[str, bool | str] = dict(self.options)
        options.update(chosen or {})
        return [s for s in self.steps if s.applies(options)]


@dataclass(frozen=True)
class DeviceProfile:
    """A phone model: identity, USB ids, bootloader facts, sources and installable systems."""

    codename: str
    aliases: tuple[str, ...]
    brand: str
    name: str
    models: tuple[str, ...]
    usb_ids: tuple[UsbId, ...]
    ab_slots: bool | None
    recovery_partition: str
    install_tool: str  # "fastboot", or "odin-heimdall" for phones the station cannot install
    unlock: UnlockInfo
    notes: tuple[Text, ...]
    warnings: tuple[Text, ...]
    sources: tuple[str, ...]
    unverified: tuple[str, ...]
    operating_systems: tuple[OsOption, ...]
    path: Path
    origin: str  # "shipped" or "override"

    @property
    def label(self) -> str:
        return f"{self.brand} {self.name}"

    @property
    def installable(self) -> bool:
        """False when the phone needs another tool than fastboot (Samsung's download mode)."""
        return self.install_tool == "fastboot"

    def names(self) -> tuple[str, ...]:
        return (self.codename, *self.aliases)

    def os(self, os_id: str) -> OsOption | None:
        for option in self.operating_systems:
            if option.id == os_id:
                return option
        return None


@dataclass(frozen=True)
class ProfileProblem:
    """Why a profile file was not loaded: the file, the line, the field and what is wrong."""

    path: Path
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.field}: {self.message}"
