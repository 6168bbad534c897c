"""Running a scenario in a child process under umockdev's preload library."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
CHILD_TIMEOUT_S = 240  # a guard against a hung child, far above the few seconds it takes

MISSING = (
    "umockdev-wrapper is missing: install Debian's umockdev, libumockdev0 and "
    "gir1.2-umockdev-1.0 (`python3 packaging/bootstrap.py test` does)"
)

RunUnderUmockdev = Callable[[list[str]], subprocess.CompletedProcess[str]]


def _run(args: list[str]) -> subprocess.CompletedProcess[str]:
    wrapper = shutil.which("umockdev-wrapper")
    if wrapper is None:
        pytest.fail(MISSING)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONUNBUFFERED="1")
    return subprocess.run(
        [wrapper, sys.executable, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=CHILD_TIMEOUT_S,
        check=False,
    )


@pytest.fixture
def under_umockdev() -> RunUnderUmockdev:
    """Runs `python ARGS...` under umockdev-wrapper; fails the test if umockdev is not there."""
    return _run


@pytest.fixture
def scenario(under_umockdev: RunUnderUmockdev) -> Callable[[str], dict[str, Any]]:
    """Runs one scenario of umockdev_scenarios.py and returns its JSON result."""

    def run(name: str) -> dict[str, Any]:
        done = under_umockdev([str(HERE / "umockdev_scenarios.py"), name])
        lines = done.stdout.strip().splitlines()
        context = f"exit {done.returncode}\nstdout:\n{done.stdout}\nstderr:\n{done.stderr}"
        if not lines:
            pytest.fail(f"the umockdev scenario {name} printed nothing\n{context}")
        try:
            result: dict[str, Any] = json.loads(lines[-1])
        except json.JSONDecodeError:
            pytest.fail(f"the umockdev scenario {name} did not finish\n{context}")
        if "error" in result:
            pytest.fail(f"umockdev cannot run here: {result['error']}\n{context}")
        assert done.returncode == 0, context
        return result

    return run
