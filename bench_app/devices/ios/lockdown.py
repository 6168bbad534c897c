"""A lockdownd client: the phone's front door on port 62078.

Plain until StartSession, then TLS with the host certificate of the pair record; services
started through it (diagnostics_relay...) are reached by a new usbmuxd tunnel, TLS too when
the phone says so.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bench_app.devices.ios.wire import WireError, recv_plist, send_plist

LABEL = "etabli"


class LockdownError(Exception):
    """lockdownd answered a request with an error (`code`, e.g. "PairingDialogResponsePending")."""

    def __init__(self, request: str, code: str) -> None:
        super().__init__(f"{request}: {code}")
        self.request = request
        self.code = code


@contextlib.contextmanager
def _pem_files(record: dict[str, Any]) -> Iterator[tuple[Path, Path]]:
    """The host certificate and key as files, for as long as ssl loads them."""
    with tempfile.TemporaryDirectory(prefix="etabli-pair-") as folder:
        cert, key = Path(folder) / "host.pem", Path(folder) / "host-key.pem"
        cert.write_bytes(bytes(record["HostCertificate"]))
        key.touch(0o600)
        key.write_bytes(bytes(record["HostPrivateKey"]))
        yield cert, key


def tls_client(sock: socket.socket, record: dict[str, Any]) -> ssl.SSLSocket:
    """Turns a tunnel to the phone into TLS, presenting the pair record's host certificate.
    The phone's certificate is the one this computer made for it: not checked against a CA."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    context.set_ciphers("ALL:@SECLEVEL=0")  # older pair records are signed with SHA-1
    with _pem_files(record) as (cert, key):
        context.load_cert_chain(cert, key)
    return context.wrap_socket(sock, server_side=False)


class LockdownClient:
    """One connection to lockdownd. Not thread-safe: one request at a time."""

    def __init__(self, sock: socket.socket) -> None:
        self._raw = sock
        self._conn: socket.socket = sock
        self.session_id: str | None = None

    def request(self, name: str, **fields: Any) -> dict[str, Any]:
        """Sends one request; the reply, or LockdownError if it carries an Error."""
        send_plist(self._conn, {"Label": LABEL, "Request": name, **fields})
        reply = recv_plist(self._conn)
        if reply.get("Request") not in (name, None):
            raise WireError(f"lockdownd answered {reply.get('Request')!r} to {name!r}")
        if "Error" in reply:
            raise LockdownError(name, str(reply["Error"]))
        return reply

    def query_type(self) -> str:
        return str(self.request("QueryType").get("Type", ""))

    def get_value(self, key: str | None = None, domain: str | None = None) -> Any:
        """One value, or every value of a domain when `key` is None."""
        fields: dict[str, Any] = {}
        if domain is not None:
            fields["Domain"] = domain
        if key is not None:
            fields["Key"] = key
        return self.request("GetValue", **fields).get("Value")

    def pair(self, record: dict[str, Any]) -> dict[str, Any]:
        """Asks the phone to trust this computer; the reply carries its EscrowBag."""
        return self.request(
            "Pair",
            PairRecord=record,
            ProtocolVersion="2",
            PairingOptions={"ExtendedPairingErrors": True},
        )

    def start_session(self, record: dict[str, Any]) -> None:
        """Opens a session as the paired host; the connection goes TLS if the phone asks."""
        reply = self.request(
            "StartSession", HostID=record["HostID"], SystemBUID=record.get("SystemBUID", "")
        )
        self.session_id = str(reply.get("SessionID", ""))
        if reply.get("EnableSessionSSL"):
            self._conn = tls_client(self._raw, record)

    def start_service(self, name: str) -> tuple[int, bool]:
        """Starts a service: (its port on the phone, whether it speaks TLS)."""
        reply = self.request("StartService", Service=name)
        return int(reply["Port"]), bool(reply.get("EnableServiceSSL", False))

    def close(self) -> None:
        """Stops the session (back to plain text, as the phone expects) and hangs up."""
        try:
            if self.session_id is not None:
                with contextlib.suppress(LockdownError, WireError, OSError, ssl.SSLError):
                    self.request("StopSession", SessionID=self.session_id)
                    if isinstance(self._conn, ssl.SSLSocket):
                        self._conn = self._conn.unwrap()
                self.session_id = None
        finally:
            with contextlib.suppress(OSError):
                self._conn.close()
            with contextlib.suppress(OSError):
                self._raw.close()
