"""The fastboot client: talks to a phone's bootloader (or fastbootd) over any Transport.

Every command is an ASCII message; the phone answers INFO/TEXT lines (passed to `on_info`
as they come, e.g. "Press volume up to unlock"), then OKAY (with a value), FAIL (with the
bootloader's reason) or DATA (ready for a download of that many bytes).

Errors are BenchErrors that tell the operator the phone is still in fastboot mode and that
resuming means reconnecting and doing the step again:

- FastbootGone (FASTBOOT_GONE): the link was lost (unplugged, connection dropped);
- FastbootFailed (FASTBOOT_FAILED, or FASTBOOT_LOCKED when the reason names the lock): the
  bootloader said FAIL, its message is kept in `.reason`;
- FASTBOOT_GARBLED: the answer was not fastboot; the transport is closed, as the session
  cannot be trusted any more;
- FASTBOOT_OPERATOR_TIMEOUT: an unlock waited for the operator's keys longer than allowed;
- FASTBOOT_WRONG_DEVICE (assert_var), FASTBOOT_IMAGE_INVALID (nothing sent),
  FASTBOOT_FORMAT_UNSUPPORTED.

Set `client.step` to the job step's title so messages say where to resume; otherwise they
name the command being run.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

from bench_app.devices.fastboot.sparse import (
    FileRegion,
    MappedFile,
    Part,
    SparseFormatError,
    SparseImage,
    is_sparse,
)
from bench_app.devices.fastboot.transport import (
    Progress,
    Transport,
    TransportGarbled,
    TransportGone,
    TransportTimeout,
)
from bench_app.errors import BenchError
from bench_app.text import Text

COMMAND_TIMEOUT = 30.0  # seconds for an ordinary answer
FLASH_TIMEOUT = 600.0  # writing a large partition to eMMC can take minutes without a word
OPERATOR_TIMEOUT = 300.0  # the operator reads the phone's screen and presses its keys
RESPONSE_MAX = 256
MAX_COMMAND = 4096
REBOOT_COMMANDS = {
    None: "reboot",
    "bootloader": "reboot-bootloader",
    "recovery": "reboot-recovery",
    "fastboot": "reboot-fastboot",
}


class FastbootGone(BenchError):
    """The phone went away mid-command; it is most likely still in the bootloader."""

    def __init__(self, step: Text | str, detail: str) -> None:
        super().__init__("FASTBOOT_GONE", step=step, detail=detail)


class FastbootFailed(BenchError):
    """The bootloader answered FAIL; `reason` is its own message."""

    def __init__(self, code: str, step: Text | str, command: str, reason: str) -> None:
        super().__init__(code, step=step, command=command, message=reason or "FAIL")
        self.command = command
        self.reason = reason


def _hex_or_int(value: str) -> int:
    return int(value.strip(), 0)


def _looks_locked(reason: str) -> bool:
    # Bootloaders word it differently ("Flashing is not allowed in Lock State", "Device is
    # locked", "device not unlocked"): those words are what they share.
    text = reason.lower()
    return bool({"lock", "locked"} & set(re.findall(r"[a-z]+", text))) or "not unlocked" in text


class FastbootClient:
    """One fastboot session with one phone. Not thread-safe: one worker per phone."""

    def __init__(
        self,
        transport: Transport,
        on_info: Callable[[str], None] | None = None,
        *,
        step: Text | str | None = None,
    ) -> None:
        self.transport = transport
        self.on_info = on_info
        self.step = step  # the job step's title, for the error messages
        self.info_lines: list[str] = []  # every INFO/TEXT line of the last command

    # ---- the protocol ---------------------------------------------------------------------
    def _where(self, what: Text) -> Text | str:
        return self.step if self.step is not None else what

    def _send(self, command: str, what: Text) -> None:
        data = command.encode("ascii")
        if len(data) > MAX_COMMAND:
            raise ValueError(f"fastboot command longer than {MAX_COMMAND} bytes")
        try:
            self.transport.send(data)
        except (TransportGone, TransportTimeout) as exc:
            raise FastbootGone(self._where(what), str(exc)) from exc

    def _reply(self, command: str, what: Text, timeout: float, *, operator: bool = False) -> str:
        """Reads answers until OKAY (returns its text) or DATA (returns "DATA" + size)."""
        while True:
            try:
                raw = self.transport.recv(RESPONSE_MAX, timeout)
            except TransportTimeout as exc:
                if operator:
                    raise BenchError(
                        "FASTBOOT_OPERATOR_TIMEOUT", seconds=int(timeout), step=self._where(what)
                    ) from exc
                raise FastbootGone(self._where(what), str(exc)) from exc
            except TransportGone as exc:
                raise FastbootGone(self._where(what), str(exc)) from exc
            except TransportGarbled as exc:
                self._garbled(what, str(exc))
            kind = raw[:4]
            message = raw[4:].rstrip(b"\0").decode("utf-8", errors="replace")
            if kind in (b"INFO", b"TEXT"):
                self.info_lines.append(message)
                if self.on_info is not None:
                    self.on_info(message)
            elif kind == b"OKAY":
                return message
            elif kind == b"FAIL":
                code = "FASTBOOT_LOCKED" if _looks_locked(message) else "FASTBOOT_FAILED"
                raise FastbootFailed(code, self._where(what), command, message)
            elif kind == b"DATA":
                return "DATA" + message
            else:
                self._garbled(what, f"unexpected answer {raw[:32]!r}")

    def _garbled(self, what: Text, detail: str) -> None:
        self.transport.close()  # what comes next on this link cannot be trusted
        raise BenchError("FASTBOOT_GARBLED", step=self._where(what), detail=detail)

    def command(
        self,
        command: str,
        what: Text | None = None,
        timeout: float = COMMAND_TIMEOUT,
        *,
        operator: bool = False,
    ) -> str:
        """Runs one command; returns the OKAY text. INFO lines go to `on_info`."""
        what = what or Text(command, command)
        self.info_lines = []
        self._send(command, what)
        answer = self._reply(command, what, timeout, operator=operator)
        if answer.startswith("DATA"):
            self._garbled(what, f"DATA answer to {command!r}")
        return answer

    # ---- variables ------------------------------------------------------------------------
    def getvar(self, name: str) -> str:
        """The value of a bootloader variable; FastbootFailed if the phone does not know it."""
        return self.command(f"getvar:{name}", Text(f"lire {name}", f"read {name}"))

    def getvar_all(self) -> dict[str, str]:
        """Every variable the phone lists for `getvar:all` (sent as INFO "name: value" lines)."""
        self.command("getvar:all", Text("lire les variables", "read the variables"))
        values: dict[str, str] = {}
        for line in self.info_lines:
            name, sep, value = line.partition(": ")
            if sep:
                values[name.strip()] = value.strip()
        return values

    def assert_var(self, name: str, allowed_values: Iterable[str]) -> str:
        """Checks that variable `name` is one of `allowed_values` (e.g. the profile's
        `product` codenames) before anything is written; returns the value.

        Raises BenchError FASTBOOT_WRONG_DEVICE otherwise (and FastbootFailed when the phone
        does not know the variable)."""
        allowed = list(allowed_values)
        value = self.getvar(name)
        if value not in allowed:
            raise BenchError(
                "FASTBOOT_WRONG_DEVICE",
                name=name,
                found=value,
                allowed=" / ".join(f"« {v} »" for v in allowed) or "—",
            )
        return value

    def max_download_size(self) -> int:
        """How many bytes the phone takes in one download."""
        value = self.getvar("max-download-size")
        try:
            return _hex_or_int(value)
        except ValueError:
            self._garbled(Text("lire max-download-size", "read max-download-size"), value)
            raise  # pragma: no cover - _garbled always raises

    # ---- downloads and flashing -----------------------------------------------------------
    def download(
        self,
        data: bytes | str | os.PathLike[str],
        progress: Progress | None = None,
    ) -> None:
        """Sends bytes, or a whole file, into the phone's download buffer."""
        if isinstance(data, bytes):
            self._download([data], len(data), progress, Text("envoyer", "send"))
            return
        with self._open_image(data) as mapped:
            self._download(
                [FileRegion(mapped.fd, 0, mapped.size)] if mapped.fd is not None else [],
                mapped.size,
                progress,
                Text("envoyer", "send"),
            )

    def _download(
        self, parts: Iterable[Part], total: int, progress: Progress | None, what: Text
    ) -> None:
        if not 0 < total <= 0xFFFFFFFF:
            raise ValueError(f"cannot download {total} bytes")
        command = f"download:{total:08x}"
        self.info_lines = []
        self._send(command, what)
        answer = self._reply(command, what, COMMAND_TIMEOUT)
        if not answer.startswith("DATA"):
            self._garbled(what, f"{answer!r} instead of DATA")
        try:
            ready = int(answer[4:], 16)
        except ValueError:
            ready = -1
        if ready != total:
            self._garbled(what, f"the phone expects {answer[4:]!r} bytes, not {total:08x}")
        try:
            self.transport.send_data(total, parts, progress)
        except (TransportGone, TransportTimeout) as exc:
            raise FastbootGone(self._where(what), str(exc)) from exc
        self._reply(command, what, FLASH_TIMEOUT)

    def _open_image(self, path: str | os.PathLike[str]) -> MappedFile:
        try:
            mapped = MappedFile(path)
        except OSError as exc:
            raise BenchError(
                "FASTBOOT_IMAGE_INVALID", path=str(path), detail=exc.strerror or str(exc)
            ) from exc
        if mapped.size == 0:
            mapped.close()
            raise BenchError("FASTBOOT_IMAGE_INVALID", path=str(path), detail="empty file")
        return mapped

    def resolve_slots(self, partition: str, slot: str | None) -> list[str]:
        """The partition names to write: `boot` → `boot_a` on an A/B phone (its current slot,
        or `slot`; "all" for both), as the real fastboot does."""
        if slot is not None and slot != "all":
            return [f"{partition}_{slot}"]
        try:
            has_slot = self.getvar(f"has-slot:{partition}") == "yes"
        except FastbootFailed:
            has_slot = False  # older bootloaders do not know has-slot: no slots then
        if not has_slot:
            return [partition]
        if slot == "all":
            count = _hex_or_int(self.getvar("slot-count"))
            return [f"{partition}_{chr(ord('a') + i)}" for i in range(count)]
        return [f"{partition}_{self.getvar('current-slot').removeprefix('_')}"]

    def flash(
        self,
        partition: str,
        path: str | os.PathLike[str],
        progress: Progress | None = None,
        slot: str | None = None,
    ) -> None:
        """Writes an image file (raw or sparse) to a partition.

        A file larger than the phone's max-download-size is turned into sparse pieces that
        each fit (a raw file first becomes a sparse image: uniform blocks as FILL), each sent
        and flashed in turn. A sparse file is checked whole before anything is sent.
        `progress(sent, total)` counts the bytes sent over all pieces and slots.
        """
        with self._open_image(path) as mapped:
            sparse = is_sparse(mapped.view[:4])
            try:
                image = SparseImage.parse(mapped) if sparse else None
            except SparseFormatError as exc:
                raise BenchError("FASTBOOT_IMAGE_INVALID", path=str(path), detail=str(exc)) from exc
            limit = self.max_download_size()
            pieces: list[tuple[list[Part], int]]
            if mapped.size <= limit and mapped.fd is not None:
                pieces = [([FileRegion(mapped.fd, 0, mapped.size)], mapped.size)]
            else:
                if image is None:
                    image = SparseImage.from_raw(mapped)
                try:
                    split = image.split(limit)
                except SparseFormatError as exc:
                    self._garbled(Text("découper l’image", "split the image"), str(exc))
                    raise  # pragma: no cover
                pieces = [(list(p.parts()), p.encoded_size()) for p in split]
            names = self.resolve_slots(partition, slot)
            grand_total = sum(size for _, size in pieces) * len(names)
            done = 0
            for name in names:
                what = Text(f"flasher {name}", f"flash {name}")
                for parts, size in pieces:

                    def overall(sent: int, _total: int, base: int = done) -> None:
                        if progress is not None:
                            progress(base + sent, grand_total)

                    self._download(parts, size, overall, what)
                    self.info_lines = []
                    self._send(f"flash:{name}", what)
                    self._reply(f"flash:{name}", what, FLASH_TIMEOUT)
                    done += size

    def erase(self, partition: str) -> None:
        """Erases a partition."""
        self.command(
            f"erase:{partition}", Text(f"effacer {partition}", f"erase {partition}"), FLASH_TIMEOUT
        )

    def format(
        self,
        partition: str,
        fs_type: str | None = None,
        size: int | None = None,
        progress: Progress | None = None,
    ) -> None:
        """Puts an empty file system on a partition, built here as the real client does.

        The type and size default to the phone's `partition-type:` and `partition-size:`.
        ext4 is made with `mkfs.ext4` on a sparse temporary file; only its written blocks are
        sent (the holes are "don't care"), after an erase so the rest reads back blank. f2fs
        needs `mkfs.f2fs` (f2fs-tools) on the station; other types are refused.
        """
        fs_type = fs_type or self.getvar(f"partition-type:{partition}")
        if size is None:
            size = _hex_or_int(self.getvar(f"partition-size:{partition}"))
        tools = {"ext4": ("mkfs.ext4", ["-F", "-q", "-b", "4096", "-E", "nodiscard"])}
        tools["f2fs"] = ("mkfs.f2fs", ["-f", "-q"])
        if fs_type not in tools:
            raise BenchError(
                "FASTBOOT_FORMAT_UNSUPPORTED",
                fs_type=fs_type,
                partition=partition,
                detail="only ext4 and f2fs can be made",
            )
        program, options = tools[fs_type]
        binary = shutil.which(program) or shutil.which(program, path="/usr/sbin:/sbin")
        if binary is None:
            raise BenchError(
                "FASTBOOT_FORMAT_UNSUPPORTED",
                fs_type=fs_type,
                partition=partition,
                detail=f"{program} is not installed",
            )
        with tempfile.TemporaryDirectory(prefix="etabli-format-") as folder:
            image_path = Path(folder) / f"{partition}.img"
            with open(image_path, "wb") as f:
                f.truncate(size)
            made = subprocess.run(
                [binary, *options, str(image_path)], capture_output=True, text=True, check=False
            )
            if made.returncode != 0:
                raise BenchError(
                    "FASTBOOT_FORMAT_UNSUPPORTED",
                    fs_type=fs_type,
                    partition=partition,
                    detail=(made.stderr or made.stdout).strip()[:200],
                )
            sparse_path = Path(folder) / f"{partition}.simg"
            with MappedFile(image_path) as mapped:
                SparseImage.from_raw(mapped, skip_holes=True).write(sparse_path)
            self.erase(partition)
            self.flash(partition, sparse_path, progress)

    # ---- slots, reboots, unlocking --------------------------------------------------------
    def set_active(self, slot: str) -> None:
        """Makes slot `slot` ("a" or "b") the one the phone boots next."""
        self.command(f"set_active:{slot}", Text(f"activer le slot {slot}", f"activate slot {slot}"))

    def reboot(self, target: str | None = None) -> None:
        """Reboots to Android (None), "bootloader", "recovery" or "fastboot" (fastbootd),
        then closes the link. A phone that drops the link instead of answering counts as
        rebooted."""
        if target not in REBOOT_COMMANDS:
            raise ValueError(f"unknown reboot target {target!r}")
        command = REBOOT_COMMANDS[target]
        try:
            self.command(command, Text("redémarrer", "reboot"))
        except FastbootGone:
            pass  # some bootloaders reboot before their OKAY reaches the host
        finally:
            self.transport.close()

    def flashing_unlock(self, timeout: float = OPERATOR_TIMEOUT) -> None:
        """`flashing unlock`: the phone asks the operator on its screen (volume keys, power);
        its INFO lines are passed on while it waits, for up to `timeout` seconds."""
        self.command(
            "flashing unlock",
            Text("déverrouiller le chargeur de démarrage", "unlock the bootloader"),
            timeout,
            operator=True,
        )

    def oem_unlock(self, code: str | None = None, timeout: float = OPERATOR_TIMEOUT) -> None:
        """`oem unlock` (older phones), with the maker's unlock code when it needs one."""
        self.command(
            "oem unlock" + (f" {code}" if code else ""),
            Text("déverrouiller le chargeur de démarrage", "unlock the bootloader"),
            timeout,
            operator=True,
        )

    def close(self) -> None:
        self.transport.close()

    def __enter__(self) -> FastbootClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
