"""Every persona loads and looks like a real phone; the shell answers like Android's."""

from __future__ import annotations

import re

import pytest

from bench_app.devices.android.parsers import parse_service_call_imei
from bench_app.domain.imei import is_valid_imei
from bench_app.simulators.adb_phone import (
    PersonaError,
    list_models,
    list_personas,
    load_persona,
)
from bench_app.simulators.adb_phone.persona import PERSONAS_DIR, TEXT_FILES, parse_getprop
from bench_app.simulators.adb_phone.shell import PhoneState, run_command

MODELS = list_models()
SPECIAL = [
    "unencrypted-android6",
    "frp-locked",
    "mdm-enrolled",
    "worn-battery",
    "rooted",
    "unauthorized",
    "unplugged-mid-command",
    "cable-pulled",
    "garbage",
    "silent",
    "slow",
    "trade-in-android16",
    "trade-in-frp-locked",
]
REQUIRED_PROPS = [
    "ro.product.brand",
    "ro.product.model",
    "ro.product.device",
    "ro.product.name",
    "ro.build.version.release",
    "ro.build.version.sdk",
    "ro.build.version.security_patch",
    "ro.build.fingerprint",
    "ro.serialno",
    "ro.crypto.state",
    "ro.boot.verifiedbootstate",
    "ro.boot.flash.locked",
]


def sh(name: str, command: str) -> str:
    return run_command(command, PhoneState(load_persona(name))).output.decode()


def test_the_list_is_every_folder() -> None:
    assert list_personas() == sorted(MODELS + SPECIAL)


@pytest.mark.parametrize("name", MODELS + SPECIAL)
def test_persona_loads_with_identity(name: str) -> None:
    persona = load_persona(name)
    assert persona.description
    assert is_valid_imei(persona.imei)
    assert persona.props["ro.serialno"] == persona.serial == persona.props["ro.boot.serialno"]
    # Verified boot became mandatory (and reported) with Android 7; older phones lack it.
    boot_props = ("ro.boot.verifiedbootstate", "ro.boot.flash.locked")
    for key in REQUIRED_PROPS:
        if key in boot_props and int(persona.props["ro.build.version.sdk"]) < 24:
            assert key not in persona.props, f"{name} reports {key} before Android 7"
            continue
        assert persona.props.get(key), f"{name} lacks {key}"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", persona.props["ro.build.version.security_patch"])
    if persona.props["ro.crypto.state"] == "encrypted":
        assert persona.props["ro.crypto.type"] in ("block", "file")
    assert "{serial}" not in persona.getprop_text() and "{imei}" not in persona.getprop_text()
    for key in TEXT_FILES:
        if key != "getprop":
            assert persona.texts[key].strip(), f"{name}: empty {key}"


@pytest.mark.parametrize("name", MODELS)
def test_model_folders_hold_every_file(name: str) -> None:
    for filename in [*TEXT_FILES.values(), "persona.toml"]:
        assert (PERSONAS_DIR / name / filename).is_file(), f"{name}/{filename}"


def test_models_span_android_7_to_14_and_four_brands() -> None:
    personas = [load_persona(n) for n in MODELS]
    majors = {int(p.android_release.split(".")[0]) for p in personas}
    assert min(majors) == 7 and max(majors) == 14
    assert len(majors) >= 6
    assert len({p.brand.lower() for p in personas}) >= 4
    sdk = {p.android_release.split(".")[0]: p.sdk for p in personas}
    assert sdk["7"] == 25 and sdk["14"] == 34


def test_serials_and_imeis_are_unique_and_stable() -> None:
    personas = [load_persona(n) for n in MODELS + SPECIAL]
    assert len({p.serial for p in personas}) == len(personas)
    assert len({p.imei for p in personas}) == len(personas)
    assert load_persona("rooted").serial == load_persona("rooted").serial


def test_unknown_persona_is_refused() -> None:
    with pytest.raises(PersonaError, match="unknown persona"):
        load_persona("nokia-3310")


def test_redmi_is_unencrypted_and_the_s24_file_encrypted() -> None:
    assert "ro.crypto.type" not in load_persona("xiaomi-redmi-5a").props
    assert load_persona("xiaomi-redmi-5a").props["ro.crypto.state"] == "unencrypted"
    assert load_persona("samsung-galaxy-s24").props["ro.crypto.type"] == "file"


def test_frp_locked_has_a_google_account_and_others_none() -> None:
    assert "type=com.google}" in sh("frp-locked", "dumpsys account")
    assert "Accounts: 0" in sh("google-pixel-6", "dumpsys account")


def test_mdm_enrolled_has_a_device_owner() -> None:
    policy = sh("mdm-enrolled", "dumpsys device_policy")
    assert "Device Owner:" in policy and "Has device owner: true" in policy
    assert "Device Owner:" not in sh("samsung-galaxy-s24", "dumpsys device_policy")


def test_worn_battery_is_worn_but_reported_good() -> None:
    battery = sh("worn-battery", "dumpsys battery")
    assert re.search(r"^\s+health: 2$", battery, re.M)
    asoc = int(re.search(r"mSavedBatteryAsoc: (\d+)", battery).group(1))  # type: ignore[union-attr]
    assert asoc <= 65
    assert int(sh("worn-battery", "cat /sys/class/power_supply/battery/battery_cycle")) > 1000


def test_rooted_phone_has_su_and_an_unlocked_bootloader() -> None:
    rooted = load_persona("rooted")
    assert rooted.props["ro.debuggable"] == "1"
    assert rooted.props["ro.boot.verifiedbootstate"] == "orange"
    assert rooted.props["ro.boot.flash.locked"] == "0"
    assert sh("rooted", "which su; echo $?") == "/system/xbin/su\n0\n"
    assert sh("rooted", "su -c id").startswith("uid=0(root)")
    assert sh("fairphone-4", "which su; echo $?") == "1\n"
    assert sh("fairphone-4", "su -c id") == "/system/bin/sh: su: not found\n"
    assert sh("fairphone-4", "id").startswith("uid=2000(shell)")


def _imei_from_parcel(text: str) -> str:
    words = re.findall(r"\b([0-9a-f]{8})\b", text.split("Parcel(", 1)[1])
    raw = b"".join(int(w, 16).to_bytes(4, "little") for w in words)
    length = int.from_bytes(raw[4:8], "little")
    return raw[8 : 8 + 2 * length].decode("utf-16-le")


@pytest.mark.parametrize("name", MODELS)
def test_service_call_iphonesubinfo_as_each_android_version_does(name: str) -> None:
    out = sh(name, "service call iphonesubinfo 1")
    if load_persona(name).sdk >= 29:
        # Android 10 and later refuse device identifiers to the shell user.
        assert out.startswith("Result: Parcel(\n  0x00000000: ffffffff ")
        assert parse_service_call_imei(out) is None
    else:
        assert out.startswith("Result: Parcel(\n  0x00000000: 00000000 0000000f ")
        assert _imei_from_parcel(out) == load_persona(name).imei


def test_getprop_single_and_missing() -> None:
    assert sh("fairphone-4", "getprop ro.product.model") == "FP4\n"
    assert sh("fairphone-4", "getprop no.such.prop") == "\n"
    assert parse_getprop(sh("fairphone-4", "getprop")) == load_persona("fairphone-4").props


def test_df_for_one_path() -> None:
    out = sh("google-pixel-6", "df -k /data").splitlines()
    assert out[0].startswith("Filesystem") and len(out) == 2
    assert out[1].split()[-1] == "/data"
    assert sh("google-pixel-6", "df /sdcard").splitlines()[1].endswith("/storage/emulated")


def test_settings_put_then_get_and_other_commands() -> None:
    phone = PhoneState(load_persona("oneplus-nord-n10"))

    def run(command: str) -> tuple[str, int]:
        result = run_command(command, phone)
        return result.output.decode(), result.status

    assert run("settings get global adb_enabled") == ("1\n", 0)
    assert run("settings get secure nope") == ("null\n", 0)
    assert run("settings put global stay_on_while_plugged_in 7") == ("", 0)
    assert run("settings get global stay_on_while_plugged_in") == ("7\n", 0)
    assert run("wm size") == ("Physical size: 1080x2400\n", 0)
    assert run("input keyevent 26") == ("", 0)
    assert run("am start -a android.settings.SETTINGS")[0].startswith(
        "Starting: Intent { act=android.settings.SETTINGS"
    )
    assert run("echo a b  c") == ("a b c\n", 0)
    assert run("true && echo yes || echo no") == ("yes\n", 0)
    assert run("false && echo yes || echo no") == ("no\n", 0)
    assert run("exit 4") == ("", 4)
    assert run("nosuch 2>/dev/null; echo $?") == ("/system/bin/sh: nosuch: not found\n127\n", 0)
    assert run("cat /proc/meminfo")[0].startswith("MemTotal:")
    assert "Sensor List:" in run("dumpsys sensorservice")[0]
    assert "feature:android.hardware.camera" in run("pm list features")[0]
    assert "Facing: Front" in run("dumpsys media.camera")[0]
    assert run("dumpsys nothing") == ("Can't find service: nothing\n", 0)
    assert run_command("reboot recovery", phone).reboot == "recovery"
