"""What a bad-input example is made of, and how it is made real in an example's own folder.

A `Case` is an `etabli` command line whose items are plain text, files to make (`Made`),
or values of the seeded data folder (`Seed`), plus files of the data folder to replace
(settings.json, printers.json, a trusted key...) and extra environment variables. Cases are
plain data, so Hypothesis can draw, print and shrink them; `materialise` makes them real."""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
from dataclasses import dataclass, field, replace
from pathlib import Path

from tests.cli_bad_input.conftest import Seeded

GiB = 1 << 30


@dataclass(frozen=True)
class Made:
    """A file (or a thing standing where a file is expected) that an example makes.

    kind: missing, folder, zero (/dev/zero), null (/dev/null), fifo, bytes (`data`),
    sparse (`size` bytes of holes), loop (a symlink to itself), through-file (a path whose
    parent is a regular file), seeded (a copy of a seeded file), truncated (the seeded file
    cut to `size` bytes), flipped (the seeded file with byte `size` changed), undecodable
    (`data` in a file whose name is not UTF-8)."""

    kind: str
    name: str = "input"
    data: bytes = b""
    size: int = 0
    seeded: str = ""  # certificate.pdf, bundle.etabli or station.pub
    prefix: str = ""  # given as PREFIX + path (sqlite:///)

    def __repr__(self) -> str:  # short, for Hypothesis' report of a failing example
        data = f", {len(self.data)} bytes" if self.data else ""
        extra = f", size={self.size}" if self.size else ""
        return f"Made({self.kind}, {self.name!r}{data}{extra}{', ' + self.seeded if self.seeded else ''})"


@dataclass(frozen=True)
class Seed:
    """A value of the seeded folder: asset, laptop or lot."""

    key: str


Arg = str | Made | Seed


@dataclass(frozen=True)
class Case:
    argv: tuple[Arg, ...]
    data_files: tuple[tuple[str, Made], ...] = ()  # inside the data folder
    env: tuple[tuple[str, str], ...] = field(default=())


def make(made: Made, where: Path, seeded: Seeded) -> str:
    """Makes `made` in the folder `where` and returns its path."""
    where.mkdir(parents=True, exist_ok=True)
    path = where / made.name
    kind = made.kind
    if kind == "missing":
        return str(path)
    if kind == "zero":
        return "/dev/zero"
    if kind == "null":
        return "/dev/null"
    if kind == "folder":
        path.mkdir()
    elif kind == "fifo":
        os.mkfifo(path)
    elif kind == "bytes":
        path.write_bytes(made.data)
    elif kind == "sparse":
        with open(path, "wb") as f:
            f.truncate(made.size)
    elif kind == "loop":
        path.symlink_to(path.name)
    elif kind == "through-file":
        path.write_bytes(b"a file, not a folder")
        return str(path / "child.out")
    elif kind in ("seeded", "truncated", "flipped"):
        data = (seeded.files / made.seeded).read_bytes()
        if kind == "truncated":
            data = data[: made.size % max(len(data), 1)]
        elif kind == "flipped":
            at = made.size % len(data)
            data = data[:at] + bytes([data[at] ^ 0x5A]) + data[at + 1 :]
        path.write_bytes(data)
    elif kind.startswith("usb-"):
        _usb(path, kind, made.data)
    elif kind == "undecodable":
        raw = os.fsencode(where) + b"/bad-\xff\xfe-" + os.fsencode(made.name)
        with open(raw, "wb") as f:
            f.write(made.data)
        return os.fsdecode(raw)
    else:
        raise AssertionError(f"unknown kind {kind}")
    return str(path)


def _usb(folder: Path, kind: str, data: bytes) -> None:
    """A folder to import images from, each with something that must be refused:
    usb-undecodable: an image whose name is not UTF-8 (beside a good one, with its sum);
    usb-manifest: an image whose SHA256SUMS is `data`; usb-wrongsum: an image whose
    published sum is not its own; usb-good: one good image with its sum."""
    folder.mkdir()
    image = b"\x5a" * 8192
    if kind == "usb-undecodable":
        (folder / "good.img").write_bytes(image)
        sha = hashlib.sha256(image).hexdigest()
        (folder / "SHA256SUMS").write_text(f"{sha}  good.img\n{sha}  bad.img\n")
        with open(os.fsencode(folder) + b"/bad-\xff.img", "wb") as f:
            f.write(image)
    elif kind == "usb-manifest":
        (folder / "image.img").write_bytes(image)
        (folder / "SHA256SUMS").write_bytes(data)
    elif kind == "usb-good":
        (folder / "good.img").write_bytes(image)
        (folder / "good.img.sha256").write_text(hashlib.sha256(image).hexdigest() + "\n")
    elif kind == "usb-wrongsum":
        (folder / "image.img").write_bytes(image)
        (folder / "image.img.sha256").write_text("0" * 64 + "\n")
    else:
        raise AssertionError(kind)


def materialise(
    case: Case, work: Path, data: Path, seeded: Seeded
) -> tuple[list[str], dict[str, str]]:
    """The argv and extra environment of `case`, with its files made under `work` and its
    data-folder files put in place in `data`."""
    argv: list[str] = []
    for i, item in enumerate(case.argv):
        if isinstance(item, Made):
            argv.append(item.prefix + make(item, work / f"arg{i}", seeded))
        elif isinstance(item, Seed):
            argv.append(seeded.values()[item.key])
        else:
            argv.append(item)
    for relative, made in case.data_files:
        target = data / relative
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)
        elif target.exists() or target.is_symlink():
            target.unlink()
        target.parent.mkdir(parents=True, exist_ok=True)
        if made.kind in ("zero", "null"):
            target.symlink_to(make(made, work, seeded))
        else:
            make(replace(made, name=target.name), target.parent, seeded)
    return argv, dict(case.env)


# -- contents ------------------------------------------------------------------------------


def deep_json(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


def deep_json_object(depth: int) -> bytes:
    return b'{"a":' * depth + b"1" + b"}" * depth


def wide_json(count: int) -> bytes:
    return b"[" + b"0," * count + b"0]"


def deep_yaml(depth: int) -> bytes:
    return b"codename: x\nsteps: " + b"[" * depth + b"]" * depth + b"\n"


def deep_block_yaml(depth: int) -> bytes:
    return b"".join(b"  " * i + b"k:\n" for i in range(depth)) + b"  " * depth + b"v\n"


def alias_bomb(levels: int) -> bytes:
    lines = [b"a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, levels):
        refs = b", ".join([b"*a%d" % (i - 1)] * 10)
        lines.append(b"a%d: &a%d [%s]" % (i, i, refs))
    return b"\n".join(lines) + b"\n"


def deep_toml(depth: int) -> bytes:
    return b"a = " + b"[" * depth + b"]" * depth + b"\n"


def gzip_of(data: bytes) -> bytes:
    return gzip.compress(data, 1)


def long_header_bundle(length: int) -> bytes:
    return gzip.compress(b'{"format": "' + b"x" * length + b'"}\n{}\n', 1)


HUGE = 5 * GiB  # announced by a sparse file: far above every cap, costs no disk
