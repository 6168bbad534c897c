"""The Établi stick's live-build config (packaging/live/) agrees with the code it carries: every
program the laptop agent, the inventory and the drive erasure run is installed in the image,
`lb config` accepts the build's options, the systemd units and scripts parse, and the launcher
only passes the agent options `etabli agent` has. The image itself is built by hand (20 to 40
minutes, docs/live-stick.md), not here."""

from __future__ import annotations

import ast
import configparser
import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

from bench_app.jobs.process import PACKAGES

ROOT = Path(__file__).resolve().parents[2]
LIVE = ROOT / "packaging" / "live"
CHROOT = LIVE / "config" / "includes.chroot"
LAUNCHER = CHROOT / "usr" / "local" / "sbin" / "etabli-live"
UNIT = CHROOT / "etc" / "systemd" / "system" / "etabli-agent.service"
NETWORK = CHROOT / "etc" / "systemd" / "network" / "80-etabli-wired.network"
HOOKS = LIVE / "config" / "hooks" / "normal"
# The code that runs on the stick: the agent, what it reads of the laptop, how it erases and
# writes the laptop's disks.
STICK_CODE = (
    "bench_app/laptop_agent.py",
    "bench_app/agent_tests.py",
    "bench_app/diagnostics/laptop_guided.py",
    "bench_app/laptop_offline.py",
    "bench_app/install/agent_write.py",
    "bench_app/devices/laptop",
    "bench_app/devices/this_machine",
    "bench_app/devices/drives",
    "bench_app/erasure",
    "bench_app/install/image_writer.py",
    "bench_app/install/bmap.py",
    "bench_app/install/images.py",
    "bench_app/install/laptop_image.py",
)
# Calls whose first argument is a command line (a list or tuple starting with the program).
RUNNERS = {"run", "run_program", "call", "Popen", "check_output", "check_call", "Command"}
# Programs always on a Debian system (coreutils and friends): no package to add for them.
ESSENTIAL = {"true", "false", "sync", "dd", "cat", "sh", "bash"}


def load_build() -> ModuleType:
    spec = importlib.util.spec_from_file_location("live_build", LIVE / "build.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _first_program(node: ast.expr) -> str | None:
    """The program a command-line literal starts with ("smartctl" in ["smartctl", "-j", ...])."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.List | ast.Tuple) and node.elts:
        return _first_program(node.elts[0])
    if isinstance(node, ast.Starred):
        return _first_program(node.value)
    return None


def programs_run(source: str) -> set[str]:
    """The external programs a module runs: command lines passed to run/Popen/Command...,
    `*_ARGV` command lines, `PROGRAMS` tuples and `shutil.which("...")` look-ups."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and node.args:
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            first = node.args[0]
            # a bare string is a command line only for Command("smartctl", (...))
            if name in RUNNERS and (
                isinstance(first, ast.List | ast.Tuple)
                or (name == "Command" and isinstance(first, ast.Constant))
            ):
                program = _first_program(first)
                if program:
                    found.add(program)
            if name == "which":
                program = _first_program(first)
                if program:
                    found.add(program)
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name) and target.id.endswith("_ARGV"):
                program = _first_program(node.value)
                if program:
                    found.add(program)
            if (
                isinstance(target, ast.Name)
                and target.id == "PROGRAMS"
                and isinstance(node.value, ast.Tuple | ast.List)
            ):
                found |= {
                    e.value
                    for e in node.value.elts
                    if isinstance(e, ast.Constant) and isinstance(e.value, str)
                }
    return {os.path.basename(p) for p in found if p and not p.startswith("-")}


def stick_programs() -> dict[str, list[str]]:
    """Each program the stick's code runs, with the files that run it."""
    where: dict[str, list[str]] = {}
    for entry in STICK_CODE:
        path = ROOT / entry
        files = sorted(path.rglob("*.py")) if path.is_dir() else [path]
        for file in files:
            for program in programs_run(file.read_text(encoding="utf-8")):
                where.setdefault(program, []).append(str(file.relative_to(ROOT)))
    return where


def test_the_scanner_sees_the_programs_named_in_the_brief() -> None:
    # the scan is what guards the image: blind, it would pass whatever the code runs
    found = stick_programs()
    for program in ("smartctl", "hdparm", "nvme", "dmidecode", "lshw", "inxi", "upower"):
        assert program in found, program
    # the guided tests' players, recorder and camera tools are named by the package map too
    for program in ("aplay", "arecord", "fswebcam"):
        assert PACKAGES[program] in load_build().package_list(), program
    assert programs_run('subprocess.run(["wipefs", "-a", dev])') == {"wipefs"}
    assert programs_run('X_ARGV = (*("sgdisk", "-Z"), "x")') == {"sgdisk"}
    assert programs_run('run(("lsblk", "-J"))\nrun("not a command line")') == {"lsblk"}


def test_every_program_the_stick_code_runs_is_installed_in_the_image() -> None:
    packages = set(load_build().package_list())
    missing = []
    for program, files in sorted(stick_programs().items()):
        if program in ESSENTIAL:
            continue
        package = PACKAGES.get(program)
        if package is None:
            missing.append(f"{program} ({files[0]}): name its package in jobs/process.py PACKAGES")
        elif package not in packages:
            missing.append(f"{program} ({files[0]}): add {package} to the live package list")
    assert not missing, missing


def test_the_program_to_package_map_is_what_debian_installs() -> None:
    # checked on this Debian machine for every mapped program installed here
    if shutil.which("dpkg-query") is None:
        raise AssertionError(
            "dpkg-query missing: these tests run on Debian (packaging/bootstrap.py)"
        )
    checked = 0
    for program in stick_programs():
        package = PACKAGES.get(program)
        if package is None or program in ESSENTIAL:
            continue
        for folder in ("/usr/sbin", "/usr/bin", "/sbin", "/bin"):
            path = Path(folder) / program
            if not path.exists():
                continue
            owner = subprocess.run(
                ["dpkg-query", "-S", str(path)], capture_output=True, text=True, check=False
            )
            if owner.returncode == 0:
                assert owner.stdout.split(":")[0] == package, (program, owner.stdout)
                checked += 1
                break
    assert (
        checked >= 5
    )  # smartctl, hdparm, nvme, dmidecode, lshw at least (bootstrap installs them)


def test_the_image_carries_the_qt_libraries_and_a_french_console() -> None:
    packages = set(load_build().package_list())
    for needed in ("libgl1", "libegl1", "libfontconfig1", "libxkbcommon0", "fonts-dejavu-core"):
        assert needed in packages
    for needed in ("locales", "keyboard-configuration", "console-setup", "python3-venv"):
        assert needed in packages
    for blocked in ("task-desktop", "xserver-xorg", "gnome-shell", "network-manager"):
        assert blocked not in packages
    keyboard = (CHROOT / "etc" / "default" / "keyboard").read_text(encoding="utf-8")
    assert 'XKBLAYOUT="fr"' in keyboard
    build = load_build()
    assert "locales=fr_FR.UTF-8" in build.BOOT_APPEND and "keyboard-layouts=fr" in build.BOOT_APPEND


def test_build_script_help_works_without_root(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(LIVE / "build.py"), "--help"],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    for option in ("--images", "--out", "--work", "--mirror", "--stick-size"):
        assert option in done.stdout


def test_lb_config_accepts_the_build_options(tmp_path: Path) -> None:
    assert shutil.which("lb"), "live-build missing: packaging/bootstrap.py TEST_PACKAGES"
    build = load_build()
    done = subprocess.run(
        ["lb", "config", *build.lb_config_args(build.DEFAULT_MIRROR)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    binary = (tmp_path / "config" / "binary").read_text(encoding="utf-8")
    assert 'LB_IMAGE_TYPE="iso-hybrid"' in binary
    assert "syslinux" in binary and "grub-efi" in binary  # BIOS and UEFI
    common = (tmp_path / "config" / "common").read_text(encoding="utf-8")
    assert "zstd" in (tmp_path / "config" / "chroot").read_text(encoding="utf-8") + common
    bootstrap = (tmp_path / "config" / "bootstrap").read_text(encoding="utf-8")
    assert 'LB_DISTRIBUTION="bookworm"' in bootstrap


def test_the_systemd_files_parse_and_start_the_launcher() -> None:
    unit = configparser.ConfigParser(strict=True, interpolation=None)
    unit.optionxform = str  # type: ignore[assignment,method-assign]
    unit.read_string(UNIT.read_text(encoding="utf-8"))
    assert unit["Service"]["TTYPath"] == "/dev/tty1"
    exec_start = unit["Service"]["ExecStart"]
    assert (CHROOT / exec_start.lstrip("/")).resolve() == LAUNCHER
    assert os.access(LAUNCHER, os.X_OK)
    assert unit["Install"]["WantedBy"] == "multi-user.target"
    net = configparser.ConfigParser(strict=True, interpolation=None)
    net.optionxform = str  # type: ignore[assignment,method-assign]
    net.read_string(NETWORK.read_text(encoding="utf-8"))
    assert net["Match"]["Type"] == "ether"
    assert net["Network"]["DHCP"] == "yes"
    hooks = sorted(HOOKS.iterdir())
    assert hooks and all(os.access(h, os.X_OK) for h in hooks)
    text = "".join(h.read_text(encoding="utf-8") for h in hooks)
    assert "systemctl enable etabli-agent.service" in text
    assert "systemd-networkd" in text


def test_the_scripts_parse() -> None:
    for script, shell in [(LAUNCHER, "bash"), *((h, "sh") for h in sorted(HOOKS.iterdir()))]:
        done = subprocess.run([shell, "-n", str(script)], capture_output=True, text=True)
        assert done.returncode == 0, (script.name, done.stderr)


def test_the_launcher_only_passes_options_the_agent_has() -> None:
    # the launcher passes --data-dir always, the others when `etabli agent --help` lists them
    done = subprocess.run(
        [sys.executable, "-m", "bench_app.commands.main", "agent", "--help"],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert done.returncode == 0, done.stderr
    launcher = LAUNCHER.read_text(encoding="utf-8")
    assert "args=(agent --data-dir" in launcher
    assert "--data-dir" in done.stdout
    for optional in ("--bundle-dir", "--no-screen", "--images"):
        assert f'grep -q -- "{optional}"' in launcher


def test_the_image_gets_the_project_but_no_build_leftovers(tmp_path: Path) -> None:
    build = load_build()
    (tmp_path / "bench_app" / "__pycache__").mkdir(parents=True)
    (tmp_path / "bench_app" / "__pycache__" / "x.pyc").write_bytes(b"")
    (tmp_path / "bench_app" / "agent.py").write_text("")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "HEAD").write_text("")
    (tmp_path / "build" / "live").mkdir(parents=True)
    (tmp_path / "build" / "live" / "big.iso").write_bytes(b"")
    (tmp_path / "pyproject.toml").write_text("")
    files = {str(p) for p in build.project_files(tmp_path)}
    assert files == {"bench_app/agent.py", "pyproject.toml"}


def test_system_images_go_on_the_stick_only_when_they_fit(tmp_path: Path) -> None:
    build = load_build()
    image = tmp_path / "debian.img.zst"
    with image.open("wb") as f:
        f.truncate(2_000_000_000)
    assert build.images_fit([image], 8_000_000_000)
    assert not build.images_fit([image], 3_000_000_000)
