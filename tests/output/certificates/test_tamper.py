"""Any changed byte of a certificate file is detected, and so are forgeries re-signed with a
trusted key whose page says something else than their signed data."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench_app.domain.model import JobState
from bench_app.errors import BenchError
from bench_app.output.certificates import assemble, document, layout
from bench_app.output.certificates.verify import verify_pdf
from bench_app.signing import Keyring, sign_document
from tests.output.certificates.conftest import Bench
from tests.output.certificates.pdfs import run

MiB = 1 << 20


@pytest.fixture
def signed(bench: Bench, tmp_path: Path) -> tuple[bytes, Keyring]:
    device = bench.erase("FLIP-ME-4X9Z.img")
    out = tmp_path / "c.pdf"
    issuer = document.Issuer.for_folder(bench.folder)
    data, _ = assemble.device_certificate(bench.station.store, issuer, device)
    out.write_bytes(data)
    return data, Keyring.for_station(bench.folder)


def _rejected(data: bytes, ring: Keyring, position: int, xor: int) -> bool:
    changed = bytearray(data)
    changed[position] ^= xor
    try:
        verify_pdf(bytes(changed), ring, "c.pdf")
    except BenchError as exc:
        return exc.code in ("CERT_TAMPERED", "CERT_NOT_CERTIFICATE", "SIGNATURE_KEY_UNKNOWN")
    return False


def _regions(data: bytes) -> dict[str, list[int]]:
    """Positions in every part of the file: header, each stream (page content, fonts, the
    ICC profile, the attachment, XMP), the objects between, the signature entry, the
    cross-reference table, the trailer."""
    regions: dict[str, list[int]] = {"header": list(range(0, 64))}
    streams = [
        (m.end(), data.index(b"endstream", m.end()))
        for m in re.finditer(rb"(?<!end)stream\r?\n", data)
    ]
    assert len(streams) >= 6
    for i, (a, b) in enumerate(streams):
        step = max(1, (b - a) // 60)
        regions[f"stream {i}"] = [*range(a, b, step), b - 1]
    entry = data.index(b"/EtabliFileSignature")
    regions["signature entry"] = list(range(entry - 8, data.index(b")", entry) + 8))
    xref = data.rindex(b"\nxref")
    trailer = data.rindex(b"trailer")
    regions["objects"] = list(range(64, xref, 97))
    regions["xref"] = list(range(xref, trailer))
    regions["trailer"] = list(range(trailer, len(data)))
    return regions


def test_every_region_of_the_file_detects_a_flipped_byte(signed: tuple[bytes, Keyring]) -> None:
    data, ring = signed
    verify_pdf(data, ring, "c.pdf")  # intact: no error
    missed = {
        name: [
            p for p in positions for xor in (0x01, 0x20, 0xFF) if not _rejected(data, ring, p, xor)
        ]
        for name, positions in _regions(data).items()
    }
    assert {k: v for k, v in missed.items() if v} == {}
    assert sum(len(p) for p in _regions(data).values()) > 1500


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(where=st.floats(0, 1, exclude_max=True), xor=st.integers(1, 255))
def test_any_byte_anywhere_changed_to_any_value_is_detected(
    signed: tuple[bytes, Keyring], where: float, xor: int
) -> None:
    data, ring = signed
    assert _rejected(data, ring, int(where * len(data)), xor)


def test_the_command_refuses_a_changed_byte_truncation_and_an_appended_update(
    signed: tuple[bytes, Keyring], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data, _ = signed
    path = tmp_path / "t.pdf"
    path.write_bytes(data)
    assert run(capsys, "verify-certificate", str(path))[0] == 0
    middle = bytearray(data)
    middle[len(data) // 2] ^= 0x04
    for variant in (bytes(middle), data[:-1], data + b"1 0 obj\n<< >>\nendobj\n%%EOF\n"):
        path.write_bytes(variant)
        code, _, stderr = run(capsys, "verify-certificate", str(path))
        assert code == 1 and "a été modifié après sa signature" in stderr


def _forge(bench: Bench, page_doc: dict, attached: list[dict]) -> bytes:
    """A file sealed with the station's own (trusted) key, whose page is drawn from
    `page_doc` while it carries the `attached` signed envelopes."""
    issuer = document.Issuer.for_folder(bench.folder)
    envelope = sign_document(issuer.key, page_doc)
    return assemble._assemble(
        layout.device_flowables(page_doc, envelope, "fr"),
        envelopes=attached,
        issuer=issuer,
        title="x",
        footer="x",
        training=False,
        lang="fr",
    )


def test_a_page_that_differs_from_its_signed_data_is_refused_even_when_sealed(
    bench: Bench,
) -> None:
    issuer = document.Issuer.for_folder(bench.folder)
    ring = Keyring.for_station(bench.folder)
    good = bench.erase("GOOD-1A2B.img")
    bad = bench.erase("BAD-3C4D.img", bad=[(MiB, MiB + 4096)], expect=JobState.BLOCKED)
    good_env = assemble.device_envelope(bench.station.store, issuer, good)
    bad_env = assemble.device_envelope(bench.station.store, issuer, bad)
    # The page of one device, the signed data of another.
    with pytest.raises(BenchError) as caught:
        verify_pdf(_forge(bench, good_env["document"], [bad_env]), ring, "f.pdf")
    assert caught.value.code == "CERT_TAMPERED" and "does not show" in caught.value.message.en
    # A failed erasure drawn as a success, with its true signed data attached.
    dressed = copy.deepcopy(bad_env["document"])
    dressed["erasure"].update(result="erased", reasons=[])
    dressed["erasure"]["verification"]["ok"] = True
    with pytest.raises(BenchError) as caught:
        verify_pdf(_forge(bench, dressed, [bad_env]), ring, "f.pdf")
    assert caught.value.code == "CERT_TAMPERED"
    # Signed data edited after signing, the file then sealed again.
    edited = copy.deepcopy(bad_env)
    edited["document"]["erasure"]["result"] = "erased"
    with pytest.raises(BenchError) as caught:
        verify_pdf(_forge(bench, bad_env["document"], [edited]), ring, "f.pdf")
    assert caught.value.code == "SIGNATURE_INVALID"
    # The honest assembly of the same pieces verifies.
    assert verify_pdf(_forge(bench, bad_env["document"], [bad_env]), ring, "f.pdf").devices
