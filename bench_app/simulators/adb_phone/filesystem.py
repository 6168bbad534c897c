"""The simulated phone's storage: an in-memory tree that `adb push`/`pull` and the shell share."""

from __future__ import annotations

import posixpath
import stat
import threading
import time
from dataclasses import dataclass, field

DIR_MODE = stat.S_IFDIR | 0o771
FILE_MODE = stat.S_IFREG | 0o660

# Where the shell user may write, as on a real phone without root.
WRITABLE_ROOTS = ("/sdcard", "/data/local/tmp")

SEED_DIRS = (
    "/sdcard/Alarms",
    "/sdcard/DCIM/Camera",
    "/sdcard/Download",
    "/sdcard/Documents",
    "/sdcard/Music",
    "/sdcard/Pictures/Screenshots",
    "/data/local/tmp",
    "/proc",
    "/system/bin",
    "/system/xbin",
    "/vendor",
)


class FsError(Exception):
    """A filesystem refusal, worded like the phone's errno text."""


@dataclass
class Node:
    mode: int
    mtime: int
    data: bytearray = field(default_factory=bytearray)

    @property
    def is_dir(self) -> bool:
        return stat.S_ISDIR(self.mode)


def normalise(path: str) -> str:
    """An absolute, normalised path; `/storage/emulated/0` and `/sdcard` are the same place."""
    path = posixpath.normpath("/" + path.strip().lstrip("/"))
    for alias in ("/storage/emulated/0", "/storage/self/primary", "/mnt/sdcard"):
        if path == alias or path.startswith(alias + "/"):
            path = "/sdcard" + path[len(alias) :]
    return path


class MemoryFs:
    """A thread-safe tree of directories and byte files."""

    def __init__(self, files: dict[str, bytes] | None = None) -> None:
        self._lock = threading.Lock()
        now = int(time.time())
        self._nodes: dict[str, Node] = {"/": Node(DIR_MODE, now)}
        for d in SEED_DIRS:
            self._mkdirs(d, now)
        for path, data in (files or {}).items():
            self._write(normalise(path), data, stat.S_IFREG | 0o644, now)

    def stat(self, path: str) -> Node | None:
        """The node at `path`, or None."""
        with self._lock:
            return self._nodes.get(normalise(path))

    def read(self, path: str) -> bytes:
        """A file's bytes; FsError if missing or a directory."""
        with self._lock:
            node = self._nodes.get(normalise(path))
            if node is None:
                raise FsError("No such file or directory")
            if node.is_dir:
                raise FsError("Is a directory")
            return bytes(node.data)

    def list(self, path: str) -> list[tuple[str, Node]]:
        """The direct children of a directory (name, node), sorted; FsError otherwise."""
        path = normalise(path)
        with self._lock:
            node = self._nodes.get(path)
            if node is None:
                raise FsError("No such file or directory")
            if not node.is_dir:
                raise FsError("Not a directory")
            prefix = path.rstrip("/") + "/"
            return sorted(
                (p[len(prefix) :], n)
                for p, n in self._nodes.items()
                if p.startswith(prefix) and "/" not in p[len(prefix) :] and p != "/"
            )

    def write(self, path: str, data: bytes, mode: int, mtime: int) -> None:
        """Creates or replaces a file (and its parent folders) where the shell user may write."""
        path = normalise(path)
        if not any(path == r or path.startswith(r + "/") for r in WRITABLE_ROOTS):
            raise FsError(
                "Read-only file system" if path.startswith("/system") else "Permission denied"
            )
        with self._lock:
            self._write(path, data, mode, mtime)

    def mkdirs(self, path: str) -> None:
        """`mkdir -p` where the shell user may write."""
        path = normalise(path)
        if not any(path == r or path.startswith(r + "/") for r in WRITABLE_ROOTS):
            raise FsError("Permission denied")
        with self._lock:
            self._mkdirs(path, int(time.time()))

    def remove(self, path: str) -> None:
        """Removes a file or a whole folder."""
        path = normalise(path)
        with self._lock:
            if path not in self._nodes:
                raise FsError("No such file or directory")
            for p in [p for p in self._nodes if p == path or p.startswith(path + "/")]:
                del self._nodes[p]

    def _mkdirs(self, path: str, mtime: int) -> None:
        parts = [p for p in path.split("/") if p]
        current = ""
        for part in parts:
            current += "/" + part
            node = self._nodes.get(current)
            if node is None:
                self._nodes[current] = Node(DIR_MODE, mtime)
            elif not node.is_dir:
                raise FsError("Not a directory")

    def _write(self, path: str, data: bytes, mode: int, mtime: int) -> None:
        existing = self._nodes.get(path)
        if existing is not None and existing.is_dir:
            raise FsError("Is a directory")
        self._mkdirs(posixpath.dirname(path), mtime)
        file_mode = stat.S_IFREG | (stat.S_IMODE(mode) or 0o644)
        self._nodes[path] = Node(file_mode, mtime, bytearray(data))
