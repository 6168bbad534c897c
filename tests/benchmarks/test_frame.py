"""The benchmarks' frame: every script takes --json and ends with one JSON line of measure
records whose "met" follows from their own ratio (or figure) and goal. Tiny sizes only, and
nothing here judges a duration: the figures themselves are whatever the machine gives."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "benchmarks"
KEYS = {"name", "ours", "reference", "unit", "ratio", "goal", "met"}


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"_bench_{name}", BENCH / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


common = _load("_common")
run_all = _load("run_all")


def _run(args: list[str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT), QT_QPA_PLATFORM="offscreen")
    return subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, env=env, timeout=timeout
    )


def _measures(stdout: str) -> list[dict[str, Any]]:
    last = json.loads(stdout.strip().splitlines()[-1])
    assert set(last) >= {"measures"}
    return list(last["measures"])


def _check(records: list[dict[str, Any]]) -> None:
    assert records
    for r in records:
        assert set(r) >= KEYS, r
        assert isinstance(r["name"], str) and r["unit"]
        assert common.met_agrees(r), r
        if r["name"] in common.GOALS:
            assert r["goal"] == common.GOALS[r["name"]].value
            assert r["met"] in (True, False)


def test_every_script_offers_json_and_run_all_knows_it() -> None:
    scripts = sorted(p.name for p in BENCH.glob("bench_*.py"))
    assert sorted(run_all.QUICK) == scripts
    for script in scripts:
        source = (BENCH / script).read_text()
        assert "add_json_flag(parser)" in source, script
        assert "as_json=args.json" in source, script


# (script, tiny arguments): the benchmarks cheap enough to run whole here
TINY = [
    ("bench_startup.py", ["--runs", "1"]),
    ("bench_event_log.py", ["--events", "48"]),
    ("bench_chain_head.py", ["--events", "32", "--reps", "1"]),
    ("bench_labels.py", ["--labels", "2", "--runs", "1"]),
    ("bench_certificate.py", ["--runs", "1", "--lot", "1"]),
    ("bench_reports.py", ["--sizes", "5", "--reps", "1"]),
    ("bench_workshop_scale.py", ["--devices", "400", "--queries", "20", "--no-cache"]),
    ("bench_lots.py", ["--devices", "30", "--lot-size", "10", "--reps", "1"]),
]


@pytest.mark.parametrize(("script", "args"), TINY, ids=[s for s, _ in TINY])
def test_tiny_run_ends_with_consistent_measures(script: str, args: list[str]) -> None:
    done = _run([str(BENCH / script), *args, "--json"])
    assert done.returncode == 0, done.stderr[-2000:]
    _check(_measures(done.stdout))


def test_tiny_runs_name_the_goals_they_judge() -> None:
    done = _run([str(BENCH / "bench_certificate.py"), "--runs", "1", "--lot", "1", "--json"])
    names = {r["name"] for r in _measures(done.stdout)}
    assert {"certificate_vs_reportlab", "lot_certificate_per_device"} <= names
    done = _run([str(BENCH / "bench_startup.py"), "--runs", "1", "--json"])
    names = {r["name"] for r in _measures(done.stdout)}
    assert "erase_command_startup" in names


@pytest.mark.parametrize(
    "script",
    sorted({p.name for p in BENCH.glob("bench_*.py")} - {s for s, _ in TINY}),
)
def test_heavier_scripts_parse_json_flag(script: str) -> None:
    done = _run([str(BENCH / script), "--help"])
    assert done.returncode == 0, done.stderr[-2000:]
    assert "--json" in done.stdout


@pytest.mark.parametrize(
    ("name", "ours", "reference", "ratio", "met"),
    [
        ("certificate_vs_reportlab", 0.12, 0.1, None, True),  # ratio 1.2: at the goal
        ("certificate_vs_reportlab", 0.13, 0.1, None, False),
        ("lot_certificate_per_device", 0.02, 0.5, None, True),  # judged on ours, not ratio
        ("lot_certificate_per_device", 0.04, 0.5, None, False),
        ("fastboot_raw_split_vs_fastboot", 2.0, 1.0, 0.5, False),  # a speed ratio, >= 1
        ("fastboot_raw_split_vs_fastboot", 1.0, 2.0, 2.0, True),
        ("ui_p99_16_phones_8_drives", 50.0, 1.0, None, False),  # strictly below 50 ms
        ("no_goal_for_this", 1.0, 2.0, None, None),
    ],
)
def test_measure_judges_by_its_goal(
    name: str, ours: float, reference: float, ratio: float | None, met: bool | None
) -> None:
    record = common.measure(name, ours, reference, "s", ratio)
    assert record["met"] is met
    assert record["ratio"] == pytest.approx(ratio if ratio is not None else ours / reference)
    assert common.met_agrees(record)
    flipped = {**record, "met": not met} if met is not None else {**record, "met": True}
    assert not common.met_agrees(flipped)


def test_run_all_table_and_json(tmp_path: Path) -> None:
    done = _run([str(BENCH / "run_all.py"), "--quick", "--only", "bench_event_log.py", "--json"])
    assert done.returncode == 0, done.stderr[-2000:]
    last = json.loads(done.stdout.strip().splitlines()[-1])
    _check(last["measures"])
    assert last["skipped"] == []
    assert {r["script"] for r in last["measures"]} == {"bench_event_log.py"}
    for r in last["measures"]:
        assert r["name"] in done.stdout  # one table row per measure


def test_run_all_lists_a_failing_benchmark_as_skipped() -> None:
    rows = [{"script": "bench_x.py", "skipped": "exit 1: needs root"}]
    assert "skipped: exit 1: needs root" in run_all.table(rows)
