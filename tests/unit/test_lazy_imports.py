"""Headless `etabli` commands start without the window, the PDF library or the hub: what a
command does not use, it does not import (checked in a fresh process, by sys.modules)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ["PySide6", "reportlab", "hub", "starlette", "segno", "PIL", "pikepdf", "jsonschema"]

PROBE = """
import json, sys
from bench_app.commands.main import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
sys.stdout.flush()
print("\\n" + json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in %r)), file=sys.stderr)
"""


def imported(args: list[str]) -> set[str]:
    """The top-level packages of HEAVY that `etabli ARGS` imported."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("QT_QPA_PLATFORM", None)
    done = subprocess.run(
        [sys.executable, "-c", PROBE % (HEAVY,), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    last = done.stderr.strip().splitlines()[-1]
    return {name.split(".")[0] for name in json.loads(last)}


@pytest.mark.parametrize(
    "args",
    [
        ["erase", "--help"],
        ["--version"],
        ["drives", "--help"],
        ["devices", "--help"],
        ["certificate", "--help"],
        ["label", "--help"],
        ["profiles", "--help"],
        ["diagnose", "--help"],
    ],
    ids=" ".join,
)
def test_core_commands_import_no_window_pdf_or_hub(args: list[str]) -> None:
    assert imported(args) == set()


def test_erase_help_still_lists_its_options() -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run(
        [sys.executable, "-m", "bench_app.commands.main", "erase", "--help"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.returncode == 0
    assert "--method" in done.stdout


def test_the_hub_group_is_loaded_when_named() -> None:
    # The probe sees an import when there is one: the hub's own command loads the hub.
    assert "hub" in imported(["hub", "--help"])
    # The top-level help lists every command group, so it looks them up.
    assert "hub" in imported(["--help"])
