"""The simulated phone's `sh`: a small interpreter over the persona's data.

Only what a refurbishing bench asks a phone is implemented; anything else answers like
Android's mksh does for a missing program (`/system/bin/sh: X: not found`, status 127).
"""

from __future__ import annotations

import hashlib
import io
import itertools
import os
import re
import shlex
import threading
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field

from bench_app.simulators.adb_phone.filesystem import FsError, MemoryFs, normalise
from bench_app.simulators.adb_phone.persona import Persona

SHELL_ID = (
    "uid=2000(shell) gid=2000(shell) groups=2000(shell),1004(input),1007(log),1011(adb),"
    "1015(sdcard_rw),1028(sdcard_r),1078(ext_data_rw),1079(ext_obb_rw),3001(net_bt_admin),"
    "3002(net_bt),3003(inet),3006(net_bw_stats),3009(readproc),3011(uhid) context=u:r:shell:s0"
)
ROOT_ID = "uid=0(root) gid=0(root) groups=0(root) context=u:r:magisk:s0"
SU_PATH = "/system/xbin/su"
REBOOT_TARGETS = ("", "bootloader", "recovery", "sideload", "fastboot")
# What `tradeinmode evaluate` asks of the daemon: adbd restarts (connections drop) and comes
# back with a full shell. Never a reboot target a host can name.
RESTART_ADBD = "<adbd restart>"
TRADE_IN_SDK = 36  # trade-in mode came with Android 16
# The trade-in states of adbd, as `persist.adb.tradeinmode` tells them.
FOYER, EVALUATION = "foyer", "evaluation"
TRADE_IN_PROP = {"": "0", FOYER: "1", EVALUATION: "2"}


# What a factory reset leaves in the account and device-policy dumps.
_ACCOUNT_LINE = re.compile(r"^\s+Account \{.*\}\s*$")
_HISTORY_LINE = re.compile(r"^\s+-?\d+,action_")
CLEAN_DEVICE_POLICY = (
    "Current Device Policy Manager state:\n"
    "  Device state cache:\n"
    "    Device owner type: -1\n"
    "    Has device owner: false\n"
    "\n"
    "  Enabled Device Admins (User 0, provisioningState: 0):\n"
    "\n"
    "    mPasswordOwner=-1\n"
)


@dataclass
class PhoneState:
    """What a running simulated phone remembers between commands: settings, storage, the
    dumps a reset changes, and the mode it runs in (android, recovery, sideload, bootloader)."""

    persona: Persona
    fs: MemoryFs = field(init=False)
    settings: dict[str, dict[str, str]] = field(init=False)
    texts: dict[str, str] = field(init=False)
    reboot_target: str | None = None
    mode: str = "android"
    wipes: int = 0  # factory resets done since the simulator started
    # "" (no trade-in mode), FOYER (setup screen: only `tradeinmode` runs, no key asked) or
    # EVALUATION (`tradeinmode evaluate` was run: a full shell, no key asked).
    trade_in: str = ""
    installed_apps: set[str] = field(default_factory=set)  # what `pm install` added
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        files = {p: t.encode() for p, t in self.persona.files.items()}
        files.setdefault("/proc/meminfo", self.persona.texts["meminfo"].encode())
        self.fs = MemoryFs(files)
        self.settings = {ns: dict(v) for ns, v in self.persona.settings.items()}
        self.texts = dict(self.persona.texts)

    def wipe_data(self, *, keep_adb: bool, trade_in: bool = False) -> None:
        """A factory reset: userdata is a fresh filesystem, accounts and device owner are
        gone, the setup wizard starts again, and a new Android ID is drawn. `keep_adb`:
        USB debugging stays on (userdebug builds); stock phones turn it off. `trade_in`:
        an Android 16 phone whose setup screen starts adbd in trade-in mode again."""
        fresh = MemoryFs({"/proc/meminfo": self.persona.texts["meminfo"].encode()})
        with self.lock:
            self.fs = fresh
            secure = self.settings.setdefault("secure", {})
            glob = self.settings.setdefault("global", {})
            secure["user_setup_complete"] = "0"
            secure["android_id"] = os.urandom(8).hex()
            glob["device_provisioned"] = "0"
            glob["adb_enabled"] = "1" if keep_adb or trade_in else "0"
            self.trade_in = FOYER if trade_in else ""
            glob.pop("development_settings_enabled", None)
            self.settings["system"] = {
                k: v for k, v in self.settings.get("system", {}).items() if k == "screen_brightness"
            }
            self.texts["accounts"] = _without_accounts(self.texts["accounts"])
            if re.search(r"Has device owner: true|Device Owner:", self.texts["device_policy"]):
                self.texts["device_policy"] = CLEAN_DEVICE_POLICY
            self.installed_apps = set()  # a reset removes the apps the user added
            self.wipes += 1


def _without_accounts(text: str) -> str:
    lines = [
        line
        for line in text.splitlines()
        if not _ACCOUNT_LINE.match(line) and not _HISTORY_LINE.match(line)
    ]
    return re.sub(r"Accounts: \d+", "Accounts: 0", "\n".join(lines)) + "\n"


@dataclass
class ShellResult:
    output: bytes
    status: int
    reboot: str | None = None  # set when the command asked the phone to reboot
    restart_adbd: bool = False  # `tradeinmode evaluate`: the daemon restarts after replying


class _Exit(Exception):
    def __init__(self, status: int) -> None:
        self.status = status


def run_command(line: str, phone: PhoneState) -> ShellResult:
    """Runs one `adb shell` command line (`;`, `&&`, `||` and `2>/dev/null` are understood)."""
    out: list[str] = []
    status = 0
    reboot: str | None = None
    try:
        for op, command in _split(line):
            if (op == "&&" and status != 0) or (op == "||" and status == 0):
                continue
            text, status, wants_reboot = _run_simple(command, phone, status)
            out.append(text)
            if wants_reboot is not None:
                reboot = wants_reboot
                break
    except _Exit as exc:
        status = exc.status
    if reboot == RESTART_ADBD:
        return ShellResult("".join(out).encode("utf-8"), status, None, restart_adbd=True)
    return ShellResult("".join(out).encode("utf-8"), status, reboot)


def _split(line: str) -> list[tuple[str, str]]:
    """Splits on `;`, `&&`, `||` outside quotes; each part keeps the operator before it."""
    parts: list[tuple[str, str]] = []
    op, buf, quote, i = ";", "", "", 0
    while i < len(line):
        ch = line[i]
        if quote:
            quote = "" if ch == quote else quote
            buf += ch
        elif ch in "'\"":
            quote = ch
            buf += ch
        elif line.startswith(("&&", "||"), i):
            parts.append((op, buf))
            op, buf = line[i : i + 2], ""
            i += 1
        elif ch in ";\n":
            parts.append((op, buf))
            op, buf = ";", ""
        else:
            buf += ch
        i += 1
    parts.append((op, buf))
    return [(o, c.strip()) for o, c in parts if c.strip()]


def _run_simple(command: str, phone: PhoneState, last: int) -> tuple[str, int, str | None]:
    command = re.sub(r"\s*2>\s*/dev/null|\s*2>&1|\s*>\s*/dev/null", "", command)
    redirect = re.search(r"\s*(>>?)\s*([^\s>]+)\s*$", command)
    if redirect is not None:
        text, status, _ = _run_simple(command[: redirect.start()], phone, last)
        return _redirect(text, redirect.group(2), redirect.group(1) == ">>", phone, status)
    try:
        argv = shlex.split(command)
    except ValueError:
        return "/system/bin/sh: syntax error: unmatched quote\n", 1, None
    argv = [a.replace("$?", str(last)) for a in argv]
    if not argv:
        return "", last, None
    name, args = argv[0], argv[1:]
    if name == "exit":
        raise _Exit(int(args[0]) if args and args[0].isdigit() else last)
    if name == "reboot":
        target = args[0] if args else ""
        return "", 0, target if target in REBOOT_TARGETS else ""
    if name == "tradeinmode" and phone.persona.sdk >= TRADE_IN_SDK:
        return _tradeinmode(args, phone)
    handler = _COMMANDS.get(name)
    if handler is None:
        return f"/system/bin/sh: {name}: not found\n", 127, None
    text, status = handler(args, phone)
    return text, status, None


def _redirect(
    text: str, path: str, append: bool, phone: PhoneState, status: int
) -> tuple[str, int, str | None]:
    """`command > file` (or `>>`): the output goes to the phone's storage, as mksh does."""
    try:
        node = phone.fs.stat(path)
        before = phone.fs.read(path) if append and node is not None and not node.is_dir else b""
        phone.fs.write(path, before + text.encode(), 0o666, int(time.time()))
    except FsError as exc:
        return f"/system/bin/sh: can't create {path}: {exc}\n", 1, None
    return "", status, None


def _tradeinmode(args: list[str], phone: PhoneState) -> tuple[str, int, str | None]:
    """`tradeinmode [wait-until-ready] getstatus [-c CHALLENGE] | evaluate`: the status
    JSON, or evaluation mode (adbd restarts with a full shell; a reset at next boot)."""
    while args[:1] == ["wait-until-ready"]:  # the services are always ready here
        args = args[1:]
    verb = args[0] if args else ""
    if verb == "getstatus":
        status = phone.texts.get("tradein_status")
        if status is None:
            return "Error: trade-in status is not available on this device\n", 1, None
        return status, 0, None
    if verb == "evaluate":
        with phone.lock:
            if not phone.trade_in:
                return "Error: trade-in mode is not active\n", 1, None
            already = phone.trade_in == EVALUATION
            phone.trade_in = EVALUATION
        return "", 0, None if already else RESTART_ADBD
    return "Usage: tradeinmode [wait-until-ready] getstatus [-c CHALLENGE] | evaluate\n", 1, None


def _getprop(args: list[str], phone: PhoneState) -> tuple[str, int]:
    props = phone.persona.props
    if phone.trade_in:
        props = props | {"persist.adb.tradeinmode": TRADE_IN_PROP[phone.trade_in]}
    if phone.mode != "android":
        # The recovery runs its own init: Android never finished booting there.
        props = {
            k: v for k, v in props.items() if k not in ("sys.boot_completed", "dev.bootcomplete")
        }
        props["ro.bootmode"] = phone.mode
    if not args:
        return "".join(f"[{k}]: [{v}]\n" for k, v in sorted(props.items())), 0
    return props.get(args[0], args[1] if len(args) > 1 else "") + "\n", 0


def _dumpsys(args: list[str], phone: PhoneState) -> tuple[str, int]:
    texts = phone.texts
    services = {
        "battery": "battery",
        "account": "accounts",
        "device_policy": "device_policy",
        "sensorservice": "sensors",
        "media.camera": "camera",
    }
    if not args:
        return "Currently running services:\n" + "".join(f"  {s}\n" for s in services), 0
    key = services.get(args[0])
    if key is None:
        return f"Can't find service: {args[0]}\n", 0
    return texts[key], 0


def _pm(args: list[str], phone: PhoneState) -> tuple[str, int]:
    if args[:2] == ["list", "features"]:
        return phone.persona.texts["features"], 0
    if args[:1] == ["install"]:
        return _pm_install([a for a in args[1:] if not a.startswith("-")], phone)
    if args[:2] == ["list", "packages"]:
        with phone.lock:
            names = sorted(phone.installed_apps)
        return "".join(f"package:{n}\n" for n in names), 0
    return "Unknown command: " + " ".join(args[:1]) + "\n", 1


def _pm_install(paths: list[str], phone: PhoneState) -> tuple[str, int]:
    """`pm install FILE`: an APK is a zip holding AndroidManifest.xml; the simulator takes
    the package name from the file name (it does not parse binary manifests)."""
    if len(paths) != 1:
        return "Error: must specify one APK file\n", 1
    path = normalise(paths[0])
    if phone.fs.stat(path) is None:
        return f"Failure [INSTALL_FAILED_INVALID_URI: no file {path}]\n", 1
    try:
        with zipfile.ZipFile(io.BytesIO(phone.fs.read(path))) as apk:
            apk.getinfo("AndroidManifest.xml")
    except (KeyError, zipfile.BadZipFile):
        return "Failure [INSTALL_PARSE_FAILED_NOT_APK: not an APK]\n", 1
    with phone.lock:
        phone.installed_apps.add(path.rsplit("/", 1)[-1].removesuffix(".apk"))
    return "Success\n", 0


def _df(args: list[str], phone: PhoneState) -> tuple[str, int]:
    lines = phone.persona.texts["df"].splitlines()
    paths = [a for a in args if not a.startswith("-")]
    if not paths or len(lines) < 2:
        return phone.persona.texts["df"], 0
    header, rows = lines[0], lines[1:]
    chosen: list[str] = []
    for path in paths:
        path = normalise(path)
        best = max(
            (r for r in rows if _mounted_on(r, path)),
            key=lambda r: len(r.split()[-1]),
            default=None,
        )
        if best is None:
            return f"df: {path}: No such file or directory\n", 1
        chosen.append(best)
    return "\n".join([header, *chosen]) + "\n", 0


def _mounted_on(row: str, path: str) -> bool:
    mount = row.split()[-1]
    if path.startswith("/sdcard"):
        path = "/storage/emulated" + path[len("/sdcard") :]
    return path == mount or path.startswith(mount.rstrip("/") + "/")


def _cat(args: list[str], phone: PhoneState) -> tuple[str, int]:
    out, status = [], 0
    for path in args:
        try:
            out.append(phone.fs.read(path).decode("utf-8", "replace"))
        except FsError as exc:
            out.append(f"cat: {path}: {exc}\n")
            status = 1
    return "".join(out), status


def _which(args: list[str], phone: PhoneState) -> tuple[str, int]:
    found = {"su": SU_PATH} if phone.persona.rooted else {}
    found |= {
        "sh": "/system/bin/sh",
        "getprop": "/system/bin/getprop",
        "toybox": "/system/bin/toybox",
    }
    hits = [found[a] for a in args if a in found]
    return "".join(h + "\n" for h in hits), 0 if args and len(hits) == len(args) else 1


def _id(args: list[str], phone: PhoneState) -> tuple[str, int]:
    return SHELL_ID + "\n", 0


def _su(args: list[str], phone: PhoneState) -> tuple[str, int]:
    if not phone.persona.rooted:
        return "/system/bin/sh: su: not found\n", 127
    rest = args[1:] if args[:1] in (["-c"], ["0"], ["root"]) else args
    command = " ".join(rest)
    if not command:
        return "", 0
    if command.split()[0] == "id":
        return ROOT_ID + "\n", 0
    result = run_command(command, phone)
    return result.output.decode(), result.status


def _service(args: list[str], phone: PhoneState) -> tuple[str, int]:
    if args[:2] == ["call", "iphonesubinfo"]:
        if phone.persona.sdk >= 29:
            # Android 10 took device identifiers away from the shell user.
            return parcel_exception_reply(
                "getDeviceId: The user 2000 does not meet the requirements to access device identifiers."
            ), 0
        if args[2:3] == ["1"]:
            return parcel_string_reply(phone.persona.imei), 0
    if args[:1] == ["list"]:
        return "Found 3 services:\n0\tbattery: []\n1\tiphonesubinfo: []\n2\tdevice_policy: []\n", 0
    return f"service: Service {args[1] if len(args) > 1 else ''} does not exist\n", 0


def parcel_string_reply(text: str) -> str:
    """`service call` output for a Parcel holding status 0 then a UTF-16 string, as phones print."""
    return _parcel(0, text)


def parcel_exception_reply(message: str) -> str:
    """A Parcel carrying a SecurityException (status -1 then its message), as phones print."""
    return _parcel(0xFFFFFFFF, message)


def _parcel(status: int, text: str) -> str:
    data = bytearray(status.to_bytes(4, "little") + len(text).to_bytes(4, "little"))
    data += (text + "\0").encode("utf-16-le")
    while len(data) % 4:
        data += b"\0"
    rows = []
    for offset in range(0, len(data), 16):
        chunk = data[offset : offset + 16]
        words = [
            f"{int.from_bytes(chunk[i : i + 4], 'little'):08x}" for i in range(0, len(chunk), 4)
        ]
        hex_part = " ".join(words).ljust(35)
        chars = "".join(chr(b) if 32 <= b < 127 else "." for b in chunk).ljust(16)
        rows.append(f"  0x{offset:08x}: {hex_part} '{chars}'")
    return "Result: Parcel(\n" + "\n".join(rows) + ")\n"


def _settings(args: list[str], phone: PhoneState) -> tuple[str, int]:
    if len(args) >= 3 and args[0] == "get":
        with phone.lock:
            return phone.settings.get(args[1], {}).get(args[2], "null") + "\n", 0
    if len(args) >= 4 and args[0] == "put":
        with phone.lock:
            phone.settings.setdefault(args[1], {})[args[2]] = args[3]
        return "", 0
    if len(args) >= 3 and args[0] == "delete":
        with phone.lock:
            removed = phone.settings.get(args[1], {}).pop(args[2], None)
        return f"Deleted {1 if removed is not None else 0} rows\n", 0
    if len(args) >= 2 and args[0] == "list":
        with phone.lock:
            values = sorted(phone.settings.get(args[1], {}).items())
        return "".join(f"{k}={v}\n" for k, v in values), 0
    return "usage:  settings [--user <USER_ID> | current] get namespace key\n", 1


def _am(args: list[str], phone: PhoneState) -> tuple[str, int]:
    if not args or args[0] not in ("start", "start-activity"):
        return "", 0
    options = {"-a": "act", "-d": "dat", "-n": "cmp"}
    parts = [f"{options[a]}={b}" for a, b in itertools.pairwise(args) if a in options]
    return "Starting: Intent { " + " ".join(parts) + " }\n", 0


def _input(args: list[str], phone: PhoneState) -> tuple[str, int]:
    if args[:1] == ["keyevent"] and len(args) >= 2:
        return "", 0
    if args[:1] in (["tap"], ["text"], ["swipe"]):
        return "", 0
    return "Error: Unknown command: " + " ".join(args[:1]) + "\n", 1


def _wm(args: list[str], phone: PhoneState) -> tuple[str, int]:
    if args[:1] == ["size"]:
        return f"Physical size: {phone.persona.screen_size}\n", 0
    if args[:1] == ["density"]:
        return f"Physical density: {phone.persona.props.get('ro.sf.lcd_density', '440')}\n", 0
    return "", 0


def _echo(args: list[str], phone: PhoneState) -> tuple[str, int]:
    if args[:1] == ["-n"]:
        return " ".join(args[1:]), 0
    return " ".join(args) + "\n", 0


def _ls(args: list[str], phone: PhoneState) -> tuple[str, int]:
    paths = [a for a in args if not a.startswith("-")] or ["/"]
    out, status = [], 0
    for path in paths:
        node = phone.fs.stat(path)
        if node is None:
            out.append(f"ls: {path}: No such file or directory\n")
            status = 1
        elif node.is_dir:
            out.extend(name + "\n" for name, _ in phone.fs.list(path))
        else:
            out.append(path + "\n")
    return "".join(out), status


def _rm(args: list[str], phone: PhoneState) -> tuple[str, int]:
    force = any(a.startswith("-") and "f" in a for a in args)
    out, status = [], 0
    for path in (a for a in args if not a.startswith("-")):
        try:
            phone.fs.remove(path)
        except FsError as exc:
            if not force:
                out.append(f"rm: {path}: {exc}\n")
                status = 1
    return "".join(out), status


def _mkdir(args: list[str], phone: PhoneState) -> tuple[str, int]:
    for path in (a for a in args if not a.startswith("-")):
        try:
            phone.fs.mkdirs(path)
        except FsError as exc:
            return f"mkdir: '{path}': {exc}\n", 1
    return "", 0


def _digest(algorithm: str) -> Callable[[list[str], PhoneState], tuple[str, int]]:
    def run(args: list[str], phone: PhoneState) -> tuple[str, int]:
        out, status = [], 0
        for path in args:
            try:
                out.append(f"{hashlib.new(algorithm, phone.fs.read(path)).hexdigest()}  {path}\n")
            except FsError as exc:
                out.append(f"{algorithm}sum: {path}: {exc}\n")
                status = 1
        return "".join(out), status

    return run


_COMMANDS: dict[str, Callable[[list[str], PhoneState], tuple[str, int]]] = {
    "getprop": _getprop,
    "dumpsys": _dumpsys,
    "pm": _pm,
    "cmd": lambda args, phone: _pm(args[1:], phone) if args[:1] == ["package"] else ("", 0),
    "df": _df,
    "cat": _cat,
    "which": _which,
    "id": _id,
    "su": _su,
    "service": _service,
    "settings": _settings,
    "am": _am,
    "input": _input,
    "wm": _wm,
    "echo": _echo,
    "true": lambda args, phone: ("", 0),
    "false": lambda args, phone: ("", 1),
    "ls": _ls,
    "rm": _rm,
    "mkdir": _mkdir,
    "md5sum": _digest("md5"),
    "sha1sum": _digest("sha1"),
    "sha256sum": _digest("sha256"),
}
