"""Phones reached over TCP: Wi-Fi debugging, or the simulated phone. A phone counts as
plugged in while its address answers; the driver's own failures count as an unplug."""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Callable

from bench_app.devices.android.driver import AdbTarget, AndroidPhone
from bench_app.devices.source import DeviceSource, SourceAction

log = logging.getLogger(__name__)

PhoneFactory = Callable[[AdbTarget], AndroidPhone]


def port_answers(host: str, port: int, timeout_s: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout_s):
            return True
    except OSError:
        return False


class TcpPhoneSource(DeviceSource):
    """Watches a list of addresses; `add` starts watching one, `remove` stops."""

    def __init__(self, make_phone: PhoneFactory, poll_s: float = 1.0) -> None:
        super().__init__()
        self._make_phone = make_phone
        self._poll_s = poll_s
        self._watchers: dict[str, tuple[threading.Event, threading.Thread]] = {}
        self._running = False

    def start(self) -> None:
        self._running = True

    def stop(self) -> None:
        self._running = False
        for key in list(self._watchers):
            self._stop_watching(key)

    def add(self, host: str, port: int) -> AndroidPhone:
        """Watches HOST:PORT; the phone is reported as soon as the address answers."""
        phone = self._make_phone(AdbTarget(host=host, port=port))
        if phone.key in self._watchers:
            return phone
        stop = threading.Event()
        thread = threading.Thread(
            target=self._watch, args=(phone, stop), name=f"tcp-{host}:{port}", daemon=True
        )
        self._watchers[phone.key] = (stop, thread)
        thread.start()
        return phone

    def remove(self, host: str, port: int) -> None:
        self._stop_watching(AdbTarget(host=host, port=port).key)

    def _stop_watching(self, key: str) -> None:
        entry = self._watchers.pop(key, None)
        if entry is None:
            return
        stop, thread = entry
        stop.set()
        if thread is not threading.current_thread():
            thread.join(timeout=5)

    def _watch(self, phone: AndroidPhone, stop: threading.Event) -> None:
        present = False
        target = phone.target
        while not stop.is_set():
            seen = phone.connections  # before looking (see AndroidPhone.mark_gone)
            answers = port_answers(target.host, target.port)
            if not present and answers:
                phone.forget_connection()
                present = True
                self._emit(SourceAction.ADDED, phone)
            elif present and (phone.gone or not answers):
                present = False
                phone.mark_gone(seen)
                self._emit(SourceAction.REMOVED, phone)
            stop.wait(self._poll_s)
        if present:
            phone.mark_gone()
            self._emit(SourceAction.REMOVED, phone)
