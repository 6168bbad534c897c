"""`etabli search` as a real process: a scanned label address, a serial typed in lower case
and a donor's name each find their device; nothing found and empty text are refused."""

from __future__ import annotations

import json
from pathlib import Path

from bench_app.domain.model import DeviceKind, DonorKind
from bench_app.station import Station
from tests.journey.test_phone_commands import run


def test_search_finds_by_label_serial_and_donor_and_refuses_plainly(data_dir: Path) -> None:
    station = Station(data_dir, operator="test")
    try:
        donor = station.register_donor("Caisse de retraite Sud", DonorKind.PUBLIC_BODY)
        lot = station.register_lot(donor, None, "CONV-SUD-3")
        phone = station.register_device(
            DeviceKind.PHONE, brand="Samsung", model="Galaxy A52", serial="R58R20ABC", lot_id=lot
        )
        laptop = station.register_device(DeviceKind.LAPTOP, brand="Dell", serial="7XK2L93")
    finally:
        station.close()

    scanned = run(data_dir, "search", f"https://verif.example.org/{phone.asset_code}", "--json")
    assert scanned.returncode == 0, scanned.stderr
    (hit,) = json.loads(scanned.stdout)["results"]
    assert hit["code"] == phone.asset_code and hit["matched"] == "code"
    assert (hit["kind"], hit["model"], hit["serial"]) == (
        "phone",
        "Samsung Galaxy A52",
        "R58R20ABC",
    )
    assert (hit["stage"], hit["lot"], hit["outcome"]) == ("intake", lot, None)
    assert hit["donor"] == "Caisse de retraite Sud"

    typed = run(data_dir, "search", "7xk2 l93")
    assert typed.returncode == 0, typed.stderr
    assert typed.stdout.startswith(laptop.asset_code) and "[n° de série]" in typed.stdout

    words = run(data_dir, "search", "retraite", "--lang", "en")
    assert words.returncode == 0 and phone.asset_code in words.stdout
    assert "lot CONV-SUD-3 (Caisse de retraite Sud)" in words.stdout and "[words]" in words.stdout

    nothing = run(data_dir, "search", "iPhone")
    assert nothing.returncode == 2 and "Aucun appareil ne correspond" in nothing.stderr
    assert "Traceback" not in nothing.stderr
    empty = run(data_dir, "search", "  ")
    assert empty.returncode == 2 and "Rien à chercher" in empty.stderr
