#!/usr/bin/env python3
"""Start-up of the headless `etabli` commands, beside a bare Python start, in one run:
`etabli erase --help` and `etabli --version` (processes of their own, the two tools
alternating, medians of N), and the heavy modules each one imported (`-X importtime`).
A command that needs no window, no PDF and no hub must import none of them.

    .venv/bin/python benchmarks/bench_startup.py [--runs 15] [--json]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

import _common

# Modules a headless command that needs none of them must not pay for.
HEAVY = ("PySide6", "reportlab", "hub", "starlette", "segno", "PIL", "pikepdf", "jsonschema")
COMMANDS = {"erase_help": ["erase", "--help"], "version": ["--version"]}


def env() -> dict[str, str]:
    return dict(os.environ, PYTHONPATH=str(_common.ROOT))


def etabli(args: list[str]) -> list[str]:
    return [sys.executable, "-m", "bench_app.commands.main", *args]


def seconds(argv: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, env=env())
    return time.perf_counter() - start


def heavy_imports(args: list[str]) -> list[str]:
    """The top-level packages of HEAVY that the command imported."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", *etabli(args)[1:]],
        check=True,
        capture_output=True,
        text=True,
        env=env(),
    )
    found = set()
    for line in done.stderr.splitlines():
        if not line.startswith("import time:"):
            continue
        top = line.rsplit("|", 1)[-1].strip().split(".")[0]
        if top in HEAVY:
            found.add(top)
    return sorted(found)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    _common.add_json_flag(parser)
    args = parser.parse_args()
    bare_argv = [sys.executable, "-c", "pass"]
    times: dict[str, list[float]] = {"bare": [], **{name: [] for name in COMMANDS}}
    seconds(bare_argv)  # the disk cache warmed for both
    for argv in COMMANDS.values():
        seconds(etabli(argv))
    for run in range(args.runs):
        order = ["bare", *COMMANDS]
        for name in order[::-1] if run % 2 else order:
            argv = bare_argv if name == "bare" else etabli(COMMANDS[name])
            times[name].append(seconds(argv))
    med = {name: _common.median(v) for name, v in times.items()}
    figures = {
        "runs": args.runs,
        "median_s": {name: round(v, 4) for name, v in med.items()},
        "heavy_imports": {name: heavy_imports(argv) for name, argv in COMMANDS.items()},
    }
    measures = [
        _common.measure("erase_command_startup", med["erase_help"], med["bare"], "s"),
        _common.measure("version_startup", med["version"], med["bare"], "s"),
    ]
    _common.report("startup", figures, measures, as_json=args.json)


if __name__ == "__main__":
    main()
