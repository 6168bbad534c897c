"""The parsers that turn Android command outputs into facts.

Every fixture below is a short hand-made snippet reproducing a format variation seen in real
outputs (brands, Android 6 to 16); no real file is copied. IMEIs are made-up Luhn-valid ones.
"""

from __future__ import annotations

import contextlib
import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bench_app.devices.android import parsers as p
from bench_app.devices.android.parsers import AndroidParseError
from bench_app.domain.imei import is_valid_imei, luhn_digit

FUZZ = settings(deadline=None, max_examples=150)

# ---------------------------------------------------------------------------------------------
# getprop

GETPROP = """\
000[DEVICE_PROVISIONED]: [1]
[dalvik.vm.heapsize]: [512m]
[persist.sys.boot.reason.history]: [reboot,shell,1755851965
reboot,ota,1755825906
cold,1755775467]
[persist.vendor.sys.pq.picmode]: [0
]
[ro.build.version.base_os]: []
[ro.product.model]: [MI 6]
[weird.value]: [a]b]
not a property line
[ro.product.model]: [Redmi Note 7]
"""


def test_getprop_reads_every_variation() -> None:
    props = p.parse_getprop(GETPROP)
    assert props == {
        "DEVICE_PROVISIONED": "1",
        "dalvik.vm.heapsize": "512m",
        "persist.sys.boot.reason.history": (
            "reboot,shell,1755851965\nreboot,ota,1755825906\ncold,1755775467"
        ),
        "persist.vendor.sys.pq.picmode": "0\n",
        "ro.build.version.base_os": "",
        "ro.product.model": "Redmi Note 7",  # duplicated key: the last one wins
        "weird.value": "a]b",
    }


def test_getprop_with_crlf_line_ends() -> None:
    text = "[ro.crypto.state]: [encrypted]\r\n[ro.crypto.type]: [block]\r\n"
    assert p.parse_getprop(text) == {"ro.crypto.state": "encrypted", "ro.crypto.type": "block"}


def test_getprop_multiline_crlf_value() -> None:
    text = "[a.history]: [reboot,1\r\nshutdown,2]\r\n[b]: [x]\r\n"
    assert p.parse_getprop(text) == {"a.history": "reboot,1\nshutdown,2", "b": "x"}


def test_getprop_value_cut_short_keeps_what_came() -> None:
    text = "[a]: [1]\n[b]: [first line\n[c]: [3]\n[d]: [never closed"
    assert p.parse_getprop(text) == {"a": "1", "b": "first line", "c": "3", "d": "never closed"}


@pytest.mark.parametrize("text", ["", "\n\n", "sh: getprop: not found", "[]: [x]", "error: closed"])
def test_getprop_without_properties_is_refused(text: str) -> None:
    with pytest.raises(AndroidParseError, match="getprop"):
        p.parse_getprop(text)


def test_single_prop_value() -> None:
    assert p.parse_single_prop("encrypted\n") == "encrypted"
    assert p.parse_single_prop("\n") is None


# ---------------------------------------------------------------------------------------------
# build.prop

BUILD_PROP = """\
####################################
# from generate-common-build-props
# These properties identify this partition image.
####################################
ro.product.system.brand=Fairphone
ro.product.system.device=FP4
ro.product.system.manufacturer=Fairphone
ro.product.system.model=FP4
ro.product.system.name=FP4eea
ro.system.build.fingerprint=Fairphone/FP4eea/FP4:13/TKQ1.230127.002/TP1V:user/release-keys
ro.build.version.release=13
ro.build.version.sdk=33
ro.build.version.security_patch=2023-08-05
ro.product.cpu.abilist=arm64-v8a,armeabi-v7a,armeabi
import /vendor/etc/extra.prop
ro.config.ringtone = Ring_Synth_04.ogg
persist.sys.dalvik.vm.lib.2=libart.so
ro.product.nickname=Nokia XR21
ro.build.version.sdk=34
"""


def test_build_prop() -> None:
    props = p.parse_build_prop(BUILD_PROP)
    assert props["ro.product.system.model"] == "FP4"
    assert props["ro.config.ringtone"] == "Ring_Synth_04.ogg"
    assert props["ro.build.version.sdk"] == "34"  # last duplicate wins
    assert "import /vendor/etc/extra.prop" not in props
    assert all(not k.startswith("#") for k in props)


def test_build_prop_identity_uses_partition_copies() -> None:
    ident = p.identity_from_props(p.parse_build_prop(BUILD_PROP))
    assert (ident.brand, ident.manufacturer, ident.model, ident.codename) == (
        "Fairphone",
        "Fairphone",
        "FP4",
        "FP4",
    )
    assert ident.product_name == "FP4eea"
    assert ident.fingerprint is not None and ident.fingerprint.startswith("Fairphone/FP4eea")
    assert ident.marketing_name == "Nokia XR21"
    assert ident.serial is None and ident.imei is None


def test_build_prop_without_properties_is_refused() -> None:
    with pytest.raises(AndroidParseError):
        p.parse_build_prop("# only a comment\n\n")


# ---------------------------------------------------------------------------------------------
# identity and security from properties

XIAOMI = {
    "ro.product.brand": "Redmi",
    "ro.product.manufacturer": "Xiaomi",
    "ro.product.model": "Redmi Note 8 Pro",
    "ro.product.marketname": "Redmi Note 8 Pro",
    "ro.product.device": "begonia",
    "ro.product.name": "begonia",
    "ro.serialno": "abc123de",
    "ro.ril.oem.sno": "74028N615236",
    "ro.ril.miui.imei0": "353918050000013",
    "ro.ril.miui.imei1": "353918050000021",
    "ro.ril.oem.imei1": "353918050000013",
    "persist.radio.imei": "353918050000014",  # Luhn-invalid: ignored
    "ro.build.version.release": "11",
    "ro.build.version.sdk": "30",
    "ro.build.version.security_patch": "2021-08-01",
    "ro.build.fingerprint": "Redmi/begonia/begonia:11/RP1A.200720.011/21.11.17:user/release-keys",
    "ro.build.version.incremental": "21.11.17",
    "ro.miui.ui.version.name": "V125",
    "ro.product.cpu.abilist": "arm64-v8a,armeabi-v7a,armeabi",
    "ro.board.platform": "mt6785",
    "ro.hardware": "mt6785",
    "ro.build.type": "user",
    "ro.crypto.state": "encrypted",
    "ro.crypto.type": "file",
    "ro.boot.flash.locked": "0",
    "ro.boot.vbmeta.device_state": "unlocked",
    "ro.secureboot.lockstate": "unlocked",
    "ro.boot.verifiedbootstate": "orange",
    "ro.debuggable": "0",
    "ro.secure": "1",
}


def _imei(body: str) -> str:
    return body + luhn_digit(body)


def test_test_imeis_are_what_they_claim() -> None:
    assert _imei("35391805000001") == "353918050000013"
    assert _imei("35391805000002") == "353918050000021"
    assert not is_valid_imei("353918050000014")


def test_identity_of_a_xiaomi() -> None:
    ident = p.identity_from_props(XIAOMI)
    assert ident.brand == "Redmi"
    assert ident.manufacturer == "Xiaomi"
    assert ident.model == "Redmi Note 8 Pro"
    assert ident.marketing_name == "Redmi Note 8 Pro"
    assert ident.codename == "begonia"
    assert ident.serial == "abc123de"
    assert ident.hardware_serial == "74028N615236"
    assert ident.imei == "353918050000013"
    assert ident.imeis == ("353918050000013", "353918050000021")
    assert ident.android_version == "11"
    assert ident.sdk == 30
    assert ident.security_patch == "2021-08-01"
    assert ident.abis == ("arm64-v8a", "armeabi-v7a", "armeabi")
    assert (ident.platform, ident.hardware) == ("mt6785", "mt6785")
    assert (ident.os_flavour, ident.os_version) == ("MIUI", "V125")  # beta build: no V-number
    assert not ident.custom_rom


def test_security_of_an_unlocked_xiaomi() -> None:
    sec = p.security_from_props(XIAOMI)
    assert sec.encryption == "encrypted" and sec.encrypted is True
    assert sec.encryption_type == "file"
    assert sec.bootloader_locked is False
    assert sec.bootloader_evidence == (
        "ro.boot.flash.locked=0",
        "ro.boot.vbmeta.device_state=unlocked",
        "ro.secureboot.lockstate=unlocked",
        "ro.boot.verifiedbootstate=orange",
    )
    assert sec.verified_boot_state == "orange"
    assert sec.vbmeta_device_state == "unlocked"
    assert (sec.debuggable, sec.secure) == (False, True)
    assert sec.knox_warranty_void is None and sec.selinux is None
    assert not sec.lock_state_suspect


SAMSUNG = {
    "ro.product.brand": "samsung",
    "ro.product.manufacturer": "samsung",
    "ro.product.model": "SM-G9500",
    "ro.product.device": "dreamqltechn",
    "ro.serialno": "9886f010208b7f0272",
    "ril.serialnumber": "R28H31C33QX",
    "ro.build.version.release": "9",
    "ro.build.version.sdk": "28",
    "ro.build.version.oneui": "90000",
    "ro.crypto.state": "encrypted",
    "ro.crypto.type": "block",
    "ro.boot.flash.locked": "0",
    "ro.boot.verifiedbootstate": "orange",
    "ro.boot.warranty_bit": "1",
    "ro.boot.selinux": "enforcing",
    "ro.product.cpu.abi": "arm64-v8a",
}


def test_identity_and_security_of_a_samsung() -> None:
    ident = p.identity_from_props(SAMSUNG)
    assert ident.model == "SM-G9500" and ident.marketing_name is None
    assert ident.hardware_serial == "R28H31C33QX"
    assert ident.abis == ("arm64-v8a",)  # no abilist: the single abi
    assert (ident.os_flavour, ident.os_version) == ("One UI", "9.0")
    assert ident.imei is None and ident.imeis == ()
    sec = p.security_from_props(SAMSUNG)
    assert sec.bootloader_locked is False
    assert sec.encryption_type == "block"
    assert sec.knox_warranty_void is True
    assert sec.selinux == "enforcing"


@pytest.mark.parametrize(
    ("props", "flavour", "version"),
    [
        ({"ro.build.version.oneui": "60101"}, "One UI", "6.1.1"),
        ({"ro.build.version.oneui": "50100"}, "One UI", "5.1"),
        ({"ro.build.version.emui": "EmotionUI_10.0.0"}, "EMUI", "10.0.0"),
        ({"ro.build.version.emui": "MagicUI_4.0.0"}, "Magic UI", "4.0.0"),
        ({"ro.build.version.opporom": "V5.2"}, "ColorOS", "5.2"),
        ({"ro.oxygen.version": "9.0.4"}, "OxygenOS", "9.0.4"),
        (
            {
                "ro.build.ota.versionname": "OnePlusN10TMOOxygen_14_2307051959",
                "ro.rom.version": "11.0.13.BE88CB",
            },
            "OxygenOS",
            "11.0.13.BE88CB",
        ),
        ({"ro.com.zui.version": "3.5"}, "ZUI", "3.5"),
        (
            {
                "ro.miui.ui.version.name": "V140",
                "ro.build.version.incremental": "V14.0.5.0.SMSCNXM",
            },
            "MIUI",
            "V14.0.5.0.SMSCNXM",
        ),
        (
            {"ro.mi.os.version.name": "OS2.0", "ro.miui.ui.version.name": "V816"},
            "HyperOS",
            "OS2.0",
        ),
        (
            {
                "ro.lineage.version": "22.2-20250919-NIGHTLY-coral",
                "ro.build.fingerprint": "google/coral/coral:13/TP1A.221005.002.B2/1:user/release-keys",
            },
            "LineageOS",
            "22.2",
        ),
        (
            # crDroid keeps lineage_* names; the MIUI props of the stock vendor stay behind.
            {
                "ro.crdroid.build.version": "11.4",
                "ro.lineage.device": "peridot",
                "ro.miui.ui.version.name": "V816",
            },
            "crDroid",
            "11.4",
        ),
        (
            {"ro.eos.version": "2.6-t-20241210", "ro.lineage.version": "20.0"},
            "/e/OS",
            "2.6-t-20241210",
        ),
        ({"ro.build.version.release": "15"}, None, None),
    ],
)
def test_os_flavours(props: dict[str, str], flavour: str | None, version: str | None) -> None:
    ident = p.identity_from_props(props)
    assert (ident.os_flavour, ident.os_version) == (flavour, version)


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("ro.product.marketname", "POCO X5 Pro 5G"),
        ("ro.product.vendor.marketname", "Xiaomi 12X"),
        ("ro.config.marketing_name", "HUAWEI P30"),
        ("ro.oppo.market.name", "OPPO A5s"),
        ("ro.display.series", "OnePlus 5T"),
        ("ro.vendor.product.display", "motorola edge 20"),
        ("ro.boot.vendor.lge.petname", "V60 ThinQ 5G"),
    ],
)
def test_marketing_names(key: str, value: str) -> None:
    assert p.identity_from_props({key: value}).marketing_name == value


def test_identity_of_nothing_is_all_none() -> None:
    ident = p.identity_from_props({})
    assert all(v in (None, ()) for k, v in dataclasses.asdict(ident).items() if k != "imeis"), ident
    sec = p.security_from_props({})
    assert sec.encryption is None and sec.encrypted is None
    assert sec.bootloader_locked is None and sec.bootloader_evidence == ()
    assert sec.debuggable is None and sec.secure is None


def test_identity_rejects_odd_values() -> None:
    ident = p.identity_from_props(
        {
            "ro.build.version.sdk": "thirty",
            "ro.build.version.security_patch": "2021-13-01",
            "ro.ril.oem.sno": "unknow",
            "ro.serialno": "unknown",
            "ro.boot.serialno": "ZY29NPHFQ5",
        }
    )
    assert ident.sdk is None and ident.security_patch is None
    assert ident.hardware_serial is None
    assert ident.serial is None  # ro.serialno is there but says "unknown"


def test_serial_falls_back_to_boot_serial() -> None:
    assert p.identity_from_props({"ro.boot.serialno": "ZY29NPHFQ5"}).serial == "ZY29NPHFQ5"


@pytest.mark.parametrize(
    ("props", "locked"),
    [
        ({"ro.boot.flash.locked": "1", "ro.boot.verifiedbootstate": "green"}, True),
        ({"ro.boot.vbmeta.device_state": "locked"}, True),
        ({"ro.boot.verifiedbootstate": "yellow"}, True),  # relocked with a custom key
        ({"ro.boot.verifiedbootstate": "orange"}, False),  # LineageOS Mi 6: nothing else said
        ({"ro.boot.flash.locked": "1", "ro.boot.verifiedbootstate": "orange"}, False),
        ({"ro.secureboot.lockstate": "unlocked"}, False),
        ({"ro.boot.verifiedbootstate": "red"}, None),
        ({"ro.boot.flash.locked": "maybe"}, None),
        ({}, None),
    ],
)
def test_bootloader_verdict(props: dict[str, str], locked: bool | None) -> None:
    assert p.security_from_props(props).bootloader_locked is locked


def test_custom_rom_claiming_a_locked_green_boot_is_suspect() -> None:
    props = {
        "ro.crdroid.version": "15.0",
        "ro.boot.flash.locked": "1",
        "ro.boot.verifiedbootstate": "green",
        "ro.boot.warranty_bit": "0",
    }
    sec = p.security_from_props(props)
    assert sec.bootloader_locked is True
    assert sec.lock_state_suspect


def test_unencrypted_phone_without_crypto_type() -> None:
    sec = p.security_from_props(p.parse_getprop("[ro.crypto.state]: [unencrypted]\n"))
    assert sec.encryption == "unencrypted" and sec.encrypted is False
    assert sec.encryption_type is None


# ---------------------------------------------------------------------------------------------
# dumpsys battery

BATTERY_AOSP = """\
Current Battery Service state:
  AC powered: true
  USB powered: false
  Wireless powered: false
  Max charging current: 2400000
  Max charging voltage: 5000000
  Charge counter: 0
  status: 2
  health: 2
  present: true
  level: 19
  scale: 100
  voltage: 3764
  temperature: 275
  technology: Li-ion
"""

BATTERY_SAMSUNG = """\
Current Battery Service state:
  mBootCompleted: true
  AC powered: false
  USB powered: true
  Wireless powered: false
  Max charging current: 0
  Max charging voltage: 0
  Charge counter: 2532000
  status: 2
  health: 2
  present: true
  level: 84
  scale: 100
  voltage: 4063
  temperature: 326
  technology: Li-ion
  mSecPlugTypeSummary: 2
  current now: 321
  charge counter: 2532000
USE_FAKE_BATTERY: false
LLB CAL:
LLB MAN: 20160426
BatteryInfoBackUp
  mSavedBatteryAsoc: 77
  mSavedBatteryMaxTemp: 490
  mSavedBatteryUsage: 176488
  FEATURE_SAVE_BATTERY_CYCLE: true
"""

BATTERY_XIAOMI = """\
Current Battery Service state:
  AC powered: true
  USB powered: false
  Wireless powered: false
  Dock powered: false
  Max charging current: 12400000
 Time when the latest updated value of the Max charging current was sent via battery changed broadcast: +3h50m5s130ms
  Max charging voltage: 11000000
  Charge counter: 4274
  status: 2
  health: 2
  present: true
  level: 80
  scale: 100
  voltage: 4228
 The last voltage value sent via the battery changed broadcast: 4232
  temperature: 364
  technology: Li-poly
  Charging state: 0
  Charging policy: 0
  Capacity level: 4
MiuiBatteryService first usage time:
  mSetBatteryUsageTimeCount=56
"""


def test_battery_aosp() -> None:
    b = p.parse_battery(BATTERY_AOSP)
    assert (b.level, b.scale, b.percent) == (19, 100, 19.0)
    assert b.present is True
    assert (b.status_code, b.status) == (2, "charging")
    assert (b.health_code, b.health) == (2, "good")
    assert b.plugged == ("ac",)
    assert b.voltage_mv == 3764
    assert b.temperature_c == 27.5
    assert b.technology == "Li-ion"
    assert b.charge_counter_uah is None  # 0: not measured by this device
    assert b.max_charging_current_ua == 2_400_000
    assert b.cycle_count is None and b.capacity_ratio is None
    assert b.full_capacity_mah is None and b.design_capacity_mah is None
    assert b.current_now_ma is None


def test_battery_samsung_extras() -> None:
    b = p.parse_battery(BATTERY_SAMSUNG)
    assert b.plugged == ("usb",)
    assert b.charge_counter_uah == 2_532_000
    assert b.current_now_ma == 321
    assert b.capacity_ratio == 0.77
    assert b.capacity_source == "mSavedBatteryAsoc"
    assert b.cycle_count == 1764
    assert b.cycle_count_source == "mSavedBatteryUsage/100"
    assert b.raw["llb man"] == "20160426"


def test_battery_samsung_unmeasured_asoc() -> None:
    b = p.parse_battery(BATTERY_SAMSUNG.replace("mSavedBatteryAsoc: 77", "mSavedBatteryAsoc: -1"))
    assert b.capacity_ratio is None and b.capacity_source is None


def test_battery_samsung_dumpstate_brackets() -> None:
    text = "  level: 50\n  scale: 100\n mSavedBatteryAsoc: [96] \n mSavedBatteryUsage: [11870]\n"
    b = p.parse_battery(text)
    assert (b.capacity_ratio, b.cycle_count) == (0.96, 118)


def test_battery_xiaomi_counter_in_mah() -> None:
    b = p.parse_battery(BATTERY_XIAOMI)
    assert b.plugged == ("ac",)
    assert b.charge_counter_uah == 4_274_000
    assert b.voltage_mv == 4228  # not the "last voltage value sent" line
    assert b.temperature_c == 36.4
    assert b.technology == "Li-poly"
    assert b.cycle_count is None


def test_battery_explicit_cycle_and_capacities() -> None:
    text = (
        "  level: 100\n  scale: 100\n  status: 5\n  health: 3\n  plugged: 6\n"
        "  cycle count: 412\n  charge_full: 3800000\n  charge_full_design: 4000000\n"
        "  mSavedBatteryAsoc: 50\n  temperature: -45\n"
    )
    b = p.parse_battery(text)
    assert (b.status, b.health) == ("full", "overheat")
    assert b.plugged == ("usb", "wireless")
    assert (b.cycle_count, b.cycle_count_source) == (412, "cycle count")
    assert (b.full_capacity_mah, b.design_capacity_mah) == (3800, 4000)
    assert (b.capacity_ratio, b.capacity_source) == (0.95, "full/design")
    assert b.temperature_c == -4.5


def test_battery_reading_is_hashable() -> None:
    assert hash(p.parse_battery(BATTERY_AOSP)) == hash(p.parse_battery(BATTERY_AOSP))


def test_battery_minimal_and_unknown_codes() -> None:
    b = p.parse_battery("level: 42\nstatus: 9\nhealth: 7\n")
    assert b.level == 42 and b.scale is None and b.percent is None
    assert b.status_code == 9 and b.status is None
    assert b.health == "cold"
    assert b.plugged is None and b.present is None and b.voltage_mv is None


def test_battery_level_with_another_scale() -> None:
    assert p.parse_battery("level: 30\nscale: 60\n").percent == 50.0


@pytest.mark.parametrize("text", ["", "Can't find service: battery", "level: high\n"])
def test_battery_without_level_is_refused(text: str) -> None:
    with pytest.raises(AndroidParseError, match="level"):
        p.parse_battery(text)


# ---------------------------------------------------------------------------------------------
# dumpsys account

ACCOUNTS = """\
User UserInfo{0:Owner:c13}:
  Accounts: 4
    Account {name=user@example.org, type=com.google}
    Account {name=user2@example.org, type=com.google}
    Account {name=Work account, type=com.microsoft.workaccount}
    Account {name=多邻国, type=com.duolingo}

  AccountId, Action_Type, timestamp, UID, TableName, Key
  Accounts History
  -1,action_called_account_add,2025-06-21 14:06:57,10339,accounts,57
User UserInfo{10:Work profile:1030}:
  Accounts: 1
    Account {name=user3@example.org, type=com.google}
"""


def test_accounts_multi_user() -> None:
    accounts = p.parse_accounts(ACCOUNTS)
    assert [(a.type, a.name, a.user_id) for a in accounts] == [
        ("com.google", "user@example.org", 0),
        ("com.google", "user2@example.org", 0),
        ("com.microsoft.workaccount", "Work account", 0),
        ("com.duolingo", "多邻国", 0),
        ("com.google", "user3@example.org", 10),
    ]
    assert [a.name for a in p.google_accounts(accounts)] == [
        "user@example.org",
        "user2@example.org",
        "user3@example.org",
    ]


def test_no_account() -> None:
    assert p.parse_accounts("User UserInfo{0:Owner:c13}:\n  Accounts: 0\n\n") == []


def test_account_service_missing_is_refused() -> None:
    with pytest.raises(AndroidParseError):
        p.parse_accounts("Can't find service: account\n")


# ---------------------------------------------------------------------------------------------
# dumpsys device_policy

POLICY_MDM = """\
Current Device Policy Manager state:
  Immutable state:
    mHasFeature=true
  Device Owner:
    admin=ComponentInfo{com.hmdm.launcher/com.hmdm.launcher.AdminReceiver}
    name=Usuario de dispositivo de trabajo
    package=com.hmdm.launcher
    isOrganizationOwnedDevice=true
    User ID: 0



  Enabled Device Admins (User 0, provisioningState: 3):
    com.hmdm.launcher/.AdminReceiver:
      uid=10170
      policies:
        wipe-data
      organizationColor=-16746133
      organizationName=Atelier Solidaire
      userRestrictions:
        no_safe_boot

    mPasswordOwner=-1

  Constants:
    DAS_DIED_SERVICE_RECONNECT_BACKOFF_SEC: 3600
"""

POLICY_WORK_PROFILE = """\
Current Device Policy Manager state:
  Profile Owner (User 10):
    admin=ComponentInfo{com.google.android.apps.work.clouddpc/.receivers.CloudDeviceAdminReceiver}
    name=Android Device Policy
    package=com.google.android.apps.work.clouddpc

  Enabled Device Admins (User 10, provisioningState: 3):
    com.google.android.apps.work.clouddpc/.receivers.CloudDeviceAdminReceiver:
      uid=1010226
"""

POLICY_NONE = """\
Current Device Policy Manager state:
  Immutable state:
    mHasFeature=true
    mIsWatch=false

  Encryption Status: per-user
"""


def test_device_owner_mdm() -> None:
    policy = p.parse_device_policy(POLICY_MDM)
    assert policy.device_owner == "com.hmdm.launcher/com.hmdm.launcher.AdminReceiver"
    assert policy.device_owner_package == "com.hmdm.launcher"
    assert policy.device_owner_name == "Usuario de dispositivo de trabajo"
    assert policy.device_owner_user == 0
    assert policy.organization_owned is True
    assert policy.organization_name == "Atelier Solidaire"
    assert policy.active_admins == ("com.hmdm.launcher/.AdminReceiver",)
    assert policy.profile_owners == ()
    assert policy.has_device_owner and policy.has_owner and not policy.has_profile_owner


def test_profile_owner_only() -> None:
    policy = p.parse_device_policy(POLICY_WORK_PROFILE)
    assert policy.device_owner is None and not policy.has_device_owner
    assert policy.profile_owners == (
        p.ProfileOwner(
            10,
            "com.google.android.apps.work.clouddpc/.receivers.CloudDeviceAdminReceiver",
            "com.google.android.apps.work.clouddpc",
            "Android Device Policy",
        ),
    )
    assert policy.has_owner


def test_no_owner() -> None:
    policy = p.parse_device_policy(POLICY_NONE)
    assert not policy.has_owner
    assert policy.active_admins == () and policy.organization_owned is None


def test_device_policy_service_missing_is_refused() -> None:
    with pytest.raises(AndroidParseError):
        p.parse_device_policy("Can't find service: device_policy\n")


# ---------------------------------------------------------------------------------------------
# df

DF_K = """\
Filesystem        1K-blocks     Used Available Use% Mounted on
/dev/block/dm-10    1771636  1766260         0 100% /
tmpfs               3837280     1300   3835980   1% /dev
/dev/block/dm-15  105515340 36082176  69302092  35% /data
/dev/block/loop11       748      720        16  98% /apex/com.android.tethering@300208500
/dev/fuse         105515340 36082176  69302092  35% /storage/emulated
"""

DF_H = """\
Filesystem            Size  Used Avail Use% Mounted on
/dev/root             2.9G  2.9G  6.5M 100% /
tmpfs                 1.8G  1.1M  1.8G   1% /dev
/dev/block/dm-5        51G   12G   39G  24% /data
/dev/block/loop3      4.0K  4.0K     0 100% /apex/com.android.sdkext@1
/dev/block/loop4       512   512     0 100% /apex/com.android.tiny@1
"""

DF_TOOLBOX = """\
Filesystem               Size     Used     Free   Blksize
/dev                   918.6M    60.0K   918.5M   4096
/system                  2.4G     1.9G   505.9M   4096
/mnt/secure: Permission denied
/data                   11.0G     1.4G     9.6G   4096
"""

DF_WRAPPED = """\
Filesystem           1K-blocks      Used Available Use% Mounted on
/dev/block/platform/soc/1d84000.ufshc/by-name/userdata
                      52428800  10485760  41943040  20% /data
df: /mnt/secure: Permission denied
"""


def test_df_k() -> None:
    mounts = p.parse_df(DF_K)
    assert len(mounts) == 5
    data = p.data_partition(mounts)
    assert data == p.Mount(
        "/dev/block/dm-15", 105515340 * 1024, 36082176 * 1024, 69302092 * 1024, "/data"
    )
    assert mounts[3].mount_point == "/apex/com.android.tethering@300208500"


def test_df_h_toybox() -> None:
    mounts = p.parse_df(DF_H)
    data = p.data_partition(mounts)
    assert data is not None
    assert data.size_bytes == 51 * 1024**3
    assert data.used_bytes == 12 * 1024**3
    assert data.available_bytes == 39 * 1024**3
    assert mounts[0].available_bytes == int(6.5 * 1024**2)
    assert mounts[3].used_bytes == 4096 and mounts[3].available_bytes == 0
    assert mounts[4].size_bytes == 512  # a bare number in -h output is in bytes


def test_df_toolbox_android6() -> None:
    mounts = p.parse_df(DF_TOOLBOX)
    assert [m.mount_point for m in mounts] == ["/dev", "/system", "/data"]
    data = p.data_partition(mounts)
    assert data is not None
    assert data.size_bytes == 11 * 1024**3
    assert data.available_bytes == int(9.6 * 1024**3)


def test_df_long_filesystem_name_wrapped() -> None:
    mounts = p.parse_df(DF_WRAPPED)
    assert mounts == [
        p.Mount(
            "/dev/block/platform/soc/1d84000.ufshc/by-name/userdata",
            52428800 * 1024,
            10485760 * 1024,
            41943040 * 1024,
            "/data",
        )
    ]


def test_df_512_blocks() -> None:
    text = "Filesystem 512-blocks Used Available Capacity Mounted on\n/dev/x 100 50 50 50% /data\n"
    data = p.data_partition(p.parse_df(text))
    assert data is not None and data.size_bytes == 51200


def test_data_partition_falls_back_to_emulated_storage() -> None:
    mounts = p.parse_df(DF_K.replace("% /data\n", "% /data_mirror\n"))
    data = p.data_partition(mounts)
    assert data is not None and data.mount_point == "/storage/emulated"
    assert p.data_partition([]) is None


@pytest.mark.parametrize(
    "text", ["", "df: /data: Permission denied", "/system/bin/sh: df: not found"]
)
def test_df_unusable_is_refused(text: str) -> None:
    with pytest.raises(AndroidParseError):
        p.parse_df(text)


# ---------------------------------------------------------------------------------------------
# meminfo, features

MEMINFO = """\
MemTotal:        3681628 kB
MemFree:          273652 kB
MemAvailable:    2243756 kB
"""


def test_meminfo() -> None:
    assert p.parse_meminfo(MEMINFO) == 3681628 * 1024
    assert p.parse_meminfo(MEMINFO.replace("\n", "\r\n")) == 3681628 * 1024
    assert p.parse_meminfo("Total RAM: 5,718,264K (status normal)\n") == 5718264 * 1024
    assert p.parse_meminfo("MemFree: 1 kB\n") is None
    assert p.parse_meminfo("") is None


FEATURES = """\
feature:reqGlEsVersion=0x30002
feature:android.hardware.audio.output
feature:android.hardware.bluetooth_le
feature:android.hardware.nfc
feature:android.hardware.vulkan.level=1
feature:com.sec.feature.nsflp=500
"""


def test_features() -> None:
    features = p.parse_features(FEATURES)
    assert "android.hardware.nfc" in features
    assert "com.sec.feature.nsflp" in features
    assert "reqGlEsVersion" in features
    assert len(features) == 6
    versions = p.parse_feature_versions(FEATURES)
    assert versions == {
        "reqGlEsVersion": "0x30002",
        "android.hardware.vulkan.level": "1",
        "com.sec.feature.nsflp": "500",
    }
    assert p.gles_version(versions) == "3.2"
    assert p.gles_version({}) is None


def test_features_unusable_is_refused() -> None:
    with pytest.raises(AndroidParseError):
        p.parse_features("Error: Could not access the Package Manager.\n")


# ---------------------------------------------------------------------------------------------
# service call iphonesubinfo

IMEI_PARCEL = """\
Result: Parcel(
  0x00000000: 00000000 0000000f 00350033 00390033 '........3.5.3.9.'
  0x00000010: 00380031 00350030 00380034 00380030 '1.8.0.5.4.8.0.8.'
  0x00000020: 00390039 00000039                   '9.9.9...        '
)
"""

PERMISSION_PARCEL = """\
Result: Parcel(
  0x00000000: ffffffb4 00000045 00650052 00750071 '....E...R.e.q.u.'
  0x00000010: 00720069 00730065 00520020 00410045 'i.r.e.s. .R.E.A.'
)
"""


def _parcel(text: str, status: int = 0, one_line: bool = False) -> str:
    units = [ord(c) for c in text]
    if len(units) % 2:
        units.append(0)
    words = [status, len(text)] + [units[i] | (units[i + 1] << 16) for i in range(0, len(units), 2)]
    hexes = [f"{w:08x}" for w in words]
    if one_line:
        return "Result: Parcel(" + " ".join(hexes) + " '....')\n"
    rows = [
        f"  0x{i * 4:08x}: " + " ".join(hexes[i : i + 4]) + " '....'"
        for i in range(0, len(hexes), 4)
    ]
    return "Result: Parcel(\n" + "\n".join(rows) + "\n)\n"


def test_service_call_imei() -> None:
    assert p.parse_service_call_imei(IMEI_PARCEL) == "353918054808999"


def test_service_call_imei_refusals() -> None:
    assert p.parse_service_call_imei(PERMISSION_PARCEL) is None
    assert p.parse_service_call_imei("Result: Parcel(00000000 ffffffff '........')") is None
    assert p.parse_service_call_imei("service: Service iphonesubinfo does not exist") is None
    assert p.parse_service_call_imei("") is None
    bad_luhn = IMEI_PARCEL.replace("00000039  ", "00000038  ")
    assert p.parse_service_call_imei(bad_luhn) is None
    assert p.parse_service_call_imei(_parcel("35391805480899")) is None  # 14 digits


def test_service_call_imei_on_one_line() -> None:
    assert p.parse_service_call_imei(_parcel("353918054808999", one_line=True)) == (
        "353918054808999"
    )


# ---------------------------------------------------------------------------------------------
# dumpsys sensorservice

SENSORS = """\
Captured at: 11:49:09.497
Sensor Device:
Total 3 h/w sensors, 3 running 0 disabled clients:
0x00000001) active-count = 2; sampling_period(ms) = {50.0, 20.0}, selected = 20.00 ms
Sensor List:
0x00000001) BMI160 Accelerometer      | Bosch           | ver: 1 | type: android.sensor.accelerometer(1) | perm: n/a | flags: 0x00000000
\tcontinuous | minRate=1.00Hz | maxRate=200.00Hz | FIFO (max,reserved) = (5450, 1000) events | non-wakeUp |
0000000008) TMD2725 Proximity         | ams AG          | ver: 1 | type: android.sensor.proximity(8) | perm: n/a | flags: 0x00000003
\ton-change | maxDelay=0us | minDelay=0us | no batching | wakeUp |
0x00000005) Old light |  Capella |version=1 |android.sensor.light | 0x00000005 | on-change |
Fusion States:
9-axis fusion disabled (0 clients), gyro-rate= 200.00Hz
0x00000009) listed after the section | x | ver: 1 | type: android.sensor.gravity(9)
"""


def test_sensors() -> None:
    assert p.parse_sensors(SENSORS) == ["BMI160 Accelerometer", "TMD2725 Proximity", "Old light"]
    infos = p.parse_sensor_list(SENSORS)
    assert [s.type for s in infos] == [
        "android.sensor.accelerometer",
        "android.sensor.proximity",
        "android.sensor.light",
    ]
    assert infos[1] == p.SensorInfo(
        "0000000008", "TMD2725 Proximity", "ams AG", "android.sensor.proximity"
    )


def test_sensors_best_effort() -> None:
    assert p.parse_sensors("") == []
    assert p.parse_sensors("Can't find service: sensorservice") == []


# ---------------------------------------------------------------------------------------------
# adb devices -l

ADB_DEVICES = """\
* daemon not running; starting now at tcp:5037
* daemon started successfully
List of devices attached
320071c4a9e3d25f       device product:j6ltedx model:SM_J600G device:j6lte transport_id:4
R58M12ABCDE            unauthorized usb:1-1 transport_id:2
0123456789ABCDEF       no permissions (user in plugdev group; are your udev rules wrong?); see [http://developer.android.com/tools/device.html] usb:1-4 transport_id:5
192.168.1.20:5555      offline transport_id:7
emulator-5554\tdevice
ZY22ABCDEF             sideload
ZY22ABCDEG             recovery product:ahannah_retcn model:XT1924_9 device:ahannah transport_id:9

"""


def test_adb_devices() -> None:
    lines = p.parse_adb_devices(ADB_DEVICES)
    assert lines[0] == p.AdbDeviceLine(
        "320071c4a9e3d25f", "device", "j6ltedx", "SM_J600G", "j6lte", 4
    )
    assert [(d.serial, d.state) for d in lines] == [
        ("320071c4a9e3d25f", "device"),
        ("R58M12ABCDE", "unauthorized"),
        ("0123456789ABCDEF", "no permissions"),
        ("192.168.1.20:5555", "offline"),
        ("emulator-5554", "device"),
        ("ZY22ABCDEF", "sideload"),
        ("ZY22ABCDEG", "recovery"),
    ]
    assert lines[1].usb == "1-1" and lines[1].transport_id == 2
    assert lines[2].detail is not None and lines[2].detail.startswith("(user in plugdev")
    assert lines[2].transport_id == 5
    assert lines[6].model == "XT1924_9"


def test_adb_devices_empty_and_unusable() -> None:
    assert p.parse_adb_devices("List of devices attached\n\n") == []
    with pytest.raises(AndroidParseError):
        p.parse_adb_devices("adb: command not found\n")


# ---------------------------------------------------------------------------------------------
# Fuzzing: no input makes a parser fail with anything but AndroidParseError.

TEXT_PARSERS = [
    p.parse_getprop,
    p.parse_build_prop,
    p.parse_single_prop,
    p.parse_battery,
    p.parse_accounts,
    p.parse_device_policy,
    p.parse_df,
    p.parse_meminfo,
    p.parse_features,
    p.parse_feature_versions,
    p.parse_service_call_imei,
    p.parse_sensors,
    p.parse_sensor_list,
    p.parse_adb_devices,
]

# Text made of the pieces the real formats are built from, so the fuzzer reaches deep paths.
# fmt: off
_PIECES = [
    "[", "]", ": ", "[ro.boot.flash.locked]: [", "=", ":", "\n", "\r\n", "\r", " ", "\t",
    "level: ", "scale: ", "0", "1", "-1", "100", "9" * 40, "٣", "Accounts: ",
    "Account {name=", ", type=", "}", "User UserInfo{", "Device Owner:",
    "admin=ComponentInfo{", "Profile Owner (User ", ")", "Filesystem", "1K-blocks", "%",
    "/data", "1.5G", "MemTotal:", " kB", "feature:", "Parcel(", "0x00000000:", "0000000f",
    "00350033", "'", "Sensor List:", " | ", "type: ", "android.sensor.x",
    "List of devices attached", "device", "no permissions", "transport_id:",
    "mSavedBatteryUsage: ", "charge_full: ", "Enabled Device Admins (User 0", "\x00",
    "\u2028", "é",
]
# fmt: on
PIECES = st.sampled_from(_PIECES)
STRUCTURED_TEXT = st.lists(PIECES | st.text(max_size=5), max_size=60).map("".join)


def _call(parser: object, text: str) -> None:
    assert callable(parser)
    with contextlib.suppress(AndroidParseError):
        parser(text)


@FUZZ
@given(text=st.text())
def test_fuzz_arbitrary_text(text: str) -> None:
    for parser in TEXT_PARSERS:
        _call(parser, text)


@FUZZ
@given(data=st.binary())
def test_fuzz_arbitrary_bytes(data: bytes) -> None:
    text = data.decode("utf-8", errors="replace")
    for parser in TEXT_PARSERS:
        _call(parser, text)


@FUZZ
@given(text=STRUCTURED_TEXT)
def test_fuzz_structured_text(text: str) -> None:
    for parser in TEXT_PARSERS:
        _call(parser, text)


PROP_VALUES = st.dictionaries(
    st.sampled_from(sorted(XIAOMI) + sorted(SAMSUNG)), st.text(max_size=20)
)


@FUZZ
@given(props=PROP_VALUES)
def test_fuzz_props_to_identity_and_security(props: dict[str, str]) -> None:
    p.identity_from_props(props)
    p.security_from_props(props)


# ---------------------------------------------------------------------------------------------
# Round trips: format random facts the way Android prints them, parse them back.

KEYS = st.from_regex(r"[a-z][a-z0-9_.\-]{0,30}", fullmatch=True)
ONE_LINE = st.text(st.characters(blacklist_characters="\r\n"), max_size=30)


@FUZZ
@given(props=st.dictionaries(KEYS, ONE_LINE, min_size=1))
def test_getprop_round_trip(props: dict[str, str]) -> None:
    text = "".join(f"[{k}]: [{v}]\n" for k, v in props.items())
    assert p.parse_getprop(text) == props
    assert p.parse_getprop(text.replace("\n", "\r\n")) == props


SAFE_LINE = st.text(st.characters(blacklist_characters="\r\n[]"), max_size=15)


@FUZZ
@given(
    props=st.dictionaries(
        KEYS, st.lists(SAFE_LINE, min_size=1, max_size=4).map("\n".join), min_size=1
    )
)
def test_getprop_multiline_round_trip(props: dict[str, str]) -> None:
    text = "".join(f"[{k}]: [{v}]\n" for k, v in props.items())
    assert p.parse_getprop(text) == props


@FUZZ
@given(
    props=st.dictionaries(
        KEYS, ONE_LINE.map(str.strip).filter(lambda v: "\x0b" not in v), min_size=1
    )
)
def test_build_prop_round_trip(props: dict[str, str]) -> None:
    text = "# header\n" + "".join(f"{k}={v}\n" for k, v in props.items())
    assert p.parse_build_prop(text) == {k: v.strip() for k, v in props.items()}


MOUNT_POINTS = st.from_regex(r"/[a-z0-9_@.]{1,20}(/[a-z0-9_@.]{1,10})?", fullmatch=True)
FILESYSTEMS = st.from_regex(r"(/dev/block/[a-z0-9\-]{1,10}|tmpfs|overlay)", fullmatch=True)
COUNTS = st.integers(min_value=0, max_value=10**12)


@FUZZ
@given(rows=st.lists(st.tuples(FILESYSTEMS, COUNTS, COUNTS, COUNTS, MOUNT_POINTS), max_size=10))
def test_df_round_trip(rows: list[tuple[str, int, int, int, str]]) -> None:
    text = "Filesystem 1K-blocks Used Available Use% Mounted on\n" + "".join(
        f"{fs} {size} {used} {free} {used * 100 // max(size, 1)}% {mp}\n"
        for fs, size, used, free, mp in rows
    )
    mounts = p.parse_df(text)
    assert [
        (m.filesystem, m.size_bytes, m.used_bytes, m.available_bytes, m.mount_point) for m in mounts
    ] == [(fs, size * 1024, used * 1024, free * 1024, mp) for fs, size, used, free, mp in rows]


@FUZZ
@given(
    level=st.integers(0, 100),
    scale=st.integers(1, 1000),
    status=st.integers(1, 5),
    health=st.integers(1, 7),
    voltage=st.integers(0, 99999),
    temperature=st.integers(-400, 900),
    plugs=st.tuples(st.booleans(), st.booleans(), st.booleans()),
)
def test_battery_round_trip(
    level: int,
    scale: int,
    status: int,
    health: int,
    voltage: int,
    temperature: int,
    plugs: tuple[bool, bool, bool],
) -> None:
    ac, usb, wireless = (str(x).lower() for x in plugs)
    text = (
        f"Current Battery Service state:\n  AC powered: {ac}\n  USB powered: {usb}\n"
        f"  Wireless powered: {wireless}\n  status: {status}\n  health: {health}\n"
        f"  present: true\n  level: {level}\n  scale: {scale}\n  voltage: {voltage}\n"
        f"  temperature: {temperature}\n  technology: Li-ion\n"
    )
    b = p.parse_battery(text)
    assert (b.level, b.scale, b.status_code, b.health_code) == (level, scale, status, health)
    assert b.percent == round(level * 100 / scale, 1)
    assert b.status == p.STATUS_NAMES[status] and b.health == p.HEALTH_NAMES[health]
    assert b.voltage_mv == voltage and b.temperature_c == temperature / 10
    assert b.plugged == tuple(
        n for n, on in zip(("ac", "usb", "wireless"), plugs, strict=True) if on
    )


ACCOUNT_NAMES = st.text(st.characters(blacklist_characters="\r\n}"), min_size=1, max_size=20)
ACCOUNT_TYPES = st.from_regex(r"[a-z][a-z0-9_.]{0,20}", fullmatch=True)


@FUZZ
@given(accounts=st.lists(st.tuples(ACCOUNT_TYPES, ACCOUNT_NAMES), max_size=8))
def test_accounts_round_trip(accounts: list[tuple[str, str]]) -> None:
    text = f"User UserInfo{{0:Owner:c13}}:\n  Accounts: {len(accounts)}\n" + "".join(
        f"    Account {{name={name}, type={kind}}}\n" for kind, name in accounts
    )
    assert [(a.type, a.name, a.user_id) for a in p.parse_accounts(text)] == [
        (kind, name, 0) for kind, name in accounts
    ]


@FUZZ
@given(names=st.frozensets(st.from_regex(r"[a-z][a-z0-9_.]{0,40}", fullmatch=True), min_size=1))
def test_features_round_trip(names: frozenset[str]) -> None:
    text = "".join(f"feature:{n}\n" for n in sorted(names))
    assert p.parse_features(text) == names


@FUZZ
@given(body=st.from_regex(r"[0-9]{14}", fullmatch=True), one_line=st.booleans())
def test_service_call_imei_round_trip(body: str, one_line: bool) -> None:
    imei = body + luhn_digit(body)
    assert p.parse_service_call_imei(_parcel(imei, one_line=one_line)) == imei
    wrong = body + str((int(luhn_digit(body)) + 1) % 10)
    assert p.parse_service_call_imei(_parcel(wrong, one_line=one_line)) is None
    assert p.parse_service_call_imei(_parcel(imei, status=0xFFFFFFB4)) is None


SERIALS = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9.:\-]{3,20}", fullmatch=True)


@FUZZ
@given(
    rows=st.lists(
        st.tuples(
            SERIALS,
            st.sampled_from(["device", "unauthorized", "offline", "recovery", "bootloader"]),
            st.integers(1, 999),
        ),
        max_size=6,
    )
)
def test_adb_devices_round_trip(rows: list[tuple[str, str, int]]) -> None:
    text = "List of devices attached\n" + "".join(
        f"{serial}\t{state} usb:1-{tid} transport_id:{tid}\n" for serial, state, tid in rows
    )
    assert [(d.serial, d.state, d.transport_id, d.usb) for d in p.parse_adb_devices(text)] == [
        (serial, state, tid, f"1-{tid}") for serial, state, tid in rows
    ]
