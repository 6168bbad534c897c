"""Checking a certificate PDF offline, in three layers:

1. the whole-file signature (bench_app/output/certificates/pdf_sign.py): any changed byte fails here;
2. every attached JSON is a signed envelope, in canonical form, whose signature verifies
   against a trusted key; a lot's summary lists the SHA-256 of each device's document, and
   the attached device documents must be exactly those;
3. the visible facts (references, asset codes, serials, IMEIs, the verdict line) are in the
   page text (read with poppler's `pdftotext`), so a page that says other things than its
   signed data is refused even when signed by a trusted key.

A hostile file is read within fixed bounds, whoever signed it: the file itself (at most
CERTIFICATE_MAX bytes, and only a regular file: never a pipe or a device), each attached
file once inflated, all of them together, and the page text.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import selectors
import shutil
import stat
import subprocess
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pikepdf

from bench_app.errors import BenchError
from bench_app.output.certificates import pdf_sign
from bench_app.output.certificates.document import (
    DEVICE_TYPE,
    LOT_TYPE,
    SUCCESS_LINE,
    is_success,
    lot_visible_facts,
    visible_facts,
)
from bench_app.output.certificates.laptop_document import (
    LAPTOP_TYPE,
    is_laptop_success,
    laptop_visible_facts,
)
from bench_app.signing import Keyring, TrustedKey, parse_signed_json
from bench_app.text import Text
from bench_app.wire.canonical import canonical_json

MiB = 1 << 20
CERTIFICATE_MAX = 64 * MiB  # a lot certificate of a thousand devices is a few MiB
ATTACHMENT_MAX = 8 * MiB  # one signed section: a few KiB; a lot's summary a few hundred
ATTACHMENTS_MAX = 32 * MiB  # every attached section together
TEXT_MAX = 32 * MiB  # the page text: a few KiB a page
TEXT_TIMEOUT = 120  # seconds for pdftotext; a real lot certificate takes well under one
TEXT_MEMORY = 192 * MiB  # pdftotext's heap; a real certificate's pages need a few MiB


@dataclass
class CertificateCheck:
    """What an intact certificate says, once every layer has been checked."""

    signer: TrustedKey
    devices: list[dict[str, Any]]  # the device documents
    lot: dict[str, Any] | None = None
    notes: list[str] = field(default_factory=list)
    laptop: dict[str, Any] | None = None  # a computer's summary (its disks are the devices)

    @property
    def issued_at(self) -> str:
        first = self.lot or self.laptop or self.devices[0]
        return str(first["issued_at"])


def read_certificate(path: Path) -> bytes:
    """The content of a certificate file, read only when it is a regular file of at most
    CERTIFICATE_MAX bytes. BenchError CERT_NOT_CERTIFICATE for a folder, a pipe, a device
    or a socket (refused without waiting on it or reading it), CERT_TOO_LARGE past the cap;
    OSError when it cannot be opened."""
    # O_NONBLOCK: opening a pipe with no writer must not wait; fstat on the very descriptor.
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    try:
        status = os.fstat(fd)
        if not stat.S_ISREG(status.st_mode):
            raise BenchError(
                "CERT_NOT_CERTIFICATE", path=str(path), detail=_not_a_file(status.st_mode)
            )
        if status.st_size > CERTIFICATE_MAX:
            raise _file_too_large(str(path), status.st_size)
        os.set_blocking(fd, True)
        chunks = []
        size = 0
        while size <= CERTIFICATE_MAX and (chunk := os.read(fd, CERTIFICATE_MAX + 1 - size)):
            chunks.append(chunk)
            size += len(chunk)
    finally:
        os.close(fd)
    if size > CERTIFICATE_MAX:  # it grew while being read
        raise _file_too_large(str(path), size)
    return b"".join(chunks)


def _not_a_file(mode: int) -> Text:
    if stat.S_ISDIR(mode):
        return Text("c’est un dossier", "it is a folder")
    if stat.S_ISFIFO(mode):
        return Text("c’est un tube (FIFO), pas un fichier", "it is a pipe (FIFO), not a file")
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return Text("c’est un périphérique, pas un fichier", "it is a device, not a file")
    return Text("ce n’est pas un fichier ordinaire", "it is not a regular file")


def _file_too_large(source: str, size: int) -> BenchError:
    return BenchError(
        "CERT_TOO_LARGE",
        path=source,
        detail=Text(
            f"{size / MiB:.1f} Mio, au plus {CERTIFICATE_MAX // MiB} Mio",
            f"{size / MiB:.1f} MiB, at most {CERTIFICATE_MAX // MiB} MiB",
        ),
    )


def _section_too_large(source: str, name: str, limit: int) -> BenchError:
    return BenchError(
        "CERT_TOO_LARGE",
        path=source,
        detail=Text(
            f"les données jointes ({name}) dépassent {limit // MiB} Mio une fois décompressées",
            f"the attached data ({name}) is larger than {limit // MiB} MiB once decompressed",
        ),
    )


def _attached_content(stream: pikepdf.Object, name: str, source: str) -> bytes:
    """An attached file's bytes, inflated by at most ATTACHMENT_MAX bytes (qpdf's own
    decoder has no bound): stored as it is or with plain FlateDecode, as this bench writes
    them; any other encoding is refused."""
    filters = stream.get("/Filter")
    names = [filters] if isinstance(filters, pikepdf.Name) else list(filters or [])
    if [str(n) for n in names] not in ([], ["/FlateDecode"]) or "/DecodeParms" in stream:
        raise BenchError(
            "CERT_NOT_CERTIFICATE",
            path=source,
            detail=f"{name} is encoded in a way this bench never writes",
        )
    length = stream.get("/Length")
    if not isinstance(length, int) or length > ATTACHMENT_MAX:
        raise _section_too_large(source, name, ATTACHMENT_MAX)
    raw = stream.read_raw_bytes()
    if not names:
        return bytes(raw)
    inflater = zlib.decompressobj()
    try:
        content = inflater.decompress(raw, ATTACHMENT_MAX + 1)
    except zlib.error as exc:
        raise BenchError("CERT_NOT_CERTIFICATE", path=source, detail=f"{name}: {exc}") from exc
    if len(content) > ATTACHMENT_MAX:
        raise _section_too_large(source, name, ATTACHMENT_MAX)
    return content


def _attachments(data: bytes, source: str) -> dict[str, bytes]:
    try:
        # Only the cross-reference table this bench writes: objects packed in compressed
        # object streams, which qpdf would inflate whole, are never reached.
        stream = io.BytesIO(data)
        with pikepdf.open(stream, ignore_xref_streams=True, attempt_recovery=False) as pdf:
            files: dict[str, bytes] = {}
            total = 0
            for name, spec in pdf.attachments.items():
                content = _attached_content(spec.get_file().obj, name, source)
                total += len(content)
                if total > ATTACHMENTS_MAX:
                    raise _section_too_large(source, "*.json", ATTACHMENTS_MAX)
                files[name] = content
            return files
    except (pikepdf.PdfError, ValueError, KeyError, TypeError) as exc:
        detail = str(exc).replace(f"stream {stream!r}", "PDF")  # qpdf names the memory buffer
        raise BenchError("CERT_NOT_CERTIFICATE", path=source, detail=detail) from exc


def page_text(data: bytes) -> str | None:
    """The text of every page, or None when poppler's pdftotext is not installed; "" when
    it fails, needs more than TEXT_MEMORY, takes longer than TEXT_TIMEOUT or writes more
    than TEXT_MAX bytes (a page then shows none of its facts, so the check refuses it)."""
    tool = shutil.which("pdftotext")
    if tool is None:
        return None
    # Its heap is capped before it starts (a shell's ulimit, then exec: no Python between
    # fork and exec): a dense page costs poppler about 70 bytes a character of content.
    limit = f'ulimit -d {TEXT_MEMORY // 1024} 2>/dev/null; exec "$@"'
    proc = subprocess.Popen(
        ["/bin/sh", "-c", limit, "sh", tool, "-enc", "UTF-8", "-", "-"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + TEXT_TIMEOUT
    text: bytes | None = None
    try:
        text = _exchange(proc, data, deadline)
        if text is not None:  # all its output read: let it finish on its own
            proc.wait(timeout=max(0.0, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        text = None
    finally:
        if proc.poll() is None:
            proc.kill()  # past its time or its cap: its output is not wanted
        proc.wait()
        for pipe in (proc.stdin, proc.stdout):
            if pipe is not None:
                pipe.close()
    if text is None or proc.returncode != 0:
        return ""
    return text.decode("utf-8", "replace")


def _exchange(proc: subprocess.Popen[bytes], data: bytes, deadline: float) -> bytes | None:
    """Feeds `data` to the process while reading its output to the end, as communicate()
    does, but None past TEXT_MAX bytes of output or past `deadline`."""
    assert proc.stdin is not None and proc.stdout is not None
    into, out = proc.stdin.fileno(), proc.stdout.fileno()
    os.set_blocking(into, False)
    view, sent = memoryview(data), 0
    chunks: list[bytes] = []
    size = 0
    with selectors.DefaultSelector() as selector:
        selector.register(out, selectors.EVENT_READ)
        selector.register(into, selectors.EVENT_WRITE)
        while True:
            left = deadline - time.monotonic()
            events = selector.select(left) if left > 0 else []
            if not events:
                return None
            for key, _ in events:
                if key.fd == into:
                    try:
                        sent += os.write(into, view[sent : sent + (1 << 16)])
                    except BlockingIOError:
                        continue
                    except BrokenPipeError:
                        sent = len(data)  # it stopped reading: its output says why
                    if sent == len(data):
                        selector.unregister(into)
                        proc.stdin.close()
                    continue
                chunk = os.read(out, 1 << 16)
                if not chunk:
                    return b"".join(chunks)
                size += len(chunk)
                if size > TEXT_MAX:
                    return None
                chunks.append(chunk)


def _squash(text: str) -> str:
    """Text compared without white space or hyphens: a long value wraps where the page has
    room, and poppler joins a line that ends with a hyphen to the next one, dropping it."""
    return re.sub(r"[\s\-]+", "", text)


def verify_pdf(data: bytes, keyring: Keyring, source: str) -> CertificateCheck:
    """Every layer checked; BenchError with a plain reason at the first that fails."""
    signer = pdf_sign.check_seal(data, keyring, source)
    files = _attachments(data, source)
    devices: list[dict[str, Any]] = []
    lots: list[dict[str, Any]] = []
    laptops: list[dict[str, Any]] = []
    for name, content in sorted(files.items()):
        if not name.endswith(".json"):
            raise BenchError("CERT_NOT_CERTIFICATE", path=source, detail=f"unexpected file {name}")
        try:
            verified = parse_signed_json(content, keyring, source=f"{source} ({name})")
        except RecursionError:  # nested deeper than the JSON parser goes: not ours
            raise BenchError(
                "CERT_NOT_CERTIFICATE", path=source, detail=f"{name} is nested too deeply"
            ) from None
        document = verified.document
        kind = document.get("type")
        if kind == DEVICE_TYPE:
            devices.append(document)
        elif kind == LOT_TYPE:
            lots.append(document)
        elif kind == LAPTOP_TYPE:
            laptops.append(document)
        else:
            raise BenchError(
                "CERT_NOT_CERTIFICATE", path=source, detail=f"{name} is not a certificate"
            )
        if f"{document.get('reference')}.json" != name:
            raise BenchError(
                "CERT_TAMPERED", path=source, detail=f"{name} does not hold its own reference"
            )
    if not devices and not lots and not laptops:
        raise BenchError("CERT_NOT_CERTIFICATE", path=source, detail="no signed data inside")
    summaries = len(lots) + len(laptops)
    if summaries > 1 or (not summaries and len(devices) > 1):
        raise BenchError("CERT_TAMPERED", path=source, detail="unexpected extra signed data")
    lot = lots[0] if lots else None
    laptop = laptops[0] if laptops else None
    if lot is not None or laptop is not None:
        rows = lot["devices"] if lot is not None else (laptop or {}).get("disks") or []
        listed = sorted(r["document_sha256"] for r in rows if r["document_sha256"])
        attached = sorted(hashlib.sha256(canonical_json(d)).hexdigest() for d in devices)
        if listed != attached:
            raise BenchError(
                "CERT_TAMPERED",
                path=source,
                detail="the device sections are not the ones the lot summary lists",
            )
    check = CertificateCheck(signer, devices, lot, laptop=laptop)
    text = page_text(data)
    if text is None:
        check.notes.append("pdftotext missing: the page text was not compared")
        return check
    squashed = _squash(text)
    expected = [f for d in devices for f in visible_facts(d)]
    if lot is not None:
        expected += lot_visible_facts(lot)
    if laptop is not None:
        expected += laptop_visible_facts(laptop)
    for fact in expected:
        if _squash(fact) not in squashed:
            raise BenchError(
                "CERT_TAMPERED",
                path=source,
                detail=f"the page does not show “{fact}”, which its signed data says",
            )
    # A failed erasure must never read as a success: count the verdict lines.
    success = _squash(SUCCESS_LINE)
    shown = squashed.count(success)
    certified = sum(1 for d in devices if is_success(d))
    if lot is not None and lot["counts"]["not_certified"] == 0:
        certified += 1  # the summary's banner
    if laptop is not None and is_laptop_success(laptop):
        certified += 1  # the computer's banner
    if shown != certified:
        raise BenchError(
            "CERT_TAMPERED",
            path=source,
            detail=f"the page shows {shown} success verdicts where the signed data has {certified}",
        )
    return check
