"""Shared bits for the benchmark scripts: where results go, how they are printed, and the
measure record every script ends with under `--json`.

A measure compares Établi ("ours") with a reference measured in the same run. Its ratio is
defined per measure (see `measure`); the goals come from the project's performance table
(issue 20) and live in GOALS, so every script and `run_all.py` judge them alike."""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"
ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


@dataclass(frozen=True, slots=True)
class Goal:
    """A target: `on` ("ratio" or "ours") compared with `value` by `compare` ("<=", "<", ">=")."""

    compare: str
    value: float
    on: str = "ratio"
    text: str = ""


# The goals of the performance table, by measure name. A measure without an entry is
# reported (goal null, met null): a figure worth watching, with no target set yet.
GOALS: dict[str, Goal] = {
    "ingest_pg_4_stations_rate": Goal(">=", 20_000, "ours", "≥ 20,000 events/s"),
    "ingest_pg_4_stations_vs_copy": Goal("<=", 3.0, "ratio", "within 3× of a bare COPY"),
    "first_sync_push_100k": Goal("<=", 5.0, "ours", "≤ 5 s for 100,000 events"),
    "bundle_import_vs_insert": Goal("<=", 2.0, "ratio", "≤ 2× a bare insert"),
    "certificate_vs_reportlab": Goal("<=", 1.2, "ratio", "≤ 1.2× a bare reportlab page"),
    "lot_certificate_per_device": Goal("<=", 0.03, "ours", "≤ 0.03 s per device"),
    "fastboot_raw_split_vs_fastboot": Goal(">=", 1.0, "ratio", "≥ 1.0 of fastboot"),
    "fastboot_8_phones_vs_fastboot": Goal(">=", 1.0, "ratio", "≥ 1.0 of 8 fastboot"),
    "verify_random_vs_dd_read": Goal(">=", 1.0, "ratio", "≥ 1.0 of a dd read"),
    "erase_cpu_per_gib": Goal("<=", 0.4, "ours", "≤ 0.4 CPU-s/GiB written+verified"),
    "image_write_bmap_vs_dd": Goal(">=", 3.5, "ratio", "≥ 3.5× dd"),
    "erase_command_startup": Goal("<=", 0.3, "ours", "≤ 0.3 s"),
    "ui_p99_16_phones_8_drives": Goal("<", 50.0, "ours", "p99 < 50 ms"),
    # 8 handsets wiped and installed as one batch while 4 drives erase (issue: the journey).
    "ui_p99_batch_install_and_drives": Goal("<", 50.0, "ours", "p99 < 50 ms"),
    # The dashboard's refresh on a database of 1,000,000 devices (issue 16: under 1 s).
    "dashboard_refresh_week_1000000_devices": Goal("<=", 1.0, "ours", "≤ 1 s"),
    "dashboard_refresh_month_1000000_devices": Goal("<=", 1.0, "ours", "≤ 1 s"),
    "dashboard_refresh_year_1000000_devices": Goal("<=", 1.0, "ours", "≤ 1 s"),
    # Finding a device on a workshop of a million (issue 16): the median of warm searches.
    "search_by_code": Goal("<", 10.0, "ours", "< 10 ms"),
    "search_by_serial": Goal("<", 10.0, "ours", "< 10 ms"),
    "search_by_imei": Goal("<", 10.0, "ours", "< 10 ms"),
    "search_by_words": Goal("<", 100.0, "ours", "< 100 ms"),
}


def _compare(value: float, compare: str, target: float) -> bool:
    if compare == "<=":
        return value <= target
    if compare == "<":
        return value < target
    if compare == ">=":
        return value >= target
    if compare == ">":
        return value > target
    raise ValueError(f"unknown comparison {compare!r}")


def measure(
    name: str,
    ours: float | None,
    reference: float | None,
    unit: str,
    ratio: float | None = None,
    *,
    ratio_means: str = "ours / reference",
) -> dict[str, Any]:
    """One measure record: {"name", "ours", "reference", "unit", "ratio", "goal", "met"} and
    what the ratio and goal mean. The ratio is ours/reference unless given (speed ratios are
    reference time / ours). "met" is null when there is no goal or no figure to judge."""
    if ratio is None and ours is not None and reference:
        ratio = ours / reference
    goal = GOALS.get(name)
    judged = ratio if goal is None or goal.on == "ratio" else ours
    met = None if goal is None or judged is None else _compare(judged, goal.compare, goal.value)
    return {
        "name": name,
        "ours": _round(ours),
        "reference": _round(reference),
        "unit": unit,
        "ratio": _round(ratio),
        "ratio_means": ratio_means,
        "goal": None if goal is None else goal.value,
        "goal_on": None if goal is None else goal.on,
        "goal_compare": None if goal is None else goal.compare,
        "goal_text": None if goal is None else goal.text,
        # judged unrounded, so a figure a hair past the goal is not rounded into it
        "met": met,
    }


def _round(value: float | None) -> float | None:
    if value is None:
        return None
    return float(f"{value:.4g}")


def met_agrees(record: dict[str, Any]) -> bool:
    """Whether a record's "met" follows from its own figures (rounded as printed)."""
    if record["goal"] is None:
        return record["met"] is None
    judged = record["ratio"] if record["goal_on"] == "ratio" else record["ours"]
    if judged is None:
        return record["met"] is None
    return record["met"] is _compare(judged, record["goal_compare"], record["goal"])


def add_json_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--json",
        action="store_true",
        help='print, last, one JSON line {"measures": [...]} (ratios and goals)',
    )


def machine() -> dict[str, Any]:
    return {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def peak_rss_mib() -> float:
    """This process's peak resident memory so far, in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def report(
    name: str,
    figures: dict[str, Any],
    measures: list[dict[str, Any]] | None = None,
    *,
    as_json: bool = False,
) -> None:
    """Prints the figures and keeps them in benchmarks/results/NAME.json; with `as_json`,
    prints last one line {"measures": [...]} for `run_all.py` and other tools."""
    RESULTS.mkdir(exist_ok=True)
    data = {"benchmark": name, "machine": machine(), **figures}
    if measures is not None:
        data["measures"] = measures
    (RESULTS / f"{name}.json").write_text(json.dumps(data, indent=2, ensure_ascii=False))
    print(json.dumps(data, indent=2, ensure_ascii=False))
    if as_json:
        print(json.dumps({"measures": measures or []}, ensure_ascii=False), flush=True)


def median(values: list[float]) -> float:
    return statistics.median(values)
