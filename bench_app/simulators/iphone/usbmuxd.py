"""The simulated usbmuxd: the daemon iPhone tools talk to, over a UNIX socket or TCP.

It speaks usbmuxd's plist protocol (version 1): ListDevices, Listen (Attached/Detached
events), Connect (the connection then becomes a tunnel to a port on the phone), ReadBUID and
the pair records (Read/Save/DeletePairRecord) that host tools keep in usbmuxd. Debian's
`ideviceinfo` reaches it with USBMUXD_SOCKET_ADDRESS=127.0.0.1:PORT or UNIX:/path.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import plistlib
import socket
import threading
import uuid
from pathlib import Path
from types import TracebackType
from typing import Any

from bench_app.devices.ios.wire import (
    MESSAGE_PLIST,
    RESULT_BADCOMMAND,
    RESULT_BADDEV,
    RESULT_BADVERSION,
    RESULT_CONNREFUSED,
    RESULT_OK,
    USBMUX_VERSION_PLIST,
    WireError,
    encode_usbmux,
    parse_plist,
    read_usbmux,
)
from bench_app.simulators.iphone.phone import SimulatedIPhone
from bench_app.simulators.mode import SimulationMode, require_simulation_allowed

log = logging.getLogger(__name__)

APPLE_IPHONE_PRODUCT_ID = 0x12A8  # what every iPhone since the 5 reports over USB
JOIN_TIMEOUT = 10.0  # seconds stop() waits for one thread; only reached by a bug


class UsbmuxdSimulator:
    """A usbmuxd with simulated iPhones attached; serves on `unix_path`, TCP, or both."""

    def __init__(
        self,
        mode: SimulationMode,
        *,
        unix_path: Path | None = None,
        tcp_port: int | None = None,
        host: str = "127.0.0.1",
    ) -> None:
        require_simulation_allowed(mode)
        if unix_path is None and tcp_port is None:
            raise ValueError("a UNIX path or a TCP port is needed")
        self.unix_path = unix_path
        self._tcp_request = tcp_port
        self.host = host
        self.tcp_port: int | None = None
        self.buid = str(uuid.uuid4()).upper()
        self.pair_records: dict[str, bytes] = {}  # UDID → the record a host saved
        self._phones: dict[int, SimulatedIPhone] = {}
        self._next_id = 1
        self._lock = threading.Lock()
        self._listeners: list[socket.socket] = []
        self._servers: list[socket.socket] = []
        self._threads: list[threading.Thread] = []
        self._clients: set[socket.socket] = set()
        self._stopping = threading.Event()

    # Phones.
    def attach(self, phone: SimulatedIPhone) -> int:
        """Plugs a phone in; returns its usbmuxd DeviceID. Listeners hear "Attached"."""
        phone.plug()
        if self._on_cable not in phone.cable_hooks:
            phone.cable_hooks.append(self._on_cable)
        with self._lock:
            known = [i for i, p in self._phones.items() if p is phone]
            if known:
                device_id = known[0]
            else:
                device_id = self._next_id
                self._next_id += 1
                self._phones[device_id] = phone
        self._announce({"MessageType": "Attached", "DeviceID": device_id,
                        "Properties": self._properties(device_id, phone)})  # fmt: skip
        return device_id

    def detach(self, phone: SimulatedIPhone) -> None:
        """Pulls a phone's cable: its connections drop, listeners hear "Detached"."""
        with self._lock:
            ids = [i for i, p in self._phones.items() if p is phone]
            for device_id in ids:
                del self._phones[device_id]
        phone.unplug()
        for device_id in ids:
            self._announce({"MessageType": "Detached", "DeviceID": device_id})

    def _on_cable(self, phone: SimulatedIPhone, present: bool) -> None:
        """A phone leaving or coming back by its own doing (restarting to erase)."""
        if present:
            self.attach(phone)
        else:
            self.detach(phone)

    def phones(self) -> dict[int, SimulatedIPhone]:
        with self._lock:
            return {i: p for i, p in self._phones.items() if p.plugged.is_set()}

    @property
    def address(self) -> str:
        """What USBMUXD_SOCKET_ADDRESS must say to reach this daemon."""
        if self.tcp_port is not None:
            return f"{self.host}:{self.tcp_port}"
        return f"UNIX:{self.unix_path}"

    # Life.
    def start(self) -> UsbmuxdSimulator:
        if self.unix_path is not None:
            with contextlib.suppress(FileNotFoundError):
                self.unix_path.unlink()
            server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            server.bind(str(self.unix_path))
            server.listen(16)
            self._servers.append(server)
        if self._tcp_request is not None:
            server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            server.bind((self.host, self._tcp_request))
            server.listen(16)
            self.tcp_port = server.getsockname()[1]
            self._servers.append(server)
        for server in self._servers:
            thread = threading.Thread(target=self._accept, args=(server,), daemon=True,
                                      name="usbmuxd-accept")  # fmt: skip
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self) -> None:
        """Closes every socket and waits for every thread; the phones' connections drop."""
        self._stopping.set()
        for server in self._servers:
            with contextlib.suppress(OSError):
                server.shutdown(socket.SHUT_RDWR)
            server.close()
        for phone in list(self._phones.values()):
            phone.unplug()
        with self._lock:
            clients = list(self._clients)
        for client in clients:
            with contextlib.suppress(OSError):
                client.shutdown(socket.SHUT_RDWR)
        for thread in list(self._threads):
            thread.join(JOIN_TIMEOUT)
        if self.unix_path is not None:
            with contextlib.suppress(FileNotFoundError):
                self.unix_path.unlink()

    def __enter__(self) -> UsbmuxdSimulator:
        return self.start()

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def _accept(self, server: socket.socket) -> None:
        while not self._stopping.is_set():
            try:
                client, _ = server.accept()
            except OSError:
                return
            with self._lock:
                self._clients.add(client)
                self._threads = [t for t in self._threads if t.is_alive()]
                thread = threading.Thread(target=self._serve, args=(client,), daemon=True,
                                          name="usbmuxd-client")  # fmt: skip
                self._threads.append(thread)
            thread.start()

    def _serve(self, client: socket.socket) -> None:
        try:
            self._talk(client)
        except (WireError, OSError) as exc:
            log.debug("usbmuxd client gone: %s", exc)
        finally:
            with self._lock:
                self._clients.discard(client)
                if client in self._listeners:
                    self._listeners.remove(client)
            with contextlib.suppress(OSError):
                client.close()

    # The protocol.
    def _talk(self, client: socket.socket) -> None:
        while True:
            version, message, tag, payload = read_usbmux(client)
            if version != USBMUX_VERSION_PLIST or message != MESSAGE_PLIST:
                self._result(client, tag, RESULT_BADVERSION)
                continue
            request = parse_plist(payload)
            kind = request.get("MessageType")
            if kind == "ListDevices":
                devices = [{"DeviceID": i, "MessageType": "Attached",
                            "Properties": self._properties(i, p)}
                           for i, p in sorted(self.phones().items())]  # fmt: skip
                client.sendall(encode_usbmux({"DeviceList": devices}, tag))
            elif kind == "Listen":
                self._result(client, tag, RESULT_OK)
                present = sorted(self.phones().items())
                with self._lock:
                    self._listeners.append(client)
                for i, p in present:
                    client.sendall(encode_usbmux({"MessageType": "Attached", "DeviceID": i,
                                                  "Properties": self._properties(i, p)}, 0))  # fmt: skip
                # A listening connection only ever receives from now on.
                while client.recv(4096):
                    pass
                return
            elif kind == "Connect":
                self._connect(client, tag, request)
                return
            elif kind == "ReadBUID":
                client.sendall(encode_usbmux({"BUID": self.buid}, tag))
            elif kind == "ReadPairRecord":
                record = self.pair_records.get(str(request.get("PairRecordID", "")))
                if record is None:
                    self._result(client, tag, errno.ENOENT)
                else:
                    client.sendall(encode_usbmux({"PairRecordData": record}, tag))
            elif kind == "SavePairRecord":
                data = request.get("PairRecordData")
                if not isinstance(data, bytes):
                    self._result(client, tag, errno.EINVAL)
                    continue
                self.pair_records[str(request.get("PairRecordID", ""))] = data
                self._result(client, tag, RESULT_OK)
            elif kind == "DeletePairRecord":
                found = self.pair_records.pop(str(request.get("PairRecordID", "")), None)
                self._result(client, tag, RESULT_OK if found is not None else errno.ENOENT)
            else:
                self._result(client, tag, RESULT_BADCOMMAND)

    def _connect(self, client: socket.socket, tag: int, request: dict[str, Any]) -> None:
        phone = self.phones().get(int(request.get("DeviceID", 0)))
        if phone is None:
            self._result(client, tag, RESULT_BADDEV)
            return
        # The port travels in network byte order inside the integer.
        port = int.from_bytes(int(request.get("PortNumber", 0)).to_bytes(2, "little"), "big")
        if not phone.accepts(port):
            self._result(client, tag, RESULT_CONNREFUSED)
            return
        self._result(client, tag, RESULT_OK)
        phone.serve(port, client)

    def _result(self, client: socket.socket, tag: int, number: int) -> None:
        client.sendall(encode_usbmux({"MessageType": "Result", "Number": number}, tag))

    def _announce(self, message: dict[str, Any]) -> None:
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            with contextlib.suppress(OSError):
                listener.sendall(encode_usbmux(message, 0))

    @staticmethod
    def _properties(device_id: int, phone: SimulatedIPhone) -> dict[str, Any]:
        return {
            "ConnectionSpeed": 480000000,
            "ConnectionType": "USB",
            "DeviceID": device_id,
            "LocationID": 0x14100000 + device_id,
            "ProductID": APPLE_IPHONE_PRODUCT_ID,
            "SerialNumber": phone.udid,
            "USBSerialNumber": phone.udid.replace("-", ""),
        }


def pair_record_of(daemon: UsbmuxdSimulator, udid: str) -> dict[str, Any] | None:
    """The pair record a host saved for that phone, decoded (tests and training look)."""
    data = daemon.pair_records.get(udid)
    return None if data is None else plistlib.loads(data)
