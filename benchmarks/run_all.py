#!/usr/bin/env python3
"""Runs every benchmark, each in a process of its own with `--json`, and prints one table:
each measure, its ratio, its goal, and whether the goal is met.

    .venv/bin/python benchmarks/run_all.py --quick [--json] [--only NAME ...]
    sudo .venv/bin/python benchmarks/run_all.py          # full sizes: an hour or more

`--quick` uses sizes that finish in under 10 minutes on a 2-core machine: the ratios are
noisier and the size-dependent ones (first sync per 100,000 events, lot certificate per
device) are extrapolated from smaller runs. A benchmark that cannot run here (no root for
loop devices, a missing tool) is listed as skipped with its reason, never counted as met."""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent

# script -> arguments at quick sizes (full sizes: each script's defaults)
QUICK: dict[str, list[str]] = {
    "bench_startup.py": ["--runs", "7"],
    "bench_certificate.py": ["--runs", "5", "--lot", "10"],
    "bench_reports.py": ["--sizes", "300", "--reps", "1"],
    "bench_dashboard.py": ["--devices", "50000", "--reps", "2"],
    "bench_lots.py": ["--devices", "5000", "--lot-size", "1000", "--reps", "1"],
    "bench_labels.py": ["--labels", "10", "--runs", "2"],
    "bench_event_log.py": ["--events", "20000"],
    "bench_chain_head.py": ["--events", "320", "--reps", "1"],
    "bench_sync.py": [
        "--events",
        "20000",  # ten batches: at 5,000 (three), one-off costs scaled by 20 weighed too much
        "--rounds",
        "3",
        "--stations",
        "4",
        "--station-events",
        "5000",  # three batches each: at 2,000 (one batch) the rate was one round trip's latency
        "--skip",
        "scale",
    ],
    "bench_fastboot.py": [
        "--size-mib",
        "64",
        "--reps",
        "2",
        "--phones",
        "8",
        "--parallel-mib",
        "16",
        "--max-download-mib",
        "24",  # the 64 MiB image is split in three, as 512 MiB is in two at full size
    ],
    # Three repetitions (medians): one run of a disk read swings by half from one to the next
    "bench_erase.py": ["--size-mib", "256", "--reps", "3", "--at-once", "2", "--no-ui"],
    "bench_image_write.py": ["--size-mib", "1024", "--reps", "3"],
    "bench_phones.py": ["--runs", "2"],
    "bench_cold_start.py": ["--runs", "3"],
    "bench_ui_latency.py": ["--phones", "16", "--drives", "8"],
    "bench_ui_journey.py": ["--phones", "8", "--drives", "4", "--rom-mib", "16"],
    "bench_workshop_scale.py": ["--devices", "100000", "--queries", "100"],
}
TIMEOUT = {True: 240.0, False: 3 * 3600.0}


def run_one(script: str, quick: bool) -> tuple[list[dict[str, Any]], str | None, float]:
    """(measures, why it was skipped or failed, seconds)."""
    argv = [sys.executable, str(HERE / script), *(QUICK[script] if quick else []), "--json"]
    env = dict(os.environ, PYTHONPATH=str(HERE.parent), QT_QPA_PLATFORM="offscreen")
    start = time.perf_counter()
    # A session of its own, so that a benchmark that runs over is stopped with everything
    # it started (an X server, windows, simulators), not only its first process.
    proc = subprocess.Popen(
        argv,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        start_new_session=True,
    )
    try:
        stdout, stderr = proc.communicate(timeout=TIMEOUT[quick])
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # windows may ignore SIGTERM
        proc.communicate()
        return [], f"did not finish within {TIMEOUT[quick]:.0f} s", time.perf_counter() - start
    seconds = time.perf_counter() - start
    lines = stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        said = (stderr.strip().splitlines() or ["no output"])[-1]
        return [], f"exit {proc.returncode}: {said[:160]}", seconds
    try:
        last = json.loads(lines[-1])
    except json.JSONDecodeError:
        return [], "its last line is not the JSON measures", seconds
    return list(last["measures"]), None, seconds


def mark(met: bool | None) -> str:
    return {True: "met", False: "NOT met", None: "-"}[met]


def table(rows: list[dict[str, Any]]) -> str:
    lines = [f"{'measure':<40} {'ours':>11} {'reference':>11} {'ratio':>8}  {'goal':<34} result"]
    for r in rows:
        if "skipped" in r:
            lines.append(f"{r['script']:<40} skipped: {r['skipped']}")
            continue
        goal = r["goal_text"] or "-"
        if r["goal"] is not None:
            goal = f"{r['goal_on']} {r['goal_compare']} {r['goal']:g} ({goal})"
        fig = ["-" if r[k] is None else f"{r[k]:.4g}" for k in ("ours", "reference", "ratio")]
        lines.append(
            f"{r['name']:<40} {fig[0]:>11} {fig[1]:>11} {fig[2]:>8}  {goal:<34} {mark(r['met'])}"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (< 10 min, 2 cores)")
    parser.add_argument("--only", nargs="+", choices=sorted(QUICK), help="these scripts only")
    parser.add_argument("--json", action="store_true", help="print, last, the JSON measures")
    args = parser.parse_args()
    rows: list[dict[str, Any]] = []
    began = time.perf_counter()
    for script in args.only or list(QUICK):
        measures, why, seconds = run_one(script, args.quick)
        print(f"{script}: {seconds:.0f} s{'' if why is None else ' — ' + why}", file=sys.stderr)
        if why is not None:
            rows.append({"script": script, "skipped": why})
        for m in measures:
            rows.append({"script": script, **m})
    print(table(rows))
    judged = [r for r in rows if r.get("met") is not None]
    print(
        f"\n{sum(r['met'] for r in judged)} of {len(judged)} goals met; "
        f"{sum('skipped' in r for r in rows)} benchmark(s) skipped; "
        f"{time.perf_counter() - began:.0f} s in all. The figures are noisy on a shared machine."
    )
    if args.json:
        measures = [r for r in rows if "skipped" not in r]
        skipped = [r for r in rows if "skipped" in r]
        print(json.dumps({"measures": measures, "skipped": skipped}, ensure_ascii=False))


if __name__ == "__main__":
    main()
