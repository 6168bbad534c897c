"""The ADB driver: talks to one phone over USB (libusb) or TCP with adb-shell, and turns
every transport failure into the bench's own words: the phone went away (DeviceGone), or it
does not answer sensibly (DeviceNoAnswer), or it has not trusted this station yet."""

from __future__ import annotations

import contextlib
import errno
import logging
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypeVar

from adb_shell import exceptions as adb_errors
from adb_shell.adb_device import AdbDevice
from adb_shell.auth.sign_cryptography import CryptographySigner
from adb_shell.transport.tcp_transport import TcpTransport

from bench_app.devices.source import DeviceGone, DeviceHandle, DeviceNoAnswer
from bench_app.domain.model import DeviceKind

log = logging.getLogger(__name__)

T = TypeVar("T")

# A phone's answer to a diagnostic command is a few kilobytes; anything far bigger is a fault.
MAX_REPLY_BYTES = 4 * 1024 * 1024


class PhoneState(StrEnum):
    """What the operator is told about a phone's connection."""

    NO_DEBUGGING = "no_debugging"  # charging only / MTP: USB debugging is off
    UNAUTHORIZED = "unauthorized"  # debugging on, this station's key not accepted yet
    OFFLINE = "offline"
    DEVICE = "device"  # ready
    RECOVERY = "recovery"
    SIDELOAD = "sideload"
    FASTBOOT = "fastboot"


class TradeIn(StrEnum):
    """Whether adbd runs in Android 16's trade-in mode (a reset phone at its setup screen)."""

    NONE = ""  # a phone as usual: debugging switched on and this station allowed
    FOYER = "foyer"  # setup screen: no key asked, only `tradeinmode` commands answered
    EVALUATION = "evaluation"  # after `tradeinmode evaluate`: a full shell, reset at reboot


class PhoneUnauthorized(Exception):
    """The phone has not accepted the station's key: the operator must tap Allow on it."""


@dataclass(frozen=True, slots=True)
class AdbTarget:
    """Where a phone is: a TCP address (Wi-Fi debugging, the simulator) or a USB serial."""

    host: str = ""
    port: int = 5555
    usb_serial: str = ""
    usb_port_path: tuple[int, ...] | None = None

    @property
    def key(self) -> str:
        if self.usb_serial or self.usb_port_path:
            return f"adb:usb:{self.usb_serial or '.'.join(map(str, self.usb_port_path or ()))}"
        return f"adb:tcp:{self.host}:{self.port}"

    @classmethod
    def parse(cls, text: str) -> AdbTarget:
        """`HOST:PORT` (or `HOST`, port 5555) for TCP, anything else is a USB serial."""
        if ":" in text:
            host, _, port = text.rpartition(":")
            return cls(host=host, port=int(port))
        if text.count(".") == 3 or text == "localhost":
            return cls(host=text)
        return cls(usb_serial=text)


class AndroidPhone(DeviceHandle):
    """One phone reached over ADB. Thread-safe: commands are serialised."""

    kind = DeviceKind.PHONE

    def __init__(
        self,
        target: AdbTarget,
        signer: CryptographySigner,
        *,
        simulated: bool = False,
        command_timeout_s: float = 20.0,
        auth_timeout_s: float = 60.0,
        device_factory: Callable[[AdbTarget], AdbDevice] | None = None,
    ) -> None:
        self.target = target
        self.key = target.key
        self.simulated = simulated
        self._signer = signer
        self._timeout = command_timeout_s
        self._auth_timeout = auth_timeout_s
        self._factory = device_factory or _default_device
        self._device: AdbDevice | None = None
        self._lock = threading.RLock()
        self._props: dict[str, str] | None = None
        self._gone = threading.Event()
        # Connections opened so far, and the lock that moves it together with _gone: an
        # absence discovery saw before the latest connection is not this connection's.
        self._connections = 0
        self._presence = threading.Lock()
        self.state = PhoneState.OFFLINE
        self.brand_hint = ""  # the maker, as USB tells it before the phone can be asked
        # Found out at each connection: whether adbd runs in trade-in mode (TradeIn).
        self.trade_in = TradeIn.NONE

    # -- connection ------------------------------------------------------------------------

    @property
    def connected(self) -> bool:
        return self.state is PhoneState.DEVICE and not self._gone.is_set()

    def connect(self, on_waiting_for_user: Callable[[], None] | None = None) -> PhoneState:
        """Opens the ADB connection. When the phone does not know the station's key it shows
        "Allow USB debugging?": `on_waiting_for_user` is called then, and the connection
        completes as soon as the operator taps Allow.

        Raises PhoneUnauthorized when it is not accepted within the auth timeout."""
        with self._lock:
            if self._device is not None and self.connected:
                return self.state
            device = self._factory(self.target)
            self.state = PhoneState.OFFLINE

            def asking(_: object) -> None:
                self.state = PhoneState.UNAUTHORIZED
                if on_waiting_for_user is not None:
                    on_waiting_for_user()

            signer = _WatchedSigner(self._signer)
            try:
                device.connect(
                    rsa_keys=[signer],
                    auth_timeout_s=self._auth_timeout,
                    transport_timeout_s=self._timeout,
                    read_timeout_s=self._timeout,
                    auth_callback=asking,
                )
            except (
                adb_errors.DeviceAuthError,
                adb_errors.AdbTimeoutError,
                adb_errors.TcpTimeoutException,
            ) as exc:
                _close_quietly(device)
                # Timed out after the phone asked its user to allow our key: not allowed.
                if (
                    isinstance(exc, adb_errors.DeviceAuthError)
                    or self.state is PhoneState.UNAUTHORIZED
                ):
                    self.state = PhoneState.UNAUTHORIZED
                    raise PhoneUnauthorized(str(exc)) from exc
                raise DeviceNoAnswer(f"no answer while connecting: {exc}") from exc
            except Exception as exc:
                _close_quietly(device)
                raise _translate(exc) from exc
            self._device = device
            with self._presence:
                self._connections += 1
                self._gone.clear()
            self._props = None
            self.state = PhoneState.DEVICE
            # Only a daemon that never asked for a key can be in trade-in mode: the others
            # are spared the look.
            self.trade_in = TradeIn.NONE if signer.asked else self._call(_trade_in_state)
            return self.state

    def bring_up(
        self,
        stop: threading.Event,
        on_state: Callable[[PhoneState], None],
        retry_s: float = 1.0,
    ) -> bool:
        """Connects, waiting as long as it takes for the operator to accept the station's key
        on the phone; reports each state on the way. False when `stop` is set first."""
        while not stop.is_set():
            try:
                self.connect(lambda: on_state(PhoneState.UNAUTHORIZED))
                on_state(PhoneState.DEVICE)
                return True
            except PhoneUnauthorized:
                on_state(PhoneState.UNAUTHORIZED)
            except (DeviceGone, DeviceNoAnswer) as exc:
                log.info("phone %s not reachable yet: %s", self.key, exc)
                on_state(PhoneState.OFFLINE)
            stop.wait(retry_s)
        return False

    @property
    def gone(self) -> bool:
        """The connection died under a command (unplugged, rebooted)."""
        return self._gone.is_set()

    def forget_connection(self) -> None:
        """Ready to be brought up again after it came back."""
        self.close()
        self._gone.clear()

    def came_back(self) -> None:
        """Discovery sees the phone again (back from a reboot, replugged): commands may
        reach it again. A connection a job has already opened meanwhile is kept: closing it
        here would cut that job in the middle of its next command."""
        self._gone.clear()

    def close(self) -> None:
        with self._lock:
            if self._device is not None:
                _close_quietly(self._device)
            self._device = None
            self.state = PhoneState.OFFLINE

    @property
    def connections(self) -> int:
        """How many connections were opened so far (see `mark_gone`)."""
        return self._connections

    def mark_gone(self, seen_at: int | None = None) -> None:
        """Called by discovery when the phone is unplugged: running commands fail fast.
        `seen_at`: `connections` as it was when discovery saw the phone absent. A connection
        opened since shows that the phone came back meanwhile (a daemon restarting answers
        again at once): that absence is over, and the connection is kept."""
        with self._presence:
            count = self._connections
            if seen_at is not None and count != seen_at:
                return
            self._gone.set()
        with self._lock:
            if self._connections == count:  # not a connection opened after the absence
                self.close()

    # -- commands --------------------------------------------------------------------------

    def shell(
        self, command: str, *, timeout_s: float | None = None, limit: int = MAX_REPLY_BYTES
    ) -> str:
        """Runs a shell command and returns its output (stdout and stderr, as the legacy
        `shell:` service gives them). DeviceGone / DeviceNoAnswer on failure; at once
        for a command adbd in trade-in mode would refuse (all but `tradeinmode`)."""

        def run(device: AdbDevice) -> str:
            # Known at connection: no need to send what adbd will refuse.
            if self.trade_in is TradeIn.FOYER and command.split()[:1] != ["tradeinmode"]:
                raise DeviceNoAnswer(f"{command!r}: refused by the phone in trade-in mode")
            return self._read_limited(device, command, timeout_s or self._timeout, limit)

        return self._call(run)

    def trade_in_mode(self) -> TradeIn:
        """Whether the phone is in trade-in mode now (connecting first if need be)."""
        return self._call(lambda _: self.trade_in)

    def _read_limited(self, device: AdbDevice, command: str, timeout_s: float, limit: int) -> str:
        chunks: list[bytes] = []
        size = 0
        stream: Iterator[bytes] = device.streaming_shell(
            command, transport_timeout_s=timeout_s, read_timeout_s=timeout_s, decode=False
        )
        for chunk in stream:
            size += len(chunk)
            if size > limit:
                # Abandon the stream and the connection: the phone is babbling.
                self._device = None
                _close_quietly(device)
                self.state = PhoneState.OFFLINE
                raise DeviceNoAnswer(f"reply to {command!r} is larger than {limit} bytes")
            chunks.append(chunk)
        return b"".join(chunks).decode("utf-8", errors="replace")

    def reboot(self, target: str = "") -> None:
        """Restarts the phone through the `reboot:` service ("" for Android, "bootloader",
        "recovery", "sideload"): it works in every mode, sideload included, where no shell
        runs. The phone drops the connection as it goes, which is not an error here."""

        def send(device: AdbDevice) -> None:
            device._service(b"reboot", target.encode(), timeout_s=10)

        with contextlib.suppress(DeviceGone, DeviceNoAnswer):
            self._call(send)
        self.forget_connection()

    def with_device(self, action: Callable[[AdbDevice], T]) -> T:
        """Runs `action` on the open adb-shell connection (push, pull, other services), with
        the same translation of transport failures as every command."""
        return self._call(action)

    def _call(self, action: Callable[[AdbDevice], T]) -> T:
        with self._lock:
            if self._gone.is_set():
                raise DeviceGone(self.key)
            if self._device is None:
                self.connect()
            assert self._device is not None
            try:
                return action(self._device)
            except (DeviceGone, DeviceNoAnswer):
                raise
            except Exception as exc:
                translated = _translate(exc)
                _close_quietly(self._device)
                self._device = None
                self.state = PhoneState.OFFLINE
                if isinstance(translated, DeviceGone):
                    self._gone.set()
                raise translated from exc

    def trade_in_status(self) -> str:
        """The raw answer of `tradeinmode getstatus` (JSON, parsed by devices/android/
        tradein.py). DeviceNoAnswer when the phone refuses the command."""
        answer = self._call(lambda d: _shell_or_refused(d, "tradeinmode getstatus", self._timeout))
        if answer is None:
            raise DeviceNoAnswer("the phone refused `tradeinmode getstatus`")
        return answer

    def start_evaluation(self, wait_s: float = 60.0, stop: threading.Event | None = None) -> bool:
        """`tradeinmode evaluate`: the phone leaves its setup screen for evaluation mode (a
        full shell, and a factory reset forced at its next boot); its adbd restarts, and
        this waits up to `wait_s` for it to answer again. True once it is in evaluation
        mode; False if it did not come back so (or `stop` was set)."""
        if self.trade_in is TradeIn.EVALUATION:
            return True

        def send(device: AdbDevice) -> None:
            _shell_or_refused(device, "tradeinmode evaluate", self._timeout)

        # adbd restarts as it answers: a cut connection is expected here, not an error.
        with contextlib.suppress(DeviceGone, DeviceNoAnswer):
            self._call(send)
        self.forget_connection()
        waiting = stop or threading.Event()
        deadline = time.monotonic() + wait_s
        while not waiting.is_set():
            try:
                self.connect()
                return self.trade_in is TradeIn.EVALUATION
            except (DeviceGone, DeviceNoAnswer, PhoneUnauthorized) as exc:
                log.info("phone %s not back from evaluate yet: %s", self.key, exc)
            if time.monotonic() >= deadline:
                return False
            waiting.wait(0.5)
        return False

    def props(self, refresh: bool = False) -> dict[str, str]:
        """All system properties (`getprop`), read once per connection."""
        from bench_app.devices.android.parsers import AndroidParseError, parse_getprop

        if self._props is None or refresh:
            text = self.shell("getprop")
            try:
                self._props = parse_getprop(text)
            except AndroidParseError as exc:
                raise DeviceNoAnswer(f"getprop answered nonsense: {exc}") from exc
        return dict(self._props)

    def identity(self) -> dict[str, Any]:
        """brand, model, serial, IMEI (when the phone gives it) and the rest of its identity."""
        from bench_app.devices.android import readings

        return readings.identity(self)


class _TcpTransport(TcpTransport):
    """adb-shell's TCP transport, except that a closed connection is reported at once
    (adb-shell would keep reading empty data until its read timeout)."""

    def connect(self, transport_timeout_s: float | None) -> None:
        super().connect(transport_timeout_s)
        # ADB sends a 24-byte header then its payload: without this, Nagle's algorithm and
        # the phone's delayed ACK hold every command for ~40 ms.
        self._connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def bulk_read(self, numbytes: int, transport_timeout_s: float | None) -> bytes:
        data: bytes = super().bulk_read(numbytes, transport_timeout_s)
        if not data and numbytes:
            raise ConnectionResetError(f"{self._host}:{self._port} closed the connection")
        return data


class _WatchedSigner:
    """The station's key, noting whether the phone asked for a signature at all (adbd in
    trade-in mode, like a recovery, never does)."""

    def __init__(self, signer: CryptographySigner) -> None:
        self._signer = signer
        self.asked = False

    def Sign(self, data: bytes) -> bytes:  # adb-shell's signer interface names
        self.asked = True
        signed: bytes = self._signer.Sign(data)
        return signed

    def GetPublicKey(self) -> str:
        self.asked = True
        key: str = self._signer.GetPublicKey()
        return key


def _shell_or_refused(device: AdbDevice, command: str, timeout_s: float) -> str | None:
    """Runs `shell:command`; None when the phone refuses the service at once (it closes
    the stream instead of opening it, as adbd does for a service it will not run).
    adb-shell would wait out its whole timeout then; this reads the refusal. It leans on
    adb-shell's stream internals (as `reboot` does on `_service`); the driver contract
    tests against the simulator hold it to them."""
    from adb_shell import constants
    from adb_shell.adb_message import AdbMessage
    from adb_shell.hidden_helpers import _AdbTransactionInfo

    with device._local_id_lock:
        device._local_id = device._local_id % (2**32 - 1) + 1
        local_id = device._local_id
    info = _AdbTransactionInfo(local_id, None, timeout_s, timeout_s, timeout_s)
    open_message = AdbMessage(constants.OPEN, local_id, 0, f"shell:{command}".encode() + b"\0")
    device._io_manager.send(open_message, info)
    answer, remote_id, _, _ = device._io_manager.read([constants.OKAY, constants.CLSE], info)
    if answer == constants.CLSE:
        return None
    info.remote_id = remote_id
    chunks: list[bytes] = []
    size = 0
    for chunk in device._read_until_close(info):
        size += len(chunk)
        if size > MAX_REPLY_BYTES:
            raise DeviceNoAnswer(f"reply to {command!r} is larger than {MAX_REPLY_BYTES} bytes")
        chunks.append(chunk)
    return b"".join(chunks).decode("utf-8", errors="replace")


def _trade_in_state(device: AdbDevice) -> TradeIn:
    """Asks a phone that took the connection without a key whether it is in trade-in mode:
    at the setup screen `getprop` is refused and `tradeinmode getstatus` is let through
    (whatever it then answers: a garbled status is still one); in evaluation mode
    `persist.adb.tradeinmode` is 2."""
    mode = _shell_or_refused(device, "getprop persist.adb.tradeinmode", 10.0)
    if mode is not None:
        return TradeIn.EVALUATION if mode.strip() == "2" else TradeIn.NONE
    status = _shell_or_refused(device, "tradeinmode getstatus", 10.0)
    return TradeIn.NONE if status is None else TradeIn.FOYER


def _default_device(target: AdbTarget) -> AdbDevice:
    if target.usb_serial or target.usb_port_path:
        from adb_shell.adb_device import AdbDeviceUsb

        return AdbDeviceUsb(serial=target.usb_serial or None, port_path=target.usb_port_path)
    return AdbDevice(_TcpTransport(target.host, target.port), default_transport_timeout_s=10.0)


def _close_quietly(device: AdbDevice) -> None:
    try:
        device.close()
    except Exception:  # closing a broken transport may itself fail; nothing to save
        log.debug("closing an ADB transport failed", exc_info=True)


_GONE_ERRNOS = {
    errno.ECONNRESET,
    errno.EPIPE,
    errno.ECONNREFUSED,
    errno.ENODEV,
    errno.EHOSTUNREACH,
    errno.ECONNABORTED,
}


def _translate(exc: BaseException) -> Exception:
    """Maps a transport error to DeviceGone (it went away) or DeviceNoAnswer (it babbles)."""
    if isinstance(exc, DeviceGone | DeviceNoAnswer):
        return exc
    if isinstance(
        exc,
        adb_errors.UsbReadFailedError
        | adb_errors.UsbWriteFailedError
        | adb_errors.UsbDeviceNotFoundError,
    ):
        return DeviceGone(f"USB: {exc}")
    if isinstance(exc, ConnectionError | EOFError):
        return DeviceGone(f"connection lost: {exc}")
    if isinstance(exc, OSError) and exc.errno in _GONE_ERRNOS:
        return DeviceGone(f"connection lost: {exc}")
    if isinstance(exc, adb_errors.AdbConnectionError):
        return DeviceGone(f"connection lost: {exc}")
    if isinstance(exc, adb_errors.TcpTimeoutException | adb_errors.AdbTimeoutError | TimeoutError):
        return DeviceNoAnswer(f"no answer in time: {exc}")
    if isinstance(
        exc,
        adb_errors.InvalidResponseError
        | adb_errors.InvalidChecksumError
        | adb_errors.InvalidCommandError
        | struct.error
        | ValueError
        | KeyError
        | IndexError,
    ):
        return DeviceNoAnswer(f"answer not understood: {exc}")
    if isinstance(exc, OSError):
        return DeviceGone(f"connection lost: {exc}")
    return DeviceNoAnswer(f"unexpected failure: {type(exc).__name__}: {exc}")
