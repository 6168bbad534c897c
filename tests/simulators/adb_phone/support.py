"""Helpers for the ADB simulator tests: polling, free ports, an isolated adb server."""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass

WAIT = 60.0  # seconds; only ever reached when something is broken
ADB_MISSING = (
    "Debian's `adb` client is not installed, and the fidelity tests need it. "
    "Run the README test command (python3 packaging/bootstrap.py test): it installs it."
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until(predicate: Callable[[], bool], what: str, timeout: float = WAIT) -> None:
    """Polls until `predicate()` holds; fails the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


@dataclass
class AdbServer:
    """Debian's adb, with its own server port, home folder and key."""

    binary: str
    port: int
    env: dict[str, str]

    def run(self, *args: str, timeout: float = WAIT) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [self.binary, "-P", str(self.port), *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def devices(self) -> dict[str, list[str]]:
        """`adb devices -l`, as serial → the words after it."""
        out = self.run("devices", "-l").stdout
        rows = [line.split() for line in out.splitlines()[1:] if line.strip()]
        return {r[0]: r[1:] for r in rows}

    def connect(self, serial: str, state: str = "device") -> list[str]:
        """`adb connect`, then waits until `adb devices` shows the serial in `state`."""
        self.run("connect", serial)
        found: list[str] = []

        def ready() -> bool:
            nonlocal found
            found = self.devices().get(serial, [])
            return bool(found) and found[0] == state

        wait_until(ready, f"{serial} to be {state} in `adb devices`")
        return found
