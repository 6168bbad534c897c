"""An Android 16 phone in trade-in mode, as Debian's own `adb` sees it: no key to allow,
`tradeinmode getstatus` answers its JSON, every other service is refused at the door, and
`tradeinmode evaluate` brings adbd back with a full shell and still no key asked."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from bench_app.devices.android.tradein import parse_getstatus
from bench_app.simulators.adb_phone import AdbSimulator, list_personas, load_persona
from bench_app.simulators.adb_phone.server import TRADE_IN_SERVICE
from tests.simulators.adb_phone.support import WAIT, AdbServer

ROOT = Path(__file__).resolve().parents[3]

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


def test_the_list_names_the_trade_in_personas() -> None:
    """`etabli simulate phone --list`, as a real process: trainers find them there."""
    listed = subprocess.run(
        [sys.executable, "-m", "bench_app.commands.main", "simulate", "phone", "--list"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=WAIT,
        check=True,
    ).stdout
    for name in ("trade-in-android16", "trade-in-frp-locked"):
        line = re.search(rf"^{name}\s+(.+)$", listed, re.M)
        assert line and "trade-in mode" in line.group(1), listed


def test_a_served_trade_in_persona_answers_debian_adb(adb_server: AdbServer) -> None:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bench_app.commands.main",
            "--lang",
            "en",
            "simulate",
            "phone",
            "--persona",
            "trade-in-frp-locked",
            "--port",
            "0",
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        assert proc.stdout is not None
        found = re.search(r"adb connect (127\.0\.0\.1:\d+)", proc.stdout.readline())
        assert found
        serial = found.group(1)
        adb_server.connect(serial)
        answer = adb_server.run("-s", serial, "shell", "tradeinmode", "getstatus")
        assert json.loads(answer.stdout)["locks"]["factory_reset_protection"] is True
        adb_server.run("disconnect", serial)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=WAIT) == 0
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
