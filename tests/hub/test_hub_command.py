"""`etabli hub` reaches the hub through the `etabli.commands` entry point (pyproject.toml),
and says plainly when the hub's code is not on the machine, while every other command still
works: the station's core imports no hub code."""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys
from pathlib import Path

from bench_app.commands.main import COMMAND_GROUPS
from hub.db import HubDB
from hub.service import count_rows

# A real `etabli` process in which any import of the hub fails, as on a machine without it.
WITHOUT_HUB = (
    "import sys; sys.modules['hub'] = None; from bench_app.commands.main import main; "
    "sys.exit(main(sys.argv[1:]))"
)


def _etabli(*argv: str, without_hub: bool = False) -> subprocess.CompletedProcess[str]:
    start = ["-c", WITHOUT_HUB] if without_hub else ["-m", "bench_app.commands.main"]
    return subprocess.run(
        [sys.executable, *start, *argv], capture_output=True, text=True, timeout=120
    )


def test_the_hub_commands_are_registered_by_entry_point_and_run(tmp_path: Path) -> None:
    entries = importlib.metadata.entry_points(group=COMMAND_GROUPS)
    assert {e.name: e.value for e in entries} == {"hub": "hub.cli:register"}
    url = f"sqlite://{tmp_path / 'hub.sqlite3'}"
    done = _etabli("hub", "enrol-code", "Atelier de Brest", "--db", url, "--lang", "en")
    assert done.returncode == 0, done.stderr
    assert "Enrolment code for “Atelier de Brest”" in done.stdout
    db = HubDB(url)
    try:
        assert count_rows(db, "enrolment_codes") == 1
    finally:
        db.close()


def test_without_the_hub_etabli_hub_says_so_plainly_and_the_rest_works(
    tmp_path: Path, data_dir: Path
) -> None:
    url = f"sqlite://{tmp_path / 'hub.sqlite3'}"
    done = _etabli("hub", "enrol-code", "Atelier", "--db", url, "--lang", "en", without_hub=True)
    assert done.returncode == 2
    assert "The command “etabli hub” is not installed on this machine." in done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""
    assert not (tmp_path / "hub.sqlite3").exists()

    french = _etabli("hub", without_hub=True)
    assert french.returncode == 2
    assert "La commande « etabli hub » n’est pas installée sur ce poste." in french.stderr

    listed = _etabli("--help", without_hub=True)
    assert listed.returncode == 0 and "hub" in listed.stdout
    devices = _etabli("devices", "--json", "--data-dir", str(data_dir), without_hub=True)
    assert devices.returncode == 0, devices.stderr
