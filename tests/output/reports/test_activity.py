"""The activity export: one row per device touched in the period, its state at the end of
the period, the stages reached in it; UTF-8 with BOM and `;`; training left out unless asked."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest

import bench_app.store.database as database
from bench_app.commands.main import main
from bench_app.domain.model import DeviceKind, DonorKind, OutcomeKind
from bench_app.errors import BenchError
from bench_app.output.reports.activity import Period
from bench_app.station import Station
from tests.output.reports.support import grade
from tests.unit.support import outcome_in_log


def _clock(monkeypatch: pytest.MonkeyPatch) -> Callable[[date], None]:
    """Dates the next facts on a given day (noon, local time), as if recorded then."""

    def set_day(day: date) -> None:
        ts = datetime.combine(day, time(12)).astimezone().astimezone(UTC)
        text = ts.isoformat(timespec="milliseconds").replace("+00:00", "Z")
        monkeypatch.setattr(database, "utc_now", lambda: text)

    return set_day


def _export(tmp_path: Path, first: str, last: str, *extra: str) -> list[dict[str, str]]:
    out = tmp_path / f"activite-{first}.csv"
    assert main(["report", "activity", "--from", first, "--to", last, "-o", str(out), *extra]) == 0
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline=""), delimiter=";"))


def test_each_month_shows_what_happened_in_it(
    station: Station, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    day = _clock(monkeypatch)
    day(date(2026, 3, 2))
    donor = station.register_donor("La Poste", DonorKind.COMPANY)
    lot = station.register_lot(donor, date(2026, 3, 2), "CONV-POSTE-12")
    early = station.register_device(
        DeviceKind.LAPTOP, brand="Dell", model="Latitude 7490", serial="JX7Q2W", lot_id=lot
    )
    day(date(2026, 3, 15))
    late = station.register_device(
        DeviceKind.PHONE, brand="Samsung", model="SM-A505FN", imei="490154203237518", lot_id=lot
    )
    day(date(2026, 3, 20))
    trainee = station.register_device(
        DeviceKind.PHONE, brand="Fairphone", model="FP3", training=True
    )
    day(date(2026, 4, 3))
    grade(station, late.id, "B", 6)
    outcome_in_log(station, late.id, OutcomeKind.DONATION, "BON-77")

    march = {r["Code"]: r for r in _export(tmp_path, "2026-03-01", "2026-03-31")}
    assert set(march) == {early.asset_code, late.asset_code}
    row = march[late.asset_code]
    assert row["Date d’accueil"] == "2026-03-15" and row["Donateur"] == "La Poste"
    assert row["Don"] == "CONV-POSTE-12" and row["IMEI"] == "490154203237518"
    assert row["Étapes de la période"] == "Accueil"
    # As it stood on 31 March: the April grade and gift are not there yet.
    assert row["Note atelier"] == "" and row["Issue"] == "Sans issue encore"
    assert row["Effacement"] == "Aucun effacement enregistré" and row["Formation"] == "non"

    april = _export(tmp_path, "2026-04-01", "2026-04-30")
    assert [r["Code"] for r in april] == [late.asset_code]
    assert april[0]["Étapes de la période"] == "Noté, Terminé"
    assert april[0]["Issue"] == "Don" and april[0]["Référence de l’issue"] == "BON-77"
    assert april[0]["Note atelier"] == "B"

    with_training = _export(tmp_path, "2026-03-01", "2026-03-31", "--include-training")
    assert {r["Code"]: r["Formation"] for r in with_training}[trainee.asset_code] == "oui"
    assert _export(tmp_path, "2026-05-01", "2026-05-31") == []


def test_a_period_backwards_or_not_a_date_is_refused() -> None:
    with pytest.raises(BenchError) as backwards:
        Period.parse("2026-04-30", "2026-04-01")
    assert backwards.value.code == "REPORT_PERIOD_INVALID"
    with pytest.raises(BenchError):
        Period.parse("2026-02-30", "2026-03-01")
    assert (
        main(["report", "activity", "--from", "2026-04-30", "--to", "2026-04-01", "-o", "x.csv"])
        == 2
    )
