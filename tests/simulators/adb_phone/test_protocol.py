"""The ADB message layer, and a daemon that survives whatever a client sends."""

from __future__ import annotations

import socket
import struct
from collections.abc import Callable

import pytest

from bench_app.simulators.adb_phone import AdbSimulator
from bench_app.simulators.adb_phone import protocol as p
from tests.simulators.adb_phone.raw_host import RawHost, new_key
from tests.simulators.adb_phone.support import wait_until

SimFactory = Callable[..., AdbSimulator]


def test_header_is_six_little_endian_words_with_magic() -> None:
    packed = p.Message(p.A_WRTE, 7, 9, b"abc").pack()
    assert packed[:24] == struct.pack(
        "<6I", 0x45545257, 7, 9, 3, 97 + 98 + 99, 0x45545257 ^ 0xFFFFFFFF
    )
    assert packed[24:] == b"abc"
    assert packed[:4] == b"WRTE"


def test_checksum_is_byte_sum_or_zero_for_new_hosts() -> None:
    data = bytes(range(256)) * 3
    assert p.checksum(data) == sum(range(256)) * 3
    header = p.unpack_header(p.Message(p.A_OKAY, 1, 2, data).pack(with_checksum=False)[:24])
    assert header.data_check == 0
    assert header.data_length == len(data)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (struct.pack("<6I", 0x12345678, 0, 0, 0, 0, 0x12345678 ^ 0xFFFFFFFF), "unknown command"),
        (struct.pack("<6I", p.A_OPEN, 0, 0, 0, 0, 0), "bad magic"),
        (struct.pack("<6I", p.A_WRTE, 0, 0, 5000, 0, p.A_WRTE ^ 0xFFFFFFFF), "exceeds"),
        (b"CNXN", "short header"),
    ],
)
def test_ill_formed_headers_are_refused(raw: bytes, reason: str) -> None:
    with pytest.raises(p.ProtocolError, match=reason):
        p.unpack_header(raw, max_payload=4096)


def test_banner_names_the_persona_and_offers_only_legacy_services(start_sim: SimFactory) -> None:
    sim = start_sim("samsung-galaxy-s24", require_auth=False)
    host = RawHost(sim.port)
    reply = host.connect(None)
    banner = reply.data.decode()
    assert banner.startswith("device::ro.product.name=e1sxeea;ro.product.model=SM-S921B;")
    assert "ro.product.device=e1s;" in banner
    features = banner.split("features=", 1)[1].split(",")
    assert not {"shell_v2", "stat_v2", "ls_v2", "sendrecv_v2"} & set(features)
    assert reply.arg0 == p.A_VERSION and reply.arg1 == p.MAX_PAYLOAD
    host.close()


def test_old_phone_negotiates_checksums_and_smaller_payload(start_sim: SimFactory) -> None:
    sim = start_sim("xiaomi-redmi-5a", require_auth=False)  # Android 7: adbd before skip-checksum
    host = RawHost(sim.port, version=p.A_VERSION)
    reply = host.connect(None)
    assert reply.arg0 == p.A_VERSION_MIN
    assert reply.arg1 == 256 * 1024
    assert host.last_check == p.checksum(reply.data) != 0
    assert host.shell("getprop ro.product.model") == b"Redmi 5A\n"
    assert host.last_check == 0  # the CLSE carries no data


def test_new_host_gets_zero_checksums(start_sim: SimFactory) -> None:
    sim = start_sim("google-pixel-6", require_auth=False)
    host = RawHost(sim.port)
    reply = host.connect(None)
    assert reply.data and host.last_check == 0


def test_writes_respect_the_negotiated_max_payload(start_sim: SimFactory) -> None:
    sim = start_sim("google-pixel-6", require_auth=False)
    host = RawHost(sim.port, max_payload=1024)
    host.connect(None)
    host.send(p.Message(p.A_OPEN, 1, 0, b"shell:getprop\0"))
    opened = host.read()
    sizes = []
    while True:
        m = host.read()
        if m.command == p.A_CLSE:
            break
        sizes.append(len(m.data))
        host.send(p.Message(p.A_OKAY, 1, opened.arg0))
    assert len(sizes) > 1 and max(sizes) <= 1024


def _serves(sim: AdbSimulator) -> bool:
    host = RawHost(sim.port)
    try:
        host.connect(None)
        return host.shell("echo still here") == b"still here\n"
    finally:
        host.close()


def _closed_by_daemon(host: RawHost) -> bool:
    """True once the daemon has hung up (EOF or reset)."""
    try:
        return host.sock.recv(1) == b""
    except ConnectionResetError:  # unread junk in the daemon's buffer turns its close into a reset
        return True


@pytest.mark.parametrize(
    "junk",
    [
        b"GET / HTTP/1.1\r\nHost: phone\r\n\r\n" + b"x" * 40,
        struct.pack("<6I", p.A_CNXN, p.A_VERSION, 4096, 0, 0, 0),  # bad magic
        p.Message(p.A_CNXN, p.A_VERSION, 4096, b"host::\0").pack()[:24]
        + b"\0" * 3,  # claims 7 bytes, sends 3, then closes
    ],
)
def test_junk_drops_that_connection_only(start_sim: SimFactory, junk: bytes) -> None:
    sim = start_sim("google-pixel-6", require_auth=False)
    bad = RawHost(sim.port)
    bad.send_raw(junk)
    if junk.endswith(b"\0" * 3):
        bad.sock.shutdown(socket.SHUT_WR)
    assert _closed_by_daemon(bad)
    assert _serves(sim)


def test_oversize_message_drops_the_connection(start_sim: SimFactory) -> None:
    sim = start_sim("google-pixel-6", require_auth=False)
    host = RawHost(sim.port, max_payload=4096)
    host.connect(None)
    host.send(p.Message(p.A_OPEN, 1, 0, b"sync:\0"))
    remote = host.read().arg0
    host.send(p.Message(p.A_WRTE, 1, remote, b"Q" * 5000))  # above the 4096 negotiated
    assert _closed_by_daemon(host)
    assert _serves(sim)


def test_bad_checksum_from_an_old_host_drops_the_connection(start_sim: SimFactory) -> None:
    sim = start_sim("xiaomi-redmi-5a", require_auth=False)
    host = RawHost(sim.port, version=p.A_VERSION_MIN)
    host.connect(None)
    packed = bytearray(p.Message(p.A_OPEN, 1, 0, b"shell:id\0").pack())
    packed[16:20] = struct.pack("<I", 12345)
    host.send_raw(bytes(packed))
    assert _closed_by_daemon(host)
    assert _serves(sim)


def test_stls_is_ignored_and_unknown_services_are_closed(start_sim: SimFactory) -> None:
    sim = start_sim("fairphone-4", require_auth=False)
    host = RawHost(sim.port)
    host.connect(None)
    host.send(p.Message(p.A_STLS, 0x01000000, 0))
    host.send(p.Message(p.A_OPEN, 5, 0, b"jdwp:1234\0"))
    refused = host.read()
    assert (refused.command, refused.arg0, refused.arg1) == (p.A_CLSE, 0, 5)
    host.send(p.Message(p.A_OPEN, 6, 0, b"shell:\0"))  # interactive shell: refused too
    assert host.read().command == p.A_CLSE
    assert host.shell("echo ok", local_id=7) == b"ok\n"


def test_many_connections_at_once(start_sim: SimFactory) -> None:
    sim = start_sim("oneplus-nord-n10", require_auth=False)
    hosts = [RawHost(sim.port) for _ in range(6)]
    for h in hosts:
        h.connect(None)
    wait_until(lambda: sim.active_connections() == 6, "six live connections")
    for i, h in enumerate(hosts):
        assert h.shell(f"echo {i}") == f"{i}\n".encode()
        h.close()


def test_stop_ends_every_connection(start_sim: SimFactory) -> None:
    sim = start_sim("google-pixel-6")
    host = RawHost(sim.port)
    host.connect(new_key())
    sim.stop()
    assert _closed_by_daemon(host)
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", sim.port), timeout=5).close()
