"""CSV files that open right in French spreadsheet programs, and files written whole or not
at all (a report cut short by a full USB stick must not look complete)."""

from __future__ import annotations

import contextlib
import csv
import io
import os
from collections.abc import Iterable, Sequence
from pathlib import Path

from bench_app.errors import BenchError

# French spreadsheet programs read a CSV as the system's legacy code page unless it starts
# with a UTF-8 byte-order mark, and split columns on ";" since "," is the decimal separator.
BOM = "\ufeff"
SEPARATOR = ";"

Cell = str | int | float | None


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> str:
    """The whole file: BOM, header, rows; `;` separated, CRLF line ends (RFC 4180)."""
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out, delimiter=SEPARATOR, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if c is None else c for c in row])
    return out.getvalue()


def write_atomically(path: Path, data: bytes) -> None:
    """Writes `data` to `path` through a temporary file beside it, then renames it over."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.part")
    try:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):  # its folder may be what is wrong
            tmp.unlink()
        detail = exc.strerror or str(exc)
        raise BenchError("REPORT_WRITE_FAILED", path=str(path), detail=detail) from exc
