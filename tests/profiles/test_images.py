"""The image library: import with checksums, refusal of corrupt or unlisted images, re-hash
before use, what each profile misses, and nothing half-imported when a copy fails."""

from __future__ import annotations

import hashlib
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench_app.commands.main import main
from bench_app.errors import BenchError
from bench_app.install.images import ImageLibrary
from bench_app.profiles import load_profiles
from tests import loops

MiB = 1024 * 1024


def blob(path: Path, size: int, seed: int = 1) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = hashlib.shake_256(f"{path.name}-{seed}".encode()).digest(size)
    path.write_bytes(data)
    return hashlib.sha256(data).hexdigest()


def leftovers(library: ImageLibrary) -> list[Path]:
    incoming = library.root / ".incoming"
    return list(incoming.iterdir()) if incoming.exists() else []


def test_import_with_sha256sums_then_verify(tmp_path: Path, data_dir: Path) -> None:
    stick = tmp_path / "stick"
    sha = blob(stick / "debian-12.iso", 3 * MiB)
    (stick / "SHA256SUMS").write_text(f"{sha}  debian-12.iso\n{'0' * 64}  absent.iso\n")
    library = ImageLibrary(data_dir)
    report = library.import_folder(stick)
    assert report.ok and [e.file for e in report.imported] == ["debian-12.iso"]
    entry = report.imported[0]
    assert entry.sha256 == sha and entry.checksum_source == "SHA256SUMS" and entry.kind == "laptop"
    path = library.verified_path("debian-12.iso")
    assert path.read_bytes() == (stick / "debian-12.iso").read_bytes()
    assert not os.access(path, os.W_OK) or os.geteuid() == 0
    assert oct(path.stat().st_mode & 0o777) == "0o444"
    assert library.find(sha) == entry and (library.root / "index.json").is_file()
    again = library.import_folder(stick)
    assert again.imported == [] and [e.file for e in again.already_present] == ["debian-12.iso"]
    assert leftovers(library) == []


def test_sha256_files_beside_images_in_both_forms(tmp_path: Path, data_dir: Path) -> None:
    stick = tmp_path / "stick"
    a = blob(stick / "a.img", MiB)
    b = blob(stick / "b.img", MiB)
    (stick / "a.img.sha256").write_text(a + "\n")
    (stick / "b.img.sha256").write_text(f"SHA256 (b.img) = {b}\n")
    report = ImageLibrary(data_dir).import_folder(stick)
    assert report.ok and sorted(e.file for e in report.imported) == ["a.img", "b.img"]


def test_a_corrupted_image_is_refused_and_nothing_is_kept(tmp_path: Path, data_dir: Path) -> None:
    stick = tmp_path / "stick"
    sha = blob(stick / "rom.zip", 2 * MiB)
    data = bytearray((stick / "rom.zip").read_bytes())
    data[MiB] ^= 0x01  # one flipped bit
    (stick / "rom.zip").write_bytes(bytes(data))
    (stick / "SHA256SUMS").write_text(f"{sha} *rom.zip\n")
    library = ImageLibrary(data_dir)
    report = library.import_folder(stick)
    assert report.imported == []
    [(path, error)] = report.refused
    assert path.name == "rom.zip" and error.code == "IMAGE_CHECKSUM_MISMATCH"
    assert library.entries() == [] and leftovers(library) == []
    assert not (library.root / "files").exists() or not any((library.root / "files").rglob("*.zip"))


def test_an_image_without_checksum_is_refused_unless_accepted(
    tmp_path: Path, data_dir: Path
) -> None:
    stick = tmp_path / "stick"
    sha = blob(stick / "mystery.img", MiB)
    (stick / "README.txt").write_text("hello")
    library = ImageLibrary(data_dir)
    report = library.import_folder(stick)
    assert [e.code for _, e in report.refused] == ["IMAGE_NO_CHECKSUM"]
    assert [p.name for p in report.ignored] == ["README.txt"]
    report = library.import_folder(stick, allow_unchecked=True)
    assert [e.sha256 for e in report.imported] == [sha]
    assert report.imported[0].checksum_source.startswith("computed at import")


def test_a_changed_file_is_never_handed_out(tmp_path: Path, data_dir: Path) -> None:
    stick = tmp_path / "stick"
    sha = blob(stick / "rom.zip", 2 * MiB)
    (stick / "rom.zip.sha256").write_text(f"{sha}  rom.zip\n")
    library = ImageLibrary(data_dir)
    assert library.import_folder(stick).ok
    stored = library.path_of(library.entries()[0])
    os.chmod(stored, 0o644)
    with open(stored, "r+b") as f:  # bit rot, keeping size and then the old mtime
        before = os.stat(stored)
        f.seek(123)
        f.write(b"\x00")
    os.utime(stored, ns=(before.st_atime_ns, before.st_mtime_ns))
    with pytest.raises(BenchError) as caught:
        library.verified_path(sha)
    assert caught.value.code == "IMAGE_CHECKSUM_MISMATCH"
    with pytest.raises(BenchError) as caught:
        library.verified_path("other.zip")
    assert caught.value.code == "IMAGE_MISSING"


def test_missing_for_a_profile_and_generic_names(tmp_path: Path, data_dir: Path) -> None:
    profiles = load_profiles()
    fp4 = profiles.require("FP4")
    library = ImageLibrary(data_dir, profiles)
    assert [r.name for r in library.missing_for(fp4, "lineageos-20")] == ["recovery", "rom"]
    stick = tmp_path / "stick"
    rom = "lineage-20.0-20240101-nightly-FP4-signed.zip"
    sums = [f"{blob(stick / 'lineageos' / 'FP4' / rom, MiB)}  {rom}"]
    sums.append(f"{blob(stick / 'lineageos' / 'FP4' / 'recovery.img', MiB)}  recovery.img")
    (stick / "lineageos" / "FP4" / "SHA256SUMS").write_text("\n".join(sums) + "\n")
    other = blob(stick / "lineageos" / "sargo" / "boot.img", MiB)
    (stick / "lineageos" / "sargo" / "boot.img.sha256").write_text(other)
    report = library.import_folder(stick)
    assert report.ok and len(report.imported) == 3
    kinds = {e.file: e.kind for e in report.imported}
    assert kinds[rom] == "rom" and kinds["recovery.img"] == "recovery"
    assert library.missing_for(fp4, "lineageos-20") == []
    # sargo's boot.img counts for sargo only; redfin (same file name) still misses it
    assert [r.name for r in library.missing_for(profiles.require("sargo"), "lineageos-20")] == [
        "rom"
    ]
    redfin = profiles.require("redfin")
    assert "recovery" in [r.name for r in library.missing_for(redfin, "lineageos-18.1")]
    system = fp4.os("lineageos-20")
    assert system is not None
    path = library.verified_path(system.image("rom"), codename="FP4")
    assert path.name == rom


def test_each_copy_is_checked_against_its_own_checksum(tmp_path: Path, data_dir: Path) -> None:
    profiles = load_profiles()
    library = ImageLibrary(data_dir, profiles)
    stick = tmp_path / "stick"
    sha = blob(stick / "x.img", MiB)
    (stick / "SHA256SUMS").write_text(f"{sha}  x.img\n")
    (stick / "copy").mkdir()
    (stick / "copy" / "x.img.sha256").write_text("f" * 64)
    (stick / "copy" / "x.img").write_bytes((stick / "x.img").read_bytes())
    report = library.import_folder(stick)
    assert [p.relative_to(stick).as_posix() for p, _ in report.refused] == ["copy/x.img"]
    assert [e.file for e in report.imported] == ["x.img"]


def test_a_copy_cut_short_leaves_nothing(tmp_path: Path, data_dir: Path) -> None:
    stick = tmp_path / "stick"
    sha = blob(stick / "big.img", 12 * MiB)
    (stick / "SHA256SUMS").write_text(f"{sha}  big.img\n")
    library = ImageLibrary(data_dir)

    def shrink(name: str, done: int, total: int) -> None:
        if done == 4 * MiB:  # the file shrinks under the copy (a half-written download)
            os.truncate(stick / "big.img", 6 * MiB)

    report = library.import_folder(stick, progress=shrink)
    [(_, error)] = report.refused
    assert error.code == "IMAGE_IMPORT_FAILED" and "only" in error.message.en
    assert library.entries() == [] and leftovers(library) == []


@pytest.fixture
def usb_stick(tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    """A real ext4 filesystem on a loop device, mounted: (mount point, backing file)."""
    backing = tmp_path / "stick.img"
    with open(backing, "wb") as f:
        f.truncate(64 * MiB)
    subprocess.run(["mkfs.ext4", "-q", str(backing)], check=True)
    loop = loops.attach(backing)
    dev = loop.dev
    mount = tmp_path / "mnt"
    mount.mkdir()
    subprocess.run(["mount", dev, str(mount)], check=True)
    try:
        yield mount, backing
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)
        loops.release(loop)


def test_a_stick_unplugged_mid_import_leaves_nothing(
    usb_stick: tuple[Path, Path], data_dir: Path
) -> None:
    mount, backing = usb_stick
    sha = blob(mount / "rom.zip", 24 * MiB)
    (mount / "rom.zip.sha256").write_text(sha)
    os.sync()
    library = ImageLibrary(data_dir)

    def unplug(name: str, done: int, total: int) -> None:
        if done == 4 * MiB:
            os.truncate(backing, 0)  # the device's blocks are gone: reads now fail with EIO
            fd = os.open(mount / "rom.zip", os.O_RDONLY)
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            os.close(fd)

    report = library.import_folder(mount, progress=unplug)
    [(_, error)] = report.refused
    assert error.code == "IMAGE_IMPORT_FAILED"
    assert "Input/output" in error.message.en
    assert library.entries() == [] and leftovers(library) == []


def test_cli_import_and_missing(
    tmp_path: Path, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stick = tmp_path / "stick"
    sha = blob(stick / "lineageos" / "sargo" / "boot.img", MiB)
    (stick / "lineageos" / "sargo" / "SHA256SUMS").write_text(f"{sha}  boot.img\n")
    blob(stick / "bad.img", MiB)
    assert main(["images", "import", str(stick), "--lang", "en"]) == 1
    captured = capsys.readouterr()
    assert "imported: boot.img" in captured.out and "REFUSED" in captured.err
    assert main(["images", "list", "--missing", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    sargo = next(line for line in out.splitlines() if line.startswith("sargo"))
    assert "boot.img" not in sargo and "lineage-20*-sargo-signed.zip" in sargo
    assert "starlte" not in out  # a phone the station cannot install misses nothing here
