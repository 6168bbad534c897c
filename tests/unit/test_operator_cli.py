"""`--operator NAME` on a command that records facts, run as a real process: every fact
carries that name, and a station that keeps a list refuses a name not on it before it
touches the drive."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from bench_app.settings import Settings
from bench_app.station import Station
from bench_app.store import queries
from bench_app.store.database import DB_NAME, Store

CLI = [sys.executable, "-m", "bench_app.commands.main"]


def _erase(
    image: Path, data_dir: Path, *extra: str, env_operator: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "ETABLI_OPERATOR"}
    if env_operator is not None:
        env["ETABLI_OPERATOR"] = env_operator
    return subprocess.run(
        [
            *CLI,
            "erase",
            str(image),
            "--method",
            "clear-zero",
            "--confirm-serial",
            "4k7q",
            "--data-dir",
            str(data_dir),
            "--json",
            *extra,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


def test_operator_option_names_every_fact_and_unknown_names_are_refused(
    tmp_path: Path, data_dir: Path
) -> None:
    station = Station(data_dir, operator="supervisor")
    try:
        station.add_operator("Aïcha")
        station.add_operator("Marc", "2468")
    finally:
        station.close()
    image = tmp_path / "OPER-TEST-4K7Q.img"
    donor_data = os.urandom(1 << 20) * 4
    image.write_bytes(donor_data)

    # A name not on the station's list: refused before the drive is read or anything recorded.
    refused = _erase(image, data_dir, "--operator", "Zoé")
    assert refused.returncode == 2
    assert "Zoé" in refused.stderr and "liste des opérateurs" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert image.read_bytes() == donor_data
    with Store.open_for_reading(data_dir / DB_NAME) as store:
        assert queries.events(store) == []
    # The environment's name is held to the same list.
    assert _erase(image, data_dir, env_operator="Inconnu").returncode == 2
    assert image.read_bytes() == donor_data

    done = _erase(image, data_dir, "--operator", "aïcha", env_operator="Marc")
    assert done.returncode == 0, done.stderr
    assert image.read_bytes() != donor_data
    with Store.open_for_reading(data_dir / DB_NAME) as store:
        first = queries.events(store)
    assert first and {e.operator for e in first} == {"Aïcha"}  # as the list spells it

    # Without --operator, $ETABLI_OPERATOR names the facts of the next run, and only those.
    again = _erase(image, data_dir, env_operator="marc")
    assert again.returncode == 0, again.stderr
    with Store.open_for_reading(data_dir / DB_NAME) as store:
        events = queries.events(store)
    assert [e.operator for e in events[: len(first)]] == ["Aïcha"] * len(first)
    assert {e.operator for e in events[len(first) :]} == {"Marc"}


def test_without_a_list_any_name_is_taken_as_given(tmp_path: Path, data_dir: Path) -> None:
    Settings().save(data_dir)
    image = tmp_path / "OPER-TEST-4K7Q.img"
    image.write_bytes(os.urandom(1 << 20))
    done = _erase(image, data_dir, "--operator", "Léa B.")
    assert done.returncode == 0, done.stderr
    with Store.open_for_reading(data_dir / DB_NAME) as store:
        assert {e.operator for e in queries.events(store)} == {"Léa B."}
