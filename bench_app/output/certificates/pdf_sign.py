"""A signature over every byte of a PDF file, in the style of PDF signatures' ByteRange.

Before the file is written, the catalog gets one entry of fixed size:

    /EtabliFileSignature (etabli-sig-1 KEYID SIGNATURE)

KEYID is the station key's 16 hex characters and SIGNATURE a placeholder of 128 zeros. Once
the whole file is written, the 128 characters are replaced in place by the Ed25519 signature
(lower-case hex) of:

    b"etabli-pdf-signature/1\\n" + offset (8 bytes, big-endian) + file[:offset] + file[offset+128:]

where `offset` is where the 128 characters start. Replacing them keeps every byte offset, so
the cross-reference table stays right. A verifier finds the single entry, re-computes the
message and checks it: a change of any byte outside the 128 characters breaks the signature,
and inside them either breaks the hex form (read strictly: lower case only) or gives another
signature, which does not verify.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature

from bench_app.errors import BenchError
from bench_app.signing import Keyring, StationKey, TrustedKey

ENTRY = "/EtabliFileSignature"
PREFIX = "etabli-sig-1"
DOMAIN = b"etabli-pdf-signature/1\n"
SIG_HEX = 128
_PLACEHOLDER = "0" * SIG_HEX
_PATTERN = re.compile(
    rb"/EtabliFileSignature \(etabli-sig-1 ([0-9a-f]{16}) ([0-9a-f]{128})\)",
)


def placeholder(key_id: str) -> tuple[str, bytes]:
    """The fixed-size signature entry for the catalog, as (key, value in its PDF form);
    `seal` fills it once the file is written. The file must have no object streams, so the
    entry stays readable (reportlab writes none)."""
    return ENTRY[1:], f"({PREFIX} {key_id} {_PLACEHOLDER})".encode("ascii")


def _message(data: bytes, offset: int) -> bytearray:
    # One buffer filled in place: slices and sums would each copy a file of tens of MiB.
    head = DOMAIN + offset.to_bytes(8, "big")
    message = bytearray(len(head) + len(data) - SIG_HEX)
    view, into = memoryview(data), memoryview(message)  # a bytearray slice would copy again
    into[: len(head)] = head
    into[len(head) : len(head) + offset] = view[:offset]
    into[len(head) + offset :] = view[offset + SIG_HEX :]
    return message


@dataclass(frozen=True)
class _Entry:
    key_id: str
    offset: int  # where the 128 hex characters start
    signature: bytes


def _find(data: bytes, source: str) -> _Entry:
    count = data.count(ENTRY.encode("ascii"))
    if count == 0:
        raise BenchError("CERT_NOT_CERTIFICATE", path=source, detail="no Établi file signature")
    if count > 1:
        raise BenchError("CERT_TAMPERED", path=source, detail="two file signatures in one file")
    found = _PATTERN.search(data)
    if found is None:
        raise BenchError("CERT_TAMPERED", path=source, detail="the file signature entry is damaged")
    return _Entry(found.group(1).decode("ascii"), found.start(2), bytes.fromhex(found[2].decode()))


def seal(data: bytes, key: StationKey) -> bytes:
    """The saved file with its placeholder replaced by the signature over all other bytes."""
    entry = _find(data, "<new certificate>")
    if entry.key_id != key.key_id or entry.signature != bytes(SIG_HEX // 2):
        raise ValueError("the file has no empty signature placeholder for this key")
    # The bench's own certificate, a few hundred KiB: one more copy costs nothing here.
    signature = key.sign(bytes(_message(data, entry.offset))).hex().encode("ascii")
    return data[: entry.offset] + signature + data[entry.offset + SIG_HEX :]


def check_seal(data: bytes, keyring: Keyring, source: str) -> TrustedKey:
    """The key that signed every byte of the file; BenchError (CERT_NOT_CERTIFICATE,
    CERT_TAMPERED, SIGNATURE_KEY_UNKNOWN) when it is absent, damaged, unknown or wrong."""
    entry = _find(data, source)
    key = keyring.get(entry.key_id)
    if key is None:
        raise BenchError("SIGNATURE_KEY_UNKNOWN", path=source, key_id=entry.key_id)
    try:
        key.public.verify(entry.signature, _message(data, entry.offset))
    except InvalidSignature:
        raise BenchError(
            "CERT_TAMPERED",
            path=source,
            detail=f"the signature of the whole file (key {entry.key_id}) does not match",
        ) from None
    return key
