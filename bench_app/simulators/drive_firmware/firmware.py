"""A simulated drive firmware: the outside world for the drive code, in tests and training.

`SimulatedAtaDrive` and `SimulatedNvmeDrive` are callables `run(argv)` answering `smartctl`,
`hdparm` and `nvme` command lines the way the real programs do (text or JSON on stdout,
messages on stderr, the same exit codes) for one drive whose state they keep: ATA security
(password, enabled, locked, frozen, attempts left), a sanitize running over a few status
reads, the Host Protected Area, a short self-test. When an erase, sanitize or format
completes, the backing image file is really overwritten: zeros, or `CRYPTO_PATTERN` for a
cryptographic erase (the data becomes unreadable, not zero), so it can be read back.

The bench parses these answers with its real parsers and drives them with its real purge
logic; only the drive is simulated. The layouts follow hdparm 9.65, smartctl 7.3 and
nvme-cli 2.3; the answers a simulated drive starts from are in answers/ (see its README).
"""

from __future__ import annotations

import copy
import json
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench_app.jobs.process import ProcessResult

ANSWERS = Path(__file__).resolve().parent / "answers"
CRYPTO_PATTERN = b"\xa5"  # what a cryptographically erased block reads back as, here
_EIO, _EINVAL, _EPERM = 5, 22, 1


def load_answer(name: str) -> Any:
    """One of the simulator's own answers, from answers/ (JSON parsed, text as is)."""
    path = ANSWERS / name
    text = path.read_text()
    return json.loads(text) if path.suffix == ".json" else text


class _Drive:
    """What both kinds of drive share: the image, the call log, smartctl."""

    def __init__(self, device: str, image: Path, smart: dict[str, Any]) -> None:
        self.device = device
        self.image = image
        self.smart = smart
        self.calls: list[list[str]] = []
        self.self_test_polls = 0  # status reads left before a running self-test ends
        self.self_test_fails = False
        self._lock = threading.Lock()

    def __call__(self, argv: Sequence[str], timeout: float | None = None) -> ProcessResult:
        args = list(argv)
        with self._lock:
            self.calls.append(args)
            if self.device not in args:
                wanted = next((a for a in args if a.startswith("/dev/")), args[-1])
                return self._answer(args, 2, "", f"{wanted}: No such file or directory\n")
            program = args[0]
            if program == "smartctl":
                return self._smartctl(args)
            return self._program(args)

    def _program(self, args: list[str]) -> ProcessResult:
        return self._answer(args, 127, "", f"{args[0]}: command not found\n")

    @staticmethod
    def _answer(args: list[str], code: int, out: str, err: str = "") -> ProcessResult:
        return ProcessResult(tuple(args), code, out, err)

    def fill(self, pattern: bytes) -> None:
        """The erase itself: every byte of the backing image becomes `pattern`."""
        size = self.image.stat().st_size
        chunk = pattern * (65536 // len(pattern))
        with self.image.open("r+b") as handle:
            written = 0
            while written < size:
                part = chunk[: size - written]
                handle.write(part)
                written += len(part)

    # smartctl ------------------------------------------------------------------------------

    def _smartctl(self, args: list[str]) -> ProcessResult:
        if "-t" in args:
            self.self_test_polls = 2
            data = self._smart_head(args, 0)
            data["ata_smart_data"] = {"self_test": {"polling_minutes": {"short": 2}}}
            return self._answer(args, 0, json.dumps(data))
        if "-c" in args:
            return self._answer(args, 0, json.dumps(self._self_test_answer(args)))
        data = copy.deepcopy(self.smart)
        data.setdefault("smartctl", {})["argv"] = args
        return self._answer(args, int(data["smartctl"].get("exit_status", 0)), json.dumps(data))

    def _smart_head(self, args: list[str], code: int) -> dict[str, Any]:
        return {
            "json_format_version": [1, 0],
            "smartctl": {"version": [7, 3], "argv": args, "exit_status": code},
            "device": copy.deepcopy(self.smart.get("device", {})),
        }

    def _self_test_answer(self, args: list[str]) -> dict[str, Any]:
        data = self._smart_head(args, 0)
        log = copy.deepcopy(self.smart.get("ata_smart_self_test_log", {"standard": {"table": []}}))
        table = log.setdefault("standard", {}).setdefault("table", [])
        if self.self_test_polls > 0:
            self.self_test_polls -= 1
            remaining = 90 if self.self_test_polls else 10
            status = {
                "value": 240 + remaining // 10,
                "string": f"in progress, {remaining}% remaining",
                "remaining_percent": remaining,
            }
        else:
            failed = self.self_test_fails
            status = {"value": 0, "string": "completed without error", "passed": True}
            entry = {
                "type": {"value": 1, "string": "Short offline"},
                "status": {
                    "value": 7 if failed else 0,
                    "passed": not failed,
                    "string": "Completed: read failure" if failed else "Completed without error",
                },
                "lifetime_hours": 4214,
            }
            table.insert(0, entry)
        data["ata_smart_data"] = {"self_test": {"status": status, "polling_minutes": {"short": 2}}}
        data["ata_smart_self_test_log"] = log
        return data


class SimulatedAtaDrive(_Drive):
    """A SATA drive as hdparm and smartctl see it."""

    def __init__(
        self,
        image: Path,
        *,
        device: str = "/dev/sda",
        model: str = "CT500MX500SSD1",
        serial: str = "2117E59A3C1D",
        firmware: str = "M3CR046",
        rotation_rate: int = 0,
        sanitize: Sequence[str] = ("crypto", "block"),
        enhanced_erase: bool = True,
        erase_minutes: int = 2,
        frozen: bool = False,
        sanitize_frozen: bool = False,
        native_sectors: int = 976773168,
        visible_sectors: int | None = None,
        dco_real_sectors: int | None = None,
        sanitize_polls: int = 3,
        smart: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(device, image, smart or load_answer("smartctl/sata_ssd_healthy.json"))
        self.model, self.serial, self.firmware = model, serial, firmware
        self.rotation_rate = rotation_rate
        self.sanitize = set(sanitize)
        self.enhanced_erase = enhanced_erase
        self.erase_minutes = erase_minutes
        self.frozen = frozen
        self.sanitize_frozen = sanitize_frozen
        self.native_sectors = native_sectors
        self.visible_sectors = visible_sectors if visible_sectors is not None else native_sectors
        self.dco_real_sectors = dco_real_sectors or native_sectors
        self.sanitize_polls = sanitize_polls
        self.password: str | None = None
        self.locked = False
        self.attempts = 5
        self.hpa_changed = False  # one permanent -N per power cycle
        self.sanitize_state = "idle"  # idle | running | failed
        self.sanitize_left = 0
        self.sanitize_ok = False
        self.sanitize_fails = False  # the next sanitize ends in failure
        self.erase_fails = False  # the next security erase is refused
        self.pending_erase: bytes | None = None

    @property
    def security_enabled(self) -> bool:
        return self.password is not None

    def power_cycle(self) -> None:
        """Power off and on (or suspend and resume): unfrozen, locked if a password is set."""
        self.frozen = False
        self.sanitize_frozen = False
        self.locked = self.security_enabled
        self.attempts = 5
        self.hpa_changed = False

    # hdparm --------------------------------------------------------------------------------

    def _program(self, args: list[str]) -> ProcessResult:
        if args[0] != "hdparm":
            return super()._program(args)
        options = args[1:-1]
        header = f"\n{self.device}:\n"
        if options == ["-I"]:
            return self._answer(args, 0, header + self.identify_text())
        if options == ["-N"]:
            return self._answer(args, 0, header + self._max_sectors_line())
        if options == ["--dco-identify"]:
            return self._answer(args, 0, header + self._dco_text())
        if options == ["--sanitize-status"]:
            return self._sanitize_status(args, header)
        if "-N" in options:
            return self._set_max(args, options, header)
        if any(o.startswith("--sanitize-") for o in options):
            return self._sanitize_start(args, options, header)
        if any(o.startswith("--security-") for o in options):
            return self._security(args, options, header)
        return self._answer(args, _EINVAL, "", "unknown flag\n")

    def identify_text(self) -> str:
        """`hdparm -I`, laid out as hdparm 9.65 prints it."""
        size = self.visible_sectors * 512
        rotation = "Solid State Device" if self.rotation_rate == 0 else str(self.rotation_rate)
        features = ["SMART feature set", "Security Mode feature set", "48-bit Address feature set"]
        if self.sanitize:
            features.append("SANITIZE feature set")
        names = {
            "crypto": "CRYPTO_SCRAMBLE_EXT command",
            "overwrite": "OVERWRITE_EXT command",
            "block": "BLOCK_ERASE_EXT command",
        }
        features += [
            names[action] for action in ("crypto", "overwrite", "block") if action in self.sanitize
        ]
        if self.rotation_rate == 0:
            features.append("Data Set Management TRIM supported (limit 8 blocks)")
        lines = [
            "ATA device, with non-removable media",
            f"\tModel Number:       {self.model:<40}",
            f"\tSerial Number:      {self.serial}",
            f"\tFirmware Revision:  {self.firmware}",
            "Configuration:",
            "\tLBA    user addressable sectors:   268435455",
            f"\tLBA48  user addressable sectors:  {self.visible_sectors:>10}",
            "\tLogical  Sector size:                   512 bytes",
            "\tPhysical Sector size:                  4096 bytes",
            f"\tdevice size with M = 1000*1000:     {size // 1000000:>7} MBytes",
            f"\tNominal Media Rotation Rate: {rotation}",
            "Commands/features:",
            "\tEnabled\tSupported:",
            *[f"\t   *\t{name}" for name in features],
            "Security: ",
            "\tMaster password revision code = 65534",
            "\t\tsupported",
            self._flag("enabled", self.security_enabled),
            self._flag("locked", self.locked),
            self._flag("frozen", self.frozen),
            self._flag("expired: security count", self.attempts == 0),
            self._flag("supported: enhanced erase", self.enhanced_erase),
        ]
        if self.security_enabled:
            lines.append("\tSecurity level high")
        times = f"{self.erase_minutes}min for SECURITY ERASE UNIT."
        if self.enhanced_erase:
            times += f" {self.erase_minutes}min for ENHANCED SECURITY ERASE UNIT."
        lines += [f"\t{times}", "Checksum: correct", ""]
        return "\n".join(lines)

    @staticmethod
    def _flag(word: str, on: bool) -> str:
        return f"\t\t{word}" if on else f"\tnot\t{word}"

    def _max_sectors_line(self) -> str:
        state = "enabled" if self.visible_sectors < self.native_sectors else "disabled"
        return f" max sectors   = {self.visible_sectors}/{self.native_sectors}, HPA is {state}\n"

    def _dco_text(self) -> str:
        return (
            "DCO Checksum verified.\nDCO Revision: 0x0002\n"
            "The following features can be selectively disabled via DCO:\n"
            "\tTransfer modes:\n\t\t mdma0 mdma1 mdma2\n\t\t udma0 udma1 udma2 udma3 udma4 udma5 udma6\n"
            f"\tReal max sectors: {self.dco_real_sectors}\n"
            "\tATA command/feature sets:\n\t\t SMART self_test error_log security HPA 48_bit\n"
            "\tSATA command/feature sets:\n\t\t NCQ SSP\n"
        )

    def _set_max(self, args: list[str], options: list[str], header: str) -> ProcessResult:
        value = options[options.index("-N") + 1]
        permanent = value.startswith("p")
        sectors = int(value.lstrip("p"))
        if sectors < self.visible_sectors and "--yes-i-know-what-i-am-doing" not in options:
            return self._answer(args, _EPERM, header, "Use of -Nnnnnn is VERY DANGEROUS.\n")
        if permanent and self.hpa_changed:
            return self._answer(
                args, _EIO, header, " SET_MAX_ADDRESS_EXT failed: Input/output error\n"
            )
        self.visible_sectors = min(sectors, self.native_sectors)
        self.hpa_changed = self.hpa_changed or permanent
        kind = "permanent" if permanent else "temporary"
        out = f"{header} setting max visible sectors to {sectors} ({kind})\n{self._max_sectors_line()}"
        return self._answer(args, 0, out)

    def _security(self, args: list[str], options: list[str], header: str) -> ProcessResult:
        command = next(o for o in options if o.startswith("--security-"))
        password = options[options.index(command) + 1]
        name = {
            "--security-set-pass": "SECURITY_SET_PASS",
            "--security-disable": "SECURITY_DISABLE",
            "--security-unlock": "SECURITY_UNLOCK",
            "--security-erase": "SECURITY_ERASE",
            "--security-erase-enhanced": "SECURITY_ERASE",
        }[command]
        out = f'security_password: "{password}"\n{header} Issuing {name} command, password="{password}", user=user\n'
        if self.frozen or self.attempts == 0:
            return self._answer(args, _EIO, out, f"{name}: Input/output error\n")
        if command == "--security-set-pass":
            if self.locked:
                return self._answer(args, _EIO, out, f"{name}: Input/output error\n")
            self.password = password
            return self._answer(args, 0, out)
        if password != self.password:
            self.attempts -= 1
            failing = "SECURITY_UNLOCK" if command == "--security-disable" else name
            return self._answer(args, _EIO, out, f"{failing}: Input/output error\n")
        if command == "--security-unlock":
            self.locked = False
            return self._answer(args, 0, out)
        if command == "--security-disable":
            self.password, self.locked = None, False
            return self._answer(args, 0, out)
        if self.erase_fails:
            return self._answer(args, _EIO, out, f"{name}: Input/output error\n")
        self.fill(b"\x00")
        self.password, self.locked = None, False
        return self._answer(args, 0, out)

    def _sanitize_start(self, args: list[str], options: list[str], header: str) -> ProcessResult:
        if "--yes-i-know-what-i-am-doing" not in options:
            return self._answer(
                args,
                _EPERM,
                header,
                "Use of --sanitize is VERY DANGEROUS.\nThis sanitize command destroys all user data.\n"
                "Please supply the --yes-i-know-what-i-am-doing flag if you really want this.\n"
                "Program aborted.\n",
            )
        if not self.sanitize:
            return self._answer(args, _EINVAL, header, "SANITIZE feature set is not supported\n")
        action = {
            "--sanitize-crypto-scramble": "crypto",
            "--sanitize-block-erase": "block",
            "--sanitize-overwrite": "overwrite",
        }
        chosen = next(action[o] for o in options if o in action)
        name = {
            "crypto": "SANITIZE_CRYPTO_SCRAMBLE",
            "block": "SANITIZE_BLOCK_ERASE",
            "overwrite": "SANITIZE_OVERWRITE",
        }[chosen]
        out = f"{header}Issuing {name} command\n"
        if self.sanitize_frozen:
            return self._answer(
                args,
                _EIO,
                out,
                "SANITIZE failed: Input/output error\n"
                "SANITIZE device error reason: Device in FROZEN state\n",
            )
        if chosen not in self.sanitize:
            return self._answer(
                args,
                _EIO,
                out,
                "SANITIZE failed: Input/output error\n"
                "SANITIZE device error reason: Unsupported command\n",
            )
        self.sanitize_state, self.sanitize_left = "running", self.sanitize_polls
        self.pending_erase = CRYPTO_PATTERN if chosen == "crypto" else b"\x00"
        out += (
            "Operation started in background\nYou may use `--sanitize-status` to check progress\n"
        )
        return self._answer(args, 0, out)

    def _sanitize_status(self, args: list[str], header: str) -> ProcessResult:
        out = f"{header}Issuing SANITIZE_STATUS command\n"
        if self.sanitize_state == "running":
            self.sanitize_left -= 1
            if self.sanitize_left <= 0:
                self._end_sanitize()
            else:
                done = (self.sanitize_polls - self.sanitize_left) / self.sanitize_polls
                word = int(done * 0xFFFF)
                out += (
                    "Sanitize status:\n    State:    SD2 Sanitize operation In Process\n"
                    f"    Progress: 0x{word:x} ({100 * (word + 1) // 0xFFFF}%)\n"
                )
                return self._answer(args, 0, out)
        if self.sanitize_state == "failed":
            return self._answer(
                args,
                _EIO,
                out,
                "SANITIZE failed: Input/output error\n"
                "SANITIZE device error reason: Last Sanitize Command completed unsuccessfully\n"
                "Drive in SD3 Sanitize Operation Failed state\n",
            )
        out += "Sanitize status:\n    State:    SD0 Sanitize Idle\n"
        if self.sanitize_ok:
            out += "    Last Sanitize Operation Completed Without Error\n"
        return self._answer(args, 0, out)

    def _end_sanitize(self) -> None:
        if self.sanitize_fails:
            self.sanitize_state, self.sanitize_ok = "failed", False
            return
        assert self.pending_erase is not None
        self.fill(self.pending_erase)
        self.sanitize_state, self.sanitize_ok = "idle", True


class SimulatedNvmeDrive(_Drive):
    """An NVMe drive as nvme-cli and smartctl see it."""

    def __init__(
        self,
        image: Path,
        *,
        device: str = "/dev/nvme0n1",
        id_ctrl: dict[str, Any] | None = None,
        sanitize_polls: int = 3,
        smart: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(device, image, smart or load_answer("smartctl/nvme_worn.json"))
        self.id_ctrl = id_ctrl or load_answer("nvme/id_ctrl_sanitize.json")
        self.sanitize_polls = sanitize_polls
        self.status = 0  # SSTAT bits 2:0, as in the sanitize log
        self.sprog = 0xFFFF
        self.left = 0
        self.cdw10 = 0
        self.global_erased = 0
        self.sanitize_fails = False
        self.format_fails = False

    def _program(self, args: list[str]) -> ProcessResult:
        if args[0] != "nvme":
            return super()._program(args)
        command = args[1]
        if command == "id-ctrl":
            return self._answer(args, 0, json.dumps(self.id_ctrl, indent=2))
        if command == "sanitize-log":
            return self._answer(args, 0, json.dumps(self._log(), indent=2))
        if command == "sanitize":
            return self._sanitize(args)
        if command == "format":
            return self._format(args)
        return self._answer(args, _EINVAL, "", f"unknown command {command}\n")

    def _option(self, args: list[str], name: str) -> str | None:
        for arg in args:
            if arg.startswith(f"--{name}="):
                return arg.split("=", 1)[1]
        return None

    def _sanitize(self, args: list[str]) -> ProcessResult:
        sanact = int(self._option(args, "sanact") or 0)
        sanicap = int(self.id_ctrl.get("sanicap", 0))
        bit = {2: 1, 3: 2, 4: 0}.get(sanact)
        if bit is None or not sanicap >> bit & 1:
            return self._answer(
                args,
                _EINVAL,
                "",
                "NVMe status: INVALID_FIELD: A reserved coded value "
                "or an unsupported value in a defined field(0x4002)\n",
            )
        if self.status == 2:
            return self._answer(
                args,
                _EINVAL,
                "",
                "NVMe status: SANITIZE_IN_PROGRESS: The requested "
                "function is prohibited while a sanitize operation is in progress(0x1d)\n",
            )
        self.status, self.sprog, self.left, self.cdw10 = 2, 0, self.sanitize_polls, sanact
        return self._answer(args, 0, "")

    def _log(self) -> dict[str, Any]:
        if self.status == 2:
            self.left -= 1
            if self.left <= 0:
                self._end_sanitize()
            else:
                done = (self.sanitize_polls - self.left) / self.sanitize_polls
                self.sprog = int(done * 65536)
        texts = {
            0: "NVM Subsystem has never been sanitized.",
            1: "Most Recent Sanitize Command Completed Successfully.",
            2: "Sanitize in Progress.",
            3: "Most Recent Sanitize Command Failed.",
        }
        name = self.device.rsplit("/", 1)[-1]
        return {
            name: {
                "sprog": self.sprog,
                "sstat": {
                    "global_erased": self.global_erased,
                    "no_cmplted_passes": 0,
                    "status": f"({self.status}) {texts[self.status]}",
                },
                "cdw10_info": self.cdw10,
                "time_over_write": 0xFFFFFFFF,
                "time_block_erase": 22,
                "time_crypto_erase": 10,
                "time_over_write_no_dealloc": 0xFFFFFFFF,
                "time_block_erase_no_dealloc": 0xFFFFFFFF,
                "time_crypto_erase_no_dealloc": 0xFFFFFFFF,
            }
        }

    def _end_sanitize(self) -> None:
        self.sprog = 0xFFFF
        if self.sanitize_fails:
            self.status, self.global_erased = 3, 0
            return
        self.fill(CRYPTO_PATTERN if self.cdw10 == 4 else b"\x00")
        self.status, self.global_erased = 1, 1

    def _format(self, args: list[str]) -> ProcessResult:
        if "--force" not in args:
            return self._answer(
                args,
                1,
                f"You are about to format {self.device}, namespace 0x1.\n"
                "Press Ctrl-C to cancel, or wait 10 seconds...\n",
                "no terminal to confirm\n",
            )
        ses = int(self._option(args, "ses") or 0)
        oacs, fna = int(self.id_ctrl.get("oacs", 0)), int(self.id_ctrl.get("fna", 0))
        if not oacs >> 1 & 1:
            return self._answer(
                args,
                _EINVAL,
                "",
                "NVMe status: INVALID_OPCODE: The associated command "
                "opcode field is not valid(0x4001)\n",
            )
        if (ses == 2 and not fna >> 2 & 1) or self.format_fails:
            return self._answer(
                args,
                _EINVAL,
                "",
                "NVMe status: INVALID_FORMAT: The LBA Format specified is not supported(0x410a)\n",
            )
        if ses:
            self.fill(CRYPTO_PATTERN if ses == 2 else b"\x00")
        return self._answer(args, 0, "Success formatting namespace:1\n")
