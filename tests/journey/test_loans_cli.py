"""`etabli loans` and `etabli return` as real processes, and `etabli outcome` for a loan
with the photo of its signed sheet, a rental's months and a sale's receipt."""

from __future__ import annotations

import hashlib
import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from bench_app.domain.model import Device, DeviceKind, OutcomeKind
from bench_app.journey import OutcomeChoice
from bench_app.loans import picture_path
from bench_app.station import Station
from bench_app.store import queries
from bench_app.store.database import DB_NAME, Store
from tests.journey.test_phone_commands import run
from tests.unit.test_loans import PNG, _erased

TODAY = date.today()


def _json(data_dir: Path, *argv: str) -> Any:
    done = run(data_dir, *argv, "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _seed(data_dir: Path) -> dict[str, Device]:
    """Four devices out: one late, one due in 5 days, one in 60, a rental started 10 days
    ago for a month; and one erased drive kept at the workshop."""
    station = Station(data_dir, operator="test")
    try:
        made: dict[str, Device] = {}
        for name in ("late", "soon", "later", "rental", "home"):
            made[name] = station.register_device(DeviceKind.DRIVE, brand="WD", serial=name)
            _erased(station, made[name])
        lent = {"late": -2, "soon": 5, "later": 60}
        for name, days in lent.items():
            choice = OutcomeChoice(
                OutcomeKind.LOAN,
                beneficiary=f"DOS-{name}",
                due_on=str(TODAY + timedelta(days=days)),
                signed=name == "soon",
            )
            station.choose_outcome(made[name].id, choice, TODAY - timedelta(days=30))
        rental = OutcomeChoice(OutcomeKind.RENTAL, beneficiary="DOS-rent", months="1")
        station.choose_outcome(made["rental"].id, rental, TODAY - timedelta(days=10))
    finally:
        station.close()
    return made


def test_loans_lists_what_is_out_due_soon_and_late(data_dir: Path) -> None:
    made = _seed(data_dir)
    codes = {name: d.asset_code for name, d in made.items()}
    every = _json(data_dir, "loans")["loans"]
    assert [loan["asset_code"] for loan in every] == [
        codes["late"],
        codes["soon"],
        codes["rental"],
        codes["later"],
    ]
    by_code = {loan["asset_code"]: loan for loan in every}
    assert by_code[codes["late"]]["status"] == "overdue"
    assert by_code[codes["late"]]["days_left"] == -2
    assert by_code[codes["soon"]]["status"] == "due_soon" and by_code[codes["soon"]]["signed"]
    assert by_code[codes["later"]]["status"] == "out"
    rental = by_code[codes["rental"]]
    assert rental["kind"] == "rental" and rental["term_months"] == 1
    assert rental["start_on"] == str(TODAY - timedelta(days=10))
    assert rental["beneficiary"] == "DOS-rent"

    late = _json(data_dir, "loans", "--overdue")["loans"]
    assert [loan["asset_code"] for loan in late] == [codes["late"]]
    soon = _json(data_dir, "loans", "--due-within", "7")["loans"]
    assert [loan["asset_code"] for loan in soon] == [codes["soon"]]
    both = _json(data_dir, "loans", "--due-within", "7", "--overdue")["loans"]
    assert [loan["asset_code"] for loan in both] == [codes["late"], codes["soon"]]

    text = run(data_dir, "loans", "--due-within", "7", "--overdue").stdout.splitlines()
    assert len(text) == 2
    assert text[0].startswith("⚠ En retard") and "2 j de retard" in text[0]
    assert text[1].startswith("⏰ Retour bientôt") and "fiche signée" in text[1]
    assert "fiche NON signée" in text[0]
    english = run(data_dir, "loans", "--overdue", "--lang", "en").stdout
    assert english.startswith("⚠ Overdue") and "2 days late" in english


def test_a_return_closes_the_loan_and_the_journey_asks_for_a_check(data_dir: Path) -> None:
    made = _seed(data_dir)
    code = made["late"].asset_code
    back = _json(data_dir, "return", code, "--condition", "écran rayé", "--state", "damaged")
    assert back["returned"] and back["state"] == "damaged"
    assert back["journey"]["next"]["stage"] == "check"
    assert code not in {loan["asset_code"] for loan in _json(data_dir, "loans")["loans"]}
    journey = _json(data_dir, "journey", code)
    assert journey["next"]["stage"] == "check" and not journey["erasure_verified"]
    assert "erase" not in journey["done"] and journey["returned"]
    # Its history is whole: the loan is still there, before the return.
    assert [h["kind"] for h in journey["outcome_history"]] == ["loan"]

    again = run(data_dir, "return", code, "--condition", "bon")
    assert again.returncode == 2 and "ni prêté ni loué" in again.stderr
    text = run(data_dir, "return", made["soon"].asset_code, "--condition", "bon état")
    assert text.returncode == 0
    assert "Ensuite : Contrôler l’appareil" in text.stdout


def test_return_refusals_record_nothing(data_dir: Path) -> None:
    made = _seed(data_dir)
    with Store.open_for_reading(data_dir / DB_NAME) as store:
        before = len(queries.events(store))
    cases = [
        (("return", made["home"].asset_code, "--condition", "bon"), "ni prêté ni loué"),
        (("return", made["late"].asset_code, "--condition", "  "), "quel état"),
        (("return", "ABCD-2345-X", "--condition", "bon"), "ABCD-2345-X"),
    ]
    for argv, words in cases:
        done = run(data_dir, *argv)
        assert done.returncode == 2 and words in done.stderr, (argv, done.stderr)
        assert "Traceback" not in done.stderr
    with Store.open_for_reading(data_dir / DB_NAME) as store:
        assert len(queries.events(store)) == before


def test_a_loan_keeps_the_photo_of_its_signed_sheet_by_its_hash(
    data_dir: Path, tmp_path: Path
) -> None:
    made = _seed(data_dir)
    code = made["home"].asset_code
    due = str(TODAY + timedelta(days=30))
    garbage = tmp_path / "not-a-photo.png"
    garbage.write_bytes(b"not a picture at all")
    refused = run(
        data_dir, "outcome", code, "loan", "--beneficiary", "D-1", "--due", due,
        "--signature", str(garbage),
    )  # fmt: skip
    assert refused.returncode == 2 and "PNG ou JPEG" in refused.stderr
    assert not (data_dir / "signatures").exists()
    photo = tmp_path / "fiche.png"
    photo.write_bytes(PNG)
    done = run(
        data_dir, "outcome", code, "loan", "--beneficiary", "D-1", "--due", due,
        "--signature", str(photo),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "fiche signée" in done.stdout
    digest = hashlib.sha256(PNG).hexdigest()
    assert picture_path(data_dir, digest).read_bytes() == PNG
    (loan,) = [x for x in _json(data_dir, "loans")["loans"] if x["asset_code"] == code]
    assert loan["signed"] and loan["signature_sha256"] == digest


def test_outcome_takes_a_rentals_months_a_sales_receipt_a_parts_receiver(
    data_dir: Path,
) -> None:
    made = _seed(data_dir)
    home = made["home"].asset_code
    bad = run(data_dir, "outcome", home, "rental", "--beneficiary", "D-2", "--months", "0")
    assert bad.returncode == 2 and "1 à 60 mois" in bad.stderr
    done = run(data_dir, "outcome", home, "rental", "--beneficiary", "D-2", "--months", "6")
    assert done.returncode == 0 and "6 mois" in done.stdout, done.stderr
    (rental,) = [x for x in _json(data_dir, "loans")["loans"] if x["asset_code"] == home]
    assert rental["term_months"] == 6 and rental["start_on"] == str(TODAY)
    # A device kept for parts gives its screen to another device.
    station = Station(data_dir, operator="test")
    try:
        donor = station.register_device(DeviceKind.LAPTOP, brand="HP", serial="DONOR")
    finally:
        station.close()
    unknown = run(data_dir, "outcome", donor.asset_code, "parts", "--part", "écran", "--to", "ABCD-2345-X")  # fmt: skip
    assert unknown.returncode == 2 and "Aucun appareil" in unknown.stderr
    given = run(data_dir, "outcome", donor.asset_code, "parts", "--part", "écran", "--to", home)
    assert given.returncode == 0 and f"écran → {home}" in given.stdout, given.stderr
    weighed = run(data_dir, "outcome", donor.asset_code, "recycling", "--reference", "ECO-4", "--weight", "2,5")  # fmt: skip
    assert weighed.returncode == 0 and "2,5 kg" in weighed.stdout, weighed.stderr
