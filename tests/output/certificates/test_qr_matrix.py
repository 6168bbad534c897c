"""The QR modules certificates are drawn from: libqrencode's and segno's (its fallback) both
scan back, with zbar, to the exact text; libqrencode is what a station uses."""

from __future__ import annotations

import random
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


def _format_modules(rows: list[bytes]) -> bytes:
    """The format information beside the top-left finder: error level and mask pattern."""
    return bytes(rows[8][:9]) + bytes(row[8] for row in rows[:9])


@pytest.mark.parametrize("segno_fallback", [False, True], ids=["libqrencode", "segno"])
def test_the_mask_is_the_fixed_one(
    segno_fallback: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import segno

    if segno_fallback:
        monkeypatch.setattr(qr, "_libqrencode", lambda: None)
    text = TEXTS[0]
    rows = qr.qr_matrix(text)
    reference = [bytes(r) for r in segno.make(text, error="m", micro=False, mask=qr.MASK).matrix]
    other = [bytes(r) for r in segno.make(text, error="m", micro=False, mask=qr.MASK + 1).matrix]
    assert _format_modules(rows) == _format_modules(reference)
    assert _format_modules(rows) != _format_modules(other)


def test_fixed_mask_codes_of_many_lengths_scan_back(tmp_path: Path) -> None:
    """Certificates' codes range from short digests to ~2,000 characters: with the mask fixed
    rather than chosen, codes of lengths across that range (random base45, as compressed
    envelopes look) still read back exactly."""
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
    rng = random.Random(20)
    for length in (40, 300, 777, 1234, 1583, 1999):
        text = "ETABLI1:" + "".join(rng.choice(alphabet) for _ in range(length))
        assert _scan(qr.qr_matrix(text), tmp_path) == [text], length


@pytest.mark.parametrize(
    ("data", "text"),
    [(b"AB", "BB8"), (b"Hello!!", "%69 VD92EX0"), (b"base-45", "UJCLQE7W581"), (b"", "")],
)
def test_base45_gives_the_examples_of_rfc_9285(data: bytes, text: str) -> None:
    from bench_app.output.certificates.qr import base45_encode

    assert base45_encode(data) == text


def test_base45_round_trips_every_length_and_the_extreme_values() -> None:
    from bench_app.output.certificates.qr import base45_decode, base45_encode

    rng = random.Random(20)
    samples = [bytes(rng.randrange(256) for _ in range(n)) for n in range(64)]
    samples += [b"\xff\xff", b"\xff", b"\x00\x00", b"\xff\xff\xff"]
    for data in samples:
        text = base45_encode(data)
        assert len(text) == len(data) // 2 * 3 + len(data) % 2 * 2
        assert base45_decode(text) == data
    assert base45_encode(b"\xff\xff") == "FGW"  # 65535 = 15 + 16·45 + 32·45²
