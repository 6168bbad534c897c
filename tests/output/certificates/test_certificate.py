"""Certificates of real erasures, read back as a donor and as a verifier would."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pikepdf
import pytest

from bench_app.domain.model import DeviceKind, JobState
from bench_app.erasure.records import latest_erasure
from bench_app.output.certificates.layout import GOOD_FILL
from bench_app.output.certificates.references import certificate_reference
from bench_app.output.pdf_style import GOOD
from bench_app.signing import Keyring, parse_signed_json, verify_envelope
from bench_app.wire.canonical import canonical_json
from tests.output.certificates.conftest import ORGANISATION, Bench
from tests.output.certificates.pdfs import (
    attachments,
    check_pdfa3,
    pages,
    qr_codes,
    run,
    squash,
    text_of,
)

MiB = 1 << 20


def _reference(bench: Bench, device_id: str) -> str:
    record = latest_erasure(bench.station.store, device_id)
    assert record is not None
    return certificate_reference(record["erasure_id"])


def _fill_colours(path: Path) -> set[tuple[float, ...]]:
    """Every RGB fill and stroke colour the pages' content streams set."""
    found = set()
    with pikepdf.open(path) as pdf:
        for page in pdf.pages:
            for instruction in pikepdf.parse_content_stream(page):
                if isinstance(instruction, pikepdf.ContentStreamInstruction) and str(
                    instruction.operator
                ) in ("rg", "RG"):
                    found.add(tuple(round(float(x), 3) for x in instruction.operands))
    return found


def _rgb(colour: object) -> tuple[float, ...]:
    return tuple(round(float(getattr(colour, c)), 3) for c in ("red", "green", "blue"))


def test_an_erased_drive_gets_a_one_page_certificate_that_verifies(
    bench: Bench, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    device = bench.erase("WDC-WD5000-7Q2W.img", size=16 * MiB)
    out = tmp_path / "ok.pdf"
    code, stdout, _ = run(capsys, "certificate", device.asset_code, "-o", str(out))
    assert code == 0 and "effacé et vérifié" in stdout
    reference = _reference(bench, device.id)
    text = text_of(out)
    flat = squash(text)
    assert pages(out) == 1
    for fact in (
        "Certificat d’effacement de données",
        "EFFACÉ ET VÉRIFIÉ / ERASED AND VERIFIED",
        f"{ORGANISATION} certifie",
        reference,
        device.asset_code,
        "WDC-WD5000-7Q2W",
        "Caisse de retraite Sud-Est",
        "CONV-2026-014",
        "NIST SP 800-88 Rev. 1",
        "Clear (réécriture aléatoire)",
        "aes-256-ctr",
        "16,8 Mo (16 777 216 octets)",
        "amina",
        "Poste 3",
    ):
        assert squash(fact) in flat, fact
    assert "NON EFFACÉ" not in text
    code, stdout, stderr = run(capsys, "verify-certificate", str(out))
    key_id = Keyring.for_station(bench.folder).keys.popitem()[0]
    assert code == 0, stderr
    assert stdout.startswith(f"VALIDE : fichier intact, signé par la clé {key_id} (ce poste)")
    assert reference in stdout and "EFFACÉ ET VÉRIFIÉ" in stdout


def test_bad_sectors_give_a_red_not_erased_report_that_never_looks_like_a_success(
    bench: Bench, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    device = bench.erase(
        "BADSEC-2P7L.img", bad=[(3 * MiB, 3 * MiB + 4096)], expect=JobState.BLOCKED
    )
    out = tmp_path / "bad.pdf"
    code, stdout, _ = run(capsys, "certificate", device.asset_code, "-o", str(out))
    assert code == 0 and "NON EFFACÉ" in stdout
    text = text_of(out)
    flat = squash(text)
    for fact in (
        "Rapport d’effacement — échec",
        "NON EFFACÉ / NOT ERASED",
        "N’ONT PAS été effacées",
        "1 zone n’a pas pu être écrite.",
        "La vérification a échoué.",
        "ÉCHEC",
        "6144–6151",  # the unwritable sectors
        _reference(bench, device.id),
    ):
        assert squash(fact) in flat, fact
    lowered = text.lower()
    assert "certifie" not in lowered and "erased and verified" not in lowered
    assert "certificat d’effacement" not in lowered
    colours = _fill_colours(out)
    assert _rgb(GOOD) not in colours and _rgb(GOOD_FILL) not in colours
    code, stdout, _ = run(capsys, "verify-certificate", str(out))
    assert code == 0 and "NON EFFACÉ — 1 zone n’a pas pu être écrite." in stdout


def test_an_interrupted_erasure_reads_as_not_erased_and_shows_where_it_stopped(
    bench: Bench, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    device = bench.erase(
        "UNPLUG-8K3M.img", size=32 * MiB, gone_after=12 * MiB, expect=JobState.INTERRUPTED
    )
    record = latest_erasure(bench.station.store, device.id)
    assert record is not None and record["result"] == "in_progress"
    out = tmp_path / "cut.pdf"
    code, _, _ = run(capsys, "certificate", device.asset_code, "-o", str(out), "--lang", "en")
    assert code == 0
    flat = squash(text_of(out))
    for fact in (
        "Erasure report — failed",
        "NON EFFACÉ / NOT ERASED",
        "The erasure has not finished (in progress or interrupted).",
        "DEVICE_GONE",
        "resumed: no",
        "No verification was done.",
    ):
        assert squash(fact) in flat, fact
    assert "certifies" not in text_of(out).lower()
    assert _rgb(GOOD) not in _fill_colours(out)
    code, stdout, _ = run(capsys, "verify-certificate", str(out), "--lang", "en")
    assert code == 0 and "NOT ERASED" in stdout and "(in progress)" in stdout


def test_english_certificate_of_a_real_loop_device(
    bench: Bench,
    loop_over: Callable[[str, int], str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    dev = loop_over("LOOPDISK-9F3K.img", 8 * MiB)
    device = bench.erase_device_path(dev, "9f3k")
    out = tmp_path / "loop.pdf"
    code, _, _ = run(capsys, "certificate", device.asset_code, "-o", str(out), "--lang", "en")
    assert code == 0
    flat = squash(text_of(out))
    for fact in (
        "Data erasure certificate",
        "EFFACÉ ET VÉRIFIÉ / ERASED AND VERIFIED",
        "certifies that the data",
        "Connection",
        "loop",
        "8.4 MB (8,388,608 bytes)",
        "zeros",
        "LOOPDISK-9F3K",
    ):
        assert squash(fact) in flat, fact
    assert run(capsys, "verify-certificate", str(out))[0] == 0


def test_a_phone_wipe_shows_the_phone_fields(
    bench: Bench, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    phone = bench.phone_wipe()
    out = tmp_path / "phone.pdf"
    assert run(capsys, "certificate", phone.asset_code, "-o", str(out))[0] == 0
    flat = squash(text_of(out))
    for fact in (
        "EFFACÉ ET VÉRIFIÉ / ERASED AND VERIFIED",
        "Téléphone",
        "IMEI",
        "356938035643809",
        "Stockage",
        "128,0 Go (128 000 000 000 octets)",
        "Chiffrement",
        "chiffré (par fichier)",
        "Version d’Android",
        "effacement cryptographique (réinitialisation d’usine par le mode recovery)",
        "Purge des appareils mobiles chiffrés",
        "contrôles après redémarrage",
    ):
        assert squash(fact) in flat, fact
    assert run(capsys, "verify-certificate", str(out))[0] == 0
    failed = bench.phone_wipe(ok=False)
    out2 = tmp_path / "phone-bad.pdf"
    assert run(capsys, "certificate", failed.asset_code, "-o", str(out2))[0] == 0
    text = text_of(out2)
    assert "NON EFFACÉ / NOT ERASED" in text and "Le téléphone n’a pas redémarré vierge." in text
    assert "certifie" not in text.lower()


def test_the_qr_code_holds_the_signed_json_of_the_attachment(
    bench: Bench, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    device = bench.erase("QRCODE-5T6Y.img")
    out = tmp_path / "qr.pdf"
    assert run(capsys, "certificate", device.asset_code, "-o", str(out))[0] == 0
    [(name, data)] = attachments(out).items()
    assert name == f"{_reference(bench, device.id)}.json"
    [scanned] = qr_codes(out, tmp_path)
    assert canonical_json(scanned) == data
    ring = Keyring.for_station(bench.folder)
    verified = verify_envelope(scanned, ring, source="qr")
    assert verified.document["device"]["asset_code"] == device.asset_code


def test_the_file_is_pdf_a_3b_in_structure(
    bench: Bench, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """What can be checked without veraPDF (pdfs.check_pdfa3); the lot's and the laptop's
    certificates are checked the same way in their own tests."""
    device = bench.erase("PDFA-3B4C.img")
    out = tmp_path / "a.pdf"
    assert run(capsys, "certificate", device.asset_code, "-o", str(out))[0] == 0
    check_pdfa3(out.read_bytes(), lang="fr-FR", attached=1)


def test_the_erasure_report_json_is_the_signed_canonical_document(
    bench: Bench, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    device = bench.erase("JSON-R3P0.img", bad=[(MiB, MiB + 512)], expect=JobState.BLOCKED)
    out = tmp_path / "report.json"
    code, stdout, _ = run(capsys, "report", "erasure", device.asset_code, "-o", str(out))
    assert code == 0 and "not_erased" in stdout
    data = out.read_bytes()
    verified = parse_signed_json(data, Keyring.for_station(bench.folder), source="r")
    doc = verified.document
    record = latest_erasure(bench.station.store, device.id)
    assert record is not None
    assert doc["reference"] == certificate_reference(record["erasure_id"])
    assert doc["erasure"]["result"] == "not_erased" and doc["erasure"]["error_ranges"] == 1
    assert doc["erasure"]["passes"][0]["errors"] == record["passes"][0]["errors"]
    assert doc["erasure"]["target"]["serial"] == "JSON-R3P0"
    assert isinstance(doc["erasure"]["duration_seconds"], str)  # floats travel as strings
    assert doc["donor"]["name"] == "Caisse de retraite Sud-Est"
    assert "seed" not in doc["erasure"]["verification"]
    assert json.loads(data)["signature"]["key_id"] == doc["station"]["key_id"]


def test_keys_are_exported_trusted_and_unknown_ones_named(
    bench: Bench, tmp_path: Path, capsys: pytest.CaptureFixture[str], data_dir: Path
) -> None:
    device = bench.erase("KEYS-7H8J.img")
    out = tmp_path / "c.pdf"
    assert run(capsys, "certificate", device.asset_code, "-o", str(out))[0] == 0
    pub = tmp_path / "station.pub"
    code, stdout, _ = run(capsys, "keys", "export-public", "-o", str(pub))
    key_id = stdout.split()[-1]
    assert code == 0 and pub.read_text().startswith("-----BEGIN PUBLIC KEY-----")
    hub = tmp_path / "collective"
    code, _, stderr = run(capsys, "verify-certificate", str(out), "--data-dir", str(hub))
    assert code == 1 and key_id in stderr and "keys trust" in stderr
    assert (
        run(capsys, "verify-certificate", str(out), "--data-dir", str(hub), "--key", str(pub))[0]
        == 0
    )
    code, stdout, _ = run(capsys, "keys", "trust", str(pub), "--data-dir", str(hub))
    assert code == 0 and key_id in stdout
    code, stdout, _ = run(capsys, "verify-certificate", str(out), "--data-dir", str(hub))
    assert code == 0 and f"clé {key_id} ({key_id}.pub)" in stdout
    code, stdout, _ = run(capsys, "keys", "show", "--data-dir", str(hub))
    assert f"Confiance: {key_id}" in stdout


def test_no_erasure_and_bad_requests_are_plain_errors(
    bench: Bench, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    phone = bench.station.register_device(DeviceKind.PHONE)
    code, _, stderr = run(capsys, "certificate", phone.asset_code, "-o", str(tmp_path / "x.pdf"))
    assert (
        code == 2
        and f"Aucun effacement n’est enregistré pour l’appareil {phone.asset_code}" in stderr
    )
    assert not (tmp_path / "x.pdf").exists()
    code, _, stderr = run(capsys, "certificate", "-o", str(tmp_path / "x.pdf"))
    assert code == 2 and "--lot" in stderr
    code, _, stderr = run(capsys, "certificate", "--lot", "ffffffff", "-o", str(tmp_path / "x.pdf"))
    assert code == 2 and "ffffffff" in stderr
    not_pdf = tmp_path / "n.pdf"
    not_pdf.write_bytes(b"%PDF-1.4\nnothing here\n")
    code, _, stderr = run(capsys, "verify-certificate", str(not_pdf))
    assert code == 1 and "n’est pas un certificat d’effacement Établi" in stderr
    code, _, stderr = run(capsys, "verify-certificate", str(tmp_path / "missing.pdf"))
    assert code == 1
