"""One certificate for the whole laptop, from a station that erased its two disks through the
agent (a real process on loopback) and wrote its system: `etabli certificate LAPTOP` gives
it, `etabli verify-certificate` accepts it, its page names the laptop, both disks and the
system; a laptop with one disk not erased gets none, and is told which disk."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.laptop_agent.test_agent_process import CODE, Agent, _etabli
from tests.laptop_agent.test_laptop_erase import _name_the_workshop
from tests.laptop_agent.test_laptop_image import IMAGE, _image, _library_image


def _laptop_erase(tmp_path: Path, agent: Agent, *serials: str) -> str:
    confirms = [a for s in serials for a in ("--confirm-serial", s)]
    done = _etabli(tmp_path, "laptop-erase", agent.address, CODE, "--lang", "en", *confirms)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _text(pdf: Path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext (poppler-utils) is needed to read the certificate")
    out = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True)
    return " ".join(out.stdout.split())


def test_one_signed_certificate_for_the_whole_laptop(tmp_path: Path, agent: Agent) -> None:
    _library_image(tmp_path)
    _name_the_workshop(tmp_path)
    said = _laptop_erase(tmp_path, agent, "LAPA1", "LAPB2")
    (line,) = [x for x in said.splitlines() if x.startswith("Laptop certificate")]
    asset = line.split()[-3]
    assert line == f"Laptop certificate: etabli certificate {asset} -o {asset}.pdf"
    written = _image(tmp_path, agent.address, "--image", IMAGE, "--json")
    assert written.returncode == 0, written.stderr

    pdf = tmp_path / f"{asset}.pdf"
    issued = _etabli(tmp_path, "certificate", asset, "-o", str(pdf), "--lang", "fr")
    assert issued.returncode == 0, issued.stderr
    assert "2/2 disques effacés et vérifiés" in issued.stdout

    checked = _etabli(tmp_path, "verify-certificate", str(pdf), "--json")
    assert checked.returncode == 0, checked.stderr
    check = json.loads(checked.stdout)
    laptop = check["laptop"]
    assert laptop["computer"]["asset_code"] == asset
    assert laptop["computer"]["serial"] == "MP1CHKDC"
    assert [(d["serial"], d["certified"]) for d in laptop["disks"]] == [
        ("disk-LAPA1", True),
        ("disk-LAPB2", True),
    ]
    assert laptop["system"]["image"] == IMAGE and laptop["system"]["disk_serial"] == "disk-LAPA1"
    assert sorted(d["reference"] for d in check["devices"]) == sorted(
        d["reference"] for d in laptop["disks"]
    )

    text = _text(pdf)
    assert "Certificat d’effacement — ordinateur portable" in text
    assert "Lenovo YOGA 720-13IKB" in text and "MP1CHKDC" in text
    assert "disk-LAPA1" in text and "disk-LAPB2" in text and IMAGE in text
    assert text.count("EFFACÉ ET VÉRIFIÉ / ERASED AND VERIFIED") == 3  # the laptop, 2 disks

    if shutil.which("pdftoppm") is None:
        pytest.fail("pdftoppm (poppler-utils) is needed to look at the certificate")
    png = tmp_path / "page"
    subprocess.run(
        ["pdftoppm", "-png", "-r", "70", "-f", "1", "-l", "1", str(pdf), str(png)], check=True
    )
    assert (tmp_path / "page-1.png").stat().st_size > 10_000
    if os.environ.get("ETABLI_KEEP_PAGE"):  # to look at it: the PNG kept where asked
        shutil.copy(tmp_path / "page-1.png", os.environ["ETABLI_KEEP_PAGE"])

    # A byte changed anywhere: refused.
    data = bytearray(pdf.read_bytes())
    at = data.find(b"MP1CHKDC")
    if at >= 0:
        data[at] ^= 0x01
    else:
        data[len(data) // 2] ^= 0x01
    tampered = tmp_path / "tampered.pdf"
    tampered.write_bytes(bytes(data))
    refused = _etabli(tmp_path, "verify-certificate", str(tampered), "--lang", "en")
    assert refused.returncode == 1 and "NOT VALID" in refused.stderr


def test_a_laptop_with_a_disk_not_erased_gets_no_certificate(tmp_path: Path, agent: Agent) -> None:
    _name_the_workshop(tmp_path)
    said = _laptop_erase(tmp_path, agent, "LAPA1")
    (line,) = [x for x in said.splitlines() if x.startswith("Laptop certificate")]
    asset = line.split()[2].rstrip(":")
    assert line == f"Laptop certificate {asset}: not yet, disk(s) disk-LAPB2 not erased."

    pdf = tmp_path / "laptop.pdf"
    refused = _etabli(tmp_path, "certificate", asset, "-o", str(pdf), "--lang", "en")
    assert refused.returncode == 2
    assert "disk(s) disk-LAPB2 not erased" in refused.stderr and "LAPA1" not in refused.stderr
    assert "Traceback" not in refused.stderr
    assert not pdf.exists()

    # The erased disk's own certificate is still there.
    rows = json.loads(_etabli(tmp_path, "devices", "--json").stdout)
    (disk,) = [d for d in rows if d["serial"] == "disk-LAPA1"]
    own = _etabli(tmp_path, "certificate", disk["asset_code"], "-o", str(tmp_path / "d.pdf"))
    assert own.returncode == 0, own.stderr
