"""Simulated phones in a process of their own, as real phones are outside the station's: the
benchmarked window then shares its interpreter only with the station's own work (jobs,
drivers, erasure), not with the phones' side of the ADB and fastboot wire protocols.

The child (`python _phone_farm.py`) runs an ordinary SimulatedSource and speaks JSON lines:
requests on stdin, answers and the phones' comings and goings on stdout. In the benchmark,
`PhoneFarm` is a DeviceSource whose handles are real AndroidPhone drivers reaching the
child's simulators over loopback TCP, exactly as they reach in-process ones; fastboot is
announced to the station's finder at the port the child gives. The child runs at a lower
scheduling priority (NICE): real phones use none of the station's processor.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the child finds the project

from bench_app.devices.android.driver import AdbTarget, AndroidPhone
from bench_app.devices.source import DeviceSource, SourceAction

ROOT = Path(__file__).resolve().parent.parent
NICE = 10  # the child's scheduling niceness (see _serve)


# -- the child -----------------------------------------------------------------------------


def _serve() -> None:
    # Real phones take none of the station's processor time; on a small shared machine the
    # simulated ones yield theirs to the station (they are only slower to answer).
    os.nice(NICE)
    from bench_app.devices.android.keys import station_signer
    from bench_app.devices.fastboot.finder import FastbootFinder
    from bench_app.devices.source import DeviceEvent
    from bench_app.simulators.mode import SimulationMode
    from bench_app.simulators.source import SimulatedSource, Timing

    out_lock = threading.Lock()

    def say(message: dict[str, Any]) -> None:
        with out_lock:
            sys.stdout.write(json.dumps(message) + "\n")
            sys.stdout.flush()

    source: SimulatedSource | None = None
    finder = FastbootFinder(usb=None)
    keys: dict[str, str] = {}  # serial -> handle key

    def forward(event: DeviceEvent) -> None:
        action = "added" if event.action is SourceAction.ADDED else "removed"
        say({"event": action, "key": event.handle.key})

    def act(request: dict[str, Any]) -> dict[str, Any]:
        """Does what a hand does on one phone's screen, once the phone shows it."""
        assert source is not None
        handset = source.handset(keys[request["serial"]])
        adb = handset.adb
        modes = set(request["modes"])
        deadline = time.monotonic() + 60
        while not (adb.mode in modes and adb.listening) and time.monotonic() < deadline:
            time.sleep(0.02)
        if adb.mode == "recovery":
            for item in request["select"]:
                adb.recovery_select(item)
        return {"mode": adb.mode}

    def handle(request: dict[str, Any]) -> None:
        nonlocal source
        reply: dict[str, Any] = {"id": request["id"]}
        try:
            what = request["do"]
            if what == "open":
                source = SimulatedSource(
                    SimulationMode.TRAINING,
                    Timing(scale=1.0),
                    adb_signer=station_signer(Path(request["station"])),
                )
                source.subscribe(forward)
                source.start()
            elif what == "handset":
                assert source is not None
                phone = source.add_handset(request["persona"], finder=finder, **request["options"])
                handset = source.handset(phone.key)
                keys[handset.serial] = phone.key
                reply.update(
                    key=phone.key,
                    serial=handset.serial,
                    adb_port=handset.adb_port,
                    fastboot_port=handset.fastboot_port,
                    brand=phone.brand_hint,
                )
            elif what == "adb_phone":
                assert source is not None
                phone = source.add_adb_phone(request["persona"])
                reply.update(key=phone.key, adb_port=phone.target.port, brand=phone.brand_hint)
            elif what == "act":
                reply.update(act(request))
            elif what == "stop":
                if source is not None:
                    source.stop()
                reply["stopped"] = True
        except Exception as exc:  # said back to the benchmark, which prints it
            reply["error"] = f"{type(exc).__name__}: {exc}"
        say(reply)

    for line in sys.stdin:
        request = json.loads(line)
        if request["do"] == "stop":  # here, once every phone's earlier request is answered
            handle(request)
            return
        threading.Thread(target=handle, args=(request,), daemon=True).start()
    if source is not None:  # the benchmark went away without a word
        source.stop()


# -- the benchmark's side ------------------------------------------------------------------


class PhoneFarm(DeviceSource):
    """A DeviceSource of phones simulated in a child process (see the module docstring)."""

    def __init__(self, station_folder: Path, signer: Any, finder: Any = None) -> None:
        super().__init__()
        self._signer = signer
        self._finder = finder
        self._ids = itertools.count(1)
        self._waiting: dict[int, tuple[threading.Event, list[dict[str, Any]]]] = {}
        self._write_lock = threading.Lock()
        self._phones: dict[str, AndroidPhone] = {}  # handle key -> the station's driver
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        self._child = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve())],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        self._reader = threading.Thread(target=self._read, name="phone-farm", daemon=True)
        self._reader.start()
        self._call("open", station=str(station_folder))

    def _read(self) -> None:
        assert self._child.stdout is not None
        for line in self._child.stdout:
            message = json.loads(line)
            if "event" in message:
                phone = self._phones.get(message["key"])
                if phone is None:
                    continue
                if message["event"] == "removed":
                    phone.mark_gone()
                    self._emit(SourceAction.REMOVED, phone)
                else:
                    phone.came_back()
                    self._emit(SourceAction.ADDED, phone)
                continue
            done, slot = self._waiting.pop(message["id"])
            slot.append(message)
            done.set()

    def _call(self, what: str, **request: Any) -> dict[str, Any]:
        number = next(self._ids)
        done, slot = threading.Event(), list[dict[str, Any]]()
        self._waiting[number] = (done, slot)
        assert self._child.stdin is not None
        with self._write_lock:
            self._child.stdin.write(json.dumps({"id": number, "do": what, **request}) + "\n")
            self._child.stdin.flush()
        if not done.wait(120):
            raise TimeoutError(f"the phone farm did not answer {what}")
        reply = slot[0]
        if "error" in reply:
            raise RuntimeError(reply["error"])
        return reply

    def _plug(self, reply: dict[str, Any]) -> AndroidPhone:
        phone = AndroidPhone(
            AdbTarget(host="127.0.0.1", port=reply["adb_port"]), self._signer, simulated=True
        )
        phone.brand_hint = reply["brand"]
        self._phones[phone.key] = phone
        self._emit(SourceAction.ADDED, phone)
        return phone

    def add_handset(self, persona: str, **options: Any) -> tuple[AndroidPhone, str]:
        """A whole phone (Android, recovery, bootloader): (the station's handle, its serial)."""
        reply = self._call("handset", persona=persona, options=options)
        if self._finder is not None:
            self._finder.add_tcp(reply["serial"], "127.0.0.1", reply["fastboot_port"])
        return self._plug(reply), reply["serial"]

    def add_adb_phone(self, persona: str) -> AndroidPhone:
        """A phone in Android only, reached over ADB: the station's handle."""
        return self._plug(self._call("adb_phone", persona=persona))

    def act(self, serial: str, modes: list[str], select: list[str]) -> str:
        """Waits until the phone shows one of `modes`, then chooses `select` in its recovery
        menu (when in recovery); returns the mode it was in."""
        return str(self._call("act", serial=serial, modes=modes, select=select)["mode"])

    def start(self) -> None:
        pass

    def stop(self) -> None:
        """Powers the phones off and ends the child."""
        if self._child.poll() is None:
            with contextlib.suppress(OSError, TimeoutError, RuntimeError):
                self._call("stop")
            assert self._child.stdin is not None
            self._child.stdin.close()
            try:
                self._child.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self._child.kill()
                self._child.wait()
        self._reader.join(timeout=10)


if __name__ == "__main__":
    _serve()
