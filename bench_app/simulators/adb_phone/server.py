"""The simulated phone's ADB daemon: a TCP server speaking the real ADB wire protocol.

One thread accepts connections; each connection has a reader thread and one thread per open
stream (shell, sync), so a stream waiting for the host's OKAY never blocks the others.
"""

from __future__ import annotations

import contextlib
import logging
import os
import random
import re
import socket
import threading
from collections.abc import Callable, Iterable
from types import TracebackType
from typing import Any

from cryptography.hazmat.primitives.asymmetric import rsa

from bench_app.simulators.adb_phone import protocol as p
from bench_app.simulators.adb_phone.auth import (
    TOKEN_SIZE,
    BadPublicKey,
    TrustedKeys,
    parse_android_public_key,
)
from bench_app.simulators.adb_phone.persona import Behaviour, Persona, load_persona
from bench_app.simulators.adb_phone.recovery import serve_sideload_host
from bench_app.simulators.adb_phone.shell import FOYER, PhoneState, run_command
from bench_app.simulators.adb_phone.sync import serve_sync
from bench_app.simulators.mode import SimulationMode, require_simulation_allowed

log = logging.getLogger(__name__)

# The modes a phone can be in: Android itself, its recovery (adbd running there), the
# recovery's "Apply update from ADB" (minadbd: sideload only), and the bootloader (fastboot,
# not ADB: the daemon does not listen).
ANDROID, RECOVERY, SIDELOAD, BOOTLOADER = "android", "recovery", "sideload", "bootloader"
MODES = (ANDROID, RECOVERY, SIDELOAD, BOOTLOADER)
# The CNXN banner's first word in each mode, as `adb devices` shows it.
BANNER_STATES = {ANDROID: "device", RECOVERY: "recovery", SIDELOAD: "sideload"}
# Where `reboot:TARGET` leads (`fastboot` is userspace fastboot: not ADB either).
TARGET_MODES = {
    "": ANDROID,
    "bootloader": BOOTLOADER,
    "fastboot": BOOTLOADER,
    "recovery": RECOVERY,
    "sideload": SIDELOAD,
    "sideload-auto-reboot": SIDELOAD,
}
RECOVERY_MENU = ("wipe_data", "reboot", "apply_update_from_adb", "reboot_bootloader")

# Legacy shell and v1 sync only: the host then uses `shell:` and STAT/LIST/SEND/RECV v1.
DEVICE_FEATURES = ("fixed_push_mkdir",)
SKIP_CHECKSUM_SDK = 28  # adbd learnt to skip data checksums in Android 9
MAX_PAYLOAD_V2 = 256 * 1024  # what adbd offered before Android 9
JOIN_TIMEOUT = 10.0  # seconds stop() waits for one thread; only reached by a bug
# What adbd in trade-in mode lets through: `shell` (any options) running `tradeinmode` with
# letters, digits, `_`, `-` and spaces only; everything else is refused at OPEN.
TRADE_IN_SERVICE = re.compile(r"shell[^:]*:tradeinmode(?:\s*|\s[A-Za-z0-9_\-\s]*)")


class StreamClosed(Exception):
    """The host closed the stream, or the connection went away."""


class Stream:
    """One ADB stream (local id ↔ remote id) with flow control: one WRTE in flight at a time."""

    def __init__(self, conn: Connection, local_id: int, remote_id: int) -> None:
        self.conn = conn
        self.local_id = local_id
        self.remote_id = remote_id
        self._cond = threading.Condition()
        self._incoming = bytearray()
        self._okay = False
        self._closed = False
        self._sent_close = False

    def write(self, data: bytes) -> None:
        """Sends data in WRTE messages no larger than the negotiated payload, each acknowledged."""
        view = memoryview(data)
        while view:
            chunk, view = view[: self.conn.max_payload], view[self.conn.max_payload :]
            with self._cond:
                if self._closed:
                    raise StreamClosed
                self._okay = False
            self.conn.send(p.Message(p.A_WRTE, self.local_id, self.remote_id, bytes(chunk)))
            with self._cond:
                while not self._okay and not self._closed:
                    self._cond.wait()
                if not self._okay:
                    raise StreamClosed

    def read(self, size: int) -> bytes:
        """Exactly `size` bytes from the host; StreamClosed if it closes first."""
        with self._cond:
            while len(self._incoming) < size and not self._closed:
                self._cond.wait()
            if len(self._incoming) < size:
                raise StreamClosed
            data = bytes(self._incoming[:size])
            del self._incoming[:size]
            return data

    def close(self) -> None:
        """Closes our side: the host gets CLSE once."""
        with self._cond:
            send = not self._sent_close
            self._sent_close = True
            self._closed = True
            self._cond.notify_all()
        if send:
            self.conn.forget(self.local_id)
            with contextlib.suppress(OSError):
                self.conn.send(p.Message(p.A_CLSE, self.local_id, self.remote_id))

    # Called by the connection's reader thread.
    def on_okay(self) -> None:
        with self._cond:
            self._okay = True
            self._cond.notify_all()

    def on_data(self, data: bytes) -> None:
        with self._cond:
            self._incoming += data
            self._cond.notify_all()

    def on_close(self) -> None:
        """The host closed the stream (or the connection dropped): wake any waiting service."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()


class Connection:
    """One host connected over TCP: handshake, authentication, then streams."""

    def __init__(self, daemon: AdbSimulator, sock: socket.socket, peer: str) -> None:
        self.daemon = daemon
        self.sock = sock
        self.peer = peer
        self.behaviour = daemon.behaviour
        self.device_version = (
            p.A_VERSION if daemon.persona.sdk >= SKIP_CHECKSUM_SDK else p.A_VERSION_MIN
        )
        self.device_max_payload = (
            p.MAX_PAYLOAD if daemon.persona.sdk >= SKIP_CHECKSUM_SDK else MAX_PAYLOAD_V2
        )
        self.version = self.device_version
        self.max_payload = self.device_max_payload
        self.online = False
        self._token = b""
        self._send_lock = threading.Lock()
        self._streams: dict[int, Stream] = {}
        self._streams_lock = threading.Lock()
        self._next_id = 1
        self._stopping = threading.Event()
        self.reader: threading.Thread | None = None  # the thread running serve()

    # ---- sending -------------------------------------------------------------------------
    def send(self, message: p.Message) -> None:
        """Writes one message; the data check is the byte sum unless the host skips checks."""
        if self.behaviour.slow and message.command in (p.A_CNXN, p.A_WRTE, p.A_AUTH):
            self._stopping.wait(random.uniform(*self.behaviour.slow))
        packed = message.pack(with_checksum=self.version < p.A_VERSION_SKIP_CHECKSUM)
        with self._send_lock:
            self.sock.sendall(packed)

    def forget(self, local_id: int) -> None:
        """Stops routing messages to a stream we closed."""
        with self._streams_lock:
            self._streams.pop(local_id, None)

    def drop(self) -> None:
        """Cuts the connection as a pulled cable would."""
        self._stopping.set()
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)

    @property
    def cut(self) -> bool:
        """True once the connection was dropped or ended: no new stream starts on it."""
        return self._stopping.is_set()

    @property
    def alive(self) -> bool:
        """True while the reader thread still runs."""
        return self.reader is not None and self.reader.is_alive()

    # ---- the reader loop -----------------------------------------------------------------
    def serve(self) -> None:
        """Reads messages until the host leaves or misbehaves; never raises."""
        try:
            while not self._stopping.is_set():
                limit = self.max_payload if self.online else p.MAX_PAYLOAD
                message = p.read_message(
                    self.sock,
                    max_payload=limit,
                    verify_checksum=self.version < p.A_VERSION_SKIP_CHECKSUM,
                )
                self._handle(message)
        except p.ProtocolError as exc:
            log.warning("adb sim %s: dropping %s: %s", self.daemon.persona.name, self.peer, exc)
        except (ConnectionError, OSError) as exc:
            log.debug("adb sim %s: %s left: %s", self.daemon.persona.name, self.peer, exc)
        except Exception:  # a bug must cost one connection, never the daemon
            log.exception("adb sim %s: error serving %s", self.daemon.persona.name, self.peer)
        finally:
            self._teardown()

    def _teardown(self) -> None:
        self._stopping.set()
        with self._streams_lock:
            streams = list(self._streams.values())
            self._streams.clear()
        for stream in streams:
            stream.on_close()
        with contextlib.suppress(OSError):
            self.sock.close()
        # The streams' threads end on their own now; the daemon's stop() waits for them.

    def _handle(self, m: p.Message) -> None:
        if m.command == p.A_CNXN:
            self._on_connect(m)
        elif m.command == p.A_AUTH:
            self._on_auth(m)
        elif m.command == p.A_STLS:
            log.debug("adb sim: ignoring STLS (TLS was never offered)")
        elif not self.online:
            log.debug("adb sim: %s before the connection is online, ignored", m.name)
        elif m.command == p.A_OPEN:
            self._on_open(m)
        elif m.command in (p.A_OKAY, p.A_WRTE, p.A_CLSE):
            self._on_stream_message(m)

    def _on_connect(self, m: p.Message) -> None:
        if m.arg0 < p.A_VERSION_MIN:
            raise p.ProtocolError(f"host version 0x{m.arg0:08x} is too old")
        if m.arg1 < 256:
            raise p.ProtocolError(f"host max payload {m.arg1} is absurd")
        # A second CNXN means the host restarted its side: start over, like adbd.
        with self._streams_lock:
            old = list(self._streams.values())
            self._streams.clear()
        for stream in old:
            stream.on_close()
        self.online = False
        self.version = min(m.arg0, self.device_version)
        self.max_payload = min(m.arg1, self.device_max_payload)
        if self.behaviour.garbage:
            self._send_garbage()
            return
        # A recovery's adbd, the sideload daemon (minadbd) and adbd in trade-in mode (setup
        # screen or evaluation) do not ask for a key.
        if (
            not self.behaviour.require_auth
            or self.daemon.mode in (RECOVERY, SIDELOAD)
            or (self.daemon.mode == ANDROID and self.daemon.phone.trade_in)
        ):
            self._go_online()
            return
        self._send_token()

    def _send_garbage(self) -> None:
        noise = bytearray(random.getrandbits(8) for _ in range(64))
        # The first word must not be an ADB command, or a client would wait for a payload.
        while int.from_bytes(noise[:4], "little") in p.COMMAND_NAMES:
            noise[0] ^= 0x5A
        with self._send_lock:
            self.sock.sendall(bytes(noise))

    def _send_token(self) -> None:
        self._token = os.urandom(TOKEN_SIZE)
        self.send(p.Message(p.A_AUTH, p.AUTH_TOKEN, 0, self._token))

    def _on_auth(self, m: p.Message) -> None:
        if self.online or not self._token:
            return
        if m.arg0 == p.AUTH_SIGNATURE:
            if self.daemon.trusted.signer_of(self._token, m.data) is not None:
                self._go_online()
            else:
                self._send_token()  # adbd asks again; the host then tries its next key
        elif m.arg0 == p.AUTH_RSAPUBLICKEY:
            try:
                key = parse_android_public_key(m.data)
            except BadPublicKey as exc:
                log.warning("adb sim: unreadable public key from %s: %s", self.peer, exc)
                return
            self.daemon.key_offered(key)
            if self.behaviour.unauthorized:
                return  # the "Allow USB debugging?" dialog stays on screen forever
            if self._stopping.wait(self.behaviour.accept_delay):
                return
            self.daemon.trusted.add(key)
            self._go_online()
        else:
            raise p.ProtocolError(f"unknown AUTH type {m.arg0}")

    def _go_online(self) -> None:
        self.online = True
        self._token = b""
        self.send(
            p.Message(p.A_CNXN, self.device_version, self.device_max_payload, self.daemon.banner())
        )

    def _on_open(self, m: p.Message) -> None:
        if self.behaviour.silent:
            return
        service = m.data.split(b"\0", 1)[0].decode("utf-8", "replace")
        handler = self.daemon.service_for(service)
        if handler is None:
            log.info("adb sim: unknown service %r", service)
            self.send(p.Message(p.A_CLSE, 0, m.arg0))
            return
        if self.behaviour.slow:
            self._stopping.wait(random.uniform(*self.behaviour.slow))
        with self._streams_lock:
            local_id = self._next_id
            self._next_id += 1
            stream = Stream(self, local_id, m.arg0)
            self._streams[local_id] = stream
        self.send(p.Message(p.A_OKAY, local_id, m.arg0))
        name = f"adb-sim-{service.split(':', 1)[0]}-{local_id}"
        if not self.daemon.serve_stream(self, self._run_service, handler, stream, name=name):
            stream.on_close()  # cut meanwhile: the stream ends with the connection

    def _run_service(self, handler: Callable[[Stream, Connection], None], stream: Stream) -> None:
        try:
            handler(stream, self)
        except StreamClosed:
            pass
        except OSError as exc:
            log.debug("adb sim: stream %d lost: %s", stream.local_id, exc)
        except Exception:
            log.exception("adb sim: service failed on stream %d", stream.local_id)
        finally:
            stream.close()

    def _on_stream_message(self, m: p.Message) -> None:
        with self._streams_lock:
            stream = self._streams.get(m.arg1)
        if stream is None:
            if m.command == p.A_WRTE:
                # Data for a stream we already closed: say so, as adbd does.
                self.send(p.Message(p.A_CLSE, m.arg1, m.arg0))
            return
        if m.command == p.A_OKAY:
            stream.on_okay()
        elif m.command == p.A_WRTE:
            self.send(p.Message(p.A_OKAY, stream.local_id, stream.remote_id))
            stream.on_data(m.data)
        else:
            stream.on_close()
            stream.close()


Handler = Callable[[Stream, Connection], None]


class AdbSimulator:
    """A simulated Android phone reachable over TCP with the real ADB protocol.

    `adb connect HOST:PORT` and `adb_shell.AdbDeviceTcp` talk to it as to a phone. Refuses to
    start outside tests or training mode.

    Its cable and power are one small state machine, changed only under `_lock`: whether the
    cable is in (`start`, `stop`), the phone's mode (`boot`, `reboot`, `switch_mode`),
    whether a reboot is still under way, and whether USB debugging is on. `_settle_locked`
    then makes the daemon match: it listens exactly when the cable is in, the phone has
    booted into a mode that speaks ADB and, in Android, debugging is on. A change only
    closes sockets and starts threads, never waits for a thread, so no call can wait for a
    thread another call has not started yet; each thread is registered as it starts (and
    published only then), and `stop()` from outside the phone waits for all of them.
    """

    def __init__(
        self,
        persona: Persona | str,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        behaviour: Behaviour | None = None,
        trusted_keys: Iterable[rsa.RSAPublicKey] = (),
        mode: SimulationMode = SimulationMode.TEST,
    ) -> None:
        require_simulation_allowed(mode)
        self.persona = load_persona(persona) if isinstance(persona, str) else persona
        self.behaviour = behaviour or self.persona.behaviour
        self.host = host
        self.port = port
        self.trusted = TrustedKeys(list(trusted_keys))
        self.phone = PhoneState(self.persona)
        if self.behaviour.trade_in:
            self.phone.trade_in = FOYER
        self.offered_keys: list[rsa.RSAPublicKey] = []
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)  # wakes a reboot waiting out its boot
        # The state machine; every field below is read and written under _lock.
        self._plugged = False
        self._booting = False  # a reboot is under way: nothing answers until it ends
        self._boots = 0  # counts boots and reboots: a reboot ends only if none came since
        # Holds the port from the first start to close(), so that no other program can take
        # it while the phone is away (a reboot, a mode switch) and it comes back on it.
        self._port_claim: socket.socket | None = None
        self._listener: socket.socket | None = None  # set once its accept thread runs
        self._connections: list[Connection] = []
        self._threads: list[threading.Thread] = []  # every thread the phone started
        self._gone = threading.Event()
        self._commands_served = 0
        self._cable_pulled = False
        # Called with the new mode each time the phone reboots (e.g. the bootloader starts).
        self.on_reboot: list[Callable[[str], None]] = []
        # Called with the new mode after every mode change (outside the lock): a handset's
        # screen follows the phone with it.
        self.on_mode: list[Callable[[str], None]] = []
        # Called when a host asks for a sideload while the recovery shows its menu.
        self.on_sideload_refused: list[Callable[[], None]] = []
        # A whole handset puts its recovery menu here: `recovery_select` then goes through
        # the phone's keys (simulators/handset_screen.py) instead of acting at once.
        self.menu_hand: Callable[[str], None] | None = None
        self.sideloads: list[Any] = []  # every sideload the recovery served (SideloadRecord)

    # ---- lifecycle -----------------------------------------------------------------------
    def start(self) -> int:
        """The cable goes in: serves in background threads if the phone is in a mode that
        speaks ADB (otherwise once it boots into one). Returns the TCP port, the same from
        the first start until close()."""
        with self._lock:
            self._claim_port_locked()
            self._plugged = True
            self._settle_locked()
            return self.port

    def stop(self) -> None:
        """The cable comes out: stops accepting and cuts every connection; a reboot under
        way ends unseen. Called from outside the phone, returns once every thread the phone
        started has finished; called by the phone itself (a command that pulls its own
        cable) it only cuts, and the next stop() from outside waits."""
        with self._lock:
            self._plugged = False
            self._settle_locked()
            self._changed.notify_all()
            inside = threading.current_thread() in self._threads
        if not inside:
            self._join_threads()

    def close(self) -> None:
        """The phone is put away: stop(), and its port is free for others again."""
        self.stop()
        with self._lock:
            claim, self._port_claim = self._port_claim, None
        if claim is not None:
            claim.close()

    def __enter__(self) -> AdbSimulator:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def address(self) -> tuple[str, int]:
        """(host, port) the daemon listens on."""
        return (self.host, self.port)

    @property
    def serial(self) -> str:
        """The serial `adb devices` shows for this phone once connected: `host:port`."""
        return f"{self.host}:{self.port}"

    @property
    def listening(self) -> bool:
        """True while the phone is plugged in and answers (its daemon accepts connections).
        Read under the lock: a mode switch, which drops every connection and listens again
        at once, is never seen half-way (discovery would take it for an unplug, and could
        act on that after the station has already reconnected)."""
        with self._lock:
            return self._listener is not None

    def pull_cable_now(self) -> bool:
        """Counts a shell command; True once, at the command the behaviour unplugs on."""
        limit = self.behaviour.unplug_after_commands
        if limit is None:
            return False
        with self._lock:
            self._commands_served += 1
            if self._cable_pulled or self._commands_served < limit:
                return False
            self._cable_pulled = True
        return True

    @property
    def gone(self) -> bool:
        """True once the phone rebooted away and no longer accepts connections."""
        return self._gone.is_set()

    @property
    def reboot_target(self) -> str | None:
        """Where the last reboot went: "" (system), "bootloader", "recovery"..., or None."""
        return self.phone.reboot_target

    def active_connections(self) -> int:
        """How many hosts are connected right now (a cut connection counts until its
        thread has finished)."""
        with self._lock:
            return sum(1 for c in self._connections if c.alive)

    # ---- what connections call -----------------------------------------------------------
    @property
    def mode(self) -> str:
        """android, recovery, sideload or bootloader."""
        return self.phone.mode

    def banner(self) -> bytes:
        """The CNXN payload: the mode, identity properties and the features supported."""
        props = self.persona.props
        state = BANNER_STATES.get(self.mode, "device")
        return (
            f"{state}::ro.product.name={props.get('ro.product.name', '')};"
            f"ro.product.model={props.get('ro.product.model', '')};"
            f"ro.product.device={props.get('ro.product.device', '')};"
            f"features={','.join(DEVICE_FEATURES)}"
        ).encode()

    def key_offered(self, key: rsa.RSAPublicKey) -> None:
        """Records a public key a host sent (what the "Allow USB debugging?" dialog shows)."""
        with self._lock:
            self.offered_keys.append(key)

    def service_for(self, service: str) -> Handler | None:
        """The handler for an OPEN destination, or None if this phone has no such service
        in its current mode (in sideload mode only `sideload-host:` and `reboot:`; at the
        setup screen in trade-in mode only `shell:tradeinmode ...`)."""
        if self.mode == ANDROID and self.phone.trade_in == FOYER:
            if not TRADE_IN_SERVICE.fullmatch(service):
                return None
            return _shell_service(service.split(":", 1)[1])
        if service.startswith("reboot:"):
            target = service.split(":", 1)[1]
            return _reboot_service(target) if target in TARGET_MODES else None
        if self.mode == SIDELOAD:
            if service.startswith("sideload-host:"):
                return serve_sideload_host(service.split(":", 1)[1])
            return None  # `sideload:` (before Android 4.4) and everything else: refused
        if service.startswith("sideload-host:") and self.mode == RECOVERY:
            for hook in list(self.on_sideload_refused):
                hook()
            return None  # the recovery's menu: no sideload until "Apply from ADB" is chosen
        if service.startswith(("shell:", "exec:")):
            command = service.split(":", 1)[1]
            return None if not command.strip() else _shell_service(command)
        if service == "sync:" and self.mode == ANDROID:
            return serve_sync
        return None

    def spawn(self, target: Callable[..., object], *args: object, name: str) -> None:
        """Runs `target(*args)` in a thread of the phone's own: stop() waits for it."""
        with self._lock:
            self._spawn_locked(target, name, *args)

    def serve_stream(
        self, conn: Connection, target: Callable[..., object], *args: object, name: str
    ) -> bool:
        """Starts a stream's service thread, unless the connection is already cut."""
        with self._lock:
            if conn.cut:
                return False
            self._spawn_locked(target, name, *args)
            return True

    def reboot(self, target: str) -> None:
        """The phone leaves: it records where it went, stops listening and drops every
        connection at once; then, in a thread of its own, it calls `on_reboot` with its new
        mode and after `boot_delay` answers again in that mode (never in the bootloader,
        which speaks fastboot). Unplugged meanwhile, the boot ends unseen; a boot() or
        another reboot meanwhile takes its place."""
        mode = TARGET_MODES.get(target, ANDROID)
        with self._lock:
            self.phone.reboot_target = target
            self._enter_locked(mode, booting=mode != BOOTLOADER)
            self._spawn_locked(self._finish_reboot, "adb-sim-reboot", mode, self._boots)
        self._tell_mode(mode)

    def boot(self, mode: str = ANDROID) -> None:
        """The phone starts in `mode` at once (the bootloader sends it there): every host
        connection drops, and it answers again in that mode if it is plugged in and the
        mode speaks ADB."""
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}; known: {', '.join(MODES)}")
        with self._lock:
            self._enter_locked(mode, booting=False)
        self._tell_mode(mode)

    def _tell_mode(self, mode: str) -> None:
        for hook in list(self.on_mode):
            try:
                hook(mode)
            except Exception:  # a broken observer must not stop the phone changing mode
                log.exception("adb sim %s: on_mode hook failed", self.persona.name)

    def switch_mode(self, mode: str) -> None:
        """Changes mode without a reboot (the recovery starts or stops its sideload daemon):
        every host connection drops, and the phone answers again with the new banner."""
        self.boot(mode)

    def recovery_select(self, item: str) -> None:
        """The operator's hand on the phone's recovery menu: `wipe_data` (Wipe data/factory
        reset, confirmed), `reboot` (Reboot system now), `apply_update_from_adb`,
        `reboot_bootloader`. ValueError when the phone is not showing that menu."""
        if self.mode not in (RECOVERY, SIDELOAD) or item not in RECOVERY_MENU:
            raise ValueError(f"the phone is in {self.mode} mode: no recovery item {item!r}")
        if self.menu_hand is not None:
            self.menu_hand(item)
            return
        if item == "wipe_data":
            self.wipe_userdata()
        elif item == "reboot":
            self.reboot("")
        elif item == "reboot_bootloader":
            self.reboot("bootloader")
        else:
            self.switch_mode(SIDELOAD)

    def wipe_userdata(self) -> None:
        """Userdata and metadata erased (the recovery's wipe, or `fastboot erase userdata`):
        files, accounts, device owner and the keys the phone had allowed are gone."""
        self.phone.wipe_data(
            keep_adb=self.behaviour.adb_after_wipe, trade_in=self.behaviour.trade_in
        )
        self.trusted = TrustedKeys([])

    def restart_adbd(self) -> None:
        """The daemon restarts in place (`tradeinmode evaluate`): every host connection
        drops and it answers again at once, in its new trade-in state; no reboot."""
        with self._lock:
            self._stop_listening_locked()
            self._settle_locked()

    def enable_debugging(self) -> None:
        """Someone turned USB debugging back on from the phone's settings."""
        with self.phone.lock:
            self.phone.settings.setdefault("global", {})["adb_enabled"] = "1"
        with self._lock:
            self._settle_locked()

    # ---- internals: the state machine (callers hold _lock) -------------------------------
    def _enter_locked(self, mode: str, *, booting: bool) -> None:
        """The phone leaves its current mode for `mode`: nothing listens and every
        connection drops (gone), then it answers again if it should."""
        self._boots += 1
        self._stop_listening_locked()
        self.phone.mode = mode
        self._booting = booting
        self._gone.set()
        self._changed.notify_all()  # a reboot still waiting out its boot is superseded
        self._settle_locked()

    def _should_answer_locked(self) -> bool:
        if not self._plugged or self._booting or self.phone.mode == BOOTLOADER:
            return False
        if self.phone.mode != ANDROID:
            return True
        with self.phone.lock:  # booted, but USB debugging may be off: nothing answers then
            return self.phone.settings.get("global", {}).get("adb_enabled", "1") != "0"

    def _settle_locked(self) -> None:
        """Listens when the phone should answer, and only then."""
        if not self._should_answer_locked():
            self._stop_listening_locked()
        elif self._listener is None:
            self._claim_port_locked()
            listener = socket.create_server((self.host, self.port), reuse_port=False)
            self._spawn_locked(self._accept_loop, f"adb-sim-{self.persona.name}", listener)
            self._listener = listener  # published once its accept thread runs
            self._gone.clear()
            log.info("adb sim %s listening on %s", self.persona.name, self.serial)

    def _stop_listening_locked(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)  # wakes the accept() waiting on it
            listener.close()
        for conn in self._connections:
            conn.drop()

    def _claim_port_locked(self) -> None:
        if self._port_claim is not None:
            return
        claim = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        claim.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # the listener binds too
        try:
            claim.bind((self.host, self.port))
        except OSError:
            claim.close()
            raise
        self.port = claim.getsockname()[1]
        self._port_claim = claim

    def _spawn_locked(
        self, target: Callable[..., object], name: str, *args: object
    ) -> threading.Thread:
        thread = threading.Thread(target=target, args=args, name=name, daemon=True)
        thread.start()
        self._threads = [t for t in self._threads if t.is_alive()]
        self._threads.append(thread)
        return thread

    # ---- internals: the phone's own threads ----------------------------------------------
    def _finish_reboot(self, mode: str, boot: int) -> None:
        for callback in list(self.on_reboot):
            try:
                callback(mode)
            except Exception:  # a broken hook must not leave the phone booting forever
                log.exception("adb sim %s: on_reboot hook failed", self.persona.name)
        if mode == BOOTLOADER:
            return
        with self._lock:
            self._changed.wait_for(
                lambda: self._boots != boot or not self._plugged, self.behaviour.boot_delay
            )
            if self._boots == boot:
                self._booting = False
                self._settle_locked()

    def _join_threads(self) -> None:
        """Waits for every thread the phone started, as long as it stays unplugged (once
        plugged back, the threads running belong to the new plug)."""
        while True:
            with self._lock:
                if self._plugged:
                    return
                pending = [t for t in self._threads if t.is_alive()]
            if not pending:
                return
            for thread in pending:
                thread.join(timeout=JOIN_TIMEOUT)
                if thread.is_alive():
                    log.warning("adb sim %s: %s did not finish", self.persona.name, thread.name)
                    return

    def _accept_loop(self, listener: socket.socket) -> None:
        while True:
            try:
                sock, peer = listener.accept()
            except OSError:  # closed: the phone left or was unplugged
                return
            sock.settimeout(None)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self._lock:
                if self._listener is not listener:  # the phone left as this host came in
                    sock.close()
                    return
                conn = Connection(self, sock, f"{peer[0]}:{peer[1]}")
                conn.reader = self._spawn_locked(conn.serve, f"adb-sim-conn-{peer[1]}")
                self._connections = [c for c in self._connections if c.alive]
                self._connections.append(conn)


def _shell_service(command: str) -> Handler:
    def serve(stream: Stream, conn: Connection) -> None:
        daemon = conn.daemon
        result = run_command(command, daemon.phone)
        output = result.output
        if daemon.pull_cable_now():
            half = output[: len(output) // 2]
            if half:
                stream.write(half)
            daemon.stop()
            raise StreamClosed
        if conn.behaviour.unplug_mid_command:
            half = output[: len(output) // 2]
            if half:
                stream.write(half)
            conn.drop()
            raise StreamClosed
        if output:
            stream.write(output)
        if result.reboot is not None:
            stream.close()
            daemon.reboot(result.reboot)
        elif result.restart_adbd:
            stream.close()
            daemon.restart_adbd()

    return serve


def _reboot_service(target: str) -> Handler:
    def serve(stream: Stream, conn: Connection) -> None:
        stream.close()
        conn.daemon.reboot(target)

    return serve
