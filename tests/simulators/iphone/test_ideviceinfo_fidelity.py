"""Debian's own libimobiledevice tools against the simulated iPhone: they must take it for a
real one, through usbmuxd, pairing ("Trust This Computer?"), the TLS session and a service."""

from __future__ import annotations

import os
import plistlib
import shutil
import subprocess

import pytest

from bench_app.simulators.iphone import UsbmuxdSimulator, list_personas, pair_record_of
from tests.simulators.iphone.conftest import PlugIPhone

MISSING = "ideviceinfo is missing: apt-get install libimobiledevice-utils (packaging/bootstrap.py)"


def _tool(name: str, address: str, *args: str) -> subprocess.CompletedProcess[str]:
    binary = shutil.which(name)
    if binary is None:
        pytest.fail(MISSING)
    env = {**os.environ, "USBMUXD_SOCKET_ADDRESS": address}
    return subprocess.run(
        [binary, *args], env=env, capture_output=True, text=True, timeout=60, check=False
    )


def _key_values(text: str) -> dict[str, str]:
    return dict(line.split(": ", 1) for line in text.splitlines() if ": " in line)


@pytest.mark.parametrize("over", ["tcp", "unix"])
def test_idevice_id_lists_the_plugged_iphone(
    usbmuxd: UsbmuxdSimulator, plug_iphone: PlugIPhone, over: str
) -> None:
    phone = plug_iphone("iphone-13")
    address = usbmuxd.address if over == "tcp" else f"UNIX:{usbmuxd.unix_path}"
    listed = _tool("idevice_id", address, "-l")
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.split() == [phone.udid]
    usbmuxd.detach(phone)
    assert _tool("idevice_id", address, "-l").stdout.split() == []


def test_simple_mode_names_the_phone_without_pairing(
    usbmuxd: UsbmuxdSimulator, plug_iphone: PlugIPhone
) -> None:
    phone = plug_iphone("iphone-13")
    shown = _tool("ideviceinfo", usbmuxd.address, "-s")
    assert shown.returncode == 0, shown.stderr
    values = _key_values(shown.stdout)
    assert values["ProductType"] == "iPhone14,5"
    assert values["ProductVersion"] == "17.5.1"
    assert values["UniqueDeviceID"] == phone.udid
    assert values["TimeZone"] == "Europe/Paris"  # the clock's keys are shown unpaired too
    # Who owns it stays behind pairing.
    assert "SerialNumber" not in values and "InternationalMobileEquipmentIdentity" not in values
    assert usbmuxd.pair_records == {}


@pytest.mark.parametrize("name", list_personas())
def test_full_identity_after_trust(
    usbmuxd: UsbmuxdSimulator, plug_iphone: PlugIPhone, name: str
) -> None:
    phone = plug_iphone(name)
    first = _tool("ideviceinfo", usbmuxd.address)
    if phone.behaviour.trust_after_asks < 0:
        # The user never answers the dialog: every try says so, nothing is saved.
        again = _tool("ideviceinfo", usbmuxd.address)
        for attempt in (first, again):
            assert "Pairing dialog response pending" in attempt.stderr
        assert usbmuxd.pair_records == {} and phone.trusted == {}
        return
    # The first try puts "Trust This Computer?" on the screen, as a real iPhone does.
    assert "Pairing dialog response pending" in first.stderr
    shown = _tool("ideviceinfo", usbmuxd.address)
    assert shown.returncode == 0, shown.stderr
    values = _key_values(shown.stdout)
    persona = phone.persona.values
    for key in ("ProductType", "ProductVersion", "SerialNumber", "UniqueDeviceID",
                "InternationalMobileEquipmentIdentity", "DeviceColor", "ActivationState"):  # fmt: skip
        assert values[key] == str(persona[key]), key
    # The host saved its pair record in usbmuxd; the phone holds the same HostID, and the
    # session ran over TLS then stopped.
    record = pair_record_of(usbmuxd, phone.udid)
    assert record is not None and list(phone.trusted) == [record["HostID"]]
    assert phone.requests.count("StartSession") == 1 and "StopSession" in phone.requests


def test_domains_and_single_keys(usbmuxd: UsbmuxdSimulator, plug_iphone: PlugIPhone) -> None:
    plug_iphone("find-my-on", trust_after_asks=0)
    fmip = _tool("ideviceinfo", usbmuxd.address, "-q", "com.apple.fmip")
    assert fmip.returncode == 0, fmip.stderr
    assert _key_values(fmip.stdout) == {"IsAssociated": "true"}
    disk = _tool("ideviceinfo", usbmuxd.address, "-q", "com.apple.disk_usage",
                 "-k", "TotalDiskCapacity")  # fmt: skip
    assert disk.stdout.strip() == "64000000000"
    xml = _tool("ideviceinfo", usbmuxd.address, "-x", "-q", "com.apple.mobile.battery")
    assert plistlib.loads(xml.stdout.encode())["BatteryCurrentCapacity"] == 54


def test_idevicediagnostics_reads_the_battery_over_tls(
    usbmuxd: UsbmuxdSimulator, plug_iphone: PlugIPhone
) -> None:
    phone = plug_iphone("worn-battery", trust_after_asks=0)
    shown = _tool("idevicediagnostics", usbmuxd.address, "ioregentry", "AppleSmartBattery")
    assert shown.returncode == 0, shown.stderr
    entry = plistlib.loads(shown.stdout.encode())["IORegistry"]
    assert entry["CycleCount"] == 1043 and entry["DesignCapacity"] == 2942
    assert "diagnostics_relay:IORegistry" in phone.requests
    missing = _tool("idevicediagnostics", usbmuxd.address, "ioregentry", "NoSuchEntry")
    assert "Unable to retrieve IORegistry" in missing.stdout


def test_idevicepair_validates_and_unpairs(
    usbmuxd: UsbmuxdSimulator, plug_iphone: PlugIPhone
) -> None:
    phone = plug_iphone("iphone-13", trust_after_asks=0)
    paired = _tool("idevicepair", usbmuxd.address, "pair")
    assert paired.returncode == 0 and "SUCCESS" in paired.stdout, paired.stdout + paired.stderr
    assert len(phone.trusted) == 1
    valid = _tool("idevicepair", usbmuxd.address, "validate")
    assert "SUCCESS" in valid.stdout
    gone = _tool("idevicepair", usbmuxd.address, "unpair")
    assert "SUCCESS" in gone.stdout and phone.trusted == {}
    assert usbmuxd.pair_records == {}
