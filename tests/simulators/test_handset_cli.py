"""`etabli simulate handset` as a real process: a trainer presses the keys in the terminal,
the station's own ADB driver and Debian's `fastboot` reach the phone as it moves."""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
import zipfile
from pathlib import Path

from adb_shell.auth.sign_cryptography import CryptographySigner

from bench_app.devices.android.driver import AdbTarget, AndroidPhone
from bench_app.devices.android.sideload import sideload
from bench_app.errors import BenchError
from tests.simulators.adb_phone.support import WAIT, wait_until

ROOT = Path(__file__).resolve().parents[2]


class Terminal:
    """The process's output, read line by line in a thread of its own."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.proc = proc
        self.lines: queue.Queue[str] = queue.Queue()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line)

    def until(self, pattern: str) -> re.Match[str]:
        """Reads until a line matches `pattern`; fails after WAIT seconds."""
        while True:
            line = self.lines.get(timeout=WAIT)
            found = re.search(pattern, line)
            if found:
                return found

    def type(self, keys: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write("".join(f"{k}\n" for k in keys))
        self.proc.stdin.flush()


def test_a_trainer_drives_the_handset_from_a_terminal(
    station_adb_key: CryptographySigner, tmp_path: Path
) -> None:
    proc = subprocess.Popen(
        [
            *(sys.executable, "-m", "bench_app.commands.main", "--lang", "en", "simulate"),
            *("handset", "--model", "fairphone-4", "--operator", "person", "--port", "0"),
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    terminal = Terminal(proc)
    phone: AndroidPhone | None = None
    try:
        adb_port = int(terminal.until(r"adb connect 127\.0\.0\.1:(\d+)").group(1))
        fastboot_serial = terminal.until(r"fastboot -s (tcp:127\.0\.0\.1:\d+)").group(1)
        terminal.until(r"Home screen")
        phone = AndroidPhone(AdbTarget("127.0.0.1", adb_port), station_adb_key)
        assert phone.shell("getprop ro.product.model").strip() == "FP4"

        terminal.type("b")  # hold power + volume down
        terminal.until(r"Fastboot Mode")
        got = subprocess.run(
            ["fastboot", "-s", fastboot_serial, "getvar", "product"],
            capture_output=True,
            text=True,
            timeout=WAIT,
        )
        assert "product: FP4" in got.stderr, got.stderr

        terminal.type("ddp")  # START, Restart bootloader, > Recovery mode, power
        terminal.until(r"Android Recovery")
        phone.forget_connection()
        wait_until(lambda: _bootmode(phone) == "recovery", "the phone in recovery")
        update = tmp_path / "update.zip"
        with zipfile.ZipFile(update, "w") as archive:
            archive.writestr("META-INF/com/android/metadata", "pre-device=FP4\n")
            archive.writestr("payload.bin", os.urandom(200_000))
        try:
            sideload(phone, update)
            raise AssertionError("the recovery served a sideload from its menu")
        except BenchError as exc:
            assert exc.code == "SIDELOAD_NOT_READY"

        terminal.type("ddp")  # > Apply update from ADB
        terminal.until(r"Now send the package")
        phone.forget_connection()
        result = sideload(phone, update)
        assert result.size == update.stat().st_size
        terminal.until(r"Installation aborted")  # the stock recovery refuses LineageOS

        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=WAIT) == 0
    finally:
        if phone is not None:
            phone.close()
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def _bootmode(phone: AndroidPhone) -> str:
    try:
        return phone.shell("getprop ro.bootmode", timeout_s=5).strip()
    except Exception:
        phone.forget_connection()
        return ""
