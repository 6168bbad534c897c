"""Hostile inputs, each small on disk: sparse files (a hole, no blocks), zlib bombs, JSON and
YAML nested past any parser's depth, and PDFs sealed with a key the bench trusts, so that
they get past the whole-file signature and reach the PDF parser, the attachments and the
page text."""

from __future__ import annotations

import io
import os
import zlib
from pathlib import Path

import pikepdf

from bench_app.output.certificates import document as cert
from bench_app.output.certificates import pdf_sign
from bench_app.signing import StationKey, sign_document
from bench_app.wire.canonical import canonical_json

MiB = 1 << 20
GiB = 1 << 30


def sparse(path: Path, size: int) -> Path:
    """A file of `size` zero bytes that takes no disk (a hole, as `truncate -s` makes)."""
    with path.open("wb") as f:
        f.truncate(size)
    return path


def deflated(inflated: int, *, prefix: bytes = b"", fill: bytes = b"\0") -> bytes:
    """A zlib stream of `prefix` then `fill` repeated up to `inflated` bytes: about a
    thousandth of that once compressed."""
    packer = zlib.compressobj(9)
    block = fill * (MiB // len(fill))
    parts = [packer.compress(prefix)]
    parts += [packer.compress(block) for _ in range(inflated // len(block))]
    parts.append(packer.flush())
    return b"".join(parts)


def deep_json(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


def saved(pdf: pikepdf.Pdf) -> bytes:
    """The PDF as bytes, without object streams (a signature entry stays readable)."""
    out = io.BytesIO()
    pdf.save(out, object_stream_mode=pikepdf.ObjectStreamMode.disable)
    return out.getvalue()


def sealed(pdf: pikepdf.Pdf, key: StationKey) -> bytes:
    """The PDF with the bench's whole-file signature, in the catalog as certificates have it."""
    entry, text = pdf_sign.placeholder(key.key_id)
    pdf.Root[pikepdf.Name("/" + entry)] = pikepdf.String(text[1:-1].decode("ascii"))
    return pdf_sign.seal(saved(pdf), key)


def _one_page() -> pikepdf.Pdf:
    pdf = pikepdf.new()
    pdf.add_blank_page()
    return pdf


def attachment_bomb_pdf(key: StationKey, inflated: int = GiB) -> bytes:
    """An attached "CERT-X.json" whose FlateDecode stream inflates to `inflated` bytes."""
    pdf = _one_page()
    spec = pikepdf.AttachedFileSpec(pdf, b"{}", filename="CERT-X.json")
    pdf.attachments["CERT-X.json"] = spec
    spec.obj.EF.F.write(deflated(inflated), filter=pikepdf.Name.FlateDecode)
    return sealed(pdf, key)


def large_attachment_pdf(key: StationKey, size: int) -> bytes:
    """An attached "CERT-X.json" of `size` random bytes (they do not compress)."""
    pdf = _one_page()
    data = os.urandom(size)
    pdf.attachments["CERT-X.json"] = pikepdf.AttachedFileSpec(pdf, data, filename="CERT-X.json")
    return sealed(pdf, key)


def deep_attachment_pdf(key: StationKey, depth: int) -> bytes:
    """An attached "CERT-X.json" nested `depth` levels deep."""
    pdf = _one_page()
    spec = pikepdf.AttachedFileSpec(pdf, deep_json(depth), filename="CERT-X.json")
    pdf.attachments["CERT-X.json"] = spec
    return sealed(pdf, key)


def many_objects_pdf(key: StationKey | None, count: int) -> bytes:
    """A PDF with `count` tiny indirect objects, sealed by `key` (None: not sealed)."""
    pdf = _one_page()
    items = [pdf.make_indirect(pikepdf.Dictionary(N=i)) for i in range(count)]
    pdf.Root.Extra = pikepdf.Array(items)
    return sealed(pdf, key) if key is not None else saved(pdf)


def page_bomb_pdf(key: StationKey, inflated: int) -> bytes:
    """A page whose content stream inflates to `inflated` bytes of text-showing operators,
    with a signed section attached in due form, so the check goes as far as the page text."""
    pdf = _one_page()
    envelope = sign_document(key, {"type": cert.DEVICE_TYPE, "reference": "CERT-HOSTILE"})
    pdf.attachments["CERT-HOSTILE.json"] = pikepdf.AttachedFileSpec(
        pdf, canonical_json(envelope), filename="CERT-HOSTILE.json"
    )
    font = pikepdf.Dictionary(
        Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica
    )
    page = pdf.pages[0]
    page.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=pdf.make_indirect(font)))
    # Sixty lines filling the page, drawn again and again at the same places.
    lines = b"".join(
        b"1 0 0 1 40 %d Tm (ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789) Tj\n" % y
        for y in range(60, 780, 12)
    )
    content = pikepdf.Stream(pdf, b"")
    content.write(
        deflated(inflated, prefix=b"BT /F1 10 Tf\n", fill=lines), filter=pikepdf.Name.FlateDecode
    )
    page.Contents = pdf.make_indirect(content)
    return sealed(pdf, key)


def object_stream_bomb_pdf(key: StationKey, inflated: int = GiB) -> bytes:
    """A sealed PDF whose catalog points its /Names at an object packed in a compressed
    object stream (PDF 1.5) that inflates to `inflated` bytes.

    Written byte by byte: qpdf (pikepdf) puts the catalog itself in the object stream when it
    makes one, where the signature entry could not be found in the clear."""
    entry = f"{pdf_sign.ENTRY} ({pdf_sign.PREFIX} {key.key_id} {'0' * pdf_sign.SIG_HEX})"
    objects = {
        1: f"<< /Type /Catalog /Pages 2 0 R /Names 4 0 R {entry} >>".encode(),
        2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
    }
    header = b"4 0 "  # object 4 starts at offset 0 of the decoded stream
    packed = deflated(inflated, prefix=header + b"<< /EmbeddedFiles 5 0 R >>", fill=b" ")
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets: dict[int, int] = {}
    for number, body in objects.items():
        offsets[number] = out.tell()
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    offsets[6] = out.tell()
    out.write(
        b"6 0 obj\n<< /Type /ObjStm /N 1 /First %d /Filter /FlateDecode /Length %d >>\n"
        b"stream\n%s\nendstream\nendobj\n" % (len(header), len(packed), packed)
    )
    rows = [b"\x00" + bytes(4) + b"\xff\xff"]  # object 0, the head of the free list
    rows += [b"\x01" + offsets[n].to_bytes(4, "big") + bytes(2) for n in (1, 2, 3)]
    rows.append(b"\x02" + (6).to_bytes(4, "big") + bytes(2))  # 4: first in stream 6
    rows.append(b"\x00" + bytes(4) + b"\x00\x00")  # 5: never written
    xref_at = out.tell()
    rows.append(b"\x01" + offsets[6].to_bytes(4, "big") + bytes(2))
    rows.append(b"\x01" + xref_at.to_bytes(4, "big") + bytes(2))  # 7: this cross-reference
    table = b"".join(rows)
    out.write(
        b"7 0 obj\n<< /Type /XRef /Size 8 /W [1 4 2] /Root 1 0 R /Length %d >>\n"
        b"stream\n%s\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % (len(table), table, xref_at)
    )
    return pdf_sign.seal(out.getvalue(), key)
