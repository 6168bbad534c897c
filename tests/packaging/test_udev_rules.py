"""The udev rules give the `etabli` group (and the seat's user) every phone and label printer
the app knows, and nothing else of the same makers: read strictly, run over the devices the
app's own classifier, its device profiles and its discovery tests' simulated devices use."""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bench_app.devices.android.usb import PHONE_VENDORS, UsbMode, classify
from bench_app.profiles.loader import load_profiles
from tests.packaging import udev_rules
from tests.packaging.udev_rules import Device, RuleSyntaxError, evaluate, usb_device

ROOT = Path(__file__).resolve().parents[2]
RULES_FILE = ROOT / "packaging" / "udev" / "60-etabli.rules"
RULES = udev_rules.read(RULES_FILE)
SCENARIOS = ROOT / "tests" / "discovery" / "umockdev_scenarios.py"

MTP = (0xFF, 0xFF, 0x00)
PTP = (0x06, 0x01, 0x01)
ADB = (0xFF, 0x42, 0x01)
FASTBOOT = (0xFF, 0x42, 0x03)
CDC_ACM = (0x02, 0x02, 0x01)  # Samsung's download (Odin) mode, with CDC data below
CDC_DATA = (0x0A, 0x00, 0x00)
KEYBOARD = (0x03, 0x01, 0x01)
AUDIO = (0x01, 0x01, 0x00)
STORAGE = (0x08, 0x06, 0x50)
HUB = (0x09, 0x00, 0x00)
PRINTER = (0x07, 0x01, 0x02)
PRINTERS = {"04f9": "Brother", "0a5f": "Zebra"}
MODE_INTERFACES = {
    "adb": [MTP, ADB],
    "fastboot": [FASTBOOT],
    "download": [CDC_ACM, CDC_DATA],
}


def granted(device: Device) -> bool:
    return evaluate(RULES, device).granted


def app_sees(vendor: str, interfaces: list[tuple[int, int, int]]) -> UsbMode | None:
    """The mode the app's own USB classifier gives the device, None when not a phone."""
    device = usb_device(vendor, interfaces)
    found = classify(device.env, device.attr)
    return None if found is None else found.mode


def test_the_rules_file_is_well_formed() -> None:
    assert len(RULES) > 20
    granting = [r for r in RULES if r.get("GROUP") is not None]
    assert granting, "no rule gives the group"
    for rule in granting:
        assert rule.get("GROUP") == "etabli"
        assert rule.get("MODE") == "0660"
        assert any(t.key == "TAG" and t.op == "+=" and t.value == "uaccess" for t in rule.assigns)
    verify = shutil.which("udevadm")
    if (
        verify is not None
        and "verify"
        in subprocess.run([verify, "--help"], capture_output=True, text=True, check=False).stdout
    ):  # systemd 253 and later (Ubuntu 24.04); Debian 12's 252 has no verify
        done = subprocess.run([verify, "verify", str(RULES_FILE)], capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize(
    ("line", "fault"),
    [
        ('ATTR{idVendor}=="18d1", GOTO="x"  # Google', "cannot read"),
        ('ATTR{idVendor}="18d1", MODE="0660"', "matched with"),
        ('VENDOR=="18d1", MODE="0660"', "unknown key"),
        ('ATTR=="18d1", MODE="0660"', "needs"),
        ('ATTR{idVendor}=="18d1", GOTO="nowhere"', "missing LABEL"),
        ('ATTR{idVendor}=="18d1", MODE="660"', "octal"),
        ('ATTR{idVendor}=="18d1, MODE="0660"', "quote"),
    ],
)
def test_the_reader_refuses_what_udev_would_not_take(line: str, fault: str) -> None:
    with pytest.raises(RuleSyntaxError, match=fault):
        udev_rules.parse(line)


def test_every_vendor_id_is_four_lower_case_hex_digits() -> None:
    vendors = re.findall(r'idVendor\}=="([^"]*)"', RULES_FILE.read_text(encoding="utf-8"))
    assert vendors
    for value in vendors:
        for vendor in value.split("|"):
            assert re.fullmatch(r"[0-9a-f]{4}", vendor), vendor


@pytest.mark.parametrize("vendor", sorted(PHONE_VENDORS))
def test_every_phone_maker_the_app_knows_is_reached_in_every_mode(vendor: str) -> None:
    for interfaces in ([MTP], [PTP], [MTP, ADB], [FASTBOOT], [CDC_ACM, CDC_DATA]):
        assert app_sees(vendor, interfaces) is not None
        assert granted(usb_device(vendor, interfaces)), (PHONE_VENDORS[vendor], interfaces)
    # The same maker's keyboards, headsets, sticks and hubs get nothing.
    for interfaces in ([KEYBOARD], [AUDIO, KEYBOARD], [STORAGE], [HUB]):
        assert app_sees(vendor, interfaces) is None
        assert not granted(usb_device(vendor, interfaces)), (PHONE_VENDORS[vendor], interfaces)


def test_adb_and_fastboot_are_reached_whatever_the_maker() -> None:
    for vendor in ("1234", "05c6", "abcd"):
        assert vendor not in PHONE_VENDORS
        assert granted(usb_device(vendor, [MTP, ADB]))
        assert granted(usb_device(vendor, [FASTBOOT]))
        assert not granted(usb_device(vendor, [MTP]))
        assert not granted(usb_device(vendor, [STORAGE]))


@pytest.mark.parametrize("vendor", sorted(PRINTERS))
def test_label_printers_are_reached_and_nothing_else_of_their_makers(vendor: str) -> None:
    assert granted(usb_device(vendor, [PRINTER]))
    assert not granted(usb_device(vendor, [(0xFF, 0xFF, 0xFF)]))  # a scanner, an adapter...
    assert not granted(usb_device(vendor, [STORAGE]))
    # The kernel's printer device (/dev/usb/lp0), for printers reached through usblp.
    lp = Device("usbmisc", kernel="lp0", parents_attr={"idVendor": vendor})
    assert granted(lp)
    other = Device("usbmisc", kernel="lp0", parents_attr={"idVendor": "03f0"})  # an HP printer
    assert not granted(other)


def test_interfaces_and_removals_are_left_alone() -> None:
    interface = usb_device("18d1", [ADB])
    interface.env["DEVTYPE"] = "usb_interface"
    assert evaluate(RULES, interface).group is None
    removed = usb_device("18d1", [ADB])
    removed.action = "remove"
    assert evaluate(RULES, removed).group is None
    assert evaluate(RULES, Device("block", kernel="sda")).group is None


def test_every_usb_id_of_the_device_profiles_is_reached() -> None:
    profiles = load_profiles([])
    checked = 0
    for profile in profiles:
        for usb in profile.usb_ids:
            interfaces = MODE_INTERFACES[usb.mode]
            assert granted(usb_device(usb.vendor, interfaces)), (profile.codename, usb)
            checked += 1
    assert checked >= 20


def _simulated_plugs() -> list[tuple[str, list[tuple[int, int, int]]]]:
    """(vendor, interfaces) of every `bench.plug(...)` in the umockdev discovery scenarios."""
    tree = ast.parse(SCENARIOS.read_text(encoding="utf-8"))
    constants: dict[str, tuple[int, int, int]] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Tuple):
            values = ast.literal_eval(node.value)
            if len(values) == 4:
                c, s, p, _name = values
                constants[node.targets[0].id] = (int(c, 16), int(s, 16), int(p, 16))  # type: ignore[attr-defined]
    plugs = []
    for call in ast.walk(tree):
        if (
            isinstance(call, ast.Call)
            and isinstance(call.func, ast.Attribute)
            and call.func.attr == "plug"
            and len(call.args) == 6
        ):
            vendor = ast.literal_eval(call.args[1])
            names = [e.id for e in call.args[5].elts]  # type: ignore[attr-defined]
            plugs.append((vendor, [constants[n] for n in names]))
    return plugs


def test_the_simulated_devices_of_the_discovery_tests_get_what_the_app_sees() -> None:
    plugs = _simulated_plugs()
    assert len(plugs) >= 6
    assert any(app_sees(v, i) is None for v, i in plugs), "the scenarios plug a keyboard too"
    for vendor, interfaces in plugs:
        mode = app_sees(vendor, interfaces)
        assert granted(usb_device(vendor, interfaces)) == (mode is not None), (vendor, interfaces)


CLASSES = [MTP, PTP, ADB, FASTBOOT, CDC_ACM, CDC_DATA, KEYBOARD, AUDIO, STORAGE, HUB, PRINTER]


@given(
    vendor=st.one_of(
        st.sampled_from(sorted({*PHONE_VENDORS, *PRINTERS})),
        st.from_regex(r"[0-9a-f]{4}", fullmatch=True),
    ),
    interfaces=st.lists(st.sampled_from(CLASSES), min_size=1, max_size=4),
)
def test_the_rules_grant_only_phones_and_printers(
    vendor: str, interfaces: list[tuple[int, int, int]]
) -> None:
    mode = app_sees(vendor, interfaces)
    printer = vendor in PRINTERS and PRINTER in interfaces
    allowed = granted(usb_device(vendor, interfaces))
    if mode in (UsbMode.ADB, UsbMode.FASTBOOT) or printer:
        assert allowed
    if allowed:
        assert mode is not None or printer
