"""The iPhone driver: an iPhone usbmuxd sees, reached through lockdownd.

Before anything but its name, the phone must trust this computer: the first pairing puts
"Trust This Computer?" ("Faire confiance à cet ordinateur ?") on its screen, and the bench
waits until someone taps it. The pair record is then kept in usbmuxd, as every iPhone tool
does, so the next connection goes straight to a TLS session.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from enum import StrEnum
from typing import Any

from bench_app.devices.ios.lockdown import LockdownClient, LockdownError, tls_client
from bench_app.devices.ios.models import marketing_name
from bench_app.devices.ios.pairing import make_pair_record, public_part
from bench_app.devices.ios.usbmux import UsbmuxClient, UsbmuxDevice, UsbmuxError
from bench_app.devices.ios.wire import (
    LOCKDOWN_PORT,
    RESULT_BADDEV,
    RESULT_CONNREFUSED,
    WireError,
    recv_plist,
    send_plist,
)
from bench_app.devices.source import DeviceGone, DeviceHandle, DeviceNoAnswer
from bench_app.domain.model import DeviceKind

log = logging.getLogger(__name__)

MCINSTALL = "com.apple.mobile.MCInstall"

# lockdownd's answers while the phone has not (yet) trusted this computer.
NOT_TRUSTED_ERRORS = {"PairingDialogResponsePending", "UserDeniedPairing", "PasswordProtected"}


class IPhoneState(StrEnum):
    TRUSTED = "trusted"  # paired: a session opens
    PENDING_TRUST = "pending_trust"  # "Trust This Computer?" waits for a tap
    DENIED = "denied"  # the user tapped "Don't Trust"
    LOCKED = "locked"  # the screen is locked with a passcode: unlock it first


class EraseRefused(Exception):
    """The phone answered the erase request with a refusal: this iOS does not let a computer
    erase it here; the operator erases it from its own Settings."""

    def __init__(self, reply: dict[str, Any]) -> None:
        super().__init__(f"the phone refused to erase: {reply!r}")
        self.reply = reply


class EraseUnconfirmed(Exception):
    """The erase request was sent but the phone went before saying it accepted it (cable
    pulled, restart): only a check once it is back can tell whether it erased."""


class IPhoneNotTrusted(Exception):
    """The phone does not trust this computer yet (`state` says why)."""

    def __init__(self, state: IPhoneState) -> None:
        super().__init__(state.value)
        self.state = state


_STATE_OF_ERROR = {
    "PairingDialogResponsePending": IPhoneState.PENDING_TRUST,
    "UserDeniedPairing": IPhoneState.DENIED,
    "PasswordProtected": IPhoneState.LOCKED,
}


class IPhone(DeviceHandle):
    """One iPhone behind usbmuxd."""

    kind = DeviceKind.PHONE
    brand_hint = "Apple"  # what its card says before the phone trusts the station

    def __init__(
        self, device: UsbmuxDevice, usbmux: UsbmuxClient, *, simulated: bool = False
    ) -> None:
        self.device = device
        self.usbmux = usbmux
        self.simulated = simulated
        self.key = f"ios:{device.udid}"
        self.state: IPhoneState | None = None
        self._values: dict[str, Any] | None = None
        self._gone = False
        self._record: dict[str, Any] = {}
        # The phone refused the pair record this computer held: it forgot its pairings.
        self.pairing_forgotten = False
        self._lock = threading.Lock()

    @property
    def udid(self) -> str:
        return self.device.udid

    @property
    def connected(self) -> bool:
        return not self._gone and self.state is IPhoneState.TRUSTED

    @property
    def gone(self) -> bool:
        return self._gone

    def mark_gone(self) -> None:
        """usbmuxd says the cable is out: nothing more is asked of this handle."""
        self._gone = True

    def close(self) -> None:
        """Nothing stays open between requests: each opens and closes its own tunnel."""
        self._values = None

    def _tunnel(self, port: int) -> socket.socket:
        try:
            return self.usbmux.connect(self.device.device_id, port)
        except UsbmuxError as exc:
            if exc.number in (RESULT_BADDEV, None):
                self._gone = True
                raise DeviceGone(str(exc)) from exc
            if exc.number == RESULT_CONNREFUSED:
                raise DeviceNoAnswer(str(exc)) from exc
            raise DeviceNoAnswer(str(exc)) from exc

    def _pair_record(self, client: LockdownClient) -> dict[str, Any]:
        """The record this computer holds for the phone, pairing first if there is none."""
        record = self.usbmux.read_pair_record(self.udid)
        if record is not None:
            return record
        public_key = client.get_value("DevicePublicKey")
        if not isinstance(public_key, bytes):
            raise DeviceNoAnswer("the phone gave no public key")
        record = make_pair_record(public_key, self.usbmux.read_buid())
        try:
            reply = client.pair(public_part(record))
        except LockdownError as exc:
            if exc.code in _STATE_OF_ERROR:
                self.state = _STATE_OF_ERROR[exc.code]
                raise IPhoneNotTrusted(self.state) from exc
            raise
        if isinstance(reply.get("EscrowBag"), bytes):
            record["EscrowBag"] = reply["EscrowBag"]
        self.usbmux.save_pair_record(self.udid, self.device.device_id, record)
        return record

    @contextlib.contextmanager
    def lockdown(self) -> Iterator[LockdownClient]:
        """A lockdownd connection with a session open as this (paired) computer.
        IPhoneNotTrusted until the phone trusts it; DeviceGone if it was unplugged."""
        with self._lock:
            client = LockdownClient(self._tunnel(LOCKDOWN_PORT))
            try:
                with self._translated():
                    if client.query_type() != "com.apple.mobile.lockdown":
                        raise DeviceNoAnswer("not lockdownd at the other end")
                    record = self._pair_record(client)
                    try:
                        client.start_session(record)
                    except LockdownError as exc:
                        if exc.code != "InvalidHostID":
                            raise
                        # The phone forgot us (erased, or "Reset Location & Privacy").
                        self.pairing_forgotten = True
                        with contextlib.suppress(UsbmuxError, WireError, OSError):
                            self.usbmux.delete_pair_record(self.udid)
                        self.state = IPhoneState.PENDING_TRUST
                        raise IPhoneNotTrusted(self.state) from exc
                    self.state = IPhoneState.TRUSTED
                    self._record = record
                yield client
            finally:
                client.close()

    @contextlib.contextmanager
    def _translated(self) -> Iterator[None]:
        """The phone's and the wire's failures, as every driver reports them."""
        try:
            yield
        except (IPhoneNotTrusted, DeviceGone, DeviceNoAnswer):
            raise
        except LockdownError as exc:
            raise DeviceNoAnswer(str(exc)) from exc
        except (ConnectionError, WireError, ssl.SSLError) as exc:
            if self._still_plugged():
                raise DeviceNoAnswer(str(exc)) from exc
            self._gone = True
            raise DeviceGone(str(exc)) from exc
        except OSError as exc:  # timeouts and the like
            raise DeviceNoAnswer(str(exc)) from exc

    def _still_plugged(self) -> bool:
        with contextlib.suppress(UsbmuxError, WireError, OSError):
            return any(d.udid == self.udid for d in self.usbmux.list_devices())
        return False

    def connect(self, on_waiting_for_user: Callable[[], None] | None = None) -> IPhoneState:
        """Pairs if needed and opens a session once; IPhoneNotTrusted (after calling
        `on_waiting_for_user`) while the phone waits for "Trust"."""
        try:
            with self.lockdown():
                return IPhoneState.TRUSTED
        except IPhoneNotTrusted:
            if on_waiting_for_user is not None:
                on_waiting_for_user()
            raise

    def bring_up(
        self,
        stop: threading.Event,
        on_state: Callable[[IPhoneState], None],
        retry_s: float = 1.0,
    ) -> bool:
        """Tries until the phone trusts this computer (True), or `stop` is set or the phone
        is unplugged (False), telling `on_state` each time it still waits."""
        while not stop.is_set():
            try:
                self.connect()
                return True
            except IPhoneNotTrusted as exc:
                on_state(exc.state)
            except DeviceGone:
                return False  # unplugged while waiting: discovery reports it again
            except DeviceNoAnswer as exc:  # still starting up, or busy: try again
                log.info("iPhone %s not answering yet: %s", self.udid, exc)
            stop.wait(retry_s)
        return False

    def values(self, domain: str | None = None, refresh: bool = False) -> dict[str, Any]:
        """Every lockdownd value of a domain (the phone's own domain by default)."""
        if domain is None and self._values is not None and not refresh:
            return self._values
        with self.lockdown() as client, self._translated():
            found = client.get_value(domain=domain)
        values = dict(found) if isinstance(found, dict) else {}
        if domain is None:
            self._values = values
        return values

    def service_request(self, service: str, request: dict[str, Any]) -> dict[str, Any]:
        """Starts `service`, sends one request, returns its reply, says goodbye."""
        with self.lockdown() as client, self._translated():
            port, use_tls = client.start_service(service)
            sock: socket.socket = self._tunnel(port)
            try:
                if use_tls:
                    sock = tls_client(sock, self._record)
                send_plist(sock, request)
                reply = recv_plist(sock)
                with contextlib.suppress(WireError, OSError):
                    send_plist(sock, {"Request": "Goodbye"})
                    recv_plist(sock)
                return reply
            finally:
                with contextlib.suppress(OSError):
                    sock.close()

    def pair_record(self) -> dict[str, Any] | None:
        """The pair record this computer holds for the phone now (None: never paired)."""
        with self._translated():
            return self.usbmux.read_pair_record(self.udid)

    def refuses_record(self, record: dict[str, Any]) -> bool:
        """Whether the phone refuses a session to the host of `record` (it forgot that
        pairing, as an erase makes it do); leaves this computer's own record alone."""
        with self._lock, self._translated():
            client = LockdownClient(self._tunnel(LOCKDOWN_PORT))
            try:
                client.query_type()
                try:
                    client.start_session(record)
                except LockdownError as exc:
                    if exc.code == "InvalidHostID":
                        return True
                    raise
                return False
            finally:
                client.close()

    def erase(self) -> None:
        """Asks the phone to erase all content and settings (MCInstall's EraseDevice), as the
        Settings menu does. Returns once the phone acknowledged; EraseUnconfirmed if it went
        before answering; EraseRefused if it answered no. Either way the phone then restarts: check it when it is back."""
        with self.lockdown() as client, self._translated():
            port, use_tls = client.start_service(MCINSTALL)
            sock: socket.socket = self._tunnel(port)
            try:
                if use_tls:
                    sock = tls_client(sock, self._record)
                send_plist(sock, {"RequestType": "EraseDevice", "PreserveDataPlan": False,
                                  "DisallowProximitySetup": False})  # fmt: skip
                try:
                    reply = recv_plist(sock)
                except (WireError, OSError, ssl.SSLError) as exc:
                    self._gone = True
                    raise EraseUnconfirmed(str(exc)) from exc
            finally:
                with contextlib.suppress(OSError):
                    sock.close()
        if reply.get("Status") != "Acknowledged":
            raise EraseRefused(reply)
        self._gone = True  # it restarts now; discovery reports it again when it is back

    def identity(self) -> dict[str, Any]:
        """brand, model (marketing name), product type, serial, UDID, IMEI, iOS version."""
        values = self.values()
        product_type = str(values.get("ProductType", ""))
        return {
            "brand": "Apple",
            "model": marketing_name(product_type),
            "product_type": product_type,
            "model_number": f"{values.get('ModelNumber', '')}{values.get('RegionInfo', '')}",
            "serial": str(values.get("SerialNumber", "")),
            "udid": self.udid,
            "imei": str(values.get("InternationalMobileEquipmentIdentity", "")),
            "imei2": str(values.get("InternationalMobileEquipmentIdentity2", "")),
            "ios_version": str(values.get("ProductVersion", "")),
            "build": str(values.get("BuildVersion", "")),
            "color": str(values.get("DeviceColor", "")),
            "enclosure_color": str(values.get("DeviceEnclosureColor", "")),
        }
