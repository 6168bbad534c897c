"""Data folders in trouble, made for real: a database damaged on disk, file systems the
test mounts itself (tmpfs, bind mounts) and unmounts afterwards, `etabli` as a process."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from bench_app.domain.model import DeviceKind
from bench_app.station import Station
from bench_app.store.database import DB_NAME, backups

DUMPS = Path(__file__).resolve().parent.parent / "data" / "databases"
CLI = [sys.executable, "-m", "bench_app.commands.main"]
GARBAGE = b"\xde\xad\xbe\xef"


def etabli(*argv: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """`etabli ARGV` in its own process, as an operator would type it."""
    env = {**os.environ, "ETABLI_TESTING": "1"}
    return subprocess.run(
        [*CLI, *argv], capture_output=True, text=True, timeout=timeout, env=env, check=False
    )


def damaged_station(folder: Path, tables: tuple[str, ...] = ("devices", "jobs")) -> Path:
    """A data folder as the field has them: a database of schema 2 upgraded by today's
    station (which kept a real backup), then used, then the first page of each of `tables`
    overwritten with garbage on disk. Returns the backup file."""
    folder.mkdir(parents=True, exist_ok=True)
    raw = sqlite3.connect(folder / DB_NAME)
    raw.executescript((DUMPS / "v2.sql").read_text(encoding="utf-8"))
    raw.close()
    station = Station(folder, operator="avant-panne")
    try:
        for i in range(40):
            station.register_device(DeviceKind.LAPTOP, brand="Lenovo", serial=f"PF-{i:04d}")
    finally:
        station.close()
    (backup,) = backups(folder)
    raw = sqlite3.connect(folder / DB_NAME)
    try:
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # every page in the file itself
        page_size = raw.execute("PRAGMA page_size").fetchone()[0]
        roots = [
            raw.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (t,)).fetchone()[0]
            for t in tables
        ]
    finally:
        raw.close()
    with open(folder / DB_NAME, "r+b") as f:
        for root in roots:
            f.seek((root - 1) * page_size)
            f.write(GARBAGE * (page_size // len(GARBAGE)))
    return backup


class Mounts:
    """File systems mounted by one test, all unmounted when it ends."""

    def __init__(self) -> None:
        self.points: list[Path] = []

    def _mount(self, *argv: str) -> None:
        done = subprocess.run(["mount", *argv], capture_output=True, text=True, check=False)
        if done.returncode != 0:
            pytest.fail(
                "this test mounts file systems and needs root with CAP_SYS_ADMIN: "
                f"mount {' '.join(argv)}: {done.stderr.strip()}"
            )

    def tmpfs(self, point: Path, size: str) -> Path:
        point.mkdir(parents=True, exist_ok=True)
        self._mount("-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(point))
        self.points.append(point)
        return point

    def bind(self, source: Path, point: Path) -> Path:
        point.mkdir(parents=True, exist_ok=True)
        self._mount("--bind", str(source), str(point))
        self.points.append(point)
        return point

    def read_only(self, point: Path) -> None:
        opts = "remount,bind,ro" if _is_bind(point) else "remount,ro"
        self._mount("-o", opts, str(point))

    def writable(self, point: Path) -> None:
        opts = "remount,bind,rw" if _is_bind(point) else "remount,rw"
        self._mount("-o", opts, str(point))

    def unmount_lazily(self, point: Path) -> None:
        """Detaches the file system from its path while files in it are still open."""
        subprocess.run(["umount", "--lazy", str(point)], check=True)
        self.points.remove(point)

    def cleanup(self) -> None:
        for point in reversed(self.points):
            if subprocess.run(["umount", str(point)], check=False).returncode != 0:
                subprocess.run(["umount", "--lazy", str(point)], check=False)
        self.points.clear()


def _is_bind(point: Path) -> bool:
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        fields = line.split()
        if fields[4] == str(point):
            return fields[3] != "/"  # a bind mount shows the folder it comes from
    return False


def fill(folder: Path) -> Path:
    """Fills the file system holding `folder` to its last byte; returns the filler file."""
    filler = folder / "filler.bin"
    with open(filler, "wb", buffering=0) as f:
        for chunk in (1 << 20, 4096, 512, 1):
            block = b"\xaa" * chunk
            while True:
                try:
                    f.write(block)
                except OSError:
                    break
    return filler
