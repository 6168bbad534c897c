#!/usr/bin/env python3
"""Sets up a station or a developer machine from a fresh clone, with only python3 present.

    python3 packaging/bootstrap.py run [ETABLI OPTIONS]   install what is needed, start Établi
    python3 packaging/bootstrap.py test [PYTEST OPTIONS]  install what is needed, run every check

It installs the Debian/Ubuntu packages it needs (through sudo when not root), makes a virtual
environment in .venv, installs the project into it, compiles the translations, then starts
the app or runs ruff, mypy and pytest. Steps already done are skipped on the next run.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
STAMP = VENV / ".etabli-installed"

# Each entry: alternatives, the first one the distribution knows is installed
# (Ubuntu 24.04 renamed some libraries with a t64 suffix).
RUNTIME_PACKAGES: list[tuple[str, ...]] = [
    ("libgl1",),
    ("libegl1",),
    ("libglib2.0-0t64", "libglib2.0-0"),
    ("libfontconfig1",),
    ("libfreetype6",),
    ("libdbus-1-3",),
    ("libxkbcommon0",),
    ("libxkbcommon-x11-0",),
    ("libxcb-cursor0",),
    ("libxcb-icccm4",),
    ("libxcb-image0",),
    ("libxcb-keysyms1",),
    ("libxcb-randr0",),
    ("libxcb-render-util0",),
    ("libxcb-shape0",),
    ("libxcb-xinerama0",),
    ("libxcb-xkb1",),
    ("libxcb-xfixes0",),
    ("libx11-xcb1",),
    ("fonts-dejavu-core",),
    ("libusb-1.0-0",),  # ADB over USB
    ("libudev1",),  # hotplug (pyudev)
    # Drives: health, hidden areas and Purge commands, the inventory of this machine.
    ("smartmontools",),
    ("hdparm",),
    ("nvme-cli",),
    ("lshw",),
    ("dmidecode",),
    ("inxi",),  # kept in eReuse snapshots: the current Devicehub identifies computers from it
    ("util-linux",),  # losetup, swapon, lsblk
    ("mount",),
    ("cups-client",),  # `lp`, to print labels on any CUPS printer
    ("libqrencode4",),  # certificates' QR codes in C (bench_app/output/qr_matrix.py)
]
TEST_PACKAGES: list[tuple[str, ...]] = [
    ("live-build",),  # `lb config` checks the stick's options (tests/packaging/test_live_image.py)
    ("xvfb",),  # a real X server for tests and screenshots that need one
    ("xdotool",),  # clicks and keys sent to that X server by the walk-through system test
    ("adb",),  # Debian's own ADB client, pointed at the simulated phone by the fidelity tests
    # libimobiledevice's own tools (ideviceinfo...), pointed at the simulated iPhone's usbmuxd.
    ("libimobiledevice-utils",),
    ("umockdev",),  # fake udev devices and uevents for the USB discovery tests (LD_PRELOAD)
    ("gir1.2-umockdev-1.0",),  # umockdev's API for those tests...
    # ...through Debian's PyGObject: pip's would be built from source, and `run` too installs
    # the test extras, so every station would need a compiler and GObject headers.
    ("python3-gi",),
    # Drives the tests make themselves: partition tables and file systems on loop devices.
    ("fdisk",),
    ("e2fsprogs",),
    # Documents and labels are looked at: PDF pages to PNG, and every QR code decoded by zbar.
    ("poppler-utils",),
    ("zbar-tools",),
    # Debian's own fastboot client and sparse-image tools, pointed at the simulated bootloader.
    ("fastboot",),
    ("android-sdk-libsparse-utils",),
    ("bmap-tools",),  # block maps of laptop images, as the reference the tests compare with
    ("xorriso",),  # a real ISO 9660 image, to prove write-image recognises one
    ("dmsetup",),  # a device-mapper volume over a test loop device, refused by its stack
    # A real CUPS server the label tests start on their own socket, with a raw queue.
    ("cups",),
    # The label tests read the printed code back with real OCR.
    ("tesseract-ocr",),
    ("tesseract-ocr-eng",),
    ("qrencode",),  # the reference tool of benchmarks/bench_labels.py
    # A real PostgreSQL server, started by the hub's tests on loopback (initdb, pg_ctl).
    ("postgresql",),
    ("desktop-file-utils",),  # desktop-file-validate, on the packaged app's menu entry
]

# What `python3 packaging/build.py` needs besides the runtime packages (the packaged app and
# its offline installer).
BUILD_PACKAGES: list[tuple[str, ...]] = [
    ("binutils",),  # objdump and objcopy: PyInstaller reads and writes the ELF files with them
    ("apt",),  # apt-get download and apt-cache: the .deb packages of the offline installer
    # `build.py --test-install`: a fresh Debian 12 root to install the archive into, with no
    # network but loopback (ip), and the certificate it issues read back (pdftotext).
    ("debootstrap",),
    ("iproute2",),
    ("poppler-utils",),
]


def say(message: str) -> None:
    print(f"[établi] {message}", flush=True)


def run(cmd: list[str], **kwargs: object) -> None:
    subprocess.run(cmd, check=True, **kwargs)  # type: ignore[call-overload]


def dpkg_installed(name: str) -> bool:
    result = subprocess.run(
        ["dpkg-query", "-W", "-f=${Status}", name], capture_output=True, text=True
    )
    return result.returncode == 0 and "install ok installed" in result.stdout


def apt_known(name: str) -> bool:
    result = subprocess.run(["apt-cache", "policy", name], capture_output=True, text=True)
    return "Candidate:" in result.stdout and "Candidate: (none)" not in result.stdout


def ensure_system_packages(groups: list[tuple[str, ...]]) -> None:
    if shutil.which("dpkg-query") is None or shutil.which("apt-get") is None:
        say("not a Debian/Ubuntu system: install Qt 6's runtime libraries by hand")
        return
    if not _has_ensurepip():
        groups = [("python3-venv",), *groups]
    missing = [g for g in groups if not any(dpkg_installed(n) for n in g)]
    if not missing:
        return
    sudo: list[str] = []
    if os.geteuid() != 0:
        if shutil.which("sudo") is None:
            names = " ".join(g[0] for g in missing)
            raise SystemExit(f"[établi] as root, run: apt-get install -y {names}")
        sudo = ["sudo"]
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    say("installing system packages: " + " ".join(g[0] for g in missing))
    run([*sudo, "apt-get", "update", "-qq"], env=env)
    chosen = [next((n for n in group if apt_known(n)), group[-1]) for group in missing]
    run([*sudo, "apt-get", "install", "-y", "-qq", "--no-install-recommends", *chosen], env=env)


def _has_ensurepip() -> bool:
    probe = subprocess.run([sys.executable, "-c", "import ensurepip, venv"], capture_output=True)
    return probe.returncode == 0


def venv_python() -> Path:
    return VENV / "bin" / "python"


def ensure_venv() -> None:
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if venv_python().exists() and STAMP.exists() and STAMP.read_text() == wanted:
        return
    if not venv_python().exists():
        say(f"creating {VENV.relative_to(ROOT)}")
        run([sys.executable, "-m", "venv", str(VENV)])
    say("installing Établi and its test tools into the virtual environment")
    pip = [str(venv_python()), "-m", "pip", "--disable-pip-version-check", "-q"]
    run([*pip, "install", "--upgrade", "pip"])
    # The `package` extra (PyInstaller) too: the packaging tests build the app.
    run([*pip, "install", "-e", f"{ROOT}[test,package]"])
    STAMP.write_text(wanted)


def compile_translations() -> None:
    run([str(venv_python()), str(ROOT / "packaging" / "i18n.py"), "compile"])


def start(args: list[str]) -> int:
    ensure_system_packages(RUNTIME_PACKAGES)
    ensure_venv()
    compile_translations()
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        say("no screen found (DISPLAY is not set): start Établi from a desktop session")
    return subprocess.call([str(VENV / "bin" / "etabli"), *args])


def test_workers(args: list[str]) -> list[str]:
    """pytest-xdist's options: one worker more than the cores (many tests wait on a phone,
    a process or a socket rather than compute), each test file kept on one worker (its
    module fixtures built once). None when the caller chose (`-n`) or runs one file."""
    if any(a.startswith(("-n", "--numprocesses")) or a.endswith("no:xdist") for a in args):
        return []
    if any(a.startswith("tests/") or a.endswith(".py") for a in args):
        return []
    return ["-n", str((os.cpu_count() or 1) + 1), "--dist", "loadfile"]


def test(args: list[str]) -> int:
    ensure_system_packages(RUNTIME_PACKAGES + TEST_PACKAGES + BUILD_PACKAGES)
    ensure_venv()
    compile_translations()
    bin_dir = VENV / "bin"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONDONTWRITEBYTECODE="1")
    workers = test_workers(args)
    steps = [
        ("ruff check", [str(bin_dir / "ruff"), "check", "."]),
        ("ruff format", [str(bin_dir / "ruff"), "format", "--check", "."]),
        ("mypy", [str(bin_dir / "mypy")]),
        ("pytest", [str(venv_python()), "-m", "pytest", "-ra", "--durations=25", *workers, *args]),
    ]
    for name, cmd in steps:
        say(f"{name}…")
        code = subprocess.call(cmd, cwd=ROOT, env=env)
        if code != 0:
            say(f"{name} failed (exit {code})")
            return code
    return 0


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] not in ("run", "test"):
        print(__doc__)
        return 2
    action, rest = sys.argv[1], sys.argv[2:]
    os.chdir(ROOT)
    return start(rest) if action == "run" else test(rest)


if __name__ == "__main__":
    raise SystemExit(main())
