"""`etabli images import DIR` and `etabli verify-certificate FILE`, run as real processes on
hostile inputs (multi-GiB sparse files, /dev/zero, a FIFO, checksum files far too large or
shaped to be slow, nesting past any parser's depth, zlib bombs in a PDF's attachments, page
and object streams, 100,000 tiny objects): each ends with a plain message and its exit code,
never a traceback, and the peak resident memory of the command (pdftotext included, as it
runs under it) stays under 300 MiB, as the kernel counts it (tests/rss_probe.py)."""

from __future__ import annotations

import hashlib
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from bench_app.errors import BenchError
from bench_app.install.images import MANIFEST_MAX, ImageLibrary
from bench_app.output.certificates import verify as certificate_verify
from bench_app.output.certificates.verify import CERTIFICATE_MAX, read_certificate, verify_pdf
from bench_app.signing import Keyring, StationKey
from tests.hardening import hostile_files as hostile
from tests.hardening.hostile_files import GiB, MiB, sparse
from tests.rss_probe import run_measured

CEILING_KIB = 300 * 1024


@dataclass(frozen=True)
class Run:
    rc: int
    peak_kib: int
    err: str


def _etabli(work: Path, *args: str, timeout: float = 300) -> Run:
    """`etabli ARGS --lang en` as a real process (the data folder comes from the
    environment the autouse fixture sets), measured from outside pytest."""
    work.mkdir(parents=True, exist_ok=True)
    argv = [sys.executable, "-m", "bench_app.commands.main", *args, "--lang", "en"]
    rc, peak_kib, err = run_measured(argv, work, timeout=timeout)
    print(f"peak RSS {peak_kib / 1024:.0f} MiB: etabli {' '.join(args)}")
    return Run(rc, peak_kib, err)


def _within_bounds(run: Run) -> None:
    assert "Traceback" not in run.err, run.err
    assert run.peak_kib < CEILING_KIB, f"peak RSS {run.peak_kib // 1024} MiB"


def _ends_plainly(run: Run) -> None:
    """Exit code 1 or 2, a message, no traceback, under the ceiling."""
    assert run.rc in (1, 2), run.err
    assert run.err.strip(), "no message at all"
    _within_bounds(run)


# ----- etabli images import ---------------------------------------------------------------


def _stick(tmp_path: Path, name: str = "stick") -> Path:
    folder = tmp_path / name
    folder.mkdir()
    return folder


def _image(folder: Path, name: str = "lineage-21.0-fp4.zip", size: int = 64 * 1024) -> str:
    """A small image file; its sha256."""
    data = os.urandom(size)
    (folder / name).write_bytes(data)
    return hashlib.sha256(data).hexdigest()


def _library_files(data_dir: Path) -> list[Path]:
    root = data_dir / "images"
    return (
        [p for p in root.rglob("*") if p.is_file() and p.name != ".lock"] if root.exists() else []
    )


def test_a_multi_gib_sparse_image_is_hashed_in_chunks_then_refused_on_its_checksum(
    tmp_path: Path, data_dir: Path
) -> None:
    stick = _stick(tmp_path)
    sparse(stick / "debian-12-live.img", 2 * GiB)
    (stick / "SHA256SUMS").write_text(f"{'ab' * 32}  debian-12-live.img\n")
    run = _etabli(tmp_path / "probe", "images", "import", str(stick))
    _ends_plainly(run)
    assert run.rc == 1
    assert "REFUSED:" in run.err and "does not match its checksum" in run.err
    assert "debian-12-live.img: 100 %" in run.err  # read to its end, 4 MiB at a time
    assert _library_files(data_dir) == []  # not even a partial copy is left


def test_a_multi_gib_sparse_image_with_no_checksum_is_refused(
    tmp_path: Path, data_dir: Path
) -> None:
    stick = _stick(tmp_path)
    sparse(stick / "huge.img", 4 * GiB)
    run = _etabli(tmp_path / "probe", "images", "import", str(stick))
    _ends_plainly(run)
    assert run.rc == 1 and "No published checksum is known for huge.img" in run.err
    assert _library_files(data_dir) == []


def _lines_then_a_hole(path: Path) -> None:
    """Real checksum lines, then hundreds of MiB of hole."""
    with path.open("wb") as f:
        for i in range(10_000):
            f.write(f"{i:064x}  image-{i}.zip\n".encode())
        f.truncate(300 * MiB)


TOO_LARGE: dict[str, Callable[[Path], object]] = {
    "SHA256SUMS, one line of 512 MiB": lambda s: sparse(s / "SHA256SUMS", 512 * MiB),
    "SHA256SUMS, lines then 300 MiB of hole": lambda s: _lines_then_a_hole(s / "SHA256SUMS"),
    "a .sha256 file of 4 GiB of zeros": lambda s: sparse(
        s / "lineage-21.0-fp4.zip.sha256", 4 * GiB
    ),
}


@pytest.mark.parametrize("make", TOO_LARGE.values(), ids=TOO_LARGE.keys())
def test_a_checksum_file_far_too_large_is_refused_unread(
    tmp_path: Path, data_dir: Path, make: Callable[[Path], object]
) -> None:
    stick = _stick(tmp_path)
    _image(stick)
    make(stick)
    manifest = next(p for p in stick.iterdir() if "sha256" in p.name.lower())
    run = _etabli(tmp_path / "probe", "images", "import", str(stick))
    _ends_plainly(run)
    assert run.rc == 1
    assert f"REFUSED: {manifest}:" in run.err and "too large" in run.err
    assert "No published checksum is known for lineage-21.0-fp4.zip" in run.err
    assert _library_files(data_dir) == []


def _overlong_line(path: Path, sha: str) -> None:
    with path.open("wb") as f:
        f.write(b"#" * (MANIFEST_MAX - 4096) + b"\n")  # one line of almost 16 MiB
        f.write(f"{sha}  lineage-21.0-fp4.zip\n".encode())


def _short_lines(path: Path, sha: str) -> None:
    with path.open("wb") as f:
        f.write(b"ab\n" * ((MANIFEST_MAX - 4096) // 3))  # 5.6 million of them
        f.write(f"{sha}  lineage-21.0-fp4.zip\n".encode())


def _backtracking_lines(path: Path, sha: str) -> None:
    # A name followed by thousands of spaces and one more character, line after line: a
    # pattern with a lazy name then optional spaces backtracks quadratically on each.
    line = f"{'0' * 64}  x{' ' * 7900}y\n".encode()
    with path.open("wb") as f:
        f.write(line * ((MANIFEST_MAX - 4096) // len(line)))
        f.write(f"{sha}  lineage-21.0-fp4.zip\n".encode())


UNDER_THE_CAP: dict[str, Callable[[Path, str], None]] = {
    "one line of almost 16 MiB": _overlong_line,
    "5.6 million short lines": _short_lines,
    "lines that make a regex backtrack": _backtracking_lines,
}


@pytest.mark.parametrize("make", UNDER_THE_CAP.values(), ids=UNDER_THE_CAP.keys())
def test_a_hostile_checksum_file_under_the_cap_is_read_in_bounded_pieces(
    tmp_path: Path, data_dir: Path, make: Callable[[Path, str], None]
) -> None:
    stick = _stick(tmp_path)
    sha = _image(stick)
    make(stick / "SHA256SUMS", sha)
    assert (stick / "SHA256SUMS").stat().st_size <= MANIFEST_MAX
    run = _etabli(tmp_path / "probe", "images", "import", str(stick), timeout=120)
    _within_bounds(run)
    assert run.rc == 0, run.err  # the real line after the hostile ones is still found
    entries = ImageLibrary(data_dir).entries()
    assert [(e.file, e.sha256, e.checksum_source) for e in entries] == [
        ("lineage-21.0-fp4.zip", sha, "SHA256SUMS")
    ]


def test_a_deeply_nested_library_index_is_refused_with_its_path(
    tmp_path: Path, data_dir: Path
) -> None:
    stick = _stick(tmp_path)
    sha = _image(stick)
    (stick / "SHA256SUMS").write_text(f"{sha}  lineage-21.0-fp4.zip\n")
    index = data_dir / "images" / "index.json"
    index.parent.mkdir(parents=True)
    index.write_bytes(hostile.deep_json(4_000_000))
    run = _etabli(tmp_path / "probe", "images", "import", str(stick))
    _ends_plainly(run)
    assert run.rc == 2
    assert f"The settings file {index} cannot be read" in run.err


def test_deeply_nested_yaml_and_json_neither_stop_nor_swell_an_import(
    tmp_path: Path, data_dir: Path
) -> None:
    stick = _stick(tmp_path)
    sha = _image(stick)
    (stick / "lineage-21.0-fp4.zip.sha256").write_text(f"{sha}\n")
    # Beside the images, manifests in formats the import does not read: left alone.
    (stick / "manifest.json").write_bytes(hostile.deep_json(8_000_000))
    (stick / "manifest.yaml").write_bytes(b"images: " + hostile.deep_json(8_000_000))
    # In the station's own profile folder, read by every import: reported, then skipped.
    profiles = data_dir / "device_profiles"
    profiles.mkdir(parents=True)
    # Deep, yet under the profile size cap, so that its depth is what gets it refused.
    (profiles / "deep.yaml").write_bytes(b"codename: " + hostile.deep_json(400_000) + b"\n")
    run = _etabli(tmp_path / "probe", "images", "import", str(stick))
    _within_bounds(run)
    assert run.rc == 0, run.err
    assert [e.sha256 for e in ImageLibrary(data_dir).entries()] == [sha]
    check = _etabli(tmp_path / "probe-check", "profiles", "check")
    _ends_plainly(check)
    assert check.rc == 1 and "deep.yaml" in check.err and "nested more than 64 levels" in check.err


def test_a_far_too_large_checksum_file_has_its_own_code_in_both_languages(
    tmp_path: Path, data_dir: Path
) -> None:
    stick = _stick(tmp_path)
    _image(stick)
    sparse(stick / "SHA256SUMS", MANIFEST_MAX + 1)
    report = ImageLibrary(data_dir).import_folder(stick)
    (path, error), *_ = report.refused
    assert path == stick / "SHA256SUMS"
    assert error.code == "IMAGE_MANIFEST_TOO_LARGE"
    assert "far too large (16.0 MiB; at most 16 MiB)" in error.message.en
    assert "bien trop gros (16.0 Mio ; au plus 16 Mio)" in error.message.fr
    assert [e.code for _, e in report.refused[1:]] == ["IMAGE_NO_CHECKSUM"]


# ----- etabli verify-certificate ----------------------------------------------------------


def _not_valid(run: Run, path: Path | str) -> None:
    _ends_plainly(run)
    assert run.rc == 1
    assert run.err.startswith(f"NOT VALID: {path} ")


def test_dev_zero_is_refused_without_being_read(tmp_path: Path) -> None:
    run = _etabli(tmp_path / "probe", "verify-certificate", "/dev/zero")
    _not_valid(run, "/dev/zero")


def test_a_2_gib_sparse_file_is_refused_by_its_size(tmp_path: Path) -> None:
    path = sparse(tmp_path / "huge.pdf", 2 * GiB)
    run = _etabli(tmp_path / "probe", "verify-certificate", str(path))
    _not_valid(run, path)
    assert "too large" in run.err


def test_a_fifo_is_refused_at_once_instead_of_waiting_for_a_writer(tmp_path: Path) -> None:
    fifo = tmp_path / "certificate.pdf"
    os.mkfifo(fifo)
    run = _etabli(tmp_path / "probe", "verify-certificate", str(fifo), timeout=60)
    _not_valid(run, fifo)
    assert "pipe" in run.err


@pytest.fixture
def station_key(data_dir: Path) -> StationKey:
    """The key of the test's station: the command trusts it, so files sealed with it get
    past the whole-file signature."""
    return StationKey.load_or_create(data_dir)


SEALED: dict[str, tuple[Callable[[StationKey], bytes], str]] = {
    "attachment inflating to 1 GiB": (
        hostile.attachment_bomb_pdf,
        "the attached data (CERT-X.json) is larger than 8 MiB once decompressed",
    ),
    "object stream inflating to 1 GiB": (
        hostile.object_stream_bomb_pdf,
        "is not an Établi erasure certificate",
    ),
    "attachment of 48 MiB": (
        lambda key: hostile.large_attachment_pdf(key, 48 * MiB),
        "the attached data (CERT-X.json) is larger than 8 MiB",
    ),
    "attachment nested 1,000,000 deep": (
        lambda key: hostile.deep_attachment_pdf(key, 1_000_000),
        "(CERT-X.json) carries no readable Établi signature: nested too deeply",
    ),
    "100,000 tiny objects": (
        lambda key: hostile.many_objects_pdf(key, 100_000),
        "no signed data inside",
    ),
    "page stream inflating to 64 MiB of text": (
        lambda key: hostile.page_bomb_pdf(key, 64 * MiB),
        "the page does not show “CERT-HOSTILE”",  # pdftotext stopped at its memory cap
    ),
}


@pytest.mark.parametrize("make, reason", SEALED.values(), ids=SEALED.keys())
def test_a_hostile_pdf_sealed_with_a_trusted_key_is_refused_within_the_ceiling(
    tmp_path: Path, station_key: StationKey, make: Callable[[StationKey], bytes], reason: str
) -> None:
    path = tmp_path / "certificate.pdf"
    path.write_bytes(make(station_key))
    assert path.stat().st_size < 60 * MiB  # the bombs are small on disk
    run = _etabli(tmp_path / "probe", "verify-certificate", str(path))
    _not_valid(run, path)
    assert reason in run.err


def test_hostile_pdfs_from_an_unknown_key_are_refused_before_any_parsing(
    tmp_path: Path, data_dir: Path
) -> None:
    stranger = StationKey.load_or_create(tmp_path / "elsewhere")
    for name, data, reason in (
        (
            "bomb.pdf",
            hostile.attachment_bomb_pdf(stranger),
            f"is signed by key {stranger.key_id}, which this station does not know",
        ),
        ("many.pdf", hostile.many_objects_pdf(None, 100_000), "no Établi file signature"),
    ):
        path = tmp_path / name
        path.write_bytes(data)
        run = _etabli(tmp_path / f"probe-{name}", "verify-certificate", str(path))
        _not_valid(run, path)
        assert reason in run.err


def test_the_caps_have_their_code_in_both_languages(
    tmp_path: Path, station_key: StationKey, data_dir: Path
) -> None:
    ring = Keyring.for_station(data_dir)
    with pytest.raises(BenchError) as caught:
        verify_pdf(hostile.attachment_bomb_pdf(station_key, 64 * MiB), ring, "c.pdf")
    assert caught.value.code == "CERT_TOO_LARGE"
    assert "larger than 8 MiB once decompressed" in caught.value.message.en
    assert "dépassent 8 Mio une fois décompressées" in caught.value.message.fr

    path = sparse(tmp_path / "big.pdf", CERTIFICATE_MAX + 1)
    with pytest.raises(BenchError) as caught:
        read_certificate(path)
    assert caught.value.code == "CERT_TOO_LARGE"
    assert "(64.0 MiB, at most 64 MiB)" in caught.value.message.en
    assert "(64.0 Mio, au plus 64 Mio)" in caught.value.message.fr

    with pytest.raises(BenchError) as caught:
        read_certificate(Path("/dev/zero"))
    assert caught.value.code == "CERT_NOT_CERTIFICATE"
    assert "c’est un périphérique" in caught.value.message.fr


def test_the_page_text_is_read_within_its_cap_and_its_time(
    station_key: StationKey, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = hostile.page_bomb_pdf(station_key, MiB)  # sixty lines of text, drawn a few times
    text = certificate_verify.page_text(page)
    assert text is not None and "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789" in text
    monkeypatch.setattr(certificate_verify, "TEXT_MAX", len(text.encode()) - 1)
    assert certificate_verify.page_text(page) == ""  # one byte too many: none of it
    monkeypatch.undo()
    monkeypatch.setattr(certificate_verify, "TEXT_TIMEOUT", 0)
    assert certificate_verify.page_text(page) == ""  # out of time: stopped, not awaited
