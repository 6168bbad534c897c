#!/usr/bin/env python3
"""Builds the packaged Établi for Linux x86_64, with only python3 present.

    python3 packaging/build.py             the app, one folder: dist/etabli/ (PyInstaller)
    python3 packaging/build.py --archive   the app and the offline installer:
                                           dist/etabli-VERSION-linux-x86_64-CODENAME.tar.gz
    python3 packaging/build.py --test-install
                                           as root, on Debian 12: builds the archive, installs
                                           it into a fresh Debian 12 (debootstrap, chroot, no
                                           network) and uses it as a normal user: set-up, a
                                           simulated phone, a loop device erased through the
                                           helper, a certificate (packaging/test_install.py;
                                           6 to 8 minutes; with --archive-file and the Debian
                                           root cached, under a minute)
    python3 packaging/build.py --test      only the packaging tests (a build in a temporary
                                           folder, its build-check, install and uninstall
                                           into a fake root; about 40 s, so they are part of
                                           the default test run too)

It installs what the build needs (system packages, the project's virtual environment and
PyInstaller, from the `package` extra of pyproject.toml), compiles the translations, runs
PyInstaller on packaging/etabli.spec, then runs `etabli build-check` on the built app: a
build that misses a file it reads at run time fails here. Run from a virtual environment's
python, it uses that environment instead of .venv.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tarfile
import time
import tomllib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bootstrap  # beside this file (packaging/ is no package)
import offline_debs

ROOT = bootstrap.ROOT
PACKAGING = ROOT / "packaging"
SPEC = PACKAGING / "etabli.spec"
APP_NAME = "etabli"


def say(message: str) -> None:
    print(f"[établi build] {message}", flush=True)


def project_python() -> Path:
    """The virtual environment's python: the one running this script if it is one, else
    .venv (made and filled by bootstrap)."""
    if sys.prefix != sys.base_prefix:
        return Path(sys.executable)
    bootstrap.ensure_venv()
    return bootstrap.venv_python()


def project_version() -> str:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return str(data["project"]["version"])


def ensure_pyinstaller(python: Path) -> None:
    """Installs the `package` extra's requirements (PyInstaller) when they are missing."""
    probe = subprocess.run([str(python), "-c", "import PyInstaller"], capture_output=True)
    if probe.returncode == 0:
        return
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    wanted = data["project"]["optional-dependencies"]["package"]
    say("installing " + " ".join(wanted))
    subprocess.run(
        [str(python), "-m", "pip", "--disable-pip-version-check", "-q", "install", *wanted],
        check=True,
    )


def folder_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


def build_app(dist: Path, work: Path) -> Path:
    """Builds the one-folder app into dist/etabli and checks it; returns that folder."""
    bootstrap.ensure_system_packages(bootstrap.RUNTIME_PACKAGES + bootstrap.BUILD_PACKAGES)
    python = project_python()
    ensure_pyinstaller(python)
    subprocess.run([str(python), str(PACKAGING / "i18n.py"), "compile"], check=True)
    say(f"PyInstaller: {SPEC.relative_to(ROOT)} → {dist / APP_NAME}")
    started = time.monotonic()
    subprocess.run(
        [
            str(python),
            "-m",
            "PyInstaller",
            "--noconfirm",
            "--clean",
            "--log-level",
            "WARN",
            "--distpath",
            str(dist),
            "--workpath",
            str(work),
            str(SPEC),
        ],
        cwd=ROOT,
        check=True,
    )
    seconds = time.monotonic() - started
    app = dist / APP_NAME
    say(f"built in {seconds:.0f} s, {folder_size(app) / 1e6:.0f} MB in {app}")
    check_app(app)
    return app


def check_app(app: Path) -> None:
    """Runs the built app's `build-check` offscreen; raises SystemExit when it fails."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    env.pop("PYTHONPATH", None)  # the build must stand on its own
    done = subprocess.run(
        [str(app / APP_NAME), "build-check"], env=env, capture_output=True, text=True
    )
    print(done.stdout, end="")
    if done.returncode != 0:
        print(done.stderr, end="", file=sys.stderr)
        raise SystemExit(
            f"[établi build] the built app failed its build-check (exit {done.returncode})"
        )


# The files of the archive beside the app, from packaging/: (source, name in the archive).
ARCHIVE_FILES = (
    ("install.sh", "install.sh"),
    ("uninstall.sh", "uninstall.sh"),
    ("etabli.desktop", "etabli.desktop"),
    ("udev/60-etabli.rules", "60-etabli.rules"),
    ("INSTALL.txt", "LISEZMOI.txt"),
    ("systemd/etabli-erase-helper.socket", "systemd/etabli-erase-helper.socket"),
    ("systemd/etabli-erase-helper.service", "systemd/etabli-erase-helper.service"),
    ("../docs/erase-helper.md", "erase-helper.md"),
)


def stage_archive(app: Path, stage: Path, debs: list[Path]) -> Path:
    """Lays out the archive's folder under `stage`: app/, debs/, the scripts, the rules,
    the desktop entry and the icon. Returns that folder."""
    top = stage / f"etabli-{project_version()}"
    if top.exists():
        shutil.rmtree(top)
    top.mkdir(parents=True)
    shutil.copytree(app, top / "app", symlinks=True)
    for source, name in ARCHIVE_FILES:
        (top / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(PACKAGING / source, top / name)
    shutil.copy2(ROOT / "assets" / "icons" / "etabli.svg", top / "etabli.svg")
    (top / "RELEASE").write_text(offline_debs.release_codename() + "\n", encoding="utf-8")
    (top / "debs").mkdir()
    for deb in debs:
        shutil.copy2(deb, top / "debs" / deb.name)
    for script in ("install.sh", "uninstall.sh"):
        (top / script).chmod(0o755)
    return top


def build_archive(app: Path, dist: Path, work: Path) -> Path:
    """The offline installer: one .tar.gz with the app, the .deb packages a fresh desktop of
    this distribution lacks for it, and the install and uninstall scripts."""
    codename = offline_debs.release_codename()
    debs = offline_debs.download(work / "debs")
    top = stage_archive(app, work / "archive", debs)
    archive = dist / f"etabli-{project_version()}-linux-x86_64-{codename}.tar.gz"
    say(f"archive: {archive}")
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(top, arcname=top.name)
    say(f"{archive.stat().st_size / 1e6:.0f} MB, with {len(debs)} .deb packages")
    return archive


def run_tests(extra: list[str]) -> int:
    """The packaging tests, which build into their own temporary folders."""
    python = project_python()
    ensure_pyinstaller(python)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    return subprocess.call(
        [str(python), "-m", "pytest", "-ra", "tests/packaging", *extra],
        cwd=ROOT,
        env=env,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--archive", action="store_true", help="also make the offline installer")
    parser.add_argument("--test", action="store_true", help="run the packaging tests")
    parser.add_argument("--dist", type=Path, default=ROOT / "dist", help="output folder")
    parser.add_argument(
        "--work", type=Path, default=ROOT / "build", help="PyInstaller's working folder"
    )
    parser.add_argument(
        "--test-install",
        action="store_true",
        help="build the archive and install it into a fresh Debian 12 with no network (root)",
    )
    parser.add_argument(
        "--archive-file",
        type=Path,
        default=None,
        help="with --test-install: this archive instead of a new build",
    )
    parser.add_argument(
        "--cache",
        type=Path,
        default=Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "etabli",
        help="with --test-install: where the debootstrap tarball is kept",
    )
    parser.add_argument(
        "--keep", action="store_true", help="with --test-install: keep the Debian root"
    )
    args, rest = parser.parse_known_args(argv)
    if args.test:
        return run_tests(rest)
    if rest:
        parser.error(f"unknown arguments: {' '.join(rest)}")
    dist, work = args.dist.resolve(), args.work.resolve()
    if args.test_install:
        return test_install(args, dist, work)
    app = build_app(dist, work)
    if args.archive:
        build_archive(app, dist, work)
    return 0


def test_install(args: argparse.Namespace, dist: Path, work: Path) -> int:
    """The offline installation end to end (packaging/test_install.py); 0 when it passed."""
    import test_install as end_to_end  # beside this file

    if os.geteuid() == 0:
        bootstrap.ensure_system_packages(bootstrap.BUILD_PACKAGES)
    why = end_to_end.preflight()
    if why:
        say(f"--test-install cannot run: {why}")
        return 2
    started = time.monotonic()
    archive = args.archive_file
    if archive is None:
        archive = build_archive(build_app(dist, work), dist, work)
        say(f"archive built in {time.monotonic() - started:.0f} s")
    return int(end_to_end.main(archive.resolve(), args.cache.resolve(), keep=args.keep))


if __name__ == "__main__":
    raise SystemExit(main())
