"""Telling Android phones apart from other USB devices, from what udev says about them.

Works on plain mappings (udev properties and sysfs attributes of one USB *device*, plus the
class triplets of its interfaces), so it is the same for a live pyudev device, a recorded one
and a unit test. No Qt, no pyudev here: `udev_source` does the reading.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum


class UsbMode(StrEnum):
    """What a phone on USB can do for the bench right now."""

    ADB = "adb"  # Android running (or recovery/sideload) with USB debugging on
    FASTBOOT = "fastboot"  # bootloader or fastbootd
    NO_DEBUGGING = "no_debugging"  # a phone, but only MTP/PTP: the operator must enable debugging


@dataclass(frozen=True, slots=True)
class UsbInterface:
    """One interface of a USB device: class, subclass, protocol, and its name when it has one."""

    cls: int
    subclass: int
    protocol: int
    name: str = ""  # the iInterface string (sysfs `interface`), e.g. "MTP" or "ADB Interface"

    @property
    def triplet(self) -> tuple[int, int, int]:
        return (self.cls, self.subclass, self.protocol)


@dataclass(frozen=True, slots=True)
class UsbPhoneInfo:
    """A phone on USB as udev sees it: enough for a driver to find it and for the bench to
    recognise the same phone when it comes back in another mode."""

    serial: str
    vendor_id: str  # four lower-case hex digits, e.g. "18d1"
    product_id: str
    mode: UsbMode
    sysfs_path: str
    busnum: int
    devnum: int
    manufacturer: str = ""
    product: str = ""
    # [bus, port, port...] as adb-shell's UsbTransport `port_path` wants it (from "1-4.2").
    port_path: tuple[int, ...] = ()


ADB_INTERFACE = (0xFF, 0x42, 0x01)
FASTBOOT_INTERFACE = (0xFF, 0x42, 0x03)

# Vendor ids of phone makers: a device from one of them showing no ADB interface is taken to be
# a phone with debugging off (unless it is plainly something else: see NOT_A_PHONE_CLASSES).
PHONE_VENDORS: Mapping[str, str] = {
    "18d1": "Google",
    "04e8": "Samsung",
    "2717": "Xiaomi",
    "22b8": "Motorola",
    "2a70": "OnePlus",
    "22d9": "OPPO / Realme",
    "2d95": "vivo",
    "12d1": "Huawei",
    "339b": "Honor",
    "1004": "LG",
    "0fce": "Sony",
    "0bb4": "HTC",
    "2e04": "HMD (Nokia)",
    "0421": "Nokia",
    "2ae5": "Fairphone",
    "17ef": "Lenovo",
    "19d2": "ZTE",
    "0b05": "Asus",
    "1bbb": "Alcatel / TCL",
    "2a45": "Meizu",
    "0e8d": "MediaTek",
    "1782": "Unisoc (Spreadtrum)",
    "0fca": "BlackBerry",
    "04dd": "Sharp",
    "0482": "Kyocera",
    "0e79": "Archos",
}

# Interface classes of things that are not phones: a device from a phone maker whose every
# interface is one of these is a keyboard, a hub, a headset, a USB stick... not a phone.
NOT_A_PHONE_CLASSES = frozenset(
    {
        0x01,  # audio
        0x03,  # HID: keyboards, mice
        0x07,  # printer
        0x08,  # mass storage: sticks, SSDs (an old phone in UMS mode is lost here, on purpose)
        0x09,  # hub
        0x0B,  # smart card
        0x0E,  # video
        0xE0,  # wireless controller: Bluetooth dongles
    }
)
HUB_DEVICE_CLASS = 0x09

# Serials some cheap phones all share: useless to tell two phones apart.
MEANINGLESS_SERIALS = frozenset({"", "0123456789abcdef", "0123456789", "unknown", "0"})

_INTERFACES_RE = re.compile(r"^[0-9a-fA-F]{6}$")
_PORT_RE = re.compile(r"^(\d+)-(\d+(?:\.\d+)*)$")


def parse_interfaces_property(value: str) -> list[UsbInterface]:
    """udev's ID_USB_INTERFACES (`:ff4201:080650:`) as interfaces; malformed parts are skipped."""
    found = []
    for part in value.split(":"):
        if _INTERFACES_RE.match(part):
            found.append(UsbInterface(int(part[0:2], 16), int(part[2:4], 16), int(part[4:6], 16)))
    return found


def parse_hex(value: str | None) -> int | None:
    """A sysfs hex attribute ("ff", "0x42", " 06\\n") as an int, None when absent or garbled."""
    if value is None:
        return None
    text = value.strip().lower().removeprefix("0x")
    try:
        return int(text, 16)
    except ValueError:
        return None


def port_path_from_sysfs(sysfs_path: str) -> tuple[int, ...]:
    """[bus, port, port...] from a USB device's sysfs name ("/sys/.../1-4.2" → (1, 4, 2))."""
    name = sysfs_path.rstrip("/").rsplit("/", 1)[-1]
    match = _PORT_RE.match(name)
    if match is None:
        return ()
    return (int(match.group(1)), *(int(p) for p in match.group(2).split(".")))


def is_meaningful_serial(serial: str) -> bool:
    """False for empty serials and the ones many phones share."""
    return serial.strip().lower() not in MEANINGLESS_SERIALS


def mode_from_interfaces(interfaces: Iterable[UsbInterface]) -> UsbMode | None:
    """ADB or fastboot from the interfaces alone; None when neither is there.

    ADB wins over fastboot: no phone exposes both, and ADB is the one the bench can do more with.
    """
    triplets = {i.triplet for i in interfaces}
    if ADB_INTERFACE in triplets:
        return UsbMode.ADB
    if FASTBOOT_INTERFACE in triplets:
        return UsbMode.FASTBOOT
    return None


def looks_like_mtp(interfaces: Iterable[UsbInterface], properties: Mapping[str, str]) -> bool:
    """True when udev (libmtp's rules) or an interface's own name says the device speaks MTP.

    A bare PTP interface (06/01/01) is not enough on its own: cameras have one too. From a
    phone maker it counts anyway, through the vendor table.
    """
    if properties.get("ID_MTP_DEVICE") == "1":
        return True
    return any(itf.name.strip().upper() == "MTP" for itf in interfaces)


def classify(
    properties: Mapping[str, str],
    attributes: Mapping[str, str],
    interfaces: Iterable[UsbInterface] = (),
    sysfs_path: str = "",
) -> UsbPhoneInfo | None:
    """Whether a USB device is an Android phone, and in which mode; None when it is not one.

    `properties` are the udev properties of the USB device (DEVTYPE, ID_USB_INTERFACES,
    ID_MTP_DEVICE, ID_SERIAL_SHORT, BUSNUM...), `attributes` its sysfs attributes (idVendor,
    idProduct, serial, busnum, devnum, manufacturer, product, bDeviceClass), `interfaces` the
    class triplets of its interfaces as read from its child interfaces; the interfaces listed in
    ID_USB_INTERFACES are added to them. Either source alone is enough: containers often have
    sysfs without udev's database, and a device just added may have the database before its
    interfaces are read.

    An ADB interface (ff/42/01) means ADB, fastboot (ff/42/03) means fastboot, whatever the
    vendor. Otherwise the device is a phone with debugging off when udev says it is an MTP
    device, or when a phone maker made it and it is not plainly a keyboard, hub, storage stick...
    """
    devtype = properties.get("DEVTYPE")
    if devtype is not None and devtype != "usb_device":
        return None
    all_interfaces = list(interfaces)
    all_interfaces += parse_interfaces_property(properties.get("ID_USB_INTERFACES", ""))
    vendor_id, product_id = _ids(properties, attributes)
    if not vendor_id or parse_hex(attributes.get("bDeviceClass")) == HUB_DEVICE_CLASS:
        return None

    mode = mode_from_interfaces(all_interfaces)
    if mode is None:
        if looks_like_mtp(all_interfaces, properties) or (
            vendor_id in PHONE_VENDORS and not _plainly_not_a_phone(all_interfaces)
        ):
            mode = UsbMode.NO_DEBUGGING
        else:
            return None

    serial = (attributes.get("serial") or properties.get("ID_SERIAL_SHORT") or "").strip()
    return UsbPhoneInfo(
        serial=serial,
        vendor_id=vendor_id,
        product_id=product_id,
        mode=mode,
        sysfs_path=sysfs_path,
        busnum=_int(attributes.get("busnum") or properties.get("BUSNUM")),
        devnum=_int(attributes.get("devnum") or properties.get("DEVNUM")),
        manufacturer=(attributes.get("manufacturer") or properties.get("ID_VENDOR") or "").strip(),
        product=(attributes.get("product") or properties.get("ID_MODEL") or "").strip(),
        port_path=port_path_from_sysfs(sysfs_path),
    )


def _plainly_not_a_phone(interfaces: list[UsbInterface]) -> bool:
    # No interface at all (phones in "charging only" mode on some versions) still counts as a phone.
    return bool(interfaces) and all(i.cls in NOT_A_PHONE_CLASSES for i in interfaces)


def _ids(properties: Mapping[str, str], attributes: Mapping[str, str]) -> tuple[str, str]:
    vendor = attributes.get("idVendor") or properties.get("ID_VENDOR_ID") or ""
    product = attributes.get("idProduct") or properties.get("ID_MODEL_ID") or ""
    if not vendor and properties.get("PRODUCT"):
        # The kernel's own PRODUCT=18d1/4ee7/440 (hex without leading zeros).
        parts = properties["PRODUCT"].split("/")
        if len(parts) >= 2:
            vendor, product = parts[0], parts[1]
    return _hex4(vendor), _hex4(product)


def _hex4(value: str) -> str:
    number = parse_hex(value)
    return "" if number is None else f"{number:04x}"


def _int(value: str | None) -> int:
    try:
        return int((value or "").strip())
    except ValueError:
        return 0
