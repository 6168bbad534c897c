"""Every `etabli` command, fed bad input as a real process: arguments and files drawn by
Hypothesis (bytes that are not UTF-8, huge and deeply nested structures, empty and cut
files, /dev/zero, FIFOs, folders, huge and negative numbers, unknown options).

Each must end within its time limit with exit code 1 or 2, a message on stderr and no
traceback, and lose nothing: on the seeded data folder it ran on, `etabli db check` passes,
every seeded fact is still there unchanged, no temporary file is left behind and every
file of the image library is in its index.

The commands come from the CLI's own parser, so a new command fails
`test_every_command_has_a_bad_input_strategy` until it gets a strategy here."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from bench_app.commands.main import build_parser
from tests.cli_bad_input.cases import Case, materialise
from tests.cli_bad_input.conftest import CLI, Seeded, child_env, db_check, stored_events
from tests.cli_bad_input.strategies import STRATEGIES

# A command that takes longer than this on bad input is stuck (a FIFO read, a huge file).
TIMEOUT_S = 60


def leaf_commands(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> list[tuple[str, ...]]:
    """Every command line the parser knows: each subcommand without subcommands of its own,
    and each command that runs by itself as well (the window, `hub`, `sync`)."""
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    found: list[tuple[str, ...]] = []
    if not subs or not subs[0].required:
        found.append(path)
    for action in subs:
        for name, child in action.choices.items():
            found += leaf_commands(child, (*path, name))
    return found


COMMANDS = leaf_commands(build_parser())


def test_every_command_has_a_bad_input_strategy() -> None:
    assert len(COMMANDS) > 30
    missing = [" ".join(c) or "(no subcommand)" for c in COMMANDS if c not in STRATEGIES]
    assert not missing, f"commands without a bad-input strategy: {missing}"
    stale = [" ".join(c) for c in STRATEGIES if c not in COMMANDS]
    assert not stale, f"strategies for commands that no longer exist: {stale}"


def _leftovers(data: Path) -> list[str]:
    """Temporary files left in the data folder, and image files the library does not list."""
    found = [
        str(p.relative_to(data))
        for p in data.rglob("*")
        if p.name.endswith((".tmp", ".part")) and p.is_file()
    ]
    files = data / "images" / "files"
    if files.is_dir():
        index = data / "images" / "index.json"
        listed = set()
        if index.is_file() and index.stat().st_size < 1 << 20:
            try:
                listed = {e["relpath"] for e in json.loads(index.read_text())["images"]}
            except (ValueError, KeyError, TypeError):
                listed = set()  # damaged on purpose by the case: the library refuses it
        for image in files.rglob("*"):
            if image.is_file() and image.relative_to(data / "images").as_posix() not in listed:
                found.append(f"orphan image {image.relative_to(data)}")
    return found


def _put_back(case: Case, data: Path, original: Path) -> None:
    """The data-folder files the case replaced, as they were seeded."""
    for relative, _ in case.data_files:
        target = data / relative
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)
        elif target.exists() or target.is_symlink():
            target.unlink()
        source = original / relative
        if source.is_file():
            shutil.copy2(source, target)


def run_case(case: Case, seeded: Seeded) -> None:
    work = Path(tempfile.mkdtemp(prefix="etabli-bad-"))
    try:
        data = work / "data"
        shutil.copytree(seeded.folder, data, symlinks=True)
        home = work / "home"
        home.mkdir()
        argv, extra_env = materialise(case, work / "in", data, seeded)
        env = {**child_env(data, home), **extra_env}
        try:
            done = subprocess.run(
                [*CLI, *argv],
                env=env,
                cwd=work,
                capture_output=True,
                timeout=TIMEOUT_S,
                check=False,
            )
        except subprocess.TimeoutExpired:
            pytest.fail(f"etabli {argv!r} did not end within {TIMEOUT_S} s")
        out = done.stdout.decode("utf-8", "replace")
        err = done.stderr.decode("utf-8", "replace")
        shown = (
            f"etabli {argv!r}\nexit {done.returncode}\nstdout: {out[-2000:]}\nstderr: {err[-3000:]}"
        )
        assert "Traceback" not in out + err, shown
        assert done.returncode in (1, 2), shown
        assert err.strip(), shown
        # Nothing lost: with the files the case damaged on purpose put back (a key replaced
        # by a folder makes `db check` rightly unable to check the signed head), the chain
        # and the database are whole, every seeded fact unchanged.
        _put_back(case, data, seeded.folder)
        rc, report = db_check(data)
        assert rc == 0, f"{shown}\n{report}"
        assert seeded.events <= stored_events(data), shown
        leftovers = _leftovers(data)
        assert not leftovers, f"{shown}\nleft behind: {leftovers}"
    finally:
        shutil.rmtree(work, ignore_errors=True)


# Examples per command: more where files are read (each special file, each damage), few
# where only options and the data folder can be wrong. About 2 minutes in all on 2 cores.
READS_FILES = {
    ("erase",),
    ("write-image",),
    ("verify-certificate",),
    ("certificate",),
    ("label",),
    ("print-label",),
    ("report", "lot"),
    ("profiles", "check"),
    ("images", "import"),
    ("images", "list"),
    ("keys", "trust"),
    ("bundle", "import"),
    ("hub", "enrol-code"),
    ("hub", "import-bundle"),
    ("sync",),
    ("outcome",),  # the photo of a signed handover sheet
    ("loan-sign",),  # the same photo, given later
}


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: "-".join(c) or "root")
def test_bad_input_is_refused_plainly(command: tuple[str, ...], seeded: Seeded) -> None:
    @settings(
        max_examples=9 if command in READS_FILES else 5,
        deadline=None,
        derandomize=True,  # the same examples on every run: a failure is reproducible
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(case=STRATEGIES[command]())
    def refused(case: Case) -> None:
        run_case(case, seeded)

    refused()


def test_the_seeded_folder_is_a_real_one(seeded: Seeded) -> None:
    """The suite's premise: commands on the copy do reach real facts (a certificate of the
    seeded erasure is valid), so a refusal above is the bad input's, not an empty folder's."""
    home = Path(tempfile.mkdtemp(prefix="etabli-home-"))
    try:
        done = subprocess.run(
            [*CLI, "verify-certificate", str(seeded.files / "certificate.pdf")],
            env=child_env(seeded.folder, home),
            capture_output=True,
            text=True,
            timeout=TIMEOUT_S,
            check=False,
        )
    finally:
        shutil.rmtree(home, ignore_errors=True)
    assert done.returncode == 0, done.stderr
    assert seeded.asset in done.stdout
    assert os.path.getsize(seeded.files / "bundle.etabli") > 0
