"""Reading certificates back as a user and a verifier would: page text, pages as pictures,
the QR code, the attachments, and the `etabli` command run in-process."""

from __future__ import annotations

import hashlib
import json
import subprocess
from pathlib import Path
from typing import Any

import pikepdf
import pytest

from bench_app.commands.main import main
from bench_app.output.certificates.qr import read_qr_text
from bench_app.wire.canonical import canonical_json


def text_of(path: Path) -> str:
    done = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True
    )
    return done.stdout.decode("utf-8")


def squash(text: str) -> str:
    return "".join(text.split())


def pages(path: Path) -> int:
    with pikepdf.open(path) as pdf:
        return len(pdf.pages)


def attachments(path: Path) -> dict[str, bytes]:
    with pikepdf.open(path) as pdf:
        return {n: bytes(s.get_file().read_bytes()) for n, s in pdf.attachments.items()}


def qr_codes(path: Path, folder: Path, dpi: int = 150) -> list[dict[str, Any]]:
    """Every certificate QR code on the pages, decoded by zbarimg from rendered PNGs."""
    prefix = folder / path.stem
    subprocess.run(["pdftoppm", "-png", "-r", str(dpi), str(path), str(prefix)], check=True)
    found = []
    for png in sorted(folder.glob(f"{path.stem}-*.png")):
        done = subprocess.run(
            ["zbarimg", "--raw", "-q", "-Sqrcode.enable", str(png)], capture_output=True, text=True
        )
        for line in done.stdout.splitlines():
            if line.strip():
                found.append(read_qr_text(line.strip()))
    return found


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """`etabli ARGV` in this process: exit code, stdout, stderr."""
    capsys.readouterr()
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def as_attached(scanned: dict[str, Any], attached: list[bytes]) -> bytes:
    """The attachment a scanned QR code stands for: the envelope itself, or, for the digest
    form a large document gets, the one attachment whose document hashes to the digest and
    carries its signature (anything else: the digest itself, which matches no attachment)."""
    if scanned.get("format") != "etabli.signed-digest/1":
        return canonical_json(scanned)
    for raw in attached:
        envelope = json.loads(raw)
        document = canonical_json(envelope["document"])
        if (
            hashlib.sha256(document).hexdigest() == scanned["sha256"]
            and envelope["signature"] == scanned["signature"]
            and envelope["document"].get("reference") == scanned["reference"]
        ):
            return raw
    return canonical_json(scanned)
