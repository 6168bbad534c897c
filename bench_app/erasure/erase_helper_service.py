"""The privileged erasure helper: the one part of Établi that runs as root.

It opens a whole disk for a member of the `etabli` group, and nothing else. Per connection:
1. the peer's credentials from the kernel (SO_PEERCRED): its group, or one of its
   supplementary groups, must be the allowed group, else ERASE_HELPER_NOT_ALLOWED;
2. one request line (devices/drives/erase_helper.py): a malformed one gets a refusal and the
   helper goes on serving the next connection;
3. the path must be a whole disk (a block device, not a partition nor a file) whose serial is
   the one named (ERASE_TARGET_CHANGED otherwise);
4. the disk is opened O_RDWR|O_EXCL (the kernel refuses while it is mounted or held), then
   the station's safety rules (erasure/safety.py) are applied by the helper itself: never
   the system disk, the live medium, a mounted or swap device, a disk holding the station's
   data (the helper's own --data-dir folders and the one the station names);
5. the open descriptors go back over the socket (SCM_RIGHTS); each decision is logged on
   stderr (the journal under systemd).

The ops `smart`, `identify` and `purge` go through the same checks (2 to 4, the disk held
O_EXCL while the command runs), then run one command of the closed table of
erasure/helper_commands.py on that disk: a fixed argument list, no shell, a time limit, a
minimal environment; the client's request only chooses the entry. The answer carries the
exit status and output. A client that closes its connection stops the command. Each
connection is served in its own thread, so a long purge does not hold the others.

Run by systemd with socket activation (packaging/systemd/etabli-erase-helper.socket: the
socket is passed as fd 3, LISTEN_FDS/LISTEN_PID), or by hand with --socket PATH.
"""

from __future__ import annotations

import argparse
import errno
import grp
import json
import os
import select
import shutil
import signal
import socket
import stat
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench_app.devices.drives.erase_helper import (
    MAX_REQUEST,
    OUTPUT_MAX,
    SERVICE,
    encode_values,
)
from bench_app.devices.drives.system_view import EraseTarget, SystemView, resolve_target
from bench_app.erasure import helper_commands
from bench_app.erasure.purge import REDACTED, TEMPORARY_PASSWORD
from bench_app.erasure.safety import refusals
from bench_app.errors import BenchError

GROUP = "etabli"
DEFAULT_DATA_DIR = Path("/var/lib/etabli")  # when no --data-dir: the service's own folder
SD_LISTEN_FDS_START = 3
CONNECTION_TIMEOUT = 10.0  # a client that sends nothing does not hold the helper
_UCRED = struct.Struct("3i")


@dataclass(frozen=True, slots=True)
class Peer:
    pid: int
    uid: int
    gid: int


def peer_of(conn: socket.socket) -> Peer:
    """Who is at the other end, as the kernel saw it at connect()."""
    raw = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, _UCRED.size)
    pid, uid, gid = _UCRED.unpack(raw)
    return Peer(pid, uid, gid)


def groups_of(peer: Peer) -> set[int]:
    """The peer process's groups: its primary group and its supplementary groups (from
    /proc; a peer that is gone has only its primary group)."""
    found = {peer.gid}
    try:
        for line in Path(f"/proc/{peer.pid}/status").read_text().splitlines():
            if line.startswith("Groups:"):
                found |= {int(g) for g in line.split()[1:]}
    except (OSError, ValueError):
        pass
    return found


@dataclass
class Helper:
    """The helper's rules: who may ask (`allowed_gid`) and which data folders are never
    erased besides the station's own (`data_dirs`)."""

    allowed_gid: int
    data_dirs: list[Path] = field(default_factory=list)
    groups: Callable[[Peer], set[int]] = groups_of
    log: Callable[[str], None] = lambda line: print(line, file=sys.stderr, flush=True)
    # Test only: a folder whose smartctl, hdparm and nvme are run instead of the system's.
    programs_dir: Path | None = None
    _busy: int = field(default=0, init=False)  # connections being served
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)

    def serve_forever(self, listener: socket.socket, *, idle_exit: float | None = None) -> None:
        """Answers each connection in its own thread; returns after `idle_exit` seconds
        without a connection nor one in progress (systemd starts the helper again on the
        next)."""
        listener.settimeout(idle_exit)
        while True:
            try:
                conn, _addr = listener.accept()
            except TimeoutError:
                with self._lock:
                    if self._busy:
                        continue
                self.log("idle: exiting")
                return
            with self._lock:
                self._busy += 1
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        try:
            with conn:
                self.handle(conn)
        except Exception as exc:  # one bad connection never stops the service
            self.log(f"connection failed: {type(exc).__name__}: {exc}")
        finally:
            with self._lock:
                self._busy -= 1

    def handle(self, conn: socket.socket) -> None:
        """One connection: one request, one answer (with descriptors when accepted)."""
        conn.settimeout(CONNECTION_TIMEOUT)
        peer = peer_of(conn)
        who = f"pid={peer.pid} uid={peer.uid}"
        try:
            if self.allowed_gid not in self.groups(peer):
                raise BenchError("ERASE_HELPER_NOT_ALLOWED", uid=peer.uid, group=self._group())
            request = _read_request(conn)
            op = request.get("op")
            if op == "ping":
                _send(conn, {"ok": True, "service": SERVICE})
                self.log(f"{who}: ping")
                return
            if op not in ("open", *COMMAND_OPS):
                raise BenchError("ERASE_HELPER_BAD_REQUEST", detail=f"unknown op {op!r}")
            path, serial = request.get("path"), request.get("serial")
            data_dir = request.get("data_dir")
            if not isinstance(path, str) or not isinstance(serial, str):
                raise BenchError("ERASE_HELPER_BAD_REQUEST", detail="path and serial expected")
            if data_dir is not None and not isinstance(data_dir, str):
                raise BenchError("ERASE_HELPER_BAD_REQUEST", detail="data_dir is not a text")
            command, program = None, ""
            if op in COMMAND_OPS:
                command = helper_commands.lookup(request)
                if command is None:
                    raise BenchError("ERASE_HELPER_BAD_REQUEST", detail=_unknown(request))
                program = self.program(command.program)
            fds, direct = self.open_disk(path, serial, data_dir)
            if op in FIRMWARE_OPS and resolve_target(path).transport == "usb":
                for fd in fds:
                    os.close(fd)
                raise BenchError("ERASE_HELPER_BAD_REQUEST", detail=_THROUGH_USB)
        except BenchError as exc:
            self.log(f"{who}: refused [{exc.code}] {exc.message.en}")
            try:
                _send(conn, {"ok": False, "code": exc.code, "values": encode_values(exc.values)})
            except OSError:
                self.log(f"{who}: gone before the answer")
            return
        except OSError as exc:
            self.log(f"{who}: connection failed ({exc.strerror or type(exc).__name__})")
            return
        if command is not None:
            try:
                self.run_command(conn, who, command, program, path, serial)
            finally:
                for fd in fds:
                    os.close(fd)
            return
        try:
            _send(conn, {"ok": True, "path": path, "serial": serial, "direct": direct}, fds)
            self.log(f"{who}: opened {path} (serial {serial}) for erasure")
        except OSError as exc:
            self.log(f"{who}: {path} opened but not delivered ({exc.strerror})")
        finally:
            for fd in fds:
                os.close(fd)

    def program(self, name: str) -> str:
        """The program's path: from the test folder when one was given, else from the
        system's own folders (never the caller's PATH)."""
        if self.programs_dir is not None:
            return str(self.programs_dir / name)
        found = shutil.which(name, path=helper_commands.SYSTEM_PATH)
        if found is None:
            raise BenchError("ERASE_HELPER_FAILED", detail=f"{name} is not installed")
        return found

    def run_command(
        self,
        conn: socket.socket,
        who: str,
        command: helper_commands.Command,
        program: str,
        path: str,
        serial: str,
    ) -> None:
        """Runs `command` on the validated disk `path` (held O_EXCL by the caller) and sends
        its exit status and output; stops it when the client goes or its time is up."""
        size = resolve_target(path).size_bytes
        argv = helper_commands.argv_of(command, program, path, size)
        limit = helper_commands.limit_seconds(command, size)
        shown = " ".join(REDACTED if a == TEMPORARY_PASSWORD else a for a in argv)
        self.log(f"{who}: running {shown} (serial {serial})")
        proc = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={"PATH": helper_commands.SYSTEM_PATH, "LC_ALL": "C"},
            start_new_session=True,
        )
        outcome, out, err = _follow(proc, conn, limit)
        stdout, stderr = out.decode("utf-8", "replace"), err.decode("utf-8", "replace")
        if outcome == "gone":
            self.log(f"{who}: client gone, {argv[0]} stopped")
            return
        if outcome == "timeout":
            stderr += f"\n{SERVICE}: stopped after {limit:.0f} s"
        self.log(f"{who}: {argv[0]} ended with {proc.returncode}")
        try:
            _send(
                conn,
                {
                    "ok": True,
                    "argv": argv,
                    "returncode": proc.returncode,
                    "stdout": stdout,
                    "stderr": stderr,
                },
            )
        except OSError as exc:
            self.log(f"{who}: answer not delivered ({exc.strerror})")

    def open_disk(self, path: str, serial: str, data_dir: str | None) -> tuple[list[int], bool]:
        """The whole disk `path` opened twice (O_DIRECT, then plain) once every rule holds;
        the first refusal otherwise."""
        if not os.path.isabs(path):
            raise BenchError("ERASE_HELPER_BAD_REQUEST", detail="the path must be absolute")
        try:
            mode = os.stat(path).st_mode
        except OSError as exc:
            raise BenchError(
                "ERASE_NOT_A_DRIVE", path=path, detail=exc.strerror or str(exc)
            ) from None
        if not stat.S_ISBLK(mode):
            raise BenchError("ERASE_NOT_A_DRIVE", path=path, detail="not a disk")
        target = resolve_target(path)  # a partition is refused here
        if target.serial != serial:
            raise BenchError("ERASE_TARGET_CHANGED", expected=serial, found=target.serial or "?")
        devnum = _devnum(os.stat(target.path).st_rdev)
        self.check_rules(target.path, data_dir)
        fds = _open_exclusive(target.path)
        try:
            st = os.fstat(fds[0][0])
            if not stat.S_ISBLK(st.st_mode) or _devnum(st.st_rdev) != devnum:
                raise BenchError("ERASE_TARGET_CHANGED", expected=serial, found="?")
            # Again with the disk claimed: nothing can mount it from now on.
            now = self.check_rules(target.path, data_dir)
            if now.serial != serial:
                raise BenchError("ERASE_TARGET_CHANGED", expected=serial, found=now.serial or "?")
        except BaseException:
            for fd, _ in fds:
                os.close(fd)
            raise
        return [fd for fd, _ in fds], fds[0][1]

    def check_rules(self, path: str, data_dir: str | None) -> EraseTarget:
        """The disk at `path` as it is now; the most serious refusal of the safety rules
        (erasure/safety.py) for any of the data folders, if there is one."""
        target = resolve_target(path)
        folders = [*self.data_dirs]
        if data_dir and os.path.isabs(data_dir):
            folders.append(Path(data_dir))
        view = SystemView.read()
        for folder in folders or [DEFAULT_DATA_DIR]:
            found = refusals(target, data_dir=folder, view=view)
            if found:
                raise found[0]
        return target

    def _group(self) -> str:
        try:
            return grp.getgrgid(self.allowed_gid).gr_name
        except KeyError:
            return str(self.allowed_gid)


COMMAND_OPS = ("smart", "identify", "purge")
FIRMWARE_OPS = ("identify", "purge")  # never sent through a USB bridge, not even the question
_THROUGH_USB = "no firmware command through a USB adapter"


def _unknown(request: dict[str, Any]) -> str:
    if request.get("op") == "purge":
        return f"unknown purge method or step {request.get('method')!r} {request.get('step')!r}"
    return f"unknown {request.get('op')} variant {request.get('variant')!r}"


def _follow(
    proc: subprocess.Popen[bytes], conn: socket.socket, limit: float
) -> tuple[str, bytes, bytes]:
    """Waits for `proc`, reading its output as it comes (so it never blocks on a full pipe,
    at most OUTPUT_MAX bytes kept of each): ("done" | "gone" | "timeout", stdout, stderr).
    "gone" (the client closed the connection) and "timeout" stop the program."""
    assert proc.stdout is not None and proc.stderr is not None
    out_fd, err_fd = proc.stdout.fileno(), proc.stderr.fileno()
    kept = {out_fd: bytearray(), err_fd: bytearray()}
    poller = select.poll()
    for fd in kept:
        poller.register(fd, select.POLLIN)
    poller.register(conn, select.POLLIN)
    open_pipes = set(kept)
    deadline = time.monotonic() + limit
    outcome = "done"
    while outcome == "done" and (open_pipes or proc.poll() is None):
        if time.monotonic() > deadline:
            outcome = "timeout"
            break
        for fd, _event in poller.poll(500):
            if fd not in kept:
                if _client_gone(conn):
                    outcome = "gone"
                    break
                continue
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                poller.unregister(fd)
                open_pipes.discard(fd)
            elif len(kept[fd]) < OUTPUT_MAX:
                kept[fd] += chunk[: OUTPUT_MAX - len(kept[fd])]
    if outcome != "done":
        _stop(proc)
    proc.wait()
    proc.stdout.close()
    proc.stderr.close()
    return outcome, bytes(kept[out_fd]), bytes(kept[err_fd])


def _client_gone(conn: socket.socket) -> bool:
    """True when the client closed its end; anything it sends meanwhile is dropped."""
    try:
        data = conn.recv(4096, socket.MSG_DONTWAIT)
    except BlockingIOError:
        return False
    except OSError:
        return True
    return not data


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the program's session, SIGKILL after a grace time."""
    for sig, grace in ((signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=grace)
            return
        except subprocess.TimeoutExpired:
            continue


def _devnum(rdev: int) -> tuple[int, int]:
    return (os.major(rdev), os.minor(rdev))


def _open_exclusive(path: str) -> list[tuple[int, bool]]:
    """(fd, direct) twice: an exclusive O_DIRECT descriptor and a plain one. O_EXCL on a
    block device fails with EBUSY while it is mounted or held by another exclusive user."""
    base = os.O_RDWR | os.O_CLOEXEC
    try:
        try:
            first, direct = os.open(path, base | os.O_EXCL | os.O_DIRECT), True
        except OSError as exc:
            if exc.errno != errno.EINVAL:
                raise
            first, direct = os.open(path, base | os.O_EXCL), False
    except OSError as exc:
        if exc.errno == errno.EBUSY:
            raise BenchError("ERASE_IN_USE", path=path, holders="le système / the system") from None
        raise BenchError("ERASE_NOT_A_DRIVE", path=path, detail=exc.strerror or str(exc)) from None
    try:
        second = os.open(path, base)
    except OSError as exc:
        os.close(first)
        raise BenchError("ERASE_NOT_A_DRIVE", path=path, detail=exc.strerror or str(exc)) from None
    return [(first, direct), (second, False)]


def _read_request(conn: socket.socket) -> dict[str, Any]:
    data = b""
    while b"\n" not in data:
        chunk = conn.recv(MAX_REQUEST + 1 - len(data))
        if not chunk:
            break
        data += chunk
        if len(data) > MAX_REQUEST:
            _drain(conn)
            raise BenchError("ERASE_HELPER_BAD_REQUEST", detail="request too long")
    line = data.split(b"\n", 1)[0]
    try:
        request = json.loads(line)
    except (ValueError, UnicodeDecodeError):
        raise BenchError("ERASE_HELPER_BAD_REQUEST", detail="not JSON") from None
    if not isinstance(request, dict):
        raise BenchError("ERASE_HELPER_BAD_REQUEST", detail="not a JSON object")
    return request


def _drain(conn: socket.socket, most: int = 1 << 16) -> None:
    """Reads (a bounded amount of) what is left, so the refusal reaches the client instead
    of a reset for unread data."""
    left = most
    while left > 0:
        chunk = conn.recv(min(left, 4096))
        if not chunk:
            return
        left -= len(chunk)


def _send(conn: socket.socket, reply: dict[str, Any], fds: Sequence[int] = ()) -> None:
    line = json.dumps(reply).encode() + b"\n"
    if fds:
        socket.send_fds(conn, [line], list(fds))
    else:
        conn.sendall(line)


def listener_from_systemd(environ: dict[str, str] | None = None) -> socket.socket | None:
    """The listening socket systemd passed (sd_listen_fds: LISTEN_PID is this process,
    LISTEN_FDS=1, the socket at fd 3); None when started otherwise."""
    env = os.environ if environ is None else environ
    if env.get("LISTEN_PID") != str(os.getpid()) or env.get("LISTEN_FDS") != "1":
        return None
    return socket.socket(fileno=SD_LISTEN_FDS_START)


def _allowed_gid(args: argparse.Namespace) -> int:
    if args.gid is not None:
        return int(args.gid)
    try:
        return grp.getgrnam(args.group).gr_gid
    except KeyError:
        raise SystemExit(
            f"{SERVICE}: no group {args.group!r} (groupadd --system {args.group})"
        ) from None


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m bench_app.erasure.erase_helper_service [--group G | --gid N]
    [--data-dir D]... [--socket PATH] [--idle-exit S]`."""
    parser = argparse.ArgumentParser(prog=SERVICE, description=__doc__.split("\n")[0])
    parser.add_argument("--group", default=GROUP, help="group whose members may ask")
    parser.add_argument("--gid", type=int, default=None, help="the group by number")
    parser.add_argument(
        "--data-dir", action="append", default=[], type=Path, help="never erased (repeatable)"
    )
    parser.add_argument("--socket", default=None, help="listen here (without systemd)")
    parser.add_argument("--idle-exit", type=float, default=None, metavar="SECONDS")
    parser.add_argument(
        "--test-programs",
        type=Path,
        default=None,
        metavar="DIR",
        help="tests only: run DIR/smartctl, DIR/hdparm, DIR/nvme instead of the system's",
    )
    args = parser.parse_args(argv)
    helper = Helper(_allowed_gid(args), list(args.data_dir), programs_dir=args.test_programs)
    if args.test_programs is not None:
        helper.log(f"TEST MODE: drive programs from {args.test_programs}")
    listener = listener_from_systemd()
    if listener is None:
        if not args.socket:
            parser.error("no socket from systemd: give --socket PATH")
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        if os.path.exists(args.socket) and stat.S_ISSOCK(os.lstat(args.socket).st_mode):
            os.unlink(args.socket)
        listener.bind(args.socket)
        os.chmod(args.socket, 0o660)
        os.chown(args.socket, 0, helper.allowed_gid)
        listener.listen(16)
    for env in ("LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES"):
        os.environ.pop(env, None)
    helper.log(f"serving members of group {helper._group()}")
    try:
        helper.serve_forever(listener, idle_exit=args.idle_exit)
    except KeyboardInterrupt:
        pass
    finally:
        listener.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
