"""`classify` over the property sets udev gives for real phones and for things that are not."""

from __future__ import annotations

import pytest

from bench_app.devices.android.usb import (
    UsbInterface,
    UsbMode,
    UsbPhoneInfo,
    classify,
    parse_interfaces_property,
    port_path_from_sysfs,
)

PIXEL_PATH = "/sys/devices/pci0000:00/0000:00:14.0/usb1/1-4/1-4.2"


def attrs(
    vendor: str, product_id: str = "0001", serial: str = "SER123", **more: str
) -> dict[str, str]:
    base = {
        "idVendor": vendor,
        "idProduct": product_id,
        "serial": serial,
        "busnum": "1",
        "devnum": "7",
        "manufacturer": "Maker",
        "product": "Thing",
    }
    base.update(more)
    return base


def itf(cls: int, sub: int, proto: int, name: str = "") -> UsbInterface:
    return UsbInterface(cls, sub, proto, name)


ADB = itf(0xFF, 0x42, 0x01, "ADB Interface")
FASTBOOT = itf(0xFF, 0x42, 0x03, "fastboot")
MTP_VENDOR = itf(0xFF, 0xFF, 0x00, "MTP")
PTP = itf(0x06, 0x01, 0x01)
MASS_STORAGE = itf(0x08, 0x06, 0x50)
HID_KEYBOARD = itf(0x03, 0x01, 0x01)
HUB = itf(0x09, 0x00, 0x00)


def test_pixel_with_debugging_is_adb_with_everything_a_driver_needs() -> None:
    info = classify(
        {"DEVTYPE": "usb_device", "ID_USB_INTERFACES": ":ff4201:"},
        attrs("18d1", "4ee7", serial="1A2B3C4D", manufacturer="Google", product="Pixel 6"),
        [MTP_VENDOR, ADB],
        PIXEL_PATH,
    )
    assert info == UsbPhoneInfo(
        serial="1A2B3C4D",
        vendor_id="18d1",
        product_id="4ee7",
        mode=UsbMode.ADB,
        sysfs_path=PIXEL_PATH,
        busnum=1,
        devnum=7,
        manufacturer="Google",
        product="Pixel 6",
        port_path=(1, 4, 2),
    )


def test_fastboot_interface_means_fastboot_whatever_the_vendor() -> None:
    info = classify({"DEVTYPE": "usb_device"}, attrs("1234", "abcd"), [FASTBOOT])
    assert info is not None and info.mode is UsbMode.FASTBOOT


def test_adb_from_an_unknown_vendor_is_still_adb() -> None:
    # Cheap phones with a chip maker's or an odd vendor id: the ADB class is what counts.
    info = classify({}, attrs("abcd"), [ADB])
    assert info is not None and info.mode is UsbMode.ADB


def test_recovery_sideload_exposes_adb_too() -> None:
    info = classify({"ID_USB_INTERFACES": ":ff4201:"}, attrs("2ae5", "f000"))
    assert info is not None and info.mode is UsbMode.ADB


def test_interfaces_from_the_udev_property_alone_are_enough() -> None:
    # A container with udev's database but the interfaces not yet read from sysfs.
    info = classify(
        {"DEVTYPE": "usb_device", "ID_USB_INTERFACES": ":ffff00:ff4201:"}, attrs("04e8")
    )
    assert info is not None and info.mode is UsbMode.ADB


def test_composite_mtp_and_adb_is_adb() -> None:
    info = classify(
        {"ID_MTP_DEVICE": "1", "ID_USB_INTERFACES": ":ffff00:ff4201:"},
        attrs("2717", "ff48"),
        [MTP_VENDOR, ADB],
    )
    assert info is not None and info.mode is UsbMode.ADB


def test_composite_rndis_tethering_and_adb_is_adb() -> None:
    info = classify({}, attrs("22b8", "2e24"), [itf(0xE0, 0x01, 0x03), ADB])
    assert info is not None and info.mode is UsbMode.ADB


@pytest.mark.parametrize(
    ("vendor", "interfaces"),
    [
        ("18d1", [MTP_VENDOR]),  # Pixel, file transfer
        ("04e8", [itf(0x06, 0x01, 0x01, "MTP")]),  # Samsung: MTP on the still-image class
        ("2717", [PTP]),  # Xiaomi in PTP mode
        ("2ae5", []),  # Fairphone, charging only: no interface at all
        ("0fce", [itf(0xFF, 0xFF, 0x00)]),  # Sony, a vendor interface without a name
        ("12d1", [MTP_VENDOR, MASS_STORAGE]),  # Huawei: MTP plus its driver CD-ROM
    ],
)
def test_known_phone_maker_without_adb_asks_for_debugging(
    vendor: str, interfaces: list[UsbInterface]
) -> None:
    info = classify({"DEVTYPE": "usb_device"}, attrs(vendor), interfaces)
    assert info is not None
    assert info.mode is UsbMode.NO_DEBUGGING
    assert info.vendor_id == vendor


def test_unknown_vendor_flagged_mtp_by_udev_asks_for_debugging() -> None:
    info = classify(
        {"DEVTYPE": "usb_device", "ID_MTP_DEVICE": "1", "ID_USB_INTERFACES": ":060101:"},
        attrs("1f3a", "1007"),
        [PTP],
    )
    assert info is not None and info.mode is UsbMode.NO_DEBUGGING


def test_unknown_vendor_with_an_interface_named_mtp_asks_for_debugging() -> None:
    # No udev database (a container): the interface's own name still tells.
    info = classify({}, attrs("1f3a"), [MTP_VENDOR])
    assert info is not None and info.mode is UsbMode.NO_DEBUGGING


@pytest.mark.parametrize(
    ("properties", "attributes", "interfaces"),
    [
        ({"ID_USB_INTERFACES": ":030101:030000:"}, attrs("046d", "c31c"), [HID_KEYBOARD]),
        ({}, attrs("17ef", "6047"), [HID_KEYBOARD, itf(0x03, 0x00, 0x00)]),  # Lenovo keyboard
        ({}, attrs("1d6b", "0002", bDeviceClass="09"), [HUB]),  # root hub
        ({}, attrs("05e3", "0610", bDeviceClass="09"), []),  # hub, interfaces not read yet
        ({}, attrs("0781", "5567"), [MASS_STORAGE]),  # SanDisk stick
        ({}, attrs("04e8", "4001"), [MASS_STORAGE]),  # Samsung T7 SSD: a phone maker, not a phone
        ({}, attrs("0b05", "1939"), [itf(0xE0, 0x01, 0x01)]),  # Asus Bluetooth dongle
        ({}, attrs("04a9", "3218"), [PTP]),  # Canon camera: PTP, unknown vendor, no MTP
        ({"DEVTYPE": "usb_interface", "ID_USB_INTERFACES": ":ff4201:"}, attrs("18d1"), [ADB]),
        ({}, {}, [ADB]),  # no vendor id at all: not a USB device udev knows
    ],
)
def test_things_that_are_not_phones_are_none(
    properties: dict[str, str], attributes: dict[str, str], interfaces: list[UsbInterface]
) -> None:
    assert classify(properties, attributes, interfaces) is None


def test_ids_and_serial_fall_back_on_udev_properties() -> None:
    info = classify(
        {
            "DEVTYPE": "usb_device",
            "PRODUCT": "18d1/4ee0/100",
            "ID_SERIAL_SHORT": "ABC",
            "BUSNUM": "003",
            "DEVNUM": "012",
            "ID_USB_INTERFACES": ":ff4203:",
        },
        {},
    )
    assert info is not None
    assert (info.vendor_id, info.product_id, info.serial) == ("18d1", "4ee0", "ABC")
    assert (info.busnum, info.devnum, info.mode) == (3, 12, UsbMode.FASTBOOT)


def test_interfaces_property_parsing_skips_garbage() -> None:
    assert [i.triplet for i in parse_interfaces_property(":ff4201:zz:0806:080650:")] == [
        (0xFF, 0x42, 0x01),
        (0x08, 0x06, 0x50),
    ]


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/sys/devices/pci0000:00/0000:00:14.0/usb1/1-4", (1, 4)),
        ("/sys/devices/pci0000:00/0000:00:14.0/usb2/2-1/2-1.3/2-1.3.4/", (2, 1, 3, 4)),
        ("/sys/devices/pci0000:00/0000:00:14.0/usb1", ()),
        ("", ()),
    ],
)
def test_port_path(path: str, expected: tuple[int, ...]) -> None:
    assert port_path_from_sysfs(path) == expected
