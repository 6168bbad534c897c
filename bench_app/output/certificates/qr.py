"""What the QR code of a certificate holds, and reading it back: the signed envelope,
compressed and written in base45 (RFC 9285, the QR alphanumeric characters), or a digest form
when the envelope is too large to scan from paper."""

from __future__ import annotations

import hashlib
import struct
import zlib
from typing import Any

from bench_app.wire.canonical import canonical_json

QR_PREFIX = "ETABLI1:"  # then base45(zlib(canonical envelope))
QR_DIGEST_PREFIX = "ETABLI1D:"  # then base45(zlib(canonical digest)), for large documents
QR_MAX_CHARS = 2000  # beyond this the code gets too dense to scan from paper


_B45 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"


# Every value of two base45 digits, least significant first (0 → "00", 46 → "11"...): one
# lookup and one division per pair of bytes instead of two divisions and three indexings.
_B45_PAIRS = [_B45[n % 45] + _B45[n // 45] for n in range(45 * 45)]


def base45_encode(data: bytes) -> str:
    """RFC 9285 base45: QR alphanumeric characters, 3 for every 2 bytes."""
    pairs = len(data) // 2
    words = struct.unpack(f">{pairs}H", data[: pairs * 2])
    out = [_B45_PAIRS[n % 2025] + _B45[n // 2025] for n in words]
    if len(data) % 2:
        out.append(_B45_PAIRS[data[-1]])
    return "".join(out)


def base45_decode(text: str) -> bytes:
    values = [_B45.index(ch) for ch in text]
    out = bytearray()
    for i in range(0, len(values), 3):
        chunk = values[i : i + 3]
        if len(chunk) == 3:
            n = chunk[0] + chunk[1] * 45 + chunk[2] * 2025
            if n > 0xFFFF:
                raise ValueError("not base45")
            out += n.to_bytes(2, "big")
        elif len(chunk) == 2:
            n = chunk[0] + chunk[1] * 45
            if n > 0xFF:
                raise ValueError("not base45")
            out.append(n)
        else:
            raise ValueError("not base45")
    return bytes(out)


def qr_text(envelope: dict[str, Any]) -> str:
    """What the QR code holds: the whole signed envelope, compressed, when it fits; else a
    digest form (reference, SHA-256 of the canonical document, the signature) that the
    attachment of the same file completes."""
    full = QR_PREFIX + base45_encode(zlib.compress(canonical_json(envelope), 9))
    if len(full) <= QR_MAX_CHARS:
        return full
    document = envelope["document"]
    digest = {
        "format": "etabli.signed-digest/1",
        "reference": document.get("reference"),
        "type": document.get("type"),
        "sha256": hashlib.sha256(canonical_json(document)).hexdigest(),
        "signature": envelope["signature"],
    }
    return QR_DIGEST_PREFIX + base45_encode(zlib.compress(canonical_json(digest), 9))


def read_qr_text(text: str) -> dict[str, Any]:
    """The envelope (or digest) a QR code of a certificate holds."""
    import json

    for prefix in (QR_DIGEST_PREFIX, QR_PREFIX):
        if text.startswith(prefix):
            value = json.loads(zlib.decompress(base45_decode(text[len(prefix) :])))
            if not isinstance(value, dict):
                raise ValueError("not a JSON object")
            return value
    raise ValueError("not an Établi certificate code")
