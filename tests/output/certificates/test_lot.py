"""The certificate of a whole lot: one summary page, then one section per device, each with
its own signed JSON, the summary binding them."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from bench_app.domain.model import DeviceKind, JobState
from bench_app.errors import BenchError
from bench_app.output.certificates import assemble, document, layout
from bench_app.output.certificates.verify import verify_pdf
from bench_app.signing import Keyring, sign_document
from bench_app.store import queries
from tests.output.certificates.conftest import Bench
from tests.output.certificates.pdfs import (
    as_attached,
    attachments,
    check_pdfa3,
    pages,
    qr_codes,
    run,
    squash,
    text_of,
)

MiB = 1 << 20


def test_a_mixed_lot_says_how_many_are_not_erased_and_verifies(
    bench: Bench, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ok = bench.erase("LOT-OK-1111.img")
    bad = bench.erase("LOT-BAD-2222.img", bad=[(MiB, MiB + 4096)], expect=JobState.BLOCKED)
    phone = bench.phone_wipe()
    never = bench.station.register_device(
        DeviceKind.LAPTOP,
        brand="Dell",
        model="Latitude 5490",
        serial="DL5490X",
        lot_id=bench.lot_id,
    )
    out = tmp_path / "lot.pdf"
    code, stdout, _ = run(capsys, "certificate", "--lot", bench.lot_id[:13], "-o", str(out))
    assert code == 0 and "2/4 effacés et vérifiés" in stdout
    assert pages(out) >= 4
    flat = squash(text_of(out))
    for fact in (
        "Rapport d’effacement du lot",
        "NON EFFACÉ / NOT ERASED : 2/4",
        "Caisse de retraite Sud-Est",
        "AUCUN EFFACEMENT",
        "Latitude 5490",
        ok.asset_code,
        bad.asset_code,
        phone.asset_code,
        never.asset_code,
    ):
        assert squash(fact) in flat, fact
    files = attachments(out)
    assert len(files) == 4  # the lot's summary and the three erasures
    lot_doc = next(sign for name, sign in files.items() if name.startswith("LOT-"))
    assert b'"counts":{"certified":2,"devices":4,"not_certified":2}' in lot_doc
    code, stdout, _ = run(capsys, "verify-certificate", str(out))
    assert code == 0
    assert "2/4 effacés et vérifiés" in stdout
    assert stdout.count("EFFACÉ ET VÉRIFIÉ") == 2 and stdout.count("NON EFFACÉ") == 1
    scanned = qr_codes(out, tmp_path, dpi=300)
    assert len(scanned) == 4
    # Each code is its attachment's envelope, or (a document too large for paper) its
    # signed digest, which that attachment completes.
    attached = list(files.values())
    assert {as_attached(s, attached) for s in scanned} == set(attached)


def test_a_document_too_large_for_paper_gets_a_signed_digest_its_attachment_completes(
    bench: Bench,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from bench_app.output.certificates import qr

    bench.erase("BIG-A-7777.img")
    bench.erase("BIG-B-8888.img")
    monkeypatch.setattr(qr, "QR_MAX_CHARS", 100)  # every document is "too large" now
    out = tmp_path / "lot.pdf"
    assert run(capsys, "certificate", "--lot", bench.lot_id, "-o", str(out))[0] == 0
    assert run(capsys, "verify-certificate", str(out))[0] == 0
    scanned = qr_codes(out, tmp_path, dpi=300)
    assert len(scanned) == 3 and {s["format"] for s in scanned} == {"etabli.signed-digest/1"}
    attached = list(attachments(out).values())
    assert {as_attached(s, attached) for s in scanned} == set(attached)
    # A digest whose signature is another's completes nothing.
    forged = dict(scanned[0], signature=scanned[1]["signature"])
    assert as_attached(forged, attached) not in attached


def test_an_all_erased_lot_is_a_certificate(
    bench: Bench, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("ALL-A-3333.img", "ALL-B-4444.img"):
        bench.erase(name)
    out = tmp_path / "lot.pdf"
    assert run(capsys, "certificate", "--lot", bench.lot_id, "-o", str(out), "--lang", "en")[0] == 0
    text = text_of(out)
    assert "Erasure certificate — lot" in text
    assert squash("EFFACÉ ET VÉRIFIÉ / ERASED AND VERIFIED : 2/2") in squash(text)
    assert "NOT ERASED" not in text
    assert run(capsys, "verify-certificate", str(out))[0] == 0
    check_pdfa3(out.read_bytes(), lang="en-GB", attached=3)  # the lot's and each device's


def test_a_lot_whose_device_section_was_swapped_is_refused(bench: Bench) -> None:
    first = bench.erase("SWAP-A-5555.img")
    issuer = document.Issuer.for_folder(bench.folder)
    other = bench.erase("SWAP-B-6666.img", in_lot=False)
    lot = next(x for x in queries.lots(bench.station.store) if x.id == bench.lot_id)
    data, lot_env = assemble.lot_certificate(bench.station.store, issuer, lot)
    ring = Keyring.for_station(bench.folder)
    assert [d["device"]["asset_code"] for d in verify_pdf(data, ring, "l.pdf").devices] == [
        first.asset_code
    ]
    # Same summary, but the section and signed data of a device from elsewhere.
    stranger = assemble.device_envelope(bench.station.store, issuer, other)
    flowables = layout._lot_flowables(lot_env["document"], lot_env, "fr")
    flowables += layout.device_flowables(stranger["document"], stranger, "fr")
    forged = assemble._assemble(
        flowables,
        envelopes=[lot_env, stranger],
        issuer=issuer,
        title="x",
        footer="x",
        training=False,
        lang="fr",
    )
    with pytest.raises(BenchError) as caught:
        verify_pdf(forged, ring, "l.pdf")
    assert caught.value.code == "CERT_TAMPERED" and "lot summary" in caught.value.message.en
    # A summary re-signed to claim every device was erased, over the true device data.
    claimed = copy.deepcopy(lot_env["document"])
    assert claimed["counts"]["not_certified"] == 0
    claimed["devices"][0]["asset_code"] = other.asset_code
    envelope = sign_document(issuer.key, claimed)
    real = assemble.device_envelope(bench.station.store, issuer, first)
    flowables = layout._lot_flowables(lot_env["document"], envelope, "fr")
    flowables += layout.device_flowables(real["document"], real, "fr")
    forged = assemble._assemble(
        flowables,
        envelopes=[envelope, real],
        issuer=issuer,
        title="x",
        footer="x",
        training=False,
        lang="fr",
    )
    with pytest.raises(BenchError):
        verify_pdf(forged, ring, "l.pdf")


def test_an_empty_or_unknown_lot_is_a_plain_error(
    bench: Bench, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, stderr = run(
        capsys, "certificate", "--lot", bench.lot_id, "-o", str(tmp_path / "e.pdf")
    )
    assert code == 2 and "n’a aucun appareil" in stderr
