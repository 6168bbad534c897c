"""The whole computer's certificate, from a station's real erasures of two image-file disks
linked to a laptop: issued only when every disk is erased and verified, any changed byte
refused, and a summary that lists other disk documents than the attached ones refused even
when sealed with a trusted key."""

from __future__ import annotations

import copy
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reportlab.platypus import PageBreak

from bench_app.domain.model import Device, DeviceKind, JobState
from bench_app.errors import BenchError
from bench_app.output.certificates import assemble, document, layout
from bench_app.output.certificates.laptop import laptop_certificate, laptop_flowables
from bench_app.output.certificates.laptop_document import laptop_documents
from bench_app.output.certificates.verify import verify_pdf
from bench_app.signing import Keyring, sign_document
from tests.output.certificates.conftest import Bench
from tests.output.certificates.pdfs import check_pdfa3, text_of

MiB = 1 << 20


def _laptop(bench: Bench, *disks: Device) -> Device:
    laptop = bench.station.register_device(
        DeviceKind.LAPTOP, brand="Dell", model="Latitude 5490", serial="DL5490-7Q2"
    )
    for disk in disks:
        bench.station.link_disk(disk.id, laptop.id, "taken out")
    return laptop


@pytest.fixture
def laptop_pdf(bench: Bench) -> tuple[bytes, Keyring, Device]:
    one = bench.erase("SSD-A1B2.img", size=2 * MiB)
    two = bench.erase("HDD-C3D4.img", size=2 * MiB, method="clear-zero")
    laptop = _laptop(bench, one, two)
    issuer = document.Issuer.for_folder(bench.folder)
    data, _ = laptop_certificate(bench.station.store, issuer, laptop)
    if os.environ.get("ETABLI_KEEP_LAPTOP_PDF"):  # to look at it
        Path(os.environ["ETABLI_KEEP_LAPTOP_PDF"]).write_bytes(data)
    return data, Keyring.for_station(bench.folder), laptop


def test_the_laptop_certificate_verifies_and_names_every_disk(
    laptop_pdf: tuple[bytes, Keyring, Device], tmp_path: Path
) -> None:
    data, ring, laptop = laptop_pdf
    check = verify_pdf(data, ring, "pc.pdf")
    assert check.laptop is not None and check.lot is None
    assert check.laptop["computer"]["asset_code"] == laptop.asset_code
    assert sorted((d["serial"], d["certified"]) for d in check.laptop["disks"]) == [
        ("HDD-C3D4", True),
        ("SSD-A1B2", True),
    ]
    assert len(check.devices) == 2 and check.laptop["system"] is None
    pdf = tmp_path / "pc.pdf"
    pdf.write_bytes(data)
    text = " ".join(text_of(pdf).split())
    assert "Certificat d’effacement — ordinateur portable" in text
    assert "DL5490-7Q2" in text and "aucun système écrit par l’atelier" in text
    check_pdfa3(data, lang="fr-FR", attached=3)  # the laptop's and each disk's


@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(where=st.floats(0, 1, exclude_max=True), xor=st.integers(1, 255))
def test_any_byte_of_a_laptop_certificate_changed_is_detected(
    laptop_pdf: tuple[bytes, Keyring, Device], where: float, xor: int
) -> None:
    data, ring, _ = laptop_pdf
    changed = bytearray(data)
    changed[int(where * len(data))] ^= xor
    with pytest.raises(BenchError) as caught:
        verify_pdf(bytes(changed), ring, "pc.pdf")
    assert caught.value.code in ("CERT_TAMPERED", "CERT_NOT_CERTIFICATE", "SIGNATURE_KEY_UNKNOWN")


def test_a_summary_that_lists_other_disks_is_refused_even_when_sealed(bench: Bench) -> None:
    one = bench.erase("SSD-E5F6.img", size=2 * MiB)
    two = bench.erase("HDD-G7H8.img", size=2 * MiB)
    laptop = _laptop(bench, one, two)
    issuer = document.Issuer.for_folder(bench.folder)
    ring = Keyring.for_station(bench.folder)
    summary, disks = laptop_documents(bench.station.store, issuer, laptop, document.now_utc())
    envelopes = [sign_document(issuer.key, d) for d in disks]

    def sealed(page: dict, attached: list[dict]) -> bytes:
        envelope = sign_document(issuer.key, page)
        flowables = laptop_flowables(page, envelope, "fr")
        for disk in attached:
            flowables += [PageBreak(), *layout.device_flowables(disk["document"], disk, "fr")]
        return assemble._assemble(
            flowables,
            envelopes=[envelope, *attached],
            issuer=issuer,
            title="x",
            footer="x",
            training=False,
            lang="fr",
        )

    assert verify_pdf(sealed(summary, envelopes), ring, "ok.pdf").laptop is not None
    # One disk's section left out: the summary still lists it.
    with pytest.raises(BenchError) as caught:
        verify_pdf(sealed(summary, envelopes[:1]), ring, "f.pdf")
    assert caught.value.code == "CERT_TAMPERED" and "not the ones" in caught.value.message.en
    # A summary whose disk rows claim another disk's serial: the page's data differs.
    forged = copy.deepcopy(summary)
    forged["disks"][0]["document_sha256"] = "0" * 64
    with pytest.raises(BenchError) as caught:
        verify_pdf(sealed(forged, envelopes), ring, "f.pdf")
    assert caught.value.code == "CERT_TAMPERED"


def test_no_laptop_certificate_while_one_disk_is_not_erased(bench: Bench) -> None:
    erased = bench.erase("SSD-J1K2.img", size=2 * MiB)
    failed = bench.erase(
        "HDD-L3M4.img", size=2 * MiB, bad=[(MiB, MiB + 4096)], expect=JobState.BLOCKED
    )
    laptop = _laptop(bench, erased, failed)
    issuer = document.Issuer.for_folder(bench.folder)
    with pytest.raises(BenchError) as caught:
        laptop_certificate(bench.station.store, issuer, laptop)
    assert caught.value.code == "LAPTOP_CERT_NOT_ERASED"
    assert caught.value.values["disks"] == "HDD-L3M4"
    nothing = bench.station.register_device(DeviceKind.LAPTOP, brand="HP", model="x", serial="Z9")
    with pytest.raises(BenchError) as caught:
        laptop_certificate(bench.station.store, issuer, nothing)
    assert caught.value.code == "LAPTOP_CERT_NO_DISK"
