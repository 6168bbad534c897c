"""A certificate in French reads in French: the phone wipe's, the drive erasure's and the
failed erasure's report, read back with pdftotext, hold none of the English values the
records keep (standard, technique, method, verification mode, a check's id), no snake_case
id, and the English certificate says the same things in English."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from bench_app.domain.model import JobState
from bench_app.erasure.wording import CHECKS
from tests.output.certificates.conftest import Bench
from tests.output.certificates.pdfs import pages, run, squash, text_of

MiB = 1 << 20
ROOT = Path(__file__).resolve().parents[3]
ARTIFACTS = ROOT / "test-artifacts"
# English the records hold, which a French page must never show as it is.
ENGLISH = (
    "mobile devices",
    "cryptographic erase",
    "factory reset",
    "post-boot checks",
    "via recovery",
    "Image file",
    "clear-random",
    "full",
    "check:",
    "required",
    "Setup wizard",
    "encrypted",
    "reset without encryption",
)
SNAKE = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b")


def _certificates(
    bench: Bench, tmp_path: Path, capsys: pytest.CaptureFixture[str], lang: str
) -> dict[str, str]:
    devices = {
        "phone wipe": bench.phone_wipe(),
        "failed phone wipe": bench.phone_wipe(ok=False),
        "drive erasure": bench.erase("WDC-WD5000-7Q2W.img", size=8 * MiB),
        "failed drive erasure": bench.erase(
            "BADSEC-2P7L.img", bad=[(3 * MiB, 3 * MiB + 4096)], expect=JobState.BLOCKED
        ),
    }
    texts = {}
    ARTIFACTS.mkdir(exist_ok=True)
    for kind, device in devices.items():
        out = tmp_path / f"{kind.replace(' ', '-')}-{lang}.pdf"
        code, _, err = run(capsys, "certificate", device.asset_code, "-o", str(out), "--lang", lang)
        assert code == 0, err
        texts[kind] = text_of(out)
        shutil.copyfile(out, ARTIFACTS / out.name)  # to look at
        if kind != "failed drive erasure":  # its list of bad sectors may take a second
            assert pages(out) == 1, kind  # the checks in words still fit one sheet
    return texts


def test_french_certificates_hold_no_english_value_nor_raw_id(
    bench: Bench, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    texts = _certificates(bench, tmp_path, capsys, "fr")
    for kind, text in texts.items():
        # The bilingual banner is the one English line a French certificate carries.
        page = text.replace("ERASED AND VERIFIED", "").replace("NOT ERASED", "")
        flat = squash(page).lower()
        for phrase in ENGLISH:
            assert squash(phrase).lower() not in flat, (kind, phrase)
        assert not SNAKE.findall(page), (kind, SNAKE.findall(page))
    phone = squash(texts["phone wipe"])
    for said in (
        "Purge des appareils mobiles chiffrés",
        "effacement cryptographique (réinitialisation d’usine par le mode recovery)",
        "contrôles après redémarrage",
        "Assistant de démarrage à refaire",
        "Fichiers témoins disparus",
        "chiffré (par fichier)",
    ):
        assert squash(said) in phone, said
    assert squash("Fichier image") in squash(texts["drive erasure"])
    assert squash("réécriture aléatoire") in squash(texts["drive erasure"])
    failed = squash(texts["failed phone wipe"])
    assert squash("Assistant de démarrage à refaire : non") in failed and "ÉCHEC" in failed


def test_english_certificates_say_the_same_in_english(
    bench: Bench, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    texts = _certificates(bench, tmp_path, capsys, "en")
    phone = squash(texts["phone wipe"])
    for said in (
        "Purge of encrypted mobile devices",
        "cryptographic erase (factory reset through recovery)",
        "checks after restart",
        "Setup wizard to do again",
        "encrypted (file-based)",
    ):
        assert squash(said) in phone, said
    for text in texts.values():
        assert not SNAKE.findall(text), SNAKE.findall(text)


def test_every_check_of_the_phone_wipe_has_words() -> None:
    source = (ROOT / "bench_app" / "erasure" / "phone_wipe.py").read_text(encoding="utf-8")
    made = set(re.findall(r"check\(\s*\"(\w+)\"", source))
    made |= set(re.findall(r"\"check\": \"(\w+)\"", source))
    assert made and made <= set(CHECKS), made - set(CHECKS)
