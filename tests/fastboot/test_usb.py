"""USB endpoint selection, on stand-in descriptors (the USB transport itself needs a phone)."""

from __future__ import annotations

from dataclasses import dataclass, field

from bench_app.devices.fastboot.usb import find_endpoints, read_size


@dataclass
class Endpoint:
    bEndpointAddress: int
    bmAttributes: int
    wMaxPacketSize: int = 512


@dataclass
class Interface:
    bInterfaceClass: int
    bInterfaceSubClass: int
    bInterfaceProtocol: int
    endpoints: list[Endpoint]
    bInterfaceNumber: int = 0
    bAlternateSetting: int = 0

    def __iter__(self):
        return iter(self.endpoints)


@dataclass
class Configuration:
    interfaces: list[Interface] = field(default_factory=list)
    bConfigurationValue: int = 1

    def __iter__(self):
        return iter(self.interfaces)


def test_the_fastboot_interface_and_its_bulk_endpoints_are_found() -> None:
    mtp = Interface(6, 1, 1, [Endpoint(0x81, 2), Endpoint(0x01, 2), Endpoint(0x82, 3)], 0)
    fastboot = Interface(
        0xFF,
        0x42,
        0x03,
        [Endpoint(0x83, 3, 64), Endpoint(0x84, 2, 512), Endpoint(0x02, 2, 512)],
        bInterfaceNumber=1,
    )
    found = find_endpoints([Configuration([mtp, fastboot])])
    assert found is not None
    assert (found.interface, found.endpoint_in, found.endpoint_out) == (1, 0x84, 0x02)
    assert found.max_packet == 512


def test_adb_and_interfaces_without_both_bulk_endpoints_are_not_fastboot() -> None:
    adb = Interface(0xFF, 0x42, 0x01, [Endpoint(0x81, 2), Endpoint(0x01, 2)])
    half = Interface(0xFF, 0x42, 0x03, [Endpoint(0x81, 2), Endpoint(0x82, 3)])
    assert find_endpoints([Configuration([adb, half])]) is None


def test_reads_ask_for_whole_packets() -> None:
    assert read_size(256, 512) == 512
    assert read_size(256, 64) == 256
    assert read_size(1025, 1024) == 2048
