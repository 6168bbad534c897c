"""The "this machine" inventory: recorded outputs of real machines (see data/machine/README.md)
played through fake /sys and /proc trees and a test double for the programs, then one run
on the machine the tests run on."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import socket
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bench_app.devices.this_machine import inventory as machine
from bench_app.devices.this_machine.inventory import (
    EDID_HEADER,
    Baseboard,
    Battery,
    Device,
    EdidError,
    Firmware,
    MemoryModule,
    NetworkInterface,
    Screen,
    SystemInfo,
    battery_verdict,
    inventory_this_machine,
    parse_edid,
    run_program,
)
from bench_app.jobs.process import ProcessResult
from bench_app.text import Text

DATA = Path(__file__).parent / "data" / "machine"
GIB = 1 << 30
MIB = 1 << 20


def data(name: str) -> str:
    return (DATA / name).read_text(encoding="utf-8")


def edid(name: str) -> bytes:
    return bytes.fromhex(data(f"edid/{name}.hex"))


class Programs:
    """Test double for the programs the inventory runs: one canned answer per program name
    (stdout, or (returncode, stdout, stderr)); a program without an answer is not installed."""

    def __init__(self, **answers: str | tuple[int, str, str]) -> None:
        self.answers = answers
        self.calls: list[tuple[str, ...]] = []

    def __call__(self, argv: Sequence[str]) -> ProcessResult:
        self.calls.append(tuple(argv))
        answer = self.answers.get(argv[0])
        if answer is None:
            return ProcessResult(tuple(argv), 127, "", f"{argv[0]}: command not found")
        if isinstance(answer, str):
            answer = (0, answer, "")
        return ProcessResult(tuple(argv), *answer)


class Machine:
    """Fake /sys and /proc trees under tmp_path, filled from recorded files."""

    def __init__(self, root: Path) -> None:
        self.sys = root / "sys"
        self.proc = root / "proc"
        self.sys.mkdir()
        self.proc.mkdir()

    def inventory(self, programs: Programs) -> machine.MachineInventory:
        return inventory_this_machine(programs, sys_root=self.sys, proc_root=self.proc)

    def proc_file(self, name: str, recorded: str) -> None:
        (self.proc / name).write_text(data(recorded))

    def power_supply(self, recorded: str) -> None:
        """A /sys/class/power_supply/NAME directory from a recorded uevent dump: one file per
        POWER_SUPPLY_* value, as the kernel shows them."""
        values = dict(line.split("=", 1) for line in data(recorded).splitlines())
        supply = self.sys / "class/power_supply" / values.pop("POWER_SUPPLY_NAME")
        supply.mkdir(parents=True)
        for key, value in values.items():
            (supply / key.removeprefix("POWER_SUPPLY_").lower()).write_text(value + "\n")

    def dmi_ids(self, recorded: str) -> None:
        folder = self.sys / "class/dmi/id"
        folder.mkdir(parents=True)
        for line in data(recorded).splitlines():
            name, _, value = line.partition(": ")
            (folder / name).write_text(value + "\n")

    def net(self, name: str, mac: str, *, physical: bool = True, wireless: bool = False) -> None:
        iface = self.sys / "class/net" / name
        iface.mkdir(parents=True)
        (iface / "address").write_text(mac + "\n")
        (iface / "type").write_text("772\n" if name == "lo" else "1\n")
        if physical:
            (iface / "device").mkdir()
        if wireless:
            (iface / "wireless").mkdir()

    def screen(self, output: str, edid_bytes: bytes) -> None:
        folder = self.sys / "class/drm" / output
        folder.mkdir(parents=True)
        (folder / "edid").write_bytes(edid_bytes)


@pytest.fixture
def box(tmp_path: Path) -> Machine:
    return Machine(tmp_path)


# ---------------------------------------------------------------------------------------------
# dmidecode


def test_dmidecode_of_a_lenovo_yoga_gives_identity_firmware_and_memory(box: Machine) -> None:
    inventory = box.inventory(Programs(dmidecode=data("dmidecode/lenovo-yoga-720-13ikb.txt")))

    assert inventory.system == SystemInfo(
        manufacturer="LENOVO",
        model="81C3",
        version="Lenovo YOGA 720-13IKB",
        serial="MP1CHKDC",
        uuid="CAF801D5-C387-11E7-BBB6-9829A61F3AF2",
        sku="LENOVO_MT_81C3_BU_idea_FM_YOGA 720-13IKB",
        family="YOGA 720-13IKB",
        chassis_type="Convertible",
        chassis_kind="laptop",
    )
    assert inventory.identity() == {
        "brand": "Lenovo",
        "model": "YOGA 720-13IKB",
        "serial": "MP1CHKDC",
        "kind": "laptop",
    }
    assert inventory.bios == Firmware("LENOVO", "1YCN36WW(V2.03)", "09/11/2017")
    assert inventory.baseboard == Baseboard("LENOVO", "LNVNB161216", "SDK0J40709 WIN", "MP1CHKDC")
    module = MemoryModule(
        slot="ChannelA-DIMM0",
        size_bytes=4 * GIB,
        bank="BANK 0",
        type="DDR4",
        form_factor="SODIMM",
        speed_mts=2400,
        configured_speed_mts=2400,
        manufacturer="Samsung",
        part_number="M471A5244CB0-CRC",
        serial="",  # the firmware says 00000000
    )
    assert inventory.ram.modules == (
        module,
        dataclasses.replace(module, slot="ChannelB-DIMM0", bank="BANK 2"),
    )
    assert (inventory.ram.slots, inventory.ram.installed_bytes) == (2, 8 * GIB)
    assert inventory.notes == (
        machine.NOTE_LSHW_MISSING,
        machine.NOTE_INXI_MISSING,
        machine.NOTE_NO_BATTERY,
        machine.NOTE_NO_CPUINFO,
        machine.NOTE_NO_MEMINFO,
    )


def test_placeholders_of_an_unfilled_firmware_become_empty(box: Machine) -> None:
    inventory = box.inventory(Programs(dmidecode=data("dmidecode/acer-aspire-t650.txt")))

    assert inventory.system == SystemInfo(
        manufacturer="ACER",
        model="Aspire T650/E500/AP F5",
        chassis_type="Desktop",
        chassis_kind="desktop",
    )
    assert inventory.identity() == {
        "brand": "Acer",
        "model": "Aspire T650/E500/AP F5",
        "serial": "",  # serial "......", UUID the firmware vendor's template
        "kind": "desktop",
    }
    assert inventory.bios == Firmware("American Megatrends Inc.", "R01-E4", "09/21/2005")
    assert inventory.baseboard == Baseboard("ACER", "ERC410M")
    assert inventory.ram.modules == (
        MemoryModule("DIMM2", 512 * MIB, bank="BANK2", type="DDR", form_factor="DIMM"),
        MemoryModule("DIMM3", 1024 * MIB, bank="BANK3", type="DDR", form_factor="DIMM"),
    )
    assert (inventory.ram.slots, inventory.ram.installed_bytes) == (4, 1536 * MIB)
    assert machine.NOTE_NO_BATTERY not in inventory.notes  # a desktop has none


# ---------------------------------------------------------------------------------------------
# A ThinkPad T580 as /sys and /proc show it, with dmidecode's memory records


def test_thinkpad_from_sysfs_proc_and_dmidecode_memory(box: Machine) -> None:
    box.dmi_ids("sysfs/thinkpad-t580-dmi-id.txt")
    box.proc_file("cpuinfo", "proc/thinkpad-t580.cpuinfo")
    for supply in ("BAT0", "BAT1", "AC"):
        box.power_supply(f"power_supply/thinkpad-t580-{supply}.uevent")
    box.net("wlp4s0", "18:1d:ea:ab:d3:ee", wireless=True)
    box.net("lo", "00:00:00:00:00:00", physical=False)

    inventory = box.inventory(Programs(dmidecode=data("dmidecode/thinkpad-t580-memory.txt")))

    assert inventory.system == SystemInfo(
        manufacturer="LENOVO",
        model="20L9CTO1WW",
        version="ThinkPad T580",
        sku="LENOVO_MT_20L9_BU_Think_FM_ThinkPad T580",
        family="ThinkPad T580",
        chassis_type="Notebook",
        chassis_kind="laptop",
    )
    # The serial number file is readable by root only, and there was none in the tree.
    assert inventory.identity() == {
        "brand": "Lenovo",
        "model": "ThinkPad T580",
        "serial": "",
        "kind": "laptop",
    }
    assert inventory.bios == Firmware("LENOVO", "N27ET29W (1.15 )", "08/08/2018")
    assert inventory.cpu == machine.Cpu(
        model="Intel(R) Core(TM) i7-8650U CPU @ 1.90GHz",
        vendor="GenuineIntel",
        sockets=1,
        cores=4,
        threads=8,
        flags=("lm", "nx", "pae", "popcnt", "sse4_2", "aes", "avx", "avx2", "vmx"),
    )
    assert [(m.slot, m.size_bytes, m.serial, m.part_number) for m in inventory.ram.modules] == [
        ("ChannelA-DIMM0", 16 * GIB, "23EDB9C6", "M471A2K43CB1-CRC"),
        ("ChannelB-DIMM0", 16 * GIB, "23EDBAE4", "M471A2K43CB1-CRC"),
    ]
    assert inventory.ram.installed_bytes == 32 * GIB
    assert inventory.batteries == (
        Battery(
            name="BAT0",
            manufacturer="LGC",
            model="01AV493",
            serial="565",
            technology="Li-poly",
            status="Not charging",
            charge_percent=98,
            cycle_count=23,
            full=28_790_000,
            full_design=31_920_000,
            unit="uWh",
        ),
        Battery(
            name="BAT1",
            manufacturer="LGC",
            model="01AV492",
            technology="Li-ion",
            status="Discharging",
            cycle_count=26,
            full=66_400_000,
            full_design=71_100_000,
            unit="uWh",
        ),
    )
    assert [(b.health_percent, b.verdict) for b in inventory.batteries] == [
        (90.2, "pass"),
        (93.4, "pass"),
    ]
    assert inventory.battery == inventory.batteries[0]
    assert inventory.network == (NetworkInterface("wlp4s0", "18:1d:ea:ab:d3:ee", "wireless"),)
    assert inventory.notes == (
        machine.NOTE_LSHW_MISSING,
        machine.NOTE_INXI_MISSING,
        machine.NOTE_NO_MEMINFO,
    )


def test_to_json_keeps_every_field_and_computed_values(box: Machine) -> None:
    box.dmi_ids("sysfs/thinkpad-t580-dmi-id.txt")
    box.proc_file("cpuinfo", "proc/thinkpad-t580.cpuinfo")
    box.power_supply("power_supply/thinkpad-t580-BAT0.uevent")
    box.screen("card1-eDP-1", edid("sharp-lq140m1jw49"))  # another laptop's panel
    inventory = box.inventory(Programs(dmidecode=data("dmidecode/thinkpad-t580-memory.txt")))

    exported = json.loads(json.dumps(inventory.to_json()))

    assert exported == inventory.to_json()
    assert list(exported) == [f.name for f in dataclasses.fields(inventory)]
    assert exported["system"]["sku"] == "LENOVO_MT_20L9_BU_Think_FM_ThinkPad T580"
    assert exported["cpu"]["flags"][:3] == ["lm", "nx", "pae"]
    assert exported["ram"]["modules"][1]["serial"] == "23EDBAE4"
    assert exported["batteries"][0]["health_percent"] == "90.2"  # fractions travel as text
    assert exported["batteries"][0]["verdict"] == "pass"
    assert exported["screens"][0]["diagonal_inches"] == "14"
    assert exported["notes"][0] == {
        "fr": machine.NOTE_LSHW_MISSING.fr,
        "en": machine.NOTE_LSHW_MISSING.en,
    }


def test_cpu_topology_and_top_frequency_from_sysfs(box: Machine) -> None:
    # A ThinkPad X220's Core i5-2520M: 2 cores, 4 threads, 3.2 GHz at most.
    cpus = box.sys / "devices/system/cpu"
    for number, core in enumerate((0, 1, 0, 1)):
        (cpus / f"cpu{number}/topology").mkdir(parents=True)
        (cpus / f"cpu{number}/topology/physical_package_id").write_text("0\n")
        (cpus / f"cpu{number}/topology/core_id").write_text(f"{core}\n")
    (cpus / "online").write_text("0-3\n")
    (cpus / "cpu0/cpufreq").mkdir()
    (cpus / "cpu0/cpufreq/cpuinfo_max_freq").write_text("3200000\n")

    cpu = box.inventory(Programs()).cpu

    assert (cpu.sockets, cpu.cores, cpu.threads, cpu.max_mhz) == (1, 2, 4, 3200)


# ---------------------------------------------------------------------------------------------
# lshw


PROBOOK_NETWORK = (
    NetworkInterface(
        name="enp1s0",
        mac="f4:30:b9:a8:6d:15",
        kind="ethernet",
        vendor="Realtek Semiconductor Co., Ltd.",
        product="RTL8111/8168/8411 PCI Express Gigabit Ethernet Controller",
        bus_info="pci@0000:01:00.0",
        driver="r8169",
        max_speed_bps=1_000_000_000,
    ),
    NetworkInterface(
        name="wlp2s0",
        mac="16:7b:5f:33:d2:3d",
        kind="wireless",
        vendor="Intel Corporation",
        product="Wireless 7265",
        bus_info="pci@0000:02:00.0",
        driver="iwlwifi",
    ),
)


def test_lshw_alone_describes_an_hp_probook(box: Machine) -> None:
    inventory = box.inventory(Programs(lshw=data("lshw/hp-probook-430-g4.json")))

    assert inventory.system == SystemInfo(
        manufacturer="HP",
        model="HP ProBook 430 G4",
        serial="5CD7314HDY",
        uuid="8D9234E6-05A3-29E1-FBF3-1D2CFE51352D",
        sku="W6P93AV",
        family="103C_5336AN HP ProBook",
        chassis_type="notebook",
        chassis_kind="laptop",
    )
    assert inventory.identity() == {
        "brand": "HP",
        "model": "ProBook 430 G4",
        "serial": "5CD7314HDY",
        "kind": "laptop",
    }
    assert inventory.bios == Firmware("HP", "P85 Ver. 01.06", "06/18/2017")
    assert inventory.baseboard == Baseboard("HP", "822C", "KBC Version 42.65", "PGDZN018J887YS")
    assert inventory.cpu == machine.Cpu(
        model="Intel(R) Core(TM) i5-7200U CPU @ 2.50GHz",
        vendor="Intel Corp.",
        sockets=1,
        cores=2,
        threads=4,
    )
    assert inventory.ram == machine.Ram(
        installed_bytes=8 * GIB,
        slots=2,
        modules=(
            MemoryModule(
                slot="Bottom-Slot 1(top)",
                size_bytes=8 * GIB,
                type="DDR4",
                form_factor="SODIMM",
                speed_mts=2133,
                manufacturer="Samsung",
                part_number="M471A1K43CB1-CRC",
                serial="362E4E84",
            ),
        ),
    )
    assert inventory.gpus == (
        Device(
            "VGA compatible controller",
            "Intel Corporation",
            "Intel Corporation",
            "pci@0000:00:02.0",
            "i915",
        ),
    )
    assert inventory.network == PROBOOK_NETWORK
    assert inventory.cameras == (
        Device("Video", "SunplusIT Inc", "HP HD Camera", "usb@1:6", "uvcvideo"),
    )
    assert inventory.sound == (
        Device(
            "Audio device",
            "Intel Corporation",
            "Intel Corporation",
            "pci@0000:00:1f.3",
            "snd_hda_intel",
        ),
    )
    assert inventory.bluetooth == (
        Device("Bluetooth wireless interface", "Intel Corp.", "", "usb@1:7", "btusb"),
    )
    assert inventory.storage_controllers == (
        Device(
            "SATA controller",
            "Intel Corporation",
            "Sunrise Point-LP SATA Controller [AHCI mode]",
            "pci@0000:00:17.0",
            "ahci",
        ),
    )
    assert "S2ZPNB0J121952" not in json.dumps(inventory.to_json())  # disks are not listed here
    assert inventory.notes == (
        machine.NOTE_DMIDECODE_MISSING,
        machine.NOTE_INXI_MISSING,
        machine.NOTE_NO_BATTERY,
        machine.NOTE_NO_MEMINFO,
    )


def test_lshw_list_output_reads_like_the_single_object(box: Machine) -> None:
    recorded = data("lshw/hp-probook-430-g4.json")
    as_list = "[\n" + recorded.rstrip() + "\n]\n"

    assert json.loads(as_list)[0]["id"] == "debian"
    assert box.inventory(Programs(lshw=as_list)) == box.inventory(Programs(lshw=recorded))


def test_sysfs_names_the_interfaces_and_lshw_describes_them(box: Machine) -> None:
    box.net("enp1s0", "f4:30:b9:a8:6d:15")
    box.net("wlp2s0", "16:7b:5f:33:d2:3d", wireless=True)
    box.net("virbr0", "52:54:00:d0:4e:0d", physical=False)

    inventory = box.inventory(Programs(lshw=data("lshw/hp-probook-430-g4.json")))

    assert inventory.network == PROBOOK_NETWORK


# ---------------------------------------------------------------------------------------------
# Missing tools, missing rights


def test_without_any_program_the_inventory_is_partial_and_says_why(box: Machine) -> None:
    programs = Programs()

    inventory = box.inventory(programs)

    assert programs.calls == [machine.DMIDECODE_ARGV, machine.LSHW_ARGV, machine.INXI_ARGV]
    assert inventory.system == SystemInfo()
    assert inventory.identity() == {"brand": "", "model": "", "serial": "", "kind": "desktop"}
    assert inventory.notes == (
        machine.NOTE_DMIDECODE_MISSING,
        machine.NOTE_LSHW_MISSING,
        machine.NOTE_INXI_MISSING,
        machine.NOTE_NO_CPUINFO,
        machine.NOTE_NO_MEMINFO,
    )
    assert all(note.fr and note.en for note in inventory.notes)


def test_programs_run_without_root_say_so(box: Machine) -> None:
    denied = (
        1,
        "# dmidecode 3.0\nScanning /dev/mem for entry point.\n",
        "/sys/firmware/dmi/tables/smbios_entry_point: Permission denied\n"
        "/dev/mem: Permission denied\n",
    )
    warned = (
        0,
        data("lshw/hp-probook-430-g4.json"),
        "WARNING: you should run this program as super-user.\n"
        "WARNING: output may be incomplete or inaccurate, you should run this program as "
        "super-user.\n",
    )

    inventory = box.inventory(Programs(dmidecode=denied, lshw=warned))

    assert inventory.notes[:2] == (machine.NOTE_DMIDECODE_ROOT, machine.NOTE_LSHW_ROOT)
    assert inventory.system.serial == "5CD7314HDY"  # what lshw could read is kept


def test_inxi_without_json_or_without_root_says_so(box: Machine) -> None:
    # inxi 3.3's answer when no JSON module is installed (its error_handler, errno 80), and
    # its stand-in for a serial that needs root (its message "root-required").
    no_json = (
        80,
        "Error 80: The required json Perl module is not installed:\n"
        "JSON::PP, Cpanel::JSON::XS or JSON::XS\n",
        "",
    )
    not_root = json.dumps(
        [
            {
                "000#1#0#Machine": [
                    {"000#0#1#Type": "Laptop", "004#0#3#serial": "<superuser required>"}
                ]
            }
        ]
    )

    unreadable = box.inventory(Programs(inxi=no_json))
    partial = box.inventory(Programs(inxi=not_root))

    assert machine.NOTE_INXI_UNREADABLE in unreadable.notes
    assert "inxi" not in unreadable.raw_outputs
    assert machine.NOTE_INXI_ROOT in partial.notes
    assert partial.raw_outputs["inxi"] == not_root  # kept: the MACs still tell computers apart


def test_no_smbios_table_and_unreadable_lshw(box: Machine) -> None:
    # What dmidecode 3.4 answers in a virtual machine without SMBIOS.
    no_table = (
        1,
        "# dmidecode 3.4\nScanning /dev/mem for entry point.\n",
        "/dev/mem: No such file or directory\n",
    )

    inventory = box.inventory(Programs(dmidecode=no_table, lshw="{ cut in the midd"))

    assert inventory.notes[:2] == (machine.NOTE_NO_SMBIOS, machine.NOTE_LSHW_UNREADABLE)
    assert inventory.gpus == ()


# ---------------------------------------------------------------------------------------------
# Batteries


@pytest.mark.parametrize(
    ("recorded", "health", "verdict", "unit", "serial"),
    [
        ("dell-latitude-e5530-BAT0", 35.7, "fail", "uAh", "19075"),
        ("acer-iconia-w500-BAT0", 42.8, "fail", "uWh", ""),
        ("asus-eee-1001pxd-BAT0", 86.4, "pass", "uAh", ""),
        ("thinkpad-t580-BAT0", 90.2, "pass", "uWh", "565"),
    ],
)
def test_battery_wear_from_sysfs(
    box: Machine, recorded: str, health: float, verdict: str, unit: str, serial: str
) -> None:
    box.power_supply(f"power_supply/{recorded}.uevent")
    programs = Programs()

    battery = box.inventory(programs).battery

    assert battery is not None
    assert (battery.health_percent, battery.verdict) == (health, verdict)
    assert (battery.unit, battery.serial) == (unit, serial)
    assert not any(call[0] == "upower" for call in programs.calls)


def test_upower_fills_what_sysfs_lacks(box: Machine) -> None:
    supply = box.sys / "class/power_supply/BAT0"
    supply.mkdir(parents=True)
    (supply / "type").write_text("Battery\n")
    (supply / "status").write_text("Discharging\n")
    programs = Programs(upower=data("upower/battery-worn.txt"))

    inventory = box.inventory(programs)

    assert programs.calls[-1] == ("upower", "-i", "/org/freedesktop/UPower/devices/battery_BAT0")
    assert inventory.batteries == (
        Battery(
            name="BAT0",
            status="Discharging",
            charge_percent=100,
            cycle_count=325,
            full=38_660_000,
            full_design=50_500_000,
            unit="uWh",
        ),
    )
    assert (inventory.batteries[0].health_percent, inventory.batteries[0].verdict) == (
        76.6,
        "warning",
    )
    assert inventory.identity()["kind"] == "laptop"  # unknown chassis, but a battery


def test_battery_without_design_capacity_and_without_upower(box: Machine) -> None:
    supply = box.sys / "class/power_supply/BAT0"
    supply.mkdir(parents=True)
    (supply / "type").write_text("Battery\n")

    inventory = box.inventory(Programs())

    assert inventory.batteries == (Battery(name="BAT0"),)
    assert inventory.batteries[0].verdict is None
    assert inventory.notes == (
        machine.NOTE_DMIDECODE_MISSING,
        machine.NOTE_LSHW_MISSING,
        machine.NOTE_INXI_MISSING,
        machine.NOTE_UPOWER_MISSING,
        machine.NOTE_BATTERY_UNKNOWN.format(name="BAT0"),
        machine.NOTE_NO_CPUINFO,
        machine.NOTE_NO_MEMINFO,
    )


def test_mains_mouse_batteries_and_empty_bays_are_not_laptop_batteries(box: Machine) -> None:
    box.power_supply("power_supply/thinkpad-t580-AC.uevent")
    mouse = box.sys / "class/power_supply/hidpp_battery_0"
    mouse.mkdir(parents=True)
    (mouse / "type").write_text("Battery\n")
    (mouse / "scope").write_text("Device\n")
    bay = box.sys / "class/power_supply/BAT1"
    bay.mkdir(parents=True)
    (bay / "type").write_text("Battery\n")
    (bay / "present").write_text("0\n")

    assert box.inventory(Programs()).batteries == ()


@pytest.mark.parametrize(
    ("health", "verdict"),
    [(103.4, "pass"), (80.0, "pass"), (79.9, "warning"), (60.0, "warning"), (59.9, "fail")],
)
def test_wear_verdict_thresholds(health: float, verdict: str) -> None:
    assert battery_verdict(health) == verdict
    assert battery_verdict(None) is None


# ---------------------------------------------------------------------------------------------
# Screens (EDID)


SHARP_PANEL = Screen(
    connector="eDP-1",
    internal=True,
    manufacturer="SHP",
    product_code=0x1523,
    name="LQ140M1JW49",
    week=53,
    year=2020,
    edid_version="1.4",
    width_cm=31,
    height_cm=17,
    width_mm=309,
    height_mm=174,
    diagonal_inches=14.0,
    width_px=1920,
    height_px=1080,
    refresh_hz=143.98,
)


def test_internal_panel_from_its_edid(box: Machine) -> None:
    box.screen("card1-DP-1", b"")  # nothing plugged in
    box.screen("card1-eDP-1", edid("sharp-lq140m1jw49"))

    inventory = box.inventory(Programs())

    assert inventory.screens == (SHARP_PANEL,)


def test_panel_with_text_descriptors_and_no_name() -> None:
    screen = parse_edid(edid("auo-b140xtt"), "LVDS-1")

    assert (screen.manufacturer, screen.product_code, screen.internal) == ("AUO", 0x103C, True)
    assert screen.texts == ("VXKJX B140XTT",)  # a marker byte sits between the two strings
    assert (screen.name, screen.serial, screen.serial_number) == ("", "", None)
    assert (screen.week, screen.year) == (None, 2013)
    assert (screen.width_px, screen.height_px, screen.refresh_hz) == (1366, 768, 60.06)
    assert (screen.width_mm, screen.height_mm, screen.diagonal_inches) == (309, 173, 13.9)


def test_bad_edid_is_ignored_with_a_note(box: Machine) -> None:
    damaged = bytearray(edid("sharp-lq140m1jw49"))
    damaged[0x15] = 0x20  # width 32 cm instead of 31: the checksum no longer adds up
    box.screen("card1-eDP-1", bytes(damaged))

    inventory = box.inventory(Programs())

    assert inventory.screens == ()
    assert inventory.notes[-1] == Text(
        "L’EDID de l’écran eDP-1 est illisible (somme de contrôle fausse) : écran ignoré.",
        "The EDID of screen eDP-1 is unreadable (bad checksum): screen ignored.",
    )


@pytest.mark.parametrize(
    ("damage", "reason"),
    [(lambda b: b[:100], "shorter than 128 bytes"), (lambda b: b"\x01" + b[1:], "no EDID header")],
)
def test_edid_that_is_not_one(damage: Callable[[bytes], bytes], reason: str) -> None:
    with pytest.raises(EdidError, match=reason):
        parse_edid(damage(edid("sharp-lq140m1jw49")))


@given(raw=st.binary(max_size=300))
def test_any_bytes_give_a_screen_or_an_edid_error(raw: bytes) -> None:
    with contextlib.suppress(EdidError):
        parse_edid(raw)


@given(body=st.binary(min_size=119, max_size=119))
def test_any_block_with_header_and_checksum_is_a_screen(body: bytes) -> None:
    block = EDID_HEADER + body
    screen = parse_edid(block + bytes([-sum(block) % 256]), "eDP-1")

    assert screen.internal and len(screen.manufacturer) == 3


# ---------------------------------------------------------------------------------------------
# Whatever the programs answer


LSHW_WORDS = (
    *("memory", "processor", "network", "display", "multimedia", "storage", "communication"),
    *("bank:0", "System Memory", "firmware", "core", "pci@0000:00:02.0", "uvcvideo", "bluetooth"),
)
LSHW_KEYS = (
    *("id", "class", "children", "description", "product", "vendor", "serial", "businfo"),
    *("logicalname", "size", "capacity", "clock", "configuration", "capabilities", "slot"),
    *("disabled", "cores", "threads", "chassis", "sku", "uuid", "driver", "wireless"),
)
LSHW_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=4) | st.sampled_from(LSHW_WORDS),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(LSHW_KEYS), inner, max_size=6)
    ),
    max_leaves=30,
).map(json.dumps)
DMI_WORDS = (
    *("System Information", "Memory Device", "BIOS Information", "Chassis Information"),
    *("Size: 8 GB", "Size: No Module Installed", "Speed: 2400 MT/s", "Type: Notebook"),
    *("Serial Number: 0000", "UUID: 00000000-0000", "Handle 0x0001", "Product Name:"),
)
DMI_LINE = st.tuples(st.sampled_from(["", "\t", "\t\t", "  "]), st.sampled_from(DMI_WORDS)).map(
    "".join
)
DMI_TEXT = st.lists(DMI_LINE | st.text(max_size=20), max_size=30).map("\n".join)


@given(dmidecode=DMI_TEXT, lshw=LSHW_JSON | st.text(), upower=st.text())
def test_any_program_output_gives_an_inventory(dmidecode: str, lshw: str, upower: str) -> None:
    programs = Programs(dmidecode=dmidecode, lshw=lshw, upower=upower)
    nowhere = Path("/nonexistent-etabli-root")

    inventory = inventory_this_machine(programs, sys_root=nowhere, proc_root=nowhere)

    json.dumps(inventory.to_json())
    assert set(inventory.identity()) == {"brand", "model", "serial", "kind"}


# ---------------------------------------------------------------------------------------------
# Memory and network of a laptop


def test_memory_total_and_physical_interfaces(box: Machine) -> None:
    box.proc_file("meminfo", "proc/laptop.meminfo")
    box.net("enp1s0", "c8:5b:76:6a:99:47")
    box.net("lo", "00:00:00:00:00:00", physical=False)
    box.net("virbr0", "52:54:00:d0:4e:0d", physical=False)
    box.net("wlp2s0", "84:ef:18:2b:cd:61", wireless=True)

    inventory = box.inventory(Programs())

    assert inventory.ram.total_bytes == 8_031_804 * 1024
    assert inventory.network == (
        NetworkInterface("enp1s0", "c8:5b:76:6a:99:47", "ethernet"),
        NetworkInterface("wlp2s0", "84:ef:18:2b:cd:61", "wireless"),
    )


# ---------------------------------------------------------------------------------------------
# Running programs, and this very machine


def test_run_program_reports_missing_slow_and_finished_programs() -> None:
    missing = run_program(["etabli-no-such-program", "--version"])
    slow = run_program([sys.executable, "-c", "import time; time.sleep(30)"], timeout=0.2)
    done = run_program([sys.executable, "-c", "import os; print(os.environ['LC_ALL'])"])

    assert (missing.returncode, missing.argv) == (127, ("etabli-no-such-program", "--version"))
    assert "not found" in missing.stderr
    assert slow.returncode == 124
    assert (done.returncode, done.stdout) == (0, "C\n")


def test_inventory_of_the_machine_running_the_tests() -> None:
    inventory = inventory_this_machine(run_program)

    assert inventory.ram.total_bytes == os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    assert inventory.cpu.threads == os.cpu_count()
    assert inventory.cpu.model
    interfaces = {name for _, name in socket.if_nameindex()}
    assert {i.name for i in inventory.network} <= interfaces - {"lo"}
    assert all(len(i.mac.split(":")) == 6 for i in inventory.network)
    assert json.loads(json.dumps(inventory.to_json())) == inventory.to_json()
    assert set(inventory.identity()) == {"brand", "model", "serial", "kind"}
    # inxi (a runtime package) answered with its JSON sections, kept for eReuse exports.
    sections = json.loads(inventory.raw_outputs["inxi"])
    assert any("#Machine" in key for section in sections for key in section)
