"""Stable references printed on documents, so one can be quoted in another (a lot report
names each device's certificate)."""

from __future__ import annotations


def certificate_reference(erasure_id: str) -> str:
    """The reference of the certificate of one erasure: short, upper-case, and the same on
    every station because it comes from the erasure's own id (the random tail of a UUIDv7)."""
    tail = erasure_id.replace("-", "")[-10:].upper()
    return f"CERT-{tail[:5]}-{tail[5:]}"
