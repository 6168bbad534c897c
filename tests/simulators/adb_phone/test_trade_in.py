"""An Android 16 phone in trade-in mode, as Debian's own `adb` sees it: no key to allow,
`tradeinmode getstatus` answers its JSON, every other service is refused at the door, and
`tradeinmode evaluate` brings adbd back with a full shell and still no key asked."""

from __future__ import annotations

import json
from collections.abc import Callable

from bench_app.devices.android.tradein import parse_getstatus
from bench_app.simulators.adb_phone import AdbSimulator, list_personas, load_persona
from bench_app.simulators.adb_phone.server import TRADE_IN_SERVICE
from tests.simulators.adb_phone.support import AdbServer

SimFactory = Callable[..., AdbSimulator]


def test_the_setup_screen_answers_only_tradeinmode(
    adb_server: AdbServer, start_sim: SimFactory
) -> None:
    sim = start_sim("trade-in-android16")
    try:
        fields = adb_server.connect(sim.serial)  # "device" at once: no dialog on the phone
        assert fields[0] == "device" and "model:Pixel_7a" in fields
        assert sim.offered_keys == [] and len(sim.trusted) == 0  # no key was ever asked
        answer = adb_server.run("-s", sim.serial, "shell", "tradeinmode", "getstatus")
        assert answer.returncode == 0, answer.stderr
        status = json.loads(answer.stdout)
        assert status["serial"] == sim.persona.serial
        assert status["imeis"] == [sim.persona.imei]
        assert status["locks"]["factory_reset_protection"] is False
        for refused in (["getprop"], ["tradeinmode", "getstatus;", "ls"], ["ls", "/sdcard"]):
            shell = adb_server.run("-s", sim.serial, "shell", *refused)
            assert shell.returncode != 0, refused
            assert shell.stdout == "", refused
        pushed = adb_server.run("-s", sim.serial, "pull", "/proc/meminfo", "/dev/null")
        assert pushed.returncode != 0  # no sync service either
    finally:
        adb_server.run("disconnect", sim.serial)


def test_evaluate_opens_the_full_shell_without_a_key(
    adb_server: AdbServer, start_sim: SimFactory
) -> None:
    sim = start_sim("trade-in-android16")
    try:
        adb_server.connect(sim.serial)
        adb_server.run("-s", sim.serial, "shell", "tradeinmode", "evaluate")
        assert sim.phone.trade_in == "evaluation"
        adb_server.run("disconnect", sim.serial)  # adbd restarted under it
        adb_server.connect(sim.serial)
        mode = adb_server.run("-s", sim.serial, "shell", "getprop", "persist.adb.tradeinmode")
        assert mode.returncode == 0 and mode.stdout == "2\n"
        model = adb_server.run("-s", sim.serial, "shell", "getprop", "ro.product.model")
        assert model.stdout == "Pixel 7a\n"
        assert sim.offered_keys == []
    finally:
        adb_server.run("disconnect", sim.serial)


def test_a_reset_brings_the_setup_screen_back(start_sim: SimFactory) -> None:
    sim = start_sim("trade-in-android16")
    sim.phone.trade_in = "evaluation"
    sim.wipe_userdata()
    assert sim.phone.trade_in == "foyer"
    assert sim.phone.settings["global"]["adb_enabled"] == "1"


def test_only_simple_tradeinmode_commands_pass() -> None:
    """The daemon's door: `shell` (with options) running `tradeinmode` and plain words."""
    passing = [
        "shell:tradeinmode",
        "shell:tradeinmode getstatus",
        "shell,v2,raw:tradeinmode getstatus -c p4tRsuHjWB",
        "shell:tradeinmode evaluate",
    ]
    refused = [
        "shell:getprop",
        "shell:tradeinmodebad",
        "shell:tradeinmode && ls",
        "shell:tradeinmode getstatus; reboot",
        "exec:tradeinmode getstatus",
        "sync:",
        "reboot:",
    ]
    assert all(TRADE_IN_SERVICE.fullmatch(s) for s in passing)
    assert not any(TRADE_IN_SERVICE.fullmatch(s) for s in refused)


def test_trade_in_personas_are_listed_with_a_status_that_reads() -> None:
    for name in ("trade-in-android16", "trade-in-frp-locked"):
        assert name in list_personas()
        persona = load_persona(name)
        assert persona.behaviour.trade_in and persona.sdk >= 36
        status = parse_getstatus(persona.texts["tradein_status"])
        assert status.problems == ()
        assert (status.serial, status.imei) == (persona.serial, persona.imei)
        assert status.model == persona.model
    assert parse_getstatus(load_persona("trade-in-frp-locked").texts["tradein_status"]).frp_locked
