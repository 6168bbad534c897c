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

Run by systemd with socket activation (packaging/systemd/etabli-erase-helper.socket: the
socket is passed as fd 3, LISTEN_FDS/LISTEN_PID), or by hand with --socket PATH.
"""

from __future__ import annotations

import argparse
import errno
import grp
import json
import os
import socket
import stat
import struct
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench_app.devices.drives.erase_helper import MAX_REQUEST, SERVICE, encode_values
from bench_app.devices.drives.system_view import EraseTarget, SystemView, resolve_target
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

    def serve_forever(self, listener: socket.socket, *, idle_exit: float | None = None) -> None:
        """Answers connections one after another; returns after `idle_exit` seconds without
        one (systemd starts the helper again on the next)."""
        listener.settimeout(idle_exit)
        while True:
            try:
                conn, _addr = listener.accept()
            except TimeoutError:
                self.log("idle: exiting")
                return
            with conn:
                try:
                    self.handle(conn)
                except Exception as exc:  # one bad connection never stops the service
                    self.log(f"connection failed: {type(exc).__name__}: {exc}")

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
            if op != "open":
                raise BenchError("ERASE_HELPER_BAD_REQUEST", detail=f"unknown op {op!r}")
            path, serial = request.get("path"), request.get("serial")
            data_dir = request.get("data_dir")
            if not isinstance(path, str) or not isinstance(serial, str):
                raise BenchError("ERASE_HELPER_BAD_REQUEST", detail="path and serial expected")
            if data_dir is not None and not isinstance(data_dir, str):
                raise BenchError("ERASE_HELPER_BAD_REQUEST", detail="data_dir is not a text")
            fds, direct = self.open_disk(path, serial, data_dir)
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
        try:
            _send(conn, {"ok": True, "path": path, "serial": serial, "direct": direct}, fds)
            self.log(f"{who}: opened {path} (serial {serial}) for erasure")
        except OSError as exc:
            self.log(f"{who}: {path} opened but not delivered ({exc.strerror})")
        finally:
            for fd in fds:
                os.close(fd)

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
    args = parser.parse_args(argv)
    helper = Helper(_allowed_gid(args), list(args.data_dir))
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
