"""The systemd units of the erasure helper agree with the program: the socket where the
station looks, the group the helper lets in, the program systemd starts."""

from __future__ import annotations

import configparser
import subprocess
import sys
from pathlib import Path

from bench_app.devices.drives.erase_helper import DEFAULT_SOCKET
from bench_app.erasure.erase_helper_service import GROUP

ROOT = Path(__file__).resolve().parents[2]
UNITS = ROOT / "packaging" / "systemd"


def _unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(UNITS / name, encoding="utf-8")
    return parser


def test_the_socket_is_where_the_station_looks_and_only_the_group_reaches_it() -> None:
    socket = _unit("etabli-erase-helper.socket")["Socket"]
    assert socket["ListenStream"] == DEFAULT_SOCKET
    assert (socket["SocketUser"], socket["SocketGroup"], socket["SocketMode"]) == (
        "root",
        GROUP,
        "0660",
    )
    assert socket["Accept"] == "no"  # one helper process, the socket handed to it as fd 3


def test_the_service_runs_the_helper_program_for_the_group() -> None:
    service = _unit("etabli-erase-helper.service")["Service"]
    argv = service["ExecStart"].split()
    # The packaged app where install.sh puts it; the helper is its `erase-helper` subcommand.
    assert argv[:2] == ["/opt/etabli/etabli", "erase-helper"]
    assert 'APP_DIR="$ROOT/opt/etabli"' in (ROOT / "packaging" / "install.sh").read_text()
    assert argv[argv.index("--group") + 1] == GROUP
    # Every option the unit gives is one the subcommand knows.
    done = subprocess.run(
        [sys.executable, "-m", "bench_app.commands.main", "erase-helper", "--help"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    for option in (a for a in argv[2:] if a.startswith("--")):
        assert option in done.stdout, option
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert 'etabli-erase-helper = "bench_app.erasure.erase_helper_service:main"' in pyproject


def test_the_service_may_run_the_drive_programs_and_never_the_test_ones() -> None:
    """The drive programs it runs need raw ATA (SG_IO) and NVMe admin commands; the fake
    programs of the tests are never named by the unit."""
    service = _unit("etabli-erase-helper.service")["Service"]
    assert set(service["CapabilityBoundingSet"].split()) == {
        "CAP_DAC_OVERRIDE",
        "CAP_DAC_READ_SEARCH",
        "CAP_SYS_RAWIO",
        "CAP_SYS_ADMIN",
    }
    assert "--test-programs" not in service["ExecStart"]
