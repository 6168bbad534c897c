"""Reading certificates back as a user and a verifier would: page text, pages as pictures,
the QR code, the attachments, and the `etabli` command run in-process."""

from __future__ import annotations

import hashlib
import io
import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from PIL import ImageCms

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


_LENGTH = re.compile(rb"/Length (\d+)")
PDFA_INFO = {"/Title", "/Author", "/Subject", "/Creator", "/Producer", "/CreationDate", "/ModDate"}


def check_pdfa3(data: bytes, *, lang: str, attached: int) -> None:
    """What can be checked of PDF/A-3b without veraPDF, on any certificate's bytes: the file's
    syntax (header, binary comment, an end of line around each stream's data, each /Length
    right, read strictly), no encryption, an identifier, XMP identification and properties
    that say what the document information says (and nothing else there), the sRGB output
    intent, the language, embedded TrueType fonts only, and `attached` embedded files, each in
    /AF with its relationship, MIME type and dates, in a name tree in key order."""
    assert data.startswith(b"%PDF-1.7\n%")
    assert sum(b > 127 for b in data[10:14]) == 4  # the binary comment PDF/A asks for
    starts = [m.end() for m in re.finditer(rb"[\r\n]stream\r?\n", data)]
    ends = [m.start() for m in re.finditer(rb"endstream", data)]
    assert len(starts) == len(ends) > attached
    for start, end in zip(starts, ends, strict=True):
        # The stream's own /Length (the nearest before its data, in its dictionary) reaches
        # exactly an end of line before `endstream`.
        declared = _LENGTH.match(data, data.rindex(b"/Length ", 0, start))
        assert declared is not None
        assert data[start + int(declared[1]) : end] in (b"\n", b"\r\n")
    with pikepdf.open(io.BytesIO(data), attempt_recovery=False) as pdf:
        assert not pdf.is_encrypted and len(pdf.trailer.ID) == 2
        streams = 0
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Stream):
                streams += 1
                assert len(obj.read_raw_bytes()) == int(obj.Length)
        assert streams == len(starts)
        assert not pdf.get_warnings()
        assert set(pdf.docinfo.keys()) == PDFA_INFO
        assert "/Filter" not in pdf.Root.Metadata  # PDF/A: the XMP packet in the clear
        meta = pdf.open_metadata()
        assert meta["pdfaid:part"] == "3" and meta["pdfaid:conformance"] == "B"
        assert meta["dc:title"] == str(pdf.docinfo.Title)
        assert meta["dc:creator"] == [str(pdf.docinfo.Author)]
        assert meta["dc:description"] == str(pdf.docinfo.Subject)
        assert meta["pdf:Producer"] == str(pdf.docinfo.Producer)
        assert meta["xmp:CreatorTool"] == str(pdf.docinfo.Creator)
        created = str(pdf.docinfo.CreationDate)  # D:YYYYMMDDHHmmSS+HH'mm'
        assert str(pdf.docinfo.ModDate) == created
        iso = f"{created[2:6]}-{created[6:8]}-{created[8:10]}T{created[10:12]}:{created[12:14]}"
        assert meta["xmp:CreateDate"].startswith(iso + f":{created[14:16]}")
        [intent] = pdf.Root.OutputIntents
        assert intent.S == pikepdf.Name.GTS_PDFA1 and intent.DestOutputProfile.N == 3
        profile = ImageCms.ImageCmsProfile(io.BytesIO(intent.DestOutputProfile.read_bytes()))
        assert "sRGB" in ImageCms.getProfileDescription(profile)
        assert str(pdf.Root.Lang) == lang
        fonts = 0
        for page in pdf.pages:
            for font in page.Resources.Font.values():
                fonts += 1
                assert font.Subtype == pikepdf.Name.TrueType
                assert "/FontFile2" in font.FontDescriptor and "/ToUnicode" in font
        assert fonts >= 2
        specs = list(pdf.Root.AF)
        tree = list(pdf.Root.Names.EmbeddedFiles.Names)
        keys = [bytes(k) for k in tree[::2]]
        assert len(specs) == len(keys) == attached and keys == sorted(keys)
        assert {s.objgen for s in specs} == {s.objgen for s in tree[1::2]}
        for spec in specs:
            assert spec.AFRelationship == pikepdf.Name.Source
            assert str(spec.UF) == str(spec.F) and str(spec.F).endswith(".json")
            stream = spec.EF.F
            assert stream.Subtype == pikepdf.Name("/application/json")
            assert int(stream.Params.Size) == len(stream.read_bytes())
            assert str(stream.Params.ModDate) == str(stream.Params.CreationDate) == created
