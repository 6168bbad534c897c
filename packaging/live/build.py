"""Builds the Établi stick: a Debian 12 live image (BIOS and UEFI, iso-hybrid to write with dd)
that boots a donated laptop straight into the laptop agent, in French, with no desktop.

    sudo python3 packaging/live/build.py [--images DIR] [--out FILE]

Debian's own live-build does the work (apt-get install live-build). The live-build config is
generated in a work folder (default build/live, its package cache kept between builds) from
`lb config` options below and the tree under packaging/live/config/: package list, the hook
that installs this checkout and its PyPI dependencies into /opt/etabli/venv inside the image,
the agent's systemd unit and launcher, the wired network, the French console. Needs Debian's
mirror and PyPI; takes 20 to 40 minutes on two cores. See docs/live-stick.md."""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
CONFIG = HERE / "config"
PACKAGE_LIST = CONFIG / "package-lists" / "etabli.list.chroot"
DEFAULT_WORK = ROOT / "build" / "live"
DEFAULT_OUT = ROOT / "dist" / "etabli-live-amd64.iso"
DEFAULT_MIRROR = "http://deb.debian.org/debian/"
# deb.debian.org also serves the security updates (security.debian.org is not always reachable).
DEFAULT_SECURITY_MIRROR = "http://deb.debian.org/debian-security/"
# Kernel command line: live-config sets the French locale, AZERTY keymap and Paris time;
# loglevel=3 keeps kernel warnings off the agent's console.
BOOT_APPEND = (
    "boot=live components quiet loglevel=3 locales=fr_FR.UTF-8 keyboard-layouts=fr "
    "keyboard-variants=latin9 timezone=Europe/Paris"
)
# What the image takes on the stick without the system images (measured: see the docs).
BASE_IMAGE_BYTES = 1_200_000_000
# Debian 12's Python, the one in the image: the wheels are fetched for it.
IMAGE_PYTHON = (3, 11)
# Folders of the checkout never copied into the image.
SKIP_DIRS = {
    ".git",
    ".venv",
    "venv",
    "build",
    "dist",
    "__pycache__",
    ".mypy_cache",
    ".ruff_cache",
    ".pytest_cache",
    ".hypothesis",
    "node_modules",
}
# Where the workshop's laptop images go on the stick (read-only, at /run/live/medium/...).
IMAGES_ON_MEDIUM = "etabli-images"


def lb_config_args(mirror: str, security_mirror: str = DEFAULT_SECURITY_MIRROR) -> list[str]:
    """The `lb config` options of the Établi stick."""
    return [
        *("--distribution", "bookworm"),
        *("--architectures", "amd64"),
        *("--archive-areas", "main contrib non-free-firmware"),
        *("--binary-images", "iso-hybrid"),
        # syslinux starts it on BIOS, GRUB on UEFI (with Debian's signed shim: Secure Boot)
        *("--bootloaders", "syslinux,grub-efi"),
        *("--uefi-secure-boot", "enable"),
        *("--debian-installer", "none"),
        *("--memtest", "none"),
        *("--win32-loader", "false"),
        # only the firmware the package list names (network chips), not every firmware package
        *("--firmware-chroot", "false"),
        *("--firmware-binary", "false"),
        *("--apt-recommends", "false"),
        *("--security", "true"),
        *("--updates", "true"),
        # zstd: about as small as gzip and several times faster than xz on two cores
        *("--chroot-squashfs-compression-type", "zstd"),
        *("--cache-packages", "true"),
        *("--checksums", "sha256"),
        *("--zsync", "false"),
        *("--mirror-bootstrap", mirror),
        *("--mirror-chroot", mirror),
        *("--mirror-binary", mirror),
        *("--mirror-chroot-security", security_mirror),
        *("--mirror-binary-security", security_mirror),
        *("--iso-application", "Etabli"),
        *("--iso-volume", "ETABLI"),
        *("--image-name", "etabli-live"),
        *("--bootappend-live", BOOT_APPEND),
    ]


def package_list() -> list[str]:
    """The Debian packages the image installs (comments and blank lines left out)."""
    names = []
    for line in PACKAGE_LIST.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            names.append(line)
    return names


def project_files(root: Path = ROOT) -> Iterator[Path]:
    """The checkout's files copied into the image (relative paths), caches and builds left out."""
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.endswith(".egg-info"))
        for name in sorted(files):
            if name.endswith((".pyc", ".iso", ".qm")):
                continue
            yield (Path(folder) / name).relative_to(root)


def images_fit(images: Sequence[Path], stick_bytes: int) -> bool:
    """Whether the system images fit on the stick next to the live system (5 % kept free)."""
    total = sum(p.stat().st_size for p in images)
    return BASE_IMAGE_BYTES + total <= stick_bytes * 0.95


def say(fr: str, en: str) -> None:
    print(f"{fr}\n  ({en})", flush=True)


def prepare(
    work: Path, mirror: str, security_mirror: str, images_dir: Path | None, stick_gb: float
) -> None:
    """Writes the live-build config in `work` (its package cache kept from a previous build)."""
    work.mkdir(parents=True, exist_ok=True)
    if (work / "config").exists():
        subprocess.run(["lb", "clean"], cwd=work, check=True)
        shutil.rmtree(work / "config")
    subprocess.run(["lb", "config", *lb_config_args(mirror, security_mirror)], cwd=work, check=True)
    shutil.copytree(CONFIG, work / "config", dirs_exist_ok=True, symlinks=True)
    src = work / "config" / "includes.chroot" / "opt" / "etabli" / "src"
    for rel in project_files():
        target = src / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / rel, target, follow_symlinks=False)
    wheelhouse(work / "config" / "includes.chroot" / "opt" / "etabli" / "wheels")
    if images_dir is None:
        return
    images = sorted(p for p in images_dir.iterdir() if p.is_file())
    if not images_fit(images, int(stick_gb * 1e9)):
        say(
            f"Les images système ne tiennent pas sur une clé de {stick_gb:g} Go : clé sans images.",
            f"The system images do not fit on a {stick_gb:g} GB stick: stick built without them.",
        )
        return
    on_medium = work / "config" / "includes.binary" / IMAGES_ON_MEDIUM
    on_medium.mkdir(parents=True, exist_ok=True)
    for image in images:
        shutil.copy2(image, on_medium / image.name)
    say(
        f"{len(images)} image(s) système ajoutée(s) à la clé.",
        f"{len(images)} system image(s) added to the stick.",
    )


def wheelhouse(dest: Path) -> None:
    """Downloads (or builds) the wheels of the project's PyPI dependencies into `dest`, for the
    image's Python 3.11: with this machine's pip and its settings (index, proxy, certificates),
    which the build chroot does not have. The hook installs them with no network."""
    dest.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            *(sys.executable, "-m", "pip", "wheel", "--quiet", "--disable-pip-version-check"),
            *("--wheel-dir", str(dest), str(ROOT), "setuptools>=68", "wheel"),
        ],
        check=True,
    )
    for built in dest.glob("etabli-*.whl"):
        built.unlink()  # the image installs the checkout itself (editable, with its data files)


def build(work: Path, out: Path) -> int:
    """Runs `lb build` at low priority, its log in work/build.log; the ISO moved to `out`."""
    log = work / "build.log"
    with log.open("wb") as sink:
        proc = subprocess.Popen(
            ["nice", "-n", "19", "lb", "build"],
            cwd=work,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        assert proc.stdout is not None
        for line in proc.stdout:
            sink.write(line)
            sys.stdout.buffer.write(line)
            sys.stdout.buffer.flush()
        code = proc.wait()
    iso = work / "etabli-live-amd64.hybrid.iso"
    if code != 0 or not iso.exists():
        say(
            f"La construction a échoué (code {code}) : voir {log}.",
            f"The build failed (code {code}): see {log}.",
        )
        return code or 1
    out.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(iso, out)
    return 0


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="packaging/live/build.py",
        description=(
            "Construit la clé Établi (image Debian 12 live, BIOS et UEFI) qui démarre un "
            "portable sur l’agent Établi. / Builds the Établi stick (Debian 12 live image, "
            "BIOS and UEFI) that boots a laptop into the Établi agent."
        ),
    )
    p.add_argument(
        "--images",
        type=Path,
        metavar="DIR",
        help="images système des portables à mettre sur la clé s’il y a la place "
        "(laptop system images to carry when they fit)",
    )
    p.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        metavar="FILE",
        help=f"fichier ISO produit (the ISO written; défaut/default: {DEFAULT_OUT.relative_to(ROOT)})",
    )
    p.add_argument(
        "--work",
        type=Path,
        default=DEFAULT_WORK,
        metavar="DIR",
        help=f"dossier de travail de live-build, cache gardé (work folder; défaut/default: "
        f"{DEFAULT_WORK.relative_to(ROOT)})",
    )
    p.add_argument(
        "--mirror",
        default=DEFAULT_MIRROR,
        metavar="URL",
        help=f"miroir Debian (Debian mirror; défaut/default: {DEFAULT_MIRROR})",
    )
    p.add_argument(
        "--security-mirror",
        default=DEFAULT_SECURITY_MIRROR,
        metavar="URL",
        help=f"miroir des mises à jour de sécurité (security mirror; défaut/default: "
        f"{DEFAULT_SECURITY_MIRROR})",
    )
    p.add_argument(
        "--stick-size",
        type=float,
        default=8.0,
        metavar="GB",
        help="taille de la clé visée, pour savoir si les images tiennent (target stick size; "
        "défaut/default: 8)",
    )
    return p.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if sys.version_info[:2] != IMAGE_PYTHON:
        say(
            "Lancez-le avec Python 3.11 (celui de Debian 12, comme dans l’image) : les paquets "
            "Python de l’image sont préparés par ce Python-là.",
            "Run it with Python 3.11 (Debian 12's, as in the image): the image's Python "
            "packages are prepared by this interpreter.",
        )
        return 2
    if os.geteuid() != 0:
        say(
            "live-build doit être lancé en root : sudo python3 packaging/live/build.py",
            "live-build must run as root: sudo python3 packaging/live/build.py",
        )
        return 2
    if shutil.which("lb") is None:
        say(
            "live-build manque : sudo apt-get install live-build",
            "live-build is missing: sudo apt-get install live-build",
        )
        return 2
    if args.images is not None and not args.images.is_dir():
        say(f"Dossier d’images introuvable : {args.images}", f"No such folder: {args.images}")
        return 2
    started = time.monotonic()
    work = args.work.resolve()
    prepare(work, args.mirror, args.security_mirror, args.images, args.stick_size)
    code = build(work, args.out.resolve())
    if code == 0:
        size = args.out.stat().st_size
        minutes = (time.monotonic() - started) / 60
        say(
            f"Clé prête : {args.out} ({size / 1e6:.0f} Mo, {minutes:.0f} min).",
            f"Stick image ready: {args.out} ({size / 1e6:.0f} MB, {minutes:.0f} min).",
        )
        say(
            f"À écrire sur la clé : sudo dd if={args.out} of=/dev/sdX bs=4M conv=fsync status=progress",
            f"Write it: sudo dd if={args.out} of=/dev/sdX bs=4M conv=fsync status=progress",
        )
    return code


if __name__ == "__main__":
    sys.exit(main())
