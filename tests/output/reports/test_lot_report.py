"""The donor's lot report: every device with its erasure (a certificate only for a verified
erasure), grade and outcome; counts; the environmental benefit with its factors and source;
training devices left out unless asked; PDF and CSV, through the command line too."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

from bench_app.commands.main import main
from bench_app.domain.model import DeviceKind, OutcomeKind
from bench_app.erasure.records import latest_erasure
from bench_app.errors import BenchError
from bench_app.output.certificates.references import certificate_reference
from bench_app.output.reports.environment import default_factors_path, load_factors
from bench_app.output.reports.lot_report import find_lot, gather_lot
from bench_app.station import Station
from bench_app.store import queries
from tests.output.reports.support import ECO_REF, make_donation, pdf_text, watermarked


def _read_csv(path: Path) -> list[dict[str, str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "no UTF-8 byte-order mark"
    text = raw.decode("utf-8-sig")
    assert text.splitlines()[0].count(";") == 16
    return list(csv.DictReader(io.StringIO(text, newline=""), delimiter=";"))


def test_recycling_needs_the_eco_organisms_reference(station: Station) -> None:
    device = station.register_device(DeviceKind.DESKTOP, brand="Dell", model="OptiPlex 7050")
    with pytest.raises(BenchError) as refused:
        station.record_outcome(device.id, OutcomeKind.RECYCLING, reference="  ")
    assert refused.value.code == "OUTCOME_RECYCLING_REFERENCE"
    assert queries.latest_outcome(station.store, device.id) is None
    station.record_outcome(device.id, OutcomeKind.RECYCLING, reference="ECO-BSD-7")
    station.record_outcome(device.id, OutcomeKind.SPARE_PARTS, note="écran gardé à l’atelier")
    outcome = queries.latest_outcome(station.store, device.id)
    assert outcome is not None and outcome.kind is OutcomeKind.SPARE_PARTS


def test_the_csv_lists_each_device_with_its_certificate_outcome_and_benefit(
    station: Station, tmp_path: Path, data_dir: Path
) -> None:
    gift = make_donation(station, tmp_path)
    out = tmp_path / "don.csv"
    assert main(["report", "lot", "CONV-2026-117", "-o", str(out)]) == 0
    rows = {r["Code"]: r for r in _read_csv(out)}
    codes = {i: station.device(i).asset_code for i in vars(gift).values() if i != gift.lot_id}  # type: ignore[union-attr]
    assert set(rows) == {
        codes[gift.erased],
        codes[gift.failed],
        codes[gift.phone],
        codes[gift.laptop],
    }

    good = latest_erasure(station.store, gift.erased)
    assert good is not None and good["result"] == "erased"
    row = rows[codes[gift.erased]]
    assert row["Certificat"] == certificate_reference(good["erasure_id"])
    assert row["Effacement"] == "Effacé et vérifié" and row["Méthode d’effacement"] == "clear-zero"
    assert row["Issue"] == "Don" and row["Note atelier"] == "A"

    bad = latest_erasure(station.store, gift.failed)
    assert bad is not None and bad["result"] == "not_erased"
    row = rows[codes[gift.failed]]
    assert row["Effacement"] == "NON EFFACÉ" and row["Certificat"] == ""
    assert row["Issue"] == "Recyclage (éco-organisme)" and row["Référence de l’issue"] == ECO_REF

    row = rows[codes[gift.phone]]
    assert row["Effacement"] == "Aucun effacement enregistré" and row["Certificat"] == ""
    assert row["IMEI"] == "490154203237518" and row["Issue"] == "Prêt"
    assert rows[codes[gift.laptop]]["Issue"] == "Sans issue encore"

    # Donated drive and lent phone count; recycling and "no outcome yet" count nothing.
    factors = tomllib.loads(default_factors_path().read_text(encoding="utf-8"))
    years = factors["rule"]["years_of_use"]
    expected = factors["kinds"]["drive"]["co2e_kg"] + factors["kinds"]["phone"]["co2e_kg"] * years
    co2e = sum(float(r["CO2e évité (kg)"].replace(",", ".")) for r in rows.values())
    assert co2e == pytest.approx(expected, abs=0.05)
    assert all(r["Formation"] == "non" for r in rows.values())


def test_the_projection_read_agrees_with_the_erasure_records(
    station: Station, tmp_path: Path
) -> None:
    gift = make_donation(station, tmp_path)
    report = gather_lot(station.store, find_lot(station.store, gift.lot_id), load_factors())
    for d in report.devices:
        record = latest_erasure(station.store, d.device_id)
        assert d.erasure_result == (record["result"] if record else None)
        assert d.erasure_id == (record["erasure_id"] if record else None)


def test_the_pdf_says_it_plainly(station: Station, tmp_path: Path) -> None:
    gift = make_donation(station, tmp_path)
    out = tmp_path / "don.pdf"
    assert main(["report", "lot", "conv-2026-117", "-o", str(out)]) == 0
    text = pdf_text(out)
    good = latest_erasure(station.store, gift.erased)
    bad = latest_erasure(station.store, gift.failed)
    assert good is not None and bad is not None
    assert certificate_reference(good["erasure_id"]) in text
    assert certificate_reference(bad["erasure_id"]) not in text  # never a certificate for it
    assert "NON EFFACÉ" in text and ECO_REF in text
    assert "Caisse de retraite Rhône-Alpes" in text and "CONV-2026-117" in text
    assert "4 appareils (attendus : 6)" in text
    assert "1 appareil(s) de formation de ce don sont exclus de ce rapport." in text
    assert not watermarked(out)
    # The benefit, its factors and its sources are printed.
    assert "36,2 kg CO2e" in text  # 11.6 (drive) + 24.6 (phone, one year)
    assert "librairie.ademe.fr" in text and "ADEME" in text and "2022" in text
    assert "Pièces détachées : 0 %" in text


def test_training_devices_come_in_only_when_asked_and_bring_the_watermark(
    station: Station, tmp_path: Path
) -> None:
    gift = make_donation(station, tmp_path)
    out = tmp_path / "avec-formation.pdf"
    assert main(["report", "lot", gift.lot_id[-8:], "-o", str(out), "--include-training"]) == 0
    text = pdf_text(out)
    assert watermarked(out)
    assert "inclut 1 appareil(s) de formation" in text
    training_code = station.device(gift.training).asset_code  # type: ignore[union-attr]
    assert training_code in text
    english = tmp_path / "lot.csv"
    assert main(["report", "lot", gift.lot_id, "-o", str(english), "--lang", "en"]) == 0
    rows = list(csv.DictReader(io.StringIO(english.read_text("utf-8-sig")), delimiter=";"))
    assert training_code not in {r["Asset code"] for r in rows}
    assert {r["Training"] for r in rows} == {"no"}


def test_a_lot_is_found_by_reference_or_id_end_and_refused_otherwise(
    station: Station, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    gift = make_donation(station, tmp_path)
    assert find_lot(station.store, "conv-2026-117").id == gift.lot_id
    assert find_lot(station.store, gift.lot_id[-6:]).id == gift.lot_id
    with pytest.raises(BenchError) as unknown:
        find_lot(station.store, "CONV-1999-001")
    assert unknown.value.code == "REPORT_LOT_UNKNOWN"
    assert main(["report", "lot", "CONV-2026-117", "-o", str(tmp_path / "don.txt")]) == 2
    assert "doit se terminer par .pdf / .csv" in capsys.readouterr().err
    assert not (tmp_path / "don.txt").exists()


def test_a_wrong_factors_file_names_the_file_and_the_key(
    station: Station, tmp_path: Path, data_dir: Path
) -> None:
    make_donation(station, tmp_path)
    custom = data_dir / "environment-factors.toml"
    text = default_factors_path().read_text(encoding="utf-8")
    custom.write_text(text.replace("co2e_kg = 27.0", 'co2e_kg = "beaucoup"', 1), "utf-8")
    with pytest.raises(BenchError) as bad:
        load_factors(data_dir)
    assert bad.value.code == "ENVIRONMENT_FACTORS_INVALID"
    assert str(custom) in bad.value.message.fr and "kinds.laptop.co2e_kg" in bad.value.message.fr
    custom.write_text(text.replace("[kinds.tablet]", "[kinds.tablette]"), "utf-8")
    with pytest.raises(BenchError) as missing:
        load_factors(data_dir)
    assert "kinds.tablet" in missing.value.message.en
    # A workshop's own, valid factors are the ones used and printed.
    custom.write_text(text.replace("years_of_use = 1", "years_of_use = 3"), "utf-8")
    assert load_factors(data_dir).per_device(DeviceKind.PHONE) == pytest.approx((73.8, 230.7))
    out = tmp_path / "don.pdf"
    assert main(["report", "lot", "CONV-2026-117", "-o", str(out)]) == 0
    assert "85,4 kg CO2e" in pdf_text(out)  # 11.6 + 3 × 24.6
    shutil.copy(out, tmp_path / "kept.pdf")


def test_the_pdf_pages_render(station: Station, tmp_path: Path) -> None:
    make_donation(station, tmp_path)
    out = tmp_path / "don.pdf"
    assert main(["report", "lot", "CONV-2026-117", "-o", str(out)]) == 0
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(out), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page*.png"))
    assert len(pages) == 1 and pages[0].stat().st_size > 10_000
