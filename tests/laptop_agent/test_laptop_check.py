"""`etabli laptop-check`: the station runs the laptop's guided tests through its agent (a real
process with its full-screen window, offscreen) and records each answer as a step of the
laptop's check job, with the laptop's readings; the laptop's grade then counts them (a
keyboard that does not work makes it a D whatever the list says). Answers typed at the
station's terminal close the tests on the laptop; an unknown test is refused before any
connection."""

from __future__ import annotations

import json
import subprocess
import threading
from pathlib import Path
from typing import Any

from bench_app.diagnostics.laptop_guided import LAPTOP_TESTS, LaptopTest
from bench_app.laptop_tests import check_laptop
from bench_app.station import Station
from bench_app.store import queries
from tests.cli_bad_input.conftest import CLI
from tests.laptop_agent.test_agent_process import CODE, Agent, _env, _etabli

ANSWERS = {t.id: "ok" for t in LAPTOP_TESTS} | {"keyboard": "ko", "wifi": "skipped"}


def _facts(tmp_path: Path, asset: str) -> list[dict[str, Any]]:
    done = _etabli(tmp_path, "events", "--device", asset, "--json")
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


def test_the_station_answers_every_test_and_the_laptop_check_is_recorded(
    tmp_path: Path, agent: Agent
) -> None:
    assert agent.lines.until("Écran du portable : plein écran")
    asked: list[tuple[str, dict[str, Any]]] = []

    def at_the_station(test: LaptopTest, readings: dict[str, Any], closed: threading.Event) -> str:
        asked.append((test.id, readings))
        return ANSWERS[test.id]

    folder = tmp_path / "station-data"
    record = check_laptop(
        folder, agent.address, CODE, operator="Camille", answer_here=at_the_station
    )
    assert [r["test"] for r in record["results"]] == [t.id for t in LAPTOP_TESTS]
    assert {r["test"]: r["answer"] for r in record["results"]} == ANSWERS
    assert {r["by"] for r in record["results"]} == {"station"}
    assert [a[0] for a in asked] == [t.id for t in LAPTOP_TESTS]
    # The laptop's readings came with the question and again with the answer.
    usb = next(r for r in record["results"] if r["test"] == "usb_ports")["readings"]
    assert set(usb) >= {"ports", "devices"}
    assert "interfaces" in next(r for r in record["results"] if r["test"] == "wifi")["readings"]
    assert agent.lines.until(f"Code inventaire : {record['asset_code']}")
    assert agent.lines.until("Test guidé terminé")

    facts = _facts(tmp_path, record["asset_code"])
    (created,) = [f["payload"] for f in facts if f["type"] == "job.created"]
    assert created["pipeline"] == "laptop.guided_tests" and created["job_id"] == record["job_id"]
    steps = {f["payload"]["step_id"]: f["payload"] for f in facts if f["type"] == "step.finished"}
    assert {k: v["status"] for k, v in steps.items()} == {
        t.id: {"ok": "passed", "ko": "failed", "skipped": "skipped"}[ANSWERS[t.id]]
        for t in LAPTOP_TESTS
    }
    assert steps["keyboard"]["evidence"]["answered_on"] == "station"
    assert steps["keyboard"]["evidence"]["question"]["fr"].startswith("Appuyez sur chaque touche")
    (finished,) = [f["payload"] for f in facts if f["type"] == "job.finished"]
    assert finished["state"] == "succeeded"

    # The grade counts the laptop's own tests: its keyboard failed there.
    station = Station(folder, operator="Camille")
    try:
        device = queries.device_by_identity(station.store, "laptop", "MP1CHKDC", "")
        assert device is not None
        works = {c: "works" for c in ("screen", "keyboard", "battery", "hinges")}
        station.grade_by_hand(device.id, works, "very_good")
        grade = [e for e in queries.events(station.store, device.id) if e.type == "grade.assigned"]
    finally:
        station.close()
    assert grade[-1].payload["functional"] == "D"
    assert grade[-1].payload["tested"]["keyboard"] == "failed"
    assert grade[-1].payload["tested"]["webcam"] == "passed"
    assert "wifi" not in grade[-1].payload["tested"]  # skipped: neither works nor fails


def test_answers_typed_at_the_station_terminal(tmp_path: Path, agent: Agent) -> None:
    done = subprocess.run(
        [*CLI, "laptop-check", agent.address, CODE, "--answer-here", "--test", "screen",
         "--test", "touchpad", "--json"],
        input="o\nn\n",
        env=_env(tmp_path, tmp_path / "station-data"),
        capture_output=True,
        text=True,
        timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    record = json.loads(done.stdout)
    assert [(r["test"], r["answer"], r["by"]) for r in record["results"]] == [
        ("screen", "ok", "station"),
        ("touchpad", "ko", "station"),
    ]


def test_an_unknown_test_is_refused_before_connecting(tmp_path: Path) -> None:
    done = _etabli(tmp_path, "laptop-check", "127.0.0.1:1", CODE, "--test", "toaster")
    assert done.returncode == 2
    assert "Test inconnu : « toaster »" in done.stderr and "Traceback" not in done.stderr


def test_pairing_has_the_laptop_show_its_asset_code(tmp_path: Path, agent: Agent) -> None:
    done = _etabli(tmp_path, "pair", agent.address, CODE, "--json")
    assert done.returncode == 0, done.stderr
    asset = json.loads(done.stdout)["asset_code"]
    assert agent.lines.until(f"Code inventaire : {asset}")
