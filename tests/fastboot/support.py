"""Image files for the fastboot tests, and Debian's own fastboot and sparse tools."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

WAIT = 60.0  # seconds; only reached when something is broken
BLOCK = 4096
TOOLS_MISSING = (
    "Debian's `fastboot` and `img2simg`/`simg2img` are needed by these tests "
    "(packages fastboot and android-sdk-libsparse-utils)."
)


def tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise AssertionError(TOOLS_MISSING)
    return found


def make_raw(path: Path, size: int, seed: int = 1) -> bytes:
    """A raw image like a real one: random data, a zero stretch and a repeated pattern."""
    rnd = bytearray(os.urandom(size)) if seed else bytearray(size)
    if size >= 64 * BLOCK:
        rnd[10 * BLOCK : 30 * BLOCK] = bytes(20 * BLOCK)
        rnd[40 * BLOCK : 50 * BLOCK] = b"\xde\xad\xbe\xef" * (10 * BLOCK // 4)
    path.write_bytes(rnd)
    return bytes(rnd)


def img2simg(raw: Path, sparse: Path) -> None:
    subprocess.run([tool("img2simg"), str(raw), str(sparse)], check=True, timeout=WAIT)


def simg2img(*paths: Path) -> None:
    """simg2img SPARSE... RAW (several sparse pieces write into one raw file)."""
    subprocess.run([tool("simg2img"), *map(str, paths)], check=True, timeout=WAIT)


def fastboot(serial: str, *args: str, timeout: float = WAIT) -> subprocess.CompletedProcess[str]:
    """Debian's fastboot against one device."""
    return subprocess.run(
        [tool("fastboot"), "-s", serial, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def wait_until(predicate: Callable[[], bool], what: str, timeout: float = WAIT) -> None:
    """Polls until `predicate()` holds; fails the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)
