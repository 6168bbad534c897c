"""Reading the files a user or another program hands to the bench, without trusting them.

Every input file (a certificate to verify, a bundle, a profile, a manifest, a key, the
station's own settings) goes through here so that:
- a special file (/dev/zero, a FIFO, a socket, a folder) is refused plainly instead of being
  read forever, blocking on a writer that never comes, or failing later in an odd way. It is
  opened with O_NONBLOCK and checked with fstat on the very descriptor that is then read, so
  a FIFO never hangs the command and a file swapped between a check and the open is caught;
- a file is read only up to a size cap chosen for its kind (INPUT_TOO_LARGE above it), so a
  wrong or hostile file cannot exhaust memory;
- JSON and TOML nested too deeply come back as a ValueError (the parsers' own RecursionError
  is not an error a caller expects), so each caller reports its own code as for any bad file.

Open errors (missing file, permission) stay OSError: callers already turn them into their
own messages."""

from __future__ import annotations

import json
import os
import re
import stat
import tomllib
from typing import Any, BinaryIO

from bench_app.errors import BenchError
from bench_app.text import Text

_SURROGATES = re.compile("[\ud800-\udfff]")
KiB = 1024
MiB = 1024 * KiB

# Size caps, by kind of file: each is far above any real file of that kind.
KEY_MAX = 64 * KiB  # a PEM key is a few hundred bytes
CONFIG_MAX = 4 * MiB  # settings.json, printers.json, sync.json, policy and factors TOML
PROFILE_MAX = 1 * MiB  # the largest shipped device profile is a few KiB
MANIFEST_MAX = 16 * MiB  # SHA256SUMS of a whole mirror
INDEX_MAX = 64 * MiB  # the image library's index.json
BMAP_MAX = 64 * MiB  # a block map of a multi-terabyte image stays far below
CERTIFICATE_MAX = 64 * MiB  # a lot certificate of a thousand devices is a few MiB
BUNDLE_MAX = 1024 * MiB  # a compressed bundle of a million events is a few hundred MiB


def _kind(mode: int) -> Text:
    if stat.S_ISDIR(mode):
        return Text("c’est un dossier", "it is a folder")
    if stat.S_ISFIFO(mode):
        return Text("c’est un tube (FIFO)", "it is a pipe (FIFO)")
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return Text("c’est un périphérique", "it is a device")
    if stat.S_ISSOCK(mode):
        return Text("c’est une prise réseau (socket)", "it is a socket")
    return Text("ce n’est pas un fichier ordinaire", "it is not a regular file")


def _size(n: int) -> str:
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n} B"


def not_a_file(path: str | os.PathLike[str], mode: int) -> BenchError:
    """INPUT_NOT_A_FILE for `path`, whose st_mode is `mode`."""
    return BenchError("INPUT_NOT_A_FILE", path=shown(os.fspath(path)), kind=_kind(mode))


def too_large(path: str | os.PathLike[str], size: int | None, limit: int) -> BenchError:
    """INPUT_TOO_LARGE for `path` (size None: grew past the cap while it was read)."""
    return BenchError(
        "INPUT_TOO_LARGE",
        path=shown(os.fspath(path)),
        size=_size(size) if size is not None else f"> {_size(limit)}",
        limit=_size(limit),
    )


def open_input(path: str | os.PathLike[str]) -> BinaryIO:
    """A regular file opened for reading, for callers that stream it (images, packages).

    Raises BenchError(INPUT_NOT_A_FILE) for a folder, a device, a FIFO or a socket, without
    blocking; OSError when it cannot be opened at all."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    except OSError as exc:
        if exc.errno == 6:  # ENXIO: a socket, or a FIFO opened in a way that cannot block
            raise not_a_file(path, os.stat(path).st_mode) from exc
        raise
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise not_a_file(path, mode)
        # Blocking reads again: O_NONBLOCK only guarded the open itself.
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_input(path: str | os.PathLike[str], *, limit: int) -> bytes:
    """The whole content of a regular file of at most `limit` bytes.

    BenchError INPUT_NOT_A_FILE (special file, never read) or INPUT_TOO_LARGE (checked on
    the size announced, then again while reading, for a file that grows); OSError when it
    cannot be opened or read."""
    with open_input(path) as f:
        announced = os.fstat(f.fileno()).st_size
        if announced > limit:
            raise too_large(path, announced, limit)
        data = f.read(limit + 1)
    if len(data) > limit:
        raise too_large(path, None, limit)
    return data


def read_input_text(path: str | os.PathLike[str], *, limit: int) -> str:
    """`read_input` decoded as UTF-8 (UnicodeDecodeError, a ValueError, when it is not)."""
    return read_input(path, limit=limit).decode("utf-8")


def parse_json(text: str | bytes) -> Any:
    """json.loads, with nesting too deep for the parser reported as a ValueError."""
    try:
        return json.loads(text)
    except RecursionError:
        raise ValueError("the JSON is nested too deeply") from None


def parse_toml(text: str) -> dict[str, Any]:
    """tomllib.loads, with nesting too deep for the parser reported as a ValueError."""
    try:
        return tomllib.loads(text)
    except RecursionError:
        raise ValueError("the TOML is nested too deeply") from None


def shown(text: str) -> str:
    """Text as it can be shown and stored: bytes that were not UTF-8 (kept by Python as
    lone surrogates in file names, arguments and the environment) become U+FFFD."""
    return _SURROGATES.sub("\ufffd", text)


def is_decodable(text: str) -> bool:
    """Whether `text` is real text (no byte that failed to decode as UTF-8)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
