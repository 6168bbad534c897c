"""udev's USB hotplug events, watched from the Qt event loop and handed to a UsbPhoneSource.

The monitor's socket is watched by a QSocketNotifier (`pyudev.pyside6.MonitorObserver`), so
events reach `UsbPhoneSource.handle_uevent` on the Qt main thread; that call only notes the
event, and the source does the reading and reporting on its own worker thread.
"""

from __future__ import annotations

import logging
from typing import Any

import pyudev
from PySide6.QtCore import QObject
from pyudev.pyside6 import MonitorObserver

from bench_app.devices.android.udev_source import UsbPhoneSource

log = logging.getLogger(__name__)


class UsbMonitor(QObject):
    """Feeds udev's USB events to `source` while started. Where netlink monitoring cannot be
    had (containers), `start` logs it and returns False: the source's periodic scan remains."""

    def __init__(
        self,
        source: UsbPhoneSource,
        context: pyudev.Context | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._source = source
        # Its own context: libudev contexts are not shared between threads, and the source's
        # belongs to the source's worker.
        self._context = context if context is not None else pyudev.Context()
        self._monitor: pyudev.Monitor | None = None
        self._observer: Any = None

    @property
    def active(self) -> bool:
        return self._observer is not None

    def start(self) -> bool:
        """Starts watching; True when udev events will come, False when only the scan is left."""
        if self._observer is not None:
            return True
        try:
            monitor = pyudev.Monitor.from_netlink(self._context)
            monitor.filter_by("usb")
            observer = MonitorObserver(monitor, self)
            observer.deviceEvent.connect(self._on_device)
            monitor.start()
        except Exception as exc:  # any failure here only costs promptness: the scan remains
            log.warning(
                "USB hotplug events unavailable (%s): phones are found by the periodic scan", exc
            )
            return False
        self._monitor, self._observer = monitor, observer
        log.info("watching udev for USB phones")
        return True

    def stop(self) -> None:
        observer, self._observer, self._monitor = self._observer, None, None
        if observer is None:
            return
        observer.enabled = False
        observer.deviceEvent.disconnect(self._on_device)
        observer.deleteLater()

    def _on_device(self, device: pyudev.Device) -> None:
        self._source.handle_uevent(device.action or "", device)
