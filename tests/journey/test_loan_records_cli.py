"""What happens to a loan while it is out, and to a device kept for its parts, as real
`etabli` processes: `loans --unsigned`, `loan-sign` (ticked, then a picture), `loan-pay`
(a rental's months paid vs due, a late payment listed as overdue), `give-part` and `parts`
(one donor, several parts, several receivers)."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta
from pathlib import Path

from bench_app.domain.model import Device, DeviceKind, DonorKind, OutcomeKind
from bench_app.journey import OutcomeChoice
from bench_app.loans import picture_path
from bench_app.station import Station
from bench_app.store import queries
from bench_app.store.database import DB_NAME, Store
from tests.journey.test_loans_cli import _json
from tests.journey.test_phone_commands import run
from tests.unit.test_loans import PNG, _erased

TODAY = date.today()


def _devices(data_dir: Path, *names: str, lot_id: str | None = None) -> dict[str, Device]:
    station = Station(data_dir, operator="test")
    try:
        made = {}
        for name in names:
            made[name] = station.register_device(
                DeviceKind.DRIVE, brand="WD", serial=name, lot_id=lot_id
            )
            _erased(station, made[name])
        return made
    finally:
        station.close()


def _choose(data_dir: Path, device: Device, choice: OutcomeChoice, on: date = TODAY) -> None:
    station = Station(data_dir, operator="test")
    try:
        station.choose_outcome(device.id, choice, on)
    finally:
        station.close()


def _facts(data_dir: Path, device: Device, kind: str) -> list[tuple[str, str, dict[str, object]]]:
    with Store.open_for_reading(data_dir / DB_NAME) as store:
        return [
            (e.operator, e.ts, e.payload)
            for e in queries.events(store, device.id)
            if e.type == kind
        ]


def _refused(data_dir: Path, *argv: str, words: str) -> None:
    with Store.open_for_reading(data_dir / DB_NAME) as store:
        before = len(queries.events(store))
    done = run(data_dir, *argv)
    assert done.returncode == 2 and words in done.stderr, (argv, done.stderr)
    assert "Traceback" not in done.stderr
    with Store.open_for_reading(data_dir / DB_NAME) as store:
        assert len(queries.events(store)) == before, argv


def test_a_sheet_signed_later_by_command_ticked_then_with_its_picture(
    data_dir: Path, tmp_path: Path
) -> None:
    made = _devices(data_dir, "unsigned", "signed")
    for name in made:
        due = str(TODAY + timedelta(days=20))
        choice = OutcomeChoice(
            OutcomeKind.LOAN, beneficiary=f"DOS-{name}", due_on=due, signed=name == "signed"
        )
        _choose(data_dir, made[name], choice)
    code = made["unsigned"].asset_code
    listed = _json(data_dir, "loans", "--unsigned")["loans"]
    assert [loan["asset_code"] for loan in listed] == [code]
    assert "fiche NON signée" in run(data_dir, "loans", "--lang", "fr").stdout

    signed = _json(data_dir, "loan-sign", code)
    assert signed["signed"] and signed["signature_sha256"] is None
    assert not signed["picture_added"] and signed["signed_by"] == "atelier-test"
    ((operator, ts, payload),) = _facts(data_dir, made["unsigned"], "loan.signed")
    assert operator == "atelier-test" and ts.startswith(TODAY.isoformat()[:4])
    assert payload["signature_sha256"] == ""
    assert _json(data_dir, "loans", "--unsigned")["loans"] == []
    # Signed already, no picture to add: refused, nothing recorded.
    _refused(data_dir, "loan-sign", code, words="déjà signée")

    photo = tmp_path / "fiche.png"
    photo.write_bytes(PNG)
    digest = hashlib.sha256(PNG).hexdigest()
    added = _json(data_dir, "loan-sign", code, "--signature", str(photo))
    assert added["picture_added"] and added["signature_sha256"] == digest
    assert picture_path(data_dir, digest).read_bytes() == PNG
    loan = next(x for x in _json(data_dir, "loans")["loans"] if x["asset_code"] == code)
    assert loan["signed"] and loan["signature_sha256"] == digest
    assert loan["signed_later_by"] == "atelier-test"
    assert len(_facts(data_dir, made["unsigned"], "loan.signed")) == 2
    # A file that is no picture, or a device not out: refused, nothing kept or recorded.
    (tmp_path / "notes.png").write_bytes(b"pas une image")
    _refused(data_dir, "loan-sign", code, "--signature", str(tmp_path / "notes.png"), words="PNG")
    home = _devices(data_dir, "home")["home"]
    _refused(data_dir, "loan-sign", home.asset_code, words="ni prêté ni loué")


def test_a_rentals_months_paid_against_due_and_a_late_payment_listed_overdue(
    data_dir: Path,
) -> None:
    made = _devices(data_dir, "rented", "lent")
    start = TODAY - timedelta(days=75)  # two months fallen due by today
    _choose(
        data_dir,
        made["rented"],
        OutcomeChoice(OutcomeKind.RENTAL, beneficiary="DOS-r", months="6", signed=True),
        start,
    )
    _choose(
        data_dir,
        made["lent"],
        OutcomeChoice(
            OutcomeKind.LOAN, beneficiary="DOS-l", due_on=str(TODAY + timedelta(days=40))
        ),
        start,
    )
    code = made["rented"].asset_code
    rental = next(x for x in _json(data_dir, "loans")["loans"] if x["asset_code"] == code)
    assert (rental["months_paid"], rental["months_due"]) == (0, 2)
    assert rental["payment_late"] and not rental["return_late"]
    assert rental["status"] == "overdue" and rental["payments"] == []
    overdue = _json(data_dir, "loans", "--overdue")["loans"]
    assert [x["asset_code"] for x in overdue] == [code]
    assert "PAIEMENT EN RETARD" in run(data_dir, "loans", "--lang", "fr").stdout

    paid_on = str(start + timedelta(days=31))
    after = _json(
        data_dir, "loan-pay", code, "--amount", "12,50", "--receipt", "R-001", "--on", paid_on
    )
    assert after["months_paid"] == 1 and after["payment_late"]  # the second month is due
    after = _json(
        data_dir, "loan-pay", code, "--amount", "25", "--receipt", "R-002", "--months", "2"
    )
    assert (after["months_paid"], after["months_due"]) == (3, 2) and not after["payment_late"]
    assert after["paid_eur"] == "37.50" and after["status"] != "overdue"
    assert _json(data_dir, "loans", "--overdue")["loans"] == []
    listed = next(x for x in _json(data_dir, "loans")["loans"] if x["asset_code"] == code)
    assert [
        (p["paid_on"], p["amount_eur"], p["receipt"], p["months"]) for p in listed["payments"]
    ] == [
        (paid_on, "12.50", "R-001", 1),
        (str(TODAY), "25.00", "R-002", 2),
    ]
    # Refused, nothing recorded: a loan, a bad amount or day, no receipt, too many months.
    lent = made["lent"].asset_code
    _refused(data_dir, "loan-pay", lent, "--amount", "5", "--receipt", "R", words="pas loué")
    _refused(data_dir, "loan-pay", code, "--amount", "0", "--receipt", "R", words="Montant")
    _refused(data_dir, "loan-pay", code, "--amount", "dix", "--receipt", "R", words="Montant")
    future = str(TODAY + timedelta(days=1))
    _refused(
        data_dir, "loan-pay", code, "--amount", "5", "--receipt", "R", "--on", future,
        words="Date de paiement",
    )  # fmt: skip
    _refused(data_dir, "loan-pay", code, "--amount", "5", "--receipt", " ", words="reçu")
    _refused(
        data_dir, "loan-pay", code, "--amount", "5", "--receipt", "R", "--months", "4",
        words="il en reste 3",
    )  # fmt: skip


def test_one_donor_gives_several_parts_to_several_devices(data_dir: Path) -> None:
    station = Station(data_dir, operator="test")
    try:
        donor_id = station.register_donor("Mairie", DonorKind.PUBLIC_BODY)
        lot_id = station.register_lot(donor_id, agreement_ref="CONV-PIECES")
    finally:
        station.close()
    made = _devices(data_dir, "donor", "phone-a", "phone-b", "kept", lot_id=lot_id)
    _choose(data_dir, made["donor"], OutcomeChoice(OutcomeKind.SPARE_PARTS))
    donor, a, b = (made[n].asset_code for n in ("donor", "phone-a", "phone-b"))
    first = _json(data_dir, "give-part", donor, "--part", "écran", "--to", a)
    assert first["receiver"] == a and [p["part"] for p in first["parts_given"]] == ["écran"]
    _json(data_dir, "give-part", donor, "--part", "batterie", "--to", b)
    _json(data_dir, "give-part", donor, "--part", "caméra", "--to", a)
    gave = _json(data_dir, "parts", donor)
    assert [(p["part"], p["receiver"]) for p in gave["gave"]] == [
        ("écran", a),
        ("batterie", b),
        ("caméra", a),
    ]
    assert gave["received"] == []
    got = _json(data_dir, "parts", a)
    assert [(p["part"], p["donor"]) for p in got["received"]] == [
        ("écran", donor),
        ("caméra", donor),
    ]
    text = run(data_dir, "parts", b, "--lang", "fr").stdout
    assert f"Pièce reçue de {donor} : batterie" in text
    # The lot's page counts what each of its devices gave.
    page = {d["asset_code"]: d for d in _json(data_dir, "lot", "CONV-PIECES")["devices"]}
    assert page[donor]["parts_given"] == 3 and page[a]["parts_given"] == 0
    line = next(
        x
        for x in run(data_dir, "lot", "CONV-PIECES", "--lang", "fr").stdout.splitlines()
        if x.startswith(donor)
    )
    assert "3 pièce(s) donnée(s)" in line
    # Refused: a donor not kept for parts, no part named, itself, an unknown receiver.
    kept = made["kept"].asset_code
    _refused(data_dir, "give-part", kept, "--part", "écran", "--to", a, words="pas gardé")
    _refused(data_dir, "give-part", donor, "--part", "  ", "--to", a, words="quelle pièce")
    _refused(data_dir, "give-part", donor, "--part", "écran", "--to", donor, words="lui-même")
    _refused(data_dir, "give-part", donor, "--part", "écran", "--to", "ABCD-2345-X", words="ABCD")
