"""The simulated iPhone behind usbmuxd: lockdownd on port 62078 and the services it starts.

lockdownd speaks length-framed property lists: QueryType, GetValue (with domains), Pair with
the host's pair record (after "Trust This Computer?"), StartSession that turns the same
connection into TLS with the device certificate the host made at pairing, StopSession back
to plain text, and StartService for diagnostics_relay (the battery's IORegistry entry).
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import socket
import ssl
import tempfile
import threading
import uuid
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from bench_app.devices.ios.wire import LOCKDOWN_PORT, WireError, recv_plist, send_plist
from bench_app.simulators.iphone.persona import PUBLIC_KEYS, Behaviour, IPhonePersona

log = logging.getLogger(__name__)

DIAGNOSTICS_RELAY = "com.apple.mobile.diagnostics_relay"
MCINSTALL = "com.apple.mobile.MCInstall"  # profiles, and "erase all content and settings"
SERVICES = (DIAGNOSTICS_RELAY, MCINSTALL)
SYSTEM_DATA_BYTES = 3_000_000_000  # what a freshly erased iPhone already uses
FIRST_SERVICE_PORT = 49152
# What the battery's IORegistry entry is asked for by: its class names across iOS versions.
BATTERY_ENTRIES = ("AppleSmartBattery", "IOPMPowerSource", "AppleARMPMUCharger")

_KEY_LOCK = threading.Lock()
_KEY: rsa.RSAPrivateKey | None = None


def _device_key() -> rsa.RSAPrivateKey:
    """One RSA key for every simulated phone of the process (2048-bit keys are slow to make)."""
    global _KEY
    with _KEY_LOCK:
        if _KEY is None:
            _KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return _KEY


class SimulatedIPhone:
    """One iPhone: its persona, the hosts it trusts, its open connections."""

    def __init__(self, persona: IPhonePersona, behaviour: Behaviour | None = None) -> None:
        self.persona = persona
        self.behaviour = behaviour or persona.behaviour
        self.values = dict(persona.values)
        self.domains = {name: dict(d) for name, d in persona.domains.items()}
        # MCInstall's view: the cloud configuration (supervision, enrolment) and profiles.
        self.cloud_configuration: dict[str, Any] | None = (
            dict(persona.management["cloud_configuration"])
            if "cloud_configuration" in persona.management
            else None
        )
        self.profiles: dict[str, dict[str, Any]] = {
            str(k): dict(v) for k, v in persona.management.get("profiles", {}).items()
        }
        self._key = _device_key()
        self.public_key_pem = self._key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.PKCS1
        )
        self.trusted: dict[str, dict[str, Any]] = {}  # HostID → the pair record it sent
        self.asks = 0  # Pair requests seen while the dialog was up
        # What the user answers instead of tapping Trust ("UserDeniedPairing", or
        # "PasswordProtected" while the screen is locked); None: the persona's behaviour.
        self.pair_error: str | None = None
        self.requests: list[str] = []  # every lockdownd request, in order (tests read it)
        self.plugged = threading.Event()
        self.plugged.set()
        # Told False when the phone leaves its usbmuxd (cable, restart), True when it is back.
        self.cable_hooks: list[Callable[[SimulatedIPhone, bool], None]] = []
        self.erased = threading.Event()  # set once an erase has run
        self.erase_count = 0
        self._eraser: threading.Thread | None = None
        self._lock = threading.Lock()
        self._asked = threading.Condition(self._lock)
        self._services: dict[int, tuple[str, str]] = {}  # port → (service, HostID)
        self._next_port = FIRST_SERVICE_PORT
        self._sockets: set[socket.socket] = set()
        self._tmp = Path(tempfile.mkdtemp(prefix="etabli-iphone-"))
        self._key_file = self._tmp / "device-key.pem"
        self._key_file.write_bytes(
            self._key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.TraditionalOpenSSL,
                serialization.NoEncryption(),
            )
        )
        os.chmod(self._key_file, 0o600)

    @property
    def udid(self) -> str:
        return self.persona.udid

    def wait_for_asks(self, count: int, timeout_s: float) -> bool:
        """Waits until the host has asked to pair `count` times (tests, training scripts)."""
        with self._asked:
            return self._asked.wait_for(lambda: self.asks >= count, timeout_s)

    # The cable.
    def unplug(self) -> None:
        """Pulls the cable: every open connection drops; usbmuxd stops listing the phone."""
        self.plugged.clear()
        with self._lock:
            sockets = list(self._sockets)
            self._services.clear()
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def plug(self) -> None:
        self.plugged.set()

    def close(self) -> None:
        """Drops every connection and removes the phone's temporary key files."""
        self.unplug()
        if self._eraser is not None and self._eraser is not threading.current_thread():
            self._eraser.join(10)
        shutil.rmtree(self._tmp, ignore_errors=True)

    def _cable(self, present: bool) -> None:
        for hook in list(self.cable_hooks):
            hook(self, present)

    # What usbmuxd hands over after a Connect.
    def accepts(self, port: int) -> bool:
        """Whether something listens on that device port (lockdownd or a started service)."""
        with self._lock:
            return self.plugged.is_set() and (port == LOCKDOWN_PORT or port in self._services)

    def serve(self, port: int, sock: socket.socket) -> None:
        """Serves one tunnelled connection until the host or the cable closes it."""
        with self._lock:
            started = self._services.pop(port, None) if port != LOCKDOWN_PORT else None
            self._sockets.add(sock)
        try:
            if port == LOCKDOWN_PORT:
                self._lockdownd(sock)
            elif started is not None:
                self._service(started[0], started[1], sock)
        except (WireError, OSError, ssl.SSLError, ValueError) as exc:
            log.debug("iPhone %s: connection ended: %s", self.udid, exc)
        finally:
            with self._lock:
                self._sockets.discard(sock)

    # lockdownd.
    def _lockdownd(self, raw: socket.socket) -> None:
        current = [raw]  # the socket the connection uses now (TLS on and off replace it)
        try:
            self._lockdownd_loop(raw, current)
        finally:
            with self._lock:
                self._sockets.discard(current[0])

    def _lockdownd_loop(self, raw: socket.socket, current: list[socket.socket]) -> None:
        conn: socket.socket = raw
        session: str | None = None  # HostID of the running session
        while True:
            current[0] = conn
            request = recv_plist(conn)
            name = str(request.get("Request", ""))
            self.requests.append(name)
            if name == "QueryType":
                send_plist(conn, {"Request": name, "Type": "com.apple.mobile.lockdown"})
            elif name == "GetValue":
                send_plist(conn, self._get_value(request, session is not None))
            elif name in ("Pair", "ValidatePair"):
                send_plist(conn, self._pair(name, request))
            elif name == "Unpair":
                record = request.get("PairRecord") or {}
                self.trusted.pop(str(record.get("HostID", "")), None)
                send_plist(conn, {"Request": name})
            elif name == "StartSession":
                host_id = str(request.get("HostID", ""))
                if host_id not in self.trusted:
                    send_plist(conn, {"Request": name, "Error": "InvalidHostID"})
                    continue
                if session is not None:
                    send_plist(conn, {"Request": name, "Error": "SessionActive"})
                    continue
                session_id = str(uuid.uuid4()).upper()
                send_plist(
                    conn, {"Request": name, "SessionID": session_id, "EnableSessionSSL": True}
                )
                conn = self._swap(conn, self._tls(raw, host_id))
                session = host_id
            elif name == "StopSession":
                send_plist(conn, {"Request": name})
                if isinstance(conn, ssl.SSLSocket):
                    raw = self._swap(conn, conn.unwrap())
                    conn = raw
                session = None
            elif name == "StartService":
                send_plist(conn, self._start_service(request, session))
            elif name == "Goodbye":
                send_plist(conn, {"Request": name, "Result": "Success"})
                return
            else:
                send_plist(conn, {"Request": name, "Error": "InvalidRequest"})

    def _swap(self, old: socket.socket, new: socket.socket) -> socket.socket:
        """Tracks the socket a connection now uses (TLS wraps and unwraps replace it)."""
        with self._lock:
            self._sockets.discard(old)
            self._sockets.add(new)
        if not self.plugged.is_set():  # the cable went during the swap
            with contextlib.suppress(OSError):
                new.shutdown(socket.SHUT_RDWR)
        return new

    def _get_value(self, request: dict[str, Any], in_session: bool) -> dict[str, Any]:
        domain = request.get("Domain")
        key = request.get("Key")
        reply: dict[str, Any] = {"Request": "GetValue"}
        if domain is not None:
            reply["Domain"] = domain
        if key is not None:
            reply["Key"] = key
        if domain is None:
            values = {**self.values, "DevicePublicKey": self.public_key_pem}
            if not in_session:
                values = {k: v for k, v in values.items() if k in PUBLIC_KEYS}
        elif not in_session:
            return {**reply, "Error": "GetProhibited"}
        elif domain in self.domains:
            values = self.domains[domain]
        else:
            return {**reply, "Error": "MissingValue"}
        if key is None:
            return {**reply, "Value": values}
        if key in values:
            return {**reply, "Value": values[key]}
        if domain is None and not in_session and key in self.values:
            return {**reply, "Error": "GetProhibited"}
        return {**reply, "Error": "MissingValue"}

    def _pair(self, name: str, request: dict[str, Any]) -> dict[str, Any]:
        record = request.get("PairRecord")
        if not isinstance(record, dict):
            return {"Request": name, "Error": "InvalidPairRecord"}
        host_id = str(record.get("HostID", ""))
        if name == "ValidatePair":
            return {"Request": name} if host_id in self.trusted else {
                "Request": name, "Error": "InvalidHostID"}  # fmt: skip
        if host_id in self.trusted:
            return {"Request": name, "EscrowBag": self.trusted[host_id]["EscrowBag"]}
        try:
            # libimobiledevice numbers its host certificates 0, which RFC 5280 frowns upon.
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                device_cert = x509.load_pem_x509_certificate(bytes(record["DeviceCertificate"]))
                x509.load_pem_x509_certificate(bytes(record["RootCertificate"]))
                x509.load_pem_x509_certificate(bytes(record["HostCertificate"]))
        except (KeyError, TypeError, ValueError):
            return {"Request": name, "Error": "InvalidPairRecord"}
        mine = self._key.public_key().public_numbers()
        if device_cert.public_key().public_numbers() != mine:  # type: ignore[union-attr]
            return {"Request": name, "Error": "InvalidPairRecord"}
        if self.pair_error is not None:
            return {"Request": name, "Error": self.pair_error}
        with self._lock:
            waiting = self.behaviour.trust_after_asks < 0 or (
                self.asks < self.behaviour.trust_after_asks
            )
            self.asks += 1
            self._asked.notify_all()
        if waiting:  # "Trust This Computer?" is on the screen; nobody has answered yet
            return {"Request": name, "Error": "PairingDialogResponsePending"}
        escrow = os.urandom(32)
        self.trusted[host_id] = {**record, "EscrowBag": escrow}
        return {"Request": name, "EscrowBag": escrow}

    def _tls(self, raw: socket.socket, host_id: str) -> ssl.SSLSocket:
        """TLS over the same connection, the phone presenting the certificate the host made
        for it and asking for one signed by the host's root."""
        record = self.trusted[host_id]
        cert_file = self._tmp / f"{host_id}.pem"
        cert_file.write_bytes(bytes(record["DeviceCertificate"]))
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        # Host tools still sign pairing certificates with SHA-1.
        context.set_ciphers("ALL:@SECLEVEL=0")
        context.num_tickets = 0
        context.load_cert_chain(cert_file, self._key_file)
        context.load_verify_locations(cadata=bytes(record["RootCertificate"]).decode("ascii"))
        context.verify_mode = ssl.CERT_REQUIRED
        return context.wrap_socket(raw, server_side=True)

    def _start_service(self, request: dict[str, Any], session: str | None) -> dict[str, Any]:
        service = str(request.get("Service", ""))
        reply: dict[str, Any] = {"Request": "StartService", "Service": service}
        if session is None:
            return {**reply, "Error": "SessionInactive"}
        if service not in SERVICES:
            return {**reply, "Error": "InvalidService"}
        with self._lock:
            port = self._next_port
            self._next_port += 1
            self._services[port] = (service, session)
        return {**reply, "Port": port, "EnableServiceSSL": True}

    # Services.
    def _service(self, service: str, host_id: str, raw: socket.socket) -> None:
        conn = self._swap(raw, self._tls(raw, host_id))
        try:
            if service == DIAGNOSTICS_RELAY:
                self._diagnostics_relay(conn)
            elif service == MCINSTALL:
                self._mcinstall(conn)
        finally:
            with self._lock:
                self._sockets.discard(conn)
            with contextlib.suppress(OSError):
                conn.close()

    def _diagnostics_relay(self, conn: socket.socket) -> None:
        while True:
            request = recv_plist(conn)
            name = request.get("Request")
            self.requests.append(f"diagnostics_relay:{name}")
            if name == "IORegistry":
                wanted = {request.get("EntryClass"), request.get("EntryName")}
                if wanted & set(BATTERY_ENTRIES) and self.persona.battery:
                    send_plist(conn, {"Status": "Success",
                                      "Diagnostics": {"IORegistry": self.persona.battery}})  # fmt: skip
                else:
                    send_plist(conn, {"Status": "Failure"})
            elif name == "Goodbye":
                send_plist(conn, {"Status": "Success"})
                return
            else:
                send_plist(conn, {"Status": "UnknownRequest"})

    def _mcinstall(self, conn: socket.socket) -> None:
        while True:
            request = recv_plist(conn)
            kind = request.get("RequestType")
            self.requests.append(f"MCInstall:{kind}")
            if kind == "HelloHostIdentifier":
                send_plist(conn, {"Status": "Acknowledged", "Identifier": self.udid})
            elif kind == "Flush":
                send_plist(conn, {"Status": "Acknowledged"})
            elif kind == "GetCloudConfiguration":
                reply: dict[str, Any] = {"Status": "Acknowledged"}
                if self.cloud_configuration is not None:
                    reply["CloudConfiguration"] = self.cloud_configuration
                send_plist(conn, reply)
            elif kind == "GetProfileList":
                send_plist(conn, {"Status": "Acknowledged",
                                  "OrderedIdentifiers": list(self.profiles),
                                  "ProfileMetadata": self.profiles})  # fmt: skip
            elif kind == "EraseDevice" and self.behaviour.refuses_remote_erase:
                send_plist(conn, {"Status": "Error", "ErrorChain": [
                    {"ErrorDomain": "MCInstallationErrorDomain", "ErrorCode": 4033,
                     "LocalizedDescription": "The device cannot be erased from this host."}]})  # fmt: skip
            elif kind == "EraseDevice":
                if not self.behaviour.unplug_during_erase:
                    send_plist(conn, {"Status": "Acknowledged"})
                self._start_erase()
                return
            else:
                send_plist(conn, {"Status": "Error", "ErrorChain": [
                    {"ErrorDomain": "MCInstallationErrorDomain", "ErrorCode": 4001,
                     "LocalizedDescription": f"Unknown request {kind}"}]})  # fmt: skip

    def erase_from_settings(self) -> None:
        """What the operator does on the phone: Settings › General › Transfer or Reset ›
        Erase All Content and Settings."""
        self._start_erase()

    def _start_erase(self) -> None:
        """The phone restarts into its eraser: it leaves usbmuxd at once, wipes the user's
        data and every pairing, and comes back at "Hello" (unless its cable was pulled)."""
        self._cable(False)
        self._eraser = threading.Thread(target=self._erase, name="iphone-erase", daemon=True)
        self._eraser.start()

    def _erase(self) -> None:
        with self._lock:
            self.trusted.clear()
            self.asks = 0
            self.values["ActivationState"] = "Unactivated"
            self.values["DeviceName"] = "iPhone"
            self.values["PasswordProtected"] = False
            self.values.pop("PhoneNumber", None)
            disk = self.domains.setdefault("com.apple.disk_usage", {})
            capacity = int(disk.get("TotalDataCapacity", 0))
            for key in ("TotalDataAvailable", "AmountDataAvailable"):
                disk[key] = max(capacity - SYSTEM_DATA_BYTES, 0)
            self.domains["com.apple.purplebuddy"] = {"SetupDone": False}
            # A phone in setup pairs without the dialog (libimobiledevice issue #1395, its
            # maintainer). Find My's Activation Lock is Apple's servers', not the phone's to
            # forget: it survives the erase and asks for the account again at setup.
            self.behaviour = self.behaviour.with_flags(trust_after_asks=0)
            self.erase_count += 1
        self.erased.set()
        if self.behaviour.unplug_during_erase:
            return  # the cable is out: back only when someone plugs it in
        threading.Event().wait(self.behaviour.erase_seconds)  # the phone restarting
        self._cable(True)
