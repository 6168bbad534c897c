"""The station's offline library of ROM, recovery and laptop images, each with its sha256.

Layout, all inside DATA/images/:
    index.json                 what the library holds (written atomically, never half)
    files/<sha256>/<file name> the images, read-only, named by content so two builds
                               with the same file name never collide
    .incoming/*.part           copies in progress; swept away when the library opens

An image is imported only when its checksum is known beforehand: from a manifest beside it
(SHA256SUMS, <name>.sha256) or from a device profile. The copy is hashed while it is written;
a mismatch, a short read or an unplugged stick leaves nothing behind.

`verified_path()` re-hashes the whole file right before every use. A cache keyed by size,
mtime and inode was considered and rejected: it cannot see a bit flipped on a tired disk or
a file rewritten with its old mtime, and the cost is small next to flashing: 300-460 MiB/s
measured here (2 cores, file in page cache; 4.3-4.7x the speed of coreutils' sha256sum on the
same file), so 3-4 s for a 1.2 GB LineageOS zip that then takes minutes to sideload. Stored
files are also made read-only so a slip of the hand cannot alter one.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import secrets
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

from bench_app.errors import BenchError
from bench_app.input_files import (
    INDEX_MAX,
    MANIFEST_MAX,
    is_decodable,
    open_input,
    parse_json,
    read_input_text,
    shown,
)
from bench_app.profiles.loader import ProfileSet
from bench_app.profiles.model import DeviceProfile, ImageRef

LIBRARY_FOLDER = "images"
INDEX_NAME = "index.json"
CHUNK = 4 * 1024 * 1024
# Files worth importing even when no manifest names them (they are then refused, with why).
IMAGE_SUFFIXES = (".zip", ".img", ".iso", ".raw", ".xz", ".gz", ".zst", ".bz2", ".tar", ".bin")
MANIFEST_NAMES = ("sha256sums", "sha256sums.txt")
MANIFEST_SUFFIXES = (".sha256", ".sha256sum")
# A checksum file (at most input_files.MANIFEST_MAX) is read line by line, never whole.
# A checksum, a separator and a file name (PATH_MAX is 4096 bytes): longer lines are skipped.
MANIFEST_LINE_MAX = 8 * 1024
MANIFEST_BLOCK = 256 * 1024
_HEX64 = re.compile(r"^[0-9a-fA-F]{64}$")
# Matched against stripped lines: no lazy name followed by optional spaces (quadratic).
_GNU_LINE = re.compile(r"^([0-9a-fA-F]{64})\s+\*?(.+)$")
_BSD_LINE = re.compile(r"^SHA256\s*\((.+)\)\s*=\s*([0-9a-fA-F]{64})\s*$")

Progress = Callable[[int, int], None]  # (bytes done, bytes in all)


@dataclass(frozen=True)
class ImageEntry:
    """One image in the library."""

    file: str  # its file name as published
    sha256: str
    size: int
    kind: str  # rom, recovery, ... from a profile; laptop or unknown otherwise
    checksum_source: str  # the manifest or profile its checksum came from
    imported_at: str
    imported_from: str
    relpath: str  # inside DATA/images/

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ImageEntry:
        return cls(**{k: data[k] for k in cls.__dataclass_fields__})


@dataclass
class ImportReport:
    """What an import did: imported, already there, refused (with the reason), ignored."""

    imported: list[ImageEntry] = field(default_factory=list)
    already_present: list[ImageEntry] = field(default_factory=list)
    refused: list[tuple[Path, BenchError]] = field(default_factory=list)
    ignored: list[Path] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.refused


@dataclass(frozen=True)
class _Expected:
    sha256: str
    source: str
    kind: str


class ImageLibrary:
    """The verified image library of one station data folder."""

    def __init__(self, data_dir: Path, profiles: ProfileSet | None = None) -> None:
        self.root = data_dir / LIBRARY_FOLDER
        self.profiles = profiles
        self._index_path = self.root / INDEX_NAME
        self._incoming = self.root / ".incoming"
        self._sweep()

    # ----- reading -------------------------------------------------------------------------

    def entries(self) -> list[ImageEntry]:
        """Every image in the library, oldest import first."""
        if not self._index_path.exists() and not self._index_path.is_symlink():
            return []
        try:
            raw = parse_json(read_input_text(self._index_path, limit=INDEX_MAX))
            return [ImageEntry.from_json(e) for e in raw["images"]]
        except (OSError, ValueError, KeyError, TypeError, RecursionError) as exc:
            raise BenchError(
                "SETTINGS_INVALID", path=str(self._index_path), detail=str(exc)
            ) from exc

    def find(self, key: str) -> ImageEntry | None:
        """The entry with this sha256 (64 hex digits), else this exact file name, else the
        newest one whose file name matches the wildcards in `key`."""
        entries = self.entries()
        if _HEX64.match(key):
            return next((e for e in entries if e.sha256 == key.lower()), None)
        exact = [e for e in entries if e.file == key]
        if exact:
            return exact[-1]
        pattern = ImageRef("", key, None, "other")
        matching = [e for e in entries if pattern.matches_file(e.file)]
        return matching[-1] if matching else None

    def find_ref(self, ref: ImageRef, codename: str | None = None) -> ImageEntry | None:
        """The library's copy of a profile's image: by its published sha256 when the profile
        has one, else by file name (the manifest imported with it is the source of truth).
        A generic name without the codename in it (boot.img, dtbo.img) only matches an image
        imported from a folder named after that codename (USB/sargo/boot.img)."""
        if ref.sha256:
            return self.find(ref.sha256)
        matching = [e for e in self.entries() if ref.matches_file(e.file)]
        if codename and codename.lower() not in ref.file.lower():
            matching = [e for e in matching if _from_folder(e, codename)]
        return matching[-1] if matching else None

    def missing_for(self, profile: DeviceProfile, os_id: str) -> list[ImageRef]:
        """The images this system needs that the library does not hold."""
        system = profile.os(os_id)
        if system is None:
            raise BenchError("PROFILE_UNKNOWN", codename=f"{profile.codename}/{os_id}")
        return [ref for ref in system.images if self.find_ref(ref, profile.codename) is None]

    def path_of(self, entry: ImageEntry) -> Path:
        return self.root / entry.relpath

    def verified_path(
        self, ref: ImageRef | str, progress: Progress | None = None, *, codename: str | None = None
    ) -> Path:
        """The path of an image (a profile's ImageRef, with the phone's codename for generic
        file names; or a sha256 / file name) after re-hashing it completely, right now. Raises
        IMAGE_MISSING when the library lacks it and IMAGE_CHECKSUM_MISMATCH when the file no
        longer matches (or is not the one the profile publishes): it must not be flashed."""
        if isinstance(ref, str):
            entry = self.find(ref)
            name = ref
        else:
            entry = self.find_ref(ref, codename)
            name = ref.file
            if entry is None and ref.sha256:
                same_name = self.find(ref.file)
                if same_name is not None:
                    raise BenchError(
                        "IMAGE_CHECKSUM_MISMATCH",
                        name=ref.file,
                        expected=ref.sha256[:16],
                        found=same_name.sha256[:16],
                    )
        if entry is None:
            raise BenchError("IMAGE_MISSING", name=name)
        path = self.path_of(entry)
        try:
            found = hash_file(path, progress)
        except OSError as exc:
            raise BenchError("IMAGE_MISSING", name=f"{entry.file} ({exc.strerror})") from exc
        if found != entry.sha256:
            raise BenchError(
                "IMAGE_CHECKSUM_MISMATCH",
                name=entry.file,
                expected=entry.sha256[:16],
                found=found[:16],
            )
        return path

    # ----- importing -----------------------------------------------------------------------

    def import_folder(
        self,
        source: Path,
        *,
        allow_unchecked: bool = False,
        progress: Callable[[str, int, int], None] | None = None,
    ) -> ImportReport:
        """Copies every image of `source` (a folder or a mounted USB stick, searched
        recursively) into the library. Each is hashed while copied and kept only when it
        matches the checksum published beside it or in a profile. `allow_unchecked` accepts
        images with no known checksum, recording the hash computed at import."""
        report = ImportReport()
        if not source.is_dir():
            raise BenchError(
                "IMAGE_IMPORT_FAILED", name=str(source), detail="not a folder that can be read"
            )
        try:
            files = sorted(p for p in source.rglob("*") if p.is_file() and not _hidden(p, source))
        except OSError as exc:
            raise BenchError("IMAGE_IMPORT_FAILED", name=str(source), detail=str(exc)) from exc
        expected, conflicts, unreadable = self._expected_checksums(files)
        report.refused.extend(unreadable)
        for path in files:
            if _is_manifest(path):
                continue
            relative = os.fspath(path.relative_to(source))
            if not is_decodable(relative):
                # Its name could be neither shown nor kept in the index: refused, not copied.
                report.refused.append((path, BenchError("TEXT_UNDECODABLE", text=shown(relative))))
                continue
            if path in conflicts:
                report.refused.append(
                    (
                        path,
                        BenchError("IMAGE_IMPORT_FAILED", name=path.name, detail=conflicts[path]),
                    )
                )
                continue
            want = expected.get(path)
            if want is None and not path.name.lower().endswith(IMAGE_SUFFIXES):
                report.ignored.append(path)
                continue
            if want is None and not allow_unchecked:
                report.refused.append((path, BenchError("IMAGE_NO_CHECKSUM", name=path.name)))
                continue
            if want is not None:
                present = self.find(want.sha256)
                if present is not None and self.path_of(present).exists():
                    report.already_present.append(present)
                    continue
            try:
                entry = self._import_one(source, path, want, progress)
            except BenchError as exc:
                report.refused.append((path, exc))
                continue
            report.imported.append(entry)
        return report

    def _expected_checksums(
        self, files: list[Path]
    ) -> tuple[dict[Path, _Expected], dict[Path, str], list[tuple[Path, BenchError]]]:
        """The checksum each image must have, the images given two different ones, and the
        checksum files that could not be read (far too large, or not a file)."""
        expected: dict[Path, _Expected] = {}
        conflicts: dict[Path, str] = {}
        unreadable: list[tuple[Path, BenchError]] = []
        present = set(files)

        def claim(path: Path, sha: str, source: str, kind: str) -> None:
            sha = sha.lower()
            known = expected.get(path)
            if known is not None and known.sha256 != sha:
                conflicts[path] = f"{known.source} and {source} give different checksums"
                return
            if known is None:
                expected[path] = _Expected(sha, source, kind)

        for manifest in (p for p in files if _is_manifest(p)):
            try:
                listed = _read_manifest(manifest, present)
            except BenchError as exc:
                unreadable.append((manifest, exc))
                continue
            for target, sha in listed:
                claim(target, sha, shown(manifest.name), "unknown")
        for path in files:
            ref = self._profile_ref(path.name)
            if ref is None:
                continue
            codename, image = ref
            if image.sha256:
                claim(path, image.sha256, f"profile {codename}", image.kind)
            elif path in expected:
                known = expected[path]
                expected[path] = _Expected(known.sha256, known.source, image.kind)
        return expected, conflicts, unreadable

    def _profile_ref(self, file_name: str) -> tuple[str, ImageRef] | None:
        if self.profiles is None:
            return None
        for profile in self.profiles:
            for system in profile.operating_systems:
                for ref in system.images:
                    if ref.matches_file(file_name):
                        return profile.codename, ref
        return None

    def _import_one(
        self,
        source: Path,
        path: Path,
        want: _Expected | None,
        progress: Callable[[str, int, int], None] | None,
    ) -> ImageEntry:
        self._incoming.mkdir(parents=True, exist_ok=True)
        part = self._incoming / f"{secrets.token_hex(8)}.part"
        try:
            sha, size = _copy_hashing(path, part, progress)
            if want is not None and sha != want.sha256:
                raise BenchError(
                    "IMAGE_CHECKSUM_MISMATCH",
                    name=path.name,
                    expected=want.sha256[:16],
                    found=sha[:16],
                )
            final_dir = self.root / "files" / sha
            final_dir.mkdir(parents=True, exist_ok=True)
            final = final_dir / path.name
            was_there = final.exists()
            os.chmod(part, 0o444)
            os.replace(part, final)
            _fsync_dir(final_dir)
        except OSError as exc:
            raise BenchError(
                "IMAGE_IMPORT_FAILED", name=path.name, detail=exc.strerror or str(exc)
            ) from exc
        finally:
            with contextlib.suppress(FileNotFoundError):
                part.unlink()
        entry = ImageEntry(
            file=path.name,
            sha256=sha,
            size=size,
            kind=want.kind if want and want.kind != "unknown" else _guess_kind(path.name),
            checksum_source=want.source if want else "computed at import (no published checksum)",
            imported_at=datetime.now(UTC).isoformat(timespec="seconds"),
            imported_from=str(path.relative_to(source)),
            relpath=(final.relative_to(self.root)).as_posix(),
        )
        try:
            with self._locked():
                entries = [e for e in self.entries() if e.relpath != entry.relpath]
                entries.append(entry)
                self._write_index(entries)
        except BaseException:
            # A copy the index does not list would be an orphan nobody sees: take it back.
            if not was_there:
                with contextlib.suppress(OSError):
                    final.unlink()
                    final_dir.rmdir()
            raise
        return entry

    # ----- housekeeping --------------------------------------------------------------------

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        # One writer of the index at a time, even across processes (GUI and CLI).
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / ".lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            yield

    def _write_index(self, entries: list[ImageEntry]) -> None:
        tmp = self._index_path.with_suffix(".json.tmp")
        data = {"version": 1, "images": [e.to_json() for e in entries]}
        try:
            with open(tmp, "w", encoding="utf-8") as out:
                json.dump(data, out, indent=2, ensure_ascii=False)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, self._index_path)
        except BaseException:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise
        _fsync_dir(self.root)

    def _sweep(self) -> None:
        # Copies cut short by a crash or a pulled stick never count as imported.
        if self._incoming.is_dir():
            for part in self._incoming.glob("*.part"):
                with contextlib.suppress(OSError):
                    part.unlink()


def hash_file(path: Path, progress: Progress | None = None) -> str:
    """The sha256 of a file, read in 4 MiB chunks."""
    digest = hashlib.sha256()
    with open_input(path) as src:
        total = os.fstat(src.fileno()).st_size
        done = 0
        while chunk := src.read(CHUNK):
            digest.update(chunk)
            done += len(chunk)
            if progress is not None:
                progress(done, total)
    return digest.hexdigest()


def _copy_hashing(
    src_path: Path, dest: Path, progress: Callable[[str, int, int], None] | None
) -> tuple[str, int]:
    digest = hashlib.sha256()
    with open_input(src_path) as src:
        total = os.fstat(src.fileno()).st_size
        fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        with os.fdopen(fd, "wb") as out:
            done = 0
            while chunk := src.read(CHUNK):
                digest.update(chunk)
                out.write(chunk)
                done += len(chunk)
                if progress is not None:
                    progress(src_path.name, done, total)
            out.flush()
            os.fsync(out.fileno())
    if done != total:
        raise BenchError(
            "IMAGE_IMPORT_FAILED",
            name=src_path.name,
            detail=f"only {done} of {total} bytes could be read (stick unplugged?)",
        )
    return digest.hexdigest(), done


def _read_manifest(manifest: Path, present: set[Path]) -> list[tuple[Path, str]]:
    """The (image, sha256) pairs a checksum file lists for the files in `present` (the others
    cannot be imported from here, so they are not kept). Read by blocks: memory stays
    small whatever the file holds. BenchError IMAGE_MANIFEST_TOO_LARGE past MANIFEST_MAX."""
    found: list[tuple[Path, str]] = []
    try:
        with open_input(manifest) as f:  # a regular file: never a FIFO or /dev/zero
            size = os.fstat(f.fileno()).st_size
            if size > MANIFEST_MAX:
                raise _manifest_too_large(manifest, size)
            bare_hash_file = manifest.suffix.lower() in MANIFEST_SUFFIXES
            for line in _manifest_lines(f, manifest):
                if bare_hash_file:
                    words = line.split()
                    if len(words) == 1 and _HEX64.match(words[0]):
                        # "X.img.sha256" holding only the hash: it is the checksum of X.img.
                        image = manifest.with_suffix("")
                        return [(image, words[0])] if image in present else []
                    bare_hash_file = False  # only its first line may be a bare hash
                if len(line) < 66:
                    continue  # shorter than a checksum, a space and a name: a comment
                gnu = _GNU_LINE.match(line)
                bsd = _BSD_LINE.match(line)
                if gnu:
                    sha, name = gnu.group(1), gnu.group(2)
                elif bsd:
                    name, sha = bsd.group(1), bsd.group(2)
                else:
                    continue  # signatures, comments, blank armour lines
                target = manifest.parent / Path(name.removeprefix("./"))
                if target in present:
                    found.append((target, sha))
    except OSError:
        return []
    return found


def _manifest_lines(f: BinaryIO, manifest: Path) -> Iterator[str]:
    """The non-blank lines of a checksum file, stripped, read by blocks; a line longer than
    any checksum line can be is skipped, never held whole."""
    read = 0
    tail = b""  # the start of a line cut by the end of a block
    overlong = False  # the line being read is already longer than MANIFEST_LINE_MAX
    first = True  # past the first line, one shorter than a checksum is not worth decoding
    while block := f.read(MANIFEST_BLOCK):
        read += len(block)
        if read > MANIFEST_MAX:  # it grew while being read
            raise _manifest_too_large(manifest, read)
        pieces = block.split(b"\n")
        pieces[0] = tail + pieces[0]
        tail = pieces.pop()
        for raw in pieces:
            if overlong:
                overlong = False  # this is the end of the overlong line
            elif len(raw) <= MANIFEST_LINE_MAX and (len(raw) >= 64 or (first and raw.strip())):
                first = False
                yield from _text_lines(raw)
        if len(tail) > MANIFEST_LINE_MAX:
            tail, overlong = b"", True
    if not overlong:
        yield from _text_lines(tail)


def _text_lines(raw: bytes) -> Iterator[str]:
    for line in raw.decode("utf-8", errors="replace").splitlines():
        if line := line.strip():
            yield line


def _manifest_too_large(manifest: Path, size: int) -> BenchError:
    return BenchError(
        "IMAGE_MANIFEST_TOO_LARGE",
        name=manifest.name,
        size=f"{size / (1024 * 1024):.1f}",
        limit=f"{MANIFEST_MAX // (1024 * 1024)}",
    )


def _from_folder(entry: ImageEntry, codename: str) -> bool:
    folders = Path(entry.imported_from).parts[:-1]
    return codename.lower() in (f.lower() for f in folders)


def _is_manifest(path: Path) -> bool:
    name = path.name.lower()
    return name in MANIFEST_NAMES or name.endswith(MANIFEST_SUFFIXES)


def _hidden(path: Path, root: Path) -> bool:
    return any(part.startswith(".") for part in path.relative_to(root).parts)


def _guess_kind(file_name: str) -> str:
    lower = file_name.lower()
    if lower.endswith((".iso", ".raw", ".xz", ".zst")):
        return "laptop"
    if "recovery" in lower:
        return "recovery"
    if lower.endswith(".zip"):
        return "rom"
    return "unknown"


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def published_checksums(folder: Path) -> dict[Path, str]:
    """The sha256 each file of `folder` (searched recursively, hidden files left out) is
    published with in a checksum file beside it (SHA256SUMS, <name>.sha256), as the
    library's import reads them. IMAGE_IMPORT_FAILED when a file is given two checksums or
    the folder cannot be read; a checksum file too large raises its own refusal."""
    try:
        files = sorted(p for p in folder.rglob("*") if p.is_file() and not _hidden(p, folder))
    except OSError as exc:
        raise BenchError("IMAGE_IMPORT_FAILED", name=str(folder), detail=str(exc)) from exc
    found: dict[Path, str] = {}
    for manifest in (p for p in files if _is_manifest(p)):
        for target, sha in _read_manifest(manifest, set(files)):
            if found.setdefault(target, sha.lower()) != sha.lower():
                detail = f"{shown(manifest.name)} gives another checksum"
                raise BenchError("IMAGE_IMPORT_FAILED", name=target.name, detail=detail)
    return found
