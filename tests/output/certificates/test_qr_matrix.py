"""The QR modules certificates are drawn from: libqrencode's and segno's (its fallback) both
scan back, with zbar, to the exact text; libqrencode is what a station uses."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from PIL import Image

from bench_app.output import qr_matrix as qr

# base45 text of a certificate's size (the QR alphanumeric set), and text with lower case
TEXTS = [
    "ETABLI1:"
    + "".join("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"[i % 45] for i in range(1500)),
    "Établi — certificat CERT-DC86A-DDCE5",
]


def _scan(rows: list[bytes], folder: Path) -> list[str]:
    width = len(rows)
    scale, quiet = 4, 4
    side = (width + 2 * quiet) * scale
    image = Image.new("L", (side, side), 255)
    for y, row in enumerate(rows):
        assert len(row) == width and set(row) <= {0, 1}
        for x, dark in enumerate(row):
            if dark:
                left, top = (x + quiet) * scale, (y + quiet) * scale
                image.paste(0, (left, top, left + scale, top + scale))
    path = folder / "qr.png"
    image.save(path)
    done = subprocess.run(
        ["zbarimg", "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", str(path)],
        capture_output=True,
        check=False,
    )
    return [line.decode("utf-8") for line in done.stdout.splitlines() if line]


def test_libqrencode_is_found_here() -> None:
    assert qr._libqrencode() is not None


@pytest.mark.parametrize("text", TEXTS, ids=["base45", "utf8"])
def test_libqrencode_modules_scan_back(text: str, tmp_path: Path) -> None:
    assert _scan(qr.qr_matrix(text), tmp_path) == [text]


@pytest.mark.parametrize("text", TEXTS, ids=["base45", "utf8"])
def test_segno_fallback_scans_back(
    text: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(qr, "_libqrencode", lambda: None)
    assert _scan(qr.qr_matrix(text), tmp_path) == [text]
