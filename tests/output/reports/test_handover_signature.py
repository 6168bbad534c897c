"""The handover sheet of a loan carries its signature: an empty box to sign while it is not
signed, "signed on paper" once ticked, and the picture itself once kept (signed on screen,
or added later); the PDF then holds that picture (read back by poppler's pdfimages)."""

from __future__ import annotations

import io
import subprocess
from datetime import date, timedelta
from pathlib import Path

from PIL import Image, ImageDraw

from bench_app.domain.model import DeviceKind, OutcomeKind
from bench_app.journey import OutcomeChoice
from bench_app.output.reports.handover import gather_handover, write_handover
from bench_app.settings import Settings
from bench_app.station import Station
from tests.output.reports.support import pdf_text
from tests.unit.test_loans import _erased

ORG = Settings(organisation="Atelier Solidaire du Faubourg", warranty_months=6)
SIZE = (420, 140)


def signature_png() -> bytes:
    """A drawn signature: ink strokes on white, as the signature pad saves it."""
    picture = Image.new("RGB", SIZE, "white")
    pen = ImageDraw.Draw(picture)
    pen.line([(20, 100), (80, 30), (140, 110), (200, 40), (260, 105), (400, 60)], "#10203a", 6)
    out = io.BytesIO()
    picture.save(out, "PNG")
    return out.getvalue()


def _images(pdf: Path) -> list[tuple[int, int]]:
    """(width, height) of every picture in the PDF, as pdfimages lists them."""
    listed = subprocess.run(
        ["pdfimages", "-list", str(pdf)], check=True, capture_output=True, text=True
    ).stdout.splitlines()[2:]
    return [(int(line.split()[3]), int(line.split()[4])) for line in listed if line.strip()]


def _sheet(station: Station, device_id: str, path: Path) -> str:
    device = station.device(device_id)
    assert device is not None
    write_handover(gather_handover(station.store, device, ORG, station.folder), path)
    return " ".join(pdf_text(path).split())


def test_the_sheet_shows_the_box_then_paper_then_the_picture(
    data_dir: Path, tmp_path: Path
) -> None:
    ORG.save(data_dir)
    station = Station(data_dir, operator="camille")
    try:
        drive = station.register_device(DeviceKind.DRIVE, brand="WD", serial="SIGN-1")
        _erased(station, drive)
        due = str(date.today() + timedelta(days=30))
        station.choose_outcome(
            drive.id, OutcomeChoice(OutcomeKind.LOAN, beneficiary="DOS-7", due_on=due)
        )
        unsigned = _sheet(station, drive.id, tmp_path / "unsigned.pdf")
        assert "Signature du bénéficiaire" in unsigned and "À signer ici." in unsigned
        assert _images(tmp_path / "unsigned.pdf") == []

        station.sign_handover(drive.id)  # ticked "signé": signed on paper
        paper = _sheet(station, drive.id, tmp_path / "paper.pdf")
        assert "Signée sur papier." in paper and "À signer ici." not in paper
        assert _images(tmp_path / "paper.pdf") == []

        station.sign_handover(drive.id, signature_png())  # the picture added later
        pictured = _sheet(station, drive.id, tmp_path / "pictured.pdf")
        assert "Signée (image gardée par l’atelier)." in pictured
        assert _images(tmp_path / "pictured.pdf") == [SIZE]
    finally:
        station.close()


def test_a_sheet_whose_picture_left_the_data_folder_says_signed_without_it(
    data_dir: Path, tmp_path: Path
) -> None:
    ORG.save(data_dir)
    station = Station(data_dir, operator="camille")
    try:
        drive = station.register_device(DeviceKind.DRIVE, brand="WD", serial="SIGN-2")
        _erased(station, drive)
        digest = station.keep_signature(signature_png())
        due = str(date.today() + timedelta(days=30))
        choice = OutcomeChoice(OutcomeKind.LOAN, beneficiary="DOS-8", due_on=due, signature=digest)
        station.choose_outcome(drive.id, choice)
        assert _images_of(station, drive.id, tmp_path / "kept.pdf") == [SIZE]
        (data_dir / "signatures" / f"{digest}.img").write_bytes(b"\x89PNG\r\n\x1a\nchanged")
        assert _images_of(station, drive.id, tmp_path / "changed.pdf") == []
        assert "Signée sur papier." in " ".join(pdf_text(tmp_path / "changed.pdf").split())
    finally:
        station.close()


def _images_of(station: Station, device_id: str, path: Path) -> list[tuple[int, int]]:
    _sheet(station, device_id, path)
    return _images(path)
